"""``tf.sparse.bincount``: counts of non-negative integers as a SparseTensor, over a whole tensor or per row
(``axis=-1``), weighted or binary, with TensorFlow's DenseCountSparseOutput and SparseCountSparseOutput ops; and
SparseBincount, the dense counts of a SparseTensor's values that TensorFlow 2's bincount builds (in graphs read
from TensorFlow 2). Host kernels and shape functions; no gradient is registered, as in TensorFlow.

The output has one entry per (row, value) that occurs, in row then value order; its last dimension is the
largest value + 1, raised to ``minlength`` and capped at ``maxlength`` (values from ``maxlength`` on are not
counted, but do make the dimension ``maxlength``).

    tg.sparse_bincount([1, 3, 3, 0, 7])     # indices [[0], [1], [3], [7]], values [1, 1, 2, 1], dense_shape [8]
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, control_dependencies, convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.check_ops import assert_equal
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.op_util import dbg, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor, SparseTensorValue

__all__ = ["sparse_bincount"]

_HOST = host_kind().device_type


def _count(ctx, batches, values, weights, num_batches, is_1d):
    """The SparseTensor parts of the per-batch counts of ``values`` (batch ``batches[i]`` for ``values[i]``)."""
    minlength, maxlength = ctx.attrs.get("minlength", -1), ctx.attrs.get("maxlength", -1)
    binary = ctx.attrs.get("binary_output", False)
    use_weights = weights.size > 0
    if use_weights and weights.shape != values.shape:
        raise invalid("Weights and values must have the same shape. Weight shape: %s; values shape: %s",
                      dbg(weights.shape), dbg(values.shape))
    if values.size and int(values.min()) < 0:
        raise invalid("Input values must all be non-negative")
    # The size counts every value, those from maxlength on too (then capped), as TensorFlow's kernel does.
    max_value = int(values.max()) if values.size else -1
    keep = values < maxlength if maxlength >= 0 else np.ones(values.shape, bool)
    values, batches = values[keep].astype(np.int64), batches[keep]
    size = max_value + 1
    if minlength > -1:
        size = max(minlength, size)
    if maxlength > -1:
        size = min(maxlength, size)
    pairs, inverse = np.unique(np.stack([batches, values], axis=1).reshape(-1, 2), axis=0, return_inverse=True)
    out_type = np.dtype(dtypes.as_dtype(ctx.attrs["output_type"]).as_numpy_dtype)
    if binary:
        counts = np.ones(pairs.shape[0], out_type)
    else:
        counts = np.zeros(pairs.shape[0], out_type)
        np.add.at(counts, inverse.reshape(-1), weights[keep].astype(out_type) if use_weights else 1)
    indices = pairs[:, 1:] if is_1d else pairs
    shape = [size] if is_1d else [num_batches, size]
    return indices.astype(np.int64), counts, np.array(shape, np.int64)


@register_kernel("DenseCountSparseOutput", device_types=_HOST)
def _dense_count(ctx, values, weights):
    values, weights = np.asarray(values), np.asarray(weights)
    if values.ndim not in (1, 2):
        raise invalid("Input must be a 1 or 2-dimensional tensor. Got: %s", dbg(values.shape))
    is_1d = values.ndim == 1
    num_batches = 1 if is_1d else values.shape[0]
    batches = np.zeros(values.shape, np.int64) if is_1d else np.broadcast_to(
        np.arange(values.shape[0], dtype=np.int64)[:, None], values.shape)
    return _count(ctx, batches.reshape(-1), values.reshape(-1), weights.reshape(-1) if weights.size else weights,
                  num_batches, is_1d)


@register_kernel("SparseCountSparseOutput", device_types=_HOST)
def _sparse_count(ctx, indices, values, dense_shape, weights):
    indices, values = np.asarray(indices, np.int64), np.asarray(values)
    dense_shape, weights = np.asarray(dense_shape, np.int64), np.asarray(weights)
    if indices.ndim != 2 or values.ndim != 1 or indices.shape[0] != values.shape[0]:
        raise invalid("Number of values must match first dimension of indices. Got %d values, indices shape: %s",
                      values.shape[0] if values.ndim else 0, dbg(indices.shape))
    if dense_shape.shape[0] not in (1, 2):
        raise invalid("Input must be a 1 or 2-dimensional tensor. Got: %d", dense_shape.shape[0])
    is_1d = dense_shape.shape[0] == 1
    num_batches = 1 if is_1d else int(dense_shape[0])
    batches = np.zeros(values.shape, np.int64) if is_1d else indices[:, 0]
    if not is_1d and batches.size and (batches.min() < 0 or batches.max() >= num_batches):
        raise invalid("Indices must be inside the shape of the input")
    return _count(ctx, batches, values, weights, num_batches, is_1d)


def _count_shape(rank):
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


@register_shape("DenseCountSparseOutput")
def _dense_count_shape(op):
    return _count_shape(op.inputs[0].shape.rank)


@register_shape("SparseCountSparseOutput")
def _sparse_count_shape(op):
    s = op.inputs[0].shape
    return _count_shape(s.dims[1] if s.rank == 2 else None)


# --- SparseBincount: the dense counts of a SparseTensor's values (TensorFlow 2's bincount of one) -----------

@register_kernel("SparseBincount", device_types=_HOST, host_inputs=(3,))
def _sparse_bincount(ctx, indices, values, dense_shape, size, weights):
    indices, values = np.asarray(indices, np.int64), np.asarray(values)
    dense_shape, weights = np.asarray(dense_shape, np.int64), np.asarray(weights)
    if np.ndim(size) != 0:
        raise invalid("Shape must be rank 0 but is rank %d", np.ndim(size))
    size = int(size)
    if size < 0:
        raise invalid("size (%d) must be non-negative", size)
    if dense_shape.size not in (1, 2):
        raise invalid("Input must be less than rank 2")
    if weights.size and weights.shape != values.shape:
        raise invalid("Weights and values must have the same shape. Weight shape: %s; values shape: %s",
                      dbg(weights.shape), dbg(values.shape))
    if values.size and int(values.min()) < 0:
        raise invalid("Input arr must be non-negative!")
    is_1d = dense_shape.size == 1
    out = np.zeros([size] if is_1d else [int(dense_shape[0]), size], weights.dtype)
    keep = values < size
    rows = () if is_1d else (indices[keep, 0],)
    at = rows + (values[keep].astype(np.int64),)
    if ctx.attrs.get("binary_output", False):
        out[at] = 1
    else:
        np.add.at(out, at, weights[keep] if weights.size else 1)
    return out


@register_shape("SparseBincount")
def _sparse_bincount_shape(op):
    size, shape = constant_value(op.inputs[3]), constant_value(op.inputs[2])
    if size is None or shape is None:
        return [TensorShape(None)]
    if int(size) < 0:
        raise ValueError("size (%d) must be non-negative" % int(size))
    shape = np.asarray(shape).reshape(-1)
    if shape.size not in (1, 2):
        raise ValueError("Input must be less than rank 2")
    return [TensorShape([int(size)] if shape.size == 1 else [int(shape[0]), int(size)])]


def _is_sparse(x):
    return getattr(type(x), "_tg_sparse_tensor", False)


def _sparse_weights(values, weights):
    # TensorFlow's validate_sparse_weights: the weights' values, checked to share the values' layout.
    if weights is None:
        return constant([], dtype=values.values.dtype)
    if not _is_sparse(weights):
        raise ValueError("Argument `weights` must be a SparseTensor if `values` is a SparseTensor. Received "
                         "weights=%s of type: %s" % (weights, type(weights).__name__))
    checks = []
    if weights.dense_shape is not values.dense_shape:
        checks.append(assert_equal(weights.dense_shape, values.dense_shape,
                                   message="'weights' and 'values' must have the same dense shape."))
    if weights.indices is not values.indices:
        checks.append(assert_equal(weights.indices, values.indices,
                                   message="'weights' and 'values' must have the same indices."))
    if not checks:
        return weights.values
    with control_dependencies(checks):
        return array_ops.identity(weights.values)


def sparse_bincount(values, weights=None, axis=0, minlength=None, maxlength=None, binary_output=False, name=None):
    """How often each non-negative integer occurs in ``values`` (a Tensor or SparseTensor), as a SparseTensor:
    over all of it (``axis=0``) or per row of a matrix (``axis=-1``); summing ``weights`` (same layout as
    ``values``) instead of counting, or 1 for each value present with ``binary_output``.

        tg.sparse_bincount([[10, 20, 20], [11, 10, 10]], axis=-1)   # [0, 10] = 1, [0, 20] = 2, [1, 10] = 2, ...
    """
    with name_scope(name or "count"):
        if isinstance(values, SparseTensorValue):
            values = SparseTensor.from_value(values)
        if not _is_sparse(values):
            values = convert_to_tensor(values, name="values")
        if weights is not None and not _is_sparse(weights):
            weights = convert_to_tensor(weights, name="weights")
        if weights is not None and binary_output:
            raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive. Please specify only "
                             "one.")
        axis = 0 if axis is None else axis
        if axis not in (0, -1):
            raise ValueError("Unsupported value for argument axis=%s. Only 0 and -1 are currently supported." % axis)
        attrs = {"minlength": -1 if minlength is None else int(minlength),
                 "maxlength": -1 if maxlength is None else int(maxlength), "binary_output": bool(binary_output)}
        if axis == 0:
            if _is_sparse(values):
                if weights is not None:
                    weights = _sparse_weights(values, weights)
                values = values.values
            else:
                if weights is not None:
                    weights = array_ops.reshape(weights, [-1])
                values = array_ops.reshape(values, [-1])
        if _is_sparse(values):
            weights = _sparse_weights(values, weights)
            attrs.update(T=values.values.dtype.base_dtype, output_type=weights.dtype.base_dtype)
            inputs, op_type = [values.indices, values.values, values.dense_shape, weights], "SparseCountSparseOutput"
        else:
            if weights is None:
                weights = constant([], dtype=values.dtype)
            elif not isinstance(weights, Tensor):
                raise ValueError("Argument `weights` must be a tf.Tensor if `values` is a tf.Tensor. Received "
                                 "weights=%s of type: %s" % (weights, type(weights).__name__))
            attrs.update(T=values.dtype.base_dtype, output_type=weights.dtype.base_dtype)
            inputs, op_type = [values, weights], "DenseCountSparseOutput"
        op = values.graph.create_op(op_type, inputs, attrs, name=op_type)
        return SparseTensor(*op.outputs)
