"""Matrix products: MatMul and BatchMatMulV2 (leading dimensions broadcast), with Tensor's ``@``.

Each op's kernel, shape function, gradient and Python constructor live together; float16 products
accumulate in float32, as TensorFlow's do. The batched gradient sums over broadcast batch dimensions.

    y = tg.matmul(x, w, transpose_b=True)
    z = a @ b
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor, get_default_graph, register_tensor_operators
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.array_ops import reshape, shape
from tagraph.engine.ops.op_util import dbg, f16_acc, invalid, is_tensor_like, no_complex_gradient
from tagraph.engine.ops.reduction_ops import reduce_sum
from tagraph.engine.ops.slicing_ops import strided_slice

__all__ = ["matmul"]


def _matmul_dtype(a, b, xp):
    acc = f16_acc(a)
    if acc is None:
        return xp.matmul(a, b)
    return xp.matmul(a.astype(acc), b.astype(acc)).astype(a.dtype)


@register_kernel("MatMul")
def _matmul(ctx, a, b):
    if a.ndim != 2:
        raise invalid("In[0] is not a matrix. Instead it has shape %s" % dbg(a.shape))
    if b.ndim != 2:
        raise invalid("In[1] is not a matrix. Instead it has shape %s" % dbg(b.shape))
    ta = a.T if ctx.attrs.get("transpose_a") else a
    tb = b.T if ctx.attrs.get("transpose_b") else b
    if ta.shape[1] != tb.shape[0]:
        raise invalid("Matrix size-incompatible: In[0]: %s, In[1]: %s" % (dbg(a.shape), dbg(b.shape)))
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
        raise invalid("In[0] ndims must be >= 2: %d" % x.ndim)
    if y.ndim < 2:
        raise invalid("In[1] ndims must be >= 2: %d" % y.ndim)
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise invalid("In[0] and In[1] must have compatible batch dimensions: %s vs. %s"
                      % (dbg(x.shape), dbg(y.shape))) from None
    ax = xp.conj(xp.swapaxes(x, -1, -2)) if ctx.attrs.get("adj_x") else x
    ay = xp.conj(xp.swapaxes(y, -1, -2)) if ctx.attrs.get("adj_y") else y
    if ax.shape[-1] != ay.shape[-2]:
        raise invalid("Matrix size-incompatible: In[0]: %s, In[1]: %s" % (dbg(x.shape), dbg(y.shape)))
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
    tensors = [v for v in (a, b) if is_tensor_like(v)]
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

@register_gradient("MatMul")
def _matmul_grad(op, grad):
    no_complex_gradient(op)
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


def _static_shape(t):
    s = t.shape
    return tuple(s.as_list()) if s.is_fully_defined() else None


@register_gradient("BatchMatMulV2", "BatchMatMulV3")
def _batch_matmul_v2_grad(op, grad):
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
    sx, sy = shape(x), shape(y)
    rx, ry = make_op("BroadcastGradientArgs", [strided_slice(sx, [0], [-2]), strided_slice(sy, [0], [-2])])
    gx = reshape(reduce_sum(gx, rx), sx)
    gy = reshape(reduce_sum(gy, ry), sy)
    return [gx, gy]


register_tensor_operators(matmul=matmul)
