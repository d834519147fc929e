"""MaxPool3D and AvgPool3D (tf.nn.max_pool3d, tf.nn.avg_pool3d) and their gradients against TensorFlow
2.21's recorded values, static shapes, gradients, errors and op types (tests/data/tf_ops/record_array_nn_extra.py),
on the CPU and a simulated GPU, with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.engine as tg
from array_nn_extra_reference import RECORDER, check_case, check_error, op_types, params
from tagraph.engine.ops import pool3d_ops


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(RECORDER.POOL3D))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", params(RECORDER.ERRORS, ["max_pool3d"]))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err)


@pytest.mark.parametrize("name", ["max_pool3d", "avg_pool3d"])
def test_builds_tensorflows_op_types(name):
    got, want = op_types(name)
    assert got == want


_R = np.random.default_rng(13)


@pytest.mark.parametrize("build", [
    pytest.param(lambda x: pool3d_ops.max_pool3d(x, [1, 2, 2, 3, 1], [1, 1, 2, 2, 1], "SAME"), id="max"),
    pytest.param(lambda x: pool3d_ops.avg_pool3d(x, [1, 3, 2, 2, 1], [1, 2, 1, 1, 1], "SAME"), id="avg"),
])
def test_gradients_match_central_differences(device, build):
    # The 3-D pools are float32 and half only: the differences are taken in float32 (distinct values, so
    # each window's maximum stays put).
    x = (_R.permutation(2 * 3 * 3 * 4).reshape(2, 3, 3, 4, 1) * 0.1).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float32, x.shape)
        y = build(p)
        up = _R.standard_normal(y.shape.as_list()).astype(np.float32)
        (grad,) = tg.gradients(y, p, grad_ys=up)
        with tg.Session() as sess:
            got = sess.run(grad, {p: x})
            eps, numeric = 1e-2, np.zeros_like(x)
            for j in range(x.size):
                plus, minus = x.copy(), x.copy()
                plus.flat[j] += eps
                minus.flat[j] -= eps
                diff = sess.run(y, {p: plus}).astype(np.float64) - sess.run(y, {p: minus})
                numeric.flat[j] = np.sum(up * diff) / (2 * eps)
    np.testing.assert_allclose(got, numeric, rtol=1e-3, atol=1e-3)


def test_ncdhw_is_ndhwc_transposed(device):
    x = _R.standard_normal([1, 4, 4, 4, 2]).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        a = pool3d_ops.avg_pool3d(x, 2, 2, "VALID")
        b = pool3d_ops.avg_pool3d(np.transpose(x, [0, 4, 1, 2, 3]), 2, 2, "VALID", data_format="NCDHW")
        with tg.Session() as sess:
            ra, rb = sess.run([a, b])
    np.testing.assert_allclose(np.transpose(ra, [0, 4, 1, 2, 3]), rb, rtol=1e-6)
