"""hessians (engine/train/hessians.py) against TensorFlow 1's ``tf.hessians``: the cases of
tests/data/tf_ops/record_hessians.py give TensorFlow's values, shapes and dtypes (hessians.npz)."""
import os
import sys

import numpy as np
import pytest

import tagraph.compat.v1 as tf

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "tf_ops")
sys.path.insert(0, DATA)
import record_hessians as recorder  # noqa: E402

RECORDED = np.load(os.path.join(DATA, "hessians.npz"))


@pytest.mark.parametrize("case", sorted(recorder.CASES))
def test_hessians_as_tensorflow(case):
    got = recorder.run_case(tf, case)
    want = [RECORDED["%s/%d" % (case, i)] for i in range(len([k for k in RECORDED.files if k.startswith(case + "/")]))]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-12)


def test_the_hessian_of_an_unknown_shape_is_built_at_run_time():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None])
        (h,) = tf.hessians(tf.reduce_sum(x ** 4), x)
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(h, {x: [1.0, 2.0]}), np.diag([12.0, 48.0]))
