"""Parsing serialized ``tf.Example`` protos: ParseExample and ParseExampleV2 (CPU, as in TensorFlow).

    serialized = tg.placeholder(tg.string, [None], name="tf_example")
    feats = tg.parse_example(serialized, {"x": tg.FixedLenFeature([1], tg.float32),
                                          "tags": tg.VarLenFeature(tg.string),
                                          "sp": tg.SparseFeature("ix", "val", tg.float32, size=10)})
    feats["x"]          # a dense Tensor of shape [batch, 1]
    feats["tags"]       # SparseTensor(indices, values, dense_shape)
    sess.run(feats["tags"], {serialized: batch})    # SparseTensorValue of numpy arrays

Dense features give ``[batch] + shape`` (a missing feature takes its default, or is an error when it has
none); sparse (VarLen) features give COO triples; a SparseFeature is built from its index and value
features with TensorFlow's SparseMerge ops (ending in SparseReorder). Ragged features are not supported.
Malformed protos, missing required features, wrong value types and wrong value counts raise
InvalidArgumentError naming the feature and the example's index in the batch. A SparseTensor can be
fetched (giving a SparseTensorValue) and fed (``tg.sparse_placeholder``). Batches go through a Numba
reader of the wire format first (``example_parser_fast``); what it leaves (malformed or unusual protos,
every error) is parsed with protobuf's Example message here.
"""
import collections
import re

import numpy as np
from google.protobuf.message import DecodeError

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph, name_scope
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops import example_parser_fast
from tagraph.engine.ops.array_ops import expand_dims, identity, invert_permutation, placeholder, reshape, shape
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.joining_ops import concat, stack
from tagraph.engine.ops.math_ops import cast, range as _range
from tagraph.engine.ops.op_util import register_folding
from tagraph.protos import example_pb2

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "VarLenFeature", "SparseFeature", "SparseTensor",
           "SparseTensorValue", "sparse_placeholder", "sparse_reorder", "parse_example", "parse_single_example"]


# --- feature specs -------------------------------------------------------------------------------------

class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A dense feature of a fixed ``shape``; without ``default_value`` every example must have it."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A dense feature of a variable number of ``shape``-shaped rows, padded to the batch's longest."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A variable-length feature, parsed into a SparseTensor."""


class SparseFeature(collections.namedtuple("SparseFeature",
                                           ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A sparse feature stored as index and value features of each Example, as TensorFlow's.

        # Example: {"ix": int64_list [3, 1], "val": float_list [0.5, 2.0]}
        spec = {"sp": tg.SparseFeature(index_key="ix", value_key="val", dtype=tg.float32, size=10)}
        tg.parse_example(serialized, spec)["sp"]      # SparseTensor: [0, 1] -> 2.0, [0, 3] -> 0.5; [batch, 10]

    ``index_key`` may be a list of keys (one per dimension) with ``size`` a list of the same length. The
    i-th index of each key belongs with the i-th value; an example whose index and value counts differ
    is an InvalidArgumentError naming the feature and the example's index. As in TensorFlow, indices
    are not checked against ``size``.
    """

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


SparseTensorValue = collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])
SparseTensorValue.__doc__ = """A SparseTensor's value: what ``sess.run`` returns for one, and what feeds one."""


