"""Reference tests of tg.nn's ops against numpy, on the CPU and on the simulated GPU.

Each case runs on placeholders of fully known shape (the static shape is checked) and on placeholders
whose dimensions are known only at run time. GPU tensors stay small: the Numba CUDA simulator runs
Softmax, LogSoftmax and BiasAdd there.
"""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tagraph.devices import kernel_registry
from tagraph.engine.framework import errors

_RNG = np.random.default_rng(4321)

f16, f32, f64 = np.float16, np.float32, np.float64
i32, i64 = np.int32, np.int64


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return dict(rtol=2e-3, atol=2e-3)
    if dtype == np.float32:
        return dict(rtol=2e-6, atol=1e-6)
    if dtype.kind == "f":
        return dict(rtol=1e-13, atol=1e-13)
    return dict(rtol=0, atol=0)


def _rand(shape, dtype, low=-4.0, high=4.0):
    if np.dtype(dtype).kind in "iu":
        return _RNG.integers(int(low), int(high) + 1, size=shape).astype(dtype)
    return np.asarray(_RNG.uniform(low, high, size=shape)).astype(dtype)


def check(device, build, args, expected, tol=None):
    """Builds ``build(*tensors)`` on ``device`` on known and on run-time shapes, and compares both runs
    with ``expected`` (dtype, values, static shape)."""
    expected = np.asarray(expected)
    args = [np.asarray(a) for a in args]
    with tg.Graph().as_default(), tg.device(device):
        known = [tg.placeholder(tg.as_dtype(a.dtype), a.shape) for a in args]
        unknown = [tg.placeholder(tg.as_dtype(a.dtype), [None] * a.ndim) for a in args]
        y_known, y_unknown = build(*known), build(*unknown)
        assert y_known.shape.as_list() == list(expected.shape)
        assert y_unknown.shape.is_compatible_with(expected.shape)
        feed = dict(zip(known, args))
        feed.update(zip(unknown, args))
        with tg.Session() as sess:
            results = sess.run([y_known, y_unknown], feed)
            assert any(device[-5:] in d for d in sess.last_run_stats.devices)
    for got in results:
        got = np.asarray(got)
        assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, equal_nan=True, **(tol or _tol(expected.dtype)))


def check_run_error(device, build, args, match, error=errors.InvalidArgumentError):
    args = [np.asarray(a) for a in args]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), None) for a in args]
        y = build(*phs)
        with tg.Session() as sess:
            with pytest.raises(error, match=match):
                sess.run(y, dict(zip(phs, args)))


def _wide(fn):
    """``fn`` computed in float64 and rounded to the input's dtype."""
    def f(x, *rest):
        with np.errstate(all="ignore"):
            return np.asarray(fn(x.astype(f64) if x.dtype.kind == "f" else x, *rest)).astype(x.dtype)
    return f


def _cases(dtypes, shape=(4, 6), low=-4.0, high=4.0, extra=()):
    out = [pytest.param(_rand(shape, dt, low, high), id=np.dtype(dt).name) for dt in dtypes]
    out.append(pytest.param(_rand((2, 3, 4), dtypes[0], low, high), id="rank3"))
    out.append(pytest.param(_rand((), dtypes[0], low, high), id="scalar"))
    return out + [pytest.param(np.asarray(v), id=name) for name, v in extra]


_SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5.5, -5.5], f32)


