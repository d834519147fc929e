"""Sparse tensors' ops: SparseReshape, SparseFillEmptyRows (and its gradient op), SparseToDense, SparseSlice
(and its gradient op), with TensorFlow 1's Python functions over them: ``sparse_reshape``, ``sparse_retain``,
``sparse_fill_empty_rows``, ``sparse_tensor_to_dense``, ``sparse_to_dense``, ``sparse_slice`` and
``sparse_merge``. Feature columns and ``safe_embedding_lookup_sparse`` are built from them.

Each op's kernel, shape function, gradient and Python constructor live together. SparseReshape,
SparseFillEmptyRows and SparseToDense are written against ``ctx.xp`` and serve every device kind (their
shape arguments in host memory, as TensorFlow's GPU kernels keep them); SparseSlice runs on the host.

    sp = tg.SparseTensor(indices=[[0, 1], [2, 0]], values=[5, 7], dense_shape=[3, 2])
    tg.sparse_tensor_to_dense(sp)                       # [[0, 5], [0, 0], [7, 0]]
    filled, empty = tg.sparse_fill_empty_rows(sp, -1)   # row 1 gets [1, 0] -> -1; empty = [F, T, F]
    tg.sparse_reshape(sp, [-1])                         # indices [[1], [4]], dense_shape [6]
"""
import numpy as np

from tagraph.devices.kernel_registry import get_kernel, register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape, constant_value, register_constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.nd_indexing_ops import gather_nd
from tagraph.engine.ops.op_util import FOLD_LIMIT, dbg, gen, host_ints, invalid, kernel_context, reduction
from tagraph.engine.ops.parsing_ops import SparseTensor, SparseTensorValue, sparse_reorder

__all__ = ["sparse_reshape", "sparse_retain", "sparse_fill_empty_rows", "sparse_tensor_to_dense", "sparse_to_dense",
           "sparse_slice", "sparse_merge", "convert_to_tensor_or_sparse_tensor"]


def _is_sparse(x):
    return getattr(type(x), "_tg_sparse_tensor", False)


def convert_to_tensor_or_sparse_tensor(value, dtype=None, name=None):
    """``value`` as a SparseTensor when it is one (or a SparseTensorValue), else as a Tensor."""
    if isinstance(value, SparseTensorValue):
        return SparseTensor.from_value(value)
    if _is_sparse(value):
        if dtype is not None and value.dtype.base_dtype != dtypes.as_dtype(dtype).base_dtype:
            raise ValueError("Sparse dtype mismatch. Requested: %s,  Actual: %s" % (dtypes.as_dtype(dtype).name,
                                                                                   value.dtype.name))
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def fold_sparse_op(tensor):
    """The value of an output of a sparse op whose inputs are all known while building (strings included), by
    its host kernel; TensorFlow's shape refiner evaluates such small constant subgraphs too, so static shapes
    downstream (a reshape to a SparseTensor's dense shape) come out as TensorFlow's."""
    op = tensor.op
    kernel = get_kernel(op.type, host_kind().device_type)
    if kernel is None:
        return None
    values = []
    for t in op.inputs:
        v = constant_value(t)
        if v is None or np.size(v) > FOLD_LIMIT:
            return None
        values.append(np.asarray(v))
    try:
        with np.errstate(all="ignore"):
            out = kernel(kernel_context(op), *values)
    except (errors.OpError, ValueError, TypeError, IndexError):
        return None
    out = np.asarray(out[tensor.value_index] if isinstance(out, tuple) else out)
    return None if out.size > FOLD_LIMIT else out


def _sparse(sp_input):
    sp = convert_to_tensor_or_sparse_tensor(sp_input)
    if not _is_sparse(sp):
        raise TypeError("Input must be a SparseTensor.")
    return sp


# --- SparseReshape -----------------------------------------------------------------------------------------