class SparseTensor(collections.namedtuple("SparseTensor", ["indices", "values", "dense_shape"])):
    """A COO sparse tensor: ``indices`` [N, rank] int64, ``values`` [N], ``dense_shape`` [rank] int64.

    A stand-in for ``tf.SparseTensor``. Fetching one gives a :class:`SparseTensorValue` of numpy arrays;
    as a feed key it takes a SparseTensorValue (or an ``(indices, values, dense_shape)`` triple):

        sp = tg.sparse_placeholder(tg.float32, name="sp")
        sess.run(sp, {sp: SparseTensorValue([[0, 1]], [2.0], [1, 3])})
    """

    _tg_sparse_tensor = True    # the Session's marker: fetch as SparseTensorValue, feed as three parts

    def __new__(cls, indices, values, dense_shape):
        # As TensorFlow's, the parts may be Python or numpy values: they become Consts (int64 indices and shape).
        if not all(isinstance(p, Tensor) for p in (indices, values, dense_shape)):
            with name_scope(None, "SparseTensor"):
                indices = convert_to_tensor(indices, dtype=dtypes.int64, name="indices")
                values = convert_to_tensor(values, name="values")
                dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64, name="dense_shape")
        return super().__new__(cls, indices, values, dense_shape)

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """A SparseTensor of Consts holding a SparseTensorValue's arrays."""
        return cls(*sparse_tensor_value)

    @property
    def shape(self):
        return self.get_shape()

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def op(self):
        return self.values.op

    @property
    def graph(self):
        return self.values.graph

    def get_shape(self):
        # The dimensions known while building, as TensorFlow's (a constant dense_shape gives them all).
        ds = self.dense_shape
        if isinstance(ds, Tensor):
            return constant_shape(ds)
        rank = ds.shape[0] if hasattr(ds, "shape") and ds.shape.rank == 1 else None
        return TensorShape(None if rank is None else [None] * rank)


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of three placeholders (indices, values, dense_shape) to feed, as TensorFlow's.

        sp = tg.sparse_placeholder(tg.float32, shape=[None, 3], name="sp")
        sess.run(sp.values * 2, {sp: SparseTensorValue([[0, 1]], [2.0], [1, 3])})
    """
    dtype = dtypes.as_dtype(dtype)
    shape = TensorShape(None) if shape is None else as_shape(shape)
    rank = shape.rank

    def part(suffix):
        return None if name is None else name + "/" + suffix
    dense_shape = placeholder(dtypes.int64, [rank], name=part("shape"))
    values = placeholder(dtype, [None], name=part("values"))
    indices = placeholder(dtypes.int64, [None, rank], name=part("indices"))
    return SparseTensor(indices, values, dense_shape)


# --- the kernels -----------------------------------------------------------------------------------------

_KIND_OF = {"float32": "float_list", "int64": "int64_list", "string": "bytes_list"}
_WORD_OF_KIND = {"float_list": "float", "int64_list": "int64", "bytes_list": "string"}


def _type_word(dt):
    return {"float32": "float", "int64": "int64", "string": "string"}.get(dt.name, dt.name)


def _example_name(names, i):
    if names is not None and names.size:
        n = names.reshape(-1)[i]
        return n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
    return "<unknown>"


def _bad(node, msg):
    return errors.InvalidArgumentError(None, None, msg)


def _feature_values(feature, key, dt, names, i):
    """The values of one feature of one example as a 1-D array of ``dt``; None when it has none set."""
    kind = feature.WhichOneof("kind")
    if kind is None:
        return None
    want = _KIND_OF[dt.name]
    if kind != want:
        raise errors.InvalidArgumentError(
            None, None, "Name: %s, Feature: %s, example index %d.  Data types don't match. Data type: %s but "
            "expected type: %s" % (_example_name(names, i), key, i, _WORD_OF_KIND[kind], _type_word(dt)))
    if kind == "float_list":
        return np.array(feature.float_list.value, dtype=np.float32)
    if kind == "int64_list":
        return np.array(feature.int64_list.value, dtype=np.int64)
    vals = feature.bytes_list.value
    out = np.empty(len(vals), dtype=object)
    out[:] = list(vals)
    return out


def _decode_batch(serialized, names):
    flat = serialized.reshape(-1)
    maps = []
    for i, s in enumerate(flat):
        if isinstance(s, str):
            s = s.encode("utf-8")
        if not isinstance(s, (bytes, bytearray, np.bytes_)):
            raise errors.InvalidArgumentError(
                None, None, "Could not parse example input at index %d (name: %s): expected bytes, got %s"
                % (i, _example_name(names, i), type(s).__name__))
        try:
            ex = example_pb2.Example.FromString(bytes(s))
        except (DecodeError, RuntimeError, ValueError) as e:
            shown = bytes(s)[:40]
            raise errors.InvalidArgumentError(
                None, None, "Could not parse example input at index %d (name: %s), value: %r: %s"
                % (i, _example_name(names, i), shown, e)) from None
        maps.append(ex.features.feature)
    return maps


def _np_type(dt):
    return object if dt.name == "string" else dt.as_numpy_dtype


def _parse(serialized, names, sparse_keys, sparse_types, dense_keys, dense_types, dense_defaults,
           dense_shapes, node_name):
    if serialized.ndim > 1:
        raise errors.InvalidArgumentError(None, None, "Expected serialized to be a scalar or vector, got shape: %s"
                                          % (list(serialized.shape),))
    batch_shape = serialized.shape
    if names is None or not names.size or names.size == serialized.size:
        fast = example_parser_fast.parse(serialized, batch_shape, sparse_keys, sparse_types, dense_keys,
                                         dense_types, dense_defaults, dense_shapes)
        if fast is not None:
            return fast
    maps = _decode_batch(serialized, names)
    batch = len(maps)
    if names is not None and names.size and names.size != batch:
        raise errors.InvalidArgumentError(None, None, "Expected len(names) == len(serialized), got %d names for "
                                          "%d examples" % (names.size, batch))

    sparse_indices, sparse_values, sparse_shapes = [], [], []
    for key, dt in zip(sparse_keys, sparse_types):
        key_s = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
        rows = []
        for i, fmap in enumerate(maps):
            v = _feature_values(fmap[key_s], key_s, dt, names, i) if key_s in fmap else None
            rows.append(v if v is not None else np.empty(0, dtype=_np_type(dt)))
        counts = [len(r) for r in rows]
        total = sum(counts)
        max_len = max(counts) if counts else 0
        if batch_shape:
            idx = np.empty((total, 2), dtype=np.int64)
            pos = 0
            for b, n in enumerate(counts):
                idx[pos:pos + n, 0] = b
                idx[pos:pos + n, 1] = np.arange(n)
                pos += n
            shape = np.array([batch, max_len], dtype=np.int64)
        else:
            idx = np.arange(total, dtype=np.int64).reshape(total, 1)
            shape = np.array([max_len], dtype=np.int64)
        values = np.concatenate(rows) if rows else np.empty(0, dtype=_np_type(dt))
        if dt.name == "string" and values.dtype != object:
            values = values.astype(object)
        sparse_indices.append(idx)
        sparse_values.append(values.astype(_np_type(dt), copy=False))
        sparse_shapes.append(shape)

    dense_values = []
    for key, dt, default, shape in zip(dense_keys, dense_types, dense_defaults, dense_shapes):
        key_s = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
        np_t = _np_type(dt)
        shape = as_shape(shape)
        if shape.rank is None:
            raise errors.InvalidArgumentError(None, None, "Dense feature '%s' has a shape of unknown rank" % key_s)
        dims = shape.dims
        default = np.asarray(default)
        if dims and dims[0] is None:
            dense_values.append(_parse_variable_dense(maps, key_s, dt, default, dims, names, batch_shape))
            continue
        if any(d is None for d in dims):
            raise errors.InvalidArgumentError(
                None, None, "Dense feature '%s': only the first dimension of its shape %s may be unknown"
                % (key_s, shape))
        n = int(np.prod(dims, dtype=np.int64))
        required = default.size == 0
        if not required:
            if default.size == n:
                default = default.reshape(dims)
            elif default.size == 1:
                default = np.broadcast_to(default.reshape(()), dims)
            else:
                raise errors.InvalidArgumentError(
                    None, None, "Default value of dense feature '%s' has %d values; its shape %s needs %d"
                    % (key_s, default.size, shape, n))
        out = np.empty((batch,) + tuple(dims), dtype=np_t)
        for i, fmap in enumerate(maps):
            v = _feature_values(fmap[key_s], key_s, dt, names, i) if key_s in fmap else None
            if v is None:
                if required:
                    raise errors.InvalidArgumentError(
                        None, None, "Name: %s, Feature: %s (data type: %s) is required but could not be found "
                        "(example index %d)." % (_example_name(names, i), key_s, _type_word(dt), i))
                out[i, ...] = default
                continue
            if v.size != n:
                raise errors.InvalidArgumentError(
                    None, None, "Name: %s, Key: %s, Index: %d.  Number of %s values != expected.  Values size: %d "
                    "but output shape: %s" % (_example_name(names, i), key_s, i, _type_word(dt), v.size,
                                              list(dims)))
            out[i, ...] = v.reshape(dims)   # element-wise: an object array never holds arrays
        dense_values.append(out if batch_shape else out.reshape(tuple(dims)))
    return sparse_indices, sparse_values, sparse_shapes, dense_values


def _parse_variable_dense(maps, key, dt, default, dims, names, batch_shape):
    # FixedLenSequenceFeature: rows of shape dims[1:], padded with a scalar default to the longest.
    row_shape = tuple(dims[1:])
    if any(d is None for d in row_shape):
        raise errors.InvalidArgumentError(None, None, "Dense feature '%s': only the first dimension may be unknown"
                                          % key)
    stride = int(np.prod(row_shape, dtype=np.int64)) if row_shape else 1
    np_t = _np_type(dt)
    if default.size == 0:
        pad = b"" if np_t is object else np.zeros((), np_t)
    elif default.size == 1:
        pad = default.reshape(())
    else:
        raise errors.InvalidArgumentError(None, None, "Variable-length dense feature '%s' needs a scalar default "
                                          "(its padding value), got %d values" % (key, default.size))
    rows = []
    for i, fmap in enumerate(maps):
        v = _feature_values(fmap[key], key, dt, names, i) if key in fmap else None
        if v is None:
            v = np.empty(0, dtype=np_t)
        if stride and v.size % stride:
            raise errors.InvalidArgumentError(
                None, None, "Name: %s, Key: %s, Index: %d.  Number of %s values is not a multiple of stride "
                "length. Saw %d values but output shape is: %s" % (_example_name(names, i), key, i,
                                                                   _type_word(dt), v.size, list(dims)))
        rows.append(v.reshape((-1,) + row_shape) if stride else v.reshape((0,) + row_shape))
    longest = max((len(r) for r in rows), default=0)
    out = np.empty((len(maps), longest) + row_shape, dtype=np_t)
    out[...] = pad
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out if batch_shape else out[0]


def _strings(arr):
    return [x for x in np.asarray(arr, dtype=object).reshape(-1)]


@register_kernel("ParseExampleV2", "CPU")
def _parse_example_v2(ctx, serialized, names, sparse_keys, dense_keys, ragged_keys, *dense_defaults):
    a = ctx.attrs
    ragged = _strings(ragged_keys)
    if ragged or a.get("ragged_value_types"):
        raise errors.UnimplementedError(
            None, None, "ParseExampleV2: ragged features are not supported by tagraph (ragged keys: %s)"
            % ", ".join(k.decode("utf-8", "replace") if isinstance(k, bytes) else str(k) for k in ragged))
    sparse_types = a.get("sparse_types") or []
    dense_types = a.get("Tdense") or []
    dense_shapes = a.get("dense_shapes") or []
    sk, dk = _strings(sparse_keys), _strings(dense_keys)
    if len(sk) != a.get("num_sparse", 0) or len(sk) != len(sparse_types):
        raise errors.InvalidArgumentError(None, None, "ParseExampleV2: expected %d sparse keys, got %d"
                                          % (a.get("num_sparse", 0), len(sk)))
    if len(dk) != len(dense_types) or len(dense_shapes) != len(dense_types):
        raise errors.InvalidArgumentError(None, None, "ParseExampleV2: expected %d dense keys (and shapes), got %d"
                                          % (len(dense_types), len(dk)))
    si, sv, ss, dv = _parse(serialized, names, sk, sparse_types, dk, dense_types, dense_defaults, dense_shapes,
                            ctx.node_name)
    pairs = getattr(ctx.op, "_tg_sparse_feature_pairs", None)
    if pairs:
        _check_sparse_feature_counts(pairs, sk, si, names)
    return _outputs(si + sv + ss + dv)


@register_kernel("ParseExample", "CPU")
def _parse_example_v1(ctx, serialized, names, *rest):
    a = ctx.attrs
    ns, nd = a["Nsparse"], a["Ndense"]
    sk = [np.asarray(k, dtype=object).reshape(()).item() for k in rest[:ns]]
    dk = [np.asarray(k, dtype=object).reshape(()).item() for k in rest[ns:ns + nd]]
    defaults = rest[ns + nd:]
    si, sv, ss, dv = _parse(serialized, names, sk, a.get("sparse_types") or [], dk, a.get("Tdense") or [],
                            defaults, a.get("dense_shapes") or [], ctx.node_name)
    return _outputs(si + sv + ss + dv)


def _check_sparse_feature_counts(pairs, sparse_keys, sparse_indices, names):
    """A SparseFeature's index and value features must hold as many entries in every example."""
    keys = [k.decode("utf-8", "replace") if isinstance(k, bytes) else str(k) for k in sparse_keys]

    def per_example(key, batch):
        idx = sparse_indices[keys.index(key)]
        if idx.shape[1] == 1:       # one example, not a batch
            return np.array([idx.shape[0]], np.int64)
        return np.bincount(idx[:, 0], minlength=batch)

    batch = max((int(i[:, 0].max()) + 1 for i in sparse_indices if i.shape[1] == 2 and i.shape[0]), default=1)
    for feature, index_keys, value_key in pairs:
        want = per_example(value_key, batch)
        for ik in index_keys:
            got = per_example(ik, batch)
            bad = np.flatnonzero(got != want)
            if bad.size:
                i = int(bad[0])
                raise errors.InvalidArgumentError(
                    None, None, "Name: %s, SparseFeature: %s, example index %d.  Index feature %s has %d values "
                    "but value feature %s has %d; they must have as many" % (
                        _example_name(names, i), feature, i, ik, got[i], value_key, want[i]))


