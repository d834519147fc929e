"""Elementwise arithmetic, comparisons, logic, casts, reductions and matrix products.

Each op's shape function, kernel (written once against ``ctx.xp``, serving CPU and GPU) and gradient are
registered here beside its Python constructor; Tensor's operator overloads are attached at the end.

    y = tg.reduce_sum(tg.square(x - 1.0), axis=1)
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine import common_shapes, dtypes, errors
from tagraph.engine.common_shapes import constant_value
from tagraph.engine.graph import Tensor, convert_to_tensor, _graph_of, get_default_graph
from tagraph.engine.op_builder import make_op, register_shape, register_gradient, not_differentiable
from tagraph.engine.tensor_shape import TensorShape, unknown_shape


def _scoped(op_type, default_name, inputs, attrs=None, name=None):
    """Builds ``op_type`` inside ``name_scope(name or default_name)``, the op taking the scope's name, as
    TensorFlow's math wrappers do (``x + 1`` makes ``add`` and its constant ``add/y``)."""
    g = _graph_of([i for i in inputs if isinstance(i, Tensor) or hasattr(i, "_as_graph_tensor")]) \
        if any(isinstance(i, Tensor) or hasattr(i, "_as_graph_tensor") for i in inputs) else get_default_graph()
    with g.as_default(), g.name_scope(name or default_name) as scope:
        return make_op(op_type, inputs, attrs, name=scope)


# --- binary elementwise -----------------------------------------------------------------------------

def _int_div_check(xp, y):
    if y.dtype.kind in "iu" and bool((y == 0).any()):
        raise errors.InvalidArgumentError(None, None, "Integer division by zero")


def _div(ctx, x, y):
    xp = ctx.xp
    if x.dtype.kind in "iu":
        _int_div_check(xp, y)
        # Div on integers truncates toward zero (C++ semantics), unlike FloorDiv.
        q = xp.floor_divide(x, y)
        r = xp.remainder(x, y)
        return (q + ((r != 0) & ((x < 0) != (y < 0)))).astype(x.dtype)
    return xp.true_divide(x, y).astype(x.dtype, copy=False)


def _floor_div(ctx, x, y):
    if x.dtype.kind in "iu":
        _int_div_check(ctx.xp, y)
    return ctx.xp.floor_divide(x, y).astype(x.dtype, copy=False)


def _floor_mod(ctx, x, y):
    if x.dtype.kind in "iu":
        _int_div_check(ctx.xp, y)
        return ctx.xp.remainder(x, y)
    return ctx.xp.remainder(x, y).astype(x.dtype, copy=False)


def _div_no_nan(ctx, x, y):
    xp = ctx.xp
    safe = xp.where(y == 0, xp.ones_like(y), y)
    return xp.where(y == 0, xp.zeros_like(x), x / safe).astype(x.dtype, copy=False)


def _pow(ctx, x, y):
    xp = ctx.xp
    if x.dtype.kind in "iu" and bool((y < 0).any()):
        raise errors.InvalidArgumentError(None, None, "Integers to negative integer powers are not allowed")
    return xp.power(x, y).astype(x.dtype, copy=False)


def _keep(fn):
    # numpy promotes float16 scalars and mixed ranks; TensorFlow keeps the input dtype.
    def kernel(ctx, x, y):
        r = fn(ctx.xp, x, y)
        return r if r.dtype == x.dtype else r.astype(x.dtype)
    return kernel


_BINARY = {
    "Add": _keep(lambda xp, x, y: xp.add(x, y) if x.dtype != object else _string_add(x, y)),
    "AddV2": _keep(lambda xp, x, y: xp.add(x, y)),
    "Sub": _keep(lambda xp, x, y: xp.subtract(x, y)),
    "Mul": _keep(lambda xp, x, y: xp.multiply(x, y)),
    "RealDiv": _keep(lambda xp, x, y: xp.true_divide(x, y)),
    "Maximum": _keep(lambda xp, x, y: xp.maximum(x, y)),
    "Minimum": _keep(lambda xp, x, y: xp.minimum(x, y)),
    "SquaredDifference": _keep(lambda xp, x, y: xp.square(x - y) if x.dtype.kind != "c"
                               else (x - y) * xp.conj(x - y)),
    "Div": _div, "FloorDiv": _floor_div, "FloorMod": _floor_mod, "DivNoNan": _div_no_nan, "Pow": _pow,
}


