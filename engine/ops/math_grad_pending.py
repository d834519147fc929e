"""Gradients of ops owned elsewhere that their modules do not register yet (Prod, BatchMatMulV2,
BroadcastTo, GatherV2), with TensorFlow's formulas and op types.

Each function is registered only where the op has no gradient when this module is imported, so a
gradient its owner adds next to the op wins; the lead moves these next to their ops later.

    dx, = tg.gradients(tg.reduce_prod(x, axis=1), [x])      # _prod_grad below
"""
import numpy as np

from tagraph.engine import dtypes
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


def _const(v, dtype):
    from tagraph.engine.ops.constant_op import constant
    return constant(v, dtype=dtype.base_dtype)


# FloorDiv's gradient is None in TensorFlow (piecewise constant).
if get_gradient_fn("FloorDiv") is None:
    not_differentiable("FloorDiv")


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
