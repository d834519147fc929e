"""Gradients of math ops that math_ops.py does not register yet, with TensorFlow's formulas and op types.

Each function is registered only where the op has no gradient when this module is imported, so a
gradient its owner adds next to the op wins; the lead moves these next to their ops later.

    dz_dx, = tg.gradients(x * y, [x])      # uses _MulGrad below
"""
import numpy as np

from tagraph.engine import dtypes
from tagraph.engine.graph import get_default_graph
from tagraph.engine.op_builder import (get_gradient_fn, is_not_differentiable, make_op, register_gradient,
                                       not_differentiable)
from tagraph.engine.common_shapes import constant_value

REGISTERED = []   # the op types whose gradient this module supplied


def _pending(*op_types):
    def decorate(fn):
        todo = [t for t in op_types if get_gradient_fn(t) is None and not is_not_differentiable(t)]
        if todo:
            register_gradient(*todo)(fn)
            REGISTERED.extend(todo)
        return fn
    return decorate


def _m():
    from tagraph.engine.ops import math_ops
    return math_ops


def _a():
    from tagraph.engine.ops import array_ops
    return array_ops


def _static_shape(t):
    s = t.shape
    return tuple(s.as_list()) if s.is_fully_defined() else None


def smart_broadcast_gradient_args(x, y, grad):
    """TensorFlow's SmartBroadcastGradientArgs: ((sx, rx, must_reduce_x), (sy, ry, must_reduce_y)).

    With static shapes the reduction axes are computed now and no shape ops are built; otherwise
    Shape and BroadcastGradientArgs ops compute them when the graph runs.
    """
    from tagraph.engine.ops.nn_grad_ops import broadcast_gradient_args
    xs, ys, gs = _static_shape(x), _static_shape(y), _static_shape(grad)
    if xs is None or ys is None:
        a = _a()
        sx = a.shape(x)
        sy = a.shape(y)
        rx, ry = make_op("BroadcastGradientArgs", [sx, sy])
        return (sx, rx, True), (sy, ry, True)
    rx, ry = broadcast_gradient_args(xs, ys)
    return (list(xs), rx, xs != gs), (list(ys), ry, ys != gs)


def _reduce_to(t, r, s, must):
    if not must:
        return t
    return _a().reshape(_m().reduce_sum(t, r), s)


def _shapes_equal_and_known(x, y, grad):
    xs, ys, gs = _static_shape(x), _static_shape(y), _static_shape(grad)
    return xs is not None and xs == ys == gs


# --- binary arithmetic -------------------------------------------------------------------------------

@_pending("Add", "AddV2")
def _add_grad(op, grad):
    x, y = op.inputs
    if _shapes_equal_and_known(x, y, grad):
        return [grad, grad]
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    return [_reduce_to(grad, rx, sx, mx), _reduce_to(grad, ry, sy, my)]


@_pending("Sub")
def _sub_grad(op, grad):
    x, y = op.inputs
    if _shapes_equal_and_known(x, y, grad):
        return [grad, -grad]
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    gx = _reduce_to(grad, rx, sx, mx)
    gy = -_reduce_to(grad, ry, sy, my)
    return [gx, gy]


def _mul(a, b):
    return make_op("Mul", [a, b], name="Mul")


@_pending("Mul")
def _mul_grad(op, grad):
    x, y = op.inputs
    if _shapes_equal_and_known(x, y, grad):
        return [_mul(grad, y), _mul(grad, x)]
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    return [_reduce_to(_mul(grad, y), rx, sx, mx), _reduce_to(_mul(x, grad), ry, sy, my)]


@_pending("RealDiv", "Div")
def _real_div_grad(op, grad):
    m = _m()
    x, y = op.inputs
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    gx = _reduce_to(m.realdiv(grad, y), rx, sx, mx)
    gy = _reduce_to(grad * m.realdiv(m.realdiv(-x, y), y), ry, sy, my)
    return [gx, gy]


