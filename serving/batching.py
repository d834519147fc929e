"""Server-side batching (``--enable_batching``): concurrent requests merged along dimension 0.

Modelled on TensorFlow Serving's BatchingSession over a SharedBatchScheduler, with the same
``BatchingParameters`` (``--batching_parameters_file``, protobuf text format)::

    max_batch_size { value: 32 }          # rows per merged run (default 1000)
    batch_timeout_micros { value: 1000 }  # how long an open batch may wait to fill (default 0)
    max_enqueued_batches { value: 100 }   # bounded queue: a full one answers RESOURCE_EXHAUSTED (429)
    num_batch_threads { value: 2 }        # threads running merged batches (default: the CPU count)
    allowed_batch_sizes: 8                # optional: pad each batch up to the next allowed size
    allowed_batch_sizes: 32

Requests queue per (servable, signature, requested outputs, and each input's dtype and dimensions after
the first), so only requests that concatenate exactly share a batch; tensors of other shapes simply go
to another batch instead of being padded (``pad_variable_length_inputs`` is accepted for compatibility).
A batch runs when full, when ``batch_timeout_micros`` has passed since its first request, or, with a
zero timeout, as soon as a batch thread is free; so under load, requests that arrive while a batch runs
form the next one. Each request gets its own rows of every output back.

    batcher = Batcher(BatchingOptions(max_batch_size=32, batch_timeout_micros=500))
    outputs = batcher.run(servable, "serving_default", {"x": x}, ("y",))          # from a thread
    outputs = await batcher.run_async(servable, "serving_default", {"x": x}, ("y",))  # from an event loop
"""
import asyncio
import collections
import logging
import threading
import time

import numpy as np

from tagraph.devices import cpu_threads
from tagraph.serving.status import ServingError, as_serving_error, detached

__all__ = ["Batcher", "BatchingOptions"]

logger = logging.getLogger("tagraph.serving")


class BatchingOptions:
    """The BatchingParameters fields the batcher uses, with TensorFlow Serving's defaults."""

    def __init__(self, max_batch_size=1000, batch_timeout_micros=0, max_enqueued_batches=10,
                 num_batch_threads=None, allowed_batch_sizes=(), pad_variable_length_inputs=False):
        self.max_batch_size = int(max_batch_size)
        self.batch_timeout_micros = int(batch_timeout_micros)
        self.max_enqueued_batches = int(max_enqueued_batches)
        self.num_batch_threads = int(num_batch_threads or cpu_threads.usable_cpus())
        self.allowed_batch_sizes = tuple(int(s) for s in allowed_batch_sizes)
        self.pad_variable_length_inputs = bool(pad_variable_length_inputs)
        self.validate()

    def validate(self):
        if self.max_batch_size < 1:
            raise ValueError("max_batch_size must be positive, got %d" % self.max_batch_size)
        if self.batch_timeout_micros < 0:
            raise ValueError("batch_timeout_micros must be non-negative, got %d" % self.batch_timeout_micros)
        if self.max_enqueued_batches < 1:
            raise ValueError("max_enqueued_batches must be positive, got %d" % self.max_enqueued_batches)
        if self.num_batch_threads < 1:
            raise ValueError("num_batch_threads must be positive, got %d" % self.num_batch_threads)
        sizes = self.allowed_batch_sizes
        if sizes:
            if list(sizes) != sorted(set(sizes)) or sizes[0] < 1:
                raise ValueError("allowed_batch_sizes must be positive and strictly increasing, got %s"
                                 % list(sizes))
            if sizes[-1] != self.max_batch_size:
                raise ValueError("The last entry of allowed_batch_sizes (%d) must equal max_batch_size (%d)"
                                 % (sizes[-1], self.max_batch_size))

    @classmethod
    def from_proto(cls, params):
        """From a BatchingParameters message (see :mod:`tagraph.serving.extra_protos`)."""
        kwargs = {}
        for field in ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches", "num_batch_threads"):
            if params.HasField(field):
                kwargs[field] = getattr(params, field).value
        return cls(allowed_batch_sizes=list(params.allowed_batch_sizes),
                   pad_variable_length_inputs=params.pad_variable_length_inputs, **kwargs)

    def describe(self):
        return ("max_batch_size=%d batch_timeout_micros=%d max_enqueued_batches=%d num_batch_threads=%d%s"
                % (self.max_batch_size, self.batch_timeout_micros, self.max_enqueued_batches,
                   self.num_batch_threads, " allowed_batch_sizes=%s" % list(self.allowed_batch_sizes)
                   if self.allowed_batch_sizes else ""))