def _outputs(values):
    # The plan stores a one-output op's value as is, a several-output op's as a tuple.
    if len(values) == 1:
        return values[0]
    return tuple(values) if values else None


def _parse_shapes(op, n_sparse):
    batch = op.inputs[0].shape
    dense_shapes = op.get_attr("dense_shapes") if "dense_shapes" in op.attr_names else []
    brank = batch.rank
    out = []
    rank = None if brank is None else brank + 1
    out += [TensorShape([None, rank])] * n_sparse
    out += [TensorShape([None])] * n_sparse
    out += [TensorShape([rank])] * n_sparse
    for s in dense_shapes:
        s = as_shape(s)
        if brank is None or s.rank is None:
            out.append(TensorShape(None))
        else:
            out.append(TensorShape(list(batch.dims) + list(s.dims)))
    out += [TensorShape(None)] * (len(op.outputs) - len(out))
    return out


@register_shape("ParseExampleV2")
def _parse_example_v2_shape(op):
    return _parse_shapes(op, op.get_attr("num_sparse"))


@register_shape("ParseExample")
def _parse_example_shape(op):
    return _parse_shapes(op, op.get_attr("Nsparse"))


not_differentiable("ParseExample", "ParseExampleV2")


# --- SparseReorder (what SparseFeature's merge ends with, as in TensorFlow's graphs) -------------------

