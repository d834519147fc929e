"""Bucketize: the index of each value's bucket among sorted boundaries, as TensorFlow's kernel finds it
(``upper_bound``: a value equal to a boundary goes to the bucket above it). ``bucketized_column`` is built on it.

    bucketize(tg.constant([-1.0, 0.0, 2.5]), boundaries=[0.0, 1.0, 2.0])     # [0, 1, 3] (int32)

The boundaries are an attribute of float32s, so values compare with float32 boundaries: in float32, or in
float64 for float64 values, as C++'s usual conversions do. The kernel serves every device kind.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.ops.op_util import gen1, invalid, register_folding

__all__ = ["bucketize"]


def _boundaries(attrs):
    b = np.asarray(attrs.get("boundaries") or [], np.float32)
    if b.size > 1 and bool((b[1:] < b[:-1]).any()):
        raise invalid("Expected sorted boundaries")
    return b


@register_kernel("Bucketize")
def _bucketize(ctx, x):
    xp = ctx.xp
    b = _boundaries(ctx.attrs)
    if x.dtype == np.float64:
        values, b = x, b.astype(np.float64)
    else:
        values = x.astype(np.float32)
    return xp.searchsorted(xp.asarray(b), values.reshape(-1), side="right").astype(np.int32).reshape(x.shape)


register_shape("Bucketize")(common_shapes.unchanged)
not_differentiable("Bucketize")
register_folding("Bucketize")


def bucketize(input, boundaries, name=None):  # noqa: A002 - TensorFlow's argument name
    """The bucket of each value of ``input`` (int32, its shape): ``i`` with ``boundaries[i-1] <= value <
    boundaries[i]`` (TensorFlow's ``math_ops._bucketize``)."""
    return gen1("Bucketize", [input], {"boundaries": [float(v) for v in boundaries]}, name, "Bucketize")
