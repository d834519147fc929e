"""Records TensorFlow 1's ``tf.switch_case`` for tests/engine/ops/test_switch_case.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_switch_case.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes ``switch_case.json``: per case, the result for each fed branch index, or the error class and message.
Importing this file needs only numpy.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
INDICES = [-1, 0, 1, 2, 3, 7]

CASES = {
    "list": lambda tf, i: tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20),
                                             lambda: tf.constant(30)]),
    "list_default": lambda tf, i: tf.switch_case(i, [lambda: tf.constant(1.5), lambda: tf.constant(2.5)],
                                                 default=lambda: tf.constant(-1.0)),
    "dict_pairs": lambda tf, i: tf.switch_case(i, {1: lambda: tf.constant([1, 1]), 0: lambda: tf.constant([0, 0])}),
    "pairs_structure": lambda tf, i: tf.switch_case(i, [(0, lambda: (tf.constant(1), tf.constant("a"))),
                                                        (1, lambda: (tf.constant(2), tf.constant("b")))]),
    "int64_index": lambda tf, i: tf.switch_case(tf.cast(i, tf.int64), [lambda: tf.constant(5), lambda: tf.constant(6)]),
    "python_index": lambda tf, i: tf.switch_case(1, [lambda: tf.constant(5)]),
    "float_index": lambda tf, i: tf.switch_case(tf.constant(1.0), [lambda: tf.constant(5)]),
    "no_branches": lambda tf, i: tf.switch_case(i, []),
    "gap_in_keys": lambda tf, i: tf.switch_case(i, {0: lambda: tf.constant(1), 2: lambda: tf.constant(2)}),
    "not_callable": lambda tf, i: tf.switch_case(i, [(0, 5)]),
}


def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    v = v.tolist() if hasattr(v, "tolist") else v
    return v.decode() if isinstance(v, bytes) else v


def run_case(tf, name):
    with tf.Graph().as_default():
        i = tf.placeholder(tf.int32, [])
        try:
            out = CASES[name](tf, i)
        except Exception as e:  # noqa: BLE001 - the class and message are what is recorded
            return {"error": [type(e).__name__, str(e)]}
        with tf.Session() as sess:
            return {"results": [_plain(sess.run(out, {i: k})) for k in INDICES]}


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = {name: run_case(tf, name) for name in CASES}
    with open(os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "switch_case.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
