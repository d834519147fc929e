"""Splitting one host kernel's work over the CPU's intra-op threads, as TensorFlow's kernels shard theirs over
its intra-op pool: for loops that release the GIL (Numba ``nogil`` kernels, numpy's ``take`` and BLAS).

    shards(lambda start, stop: fill(out, start, stop), total=n, min_per_shard=1 << 16)

The thread count is devices.cpu_threads' intra-op count (ConfigProto's, or the usable CPUs, following the
machine's load); work smaller than two shards of ``min_per_shard`` runs in the calling thread. BLAS calls in
a shard run single-threaded where the BLAS allows it (:func:`blas_shardable`).
"""
import concurrent.futures
import os
import threading

from tagraph.devices import cpu_threads

__all__ = ["shards", "blas_shardable"]

_POOL = []
_POOL_LOCK = threading.Lock()


def _pool():
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                                                               thread_name_prefix="tagraph-intra-op"))
    return _POOL[0]


class _SingleThreadedBlas:
    """BLAS on one thread while any :func:`shards` call runs, and its own count again after the last: a shard
    is one of the pieces the intra-op threads share, so BLAS calls inside it run on that thread alone rather
    than each starting the BLAS threads again on the same CPUs. OpenBLAS's ``set_num_threads_local`` sets
    the count every thread's calls read, not the calling thread's alone, hence the count of calls in
    progress: set when the first starts, restored when the last ends."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.previous = None

    def __enter__(self):
        setter = cpu_threads.blas_thread_setter()
        with self.lock:
            self.running += 1
            if self.running == 1 and setter is not None:
                self.previous = setter(1)

    def __exit__(self, *exc):
        setter = cpu_threads.blas_thread_setter()
        with self.lock:
            self.running -= 1
            if self.running == 0 and setter is not None:
                setter(self.previous)


_single_threaded_blas = _SingleThreadedBlas()


def blas_shardable():
    """Whether BLAS calls made inside :func:`shards` run single-threaded (the BLAS's count can be set)."""
    return cpu_threads.blas_thread_setter() is not None


def shards(work, total, min_per_shard):
    """Calls ``work(start, stop)`` over consecutive ranges covering ``range(total)``, on up to the intra-op
    thread count at once; returns when all are done (re-raising the first failure)."""
    threads = min(cpu_threads.settings().intra_op, total // max(min_per_shard, 1))
    if threads <= 1 or threading.current_thread().name.startswith("tagraph-intra-op"):
        work(0, total)
        return
    bounds = [total * i // threads for i in range(threads + 1)]
    with _single_threaded_blas:
        # The calling thread takes the first shard itself: it would only wait otherwise, and a pool thread
        # woken for it starts later than the caller can.
        futures = [_pool().submit(work, bounds[i], bounds[i + 1]) for i in range(1, threads)]
        try:
            work(bounds[0], bounds[1])
        finally:
            concurrent.futures.wait(futures)     # all of them, a failed one too, before BLAS gets its count back
    for f in futures:
        f.result()
