"""Records TensorFlow 1's ``tf.hessians`` for tests/engine/train/test_hessians.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_hessians.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes ``hessians.npz``: ``<case>/<i>``, the i-th Hessian of each case. The cases are defined here, once, as
functions of ``tf``; importing this file needs only numpy.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _vector(tf):
    x = tf.constant([1.0, 2.0, 3.0])
    return tf.hessians(tf.reduce_sum(x ** 3) + x[0] * x[1], x)


def _matrix_and_two_xs(tf):
    a = tf.constant([[1.0, -2.0], [0.5, 3.0]], tf.float64)
    b = tf.constant([2.0, -1.0], tf.float64)
    y = tf.reduce_sum(tf.sin(a) * tf.reshape(b, [1, 2]) ** 2) + tf.reduce_prod(b) * tf.reduce_sum(a)
    return tf.hessians(y, [a, b])


def _several_ys(tf):
    x = tf.constant([0.5, -1.5])
    return tf.hessians([tf.reduce_sum(tf.exp(x)), tf.reduce_sum(x * x * x[0])], [x])


CASES = {"vector": _vector, "matrix_and_two_xs": _matrix_and_two_xs, "several_ys": _several_ys}


def run_case(tf, name):
    with tf.Graph().as_default():
        hs = CASES[name](tf)
        with tf.Session() as sess:
            return sess.run(hs)


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = {}
    for name in CASES:
        for i, h in enumerate(run_case(tf, name)):
            out["%s/%d" % (name, i)] = h
    np.savez(os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "hessians.npz"), **out)


if __name__ == "__main__":
    main()
