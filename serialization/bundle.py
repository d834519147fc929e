"""Tensor bundle V2: TensorFlow's checkpoint format (``tensorflow/core/util/tensor_bundle``).

A checkpoint with prefix ``P`` is

* ``P.data-00000-of-00001`` (one file per shard): the tensors' bytes back to back, in the order
  they were added, no padding. Numeric tensors are their little-endian element bytes; a string
  tensor is ``varint64 length`` per element, a ``uint32`` masked CRC32C of those lengths (each
  checksummed as a little-endian uint32, or uint64 when it does not fit), then the element bytes.
* ``P.index``: a table (:mod:`tagraph.serialization.table`) mapping the empty key to a
  ``BundleHeaderProto`` (num_shards, endianness, version) and each tensor name, in bytewise order,
  to a ``BundleEntryProto`` (dtype, shape, shard_id, offset, size, masked CRC32C of the bytes).
  A tensor saved in slices (a partitioned variable) has an entry listing them and one entry per slice
  (:mod:`tagraph.serialization.bundle_slices`).

:class:`BundleWriter` writes byte-for-byte what TensorFlow's ``BundleWriter`` writes, atomically
(temporary names, flush, fsync, rename; data before index; on an object store each file is uploaded to its
final key once complete, data before index: see ``atomic_file``). :class:`BundleReader` checks every
length against the files before allocating and every checksum before returning, and raises
:class:`DataLossError` naming the file and tensor on any mismatch.

Example::

    >>> import numpy as np, tempfile, os
    >>> prefix = os.path.join(tempfile.mkdtemp(), "model.ckpt")
    >>> with BundleWriter(prefix) as writer:
    ...     writer.add("v1", np.ones(3, np.float32))
    ...     writer.add("words", np.array([b"a", b"bc"], dtype=object))
    >>> reader = BundleReader(prefix)
    >>> reader.keys(), reader.read("v1")
    (['v1', 'words'], array([1., 1., 1.], dtype=float32))
"""

import logging
import os
import struct
import sys

import numpy as np
import google_crc32c
from google.protobuf.message import DecodeError

from tagraph.engine.framework import file_io
from tagraph.protos import tensor_bundle_pb2, types_pb2
from tagraph.serialization import bundle_dtypes, bundle_slices
from tagraph.serialization.atomic_file import (
    fsync_dir as _fsync_dir, remove_quietly as _remove_quietly, temp_name as _temp_name,
    write_atomic as _write_file_atomically)
from tagraph.engine.framework.errors import (
    DataLossError, FailedPreconditionError, InvalidArgumentError, NotFoundError, OpError, UnimplementedError,
    from_os_error,
)
from tagraph.serialization.table import (FOOTER_SIZE, TABLE_MAGIC, Table, TableBuilder, encode_varint, mask_crc,
                                         unmask_crc)

__all__ = [
    "BundleWriter", "BundleReader", "merge_bundles", "data_filename", "meta_filename",
    "sharded_filename", "TENSOR_BUNDLE_VERSION", "TENSOR_BUNDLE_MIN_PRODUCER",
    "TENSOR_BUNDLE_MIN_CONSUMER", "HEADER_ENTRY_KEY", "v1_fallback_error", "crc32c_of_array",
]

_log = logging.getLogger(__name__)

TENSOR_BUNDLE_VERSION = 1  # kTensorBundleVersion: what this writer produces / this reader consumes
TENSOR_BUNDLE_MIN_PRODUCER = 0
TENSOR_BUNDLE_MIN_CONSUMER = 0
HEADER_ENTRY_KEY = b""
_MAX_DIMS = 254  # TensorShape::MaxDimensions()
_INT64_MAX = (1 << 63) - 1
_CHUNK = 1 << 22  # bytes per write / checksum step: bounds the temporary copies
_U32 = struct.Struct("<I")
_WRITE_CHUNK = 1 << 24  # bytes per write() of a numeric tensor
_HAVE_PREADV = hasattr(os, "preadv")
_PIPELINE_MIN_BYTES = 1 << 23  # below this, reading on two threads does not pay
_READ_CHUNK = 1 << 20  # bytes read, then checksummed, at a time: fits in the CPU's cache


def _load_crc32c_extend():
    """``crc32c_extend(crc, address, length)`` of the library google_crc32c wraps, or None.

    google_crc32c's Python entry point accepts only ``bytes``, which would cost a copy of every
    tensor; calling the same C function through ctypes checksums numpy buffers in place (and
    releases the GIL while it runs). Checked against google_crc32c before it is trusted.
    """
    try:
        import ctypes
        import glob
        if getattr(google_crc32c, "implementation", "c") != "c":
            return None
        here = os.path.dirname(google_crc32c.__file__)
        candidates = sorted(glob.glob(os.path.join(here + ".libs", "libcrc32c*")))
        candidates += sorted(glob.glob(os.path.join(here, "_crc32c*")))
        for path in candidates:
            try:
                fn = ctypes.CDLL(path).crc32c_extend
            except (OSError, AttributeError):
                continue
            fn.restype = ctypes.c_uint32
            fn.argtypes = [ctypes.c_uint32, ctypes.c_void_p, ctypes.c_size_t]
            probe = np.frombuffer(b"tagraph checks its checksum", dtype=np.uint8)
            if fn(7, probe.ctypes.data, probe.size) == google_crc32c.extend(7, probe.tobytes()):
                return fn
    except Exception:  # noqa: BLE001 - any surprise: fall back to the copying path
        pass
    return None


