"""Records what real TensorFlow 1 computes for tests/engine/train/test_control_flow_grad.py and
tests/engine/ops/test_stack_ops.py: gradients through while loops (control flow v1: stacks, a backward
loop), through TensorArrays and conds in loops, map_fn / scan / foldl / foldr, a few GradientDescent steps
of an LSTM-like loop, the stack ops' values and errors, and a GraphDef of TensorFlow's own gradient graph.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_loop_grads.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``loop_grads.npz`` holds, for each case of ``CASES``, its input (``<case>:in``), its outputs
(``<case>:out<k>``) and the gradients of the sum of its outputs with respect to what the case names
(``<case>:grad<k>``; ``<case>:none<k>`` where TensorFlow's gradient is None), and the op types of the
graph's loop machinery (``<case>:nodes``, ``name type`` lines of the ops ``tf.gradients`` added); for
``TRAIN`` cases the loss before each GradientDescent step (``<case>:losses``); for ``SPARSE`` cases the
IndexedSlices gradient of a variable gathered in a loop and the variable after two Momentum steps; for
each stack or gradient-array case its values (``stack:<case>:out<k>``, ``grad_array:...``) and for each
error case TensorFlow's error class and message (``stack:<err>:error``, ``grad_array:...``).
``rnn_grad_graph.pb`` is a GraphDef that TensorFlow wrote: an RNN-like loop over a TensorArray and
``tf.gradients`` of its loss, so it holds StackV2, StackPushV2, StackPopV2 and TensorArrayGradV3; its
feeds and fetches are ``graphdef:*`` in the npz.

A case's ``build(tf, x)`` takes a TensorFlow-1 namespace and a placeholder and returns (outputs, the
tensors or variables to differentiate with respect to); the tests build the same graphs with
``tagraph.engine``. Importing this file needs only numpy.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_R = np.random.default_rng(11)
_X3 = _R.uniform(-1.0, 1.0, size=[3]).astype(np.float64)
_X23 = _R.uniform(-1.0, 1.0, size=[2, 3]).astype(np.float64)
_SEQ = _R.uniform(-1.0, 1.0, size=[4, 2, 3]).astype(np.float32)     # time, batch, features
_W = _R.uniform(-0.5, 0.5, size=[3 + 5, 4 * 5]).astype(np.float32)   # LSTM weights: [features + units, 4 units]
_V = _R.uniform(-0.5, 0.5, size=[3, 3]).astype(np.float64)
_P = _R.uniform(-1.0, 1.0, size=[5, 2]).astype(np.float64)


def _mul_n(tf, x):
    w = x * 0.5 + 1.0
    _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * w), [0, x])
    return [y], [x, w]


def _rnn_matmul(tf, x):
    v = tf.constant(_V)

    def body(i, h):
        return i + 1, tf.tanh(tf.matmul(h, v) + x[0])
    _, h = tf.while_loop(lambda i, h: i < 4, body, [0, x])
    return [h], [x, v]


def _ta_write_read(tf, x):
    rows = tf.TensorArray(tf.float64, 2, clear_after_read=False).unstack(x)
    out = tf.TensorArray(tf.float64, 4)

    def body(i, a, out):
        a = tf.sin(a) * rows.read(i % 2) + a
        return i + 1, a, out.write(i, a * a)
    _, a, out = tf.while_loop(lambda i, a, out: i < 4, body, [0, x[1], out])
    return [out.stack(), a], [x]


def _nested(tf, x):
    def outer(i, a):
        _, b = tf.while_loop(lambda j, b: j < i + 1, lambda j, b: (j + 1, b * x + 0.25), [0, a])
        return i + 1, tf.sin(b)
    _, y = tf.while_loop(lambda i, a: i < 3, outer, [0, x])
    return [y], [x]


def _cond_in_loop(tf, x):
    def body(i, a):
        a = tf.cond(tf.equal(i % 2, 0), lambda: a * x, lambda: tf.sin(a) + x)
        return i + 1, a
    _, y = tf.while_loop(lambda i, a: i < 5, body, [0, x])
    return [y], [x]


def _maximum_iterations(tf, x):
    y = tf.while_loop(lambda a: tf.reduce_sum(a) < 100.0, lambda a: a * 2.0 + x, [x], maximum_iterations=3)
    return [y], [x]


def _invariant_variable(tf, x, use_resource):
    v = tf.get_variable("v", [3, 3], tf.float64, initializer=tf.constant_initializer(_V), use_resource=use_resource)

    def body(i, h):
        return i + 1, tf.tanh(tf.matmul(h, v)) + h
    _, h = tf.while_loop(lambda i, h: i < 3, body, [0, x])
    return [h], [x, v]


def _unused_loop_value(tf, x):
    # b's final value is not used, but a depends on b's earlier values.
    _, a, _ = tf.while_loop(lambda i, a, b: i < 3, lambda i, a, b: (i + 1, a * b, b + x), [0, x, x])
    return [a], [x]


def _back_prop_false(tf, x, also_x):
    _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x], back_prop=False)
    return ([y, y + x] if also_x else [y]), [x]


CASES = {
    "mul_n": (_mul_n, _X3),
    "rnn_matmul": (_rnn_matmul, _X23),
    "ta_write_read": (_ta_write_read, _X23),
    "nested": (_nested, _X3),
    "cond_in_loop": (_cond_in_loop, _X3),
    "maximum_iterations": (_maximum_iterations, _X3),
    "resource_variable": (lambda tf, x: _invariant_variable(tf, x, True), _X23),
    "ref_variable": (lambda tf, x: _invariant_variable(tf, x, False), _X23),
    "unused_loop_value": (_unused_loop_value, _X3),
    "back_prop_false": (lambda tf, x: _back_prop_false(tf, x, False), _X3),
    "back_prop_false_and_x": (lambda tf, x: _back_prop_false(tf, x, True), _X3),
    "map_fn": (lambda tf, x: ([tf.map_fn(lambda r: r * r * x[0, 0], x)], [x]), _X23),
    "scan": (lambda tf, x: ([tf.scan(lambda a, r: a * r + 1.0, x)], [x]), _X23),
    "scan_reverse": (lambda tf, x: ([tf.scan(lambda a, r: tf.sin(a) * r, x, initializer=x[0], reverse=True)], [x]),
                     _X23),
    "foldl": (lambda tf, x: ([tf.foldl(lambda a, r: a * r + r, x)], [x]), _X23),
    "foldr": (lambda tf, x: ([tf.foldr(lambda a, r: tf.tanh(a - r), x, initializer=tf.ones([3], tf.float64))], [x]),
              _X23),
}


def lstm_loss(tf, x):
    """An LSTM-like recurrence over the time steps of ``x`` [time, batch, features], as dynamic_rnn builds
    it: a TensorArray of inputs read, a TensorArray of outputs written; the loss is the outputs' squared
    distance from 0.3."""
    steps, batch, units = 4, 2, 5
    w = tf.get_variable("lstm_w", [3 + units, 4 * units], tf.float32, initializer=tf.constant_initializer(_W))
    b = tf.get_variable("lstm_b", [4 * units], tf.float32, initializer=tf.zeros_initializer())
    inputs = tf.TensorArray(tf.float32, steps).unstack(x)
    outputs = tf.TensorArray(tf.float32, steps)

    def body(t, c, h, outputs):
        z = tf.matmul(tf.concat([inputs.read(t), h], 1), w) + b
        i, f, o, g = tf.split(z, 4, axis=1)
        c = tf.sigmoid(f + 1.0) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
        return t + 1, c, h, outputs.write(t, h)
    zeros = tf.zeros([batch, units], tf.float32)
    _, _, _, outputs = tf.while_loop(lambda t, c, h, o: t < steps, body, [0, zeros, zeros, outputs])
    return tf.reduce_sum(tf.square(outputs.stack() - 0.3)), [w, b]


TRAIN = {"lstm": (lstm_loss, _SEQ, 0.5, 5)}     # build, input, learning rate, steps


def gather_in_loop(tf, use_resource):
    """Rows of a variable gathered in a loop: the variable's gradient is an IndexedSlices summed over the
    iterations (a sparse accumulator loop); returns (loss, variable)."""
    params = tf.get_variable("params", [5, 2], tf.float64, initializer=tf.constant_initializer(_P),
                             use_resource=use_resource)
    ids = tf.constant([1, 3, 1, 4])

    def body(i, a):
        return i + 1, a * tf.gather(params, ids[i])
    _, y = tf.while_loop(lambda i, a: i < 4, body, [0, tf.ones([2], tf.float64)])
    return tf.reduce_sum(y), params


# name -> use_resource: the IndexedSlices gradient's parts, and the variable after two Momentum steps.
SPARSE = {"gather_in_loop_resource": True, "gather_in_loop_ref": False}


def _stack_values(tf, g):
    h = g.stack_v2(-1, tf.float32, stack_name="s")
    p1 = g.stack_push_v2(h, [1.0, 2.0])
    with tf.control_dependencies([p1]):
        p2 = g.stack_push_v2(h, [3.0])
    with tf.control_dependencies([p2]):
        a = g.stack_pop_v2(h, tf.float32)
    with tf.control_dependencies([a]):
        b = g.stack_pop_v2(h, tf.float32)
    return [p1, p2, a, b]


def _pop_empty(tf, g):
    return g.stack_pop_v2(g.stack_v2(-1, tf.float32, stack_name="foo"), tf.float32)


def _pop_empty_unnamed(tf, g):
    return g.stack_pop_v2(g.stack_v2(-1, tf.float32, name="acc"), tf.float32)


def _overflow(tf, g):
    h = g.stack_v2(1, tf.float32, stack_name="small")
    p = g.stack_push_v2(h, 1.0)
    with tf.control_dependencies([p]):
        q = g.stack_push_v2(h, 2.0)
    with tf.control_dependencies([q]):
        return g.stack_pop_v2(h, tf.float32)


def _closed(tf, g):
    h = g.stack_v2(-1, tf.float32, stack_name="shut")
    p = g.stack_push_v2(h, 1.0)
    with tf.control_dependencies([p]):
        c = g.stack_close_v2(h)
    with tf.control_dependencies([c]):
        return g.stack_pop_v2(h, tf.float32)


def _pop_dtype(tf, g):
    h = g.stack_v2(-1, tf.float32, stack_name="typed")
    p = g.stack_push_v2(h, 1.0)
    with tf.control_dependencies([p]):
        return g.stack_pop_v2(h, tf.int32)


def _size_not_scalar(tf, g):
    return g.stack_pop_v2(g.stack_v2([1, 2], tf.float32, stack_name="v"), tf.float32)


def _grad_arrays(tf, gen):
    """A gradient array: writes to one index add up, an index never written reads as zeros of its forward
    element's shape (or of the shape prepended with TensorArrayGradWithShape), one array per source."""
    x = tf.constant(np.arange(6.0).reshape(3, 2), tf.float32)
    ta = tf.TensorArray(tf.float32, 3).write(0, x[0]).write(2, x[2])
    g = ta.grad("gradients", ta.flow)
    w = g.write(0, tf.ones([2])).write(0, tf.ones([2]) * 2.0)
    r0 = w.read(0)
    with tf.control_dependencies([r0]):
        r1 = w.read(1)
    again = ta.grad("gradients", w.flow)
    with tf.control_dependencies([r1]):
        r2 = again.read(2)
    handle, flow = gen.tensor_array_grad_with_shape(ta.handle, ta.flow, [4], source="other")
    r3 = tf.TensorArray(tf.float32, handle=handle, flow=flow).read(2)
    return [r0, r1, r2, r3]


