"""The tables behind the lookup ops (lookup_ops' kernels hold and call them), in host memory, with
TensorFlow's semantics and error messages:

- :class:`StaticTable`: HashTableV2, TensorFlow's ``HashTable`` (an ``InitializableLookupTable``): filled
  once, read-only after. Finding before that is "Table not initialized."; initializing again succeeds when
  the new data has as many entries (TensorFlow compares sizes only) and is refused otherwise.
- :class:`MutableTable`: MutableHashTableV2 (scalar values) and MutableHashTableOfTensorsV2 (vectors).
- :class:`DenseTable`: MutableDenseHashTableV2, open addressing with quadratic probing over a power-of-two
  number of buckets, hashed as TensorFlow hashes (its export is the bucket arrays, the same as TensorFlow's).

Keys are Python values (bytes for strings, ints), so a lookup is one dict probe per key. Each table has a
lock: sessions run concurrently (the model server's threads) and share one table.
"""
import threading

import numpy as np

from tagraph.engine.framework import dtypes, errors
from tagraph.engine.ops.op_util import dbg, invalid
from tagraph.engine.ops.string_hash_ops import hash64

__all__ = ["StaticTable", "MutableTable", "DenseTable"]

_MISSING = object()
_MASK = (1 << 64) - 1


def _np_dtype(dtype):
    return np.dtype(object) if dtype == dtypes.string else np.dtype(dtype.as_numpy_dtype)


def _as_key(v):
    return v.encode("utf-8") if isinstance(v, str) else v


def _show(v):
    """A key or value as TensorFlow's StrCat writes it in messages."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return "%g" % v
    return str(v)


def _array(values, dtype, shape, rows=False):
    """``values`` (a list of Python values, or of equal-length rows) as an array of ``dtype`` and ``shape``."""
    if dtype == np.dtype(object):
        # np.array would make a bytes array, or split rows of tuples differently: fill an object array.
        out = np.empty((len(values), shape[-1]) if rows else len(values), dtype=object)
        if values:
            out[...] = values
        return out.reshape(shape)
    return np.array(values, dtype=dtype).reshape(shape)


class _Table:
    """What every table offers the kernels; the checks are TensorFlow's LookupInterface's."""

    initializable = False
    kind = "table"

    def __init__(self, container, name, key_dtype, value_dtype, value_shape=()):
        self.container, self.name = container, name
        self.key = ("lookup_table", container, name)
        self.key_dtype, self.value_dtype = key_dtype, value_dtype
        self.key_shape, self.value_shape = (), tuple(value_shape)
        self._np_value = _np_dtype(value_dtype)
        self._np_key = _np_dtype(key_dtype)
        self.lock = threading.Lock()

    def __repr__(self):
        return "<%s %s/%s %s->%s>" % (type(self).__name__, self.container, self.name, self.key_dtype.name,
                                       self.value_dtype.name)

    def _prefix(self, keys):
        """The keys' shape without the table's key dimensions."""
        return tuple(keys.shape[:keys.ndim - len(self.key_shape)])

    def _check_key_shape(self, keys):
        if tuple(keys.shape[keys.ndim - len(self.key_shape):]) != self.key_shape or keys.ndim < len(self.key_shape):
            raise invalid("Input key shape %s must end with the table's key shape %s", dbg(keys.shape),
                          dbg(self.key_shape))

    def check_values(self, keys, values):
        """TensorFlow's CheckKeyAndValueTensorsForInsert / ForImport."""
        self._check_key_shape(keys)
        expected = self._prefix(keys) + self.value_shape
        if tuple(values.shape) != expected:
            raise invalid("Expected shape %s for value, got %s", dbg(expected), dbg(values.shape))

    def _check_find(self, keys, default):
        self._check_key_shape(keys)
        full = self._prefix(keys) + self.value_shape
        if tuple(default.shape) != self.value_shape and tuple(default.shape) != full:
            raise invalid("Expected shape %s or %s for default value, got %s", dbg(self.value_shape), dbg(full),
                          dbg(default.shape))

    def _keys(self, keys):
        flat = keys.reshape(-1).tolist()
        return [_as_key(k) for k in flat] if self.key_dtype == dtypes.string else flat

    def _gather(self, entries, keys, default):
        """The values of ``keys`` in ``entries`` (a dict of values, or of rows for vector values), the
        default (one value, or one per key) where a key is missing."""
        flat = self._keys(keys)
        rows = bool(self.value_shape)
        per_key = tuple(default.shape) != self.value_shape
        dflt = default.reshape(len(flat) if per_key else 1, -1).tolist() if rows else default.reshape(-1).tolist()
        if per_key:
            got = [entries.get(k, _MISSING) for k in flat]
            values = [dflt[i] if v is _MISSING else v for i, v in enumerate(got)]
        else:
            values = [entries.get(k, dflt[0]) for k in flat]
        return _array(values, self._np_value, self._prefix(keys) + self.value_shape, rows)

    def insert(self, keys, values):
        raise errors.UnimplementedError(None, None, "Insert not supported by InitializableLookupTable "
                                        "implementations")

    def remove(self, keys):
        raise errors.UnimplementedError(None, None, "Remove not supported by InitializableLookupTable "
                                        "implementations")


