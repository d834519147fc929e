"""TensorFlow 1's readers, for queue input pipelines: ``TFRecordReaderV2``, ``TextLineReaderV2``,
``WholeFileReaderV2``, ``FixedLengthRecordReaderV2``, ``IdentityReaderV2`` and the ``Reader*V2`` ops, with
host kernels, and the classes users build with (``tg.TFRecordReader``, ...), as TensorFlow's ``io_ops``.

    filenames = tg.train.string_input_producer(["data.tfrecord"], num_epochs=1)
    key, value = tg.TFRecordReader().read(filenames)     # b"data.tfrecord:0", the first record

A reader takes a file name (its work unit) from a string queue when it needs one, reads its records one
at a time, then takes the next. Keys are TensorFlow's: ``<file>:<byte offset>`` for TFRecords,
``<file>:<line number>`` for text lines (1 is the first line, header lines counted), ``<file>:<record
number>`` for fixed-length records, the file name for whole files, the work unit itself for the identity
reader. A reader lives in the session's state, as a queue does; the files are read with tagraph's
TFRecord and file readers (engine/framework).
"""
import itertools
import threading

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors, file_io
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.framework.tfrecord import TFRecordOptions, tf_record_iterator
from tagraph.engine.ops.op_util import gen
from tagraph.engine.ops.queue_ops import wait_deadline

__all__ = ["ReaderBase", "TFRecordReader", "TextLineReader", "WholeFileReader", "FixedLengthRecordReader",
           "IdentityReader", "READER_OPS"]

_HOST = host_kind().device_type
READER_OPS = ("TFRecordReaderV2", "TextLineReaderV2", "WholeFileReaderV2", "FixedLengthRecordReaderV2",
              "IdentityReaderV2")
_PRIVATE_IDS = itertools.count()
_RECORD_OVERHEAD = 16     # a TFRecord's length, its checksum and its data's checksum


def _str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


# --- the readers' state ----------------------------------------------------------------------------------

class _Reader:
    """TensorFlow's ReaderBase: a work unit (a file name) at a time, its records one after the other."""

    def __init__(self, name, records):
        self.name = name
        self._records = records     # work unit (str) -> iterator of (key, value)
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.work = None
        self.current = None
        self.produced = 0
        self.completed = 0

    def _next_work(self, queue, deadline):
        work = queue.dequeue(deadline)[0]
        work = work.item() if isinstance(work, np.ndarray) else work
        return work.decode("utf-8") if isinstance(work, bytes) else str(work)

    def read_up_to(self, queue, n, deadline):
        """Up to ``n`` (key, value) pairs of one work unit: fewer at the end of one, or of the queue."""
        out = []
        with self.lock:
            while len(out) < n:
                if self.current is None:
                    try:
                        self.work = self._next_work(queue, deadline)
                    except errors.OutOfRangeError:
                        if out:
                            break
                        raise
                    self.current = iter(self._records(self.work))
                got = next(self.current, None)
                if got is None:
                    self.completed += 1
                    self.current = self.work = None
                    if out:
                        break       # as TensorFlow's: a batch never spans two work units
                    continue
                out.append(got)
                self.produced += 1
        return out


def _tfrecord_records(options):
    def records(path):
        offset = 0
        for record in tf_record_iterator(path, options):
            yield ("%s:%d" % (path, offset)).encode(), record
            offset += len(record) + _RECORD_OVERHEAD
    return records


def _text_line_records(skip_header_lines):
    def records(path):
        lines = file_io.read_file(path).split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for number, line in enumerate(lines, 1):
            if number <= skip_header_lines:
                continue
            yield ("%s:%d" % (path, number)).encode(), line[:-1] if line.endswith(b"\r") else line
    return records


def _whole_file_records(path):
    yield path.encode(), file_io.read_file(path)


def _fixed_length_records(record_bytes, header_bytes, footer_bytes, hop_bytes):
    def records(path):
        data = file_io.read_file(path)
        body = data[header_bytes:len(data) - footer_bytes if footer_bytes else len(data)]
        step = hop_bytes or record_bytes
        number, start = 0, 0
        while start + record_bytes <= len(body):
            yield ("%s:%d" % (path, number)).encode(), body[start:start + record_bytes]
            number += 1
            start += step
    return records


