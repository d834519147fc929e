"""Records what TensorFlow does with tf.py_func, tf.numpy_function and tf.py_function in graph mode, for
tests/engine/ops/test_script_ops.py: the values and types the function receives, the outputs, the ops and
attributes built, and the errors (class and message) for bad return values and exceptions.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_script_ops.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``script_ops.json`` maps each case to ``{"op": type, "attrs": sorted names, "outputs": [...]}`` (each output
``[dtype, shape, values as a list]``; ``"fetched": "op"`` when the case returns an Operation) or to
``{"error": class, "message": TensorFlow's kernel message}`` with the op's token written ``{token}`` and the
traceback's frames left out (``without_frames``); and
``"seen"`` to what the function received (type, dtype, shape of each argument). A case builds with a
TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.compat.v1`` in the tests); importing this
file needs only numpy.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEEN = []


def record_args(*args):
    SEEN.append([[type(a).__name__, str(getattr(a, "dtype", "")), list(np.shape(a))] for a in args])
    return np.float32(len(args))


def raise_value_error(x):
    raise ValueError("boom")


def raise_runtime_error(x):
    raise RuntimeError("kaboom")


def raise_stop_iteration(x):
    raise StopIteration("done")


def raise_not_implemented(x):
    raise NotImplementedError("later")


def raise_type_error(x):
    raise TypeError("bad type")


def _c(tf, v, dtype=None):
    return tf.constant(v, dtype=dtype)


CASES = {
    "arguments": lambda tf: tf.py_func(record_args, [_c(tf, 1.5), _c(tf, [1, 2]), _c(tf, ["ab", "c"]), _c(tf, b"s"),
                                                     _c(tf, [[True]])], tf.float32),
    "double": lambda tf: tf.py_func(lambda x: x * 2, [_c(tf, [1.0, 2.0])], tf.float32),
    "stateless": lambda tf: tf.py_func(lambda x: x + 1, [_c(tf, [1, 2])], tf.int32, stateful=False),
    "two_outputs": lambda tf: tf.py_func(lambda x: (x, np.int64(x.size)), [_c(tf, [3.0])], [tf.float32, tf.int64]),
    "list_of_one": lambda tf: tf.py_func(lambda x: [x], [_c(tf, [3.0])], [tf.float32]),
    "no_outputs": lambda tf: tf.py_func(lambda: None, [], []),
    "bytes_out": lambda tf: tf.py_func(lambda x: b"hi", [_c(tf, 1.0)], tf.string),
    "unicode_out": lambda tf: tf.py_func(lambda x: "h\u00e9", [_c(tf, 1.0)], tf.string),
    "strings_out": lambda tf: tf.py_func(lambda x: np.array([b"a", b"bcd"]), [_c(tf, 1.0)], tf.string),
    "numpy_function": lambda tf: tf.numpy_function(lambda x: x - 1, [_c(tf, [5, 6])], tf.int32),
    "py_function": lambda tf: tf.py_function(lambda x: x * 2, [_c(tf, [1.0, 2.0])], tf.float32),
    "py_function_converts": lambda tf: tf.py_function(lambda x: 3, [_c(tf, [1.0])], tf.float32),
    "py_function_numpy": lambda tf: tf.py_function(lambda x: x.numpy().sum(), [_c(tf, [1.0, 2.0])], tf.float64),
    "py_function_two": lambda tf: tf.py_function(lambda x: [x, 2 * x], [_c(tf, [1.0])], [tf.float32, tf.float32]),
    "py_function_none": lambda tf: tf.py_function(lambda x: None, [_c(tf, [1.0])], []),
}

ERRORS = {
    "python_float_for_float32": lambda tf: tf.py_func(lambda x: 3.0, [_c(tf, [1.0])], tf.float32),
    "too_many_values": lambda tf: tf.py_func(lambda x: (x, x), [_c(tf, [1.0])], [tf.float32]),
    "too_few_values": lambda tf: tf.py_func(lambda x: [x], [_c(tf, [1.0])], [tf.float32, tf.float32]),
    "string_for_float": lambda tf: tf.py_func(lambda x: "nan", [_c(tf, 1.0)], tf.float32),
    "int64_for_int32": lambda tf: tf.py_func(lambda x: x.size, [_c(tf, [1, 2])], tf.int32),
    "dict_returned": lambda tf: tf.py_func(lambda x: {"a": 1}, [_c(tf, 1.0)], tf.float32),
    "value_error": lambda tf: tf.py_func(raise_value_error, [_c(tf, 1.0)], tf.float32),
    "type_error": lambda tf: tf.py_func(raise_type_error, [_c(tf, 1.0)], tf.float32),
    "runtime_error": lambda tf: tf.py_func(raise_runtime_error, [_c(tf, 1.0)], tf.float32),
    "stop_iteration": lambda tf: tf.py_func(raise_stop_iteration, [_c(tf, 1.0)], tf.float32),
    "not_implemented": lambda tf: tf.py_func(raise_not_implemented, [_c(tf, 1.0)], tf.float32),
    "eager_value_error": lambda tf: tf.py_function(raise_value_error, [_c(tf, 1.0)], tf.float32),
    "eager_bad_conversion": lambda tf: tf.py_function(lambda x: 3.5, [_c(tf, 1.0)], tf.int32),
}


def kernel_message(message, token):
    """The kernel's own message out of a session error: after the "Node: 'name'" line, before the node."""
    lines = message.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("Node: ")]
    body = "\n".join(lines[at[0] + 1:]) if at else message
    body = body.split("\n\t [[")[0]
    return without_frames(body.replace(token, "{token}"))


def without_frames(message):
    """A Python error message without its traceback's frames (they name files of the machine): the lines
    indented by two spaces go and runs of blank lines become one."""
    out = []
    for line in message.split("\n"):
        if line.startswith("  ") or (line == "" and out and out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out)


def _output(v):
    v = np.asarray(v)
    values = v.astype(object).tolist() if v.dtype == object else v.tolist()
    values = [x.decode("latin-1") if isinstance(x, bytes) else x for x in np.ravel(values).tolist()] \
        if v.dtype == object or v.dtype.kind == "S" else values
    return [str(v.dtype), list(v.shape), values]


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = {}
    for name, build in CASES.items():
        with tf.Graph().as_default():
            t = build(tf)
            op = t if isinstance(t, tf.Operation) else (t[0] if isinstance(t, list) else t).op
            with tf.Session() as sess:
                got = sess.run(t)
            entry = {"op": op.type, "attrs": sorted(op.node_def.attr), "inputs": len(op.inputs)}
            if isinstance(t, tf.Operation):
                entry["fetched"] = "op"
            else:
                entry["outputs"] = [_output(v) for v in (got if isinstance(t, list) else [got])]
                entry["shapes"] = [str(x.shape) for x in (t if isinstance(t, list) else [t])]
            out[name] = entry
    out["seen"] = SEEN[0]
    for name, build in ERRORS.items():
        with tf.Graph().as_default():
            t = build(tf)
            token = (t[0] if isinstance(t, list) else t).op.get_attr("token").decode()
            try:
                with tf.Session() as sess:
                    sess.run(t)
            except tf.errors.OpError as e:
                out[name] = {"error": type(e).__name__, "message": kernel_message(e.message, token)}
            else:
                sys.exit("%s did not fail" % name)
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "script_ops.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
