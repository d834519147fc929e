"""The datasets that hold elements in a buffer: shuffling and prefetching (and TensorFlow's seed generator
and memory cache resources that its newer shuffle and cache ops take).

**Shuffle** (ShuffleDataset, V2, V3, ShuffleAndRepeatDataset(V2)) fills a buffer of ``buffer_size``
elements, then gives a random one of the buffer and puts the next input element in its place, as
TensorFlow's does. Its random stream is numpy's Philox keyed by (seed, seed2), not TensorFlow's: orders
differ from TensorFlow's, the multiset of elements does not. Seeds (0, 0) ask for a random order; with
``reshuffle_each_iteration`` each pass (each new iterator, each repetition) draws a new order from the
seeds, else every pass repeats the first.

**Prefetch** (PrefetchDataset) runs its input in a thread beside the consumer: the thread makes an
element only while fewer than ``buffer_size`` are waiting (AUTOTUNE: a few), so the depth asked for is
the most made ahead. A failure is handed over in its place and the thread goes on, so the consumer sees
TensorFlow's error for that element and the following ones after it. The thread starts with the first
request and is joined when the iterator closes (it is started again, or its session closes).

The prefetching thread runs at a lower scheduling priority than the rest of the process (``nice`` +10, where
the OS has per-thread priorities): the consumer's training step splits its products over every core, and
one of them shared with the producer holds the whole product back (an MLP's first MatMul, 0.55 ms alone,
took 1.4 ms beside a parsing producer on 2 cores). At the lower priority the step's threads take their
cores back at once and the producer fills the gaps; on 2 cores the pipeline-fed MLP step of
benchmarks/input_pipeline.py went from 2.56-2.71 ms to 1.73-2.01 ms.
"""
import os
import queue
import threading

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import errors
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.data.device_copy import COPY_TO_DEVICE_ATTR, DeviceCopy
from tagraph.engine.data.dataset_kernels import (HOST, DatasetValue, ElementIterator, invalid,
                                                 register_dataset_kernel)

__all__ = ["AUTOTUNE_DEPTH"]

AUTOTUNE_DEPTH = 4      # elements made ahead by prefetch(AUTOTUNE)


def _int(x, what):
    x = np.asarray(x)
    if x.ndim != 0:
        raise invalid("%s must be a scalar", what)
    return int(x)


# --- shuffle ------------------------------------------------------------------------------------------

class _Seeds:
    """A seed generator: fixed seeds, or a stream of new ones for each pass when reshuffling."""

    def __init__(self, seed, seed2, reshuffle):
        self.random = seed == 0 and seed2 == 0
        self.reshuffle = reshuffle
        self._root = np.random.SeedSequence(None if self.random else [seed & (2 ** 64 - 1), seed2 & (2 ** 64 - 1)])
        self._first = self._root.spawn(1)[0]
        self._lock = threading.Lock()

    def next_generator(self):
        with self._lock:
            seq = self._root.spawn(1)[0] if self.reshuffle else self._first
        return np.random.Generator(np.random.Philox(seq))


class _Shuffle(DatasetValue):
    kind = "Shuffle"

    def __init__(self, ctx, input_dataset, buffer_size, seeds, count=1):
        super().__init__(ctx)
        self.input = input_dataset
        self.buffer_size = _int(buffer_size, "buffer_size")
        if self.buffer_size <= 0:
            raise invalid("buffer_size must be greater than zero.")
        self.seeds = seeds
        self.count = count

    def make_iterator(self, prefix="Iterator::Root"):
        return _ShuffleIterator(self, prefix + "::" + self.kind)


class _ShuffleIterator(ElementIterator):
    def __init__(self, d, prefix):
        self.d, self.prefix = d, prefix
        self.passes = 0
        self._start_pass()

    def _start_pass(self):
        self.input = self.d.input.make_iterator(self.prefix)
        self.rng = self.d.seeds.next_generator()
        self.buffer = []
        self.given = False

    def get_next(self):
        while True:
            while self.input is not None and len(self.buffer) < self.d.buffer_size:
                x = self.input.get_next()
                if x is None:
                    self.input.close()
                    self.input = None
                    break
                self.buffer.append(x)
            if self.buffer:
                i = int(self.rng.integers(len(self.buffer)))
                x = self.buffer[i]
                self.buffer[i] = self.buffer[-1]
                self.buffer.pop()
                self.given = True
                return x
            # One pass done: ShuffleAndRepeat goes on with a new pass (an empty input ends it).
            self.passes += 1
            if not self.given or (0 <= self.d.count <= self.passes):
                return None
            self._start_pass()

    def close(self):
        if self.input is not None:
            self.input.close()
            self.input = None


def _seed_args(ctx, seed, seed2):
    return _Seeds(_int(seed, "seed"), _int(seed2, "seed2"), bool(ctx.attrs.get("reshuffle_each_iteration", True)))


class _SeedGenerator:
    """The value of a seed generator resource (AnonymousSeedGenerator, DummySeedGenerator)."""

    def __init__(self, seeds):
        self.seeds = seeds


def _generated_seeds(ctx, generator, seed=0, seed2=0):
    if isinstance(generator, _SeedGenerator) and generator.seeds is not None:
        return generator.seeds
    return _seed_args(ctx, seed, seed2)


@register_dataset_kernel("ShuffleDataset")
def _shuffle(ctx, input_dataset, buffer_size, seed, seed2):
    return _Shuffle(ctx, input_dataset, buffer_size, _seed_args(ctx, seed, seed2))