def _identity_records(work):
    yield work.encode(), work.encode()


def _reader(ctx, records):
    state = ctx.session_state.op_state
    reader = state.get(ctx.op)
    if reader is not None:
        return reader
    a = ctx.attrs
    container = _str(a.get("container", "")) or "localhost"
    name = _str(a.get("shared_name", "")) or "_%d_%s" % (next(_PRIVATE_IDS), ctx.node_name)
    key = ("reader", container, name)
    reader = state.get(key)
    if reader is None:
        reader = state[key] = _Reader(name, records)
    state[ctx.op] = reader
    return reader


@register_kernel("TFRecordReaderV2", _HOST)
def _tfrecord_reader(ctx):
    compression = _str(ctx.attrs.get("compression_type", ""))
    if compression not in ("", "ZLIB", "GZIP"):
        raise errors.InvalidArgumentError(None, None, "Unsupported compression_type: %s" % compression)
    return _reader(ctx, _tfrecord_records(TFRecordOptions(compression or None)))


@register_kernel("TextLineReaderV2", _HOST)
def _text_line_reader(ctx):
    skip = ctx.attrs.get("skip_header_lines", 0)
    if skip < 0:
        raise errors.InvalidArgumentError(None, None, "skip_header_lines must be >= 0 not %d" % skip)
    return _reader(ctx, _text_line_records(skip))


@register_kernel("WholeFileReaderV2", _HOST)
def _whole_file_reader(ctx):
    return _reader(ctx, _whole_file_records)


@register_kernel("FixedLengthRecordReaderV2", _HOST)
def _fixed_length_reader(ctx):
    a = ctx.attrs
    if _str(a.get("encoding", "")):
        raise errors.UnimplementedError(None, None, "FixedLengthRecordReader(encoding=...) is not supported yet")
    for what in ("header_bytes", "footer_bytes", "hop_bytes"):
        if a.get(what, 0) < 0:
            raise errors.InvalidArgumentError(None, None, "%s must be >= 0 not %d" % (what, a[what]))
    if a["record_bytes"] <= 0:
        raise errors.InvalidArgumentError(None, None, "record_bytes must be > 0 not %d" % a["record_bytes"])
    return _reader(ctx, _fixed_length_records(a["record_bytes"], a.get("header_bytes", 0), a.get("footer_bytes", 0),
                                              a.get("hop_bytes", 0)))


@register_kernel("IdentityReaderV2", _HOST)
def _identity_reader(ctx):
    return _reader(ctx, _identity_records)


def _strings(values):
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@register_kernel("ReaderReadV2", _HOST)
def _read(ctx, reader, queue):
    key, value = reader.read_up_to(queue, 1, wait_deadline(ctx))[0]
    return np.array(key, dtype=object), np.array(value, dtype=object)


@register_kernel("ReaderReadUpToV2", _HOST)
def _read_up_to(ctx, reader, queue, num_records):
    n = int(num_records)
    if n <= 0:
        raise errors.InvalidArgumentError(None, None, "num_records must be > 0 but got %d" % n)
    got = reader.read_up_to(queue, n, wait_deadline(ctx))
    return _strings([k for k, _ in got]), _strings([v for _, v in got])


@register_kernel("ReaderNumRecordsProducedV2", _HOST)
def _num_records_produced(ctx, reader):
    return np.int64(reader.produced)


@register_kernel("ReaderNumWorkUnitsCompletedV2", _HOST)
def _num_work_units_completed(ctx, reader):
    return np.int64(reader.completed)


@register_kernel("ReaderResetV2", _HOST)
def _reset(ctx, reader):
    with reader.lock:
        reader.reset()
    return None


for _t in READER_OPS:
    register_shape(_t)(lambda op: [TensorShape([])])
