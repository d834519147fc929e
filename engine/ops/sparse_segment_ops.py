"""Sparse segment reductions: SparseSegmentSum/Mean/SqrtN (and their WithNumSegments forms) reduce the rows
``data[indices[i]]`` into segment ``segment_ids[i]`` (sorted ids), without gathering the rows first; their
gradients are the SparseSegment*Grad ops (dense) or, with ``sparse_gradient``, the SparseSegment*GradV2
ops (an IndexedSlices over the distinct indices), as TensorFlow's. ``embedding_lookup_sparse`` combines
embeddings with them.

Each op's kernel, shape function, gradient and Python constructor live together; the kernels accumulate
with ``add.at`` of the array namespace and serve every device kind.

    tg.sparse_segment_sum(params, [0, 3, 3], [0, 0, 1])     # [params[0] + params[3], params[3]]
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.array_ops import shape
from tagraph.engine.ops.op_util import f16_acc, gen, gen1, host_ints, invalid

__all__ = ["sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n"]

_KINDS = {"Sum": "sum", "Mean": "mean", "SqrtN": "sqrtn"}


def _check_ids(xp, indices, segment_ids):
    if indices.ndim != 1:
        raise invalid("indices should be a vector.")
    if segment_ids.ndim != 1:
        raise invalid("segment_ids should be a vector.")
    if indices.shape[0] != segment_ids.shape[0]:
        raise invalid("segment_ids and indices should have same size.")
    return indices.astype(np.int64, copy=False), segment_ids.astype(np.int64, copy=False)


def _weights(xp, kind, ids, rows, dtype):
    """Each entry's factor: 1, 1/count or 1/sqrt(count) of its segment."""
    if kind == "sum":
        return None
    counts = xp.bincount(ids, minlength=rows).astype(dtype)
    w = 1 / (counts if kind == "mean" else xp.sqrt(counts))
    return w[ids]


def _scaled(rows, w):
    return rows if w is None else rows * w.reshape((-1,) + (1,) * (rows.ndim - 1)).astype(rows.dtype)


def _sparse_segment(kind, with_num):
    def kernel(ctx, data, indices, segment_ids, num_segments=None):
        xp = ctx.xp
        idx, ids = _check_ids(xp, indices, segment_ids)
        n = idx.shape[0]
        last = int(ids[-1]) + 1 if n else 0
        rows = last
        if with_num:
            rows = host_ints(num_segments)[0]
            if rows < last:
                raise invalid("segment ids must be < num_segments")
        if n and int(ids.min()) < 0:
            raise invalid("segment ids must be >= 0")
        if n and bool((ids[1:] < ids[:-1]).any()):
            raise invalid("segment ids are not increasing")
        if n:
            bad = (idx < 0) | (idx >= data.shape[0])
            if bool(bad.any()):
                pos = int(xp.argmax(bad))
                raise invalid("Bad: indices[%d] == %d out of range [0, %d)", pos, int(idx[pos]), data.shape[0])
        acc = f16_acc(data) or data.dtype
        out = xp.zeros((rows,) + tuple(data.shape[1:]), dtype=acc)
        if n:
            xp.add.at(out, ids, data[idx].astype(acc, copy=False))
        if kind != "sum" and rows:
            counts = xp.maximum(xp.bincount(ids, minlength=rows), 1).astype(acc)
            scale = counts if kind == "mean" else xp.sqrt(counts)
            out = out / scale.reshape((-1,) + (1,) * (out.ndim - 1))
        return out.astype(data.dtype, copy=False)
    return kernel


def _sparse_segment_shape(op):
    d = op.inputs[0].shape
    for t, what in ((op.inputs[1], "indices"), (op.inputs[2], "segment_ids")):
        if t.shape.rank not in (None, 1):
            raise ValueError("Shape must be rank 1 but is rank %d for '%s'" % (t.shape.rank, what))
    if d.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'data'")
    rows = None
    if len(op.inputs) == 4:
        value = constant_value(op.inputs[3])
        rows = None if value is None else int(value)
    return [unknown_shape() if d.rank is None else TensorShape([rows] + d.dims[1:])]


