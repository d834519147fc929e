"""Reference tests of the math ops against numpy, on the CPU and on the simulated GPU.

Each case runs twice in one graph: on placeholders of fully known shape (the static shape is checked)
and on placeholders whose dimensions are known only at run time.
"""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
import complex_reference
from tagraph.engine.framework import errors

_RNG = np.random.default_rng(1234)

f16, f32, f64 = np.float16, np.float32, np.float64
i32, i64 = np.int32, np.int64
c64 = np.complex64


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return dict(rtol=2e-3, atol=2e-3)
    if dtype in (np.float32, np.complex64):
        return dict(rtol=2e-6, atol=1e-6)
    if dtype.kind in "fc":
        return dict(rtol=1e-13, atol=1e-13)
    return dict(rtol=0, atol=0)


def _rand(shape, dtype, low=-3.0, high=3.0, nonzero=False):
    if np.dtype(dtype) == np.bool_:
        return _RNG.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        x = _RNG.integers(int(low), int(high) + 1, size=shape).astype(dtype)
        if nonzero:
            x[x == 0] = 1
        return x
    x = _RNG.uniform(low, high, size=shape)
    if nonzero:
        x[np.abs(x) < 0.1] = 0.5
    if np.dtype(dtype).kind == "c":
        x = x + 1j * _RNG.uniform(low, high, size=shape)
    return np.asarray(x).astype(dtype)


def _session(device, soft=False):
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) if soft else tg.Session()


def check(device, build, args, expected, tol=None, static_shape=True, soft=False, equal_nan=True):
    """Builds ``build(*tensors)`` on ``device`` twice (known and run-time shapes), runs both and compares
    them with ``expected`` (dtype, values and the static shape)."""
    expected = np.asarray(expected)
    args = [np.asarray(a) for a in args]
    with tg.Graph().as_default(), tg.device(device):
        known = [tg.placeholder(tg.as_dtype(a.dtype), a.shape) for a in args]
        unknown = [tg.placeholder(tg.as_dtype(a.dtype), [None] * a.ndim) for a in args]
        y_known, y_unknown = build(*known), build(*unknown)
        if static_shape:
            assert y_known.shape.as_list() == list(expected.shape)
        assert y_unknown.shape.is_compatible_with(expected.shape)
        assert y_known.dtype.as_numpy_dtype == expected.dtype.type
        feed = dict(zip(known, args))
        feed.update(zip(unknown, args))
        with _session(device, soft) as sess:
            results = sess.run([y_known, y_unknown], feed)
            if not soft:
                assert any(device[-5:] in d for d in sess.last_run_stats.devices)
    for got in results:
        got = np.asarray(got)
        assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, equal_nan=equal_nan, **(tol or _tol(expected.dtype)))


def check_run_error(device, build, args, error=errors.InvalidArgumentError, match=None):
    """``build`` fails at run time (shapes, even ranks, known only then) with ``error``."""
    args = [np.asarray(a) for a in args]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), None) for a in args]
        y = build(*phs)
        with tg.Session() as sess:
            with pytest.raises(error, match=match):
                sess.run(y, dict(zip(phs, args)))


def _f64(*xs):
    return [np.asarray(x, np.float64) for x in xs]


# --- binary arithmetic ------------------------------------------------------------------------------

# (x shape, y shape) pairs: same shape, broadcasting both ways, scalars.
_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 3)), ((), (2, 2)), ((2, 1, 3), (5, 1))]
_BIN_DTYPES = [f16, f32, f64, i32, i64]


def _bin_cases(dtypes=_BIN_DTYPES, shapes=_SHAPES, **kw):
    return [pytest.param(_rand(sx, dt, **kw), _rand(sy, dt, nonzero=True, **kw),
                         id="%s-%s-%s" % (np.dtype(dt).name, sx, sy))
            for dt in dtypes for sx, sy in shapes[:3 if dt in (f16, i64) else None]]


def _keep(ref):
    """numpy's result, computed in float64 for floats and rounded back to the input's dtype."""
    def f(x, y):
        if x.dtype.kind == "f":
            return ref(x.astype(np.float64), y.astype(np.float64)).astype(x.dtype)
        return np.asarray(ref(x, y)).astype(x.dtype)
    return f


@pytest.mark.parametrize("x,y", _bin_cases() + _bin_cases([c64], _SHAPES[:2]))
def test_add(device, x, y):
    check(device, tg.add, [x, y], _keep(np.add)(x, y))
    check(device, lambda a, b: a + b, [x, y], _keep(np.add)(x, y))


def test_add_strings():
    # Strings live in host memory: Add on strings is a CPU op, as in TensorFlow.
    x = np.array([b"a", b"bc"], dtype=object)
    with tg.Graph().as_default():
        p = tg.placeholder(tg.string, [None])
        y = tg.add(p, b"!")
        assert y.op.type == "Add"
        with tg.Session() as sess:
            assert list(sess.run(y, {p: x})) == [b"a!", b"bc!"]


@pytest.mark.parametrize("x,y", _bin_cases())
def test_sub(device, x, y):
    check(device, tg.subtract, [x, y], _keep(np.subtract)(x, y))


@pytest.mark.parametrize("x,y", _bin_cases())
def test_mul(device, x, y):
    check(device, tg.multiply, [x, y], _keep(np.multiply)(x, y))


@pytest.mark.parametrize("x,y", _bin_cases([f16, f32, f64, c64]))
def test_real_div(device, x, y):
    check(device, tg.realdiv, [x, y], _keep(np.true_divide)(x, y) if x.dtype.kind == "f"
          else (x / y).astype(x.dtype))


def _trunc_div(x, y):
    return np.trunc(x.astype(np.float64) / y).astype(x.dtype)


_INT_DIV = (np.array([-7, 7, -7, 7, 0, 6, -6, 1], i32), np.array([2, 2, -2, -2, 3, -3, 3, 5], i32))


