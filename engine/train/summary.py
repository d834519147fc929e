"""``tg.summary``: TensorFlow 1's ``tf.summary`` namespace: the summary ops, and ``FileWriter``, which writes
TensorFlow's event files (``events.out.tfevents.<time>.<host>``) that TensorBoard reads.

    loss_summary = tg.summary.scalar("loss", loss)
    merged = tg.summary.merge_all()
    writer = tg.summary.FileWriter("/tmp/logs", graph=sess.graph)
    writer.add_summary(sess.run(merged), global_step=step)
    writer.close()

An event file is a TFRecord file of ``Event`` messages, the first one ``file_version: "brain.Event:2"``. The
messages are TensorBoard's own (``tensorboard.compat.proto``: ``tg.summary.Event``, ``Summary``,
``SessionLog``, ...); the tensorboard package is the ``summary`` extra (``pip install tagraph[summary]``),
imported when a writer is made. The records are framed by ``tfrecord.encode_record`` (the CRC-32C in C,
through google-crc32c) rather than by TensorBoard's RecordWriter, whose CRC is computed in Python and holds
the GIL for tens of milliseconds per batch of large images, time taken from the training step.

Writing is asynchronous, as TensorFlow's: ``add_summary`` queues the event and returns, a writer thread
writes it, and flushes the file (to disk, with fsync) every ``flush_secs`` and on ``flush()``/``close()``.
``max_queue`` bounds the queue; only with that many events waiting does an ``add_*`` wait for the thread.
A write that fails (a full disk) cuts the file back to its last whole record, so readers never meet a torn
one, and the error (TensorFlow's class: ``ResourceExhaustedError`` for a full disk) is raised by the next
``add_*``, ``flush()`` or ``close()``; the writer is then closed, and ``reopen()`` starts a new file.

``logdir`` may be a URL (``s3://bucket/run/logs``, ``gs://``, ...; ``tagraph.engine.framework.file_io``). An
object can only be replaced whole, so there, as with TensorFlow's S3 and GCS file systems, the events gather
in a local temporary file and each flush uploads the whole event file: TensorBoard sees what the last flush
wrote.
"""
import atexit
import collections
import errno
import os
import socket
import tempfile
import threading
import time
import warnings

from tagraph.engine.framework import errors, file_io
from tagraph.engine.framework.graph import Graph, get_default_graph
from tagraph.engine.framework.tfrecord import encode_record, tf_record_iterator
from tagraph.engine.ops.summary_ops import audio, histogram, image, merge, merge_all, scalar, tensor_summary, text

# Also here, from TensorBoard when asked for: Event, SessionLog, LogMessage, TaggedRunMetadata, Summary,
# SummaryDescription, SummaryMetadata, HistogramProto.
__all__ = ["scalar", "histogram", "text", "tensor_summary", "image", "audio", "merge", "merge_all", "FileWriter",
           "FileWriterCache", "summary_iterator"]

_PROTO_MODULES = {"Event": "event_pb2", "SessionLog": "event_pb2", "TaggedRunMetadata": "event_pb2",
                  "LogMessage": "event_pb2", "Summary": "summary_pb2", "SummaryDescription": "summary_pb2",
                  "SummaryMetadata": "summary_pb2", "HistogramProto": "summary_pb2"}
_INSTALL_HINT = "pip install 'tagraph[summary]' (or pip install tensorboard)"


