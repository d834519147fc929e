"""``interleave``: the datasets a function makes of each input element, read in turns.

InterleaveDataset keeps ``cycle_length`` of those datasets open and takes ``block_length`` elements from
each in turn; a dataset that ends is replaced by the one made of the next input element, at its place in
the cycle (TensorFlow's order exactly). The parallel forms (ParallelInterleaveDatasetV2, V3, V4,
ParallelInterleaveDataset and LegacyParallelInterleaveDatasetV2, which ``TFRecordDataset(num_parallel_reads=N)``
builds) give the same order; each open dataset is read ahead by a producer thread of its own, at most
``buffer_output_elements`` elements ahead (so at most ``cycle_length`` threads), while the consumer works.
With ``deterministic`` "false" (or ``sloppy``) a turn whose dataset has nothing ready goes to one that has.

    files = tg.data.Dataset.list_files("/data/train-*.tfrecord", shuffle=False)
    records = files.interleave(tg.data.TFRecordDataset, cycle_length=4, num_parallel_calls=4)

An error, from the function or from reading an open dataset (a file that cannot be read), comes out in
that turn's place; the next ``get_next`` goes on from there, as in TensorFlow.
"""
import numpy as np

from tagraph.devices.cpu_threads import settings as thread_settings
from tagraph.engine.data.buffered_kernels import PrefetchIterator
from tagraph.engine.data.dataset_kernels import (DatasetValue, ElementIterator, FunctionDataset, UserFunction,
                                                 invalid, register_dataset_kernel)
from tagraph.engine.data.parallel_map_kernels import deterministic, parallelism

__all__ = ["InterleaveIterator"]

_AUTOTUNE_BUFFER = 2        # elements read ahead per open dataset when buffer_output_elements is AUTOTUNE


def _int(x, what):
    x = np.asarray(x)
    if x.ndim != 0:
        raise invalid("%s must be a scalar", what)
    return int(x)


class InterleaveIterator(ElementIterator):
    """TensorFlow's interleave order over the datasets ``call`` makes of ``input_iterator``'s elements;
    ``read_ahead`` > 0 reads each open dataset in a thread of its own, that many elements ahead."""

    def __init__(self, input_iterator, call, cycle_length, block_length, prefix, read_ahead=0,
                 deterministic=True):
        self.input, self.call, self.prefix = input_iterator, call, prefix
        self.block_length, self.read_ahead, self.deterministic = block_length, read_ahead, deterministic
        self.cycle = [None] * cycle_length
        self.cycle_index = self.block_index = 0
        self.end_of_input = False
        self.opened = 0
        self.last = None        # the open dataset that gave the last element
        self.seen = 0

    def last_source(self):
        return None if self.last is None else self.last.last_source()

    def _open(self, element):
        self.seen += 1
        index = self.seen - 1
        made = self.call(element, lambda: (index, self.input.last_source()))
        if len(made) != 1 or not isinstance(made[0], DatasetValue):
            raise invalid("Function passed to interleave must return a dataset")
        it = made[0].make_iterator("%s[%d]" % (self.prefix, self.opened))
        self.opened += 1
        return PrefetchIterator(it, self.read_ahead) if self.read_ahead > 0 else it

    def _next_in_cycle(self):
        self.block_index = 0
        self.cycle_index = (self.cycle_index + 1) % len(self.cycle)

    def _ready_elsewhere(self):
        """Another open dataset's position with an element made and waiting (deterministic=False)."""
        n = len(self.cycle)
        for k in range(1, n):
            i = (self.cycle_index + k) % n
            it = self.cycle[i]
            if isinstance(it, PrefetchIterator) and it.buffered:
                return i
        return None

    def get_next(self):
        while not self.end_of_input or any(it is not None for it in self.cycle):
            current = self.cycle[self.cycle_index]
            if current is not None:
                if not self.deterministic and isinstance(current, PrefetchIterator) and not current.buffered:
                    other = self._ready_elsewhere()
                    if other is not None:
                        self.cycle_index, self.block_index = other, 0
                        current = self.cycle[other]
                x = current.get_next()
                if x is not None:
                    self.last = current
                    self.block_index += 1
                    if self.block_index == self.block_length:
                        self._next_in_cycle()
                    return x
                current.close()
                self.cycle[self.cycle_index] = None
                self._next_in_cycle()
            elif not self.end_of_input:
                element = self.input.get_next()
                if element is None:
                    self.end_of_input = True
                    self.input.close()
                else:
                    self.cycle[self.cycle_index] = self._open(element)
            else:
                self._next_in_cycle()
        return None

    def close(self):
        for i, it in enumerate(self.cycle):
            if it is not None:
                it.close()
                self.cycle[i] = None
        if not self.end_of_input:
            self.input.close()
            self.end_of_input = True


