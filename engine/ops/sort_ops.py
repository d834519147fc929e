"""Sorting: sort and argsort, built on TopKV2 as TensorFlow builds them, and InTopKV2 (``tg.nn.in_top_k``).

``sort`` takes the top ``n`` of the values along the axis (the axis swapped to the end first when it is
not the last); an ascending sort takes the top of the negated values (``-x - 1`` for signed integers,
``max - x`` for unsigned ones, so that every value has a counterpart and equal values keep their order).
The gradient of a sort is TopKV2's. This family builds on nn_ops and nd_indexing_ops.

    tg.sort([3, 1, 2])                          # [1, 2, 3]
    tg.argsort(x, axis=0, direction="DESCENDING")
    hit = tg.nn.in_top_k(logits, labels, k=5)
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.nd_indexing_ops import tensor_scatter_nd_update
from tagraph.engine.ops.nn_ops import top_k
from tagraph.engine.ops.op_util import dbg, gen1, invalid, is_tensor_like

__all__ = ["sort", "argsort", "in_top_k"]


# --- sort and argsort ---------------------------------------------------------------------------------

def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis`` (a constant; the last by default), ``"ASCENDING"`` or
    ``"DESCENDING"``."""
    return _in_scope(name or "sort", values, axis, direction, False)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort ``values`` along ``axis`` (equal values keep their order, whatever
    ``stable`` says, as in TensorFlow)."""
    del stable
    return _in_scope(name or "argsort", values, axis, direction, True)


def _in_scope(scope, values, axis, direction, return_argsort):
    tensors = [v for v in (values, axis) if is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(scope):
        if direction not in _SORT_IMPL:
            raise ValueError("Argument `direction` should be one of %s. Received: direction=%s"
                             % (", ".join(sorted(_SORT_IMPL)), direction))
        axis = convert_to_tensor(axis, name="axis")
        axis_static = constant_value(axis)
        if axis.shape.rank not in (None, 0) or axis_static is None:
            raise ValueError("Argument `axis` must be a constant scalar. Received: axis=%s." % (axis,))
        values = convert_to_tensor(values, name="values")
        return _SORT_IMPL[direction](values, int(axis_static), return_argsort)


def _descending_sort(values, axis, return_argsort=False):
    k = array_ops.shape(values)[axis]
    rank = array_ops.rank(values)
    static_rank = values.shape.rank
    if axis == -1 or axis + 1 == static_rank:
        top_k_input, transposition = values, None
    else:
        # Swap ``axis`` with the last one (an involution: the same permutation swaps them back).
        if axis < 0:
            axis += static_rank if static_rank else rank
        if static_rank is not None:
            transposition = constant(np.r_[np.arange(axis), [static_rank - 1], np.arange(axis + 1, static_rank - 1),
                                           [axis]].astype(np.int32), name="transposition")
        else:
            last = math_ops.subtract(rank, 1)
            transposition = tensor_scatter_nd_update(math_ops.range(rank), [[axis], [last]], [last, axis])
        top_k_input = array_ops.transpose(values, transposition)
    sorted_values, indices = top_k(top_k_input, k)
    result = indices if return_argsort else sorted_values
    if transposition is not None:
        result = array_ops.transpose(result, transposition)
    return result


def _ascending_sort(values, axis, return_argsort=False):
    dtype = values.dtype.base_dtype
    if dtype.is_unsigned:
        offset = dtype.max
        result = _descending_sort(math_ops.subtract(offset, values), axis, return_argsort)
        return result if return_argsort else math_ops.subtract(offset, result)
    if dtype.is_integer:
        # -x - 1 maps the lowest value to the highest, so that negation cannot overflow it.
        result = _descending_sort(math_ops.subtract(math_ops.negative(values), 1), axis, return_argsort)
        return result if return_argsort else math_ops.subtract(math_ops.negative(result), 1)
    result = _descending_sort(math_ops.negative(values), axis, return_argsort)
    return result if return_argsort else math_ops.negative(result)


_SORT_IMPL = {"ASCENDING": _ascending_sort, "DESCENDING": _descending_sort}


# --- InTopKV2 -----------------------------------------------------------------------------------------

@register_kernel("InTopKV2", host_inputs=(2,))
def _in_top_k(ctx, predictions, targets, k):
    xp = ctx.xp
    if np.ndim(k) != 0:
        raise invalid("k must be 0-D, got shape %s", dbg(np.shape(k)))
    if predictions.ndim != 2:
        raise invalid("predictions must be 2-dimensional")
    if targets.ndim != 1:
        raise invalid("targets must be 1-dimensional")
    if predictions.shape[0] != targets.shape[0]:
        raise invalid("First dimension of predictions %d must match length of targets %d", predictions.shape[0],
                      targets.shape[0])
    k = int(np.asarray(k))
    n_classes = predictions.shape[1]
    t = targets.astype(np.int64)
    # A target outside the classes, or whose prediction is not finite, is never in the top k.
    valid = (t >= 0) & (t < n_classes)
    if not predictions.shape[0] or not n_classes:
        return xp.zeros(predictions.shape[0], dtype=bool)
    target_pred = xp.take_along_axis(predictions, xp.where(valid, t, 0)[:, None], axis=1)
    ahead = (predictions > target_pred).sum(axis=1)
    return valid & xp.isfinite(target_pred[:, 0]) & (ahead < k)


@register_shape("InTopKV2")
def _in_top_k_shape(op):
    p, t, k = (x.shape for x in op.inputs)
    for s, want, what in ((p, 2, "predictions"), (t, 1, "targets"), (k, 0, "k")):
        if s.rank is not None and s.rank != want:
            raise ValueError("Shape must be rank %d but is rank %d for '%s'" % (want, s.rank, what))
    batch = p.dims[0] if p.rank is not None else None
    n = t.dims[0] if t.rank is not None else None
    if batch is not None and n is not None and batch != n:
        raise ValueError("Dimensions must be equal, but are %d and %d" % (batch, n))
    return [TensorShape([batch if batch is not None else n])]


def in_top_k(predictions, targets, k, name=None):
    """Whether each target's prediction is among the ``k`` largest of its row (InTopKV2); ties at the
    k-th place all count as in, and a non-finite prediction or a target outside the classes as out."""
    tensors = [v for v in (predictions, targets, k) if is_tensor_like(v)]
    g = _graph_of(tensors) if tensors else get_default_graph()
    with g.as_default(), g.name_scope(name or "in_top_k"):
        return gen1("InTopKV2", [predictions, targets, k], None, name, "InTopKV2")


not_differentiable("InTopKV2")