register_shape("ReaderReadV2")(lambda op: [TensorShape([]), TensorShape([])])
register_shape("ReaderReadUpToV2")(lambda op: [TensorShape([None]), TensorShape([None])])
register_shape("ReaderNumRecordsProducedV2", "ReaderNumWorkUnitsCompletedV2")(lambda op: [TensorShape([])])
register_shape("ReaderResetV2")(lambda op: [])
not_differentiable(*READER_OPS, "ReaderReadV2", "ReaderReadUpToV2", "ReaderNumRecordsProducedV2",
                   "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2")


# --- the classes, as TensorFlow's io_ops ------------------------------------------------------------------

def _queue_ref(queue):
    return queue.queue_ref if hasattr(queue, "queue_ref") else queue


class ReaderBase:
    """What every reader offers (TensorFlow's ``tf.ReaderBase``): read, read_up_to, counts, reset."""

    def __init__(self, reader_ref):
        self._reader_ref = reader_ref

    reader_ref = property(lambda self: self._reader_ref)
    supports_serialize = False

    def read(self, queue, name=None):
        """(key, value): the next record, taking a new file name from ``queue`` when one is read."""
        op = gen("ReaderReadV2", [self._reader_ref, _queue_ref(queue)], {}, name, "ReaderReadV2")
        return op.outputs[0], op.outputs[1]

    def read_up_to(self, queue, num_records, name=None):
        """(keys, values): up to ``num_records`` records (fewer only at the end of the input)."""
        op = gen("ReaderReadUpToV2", [self._reader_ref, _queue_ref(queue),
                                      convert_to_tensor(num_records, dtypes.int64)], {}, name, "ReaderReadUpToV2")
        return op.outputs[0], op.outputs[1]

    def num_records_produced(self, name=None):
        return gen("ReaderNumRecordsProducedV2", [self._reader_ref], {}, name,
                   "ReaderNumRecordsProducedV2").outputs[0]

    def num_work_units_completed(self, name=None):
        return gen("ReaderNumWorkUnitsCompletedV2", [self._reader_ref], {}, name,
                   "ReaderNumWorkUnitsCompletedV2").outputs[0]

    def reset(self, name=None):
        """Forgets the current file and the counts."""
        return gen("ReaderResetV2", [self._reader_ref], {}, name, "ReaderResetV2")

    def serialize_state(self, name=None):
        raise errors.UnimplementedError(None, None, "ReaderSerializeStateV2 is not supported yet")

    def restore_state(self, state, name=None):
        raise errors.UnimplementedError(None, None, "ReaderRestoreStateV2 is not supported yet")


def _make(op_type, attrs, name):
    attrs = dict(attrs, container="", shared_name="")
    return gen(op_type, [], attrs, name, op_type).outputs[0]


class TFRecordReader(ReaderBase):
    """Reads the records of TFRecord files; ``options``: a TFRecordOptions (compression).

        key, value = tg.TFRecordReader().read(filename_queue)
    """

    def __init__(self, name=None, options=None):
        compression = TFRecordOptions.get_compression_type_string(options)
        super().__init__(_make("TFRecordReaderV2", {"compression_type": compression}, name))


class TextLineReader(ReaderBase):
    """Reads the lines of text files (without their newline), after ``skip_header_lines`` of each."""

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(_make("TextLineReaderV2", {"skip_header_lines": int(skip_header_lines or 0)}, name))


class WholeFileReader(ReaderBase):
    """Reads whole files: key the file name, value its content."""

    def __init__(self, name=None):
        super().__init__(_make("WholeFileReaderV2", {}, name))


class FixedLengthRecordReader(ReaderBase):
    """Reads records of ``record_bytes`` between ``header_bytes`` and ``footer_bytes`` of each file."""

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None, name=None,
                 encoding=None):
        super().__init__(_make("FixedLengthRecordReaderV2", {
            "record_bytes": int(record_bytes), "header_bytes": int(header_bytes or 0),
            "footer_bytes": int(footer_bytes or 0), "hop_bytes": int(hop_bytes or 0), "encoding": encoding or ""},
            name))


class IdentityReader(ReaderBase):
    """Reads the work units themselves: key and value both the string dequeued."""

    def __init__(self, name=None):
        super().__init__(_make("IdentityReaderV2", {}, name))