@_pending("DivNoNan")
def _div_no_nan_grad(op, grad):
    m = _m()
    x, y = op.inputs
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    gx = _reduce_to(m.div_no_nan(grad, y), rx, sx, mx)
    gy = _reduce_to(grad * m.div_no_nan(m.div_no_nan(-x, y), y), ry, sy, my)
    return [gx, gy]


@_pending("FloorMod")
def _floor_mod_grad(op, grad):
    m = _m()
    x, y = op.inputs
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    gx = _reduce_to(grad, rx, sx, mx)
    gy = _reduce_to(grad * m.negative(m.floordiv(x, y)), ry, sy, my)
    return [gx, gy]


not_differentiable("FloorDiv") if get_gradient_fn("FloorDiv") is None else None


def _maximum_minimum_grad(op, grad, selector):
    a, m = _a(), _m()
    x, y = op.inputs
    zeros = a.zeros_like(grad)
    xmask = selector(x, y)
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    gx = _reduce_to(m.where_v2(xmask, grad, zeros), rx, sx, mx)
    gy = _reduce_to(m.where_v2(xmask, zeros, grad), ry, sy, my)
    return [gx, gy]


@_pending("Maximum")
def _maximum_grad(op, grad):
    return _maximum_minimum_grad(op, grad, _m().greater_equal)


@_pending("Minimum")
def _minimum_grad(op, grad):
    return _maximum_minimum_grad(op, grad, _m().less_equal)


@_pending("SquaredDifference")
def _squared_difference_grad(op, grad):
    m = _m()
    x, y = op.inputs
    g = get_default_graph()
    with g.control_dependencies([grad]):
        two = _const(2.0, grad.dtype)
        x_grad = _mul(two, grad) * (x - y)
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    return [_reduce_to(x_grad, rx, sx, mx), m.negative(_reduce_to(x_grad, ry, sy, my))]


@_pending("Pow")
def _pow_grad(op, grad):
    a, m = _a(), _m()
    x, y = op.inputs
    z = op.outputs[0]
    (sx, rx, mx), (sy, ry, my) = smart_broadcast_gradient_args(x, y, grad)
    gx = _reduce_to(grad * y * m.pow(x, y - _const(1, y.dtype)), rx, sx, mx)
    mask = m.greater(x, _const(0, x.dtype))
    safe_x = m.where_v2(mask, x, a.ones_like(x))
    log_x = m.where_v2(mask, m.log(safe_x), a.zeros_like(x))
    gy = _reduce_to(grad * z * log_x, ry, sy, my)
    return [gx, gy]


def _const(v, dtype):
    from tagraph.engine.ops.constant_op import constant
    return constant(v, dtype=dtype.base_dtype)


# --- unary -----------------------------------------------------------------------------------------

@_pending("Neg")
def _neg_grad(op, grad):
    return [_m().negative(grad)]


@_pending("Abs")
def _abs_grad(op, grad):
    return [grad * _m().sign(op.inputs[0])]


@_pending("Square")
def _square_grad(op, grad):
    x = op.inputs[0]
    with get_default_graph().control_dependencies([grad]):
        y = _const(2.0, x.dtype)
        return [_mul(grad, _mul(x, y))]


@_pending("Sqrt")
def _sqrt_grad(op, grad):
    return [make_op("SqrtGrad", [op.outputs[0], grad], name="SqrtGrad")]


@_pending("Rsqrt")
def _rsqrt_grad(op, grad):
    return [make_op("RsqrtGrad", [op.outputs[0], grad], name="RsqrtGrad")]


@_pending("Reciprocal")
def _reciprocal_grad(op, grad):
    return [make_op("ReciprocalGrad", [op.outputs[0], grad], name="ReciprocalGrad")]


@_pending("Exp")
def _exp_grad(op, grad):
    return [grad * op.outputs[0]]


@_pending("Log")
def _log_grad(op, grad):
    x = op.inputs[0]
    with get_default_graph().control_dependencies([grad]):
        return [grad * _m().reciprocal(x)]


@_pending("Log1p")
def _log1p_grad(op, grad):
    x = op.inputs[0]
    with get_default_graph().control_dependencies([grad]):
        return [grad * _m().reciprocal(_const(1, x.dtype) + x)]


