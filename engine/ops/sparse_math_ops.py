"""Arithmetic on sparse tensors: SparseTensorDenseMatMul, SparseReduceSum/Max (and their ``Sparse`` forms),
SparseAdd (and SparseAddGrad), SparseTensorDenseAdd, SparseDenseCwiseAdd/Mul/Div, SparseSoftmax and
SparseSparseMaximum/Minimum, with TensorFlow 1's Python functions over them: ``sparse_tensor_dense_matmul``,
``sparse_reduce_sum(_sparse)``, ``sparse_reduce_max(_sparse)``, ``sparse_add``, ``sparse_softmax``,
``sparse_maximum`` and ``sparse_minimum``.

SparseTensorDenseMatMul is written against ``ctx.xp`` and serves every device kind (its dense shape in host
memory), as TensorFlow has it on the GPU too. The others run on the host only, as TensorFlow registers them
only for the CPU: their work is walking and merging index lists, which the placer keeps beside the shapes.

    sp = tg.SparseTensor(indices=[[0, 1], [2, 0]], values=[5.0, 7.0], dense_shape=[3, 2])
    tg.sparse_tensor_dense_matmul(sp, [[1.0], [2.0]])   # [[10], [0], [7]]
    tg.sparse_reduce_sum(sp, axis=1)                     # [5, 0, 7]
    tg.sparse_add(sp, sp).values                         # [10, 14]
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_shape, constant_value
from tagraph.engine.framework.graph import convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.nd_indexing_ops import gather_nd, tensor_scatter_nd_update
from tagraph.engine.ops.op_util import dbg, gen, host_ints, invalid, reduction
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.ops.sparse_ops import _is_sparse, _sparse, convert_to_tensor_or_sparse_tensor

__all__ = ["sparse_tensor_dense_matmul", "sparse_reduce_sum", "sparse_reduce_sum_sparse", "sparse_reduce_max",
           "sparse_reduce_max_sparse", "sparse_add", "sparse_softmax", "sparse_maximum", "sparse_minimum"]

_HOST = host_kind().device_type


def _check_sparse_parts(indices, values, shape, what=""):
    if indices.ndim != 2:
        raise invalid("Input %sindices should be a matrix but received shape: %s", what, dbg(indices.shape))
    if values.ndim != 1:
        raise invalid("Input %svalues should be a vector but received shape: %s", what, dbg(values.shape))
    if np.ndim(shape) != 1:
        raise invalid("Input %sshape should be a vector but received shape: %s", what, dbg(np.shape(shape)))


def _rows(indices):
    """The index rows as Python lists: lists compare lexicographically, as TensorFlow's DimComparator."""
    return np.asarray(indices, np.int64).tolist()


# --- SparseTensorDenseMatMul ---------------------------------------------------------------------------------

@register_kernel("SparseTensorDenseMatMul", host_inputs=(2,))
def _sparse_tensor_dense_matmul(ctx, a_indices, a_values, a_shape, b):
    xp = ctx.xp
    adj_a, adj_b = ctx.attrs.get("adjoint_a", False), ctx.attrs.get("adjoint_b", False)
    if b.ndim != 2:
        raise invalid("Tensor 'b' is not a matrix")
    if np.ndim(a_shape) != 1:
        raise invalid("Tensor 'a_shape' is not a vector")
    if np.size(a_shape) != 2:
        raise invalid("Tensor 'a_shape' must have 2 elements")
    if a_values.ndim != 1:
        raise invalid("Tensor 'a_values' is not a vector")
    if a_indices.ndim != 2:
        raise invalid("Tensor 'a_indices' is not a matrix")
    nnz = a_indices.shape[0]
    if nnz != a_values.shape[0]:
        raise invalid("Number of rows of a_indices does not match number of entries in a_values")
    if a_indices.shape[1] != 2:
        raise invalid("Number of columns of a_indices does not match number of entries in a_shape")
    s0, s1 = host_ints(a_shape)
    outer_left, inner_left = (s1, s0) if adj_a else (s0, s1)
    outer_right, inner_right = (b.shape[0], b.shape[1]) if adj_b else (b.shape[1], b.shape[0])
    if inner_left != inner_right:
        raise invalid("Cannot multiply A and B because inner dimension does not match: %d vs. %d.  Did you forget a "
                      "transpose?  Dimensions of A: [%d, %d).  Dimensions of B: %s", inner_left, inner_right, s0, s1,
                      dbg(b.shape))
    out = xp.zeros((outer_left, outer_right), dtype=b.dtype)
    if not out.size or not nnz or not b.size:
        return out
    m_col, k_col = (1, 0) if adj_a else (0, 1)
    m, k = a_indices[:, m_col].astype(np.int64), a_indices[:, k_col].astype(np.int64)
    bad_k = (k < 0) | (k >= inner_right)
    bad_m = (m < 0) | (m >= outer_left)
    bad = bad_k | bad_m
    if bool(bad.any()):
        i = int(xp.argmax(bad))
        if bool(bad_k[i]):
            raise invalid("k (%d) from index[%d,%d] out of bounds (>=%d)", int(k[i]), i, k_col, inner_right)
        raise invalid("m (%d) from index[%d,%d] out of bounds (>=%d)", int(m[i]), i, m_col, outer_left)
    rhs = b.conj().T if adj_b else b
    vals = a_values.conj() if adj_a else a_values
    xp.add.at(out, m, vals[:, None].astype(b.dtype) * rhs[k])
    return out