@pytest.mark.parametrize("x,y,expected", [
    pytest.param(*_INT_DIV, np.array([-3, 3, 3, -3, 0, -2, -2, 0], i32), id="int32-truncates"),
    pytest.param(_INT_DIV[0].astype(i64)[:, None], _INT_DIV[1].astype(i64), None, id="int64-broadcast"),
    pytest.param(*[a.astype(f32) for a in _INT_DIV], None, id="float32"),
    pytest.param(_rand((3, 4), f16), _rand((4,), f16, nonzero=True), None, id="float16"),
    pytest.param(_INT_DIV[0], np.array([1, 0, 1, 1, 1, 1, 1, 1], i32), errors.InvalidArgumentError,
                 id="int-divide-by-zero"),
])
def test_div(device, x, y, expected):
    # The Div op (as in graphs TensorFlow wrote): C++ division, integers truncate toward zero.
    def div_op(a, b):
        return tg.get_default_graph().create_op("Div", [a, b]).outputs[0]
    if expected is errors.InvalidArgumentError:
        return check_run_error(device, div_op, [x, y], match="Integer division by zero")
    if expected is None:
        expected = _trunc_div(x, y) if x.dtype.kind == "i" else _keep(np.true_divide)(x, y)
    check(device, div_op, [x, y], expected)
    # tg.div is TensorFlow 1's tf.div: Python 2 division, flooring integers (FloorDiv), RealDiv otherwise.
    check(device, tg.div, [x, y], np.floor_divide(x, y) if x.dtype.kind == "i" else expected)
    with tg.Graph().as_default():
        op_type = tg.div(tg.placeholder(tg.as_dtype(x.dtype)), tg.placeholder(tg.as_dtype(x.dtype))).op.type
        assert op_type == ("FloorDiv" if x.dtype.kind == "i" else "RealDiv")


@pytest.mark.parametrize("x,y,expected", [
    pytest.param(*_INT_DIV, np.array([-4, 3, 3, -4, 0, -2, -2, 0], i32), id="int32-floors"),
    pytest.param(_INT_DIV[0].astype(i64)[:, None], _INT_DIV[1].astype(i64), None, id="int64-broadcast"),
    # TensorFlow computes floor(x / y): 1.0 // 0.1 is 10 (numpy's floor_divide says 9).
    pytest.param(np.array([1.0, -7.5, 7.5], f32), np.array([0.1, 2.0, -2.0], f32),
                 np.array([10.0, -4.0, -4.0], f32), id="float32"),
    pytest.param(_rand((3, 4), f64), _rand((4,), f64, nonzero=True), None, id="float64"),
    pytest.param(_rand((3, 4), f16), _rand((4,), f16, nonzero=True), None, id="float16"),
    pytest.param(_INT_DIV[0].astype(i64), np.zeros(8, i64), errors.InvalidArgumentError, id="int-divide-by-zero"),
])
def test_floor_div(device, x, y, expected):
    if expected is errors.InvalidArgumentError:
        return check_run_error(device, tg.floordiv, [x, y], match="Integer division by zero")
    if expected is None:
        expected = np.floor_divide(x, y) if x.dtype.kind == "i" else \
            np.floor(x.astype(f64) / y).astype(x.dtype)
    check(device, tg.floordiv, [x, y], expected)
    check(device, lambda a, b: a // b, [x, y], expected)


@pytest.mark.parametrize("x,y,expected", [
    # The result takes the divisor's sign.
    pytest.param(*_INT_DIV, np.array([1, 1, -1, -1, 0, 0, 0, 1], i32), id="int32"),
    pytest.param(_INT_DIV[0].astype(i64)[:, None], _INT_DIV[1].astype(i64), None, id="int64-broadcast"),
    pytest.param(np.array([7.5, -7.5, 7.5, -7.5, 4.0], f32), np.array([2.0, 2.0, -2.0, -2.0, 2.0], f32),
                 np.array([1.5, 0.5, -0.5, -1.5, 0.0], f32), id="float32"),
    pytest.param(_rand((3, 4), f64), _rand((4,), f64, nonzero=True), None, id="float64"),
    pytest.param(_INT_DIV[0], np.zeros((), i32), errors.InvalidArgumentError, id="int-divide-by-zero"),
])
def test_floor_mod(device, x, y, expected):
    if expected is errors.InvalidArgumentError:
        return check_run_error(device, tg.floormod, [x, y], match="Integer division by zero")
    if expected is None:
        expected = np.mod(x, y)
    check(device, tg.floormod, [x, y], expected)
    check(device, lambda a, b: a % b, [x, y], expected)


@pytest.mark.parametrize("x,y", [
    (np.array([1.0, -2.0, 3.0, 0.0], f32), np.array([2.0, 0.0, -4.0, 0.0], f32)),
    (np.array([[1.0], [-2.0]], f64), np.array([0.0, 4.0], f64)),
    (np.array([1.0, 2.0], f16), np.array([0.0, 8.0], f16)),
])
def test_div_no_nan(device, x, y):
    with np.errstate(all="ignore"):
        expected = np.where(y == 0, 0, x / np.where(y == 0, 1, y)).astype(x.dtype)
    check(device, tg.div_no_nan, [x, y], expected)


@pytest.mark.parametrize("x,y,expected", [
    pytest.param(_rand((2, 3), f32, 0.1, 3), _rand((3,), f32), None, id="float32-broadcast"),
    pytest.param(_rand((2, 3), f64, 0.1, 3), _rand((2, 3), f64), None, id="float64"),
    pytest.param(_rand((4,), f16, 0.1, 2), _rand((4,), f16, -2, 2), None, id="float16"),
    pytest.param(np.array([2, -3, 0, 5], i32), np.array([3, 2, 4, 0], i32), np.array([8, 9, 0, 1], i32),
                 id="int32"),
    pytest.param(np.array([[2], [3]], i64), np.array([0, 1, 2], i64), None, id="int64-broadcast"),
    pytest.param(np.array([2, 3], i32), np.array([1, -1], i32), errors.InvalidArgumentError,
                 id="int-negative-exponent"),
])
def test_pow(device, x, y, expected):
    if expected is errors.InvalidArgumentError:
        return check_run_error(device, tg.pow, [x, y], match="negative integer powers")
    if expected is None:
        expected = _keep(np.power)(x, y)
    check(device, tg.pow, [x, y], expected)
    check(device, lambda a, b: a ** b, [x, y], expected)


_NAN_PAIR = (np.array([np.nan, 1.0, 2.0, np.nan], f32), np.array([1.0, np.nan, 1.0, np.nan], f32))


@pytest.mark.parametrize("x,y", _bin_cases() + [pytest.param(*_NAN_PAIR, id="nan-propagates")])
def test_maximum(device, x, y):
    check(device, tg.maximum, [x, y], np.maximum(x, y))


@pytest.mark.parametrize("x,y", _bin_cases() + [pytest.param(*_NAN_PAIR, id="nan-propagates")])
def test_minimum(device, x, y):
    check(device, tg.minimum, [x, y], np.minimum(x, y))


@pytest.mark.parametrize("x,y", _bin_cases([f16, f32, f64, i32, i64]) + _bin_cases([c64], _SHAPES[:2]))
def test_squared_difference(device, x, y):
    d = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64) - y
    check(device, tg.squared_difference, [x, y], (d * np.conj(d)).astype(x.dtype))