@register_kernel("SparseReshape", host_inputs=(1, 2), host_outputs=(1,))
def _sparse_reshape(ctx, indices, input_shape, new_shape):
    xp = ctx.xp
    if indices.ndim != 2:
        raise invalid("Input indices should be a matrix but received shape %s", dbg(indices.shape))
    if np.ndim(input_shape) != 1:
        raise invalid("Input shape should be a vector but received shape %s", dbg(np.shape(input_shape)))
    if np.ndim(new_shape) != 1:
        raise invalid("Target shape should be a vector but received shape %s", dbg(np.shape(new_shape)))
    if indices.shape[1] != input_shape.shape[0]:
        raise invalid("Input tensor rank must match input shape length.")
    in_dims = host_ints(input_shape)
    if any(d < 0 for d in in_dims):
        raise invalid("Dimension %d must be >= 0", min(in_dims))
    dense_size = int(np.prod(in_dims, dtype=np.int64))
    out_dims, product, unknown = [], 1, -1
    for d, size in enumerate(host_ints(new_shape)):
        if size == -1:
            if unknown != -1:
                raise invalid("only one output dimension may be -1, not both %d and %d", unknown, d)
            unknown = d
            out_dims.append(1)
        else:
            if size < 0:
                raise invalid("size %d must be non-negative, not %d", d, size)
            product *= size
            out_dims.append(size)
    if unknown != -1:
        if product <= 0:
            raise invalid("reshape cannot infer the missing input size for an empty tensor unless all specified "
                          "input sizes are non-zero")
        missing = dense_size // product
        if product * missing != dense_size:
            raise invalid("Input to reshape is a SparseTensor with %d dense values, but the requested shape requires "
                          "a multiple of %d. input_shape=%s output_shape=%s", dense_size, product, dbg(in_dims),
                          dbg(out_dims))
        out_dims[unknown] = missing
    if int(np.prod(out_dims, dtype=np.int64)) != dense_size:
        raise invalid("Input to reshape is a tensor with %d dense values, but the requested shape has %d. "
                      "input_shape=%s output_shape=%s", dense_size, int(np.prod(out_dims, dtype=np.int64)),
                      dbg(in_dims), dbg(out_dims))
    out_shape = np.array(out_dims, dtype=np.int64)
    if out_dims == in_dims:
        return indices.copy(), out_shape
    nnz = indices.shape[0]
    if nnz and not (dense_size > 0 and product > 0):
        raise invalid("Input tensor has %d non zero elements but input shape (%s) or output shape (%s) is empty",
                      nnz, dbg(in_dims), dbg(out_dims))
    linear = xp.zeros((nnz,), dtype=np.int64)
    stride = 1
    for j in range(len(in_dims) - 1, -1, -1):
        linear += indices[:, j].astype(np.int64) * stride
        stride *= in_dims[j]
    out = xp.zeros((nnz, len(out_dims)), dtype=np.int64)
    strides = [int(np.prod(out_dims[j + 1:], dtype=np.int64)) for j in range(len(out_dims))]
    for j, s in enumerate(strides):
        out[:, j] = linear // s
        linear = linear % s
    return out, out_shape


@register_shape("SparseReshape")
def _sparse_reshape_shape(op):
    indices, new_shape = op.inputs[0].shape, op.inputs[2].shape
    rank = new_shape.dims[0] if new_shape.rank == 1 else None
    return [TensorShape([indices.dims[0] if indices.rank == 2 else None, rank]), TensorShape([rank])]


def sparse_reshape(sp_input, shape, name=None):
    """The same entries in a SparseTensor of ``shape`` (one dimension may be -1), row-major order kept.

        sp = tg.SparseTensor([[0, 1], [2, 0]], [5, 7], [3, 2])
        tg.sparse_reshape(sp, [2, 3])            # indices [[0, 1], [1, 1]]
    """
    sp_input = _sparse(sp_input)
    shape = math_ops.cast(shape, dtypes.int64)
    with name_scope(name, "SparseReshape", [sp_input.indices]) as scope:
        op = gen("SparseReshape", [sp_input.indices, sp_input.dense_shape, shape], name=scope)
        reshaped_ind, reshaped_shape = op.outputs
        wanted = constant_shape(shape)
        in_shape = sp_input.get_shape()
        if wanted.rank is not None and in_shape.is_fully_defined():
            static = _static_reshape(shape, wanted.as_list(), in_shape.as_list())
            if static is not None:
                reshaped_shape = static
        return SparseTensor(reshaped_ind, array_ops.identity(sp_input.values), reshaped_shape)