def _string_add(x, y):
    out = np.empty(np.broadcast(x, y).shape, dtype=object)
    out[...] = np.frompyfunc(lambda a, b: a + b, 2, 1)(x, y)
    return out


for _t, _fn in _BINARY.items():
    register_kernel(_t)(_fn)
    register_shape(_t)(common_shapes.broadcast_binary)

_COMPARE = {
    "Equal": lambda xp, x, y: xp.equal(x, y), "NotEqual": lambda xp, x, y: xp.not_equal(x, y),
    "Less": lambda xp, x, y: xp.less(x, y), "LessEqual": lambda xp, x, y: xp.less_equal(x, y),
    "Greater": lambda xp, x, y: xp.greater(x, y), "GreaterEqual": lambda xp, x, y: xp.greater_equal(x, y),
    "LogicalAnd": lambda xp, x, y: xp.logical_and(x, y), "LogicalOr": lambda xp, x, y: xp.logical_or(x, y),
}
for _t, _fn in _COMPARE.items():
    register_kernel(_t)((lambda f: lambda ctx, x, y: f(ctx.xp, x, y))(_fn))
    register_shape(_t)(common_shapes.broadcast_binary)
not_differentiable(*_COMPARE)


def add(x, y, name=None):
    return _scoped("AddV2", "add", [x, y], name=name)


def subtract(x, y, name=None):
    return _scoped("Sub", "sub", [x, y], name=name)


def multiply(x, y, name=None):
    return _scoped("Mul", "mul", [x, y], name=name)


def realdiv(x, y, name=None):
    return _scoped("RealDiv", "RealDiv", [x, y], name=name)


def div(x, y, name=None):
    return _scoped("Div", "div", [x, y], name=name)


def truediv(x, y, name=None):
    """x / y; integers are divided as float64 (int8/16 as float32), as Python 3 and TensorFlow do."""
    g = get_default_graph()
    with g.name_scope(name or "truediv") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
        if x.dtype.is_integer:
            target = dtypes.float32 if x.dtype.base_dtype in (dtypes.int8, dtypes.uint8, dtypes.int16,
                                                               dtypes.uint16) else dtypes.float64
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
    g = get_default_graph()
    with g.name_scope(name or "LogicalXor"):
        return logical_and(logical_or(x, y), logical_not(logical_and(x, y)))


# --- unary elementwise ------------------------------------------------------------------------------

def _round_half_even(xp, x):
    return xp.round(x) if x.dtype.kind in "fc" else x


_UNARY = {
    "Neg": lambda xp, x: xp.negative(x), "Abs": lambda xp, x: xp.abs(x),
    "Sign": lambda xp, x: xp.sign(x), "Square": lambda xp, x: xp.square(x),
    "Sqrt": lambda xp, x: xp.sqrt(x), "Rsqrt": lambda xp, x: 1 / xp.sqrt(x),
    "Exp": lambda xp, x: xp.exp(x), "Log": lambda xp, x: xp.log(x), "Log1p": lambda xp, x: xp.log1p(x),
    "Reciprocal": lambda xp, x: 1 / x if x.dtype.kind in "fc" else xp.floor_divide(xp.ones_like(x), x),
    "Floor": lambda xp, x: xp.floor(x), "Ceil": lambda xp, x: xp.ceil(x), "Round": _round_half_even,
    "Sin": lambda xp, x: xp.sin(x), "Cos": lambda xp, x: xp.cos(x), "Tanh": lambda xp, x: xp.tanh(x),
    "Sigmoid": lambda xp, x: _sigmoid(xp, x),
    "Erf": lambda xp, x: _erf(xp, x),
    "LogicalNot": lambda xp, x: xp.logical_not(x),
    "IsNan": lambda xp, x: xp.isnan(x), "IsFinite": lambda xp, x: xp.isfinite(x),
}


def _sigmoid(xp, x):
    # Split by sign so neither branch overflows exp().
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _erf(xp, x):
    if xp is np:
        from math import erf
        return np.vectorize(erf, otypes=[x.dtype])(x) if x.size else x.copy()
    import cupyx.scipy.special  # pragma: no cover - real GPU only
    return cupyx.scipy.special.erf(x)


def _unary_kernel(f):
    def kernel(ctx, x):
        r = f(ctx.xp, x)
        return r if r.dtype == x.dtype or r.dtype == bool else r.astype(x.dtype)
    return kernel


for _t, _fn in _UNARY.items():
    register_kernel(_t, "CPU" if _t == "Erf" else ("CPU", "GPU"))(_unary_kernel(_fn))
    register_shape(_t)(common_shapes.unchanged)
