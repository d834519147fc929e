"""Comparisons and logic: Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual, LogicalAnd, LogicalOr,
LogicalNot, IsNan and IsFinite, with ``logical_xor`` built from them as TensorFlow builds it.

Their results are bool and they have no gradient. Tensor's comparison and logical operators (``<``, ``<=``,
``>``, ``>=``, ``&``, ``|``, ``^``, ``~``) are attached here.

    ok = tg.logical_and(x > 0.0, tg.is_finite(x))
"""
import operator

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes
from tagraph.engine.framework.graph import _graph_of, get_default_graph, register_tensor_operators
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.op_util import binary_kernel, is_tensor_like, scoped, unary_kernel, unary_op_function

__all__ = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
           "logical_xor", "logical_not", "is_nan", "is_finite", "is_inf"]

_COMPARE = {
    "Less": lambda xp, x, y: xp.less(x, y), "LessEqual": lambda xp, x, y: xp.less_equal(x, y),
    "Greater": lambda xp, x, y: xp.greater(x, y), "GreaterEqual": lambda xp, x, y: xp.greater_equal(x, y),
    "LogicalAnd": lambda xp, x, y: xp.logical_and(x, y), "LogicalOr": lambda xp, x, y: xp.logical_or(x, y),
}
_SCALAR_COMPARE = {"Less": operator.lt, "LessEqual": operator.le, "Greater": operator.gt,
                   "GreaterEqual": operator.ge, "LogicalAnd": operator.and_, "LogicalOr": operator.or_}
for _t, _fn in _COMPARE.items():
    register_kernel(_t)(binary_kernel(_fn, keep_dtype=False, scalar_fn=_SCALAR_COMPARE[_t]))
    register_shape(_t)(common_shapes.broadcast_binary)


def _equality(fn, when_incompatible):
    compute = binary_kernel(fn, keep_dtype=False)

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

_PREDICATES = {
    "LogicalNot": lambda xp, x: xp.logical_not(x),
    "IsNan": lambda xp, x: xp.isnan(x), "IsFinite": lambda xp, x: xp.isfinite(x), "IsInf": lambda xp, x: xp.isinf(x),
}
for _t, _fn in _PREDICATES.items():
    register_kernel(_t)(unary_kernel(_fn, keep_dtype=False))
    register_shape(_t)(common_shapes.unchanged)

not_differentiable("Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "Equal",
                   "NotEqual", "LogicalNot", "IsNan", "IsFinite", "IsInf")


def equal(x, y, name=None):
    return scoped("Equal", "Equal", [x, y], name=name)


def not_equal(x, y, name=None):
    return scoped("NotEqual", "NotEqual", [x, y], name=name)


def less(x, y, name=None):
    return scoped("Less", "Less", [x, y], name=name)


def less_equal(x, y, name=None):
    return scoped("LessEqual", "LessEqual", [x, y], name=name)


def greater(x, y, name=None):
    return scoped("Greater", "Greater", [x, y], name=name)


def greater_equal(x, y, name=None):
    return scoped("GreaterEqual", "GreaterEqual", [x, y], name=name)


def logical_and(x, y, name=None):
    return scoped("LogicalAnd", "LogicalAnd", [x, y], name=name)


def logical_or(x, y, name=None):
    return scoped("LogicalOr", "LogicalOr", [x, y], name=name)


def logical_xor(x, y, name=None):
    """(x or y) and not (x and y), built from TensorFlow's ops as its ``logical_xor`` is."""
    tensors = [v for v in (x, y) if is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "LogicalXor") as scope:
        either = make_op("LogicalOr", [x, y])
        not_both = make_op("LogicalNot", [make_op("LogicalAnd", [x, y])])
        return make_op("LogicalAnd", [either, not_both], name=scope)


logical_not = unary_op_function("LogicalNot", "not x elementwise (bool).")
is_nan = unary_op_function("IsNan", "Whether x is NaN, elementwise.")
is_finite = unary_op_function("IsFinite", "Whether x is finite, elementwise.")
is_inf = unary_op_function("IsInf", "Whether x is +inf or -inf, elementwise.")


register_tensor_operators(lt=less, le=less_equal, gt=greater, ge=greater_equal,
                          **{"and": logical_and, "or": logical_or}, xor=logical_xor, invert=logical_not)
