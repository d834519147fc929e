"""Crossing sparse features: SparseCross (strings joined with ``_X_``, or their hashes), SparseCrossV2 (strings
joined with a given separator) and SparseCrossHashed, bit for bit as TensorFlow's kernels, with TensorFlow 1's
``sparse_cross`` and ``sparse_cross_hashed``. ``crossed_column`` is built on ``sparse_cross_hashed``.

Each row of the output holds the cartesian product of that row's features in every input (the last input
varying fastest): SparseTensors ``[batch, ?]`` and dense ``[batch, n]`` tensors of strings or integers. A
hashed cross of the features ``f1, f2, ...`` is ``FingerprintCat64(...FingerprintCat64(hash_key, h(f1)),
h(f2)...) % num_buckets`` with ``h`` farmhash's Fingerprint64 of a string and an integer's own value.

    a = tg.SparseTensor([[0, 0], [0, 1]], ["x", "y"], [1, 2])
    b = tg.constant([["p"]])
    tg.sparse_cross([a, b])                                # values: ["x_X_p", "y_X_p"]
    tg.sparse_cross_hashed([a, b], num_buckets=100)        # their hashes, in [0, 100)

They run on the host (strings live there), as in TensorFlow.
"""
import itertools
import struct

import farmhash
import numpy as np
import siphashc

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import register_constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.op_util import dbg, gen, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.ops.sparse_ops import fold_sparse_op

__all__ = ["sparse_cross", "sparse_cross_hashed", "fingerprint_cat64"]

_HOST = host_kind().device_type
_MASK = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_INT64_MAX = (1 << 63) - 1
_DEFAULT_HASH_KEY = 0xDECAFCAFFE     # TensorFlow's sparse_ops._DEFAULT_HASH_KEY


def _shift_mix(v):
    return v ^ (v >> 47)


def fingerprint_cat64(fp1, fp2):
    """TensorFlow's FingerprintCat64 (core/platform/fingerprint.h) of two unsigned 64-bit ints."""
    result = fp1 ^ _MUL
    result ^= (_shift_mix((fp2 * _MUL) & _MASK) * _MUL) & _MASK
    result = (result * _MUL) & _MASK
    result = (_shift_mix(result) * _MUL) & _MASK
    return _shift_mix(result)


def _type_name(dt):
    return dtypes.as_dtype(dt).name


def _validate(indices, values, shapes, dense, internal_type=None):
    """TensorFlow's ValidateInput of sparse_cross_op.cc; returns the batch size."""
    for i, ind in enumerate(indices):
        if internal_type is not None and ind.dtype != np.int64:
            raise invalid("Input indices should be of type int64 but received %s", _type_name(ind.dtype))
        if ind.ndim != 2:
            raise invalid("Input indices should be a matrix but received shape %s at position %d", dbg(ind.shape), i)
        if ind.shape[1] != 2:
            raise invalid("Expected D2 of index to be 2 got %d at position %d", ind.shape[1], i)
    for i, val in enumerate(values):
        if internal_type == "string" and val.dtype == np.int64:
            raise invalid("Input values should be of internal type string but received int64")
        if val.ndim != 1:
            raise invalid("Input values should be a vector but received shape %s at position %d", dbg(val.shape), i)
        if indices[i].shape[0] != val.shape[0]:
            raise invalid("Expected size of values to be %d got %d at position %d", indices[i].shape[0],
                          val.shape[0], i)
    for i, shp in enumerate(shapes):
        if shp.ndim != 1:
            raise invalid("Input shapes should be a vector but received shape %s at position %d", dbg(shp.shape), i)
        if shp.shape[0] != 2:
            raise invalid("shape should imply a 2D tensor, but got %s at position %d", dbg(shp.shape), i)
    for i, d in enumerate(dense):
        if internal_type == "string" and d.dtype == np.int64:
            raise invalid("Dense inputs should be of internal type string but received int64")
        if d.ndim != 2:
            raise invalid("Dense inputs should be a matrix but received shape %s at position %d", dbg(d.shape), i)
    batch = int(shapes[0][0]) if shapes else (dense[0].shape[0] if dense else 0)
    for i, shp in enumerate(shapes):
        if int(shp[0]) != batch:
            raise invalid("Expected batch size %d got %d at position %d", batch, int(shp[0]), i)
    for i, d in enumerate(dense):
        if d.shape[0] != batch:
            raise invalid("Expected batch size %d got %d at dense tensor %d", batch, d.shape[0], i)
    return batch


