"""``window``: WindowDataset, whose elements are datasets (one per component) of ``size`` consecutive
input elements, a new window every ``shift`` elements, every ``stride``-th element in it.

    ds.window(3, shift=2, drop_remainder=True).flat_map(lambda w: w.batch(3))

As in TensorFlow: a window holds the input elements ``start, start + stride, ...`` (at most ``size`` of
them), the next one starts ``shift`` elements later; the last windows may be shorter unless
``drop_remainder``, and no window is empty. Each window is read whole from the input before it is given.
"""
import numpy as np

from tagraph.engine.data.dataset_kernels import (DatasetValue, ElementIterator, invalid, register_dataset_kernel)

__all__ = ["WindowValue"]


def _positive(x, what):
    x = np.asarray(x)
    if x.ndim != 0 or int(x) <= 0:
        raise invalid("Window %s must be greater than zero, but got %s.", what, x)
    return int(x)


class WindowValue(DatasetValue):
    """One window of one component: a dataset of the arrays it holds."""

    kind = "Window"

    def __init__(self, dtype, shape, values):
        super().__init__([dtype], [shape])
        self.values = values

    def make_iterator(self, prefix="Iterator::Root"):
        return _Rows([[v] for v in self.values])


class _Rows(ElementIterator):
    def __init__(self, rows):
        self._it = iter(rows)

    def get_next(self):
        return next(self._it, None)


class _Window(DatasetValue):
    kind = "Window"

    def __init__(self, ctx, input_dataset, size, shift, stride, drop_remainder):
        super().__init__(ctx)
        self.input = input_dataset
        self.size, self.shift, self.stride = (_positive(size, "size"), _positive(shift, "shift"),
                                              _positive(stride, "stride"))
        self.drop_remainder = bool(np.asarray(drop_remainder))

    def make_iterator(self, prefix="Iterator::Root"):
        return _WindowIterator(self, self.input.make_iterator(prefix + "::Window"))


class _WindowIterator(ElementIterator):
    def __init__(self, d, input_iterator):
        self.d, self.input = d, input_iterator
        self.buffer = []

    def _read(self):
        x = self.input.get_next() if self.input is not None else None
        if x is None and self.input is not None:
            self.input.close()
            self.input = None
        return x

    def get_next(self):
        d = self.d
        target = (d.size - 1) * d.stride + 1
        while len(self.buffer) < target and self.input is not None:
            x = self._read()
            if x is not None:
                self.buffer.append(x)
        if not self.buffer or (d.drop_remainder and len(self.buffer) < target):
            return None
        rows = self.buffer[::d.stride][:d.size]
        if d.shift > len(self.buffer):
            for _ in range(d.shift - len(self.buffer)):
                if self._read() is None:
                    break
            self.buffer = []
        else:
            del self.buffer[:d.shift]
        inputs = d.input
        return [WindowValue(inputs.output_types[i], inputs.output_shapes[i], [r[i] for r in rows])
                for i in range(len(inputs.output_types))]

    def close(self):
        if self.input is not None:
            self.input.close()
            self.input = None


register_dataset_kernel("WindowDataset")(
    lambda ctx, input_dataset, size, shift, stride, drop_remainder: _Window(ctx, input_dataset, size, shift, stride,
                                                                           drop_remainder))