def _tensorboard():
    """TensorBoard's event_pb2 and summary_pb2 modules."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
    except ImportError as e:
        raise ImportError("tg.summary writes TensorBoard's event files with the tensorboard package, which is not "
                          "installed: %s" % _INSTALL_HINT, name="tensorboard") from e
    return event_pb2, summary_pb2


def __getattr__(name):
    # The Event and Summary messages (tg.summary.Summary(value=[...])) are TensorBoard's, found when asked for.
    if name in _PROTO_MODULES:
        try:
            event_pb2, summary_pb2 = _tensorboard()
        except ImportError as e:
            # An AttributeError, so hasattr() and getattr(..., default) see a name that is not there.
            raise AttributeError("tg.summary.%s is TensorBoard's message: %s" % (name, _INSTALL_HINT)) from e
        return getattr(event_pb2 if _PROTO_MODULES[name] == "event_pb2" else summary_pb2, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# errno -> TensorFlow's error class, as TensorFlow's file systems map them (the rest: errors.from_os_error).
_ERRNO_ERRORS = {errno.ENOSPC: errors.ResourceExhaustedError, errno.EDQUOT: errors.ResourceExhaustedError,
                 errno.EFBIG: errors.OutOfRangeError, errno.EROFS: errors.PermissionDeniedError}


def _write_error(e, path, events):
    detail = "%s; %s\n\tFailed to flush %d events to %s" % (path, e.strerror or e, events, path)
    cls = _ERRNO_ERRORS.get(e.errno)
    if cls is None:
        return type(errors.from_os_error(e, path))(None, None, detail)
    return cls(None, None, detail)


class _EventsFile:
    """The event file: ``write`` takes one serialized event and frames it as a TFRecord record.

    Records reach the file in whole batches; a write that fails cuts the file back to its last whole record.
    """

    _WRITE_THRESHOLD = 1 << 20      # buffered bytes that go to the file before the next flush

    def __init__(self, path):
        self.path = path
        # O_EXCL: two writers opened in the same second must not share (and truncate) one file.
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._buffer, self._buffered = [], 0
        self._size = 0          # bytes in the file, all of them whole records
        self._events = 0        # records written since the last flush, for the error message
        self.closed = False

    def write(self, event):
        record = encode_record(event)
        self._buffer.append(record)
        self._buffered += len(record)
        self._events += 1
        if self._buffered >= self._WRITE_THRESHOLD:
            self._write_buffer()

    def _write_buffer(self):
        data = memoryview(b"".join(self._buffer))
        self._buffer, self._buffered = [], 0
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except OSError as e:
            try:
                os.ftruncate(self._fd, self._size)
                os.lseek(self._fd, self._size, os.SEEK_SET)
            except OSError:
                pass
            raise _write_error(e, self.path, self._events) from e
        self._size = os.lseek(self._fd, 0, os.SEEK_CUR)

    def flush(self):
        self._write_buffer()
        try:
            os.fsync(self._fd)
        except OSError as e:
            raise _write_error(e, self.path, self._events) from e
        # A file deleted under the writer takes every later event with it: TensorFlow reports it.
        if not os.path.exists(self.path):
            raise errors.UnknownError(None, None, "The events file %s has disappeared.\n\tFailed to flush %d events "
                                      "to %s" % (self.path, self._events, self.path))
        self._events = 0

    def close(self):
        if not self.closed:
            self.closed = True
            os.close(self._fd)


class _StoredEventsFile:
    """The event file on an object store: records gather in a local temporary file; ``flush`` uploads it whole."""

    def __init__(self, path):
        if file_io.exists(path):
            raise FileExistsError(path)
        self.path = path
        self._spool = tempfile.NamedTemporaryFile(prefix="tagraph-events-")
        self.closed = False

    def write(self, event):
        self._spool.write(encode_record(event))

    def flush(self):
        self._spool.flush()
        file_io.copy(self._spool.name, self.path, overwrite=True)

    def close(self):
        if not self.closed:
            self.closed = True
            self._spool.close()


_FLUSH, _CLOSE = object(), object()


class _EventQueue:
    """The serialized events waiting for the writer thread, at most ``capacity`` of them (0: no bound, as
    TensorFlow's ``max_queue=0``). The thread is woken when half the queue is full, for a flush or a close,
    or by its own ``flush_secs`` timer, not for every event: a training step that adds a summary pays for an
    append, not for a switch to the writer thread and back."""

    def __init__(self, capacity):
        self._items = collections.deque()
        self._capacity = capacity
        self._wake_at = 1               # until the writer has flushed its first event: that one goes at once
        self._steady_wake_at = max(1, capacity // 2) if capacity else 64
        self._urgent = 0
        self._cond = threading.Condition(threading.Lock())

    def put(self, item, urgent=False, timeout=None):
        """Appends ``item``; False if the queue stayed full for ``timeout`` seconds."""
        with self._cond:
            if self._capacity and len(self._items) >= self._capacity:
                self._cond.notify_all()
                if not self._cond.wait_for(lambda: len(self._items) < self._capacity, timeout):
                    return False
            self._items.append(item)
            self._urgent += urgent
            if self._urgent or len(self._items) >= self._wake_at:
                self._cond.notify_all()
            return True

    def take_all(self, timeout):
        """Every queued item, once one is urgent or half the queue is full, or whatever is there after
        ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._urgent or len(self._items) >= self._wake_at, timeout)
            items = list(self._items)
            self._items.clear()
            self._urgent = 0
            self._cond.notify_all()
            return items

    def settle(self):
        """From now on, wake the writer for half a queue, not for each event."""
        with self._cond:
            self._wake_at = self._steady_wake_at