def _cycle_length(value):
    n = _int(value, "cycle_length")
    if n == -1:        # AUTOTUNE: as many as the CPUs the process may use, as TensorFlow's MaxParallelism
        return max(1, thread_settings().usable)
    if n <= 0:
        raise invalid("cycle_length must be greater than zero.")
    return n


class _Interleave(FunctionDataset):
    def __init__(self, ctx, kind, input_dataset, captured, cycle_length, block_length, read_ahead=0,
                 deterministic=True):
        super().__init__(ctx, "Interleave", kind, input_dataset, captured, "f")
        self.cycle_length = _cycle_length(cycle_length)
        self.block_length = _int(block_length, "block_length")
        if self.block_length <= 0:
            raise invalid("block_length must be greater than zero.")
        self.read_ahead, self.deterministic = read_ahead, deterministic

    def make_iterator(self, prefix="Iterator::Root"):
        prefix = prefix + "::" + self.kind
        call = UserFunction(self.fn, self.captured, self.op_type, prefix)
        return InterleaveIterator(self.input.make_iterator(prefix), call, self.cycle_length, self.block_length,
                                  prefix, self.read_ahead, self.deterministic)


def _split(ctx, rest, n_after):
    n = len(ctx.attrs.get("Targuments") or ())
    if len(rest) != n + n_after:
        raise invalid("%s takes %d captured arguments and %d scalars, got %d inputs", ctx.op.type, n, n_after,
                      len(rest))
    return rest[:n], rest[n:]


def _read_ahead(buffer_output_elements):
    n = _int(buffer_output_elements, "buffer_output_elements")
    if n == -1:
        return _AUTOTUNE_BUFFER
    if n <= 0:
        raise invalid("buffer_output_elements must be greater than zero or AUTOTUNE (-1)")
    return n


@register_dataset_kernel("InterleaveDataset")
def _interleave(ctx, input_dataset, *rest):
    captured, (cycle_length, block_length) = _split(ctx, rest, 2)
    return _Interleave(ctx, "Interleave", input_dataset, captured, cycle_length, block_length)


@register_dataset_kernel("ParallelInterleaveDatasetV2", "ParallelInterleaveDatasetV3")
def _parallel_interleave_v2(ctx, input_dataset, *rest):
    captured, (cycle_length, block_length, num_parallel_calls) = _split(ctx, rest, 3)
    parallelism(num_parallel_calls)
    return _Interleave(ctx, "ParallelInterleaveV2", input_dataset, captured, cycle_length, block_length,
                       _AUTOTUNE_BUFFER, deterministic(ctx))


@register_dataset_kernel("ParallelInterleaveDatasetV4")
def _parallel_interleave_v4(ctx, input_dataset, *rest):
    captured, (cycle_length, block_length, buffered, _prefetched, num_parallel_calls) = _split(ctx, rest, 5)
    parallelism(num_parallel_calls)
    return _Interleave(ctx, "ParallelInterleaveV4", input_dataset, captured, cycle_length, block_length,
                       _read_ahead(buffered), deterministic(ctx))


@register_dataset_kernel("LegacyParallelInterleaveDatasetV2")
def _legacy_parallel_interleave(ctx, input_dataset, *rest):
    captured, (cycle_length, block_length, buffered, _prefetched) = _split(ctx, rest, 4)
    return _Interleave(ctx, "ParallelInterleave", input_dataset, captured, cycle_length, block_length,
                       _read_ahead(buffered), deterministic(ctx))


@register_dataset_kernel("ParallelInterleaveDataset")
def _parallel_interleave_v1(ctx, input_dataset, *rest):
    captured, (cycle_length, block_length, sloppy, buffered, _prefetched) = _split(ctx, rest, 5)
    return _Interleave(ctx, "ParallelInterleave", input_dataset, captured, cycle_length, block_length,
                       _read_ahead(buffered), not bool(np.asarray(sloppy)))
