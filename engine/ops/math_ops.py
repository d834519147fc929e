"""Elementwise arithmetic, comparisons, logic, casts, reductions and matrix products.

Each op's shape function, kernel (written once against ``ctx.xp``, serving CPU and GPU) and gradient are
registered here beside its Python constructor; Tensor's operator overloads are attached at the end.
Kernels follow TensorFlow's semantics rather than numpy's where the two differ: the output dtype is the
input dtype (no promotion), integer ``Div`` truncates toward zero, integer division by zero is an
InvalidArgumentError, reductions reject duplicate or out-of-range axes, and so on.

    y = tg.reduce_sum(tg.square(x - 1.0), axis=1)
"""
import numpy as np

from tagraph.devices.kernel_registry import has_kernel, register_kernel
from tagraph.engine.framework import common_shapes, dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import (Tensor, convert_to_tensor, _graph_of, get_default_graph,
                                            register_tensor_operators)
from tagraph.engine.framework.op_builder import make_op, register_shape, register_gradient, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape


def _is_tensor_like(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_tensor")


def _scoped(op_type, default_name, inputs, attrs=None, name=None):
    """Builds ``op_type`` inside ``name_scope(name or default_name)``, the op taking the scope's name, as
    TensorFlow's op wrappers do (``x + 1`` makes ``add`` and its constant ``add/y``)."""
    tensors = [i for i in inputs if _is_tensor_like(i)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or default_name) as scope:
        return make_op(op_type, inputs, attrs, name=scope)


def _shape_str(shape):
    """A shape as TensorFlow's error messages print it: ``[2,3]``."""
    return "[%s]" % ",".join(str(int(d)) for d in shape)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _is_int(x):
    return x.dtype.kind in "iu"


def _f16_acc(x):
    # float16 math accumulates in float32 (as TensorFlow's reductions and matmuls do), then rounds back.
    return np.float32 if x.dtype == np.float16 else None


# --- binary elementwise -----------------------------------------------------------------------------

def _check_broadcast(x, y):
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise _invalid("Incompatible shapes: %s vs. %s" % (_shape_str(x.shape), _shape_str(y.shape))) from None


def _check_nonzero(y):
    if bool((y == 0).any()):
        raise _invalid("Integer division by zero")


def _trunc_div(xp, x, y):
    # C++ integer division: the quotient is truncated toward zero.
    q = xp.floor_divide(x, y)
    if x.dtype.kind == "i":
        q = q + ((xp.remainder(x, y) != 0) & ((x < 0) != (y < 0)))
    return q


def _div(xp, x, y):
    if _is_int(x):
        _check_nonzero(y)
        return _trunc_div(xp, x, y)
    return xp.true_divide(x, y)


def _floor_div(xp, x, y):
    if _is_int(x):
        _check_nonzero(y)
        return xp.floor_divide(x, y)
    # TensorFlow's floor(x / y); numpy's floor_divide differs (1.0 // 0.1 == 9.0, floor(1.0 / 0.1) == 10.0).
    return xp.floor(xp.true_divide(x, y))


def _floor_mod(xp, x, y):
    if _is_int(x):
        _check_nonzero(y)
        return xp.remainder(x, y)  # takes the divisor's sign, as TensorFlow's
    r = xp.fmod(x, y)
    return xp.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


def _div_no_nan(xp, x, y):
    zero = y == 0
    return xp.where(zero, xp.zeros_like(x), xp.true_divide(x, xp.where(zero, xp.ones_like(y), y)))


def _pow(xp, x, y):
    if _is_int(x) and y.dtype.kind == "i" and bool((y < 0).any()):
        raise _invalid("Integers to negative integer powers are not allowed")
    return xp.power(x, y)


def _squared_difference(xp, x, y):
    d = xp.subtract(x, y)
    return d * xp.conj(d) if x.dtype.kind == "c" else d * d


def _elementwise(fn, keep_dtype=True):
    """A binary kernel broadcasting as TensorFlow does, with its error for shapes that do not."""
    # Sessions run kernels under np.errstate(all="ignore") (see session.py); no per-kernel errstate.
    def kernel(ctx, x, y):
        try:
            r = fn(ctx.xp, x, y)
        except ValueError:
            _check_broadcast(x, y)
            raise
        if keep_dtype and r.dtype != x.dtype:
            r = r.astype(x.dtype)
        return r
    return kernel


_BINARY = {
    "Add": lambda xp, x, y: xp.add(x, y),   # also strings (object arrays of bytes) on the CPU
    "AddV2": lambda xp, x, y: xp.add(x, y),
    "Sub": lambda xp, x, y: xp.subtract(x, y),
    "Mul": lambda xp, x, y: xp.multiply(x, y),
    "RealDiv": _div,
    "Div": _div,
    "FloorDiv": _floor_div,
    "FloorMod": _floor_mod,
    "DivNoNan": _div_no_nan,
    "Pow": _pow,
    # numpy's maximum/minimum propagate NaN, as TensorFlow 2.x's do.
    "Maximum": lambda xp, x, y: xp.maximum(x, y),
    "Minimum": lambda xp, x, y: xp.minimum(x, y),
    "SquaredDifference": _squared_difference,
}
for _t, _fn in _BINARY.items():
    register_kernel(_t)(_elementwise(_fn))
    register_shape(_t)(common_shapes.broadcast_binary)

_COMPARE = {
    "Less": lambda xp, x, y: xp.less(x, y), "LessEqual": lambda xp, x, y: xp.less_equal(x, y),
    "Greater": lambda xp, x, y: xp.greater(x, y), "GreaterEqual": lambda xp, x, y: xp.greater_equal(x, y),
    "LogicalAnd": lambda xp, x, y: xp.logical_and(x, y), "LogicalOr": lambda xp, x, y: xp.logical_or(x, y),
}
for _t, _fn in _COMPARE.items():
    register_kernel(_t)(_elementwise(_fn, keep_dtype=False))
    register_shape(_t)(common_shapes.broadcast_binary)


def _equality(fn, when_incompatible):
    compute = _elementwise(fn, keep_dtype=False)

    def kernel(ctx, x, y):
        if not ctx.attrs.get("incompatible_shape_error", True):
            try:
                np.broadcast_shapes(x.shape, y.shape)
            except ValueError:
                # TensorFlow's answer for shapes that cannot broadcast: a scalar.
                return ctx.xp.asarray(np.array(when_incompatible))
        return compute(ctx, x, y)
    return kernel


def _equality_shape(op):
    if op.get_attr("incompatible_shape_error"):
        return common_shapes.broadcast_binary(op)
    # Shapes that turn out not to broadcast give a scalar: only fully known shapes can be relied on.
    x, y = op.inputs[0].shape, op.inputs[1].shape
    if x.is_fully_defined() and y.is_fully_defined():
        try:
            return [TensorShape(list(np.broadcast_shapes(tuple(x.as_list()), tuple(y.as_list()))))]
        except ValueError:
            return [TensorShape([])]
    return [unknown_shape()]


register_kernel("Equal")(_equality(lambda xp, x, y: xp.equal(x, y), False))
register_kernel("NotEqual")(_equality(lambda xp, x, y: xp.not_equal(x, y), True))
register_shape("Equal", "NotEqual")(_equality_shape)
not_differentiable("Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "Equal",
                   "NotEqual")


def add(x, y, name=None):
    """x + y elementwise, with broadcasting; strings concatenate (TensorFlow's ``Add``, else ``AddV2``)."""
    tensors = [v for v in (x, y) if _is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "add") as scope:
        x = convert_to_tensor(x, name="x")
        return make_op("Add" if x.dtype.base_dtype == dtypes.string else "AddV2", [x, y], name=scope)


def subtract(x, y, name=None):
    return _scoped("Sub", "sub", [x, y], name=name)


def multiply(x, y, name=None):
    return _scoped("Mul", "mul", [x, y], name=name)


def realdiv(x, y, name=None):
    return _scoped("RealDiv", "RealDiv", [x, y], name=name)


def div(x, y, name=None):
    """TensorFlow 1's ``tf.div``, Python 2 division: RealDiv for floats and complex numbers, FloorDiv
    (flooring) for integers. (The ``Div`` op itself, as in graphs TensorFlow wrote, truncates integers
    toward zero.)"""
    tensors = [v for v in (x, y) if _is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "div") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype.base_dtype)
        if x.dtype.base_dtype != y.dtype.base_dtype:
            raise TypeError("x and y must have the same dtype, got %r != %r" % (x.dtype.base_dtype,
                                                                                y.dtype.base_dtype))
        floating = x.dtype.is_floating or x.dtype.is_complex
        return make_op("RealDiv" if floating else "FloorDiv", [x, y], name=scope)