@register_shape("SparseTensorDenseMatMul")
def _sparse_tensor_dense_matmul_shape(op):
    _, _, a_shape, b = op.inputs
    a = constant_shape(a_shape)
    if a.rank is None:
        a = TensorShape([None, None])
    elif a.rank != 2:
        raise ValueError("Shape must be rank 2 but is rank %d for 'a_shape'" % a.rank)
    bs = b.shape
    if bs.rank is not None and bs.rank != 2:
        raise ValueError("Shape must be rank 2 but is rank %d for 'b'" % bs.rank)
    bs = bs if bs.rank is not None else TensorShape([None, None])
    adj_a, adj_b = op.get_attr("adjoint_a"), op.get_attr("adjoint_b")
    inner_left, inner_right = a.dims[0 if adj_a else 1], bs.dims[1 if adj_b else 0]
    if inner_left is not None and inner_right is not None and inner_left != inner_right:
        raise ValueError("Dimensions must be equal, but are %d and %d" % (inner_left, inner_right))
    return [TensorShape([a.dims[1 if adj_a else 0], bs.dims[0 if adj_b else 1]])]


@register_gradient("SparseTensorDenseMatMul")
def _sparse_tensor_dense_matmul_grad(op, grad):
    # TensorFlow's sparse_grad.py: B's gradient is A^T (or A) times the incoming gradient; A's values'
    # gradient is each entry's row of the gradient dotted with its row of B.
    a_indices, a_values, a_shape, b = op.inputs
    adj_a, adj_b = op.get_attr("adjoint_a"), op.get_attr("adjoint_b")
    b_grad = gen("SparseTensorDenseMatMul", [a_indices, a_values, a_shape, grad],
                 {"adjoint_a": not adj_a, "adjoint_b": False}).outputs[0]
    if adj_b:
        b_grad = array_ops.transpose(b_grad)
    rows, cols = a_indices[:, 0], a_indices[:, 1]
    parts_a = gather(grad, cols if adj_a else rows)
    parts_b = gather(array_ops.transpose(b) if adj_b else b, rows if adj_a else cols)
    a_values_grad = reduction("Sum", parts_a * parts_b, [1])
    return [None, math_ops.cast(a_values_grad, a_values.dtype.base_dtype), None,
            math_ops.cast(b_grad, b.dtype.base_dtype)]


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The dense product of the rank-2 SparseTensor ``sp_a`` and the matrix ``b`` (either adjoint first);
    a SparseTensor ``b`` with a dense ``sp_a`` is done as the transposed product.

        sp = tg.SparseTensor([[0, 1], [2, 0]], [5.0, 7.0], [3, 2])
        tg.sparse_tensor_dense_matmul(sp, [[1.0], [2.0]])   # [[10], [0], [7]]
    """
    if _is_sparse(b) or type(b).__name__ == "SparseTensorValue":
        if adjoint_a != adjoint_b:
            return array_ops.transpose(sparse_tensor_dense_matmul(b, sp_a, adjoint_a, adjoint_b))
        return array_ops.transpose(sparse_tensor_dense_matmul(b, sp_a, adjoint_a=not adjoint_a,
                                                              adjoint_b=not adjoint_b))
    sp_a = _sparse(sp_a)
    with name_scope(name, "SparseTensorDenseMatMul") as scope:
        b = convert_to_tensor(b, name="b")
        return gen("SparseTensorDenseMatMul", [sp_a.indices, sp_a.values, sp_a.dense_shape, b],
                   {"adjoint_a": adjoint_a, "adjoint_b": adjoint_b}, name=scope).outputs[0]


# --- SparseReduceSum / SparseReduceMax -----------------------------------------------------------------------

def _reduce_groups(indices, values, shape, axes, keep_dims):
    """(group rows in row-major order, the value positions of each group, output dense shape, kept axes)."""
    _check_sparse_parts(indices, values, shape)
    dims = host_ints(shape)
    nd = len(dims)
    if indices.shape[0] != values.shape[0]:
        raise invalid("Number of elements in indices (%d) and values (%d) do not match", indices.shape[0],
                      values.shape[0])
    reduce_axes = set()
    for a in host_ints(axes):
        if a < -nd or a >= nd:
            raise invalid("Invalid reduction dimension %d, for input with %d dimensions.", a, nd)
        reduce_axes.add((a + nd) % nd)
    kept = [d for d in range(nd) if d not in reduce_axes]
    out_shape = [1 if d in reduce_axes else dims[d] for d in range(nd)] if keep_dims else [dims[d] for d in kept]
    keys = np.asarray(indices, np.int64)[:, kept]
    if keys.shape[0] == 0:
        return keys, [], out_shape, kept
    order = np.lexsort(keys.T[::-1]) if kept else np.arange(keys.shape[0])
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)])) \
        if kept else np.array([0])
    groups = np.split(order, starts[1:])
    return sorted_keys[starts], groups, out_shape, kept


def _reduce(values, groups, kind):
    if kind == "Sum":
        return np.array([values[g].sum() for g in groups], dtype=values.dtype)
    return np.array([values[g].max() for g in groups], dtype=values.dtype)


def _sparse_reduce_kernel(kind, sparse_output):
    def kernel(ctx, indices, values, shape, axes):
        keep_dims = ctx.attrs.get("keep_dims", False)
        keys, groups, out_shape, kept = _reduce_groups(indices, values, shape, axes, keep_dims)
        reduced = _reduce(values, groups, kind)
        if keep_dims:
            full = np.zeros((keys.shape[0], len(out_shape)), np.int64)
            full[:, kept] = keys
            keys = full
        if sparse_output:
            return keys.reshape(-1, len(out_shape)), reduced, np.array(out_shape, np.int64)
        out = np.zeros(out_shape, dtype=values.dtype)
        if len(groups) and keys.shape[1]:
            out[tuple(keys.T)] = reduced
        elif len(groups):
            out[...] = reduced[0]     # every axis reduced: one group, the whole output
        return out
    kernel.__name__ = "sparse_reduce_%s%s" % (kind.lower(), "_sparse" if sparse_output else "")
    return kernel


def _sparse_reduce_shape(op):
    shape, axes = constant_value(op.inputs[2]), constant_value(op.inputs[3])
    if shape is None or axes is None:
        return [TensorShape(None)]
    dims = [int(d) for d in np.asarray(shape).reshape(-1)]
    nd = len(dims)
    if not nd:
        raise ValueError("Number of dims in shape tensor must not be 0")
    reduce_axes = {(int(a) + nd) % nd for a in np.asarray(axes).reshape(-1)}
    if op.get_attr("keep_dims"):
        return [TensorShape([1 if d in reduce_axes else dims[d] for d in range(nd)])]
    return [TensorShape([dims[d] for d in range(nd) if d not in reduce_axes])]


def _sparse_reduce_sparse_shape(op):
    return [TensorShape(None)] * 3


for _kind in ("Sum", "Max"):
    register_kernel("SparseReduce" + _kind, _HOST)(_sparse_reduce_kernel(_kind, False))
    register_kernel("SparseReduce" + _kind + "Sparse", _HOST)(_sparse_reduce_kernel(_kind, True))
    register_shape("SparseReduce" + _kind)(_sparse_reduce_shape)
    register_shape("SparseReduce" + _kind + "Sparse")(_sparse_reduce_sparse_shape)
not_differentiable("SparseReduceSumSparse", "SparseReduceMaxSparse")


def _kept_dims_shape(sp_shape, axes):
    """``sp_shape`` with the reduced ``axes`` set to 1 (TensorFlow's math_ops.reduced_shape)."""
    rank = array_ops.size(sp_shape)
    axes = math_ops.floormod(math_ops.add(math_ops.cast(axes, dtypes.int32), rank), rank)
    axes = array_ops.reshape(axes, [-1, 1])
    return tensor_scatter_nd_update(sp_shape, axes, array_ops.ones_like(axes[:, 0], dtype=dtypes.int64))


@register_gradient("SparseReduceSum")
def _sparse_reduce_sum_grad(op, out_grad):
    sp_indices, sp_shape = op.inputs[0], op.inputs[2]
    kept = _kept_dims_shape(sp_shape, op.inputs[3])
    out_grad_reshaped = array_ops.reshape(out_grad, kept)
    scale = math_ops.floordiv(sp_shape, kept)
    return [None, gather_nd(out_grad_reshaped, math_ops.floordiv(sp_indices, scale)), None, None]


def _reduction_axes(sp_input, axis):
    if axis is not None:
        return axis
    rank = sp_input.dense_shape.shape.dims[0] if sp_input.dense_shape.shape.rank == 1 else None
    if rank is not None:
        return constant(np.arange(rank, dtype=np.int32))
    return math_ops.range(0, array_ops.size(sp_input.dense_shape))


def _pick(new, old, new_name, old_name):
    if new is not None and old is not None:
        raise ValueError("Cannot specify both '%s' and '%s'" % (new_name, old_name))
    return new if new is not None else old


def _sparse_reduce(kind, sparse_output, sp_input, axis, keepdims, reduction_axes, keep_dims):
    keepdims = bool(_pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    axis = _pick(axis, reduction_axes, "axis", "reduction_axes")
    sp_input = _sparse(sp_input)
    op_type = "SparseReduce" + kind + ("Sparse" if sparse_output else "")
    out = gen(op_type, [sp_input.indices, sp_input.values, sp_input.dense_shape,
                        convert_to_tensor(_reduction_axes(sp_input, axis), dtype=dtypes.int32)],
              {"keep_dims": keepdims}, default_name=op_type).outputs
    return SparseTensor(*out) if sparse_output else out[0]


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """The sum of a SparseTensor's values along ``axis`` (all axes when None), as a dense tensor.

        tg.sparse_reduce_sum(tg.SparseTensor([[0, 1], [2, 0]], [5.0, 7.0], [3, 2]), axis=1)   # [5, 0, 7]
    """
    return _sparse_reduce("Sum", False, sp_input, axis, keepdims, reduction_axes, keep_dims)


def sparse_reduce_sum_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """:func:`sparse_reduce_sum` as a SparseTensor of the sums that have values."""
    return _sparse_reduce("Sum", True, sp_input, axis, keepdims, reduction_axes, keep_dims)


def sparse_reduce_max(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """The maximum of the values a SparseTensor has along ``axis``, as a dense tensor (0 where it has none).

        tg.sparse_reduce_max(tg.SparseTensor([[0, 0], [0, 1]], [-5.0, -7.0], [2, 2]), axis=1)   # [-5, 0]
    """
    return _sparse_reduce("Max", False, sp_input, axis, keepdims, reduction_axes, keep_dims)


def sparse_reduce_max_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """:func:`sparse_reduce_max` as a SparseTensor of the maxima that have values."""
    return _sparse_reduce("Max", True, sp_input, axis, keepdims, reduction_axes, keep_dims)


# --- SparseAdd, SparseAddGrad, SparseTensorDenseAdd --------------------------------------------------------

def _check_same_shapes(a_shape, b_shape):
    a, b = host_ints(a_shape), host_ints(b_shape)
    if len(a) != len(b):
        raise invalid("Operands do not have the same ranks; got shapes: %s and %s", dbg(a), dbg(b))
    for d, (x, y) in enumerate(zip(a, b)):
        if x != y:
            raise invalid("Operands' shapes do not match: got %d and %d for dimension %d", x, y, d)


def _merge(a_rows, b_rows):
    """TensorFlow's merge of two index lists: (source, position) pairs, 0 for a, 1 for b, 2 for both."""
    i = j = 0
    out = []
    while i < len(a_rows) and j < len(b_rows):
        if a_rows[i] < b_rows[j]:
            out.append((0, i, -1))
            i += 1
        elif a_rows[i] == b_rows[j]:
            out.append((2, i, j))
            i += 1
            j += 1
        else:
            out.append((1, -1, j))
            j += 1
    out.extend((0, k, -1) for k in range(i, len(a_rows)))
    out.extend((1, -1, k) for k in range(j, len(b_rows)))
    return out


@register_kernel("SparseAdd", _HOST)
def _sparse_add(ctx, a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh):
    if a_indices.ndim != 2 or b_indices.ndim != 2:
        raise invalid("Input indices should be matrices but received shapes: %s and %s", dbg(a_indices.shape),
                      dbg(b_indices.shape))
    if a_indices.shape[1] != b_indices.shape[1]:
        raise invalid("Input indices must have the same dimension, got %d and %d", a_indices.shape[1],
                      b_indices.shape[1])
    if a_values.ndim != 1 or b_values.ndim != 1:
        raise invalid("Inputs values should be vectors but received shapes: %s and %s", dbg(a_values.shape),
                      dbg(b_values.shape))
    if a_indices.shape[0] != a_values.shape[0] or b_indices.shape[0] != b_values.shape[0]:
        raise invalid("Expected %d and %d non-empty input values, got %d and %d", a_indices.shape[0],
                      b_indices.shape[0], a_values.shape[0], b_values.shape[0])
    _check_same_shapes(a_shape, b_shape)
    if a_indices.shape[1] != np.size(a_shape) or b_indices.shape[1] != np.size(b_shape):
        raise invalid("Invalid input_shape, got %d and %d dims", np.size(a_shape), np.size(b_shape))
    limit = float(np.asarray(thresh).reshape(-1)[0])
    a_rows, b_rows = _rows(a_indices), _rows(b_indices)
    out_rows, out_vals = [], []
    for src, i, j in _merge(a_rows, b_rows):
        if src == 2:
            s = a_values[i] + b_values[j]
            if limit <= abs(s):
                out_rows.append(a_rows[i])
                out_vals.append(s)
        elif src == 0:
            out_rows.append(a_rows[i])
            out_vals.append(a_values[i])
        else:
            out_rows.append(b_rows[j])
            out_vals.append(b_values[j])
    nd = np.size(a_shape)
    return (np.array(out_rows, np.int64).reshape(len(out_rows), nd), np.array(out_vals, a_values.dtype),
            np.asarray(a_shape, np.int64).copy())


@register_shape("SparseAdd")
def _sparse_add_shape(op):
    rank = op.inputs[0].shape.dims[1] if op.inputs[0].shape.rank == 2 else None
    return [TensorShape([None, rank]), TensorShape([None]), op.inputs[2].shape]


@register_kernel("SparseAddGrad", _HOST)
def _sparse_add_grad_kernel(ctx, backprop_val_grad, a_indices, b_indices, sum_indices):
    if a_indices.ndim != 2 or b_indices.ndim != 2 or sum_indices.ndim != 2:
        raise invalid("Input indices should be matrices but received shapes: %s, %s, %s", dbg(a_indices.shape),
                      dbg(b_indices.shape), dbg(sum_indices.shape))
    if backprop_val_grad.ndim != 1:
        raise invalid("Input backprop_val_grad should be a vector but received shape: %s",
                      dbg(backprop_val_grad.shape))
    if backprop_val_grad.shape[0] != sum_indices.shape[0]:
        raise invalid("Number of elements in backprop_val_grad (%d) and sum_indices (%d) do not match",
                      backprop_val_grad.shape[0], sum_indices.shape[0])
    position = {tuple(r): k for k, r in enumerate(_rows(sum_indices))}
    grads = []
    for idx in (a_indices, b_indices):
        out = np.zeros(idx.shape[0], backprop_val_grad.dtype)
        for i, r in enumerate(_rows(idx)):
            k = position.get(tuple(r))
            if k is not None:
                out[i] = backprop_val_grad[k]
        grads.append(out)
    return tuple(grads)


@register_shape("SparseAddGrad")
def _sparse_add_grad_shape(op):
    a, b = op.inputs[1].shape, op.inputs[2].shape
    return [TensorShape([a.dims[0] if a.rank == 2 else None]), TensorShape([b.dims[0] if b.rank == 2 else None])]


@register_gradient("SparseAdd")
def _sparse_add_gradient(op, *grads):
    val_grad = grads[1]
    a_val_grad, b_val_grad = gen("SparseAddGrad", [val_grad, op.inputs[0], op.inputs[3], op.outputs[0]]).outputs
    a_val_grad.set_shape(op.inputs[1].shape)
    b_val_grad.set_shape(op.inputs[4].shape)
    return [None, a_val_grad, None, None, b_val_grad, None, None]


not_differentiable("SparseAddGrad")


@register_kernel("SparseTensorDenseAdd", _HOST)
def _sparse_tensor_dense_add(ctx, a_indices, a_values, a_shape, b):
    if a_indices.ndim != 2:
        raise invalid("Input a_indices should be a matrix but received shape: %s", dbg(a_indices.shape))
    if a_values.ndim != 1 or np.ndim(a_shape) != 1:
        raise invalid("Inputs a_values and a_shape should be vectors but received shapes: %s and %s",
                      dbg(a_values.shape), dbg(np.shape(a_shape)))
    dims = host_ints(a_shape)
    if len(dims) != b.ndim:
        raise invalid("Two operands have different ranks; received: %d and %d", len(dims), b.ndim)
    for d, (x, y) in enumerate(zip(dims, b.shape)):
        if x != y:
            raise invalid("Dimension %d does not equal (no broadcasting is supported): sparse side %d vs dense "
                          "side %d", d, x, y)
    out = np.array(b, copy=True)
    if a_indices.shape[0]:
        idx = np.asarray(a_indices, np.int64)
        bad = ((idx < 0) | (idx >= np.array(dims, np.int64))).any(axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            raise invalid("Index %d of sparse tensor is out of bounds (dense shape %s): [%s]", i, dbg(dims),
                          ",".join(str(v) for v in idx[i]))
        np.add.at(out, tuple(idx.T), a_values)
    return out


@register_shape("SparseTensorDenseAdd")
def _sparse_tensor_dense_add_shape(op):
    return [op.inputs[3].shape]


@register_gradient("SparseTensorDenseAdd")
def _sparse_tensor_dense_add_grad(op, out_grad):
    return [None, gather_nd(out_grad, op.inputs[0]), None, out_grad]


def sparse_add(a, b, threshold=None, thresh=None):
    """``a + b`` where one or both are SparseTensors: a SparseTensor when both are (sums whose magnitude is
    below ``threshold`` dropped), else a dense tensor.

        sp = tg.SparseTensor([[0, 1]], [5.0], [2, 2])
        tg.sparse_add(sp, sp)                      # SparseTensor: [0, 1] -> 10
        tg.sparse_add(sp, tg.ones([2, 2]))         # [[1, 6], [1, 1]]
    """
    threshold = _pick(threshold, thresh, "threshold", "thresh")
    threshold = 0 if threshold is None else threshold
    is_sparse = [_is_sparse(x) or type(x).__name__ == "SparseTensorValue" for x in (a, b)]
    if not any(is_sparse):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add()?")
    if all(is_sparse):
        a, b = convert_to_tensor_or_sparse_tensor(a), convert_to_tensor_or_sparse_tensor(b)
        thresh_t = convert_to_tensor(threshold, dtype=a.values.dtype.real_dtype.base_dtype
                                     if hasattr(a.values.dtype, "real_dtype") else a.values.dtype.base_dtype,
                                     name="threshold")
        ind, val, shape = gen("SparseAdd", [a.indices, a.values, a.dense_shape, b.indices, b.values, b.dense_shape,
                                            thresh_t], default_name="SparseAdd").outputs
        a_shape, b_shape = a.get_shape(), b.get_shape()
        if not a_shape.is_compatible_with(b_shape):
            raise ValueError("Shapes %s and %s are incompatible" % (a_shape, b_shape))
        static = a_shape.merge_with(b_shape)
        if static.is_fully_defined():
            shape = constant(np.array(static.as_list(), np.int64))
        return SparseTensor(ind, val, shape)
    if is_sparse[1]:
        a, b = b, a
    a = convert_to_tensor_or_sparse_tensor(a)
    return gen("SparseTensorDenseAdd", [a.indices, a.values, a.dense_shape, b],
               default_name="SparseTensorDenseAdd").outputs[0]


# --- SparseDenseCwiseAdd/Mul/Div ----------------------------------------------------------------------------

_CWISE = {"SparseDenseCwiseAdd": np.add, "SparseDenseCwiseMul": np.multiply, "SparseDenseCwiseDiv": np.divide}


def _cwise_kernel(op_type):
    def kernel(ctx, sp_indices, sp_values, sp_shape, dense):
        if sp_indices.ndim != 2:
            raise invalid("Input sp_indices should be a matrix but received shape: %s", dbg(sp_indices.shape))
        if sp_values.ndim != 1 or np.ndim(sp_shape) != 1:
            raise invalid("Inputs sp_values and sp_shape should be vectors but received shapes: %s and %s",
                          dbg(sp_values.shape), dbg(np.shape(sp_shape)))
        dims = host_ints(sp_shape)
        if dense.ndim > len(dims):
            raise invalid("Dense operand's rank (%d) is larger than the sparse operand's rank (%d)",
                          dense.ndim, len(dims))
        try:
            full = np.broadcast_to(dense, dims)
        except ValueError:
            raise invalid("SparseDenseBinaryOpShared broadcasts dense to sparse only; got incompatible shapes: "
                          "[%s] vs. [%s]", ",".join(map(str, dims)), ",".join(map(str, dense.shape))) from None
        picked = full[tuple(np.asarray(sp_indices, np.int64).T)] if sp_indices.shape[0] else \
            np.zeros(0, dense.dtype)
        out = _CWISE[op_type](sp_values, picked)
        if op_type == "SparseDenseCwiseDiv" and np.issubdtype(sp_values.dtype, np.integer):
            out = sp_values // picked
        return out.astype(sp_values.dtype, copy=False)
    kernel.__name__ = op_type
    return kernel


def _cwise_shape(op):
    return [TensorShape([op.inputs[0].shape.dims[0] if op.inputs[0].shape.rank == 2 else None])]


for _op_type in _CWISE:
    register_kernel(_op_type, _HOST)(_cwise_kernel(_op_type))
    register_shape(_op_type)(_cwise_shape)


# --- SparseSoftmax ------------------------------------------------------------------------------------------

@register_kernel("SparseSoftmax", _HOST)
def _sparse_softmax(ctx, sp_indices, sp_values, sp_shape):
    if sp_indices.ndim != 2:
        raise invalid("Input should be a matrix but received shape %s", dbg(sp_indices.shape))
    if sp_values.ndim != 1:
        raise invalid("Input should be a vector but received shape %s", dbg(sp_values.shape))
    dims = host_ints(sp_shape)
    if len(dims) < 2:
        raise invalid("Input should have rank >= 2, but received shape: %s", " ".join(str(d) for d in dims))
    if sp_indices.shape[0] != sp_values.shape[0]:
        raise invalid("Number of elements in indices (%d) and values (%d) do not match", sp_indices.shape[0],
                      sp_values.shape[0])
    n = sp_indices.shape[0]
    out = np.empty(n, sp_values.dtype)
    if not n:
        return out
    idx = np.asarray(sp_indices, np.int64)
    order = np.lexsort(idx.T[::-1])
    lead = idx[order][:, :-1]
    vals = sp_values[order]
    starts = np.flatnonzero(np.concatenate([[True], (lead[1:] != lead[:-1]).any(axis=1)]))
    ends = np.append(starts[1:], n)
    for s, e in zip(starts, ends):
        g = vals[s:e]
        ex = np.exp(g - g.max())
        out[s:e] = ex / ex.sum()
    return out


@register_shape("SparseSoftmax")
def _sparse_softmax_shape(op):
    return [TensorShape([op.inputs[1].shape.dims[0] if op.inputs[1].shape.rank == 1 else None])]


@register_gradient("SparseSoftmax")
def _sparse_softmax_grad(op, grad):
    indices, shape = op.inputs[0], op.inputs[2]
    out_vals = op.outputs[0]
    sum_reduced = math_ops.negative(sparse_reduce_sum(SparseTensor(indices, out_vals * grad, shape), [-1],
                                                      keepdims=True))
    sp_sum = gen("SparseDenseCwiseAdd", [indices, grad, shape, sum_reduced]).outputs[0]
    return [None, sp_sum * out_vals, None]


def sparse_softmax(sp_input, name=None):
    """The softmax of each innermost row of a SparseTensor (rank >= 2) over the values it has; the result
    has the same indices, in row-major order.

        sp = tg.SparseTensor([[0, 0], [0, 2], [1, 1]], [1.0, 1.0, 5.0], [2, 3])
        tg.sparse_softmax(sp).values    # [0.5, 0.5, 1.0]
    """
    sp_input = _sparse(sp_input)
    with name_scope(name, "SparseSoftmax") as scope:
        out = gen("SparseSoftmax", [sp_input.indices, sp_input.values, sp_input.dense_shape],
                  name=scope).outputs[0]
        return SparseTensor(sp_input.indices, out, sp_input.dense_shape)


# --- SparseSparseMaximum / SparseSparseMinimum -------------------------------------------------------------

def _sparse_sparse_kernel(pick):
    def kernel(ctx, a_indices, a_values, a_shape, b_indices, b_values, b_shape):
        for what, ind, val in (("a", a_indices, a_values), ("b", b_indices, b_values)):
            if ind.ndim != 2:
                raise invalid("Inputs %s_indices should be a matrix but received shape: %s", what, dbg(ind.shape))
            if val.ndim != 1:
                raise invalid("Inputs %s_values should be a vector but received shape: %s", what, dbg(val.shape))
            if ind.shape[0] != val.shape[0]:
                raise invalid("Expected %d non-empty input values, got %d", ind.shape[0], val.shape[0])
        _check_same_shapes(a_shape, b_shape)
        a_rows, b_rows = _rows(a_indices), _rows(b_indices)
        zero = a_values.dtype.type(0)
        rows, a_aug, b_aug = [], [], []
        for src, i, j in _merge(a_rows, b_rows):
            rows.append(a_rows[i] if src != 1 else b_rows[j])
            a_aug.append(a_values[i] if src != 1 else zero)
            b_aug.append(b_values[j] if src != 0 else zero)
        out = pick(np.array(a_aug, a_values.dtype), np.array(b_aug, a_values.dtype))
        return np.array(rows, np.int64).reshape(len(rows), np.size(a_shape)), out.astype(a_values.dtype)
    return kernel


def _sparse_sparse_shape(op):
    return [TensorShape([None, None]), TensorShape([None])]


for _op_type, _pick_fn in (("SparseSparseMaximum", np.maximum), ("SparseSparseMinimum", np.minimum)):
    register_kernel(_op_type, _HOST)(_sparse_sparse_kernel(_pick_fn))
    register_shape(_op_type)(_sparse_sparse_shape)
    not_differentiable(_op_type)


def _sparse_sparse(op_type, sp_a, sp_b, name):
    sp_a, sp_b = _sparse(sp_a), _sparse(sp_b)
    with name_scope(name, op_type) as scope:
        ind, val = gen(op_type, [sp_a.indices, sp_a.values, sp_a.dense_shape, sp_b.indices, sp_b.values,
                                 sp_b.dense_shape], name=scope).outputs
    return SparseTensor(ind, val, sp_a.dense_shape)


def sparse_maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one shape (a missing entry counts as zero).

        a = tg.SparseTensor([[0], [1]], [-1.0, 2.0], [3]); b = tg.SparseTensor([[1]], [3.0], [3])
        tg.sparse_maximum(a, b).values     # [0, 3]
    """
    return _sparse_sparse("SparseSparseMaximum", sp_a, sp_b, name)


def sparse_minimum(sp_a, sp_b, name=None):
    """The elementwise minimum of two SparseTensors of one shape (a missing entry counts as zero)."""
    return _sparse_sparse("SparseSparseMinimum", sp_a, sp_b, name)


del _kind, _op_type, _pick_fn