_crc32c_extend_c = _load_crc32c_extend()


def crc32c_of_array(crc, flat):
    """CRC32C of a contiguous uint8 array ``flat``, continuing from ``crc``, without copying it."""
    if flat.size == 0:
        return crc
    if _crc32c_extend_c is not None:
        return int(_crc32c_extend_c(crc, flat.ctypes.data, flat.size))
    for start in range(0, flat.size, _CHUNK):
        crc = google_crc32c.extend(crc, flat[start:start + _CHUNK].tobytes())
    return crc


def meta_filename(prefix):
    """``<prefix>.index``"""
    return "%s.index" % os.fspath(prefix)


def data_filename(prefix, shard_id, num_shards):
    """``<prefix>.data-<shard_id>-of-<num_shards>``, five digits each (naming.cc)."""
    return "%s.data-%05d-of-%05d" % (os.fspath(prefix), shard_id, num_shards)


def sharded_filename(filename_prefix, shard, num_shards):
    """``<prefix>-<shard>-of-<num_shards>``: the per-shard prefix of a sharded save."""
    return "%s-%05d-of-%05d" % (os.fspath(filename_prefix), shard, num_shards)


def _key_bytes(name):
    if isinstance(name, bytes):
        return name
    if isinstance(name, str):
        return name.encode("utf-8", "surrogateescape")
    raise InvalidArgumentError(None, None, "tensor name must be str or bytes, got %r" % (name,))


def _key_str(key):
    return key.decode("utf-8", "surrogateescape")


def _header_proto(num_shards, endianness=tensor_bundle_pb2.BundleHeaderProto.LITTLE, version=None):
    header = tensor_bundle_pb2.BundleHeaderProto()
    header.num_shards = num_shards
    header.endianness = endianness
    if version is None:
        header.version.producer = TENSOR_BUNDLE_VERSION
        header.version.min_consumer = TENSOR_BUNDLE_MIN_CONSUMER
    else:
        header.version.CopyFrom(version)
    return header


def _write_index(path, header, entries):
    """Writes the ``.index`` table: the header under the empty key, then ``entries`` sorted."""
    import io

    buf = io.BytesIO()
    builder = TableBuilder(buf)
    builder.add(HEADER_ENTRY_KEY, header.SerializeToString())
    for key in sorted(entries):
        builder.add(key, entries[key].SerializeToString())
    builder.finish()
    _write_file_atomically(path, buf.getvalue())


# ------------------------------------------------------------------------------------------ writing


def _string_elements(array):
    out = []
    for item in array.reshape(-1):
        if isinstance(item, (bytes, np.bytes_)):
            out.append(bytes(item))
        elif isinstance(item, (str, np.str_)):
            out.append(str(item).encode("utf-8"))
        elif isinstance(item, (bytearray, memoryview)):
            out.append(bytes(item))
        else:
            raise InvalidArgumentError(
                None, None, "string tensor elements must be bytes or str, got %s" % type(item).__name__)
    return out