@_pending("Tanh")
def _tanh_grad(op, grad):
    return [make_op("TanhGrad", [op.outputs[0], grad], name="TanhGrad")]


@_pending("Sigmoid")
def _sigmoid_grad(op, grad):
    return [make_op("SigmoidGrad", [op.outputs[0], grad], name="SigmoidGrad")]


@_pending("Sin")
def _sin_grad(op, grad):
    x = op.inputs[0]
    with get_default_graph().control_dependencies([grad]):
        return [grad * _m().cos(x)]


@_pending("Cos")
def _cos_grad(op, grad):
    x = op.inputs[0]
    with get_default_graph().control_dependencies([grad]):
        return [-grad * _m().sin(x)]


@_pending("Erf")
def _erf_grad(op, grad):
    m = _m()
    x = op.inputs[0]
    two_over_root_pi = _const(2 / np.sqrt(np.pi), grad.dtype)
    with get_default_graph().control_dependencies([grad]):
        return [grad * two_over_root_pi * m.exp(-m.square(x))]


# --- n-ary, select, cast ---------------------------------------------------------------------------

@_pending("AddN")
def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


@_pending("Select")
def _select_grad(op, grad):
    m = _m()
    c, x = op.inputs[0], op.inputs[1]
    zeros = _a().zeros_like(x)
    return [None, m.where(c, grad, zeros), m.where(c, zeros, grad)]


@_pending("SelectV2")
def _select_v2_grad(op, grad):
    a, m = _a(), _m()
    c, x, y = op.inputs
    zeros = a.zeros([], dtype=grad.dtype.base_dtype)
    out = []
    for t, (p, q) in ((x, (grad, zeros)), (y, (zeros, grad))):
        g = m.where_v2(c, p, q)
        ts, os_ = _static_shape(t), _static_shape(op.outputs[0])
        if ts is not None and ts == os_:
            out.append(g)
            continue
        t_shape = a.shape(t)
        reduce_t, _ = make_op("BroadcastGradientArgs", [t_shape, a.shape(op.outputs[0])])
        g = m.reduce_sum(g, keepdims=True, axis=reduce_t)
        out.append(a.reshape(g, t_shape))
    return [None] + out


_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.bfloat16, dtypes.complex64, dtypes.complex128)


@_pending("Cast")
def _cast_grad(op, grad):
    src = op.inputs[0].dtype.base_dtype
    dst = grad.dtype.base_dtype
    if src in _FLOATS and dst in _FLOATS:
        return [_m().cast(grad, src)]
    return [None]


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


