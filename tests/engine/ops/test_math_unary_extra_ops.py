"""The inverse trigonometric and hyperbolic functions, expm1, rint, erfc, lgamma, digamma, polygamma, softsign
and log_sigmoid against TensorFlow 2.21's recorded values (edge values included), static shapes and gradients,
on the CPU and a simulated GPU, with numeric gradient checks and the op types TensorFlow 1's names build."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from gradient_checks import check_gradient
from math_extra_reference import GRAPHS, RECORDER, check_case, params, tagraph_op_types
from tagraph.engine.ops import math_unary_extra_ops as unary

POLYGAMMA = [c for c in RECORDER.BINARY if c.name.startswith("polygamma")]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(RECORDER.UNARY + POLYGAMMA))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


_SMOOTH = {"acos": [-0.7, 0.2, 0.6], "asin": [-0.7, 0.2, 0.6], "atan": [-2.0, 0.3, 4.0], "sinh": [-1.0, 0.2, 2.0],
           "cosh": [-1.0, 0.2, 2.0], "tan": [-1.0, 0.2, 1.2], "asinh": [-2.0, 0.3, 5.0], "acosh": [1.2, 2.0, 6.0],
           "atanh": [-0.7, 0.2, 0.6], "expm1": [-1.0, 1e-3, 2.0], "erfc": [-1.0, 0.3, 2.0],
           "lgamma": [-1.5, 0.4, 3.5], "digamma": [-1.5, 0.4, 3.5], "softsign": [-2.0, 0.3, 4.0]}


@pytest.mark.parametrize("name", sorted(_SMOOTH))
def test_gradients_match_central_differences(device, name):
    check_gradient(device, getattr(unary, name), [np.asarray(_SMOOTH[name])])


def test_polygamma_gradient_in_x_matches_central_differences(device):
    check_gradient(device, lambda x: unary.polygamma(tg.constant([1.0, 2.0, 0.0], tg.float64), x),
                   [np.asarray([0.7, 2.5, 6.0])], rtol=1e-5)


def test_log_sigmoid_gradient_through_tf_gradients(device):
    x = np.asarray([-30.0, -1.0, 0.0, 2.0, 40.0])
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float64, [5])
        (g,) = tg.gradients(tg.reduce_sum(unary.log_sigmoid(p)), [p])
        with tg.Session() as sess:
            got = sess.run(g, {p: x})
    np.testing.assert_allclose(got, 1 / (1 + np.exp(x)), rtol=1e-12)


def test_digamma_and_trigamma_known_values():
    # psi(1) = -Euler's gamma, psi(1/2) = -gamma - 2 log 2, psi'(1) = pi^2 / 6, psi''(1) = -2 zeta(3)
    euler = 0.57721566490153286
    with tg.Graph().as_default():
        x = tg.constant([1.0, 0.5], tg.float64)
        d = unary.digamma(x)
        t1 = unary.polygamma(tg.constant(1.0, tg.float64), tg.constant(1.0, tg.float64))
        t2 = unary.polygamma(tg.constant(2.0, tg.float64), tg.constant(1.0, tg.float64))
        with tg.Session() as sess:
            dv, t1v, t2v = sess.run([d, t1, t2])
    np.testing.assert_allclose(dv, [-euler, -euler - 2 * np.log(2)], rtol=1e-15)
    np.testing.assert_allclose(t1v, np.pi ** 2 / 6, rtol=1e-15)
    np.testing.assert_allclose(t2v, -2 * 1.2020569031595942, rtol=1e-14)


@pytest.mark.parametrize("name", ["log_sigmoid", "softsign", "math_softsign", "rint", "lgamma", "digamma", "erfc",
                                  "acosh", "expm1"])
def test_tensorflow_1_names_build_tensorflows_op_types(name):
    got = tagraph_op_types(RECORDER.GRAPH_BUILDS[name])
    assert [t for t, _ in got] == [t for t, _ in GRAPHS[name]]
    assert [n for _, n in got] == [n for _, n in GRAPHS[name]]


def test_names_in_the_tensorflow_1_namespaces():
    for name in RECORDER.UNARY_NAMES:
        fn = getattr(tfc, name, None) or getattr(tfc.math, name)
        assert getattr(tfc.math, name) is fn
    assert tfc.nn.softsign is tfc.math.softsign is unary.softsign
    assert tfc.acos is tfc.math.acos and tfc.lgamma is tfc.math.lgamma
    assert tfc.math.polygamma is unary.polygamma


@pytest.mark.parametrize("name", ["erfc", "lgamma", "digamma"])
def test_special_functions_run_on_the_gpu(simulated_gpus, name):
    simulated_gpus(1)
    x = np.float32([0.5, 3.0, -2.5])
    with tg.Graph().as_default(), tg.device("/device:GPU:0"):
        p = tg.placeholder(tg.float32, [3])
        y = getattr(unary, name)(p)
        meta = tg.RunMetadata()
        with tg.Session() as sess:
            got = sess.run(y, {p: x}, options=tg.RunOptions(trace_level=3), run_metadata=meta)
    with tg.Graph().as_default():
        with tg.Session() as sess:
            want = sess.run(getattr(unary, name)(tg.constant(x)))
    np.testing.assert_array_equal(got, want)
    devices = {d.device for d in meta.step_stats.dev_stats for n in d.node_stats if n.node_name == y.op.name}
    assert devices and all("GPU" in d for d in devices), devices
