"""Records what real TensorFlow computes and builds for tests/engine/ops/test_tensor_array_ops.py and
test_functional_ops.py: TensorArrays (TensorArrayV3 and its ops) inside and outside while loops, and
map_fn / scan / foldl / foldr, with TensorFlow 1's graphs (control flow v1).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_tensor_array.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``tensor_array.npz`` holds, for each case, its input (``<case>:in``), its outputs (``<case>:out<k>``) and
the names and types of the graph's nodes (``<case>:nodes``, ``name type`` lines); for each error case the
error class and TensorFlow's message (``<err>:error``). ``tensor_array_while.pb`` is a GraphDef that
TensorFlow wrote, a while loop writing to a TensorArray, with its input and output in the npz
(``graphdef:in``, ``graphdef:out``). A case's ``build`` takes a TensorFlow-1 namespace and a placeholder, so
the tests build the same graphs with ``tagraph.engine``; importing this file needs only numpy.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_X = np.random.default_rng(7).uniform(-2.0, 2.0, size=[5, 3]).astype(np.float32)
_V = np.random.default_rng(8).uniform(-2.0, 2.0, size=[6, 2]).astype(np.float32)


def _while_write_stack(tf, x):
    ta_in = tf.TensorArray(tf.float32, 5).unstack(x)
    ta = tf.TensorArray(tf.float32, 5)

    def body(i, ta):
        return i + 1, ta.write(i, ta_in.read(i) * 2.0 + tf.cast(i, tf.float32))
    _, ta = tf.while_loop(lambda i, ta: i < 5, body, [0, ta])
    return [ta.stack(), ta.size()]


def _dynamic_growth(tf, x):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)

    def body(i, ta):
        return i + 1, ta.write(i, x[0] * tf.cast(i, tf.float32))
    _, ta = tf.while_loop(lambda i, ta: i < 7, body, [0, ta])
    return [ta.stack(), ta.size()]


def _scatter_gather(tf, x):
    ta = tf.TensorArray(tf.float32, 4, clear_after_read=False).scatter([3, 0, 2, 1], x[:4])
    return [ta.gather([1, 3]), ta.stack(), ta.read(2)]


def _split_concat(tf, v):
    ta = tf.TensorArray(tf.float32, 3, infer_shape=False).split(v, [1, 3, 2])
    return [ta.concat()]


def _split_read(tf, v):
    ta = tf.TensorArray(tf.float32, 3, infer_shape=False).split(v, [1, 3, 2])
    return [ta.read(1), ta.size()]


def _unwritten_zeros(tf, x):
    ta = tf.TensorArray(tf.float32, 3, element_shape=[3]).write(1, x[1])
    return [ta.stack()]


def _identity_close(tf, x):
    ta = tf.TensorArray(tf.float32, 2).write(0, x[0]).write(1, x[1]).identity()
    s = ta.stack()
    with tf.control_dependencies([s]):
        c = ta.close()
    with tf.control_dependencies([c]):
        out = tf.identity(s)
    return [out]


CASES = {
    "while_write_stack": (_while_write_stack, _X),
    "dynamic_growth": (_dynamic_growth, _X),
    "scatter_gather": (_scatter_gather, _X),
    "split_concat": (_split_concat, _V),
    "split_read": (_split_read, _V),
    "unwritten_zeros": (_unwritten_zeros, _X),
    "identity_close": (_identity_close, _X),
    "map_fn": (lambda tf, x: [tf.map_fn(lambda r: r * r + 1.0, x)], _X),
    "map_fn_reduce": (lambda tf, x: [tf.map_fn(lambda r: tf.reduce_sum(r), x)], _X),
    "map_fn_dtype": (lambda tf, x: [tf.map_fn(lambda r: tf.cast(r > 0.0, tf.int32), x, dtype=tf.int32)], _X),
    "map_fn_nested": (lambda tf, x: [tf.map_fn(lambda t: t[0] * t[1], (x, x + 1.0), dtype=tf.float32)], _X),
    "scan": (lambda tf, x: [tf.scan(lambda a, r: a + r, x)], _X),
    "scan_initializer": (lambda tf, x: [tf.scan(lambda a, r: a * 0.5 + tf.reduce_sum(r), x, initializer=1.0)], _X),
    "scan_reverse": (lambda tf, x: [tf.scan(lambda a, r: a * r, x, reverse=True)], _X),
    "foldl": (lambda tf, x: [tf.foldl(lambda a, r: a * 0.5 + r, x)], _X),
    "foldl_initializer": (lambda tf, x: [tf.foldl(lambda a, r: a + tf.reduce_max(r), x, initializer=0.0)], _X),
    "foldr": (lambda tf, x: [tf.foldr(lambda a, r: a * 0.5 + r, x)], _X),
    "foldr_initializer": (lambda tf, x: [tf.foldr(lambda a, r: a - r, x, initializer=tf.zeros([3]))], _X),
}


def _read_twice(tf, x):
    ta = tf.TensorArray(tf.float32, 2).write(0, x[0])
    a = ta.read(0)
    with tf.control_dependencies([a]):
        return ta.read(0)


def _read_after_close(tf, x):
    ta = tf.TensorArray(tf.float32, 2).write(0, x[0])
    with tf.control_dependencies([ta.close()]):
        return ta.read(0)


def _write_dtype(tf, x):
    ta = tf.TensorArray(tf.float32, 2)
    return ta.write(0, tf.cast(x[0], tf.int32)).stack()


def _stack_inconsistent(tf, x):
    return tf.TensorArray(tf.float32, 2, infer_shape=False).write(0, x[0]).write(1, x[1, :2]).stack()


ERRORS = {
    "read_unwritten": lambda tf, x: tf.TensorArray(tf.float32, tf.shape(x)[0]).read(3),
    "write_twice": lambda tf, x: tf.TensorArray(tf.float32, 4).write(0, x[0]).write(0, x[1]).stack(),
    "write_out_of_range": lambda tf, x: tf.TensorArray(tf.float32, 2).write(2, x[0]).stack(),
    "read_out_of_range": lambda tf, x: tf.TensorArray(tf.float32, 2).write(0, x[0]).read(5),
    "read_twice": _read_twice,
    "read_after_close": _read_after_close,
    "write_dtype": _write_dtype,
    "write_shape": lambda tf, x: tf.TensorArray(tf.float32, 2).write(0, x[0]).write(
        1, tf.reshape(x[1, :2], tf.shape(x[1, :2]))).stack(),
    "stack_inconsistent": _stack_inconsistent,
    "stack_empty_unknown_shape": lambda tf, x: tf.TensorArray(tf.float32, tf.shape(x)[0] - 5).stack(),
    "scatter_out_of_range": lambda tf, x: tf.TensorArray(tf.float32, 2).scatter([0, 3], x[:2]).stack(),
    "split_sum": lambda tf, x: tf.TensorArray(tf.float32, 2).split(x, [1, 1]).stack(),
    "split_count": lambda tf, x: tf.TensorArray(tf.float32, 2).split(x, [1, 1, 3]).stack(),
    # read, not stack: stack gathers over a Range of the size, which TensorFlow may run (and fail) first
    "negative_size": lambda tf, x: tf.TensorArray(tf.float32, tf.shape(x)[0] - 6).write(0, x[0]).read(0),
}


def _graph_def(tf):
    """A graph with a while loop writing to a TensorArray (a running product of the rows), as TensorFlow
    writes it."""
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    n = tf.shape(x)[0]
    rows = tf.TensorArray(tf.float32, n, name="rows").unstack(x)
    out = tf.TensorArray(tf.float32, n, name="out")

    def body(i, acc, ta):
        acc = acc * rows.read(i)
        return i + 1, acc, ta.write(i, acc)
    _, _, ta = tf.while_loop(lambda i, acc, ta: i < n, body, [0, tf.ones([3]), out])
    tf.identity(ta.stack(), name="y")


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    tf.disable_control_flow_v2()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    data = {}
    for name, (build, x) in CASES.items():
        with tf.Graph().as_default() as g:
            ph = tf.placeholder(tf.float32, x.shape)
            outs = build(tf, ph)
            with tf.Session() as sess:
                got = sess.run(outs, {ph: x})
            data[name + ":in"] = x
            for k, v in enumerate(got):
                data["%s:out%d" % (name, k)] = np.asarray(v)
            data[name + ":nodes"] = np.array("\n".join("%s %s" % (op.name, op.type) for op in g.get_operations()))
    for name, build in ERRORS.items():
        with tf.Graph().as_default():
            ph = tf.placeholder(tf.float32, None)
            try:
                out = build(tf, ph)
                with tf.Session() as sess:
                    sess.run(out, {ph: _X})
            except tf.errors.OpError as e:
                data[name + ":error"] = np.array("%s\n%s" % (type(e).__name__, e.message.split("\n")[0]
                                                              if "Graph execution" not in e.message
                                                              else _kernel_message(e.message)))
            else:
                sys.exit("%s did not fail" % name)
    with tf.Graph().as_default() as g:
        _graph_def(tf)
        with tf.Session() as sess:
            data["graphdef:in"] = _X
            data["graphdef:out"] = sess.run("y:0", {"x:0": _X})
        with open(os.path.join(out_dir, "tensor_array_while.pb"), "wb") as f:
            f.write(g.as_graph_def().SerializeToString())
    np.savez(os.path.join(out_dir, "tensor_array.npz"), **data)
    print("wrote %d arrays" % len(data))


def _kernel_message(message):
    lines = message.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("Node: ")]
    return lines[at[0] + 1] if at else lines[-1]


if __name__ == "__main__":
    main()
