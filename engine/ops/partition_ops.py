"""Partitioning and stitching: DynamicPartition splits a tensor's rows among N outputs by a partition
number per row; DynamicStitch and ParallelDynamicStitch interleave the rows of several tensors back into
one by index. A partitioned embedding lookup uses both (``tg.nn.embedding_lookup`` with several params).

Each op's kernel, shape function, gradient and Python constructor live together, with TensorFlow's checks
and messages; the kernels index with the array namespace, so they serve every device kind.

    parts = tg.dynamic_partition(x, [0, 1, 0], 2)              # rows 0 and 2, then row 1
    tg.dynamic_stitch([[0, 2], [1]], parts)                     # x again
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.array_ops import reshape, shape
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.op_util import dbg, gen, gen1, invalid, reduction
from tagraph.engine.ops.segment_ops import unsorted_segment_sum

__all__ = ["dynamic_partition", "dynamic_stitch", "parallel_dynamic_stitch"]


# --- DynamicPartition ----------------------------------------------------------------------------------

@register_kernel("DynamicPartition")
def _dynamic_partition(ctx, data, partitions):
    xp = ctx.xp
    n = ctx.attrs["num_partitions"]
    if tuple(data.shape[:partitions.ndim]) != tuple(partitions.shape):
        raise invalid("data.shape must start with partitions.shape, got data.shape = %s, partitions.shape = %s",
                      dbg(data.shape), dbg(partitions.shape))
    flat = partitions.reshape(-1)
    if flat.size:
        bad = (flat < 0) | (flat >= n)
        if bool(bad.any()):
            pos = int(xp.argmax(bad))
            where = ",".join(str(int(i)) for i in np.unravel_index(pos, partitions.shape)) if partitions.ndim else ""
            raise invalid("partitions%s = %d is not in [0, %d)", "[%s]" % where if partitions.ndim else "",
                          int(flat[pos]), n)
    rows = data.reshape((flat.shape[0],) + tuple(data.shape[partitions.ndim:]))
    return tuple(rows[flat == p] for p in range(n))


@register_shape("DynamicPartition")
def _dynamic_partition_shape(op):
    d, p = op.inputs[0].shape, op.inputs[1].shape
    n = op.get_attr("num_partitions")
    if d.rank is None or p.rank is None:
        return [unknown_shape()] * n
    if not TensorShape(d.dims[:p.rank]).is_compatible_with(p):
        raise ValueError("Dimensions must be equal: data.shape %s must start with partitions.shape %s" % (d, p))
    return [TensorShape([None] + d.dims[p.rank:])] * n


def dynamic_partition(data, partitions, num_partitions, name=None):
    """The rows of ``data`` split into ``num_partitions`` tensors: output ``i`` holds, in order, the rows
    whose ``partitions`` entry is ``i`` (``partitions`` is shaped like a prefix of data's shape)."""
    return list(gen("DynamicPartition", [data, partitions], {"num_partitions": num_partitions}, name,
                    "DynamicPartition").outputs)


@register_gradient("DynamicPartition")
def _dynamic_partition_grad(op, *grads):
    # TensorFlow's: partition the positions the same way and stitch the gradients back by them.
    data, indices = op.inputs
    num_partitions = op.get_attr("num_partitions")
    prefix_shape = shape(indices)
    original_indices = reshape(math_ops.range(reduction("Prod", prefix_shape, [0])), prefix_shape)
    partitioned_indices = dynamic_partition(original_indices, indices, num_partitions)
    reconstructed = parallel_dynamic_stitch(partitioned_indices, list(grads))
    return [reshape(reconstructed, shape(data)), None]


# --- DynamicStitch, ParallelDynamicStitch ----------------------------------------------------------------

def _stitch(ctx, *inputs):
    xp = ctx.xp
    n = len(inputs) // 2
    indices, data = inputs[:n], inputs[n:]
    first = indices[0].ndim
    for m in range(n):
        if tuple(data[m].shape[:indices[m].ndim]) != tuple(indices[m].shape):
            raise invalid("data[%d].shape = %s does not start with indices[%d].shape = %s", m, dbg(data[m].shape),
                          m, dbg(indices[m].shape))
        if m and tuple(data[m].shape[indices[m].ndim:]) != tuple(data[0].shape[first:]):
            raise invalid("Need data[0].shape[%d:] = data[%d].shape[%d:], got data[0].shape = %s, data[%d].shape = "
                          "%s, indices[0].shape = %s, indices[%d].shape = %s", first, m, indices[m].ndim,
                          dbg(data[0].shape), m, dbg(data[m].shape), dbg(indices[0].shape), m, dbg(indices[m].shape))
    flat = [i.reshape(-1).astype(np.int64, copy=False) for i in indices]
    rows = max([int(f.max()) + 1 for f in flat if f.size] + [0])
    for f in flat:
        if f.size and bool((f < 0).any()):
            raise invalid("indices[%d] is out of range", int(xp.argmax(f < 0)))
    inner = tuple(data[0].shape[first:])
    out = xp.zeros((rows,) + inner, dtype=data[0].dtype)
    for f, d in zip(flat, data):
        # Later inputs (and later positions) win where an index repeats, as TensorFlow's CPU kernel.
        out[f] = d.reshape((f.shape[0],) + inner)
    return out


register_kernel("DynamicStitch")(_stitch)
register_kernel("ParallelDynamicStitch")(_stitch)


@register_shape("DynamicStitch", "ParallelDynamicStitch")
def _stitch_shape(op):
    n = len(op.inputs) // 2
    indices, data = op.inputs[:n], op.inputs[n:]
    extra = None
    for i, d in zip(indices, data):
        if i.shape.rank is None or d.shape.rank is None:
            continue
        rest = TensorShape(d.shape.dims[i.shape.rank:])
        if extra is not None and not extra.is_compatible_with(rest):
            raise ValueError("Dimensions of data must match after the indices' dimensions: %s and %s" % (extra, rest))
        extra = rest if extra is None else extra.merge_with(rest)
    values = [constant_value(i) for i in indices]
    rows = None
    if all(v is not None for v in values):
        rows = max([int(np.max(v)) + 1 for v in values if np.size(v)] + [0])
    if extra is None:
        return [unknown_shape()]
    return [TensorShape([rows] + extra.dims)]


def dynamic_stitch(indices, data, name=None):
    """One tensor from the rows of ``data[m]`` placed at ``indices[m]``: ``merged[indices[m][i]] =
    data[m][i]``, a later entry winning where an index repeats; it has ``max(indices) + 1`` rows."""
    return gen1("DynamicStitch", [list(indices), list(data)], None, name, "DynamicStitch")


def parallel_dynamic_stitch(indices, data, name=None):
    """:func:`dynamic_stitch` (ParallelDynamicStitch: which repeated entry wins is not defined)."""
    return gen1("ParallelDynamicStitch", [list(indices), list(data)], None, name, "ParallelDynamicStitch")


@register_gradient("DynamicStitch", "ParallelDynamicStitch")
def _dynamic_stitch_grad(op, grad):
    # TensorFlow's: each data input's gradient is the rows it was stitched into.
    num_values = len(op.inputs) // 2
    inputs = [op.inputs[i] if op.inputs[0].dtype == dtypes.int32 else math_ops.cast(op.inputs[i], dtypes.int32)
              for i in range(num_values)]
    if isinstance(grad, IndexedSlices):
        output_rows = shape(op.outputs[0])[0]
        grad = unsorted_segment_sum(grad.values, grad.indices, output_rows)
    return [None] * num_values + [gather(grad, inp) for inp in inputs]