def _static_reshape(shape, wanted, in_dims):
    # TensorFlow's sparse_reshape checks the sizes while building when both shapes are known then, and makes
    # the result's dense_shape a constant.
    by_user = constant_value(shape)
    if by_user is not None and sum(1 for d in np.reshape(by_user, [-1]) if d == -1) > 1:
        raise ValueError("At most one dimension can be inferred (-1). Found: %s" % list(np.reshape(by_user, [-1])))
    original = list(wanted)
    in_size = int(np.prod(in_dims, dtype=np.int64))
    implied = sum(1 for d in wanted if d is None)
    if implied == 1 and 0 not in wanted:
        at = original.index(None)
        rest = original[:at] + original[at + 1:]
        wanted[at] = int(in_size // int(np.prod(rest, dtype=np.int64)))
    if implied == 0 or (implied == 1 and 0 not in wanted):
        size = int(np.prod(wanted, dtype=np.int64))
        if size != in_size:
            raise ValueError("Cannot reshape a tensor with %d elements to shape %s (%d elements)."
                             % (in_size, original, size))
        return constant(wanted, dtype=dtypes.int64)
    return None


not_differentiable("SparseReshape")
register_constant_value("SparseReshape")(fold_sparse_op)


# --- sparse_retain -------------------------------------------------------------------------------------

def sparse_retain(sp_input, to_retain):
    """The entries of ``sp_input`` where the 1-D bool ``to_retain`` is true (the same dense shape).

        tg.sparse_retain(sp, [True, False])      # only the first entry
    """
    sp_input = _sparse(sp_input)
    to_retain = convert_to_tensor(to_retain)
    retain_shape = to_retain.get_shape()
    if retain_shape.rank is not None and retain_shape.rank != 1:
        raise ValueError("Shape %s must have rank 1" % retain_shape)
    values_shape = sp_input.values.get_shape()
    if values_shape.rank is not None and retain_shape.rank == 1 and values_shape.dims[0] is not None and \
            retain_shape.dims[0] is not None and values_shape.dims[0] != retain_shape.dims[0]:
        raise ValueError("Dimensions %d and %d are not compatible" % (values_shape.dims[0], retain_shape.dims[0]))
    where_true = array_ops.reshape(math_ops.where(to_retain), [-1])
    new_indices = gather(sp_input.indices, where_true)
    new_values = gather(sp_input.values, where_true)
    return SparseTensor(new_indices, new_values, array_ops.identity(sp_input.dense_shape))


# --- SparseFillEmptyRows -------------------------------------------------------------------------------

@register_kernel("SparseFillEmptyRows", host_inputs=(2,))
def _sparse_fill_empty_rows(ctx, indices, values, dense_shape, default_value):
    xp = ctx.xp
    if np.ndim(dense_shape) != 1:
        raise invalid("dense_shape must be a vector, saw: %s", dbg(np.shape(dense_shape)))
    if indices.ndim != 2:
        raise invalid("indices must be a matrix, saw: %s", dbg(indices.shape))
    if values.ndim != 1:
        raise invalid("values must be a vector, saw: %s", dbg(values.shape))
    if indices.shape[0] != values.shape[0]:
        raise invalid("The length of `values` (%d) must match the first dimension of `indices` (%d).",
                      values.shape[0], indices.shape[0])
    if default_value.ndim != 0:
        raise invalid("default_value must be a scalar, saw: %s", dbg(default_value.shape))
    if np.size(dense_shape) == 0:
        raise invalid("Dense shape cannot be empty.")
    dense_rows = host_ints(dense_shape)[0]
    n, rank = indices.shape
    if dense_rows == 0:
        if n:
            raise invalid("Received SparseTensor with dense_shape[0] = 0 but indices.shape[0] = %d", n)
        return (xp.zeros((0, rank), np.int64), values[:0].copy(), xp.zeros((0,), bool),
                xp.zeros((0,), np.int64))
    rows = indices[:, 0].astype(np.int64) if n else xp.zeros((0,), np.int64)
    if n:
        bad = (rows < 0) | (rows >= dense_rows)
        if bool(bad.any()):
            i = int(xp.argmax(bad))
            raise invalid("indices(%d, 0) is invalid: %d >= %d", i, int(rows[i]), dense_rows)
    counts = xp.bincount(rows, minlength=dense_rows) if n else xp.zeros((dense_rows,), np.int64)
    empty = counts == 0
    ordered = n < 2 or bool((rows[1:] >= rows[:-1]).all())
    if ordered and not bool(empty.any()):
        return indices.copy(), values.copy(), empty, xp.arange(n, dtype=np.int64)
    filled = xp.maximum(counts, 1)
    starts = xp.cumsum(filled) - filled              # where each row begins in the output
    first_of_row = xp.cumsum(counts) - counts        # where each row begins among the sorted inputs
    order = xp.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    position = xp.zeros((n,), np.int64)
    position[order] = starts[sorted_rows] + (xp.arange(n, dtype=np.int64) - first_of_row[sorted_rows])
    n_full = int(filled.sum())
    out_indices = xp.zeros((n_full, rank), np.int64)
    out_indices[position] = indices
    out_values = xp.zeros((n_full,), values.dtype)
    out_values[...] = default_value
    out_values[position] = values
    empty_rows = xp.nonzero(empty)[0]
    out_indices[starts[empty_rows], 0] = empty_rows
    return out_indices, out_values, empty, position


@register_shape("SparseFillEmptyRows")
def _sparse_fill_empty_rows_shape(op):
    indices, values, dense_shape = (t.shape for t in op.inputs[:3])
    for s, rank, what in ((indices, 2, "indices"), (values, 1, "values"), (dense_shape, 1, "dense_shape"),
                          (op.inputs[3].shape, 0, "default_value")):
        if s.rank is not None and s.rank != rank:
            raise ValueError("Shape must be rank %d but is rank %d for '%s'" % (rank, s.rank, what))
    n = indices.dims[0] if indices.rank == 2 else None
    if n is None and values.rank == 1:
        n = values.dims[0]
    rank = dense_shape.dims[0] if dense_shape.rank == 1 else None
    if rank is None and indices.rank == 2:
        rank = indices.dims[1]
    if rank == 0:
        raise ValueError("dense_shape must not be empty")
    known = constant_shape(op.inputs[2])
    rows = known.dims[0] if known.rank else None
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rows]), TensorShape([n])]