@register_kernel("SparseReorder", "CPU")
def _sparse_reorder(ctx, indices, values, shape):
    indices, values, shape = np.asarray(indices), np.asarray(values), np.asarray(shape)
    if indices.ndim != 2:
        raise errors.InvalidArgumentError(None, None, "Input indices should be a matrix but received shape %s"
                                          % list(indices.shape))
    if values.ndim != 1:
        raise errors.InvalidArgumentError(None, None, "Input values should be a vector but received shape %s"
                                          % list(values.shape))
    if shape.ndim != 1:
        raise errors.InvalidArgumentError(None, None, "Input shape should be a vector but received shape %s"
                                          % list(shape.shape))
    if indices.shape[0] != values.shape[0]:
        raise errors.InvalidArgumentError(None, None, "Number of elements in indices (%d) and values (%d) do not "
                                          "match" % (indices.shape[0], values.shape[0]))
    if indices.shape[1] != shape.shape[0]:
        raise errors.InvalidArgumentError(None, None, "Index rank (%d) and shape rank (%d) do not match"
                                          % (indices.shape[1], shape.shape[0]))
    if indices.shape[0] < 2 or indices.shape[1] == 0:
        return indices.copy(), values.copy()
    # Row-major order of the indices; stable, so equal indices keep their order.
    order = np.lexsort(indices.T[::-1])
    return indices[order], values[order]