# --- comparisons and logic --------------------------------------------------------------------------

_CMP_CASES = _bin_cases([f16, f32, i32, i64], _SHAPES[:3], low=-2, high=2) + \
    [pytest.param(*_NAN_PAIR, id="nan")]


@pytest.mark.parametrize("x,y", _CMP_CASES)
def test_less(device, x, y):
    check(device, tg.less, [x, y], np.less(x, y))
    check(device, lambda a, b: a < b, [x, y], np.less(x, y))


@pytest.mark.parametrize("x,y", _CMP_CASES)
def test_less_equal(device, x, y):
    check(device, tg.less_equal, [x, y], np.less_equal(x, y))
    check(device, lambda a, b: a <= b, [x, y], np.less_equal(x, y))


@pytest.mark.parametrize("x,y", _CMP_CASES)
def test_greater(device, x, y):
    check(device, tg.greater, [x, y], np.greater(x, y))
    check(device, lambda a, b: a > b, [x, y], np.greater(x, y))


@pytest.mark.parametrize("x,y", _CMP_CASES)
def test_greater_equal(device, x, y):
    check(device, tg.greater_equal, [x, y], np.greater_equal(x, y))
    check(device, lambda a, b: a >= b, [x, y], np.greater_equal(x, y))


_EQ_CASES = _CMP_CASES + [pytest.param(np.array([True, False]), np.array([[True], [False]]), id="bool"),
                          pytest.param(np.array([1 + 1j, 2], c64), np.array([1 + 1j, 2j], c64), id="complex64")]


def _equality_op(op_type):
    def build(x, y):
        return tg.get_default_graph().create_op(op_type, [x, y], {"incompatible_shape_error": False}).outputs[0]
    return build


@pytest.mark.parametrize("x,y", _EQ_CASES)
def test_equal(device, x, y):
    check(device, tg.equal, [x, y], np.equal(x, y))


def test_equal_incompatible_shapes(device):
    # incompatible_shape_error=False: shapes that cannot broadcast compare as a scalar False (True for !=).
    x, y = np.zeros(2, f32), np.zeros(3, f32)
    check(device, _equality_op("Equal"), [x, y], np.array(False), static_shape=False)
    check(device, _equality_op("NotEqual"), [x, y], np.array(True), static_shape=False)
    with tg.Graph().as_default(), pytest.raises(ValueError, match="Dimensions must be equal"):
        tg.equal(tg.placeholder(tg.float32, [2]), tg.placeholder(tg.float32, [3]))
    check_run_error(device, tg.equal, [x, y], match=r"Incompatible shapes: \[2\] vs. \[3\]")


@pytest.mark.parametrize("x,y", _EQ_CASES)
def test_not_equal(device, x, y):
    check(device, tg.not_equal, [x, y], np.not_equal(x, y))


_BOOL_CASES = [pytest.param(_rand(sx, np.bool_), _rand(sy, np.bool_), id="%s-%s" % (sx, sy))
               for sx, sy in _SHAPES]


@pytest.mark.parametrize("x,y", _BOOL_CASES)
def test_logical_and(device, x, y):
    check(device, tg.logical_and, [x, y], np.logical_and(x, y))
    check(device, lambda a, b: a & b, [x, y], np.logical_and(x, y))


@pytest.mark.parametrize("x,y", _BOOL_CASES)
def test_logical_or(device, x, y):
    check(device, tg.logical_or, [x, y], np.logical_or(x, y))
    check(device, lambda a, b: a | b, [x, y], np.logical_or(x, y))


@pytest.mark.parametrize("x,y", _BOOL_CASES[:3])
def test_logical_xor(device, x, y):
    check(device, tg.logical_xor, [x, y], np.logical_xor(x, y))
    check(device, lambda a, b: a ^ b, [x, y], np.logical_xor(x, y))


@pytest.mark.parametrize("x", [_rand((2, 3), np.bool_), np.array(True)])
def test_logical_not(device, x):
    check(device, tg.logical_not, [x], np.logical_not(x))
    check(device, lambda a: ~a, [x], np.logical_not(x))


# --- unary ------------------------------------------------------------------------------------------

def _unary_cases(dtypes, low=-3.0, high=3.0, shape=(3, 4), extra=()):
    cases = [pytest.param(_rand(shape, dt, low, high), id=np.dtype(dt).name) for dt in dtypes]
    cases.append(pytest.param(_rand((), dtypes[0], low, high), id="scalar"))
    return cases + [pytest.param(np.asarray(e[1]), id=e[0]) for e in extra]


def _ref(fn):
    """``fn`` computed in float64 (complex128 for complex) and rounded to the input's dtype."""
    def f(x):
        wide = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
        with np.errstate(all="ignore"):
            return np.asarray(fn(wide)).astype(x.dtype)
    return f


_SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], f32)


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, i32, i64, c64]))
def test_neg(device, x):
    check(device, tg.negative, [x], np.negative(x))
    check(device, lambda a: -a, [x], np.negative(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, i32, i64]))
def test_abs(device, x):
    check(device, tg.abs, [x], np.abs(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, i32, i64], extra=[("nan-inf", _SPECIAL)]))
def test_sign(device, x):
    check(device, tg.sign, [x], np.sign(x))   # Sign(NaN) is NaN


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, i32, i64, c64]))
def test_square(device, x):
    check(device, tg.square, [x], _ref(np.square)(x) if x.dtype.kind in "fc" else np.square(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], 0.0, 9.0, extra=[("special", _SPECIAL)]))
def test_sqrt(device, x):
    check(device, tg.sqrt, [x], _ref(np.sqrt)(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], 0.01, 9.0, extra=[("special", _SPECIAL)]))
def test_rsqrt(device, x):
    check(device, tg.rsqrt, [x], _ref(lambda v: 1 / np.sqrt(v))(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, c64], extra=[("special", _SPECIAL)]))