class BundleWriter:
    """Writes one checkpoint (tensor bundle V2), streaming each tensor to the data file.

    ``BundleWriter(prefix)`` writes ``<prefix>.data-00000-of-00001`` and, on :meth:`finish`,
    ``<prefix>.index`` -- exactly TensorFlow's bytes. ``shard_id``/``num_shards`` name the data
    file ``<prefix>.data-<shard_id>-of-<num_shards>`` and record them in the entries and header
    instead (TensorFlow itself always writes shard 0 of 1, and saves sharded checkpoints as one
    bundle per shard prefix, joined by :func:`merge_bundles`).

    ``add(name, array)`` takes numpy arrays (or anything ``np.asarray`` accepts) of float16/32/64,
    int8..64, uint8..64, bool, complex64/128, bfloat16 (an ``ml_dtypes`` array, or a uint16 array
    of raw bits with ``dtype="bfloat16"``), and strings (object arrays of bytes/str, or numpy
    bytes/str arrays; str is written as UTF-8). Used as a context manager it finishes on success
    and removes its temporary files on an exception::

        with BundleWriter("/tmp/ckpt/model.ckpt") as w:
            w.add("v1", np.zeros(3, np.float32))
    """

    def __init__(self, prefix, shard_id=0, num_shards=1):
        prefix = os.fspath(prefix)
        if not isinstance(prefix, str) or not prefix:
            raise InvalidArgumentError(None, None, "BundleWriter: prefix must be a non-empty path")
        if not (isinstance(num_shards, int) and num_shards >= 1 and isinstance(shard_id, int)
                and 0 <= shard_id < num_shards):
            raise InvalidArgumentError(
                None, None, "BundleWriter: need 0 <= shard_id < num_shards, got shard %r of %r"
                % (shard_id, num_shards))
        self._prefix = prefix
        self._shard_id = shard_id
        self._num_shards = num_shards
        self._data_path = data_filename(prefix, shard_id, num_shards)
        self._meta_path = meta_filename(prefix)
        self._tmp_data_path = _temp_name(self._data_path)
        self._entries = {}
        self._size = 0
        self._error = None
        self._closed = False
        self._pool = None
        self._remote = file_io.is_url(prefix)
        if self._remote:
            # Spooled locally and uploaded to its final key by finish(): the object appears whole or not at all.
            self._out = file_io.open(self._data_path, "wb")
            return
        directory = os.path.dirname(prefix)
        try:
            if directory:
                os.makedirs(directory, exist_ok=True)
            self._out = open(self._tmp_data_path, "wb", buffering=1 << 20)
        except OSError as e:
            raise from_os_error(e, self._tmp_data_path) from None

    @property
    def prefix(self):
        return self._prefix

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.finish()
        else:
            self.abort()
        return False

    def _check_open(self):
        if self._closed:
            raise FailedPreconditionError(None, None, "BundleWriter for %s is closed" % self._prefix)
        if self._error is not None:
            raise FailedPreconditionError(
                None, None, "BundleWriter for %s failed earlier: %s" % (self._prefix, self._error))

    def add(self, name, value, dtype=None):
        """Appends tensor ``value`` under ``name`` to the data file.

        ``dtype``: optional DataType (enum value, or a name such as ``"bfloat16"``/``"DT_QINT8"``)
        to record instead of the one implied by the array; the array's bytes are written as they
        are, so its item size must match that type's.
        """
        self._check_open()
        key = _key_bytes(name)
        if key == HEADER_ENTRY_KEY:
            raise InvalidArgumentError(None, None, "the empty tensor name is reserved for the bundle header")
        if key in self._entries:
            raise InvalidArgumentError(None, None, "Adding duplicate key: %s" % _key_str(key))
        array, datatype = self._prepare(name, value, dtype)
        if any(d > _INT64_MAX for d in array.shape):
            raise InvalidArgumentError(None, None, "tensor %s is too large" % _key_str(key))

        entry = tensor_bundle_pb2.BundleEntryProto()
        entry.dtype = datatype
        entry.shape.SetInParent()
        for d in array.shape:
            entry.shape.dim.add(size=d)
        entry.shard_id = self._shard_id
        entry.offset = self._size
        # Validate string elements before any byte reaches the file.
        elements = _string_elements(array) if datatype == types_pb2.DT_STRING else None
        try:
            if elements is not None:
                size, crc = self._write_strings(elements)
            else:
                size, crc = self._write_numeric(array)
        except OSError as e:
            self._error = e
            raise from_os_error(e, self._tmp_data_path) from None
        except BaseException as e:
            self._error = e
            raise
        entry.size = size
        entry.crc32c = mask_crc(crc)
        self._size += size
        self._entries[key] = entry

    def add_slice(self, name, full_shape, slice_spec, value, dtype=None):
        """Appends ``value`` as slice ``slice_spec`` (a :class:`bundle_slices.TensorSlice`) of tensor ``name``
        of shape ``full_shape``, as TensorFlow's ``BundleWriter::AddSlice``: the full tensor's entry lists
        its slices, each slice's data is an entry of its own. A slice that is the whole tensor is added whole.
        """
        self._check_open()
        if slice_spec.covers(full_shape):
            return self.add(name, value, dtype)
        key = _key_bytes(name)
        if key == HEADER_ENTRY_KEY:
            raise InvalidArgumentError(None, None, "the empty tensor name is reserved for the bundle header")
        array, datatype = self._prepare(name, value, dtype)
        entries = dict(self._entries)   # recorded only once the slice's data is written
        slice_key = bundle_slices.add_slice_entry(entries, key, tuple(full_shape), slice_spec, datatype)
        self.add(slice_key, array, dtype)
        self._entries[key] = entries[key]

    def _prepare(self, name, value, dtype):
        array = value if isinstance(value, np.ndarray) else np.asarray(value)
        if dtype is not None:
            datatype = bundle_dtypes.parse_datatype(dtype)
            if datatype is None:
                raise InvalidArgumentError(None, None, "unknown dtype %r for tensor %s" % (dtype, name))
            if datatype == types_pb2.DT_STRING:
                return array, datatype
            storage = bundle_dtypes.numpy_dtype(datatype)
            if storage is None:
                raise UnimplementedError(
                    None, None, "cannot write %s tensors" % bundle_dtypes.datatype_name(datatype))
            if array.dtype.kind in "OSU" or array.dtype.itemsize != storage.itemsize:
                raise InvalidArgumentError(
                    None, None, "tensor %s: a %s array cannot be written as %s (item size %d)"
                    % (name, array.dtype, bundle_dtypes.datatype_name(datatype), storage.itemsize))
            return array, datatype
        datatype = bundle_dtypes.datatype_of(array.dtype)
        if datatype is None:
            raise InvalidArgumentError(
                None, None, "tensor %s: numpy dtype %s has no TensorFlow DataType" % (name, array.dtype))
        return array, datatype

    def _write_numeric(self, array):
        if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and sys.byteorder == "big"):
            array = array.astype(array.dtype.newbyteorder("<"))
        flat = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
        # Streamed straight from the array: no copy of the tensor is made (writes larger than the
        # file's buffer go to the kernel from the caller's memory).
        crc = None
        if flat.size >= _PIPELINE_MIN_BYTES and _crc32c_extend_c is not None:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tagraph-crc")
            crc = self._pool.submit(crc32c_of_array, 0, flat)  # checksummed while it is written
        view = memoryview(flat)
        try:
            for start in range(0, flat.size, _WRITE_CHUNK):
                self._out.write(view[start:start + _WRITE_CHUNK])
        finally:
            if crc is not None:
                crc = crc.result()
        return int(flat.size), crc if crc is not None else crc32c_of_array(0, flat)

    def _write_strings(self, elements):
        lengths = bytearray()
        crc = 0
        for item in elements:
            n = len(item)
            lengths += encode_varint(n)
            crc = google_crc32c.extend(crc, struct.pack("<I", n) if n <= 0xFFFFFFFF else struct.pack("<Q", n))
        length_checksum = _U32.pack(mask_crc(crc))
        head = bytes(lengths) + length_checksum
        self._out.write(head)
        crc = google_crc32c.extend(crc, length_checksum)
        size = len(head)
        batch, batch_bytes = [], 0
        for item in elements + [None]:
            if item is None or batch_bytes + len(item) > _CHUNK:
                if batch:  # many small strings: one write and one checksum step per batch
                    joined = b"".join(batch) if len(batch) > 1 else batch[0]
                    self._out.write(joined)
                    crc = google_crc32c.extend(crc, joined)
                    size += len(joined)
                    batch, batch_bytes = [], 0
                if item is None:
                    break
            batch.append(item)
            batch_bytes += len(item)
        return size, crc

    def finish(self):
        """Closes the data file, renames it into place, then writes ``<prefix>.index``."""
        if self._error is not None and not self._closed:
            self.abort()
            raise FailedPreconditionError(
                None, None, "BundleWriter for %s failed earlier (%s); nothing was written"
                % (self._prefix, self._error))
        self._check_open()
        self._closed = True
        self._close_pool()
        if self._remote:
            self._out.close()   # the upload of the data file; the index follows it
            _write_index(self._meta_path, _header_proto(self._num_shards), self._entries)
            return
        try:
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            os.replace(self._tmp_data_path, self._data_path)
        except OSError as e:
            self._out.close()
            _remove_quietly(self._tmp_data_path)
            raise from_os_error(e, self._data_path) from None
        # Written atomically; its folder's fsync also makes the data file's rename above durable.
        _write_index(self._meta_path, _header_proto(self._num_shards), self._entries)

    def abort(self):
        """Discards everything written so far (no final file is left behind)."""
        if self._closed:
            return
        self._closed = True
        self._close_pool()
        if self._remote:
            self._out.discard()
            return
        try:
            self._out.close()
        finally:
            _remove_quietly(self._tmp_data_path)

    def _close_pool(self):
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __del__(self):
        try:
            if not self._closed:
                self.abort()
        except Exception:
            pass


