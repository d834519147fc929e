"""LRN, MaxPoolWithArgmax, dilated convolutions and the tf.nn functions built from other ops (swish, crelu,
xw_plus_b, relu_layer, the moments helpers) against TensorFlow 2.21's recorded values, static shapes,
gradients, errors and op types (tests/data/tf_ops/record_array_nn_extra.py), on the CPU and a simulated GPU,
with numeric gradient checks of LRNGrad and MaxPoolGradWithArgmax."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from array_nn_extra_reference import RECORDER, check_case, check_error, op_types, params
from gradient_checks import check_gradient
from tagraph.engine.ops import nn_extra_ops


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(RECORDER.NN))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", params(RECORDER.ERRORS, ["max_pool_with_argmax"]))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err)


@pytest.mark.parametrize("name", ["lrn", "xw_plus_b", "relu_layer", "crelu", "sufficient_statistics",
                                  "normalize_moments", "max_pool_with_argmax", "atrous_conv2d"])
def test_builds_tensorflows_op_types(name):
    got, want = op_types(name)
    assert got == want


_R = np.random.default_rng(11)


@pytest.mark.parametrize("attrs", [(2, 1.5, 0.3, 0.75), (1, 0.5, 2.0, 1.5), (0, 2.0, 1.0, 0.5)],
                         ids=["wide", "narrow", "radius_0"])
def test_lrn_gradient_matches_central_differences(device, attrs):
    # LRN is float32 and half only: the differences are taken in float32, with a looser tolerance.
    x = _R.standard_normal([1, 2, 1, 5]).astype(np.float32)
    up = _R.standard_normal(x.shape).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float32, x.shape)
        y = nn_extra_ops.lrn(p, *attrs)
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
    np.testing.assert_allclose(got, numeric, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("build,args", [
    pytest.param(lambda x: nn_extra_ops.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 1, 2, 1], "SAME")[0],
                 [_R.permutation(40).reshape(2, 4, 5, 1) * 0.1], id="max_pool_with_argmax"),
])
def test_gradients_match_central_differences(device, build, args):
    check_gradient(device, build, args)


def test_argmax_counts_the_batch_only_when_asked(device):
    x = np.arange(2 * 2 * 2 * 1, dtype=np.float32).reshape(2, 2, 2, 1)
    with tg.Graph().as_default(), tg.device(device):
        _, plain = tfc.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        _, batch = tfc.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", include_batch_in_index=True)
        with tg.Session() as sess:
            a, b = sess.run([plain, batch])
    np.testing.assert_array_equal(a.reshape(-1), [3, 3])
    np.testing.assert_array_equal(b.reshape(-1), [3, 7])
