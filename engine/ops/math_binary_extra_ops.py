"""Elementwise binary functions beyond math_ops: Atan2, Xlogy, Xdivy, MulNoNan, TruncateDiv and TruncateMod,
with ``tf.math.reciprocal_no_nan`` built from DivNoNan as TensorFlow builds it.

Each op's shape function, kernel (``ctx.xp``, CPU and GPU), gradient (TensorFlow's math_grad.py) and
constructor live together. The broadcasting gradients are summed back to each input's shape as math_ops'.
Integer division by zero in TruncateDiv and TruncateMod is TensorFlow's InternalError, with its message.

    loss = tg.reduce_sum(tg.math.xlogy(p, q))   # 0 where p == 0, even where q == 0
"""

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, errors
from tagraph.engine.framework.graph import convert_to_tensor, _graph_of
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_gradient, register_shape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.comparison_ops import not_equal
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.op_util import binary_kernel, scoped

__all__ = ["atan2", "xlogy", "xdivy", "multiply_no_nan", "reciprocal_no_nan", "truncatediv", "truncatemod"]


def _check_int_divisor(y):
    # TensorFlow's CPU kernels report a zero integer divisor through the generic error path of the binary
    # functor: an InternalError with this wording.
    if y.dtype.kind in "iu" and bool((y == 0).any()):
        raise errors.InternalError(None, None, "Unexpected error in binary operator (only integer div and mod "
                                               "should have errors)")


def _truncate_div(xp, x, y):
    if x.dtype.kind in "iu":
        _check_int_divisor(y)
        return math_ops._trunc_div(xp, x, y)
    return xp.trunc(xp.true_divide(x, y))


def _truncate_mod(xp, x, y):
    _check_int_divisor(y)
    return xp.fmod(x, y)   # the dividend's sign, as C's % and fmod


def _xlogy(xp, x, y):
    return xp.where(x == 0, xp.zeros_like(x), x * xp.log(y))


def _xdivy(xp, x, y):
    return xp.where(x == 0, xp.zeros_like(x), xp.true_divide(x, y))


def _mul_no_nan(xp, x, y):
    return xp.where(y == 0, xp.zeros_like(x), x * y)


_BINARY = {
    "Atan2": lambda xp, y, x: xp.arctan2(y, x),
    "Xlogy": _xlogy, "Xdivy": _xdivy, "MulNoNan": _mul_no_nan,
    "TruncateDiv": _truncate_div, "TruncateMod": _truncate_mod,
}
for _t, _fn in _BINARY.items():
    register_kernel(_t)(binary_kernel(_fn))
    register_shape(_t)(common_shapes.broadcast_binary)


def atan2(y, x, name=None):
    """The angle of the point (x, y) in [-pi, pi], elementwise: arctan(y / x) in the right quadrant.

        tg.atan2([1.0, -1.0], [-1.0, -1.0])   # [3 pi / 4, -3 pi / 4]
    """
    return scoped("Atan2", "Atan2", [y, x], name=name)


def xlogy(x, y, name=None):
    """x * log(y) elementwise, 0 where x == 0 (whatever y is)."""
    return scoped("Xlogy", "Xlogy", [x, y], name=name)


def xdivy(x, y, name=None):
    """x / y elementwise, 0 where x == 0 (whatever y is); named inside an ``xdivy`` scope, as TensorFlow's."""
    g = _graph_of([x, y])
    with g.as_default(), g.name_scope(name or "xdivy"):
        return scoped("Xdivy", "Xdivy", [x, y])


def multiply_no_nan(x, y, name=None):
    """x * y elementwise, 0 where y == 0 even where x is inf or NaN (MulNoNan).

        tg.multiply_no_nan([float("inf")], [0.0])   # [0.0]
    """
    g = _graph_of([x, y])
    with g.as_default(), g.name_scope(name or "multiply_no_nan") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        if x.dtype.base_dtype != y.dtype.base_dtype:
            raise TypeError("The input tensors must be of the same type, got %r != %r"
                            % (x.dtype.base_dtype, y.dtype.base_dtype))
        return make_op("MulNoNan", [x, y], name=scope)


def reciprocal_no_nan(x, name=None):
    """1 / x elementwise, 0 where x == 0 (DivNoNan of a constant one, as TensorFlow builds it)."""
    g = _graph_of([x])
    with g.as_default(), g.name_scope(name or "reciprocal_no_nan") as scope:
        x = convert_to_tensor(x, name="x")
        one = constant(1, dtype=x.dtype.base_dtype, name="one")
        return make_op("DivNoNan", [one, x], name=scope)


def truncatediv(x, y, name=None):
    """x / y rounded toward zero (C's integer division): truncatediv(-7, 2) == -3."""
    return scoped("TruncateDiv", "TruncateDiv", [x, y], name=name)


def truncatemod(x, y, name=None):
    """The remainder of truncatediv, with the dividend's sign (C's %, fmod): truncatemod(-7, 2) == -1."""
    return scoped("TruncateMod", "TruncateMod", [x, y], name=name)


# --- gradients (TensorFlow's math_grad.py) ----------------------------------------------------------

def _binary_grad(op_type, fx, fy):
    @register_gradient(op_type)
    def grad_fn(op, grad):
        x, y = op.inputs
        out = op.outputs[0]
        return [math_ops._sum_to(fx(x, y, grad), x, out), math_ops._sum_to(fy(x, y, grad), y, out)]
    return grad_fn


def _nonzero(x):
    return math_ops.cast(not_equal(x, math_ops.cast(0.0, x.dtype.base_dtype)), x.dtype.base_dtype)


@register_gradient("Atan2")
def _atan2_grad(op, grad):
    y, x = op.inputs
    out = op.outputs[0]
    grad_inv = grad / (math_ops.square(y) + math_ops.square(x))
    return [math_ops._sum_to(x * grad_inv, y, out), math_ops._sum_to(-y * grad_inv, x, out)]


_binary_grad("Xlogy", lambda x, y, g: xlogy(_nonzero(x), y) * g, lambda x, y, g: xdivy(x, y) * g)
_binary_grad("Xdivy", lambda x, y, g: xdivy(_nonzero(x), y) * g,
             lambda x, y, g: xdivy(math_ops.negative(x), y ** 2) * g)
_binary_grad("MulNoNan", lambda x, y, g: make_op("MulNoNan", [g, y]), lambda x, y, g: make_op("MulNoNan", [x, g]))
not_differentiable("TruncateDiv")