_TRUEDIV_TABLE = {
    dtypes.uint8: dtypes.float32, dtypes.int8: dtypes.float32, dtypes.uint16: dtypes.float32,
    dtypes.int16: dtypes.float32, dtypes.uint32: dtypes.float64, dtypes.uint64: dtypes.float64,
    dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64, dtypes.bfloat16: None,
    dtypes.float16: None, dtypes.float32: None, dtypes.float64: None, dtypes.complex64: None,
    dtypes.complex128: None,
}


def truediv(x, y, name=None):
    """x / y; integers are divided as float64 (8- and 16-bit ones as float32), as Python 3 and TensorFlow do."""
    tensors = [v for v in (x, y) if _is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "truediv") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype.base_dtype)
        x_dtype, y_dtype = x.dtype.base_dtype, y.dtype.base_dtype
        if x_dtype != y_dtype:
            raise TypeError("`x` and `y` must have the same dtype, got %r != %r." % (x_dtype, y_dtype))
        if x_dtype not in _TRUEDIV_TABLE:
            raise TypeError("Invalid dtype %r in __truediv__." % (x_dtype,))
        target = _TRUEDIV_TABLE[x_dtype]
        if target is not None:
            x = cast(x, target)
            y = cast(y, target)
        return make_op("RealDiv", [x, y], name=scope)


divide = truediv


def floordiv(x, y, name=None):
    return _scoped("FloorDiv", "floordiv", [x, y], name=name)


def floormod(x, y, name=None):
    return _scoped("FloorMod", "mod", [x, y], name=name)


mod = floormod


def div_no_nan(x, y, name=None):
    return _scoped("DivNoNan", "div_no_nan", [x, y], name=name)


def pow(x, y, name=None):  # noqa: A001 - TensorFlow's name
    return _scoped("Pow", "pow", [x, y], name=name)


def maximum(x, y, name=None):
    return _scoped("Maximum", "Maximum", [x, y], name=name)


def minimum(x, y, name=None):
    return _scoped("Minimum", "Minimum", [x, y], name=name)


def squared_difference(x, y, name=None):
    return _scoped("SquaredDifference", "SquaredDifference", [x, y], name=name)


def equal(x, y, name=None):
    return _scoped("Equal", "Equal", [x, y], name=name)


def not_equal(x, y, name=None):
    return _scoped("NotEqual", "NotEqual", [x, y], name=name)


def less(x, y, name=None):
    return _scoped("Less", "Less", [x, y], name=name)


def less_equal(x, y, name=None):
    return _scoped("LessEqual", "LessEqual", [x, y], name=name)


def greater(x, y, name=None):
    return _scoped("Greater", "Greater", [x, y], name=name)


def greater_equal(x, y, name=None):
    return _scoped("GreaterEqual", "GreaterEqual", [x, y], name=name)


def logical_and(x, y, name=None):
    return _scoped("LogicalAnd", "LogicalAnd", [x, y], name=name)


def logical_or(x, y, name=None):
    return _scoped("LogicalOr", "LogicalOr", [x, y], name=name)


def logical_xor(x, y, name=None):
    """(x or y) and not (x and y), built from TensorFlow's ops as its ``logical_xor`` is."""
    tensors = [v for v in (x, y) if _is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "LogicalXor") as scope:
        either = make_op("LogicalOr", [x, y])
        not_both = make_op("LogicalNot", [make_op("LogicalAnd", [x, y])])
        return make_op("LogicalAnd", [either, not_both], name=scope)


# --- unary elementwise ------------------------------------------------------------------------------

def _reciprocal(xp, x):
    if not _is_int(x):
        return xp.reciprocal(x)
    _check_nonzero(x)
    # 1 / x in C++ integer arithmetic: 1 and -1 map to themselves, everything else truncates to 0.
    return xp.where(xp.abs(x) == 1, x, xp.zeros_like(x))


def _sigmoid(xp, x):
    if x.dtype.kind == "c":
        return 1 / (1 + xp.exp(-x))
    # Split by sign so that exp() never overflows: large |x| give 0 and 1, not NaN or a warning.
    e = xp.exp(-xp.abs(x))
    one = x.dtype.type(1)
    return xp.where(x >= 0, one / (one + e), e / (one + e))


def _erf(xp, x):
    if xp is np:
        from math import erf
        return np.vectorize(erf, otypes=[x.dtype])(x) if x.size else x.copy()
    import cupyx.scipy.special  # pragma: no cover - real GPU only
    return cupyx.scipy.special.erf(x)