class _WriterThread(threading.Thread):
    """Writes queued event bytes as records, flushing every ``flush_secs`` and when asked; after a failure it
    keeps emptying the queue (so no ``add_*`` waits forever) until it is told to close."""

    def __init__(self, events_file, max_queue, flush_secs):
        super().__init__(name="tg.summary.FileWriter", daemon=True)
        self.queue = _EventQueue(max_queue)
        self.failure = None
        self.flushed = threading.Event()
        self._file, self._flush_secs = events_file, flush_secs

    def run(self):
        next_flush, pending = 0.0, False           # as TensorFlow's, the first event is flushed at once
        while True:
            # Nothing written yet: a timer still comes by, for the few events that never fill half the queue.
            timeout = max(next_flush - time.time(), 0.0) if pending else self._flush_secs
            for item in self.queue.take_all(timeout):
                try:
                    if item is _CLOSE:
                        return
                    if self.failure is None:
                        if item is _FLUSH:
                            self._flush()
                            pending, next_flush = False, time.time() + self._flush_secs
                        else:
                            self._file.write(item)
                            pending = True
                except Exception as e:  # noqa: BLE001 - any failure is the writer's, raised by its next call
                    self.failure = e
                finally:
                    if item is _FLUSH:
                        self.flushed.set()
            if pending and time.time() >= next_flush:
                self._flush()
                pending, next_flush = False, time.time() + self._flush_secs
                self.queue.settle()

    def _flush(self):
        if self.failure is None:
            try:
                self._file.flush()
            except Exception as e:  # noqa: BLE001 - any failure is the writer's, raised by its next call
                self.failure = e


_LIVE_WRITERS = set()       # open writers (their threads hold the files open anyway)


@atexit.register
def _close_live_writers():
    # A program that ends without close() still gets its last summaries on disk.
    for writer in list(_LIVE_WRITERS):
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - nothing to report to at exit
            pass


def _check_message(value, names, what):
    if getattr(getattr(value, "DESCRIPTOR", None), "name", None) not in names:
        raise TypeError("%s must be a %s message, saw type: %s" % (what, " or ".join(names), type(value)))