def _grad_kernel(kind, v2):
    def kernel(ctx, grad, indices, segment_ids, dim0):
        xp = ctx.xp
        idx, ids = _check_ids(xp, indices, segment_ids)
        rows = host_ints(dim0)[0]
        if idx.size:
            bad = (idx < 0) | (idx >= rows)
            if bool(bad.any()):
                pos = int(xp.argmax(bad))
                raise invalid("Index %d out of range [0, %d)", int(idx[pos]), rows)
            if int(ids.min()) < 0 or int(ids.max()) >= grad.shape[0]:
                raise invalid("Segment id %d out of range [0, %d)", int(ids.max()), grad.shape[0])
        acc = f16_acc(grad) or grad.dtype
        terms = _scaled(grad[ids].astype(acc, copy=False), _weights(xp, kind, ids, grad.shape[0], acc))
        inner = tuple(grad.shape[1:])
        if not v2:
            out = xp.zeros((rows,) + inner, dtype=acc)
            xp.add.at(out, idx, terms)
            return out.astype(grad.dtype, copy=False)
        uniq, inverse = xp.unique(idx, return_inverse=True)
        out = xp.zeros((uniq.shape[0],) + inner, dtype=acc)
        xp.add.at(out, inverse.reshape(-1), terms)
        return out.astype(grad.dtype, copy=False), uniq.astype(indices.dtype)
    return kernel


@register_shape("SparseSegmentSumGrad", "SparseSegmentMeanGrad", "SparseSegmentSqrtNGrad")
def _grad_shape(op):
    g = op.inputs[0].shape
    value = constant_value(op.inputs[3])
    return [unknown_shape() if g.rank is None else TensorShape([None if value is None else int(value)] + g.dims[1:])]


@register_shape("SparseSegmentSumGradV2", "SparseSegmentMeanGradV2", "SparseSegmentSqrtNGradV2")
def _grad_v2_shape(op):
    g = op.inputs[0].shape
    return [unknown_shape() if g.rank is None else TensorShape([None] + g.dims[1:]), TensorShape([None])]


for _op, _kind in _KINDS.items():
    register_kernel("SparseSegment" + _op)(_sparse_segment(_kind, False))
    register_kernel("SparseSegment" + _op + "WithNumSegments", host_inputs=(3,))(_sparse_segment(_kind, True))
    register_shape("SparseSegment" + _op, "SparseSegment" + _op + "WithNumSegments")(_sparse_segment_shape)
    register_kernel("SparseSegment" + _op + "Grad", host_inputs=(3,))(_grad_kernel(_kind, False))
    register_kernel("SparseSegment" + _op + "GradV2", host_inputs=(3,))(_grad_kernel(_kind, True))


def _fn(op):
    def build(data, indices, segment_ids, name=None, num_segments=None, sparse_gradient=False):
        attrs = {"sparse_gradient": sparse_gradient}
        if num_segments is not None:
            return gen1("SparseSegment%sWithNumSegments" % op, [data, indices, segment_ids, num_segments], attrs,
                        name, "SparseSegment%sWithNumSegments" % op)
        return gen1("SparseSegment" + op, [data, indices, segment_ids], attrs, name, "SparseSegment" + op)
    build.__name__ = "sparse_segment_" + _KINDS[op].replace("sqrtn", "sqrt_n")
    build.__doc__ = ("The %s of the rows ``data[indices[i]]`` in each segment ``segment_ids[i]`` (sorted), "
                     "``num_segments`` segments when given (SparseSegment%s); with ``sparse_gradient`` the "
                     "gradient of ``data`` is an IndexedSlices." % (_KINDS[op], op))
    return build


sparse_segment_sum = _fn("Sum")
sparse_segment_mean = _fn("Mean")
sparse_segment_sqrt_n = _fn("SqrtN")


def _register_gradient(op, extra_inputs):
    @register_gradient("SparseSegment" + op + ("WithNumSegments" if extra_inputs else ""))
    def grad_fn(op_, grad):
        data, indices, segment_ids = op_.inputs[:3]
        nones = [None] * (2 + extra_inputs)
        if op_.get_attr("sparse_gradient"):
            data_shape = shape(data)
            values, unique_indices = gen("SparseSegment%sGradV2" % op, [grad, indices, segment_ids, data_shape[0]],
                                         None, None, "SparseSegment%sGradV2" % op).outputs
            return [IndexedSlices(values, unique_indices, data_shape)] + nones
        dim0 = shape(data)[0]
        return [gen1("SparseSegment%sGrad" % op, [grad, indices, segment_ids, dim0], None, None,
                     "SparseSegment%sGrad" % op)] + nones
    return grad_fn


for _op in _KINDS:
    _register_gradient(_op, 0)
    _register_gradient(_op, 1)

del _op, _kind