@register_kernel("SparseFillEmptyRowsGrad")
def _sparse_fill_empty_rows_grad(ctx, reverse_index_map, grad_values):
    xp = ctx.xp
    if reverse_index_map.ndim != 1:
        raise invalid("reverse_index_map must be a vector, saw: %s", dbg(reverse_index_map.shape))
    if grad_values.ndim != 1:
        raise invalid("grad_values must be a vector, saw: %s", dbg(grad_values.shape))
    n_full = grad_values.shape[0]
    rim = reverse_index_map.astype(np.int64)
    if rim.size:
        bad = (rim < 0) | (rim >= n_full)
        if bool(bad.any()):
            i = int(xp.argmax(bad))
            raise invalid("Elements in reverse index must be in [0, %d) but got %d", n_full, int(rim[i]))
    d_values = grad_values[rim]
    unvisited = xp.ones((n_full,), bool)
    unvisited[rim] = False
    d_default = grad_values[unvisited].sum(dtype=grad_values.dtype)
    return d_values, xp.asarray(d_default, dtype=grad_values.dtype).reshape(())


@register_shape("SparseFillEmptyRowsGrad")
def _sparse_fill_empty_rows_grad_shape(op):
    return [TensorShape([op.inputs[0].shape.dims[0] if op.inputs[0].shape.rank == 1 else None]), TensorShape([])]


@register_gradient("SparseFillEmptyRows")
def _sparse_fill_empty_rows_gradient(op, unused_indices_grad, values_grad, *unused):
    d_values, d_default = gen("SparseFillEmptyRowsGrad", [op.outputs[3], values_grad],
                              default_name="SparseFillEmptyRowsGrad").outputs
    return [None, d_values, None, d_default]


not_differentiable("SparseFillEmptyRowsGrad")
register_constant_value("SparseFillEmptyRows")(fold_sparse_op)


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """``(filled, empty_row_indicator)``: ``sp_input`` with an entry ``[row, 0, ...] = default_value`` in each
    of its empty rows, and which rows were empty.

        filled, empty = tg.sparse_fill_empty_rows(sp, 0)
    """
    sp_input = _sparse(sp_input)
    with name_scope(name, "SparseFillEmptyRows", [sp_input.indices]):
        default_value = convert_to_tensor(default_value, dtype=sp_input.values.dtype)
        out = gen("SparseFillEmptyRows", [sp_input.indices, sp_input.values, sp_input.dense_shape, default_value],
                  default_name="SparseFillEmptyRows").outputs
        return SparseTensor(out[0], out[1], sp_input.dense_shape), out[2]