def _rows(indices, values, batch):
    """Each row's features of a sparse input, as TensorFlow's ExtractFeatureData walks them: the entries of
    row b are the run of entries at the current position whose first index is b."""
    out, pos, rows = [], 0, indices[:, 0]
    n = rows.shape[0]
    for b in range(batch):
        start = pos
        while pos < n and rows[pos] == b:
            pos += 1
        out.append(values[start:pos])
    return out


def _columns(ctx, inputs, n):
    indices, values, shapes = list(inputs[:n]), list(inputs[n:2 * n]), list(inputs[2 * n:3 * n])
    dense = list(inputs[3 * n:])
    return indices, values, shapes, dense


def _as_bytes(s):
    return s if isinstance(s, bytes) else str(s).encode("utf-8")


def _cross(columns, batch, generate):
    """The output SparseTensor's parts: row b's crosses at [b, 0], [b, 1], ... in product order."""
    out_indices, out_values, widest = [], [], 0
    for b in range(batch):
        feats = [col[b] for col in columns]
        count = 0
        if all(len(f) for f in feats):
            for combo in itertools.product(*feats):
                out_indices.append((b, count))
                out_values.append(generate(combo))
                count += 1
        widest = max(widest, count)
    return out_indices, out_values, widest


def _outputs(out_indices, out_values, batch, widest, value_dtype):
    indices = np.array(out_indices, np.int64).reshape(-1, 2)
    values = np.empty((len(out_values),), value_dtype)
    values[:] = out_values
    return indices, values, np.array([batch, widest], np.int64)


def _feature_lists(indices, values, shapes, dense, batch, sparse_feature, dense_feature):
    columns = []
    for ind, val in zip(indices, values):
        columns.append([[sparse_feature(v) for v in row] for row in _rows(ind, val, batch)])
    for d in dense:
        columns.append([[dense_feature(v) for v in d[b]] for b in range(batch)])
    return columns


def _fingerprint_or_value(v):
    # HashCrosser's features: a string's Fingerprint64, an integer's own bits.
    return farmhash.fingerprint64(v) if isinstance(v, (bytes, str)) else int(v) & _MASK


def _to_string(v):
    # StringCrosser's features: a string as is, an integer as std::to_string writes it.
    return _as_bytes(v) if isinstance(v, (bytes, str)) else str(int(v)).encode()


@register_kernel("SparseCross", _HOST)
def _sparse_cross(ctx, *inputs):
    a = ctx.attrs
    indices, values, shapes, dense = _columns(ctx, inputs, a["N"])
    internal = _type_name(a["internal_type"])
    batch = _validate(indices, values, shapes, dense, internal)
    if a["hashed_output"]:
        columns = _feature_lists(indices, values, shapes, dense, batch, _fingerprint_or_value, _fingerprint_or_value)
        key, buckets = a["hash_key"] & _MASK, a["num_buckets"]

        def generate(combo):
            h = key
            for f in combo:
                h = fingerprint_cat64(h, f)
            return h % buckets if buckets > 0 else h % _INT64_MAX
        out_indices, out_values, widest = _cross(columns, batch, generate)
        return _outputs(out_indices, out_values, batch, widest, np.int64)
    columns = _feature_lists(indices, values, shapes, dense, batch, _to_string, _to_string)
    out_indices, out_values, widest = _cross(columns, batch, b"_X_".join)
    return _outputs(out_indices, out_values, batch, widest, object)


@register_kernel("SparseCrossV2", _HOST)
def _sparse_cross_v2(ctx, *inputs):
    n = ctx.attrs["N"]
    indices, values, shapes, dense = _columns(ctx, inputs[:-1], n)
    batch = _validate(indices, values, shapes, dense)
    sep = inputs[-1]
    if sep.ndim != 0:
        raise invalid("Input separator should be a scalar. Received: %s", _debug_string(sep))
    columns = _feature_lists(indices, values, shapes, dense, batch, _to_string, _to_string)
    out_indices, out_values, widest = _cross(columns, batch, _as_bytes(sep.reshape(())[()]).join)
    return _outputs(out_indices, out_values, batch, widest, object)


def _debug_string(t):
    return "Tensor<type: %s shape: %s values: %s>" % (_type_name(t.dtype), dbg(t.shape), " ".join(
        str(v) for v in t.reshape(-1)[:3]))