@register_dataset_kernel("ShuffleDatasetV2")
def _shuffle_v2(ctx, input_dataset, buffer_size, seed_generator):
    return _Shuffle(ctx, input_dataset, buffer_size, _generated_seeds(ctx, seed_generator))


@register_dataset_kernel("ShuffleDatasetV3")
def _shuffle_v3(ctx, input_dataset, buffer_size, seed, seed2, seed_generator):
    return _Shuffle(ctx, input_dataset, buffer_size, _generated_seeds(ctx, seed_generator, seed, seed2))


@register_dataset_kernel("ShuffleAndRepeatDataset")
def _shuffle_and_repeat(ctx, input_dataset, buffer_size, seed, seed2, count):
    return _Shuffle(ctx, input_dataset, buffer_size, _seed_args(ctx, seed, seed2), _int(count, "count"))


@register_dataset_kernel("ShuffleAndRepeatDatasetV2")
def _shuffle_and_repeat_v2(ctx, input_dataset, buffer_size, seed, seed2, count, seed_generator):
    return _Shuffle(ctx, input_dataset, buffer_size, _generated_seeds(ctx, seed_generator, seed, seed2),
                    _int(count, "count"))


@register_kernel("AnonymousSeedGenerator", HOST)
def _anonymous_seed_generator(ctx, seed, seed2, reshuffle):
    g = _SeedGenerator(_Seeds(_int(seed, "seed"), _int(seed2, "seed2"), bool(np.asarray(reshuffle))))
    return g, g


@register_kernel("DummySeedGenerator", HOST)
def _dummy_seed_generator(ctx):
    return _SeedGenerator(None)


@register_kernel("DeleteSeedGenerator", HOST)
def _delete_seed_generator(ctx, handle, deleter):
    return None


# The memory cache resource CacheDatasetV2 takes: tagraph's in-memory cache lives in the dataset itself.
register_kernel("DummyMemoryCache", HOST)(lambda ctx: _SeedGenerator(None))
register_kernel("AnonymousMemoryCache", HOST)(lambda ctx: (_SeedGenerator(None),) * 2)
register_kernel("DeleteMemoryCache", HOST)(lambda ctx, handle, deleter: None)

not_differentiable("AnonymousSeedGenerator", "DummySeedGenerator", "DeleteSeedGenerator", "DummyMemoryCache",
                   "AnonymousMemoryCache", "DeleteMemoryCache")
register_shape("DummySeedGenerator", "DummyMemoryCache")(lambda op: [TensorShape([])])
register_shape("AnonymousSeedGenerator", "AnonymousMemoryCache")(lambda op: [TensorShape([])] * 2)
register_shape("DeleteSeedGenerator", "DeleteMemoryCache")(lambda op: [])


# --- prefetch -----------------------------------------------------------------------------------------

class _Prefetch(DatasetValue):
    kind = "Prefetch"

    def __init__(self, ctx, input_dataset, buffer_size):
        super().__init__(ctx)
        self.input = input_dataset
        size = _int(buffer_size, "buffer_size")
        if size < -1:
            raise invalid("buffer_size must be >= 0 or set buffer_size to be -1 for auto tuning")
        self.depth = AUTOTUNE_DEPTH if size == -1 else size

    def make_iterator(self, prefix="Iterator::Root"):
        inner = self.input.make_iterator(prefix + "::Prefetch")
        return inner if self.depth == 0 else PrefetchIterator(inner, self.depth)


_END = object()


# How much lower the prefetching thread's priority is (nice steps; 19 starves it while the step runs).
PRODUCER_NICE = 10


def _lower_priority():
    """Lowers the calling thread's scheduling priority by PRODUCER_NICE (Linux: per thread); elsewhere
    nothing."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + PRODUCER_NICE))
    except OSError:       # not allowed here (a sandbox): the thread keeps its priority
        pass


class PrefetchIterator(ElementIterator):
    """Runs ``input_iterator`` in a thread, at most ``depth`` elements ahead of the consumer."""

    def __init__(self, input_iterator, depth):
        self.input = input_iterator
        self.depth = depth
        self._ready = queue.Queue()
        self._slots = threading.Semaphore(depth)
        self._stop = threading.Event()
        self._thread = None
        self._ended = False

    def _produce(self):
        _lower_priority()
        while True:
            self._slots.acquire()
            if self._stop.is_set():
                return
            try:
                x = self.input.get_next()
                item = _END if x is None else x
            except BaseException as e:  # noqa: BLE001 - every failure is the consumer's to see, never lost
                item = e
            self._ready.put(item)
            if item is _END:
                return

    def get_next(self):
        if self._ended:
            return None
        if self._thread is None:
            self._thread = threading.Thread(target=self._produce, name="tg.data prefetch", daemon=True)
            self._thread.start()
        item = self._ready.get()
        if item is _END:
            self._ended = True
            return None
        self._slots.release()
        if isinstance(item, BaseException):
            if isinstance(item, errors.OpError):
                raise type(item)(None, None, item.message) from None
            raise item
        return item

    @property
    def buffered(self):
        """How many elements are made and waiting."""
        return self._ready.qsize()

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._slots.release()      # a producer waiting for a slot wakes up, sees the stop and returns
            self._thread.join()
            self._thread = None
        self.input.close()
        self._ended = True


@register_dataset_kernel("PrefetchDataset")
def _prefetch(ctx, input_dataset, buffer_size):
    target = ctx.attrs.get(COPY_TO_DEVICE_ATTR)
    if target:      # prefetch_to_device: the prefetching thread copies the elements to the device
        input_dataset = DeviceCopy(ctx, input_dataset, target.decode() if isinstance(target, bytes) else target)
    return _Prefetch(ctx, input_dataset, buffer_size)
