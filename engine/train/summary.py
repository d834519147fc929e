"""``tg.summary``: TensorFlow 1's ``tf.summary`` namespace: the summary ops and ``FileWriter``, which writes
TensorFlow's event files (``events.out.tfevents.<time>.<host>``) that TensorBoard reads.

    loss_summary = tg.summary.scalar("loss", loss)
    merged = tg.summary.merge_all()
    writer = tg.summary.FileWriter("/tmp/logs", graph=sess.graph)
    writer.add_summary(sess.run(merged), global_step=step)
    writer.close()

An event file is a TFRecord file of ``tensorflow.Event`` messages, the first one ``file_version:
"brain.Event:2"``. tagraph's protos have no Event message: the writer encodes its four fields itself (with
summary_ops' wire encoder) and frames the records with the masked CRC-32C TFRecord uses, so writing needs
neither TensorFlow nor TensorBoard.
"""
import os
import socket
import struct
import time

import google_crc32c

from tagraph.engine.framework.graph import Graph
from tagraph.engine.ops.summary_ops import (_double, _field, _varint, histogram, merge, merge_all, scalar,  # noqa: F401
                                            text)

__all__ = ["scalar", "histogram", "text", "merge", "merge_all", "FileWriter"]


def _masked_crc(data):
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _record(data):
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", _masked_crc(header)) + data + struct.pack("<I", _masked_crc(data))


def _event(wall_time, step=0, file_version=None, graph_def=None, summary=None):
    out = _double(1, wall_time)
    if step:
        out += _varint(2 << 3) + _varint(int(step))
    if file_version is not None:
        out += _field(3, file_version)
    if graph_def is not None:
        out += _field(4, graph_def)
    if summary is not None:
        out += _field(5, summary)
    return out


class FileWriter:
    """Writes summaries and graphs to an event file in ``logdir``, as TensorFlow 1's FileWriter does.

    Events are queued and written when ``max_queue`` are waiting, when ``flush_secs`` have passed since the
    last write, on ``flush()`` and on ``close()``.

        writer = tg.summary.FileWriter(logdir, graph=tg.get_default_graph())
        writer.add_summary(summary_bytes, global_step=10)
        writer.close()
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, filename_suffix=None):
        os.makedirs(logdir, exist_ok=True)
        self._logdir = logdir
        self._max_queue, self._flush_secs = max_queue, flush_secs
        self._path = os.path.join(logdir, "events.out.tfevents.%010d.%s%s" % (
            time.time(), socket.gethostname(), filename_suffix or ""))
        self._file = open(self._path, "ab")
        self._queue = []
        self._last_flush = time.time()
        self._closed = False
        self._write(_event(time.time(), file_version=b"brain.Event:2"))
        self.flush()
        if graph is not None:
            self.add_graph(graph)

    def get_logdir(self):
        return self._logdir

    def add_summary(self, summary, global_step=None):
        """Adds a serialized Summary (what running a summary op gives) or a Summary message."""
        if not isinstance(summary, bytes):
            summary = summary.item() if hasattr(summary, "item") else summary.SerializeToString()
        self._write(_event(time.time(), step=global_step or 0, summary=summary))

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Adds ``graph``'s GraphDef (or ``graph_def``), which TensorBoard's graph view shows."""
        if graph_def is None:
            if not isinstance(graph, Graph):
                raise TypeError("add_graph() needs a tg.Graph or a graph_def, got %r" % (graph,))
            graph_def = graph.as_graph_def()
        self._write(_event(time.time(), step=global_step or 0, graph_def=graph_def.SerializeToString()))

    def add_event(self, event):
        """Adds an Event message (any protobuf message with TensorFlow's Event fields)."""
        self._write(event.SerializeToString())

    def _write(self, event_bytes):
        if self._closed:
            raise RuntimeError("The FileWriter is closed")
        self._queue.append(_record(event_bytes))
        if len(self._queue) >= self._max_queue or time.time() - self._last_flush >= self._flush_secs:
            self.flush()

    def flush(self):
        """Writes the queued events to disk."""
        if self._closed:
            return
        self._file.write(b"".join(self._queue))
        self._queue = []
        self._file.flush()
        os.fsync(self._file.fileno())
        self._last_flush = time.time()

    def close(self):
        """Flushes and closes the file; a closed writer refuses further events until ``reopen()``."""
        if not self._closed:
            self.flush()
            self._file.close()
            self._closed = True

    def reopen(self):
        """Opens a new event file after ``close()``."""
        if self._closed:
            self.__init__(self._logdir, max_queue=self._max_queue, flush_secs=self._flush_secs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