# --- BiasAdd ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,data_format", [
    pytest.param(_rand((8, 16), f32), None, id="float32-2d"),
    pytest.param(_rand((2, 3, 4, 5), f64), "NHWC", id="float64-nhwc"),
    pytest.param(_rand((2, 5, 3, 4), f32), "NCHW", id="float32-nchw"),
    pytest.param(_rand((2, 5, 3), f64), "NCW", id="float64-ncw"),
    pytest.param(_rand((4, 3), f16), None, id="float16"),
    pytest.param(_rand((2, 2, 3), f16), "NCHW", id="float16-nchw"),
    pytest.param(_rand((3, 4), i32, -9, 9), None, id="int32"),
    pytest.param(_rand((2, 3, 2, 2), i64, -9, 9), "NCHW", id="int64-nchw"),
    pytest.param(np.zeros((0, 3), f32), None, id="empty"),
])
def test_bias_add(device, value, data_format):
    channels = value.shape[1] if data_format and data_format.startswith("NC") else value.shape[-1]
    bias = _rand((channels,), value.dtype)
    b = bias.reshape((-1,) + (1,) * (value.ndim - 2)) if data_format and data_format.startswith("NC") else bias
    expected = _wide(lambda v, w: v + w)(value, b)
    check(device, lambda v, w: tg.nn.bias_add(v, w, data_format=data_format), [value, bias], expected)


def test_bias_add_errors(device):
    check_run_error(device, tg.nn.bias_add, [np.zeros((2, 3), f32), np.zeros((4,), f32)],
                    r"Must provide as many biases as the last dimension of the input tensor: \[4\] vs. \[2,3\]")
    check_run_error(device, tg.nn.bias_add, [np.zeros((3,), f32), np.zeros((3,), f32)], "at least 2D")
    check_run_error(device, tg.nn.bias_add, [np.zeros((2, 3), f32), np.zeros((1, 3), f32)], "Biases must be 1D")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2, 3])
        with pytest.raises(ValueError):
            tg.nn.bias_add(x, tg.placeholder(tg.float32, [4]))
        with pytest.raises(ValueError):
            tg.nn.bias_add(x, tg.placeholder(tg.float32, [3]), data_format="HWC")
        with pytest.raises(TypeError):
            tg.nn.bias_add(x, tg.placeholder(tg.float64, [3]))
        y = tg.nn.bias_add(x, [1.0, 2.0, 3.0])
        assert y.op.type == "BiasAdd" and y.op.get_attr("data_format") == b"NHWC"
        nchw = tg.nn.bias_add(tg.placeholder(tg.float32, [2, 2, 3]), [1.0, 2.0], data_format="NCHW")
        assert nchw.op.get_attr("data_format") == b"NCHW" and nchw.shape.as_list() == [2, 2, 3]


# --- activations ------------------------------------------------------------------------------------

@pytest.mark.parametrize("x", _cases([f32, f16, f64, i32, i64], extra=[("special", _SPECIAL)]))
def test_relu(device, x):
    check(device, tg.nn.relu, [x], _wide(lambda v: np.maximum(v, 0))(x))


@pytest.mark.parametrize("x", _cases([f32, f16, f64, i32, i64], low=-9, high=9, extra=[("special", _SPECIAL)]))
def test_relu6(device, x):
    check(device, tg.nn.relu6, [x], _wide(lambda v: np.minimum(np.maximum(v, 0), 6))(x))