_UNARY = {
    "Neg": lambda xp, x: xp.negative(x), "Abs": lambda xp, x: xp.abs(x),
    "Sign": lambda xp, x: xp.sign(x),   # NaN stays NaN; complex x gives x / |x|
    "Square": lambda xp, x: xp.square(x),
    "Sqrt": lambda xp, x: xp.sqrt(x), "Rsqrt": lambda xp, x: xp.reciprocal(xp.sqrt(x)),
    "Exp": lambda xp, x: xp.exp(x), "Log": lambda xp, x: xp.log(x), "Log1p": lambda xp, x: xp.log1p(x),
    "Reciprocal": _reciprocal,
    "Floor": lambda xp, x: xp.floor(x), "Ceil": lambda xp, x: xp.ceil(x),
    "Round": lambda xp, x: xp.rint(x) if x.dtype.kind in "fc" else x.copy(),   # half to even
    "Sin": lambda xp, x: xp.sin(x), "Cos": lambda xp, x: xp.cos(x), "Tanh": lambda xp, x: xp.tanh(x),
    "Sigmoid": _sigmoid,
    "Erf": _erf,
    "LogicalNot": lambda xp, x: xp.logical_not(x),
    "IsNan": lambda xp, x: xp.isnan(x), "IsFinite": lambda xp, x: xp.isfinite(x),
}
_BOOL_OUT = frozenset(["LogicalNot", "IsNan", "IsFinite"])


def _unary_kernel(f, keep_dtype):
    def kernel(ctx, x):
        r = f(ctx.xp, x)
        return r.astype(x.dtype) if keep_dtype and r.dtype != x.dtype else r
    return kernel


for _t, _fn in _UNARY.items():
    # Erf has no array-namespace implementation on the simulated GPU; it runs on the CPU.
    register_kernel(_t, "CPU" if _t == "Erf" else None)(_unary_kernel(_fn, _t not in _BOOL_OUT))
    register_shape(_t)(common_shapes.unchanged)
not_differentiable("LogicalNot", "IsNan", "IsFinite")


def _unary(op_type, doc):
    def build(x, name=None):
        return _scoped(op_type, op_type, [x], name=name)
    build.__name__ = op_type.lower()
    build.__doc__ = doc
    return build


negative = neg = _unary("Neg", "-x elementwise.")
abs = _unary("Abs", "|x| elementwise.")  # noqa: A001
sign = _unary("Sign", "-1, 0 or 1 by the sign of x (NaN for NaN).")
square = _unary("Square", "x * x elementwise.")
sqrt = _unary("Sqrt", "Square root elementwise.")
rsqrt = _unary("Rsqrt", "1 / sqrt(x) elementwise.")
exp = _unary("Exp", "e ** x elementwise.")
log = _unary("Log", "Natural logarithm elementwise.")
log1p = _unary("Log1p", "log(1 + x) elementwise, accurate for small x.")
reciprocal = _unary("Reciprocal", "1 / x elementwise (integer division for integers).")
floor = _unary("Floor", "The largest integer not greater than x, elementwise.")
ceil = _unary("Ceil", "The smallest integer not less than x, elementwise.")


def round(x, name=None):  # noqa: A001 - TensorFlow's name
    """x rounded to the nearest integer, halves to even (banker's rounding); integers are returned as is."""
    if _is_tensor_like(x) and convert_to_tensor(x).dtype.is_integer:
        return convert_to_tensor(x)
    return _scoped("Round", "Round", [x], name=name)


sin = _unary("Sin", "Sine elementwise.")
cos = _unary("Cos", "Cosine elementwise.")
tanh = _unary("Tanh", "Hyperbolic tangent elementwise.")
sigmoid = _unary("Sigmoid", "1 / (1 + exp(-x)) elementwise, without overflow for large |x|.")
erf = _unary("Erf", "The Gauss error function elementwise.")
logical_not = _unary("LogicalNot", "not x elementwise (bool).")
is_nan = _unary("IsNan", "Whether x is NaN, elementwise.")
is_finite = _unary("IsFinite", "Whether x is finite, elementwise.")


# --- n-ary, select, cast ----------------------------------------------------------------------------

@register_shape("AddN")
def _add_n_shape(op):
    s = op.inputs[0].shape
    for t in op.inputs[1:]:
        s = s.merge_with(t.shape)
    return [s]


