"""Records what ``tf.custom_gradient`` gives in a TensorFlow 1 graph, for tests/engine/train/test_custom_gradient.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_custom_gradient.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes ``custom_gradient.json``: per case, the values of its fetches (results and gradients, as lists) or the
error class and the message's first line. The cases are defined here, once, as functions of ``tf``;
importing this file needs only numpy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _clip(tf):
    @tf.custom_gradient
    def clip(x):
        def grad(dy):
            return tf.clip_by_norm(dy, 1.0)
        return tf.identity(x), grad
    x = tf.constant([3.0, 4.0])
    y = clip(x * 2.0)
    return [y, tf.gradients(tf.reduce_sum(y * 5.0), x)[0]]


def _stable_log1pexp(tf):
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return tf.math.log(1 + e), grad
    x = tf.constant([0.0, 10.0, 100.0])
    y = log1pexp(x)
    return [tf.gradients(tf.reduce_sum(y), x)[0]]


def _two_in_two_out(tf):
    @tf.custom_gradient
    def f(a, b):
        def grad(da, db):
            return da * 3.0 + db, da - db * 2.0
        return (a * b, a + b), grad
    a, b = tf.constant([1.0, 2.0]), tf.constant([5.0, -1.0])
    p, s = f(a, b)
    return [p, s] + tf.gradients(tf.reduce_sum(p * 2.0 + s), [a, b])


def _variables(tf):
    w = tf.get_variable("w", initializer=np.float32(2.0))

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            return dy * 10.0, [dy * tf.constant(100.0) * tf.cast(tf.size(variables), tf.float32)]
        return x * w, grad
    x = tf.constant(1.5)
    y = scale(x)
    return [y] + tf.gradients(y, [x, w])


def _variables_not_accepted(tf):
    w = tf.get_variable("w", initializer=np.float32(2.0))

    @tf.custom_gradient
    def scale(x):
        def grad(dy):
            return dy
        return x * w, grad
    return [scale(tf.constant(1.0))]


def _variable_grads_missing(tf):
    w = tf.get_variable("w", initializer=np.float32(2.0))

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            return dy, []
        return x * w, grad
    x = tf.constant(1.0)
    return tf.gradients(scale(x), [x])


CASES = {"clip": _clip, "stable_log1pexp": _stable_log1pexp, "two_in_two_out": _two_in_two_out,
         "variables": _variables, "variables_not_accepted": _variables_not_accepted,
         "variable_grads_missing": _variable_grads_missing}


def run_case(tf, name):
    with tf.Graph().as_default():
        try:
            fetches = CASES[name](tf)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                return {"values": [np.asarray(v).tolist() for v in sess.run(fetches)]}
        except Exception as e:  # noqa: BLE001 - the class and message are what is recorded
            return {"error": [type(e).__name__, str(e).split("\n")[0].split(": [")[0]]}


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = {name: run_case(tf, name) for name in CASES}
    with open(os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "custom_gradient.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