class FileWriter:
    """Writes summaries, graphs and run metadata to an event file in ``logdir``, as TensorFlow 1's FileWriter.

        writer = tg.summary.FileWriter(logdir, graph=sess.graph)
        writer.add_summary(sess.run(merged), global_step=10)
        writer.close()

    ``max_queue`` events may wait for the writer thread; it flushes them to disk every ``flush_secs``.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        if session is not None:
            raise NotImplementedError("tg.summary.FileWriter(session=...) (TensorFlow's summary-op writer) is not "
                                      "supported by tagraph: leave session out")
        self._event_pb2, self._summary_pb2 = _tensorboard()
        self._logdir = str(logdir)
        self._max_queue, self._flush_secs, self._suffix = max_queue, flush_secs, filename_suffix or ""
        self._seen_summary_tags, self._run_metadata_tags = set(), set()
        self._lock = threading.RLock()
        self._thread = None
        self._open()
        if graph is not None or graph_def is not None:
            self.add_graph(graph=graph, graph_def=graph_def)

    def _open(self):
        remote = file_io.is_url(self._logdir)
        try:
            if remote:
                file_io.makedirs(self._logdir)
            else:
                os.makedirs(self._logdir, exist_ok=True)
        except FileExistsError as e:
            raise errors.FailedPreconditionError(None, None, "%s is not a directory" % self._logdir) from e
        except OSError as e:
            raise errors.from_os_error(e, self._logdir) from e
        stamp = int(time.time())
        while True:
            # TensorFlow's name; a second writer in the same second takes the next second's.
            path = os.path.join(self._logdir, "events.out.tfevents.%010d.%s%s" % (stamp, socket.gethostname(),
                                                                                  self._suffix))
            try:
                events_file = _StoredEventsFile(path) if remote else _EventsFile(path)
                break
            except FileExistsError:
                stamp += 1
            except OSError as e:
                raise errors.from_os_error(e, path) from e
        # The first record, as TensorFlow's EventsWriter writes it (wall time in whole seconds), on disk at once.
        first = self._event_pb2.Event(wall_time=stamp, file_version="brain.Event:2")
        first.source_metadata.writer = "tagraph.summary.FileWriter"
        try:
            events_file.write(first.SerializeToString())
            events_file.flush()
        except BaseException:
            events_file.close()
            raise
        self._path, self._file = path, events_file
        self._thread = _WriterThread(events_file, int(self._max_queue), self._flush_secs)
        self._thread.start()
        self._closed = False
        _LIVE_WRITERS.add(self)

    def get_logdir(self):
        """The directory the event file is in."""
        return self._logdir

    def add_event(self, event):
        """Queues an Event message (TensorBoard's, or any with its fields) as it is."""
        if self._closed_warning():
            return
        self._put(event.SerializeToString())

    def _add_event(self, event, step):
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Queues a Summary: the bytes a summary op gives, or a Summary message.

        As TensorFlow's writer, a tag's SummaryMetadata is written with its first value only.
        """
        if hasattr(summary, "SerializeToString"):
            summary = summary.SerializeToString()
        elif not isinstance(summary, bytes):
            summary = summary.item() if hasattr(summary, "item") else bytes(summary)
        message = self._summary_pb2.Summary.FromString(summary)
        for value in message.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
                continue
            self._seen_summary_tags.add(value.tag)
        self._add_event(self._event_pb2.Event(summary=message), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Queues ``graph``'s GraphDef (with ``_output_shapes``), or ``graph_def``, for TensorBoard's graph view."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        if isinstance(graph, Graph) or isinstance(graph_def, Graph):
            true_graph_def = (graph if isinstance(graph, Graph) else graph_def).as_graph_def(add_shapes=True)
        elif getattr(getattr(graph if graph is not None else graph_def, "DESCRIPTOR", None), "name", "") == "GraphDef":
            true_graph_def = graph if graph is not None else graph_def
        else:
            raise TypeError("The passed graph must be an instance of `Graph` or the deprecated `GraphDef`")
        self._add_event(self._event_pb2.Event(graph_def=true_graph_def.SerializeToString()), global_step)

    def add_meta_graph(self, meta_graph_def, global_step=None):
        """Queues a MetaGraphDef message."""
        _check_message(meta_graph_def, ("MetaGraphDef",), "meta_graph_def")
        self._add_event(self._event_pb2.Event(meta_graph_def=meta_graph_def.SerializeToString()), global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Queues a RunMetadata under ``tag`` (one tag per step's trace), which TensorBoard's graph view shows."""
        _check_message(run_metadata, ("RunMetadata",), "run_metadata")
        if tag in self._run_metadata_tags:
            raise ValueError("The provided tag was already used for this event type")
        self._run_metadata_tags.add(tag)
        tagged = self._event_pb2.TaggedRunMetadata(tag=tag, run_metadata=run_metadata.SerializeToString())
        self._add_event(self._event_pb2.Event(tagged_run_metadata=tagged), global_step)

    def add_session_log(self, session_log, global_step=None):
        """Queues a SessionLog (``tg.summary.SessionLog(status=SessionLog.START)`` marks a restart)."""
        _check_message(session_log, ("SessionLog",), "session_log")
        event = self._event_pb2.Event()
        event.session_log.ParseFromString(session_log.SerializeToString())
        self._add_event(event, global_step)

    def _closed_warning(self):
        if self._closed:
            warnings.warn("Attempting to use a closed FileWriter. The operation will be a noop unless the "
                          "FileWriter is explicitly reopened.")
        return self._closed

    def _put(self, item, urgent=False):
        while not self._thread.queue.put(item, urgent, timeout=0.1):
            if not self._thread.is_alive():     # closed by another thread meanwhile: as if closed before
                return
        self._raise_failure()

    def _raise_failure(self):
        failure = self._thread.failure
        if failure is not None:
            self._shut_down()
            raise failure

    def flush(self):
        """Writes every queued event to disk, and waits until it is there."""
        if self._closed_warning():
            return
        with self._lock:
            thread = self._thread
            thread.flushed.clear()
            self._put(_FLUSH, urgent=True)
            while not thread.flushed.wait(0.1) and thread.is_alive():
                pass
            self._raise_failure()

    def close(self):
        """Flushes and closes the event file; a closed writer ignores events (with a warning) until
        ``reopen()``."""
        if self._closed:
            return
        self.flush()
        self._shut_down()

    def _shut_down(self):
        with self._lock:
            if not self._closed:
                self._closed = True
                self._thread.queue.put(_CLOSE, urgent=True)
                self._thread.join()
                self._file.close()
                _LIVE_WRITERS.discard(self)

    def reopen(self):
        """Opens a new event file in the same directory after ``close()``."""
        if self._closed:
            self._open()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileWriterCache:
    """One FileWriter per directory, shared by whoever writes summaries there (hooks, estimators).

        writer = tg.summary.FileWriterCache.get(logdir)
    """

    _cache = {}
    _lock = threading.RLock()

    @staticmethod
    def get(logdir):
        """The FileWriter of ``logdir``, made with the default graph the first time."""
        with FileWriterCache._lock:
            if logdir not in FileWriterCache._cache:
                FileWriterCache._cache[logdir] = FileWriter(logdir, graph=get_default_graph())
            return FileWriterCache._cache[logdir]

    @staticmethod
    def clear():
        """Closes every cached writer and forgets them."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache = {}


def summary_iterator(path):
    """Yields the Event messages of an event file, in order (TensorBoard's Event; needs tensorboard).

        for event in tg.summary.summary_iterator(path):
            for value in event.summary.value:
                print(event.step, value.tag, value.simple_value)
    """
    event_pb2, _ = _tensorboard()
    for record in tf_record_iterator(path):
        yield event_pb2.Event.FromString(record)