class StaticTable(_Table):
    """HashTableV2: an initializable table of scalar values."""

    initializable = True

    def __init__(self, container, name, key_dtype, value_dtype):
        super().__init__(container, name, key_dtype, value_dtype)
        self._entries = None
        self._initialized = False

    def size(self):
        return len(self._entries) if self._initialized else 0

    def find(self, keys, default):
        self._check_find(keys, default)
        if not self._initialized:
            raise errors.FailedPreconditionError(None, None, "Table not initialized.")
        # TensorFlow's HashTable accepts one default per key but uses the first for every missing key.
        return self._gather(self._entries, keys, default.reshape(-1)[:1].reshape(()))

    def export(self):
        with self.lock:
            if not self._initialized:
                raise errors.AbortedError(None, None, "HashTable is not initialized.")
            n = len(self._entries)
            return (_array(list(self._entries), self._np_key, (n,)),
                    _array(list(self._entries.values()), self._np_value, (n,)))

    def import_values(self, keys, values):
        self.initialize_from_tensors(keys, values)

    def initialize_from_tensors(self, keys, values):
        """InitializeTableV2 / LookupTableImportV2: every (key, value) of two tensors at once."""
        self.check_values(keys, values)
        rows = zip(self._keys(keys), values.reshape(-1).tolist())
        self._initialize(rows, total=keys.size, from_file=False)

    def initialize_from_rows(self, rows, from_file=True):
        """InitializeTableFromTextFileV2: ``rows`` yields (key, value) and raises the file's errors."""
        self._initialize(rows, total=None, from_file=from_file)

    def _initialize(self, rows, total, from_file):
        # TensorFlow's InitializableLookupTable::Initialize: an iterator that fails on its first entry fails
        # the initialization even when the table is initialized; otherwise an initialized table accepts
        # data of its size (and a file always, TensorFlow's InitializeTableFromTextFile ignoring the error).
        rows = iter(rows)
        first = next(rows, _MISSING)
        if first is _MISSING and from_file:
            raise errors.OutOfRangeError(None, None, "Read less bytes than requested")
        with self.lock:
            if self._initialized:
                if from_file or total == len(self._entries):
                    return
                raise errors.FailedPreconditionError(None, None, "Table was already initialized with different data.")
            if self._entries is None:
                self._entries = {}
            entries = self._entries
            if first is not _MISSING:
                self._insert_row(entries, first)
                for row in rows:
                    self._insert_row(entries, row)
            self._initialized = True

    @staticmethod
    def _insert_row(entries, row):
        key, value = row
        previous = entries.setdefault(key, value)
        if previous != value:    # NaN included, as TensorFlow compares
            raise errors.FailedPreconditionError(
                None, None, "HashTable has different value for same key. Key %s has %s and trying to add value %s"
                % (_show(key), _show(previous), _show(value)))