def test_exp(device, x):
    check(device, tg.exp, [x], _ref(np.exp)(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], 0.01, 9.0, extra=[("special", _SPECIAL)]))
def test_log(device, x):
    check(device, tg.log, [x], _ref(np.log)(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], -0.9, 9.0))
def test_log1p(device, x):
    check(device, tg.log1p, [x], _ref(np.log1p)(x))


@pytest.mark.parametrize("x,expected", [
    pytest.param(x, None, id=x.dtype.name) for x in (_rand((3, 4), f32, nonzero=True),
                                                      _rand((3,), f16, nonzero=True),
                                                      _rand((2, 2), f64, nonzero=True))
] + [
    # Integer reciprocal is C++'s 1 / x: truncates toward zero.
    pytest.param(np.array([1, -1, 2, -2, 7], i32), np.array([1, -1, 0, 0, 0], i32), id="int32"),
    pytest.param(np.array([1, 0], i64), errors.InvalidArgumentError, id="int-divide-by-zero"),
])
def test_reciprocal(device, x, expected):
    if expected is errors.InvalidArgumentError:
        return check_run_error(device, tg.reciprocal, [x], match="Integer division by zero")
    check(device, tg.reciprocal, [x], _ref(np.reciprocal)(x) if expected is None else expected)


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_floor(device, x):
    check(device, tg.floor, [x], np.floor(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_ceil(device, x):
    check(device, tg.ceil, [x], np.ceil(x))


@pytest.mark.parametrize("x,expected", [
    # Halves round to even (banker's rounding), as TensorFlow's Round.
    pytest.param(np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6], dt),
                 np.array([0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 2.0, 3.0], dt), id=np.dtype(dt).name)
    for dt in (f16, f32, f64)
] + [pytest.param(np.array([3, -4], i32), np.array([3, -4], i32), id="int32"),
     pytest.param(_SPECIAL, _SPECIAL, id="special")])
def test_round(device, x, expected):
    # tg.round returns integer tensors as they are, as tf.round does; the Round op takes them too.
    check(device, lambda t: tg.get_default_graph().create_op("Round", [t]).outputs[0], [x], expected)
    if x.dtype.kind == "f":
        check(device, tg.round, [x], expected)
    else:
        with tg.Graph().as_default():
            t = tg.placeholder(tg.int32, [2])
            assert tg.round(t) is t


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, c64]))
def test_sin(device, x):
    check(device, tg.sin, [x], _ref(np.sin)(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, c64]))
def test_cos(device, x):
    check(device, tg.cos, [x], _ref(np.cos)(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], -20, 20, extra=[("special", _SPECIAL)]))
def test_tanh(device, x):
    check(device, tg.tanh, [x], _ref(np.tanh)(x))


_SIGMOID_EXTREMES = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0, np.nan, np.inf, -np.inf], f32)


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64, c64], -10, 10, extra=[
    ("extremes-float32", _SIGMOID_EXTREMES), ("extremes-float16", _SIGMOID_EXTREMES.astype(f16)),
    ("extremes-float64", _SIGMOID_EXTREMES.astype(f64))]))
def test_sigmoid(device, x):
    # No overflow warning or NaN for large |x|: exactly 0 and 1 at the far ends.
    expected = _ref(lambda v: 1 / (1 + np.exp(-v)))(x)
    check(device, tg.sigmoid, [x], expected)