def _grad_array_bad_shape(tf, gen):
    x = tf.constant(np.arange(6.0).reshape(3, 2), tf.float32)
    ta = tf.TensorArray(tf.float32, 3).write(0, x[0])
    g = ta.grad("gradients", ta.flow)
    return gen.tensor_array_write_v3(g.handle, 1, tf.ones([3]), g.flow)


STACK_CASES = {"push_pop": _stack_values}
STACK_ERRORS = {"pop_empty": _pop_empty, "pop_empty_unnamed": _pop_empty_unnamed, "overflow": _overflow,
                "closed": _closed, "pop_dtype": _pop_dtype, "size_not_scalar": _size_not_scalar}
GRAD_ARRAY_CASES = {"grad_arrays": _grad_arrays}
GRAD_ARRAY_ERRORS = {"grad_array_bad_shape": _grad_array_bad_shape}


def _graph_def(tf):
    """An RNN-like loop over the rows of x and TensorFlow's own gradient graph of its loss."""
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.placeholder(tf.float32, [3, 3], name="w")
    n = tf.shape(x)[0]
    rows = tf.TensorArray(tf.float32, n).unstack(x)
    out = tf.TensorArray(tf.float32, n)

    def body(i, h, out):
        h = tf.tanh(tf.matmul(tf.expand_dims(rows.read(i), 0), w) + h)
        return i + 1, h, out.write(i, h[0])
    _, h, out = tf.while_loop(lambda i, h, out: i < n, body, [0, tf.zeros([1, 3]), out])
    stacked = out.stack()
    loss = tf.identity(tf.reduce_sum(stacked * stacked) + tf.reduce_sum(h), name="loss")
    dx, dw = tf.gradients(loss, [x, w])
    tf.identity(dx, name="dx")
    tf.identity(dw, name="dw")