# --- SparseToDense -------------------------------------------------------------------------------------------

def _index_text(row):
    return ",".join(str(int(v)) for v in row)


@register_kernel("SparseToDense", host_inputs=(1,))
def _sparse_to_dense(ctx, indices, output_shape, values, default_value):
    xp = ctx.xp
    if indices.ndim > 2:
        raise invalid("sparse_indices should be a scalar, vector, or matrix, got shape %s", dbg(indices.shape))
    num_elems = indices.shape[0] if indices.ndim > 0 else 1
    num_dims = indices.shape[1] if indices.ndim > 1 else 1
    if np.ndim(output_shape) > 1:
        raise invalid("output_shape must be rank 1, got shape %s", dbg(np.shape(output_shape)))
    if values.ndim > 1:
        raise invalid("sparse_values must be a scalar or a vector, got shape %s", dbg(values.shape))
    if values.ndim == 1 and values.shape[0] != num_elems:
        raise invalid("sparse_values has incorrect shape %s, should be [] or [%d]", dbg(values.shape), num_elems)
    if default_value.size != 1:
        raise invalid("default_value should be a scalar, got shape %s", dbg(default_value.shape))
    dims = host_ints(output_shape)
    if np.size(output_shape) != num_dims:
        raise invalid("output_shape has incorrect number of elements: %d should be: %d", np.size(output_shape),
                      num_dims)
    idx = indices.reshape((num_elems, num_dims)).astype(np.int64)
    if ctx.attrs.get("validate_indices", True):
        _validate_sorted(xp, idx, dims)
    out = xp.zeros(dims, dtype=values.dtype)
    out[...] = default_value.reshape(())
    if num_elems:
        bad = (idx < 0) | (idx >= xp.asarray(np.array(dims, np.int64)))
        if bool(bad.any()):
            raise invalid("Indices are not valid (out of bounds).  Shape: %s", dbg(dims))
        out[tuple(idx[:, j] for j in range(num_dims))] = values
    return out


def _validate_sorted(xp, idx, dims):
    # TensorFlow's SparseTensor::IndicesValid: the first index that is out of bounds, out of row-major order or
    # a repeat of the one before, with the first of those it fails.
    n = idx.shape[0]
    if not n:
        return
    out_of_bounds = ((idx < 0) | (idx >= xp.asarray(np.array(dims, np.int64)))).any(axis=1)
    out_of_order = xp.zeros((n,), bool)
    repeated = xp.zeros((n,), bool)
    if n > 1:
        diff = idx[1:] - idx[:-1]
        differs = diff != 0
        # The first coordinate in which an index differs from the one before says whether it comes after it.
        lead = diff[xp.arange(n - 1), xp.argmax(differs, axis=1)]
        out_of_order[1:] = differs.any(axis=1) & (lead < 0)
        repeated[1:] = ~differs.any(axis=1)
    bad = out_of_bounds | out_of_order | repeated
    if not bool(bad.any()):
        return
    i = int(xp.argmax(bad))
    text = _index_text(idx[i])
    if bool(out_of_bounds[i]):
        raise invalid("indices[%d] = [%s] is out of bounds: need 0 <= index < [%s]", i, text, _index_text(dims))
    if bool(out_of_order[i]):
        raise invalid("indices[%d] = [%s] is out of order. Many sparse ops require sorted indices.\n"
                      "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n", i, text)
    raise invalid("indices[%d] = [%s] is repeated", i, text)


@register_shape("SparseToDense")
def _sparse_to_dense_shape(op):
    return [constant_shape(op.inputs[1])]