@_pending("Sum")
def _sum_grad(op, grad):
    a = _a()
    kept, input_shape = _kept_dims_shape(op)
    g = a.reshape(grad, kept)
    if isinstance(input_shape, list):
        if kept == input_shape:
            return [g, None]
        # TensorFlow's static fast path: Reshape then Tile by the (constant) scaling.
        scaling = [i // k if k else 0 for i, k in zip(input_shape, kept)]
        return [a.tile(g, _const(np.array(scaling, np.int32), dtypes.int32)), None]
    if isinstance(kept, list):
        return [a.tile(g, input_shape), None]
    return [a.broadcast_to(g, input_shape), None]


@_pending("Mean")
def _mean_grad(op, grad):
    a, m = _a(), _m()
    sum_grad = _sum_grad(op, grad)[0]
    xs, ys = _static_shape(op.inputs[0]), _static_shape(op.outputs[0])
    if xs is not None and ys is not None:
        factor = int(np.prod(xs)) // max(int(np.prod(ys)), 1)
        factor = _const(factor, sum_grad.dtype)
    else:
        input_shape = a.shape(op.inputs[0])
        input_rank = a.size(input_shape)
        axes = m.floormod(m.add(m.cast(op.inputs[1], dtypes.int32), input_rank), input_rank)
        factor = m.cast(m.reduce_prod(a.gather(input_shape, axes)), sum_grad.dtype)
    return [m.truediv(sum_grad, factor), None]


def _min_or_max_grad(op, grad):
    a, m = _a(), _m()
    kept, _ = _kept_dims_shape(op)
    y = a.reshape(op.outputs[0], kept)
    grad = a.reshape(grad, kept)
    indicators = m.cast(m.equal(y, op.inputs[0]), grad.dtype)
    num_selected = a.reshape(m.reduce_sum(indicators, op.inputs[1]), kept)
    return [m.truediv(indicators, num_selected) * grad, None]


@_pending("Max")
def _max_grad(op, grad):
    return _min_or_max_grad(op, grad)


@_pending("Min")
def _min_grad(op, grad):
    return _min_or_max_grad(op, grad)


@_pending("Prod")
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

def _matmul(a_, b_, ta=False, tb=False, grad_a=False, grad_b=False):
    return make_op("MatMul", [a_, b_], {"transpose_a": ta, "transpose_b": tb, "grad_a": grad_a,
                                        "grad_b": grad_b}, name="MatMul")


@_pending("MatMul")
def _matmul_grad(op, grad):
    ta, tb = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    a_, b_ = op.inputs
    if not ta and not tb:
        return [_matmul(grad, b_, tb=True, grad_a=True), _matmul(a_, grad, ta=True, grad_b=True)]
    if not ta and tb:
        return [_matmul(grad, b_, grad_a=True), _matmul(grad, a_, ta=True, grad_b=True)]
    if ta and not tb:
        return [_matmul(b_, grad, tb=True, grad_a=True), _matmul(a_, grad, grad_b=True)]
    return [_matmul(b_, grad, ta=True, tb=True, grad_a=True), _matmul(grad, a_, ta=True, tb=True, grad_b=True)]


@_pending("BatchMatMulV2", "BatchMatMulV3")
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


# --- array ops owned elsewhere that lack a gradient ---------------------------------------------

@_pending("BroadcastTo")
def _broadcast_to_grad(op, grad):
    a, m = _a(), _m()
    x, target = op.inputs
    x_shape = a.shape(x, out_type=target.dtype)
    v = constant_value(target)
    if v is not None:
        target = _const(np.asarray(v), target.dtype)
    _, reduction_axes = make_op("BroadcastGradientArgs", [target, x_shape])
    g = m.reduce_sum(grad, axis=reduction_axes, keepdims=True)
    return [a.reshape(g, x_shape), None]


@_pending("GatherV2")
def _gather_v2_grad(op, grad):
    # TensorFlow returns IndexedSlices; tagraph has no sparse gradients, so the dense equivalent:
    # UnsortedSegmentSum of the gradient's rows into the gathered positions.
    a = _a()
    params, indices, axis = op.inputs
    axis_v = constant_value(axis)
    prank, irank = params.shape.rank, indices.shape.rank
    if axis_v is None or op.get_attr("batch_dims") or prank is None or irank is None:
        raise LookupError("GatherV2's gradient needs a constant axis, batch_dims=0 and known ranks")
    axis_v = int(axis_v) % prank
    params_shape = a.shape(params)
    n = a.gather(params_shape, axis_v)
    out_rank = prank + irank - 1
    # Move the gathered axes first: [indices dims..., params dims before axis..., after axis...].
    perm = list(range(axis_v, axis_v + irank)) + list(range(axis_v)) + list(range(axis_v + irank, out_rank))
    g = a.transpose(grad, perm) if perm != list(range(out_rank)) else grad
    rest = [params.shape[i] for i in range(prank) if i != axis_v]
    if None in rest:
        rest_t = a.gather(params_shape, [i for i in range(prank) if i != axis_v])
        g = a.reshape(g, a.concat([_const(np.array([-1], np.int32), dtypes.int32), rest_t], 0))
    else:
        g = a.reshape(g, [-1] + rest)
    g = make_op("UnsortedSegmentSum", [g, a.reshape(indices, [-1]), n], name="UnsortedSegmentSum")
    if axis_v:
        back = list(range(1, axis_v + 1)) + [0] + list(range(axis_v + 1, prank))
        g = a.transpose(g, back)
    return [g, None, None]
