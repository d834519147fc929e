"""Datasets read from files in TensorFlow's formats: TFRecord files (``tfrecord``), text lines and
fixed-length records, plain or compressed (GZIP, ZLIB). ``dataset_io_kernels`` registers the kernels.

The files are read one after the other, each when the iterator reaches it. A file that cannot be opened
is TensorFlow's error (NotFoundError, ...) for that request and for the next, which tries again; a
damaged file (a truncated or corrupted TFRecord, broken compression) is a DataLossError naming the
offset, as TensorFlow words it, and the file; the next request goes on with the following file, as
TensorFlow's readers do. An unknown compression type reads the file uncompressed, with an error logged, as
TensorFlow does. File names may be URLs (``s3://``, ``gs://``, ...; ``tagraph.engine.framework.file_io``).
"""
import io
import logging
import os
import zlib

import numpy as np

from tagraph.engine.data.dataset_kernels import DatasetValue, ElementIterator, invalid
from tagraph.engine.framework import dtypes, errors, file_io
from tagraph.engine.framework.tfrecord import tf_record_chunks

__all__ = ["tf_record_dataset", "text_line_dataset", "fixed_length_record_dataset"]

logger = logging.getLogger("tagraph.data")

_WBITS = {"ZLIB": zlib.MAX_WBITS, "GZIP": zlib.MAX_WBITS + 16}
_CHUNK = 1 << 20
_OPEN_ERRORS = (errors.NotFoundError, errors.PermissionDeniedError, errors.FailedPreconditionError)


def _text(v):
    v = np.asarray(v)[()]
    return v.decode() if isinstance(v, bytes) else str(v)


def _filenames(filenames):
    names = np.asarray(filenames)
    if names.ndim > 1:
        raise invalid("`filenames` must be a scalar or a vector.")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names.reshape(-1)]


def _compression(value):
    kind = _text(value)
    if kind and kind not in _WBITS:
        logger.error("Unsupported compression_type:%s. No compression will be used.", kind)
        return ""
    return kind


def _open(path):
    if file_io.is_url(path):   # s3://, gs://, ...: TensorFlow's errors come from file_io
        return file_io.open(path, "rb")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, "%s; No such file or directory" % path) from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, "%s; Is a directory" % path) from None
    except PermissionError:
        raise errors.PermissionDeniedError(None, None, "%s; Permission denied" % path) from None
    except OSError as e:
        raise errors.from_os_error(e, path) from None


class _Inflating(io.RawIOBase):
    """A compressed file's bytes, decompressed as they are read (never more than a chunk at a time)."""

    def __init__(self, raw, wbits, path):
        self._raw, self._z, self._buf, self._path = raw, zlib.decompressobj(wbits), b"", path

    def readable(self):
        return True

    def readinto(self, b):
        while not self._buf and not self._z.eof:
            data = self._z.unconsumed_tail or self._raw.read(_CHUNK)
            if not data:
                raise errors.DataLossError(None, None, "%s: the compressed stream ends early" % self._path)
            try:
                self._buf = self._z.decompress(data, _CHUNK)
            except zlib.error as e:
                raise errors.DataLossError(None, None, "%s: %s" % (self._path, e)) from None
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self):
        self._raw.close()
        super().close()


def _reader(path, compression):
    raw = _open(path)
    if not compression:
        return raw
    return io.BufferedReader(_Inflating(raw, _WBITS[compression], path), _CHUNK)


# --- the datasets -------------------------------------------------------------------------------------

class _FileDataset(DatasetValue):
    """Elements read from each of ``files`` in turn by ``records(path)``, a generator of lists of records
    (bytes): those one read of the file gave."""

    def __init__(self, kind, files, records):
        super().__init__([dtypes.string], [()])
        self.kind, self.files, self.records = kind, files, records

    def make_iterator(self, prefix="Iterator::Root"):
        return _FileIterator(self)


