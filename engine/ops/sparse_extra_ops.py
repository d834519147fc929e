"""More of ``tf.sparse``, built from other ops as TensorFlow builds them: ``sparse_eye``, ``from_dense``,
``sparse_to_indicator``, ``sparse_expand_dims`` and ``sparse_reset_shape``; and TensorFlow 1's
``sparse_matmul``, a matrix product with hints that an operand has many zeros (the SparseMatMul op, with its
shape function, gradient and a kernel written against ``ctx.xp`` for every device kind).

    sp = tg.from_dense([[0, 3], [4, 0]])                  # indices [[0, 1], [1, 0]], values [3, 4]
    tg.sparse_expand_dims(sp, 0)                          # dense_shape [1, 2, 2]
    tg.sparse_to_indicator(sp, 5)                         # [2, 5] bools: row 0 has 3, row 1 has 4
    tg.sparse_matmul(x, w, a_is_sparse=True)              # x @ w, float32
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, control_dependencies, convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.check_ops import assert_equal, assert_less_equal
from tagraph.engine.ops.comparison_ops import not_equal
from tagraph.engine.ops.joining_ops import concat, stack
from tagraph.engine.ops.matmul_ops import matmul
from tagraph.engine.ops.nd_indexing_ops import gather_nd
from tagraph.engine.ops.op_util import f16_acc, gen1, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor, SparseTensorValue
from tagraph.engine.ops.reduction_ops import reduce_max
from tagraph.engine.ops.slicing_ops import slice as _slice
from tagraph.engine.ops.sparse_ops import sparse_merge, sparse_tensor_to_dense

__all__ = ["sparse_eye", "from_dense", "sparse_to_indicator", "sparse_expand_dims", "sparse_reset_shape",
           "sparse_matmul"]

_MATMUL_DTYPES = (dtypes.float32, dtypes.bfloat16)


def _sparse(sp):
    if isinstance(sp, SparseTensorValue):
        return SparseTensor.from_value(sp)
    if not getattr(type(sp), "_tg_sparse_tensor", False):
        raise TypeError("Input must be a SparseTensor.")
    return sp


def sparse_eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """The ``num_rows x num_columns`` (square by default) identity matrix as a SparseTensor of ``dtype``.

        tg.sparse_eye(2, 3)       # indices [[0, 0], [1, 1]], values [1., 1.], dense_shape [2, 3]
    """
    with name_scope(name or "eye"):
        num_rows = convert_to_tensor(num_rows, dtype=dtypes.int64, name="num_rows")
        num_columns = num_rows if num_columns is None else convert_to_tensor(num_columns, dtype=dtypes.int64,
                                                                             name="num_columns")
        diag_size = math_ops.minimum(num_rows, num_columns)
        diag_range = math_ops.range(diag_size, dtype=dtypes.int64)
        return SparseTensor(indices=stack([diag_range, diag_range], axis=1),
                            values=array_ops.ones(array_ops.reshape(diag_size, [1]), dtype=dtype),
                            dense_shape=stack([num_rows, num_columns], name="SparseTensor/dense_shape"))


def from_dense(tensor, name=None):
    """The SparseTensor of ``tensor``'s non-zero (non-empty for strings) elements, in row-major order.

        tg.sparse.from_dense([[0., 2.], [3., 0.]])      # indices [[0, 1], [1, 0]], values [2., 3.]
    """
    with name_scope(name or "dense_to_sparse"):
        tensor = convert_to_tensor(tensor)
        indices = math_ops.where(not_equal(tensor, array_ops.zeros_like(tensor)))
        values = gather_nd(tensor, indices)
        shape = array_ops.shape(tensor, out_type=dtypes.int64)
        return SparseTensor(indices, values, shape)


def sparse_to_indicator(sp_input, vocab_size, name=None):
    """A dense bool tensor with one more dimension of ``vocab_size``: ``[..., v]`` is True where the last
    dimension of ``sp_input``'s row ``[...]`` holds the id ``v`` (int32 or int64 values in [0, vocab_size)).

        tg.sparse_to_indicator(tg.SparseTensor([[0, 0], [0, 1]], [3, 1], [1, 2]), 4)   # [[F, T, F, T]]
    """
    sp_input = _sparse(sp_input)
    with name_scope(name or "SparseToIndicator") as scope:
        num_entries = array_ops.shape(sp_input.indices)[0]
        new_values = array_ops.fill(array_ops.expand_dims(num_entries, 0), True)
        sp_values = SparseTensor(sp_input.indices, new_values, sp_input.dense_shape)
        sp_new = sparse_merge(sp_input, sp_values, vocab_size, name=scope)
        # Repeated ids are allowed in an indicator, hence no index validation.
        return sparse_tensor_to_dense(sp_new, default_value=False, validate_indices=False, name=scope)


def sparse_expand_dims(sp_input, axis=None, name=None):
    """``sp_input`` with a dimension of size 1 inserted at ``axis`` (the last by default; negative counts from
    the end, ``-1`` being a new innermost dimension).

        tg.sparse.expand_dims(sp, 0).dense_shape      # [1] + sp's
    """
    sp_input = _sparse(sp_input)
    rank = sp_input.dense_shape.shape.dims[0] if sp_input.dense_shape.shape.rank == 1 else None
    if rank is None:
        rank = array_ops.shape(sp_input.dense_shape)[0]
    axis = -1 if axis is None else axis
    with name_scope(name or "expand_dims"):
        if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = convert_to_tensor(axis, name="axis", dtype=dtypes.int32)
        elif not isinstance(axis, Tensor):
            raise TypeError("axis must be an integer value in range [-rank(sp_input) - 1, rank(sp_input)]")
        axis = math_ops.where_v2(axis >= 0, axis, axis + rank + 1)
        column_size = array_ops.shape(sp_input.indices)[0]
        new_index = array_ops.zeros([column_size, 1], dtype=dtypes.int64)
        indices_before = _slice(sp_input.indices, [0, 0], [-1, axis])
        indices_after = _slice(sp_input.indices, [0, axis], [-1, -1])
        indices = concat([indices_before, new_index, indices_after], axis=1)
        shape_before = _slice(sp_input.dense_shape, [0], [axis])
        shape_after = _slice(sp_input.dense_shape, [axis], [-1])
        new_shape = convert_to_tensor([1], name="new_shape", dtype=dtypes.int64)
        shape = concat([shape_before, new_shape, shape_after], axis=0)
        return SparseTensor(indices=indices, values=sp_input.values, dense_shape=shape)


def sparse_reset_shape(sp_input, new_shape=None):
    """``sp_input`` with dense shape ``new_shape`` (at least its own in every dimension, same rank), or without
    ``new_shape`` the tight bounding box of its indices.

        tg.sparse_reset_shape(sp)            # dense_shape = 1 + the largest index in each dimension
    """
    sp_input = _sparse(sp_input)
    in_indices = array_ops.identity(sp_input.indices)
    in_values = array_ops.identity(sp_input.values)
    in_shape = array_ops.identity(sp_input.dense_shape)
    if new_shape is None:
        dim_low_bound = reduce_max(in_indices, axis=0)
        output_shape = math_ops.maximum(convert_to_tensor(0, dtype=dtypes.int64),
                                        math_ops.add(dim_low_bound, array_ops.ones_like(in_shape)))
        return SparseTensor(in_indices, in_values, output_shape)
    output_shape = convert_to_tensor(new_shape)
    output_shape.shape.with_rank(1)
    output_shape = math_ops.cast(output_shape, dtypes.int64)
    given, own = output_shape.shape.dims[0], in_shape.shape.dims[0] if in_shape.shape.rank == 1 else None
    if given is not None and own is not None and given != own:
        raise ValueError("Dimensions %d and %d are not compatible" % (given, own))
    const = constant_value(output_shape)
    static = sp_input.get_shape()
    if const is not None and static.is_fully_defined():
        in_const = np.array(static.as_list())
        if not np.all(in_const <= const):
            # TensorFlow's message, which names the two shapes the other way round.
            raise ValueError("Requested new_shape should have dimension sizes >= sp_input.shape.  Found new_shape "
                             "(%s), sp_input.shape (%s)." % (in_const, const))
        output_shape = convert_to_tensor(const)
    else:
        with control_dependencies([assert_equal(array_ops.shape(in_shape), array_ops.shape(output_shape))]):
            output_shape = array_ops.identity(output_shape)
        with control_dependencies([assert_less_equal(in_shape, output_shape)]):
            output_shape = array_ops.identity(output_shape)
    return SparseTensor(in_indices, in_values, output_shape)


# --- SparseMatMul -------------------------------------------------------------------------------------------

@register_kernel("SparseMatMul")
def _sparse_matmul_kernel(ctx, a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise invalid("In[%d] is not a matrix", 0 if a.ndim != 2 else 1)
    xp = ctx.xp
    # bfloat16 operands are multiplied in float32, the op's output type.
    a = a.astype(np.float32, copy=False) if f16_acc(a) else a
    b = b.astype(np.float32, copy=False) if f16_acc(b) else b
    a = a.T if ctx.attrs.get("transpose_a") else a
    b = b.T if ctx.attrs.get("transpose_b") else b
    if a.shape[1] != b.shape[0]:
        raise invalid("Matrix size incompatible: a: [%d,%d], b: [%d,%d]", a.shape[0], a.shape[1], b.shape[0],
                      b.shape[1])
    return xp.matmul(a, b).astype(np.float32, copy=False)


@register_shape("SparseMatMul")
def _sparse_matmul_shape(op):
    a, b = op.inputs[0].shape.with_rank(2), op.inputs[1].shape.with_rank(2)
    m, ka = (a[1], a[0]) if op.get_attr("transpose_a") else (a[0], a[1])
    kb, n = (b[1], b[0]) if op.get_attr("transpose_b") else (b[0], b[1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError("Dimensions must be equal, but are %d and %d for SparseMatMul with input shapes %s, %s"
                         % (ka, kb, a, b))
    return [TensorShape([m, n])]


@register_gradient("SparseMatMul")
def _sparse_matmul_grad(op, grad):
    # TensorFlow's: each product keeps the sparsity hints of its operands (a ReluGrad gradient counts as
    # sparse), transposes its second operand explicitly, and is cast back to the input's dtype.
    t_a, t_b = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    a, b = op.inputs
    hints = {id(a): op.get_attr("a_is_sparse"), id(b): op.get_attr("b_is_sparse"), id(grad): grad.op.type == "ReluGrad"}

    def product(t1, t2, out_dtype, transpose_a=False, transpose_b=False):
        s1, s2 = hints[id(t1)], hints[id(t2)]
        if transpose_b:
            t2 = array_ops.transpose(t2)
        if (s1 or s2) and t1.dtype.base_dtype in _MATMUL_DTYPES and t2.dtype.base_dtype in _MATMUL_DTYPES:
            prod = sparse_matmul(t1, t2, transpose_a=transpose_a, a_is_sparse=s1, b_is_sparse=s2)
        else:
            prod = matmul(t1, t2, transpose_a=transpose_a)
        return prod if prod.dtype.base_dtype == out_dtype else math_ops.cast(prod, out_dtype)

    da, db = a.dtype.base_dtype, b.dtype.base_dtype
    if not t_a and not t_b:
        return [product(grad, b, da, transpose_b=True), product(a, grad, db, transpose_a=True)]
    if not t_a and t_b:
        return [product(grad, b, da), product(grad, a, db, transpose_a=True)]
    if t_a and not t_b:
        return [product(b, grad, da, transpose_b=True), product(a, grad, db)]
    return [product(b, grad, da, transpose_a=True, transpose_b=True),
            product(grad, a, db, transpose_a=True, transpose_b=True)]


def sparse_matmul(a, b, transpose_a=False, transpose_b=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """The float32 matrix product ``a @ b`` of float32 or bfloat16 matrices (SparseMatMul); ``a_is_sparse`` and
    ``b_is_sparse`` say an operand has many zeros, a hint TensorFlow's CPU kernel uses for speed.

        tg.sparse_matmul(x, w, a_is_sparse=True)
    """
    return gen1("SparseMatMul", [a, b], {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b),
                                         "a_is_sparse": bool(a_is_sparse), "b_is_sparse": bool(b_is_sparse)},
                name, "SparseMatMul")