@pytest.mark.parametrize("x", _cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_elu(device, x):
    check(device, tg.nn.elu, [x], _wide(lambda v: np.where(v < 0, np.expm1(v), v))(x))


@pytest.mark.parametrize("x", _cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_selu(device, x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    check(device, tg.nn.selu, [x], _wide(lambda v: scale * np.where(v < 0, alpha * np.expm1(v), v))(x))


@pytest.mark.parametrize("x,alpha", [
    pytest.param(_rand((4, 6), f32), 0.2, id="float32-default"),
    pytest.param(_rand((4, 6), f64), 0.01, id="float64"),
    pytest.param(_rand((3, 2), f16), 0.3, id="float16"),
    pytest.param(_rand((3, 2), f32), 1.5, id="alpha-above-1"),
    pytest.param(_rand((3, 2), f32), -0.5, id="alpha-negative"),
    pytest.param(_SPECIAL, 0.2, id="special"),
])
def test_leaky_relu(device, x, alpha):
    alpha = float(np.float32(alpha))   # the attribute is a 32-bit float, as in TensorFlow
    check(device, lambda t: tg.nn.leaky_relu(t, alpha=alpha), [x], _wide(lambda v: np.where(v > 0, v, v * alpha))(x))


def test_leaky_relu_casts_integers(device):
    x = np.array([[-2, 3]], i32)
    check(device, tg.nn.leaky_relu, [x], np.array([[-0.4, 3.0]], f32))
    with tg.Graph().as_default():
        y = tg.nn.leaky_relu(tg.placeholder(tg.float32, [2]))
        assert y.op.type == "LeakyRelu" and abs(y.op.get_attr("alpha") - 0.2) < 1e-7


_SOFTPLUS_EXTREMES = np.array([-1000.0, -100.0, -30.0, -15.0, -1e-3, 0.0, 1e-3, 15.0, 30.0, 100.0, 1000.0])


@pytest.mark.parametrize("x", _cases([f32, f16, f64], low=-20, high=20, extra=[
    ("extremes-float32", _SOFTPLUS_EXTREMES.astype(f32)), ("extremes-float64", _SOFTPLUS_EXTREMES),
    ("extremes-float16", np.array([-20.0, -5.0, 0.0, 5.0, 20.0, 1000.0], f16)),
    ("nan-inf", np.array([np.nan, np.inf, -np.inf], f32))]))
def test_softplus(device, x):
    # No overflow for large x, no underflow to 0 for moderately small x.
    check(device, tg.nn.softplus, [x], _wide(lambda v: np.logaddexp(v, 0))(x))


@pytest.mark.parametrize("fn,op_type", [(tg.nn.sigmoid, "Sigmoid"), (tg.nn.tanh, "Tanh")])
def test_sigmoid_and_tanh_are_the_math_ops(device, fn, op_type):
    x = _rand((3, 4), f32)
    ref = (lambda v: 1 / (1 + np.exp(-v))) if op_type == "Sigmoid" else np.tanh
    check(device, fn, [x], _wide(ref)(x))
    with tg.Graph().as_default():
        assert fn(tg.placeholder(tg.float32, [2])).op.type == op_type


# --- Softmax, LogSoftmax ----------------------------------------------------------------------------

def _np_softmax(x, axis=-1, log=False):
    x = x.astype(f64)
    s = x - np.max(x, axis=axis, keepdims=True)
    lse = np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
    return s - lse if log else np.exp(s - lse)


_SOFTMAX_CASES = [
    pytest.param(_rand((8, 16), f32), -1, id="float32"),
    pytest.param(_rand((4, 5), f64), None, id="float64"),
    pytest.param(_rand((4, 5), f16), -1, id="float16"),
    pytest.param(_rand((7,), f32), 0, id="vector"),
    pytest.param(_rand((2, 3, 4), f64), 2, id="rank3-last-axis"),
    pytest.param(_rand((3, 4), f32), 0, id="axis0"),
    pytest.param(_rand((2, 3, 4), f64), -2, id="rank3-middle-axis"),
    pytest.param(np.array([[1000.0, 0.0, -1000.0], [1e30, 1e30, 0.0]], f32), -1, id="large-logits-stable"),
    pytest.param(np.array([[-1000.0, -1001.0], [5.0, -np.inf]], f64), -1, id="small-logits-and-inf"),
    pytest.param(np.zeros((0, 4), f32), -1, id="empty"),
]


@pytest.mark.parametrize("x,axis", _SOFTMAX_CASES)
def test_softmax(device, x, axis):
    expected = _np_softmax(x, -1 if axis is None else axis).astype(x.dtype)
    check(device, lambda t: tg.nn.softmax(t, axis=axis), [x], expected)


@pytest.mark.parametrize("x,axis", _SOFTMAX_CASES)
def test_log_softmax(device, x, axis):
    expected = _np_softmax(x, -1 if axis is None else axis, log=True).astype(x.dtype)
    check(device, lambda t: tg.nn.log_softmax(t, axis=axis), [x], expected)


def test_softmax_errors_and_graph():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2, 3])
        y = tg.nn.softmax(x)
        assert y.op.type == "Softmax" and y.op.name == "Softmax" and y.shape.as_list() == [2, 3]
        assert tg.nn.log_softmax(x, dim=1).op.type == "LogSoftmax"
        with pytest.raises(ValueError):
            tg.nn.softmax(tg.placeholder(tg.float32, []))
        with pytest.raises(errors.InvalidArgumentError):
            tg.nn.softmax(x, axis=2)


def test_gpu_kernels_are_device_specific():
    # Softmax, LogSoftmax and BiasAdd run Numba CUDA kernels on GPUs (float32/float64), the xp kernel on CPUs.
    for op_type in ("Softmax", "LogSoftmax", "BiasAdd"):
        assert kernel_registry.get_kernel(op_type, "GPU") is not kernel_registry.get_kernel(op_type, "CPU")


# --- gradients --------------------------------------------------------------------------------------

def _real(shape, scale=3.0):
    x = _RNG.uniform(-scale, scale, size=shape)
    x[np.abs(x) < 0.05] = 0.5   # away from the kinks at 0
    return x


_GRAD_CASES = [
    ("BiasAdd", tg.nn.bias_add, [_real((2, 3)), _real((3,))]),
    ("BiasAdd-NCHW", lambda v, b: tg.nn.bias_add(v, b, data_format="NCHW"), [_real((2, 3, 2)), _real((3,))]),
    ("Relu", tg.nn.relu, [_real((2, 3))]),
    ("Relu6", tg.nn.relu6, [_real((2, 4), 8.0)]),
    ("Elu", tg.nn.elu, [_real((2, 3))]),
    ("Selu", tg.nn.selu, [_real((2, 3))]),
    ("LeakyRelu", lambda t: tg.nn.leaky_relu(t, alpha=0.3), [_real((2, 3))]),
    ("Softplus", tg.nn.softplus, [_real((2, 3), 20.0)]),
    ("Softmax", tg.nn.softmax, [_real((2, 3))]),
    ("LogSoftmax", tg.nn.log_softmax, [_real((2, 3))]),
]


@pytest.mark.parametrize("build,args,dynamic", [
    pytest.param(b, a, d, id=name + ("-dynamic" if d else ""))
    for name, b, a in _GRAD_CASES for d in ((False, True) if name in ("BiasAdd", "Softmax") else (False,))])
def test_gradient(device, build, args, dynamic):
    check_gradient(device, build, args, dynamic=dynamic)


@pytest.mark.parametrize("value,data_format,channel", [
    pytest.param(_rand((4, 3), f32), "NHWC", -1, id="float32-2d"),
    pytest.param(_rand((2, 3, 2, 2), f64), "NCHW", 1, id="float64-nchw"),
    pytest.param(_rand((2, 2, 5), f16), "NHWC", -1, id="float16"),
    # Large enough for the CPU's product with a vector of ones; whole numbers, so that float32 sums of
    # 32,768 terms are exact in any order and compare with the float64 sum.
    pytest.param(np.floor(_rand((32, 32, 32, 16), f32)), "NHWC", -1, id="float32-large"),
    pytest.param(_rand((32, 16, 32, 32), f64), "NCHW", 1, id="float64-nchw-large"),
])
def test_bias_add_grad(device, value, data_format, channel):
    axes = tuple(i for i in range(value.ndim) if i != channel % value.ndim)
    expected = value.astype(f64).sum(axis=axes).astype(value.dtype)
    check(device, lambda t: tg.get_default_graph().create_op(
        "BiasAddGrad", [t], {"data_format": data_format}).outputs[0], [value], expected)


@pytest.mark.parametrize("grad,features", [
    pytest.param(_rand((3, 4), f32), _rand((3, 4), f32), id="float32"),
    pytest.param(_rand((5,), f16), _rand((5,), f16), id="float16"),
    pytest.param(np.array([np.nan, 1.0, 2.0]), np.array([-1.0, 0.0, 3.0]), id="nan-gradient-stays-nan"),
])
def test_relu_grad(device, grad, features):
    expected = (grad * (features > 0)).astype(grad.dtype)
    check(device, lambda g, f: tg.get_default_graph().create_op("ReluGrad", [g, f]).outputs[0],
          [grad, features], expected)