class _FileIterator(ElementIterator):
    def __init__(self, d):
        self.d = d
        self.index = 0
        self.current = None
        self.started = False
        self.record = -1            # the index in its file of the record given last
        self.read, self.taken = [], 0       # the records the last read gave, and how many of them are given

    def _read_more(self):
        """Reads the next list of records into ``self.read``; False after the last file."""
        while self.index < len(self.d.files):
            path = self.d.files[self.index]
            if self.current is None:
                self.current, self.started, self.record = self.d.records(path), False, -1
            try:
                self.read, self.taken = next(self.current), 0
            except StopIteration:
                self._next_file()
                continue
            except errors.OpError as e:
                # A file that did not open is tried again; a damaged one is left for the next file.
                opened = self.started or not isinstance(e, _OPEN_ERRORS)
                self.current = None
                if opened:
                    self.index += 1
                raise _naming(e, path) from None
            self.started = True
            if self.read:
                return True
        return False

    def get_next(self):
        if self.taken == len(self.read) and not self._read_more():
            return None
        record = self.read[self.taken]
        self.taken += 1
        self.record += 1
        return [np.array(record, dtype=object)]

    def last_source(self):
        if self.record < 0 or self.index >= len(self.d.files):
            return None
        return self.d.files[self.index], self.record

    def next_strings(self, n, runs=None):
        """Up to ``n`` records (bytes) at once, fewer only after the last file: what ``n`` calls of
        ``get_next`` give, failing as the first of them that fails. ``runs``, a list, gets (file, index in
        it of the first, count) for each file the records come from."""
        out = []
        while len(out) < n:
            if self.taken == len(self.read) and not self._read_more():
                break
            take = self.read[self.taken:self.taken + n - len(out)]
            if runs is not None:
                runs.append((self.d.files[self.index], self.record + 1, len(take)))
            self.taken += len(take)
            self.record += len(take)
            out.extend(take)
        return out

    def _next_file(self):
        self.current.close()
        self.current = None
        self.index += 1

    def close(self):
        if self.current is not None:
            self.current.close()
            self.current = None
        self.index = len(self.d.files)


def _naming(e, path):
    if path in e.message:
        return e
    return type(e)(None, None, "%s (reading %s)" % (e.message, path))


def _tf_records(compression):
    def records(path):
        if not file_io.exists(path):
            _open(path)
        yield from tf_record_chunks(path, compression)
    return records


def tf_record_dataset(ctx, filenames, compression_type, buffer_size, byte_offsets=None):
    if byte_offsets is not None and np.asarray(byte_offsets).size:
        raise errors.UnimplementedError(None, None, "TFRecordDatasetV2 with byte_offsets is not supported by "
                                        "tagraph yet")
    return _FileDataset("TFRecord", _filenames(filenames), _tf_records(_compression(compression_type)))


def _lines(compression):
    def records(path):
        with _reader(path, compression) as f:
            for lines in iter(lambda: f.readlines(_CHUNK), []):
                yield [_without_newline(line) for line in lines]
    return records


def _without_newline(line):
    if line.endswith(b"\n"):
        return line[:-2] if line.endswith(b"\r\n") else line[:-1]
    return line


def text_line_dataset(ctx, filenames, compression_type, buffer_size):
    return _FileDataset("TextLine", _filenames(filenames), _lines(_compression(compression_type)))


def _int(v, what):
    v = np.asarray(v)
    if v.ndim:
        raise invalid("%s must be a scalar", what)
    return int(v)


def fixed_length_record_dataset(ctx, filenames, header_bytes, record_bytes, footer_bytes, buffer_size,
                                compression_type):
    header, size, footer = (_int(header_bytes, "header_bytes"), _int(record_bytes, "record_bytes"),
                            _int(footer_bytes, "footer_bytes"))
    if header < 0:
        raise invalid("header_bytes must be >= 0 not %d", header)
    if size <= 0:
        raise invalid("record_bytes must be > 0 not %d", size)
    if footer < 0:
        raise invalid("footer_bytes must be >= 0 not %d", footer)
    compression = _compression(compression_type)

    def records(path):
        with _reader(path, compression) as f:
            data_end = None
            if not compression:
                data_end = f.seek(0, os.SEEK_END) - footer
                f.seek(0)
            f.read(header)
            pos = header
            if compression:
                # The footer is known only at the end of the stream: hold it back until then.
                pending = f.read(size + footer)
                while len(pending) >= size + footer:
                    yield [pending[:size]]
                    pending = pending[size:] + f.read(size)
                return
            while pos + size <= data_end:
                record = f.read(size)
                if len(record) < size:
                    raise errors.DataLossError(None, None, "%s: a record ends early at offset %d" % (path, pos))
                yield [record]
                pos += size
    return _FileDataset("FixedLengthRecord", _filenames(filenames), records)
