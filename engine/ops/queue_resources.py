"""The queues behind queue_ops' kernels, in host memory, with TensorFlow's semantics and messages.

- :class:`FIFOQueue`: elements leave in the order they came (FIFOQueueV2);
- :class:`PaddingFIFOQueue`: the same, components of unknown dimensions padded with zeros to the longest
  element of a batch when dequeued many at a time (PaddingFIFOQueueV2);
- :class:`RandomShuffleQueue`: each dequeue takes a random element, and leaves at least ``min_after_dequeue``
  behind while the queue is open (RandomShuffleQueueV2);
- :class:`PriorityQueue`: each dequeue takes the element of the smallest priority, an int64 scalar first
  component (PriorityQueueV2).

An element is a tuple of arrays, one per component. Every wait is on one condition variable, so a
dequeue blocked in one thread's ``Session.run`` wakes when another thread's run enqueues or closes the
queue. Waits end at a deadline (RunOptions' ``timeout_in_ms``, or the op's ``timeout_ms``) with a
DeadlineExceededError, and when the session closes with a CancelledError.

    q = FIFOQueue("_0_fifo_queue", [np.float32], [(2,)], capacity=3)
    q.enqueue_many([(np.array([1., 2.], np.float32),)])
    q.dequeue_many(1)        # (array([[1., 2.]]),)
"""
import collections
import heapq
import itertools
import threading
import time

import numpy as np

from tagraph.engine.framework import errors
from tagraph.engine.ops.op_util import dbg

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue", "PriorityQueue", "run_deadline"]

# The capacity TensorFlow uses for -1 (no bound).
_UNBOUNDED = 2 ** 31 - 1
_WAIT_SLICE = 0.05    # seconds a wait sleeps before looking at the deadline and session again

_deadline = threading.local()


class run_deadline:  # noqa: N801 - used as a context manager, like a function
    """Within it, queue waits of this thread end at ``timeout_in_ms`` from now (None or 0: no limit)."""

    def __init__(self, timeout_in_ms):
        self.at = time.monotonic() + timeout_in_ms / 1000.0 if timeout_in_ms else None

    def __enter__(self):
        self.saved = getattr(_deadline, "at", None)
        _deadline.at = self.at
        return self

    def __exit__(self, *exc):
        _deadline.at = self.saved

    @staticmethod
    def current():
        """This thread's deadline (``time.monotonic()`` seconds), None without one."""
        return getattr(_deadline, "at", None)


def _shape_str(shape):
    return "[%s]" % ",".join("?" if d is None or d < 0 else str(int(d)) for d in shape)


