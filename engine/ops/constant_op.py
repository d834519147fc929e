"""Const: a value stored in the graph.

    c = tg.constant([[1.0, 2.0]], name="c")
"""
from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import get_default_graph, register_tensor_conversion_function
from tagraph.engine.framework.op_builder import register_shape, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.framework.tensor_util import make_tensor_proto, to_numpy

__all__ = ["constant"]


def constant(value, dtype=None, shape=None, name="Const"):
    """A Const op holding ``value`` (broadcast to ``shape`` when given)."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    arr = to_numpy(value, dtype)
    dt = dtype or dtypes.as_dtype(arr.dtype)
    proto = make_tensor_proto(arr, dt, shape)
    op = get_default_graph().create_op("Const", [], {"value": proto, "dtype": dt}, name=name)
    return op.outputs[0]


def _constant_conversion(value, dtype=None, name=None, preferred_dtype=None):
    if dtype is None and preferred_dtype is not None:
        try:
            return constant(value, dtype=preferred_dtype, name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name or "Const")


# Every other Python or numpy value becomes a Const: the last conversion tried.
register_tensor_conversion_function(object, _constant_conversion, priority=1000)


@register_shape("Const")
def _const_shape(op):
    return [TensorShape([d.size for d in op._attrs["value"].tensor.tensor_shape.dim])]


@register_kernel("Const", "CPU")
def _const_cpu(ctx):
    return ctx.attrs["value"]


@register_kernel("Const")
def _const_device(ctx):
    # Off the host, uploaded once per session, then reused: a constant never changes.
    cache = ctx.session_state.op_state
    v = cache.get(ctx.op)
    if v is None:
        value = ctx.attrs["value"]
        v = value if value.dtype == object else ctx.device.backend.upload(value)
        cache[ctx.op] = v
    return v


not_differentiable("Const")
