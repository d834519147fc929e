"""ParseExample's fast path: a batch of serialized ``tf.Example``s read by Numba straight into the output
arrays (``example_parser_numba``), instead of one protobuf message and one Python list per feature.

    got = parse(serialized, batch_shape, sparse_keys, sparse_types, dense_keys, dense_types, defaults, shapes)
    if got is None:      # not for the fast path: protobuf's parser gives the result, or the error
        ...

It covers FixedLenFeature, FixedLenSequenceFeature and VarLenFeature of float32, int64 and string, over
records that are ``bytes``. It gives None, and so the caller's own parser the whole batch, wherever that
parser decides: a record that is malformed or encoded otherwise than protobuf's serializers write (unknown
or repeated fields, a key twice, multi-byte tags), a missing required feature, a value of the wrong type
or count, a default of the wrong size, a shape it rejects, elements that are not bytes (str, bytearray),
a big-endian machine. Its results are the caller's, array for array (a float's bits are copied as they
are, so a signalling NaN stays one, as in TensorFlow).
"""
import functools
import sys

import numpy as np

from tagraph.engine.framework import bytes_array
from tagraph.engine.framework.tensor_shape import as_shape

__all__ = ["parse"]

_KIND = {"float32": 1, "int64": 2, "string": 0}     # example_parser_numba's FLOAT, INT64, BYTES
_SPARSE, _DENSE, _SEQUENCE = 0, 1, 2


@functools.lru_cache(maxsize=1)
def _kernels():
    if sys.byteorder != "little":     # packed floats are copied byte for byte
        return None
    from tagraph.engine.ops import example_parser_numba   # loads Numba: only when first needed
    return example_parser_numba


def _text(key):
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)


class _Plan:
    """What the kernels need to know of one set of feature specs (kept per spec: a session parses many
    batches with one): the key table and per key its kind, mode and values per record (or per row)."""

    def __init__(self, sparse_keys, sparse_types, dense_keys, dense_types, dense_shapes):
        self.ok = all(dt.name in _KIND for dt in list(sparse_types) + list(dense_types))
        self.dense = [_dense_layout(s) for s in dense_shapes]
        self.ok = self.ok and None not in self.dense
        if not self.ok:
            return
        keys = [_text(k).encode("utf-8") for k in list(sparse_keys) + list(dense_keys)]
        self.key_offsets = np.zeros(len(keys) + 1, np.int64)
        np.cumsum([len(k) for k in keys], out=self.key_offsets[1:])
        self.key_buf = np.frombuffer(b"".join(keys) or b"\0", np.uint8)
        self.kinds = np.array([_KIND[dt.name] for dt in list(sparse_types) + list(dense_types)], np.int64)
        self.modes = np.array([_SPARSE] * len(sparse_types) + [d[0] for d in self.dense], np.int64)
        self.sizes = np.array([1] * len(sparse_types) + [d[1] for d in self.dense], np.int64)
        self.optional = np.zeros(len(keys), np.bool_)


def _dense_layout(shape):
    """(mode, values per record or row, dims or row dims) of a dense key's shape; None to leave it."""
    shape = as_shape(shape)
    if shape.rank is None:
        return None
    dims = shape.dims
    if dims and dims[0] is None:
        row = dims[1:]
        if any(d is None for d in row):
            return None
        stride = int(np.prod(row, dtype=np.int64)) if row else 1
        return (_SEQUENCE, stride, tuple(row)) if stride else None
    if any(d is None for d in dims):
        return None
    return _DENSE, int(np.prod(dims, dtype=np.int64)), tuple(dims)


@functools.lru_cache(maxsize=64)
def _cached_plan(*spec):
    return _Plan(*spec)


def _plan(*spec):
    try:
        return _cached_plan(*spec)
    except TypeError:       # unhashable (shapes given as lists)
        return _Plan(*spec)


def _default(dt, default, mode, size, dims):
    """A dense key's default as its values, or a sequence's padding (``parse`` has checked its size)."""
    if mode == _SEQUENCE:
        if default.size == 0:
            return b"" if dt.name == "string" else np.zeros((), dt.as_numpy_dtype)
        return default.reshape(())
    if default.size == size:
        return default.reshape(dims)
    return np.broadcast_to(default.reshape(()), dims)