@register_gradient("SparseToDense")
def _sparse_to_dense_gradient(op, grad):
    sparse_indices, output_shape = op.inputs[:2]
    values_grad = gather_nd(grad, sparse_indices)
    default_grad = math_ops.subtract(reduction("Sum", grad, math_ops.range(array_ops.rank(grad))),
                                     reduction("Sum", values_grad, math_ops.range(array_ops.rank(values_grad))))
    return [array_ops.zeros_like(sparse_indices), array_ops.zeros_like(output_shape), values_grad, default_grad]


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0, validate_indices=True, name=None):
    """A dense tensor of ``output_shape``: ``sparse_values`` (a vector, or one scalar for all) at
    ``sparse_indices``, ``default_value`` elsewhere (SparseToDense; with ``validate_indices`` the indices must
    be in bounds, sorted and distinct).

        tg.sparse_to_dense([[0, 1], [2, 0]], [3, 2], [5, 7])     # [[0, 5], [0, 0], [7, 0]]
    """
    with name_scope(name, "SparseToDense") as scope:
        sparse_values = convert_to_tensor(sparse_values, name="sparse_values")
        default_value = convert_to_tensor(default_value, dtype=sparse_values.dtype, name="default_value")
        return gen("SparseToDense", [sparse_indices, output_shape, sparse_values, default_value],
                   {"validate_indices": validate_indices}, name=scope).outputs[0]