class _Task:
    """One request in a batch. A caller on a thread waits on ``done``, a lock held until the batch has
    run (waiting on a plain lock costs a fraction of an Event's, a Condition written in Python); a
    caller on an event loop gives ``loop`` and ``future`` instead, resolved from the loop's thread."""

    __slots__ = ("inputs", "size", "done", "outputs", "error", "loop", "future", "queued_at")

    def __init__(self, inputs, size, loop=None):
        self.inputs = inputs
        self.size = size
        self.queued_at = time.monotonic()
        self.loop = loop
        self.outputs = None
        self.error = None
        if loop is None:
            self.done = threading.Lock()
            self.done.acquire()
            self.future = None
        else:
            self.done = None
            self.future = loop.create_future()

    def finish(self):
        if self.done is None:
            return                   # resolved in a group by _finish_all, one wake-up per event loop
        try:
            self.done.release()
        except RuntimeError:         # already finished
            pass

    def wait(self, timeout):
        return self.done.acquire(timeout=-1 if timeout is None else timeout)

    def resolve(self):
        if self.future.done():       # cancelled: its caller stopped waiting (a deadline)
            return
        if self.error is not None:
            # Each waiter raises its own copy: one shared exception would gather every waiter's frames.
            self.future.set_exception(ServingError(self.error.code, self.error.message))
        else:
            self.future.set_result(self.outputs)


def _resolve_all(tasks):
    for t in tasks:
        t.resolve()


def _finish_all(tasks):
    by_loop = {}
    for t in tasks:
        if t.loop is None:
            t.finish()
        else:
            by_loop.setdefault(t.loop, []).append(t)
    for loop, group in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve_all, group)
        except RuntimeError:         # the loop has closed: nobody is waiting any more
            pass


class _Queue:
    __slots__ = ("servable", "signature_key", "input_keys", "output_keys", "open", "open_size", "deadline",
                 "closed")

    def __init__(self, servable, signature_key, input_keys, output_keys):
        self.servable = servable
        self.signature_key = signature_key
        self.input_keys = input_keys
        self.output_keys = output_keys
        self.open = []               # tasks of the batch being filled
        self.open_size = 0
        self.deadline = 0.0
        self.closed = 0              # batches closed and waiting for a thread