class FIFOQueue:
    """A bounded queue of tuples of arrays, first in first out."""

    kind = "FIFOQueue"
    takes_while_waiting = True

    def __init__(self, name, component_types, shapes, capacity=-1):
        self.name = name
        self.component_types = [np.dtype(t) for t in component_types]
        self.shapes = [tuple(s) for s in shapes] if shapes else None
        self.capacity = _UNBOUNDED if capacity is None or capacity < 0 else int(capacity)
        self.items = collections.deque()
        self.closed = False
        self.cancelled = False      # close(cancel_pending_enqueues=True)
        self.session_closed = False
        self.cond = threading.Condition()

    def __repr__(self):
        return "<%s %s: %d of %d>" % (self.kind, self.name, len(self.items), self.capacity)

    # --- checks, as TensorFlow's QueueBase ------------------------------------------------------------

    def _check_shape(self, i, shape):
        want = self.shapes[i] if self.shapes else None
        if want is None:
            return
        ok = len(want) == len(shape) and all(w is None or w < 0 or w == g for w, g in zip(want, shape))
        if not ok:
            raise errors.InvalidArgumentError(None, None, "Shape mismatch in tuple component %d. Expected %s, got %s"
                                              % (i, _shape_str(want), dbg(shape)))

    def check_tuple(self, values):
        if len(values) != len(self.component_types):
            raise errors.InvalidArgumentError(None, None, "Wrong number of components in tuple. Expected %d, got %d"
                                              % (len(self.component_types), len(values)))
        for i, v in enumerate(values):
            self._check_shape(i, np.shape(v))

    def split_many(self, values):
        """The elements of an enqueue_many: each component's first dimension, sliced."""
        if len(values) != len(self.component_types):
            raise errors.InvalidArgumentError(None, None, "Wrong number of components in tuple. Expected %d, got %d"
                                              % (len(self.component_types), len(values)))
        arrays = [np.asarray(v) for v in values]
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise errors.InvalidArgumentError(None, None, "Input tensor must have at least one dimension "
                                                  "(component %d)" % i)
            self._check_shape(i, a.shape[1:])
        n = arrays[0].shape[0]
        for i, a in enumerate(arrays[1:], 1):
            if a.shape[0] != n:
                raise errors.InvalidArgumentError(None, None, "Expected batch dimension %d, got %d for component %d"
                                                  % (n, a.shape[0], i))
        return [tuple(a[j] for a in arrays) for j in range(n)]

    # --- waiting ---------------------------------------------------------------------------------------

    def _wait(self, deadline, ready):
        """Waits on the condition (held) until ``ready()``; a deadline passed or a closed session ends it."""
        while not ready():
            if self.session_closed:
                raise errors.CancelledError(None, None, "Session has been closed.")
            left = _WAIT_SLICE if deadline is None else min(_WAIT_SLICE, deadline - time.monotonic())
            if left <= 0:
                raise errors.DeadlineExceededError(None, None, "Timed out waiting for notification")
            self.cond.wait(left)

    # --- operations ------------------------------------------------------------------------------------

    def enqueue_many(self, elements, deadline=None):
        """Appends ``elements`` (tuples) one by one, waiting for room: a closed queue refuses them."""
        with self.cond:
            if self.closed:
                raise errors.CancelledError(None, None, "%s '%s' is closed." % (self.kind, self.name))
            for element in elements:
                self._wait(deadline, lambda: len(self.items) < self.capacity or self.cancelled)
                if self.cancelled:
                    raise errors.CancelledError(None, None, "Enqueue operation was cancelled")
                self._put(element)
                self.cond.notify_all()

    def _put(self, element):
        self.items.append(element)

    def _take(self):
        return self.items.popleft()

    def _min_after(self):
        return 0

    def dequeue(self, deadline=None):
        """One element, waiting for it; a closed queue without one is an OutOfRangeError."""
        return self._dequeue(1, deadline, up_to=False)[0]

    def dequeue_many(self, n, deadline=None, up_to=False):
        """``n`` elements stacked per component (fewer, but at least one, with ``up_to`` once closed)."""
        self._check_many(up_to)
        if n < 0:
            raise errors.InvalidArgumentError(None, None, "%s requested %d < 0 elements"
                                              % ("DequeueUpTo" if up_to else "DequeueMany", n))
        return self.batch(self._dequeue(n, deadline, up_to))

    def _check_many(self, up_to):
        if self.shapes is None or any(s is None or any(d is None or d < 0 for d in s) for s in self.shapes):
            raise errors.InvalidArgumentError(None, None, "%s's DequeueMany and DequeueUpTo require the components "
                                              "to have specified shapes." % self.kind)

    def _dequeue(self, n, deadline, up_to):
        with self.cond:
            def ready():
                return self.closed or len(self.items) >= n + self._min_after()
            waited = not self.closed
            self._wait(deadline, ready)
            have = len(self.items)
            if have < n and self.closed:
                if not up_to or have == 0:
                    # TensorFlow's FIFO queues take elements while a dequeue waits, and put them back when
                    # the queue closes under it: its message then counts what it still lacked, of an empty
                    # queue.
                    partial = waited and self.takes_while_waiting
                    raise errors.OutOfRangeError(None, None, "%s '%s' is closed and has insufficient elements "
                                                 "(requested %d, current size %d)"
                                                 % (self.kind, self.name, n - have if partial else n,
                                                    0 if partial else have))
                n = have
            out = [self._take() for _ in range(n)]
            self.cond.notify_all()
            return out

    def batch(self, elements):
        """``elements`` stacked per component into arrays with a leading batch dimension."""
        if not elements:
            return tuple(np.zeros((0,) + tuple(s), dtype=t) for s, t in zip(self.shapes, self.component_types))
        return tuple(np.stack([e[i] for e in elements]) for i in range(len(self.component_types)))

    def close(self, cancel_pending_enqueues=False):
        with self.cond:
            self.closed = True
            if cancel_pending_enqueues:
                self.cancelled = True
            self.cond.notify_all()

    def close_with_session(self):
        with self.cond:
            self.session_closed = True
            self.cond.notify_all()

    def size(self):
        with self.cond:
            return len(self.items)


