"""Segment reductions: SegmentSum/Mean/Max/Min/Prod (sorted segment ids along the first dimension) and
UnsortedSegmentSum/Max/Min/Prod (ids shaped like a prefix of the data's shape, in any order, negative ids
dropped), with unsorted_segment_mean and unsorted_segment_sqrt_n built from them as TensorFlow builds them.

Each op's kernel, shape function, gradient and Python constructor live together. The kernels check the ids
as TensorFlow's CPU kernels do, on every device. Sums accumulate with ``add.at``; maxima, minima and
products sort the rows by segment and combine neighbours in log2(longest segment) vectorized steps (a
segmented scan), since CuPy's ``ufunc.at`` has no multiply. An empty segment gives 0 in the sorted ops
(1 for a product); in the unsorted ones the reduction's identity: the lowest or highest finite value,
1, or 0. This family builds on indexing_ops, joining_ops and slicing_ops.

    tg.segment_sum([[1, 2], [3, 4], [5, 6]], [0, 0, 1])            # [[4, 6], [5, 6]]
    tg.unsorted_segment_max(x, ids, num_segments=10)
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.comparison_ops import equal, greater, greater_equal, logical_and
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.op_util import dbg, f16_acc, gen1, host_ints, invalid

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod", "unsorted_segment_sum",
           "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_mean",
           "unsorted_segment_sqrt_n"]


# --- reducing rows grouped by segment ------------------------------------------------------------------

def _identity(kind, dtype):
    if kind == "prod":
        return 1
    if kind in ("max", "min") and np.dtype(dtype).kind in "iuf":
        info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
        return info.min if kind == "max" else info.max
    return 0


def _reduce_rows(xp, kind, rows, ids, n):
    """``rows`` ([N, ...]) reduced by ``kind`` into ``n`` segments by ``ids`` ([N] int64 in [0, n)); an
    empty segment holds the reduction's identity. Returns (result, rows per segment)."""
    inner = tuple(rows.shape[1:])
    counts = xp.bincount(ids, minlength=n) if ids.size else xp.zeros(n, np.int64)
    if kind in ("sum", "mean"):
        acc = f16_acc(rows)
        out = xp.zeros((n,) + inner, dtype=acc or rows.dtype)
        xp.add.at(out, ids, rows.astype(acc) if acc else rows)
        if kind == "mean":
            c = xp.maximum(counts, 1).reshape((n,) + (1,) * len(inner))
            if out.dtype.kind in "iu":
                # C++ integer division truncates toward zero.
                out = xp.sign(out) * (xp.abs(out) // c)
            else:
                out = out / c.astype(out.dtype)
        return out.astype(rows.dtype), counts
    out = xp.full((n,) + inner, _identity(kind, rows.dtype), dtype=rows.dtype)
    if not ids.size:
        return out, counts
    order = xp.argsort(ids, kind="stable")
    seg, vals = ids[order], rows[order]
    fn = {"max": xp.maximum, "min": xp.minimum, "prod": xp.multiply}[kind]
    longest, step = int(counts.max()), 1
    while step < longest:
        # Hillis-Steele: each row takes in the row ``step`` places before it when that is of its segment.
        same = (seg[step:] == seg[:-step]).reshape((-1,) + (1,) * len(inner))
        combined = xp.where(same, fn(vals[step:], vals[:-step]), vals[step:])
        vals = xp.concatenate([vals[:step], combined.astype(vals.dtype)])
        step *= 2
    last = xp.concatenate([seg[1:] != seg[:-1], xp.ones(1, dtype=bool)])
    out[seg[last]] = vals[last]
    return out, counts


def _sorted_segment(kind):
    def kernel(ctx, data, segment_ids):
        xp = ctx.xp
        if data.ndim < 1:
            raise invalid("input must be at least rank 1")
        if segment_ids.ndim != 1:
            raise invalid("segment_ids should be a vector.")
        if segment_ids.shape[0] != data.shape[0]:
            raise invalid("segment_ids should be the same size as dimension 0 of input.")
        ids = segment_ids.astype(np.int64)
        n = int(ids[-1]) + 1 if ids.size else 0
        if ids.size:
            bad = (ids < 0) | (ids >= n)
            if bool(bad.any()):
                raise invalid("Segment id %d out of range [0, %d), possibly because 'segment_ids' input is not "
                              "sorted.", int(ids[int(xp.argmax(bad))]), n)
            if bool((ids[1:] < ids[:-1]).any()):
                raise invalid("segment ids are not increasing")
        out, counts = _reduce_rows(xp, kind, data, ids, n)
        if kind in ("max", "min"):
            # TensorFlow's sorted reductions leave an empty segment 0, not the identity.
            empty = (counts == 0).reshape((n,) + (1,) * (data.ndim - 1))
            out = xp.where(empty, xp.zeros((), dtype=out.dtype), out)
        return out
    return kernel


@register_shape("SegmentSum", "SegmentMean", "SegmentMax", "SegmentMin", "SegmentProd")
def _sorted_segment_shape(op):
    d, i = op.inputs[0].shape, op.inputs[1].shape
    if d.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'data'")
    if i.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d for 'segment_ids'" % i.rank)
    # As TensorFlow's: the number of segments is the last id, known only when the op runs.
    return [unknown_shape() if d.rank is None else TensorShape([None] + d.dims[1:])]


def _unsorted_segment(kind):
    def kernel(ctx, data, segment_ids, num_segments):
        xp = ctx.xp
        if np.ndim(num_segments) != 0:
            raise invalid("num_segments should be a scalar, not shape %s", dbg(np.shape(num_segments)))
        n = host_ints(num_segments)[0]
        if n < 0:
            raise invalid("Input num_segments == %d must not be negative.", n)
        if tuple(data.shape[:segment_ids.ndim]) != tuple(segment_ids.shape):
            raise invalid("data.shape = %s does not start with segment_ids.shape = %s", dbg(data.shape),
                          dbg(segment_ids.shape))
        ids = segment_ids.reshape(-1).astype(np.int64)
        rows = data.reshape((ids.shape[0],) + tuple(data.shape[segment_ids.ndim:]))
        if ids.size:
            bad = ids >= n
            if bool(bad.any()):
                pos = int(xp.argmax(bad))
                where = ",".join(str(int(i)) for i in np.unravel_index(pos, segment_ids.shape))
                raise invalid("segment_ids[%s] = %d is out of range [0, %d)", where, int(ids[pos]), n)
            keep = ids >= 0      # negative ids are dropped, as TensorFlow's kernels do
            if not bool(keep.all()):
                ids, rows = ids[keep], rows[keep]
        return _reduce_rows(xp, kind, rows, ids, n)[0]
    return kernel


@register_shape("UnsortedSegmentSum", "UnsortedSegmentMax", "UnsortedSegmentMin", "UnsortedSegmentProd")
def _unsorted_segment_shape(op):
    d, i, n = (t.shape for t in op.inputs)
    if n.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for 'num_segments'" % n.rank)
    if d.rank is not None and i.rank is not None:
        if i.rank > d.rank:
            raise ValueError("Shape must be at least rank %d but is rank %d for 'data'" % (i.rank, d.rank))
        for a, b in zip(d.dims, i.dims):
            if a is not None and b is not None and a != b:
                raise ValueError("Dimensions must be equal, but are %d and %d" % (a, b))
    value = constant_value(op.inputs[2])
    if d.rank is None or i.rank is None:
        return [unknown_shape()]
    return [TensorShape([None if value is None else int(value)] + d.dims[i.rank:])]


for _kind in ("sum", "mean", "max", "min", "prod"):
    register_kernel("Segment" + _kind.capitalize())(_sorted_segment(_kind))
for _kind in ("sum", "max", "min", "prod"):
    register_kernel("UnsortedSegment" + _kind.capitalize(), host_inputs=(2,))(_unsorted_segment(_kind))


# --- constructors -------------------------------------------------------------------------------------

def _sorted_fn(op_type, what):
    def build(data, segment_ids, name=None):
        return gen1(op_type, [data, segment_ids], None, name, op_type)
    build.__name__ = "segment_" + op_type[len("Segment"):].lower()
    build.__doc__ = ("The %s of the rows of ``data`` in each segment: ``segment_ids`` (sorted, one per row) "
                     "numbers the segments from 0 (%s)." % (what, op_type))
    return build


def _unsorted_fn(op_type, what):
    def build(data, segment_ids, num_segments, name=None):
        return gen1(op_type, [data, segment_ids, num_segments], None, name, op_type)
    build.__name__ = "unsorted_segment_" + op_type[len("UnsortedSegment"):].lower()
    build.__doc__ = ("The %s of the entries of ``data`` in each of ``num_segments`` segments, by "
                     "``segment_ids`` (shaped like a prefix of data's shape, any order; negative ids are "
                     "dropped) (%s)." % (what, op_type))
    return build


segment_sum = _sorted_fn("SegmentSum", "sum")
segment_mean = _sorted_fn("SegmentMean", "mean")
segment_max = _sorted_fn("SegmentMax", "maximum")
segment_min = _sorted_fn("SegmentMin", "minimum")
segment_prod = _sorted_fn("SegmentProd", "product")
unsorted_segment_sum = _unsorted_fn("UnsortedSegmentSum", "sum")
unsorted_segment_max = _unsorted_fn("UnsortedSegmentMax", "maximum")
unsorted_segment_min = _unsorted_fn("UnsortedSegmentMin", "minimum")
unsorted_segment_prod = _unsorted_fn("UnsortedSegmentProd", "product")


def _unsorted_segment_n(data, segment_ids, num_segments):
    """The number of entries in each segment, at least 1, shaped to broadcast against the sums."""
    num_segments = convert_to_tensor(num_segments)
    ones_tensor = array_ops.ones(array_ops.shape(segment_ids), dtype=data.dtype.base_dtype)
    n = unsorted_segment_sum(ones_tensor, segment_ids, num_segments)
    extra_rank = math_ops.subtract(array_ops.rank(data), array_ops.rank(segment_ids))
    broadcastable_shape = concat([num_segments[None],
                                  array_ops.ones(extra_rank[None], dtype=num_segments.dtype.base_dtype)], axis=0)
    n = array_ops.reshape(n, broadcastable_shape)
    if data.shape.rank is not None and segment_ids.shape.rank is not None:
        # What TensorFlow's shape inference gets by evaluating the small shape computation above.
        count = constant_value(num_segments)
        n.set_shape([None if count is None else int(count)] + [1] * (data.shape.rank - segment_ids.shape.rank))
    return math_ops.maximum(n, 1)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of each segment's entries (0 for an empty one): unsorted_segment_sum divided by the count."""
    g = _graph_of([data, segment_ids, num_segments])
    with g.as_default(), g.name_scope(name or "UnsortedSegmentMean"):
        data, segment_ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        n = _unsorted_segment_n(data, segment_ids, num_segments)
        return math_ops.realdiv(unsorted_segment_sum(data, segment_ids, num_segments), n)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Each segment's sum divided by the square root of its number of entries."""
    g = _graph_of([data, segment_ids, num_segments])
    with g.as_default(), g.name_scope(name or "UnsortedSegmentSqrtN"):
        data, segment_ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        n = _unsorted_segment_n(data, segment_ids, num_segments)
        return math_ops.realdiv(unsorted_segment_sum(data, segment_ids, num_segments), math_ops.sqrt(n))


# --- gradients (TensorFlow's math_grad.py) -------------------------------------------------------------

@register_gradient("SegmentSum")
def _segment_sum_grad(op, grad):
    return [gather(grad, op.inputs[1]), None]


@register_gradient("SegmentMean")
def _segment_mean_grad(op, grad):
    data_rank = array_ops.rank(op.inputs[0])
    segment_ids_shape = array_ops.shape(op.inputs[1])
    remaining_shape = array_ops.ones(array_ops.expand_dims(math_ops.subtract(data_rank, 1), 0),
                                     dtype=segment_ids_shape.dtype.base_dtype)
    ones_shape = concat([segment_ids_shape, remaining_shape], 0)
    ones = array_ops.ones(ones_shape, dtype=grad.dtype.base_dtype)
    scaled_grad = math_ops.divide(grad, segment_sum(ones, op.inputs[1]))
    return [gather(scaled_grad, op.inputs[1]), None]


@register_gradient("SegmentMin", "SegmentMax")
def _segment_min_or_max_grad(op, grad):
    # The gradient goes to the selected entries, shared equally between ties.
    zeros = array_ops.zeros_like(op.inputs[0], dtype=op.inputs[0].dtype.base_dtype)
    gathered_outputs = gather(op.outputs[0], op.inputs[1])
    is_selected = equal(op.inputs[0], gathered_outputs)
    num_selected = segment_sum(math_ops.cast(is_selected, grad.dtype.base_dtype), op.inputs[1])
    weighted_grads = math_ops.divide(grad, num_selected)
    gathered_grads = gather(weighted_grads, op.inputs[1])
    return [math_ops.where_v2(is_selected, gathered_grads, zeros), None]


@register_gradient("SegmentProd")
def _segment_prod_grad(op, grad):
    # The product of the other entries of the segment: the product over the entry where that is not 0;
    # with one zero in the segment only that entry gets the product of the rest; with two, none gets any.
    data, segment_ids = op.inputs
    is_zero = equal(data, 0)
    num_zeros = segment_sum(math_ops.cast(is_zero, dtypes.int32), segment_ids)
    grad = math_ops.where_v2(greater(num_zeros, 1), array_ops.zeros_like(grad), grad)
    non_zero_data = math_ops.where_v2(is_zero, array_ops.ones_like(data), data)
    non_zero_prod = segment_prod(non_zero_data, segment_ids)
    gathered_prod = gather(op.outputs[0], segment_ids)
    gathered_non_zero_prod = gather(non_zero_prod, segment_ids)
    prod_divided_by_el = math_ops.realdiv(gathered_prod, non_zero_data)
    partial_derivative = math_ops.where_v2(is_zero, gathered_non_zero_prod, prod_divided_by_el)
    gathered_grad = gather(grad, segment_ids)
    return [math_ops.multiply(gathered_grad, partial_derivative), None]


def _gather_drop_negatives(params, ids, zero_clipped_indices=None, is_positive=None):
    """``params`` gathered at ``ids`` with zeros where an id is negative; also the clipped ids and the
    mask, for reuse."""
    if zero_clipped_indices is None:
        zero_clipped_indices = math_ops.maximum(ids, array_ops.zeros_like(ids))
    gathered = gather(params, zero_clipped_indices)
    if is_positive is None:
        is_positive = greater_equal(ids, 0)
        is_positive_shape = array_ops.shape(is_positive)
        broadcastable_shape = concat(
            [is_positive_shape, array_ops.ones(math_ops.subtract(array_ops.rank(gathered),
                                                                 array_ops.rank(is_positive))[None],
                                               dtype=is_positive_shape.dtype.base_dtype)], axis=0)
        is_positive = array_ops.reshape(is_positive, broadcastable_shape)
        is_positive = logical_and(is_positive, array_ops.ones_like(gathered, dtype=dtypes.bool))
    zero_slice = array_ops.zeros_like(gathered)
    return math_ops.where_v2(is_positive, gathered, zero_slice), zero_clipped_indices, is_positive


@register_gradient("UnsortedSegmentSum")
def _unsorted_segment_sum_grad(op, grad):
    return [_gather_drop_negatives(grad, op.inputs[1])[0], None, None]


@register_gradient("UnsortedSegmentMax", "UnsortedSegmentMin")
def _unsorted_segment_min_or_max_grad(op, grad):
    gathered_outputs, zero_clipped_indices, is_positive = _gather_drop_negatives(op.outputs[0], op.inputs[1])
    is_selected = logical_and(equal(op.inputs[0], gathered_outputs), is_positive)
    num_selected = unsorted_segment_sum(math_ops.cast(is_selected, grad.dtype.base_dtype), op.inputs[1],
                                        op.inputs[2])
    weighted_grads = math_ops.divide(grad, num_selected)
    gathered_grads, _, _ = _gather_drop_negatives(weighted_grads, None, zero_clipped_indices, is_positive)
    zeros = array_ops.zeros_like(gathered_grads)
    return [math_ops.where_v2(is_selected, gathered_grads, zeros), None, None]


@register_gradient("UnsortedSegmentProd")
def _unsorted_segment_prod_grad(op, grad):
    data, segment_ids, num_segments = op.inputs
    is_zero = equal(data, 0)
    num_zeros = unsorted_segment_sum(math_ops.cast(is_zero, dtypes.int32), segment_ids, num_segments)
    grad = math_ops.where_v2(greater(num_zeros, 1), array_ops.zeros_like(grad), grad)
    non_zero_data = math_ops.where_v2(is_zero, array_ops.ones_like(data), data)
    non_zero_prod = unsorted_segment_prod(non_zero_data, segment_ids, num_segments)
    zero_clipped_indices = math_ops.maximum(segment_ids, array_ops.zeros_like(segment_ids))
    gathered_prod = gather(op.outputs[0], zero_clipped_indices)
    gathered_non_zero_prod = gather(non_zero_prod, zero_clipped_indices)
    prod_divided_by_el = math_ops.realdiv(gathered_prod, data)     # inf or nan where an entry is 0
    partial_derivative = math_ops.where_v2(is_zero, gathered_non_zero_prod, prod_divided_by_el)
    gathered_grad = _gather_drop_negatives(grad, segment_ids, zero_clipped_indices)[0]
    return [math_ops.multiply(gathered_grad, partial_derivative), None, None]


del _kind
