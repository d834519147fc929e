"""Joining, splitting and permuting sparse tensors: SparseConcat and SparseSplit, with TensorFlow 1's
``sparse_concat``, ``sparse_split``, ``sparse_transpose`` (a gather of the index columns and a reorder)
and ``sparse_mask`` (IndexedSlices without the masked rows).

Both ops run on the host only, as TensorFlow registers them only for the CPU.

    a = tg.SparseTensor([[0, 0]], [1.0], [2, 2]); b = tg.SparseTensor([[1, 1]], [2.0], [2, 3])
    tg.sparse_concat(1, [a, b])                 # indices [[0, 0], [1, 3]], dense_shape [2, 5]
    tg.sparse_split(sp_input=b, num_split=3, axis=1)   # three [2, 1] pieces, the last holding [1, 0]
    tg.sparse_transpose(a)                      # dense_shape [2, 2], indices [[0, 0]]
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import convert_to_tensor, name_scope
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.indexing_ops import gather, setdiff1d
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.op_util import dbg, gen, host_ints, invalid, reduction
from tagraph.engine.ops.parsing_ops import SparseTensor, sparse_reorder
from tagraph.engine.ops.sparse_ops import convert_to_tensor_or_sparse_tensor

__all__ = ["sparse_concat", "sparse_split", "sparse_transpose", "sparse_mask"]

_HOST = host_kind().device_type


# --- SparseConcat ---------------------------------------------------------------------------------------------

@register_kernel("SparseConcat", _HOST)
def _sparse_concat(ctx, *parts):
    n = len(parts) // 3
    inds, vals, shapes = parts[:n], parts[n:2 * n], parts[2 * n:]
    for i in range(n):
        if inds[i].ndim != 2:
            raise invalid("Input indices should be a matrix but received shape %s at position %d",
                          dbg(inds[i].shape), i)
        if vals[i].ndim != 1:
            raise invalid("Input values should be a vector but received shape %s at position %d",
                          dbg(vals[i].shape), i)
        if np.ndim(shapes[i]) != 1:
            raise invalid("Input shapes should be a vector but received shape %s at position %d",
                          dbg(np.shape(shapes[i])), i)
    dims = [host_ints(s) for s in shapes]
    rank = len(dims[0])
    concat_dim_attr = ctx.attrs["concat_dim"]
    concat_dim = concat_dim_attr + rank if concat_dim_attr < 0 else concat_dim_attr
    if concat_dim < 0 or concat_dim >= rank:
        raise invalid("Concat dimension must be in range [%d, %d), got %d", -rank, rank, concat_dim_attr)
    for i in range(1, n):
        if len(dims[i]) != rank:
            raise invalid("Ranks of all input tensors must match: expected %d but got %d at position %d", rank,
                          len(dims[i]), i)
        for d in range(rank):
            if d != concat_dim and dims[i][d] != dims[0][d]:
                raise invalid("Input shapes must match: expected %d for dimension %d but got %d at position %d",
                              dims[0][d], d, dims[i][d], i)
    out_ind, offset = [], 0
    for i in range(n):
        ind = np.array(inds[i], np.int64).reshape(-1, rank)
        ind[:, concat_dim] += offset
        offset += dims[i][concat_dim]
        out_ind.append(ind)
    ind = np.concatenate(out_ind) if out_ind else np.zeros((0, rank), np.int64)
    val = np.concatenate([np.asarray(v) for v in vals])
    out_shape = list(dims[0])
    out_shape[concat_dim] = offset
    if ind.shape[0] > 1:
        order = np.lexsort(ind.T[::-1])
        ind, val = ind[order], val[order]
    return ind, val, np.array(out_shape, np.int64)


@register_shape("SparseConcat")
def _sparse_concat_shape(op):
    n = op.get_attr("N")
    ind_shapes, val_shapes, shape_shapes = op.inputs[:n], op.inputs[n:2 * n], op.inputs[2 * n:]
    rank = None
    for s in shape_shapes:
        if s.shape.rank == 1 and s.shape.dims[0] is not None:
            rank = s.shape.dims[0]
    total = 0
    for v in val_shapes:
        d = v.shape.dims[0] if v.shape.rank == 1 else None
        total = None if total is None or d is None else total + d
    for i in ind_shapes:
        if i.shape.rank is not None and i.shape.rank != 2:
            raise ValueError("Shape must be rank 2 but is rank %d" % i.shape.rank)
    return [TensorShape([total, rank]), TensorShape([total]), TensorShape([rank])]


not_differentiable("SparseConcat")


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=None):
    """The SparseTensors ``sp_inputs`` joined along ``axis`` (their other dimensions must agree, or, with
    ``expand_nonconcat_dim``, the largest is taken).

        tg.sparse_concat(1, [a, b])     # a [2, 2] and b [2, 3] give a [2, 5] SparseTensor
    """
    if concat_dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'concat_dim'")
        axis = concat_dim
    if expand_nonconcat_dims is not None:
        expand_nonconcat_dim = expand_nonconcat_dims
    sp_inputs = [convert_to_tensor_or_sparse_tensor(s) for s in sp_inputs]
    if not all(getattr(type(s), "_tg_sparse_tensor", False) for s in sp_inputs):
        raise TypeError("Inputs must be SparseTensors")
    if len(sp_inputs) == 1:
        return sp_inputs[0]
    inds = [s.indices for s in sp_inputs]
    vals = [s.values for s in sp_inputs]
    shapes = [s.dense_shape for s in sp_inputs]
    if expand_nonconcat_dim:
        max_shape = reduction("Max", concat([array_ops.reshape(s, [1, -1]) for s in shapes], 0), [0])
        shapes = [concat([max_shape[:axis], s[-1:] if axis == -1 else s[axis:axis + 1],
                          [] if axis == -1 else max_shape[axis + 1:]], 0) for s in shapes]
    ind, val, shape = gen("SparseConcat", [inds, vals, shapes], {"concat_dim": axis}, name=name,
                          default_name="SparseConcat").outputs
    input_shapes = [s.get_shape() for s in sp_inputs]
    if all(s.rank is not None for s in input_shapes):
        rank = input_shapes[0].rank
        ax = axis + rank if axis < 0 else axis
        dims = []
        for d in range(rank):
            column = [s.dims[d] for s in input_shapes]
            if d == ax:
                dims.append(None if any(c is None for c in column) else sum(column))
            elif expand_nonconcat_dim:
                dims.append(None if any(c is None for c in column) else max(column))
            else:
                known = [c for c in column if c is not None]
                dims.append(known[0] if known else None)
        static = TensorShape(dims)
    else:
        static = unknown_shape()
    if all(s.is_fully_defined() for s in input_shapes):
        shape = constant(np.array(static.as_list(), np.int64))
    return SparseTensor(ind, val, shape)


# --- SparseSplit ----------------------------------------------------------------------------------------------

def _slice_of(dim, split_size, residual):
    if residual == 0:
        return dim // split_size, dim % split_size
    offset = residual * (split_size + 1)
    big = dim < offset
    return (np.where(big, dim // (split_size + 1), residual + (dim - offset) // max(split_size, 1)),
            np.where(big, dim % (split_size + 1), (dim - offset) % max(split_size, 1)))


@register_kernel("SparseSplit", _HOST)
def _sparse_split(ctx, split_dim, indices, values, shape):
    num_split = ctx.attrs["num_split"]
    if np.size(split_dim) != 1:
        raise invalid("split_dim must be a scalar, got shape %s", dbg(np.shape(split_dim)))
    if indices.ndim != 2:
        raise invalid("Input indices should be a matrix but received shape %s", dbg(indices.shape))
    if values.ndim != 1:
        raise invalid("Input values should be a vector but received shape %s", dbg(values.shape))
    if np.ndim(shape) != 1:
        raise invalid("Input shape should be a vector but received shape %s", dbg(np.shape(shape)))
    dims = host_ints(shape)
    rank = len(dims)
    axis = int(np.asarray(split_dim).reshape(-1)[0])
    if axis < -rank or axis >= rank:
        raise invalid("Input axis should be in range [%d, %d), got %d", -rank, rank, axis)
    axis = axis + rank if axis < 0 else axis
    if num_split < 1 or num_split > dims[axis]:
        raise invalid("Input num_split should be between 1 and the splitting dimension size (%d), got %d",
                      dims[axis], num_split)
    split_size, residual = dims[axis] // num_split, dims[axis] % num_split
    ind = np.asarray(indices, np.int64)
    which, within = _slice_of(ind[:, axis], split_size, residual)
    out_ind, out_val, out_shape = [], [], []
    for s in range(num_split):
        keep = which == s
        piece = ind[keep].copy()
        piece[:, axis] = within[keep]
        out_ind.append(piece)
        out_val.append(values[keep])
        d = list(dims)
        d[axis] = split_size + (1 if s < residual else 0)
        out_shape.append(np.array(d, np.int64))
    return tuple(out_ind + out_val + out_shape)


@register_shape("SparseSplit")
def _sparse_split_shape(op):
    n = op.get_attr("num_split")
    shape = op.inputs[3].shape
    rank = shape.dims[0] if shape.rank == 1 else None
    return [TensorShape([None, rank])] * n + [TensorShape([None])] * n + [TensorShape([rank])] * n


not_differentiable("SparseSplit")


def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None, name=None, split_dim=None):
    """``sp_input`` split along ``axis`` into ``num_split`` SparseTensors (the first ``size % num_split``
    one longer); the arguments go by keyword.

        tg.sparse_split(sp_input=sp, num_split=2, axis=1)
    """
    if keyword_required is not None:
        raise ValueError("Keyword arguments are required for this function.")
    if split_dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'split_dim'")
        axis = split_dim
    if sp_input is None:
        raise ValueError("sp_input is required")
    if num_split is None:
        raise ValueError("num_split is required")
    if axis is None:
        raise ValueError("axis is required")
    sp_input = convert_to_tensor_or_sparse_tensor(sp_input)
    out = gen("SparseSplit", [convert_to_tensor(axis, dtype=dtypes.int64), sp_input.indices, sp_input.values,
                              sp_input.dense_shape], {"num_split": num_split}, name=name,
              default_name="SparseSplit").outputs
    return [SparseTensor(out[i], out[num_split + i], out[2 * num_split + i]) for i in range(num_split)]


# --- sparse_transpose, sparse_mask ------------------------------------------------------------------------------

def sparse_transpose(sp_input, perm=None, name=None):
    """``sp_input`` with its dimensions permuted by ``perm`` (reversed when None), in row-major order.

        tg.sparse_transpose(tg.SparseTensor([[0, 2]], [1.0], [2, 3]))   # indices [[2, 0]], shape [3, 2]
    """
    with name_scope(name, "SparseTranspose"):
        sp_input = convert_to_tensor_or_sparse_tensor(sp_input)
        if perm is None:
            rank = sp_input.get_shape().rank
            if rank is not None:
                perm = (rank - 1) - np.arange(0, rank, 1)
            else:
                rank = array_ops.size(sp_input.dense_shape)
                perm = math_ops.subtract(math_ops.subtract(rank, 1), math_ops.range(0, rank, 1))
        indices = sp_input.indices
        transposed_indices = array_ops.transpose(gather(array_ops.transpose(indices), perm))
        perm_ = constant_value(convert_to_tensor(perm))
        if perm_ is not None and sp_input.get_shape().is_fully_defined():
            old = sp_input.get_shape().as_list()
            transposed_dense_shape = constant(np.array([old[int(p)] for p in np.asarray(perm_).reshape(-1)],
                                                       np.int64))
        else:
            transposed_dense_shape = gather(sp_input.dense_shape, perm)
        return sparse_reorder(SparseTensor(transposed_indices, sp_input.values, transposed_dense_shape))


def sparse_mask(a, mask_indices, name=None):
    """The IndexedSlices ``a`` without the slices whose indices are in ``mask_indices``.

        a = tg.IndexedSlices(values, indices=[12, 26, 37, 45], dense_shape=[1000, 10])
        tg.sparse_mask(a, [12, 45]).indices     # [26, 37]
    """
    with name_scope(name, "sparse_mask") as scope:
        indices = a.indices
        out_indices, to_gather = setdiff1d(indices, mask_indices)
        out_values = gather(a.values, to_gather, name=scope)
        return IndexedSlices(out_values, out_indices, a.dense_shape)