@register_shape("SparseReorder")
def _sparse_reorder_shape(op):
    ind, val = op.inputs[0].shape, op.inputs[1].shape
    n = ind.dims[0] if ind.rank == 2 else None
    if n is None and val.rank == 1:
        n = val.dims[0]
    rank = ind.dims[1] if ind.rank == 2 else None
    return [TensorShape([n, rank]), TensorShape([n])]


@register_gradient("SparseReorder")
def _sparse_reorder_grad(op, unused_indices_grad, values_grad):
    # As TensorFlow's: reorder the entries' positions the same way, and send each value's gradient back to
    # the position it came from.
    input_indices, input_shape = op.inputs[0], op.inputs[2]
    entry_indices = _range(shape(input_indices)[0])
    ordered = sparse_reorder(SparseTensor(input_indices, entry_indices, input_shape))
    return [None, gather(values_grad, invert_permutation(ordered.values)), None]


register_folding("SparseReorder")     # as TensorFlow's shape refiner evaluates a reorder of constants


def sparse_reorder(sp_input, name=None):
    """The same SparseTensor with its entries in row-major (canonical) order."""
    graph = get_default_graph()
    op = graph.create_op("SparseReorder", [sp_input.indices, sp_input.values, sp_input.dense_shape],
                         {"T": sp_input.values.dtype.base_dtype}, name=name or "SparseReorder")
    return SparseTensor(op.outputs[0], op.outputs[1], identity(sp_input.dense_shape))