def parse(serialized, batch_shape, sparse_keys, sparse_types, dense_keys, dense_types, dense_defaults,
          dense_shapes):
    """ParseExample's outputs ``(sparse indices, sparse values, sparse shapes, dense values)`` for the
    serialized Examples ``serialized`` (an object array of shape ``batch_shape``, a scalar or a vector);
    None where protobuf's parser must decide."""
    kernels = _kernels()
    if kernels is None:
        return None
    plan = _plan(tuple(sparse_keys), tuple(sparse_types), tuple(dense_keys), tuple(dense_types),
                 tuple(dense_shapes))
    if not plan.ok:
        return None
    records = serialized.reshape(-1).tolist()
    if set(map(type, records)) - {bytes}:
        return None
    ns = len(sparse_types)
    required = plan.optional
    defaults = []
    for j, (dt, default, (mode, size, dims)) in enumerate(zip(dense_types, dense_defaults, plan.dense)):
        default = np.asarray(default)
        if mode == _DENSE and default.size != 0 and default.size != 1 and default.size != size:
            return None
        if mode == _SEQUENCE and default.size > 1:
            return None
        if mode == _DENSE and default.size == 0:
            if required is plan.optional:
                required = plan.optional.copy()
            required[ns + j] = True
        defaults.append(default)

    n = len(records)
    lengths = np.fromiter(map(len, records), np.int64, n)
    addrs, keep = _addresses(records, lengths)
    nkeys = plan.kinds.size
    starts = np.empty((nkeys, n), np.int64)
    ends = np.empty((nkeys, n), np.int64)
    counts = np.empty((nkeys, n), np.int64)
    if kernels.scan(addrs, lengths, plan.key_buf, plan.key_offsets, plan.kinds, plan.modes, plan.sizes, required,
                    starts, ends, counts):
        return None

    reader = _Reader(kernels, addrs, lengths, records, keep)
    si, sv, ss = [], [], []
    for k, dt in enumerate(sparse_types):
        c = counts[k]
        total = int(c.sum())
        first = np.zeros(n, np.int64)
        np.cumsum(c[:-1], out=first[1:])
        values = reader.values(dt, starts[k], ends[k], first, total)
        longest = int(c.max()) if n else 0
        if batch_shape:
            idx = np.empty((total, 2), np.int64)
            idx[:, 0] = np.repeat(np.arange(n, dtype=np.int64), c)
            idx[:, 1] = np.arange(total, dtype=np.int64) - np.repeat(first, c)
            shape = np.array([n, longest], np.int64)
        else:
            idx = np.arange(total, dtype=np.int64).reshape(total, 1)
            shape = np.array([longest], np.int64)
        si.append(idx)
        sv.append(values)
        ss.append(shape)

    dv = []
    for j, (dt, default, (mode, size, dims)) in enumerate(zip(dense_types, defaults, plan.dense)):
        k = ns + j
        if mode == _DENSE:
            out = reader.dense(dt, starts[k], ends[k], counts[k], n, size, dims)
            missing = starts[k] < 0
            if missing.any():
                out[missing] = _default(dt, default, mode, size, dims)
            dv.append(out if batch_shape else out.reshape(dims))
        else:
            pad = _default(dt, default, mode, size, dims)
            out = reader.sequence(dt, starts[k], ends[k], counts[k], n, size, dims, pad)
            dv.append(out if batch_shape else out[0])
    return si, sv, ss, dv


def _addresses(records, lengths):
    """The address of each record's characters, and what keeps them there: the bytes objects themselves
    where CPython's layout is known (``bytes_array``), else one buffer of them all."""
    layout = bytes_array.layout()
    if layout is not None:      # CPython: an object's id is its address
        return np.fromiter(map(id, records), np.int64, len(records)) + layout[2], records
    data = np.frombuffer(b"".join(records) or b"\0", np.uint8)
    addrs = np.zeros(len(records), np.int64)
    np.cumsum(lengths[:-1], out=addrs[1:])
    return addrs + data.ctypes.data, data


class _Reader:
    """Copies the located values of one batch into arrays (``keep`` holds the records where they lie)."""

    def __init__(self, kernels, addrs, lengths, records, keep):
        self.k, self.addrs, self.lengths, self.records, self.keep = kernels, addrs, lengths, records, keep

    def values(self, dt, starts, ends, dest, total):
        """The values of every record, record ``i``'s from ``dest[i]`` on, as one array of ``total``."""
        if dt.name == "string":
            spans = np.empty((total, 2), np.int64)
            self.k.bytes_spans(self.addrs, self.lengths, starts, ends, dest, spans)
            counts = np.diff(np.append(dest, total))
            owner = np.repeat(np.arange(dest.size), counts).tolist()
            records = self.records
            out = np.empty(total, object)
            out[:] = [records[r][s:e] for r, (s, e) in zip(owner, spans.tolist())]
            return out
        out = np.empty(total, dt.as_numpy_dtype)
        self._copy(dt, starts, ends, dest, out)
        return out

    def _copy(self, dt, starts, ends, dest, out):
        if dt.name == "float32":
            self.k.copy_floats(self.addrs, self.lengths, starts, ends, dest, out.view(np.uint8))
        else:
            self.k.copy_int64s(self.addrs, self.lengths, starts, ends, dest, out)

    def dense(self, dt, starts, ends, counts, n, size, dims):
        """``[n] + dims`` values, ``size`` per record; the rows of records without the key are left unset."""
        out = np.empty((n,) + dims, object if dt.name == "string" else dt.as_numpy_dtype)
        if dt.name == "string":
            first = np.zeros(n, np.int64)
            np.cumsum(counts[:-1], out=first[1:])
            values = self.values(dt, starts, ends, first, int(counts.sum()))
            flat = out.reshape(-1)
            if values.size == flat.size:
                flat[:] = values
            else:
                flat[np.repeat(starts >= 0, size)] = values
        else:
            self._copy(dt, starts, ends, np.arange(n, dtype=np.int64) * size, out.reshape(-1))
        return out

    def sequence(self, dt, starts, ends, counts, n, stride, row, pad):
        """``[n, longest] + row``: each record's rows of ``stride`` values, padded with ``pad``."""
        longest = int(counts.max()) // stride if n else 0
        out = np.empty((n, longest) + row, object if dt.name == "string" else dt.as_numpy_dtype)
        out[...] = pad
        width = longest * stride
        if dt.name == "string":
            first = np.zeros(n, np.int64)
            np.cumsum(counts[:-1], out=first[1:])
            total = int(counts.sum())
            values = self.values(dt, starts, ends, first, total)
            at = np.repeat(np.arange(n, dtype=np.int64) * width - first, counts) + np.arange(total, dtype=np.int64)
            out.reshape(-1)[at] = values
        else:
            self._copy(dt, starts, ends, np.arange(n, dtype=np.int64) * width, out.reshape(-1))
        return out