# ------------------------------------------------------------------------------------------ merging


def merge_bundles(prefixes, merged_prefix, delete_old_dirs=True, allow_missing_files=False):
    """MergeV2Checkpoints: joins per-shard bundles into one checkpoint at ``merged_prefix``.

    The data files are renamed to ``<merged_prefix>.data-<i>-of-<N>`` (shard ids in order of first
    use), a merged ``<merged_prefix>.index`` is written atomically, the inputs' ``.index`` files are
    deleted, and with ``delete_old_dirs`` the inputs' directories (other than the merged prefix's)
    are removed when they are left empty.
    """
    prefixes = [os.fspath(p) for p in prefixes]
    merged_prefix = os.fspath(merged_prefix)
    merged_dir = os.path.dirname(merged_prefix)
    remote = file_io.is_url(merged_prefix)
    if merged_dir and not remote:
        try:
            os.makedirs(merged_dir, exist_ok=True)
        except OSError as e:
            raise from_os_error(e, merged_dir) from None

    num_shards = 0
    endianness = None
    version = None
    entries = {}
    shard_ids = {}  # old data file -> new shard id
    found_any = False
    for prefix in prefixes:
        index_path = meta_filename(prefix)
        if not file_io.exists(index_path):
            if allow_missing_files:
                continue
            raise InvalidArgumentError(
                None, None, "allow_missing_files was set to false and %s did not exist." % prefix)
        found_any = True
        header, bundle_entries = _read_index(index_path)
        num_shards += header.num_shards
        if version is None:
            endianness, version = header.endianness, header.version
        else:
            if header.endianness != endianness:
                raise InvalidArgumentError(
                    None, None, "Merging bundles with conflicting endianness; inputs corrupted?")
            if header.version.SerializeToString() != version.SerializeToString():
                raise InvalidArgumentError(
                    None, None, "Merging bundles with different format versions: %s" % prefix)
        for key, raw in bundle_entries:
            entry = _parse_entry(raw, key, index_path)
            existing = entries.get(key)
            if existing is not None:
                if not existing.slices or not entry.slices:
                    raise InvalidArgumentError(
                        None, None, "Duplicate tensor keyed by %s encountered, when merging prefix: %s"
                        % (_key_str(key), prefix))
                if existing.dtype != entry.dtype or existing.shape != entry.shape:
                    raise InvalidArgumentError(
                        None, None, "Slices of %s disagree on dtype or shape" % _key_str(key))
                existing.slices.extend(entry.slices)
                continue
            old_file = data_filename(prefix, entry.shard_id, header.num_shards)
            entry.shard_id = shard_ids.setdefault(old_file, len(shard_ids))
            entries[key] = entry
    if not found_any:
        raise InvalidArgumentError(
            None, None, "At least one prefix checkpoint file must exist, but none existed.")

    for old_file, new_id in shard_ids.items():
        new_file = data_filename(merged_prefix, new_id, len(shard_ids))
        if remote or file_io.is_url(old_file):
            file_io.rename(old_file, new_file, overwrite=True)   # a copy then a delete on an object store
            continue
        try:
            os.replace(old_file, new_file)
        except OSError as e:
            raise from_os_error(e, old_file) from None
    header = _header_proto(num_shards, endianness, version)
    _write_index(meta_filename(merged_prefix), header, entries)
    _fsync_dir(merged_dir)
    for prefix in prefixes:
        _remove_quietly(meta_filename(prefix))
    if delete_old_dirs and not remote:   # an object store's "directories" vanish with their last object
        for prefix in prefixes:
            directory = os.path.dirname(prefix)
            if directory == merged_dir:
                continue
            try:
                os.rmdir(directory)
            except OSError as e:  # not empty, or already removed by an earlier prefix
                _log.debug("merge_bundles: not removing %s: %s", directory, e)