@pytest.mark.parametrize("x", _unary_cases([f32, f64, f16]))
def test_erf(device, x):
    from math import erf
    expected = np.vectorize(erf)(x.astype(f64)).astype(x.dtype)
    # Erf has only a CPU kernel; soft placement moves it there.
    check(device, tg.erf, [x], expected, soft=True)


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_is_nan(device, x):
    check(device, tg.is_nan, [x], np.isnan(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_is_finite(device, x):
    check(device, tg.is_finite, [x], np.isfinite(x))


@pytest.mark.parametrize("x", _unary_cases([f32, f16, f64], extra=[("special", _SPECIAL)]))
def test_is_inf(device, x):
    check(device, tg.is_inf, [x], np.isinf(x))


# --- AddN, Select, Cast -----------------------------------------------------------------------------

@pytest.mark.parametrize("xs", [
    pytest.param([_rand((2, 3), f32) for _ in range(3)], id="float32-3"),
    pytest.param([_rand((4,), f16) for _ in range(2)], id="float16-2"),
    pytest.param([_rand((2, 2), i64) for _ in range(4)], id="int64-4"),
    pytest.param([_rand((), f64) for _ in range(2)], id="float64-scalars"),
])
def test_add_n(device, xs):
    expected = np.sum(np.stack([x.astype(f64) if x.dtype.kind == "f" else x for x in xs]), axis=0).astype(xs[0].dtype)
    check(device, lambda *ts: tg.add_n(list(ts)), xs, expected)
    check_run_error(device, lambda a, b: tg.add_n([a, b]), [xs[0], np.concatenate([xs[0].reshape(-1)] * 2)],
                    match="must have the same size and shape")


def test_add_n_single_and_errors():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        assert tg.add_n([x]) is x
        assert tg.add_n([x], name="sum").op.type == "Identity"
        with pytest.raises(ValueError):
            tg.add_n([])
        with pytest.raises(ValueError):
            tg.add_n(x)
        with pytest.raises(ValueError, match="Shape inference failed"):
            tg.add_n([x, tg.placeholder(tg.float32, [3])])


@pytest.mark.parametrize("c,t,e", [
    pytest.param(_rand((2, 3), np.bool_), _rand((2, 3), f32), _rand((2, 3), f32), id="same-shape"),
    pytest.param(_rand((3,), np.bool_), _rand((3, 2, 2), i32), _rand((3, 2, 2), i32), id="vector-condition"),
    pytest.param(np.array(True), _rand((2,), f64), _rand((2,), f64), id="scalar-condition"),
    pytest.param(_rand((4,), np.bool_), _rand((4,), f16), _rand((4,), f16), id="vectors"),
])
def test_select(device, c, t, e):
    cond = c.reshape(c.shape + (1,) * (t.ndim - c.ndim)) if c.ndim == 1 else c
    check(device, tg.where, [c, t, e], np.where(cond, t, e))


def test_select_errors(device):
    t = np.zeros((2, 3), f32)
    # Select (v1) does not broadcast, except for its vector condition.
    check_run_error(device, tg.where, [np.ones((2, 3), bool), t, np.zeros((3,), f32)], match="'then' and 'else'")
    check_run_error(device, tg.where, [np.ones((3,), bool), t, t], match="Number of batches")
    check_run_error(device, tg.where, [np.ones((2, 1), bool), t, t], match="'then' and 'cond'")
    with tg.Graph().as_default(), pytest.raises(ValueError):
        tg.where(tg.placeholder(tg.bool, [3]), tg.placeholder(tg.float32, [2, 3]),
                 tg.placeholder(tg.float32, [2, 3]))


@pytest.mark.parametrize("c,t,e", [
    pytest.param(_rand((2, 3), np.bool_), _rand((2, 3), f32), _rand((2, 3), f32), id="same-shape"),
    pytest.param(_rand((3,), np.bool_), _rand((2, 3), i32), _rand((1,), i32), id="broadcast"),
    pytest.param(_rand((2, 1), np.bool_), _rand((3,), f16), _rand((), f16), id="broadcast-all"),
    pytest.param(np.array(False), _rand((2,), i64), _rand((2,), i64), id="scalar-condition"),
])
def test_select_v2(device, c, t, e):
    check(device, tg.where_v2, [c, t, e], np.where(c, t, e))


def test_select_v2_incompatible(device):
    check_run_error(device, tg.where_v2, [np.ones((2,), bool), np.zeros((3,), f32), np.zeros((3,), f32)],
                    match="must be broadcastable")


_CAST_FLOATS = np.array([1.7, -1.7, 2.5, -2.5, 0.0, 100.9], f64)


@pytest.mark.parametrize("x,dtype,expected", [
    # Floats to integers truncate toward zero.
    pytest.param(_CAST_FLOATS.astype(f32), tg.int32, np.array([1, -1, 2, -2, 0, 100], i32), id="float32-int32"),
    pytest.param(_CAST_FLOATS, tg.int64, np.array([1, -1, 2, -2, 0, 100], i64), id="float64-int64"),
    pytest.param(_CAST_FLOATS.astype(f16), tg.int32, np.array([1, -1, 2, -2, 0, 100], i32), id="float16-int32"),
    pytest.param(_CAST_FLOATS, tg.float16, _CAST_FLOATS.astype(f16), id="float64-float16"),
    pytest.param(_CAST_FLOATS.astype(f16), tg.float32, _CAST_FLOATS.astype(f16).astype(f32), id="float16-float32"),
    pytest.param(np.array([0.0, -0.0, 0.5, np.nan], f32), tg.bool, np.array([False, False, True, True]),
                 id="float-bool"),
    pytest.param(np.array([0, 3, -1], i32), tg.bool, np.array([False, True, True]), id="int-bool"),
    pytest.param(np.array([True, False]), tg.float32, np.array([1.0, 0.0], f32), id="bool-float"),
    pytest.param(np.array([True, False]), tg.int64, np.array([1, 0], i64), id="bool-int64"),
    pytest.param(np.array([2**31 - 1, -5], i64), tg.int32, np.array([2**31 - 1, -5], i32), id="int64-int32"),
    pytest.param(np.array([1.5 + 2j, -3 - 1j], c64), tg.float32, np.array([1.5, -3.0], f32), id="complex-real"),
    pytest.param(np.array([1.5 + 2j, -3 - 1j], c64), tg.int32, np.array([1, -3], i32), id="complex-int"),
    pytest.param(np.array([1.5, -3.0], f32), tg.complex64, np.array([1.5, -3.0], c64), id="float-complex"),
    pytest.param(np.ones((2, 3), i32), tg.float64, np.ones((2, 3), f64), id="int32-float64-2d"),
])
def test_cast(device, x, dtype, expected):
    check(device, lambda t: tg.cast(t, dtype), [x], expected)


def test_cast_same_dtype_is_identity():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        assert tg.cast(x, tg.float32) is x
        y = tg.cast(x, tg.int32)
        assert y.op.type == "Cast" and y.op.get_attr("DstT") == tg.int32 and y.op.get_attr("SrcT") == tg.float32
        assert y.op.get_attr("Truncate") is False


# --- reductions -------------------------------------------------------------------------------------

_X234 = _rand((2, 3, 4), f64)
# (axis, keepdims) cases: None = all axes, negative axes, several axes, [] = no reduction.
_AXES = [(None, False), (1, False), (-1, True), ([0, 2], False), ([-3, 1], True), ([], False), ([], True)]


def _reduction_cases(dtypes, axes=_AXES):
    return [pytest.param(_X234.astype(dt) if np.dtype(dt).kind == "f" else _rand((2, 3, 4), dt, -9, 9), a, k,
                         id="%s-%s-%s" % (np.dtype(dt).name, a, "keep" if k else "drop"))
            for dt in dtypes for a, k in (axes if dt in (f32, i32) else axes[:4])]


def _np_axis(axis):
    return None if axis is None else tuple(np.atleast_1d(axis).tolist()) if np.size(axis) else ()


def _check_reduction(device, tg_fn, np_fn, x, axis, keep):
    with np.errstate(all="ignore"):
        expected = np.asarray(np_fn(x, _np_axis(axis), keep))
    check(device, lambda t: tg_fn(t, axis=axis, keepdims=keep), [x], expected)


def _np_reduce(fn):
    def f(x, axis, keep):
        wide = x.astype(f64) if x.dtype.kind == "f" else x
        return np.asarray(fn(wide, axis=axis, keepdims=keep)).astype(x.dtype)
    return f


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([f32, f16, f64, i32, i64]))
def test_reduce_sum(device, x, axis, keep):
    _check_reduction(device, tg.reduce_sum, _np_reduce(np.sum), x, axis, keep)


def _int_mean(x, axis, keep):
    s = np.sum(x, axis=axis, keepdims=keep).astype(f64)
    n = x.size // max(s.size, 1)
    return np.trunc(s / n).astype(x.dtype)   # C++ integer division truncates toward zero


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([f32, f16, f64, i32, i64]))
def test_reduce_mean(device, x, axis, keep):
    _check_reduction(device, tg.reduce_mean, _int_mean if x.dtype.kind == "i" else _np_reduce(np.mean),
                     x, axis, keep)


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([f32, f16, f64, i32, i64]) + [
    pytest.param(np.array([[1.0, np.nan], [2.0, 3.0]], f32), 1, False, id="nan-propagates"),
    pytest.param(np.zeros((0, 3), f32), 0, False, id="empty-float"),
    pytest.param(np.zeros((2, 0), i32), 1, True, id="empty-int")])