class MutableTable(_Table):
    """MutableHashTableV2 (``value_shape`` ()) and MutableHashTableOfTensorsV2 (a vector ``value_shape``)."""

    def __init__(self, container, name, key_dtype, value_dtype, value_shape):
        super().__init__(container, name, key_dtype, value_dtype, value_shape)
        self._entries = {}

    def size(self):
        return len(self._entries)

    def find(self, keys, default):
        self._check_find(keys, default)
        with self.lock:
            return self._gather(self._entries, keys, default)

    def _rows(self, keys, values):
        if self.value_shape:
            return zip(self._keys(keys), values.reshape(keys.size, -1).tolist())
        return zip(self._keys(keys), values.reshape(-1).tolist())

    def insert(self, keys, values):
        self.check_values(keys, values)
        with self.lock:
            self._entries.update(self._rows(keys, values))

    def import_values(self, keys, values):
        self.check_values(keys, values)
        with self.lock:
            self._entries = dict(self._rows(keys, values))

    def remove(self, keys):
        self._check_key_shape(keys)
        with self.lock:
            for k in self._keys(keys):
                self._entries.pop(k, None)

    def export(self):
        with self.lock:
            n = len(self._entries)
            return (_array(list(self._entries), self._np_key, (n,)),
                    _array(list(self._entries.values()), self._np_value, (n,) + self.value_shape,
                           bool(self.value_shape)))


# --- MutableDenseHashTableV2 ------------------------------------------------------------------------

def _hash_scalar(k):
    # TensorFlow's HashScalar: an integer is its own hash (as uint64), a string its Hash64.
    return hash64(k) if isinstance(k, bytes) else k & _MASK


def _hash_key(key):
    if len(key) == 1:
        return _hash_scalar(key[0])
    h = 0
    for k in key:
        # TensorFlow's Hash64Combine.
        h = (h ^ ((_hash_scalar(k) + 0x9E3779B97F4A7800 + (h << 10) + (h >> 4)) & _MASK)) & _MASK
    return h