not_differentiable("LogicalNot", "IsNan", "IsFinite", "Floor", "Ceil", "Round", "Sign")


def _unary(op_type):
    def build(x, name=None):
        return make_op(op_type, [x], name=name)
    build.__name__ = op_type.lower()
    build.__doc__ = "Elementwise %s of x." % op_type
    return build


negative = neg = _unary("Neg")
abs = _unary("Abs")  # noqa: A001
sign = _unary("Sign")
square = _unary("Square")
sqrt = _unary("Sqrt")
rsqrt = _unary("Rsqrt")
exp = _unary("Exp")
log = _unary("Log")
log1p = _unary("Log1p")
reciprocal = _unary("Reciprocal")
floor = _unary("Floor")
ceil = _unary("Ceil")
round = _unary("Round")  # noqa: A001
sin = _unary("Sin")
cos = _unary("Cos")
tanh = _unary("Tanh")
sigmoid = _unary("Sigmoid")
erf = _unary("Erf")
logical_not = _unary("LogicalNot")
is_nan = _unary("IsNan")
is_finite = _unary("IsFinite")


# --- n-ary, select, cast ----------------------------------------------------------------------------

@register_shape("AddN")
def _add_n_shape(op):
    s = op.inputs[0].shape
    for t in op.inputs[1:]:
        s = s.merge_with(t.shape)
    return [s]


@register_kernel("AddN")
def _add_n(ctx, *xs):
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out


def add_n(inputs, name=None):
    if len(inputs) == 1 and name is None:
        return convert_to_tensor(inputs[0])
    return make_op("AddN", [list(inputs)], name=name)


@register_kernel("Select")
def _select(ctx, c, x, y):
    xp = ctx.xp
    if c.ndim == 1 and x.ndim > 1:
        c = c.reshape((-1,) + (1,) * (x.ndim - 1))
    return xp.where(c, x, y)


@register_kernel("SelectV2")
def _select_v2(ctx, c, x, y):
    return ctx.xp.where(c, x, y)


@register_shape("Select")
def _select_shape(op):
    return [op.inputs[1].shape.merge_with(op.inputs[2].shape)]


@register_shape("SelectV2")
def _select_v2_shape(op):
    s = common_shapes.broadcast_shapes(op.inputs[1].shape, op.inputs[2].shape)
    return [common_shapes.broadcast_shapes(op.inputs[0].shape, s)]


def where(condition, x=None, y=None, name=None):
    if x is None and y is None:
        return make_op("Where", [condition], name=name)
    return make_op("Select", [condition, x, y], name=name)


def where_v2(condition, x, y, name=None):
    return make_op("SelectV2", [condition, x, y], name=name)


@register_kernel("Cast")
def _cast(ctx, x):
    target = ctx.attrs["DstT"]
    if target.name == "string" or x.dtype == object:
        raise errors.UnimplementedError(None, None, "Cast %s to %s is not supported" % (x.dtype, target.name))
    np_type = target.as_numpy_dtype
    if x.dtype == np_type:
        return x
    if x.dtype.kind == "c" and np.dtype(np_type).kind != "c":
        x = x.real
    return x.astype(np_type)


register_shape("Cast")(common_shapes.unchanged)