# --- the Python API ------------------------------------------------------------------------------------

def _check_dtype(key, dt):
    dt = dtypes.as_dtype(dt)
    if dt.name not in ("float32", "int64", "string"):
        raise ValueError("Feature '%s': dtype %s is not supported; tf.Example holds float32, int64 and string"
                         % (key, dt.name))
    return dt


def _index_keys(key, spec):
    keys = [spec.index_key] if isinstance(spec.index_key, str) else list(spec.index_key or [])
    sizes = [spec.size] if isinstance(spec.index_key, str) else list(spec.size) if isinstance(
        spec.size, (list, tuple)) else None
    if not keys or not all(isinstance(k, str) and k for k in keys):
        raise ValueError("Missing index_key for SparseFeature %r (key '%s')." % (spec, key))
    if not spec.value_key:
        raise ValueError("Missing value_key for SparseFeature %r (key '%s')." % (spec, key))
    if sizes is None or len(sizes) != len(keys):
        raise ValueError("SparseFeature '%s': size must be a list with one size per index key, got %r"
                         % (key, spec.size))
    return keys, sizes


def parse_example(serialized, features, name=None, example_names=None):
    """Parses a batch of serialized ``tf.Example`` protos into a dict of feature name -> value.

    ``features`` maps names to FixedLenFeature (dense Tensor ``[batch] + shape``), FixedLenSequenceFeature
    (dense ``[batch, rows] + shape``, padded), VarLenFeature (a SparseTensor ``[batch, longest]``) or
    SparseFeature (a SparseTensor ``[batch, size]``). Builds a ParseExampleV2 op (and, for SparseFeatures,
    TensorFlow's SparseMerge ops), as TensorFlow 2's ``tf.compat.v1.parse_example`` does.

        feats = tg.parse_example(serialized, {"x": tg.FixedLenFeature([2], tg.float32, default_value=[0, 0]),
                                              "tags": tg.VarLenFeature(tg.string)})
    """
    if not features:
        raise ValueError("Missing: features was %s." % features)
    graph = get_default_graph()
    sparse_keys, sparse_types, dense = [], [], []

    def add_sparse(key, dt):
        if key in sparse_keys:
            known = sparse_types[sparse_keys.index(key)]
            if known != dt:
                raise ValueError("Conflicting type %s vs %s for feature %s." % (known.name, dt.name, key))
        else:
            sparse_keys.append(key)
            sparse_types.append(dt)

    merges = []     # (feature key, index keys, sizes, value key, already_sorted)
    for key in sorted(features):
        spec = features[key]
        if isinstance(spec, VarLenFeature):
            add_sparse(key, _check_dtype(key, spec.dtype))
        elif isinstance(spec, SparseFeature):
            keys, sizes = _index_keys(key, spec)
            dt = _check_dtype(key, spec.dtype)
            for ik in sorted(keys):
                add_sparse(ik, dtypes.int64)
            add_sparse(spec.value_key, dt)
            merges.append((key, keys, sizes, spec.value_key, bool(spec.already_sorted)))
        elif isinstance(spec, (FixedLenFeature, FixedLenSequenceFeature)):
            dense.append((key, spec))
        else:
            raise ValueError("Unsupported feature spec for '%s': %r (ragged features are not supported)"
                             % (key, spec))
    both = sorted(set(sparse_keys) & {k for k, _ in dense})
    if both:
        raise ValueError("Dense and sparse keys must not intersect; intersection: %s" % both)
    with name_scope(name or "ParseExample"):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        defaults, shapes, tdense = [], [], []
        for key, spec in dense:
            dt = _check_dtype(key, spec.dtype)
            shape = as_shape(spec.shape)
            if isinstance(spec, FixedLenSequenceFeature):
                if not spec.allow_missing:
                    raise ValueError("Unsupported: FixedLenSequenceFeature requires allow_missing to be True.")
                shape = TensorShape([None] + list(shape.dims))
                if spec.default_value is None:
                    d = constant("" if dt.name == "string" else 0, dtype=dt, name="padding_%s" % _clean(key))
                else:
                    d = convert_to_tensor(spec.default_value, dtype=dt, name="padding_%s" % _clean(key))
            elif spec.default_value is None:
                if not shape.is_fully_defined():
                    raise ValueError("Feature '%s': FixedLenFeature needs a fully defined shape, got %s"
                                     % (key, shape))
                d = constant([], dtype=dt, name="Const")
            else:
                if not shape.is_fully_defined():
                    raise ValueError("Feature '%s': FixedLenFeature needs a fully defined shape, got %s"
                                     % (key, shape))
                d = convert_to_tensor(spec.default_value, dtype=dt, name="key_%s" % _clean(key))
                d = reshape(d, np.array(shape.dims, dtype=np.int32))
            defaults.append(d)
            shapes.append(shape)
            tdense.append(dt)
        with name_scope("ParseExampleV2") as scope:
            names_t = constant(list(example_names) if example_names is not None else [], dtype=dtypes.string,
                               shape=None if example_names is not None else [0], name="names")
            sk = constant(list(sparse_keys), dtype=dtypes.string, shape=[len(sparse_keys)], name="sparse_keys")
            dk = constant([k for k, _ in dense], dtype=dtypes.string, shape=[len(dense)], name="dense_keys")
            rk = constant([], dtype=dtypes.string, shape=[0], name="ragged_keys")
            op = graph.create_op(
                "ParseExampleV2", [serialized, names_t, sk, dk, rk, defaults],
                {"Tdense": tdense, "num_sparse": len(sparse_keys), "sparse_types": sparse_types,
                 "ragged_value_types": [], "ragged_split_types": [], "dense_shapes": shapes},
                name=scope)
    if merges:
        # Not in the GraphDef (TensorFlow has no such attribute): lets the kernel name the SparseFeature
        # and the example whose index and value counts differ, where SparseReorder could only count.
        op._tg_sparse_feature_pairs = [(key, keys, value_key) for key, keys, _, value_key, _ in merges]
    outs = op.outputs
    n = len(sparse_keys)
    parsed = {}
    for j, key in enumerate(sparse_keys):
        parsed[key] = SparseTensor(outs[j], outs[n + j], outs[2 * n + j])
    for j, (key, _) in enumerate(dense):
        parsed[key] = outs[3 * n + j]
    result = {key: parsed[key] for key in features if key in parsed}
    for key, keys, sizes, value_key, already_sorted in merges:
        result[key] = _sparse_merge([parsed[k] for k in keys], parsed[value_key], sizes, already_sorted)
    return {key: result[key] for key in features}


def _sparse_merge(sp_ids, sp_values, sizes, already_sorted):
    # TensorFlow's sparse_merge_impl, op for op: the ids become the last index columns.
    with name_scope("SparseMerge"):
        ids = [expand_dims(sp.values, axis=1) for sp in sp_ids]
        sizes = [cast(convert_to_tensor(s), dtypes.int64) for s in sizes]
        new_indices = concat([sp_ids[0].indices[:, :-1]] + ids, 1)
        new_shape = concat([sp_ids[0].dense_shape[:-1], stack(sizes)], 0)
        if already_sorted:
            return SparseTensor(new_indices, sp_values.values, new_shape)
        reordered = sparse_reorder(SparseTensor(new_indices, sp_values.values, new_shape))
        return SparseTensor(reordered.indices, reordered.values, new_shape)


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parses one serialized ``tf.Example`` (a scalar string): dense values without the batch dimension."""
    with name_scope(name or "ParseSingleExample"):
        serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        if serialized.shape.rank not in (None, 0):
            raise ValueError("Input serialized must be a scalar, got shape %s" % serialized.shape)
        return parse_example(serialized, features, example_names=example_names)


def _clean(key):
    return re.sub(r"[^A-Za-z0-9_.\-/]", "_", key) or "feature"