def test_reduce_max(device, x, axis, keep):
    def ref(x, axis, keep):
        if x.size == 0:
            fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
            return np.full(np.sum(x, axis=axis, keepdims=keep).shape, fill, x.dtype)
        return np.max(x, axis=axis, keepdims=keep)
    _check_reduction(device, tg.reduce_max, ref, x, axis, keep)


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([f32, f16, f64, i32, i64]) + [
    pytest.param(np.array([[1.0, np.nan], [2.0, 3.0]], f32), 1, False, id="nan-propagates"),
    pytest.param(np.zeros((0, 3), f64), 0, True, id="empty-float")])
def test_reduce_min(device, x, axis, keep):
    def ref(x, axis, keep):
        if x.size == 0:
            return np.full(np.sum(x, axis=axis, keepdims=keep).shape, np.inf, x.dtype)
        return np.min(x, axis=axis, keepdims=keep)
    _check_reduction(device, tg.reduce_min, ref, x, axis, keep)


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([f32, f16, f64, i32, i64], _AXES[:5]))
def test_reduce_prod(device, x, axis, keep):
    x = x / 2 + 1 if x.dtype.kind == "f" else np.clip(x, -2, 2)   # keep products small
    _check_reduction(device, tg.reduce_prod, _np_reduce(np.prod), x.astype(x.dtype), axis, keep)


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([np.bool_]) + [
    pytest.param(np.ones((2, 3), bool), None, False, id="all-true")])
def test_reduce_all(device, x, axis, keep):
    _check_reduction(device, tg.reduce_all, lambda x, a, k: np.all(x, axis=a, keepdims=k), x, axis, keep)


@pytest.mark.parametrize("x,axis,keep", _reduction_cases([np.bool_]) + [
    pytest.param(np.zeros((2, 3), bool), 1, True, id="none-true")])
def test_reduce_any(device, x, axis, keep):
    _check_reduction(device, tg.reduce_any, lambda x, a, k: np.any(x, axis=a, keepdims=k), x, axis, keep)


@pytest.mark.parametrize("fn,ref", [(tg.reduce_sum, np.sum), (tg.reduce_mean, np.mean), (tg.reduce_max, np.max),
                                    (tg.reduce_min, np.min), (tg.reduce_prod, np.prod)])
@pytest.mark.parametrize("keep", [False, True])
def test_reduce_all_axes_of_unknown_rank(device, fn, ref, keep):
    x = _rand((2, 3, 2), f64)
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float64, None)
        y = fn(p, keepdims=keep)
        with tg.Session() as sess:
            got = sess.run(y, {p: x})
    np.testing.assert_allclose(got, ref(x, keepdims=keep), rtol=1e-13)
    assert np.shape(got) == ((1, 1, 1) if keep else ())


def test_reduction_errors(device):
    x = np.ones((2, 3), f32)
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [2, 3])
        with pytest.raises(ValueError, match="Invalid reduction dimension"):
            tg.reduce_sum(p, axis=2)
        dup = tg.reduce_sum(p, axis=[1, -1])   # as in TensorFlow, repeated axes fail only when run
        with tg.Session() as sess, pytest.raises(errors.InvalidArgumentError, match="duplicate dimension: 1"):
            sess.run(dup, {p: x})
    # The axis known only at run time.
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float32, [None, None])
        a = tg.placeholder(tg.int32, [None])
        y = tg.reduce_sum(p, axis=a)
        assert y.shape.rank is None
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {p: x, a: [1]}), [3.0, 3.0])
            with pytest.raises(errors.InvalidArgumentError, match="Invalid reduction dimension"):
                sess.run(y, {p: x, a: [2]})
            with pytest.raises(errors.InvalidArgumentError, match="duplicate dimension"):
                sess.run(y, {p: x, a: [0, -2]})


@pytest.mark.parametrize("x,axis,out", [
    pytest.param(_rand((3, 4), f32), 1, tg.int64, id="float32-axis1"),
    pytest.param(_rand((3, 4), f16), 0, tg.int32, id="float16-int32"),
    pytest.param(_rand((2, 3, 4), i64, -50, 50), -1, tg.int64, id="int64-negative-axis"),
    pytest.param(_rand((5,), f64), 0, tg.int32, id="float64-vector"),
    pytest.param(np.array([[True, False], [False, True]]), 1, tg.int64, id="bool"),
])
def test_argmax(device, x, axis, out):
    check(device, lambda t: tg.argmax(t, axis=axis, output_type=out), [x],
          np.argmax(x, axis=axis).astype(out.as_numpy_dtype))


@pytest.mark.parametrize("x,axis,out", [
    pytest.param(_rand((3, 4), f32), 1, tg.int64, id="float32-axis1"),
    pytest.param(_rand((3, 4), i32, -50, 50), 0, tg.int32, id="int32-int32"),
    pytest.param(_rand((2, 3, 4), f64), -2, tg.int64, id="float64-negative-axis"),
])
def test_argmin(device, x, axis, out):
    check(device, lambda t: tg.argmin(t, axis=axis, output_type=out), [x],
          np.argmin(x, axis=axis).astype(out.as_numpy_dtype))


def test_arg_errors(device):
    check_run_error(device, lambda t: tg.argmax(t, axis=0), [np.zeros((0, 3), f32)], match="empty")
    with tg.Graph().as_default(), pytest.raises(ValueError, match="range"):
        tg.argmax(tg.placeholder(tg.float32, [2, 3]), axis=2)
    with tg.Graph().as_default():
        assert tg.argmax(tg.placeholder(tg.float32, [2, 3]), 1).dtype == tg.int64


# --- matrix products --------------------------------------------------------------------------------

def _np_matmul(a, b, ta=False, tb=False):
    a = a.T if ta else a
    b = b.T if tb else b
    wide = (lambda v: v.astype(f64)) if a.dtype.kind == "f" else (lambda v: v)
    return np.matmul(wide(a), wide(b)).astype(a.dtype)