def _kernel_message(message):
    lines = message.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("Node: ")]
    return lines[at[0] + 1] if at else lines[-1]


def main():
    import tensorflow.compat.v1 as tf
    from tensorflow.python.ops import gen_data_flow_ops
    tf.disable_eager_execution()
    tf.disable_control_flow_v2()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    data = {}
    for name, (build, x) in CASES.items():
        with tf.Graph().as_default() as g:
            ph = tf.placeholder(tf.as_dtype(x.dtype), x.shape)
            outs, wrt = build(tf, ph)
            n0 = len(g.get_operations())
            grads = tf.gradients(outs, wrt)
            data[name + ":nodes"] = np.array("\n".join("%s %s" % (op.name, op.type)
                                                       for op in g.get_operations()[n0:]))
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                got = sess.run(outs, {ph: x})
                grad_vals = sess.run([gr for gr in grads if gr is not None], {ph: x})
            data[name + ":in"] = x
            for k, v in enumerate(got):
                data["%s:out%d" % (name, k)] = np.asarray(v)
            it = iter(grad_vals)
            for k, gr in enumerate(grads):
                if gr is None:
                    data["%s:none%d" % (name, k)] = np.array(True)
                else:
                    data["%s:grad%d" % (name, k)] = np.asarray(next(it))
    for name, (build, x, rate, steps) in TRAIN.items():
        with tf.Graph().as_default():
            ph = tf.placeholder(tf.float32, x.shape)
            loss, wrt = build(tf, ph)
            grads = tf.gradients(loss, wrt)
            train = tf.train.GradientDescentOptimizer(rate).minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for k, v in enumerate(sess.run(grads, {ph: x})):
                    data["%s:grad%d" % (name, k)] = v
                losses = [sess.run([loss, train], {ph: x})[0] for _ in range(steps)]
            data[name + ":in"] = x
            data[name + ":losses"] = np.array(losses)
    for name, use_resource in SPARSE.items():
        with tf.Graph().as_default():
            loss, params = gather_in_loop(tf, use_resource)
            g, = tf.gradients(loss, [params])
            train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                values, indices = sess.run([g.values, g.indices])
                sess.run(train)
                sess.run(train)
                data[name + ":values"], data[name + ":indices"] = values, indices
                data[name + ":params"] = sess.run(params)
    for prefix, cases in (("stack", STACK_CASES), ("grad_array", GRAD_ARRAY_CASES)):
        for name, build in cases.items():
            with tf.Graph().as_default():
                outs = build(tf, gen_data_flow_ops)
                with tf.Session() as sess:
                    for k, v in enumerate(sess.run(outs)):
                        data["%s:%s:out%d" % (prefix, name, k)] = np.asarray(v)
    # Without Grappler, which folds away a push whose value nobody reads.
    config = tf.ConfigProto()
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    for prefix, cases in (("stack", STACK_ERRORS), ("grad_array", GRAD_ARRAY_ERRORS)):
        for name, build in cases.items():
            with tf.Graph().as_default():
                try:
                    out = build(tf, gen_data_flow_ops)
                    with tf.Session(config=config) as sess:
                        sess.run(out)
                except tf.errors.OpError as e:
                    data["%s:%s:error" % (prefix, name)] = np.array("%s\n%s" % (type(e).__name__,
                                                                                 _kernel_message(e.message)))
                else:
                    sys.exit("%s did not fail" % name)
    with tf.Graph().as_default() as g:
        _graph_def(tf)
        xv = _SEQ[:, 0, :]
        wv = _W[:3, :3]
        with tf.Session() as sess:
            fetched = sess.run(["loss:0", "dx:0", "dw:0"], {"x:0": xv, "w:0": wv})
        data["graphdef:x"], data["graphdef:w"] = xv, wv
        data["graphdef:loss"], data["graphdef:dx"], data["graphdef:dw"] = fetched
        with open(os.path.join(out_dir, "rnn_grad_graph.pb"), "wb") as f:
            f.write(g.as_graph_def().SerializeToString())
    np.savez_compressed(os.path.join(out_dir, "loop_grads.npz"), **data)
    print("wrote %d arrays" % len(data))


if __name__ == "__main__":
    main()