@register_kernel("AddN")
def _add_n(ctx, *xs):
    first = xs[0]
    for i, x in enumerate(xs[1:], 1):
        if x.shape != first.shape:
            raise _invalid("Inputs to operation AddN of type AddN must have the same size and shape.  "
                           "Input 0: %s != input %d: %s" % (_shape_str(first.shape), i, _shape_str(x.shape)))
    with np.errstate(all="ignore"):
        out = ctx.xp.add(first, xs[1]) if len(xs) > 1 else first.copy()
        for x in xs[2:]:
            out += x
    return out


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one dtype and shape."""
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape.")
    if len(inputs) == 1:
        value = convert_to_tensor(inputs[0])
        if name:
            from tagraph.engine.ops.array_ops import identity
            return identity(value, name=name)
        return value
    return make_op("AddN", [list(inputs)], name=name)


@register_kernel("Select")
def _select(ctx, c, t, e):
    # TensorFlow 1's Select: no broadcasting, except a scalar condition or a vector one over the rows.
    if t.shape != e.shape:
        raise _invalid("'then' and 'else' must have the same size.  but received: %s vs. %s"
                       % (_shape_str(t.shape), _shape_str(e.shape)))
    if c.ndim == 1 and t.ndim != 1:
        if t.ndim == 0:
            raise _invalid("'then' must be at least a vector, but saw shape: %s" % _shape_str(t.shape))
        if c.shape[0] != t.shape[0]:
            raise _invalid("Number of batches of 'then' must match size of 'cond', but saw: %d vs. %d"
                           % (t.shape[0], c.shape[0]))
        c = c.reshape((-1,) + (1,) * (t.ndim - 1))
    elif c.ndim != 0 and c.shape != t.shape:
        raise _invalid("'then' and 'cond' must have the same size.  but received: %s vs. %s"
                       % (_shape_str(t.shape), _shape_str(c.shape)))
    return ctx.xp.where(c, t, e)


@register_shape("Select")
def _select_shape(op):
    data = op.inputs[1].shape.merge_with(op.inputs[2].shape)
    cond = op.inputs[0].shape
    if cond.rank is None or data.rank is None or cond.rank == 0:
        return [data]
    if cond.rank != 1 or data.rank == 0:
        return [data.merge_with(cond)]
    TensorShape([data[0]]).merge_with(cond)
    return [data]


@register_kernel("SelectV2")
def _select_v2(ctx, c, t, e):
    try:
        np.broadcast_shapes(c.shape, t.shape, e.shape)
    except ValueError:
        raise _invalid("condition %s, then %s, and else %s must be broadcastable"
                       % (_shape_str(c.shape), _shape_str(t.shape), _shape_str(e.shape))) from None
    return ctx.xp.where(c, t, e)


@register_shape("SelectV2")
def _select_v2_shape(op):
    s = common_shapes.broadcast_shapes(op.inputs[1].shape, op.inputs[2].shape)
    return [common_shapes.broadcast_shapes(op.inputs[0].shape, s)]


def where(condition, x=None, y=None, name=None):
    """TensorFlow 1's ``tf.where``: the true indices of ``condition``, or a Select between x and y."""
    if x is None and y is None:
        return make_op("Where", [condition], name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return _scoped("Select", "Select", [condition, x, y], name=name)


def where_v2(condition, x, y, name=None):
    """Elements of x where ``condition``, else of y; the three broadcast together."""
    return _scoped("SelectV2", "SelectV2", [condition, x, y], name=name)


@register_kernel("Cast")
def _cast(ctx, x):
    target = ctx.attrs["DstT"]
    if target.name == "string" or x.dtype == object:
        raise errors.UnimplementedError(None, None, "Cast %s to %s is not supported"
                                        % (dtypes.as_dtype(x.dtype).name, target.name))
    np_type = np.dtype(target.as_numpy_dtype)
    if x.dtype == np_type:
        return x.copy()   # a new buffer, as for any other cast: the input may be a variable's
    if x.dtype.kind == "c" and np_type.kind != "c":
        x = x.real   # TensorFlow (like numpy) keeps the real part
    with np.errstate(all="ignore"):
        # Floats to integers truncate toward zero; anything to bool is ``x != 0``.
        return x.astype(np_type)


register_shape("Cast")(common_shapes.unchanged)


def cast(x, dtype, name=None):
    """x converted to ``dtype`` (floats to integers truncate toward zero, complex to real keeps the real
    part); returns x itself when it already has that dtype."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if _is_tensor_like(x):
        x = convert_to_tensor(x)
        if x.dtype.base_dtype == dtype:
            return x
    g = x.graph if isinstance(x, Tensor) else get_default_graph()
    with g.as_default(), g.name_scope(name or "Cast") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype == dtype:
            return x
        return make_op("Cast", [x], {"DstT": dtype, "Truncate": False}, name=scope)


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


# --- reductions -------------------------------------------------------------------------------------

def _axes(axis, ndim, error=_invalid, duplicates_ok=False):
    """Sorted non-negative axes; TensorFlow's errors for out-of-range and (in kernels) repeated ones."""
    out = []
    for a in np.asarray(axis).reshape(-1).tolist():
        a = int(a)
        if not -ndim <= a < ndim:
            raise error("Invalid reduction dimension %d for input with %d dimensions." % (a, ndim))
        a %= ndim
        if a in out:
            if duplicates_ok:
                continue
            raise error("Invalid reduction arguments: Axes contains duplicate dimension: %d" % a)
        out.append(a)
    return tuple(sorted(out))


def _reduced_shape(shape, axes, keep):
    if keep:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduction(fn):
    def kernel(ctx, x, axis):
        axes = _axes(axis, x.ndim)
        with np.errstate(all="ignore"):
            return fn(ctx.xp, x, axes, ctx.attrs["keep_dims"])
    return kernel


def _sum(xp, x, axes, keep):
    acc = _f16_acc(x)
    return xp.sum(x, axis=axes, keepdims=keep, dtype=acc or x.dtype).astype(x.dtype, copy=False)


def _prod(xp, x, axes, keep):
    acc = _f16_acc(x)
    return xp.prod(x, axis=axes, keepdims=keep, dtype=acc or x.dtype).astype(x.dtype, copy=False)


def _mean(xp, x, axes, keep):
    if not _is_int(x):
        return xp.mean(x, axis=axes, keepdims=keep, dtype=_f16_acc(x)).astype(x.dtype, copy=False)
    n = 1
    for a in axes:
        n *= x.shape[a]
    s = xp.sum(x, axis=axes, keepdims=keep, dtype=x.dtype)
    if n == 0:
        if s.size:
            raise _invalid("Mean of an empty reduction of integers: division by zero")
        return s
    # The sum is taken in the input type (wrapping as TensorFlow's does), then divided truncating toward
    # zero, as C++ integer division does; int64 holds the quotient of any narrower type.
    wide = s.astype(np.uint64 if x.dtype.kind == "u" else np.int64)
    q = wide // n
    if x.dtype.kind == "i":
        q = q + ((wide < 0) & (q * n != wide))
    return q.astype(x.dtype)


def _extreme(name):
    def f(xp, x, axes, keep):
        if x.size == 0 and axes:
            # An empty reduction gives the identity: -inf / lowest for Max, inf / highest for Min.
            if x.dtype.kind == "f":
                fill = -np.inf if name == "max" else np.inf
            else:
                info = np.iinfo(x.dtype)
                fill = info.min if name == "max" else info.max
            return xp.full(_reduced_shape(x.shape, axes, keep), fill, dtype=x.dtype)
        return getattr(xp, name)(x, axis=axes, keepdims=keep)   # NaN propagates
    return f


_REDUCTIONS = {
    "Sum": _sum, "Prod": _prod, "Mean": _mean, "Max": _extreme("max"), "Min": _extreme("min"),
    "All": lambda xp, x, axes, keep: xp.all(x, axis=axes, keepdims=keep),
    "Any": lambda xp, x, axes, keep: xp.any(x, axis=axes, keepdims=keep),
}


def _reduction_shape(op):
    shape = op.inputs[0].shape
    keep = op.get_attr("keep_dims")
    axis = constant_value(op.inputs[1])
    if shape.rank is None:
        return [unknown_shape()]
    if axis is None:
        return [unknown_shape(shape.rank) if keep else unknown_shape()]
    # As TensorFlow's shape function: out-of-range axes fail here, repeated ones only when run.
    axes = _axes(axis, shape.rank, error=ValueError, duplicates_ok=True)
    return [TensorShape(list(_reduced_shape(shape.dims, axes, keep)))]


for _t, _fn in _REDUCTIONS.items():
    register_kernel(_t, host_inputs=(1,))(_reduction(_fn))
    register_shape(_t)(_reduction_shape)
not_differentiable("All", "Any", "ArgMax", "ArgMin")


def _reduction_axis(x, axis):
    """``axis`` as the op's second input: all axes when None, as TensorFlow's ``_ReductionDims``; None
    when the rank is unknown and there is no Range kernel to count the axes at run time."""
    if axis is None:
        if x.shape.rank is not None:
            from tagraph.engine.ops.constant_op import constant
            return constant(np.arange(x.shape.rank, dtype=np.int32))
        from tagraph.engine.ops import array_ops
        if hasattr(array_ops, "range") and has_kernel("Range", "CPU"):
            return array_ops.range(0, array_ops.rank(x))
        return None
    if not _is_tensor_like(axis) and np.size(axis) == 0:
        return np.zeros([0], np.int32)   # [] would otherwise become a float constant
    return axis


def _reduce(op_type, default_name):
    def build(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        if axis is not None and reduction_indices is not None:
            raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
        if keepdims is not None and keep_dims is not None:
            raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'.")
        x = convert_to_tensor(input_tensor)
        keep = bool(keepdims if keepdims is not None else keep_dims)
        g = x.graph
        with g.as_default():
            axis = _reduction_axis(x, axis if axis is not None else reduction_indices)
            if axis is not None:
                return _scoped(op_type, default_name, [x, axis], {"keep_dims": keep}, name=name)
            # All axes of an input of unknown rank: reduce it flattened (the same values).
            from tagraph.engine.ops import array_ops
            out = _scoped(op_type, default_name, [array_ops.reshape(x, [-1]), [0]], {"keep_dims": False},
                          name=name)
            if keep:
                ones = array_ops.fill(array_ops.reshape(array_ops.rank(x), [1]), 1)
                out = array_ops.reshape(out, ones)
            return out
    build.__name__ = "reduce_" + op_type.lower()
    build.__doc__ = ("%s over ``axis`` (all axes when None; ``[]`` reduces nothing), keeping reduced axes "
                     "as size 1 with ``keepdims``." % op_type)
    return build


reduce_sum = _reduce("Sum", "Sum")
reduce_prod = _reduce("Prod", "Prod")
reduce_mean = _reduce("Mean", "Mean")
reduce_max = _reduce("Max", "Max")
reduce_min = _reduce("Min", "Min")
reduce_all = _reduce("All", "All")
reduce_any = _reduce("Any", "Any")


def _arg_extreme(which):
    def kernel(ctx, x, axis):
        a = int(np.asarray(axis))
        if not -x.ndim <= a < x.ndim:
            raise _invalid("Expected dimension in the range [%d, %d), but got %d" % (-x.ndim, x.ndim, a))
        if x.shape[a] == 0:
            raise _invalid("Reduction axis %d is empty in shape %s" % (a, _shape_str(x.shape)))
        out_type = ctx.attrs["output_type"].as_numpy_dtype
        return getattr(ctx.xp, which)(x, axis=a).astype(out_type, copy=False)
    return kernel


def _arg_shape(op):
    shape = op.inputs[0].shape
    axis = constant_value(op.inputs[1])
    if shape.rank is None:
        return [unknown_shape()]
    if shape.rank == 0:
        raise ValueError("Expected dimension in the range [0, 0): the input is a scalar")
    if axis is None:
        return [unknown_shape(shape.rank - 1)]
    a = int(axis)
    if not -shape.rank <= a < shape.rank:
        raise ValueError("Expected dimension in the range [%d, %d), but got %d" % (-shape.rank, shape.rank, a))
    a %= shape.rank
    return [TensorShape([d for i, d in enumerate(shape.dims) if i != a])]


register_kernel("ArgMax", host_inputs=(1,))(_arg_extreme("argmax"))
register_kernel("ArgMin", host_inputs=(1,))(_arg_extreme("argmin"))
register_shape("ArgMax", "ArgMin")(_arg_shape)


def _arg(op_type):
    def build(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
        if axis is not None and dimension is not None:
            raise ValueError("Cannot specify both 'axis' and 'dimension'.")
        if axis is None:
            axis = 0 if dimension is None else dimension
        return _scoped(op_type, op_type, [input, axis], {"output_type": output_type}, name=name)
    build.__name__ = op_type.lower()
    build.__doc__ = ("The index of the %s value along ``axis`` (0 when None), as ``output_type`` (int64 "
                     "unless given)." % ("largest" if op_type == "ArgMax" else "smallest"))
    return build


argmax = arg_max = _arg("ArgMax")
argmin = arg_min = _arg("ArgMin")


# --- matrix products ----------------------------------------------------------------------------

def _matmul_dtype(a, b, xp):
    acc = _f16_acc(a)
    if acc is None:
        return xp.matmul(a, b)
    return xp.matmul(a.astype(acc), b.astype(acc)).astype(a.dtype)


@register_kernel("MatMul")
def _matmul(ctx, a, b):
    if a.ndim != 2:
        raise _invalid("In[0] is not a matrix. Instead it has shape %s" % _shape_str(a.shape))
    if b.ndim != 2:
        raise _invalid("In[1] is not a matrix. Instead it has shape %s" % _shape_str(b.shape))
    ta = a.T if ctx.attrs.get("transpose_a") else a
    tb = b.T if ctx.attrs.get("transpose_b") else b
    if ta.shape[1] != tb.shape[0]:
        raise _invalid("Matrix size-incompatible: In[0]: %s, In[1]: %s" % (_shape_str(a.shape), _shape_str(b.shape)))
    return _matmul_dtype(ta, tb, ctx.xp)


@register_shape("MatMul")
def _matmul_shape(op):
    a, b = op.inputs[0].shape.with_rank(2), op.inputs[1].shape.with_rank(2)
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    m, ka = (a[1], a[0]) if ta else (a[0], a[1])
    kb, n = (b[1], b[0]) if tb else (b[0], b[1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError("Dimensions must be equal, but are %d and %d for MatMul with input shapes %s, %s"
                         % (ka, kb, a, b))
    return [TensorShape([m, n])]


@register_kernel("BatchMatMulV2")
def _batch_matmul(ctx, x, y):
    xp = ctx.xp
    if x.ndim < 2:
        raise _invalid("In[0] ndims must be >= 2: %d" % x.ndim)
    if y.ndim < 2:
        raise _invalid("In[1] ndims must be >= 2: %d" % y.ndim)
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise _invalid("In[0] and In[1] must have compatible batch dimensions: %s vs. %s"
                       % (_shape_str(x.shape), _shape_str(y.shape))) from None
    ax = xp.conj(xp.swapaxes(x, -1, -2)) if ctx.attrs.get("adj_x") else x
    ay = xp.conj(xp.swapaxes(y, -1, -2)) if ctx.attrs.get("adj_y") else y
    if ax.shape[-1] != ay.shape[-2]:
        raise _invalid("Matrix size-incompatible: In[0]: %s, In[1]: %s" % (_shape_str(x.shape), _shape_str(y.shape)))
    return _matmul_dtype(ax, ay, xp)


@register_shape("BatchMatMulV2")
def _batch_matmul_shape(op):
    a, b = op.inputs[0].shape, op.inputs[1].shape
    for i, s in enumerate((a, b)):
        if s.rank is not None and s.rank < 2:
            raise ValueError("In[%d] ndims must be >= 2: %d" % (i, s.rank))
    if a.rank is None or b.rank is None:
        return [unknown_shape()]
    ax, ay = op.get_attr("adj_x"), op.get_attr("adj_y")
    m, ka = (a[-1], a[-2]) if ax else (a[-2], a[-1])
    kb, n = (b[-1], b[-2]) if ay else (b[-2], b[-1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError("Dimensions must be equal, but are %d and %d for BatchMatMulV2 with input shapes "
                         "%s, %s" % (ka, kb, a, b))
    batch = common_shapes.broadcast_shapes(a[:-2], b[:-2])
    return [TensorShape(batch.dims + [m, n])]


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product ``a @ b``; inputs of rank > 2 (or unknown rank) use BatchMatMulV2, whose leading
    dimensions broadcast. ``a`` and ``b`` must have the same dtype (TypeError otherwise)."""
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    tensors = [v for v in (a, b) if _is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "MatMul") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        if a.dtype.is_complex and (transpose_a or transpose_b or adjoint_a or adjoint_b):
            # TensorFlow conjugates with a Conj op here, which tagraph's op set does not have.
            if transpose_a or transpose_b:
                raise NotImplementedError("matmul of complex matrices with transpose_a/transpose_b (not "
                                          "adjoint) is not supported")
            return make_op("BatchMatMulV2", [a, b], {"adj_x": bool(adjoint_a), "adj_y": bool(adjoint_b)},
                           name=scope)
        ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
        ra, rb = a.shape.rank, b.shape.rank
        if ra is None or rb is None or ra > 2 or rb > 2:
            return make_op("BatchMatMulV2", [a, b], {"adj_x": ta, "adj_y": tb}, name=scope)
        return make_op("MatMul", [a, b], {"transpose_a": ta, "transpose_b": tb}, name=scope)


# --- gradients --------------------------------------------------------------------------------------
# TensorFlow's (math_grad.py), built from the ops tagraph has: each function takes the op and the gradient
# of its output and returns one gradient per input (None where there is none). The gradient of a
# broadcasting binary op is summed over the axes each input was broadcast along, then reshaped to it.

def _array_ops():
    from tagraph.engine.ops import array_ops   # imported late: array_ops builds on this module
    return array_ops


def _broadcast_gradient_args(ctx, s0, s1):
    # TensorFlow's BCast: the axes of the broadcast shape each input must be summed over (an axis where
    # every input has size 1 belongs to both).
    a, b = [int(d) for d in np.reshape(s0, [-1])], [int(d) for d in np.reshape(s1, [-1])]
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    r0, r1 = [], []
    for i, (p, q) in enumerate(zip(a, b)):
        if p == q:
            if p == 1:
                r0.append(i)
                r1.append(i)
        elif p == 1:
            r0.append(i)
        elif q == 1:
            r1.append(i)
        else:
            raise _invalid("Incompatible shapes: %s vs. %s" % (_shape_str(s0), _shape_str(s1)))
    dt = np.asarray(s0).dtype
    return np.array(r0, dtype=dt), np.array(r1, dtype=dt)


if not has_kernel("BroadcastGradientArgs", "CPU"):
    register_kernel("BroadcastGradientArgs", host_inputs=(0, 1), host_outputs=(0, 1))(_broadcast_gradient_args)
    register_shape("BroadcastGradientArgs")(lambda op: [unknown_shape(1), unknown_shape(1)])


def _sum_to(grad, x, out):
    """``grad`` (shaped like ``out``) summed over the axes along which ``x`` was broadcast into ``out``."""
    if grad is None:
        return None
    a = _array_ops()
    sx, so = x.shape, out.shape
    if sx.is_fully_defined() and so.is_fully_defined():
        if sx == so:
            return grad
        xs, os_ = sx.as_list(), so.as_list()
        pad = len(os_) - len(xs)
        axes = [i for i in range(len(os_)) if i < pad or (xs[i - pad] == 1 and os_[i] != 1)]
        return a.reshape(reduce_sum(grad, axis=axes) if axes else grad, np.array(xs, np.int32))
    tx = a.shape(x)
    rx, _ = make_op("BroadcastGradientArgs", [tx, a.shape(out)])
    return a.reshape(reduce_sum(grad, axis=rx), tx)


def _no_complex(op):
    # The gradients of complex products need Conj, which is not among tagraph's op definitions.
    if op.inputs[0].dtype.is_complex:
        raise NotImplementedError("The gradient of %s on complex numbers needs Conj, which tagraph lacks"
                                  % op.type)


def _binary_grad(op_types, fx, fy, complex_ok=True):
    def grad_fn(op, grad):
        if not complex_ok:
            _no_complex(op)
        x, y = op.inputs
        out = op.outputs[0]
        return [_sum_to(fx(op, x, y, grad), x, out), _sum_to(fy(op, x, y, grad), y, out)]
    register_gradient(*op_types)(grad_fn)


_binary_grad(("Add", "AddV2"), lambda op, x, y, g: g, lambda op, x, y, g: g)
_binary_grad(("Sub",), lambda op, x, y, g: g, lambda op, x, y, g: -g)
_binary_grad(("Mul",), lambda op, x, y, g: g * y, lambda op, x, y, g: x * g, complex_ok=False)
_binary_grad(("RealDiv", "Div"), lambda op, x, y, g: realdiv(g, y),
             lambda op, x, y, g: g * realdiv(realdiv(-x, y), y), complex_ok=False)
_binary_grad(("DivNoNan",), lambda op, x, y, g: div_no_nan(g, y),
             lambda op, x, y, g: g * div_no_nan(div_no_nan(-x, y), y), complex_ok=False)
_binary_grad(("FloorMod",), lambda op, x, y, g: g, lambda op, x, y, g: g * -floordiv(x, y))
_binary_grad(("SquaredDifference",), lambda op, x, y, g: (g * 2) * (x - y),
             lambda op, x, y, g: -((g * 2) * (x - y)), complex_ok=False)


def _extremum_grad(selector):
    def grad_fn(op, grad):
        x, y = op.inputs
        xmask = selector(x, y)
        zeros = _array_ops().zeros_like(grad)
        out = op.outputs[0]
        return [_sum_to(where_v2(xmask, grad, zeros), x, out), _sum_to(where_v2(xmask, zeros, grad), y, out)]
    return grad_fn


register_gradient("Maximum")(_extremum_grad(greater_equal))
register_gradient("Minimum")(_extremum_grad(less_equal))


@register_gradient("Pow")
def _pow_grad(op, grad):
    _no_complex(op)
    a = _array_ops()
    x, y = op.inputs
    z = op.outputs[0]
    gx = grad * y * pow(x, y - 1)
    # Where x <= 0, log(x) is no number: the gradient for y is taken as 0 there.
    mask = x > 0
    safe_x = where_v2(mask, x, a.ones_like(x))
    log_x = where_v2(mask, log(safe_x), a.zeros_like(x))
    return [_sum_to(gx, x, z), _sum_to(grad * z * log_x, y, z)]


not_differentiable("FloorDiv")


def _unary_grad(op_type, fn):
    register_gradient(op_type)(lambda op, grad: [fn(op, op.inputs[0], op.outputs[0], grad)])


_unary_grad("Neg", lambda op, x, y, g: -g)
_unary_grad("Abs", lambda op, x, y, g: g * sign(x))
_unary_grad("Sign", lambda op, x, y, g: _array_ops().zeros_like(x))
_unary_grad("Square", lambda op, x, y, g: g * (x * 2))
_unary_grad("Sqrt", lambda op, x, y, g: realdiv(g * 0.5, y))                 # SqrtGrad
_unary_grad("Rsqrt", lambda op, x, y, g: (g * -0.5) * (square(y) * y))       # RsqrtGrad
_unary_grad("Exp", lambda op, x, y, g: g * y)
_unary_grad("Log", lambda op, x, y, g: g * reciprocal(x))
_unary_grad("Log1p", lambda op, x, y, g: g * reciprocal(x + 1))
_unary_grad("Reciprocal", lambda op, x, y, g: -g * square(y))                # ReciprocalGrad
_unary_grad("Sin", lambda op, x, y, g: g * cos(x))
_unary_grad("Cos", lambda op, x, y, g: -g * sin(x))
_unary_grad("Erf", lambda op, x, y, g: g * (exp(-square(x)) * (2 / np.sqrt(np.pi))))
_unary_grad("Tanh", lambda op, x, y, g: make_op("TanhGrad", [y, g]))
_unary_grad("Sigmoid", lambda op, x, y, g: make_op("SigmoidGrad", [y, g]))
for _t in ("Floor", "Ceil", "Round"):
    register_gradient(_t)(lambda op, grad: [None])


@register_kernel("TanhGrad")
def _tanh_grad(ctx, y, dy):
    return dy * (y.dtype.type(1) - y * y)


@register_kernel("SigmoidGrad")
def _sigmoid_grad(ctx, y, dy):
    return dy * (y * (y.dtype.type(1) - y))


register_shape("TanhGrad", "SigmoidGrad")(common_shapes.unchanged)


@register_gradient("Cast")
def _cast_grad(op, grad):
    src, dst = op.inputs[0].dtype.base_dtype, op.outputs[0].dtype.base_dtype
    differentiable = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.bfloat16, dtypes.complex64,
                      dtypes.complex128)
    if src in differentiable and dst in differentiable:
        return [cast(grad, src)]
    return [None]


@register_gradient("AddN")
def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


@register_gradient("Select")
def _select_grad(op, grad):
    c = op.inputs[0]
    zeros = _array_ops().zeros_like(op.inputs[1])
    return [None, where(c, grad, zeros), where(c, zeros, grad)]


@register_gradient("SelectV2")
def _select_v2_grad(op, grad):
    c, x, y = op.inputs
    out = op.outputs[0]
    from tagraph.engine.ops.constant_op import constant
    zeros = constant(0, dtype=grad.dtype.base_dtype)
    return [None, _sum_to(where_v2(c, grad, zeros), x, out), _sum_to(where_v2(c, zeros, grad), y, out)]


def _kept_shape(x, axis):
    """x's shape with the reduced axes set to 1 (TensorFlow's ``reduced_shape``): an int32 array when it
    is known while building, else an int32 tensor."""
    a = _array_ops()
    axes = constant_value(axis)
    shape = x.shape
    if axes is not None and shape.rank is not None:
        reduced = _axes(axes, shape.rank, error=ValueError, duplicates_ok=True)
        if shape.is_fully_defined():
            return np.array([1 if i in reduced else d for i, d in enumerate(shape.as_list())], np.int32)
        keep = np.array([0 if i in reduced else 1 for i in range(shape.rank)], np.int32)
        return a.shape(x) * keep + (1 - keep)
    s = a.shape(x)
    r = a.size(s)
    axis = cast(axis, dtypes.int32)
    hit = reduce_any(equal(a.expand_dims(a.range(0, r), 1), a.reshape(floormod(axis + r, r), [1, -1])), axis=1)
    return where_v2(hit, a.ones_like(s), s)


def _full_shape(x):
    return np.array(x.shape.as_list(), np.int32) if x.shape.is_fully_defined() else _array_ops().shape(x)


@register_gradient("Sum")
def _sum_grad(op, grad):
    a = _array_ops()
    x = op.inputs[0]
    if not op.get_attr("keep_dims"):
        grad = a.reshape(grad, _kept_shape(x, op.inputs[1]))
    return [a.broadcast_to(grad, _full_shape(x)), None]


@register_gradient("Mean")
def _mean_grad(op, grad):
    a = _array_ops()
    g = _sum_grad(op, grad)[0]
    x, y = op.inputs[0], op.outputs[0]
    nx, ny = x.shape.num_elements(), y.shape.num_elements()
    if nx is not None and ny is not None:
        from tagraph.engine.ops.constant_op import constant
        factor = constant(nx // max(ny, 1), dtype=g.dtype.base_dtype)
    else:
        factor = cast(floordiv(a.size(x), maximum(a.size(y), 1)), g.dtype.base_dtype)
    return [realdiv(g, factor), None]


def _min_or_max_grad(op, grad):
    # The gradient goes to the selected elements, shared equally between ties.
    a = _array_ops()
    x, y, axis = op.inputs[0], op.outputs[0], op.inputs[1]
    if not op.get_attr("keep_dims"):
        kept = _kept_shape(x, axis)
        y = a.reshape(y, kept)
        grad = a.reshape(grad, kept)
    indicators = cast(equal(y, x), grad.dtype.base_dtype)
    num_selected = reduce_sum(indicators, axis=axis, keepdims=True)
    return [realdiv(indicators, num_selected) * grad, None]


register_gradient("Max", "Min")(_min_or_max_grad)


@register_gradient("MatMul")
def _matmul_grad(op, grad):
    _no_complex(op)
    a, b = op.inputs
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")

    def mm(x, y, tx=False, ty=False):
        return make_op("MatMul", [x, y], {"transpose_a": tx, "transpose_b": ty})
    if not ta and not tb:
        return [mm(grad, b, ty=True), mm(a, grad, tx=True)]
    if not ta and tb:
        return [mm(grad, b), mm(grad, a, tx=True)]
    if ta and not tb:
        return [mm(b, grad, ty=True), mm(a, grad)]
    return [mm(b, grad, True, True), mm(grad, a, True, True)]


# --- operator overloads -----------------------------------------------------------------------------

register_tensor_operators(
    add=add, sub=subtract, mul=multiply, truediv=truediv, floordiv=floordiv, mod=floormod, pow=pow,
    matmul=matmul, lt=less, le=less_equal, gt=greater, ge=greater_equal, **{"and": logical_and, "or": logical_or},
    xor=logical_xor, neg=lambda x: make_op("Neg", [x], name="Neg"), abs=lambda x: make_op("Abs", [x], name="Abs"),
    invert=logical_not)


# --- gradients of Prod and BatchMatMulV2 (TensorFlow's formulas) --------------------------------

def _m():
    from tagraph.engine.ops import math_ops
    return math_ops


def _a():
    from tagraph.engine.ops import array_ops
    return array_ops


def _static_shape(t):
    s = t.shape
    return tuple(s.as_list()) if s.is_fully_defined() else None


def _const(v, dtype):
    from tagraph.engine.ops.constant_op import constant
    return constant(v, dtype=dtype.base_dtype)


# --- reductions ------------------------------------------------------------------------------------

def _axes_of(op):
    """The reduction axes as sorted non-negative Python ints, or None when not known while building."""
    rank = op.inputs[0].shape.rank
    axes = constant_value(op.inputs[1])
    if rank is None or axes is None:
        return None
    return sorted({int(a) % rank for a in np.reshape(axes, [-1])}) if rank else []


def _kept_dims_shape(op):
    """(output shape with the reduced axes kept as 1s, as a tensor or list; input shape likewise)."""
    a, m = _a(), _m()
    x = op.inputs[0]
    xs = _static_shape(x)
    axes = _axes_of(op)
    if xs is not None and axes is not None:
        kept = [1 if i in axes else d for i, d in enumerate(xs)]
        return kept, list(xs)
    input_shape = a.shape(x)
    if axes is not None and len(axes) == x.shape.rank:
        return [1] * len(axes), input_shape       # TensorFlow's fast path: reduce over every axis
    if axes is not None:
        # The rank is known: keep the input's dims where not reduced, 1 where reduced.
        rank = x.shape.rank
        keep_mask = np.array([0 if i in axes else 1 for i in range(rank)], np.int32)
        kept = m.add(m.multiply(input_shape, _const(keep_mask, dtypes.int32)),
                     _const(1 - keep_mask, dtypes.int32))
        return kept, input_shape
    # Unknown rank or axes: TensorFlow's reduced_shape through a scatter of ones into the shape.
    rank_t = a.size(input_shape)
    axes_t = m.floormod(m.add(m.cast(op.inputs[1], dtypes.int32), rank_t), rank_t)
    axes_t = a.reshape(axes_t, [-1])
    ones_at_axes = m.reduce_sum(a.one_hot(axes_t, rank_t, dtype=dtypes.int32), axis=0)
    keep = m.subtract(_const(1, dtypes.int32), m.minimum(ones_at_axes, _const(1, dtypes.int32)))
    kept = m.add(m.multiply(input_shape, keep), m.subtract(_const(1, dtypes.int32), keep))
    return kept, input_shape


@register_gradient("Prod")
def _prod_grad(op, grad):
    # TensorFlow's formula: the product of all other elements as the product of an exclusive
    # cumulative product from each side over the reduced axes flattened into one (zeros need no
    # special case).
    a, m = _a(), _m()
    x = op.inputs[0]
    kept, input_shape = _kept_dims_shape(op)
    grad = a.broadcast_to(a.reshape(grad, kept), input_shape)
    rank = x.shape.rank
    axes = _axes_of(op)
    if rank is None or axes is None:
        raise LookupError("The gradient of Prod needs the input's rank and constant axes while building")
    other = [i for i in range(rank) if i not in axes]
    perm = axes + other
    xt = a.transpose(x, perm)
    shp = a.shape(xt)
    one = _const(np.array([1], np.int32), dtypes.int32)
    reduced_num = m.reduce_prod(a.gather(shp, list(range(len(axes))))) if axes else m.reduce_prod(one)
    other_num = m.reduce_prod(a.gather(shp, list(range(len(axes), rank)))) if other else m.reduce_prod(one)
    flat = a.reshape(xt, a.stack([reduced_num, other_num]))
    zero = _const(0, dtypes.int32)
    left = make_op("Cumprod", [flat, zero], {"exclusive": True, "reverse": False}, name="Cumprod")
    right = make_op("Cumprod", [flat, zero], {"exclusive": True, "reverse": True}, name="Cumprod")
    y = a.reshape(m.multiply(left, right), shp)
    inv = [0] * rank
    for i, p in enumerate(perm):
        inv[p] = i
    return [m.multiply(grad, a.transpose(y, inv)), None]


# --- matrix products -------------------------------------------------------------------------------

@register_gradient("BatchMatMulV2", "BatchMatMulV3")
def _batch_matmul_v2_grad(op, grad):
    a, m = _a(), _m()
    x, y = op.inputs
    adj_x, adj_y = op.get_attr("adj_x"), op.get_attr("adj_y")

    def bmm(p, q, ax, ay):
        return make_op("BatchMatMulV2", [p, q], {"adj_x": ax, "adj_y": ay}, name="MatMul")
    if not adj_x:
        gx = bmm(grad, y, False, True) if not adj_y else bmm(grad, y, False, False)
    else:
        gx = bmm(y, grad, False, True) if not adj_y else bmm(y, grad, True, True)
    if not adj_y:
        gy = bmm(x, grad, True, False) if not adj_x else bmm(x, grad, False, False)
    else:
        gy = bmm(grad, x, True, False) if not adj_x else bmm(grad, x, True, True)
    # Sum over broadcast batch dimensions.
    xs, ys = _static_shape(x), _static_shape(y)
    if xs is not None and ys is not None and xs[:-2] == ys[:-2]:
        return [gx, gy]
    sx, sy = a.shape(x), a.shape(y)
    rx, ry = make_op("BroadcastGradientArgs", [a.strided_slice(sx, [0], [-2]), a.strided_slice(sy, [0], [-2])])
    gx = a.reshape(m.reduce_sum(gx, rx), sx)
    gy = a.reshape(m.reduce_sum(gy, ry), sy)
    return [gx, gy]
