"""``map(num_parallel_calls=N)``: ParallelMapDataset and ParallelMapDatasetV2, the map function run on a
pool of worker threads.

At most ``num_parallel_calls`` elements are being mapped at once (AUTOTUNE: the process's inter-op threads,
``tagraph.devices.cpu_threads``); the iterator reads its input in the consumer's thread and hands each
element to the pool, so the calls run while the consumer (a training step) works. With ``deterministic``
("true", or "default") the elements come out in their input order; with "false" each ``get_next`` gives
whichever mapped element is ready first. A call that fails gives TensorFlow's error in that element's place
and the iterator goes on with the following ones. Closing the iterator waits for the calls in flight and
drops what they made.

    ds = tg.data.Dataset.range(100).map(expensive, num_parallel_calls=tg.data.AUTOTUNE)
"""
import collections
import concurrent.futures

import numpy as np

from tagraph.devices.cpu_threads import settings as thread_settings
from tagraph.engine.data.dataset_kernels import (ElementIterator, FunctionDataset, UserFunction, invalid,
                                                 register_dataset_kernel)

__all__ = ["ParallelMapIterator", "parallelism", "deterministic"]


def parallelism(requested, what="num_parallel_calls"):
    """The worker count for a ``num_parallel_calls`` value: AUTOTUNE (-1) is the process's inter-op threads."""
    n = int(np.asarray(requested))
    if n == -1:
        return max(1, thread_settings().inter_op)
    if n <= 0:
        raise invalid("%s must be greater than zero or AUTOTUNE (-1), got %d", what, n)
    return n


def deterministic(ctx):
    """Whether the op keeps its input's order: its ``deterministic`` attr ("default" is "true") and not
    ``sloppy`` (the older ops' attr)."""
    value = ctx.attrs.get("deterministic", "default")
    value = value.decode() if isinstance(value, bytes) else value
    if value not in ("default", "true", "false"):
        raise invalid("deterministic must be one of 'default', 'true' or 'false', got %r", value)
    return value != "false" and not bool(ctx.attrs.get("sloppy", False))


class _Failed:
    """An input element that could not be read: its error comes out in the element's place."""

    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


def _mapped(call, element, where):
    with np.errstate(all="ignore"):       # as in a session run: overflow and 0/0 give inf/nan, no warning
        return call(element, where)


class ParallelMapIterator(ElementIterator):
    """Maps ``input_iterator``'s elements with ``call`` on ``workers`` threads, at most ``workers`` at once."""

    def __init__(self, input_iterator, call, workers, deterministic):
        self.input, self.call = input_iterator, call
        self.workers, self.deterministic = workers, deterministic
        self._pool = None
        self._pending = collections.deque()      # futures (or _Failed), in input order
        self._input_done = False
        self._seen = 0                           # input elements taken (a failure names its element)

    def _fill(self):
        while not self._input_done and len(self._pending) < self.workers:
            try:
                x = self.input.get_next()
            except Exception as e:  # noqa: BLE001 - an input's failure is this element's, in its place
                self._pending.append(_Failed(e))
                continue
            if x is None:
                self._input_done = True
                break
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(self.workers, "tg.data parallel map")
            where = (self._seen, self.input.last_source())
            self._seen += 1
            self._pending.append(self._pool.submit(_mapped, self.call, x, lambda: where))

    def get_next(self):
        self._fill()
        if not self._pending:
            return None
        if self.deterministic or len(self._pending) == 1:
            item = self._pending.popleft()
        else:
            futures = [p for p in self._pending if not isinstance(p, _Failed)]
            failed = [p for p in self._pending if isinstance(p, _Failed)]
            if failed:
                item = failed[0]
            else:
                done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
                item = next(p for p in self._pending if p in done)
            self._pending.remove(item)
        if isinstance(item, _Failed):
            raise item.error
        return item.result()

    def close(self):
        for p in self._pending:
            if not isinstance(p, _Failed):
                p.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.input.close()


class _ParallelMap(FunctionDataset):
    def __init__(self, ctx, input_dataset, captured, num_parallel_calls, kind):
        super().__init__(ctx, "Map", kind, input_dataset, captured, "f")
        self.workers = parallelism(num_parallel_calls)
        self.deterministic = deterministic(ctx)

    def make_iterator(self, prefix="Iterator::Root"):
        prefix = prefix + "::" + self.kind
        call = UserFunction(self.fn, self.captured, self.op_type, prefix)
        return ParallelMapIterator(self.input.make_iterator(prefix), call, self.workers, self.deterministic)


@register_dataset_kernel("ParallelMapDataset")
def _parallel_map(ctx, input_dataset, *rest):
    # ParallelMapDataset's num_parallel_calls is an int32, V2's an int64; both are the last input.
    return _ParallelMap(ctx, input_dataset, rest[:-1], rest[-1], "ParallelMap")


@register_dataset_kernel("ParallelMapDatasetV2")
def _parallel_map_v2(ctx, input_dataset, *rest):
    return _ParallelMap(ctx, input_dataset, rest[:-1], rest[-1], "ParallelMapV2")