@pytest.mark.parametrize("a,b,ta,tb", [
    pytest.param(_rand((2, 3), f32), _rand((3, 4), f32), False, False, id="float32"),
    pytest.param(_rand((3, 2), f64), _rand((3, 4), f64), True, False, id="float64-transpose_a"),
    pytest.param(_rand((2, 3), f16), _rand((4, 3), f16), False, True, id="float16-transpose_b"),
    pytest.param(_rand((3, 2), i32), _rand((4, 3), i32), True, True, id="int32-both"),
    pytest.param(_rand((2, 3), i64), _rand((3, 1), i64), False, False, id="int64"),
    pytest.param(_rand((2, 3), c64), _rand((3, 2), c64), False, False, id="complex64"),
    pytest.param(np.zeros((2, 0), f32), np.zeros((0, 3), f32), False, False, id="empty-inner"),
])
def test_matmul(device, a, b, ta, tb):
    expected = _np_matmul(a, b, ta, tb)
    check(device, lambda x, y: tg.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b], expected)
    if not (ta or tb):
        check(device, lambda x, y: x @ y, [a, b], expected)


def test_matmul_errors(device):
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float32, [2, 3])
        with pytest.raises(ValueError, match="Dimensions must be equal"):
            tg.matmul(a, tg.placeholder(tg.float32, [4, 5]))
        with pytest.raises(TypeError):
            tg.matmul(a, tg.placeholder(tg.int32, [3, 5]))
        with pytest.raises(TypeError):
            tg.matmul(a, tg.placeholder(tg.float64, [3, 5]))
        with pytest.raises(ValueError):
            tg.matmul(a, a, transpose_a=True, adjoint_a=True)
    check_run_error(device, tg.matmul, [np.ones((2, 3), f32), np.ones((4, 5), f32)],
                    match=r"Matrix size-incompatible: In\[0\]: \[2,3\], In\[1\]: \[4,5\]")


@pytest.mark.parametrize("a,b,adj_a,adj_b", [
    pytest.param(_rand((2, 2, 3), f32), _rand((2, 3, 4), f32), False, False, id="float32-batch"),
    pytest.param(_rand((2, 1, 2, 3), f64), _rand((3, 3, 4), f64), False, False, id="float64-broadcast"),
    pytest.param(_rand((2, 3, 2), f32), _rand((3, 4), f32), True, False, id="adj_x-rank2-rhs"),
    pytest.param(_rand((3, 2), f16), _rand((2, 4, 2), f16), False, True, id="float16-adj_y"),
    pytest.param(_rand((2, 2, 3), i32), _rand((2, 3, 2), i32), False, False, id="int32"),
    pytest.param(_rand((2, 3, 2), c64), _rand((2, 3, 2), c64), True, False, id="complex-adjoint"),
])
def test_batch_matmul(device, a, b, adj_a, adj_b):
    aa = np.conj(np.swapaxes(a, -1, -2)) if adj_a else a
    bb = np.conj(np.swapaxes(b, -1, -2)) if adj_b else b
    wide = (lambda v: v.astype(f64)) if a.dtype.kind == "f" else (lambda v: v)
    expected = np.matmul(wide(aa), wide(bb)).astype(a.dtype)

    def build(x, y):
        out = tg.matmul(x, y, adjoint_a=adj_a, adjoint_b=adj_b)
        assert out.op.type == "BatchMatMulV2"
        return out
    check(device, build, [a, b], expected)


def test_batch_matmul_errors(device):
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="Dimensions must be equal"):
            tg.matmul(tg.placeholder(tg.float32, [2, 2, 3]), tg.placeholder(tg.float32, [2, 4, 3]))
        with pytest.raises(ValueError):
            tg.matmul(tg.placeholder(tg.float32, [2, 2, 3]), tg.placeholder(tg.float32, [3, 3, 4]))
    check_run_error(device, tg.matmul, [np.ones((2, 2, 3), f32), np.ones((3, 3, 4), f32)],
                    match="compatible batch dimensions")
    check_run_error(device, tg.matmul, [np.ones((2, 2, 3), f32), np.ones((2, 4, 4), f32)],
                    match="Matrix size-incompatible")


# --- construction-time type rules, overloads ----------------------------------------------------------

@pytest.mark.parametrize("fn", [tg.add, tg.subtract, tg.multiply, tg.div, tg.floordiv, tg.maximum, tg.equal,
                                tg.less, tg.squared_difference, lambda a, b: a + b, lambda a, b: a * b,
                                lambda a, b: a / b, lambda a, b: a - b])
def test_dtype_mix_is_type_error(fn):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        with pytest.raises(TypeError):
            fn(x, tg.placeholder(tg.int32, [2]))
        with pytest.raises(TypeError):
            fn(x, tg.placeholder(tg.float16, [2]))


def test_python_values_take_the_tensor_dtype(device):
    x = np.array([1.5, -2.0], f16)
    check(device, lambda t: t * 2 + 1, [x], (x * f16(2) + f16(1)).astype(f16))
    check(device, lambda t: 1 - t, [x], (f16(1) - x).astype(f16))
    ints = np.array([7, -7], i32)
    # Python 3 division of integers gives float64; of int16, float32.
    check(device, lambda t: t / 2, [ints], ints / 2.0)
    check(device, lambda t: 2 / t, [ints.astype(np.int16)], (2 / ints.astype(np.int16)).astype(f32))
    check(device, lambda t: t // 2, [ints], np.array([3, -4], i32))
    with tg.Graph().as_default(), pytest.raises(TypeError):
        tg.placeholder(tg.int32, [2]) + 1.5


def test_names_follow_tensorflow():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2, 3], name="x")
        assert (x + 1.0).op.name == "add"
        assert (x + 1.0).op.inputs[1].op.name == "add_1/y"
        assert tg.reduce_sum(x, axis=1).op.name == "Sum"
        assert tg.reduce_sum(x, axis=1).op.inputs[1].op.name == "Sum_1/reduction_indices"
        assert tg.matmul(x, x, transpose_b=True).op.name == "MatMul"
        assert tg.cast(x, tg.int32).op.name == "Cast"
        assert tg.argmax(x, 1).op.type == "ArgMax"


# --- gradients --------------------------------------------------------------------------------------

def _pos(shape, low=0.5, high=2.0):
    return _RNG.uniform(low, high, size=shape)


def _real(shape):
    return _RNG.uniform(-2, 2, size=shape)


def _raw(op_type, **attrs):
    def build(*ts):
        return tg.get_default_graph().create_op(op_type, list(ts), attrs).outputs[0]
    return build