class PaddingFIFOQueue(FIFOQueue):
    """A FIFOQueue whose batches pad each component to the batch's longest element, with zeros (or b"")."""

    kind = "PaddingFIFOQueue"

    def _check_many(self, up_to):
        pass

    def batch(self, elements):
        if not elements:
            return tuple(np.zeros((0,) + tuple(0 if d is None or d < 0 else d for d in s), dtype=t)
                         for s, t in zip(self.shapes, self.component_types))
        out = []
        for i, t in enumerate(self.component_types):
            parts = [np.asarray(e[i]) for e in elements]
            shape = tuple(max(p.shape[k] for p in parts) for k in range(parts[0].ndim))
            fill = b"" if t == np.dtype(object) else 0
            arr = np.full((len(parts),) + shape, fill, dtype=t)
            for j, p in enumerate(parts):
                arr[(j,) + tuple(slice(0, d) for d in p.shape)] = p
            out.append(arr)
        return tuple(out)


class RandomShuffleQueue(FIFOQueue):
    """A queue whose dequeues take random elements, keeping ``min_after_dequeue`` while open."""

    kind = "RandomShuffleQueue"
    takes_while_waiting = False

    def __init__(self, name, component_types, shapes, capacity=-1, min_after_dequeue=0, seed=0, seed2=0):
        super().__init__(name, component_types, shapes, capacity)
        self.min_after_dequeue = int(min_after_dequeue)
        # TensorFlow seeds its generator from (seed, seed2), from the clock when both are 0.
        self.rng = np.random.default_rng(None if seed == 0 and seed2 == 0 else [int(seed) & 0xFFFFFFFF,
                                                                              int(seed2) & 0xFFFFFFFF])
        self.items = []

    def _min_after(self):
        return 0 if self.closed else self.min_after_dequeue

    def _take(self):
        i = int(self.rng.integers(len(self.items)))
        # Swap-remove, as TensorFlow's queue does: O(1) whatever the position.
        self.items[i], self.items[-1] = self.items[-1], self.items[i]
        return self.items.pop()


class PriorityQueue(FIFOQueue):
    """A queue whose dequeues take the element of the smallest priority (its first component, an int64
    scalar); elements of equal priority leave in the order they came."""

    kind = "PriorityQueue"

    def __init__(self, name, component_types, shapes, capacity=-1):
        super().__init__(name, [np.int64] + list(component_types), [()] + list(shapes) if shapes else None,
                         capacity)
        self.items = []
        self._order = itertools.count()

    def _check_shape(self, i, shape):
        if i == 0 and self.shapes is None and tuple(shape) != ():
            raise errors.InvalidArgumentError(None, None, "Expected the priority element to be a scalar, but "
                                              "received shape: %s" % dbg(shape))
        super()._check_shape(i, shape)

    def _put(self, element):
        heapq.heappush(self.items, (int(element[0]), next(self._order), element))

    def _dequeue(self, n, deadline, up_to):
        # As TensorFlow's: no small batches (DequeueUpTo is DequeueMany), and a dequeue that finds the queue
        # closed with too few elements takes them before it fails.
        with self.cond:
            self._wait(deadline, lambda: self.closed or len(self.items) >= n)
            have = len(self.items)
            if have < n:
                self.items.clear()
                self.cond.notify_all()
                raise errors.OutOfRangeError(None, None, "%s '%s' is closed and has insufficient elements "
                                             "(requested %d, current size 0)" % (self.kind, self.name, n - have))
            out = [self._take() for _ in range(n)]
            self.cond.notify_all()
            return out

    def _take(self):
        return heapq.heappop(self.items)[2]