# ------------------------------------------------------------------------------------------ reading


def _read_index(index_path):
    """(header, [(key, raw entry)...]) of an index file; DataLossError on any corruption."""
    table = _open_table(index_path)
    items = table.items()
    if not items or items[0][0] != HEADER_ENTRY_KEY:
        raise DataLossError(
            None, None, "Unable to read file (%s): the bundle header entry is missing" % index_path)
    header = tensor_bundle_pb2.BundleHeaderProto()
    try:
        header.ParseFromString(items[0][1])
    except DecodeError:
        raise DataLossError(
            None, None, "Unable to read file (%s): unable to parse header" % index_path) from None
    if header.num_shards < 1:
        raise DataLossError(
            None, None, "Unable to read file (%s): header claims %d shards" % (index_path, header.num_shards))
    return header, items[1:]


def _open_table(path):
    if file_io.is_url(path):
        return Table.from_bytes(file_io.read_file(path), path)
    return Table.open(path)


def _parse_entry(raw, key, index_path):
    entry = tensor_bundle_pb2.BundleEntryProto()
    try:
        entry.ParseFromString(raw)
    except DecodeError:
        raise DataLossError(
            None, None, "Entry for key %s not parseable in %s." % (_key_str(key), index_path)) from None
    return entry


def _check_versions(version, index_path):
    if version.producer < TENSOR_BUNDLE_MIN_PRODUCER:
        raise InvalidArgumentError(
            None, None, "Checkpoint %s: producer version %d below min producer %d supported by "
            "tagraph. Please regenerate your checkpoint." % (index_path, version.producer,
                                                             TENSOR_BUNDLE_MIN_PRODUCER))
    if version.min_consumer > TENSOR_BUNDLE_VERSION:
        raise InvalidArgumentError(
            None, None, "Checkpoint %s: min consumer version %d above current version %d for "
            "tagraph. Please upgrade." % (index_path, version.min_consumer, TENSOR_BUNDLE_VERSION))
    if TENSOR_BUNDLE_VERSION in version.bad_consumers:
        raise InvalidArgumentError(
            None, None, "Checkpoint %s: consumer version %d disallowed by the producer."
            % (index_path, TENSOR_BUNDLE_VERSION))


def v1_fallback_error(path, tensor_name=None):
    """The error TensorFlow gives when ``path`` has no ``.index`` but is itself a file.

    TensorFlow then reads ``path`` as a V1 checkpoint (a table of tensor slices). tagraph reads only
    V2, so it reproduces the outcome: a file that is no table gives TensorFlow's DataLossError; a
    table (typically a V2 ``.index`` given in place of its prefix) holds no V1 tensors, so it gives
    TensorFlow's NotFoundError for ``tensor_name``, or None when no tensor was asked for (an empty
    checkpoint, as TensorFlow's reader sees it).
    """
    hint = (": perhaps your file is in a different file format and you need to use a different restore "
            "operator?")
    try:
        size = file_io.stat(path).length
        with file_io.open(path, "rb") as f:
            if size >= FOOTER_SIZE:
                f.seek(size - 8)
                magic = struct.unpack("<Q", f.read(8))[0]
    except OSError as e:
        return from_os_error(e, path)
    except OpError as e:
        return e
    if size < FOOTER_SIZE:
        return DataLossError(None, None, "Unable to open table file %s: DATA_LOSS: file is too short to be an "
                             "sstable%s" % (path, hint))
    if magic != TABLE_MAGIC:
        return DataLossError(None, None, "Unable to open table file %s: DATA_LOSS: not an sstable (bad magic "
                             "number)%s" % (path, hint))
    try:
        _open_table(path)
    except DataLossError as e:
        return DataLossError(None, None, "Unable to open table file %s: DATA_LOSS: %s%s" % (path, e.message, hint))
    if tensor_name is not None:
        return NotFoundError(None, None, 'Tensor name "%s" not found in checkpoint files %s' % (tensor_name, path))
    return None