class DenseTable(_Table):
    """MutableDenseHashTableV2: TensorFlow's MutableDenseHashTable, bucket for bucket."""

    def __init__(self, container, name, key_dtype, value_dtype, value_shape, empty_key, deleted_key,
                 initial_num_buckets, max_load_factor):
        super().__init__(container, name, key_dtype, value_dtype, value_shape)
        # TensorFlow computes with max_load_factor as a C++ float.
        self._load = np.float32(max_load_factor)
        if not 0 < self._load < 1:
            raise invalid("max_load_factor must be between 0 and 1, got: %g", max_load_factor)
        if empty_key.ndim > 1:
            raise invalid("Empty key must be a scalar or a vector, got shape %s", dbg(empty_key.shape))
        if tuple(deleted_key.shape) != tuple(empty_key.shape):
            raise invalid("Empty and deleted keys must have same shape, got shapes: %s and %s",
                          dbg(empty_key.shape), dbg(deleted_key.shape))
        self.key_shape = tuple(empty_key.shape)
        self._key_size = max(int(np.prod(self.key_shape)), 1)
        self._value_size = max(int(np.prod(self.value_shape)), 1)
        self._empty = tuple(self._keys(empty_key))
        self._deleted = tuple(self._keys(deleted_key))
        if self._empty == self._deleted:
            raise invalid("Empty and deleted keys cannot be equal")
        self._empty_hash, self._deleted_hash = _hash_key(self._empty), _hash_key(self._deleted)
        self._zero = np.zeros((), self._np_value).item() if self._np_value != np.dtype(object) else b""
        self._allocate(initial_num_buckets)

    def _allocate(self, n):
        if n < 4 or n & (n - 1):
            raise invalid("Number of buckets must be at least 4 and a power of 2, got: %d", n)
        self._num_buckets, self._num_entries = n, 0
        self._bucket_keys = [self._empty] * n
        self._bucket_values = [(self._zero,) * self._value_size] * n

    def size(self):
        return self._num_entries

    def _key_rows(self, keys):
        n = 1 if keys.ndim == 0 else keys.shape[0]
        if keys.size != n * self._key_size:
            raise invalid("Expected key shape %s got %s", dbg((n,) + self.key_shape), dbg(keys.shape))
        flat = self._keys(keys)
        k = self._key_size
        return [tuple(flat[i * k:(i + 1) * k]) for i in range(n)]

    def _check_marker(self, key, h):
        """Neither marker may be used as a key."""
        if h == self._empty_hash and key == self._empty:
            raise invalid("Using the empty_key as a table key is not allowed")
        if h == self._deleted_hash and key == self._deleted:
            raise invalid("Using the deleted_key as a table key is not allowed")

    def find(self, keys, default):
        self._check_find(keys, default)
        default_row = tuple(default.reshape(-1).tolist()[:self._value_size])
        with self.lock:
            rows = []
            mask = self._num_buckets - 1
            for key in self._key_rows(keys):
                h = _hash_key(key)
                self._check_marker(key, h)
                bucket, probes = h & mask, 0
                while True:
                    held = self._bucket_keys[bucket]
                    if held == key:
                        rows.append(self._bucket_values[bucket])
                        break
                    if held == self._empty:
                        rows.append(default_row)
                        break
                    probes += 1
                    bucket = (bucket + probes) & mask
                    if probes >= self._num_buckets:
                        raise errors.InternalError(None, None, "Internal error in MutableDenseHashTable lookup")
        values = rows if self.value_shape else [r[0] for r in rows]
        return _array(values, self._np_value, self._prefix(keys) + self.value_shape, bool(self.value_shape))

    def insert(self, keys, values):
        self.check_values(keys, values)
        key_rows = self._key_rows(keys)
        with self.lock:
            pending = self._num_entries + len(key_rows)
            if np.float32(pending) > np.float32(self._num_buckets) * self._load:
                n = self._num_buckets
                while True:
                    n <<= 1
                    if not np.float32(pending) > np.float32(n) * self._load:
                        break
                old = list(zip(self._bucket_keys, self._bucket_values))
                self._allocate(n)
                self._insert(old, skip_markers=True)
            value_rows = [tuple(r) for r in values.reshape(len(key_rows), -1).tolist()]
            self._insert(list(zip(key_rows, value_rows)), skip_markers=False)

    def _insert(self, pairs, skip_markers):
        mask = self._num_buckets - 1
        for key, value in pairs:
            h = _hash_key(key)
            if skip_markers and ((h == self._empty_hash and key == self._empty) or
                                 (h == self._deleted_hash and key == self._deleted)):
                continue
            self._check_marker(key, h)
            bucket, probes = h & mask, 0
            while True:
                held = self._bucket_keys[bucket]
                if held == key:
                    self._bucket_values[bucket] = value
                    break
                if held == self._empty or held == self._deleted:
                    self._num_entries += 1
                    self._bucket_keys[bucket] = key
                    self._bucket_values[bucket] = value
                    break
                probes += 1
                bucket = (bucket + probes) & mask
                if probes >= self._num_buckets:
                    raise errors.InternalError(None, None, "Internal error in MutableDenseHashTable insert")

    def remove(self, keys):
        self._check_key_shape(keys)
        key_rows = self._key_rows(keys)
        with self.lock:
            mask = self._num_buckets - 1
            for key in key_rows:
                h = _hash_key(key)
                self._check_marker(key, h)
                bucket, probes = h & mask, 0
                while True:
                    held = self._bucket_keys[bucket]
                    if held == key:
                        self._num_entries -= 1
                        self._bucket_keys[bucket] = self._deleted
                        break
                    if held == self._empty:
                        break
                    probes += 1
                    bucket = (bucket + probes) & mask
                    if probes >= self._num_buckets:
                        raise errors.InternalError(None, None, "Internal error in MutableDenseHashTable remove")

    def check_import(self, keys, values):
        """TensorFlow's CheckKeyAndValueTensorsForImport of a dense table: bucket arrays, [n, key size] and
        [n, value size]."""
        self._check_key_shape(keys)
        key_dims = len(self.key_shape) or 1
        expected = tuple(keys.shape[:keys.ndim - key_dims]) + (self.value_shape or (1,))
        if tuple(values.shape) != expected:
            raise invalid("Expected shape %s for value, got %s", dbg(expected), dbg(values.shape))

    def import_values(self, keys, values):
        self.check_import(keys, values)
        n = keys.shape[0]
        with self.lock:
            self._num_buckets = n
            self._bucket_keys = [tuple(_as_key(k) for k in r) for r in keys.reshape(n, -1).tolist()]
            self._bucket_values = [tuple(r) for r in values.reshape(n, -1).tolist()]
            self._num_entries = sum(1 for k in self._bucket_keys if k != self._empty and k != self._deleted)

    def export(self):
        with self.lock:
            n = self._num_buckets
            return (_array(self._bucket_keys, self._np_key, (n, self._key_size), rows=True),
                    _array(self._bucket_values, self._np_value, (n, self._value_size), rows=True))
