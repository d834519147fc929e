"""Splitting one host kernel's work over the CPU's intra-op threads, as TensorFlow's kernels shard theirs over
its intra-op pool: for loops that release the GIL (Numba ``nogil`` kernels, numpy's ``take``).

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
                                                               thread_name_prefix="tagraph-intra-op",
                                                               initializer=_single_threaded_blas))
    return _POOL[0]


def _single_threaded_blas():
    # A shard is one of the pieces the intra-op threads share: BLAS calls inside it run on this thread alone,
    # rather than each starting the BLAS threads again on the same CPUs.
    setter = cpu_threads.thread_local_blas_setter()
    if setter is not None:
        setter(1)


def blas_shardable():
    """Whether BLAS calls made inside :func:`shards` run single-threaded (the BLAS has a per-thread count)."""
    return cpu_threads.thread_local_blas_setter() is not None


def shards(work, total, min_per_shard):
    """Calls ``work(start, stop)`` over consecutive ranges covering ``range(total)``, on up to the intra-op
    thread count at once; returns when all are done (re-raising the first failure)."""
    threads = min(cpu_threads.settings().intra_op, total // max(min_per_shard, 1))
    if threads <= 1 or threading.current_thread().name.startswith("tagraph-intra-op"):
        work(0, total)
        return
    bounds = [total * i // threads for i in range(threads + 1)]
    for f in [_pool().submit(work, bounds[i], bounds[i + 1]) for i in range(threads)]:
        f.result()