def _keyed(key, strong, dense):
    # SparseCrossHashed's features (KeyedSparseTensorColumn / KeyedDenseTensorColumn): TensorFlow hashes the
    # first sizeof(DataType) = 4 bytes of an integer, and leaves a dense integer as it is unless hashing strongly.
    def feature(v):
        if isinstance(v, (bytes, str)):
            return siphashc.siphash(key, _as_bytes(v)) if strong else farmhash.fingerprint64(_as_bytes(v))
        if dense and not strong:
            return int(v) & _MASK
        head = struct.pack("<q", int(v))[:4]
        return siphashc.siphash(key, head) if strong else farmhash.fingerprint64(head)
    return feature


@register_kernel("SparseCrossHashed", _HOST)
def _sparse_cross_hashed(ctx, *inputs):
    n = ctx.attrs["N"]
    indices, values, shapes, dense = _columns(ctx, inputs[:-3], n)
    batch = _validate(indices, values, shapes, dense)
    num_buckets, strong_hash, salt = inputs[-3:]
    buckets, strong = int(num_buckets.reshape(())), bool(strong_hash.reshape(()))
    salt = np.asarray(salt).reshape(-1)
    if salt.shape[0] != 2:
        raise invalid('Input "salt" must have length 2 but has length %d', salt.shape[0])
    key = struct.pack("<QQ", int(salt[0]) & _MASK, int(salt[1]) & _MASK)
    columns = _feature_lists(indices, values, shapes, dense, batch, _keyed(key, strong, False),
                             _keyed(key, strong, True))

    def generate(combo):
        h = combo[0]
        for f in combo[1:]:
            h = fingerprint_cat64(h, f)
        return h % buckets if buckets > 0 else h % _INT64_MAX
    out_indices, out_values, widest = _cross(columns, batch, generate)
    return _outputs(out_indices, out_values, batch, widest, np.int64)


@register_shape("SparseCross", "SparseCrossV2", "SparseCrossHashed")
def _sparse_cross_shape(op):
    return [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])]


not_differentiable("SparseCross", "SparseCrossV2", "SparseCrossHashed")
register_constant_value("SparseCross", "SparseCrossV2", "SparseCrossHashed")(fold_sparse_op)


def _split(inputs):
    if not isinstance(inputs, (tuple, list)):
        raise TypeError("Inputs must be a list")
    sparse = [i for i in inputs if getattr(type(i), "_tg_sparse_tensor", False)]
    if len(sparse) + sum(1 for i in inputs if isinstance(i, Tensor)) != len(inputs):
        raise TypeError("All inputs must be SparseTensors")
    dense = [i for i in inputs if isinstance(i, Tensor)]
    return sparse, dense


def _int64_unless_string(t):
    return t if t.dtype.base_dtype == dtypes.string else math_ops.cast(t, dtypes.int64)


def sparse_cross(inputs, name=None, separator=None):
    """The crosses of SparseTensor and dense ``[batch, n]`` inputs as strings, each row's features joined by
    ``separator`` (``_X_``) in every combination (SparseCrossV2).

        tg.sparse_cross([sp_a, dense_b])         # ["x_X_p", "y_X_p"] in row 0
    """
    sparse, dense = _split(inputs)
    sep = convert_to_tensor("_X_" if separator is None else separator, dtypes.string)
    out = gen("SparseCrossV2", [[s.indices for s in sparse], [_int64_unless_string(s.values) for s in sparse],
                                [s.dense_shape for s in sparse], [_int64_unless_string(d) for d in dense], sep],
              name=name, default_name="SparseCrossV2").outputs
    return SparseTensor(out[0], out[1], out[2])


def sparse_cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """The crosses of SparseTensor and dense ``[batch, n]`` inputs hashed into ``num_buckets`` (0: the whole
    int64 range) with FingerprintCat64 from ``hash_key`` (SparseCross with ``hashed_output``).

        tg.sparse_cross_hashed([sp_a, dense_b], num_buckets=1000)
    """
    sparse, dense = _split(inputs)
    values = [_int64_unless_string(s.values) for s in sparse]
    dense = [_int64_unless_string(d) for d in dense]
    internal = dtypes.int64 if any(t.dtype.base_dtype != dtypes.string for t in values + dense) else dtypes.string
    out = gen("SparseCross", [[s.indices for s in sparse], values, [s.dense_shape for s in sparse], dense],
              {"hashed_output": True, "num_buckets": num_buckets, "hash_key": hash_key or _DEFAULT_HASH_KEY,
               "out_type": dtypes.int64, "internal_type": internal}, name, "SparseCross").outputs
    return SparseTensor(out[0], out[1], out[2])