def cast(x, dtype, name=None):
    """x converted to ``dtype`` (floats to integers truncate toward zero)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype.base_dtype == dtype:
        return x
    return make_op("Cast", [x], {"DstT": dtype, "Truncate": False}, name=name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


# --- reductions -------------------------------------------------------------------------------------

def _axes(axis, ndim):
    a = np.asarray(axis).reshape(-1).astype(np.int64)
    if ((a < -ndim) | (a >= ndim)).any() and ndim > 0:
        raise errors.InvalidArgumentError(None, None, "Invalid reduction dimension %s for input with %d "
                                          "dimensions." % (a.tolist(), ndim))
    return tuple(sorted({int(i) % ndim for i in a})) if ndim else ()


def _reduction(fn):
    def kernel(ctx, x, axis):
        axes = _axes(axis, x.ndim)
        keep = ctx.attrs.get("keep_dims", False)
        return fn(ctx.xp, x, axes, keep)
    return kernel


def _mean(xp, x, axes, keep):
    if x.dtype.kind in "iu":
        n = 1
        for a in axes:
            n *= x.shape[a]
        s = xp.sum(x, axis=axes, keepdims=keep, dtype=x.dtype)
        if n == 0:
            raise errors.InvalidArgumentError(None, None, "Mean of an empty integer reduction")
        q = xp.floor_divide(xp.abs(s), n) * xp.sign(s)  # truncate toward zero, as C++ does
        return q.astype(x.dtype)
    return xp.mean(x, axis=axes, keepdims=keep).astype(x.dtype, copy=False)


def _extreme(name):
    def f(xp, x, axes, keep):
        if x.size == 0 and axes:
            # An empty reduction gives the identity: lowest value for Max, highest for Min.
            shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape)) if keep else \
                tuple(d for i, d in enumerate(x.shape) if i not in axes)
            info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
            fill = (-np.inf if x.dtype.kind == "f" else info.min) if name == "max" else \
                (np.inf if x.dtype.kind == "f" else info.max)
            return xp.full(shape, fill, dtype=x.dtype)
        return getattr(xp, name)(x, axis=axes, keepdims=keep)
    return f


_REDUCTIONS = {
    "Sum": lambda xp, x, axes, keep: xp.sum(x, axis=axes, keepdims=keep, dtype=x.dtype),
    "Prod": lambda xp, x, axes, keep: xp.prod(x, axis=axes, keepdims=keep, dtype=x.dtype),
    "Mean": _mean, "Max": _extreme("max"), "Min": _extreme("min"),
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
    axes = set(int(a) % shape.rank for a in np.reshape(axis, [-1])) if shape.rank else set()
    dims = [(1 if keep else None) if i in axes else d for i, d in enumerate(shape.dims)]
    if not keep:
        dims = [d for i, d in enumerate(shape.dims) if i not in axes]
    return [TensorShape(dims)]


for _t, _fn in _REDUCTIONS.items():
    register_kernel(_t, host_inputs=(1,))(_reduction(_fn))
    register_shape(_t)(_reduction_shape)
not_differentiable("All", "Any", "ArgMax", "ArgMin")


def _reduce(op_type, default_name):
    def build(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        x = convert_to_tensor(input_tensor)
        keep = bool(keepdims if keepdims is not None else keep_dims)
        if axis is None:
            axis = reduction_indices
        g = x.graph
        with g.name_scope(name or default_name) as scope:
            if axis is None:
                if x.shape.rank is not None:
                    axis = list(range(x.shape.rank))
                else:
                    from tagraph.engine.ops.array_ops import range as _range, rank as _rank
                    axis = _range(0, _rank(x))
            axis = convert_to_tensor(axis, dtype=dtypes.int32, name="Const") \
                if not isinstance(axis, Tensor) else axis
            return make_op(op_type, [x, axis], {"keep_dims": keep}, name=scope)
    build.__name__ = "reduce_" + op_type.lower()
    build.__doc__ = "%s over ``axis`` (all axes when None)." % op_type
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
            raise errors.InvalidArgumentError(None, None, "Expected dimension in the range [%d, %d), but got %d"
                                              % (-x.ndim, x.ndim, a))
        if x.shape[a] == 0:
            raise errors.InvalidArgumentError(None, None, "Reduction axis %d is empty in shape %s"
                                              % (a, list(x.shape)))
        return getattr(ctx.xp, which)(x, axis=a).astype(ctx.attrs["output_type"].as_numpy_dtype)
    return kernel


def _arg_shape(op):
    shape = op.inputs[0].shape
    axis = constant_value(op.inputs[1])
    if shape.rank is None or axis is None:
        return [unknown_shape(None if shape.rank is None else shape.rank - 1)]
    a = int(axis) % shape.rank
    return [TensorShape([d for i, d in enumerate(shape.dims) if i != a])]


register_kernel("ArgMax", host_inputs=(1,))(_arg_extreme("argmax"))
register_kernel("ArgMin", host_inputs=(1,))(_arg_extreme("argmin"))
register_shape("ArgMax", "ArgMin")(_arg_shape)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    if axis is None:
        axis = 0 if dimension is None else dimension
    return make_op("ArgMax", [input, convert_to_tensor(axis, dtype=dtypes.int32) if not isinstance(axis, Tensor)
                              else axis], {"output_type": output_type}, name=name)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    if axis is None:
        axis = 0 if dimension is None else dimension
    return make_op("ArgMin", [input, convert_to_tensor(axis, dtype=dtypes.int32) if not isinstance(axis, Tensor)
                              else axis], {"output_type": output_type}, name=name)


# --- matrix products ----------------------------------------------------------------------------

@register_kernel("MatMul")
def _matmul(ctx, a, b):
    if ctx.attrs.get("transpose_a"):
        a = a.T
    if ctx.attrs.get("transpose_b"):
        b = b.T
    if a.ndim != 2 or b.ndim != 2:
        raise errors.InvalidArgumentError(None, None, "In[0] and In[1] must be matrices, got shapes %s and %s"
                                          % (list(a.shape), list(b.shape)))
    if a.shape[1] != b.shape[0]:
        raise errors.InvalidArgumentError(None, None, "Matrix size-incompatible: In[0]: %s, In[1]: %s"
                                          % (list(a.shape), list(b.shape)))
    return ctx.xp.matmul(a, b)


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
    if ctx.attrs.get("adj_x"):
        x = xp.conj(xp.swapaxes(x, -1, -2))
    if ctx.attrs.get("adj_y"):
        y = xp.conj(xp.swapaxes(y, -1, -2))
    if x.shape[-1] != y.shape[-2]:
        raise errors.InvalidArgumentError(None, None, "Matrix size-incompatible: In[0]: %s, In[1]: %s"
                                          % (list(x.shape), list(y.shape)))
    return xp.matmul(x, y)


@register_shape("BatchMatMulV2")
def _batch_matmul_shape(op):
    a, b = op.inputs[0].shape, op.inputs[1].shape
    if a.rank is None or b.rank is None:
        return [unknown_shape()]
    ax, ay = op.get_attr("adj_x"), op.get_attr("adj_y")
    m = a[-1] if ax else a[-2]
    n = b[-2] if ay else b[-1]
    batch = common_shapes.broadcast_shapes(a[:-2], b[:-2])
    return [TensorShape(batch.dims + [m, n])]


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, name=None):
    """Matrix product; inputs of rank > 2 use BatchMatMulV2."""
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype=a.dtype.base_dtype)
    if (a.shape.rank or 2) > 2 or (b.shape.rank or 2) > 2:
        return make_op("BatchMatMulV2", [a, b], {"adj_x": bool(adjoint_a or transpose_a),
                                                 "adj_y": bool(adjoint_b or transpose_b)}, name=name)
    return make_op("MatMul", [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                      "transpose_b": bool(transpose_b or adjoint_b)}, name=name or "MatMul")


# --- operator overloads -----------------------------------------------------------------------------

def _binary_overload(fn, reverse=False):
    def op(self, other):
        if reverse:
            return fn(convert_to_tensor(other, dtype=self.dtype.base_dtype), self)
        return fn(self, other)
    return op


def _dtype_converted(fn):
    def wrapped(x, y, name=None):
        x = convert_to_tensor(x) if not isinstance(x, Tensor) and not hasattr(x, "_as_graph_tensor") else x
        return fn(x, y, name=name)
    return wrapped


Tensor.__add__ = _binary_overload(add)
Tensor.__radd__ = _binary_overload(add, True)
Tensor.__sub__ = _binary_overload(subtract)
Tensor.__rsub__ = _binary_overload(subtract, True)
Tensor.__mul__ = _binary_overload(multiply)
Tensor.__rmul__ = _binary_overload(multiply, True)
Tensor.__truediv__ = _binary_overload(truediv)
Tensor.__rtruediv__ = _binary_overload(truediv, True)
Tensor.__floordiv__ = _binary_overload(floordiv)
Tensor.__rfloordiv__ = _binary_overload(floordiv, True)
Tensor.__mod__ = _binary_overload(floormod)
Tensor.__rmod__ = _binary_overload(floormod, True)
Tensor.__pow__ = _binary_overload(pow)
Tensor.__rpow__ = _binary_overload(pow, True)
Tensor.__matmul__ = _binary_overload(matmul)
Tensor.__rmatmul__ = _binary_overload(matmul, True)
Tensor.__lt__ = _binary_overload(less)
Tensor.__le__ = _binary_overload(less_equal)
Tensor.__gt__ = _binary_overload(greater)
Tensor.__ge__ = _binary_overload(greater_equal)
Tensor.__and__ = _binary_overload(logical_and)
Tensor.__rand__ = _binary_overload(logical_and, True)
Tensor.__or__ = _binary_overload(logical_or)
Tensor.__ror__ = _binary_overload(logical_or, True)
Tensor.__xor__ = _binary_overload(logical_xor)
Tensor.__neg__ = lambda self: make_op("Neg", [self], name="Neg")
Tensor.__abs__ = lambda self: make_op("Abs", [self], name="Abs")
Tensor.__invert__ = lambda self: logical_not(self)
