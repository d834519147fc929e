"""TFRecord files, as TensorFlow writes and reads them: ``TFRecordWriter``, ``tf_record_iterator`` and
``TFRecordOptions`` (``tf.io`` / ``tf.python_io``).

    with TFRecordWriter("/tmp/data.tfrecord") as writer:
        writer.write(example.SerializeToString())
    for record in tf_record_iterator("/tmp/data.tfrecord"):
        ...

A record is ``uint64 length, uint32 masked CRC-32C of the length, data, uint32 masked CRC-32C of the
data``, all little-endian; a ZLIB or GZIP file compresses the whole stream of records (zlib with
TensorFlow's settings, so the files are byte-for-byte TensorFlow's). Reading checks both checksums and
raises TensorFlow's ``DataLossError`` with its messages; as TensorFlow does, a header cut short at the
end of the file ends the records silently, and a record whose data is cut short is an error. A forged
length never allocates more than the file holds. Paths may be URLs (``s3://``, ``gs://``, ...; see ``file_io``):
a file written there appears when the writer is closed.
"""
import os
import struct
import zlib

import google_crc32c
import numpy as np

from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import DataLossError, InvalidArgumentError, from_os_error

__all__ = ["TFRecordWriter", "tf_record_iterator", "tf_record_chunks", "TFRecordOptions", "TFRecordCompressionType",
           "encode_record", "crc32c", "mask_crc", "unmask_crc"]

_HEADER = 12            # length (8) + its masked CRC (4)
_FOOTER = 4
_CHUNK = 1 << 20
_SPLIT = 1024         # records found per call into Numba
_MASK_DELTA = 0xA282EAD8


def crc32c(data, crc=0):
    """CRC32C (Castagnoli) of ``data``, continuing from ``crc`` (google_crc32c, C-accelerated)."""
    if not isinstance(data, bytes):
        data = bytes(data)  # the C extension takes only read-only bytes
    return google_crc32c.extend(crc, data) if crc else google_crc32c.value(data)


def mask_crc(crc):
    """TensorFlow's (LevelDB's) masked CRC: rotate right by 15 bits and add a constant."""
    crc &= 0xFFFFFFFF
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask_crc(masked):
    """Inverse of :func:`mask_crc`."""
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


class TFRecordCompressionType:
    NONE = 0
    ZLIB = 1
    GZIP = 2


_TYPE_STRINGS = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
                 TFRecordCompressionType.GZIP: "GZIP"}


class TFRecordOptions:
    """How a TFRecord file is compressed: ``TFRecordOptions("GZIP")``, ``"ZLIB"`` or ``""`` (none).

    ``compression_level`` (0-9, -1 for zlib's default) and ``mem_level`` tune zlib as in TensorFlow."""

    compression_type_map = {"ZLIB": TFRecordCompressionType.ZLIB, "GZIP": TFRecordCompressionType.GZIP,
                            "": TFRecordCompressionType.NONE}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None, output_buffer_size=None,
                 window_bits=None, compression_level=None, compression_method=None, mem_level=None,
                 compression_strategy=None):
        if compression_type is None:
            compression_type = ""
        if isinstance(compression_type, str):
            if compression_type not in self.compression_type_map:
                raise ValueError('Unsupported compression type %r: use "ZLIB", "GZIP" or ""' % compression_type)
            compression_type = self.compression_type_map[compression_type]
        if compression_type not in _TYPE_STRINGS:
            raise ValueError("Unsupported compression type %r" % (compression_type,))
        self.compression_type = compression_type
        self.compression_level = -1 if compression_level is None else compression_level
        self.mem_level = 9 if mem_level is None else mem_level       # TensorFlow's ZlibCompressionOptions
        self.window_bits = window_bits
        self.compression_strategy = zlib.Z_DEFAULT_STRATEGY if compression_strategy is None else compression_strategy
        self.flush_mode, self.input_buffer_size, self.output_buffer_size = flush_mode, input_buffer_size, \
            output_buffer_size
        self.compression_method = compression_method

    @classmethod
    def get_compression_type_string(cls, options):
        """``"GZIP"``, ``"ZLIB"`` or ``""`` for TFRecordOptions, a compression type or a string."""
        if options is None:
            return ""
        if isinstance(options, TFRecordOptions):
            return _TYPE_STRINGS[options.compression_type]
        return _TYPE_STRINGS[TFRecordOptions(options).compression_type]

    def _wbits(self):
        bits = self.window_bits or zlib.MAX_WBITS
        return bits + 16 if self.compression_type == TFRecordCompressionType.GZIP else bits


def _as_options(options):
    return options if isinstance(options, TFRecordOptions) else TFRecordOptions(options)


def encode_record(data):
    """One record's bytes: the framed, checksummed ``data``."""
    header = struct.pack("<Q", len(data))
    return b"".join((header, struct.pack("<I", mask_crc(crc32c(header))), data,
                     struct.pack("<I", mask_crc(crc32c(data)))))


