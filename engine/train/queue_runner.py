"""QueueRunner: threads that keep running a queue's enqueue ops, as TensorFlow 1's ``tf.train.QueueRunner``,
and ``add_queue_runner`` / ``start_queue_runners`` over the graph's QUEUE_RUNNERS collection.

    qr = tg.train.QueueRunner(queue, [enqueue_op] * 2)
    tg.train.add_queue_runner(qr)
    coord = tg.train.Coordinator()
    threads = tg.train.start_queue_runners(sess, coord)
    ...
    coord.request_stop(); coord.join(threads)

Each thread runs one enqueue op until the coordinator stops or the op ends with OutOfRangeError (its
input is exhausted: ``limit_epochs``); the last such thread closes the queue, so dequeues take what is
left, then end with OutOfRangeError. Another error stops the coordinator with it. With a coordinator,
one more thread waits for the stop and cancels the queue's pending enqueues, so no thread stays blocked.
"""
import logging
import threading
import weakref

from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import GraphKeys, get_default_graph, get_default_session

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]

logger = logging.getLogger("tagraph.queue_runner")


class QueueRunner:
    """Runs ``enqueue_ops`` (one thread each) into ``queue``; closes it when they are all done.

        qr = QueueRunner(q, [q.enqueue(x)] * 4)
        threads = qr.create_threads(sess, coord=coord, start=True)
    """

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None, import_scope=None):
        if queue_runner_def is not None:
            raise errors.UnimplementedError(None, None, "QueueRunner(queue_runner_def=...) is not supported yet")
        if queue is None or not enqueue_ops:
            raise ValueError("Queue and enqueue_ops must be specified" if queue is None
                             else "enqueue_ops must not be empty")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        types = tuple(queue_closed_exception_types or (errors.OutOfRangeError,))
        if not all(isinstance(t, type) and issubclass(t, errors.OpError) for t in types):
            raise TypeError("queue_closed_exception_types, when provided, must be a tuple of tf.error types, "
                            "but saw: %s" % (types,))
        self._queue_closed_exception_types = types
        self._lock = threading.Lock()
        self._runs_per_session = weakref.WeakKeyDictionary()
        self._exceptions_raised = []

    queue = property(lambda self: self._queue)
    enqueue_ops = property(lambda self: self._enqueue_ops)
    close_op = property(lambda self: self._close_op)
    cancel_op = property(lambda self: self._cancel_op)
    queue_closed_exception_types = property(lambda self: self._queue_closed_exception_types)
    exceptions_raised = property(lambda self: self._exceptions_raised)
    name = property(lambda self: self._queue.name)

    def _run(self, sess, enqueue_op, coord=None):
        decremented = False
        try:
            enqueue = sess.make_callable(enqueue_op)
            while True:
                if coord is not None and coord.should_stop():
                    break
                try:
                    enqueue()
                except self._queue_closed_exception_types:
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        if self._runs_per_session[sess] == 0:
                            try:
                                sess.run(self._close_op)
                            except Exception as e:  # noqa: BLE001 - the queue may be closed already
                                logger.debug("Ignored exception: %s", e)
                    return
        except Exception as e:  # noqa: BLE001 - reported to the coordinator, as TensorFlow's does
            if coord is not None:
                coord.request_stop(e)
            else:
                logger.error("Exception in QueueRunner: %s", e)
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess, cancel_op, coord):
        coord.wait_for_stop()
        try:
            sess.run(cancel_op)
        except Exception as e:  # noqa: BLE001 - the session may be closed already
            logger.debug("Ignored exception: %s", e)

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """The threads running the enqueue ops in ``sess`` (none when they already run there), plus one
        cancelling pending enqueues once ``coord`` stops; each registered with ``coord``."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [threading.Thread(target=self._run, args=(sess, op, coord)) for op in self._enqueue_ops]
        if coord is not None:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, self._cancel_op, coord),
                                            name="QueueRunnerThread-%s" % self.name))
        for t in threads:
            if coord is not None:
                coord.register_thread(t)
            if daemon:
                t.daemon = True
            if start:
                t.start()
        return threads


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    """Adds ``qr`` to the graph's ``collection`` (QUEUE_RUNNERS), where start_queue_runners finds it."""
    get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True, collection=GraphKeys.QUEUE_RUNNERS):
    """Starts the threads of every QueueRunner of ``sess``'s graph; returns them.

        threads = tg.train.start_queue_runners(sess, coord)
    """
    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError("Cannot start queue runners: No default session is registered. Use `with "
                             "sess.as_default()` or pass an explicit session to tf.start_queue_runners(sess=sess)")
    if type(sess).__name__ in ("MonitoredSession", "SingularMonitoredSession"):
        # A monitored session starts its queue runners itself.
        return []
    with sess.graph.as_default():
        threads = []
        for qr in sess.graph.get_collection(collection):
            threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