class Batcher:
    """Merges concurrent requests to the same signature; see the module docstring."""

    def __init__(self, options=None, metrics=None):
        self.options = options or BatchingOptions()
        self._metrics = metrics
        self._cond = threading.Condition(threading.Lock())
        self._queues = {}
        self._ready = collections.deque()       # (queue, tasks) closed batches, oldest first
        self._stopping = False
        self._timeout = self.options.batch_timeout_micros / 1e6
        self._threads = [threading.Thread(target=self._worker, name="tagraph-batch-%d" % i, daemon=True)
                         for i in range(self.options.num_batch_threads)]
        for t in self._threads:
            t.start()

    # --- submitting ------------------------------------------------------------------------------

    def run(self, servable, signature_key, inputs, output_keys, timeout=None):
        """Runs one request as part of a batch; returns its outputs (its own rows of each)."""
        task = self._submit(servable, signature_key, inputs, output_keys, None)
        if task is None:
            # Scalars or disagreeing first dimensions cannot be concatenated: run this request alone.
            return servable.run(signature_key, inputs, output_keys)
        if not task.wait(timeout):
            raise ServingError.deadline_exceeded("Request timed out while waiting in the batching queue")
        if task.error is not None:
            raise ServingError(task.error.code, task.error.message)
        return task.outputs

    async def run_async(self, servable, signature_key, inputs, output_keys, timeout=None):
        """:meth:`run` for a caller on an event loop: the loop is never blocked (a request that cannot join
        a batch runs on the loop's default executor)."""
        loop = asyncio.get_running_loop()
        task = self._submit(servable, signature_key, inputs, output_keys, loop)
        if task is None:
            return await loop.run_in_executor(None, servable.run, signature_key, inputs, output_keys)
        try:
            return await asyncio.wait_for(task.future, timeout)
        except asyncio.TimeoutError:
            raise ServingError.deadline_exceeded("Request timed out while waiting in the batching queue") from None

    def _submit(self, servable, signature_key, inputs, output_keys, loop):
        size = _batch_size(inputs)
        if size is None:
            return None
        if size > self.options.max_batch_size:
            raise ServingError.invalid_argument("Task size %d is larger than maximum input batch size %d"
                                                % (size, self.options.max_batch_size))
        input_keys = tuple(sorted(inputs))
        key = (servable, signature_key, tuple(output_keys),
               tuple((k, inputs[k].dtype.str, inputs[k].shape[1:]) for k in input_keys))
        task = _Task(inputs, size, loop)
        with self._cond:
            if self._stopping:
                raise ServingError.unavailable("The server is shutting down")
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = _Queue(servable, signature_key, input_keys, tuple(output_keys))
            # A batch thread needs waking only for a new deadline or a closed batch, not for each request
            # joining an open batch: on two cores each needless wake-up is a context switch and a GIL handoff.
            wake = False
            if queue.open and queue.open_size + size > self.options.max_batch_size:
                self._close(queue)
                wake = True
            if not queue.open and queue.closed >= self.options.max_enqueued_batches:
                raise ServingError.resource_exhausted(
                    "The batch scheduling queue to which this task was submitted is full")
            if not queue.open:
                queue.deadline = time.monotonic() + self._timeout
                wake = True
            queue.open.append(task)
            queue.open_size += size
            if queue.open_size >= self.options.max_batch_size:
                self._close(queue)
                wake = True
            if wake:
                self._cond.notify()
        return task

    def _close(self, queue):
        self._ready.append((queue, queue.open))
        queue.closed += 1
        queue.open = []
        queue.open_size = 0

    def queue_depths(self):
        """{(model, signature): requests waiting} over the queues that have any."""
        depths = {}
        with self._cond:
            for q in self._queues.values():
                key = (q.servable.name, q.signature_key)
                depths[key] = depths.get(key, 0) + len(q.open)
            for q, tasks in self._ready:
                key = (q.servable.name, q.signature_key)
                depths[key] = depths.get(key, 0) + len(tasks)
        return {k: v for k, v in depths.items() if v}

    def drop(self, servable):
        """Forget the queues of an unloaded servable (their batches have all run by then)."""
        with self._cond:
            for key in [k for k, q in self._queues.items() if q.servable is servable and not q.open]:
                del self._queues[key]

    def stop(self):
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout=5)

    # --- batch threads ---------------------------------------------------------------------------

    def _next_batch(self):
        with self._cond:
            while True:
                if self._ready:
                    queue, tasks = self._ready.popleft()
                    queue.closed -= 1
                    return queue, tasks
                earliest = None
                for queue in self._queues.values():
                    if queue.open and (earliest is None or queue.deadline < earliest.deadline):
                        earliest = queue
                if earliest is not None:
                    wait = earliest.deadline - time.monotonic()
                    if wait <= 0 or self._stopping:     # stopping: run what is queued now
                        tasks = earliest.open
                        earliest.open = []
                        earliest.open_size = 0
                        return earliest, tasks
                elif self._stopping:
                    return None, None
                else:
                    wait = None
                if self._stopping and earliest is None:
                    return None, None
                self._cond.wait(wait)

    def _worker(self):
        while True:
            queue, tasks = self._next_batch()
            if queue is None:
                return
            try:
                self._process(queue, tasks)
            except BaseException as e:  # noqa: BLE001 - every waiting request must be answered
                # Detached: a task keeps its error, and the error's traceback would keep the merged batch.
                err = detached(as_serving_error(e))
                for t in tasks:
                    t.error = err
                _finish_all(tasks)
            finally:
                queue = tasks = None

    def _process(self, queue, tasks):
        total = sum(t.size for t in tasks)
        padded = total
        for allowed in self.options.allowed_batch_sizes:
            if allowed >= total:
                padded = allowed
                break
        if len(tasks) == 1 and padded == total:
            inputs = tasks[0].inputs
        else:
            inputs = {}
            for k in queue.input_keys:
                parts = [t.inputs[k] for t in tasks]
                if padded > total:
                    # TensorFlow Serving pads with copies of the first row; their outputs are dropped.
                    parts.append(np.repeat(parts[0][:1], padded - total, axis=0))
                inputs[k] = np.concatenate(parts, axis=0)
        if self._metrics is not None:
            now = time.monotonic()
            self._metrics.record_batch(queue.servable.name, queue.signature_key, total, padded,
                                       [now - t.queued_at for t in tasks])
        outputs = queue.servable.run(queue.signature_key, inputs, queue.output_keys)
        for k, arr in outputs.items():
            if getattr(arr, "ndim", 0) == 0:
                raise ServingError.failed_precondition("Batched output tensor has 0 dimensions")
            if arr.shape[0] != padded:
                raise ServingError.failed_precondition(
                    "Batched output tensor's 0th dimension does not equal the sum of the 0th dimension sizes "
                    "of the input tensors")
        if len(tasks) == 1:
            tasks[0].outputs = outputs if padded == total else {k: v[:total] for k, v in outputs.items()}
        else:
            offset = 0
            for t in tasks:
                t.outputs = {k: v[offset:offset + t.size] for k, v in outputs.items()}
                offset += t.size
        _finish_all(tasks)


def _batch_size(inputs):
    size = None
    for arr in inputs.values():
        if arr.ndim == 0:
            return None
        if size is None:
            size = arr.shape[0]
        elif arr.shape[0] != size:
            return None
    return size