_GRAD_CASES = [
    ("AddV2", tg.add, [_real((2, 3)), _real((3,))]),
    ("Add-both-broadcast", tg.add, [_real((2, 1)), _real((1, 3))]),
    ("Sub", tg.subtract, [_real((2, 1)), _real((1, 3))]),
    ("Mul", tg.multiply, [_real((2, 3)), _real(())]),
    ("RealDiv", tg.realdiv, [_real((2, 3)), _pos((2, 1))]),
    ("Div", _raw("Div"), [_real((3,)), _pos((2, 3))]),
    ("DivNoNan", tg.div_no_nan, [_real((2, 3)), _pos((3,))]),
    ("FloorMod", tg.floormod, [_pos((4,), 0.1, 0.9) + np.arange(4), _pos((4,), 1.1, 1.3)]),
    ("Pow", tg.pow, [_pos((2, 3)), _real((3,))]),
    ("Maximum", tg.maximum, [_real((2, 3)), _real((3,))]),
    ("Minimum", tg.minimum, [_real((2, 1)), _real((1, 3))]),
    ("SquaredDifference", tg.squared_difference, [_real((2, 3)), _real((2, 1))]),
    ("Neg", tg.negative, [_real((2, 3))]),
    ("Abs", tg.abs, [_real((2, 3))]),
    ("Square", tg.square, [_real((2, 3))]),
    ("Sqrt", tg.sqrt, [_pos((2, 3))]),
    ("Rsqrt", tg.rsqrt, [_pos((2, 3))]),
    ("Exp", tg.exp, [_real((2, 3))]),
    ("Log", tg.log, [_pos((2, 3))]),
    ("Log1p", tg.log1p, [_pos((2, 3))]),
    ("Reciprocal", tg.reciprocal, [_pos((2, 3))]),
    ("Sin", tg.sin, [_real((2, 3))]),
    ("Cos", tg.cos, [_real((2, 3))]),
    ("Tanh", tg.tanh, [_real((2, 3))]),
    ("Sigmoid", tg.sigmoid, [_real((2, 3))]),
    ("AddN", lambda *ts: tg.add_n(list(ts)), [_real((2, 2)), _real((2, 2)), _real((2, 2))]),
    ("Select", lambda a, b: tg.where(tg.constant([True, False]), a, b), [_real((2, 3)), _real((2, 3))]),
    ("SelectV2", lambda a, b: tg.where_v2(tg.constant([True, False, True]), a, b), [_real((2, 3)), _real(())]),
    ("Sum-all", tg.reduce_sum, [_real((2, 3))]),
    ("Sum-axis", lambda t: tg.reduce_sum(t, axis=-1), [_real((2, 3, 2))]),
    ("Sum-keepdims", lambda t: tg.reduce_sum(t, axis=[0, 2], keepdims=True), [_real((2, 3, 2))]),
    ("Mean", lambda t: tg.reduce_mean(t, axis=1), [_real((2, 3))]),
    ("Mean-all", tg.reduce_mean, [_real((2, 3))]),
    ("Max", lambda t: tg.reduce_max(t, axis=0), [_real((3, 2))]),
    ("Min-keepdims", lambda t: tg.reduce_min(t, axis=1, keepdims=True), [_real((3, 2))]),
    ("MatMul", tg.matmul, [_real((2, 3)), _real((3, 2))]),
    ("MatMul-transpose_a", lambda a, b: tg.matmul(a, b, transpose_a=True), [_real((3, 2)), _real((3, 2))]),
    ("MatMul-transpose_b", lambda a, b: tg.matmul(a, b, transpose_b=True), [_real((2, 3)), _real((2, 3))]),
    ("MatMul-both", lambda a, b: tg.matmul(a, b, transpose_a=True, transpose_b=True), [_real((3, 2)), _real((2, 3))]),
]
_DYNAMIC = {"AddV2", "Add-both-broadcast", "Mul", "SelectV2", "Sum-axis", "Sum-keepdims", "Mean", "Mean-all",
            "Max", "Min-keepdims", "Maximum"}


@pytest.mark.parametrize("build,args,dynamic", [
    pytest.param(b, a, d, id=name + ("-dynamic" if d else ""))
    for name, b, a in _GRAD_CASES for d in ((False, True) if name in _DYNAMIC else (False,))])
def test_gradient(device, build, args, dynamic):
    check_gradient(device, build, args, dynamic=dynamic)


def test_gradient_of_erf_and_cast():
    check_gradient("/device:CPU:0", tg.erf, [_real((2, 3))])
    from tagraph.engine.framework.op_builder import get_gradient_fn
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float64, [3])
        g = tg.placeholder(tg.float32, [3])
        (dx,) = get_gradient_fn("Cast")(tg.cast(x, tg.float32).op, g)
        assert dx.dtype == tg.float64
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(dx, {g: [1.5, -2.0, 0.25]}), [1.5, -2.0, 0.25])
        y = tg.cast(tg.placeholder(tg.float32, [2]), tg.int32)
        assert get_gradient_fn("Cast")(y.op, tg.placeholder(tg.int32, [2])) == [None]
        assert get_gradient_fn("Floor")(tg.floor(tg.placeholder(tg.float32)).op, None) == [None]


def test_broadcast_gradient_args(device):
    with tg.Graph().as_default(), tg.device(device):
        s0, s1 = tg.placeholder(tg.int32, [None]), tg.placeholder(tg.int32, [None])
        r0, r1 = tg.get_default_graph().create_op("BroadcastGradientArgs", [s0, s1]).outputs
        with tg.Session() as sess:
            a, b = sess.run([r0, r1], {s0: [2, 1, 3], s1: [4, 1, 1, 1]})
            np.testing.assert_array_equal(a, [0, 2])      # axis 2: both 1, summed for both
            np.testing.assert_array_equal(b, [1, 2, 3])
            with pytest.raises(errors.InvalidArgumentError, match="Incompatible shapes"):
                sess.run(r0, {s0: [2], s1: [3]})


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", complex_reference.cases("products", "matmul_") +
                         complex_reference.cases("products", "batch_matmul_"))
def test_complex_gradients_match_tensorflow(device, case, known):
    """MatMul and BatchMatMulV2 of complex tensors (tf.matmul conjugating transposed and adjoint operands as
    TensorFlow does): values and gradients recorded from TensorFlow (tests/data/tf_ops/record_complex_fft.py)."""
    complex_reference.check_case(device, case, known)
