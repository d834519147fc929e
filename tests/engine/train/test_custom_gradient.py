"""custom_gradient (engine/train/custom_gradient.py) against TensorFlow's in a TensorFlow 1 graph: the cases of
tests/data/tf_ops/record_custom_gradient.py give TensorFlow's values and gradients, or its errors; and the
gradient rides on an IdentityN through gradient_override_map, as in TensorFlow's graphs."""
import json
import os
import sys

import numpy as np
import pytest

import tagraph.compat.v1 as tf

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "tf_ops")
sys.path.insert(0, DATA)
import record_custom_gradient as recorder  # noqa: E402

with open(os.path.join(DATA, "custom_gradient.json")) as _f:
    RECORDED = json.load(_f)


@pytest.mark.parametrize("case", sorted(recorder.CASES))
def test_custom_gradient_as_tensorflow(case):
    got, want = recorder.run_case(tf, case), RECORDED[case]
    if "error" in want:
        assert got == want
        return
    assert len(got["values"]) == len(want["values"])
    for g, w in zip(got["values"], want["values"]):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_the_gradient_rides_on_an_identity_n():
    with tf.Graph().as_default() as g:
        @tf.custom_gradient
        def double_grad(x):
            return tf.identity(x), lambda dy: dy * 2.0
        y = double_grad(tf.constant(1.0))
        (identity_n,) = [op for op in g.get_operations() if op.type == "IdentityN"]
        assert y.op is identity_n
        assert identity_n.get_attr("_gradient_op_type").startswith(b"CustomGradient-")
        graph_def = g.as_graph_def()
        assert b"CustomGradient-" in graph_def.node[-1].attr["_gradient_op_type"].s


def test_gradient_override_map_checks_its_argument_and_restores_the_map():
    with tf.Graph().as_default() as g:
        with pytest.raises(TypeError, match="op_type_map must be a dictionary mapping strings to strings"):
            with g.gradient_override_map({"Identity": 1}):
                pass

        @tf.RegisterGradient("TimesTen")
        def _times_ten(op, grad):
            return grad * 10.0
        x = tf.constant(2.0)
        with g.gradient_override_map({"Identity": "TimesTen"}):
            y = tf.identity(x)
        z = tf.identity(x)
        with tf.Session() as sess:
            assert sess.run(tf.gradients(y, x)) == [10.0]
            assert sess.run(tf.gradients(z, x)) == [1.0]