class TFRecordWriter:
    """Writes records to a TFRecord file (``tf.io.TFRecordWriter``).

        with TFRecordWriter(path, TFRecordOptions("GZIP")) as w:
            w.write(b"record")
    """

    def __init__(self, path, options=None):
        self._options = _as_options(options)
        self._path = os.fspath(path)
        self._file = file_io.open(self._path, "wb")
        self._zip = None
        if self._options.compression_type != TFRecordCompressionType.NONE:
            self._zip = zlib.compressobj(self._options.compression_level, zlib.DEFLATED, self._options._wbits(),
                                         self._options.mem_level, self._options.compression_strategy)

    def write(self, record):
        """Appends one record (bytes)."""
        if self._file is None:
            raise InvalidArgumentError(None, None, "Writer to %s is closed" % self._path)
        if isinstance(record, str):
            record = record.encode()
        self._put(encode_record(bytes(record)))

    def _put(self, data):
        try:
            self._file.write(self._zip.compress(data) if self._zip else data)
        except OSError as e:
            raise from_os_error(e, self._path) from None

    def flush(self):
        """Hands what is written to the operating system. As in TensorFlow (zlib's Z_NO_FLUSH), a compressed
        stream keeps what zlib holds until more records or ``close``."""
        if self._file is None:
            return
        try:
            self._file.flush()
        except OSError as e:
            raise from_os_error(e, self._path) from None

    def close(self):
        """Finishes the file; later writes raise."""
        if self._file is None:
            return
        try:
            if self._zip:
                self._file.write(self._zip.flush())
            self._file.close()
        except OSError as e:
            raise from_os_error(e, self._path) from None
        finally:
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Decompressed:
    """A file's decompressed bytes, read in bounded pieces (a forged length cannot allocate past the data)."""

    def __init__(self, raw, wbits):
        self._raw, self._z, self._buf = raw, zlib.decompressobj(wbits), b""

    def read(self, n):
        while len(self._buf) < n and not self._z.eof:
            chunk = self._raw.read(_CHUNK)
            if not chunk:
                break
            self._buf += self._z.decompress(chunk, max(n - len(self._buf), _CHUNK))
            while self._z.unconsumed_tail and len(self._buf) < n:
                self._buf += self._z.decompress(self._z.unconsumed_tail, max(n - len(self._buf), _CHUNK))
        out, self._buf = self._buf[:n], self._buf[n:]
        return out


def tf_record_iterator(path, options=None):
    """Yields the records (bytes) of a TFRecord file, checking both checksums of each."""
    for chunk in tf_record_chunks(path, options):
        yield from chunk


def tf_record_chunks(path, options=None):
    """The records of a TFRecord file as :func:`tf_record_iterator` gives them, in lists of those read at
    once (a reader taking many records at a time pays for one step of the generator per list)."""
    options = _as_options(options)
    path = os.fspath(path)
    raw = file_io.open(path, "rb")
    with raw:
        compressed = options.compression_type != TFRecordCompressionType.NONE
        stream = _Decompressed(raw, options._wbits()) if compressed else raw
        size = None
        if not compressed:
            size = raw.seek(0, os.SEEK_END)
            raw.seek(0)
        yield from _record_lists(stream, size, path)


def _masked(crcs):
    crcs = crcs.astype(np.uint32)
    return ((crcs >> np.uint32(15)) | (crcs << np.uint32(17))) + np.uint32(_MASK_DELTA)


def _truncated(offset, compressed):
    # TensorFlow's readers say why the read came up short: the end of a compressed stream, or of a plain file.
    return DataLossError(None, None, "truncated record at %d' failed with %s" % (
        offset, "EOF reached" if compressed else "Read less bytes than requested"))


def _record_lists(stream, size, path):
    """Lists of the records of ``stream`` (``size`` bytes, None for a decompressed stream), read a chunk at a time:
    Numba finds the whole records in what is read and checks their headers, google_crc32c their data."""
    from tagraph.engine.framework import tfrecord_numba as split     # loads Numba: only when first needed
    compressed = size is None
    data, pos, base = b"", 0, 0     # what is read, where its next record starts, data[0]'s offset in the file
    at_end, failure = False, None   # a broken stream's error waits until the records before it are given
    starts, lengths = np.empty(_SPLIT, np.int64), np.empty(_SPLIT, np.int64)
    footers = np.empty(_SPLIT, np.uint32)
    while True:
        n, pos, why = split.split_records(np.frombuffer(data, np.uint8), pos, starts, lengths, footers)
        if n:
            records = [data[a:a + b] for a, b in zip(starts[:n].tolist(), lengths[:n].tolist())]
            bad = np.flatnonzero(_masked(np.fromiter(map(google_crc32c.value, records), np.uint32, n))
                                 != footers[:n])
            if bad.size:
                if bad[0]:
                    yield records[:bad[0]]
                raise DataLossError(None, None, "corrupted record at %d" % (base + int(starts[bad[0]])))
            yield records
            if n == _SPLIT:
                continue
        if why == split.BAD_HEADER:
            offset = base + pos
            raise DataLossError(None, None, "corrupted record at %d%s" % (
                offset, " (Is this even a TFRecord file?)" if offset == 0 else ""))
        left, need = len(data) - pos, _HEADER
        if left >= _HEADER:
            length = int.from_bytes(data[pos:pos + 8], "little")
            if size is not None and length > size - (base + pos) - _HEADER:
                raise _truncated(base + pos, compressed)    # a forged length: nothing read for it
            need = _HEADER + length + _FOOTER
        if at_end:
            if left >= _HEADER:
                raise failure or _truncated(base + pos, compressed)
            if failure:
                raise failure
            return
        # Read on: a chunk after a whole record; else the rest of the record cut at the chunk's end (so no
        # chunk is copied to join it), in bounded pieces: a length the data does not hold allocates no more
        # than there is.
        parts, have = [data[pos:]] if left else [], left
        base, pos = base + pos, 0
        while have < need:
            try:
                chunk = stream.read(min(need - have, _CHUNK) if left else _CHUNK)
            except zlib.error as e:
                failure = DataLossError(None, None, "%s: %s" % (path, e))
                chunk = b""
            if not chunk:
                at_end = True
                break
            parts.append(chunk)
            have += len(chunk)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