def sparse_tensor_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense form of ``sp_input``: its values at its indices, ``default_value`` (zero) elsewhere.

        tg.sparse_tensor_to_dense(sp, default_value=-1)
    """
    sp_input = _sparse(sp_input)
    if default_value is None:
        default_value = array_ops.zeros([], dtype=sp_input.dtype)
    with name_scope(name, "SparseToDense") as scope:
        default_value = convert_to_tensor(default_value, dtype=sp_input.dtype)
        return gen("SparseToDense", [sp_input.indices, sp_input.dense_shape, sp_input.values, default_value],
                   {"validate_indices": validate_indices}, name=scope).outputs[0]


# --- SparseSlice ---------------------------------------------------------------------------------------------

_HOST = host_kind().device_type    # SparseSlice runs where the strings and shapes live, as in TensorFlow


@register_kernel("SparseSlice", _HOST)
def _sparse_slice(ctx, indices, values, shape, start, size):
    if indices.ndim != 2:
        raise invalid("Input indices should be a matrix but received shape %s", dbg(indices.shape))
    if values.ndim != 1:
        raise invalid("Input values should be a vector but received shape %s", dbg(values.shape))
    if shape.ndim != 1:
        raise invalid("Input shape should be a vector but received shape %s", dbg(shape.shape))
    if start.ndim != 1:
        raise invalid("Input start should be a vector but received shape %s", dbg(start.shape))
    if size.ndim != 1:
        raise invalid("Input size should be a vector but received shape %s", dbg(size.shape))
    rank = shape.shape[0]
    if start.shape[0] != rank:
        raise invalid("Expected start to be a vector of length %d but got length %d", rank, start.shape[0])
    if size.shape[0] != rank:
        raise invalid("Expected size to be a vector of length %d but got length %d", rank, size.shape[0])
    if indices.shape[1] != rank:
        raise invalid("Expected input indices to have %d columns but got %d", rank, indices.shape[1])
    start, size, dims = (np.asarray(a, np.int64) for a in (start, size, shape))
    end = np.minimum(start + size, dims)
    out_shape = np.maximum(end - start, 0)
    keep = np.all((indices >= start) & (indices < end), axis=1) if indices.size else \
        np.zeros((indices.shape[0],), bool)
    return (indices[keep] - start).astype(np.int64), values[keep], out_shape


@register_shape("SparseSlice")
def _sparse_slice_shape(op):
    rank = op.inputs[2].shape.dims[0] if op.inputs[2].shape.rank == 1 else None
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


@register_kernel("SparseSliceGrad", _HOST)
def _sparse_slice_grad(ctx, backprop_val_grad, input_indices, input_start, output_indices):
    n_in, n_out = input_indices.shape[0], output_indices.shape[0]
    if backprop_val_grad.shape[0] != n_out:
        raise invalid("backprop_val_grad.dim_size(0) must equal output_indices.dim_size(0), got %d vs. %d",
                      backprop_val_grad.shape[0], n_out)
    out = np.zeros((n_in,), backprop_val_grad.dtype)
    shifted = input_indices - np.asarray(input_start, np.int64)
    j = 0
    for i in range(n_in):
        if j < n_out and np.array_equal(shifted[i], output_indices[j]):
            out[i] = backprop_val_grad[j]
            j += 1
    if j != n_out:
        raise invalid("Elements of backprop_val_grad aren't all propagated. Num elements: %d, used: %d", n_out, j)
    return out


@register_shape("SparseSliceGrad")
def _sparse_slice_grad_shape(op):
    s = op.inputs[1].shape
    return [TensorShape([s.dims[0] if s.rank == 2 else None])]


@register_gradient("SparseSlice")
def _sparse_slice_gradient(op, *grads):
    val_grad = gen("SparseSliceGrad", [grads[1], op.inputs[0], op.inputs[3], op.outputs[0]],
                   default_name="SparseSliceGrad").outputs[0]
    val_grad.set_shape(op.inputs[1].get_shape())
    return [None, val_grad, None, None, None]


not_differentiable("SparseSliceGrad")
register_constant_value("SparseSlice", "SparseToDense")(fold_sparse_op)


def sparse_slice(sp_input, start, size, name=None):
    """The entries of ``sp_input`` in the box ``[start, start + size)``, their indices relative to ``start``.

        tg.sparse_slice(sp, [1, 0], [2, 2])      # rows 1 and 2
    """
    sp_input = _sparse(sp_input)
    start = convert_to_tensor(start, dtypes.int64)
    size = convert_to_tensor(size, dtypes.int64)
    with name_scope(name, "SparseSlice", [sp_input.indices]) as scope:
        out = gen("SparseSlice", [sp_input.indices, sp_input.values, sp_input.dense_shape, start, size],
                  name=scope).outputs
        return SparseTensor(out[0], out[1], out[2])


# --- sparse_merge --------------------------------------------------------------------------------------

def sparse_merge(sp_ids, sp_values, vocab_size, name=None, already_sorted=False):
    """A SparseTensor whose last dimension is the ids of ``sp_ids`` (``vocab_size`` long) and whose values are
    those of ``sp_values``: ``[row, ..., id] = value`` (TensorFlow 1's sparse_merge; a list of id tensors and
    sizes makes one dimension each).

        merged = tg.sparse_merge(sp_ids, sp_weights, vocab_size=10)   # [batch, 10]
    """
    if _is_sparse(sp_ids) or isinstance(sp_ids, SparseTensorValue):
        sp_ids = [sp_ids]
        if not (isinstance(vocab_size, Tensor) or isinstance(vocab_size, (int, np.integer))):
            raise TypeError("vocab_size has to be a Tensor or Python int. Found %s" % type(vocab_size))
        vocab_size = [vocab_size]
    else:
        if not isinstance(sp_ids, (list, tuple)):
            raise TypeError("sp_ids has to be a SparseTensor or list thereof. Found %s" % type(sp_ids))
        if not isinstance(vocab_size, (list, tuple)):
            raise TypeError("vocab_size has to be a list of Tensors or Python ints. Found %s" % type(vocab_size))
        for dim in vocab_size:
            if not (isinstance(dim, Tensor) or isinstance(dim, (int, np.integer))):
                raise TypeError("vocab_size has to be a list of Tensors or Python ints. Found %s" % type(dim))
    if len(sp_ids) != len(vocab_size):
        raise ValueError("sp_ids and vocab_size have to have equal lengths.")
    with name_scope(name, "SparseMerge"):
        sp_ids = [_sparse(s) for s in sp_ids]
        sp_values = _sparse(sp_values)
        ids = []
        for sp in sp_ids:
            ids_dim = sp.values
            if sp.dtype.base_dtype != dtypes.int64:
                ids_dim = math_ops.cast(ids_dim, dtypes.int64)
            ids.append(array_ops.expand_dims(ids_dim, axis=1))
        vocab_size = [math_ops.cast(x, dtypes.int64) for x in vocab_size]
        new_indices = concat([sp_ids[0].indices[:, :-1]] + ids, 1)
        new_shape = concat([sp_ids[0].dense_shape[:-1], vocab_size], 0)
        result = SparseTensor(new_indices, sp_values.values, new_shape)
        if already_sorted:
            return result
        ordered = sparse_reorder(result)
        return SparseTensor(ordered.indices, ordered.values, new_shape)
