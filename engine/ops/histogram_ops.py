"""Fixed-width histograms: the HistogramFixedWidth op and ``histogram_fixed_width_bins``, as TensorFlow
computes them.

    tg.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], nbins=5)     # [2, 1, 1, 0, 2]

A value's bin is ``(max(v, lo) - lo) / step`` (the difference in the values' dtype, the division in double,
``step = (hi - lo) / nbins``), truncated, and at most ``nbins - 1``: values below the range count in the
first bin, values at or above its end in the last. NaN values are refused. No gradient.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, clip_ops, math_ops
from tagraph.engine.ops.comparison_ops import greater
from tagraph.engine.ops.image_checks import with_dependencies
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.op_util import invalid

__all__ = ["histogram_fixed_width", "histogram_fixed_width_bins"]


@register_kernel("HistogramFixedWidth", host_inputs=(1, 2))
def _histogram_fixed_width(ctx, values, value_range, nbins):
    xp = ctx.xp
    value_range, nbins = np.asarray(value_range), np.asarray(nbins)
    if value_range.ndim != 1:
        raise invalid("value_range should be a vector.")
    if value_range.size != 2:
        raise invalid("value_range should be a vector of 2 elements.")
    if nbins.ndim != 0:
        raise invalid("nbins should be a scalar.")
    lo, hi, n = value_range[0], value_range[1], int(nbins)
    if not lo < hi:
        raise invalid("value_range should satisfy value_range[0] < value_range[1], but got '[%s, %s]'"
                      % (_num(lo), _num(hi)))
    if n <= 0:
        raise invalid("nbins should be a positive number, but got '%d'" % n)
    flat = values.reshape(-1)
    if flat.dtype.kind == "f" and bool(xp.isnan(flat).any()):
        raise invalid("Histogram values must not contain NaN")
    step = float(hi - lo) / float(n)
    offsets = (xp.maximum(flat, lo) - lo).astype(np.float64)
    bins = xp.minimum(offsets / step, float(n - 1)).astype(np.int32)
    return xp.bincount(bins, minlength=n).astype(ctx.attrs["dtype"].as_numpy_dtype)


def _num(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


@register_shape("HistogramFixedWidth")
def _histogram_fixed_width_shape(op):
    op.inputs[1].shape.with_rank(1)
    op.inputs[2].shape.with_rank(0)
    n = constant_value(op.inputs[2])
    return [TensorShape([None if n is None else int(n)])]


not_differentiable("HistogramFixedWidth")


def _graph(*values):
    tensors = [v for v in values if hasattr(v, "graph")]
    return _graph_of(tensors) if tensors else get_default_graph()


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The counts of ``values`` in ``nbins`` equal bins spanning ``value_range`` ([lo, hi]); values outside
    the range count in the first or last bin. Returns a [nbins] tensor of ``dtype`` (int32 or int64)."""
    g = _graph(values, value_range, nbins)
    with g.as_default(), g.name_scope(name or "histogram_fixed_width") as scope:
        values = convert_to_tensor(values, name="values")
        value_range = convert_to_tensor(value_range, dtype=values.dtype.base_dtype, name="value_range")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        return make_op("HistogramFixedWidth", [values, value_range, nbins], {"dtype": dtypes.as_dtype(dtype)},
                       name=scope)


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin (of ``nbins`` equal bins spanning ``value_range``) each of ``values`` falls in, shaped as
    ``values``: ``floor(nbins * (v - lo) / (hi - lo))`` clipped to [0, nbins - 1] (TensorFlow's ops)."""
    g = _graph(values, value_range, nbins)
    with g.as_default(), g.name_scope(name or "histogram_fixed_width_bins"):
        values = convert_to_tensor(values, name="values")
        shape = array_ops.shape(values)
        values = array_ops.reshape(values, [-1])
        value_range = convert_to_tensor(value_range, name="value_range")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        check = Assert(greater(nbins, 0), ["nbins %s must > 0" % nbins])
        nbins = with_dependencies([check], nbins)
        nbins_float = math_ops.cast(nbins, values.dtype)
        scaled = math_ops.truediv(values - value_range[0], value_range[1] - value_range[0], name="scaled_values")
        indices = math_ops.floor(nbins_float * scaled, name="indices")
        indices = math_ops.cast(clip_ops.clip_by_value(indices, 0, nbins_float - 1), dtypes.int32)
        return array_ops.reshape(indices, shape)
