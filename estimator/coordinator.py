"""Coordinator: TensorFlow 1's ``tf.train.Coordinator``, which lets threads ask each other to stop and
hands the first error of any of them to the thread that joins them.

A MonitoredSession makes one per session and passes it to ``SessionRunHook.after_create_session``; a
hook that starts threads registers them, and the session's ``close()`` joins them.

    coord = Coordinator()
    def work():
        with coord.stop_on_exception():
            while not coord.should_stop():
                ...
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    coord.join(threads)     # re-raises the first exception a thread reported
"""
import contextlib
import logging
import sys
import threading
import time

from tagraph.engine.framework import errors

__all__ = ["Coordinator"]

logger = logging.getLogger("tagraph.estimator.coordinator")


class Coordinator:
    """Stop requests and error reporting among threads, as TensorFlow's Coordinator.

    An exception whose type is in ``clean_stop_exception_types`` (OutOfRangeError by default) passed to
    ``request_stop`` stops the threads without being reported as an error.
    """

    def __init__(self, clean_stop_exception_types=None):
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (errors.OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def _filter_exception(self, ex):
        if isinstance(ex, tuple):
            ex2 = ex[1]
        else:
            ex2 = ex
        if isinstance(ex2, self._clean_stop_exception_types):
            ex = None
        return ex

    def request_stop(self, ex=None):
        """Asks the threads to stop; ``ex`` (an exception or ``sys.exc_info()``) is kept to re-raise in join."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined:
                if isinstance(ex, tuple):
                    _, ex_instance, _ = ex
                    raise ex_instance
                elif ex is not None:
                    _, ex_instance, _ = sys.exc_info()
                    raise ex_instance
            if not self._stop_event.is_set():
                if ex and self._exc_info_to_raise is None:
                    if isinstance(ex, tuple):
                        logger.info("Error reported to Coordinator: %s", ex[1], exc_info=ex)
                        self._exc_info_to_raise = ex
                    else:
                        logger.info("Error reported to Coordinator: %s, %s", type(ex), ex)
                        self._exc_info_to_raise = (type(ex), ex, ex.__traceback__)
                    if (len(self._exc_info_to_raise) != 3 or not self._exc_info_to_raise[0]
                            or not self._exc_info_to_raise[1]):
                        try:
                            raise ValueError("ex must be a tuple or sys.exc_info must return the current "
                                             "exception: %s" % (self._exc_info_to_raise,))
                        except ValueError:
                            self._exc_info_to_raise = sys.exc_info()
                self._stop_event.set()

    def clear_stop(self):
        """Clears the stop request and any reported exception, so the threads can be started again."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            if self._stop_event.is_set():
                self._stop_event.clear()

    def should_stop(self):
        """True once a stop was requested."""
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """A context in which an exception requests a stop (and is kept for join) instead of propagating."""
        try:
            yield
        except BaseException:  # noqa: BLE001 - reported to the coordinator, re-raised by join
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None):
        """Waits until a stop is requested (or ``timeout`` seconds pass); returns whether one was."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread):
        """Adds ``thread`` to those ``join()`` waits for."""
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Waits for the threads to stop after a stop request; re-raises the exception reported first.

        Threads still alive ``stop_grace_period_secs`` after the stop request raise RuntimeError, unless
        ``ignore_live_threads``.
        """
        with self._lock:
            if threads is None:
                threads = self._registered_threads
            else:
                threads = self._registered_threads.union(set(threads))
            threads = list(threads)
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        stop_wait_secs = 0.001
        while any(t.is_alive() for t in threads) and stop_grace_period_secs >= 0.0:
            time.sleep(stop_wait_secs)
            stop_grace_period_secs -= stop_wait_secs
            stop_wait_secs = 2 * stop_wait_secs
            stop_wait_secs = max(min(stop_wait_secs, stop_grace_period_secs), 0.001)
        stragglers = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            if self._exc_info_to_raise:
                _, ex_instance, _ = self._exc_info_to_raise
                raise ex_instance
            elif stragglers:
                if ignore_live_threads:
                    logger.info("Coordinator stopped with threads still running: %s", " ".join(stragglers))
                else:
                    raise RuntimeError("Coordinator stopped with threads still running: %s" % " ".join(stragglers))

    @property
    def joined(self):
        return self._joined

    def raise_requested_exception(self):
        """Re-raises the exception a thread reported, if any."""
        with self._lock:
            if self._exc_info_to_raise:
                _, ex_instance, _ = self._exc_info_to_raise
                raise ex_instance