class BundleReader:
    """Reads a checkpoint (tensor bundle V2) written by TensorFlow or :class:`BundleWriter`.

    ``keys()`` lists the tensor names (bytewise order), ``contains(name)``,
    ``dtype_and_shape(name)`` gives ``(DataType enum value, shape tuple)``, ``read(name)`` a numpy
    array (an object array of ``bytes`` for strings; a uint16 array of raw bits for bfloat16
    unless ``ml_dtypes`` is installed). Missing files raise :class:`NotFoundError`; any corruption,
    truncation or inconsistency :class:`DataLossError`. Use as a context manager, or call
    ``close()``, to release the data files::

        with BundleReader("/tmp/ckpt/model.ckpt") as reader:
            v1 = reader.read("v1")
    """

    def __init__(self, prefix):
        prefix = os.fspath(prefix)
        self._prefix = prefix
        self._files = {}
        self._file_sizes = {}  # shard -> size when opened: lengths are checked against it
        # An object store's files are read with seek and read (no positioned reads), by one thread.
        self._remote = file_io.is_url(prefix)
        index_path = meta_filename(prefix)
        self._index_path = index_path
        if not file_io.exists(index_path):
            raise NotFoundError(
                None, None, "Unsuccessful TensorSliceReader constructor: Failed to find any matching "
                "files for %s" % prefix)
        header, raw_entries = _read_index(index_path)
        if header.endianness not in (tensor_bundle_pb2.BundleHeaderProto.LITTLE,
                                     tensor_bundle_pb2.BundleHeaderProto.BIG):
            raise DataLossError(
                None, None, "Unable to read file (%s): unknown endianness %d" % (index_path, header.endianness))
        _check_versions(header.version, index_path)
        self._num_shards = header.num_shards
        self._big_endian = header.endianness == tensor_bundle_pb2.BundleHeaderProto.BIG
        self._entries = {}
        self._keys = []
        for key, raw in raw_entries:
            entry = _parse_entry(raw, key, index_path)
            self._check_shape(key, entry)
            self._entries[key] = entry
            self._keys.append(key)

    def _check_shape(self, key, entry):
        shape = entry.shape
        if shape.unknown_rank or len(shape.dim) > _MAX_DIMS or any(d.size < 0 for d in shape.dim):
            raise DataLossError(
                None, None, "Invalid tensor shape: %s in %s" % (_key_str(key), self._index_path))
        numel = 1
        for d in shape.dim:
            numel *= d.size
        if numel > _INT64_MAX:
            raise DataLossError(
                None, None, "Invalid tensor shape: %s in %s has more than 2**63-1 elements"
                % (_key_str(key), self._index_path))

    # -- queries

    @property
    def prefix(self):
        return self._prefix

    @property
    def num_shards(self):
        return self._num_shards

    def keys(self):
        """The tensor names, in bytewise order."""
        return [_key_str(k) for k in self._keys]

    def contains(self, name):
        return _key_bytes(name) in self._entries

    __contains__ = contains

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self._keys)

    def entry(self, name):
        """A copy of the ``BundleEntryProto`` of ``name``."""
        copy = tensor_bundle_pb2.BundleEntryProto()
        copy.CopyFrom(self._lookup(name))
        return copy

    def _lookup(self, name):
        key = _key_bytes(name)
        entry = self._entries.get(key)
        if entry is None:
            raise NotFoundError(None, None, "Key %s not found in checkpoint" % _key_str(key))
        return entry

    def dtype_and_shape(self, name):
        """``(DataType enum value, shape tuple)`` of tensor ``name``."""
        entry = self._lookup(name)
        return entry.dtype, tuple(d.size for d in entry.shape.dim)

    def _variable_entries(self):
        # As TensorFlow's CheckpointReader: a partitioned tensor under its full name, not its slices' keys.
        hidden = bundle_slices.slice_keys(self._entries)
        return [(k, e) for k, e in self._entries.items() if k not in hidden]

    def get_variable_to_shape_map(self):
        """``{name: [dims]}`` like TensorFlow's ``CheckpointReader``."""
        return {_key_str(k): [d.size for d in e.shape.dim] for k, e in self._variable_entries()}

    def get_variable_to_dtype_map(self):
        """``{name: DataType enum value}``."""
        return {_key_str(k): e.dtype for k, e in self._variable_entries()}

    # -- reading

    def _data_file(self, shard_id):
        f = self._files.get(shard_id)
        if f is None:
            path = data_filename(self._prefix, shard_id, self._num_shards)
            if self._remote:
                self._file_sizes[shard_id] = file_io.stat(path).length
                self._files[shard_id] = f = file_io.open(path, "rb")
                return f
            try:
                f = open(path, "rb", buffering=0)
                self._file_sizes[shard_id] = os.fstat(f.fileno()).st_size
            except OSError as e:
                raise from_os_error(e, "checkpoint data file %s" % path) from None
            self._files[shard_id] = f
        return f

    def read(self, name):
        """The value of tensor ``name`` as a numpy array, checksum verified (assembled from its slices when
        it was saved in parts)."""
        entry = self._lookup(name)
        if entry.slices:
            return self.read_slice(name, bundle_slices.TensorSlice.full(len(entry.shape.dim)))
        return self._finish(self._start(name))

    def read_slice(self, name, slice_spec):
        """Slice ``slice_spec`` (a :class:`bundle_slices.TensorSlice`) of tensor ``name``, whether it was
        saved whole or in slices (TensorFlow's ``BundleReader::LookupSlice``)."""
        key = _key_bytes(name)
        return bundle_slices.read_slice(key, self._lookup(key), slice_spec, self._lookup,
                                        lambda k: self._finish(self._start(k)))

    def read_many(self, names):
        """The values of ``names``, in order, each checksum verified.

        Numeric tensors are read straight into their final arrays, a chunk at a time, each chunk
        checksummed while it is still in the CPU's cache; large sets are read by two threads at once
        (reads and the C checksum both release the GIL).
        """
        names = list(names)
        total = 0
        for name in names:
            entry = self._lookup(name)
            if entry.dtype != types_pb2.DT_STRING:
                total += max(entry.size, 0)
        if len(names) < 2 or total < _PIPELINE_MIN_BYTES or _crc32c_extend_c is None or not _HAVE_PREADV or \
                self._remote or any(self._lookup(name).slices for name in names):
            return [self.read(name) for name in names]
        for name in names:  # open every shard here: the workers then only read
            entry = self._lookup(name)
            if 0 <= entry.shard_id < self._num_shards:
                self._data_file(entry.shard_id)
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="tagraph-read") as pool:
            futures = [pool.submit(self.read, name) for name in names]
            try:
                return [f.result() for f in futures]
            finally:
                for f in futures:   # after a failure, nothing more is read
                    f.cancel()

    def _start(self, name):
        """Validates ``name``'s entry and reads its bytes: (value, raw bytes, crc or None, entry, where)."""
        key = _key_bytes(name)
        entry = self._lookup(key)
        tensor = _key_str(key)
        datatype = entry.dtype
        if not bundle_dtypes.is_valid_datatype(datatype) or datatype == types_pb2.DT_INVALID:
            raise DataLossError(
                None, None, "tensor %s in %s has invalid dtype %d" % (tensor, self._index_path, datatype))
        np_dtype = bundle_dtypes.numpy_dtype(datatype)
        if np_dtype is None:
            raise UnimplementedError(
                None, None, "tensor %s in %s has dtype %s, which tagraph cannot read from a checkpoint"
                % (tensor, self._prefix, bundle_dtypes.datatype_name(datatype)))
        shape = tuple(d.size for d in entry.shape.dim)
        numel = 1
        for d in shape:
            numel *= d
        if not 0 <= entry.shard_id < self._num_shards:
            raise DataLossError(
                None, None, "tensor %s in %s: shard %d out of range [0, %d)"
                % (tensor, self._index_path, entry.shard_id, self._num_shards))
        offset, size = entry.offset, entry.size
        if offset < 0 or size < 0:
            raise DataLossError(
                None, None, "tensor %s in %s: negative offset or size" % (tensor, self._index_path))
        if datatype == types_pb2.DT_STRING:
            # Each element needs at least a one-byte length; a non-empty tensor also its 4-byte checksum.
            if size < numel + (4 if numel else 0):
                raise DataLossError(
                    None, None, "Invalid size in bundle entry: key %s; stored size %d; expected size is "
                    "at least %d" % (tensor, size, numel + 4))
        elif size != numel * np_dtype.itemsize:
            raise DataLossError(
                None, None, "Invalid size in bundle entry: key %s; stored size %d; expected size %d"
                % (tensor, size, numel * np_dtype.itemsize))

        f = self._data_file(entry.shard_id)
        path = data_filename(self._prefix, entry.shard_id, self._num_shards)
        file_size = self._file_sizes[entry.shard_id]
        if offset + size > file_size:
            raise DataLossError(
                None, None, "tensor %s claims bytes [%d, %d) of %s, which holds only %d bytes "
                "(truncated or corrupted checkpoint)" % (tensor, offset, offset + size, path, file_size))
        if datatype == types_pb2.DT_STRING:
            value, crc = self._read_strings(f, path, tensor, offset, size, numel)
            return value.reshape(shape), None, crc, entry, (tensor, path, size, offset)
        value, raw, crc = self._read_numeric(f, path, tensor, offset, size, shape, np_dtype)
        return value, raw, crc, entry, (tensor, path, size, offset)

    def _finish(self, started):
        value, raw, crc, entry, (tensor, path, size, offset) = started
        if crc is None:
            crc = crc32c_of_array(0, raw)
        if unmask_crc(entry.crc32c) != crc:
            raise DataLossError(
                None, None, "Checksum does not match for tensor %s in %s (%d bytes at offset %d): "
                "stored %08x vs. calculated on the restored bytes %08x"
                % (tensor, path, size, offset, unmask_crc(entry.crc32c), crc))
        if not value.dtype.isnative:
            value = value.astype(value.dtype.newbyteorder("="))
        return value

    def _read_exact(self, f, path, tensor, offset, buf):
        view = memoryview(buf).cast("B")
        got = 0
        if _HAVE_PREADV and not self._remote:   # positioned reads straight into the array: no shared position
            fd = f.fileno()
            while got < len(view):
                n = os.preadv(fd, [view[got:]], offset + got)
                if not n:
                    raise DataLossError(
                        None, None, "tensor %s: %s ended after %d of %d bytes" % (tensor, path, got, len(view)))
                got += n
            return
        f.seek(offset)
        while got < len(view):
            n = f.readinto(view[got:])
            if not n:
                raise DataLossError(
                    None, None, "tensor %s: %s ended after %d of %d bytes" % (tensor, path, got, len(view)))
            got += n

    def _read_numeric(self, f, path, tensor, offset, size, shape, np_dtype):
        file_dtype = np_dtype.newbyteorder(">" if self._big_endian else "<") \
            if np_dtype.byteorder not in ("|",) and np_dtype.kind != "V" else np_dtype
        value = np.empty(shape, dtype=file_dtype)
        raw = value.reshape(-1).view(np.uint8)
        crc = 0
        try:
            # A chunk at a time, checksummed right after it is read, while it is still in the CPU's cache.
            for start in range(0, size, _READ_CHUNK):
                chunk = raw[start:start + _READ_CHUNK]
                self._read_exact(f, path, tensor, offset + start, chunk)
                crc = crc32c_of_array(crc, chunk)
        except OSError as e:
            raise from_os_error(e, path) from None
        return value, raw, crc

    def _read_strings(self, f, path, tensor, offset, size, numel):
        try:
            if _HAVE_PREADV and not self._remote:  # positioned: safe beside other threads reading the same file
                parts = []
                got = 0
                while got < size:
                    part = os.pread(f.fileno(), size - got, offset + got)  # size was checked against the file
                    if not part:
                        break
                    parts.append(part)
                    got += len(part)
                raw = parts[0] if len(parts) == 1 else b"".join(parts)
            else:
                f.seek(offset)
                raw = f.read(size)
        except OSError as e:
            raise from_os_error(e, path) from None
        if len(raw) != size:
            raise DataLossError(
                None, None, "tensor %s: %s ended after %d of %d bytes" % (tensor, path, len(raw), size))
        result = np.empty(numel, dtype=object)
        if size == 0:  # what old writers produced for an empty tensor
            return result, 0

        def corrupt(detail):
            return DataLossError(None, None, "string tensor %s in %s: %s" % (tensor, path, detail))

        big = self._big_endian
        pos = 0
        lengths = []
        crc = 0
        total = 0
        for _ in range(numel):
            length = 0
            shift = 0
            while True:
                if pos >= size or shift > 63:
                    raise corrupt("string lengths run past the tensor's %d bytes" % size)
                byte = raw[pos]
                pos += 1
                length |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    break
            if length > 0xFFFFFFFFFFFFFFFF:
                raise corrupt("string length out of range")
            total += length
            if total > size:
                raise corrupt("string lengths exceed the tensor's %d bytes" % size)
            lengths.append(length)
            if length <= 0xFFFFFFFF:
                crc = google_crc32c.extend(crc, struct.pack(">I" if big else "<I", length))
            else:
                crc = google_crc32c.extend(crc, struct.pack(">Q" if big else "<Q", length))
        if pos + 4 > size:
            raise corrupt("missing the length checksum")
        raw_checksum = raw[pos:pos + 4]
        stored = struct.unpack(">I" if big else "<I", raw_checksum)[0]
        if unmask_crc(stored) != crc:
            raise corrupt("The length checksum does not match: expected %08x but actual is %08x"
                          % (unmask_crc(stored), crc))
        crc = google_crc32c.extend(crc, raw_checksum)
        pos += 4
        if pos + total != size:
            raise corrupt("elements take %d bytes but the entry says %d" % (pos + total, size))
        for i, length in enumerate(lengths):
            result[i] = raw[pos:pos + length]
            pos += length
        for start in range(pos - total, pos, _CHUNK):  # small slices: no second copy of it all
            crc = google_crc32c.extend(crc, raw[start:min(start + _CHUNK, pos)])
        return result, crc

    def close(self):
        files, self._files = self._files, {}
        self._file_sizes = {}
        for f in files.values():
            f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
