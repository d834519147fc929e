"""The kernels of TensorFlow's dataset ops: a dataset is a host object, the value of the op's ``variant``
output, and a factory of iterators over its elements.

Each dataset op's kernel builds a :class:`DatasetValue` from its inputs (the input dataset, counts,
captured tensors) and attributes; nothing is read or computed until an iterator asks for elements. An
iterator's ``get_next()`` gives an element, a list of host arrays, one per component, or None at the end
of the sequence. A failure (a user function that fails on one element, a batch of ragged elements) raises
TensorFlow's error for that call and leaves the iterator where it was, so the next call goes on with the
following elements, as TensorFlow's iterators do.

Functions (``map``'s ``f``, ``filter``'s ``predicate``, ``flat_map``'s ``f``) are the graph library's
FunctionDefs, instantiated once per session and run on the CPU, as TensorFlow runs tf.data functions;
their captured tensors (``other_arguments``) follow an element's components.

The ops and their semantics (TensorFlow's): TensorSliceDataset, TensorDataset, RangeDataset,
BatchDataset(V2), PaddedBatchDataset(V2), RepeatDataset, TakeDataset, SkipDataset, MapDataset, FilterDataset, FlatMapDataset, ZipDataset, ConcatenateDataset, UnbatchDataset,
ShardDataset, CacheDataset(V2) (in memory), and the pass-through OptionsDataset/ModelDataset/... that
TensorFlow's optimizations add. Shuffling and prefetching are in :mod:`tagraph.engine.data.buffered_kernels`,
the parallel map in :mod:`tagraph.engine.data.parallel_map_kernels`. A batch of a map that only parses one
Example per element parses each batch at once (:mod:`tagraph.engine.data.map_batch_fusion`).
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.data import map_batch_fusion
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.function import FunctionLibrary, instantiate
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.runtime.call_ops import CompiledFunction

__all__ = ["DatasetValue", "ElementIterator", "DATASET_OPS", "register_dataset_ops", "register_dataset_kernel",
           "shape_string", "dataset_function", "invalid", "UserFunction", "FunctionDataset"]

HOST = host_kind().device_type
DATASET_OPS = set()     # op types whose output is a dataset (a variant scalar)


def _dims(shape):
    return None if shape.rank is None else tuple(-1 if d is None else d for d in shape.dims)


def _dataset_shape(op):
    return [TensorShape([])]


def invalid(fmt, *args):
    return errors.InvalidArgumentError(None, None, fmt % args if args else fmt)


def shape_string(shape):
    """A concrete shape as TensorFlow's TensorShape::DebugString writes it: ``[2,3]``."""
    return "[%s]" % ",".join(str(d) for d in shape)


def register_dataset_ops(*op_types):
    """Declares ``op_types`` dataset ops: their output is a scalar variant, they have no gradient."""
    DATASET_OPS.update(op_types)
    register_shape(*op_types)(_dataset_shape)
    not_differentiable(*op_types)


def register_dataset_kernel(*op_types):
    """Registers a host kernel building a dataset value for ``op_types`` (see :func:`register_dataset_ops`)."""
    register_dataset_ops(*op_types)

    def decorate(fn):
        for t in op_types:
            register_kernel(t, HOST)(fn)
        return fn
    return decorate


class DatasetValue:
    """A dataset: its elements' component dtypes (DTypes) and shapes (tuples, -1 for unknown, None for an
    unknown rank), and a way to iterate them. ``kind`` names it in iterator prefixes (``Iterator::Root::Map``)."""

    kind = "Dataset"

    def __init__(self, ctx_or_types, shapes=None):
        if shapes is None:
            attrs = ctx_or_types.attrs
            types = attrs.get("output_types", attrs.get("Toutput_types"))
            shapes = attrs["output_shapes"]
        else:
            types = ctx_or_types
        self.output_types = [dtypes.as_dtype(t) for t in types]
        self.output_shapes = [_dims(s) if isinstance(s, TensorShape) else s for s in shapes]

    def make_iterator(self, prefix="Iterator::Root"):
        raise NotImplementedError

    def __repr__(self):
        return "<%s dataset of %s>" % (self.kind, [t.name for t in self.output_types])


class ElementIterator:
    """Iterates a dataset: ``get_next()`` -> list of arrays, or None at the end; ``close()`` ends any work
    it runs in the background."""

    def get_next(self):
        raise NotImplementedError

    def close(self):
        pass

    def last_source(self):
        """Where the element ``get_next`` gave last was read: (file name, record index), or None where no
        file is known (elements of tensors, or mixed by batching, shuffling or prefetching)."""
        return None


class _Source(ElementIterator):
    """The iterator of a dataset whose elements are known up front (a generator that never fails)."""

    def __init__(self, elements):
        self._it = iter(elements)

    def get_next(self):
        return next(self._it, None)


class _Empty(ElementIterator):
    def get_next(self):
        return None


def _scalar(x, what):
    x = np.asarray(x)
    if x.ndim != 0:
        raise invalid("%s must be a scalar, got shape %s", what, shape_string(x.shape))
    return x[()]


# --- sources ------------------------------------------------------------------------------------------

class _Tensors(DatasetValue):
    kind = "FromTensor"

    def __init__(self, ctx, components):
        super().__init__(ctx)
        self.components = [np.asarray(c) for c in components]

    def make_iterator(self, prefix="Iterator::Root"):
        return _Source([[np.array(c, dtype=c.dtype) for c in self.components]])


class _TensorSlices(DatasetValue):
    kind = "TensorSlice"

    def __init__(self, ctx, components):
        super().__init__(ctx)
        # The dataset outlives the run: a fed array (its caller's to change afterwards), or a view of one, is
        # copied (plan.KEEPING_OPS); a constant, however large, is not.
        keep = np.array if ctx.attrs.get("_input_is_fed", True) else np.asarray
        self.components = [keep(c) for c in components]
        if any(c.ndim == 0 for c in self.components):
            raise invalid("All components must be at least 1-dimensional")
        self.n = self.components[0].shape[0]
        if any(c.shape[0] != self.n for c in self.components):
            raise invalid("All components must have the same size in the 0th dimension")

    def make_iterator(self, prefix="Iterator::Root"):
        cs = self.components
        return _Source([np.array(c[i], dtype=c.dtype) for c in cs] for i in range(self.n))


class _Range(DatasetValue):
    kind = "Range"

    def __init__(self, ctx, start, stop, step):
        super().__init__(ctx)
        self.start, self.stop, self.step = (int(_scalar(v, n)) for v, n in ((start, "start"), (stop, "stop"),
                                                                            (step, "step")))
        if self.step == 0:
            raise invalid("step must be a non-zero integer.")
        self.dtype = self.output_types[0].as_numpy_dtype

    def make_iterator(self, prefix="Iterator::Root"):
        dt = self.dtype
        return _Source([np.array(v, dtype=dt)] for v in range(self.start, self.stop, self.step))


register_dataset_kernel("TensorDataset")(lambda ctx, *components: _Tensors(ctx, components))
register_dataset_kernel("TensorSliceDataset")(lambda ctx, *components: _TensorSlices(ctx, components))
register_dataset_kernel("RangeDataset")(lambda ctx, start, stop, step: _Range(ctx, start, stop, step))


# --- batching -----------------------------------------------------------------------------------------

def _stack(rows, i):
    """Component ``i`` of ``rows`` as one batch, as TensorFlow's batch_util copies elements into it: each
    must have as many elements as the first (its shape is the first's)."""
    first = rows[0][i]
    shape = first.shape
    if all(row[i].shape == shape for row in rows):
        if first.dtype == object and not shape:
            out = np.empty(len(rows), dtype=object)
            out[:] = [row[i][()] for row in rows]
            return out
        return np.stack([row[i] for row in rows])
    out = np.empty((len(rows),) + first.shape, dtype=first.dtype)
    for j, row in enumerate(rows):
        x = row[i]
        if x.size != first.size:
            raise invalid("Cannot add tensor to the batch: number of elements does not match. Shapes are: "
                          "[tensor]: %s, [batch]: %s", shape_string(x.shape), shape_string(first.shape))
        out[j, ...] = x.reshape(first.shape)      # `...`: a string element is copied, not nested
    return out


class _Batch(DatasetValue):
    kind = "Batch"

    def __init__(self, ctx, input_dataset, batch_size, drop_remainder=False):
        super().__init__(ctx)
        self.input = input_dataset
        self.batch_size = int(_scalar(batch_size, "batch_size"))
        if self.batch_size <= 0:
            raise invalid("Batch size must be greater than zero.")
        self.drop_remainder = bool(_scalar(drop_remainder, "drop_remainder"))

    def make_iterator(self, prefix="Iterator::Root"):
        prefix += "::" + self.kind
        m = self.input
        if (type(self) is _Batch and isinstance(m, FunctionDataset) and m.mode == "Map" and not m.captured
                and m.input.output_shapes == [()] and map_batch_fusion.parses_one_example(m.fn)):
            # map(parse_single_example).batch(n): one parse of each batch's records.
            prefix += "::" + m.kind
            return map_batch_fusion.ParsedBatches(m.input.make_iterator(prefix), m.fn,
                                                  UserFunction(m.fn, [], m.op_type, prefix),
                                                  self.batch_size, self.drop_remainder)
        return _BatchIterator(self, m.make_iterator(prefix))

    def combine(self, rows):
        return [_stack(rows, i) for i in range(len(rows[0]))]


class _BatchIterator(ElementIterator):
    def __init__(self, dataset, input_iterator):
        self.d = dataset
        self.input = input_iterator

    def get_next(self):
        if type(self.d) is _Batch and hasattr(self.input, "next_strings") and self.d.input.output_shapes == [()] \
                and self.d.input.output_types == [dtypes.string]:
            rows = self.input.next_strings(self.d.batch_size)
            if rows is not None:
                return self._strings(rows)
        rows = []
        while self.input is not None and len(rows) < self.d.batch_size:
            x = self.input.get_next()
            if x is None:
                self.input = None
                break
            rows.append(x)
        if not rows or (self.d.drop_remainder and len(rows) < self.d.batch_size):
            return None
        return self.d.combine(rows)

    def _strings(self, rows):
        # A reader of string scalars handed over a batch of records at once (as get_next would, one by one).
        if len(rows) < self.d.batch_size:
            self.input = None
        if not rows or (self.d.drop_remainder and len(rows) < self.d.batch_size):
            return None
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return [out]

    def close(self):
        if self.input is not None:
            self.input.close()


register_dataset_kernel("BatchDataset", "BatchDatasetV2")(
    lambda ctx, input_dataset, batch_size, drop_remainder=False: _Batch(ctx, input_dataset, batch_size,
                                                                        drop_remainder))


class _PaddedBatch(_Batch):
    kind = "PaddedBatch"

    def __init__(self, ctx, input_dataset, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(ctx, input_dataset, batch_size, drop_remainder)
        self.padded_shapes = [np.asarray(s).astype(np.int64).reshape(-1) for s in padded_shapes]
        self.padding_values = [np.asarray(v) for v in padding_values]

    def combine(self, rows):
        out = []
        for i, (want, pad) in enumerate(zip(self.padded_shapes, self.padding_values)):
            xs = [r[i] for r in rows]
            if any(x.ndim != len(want) for x in xs):
                bad = next(x for x in xs if x.ndim != len(want))
                raise invalid("Number of dimensions in padded_shapes (%d) does not match the rank of component "
                              "%d (%d).", len(want), i, bad.ndim)
            shape = []
            for k, w in enumerate(want):
                longest = max(x.shape[k] for x in xs)
                if w >= 0 and longest > w:
                    raise invalid("Attempted to pad to a smaller size than the input element.")
                shape.append(longest if w < 0 else int(w))
            batch = np.full([len(xs)] + shape, pad[()] if pad.ndim == 0 else pad, dtype=xs[0].dtype)
            for j, x in enumerate(xs):
                batch[(j,) + tuple(slice(0, d) for d in x.shape) + (Ellipsis,)] = x
            out.append(batch)
        return out


@register_dataset_kernel("PaddedBatchDataset")
def _padded_batch_v1(ctx, input_dataset, batch_size, *rest):
    n = len(ctx.attrs["output_shapes"])
    return _PaddedBatch(ctx, input_dataset, batch_size, rest[:n], rest[n:2 * n], False)


@register_dataset_kernel("PaddedBatchDatasetV2")
def _padded_batch_v2(ctx, input_dataset, batch_size, *rest):
    n = len(ctx.attrs["output_shapes"])
    return _PaddedBatch(ctx, input_dataset, batch_size, rest[:n], rest[n:2 * n], rest[2 * n])


class _Unbatch(DatasetValue):
    kind = "Unbatch"

    def __init__(self, ctx, input_dataset):
        super().__init__(ctx)
        self.input = input_dataset

    def make_iterator(self, prefix="Iterator::Root"):
        return _UnbatchIterator(self.input.make_iterator(prefix + "::Unbatch"))


class _UnbatchIterator(ElementIterator):
    def __init__(self, input_iterator):
        self.input = input_iterator
        self.current, self.i = None, 0

    def get_next(self):
        while self.current is None or self.i >= self.current[0].shape[0]:
            x = self.input.get_next()
            if x is None:
                return None
            if any(c.ndim == 0 for c in x):
                raise invalid("Input element must have a non-scalar value in each component.")
            if any(c.shape[0] != x[0].shape[0] for c in x):
                raise invalid("Input element must have the same batch size in each component. Component 0 had "
                              "size %d but component %d had size %d.", x[0].shape[0],
                              next(k for k, c in enumerate(x) if c.shape[0] != x[0].shape[0]),
                              next(c.shape[0] for c in x if c.shape[0] != x[0].shape[0]))
            self.current, self.i = x, 0
        self.i += 1
        return [np.array(c[self.i - 1], dtype=c.dtype) for c in self.current]

    def close(self):
        self.input.close()


register_dataset_kernel("UnbatchDataset")(lambda ctx, input_dataset: _Unbatch(ctx, input_dataset))


# --- counting -----------------------------------------------------------------------------------------

class _Counted(DatasetValue):
    """repeat, take, skip and shard: datasets that count their input's elements."""

    def __init__(self, ctx, kind, input_dataset, count, index=0):
        super().__init__(ctx)
        self.kind = kind
        self.input = input_dataset
        self.count = int(_scalar(count, "count" if kind != "Shard" else "num_shards"))
        self.index = index
        if kind == "Shard":
            if self.count <= 0:
                raise invalid("Number of shards must be greater than zero (currently num_shards = %d).",
                              self.count)
            if not 0 <= index < self.count:
                raise invalid("Index must be between 0 and %d (currently index = %d).", self.count - 1, index)

    def make_iterator(self, prefix="Iterator::Root"):
        prefix = prefix + "::" + ("FiniteRepeat" if self.kind == "Repeat" and self.count >= 0 else
                                  "ForeverRepeat" if self.kind == "Repeat" else self.kind)
        if self.kind == "Repeat":
            return _RepeatIterator(self.input, self.count, prefix)
        if self.kind == "Take" and self.count == 0:
            return _Empty()
        return _CountIterator(self.kind, self.input.make_iterator(prefix), self.count, self.index)


class _RepeatIterator(ElementIterator):
    def __init__(self, dataset, count, prefix):
        self.dataset, self.count, self.prefix = dataset, count, prefix
        self.done = 0
        self.input = None if count == 0 else dataset.make_iterator(prefix)
        self.fresh = True      # the input iterator has given nothing yet

    def get_next(self):
        while self.input is not None:
            x = self.input.get_next()
            if x is not None:
                self.fresh = False
                return x
            self.input.close()
            self.done += 1
            # Repeating an empty dataset forever would never return: it ends, as in TensorFlow.
            if (self.count >= 0 and self.done >= self.count) or (self.count < 0 and self.fresh):
                self.input = None
                break
            self.input = self.dataset.make_iterator(self.prefix)
            self.fresh = True
        return None

    def last_source(self):
        return None if self.input is None else self.input.last_source()

    def close(self):
        if self.input is not None:
            self.input.close()


class _CountIterator(ElementIterator):
    def __init__(self, kind, input_iterator, count, index):
        self.kind, self.input, self.count, self.index = kind, input_iterator, count, index
        self.seen = 0

    def get_next(self):
        if self.input is None:
            return None
        if self.kind == "Take":
            if 0 <= self.count <= self.seen:
                return self._end()
            x = self.input.get_next()
            if x is None:
                return self._end()
            self.seen += 1
            return x
        if self.kind == "Skip":
            while self.count < 0 or self.seen < self.count:
                x = self.input.get_next()
                if x is None:
                    return self._end()
                self.seen += 1
            x = self.input.get_next()
            return x if x is not None else self._end()
        while True:      # Shard: every count-th element from index
            x = self.input.get_next()
            if x is None:
                return self._end()
            self.seen += 1
            if (self.seen - 1) % self.count == self.index:
                return x

    def _end(self):
        self.input.close()
        self.input = None
        return None

    def last_source(self):
        return None if self.input is None else self.input.last_source()

    def close(self):
        if self.input is not None:
            self.input.close()


register_dataset_kernel("RepeatDataset")(lambda ctx, input_dataset, count: _Counted(ctx, "Repeat", input_dataset,
                                                                                     count))
register_dataset_kernel("TakeDataset")(lambda ctx, input_dataset, count: _Counted(ctx, "Take", input_dataset, count))
register_dataset_kernel("SkipDataset")(lambda ctx, input_dataset, count: _Counted(ctx, "Skip", input_dataset, count))


@register_dataset_kernel("ShardDataset")
def _shard(ctx, input_dataset, num_shards, index):
    return _Counted(ctx, "Shard", input_dataset, num_shards, int(_scalar(index, "index")))


# --- combining ----------------------------------------------------------------------------------------

class _Zip(DatasetValue):
    kind = "Zip"

    def __init__(self, ctx, inputs):
        super().__init__(ctx)
        self.inputs = inputs

    def make_iterator(self, prefix="Iterator::Root"):
        return _ZipIterator([d.make_iterator("%s::Zip[%d]" % (prefix, i)) for i, d in enumerate(self.inputs)])


class _ZipIterator(ElementIterator):
    def __init__(self, inputs):
        self.inputs = inputs

    def get_next(self):
        if self.inputs is None:
            return None
        out = []
        for it in self.inputs:
            x = it.get_next()
            if x is None:
                self.close()
                self.inputs = None
                return None
            out.extend(x)
        return out

    def close(self):
        for it in self.inputs or ():
            it.close()


class _Concatenate(DatasetValue):
    kind = "Concatenate"

    def __init__(self, ctx, first, second):
        super().__init__(ctx)
        if [t for t in first.output_types] != [t for t in second.output_types]:
            raise invalid("input dataset and dataset to concatenate have different output_types %s and %s",
                          [t.name for t in first.output_types], [t.name for t in second.output_types])
        self.first, self.second = first, second

    def make_iterator(self, prefix="Iterator::Root"):
        return _ConcatenateIterator(self, prefix + "::Concatenate")


class _ConcatenateIterator(ElementIterator):
    def __init__(self, d, prefix):
        self.d, self.prefix = d, prefix
        self.input, self.second = d.first.make_iterator(prefix + "[0]"), False

    def get_next(self):
        while self.input is not None:
            x = self.input.get_next()
            if x is not None:
                return x
            self.input.close()
            self.input = None if self.second else self.d.second.make_iterator(self.prefix + "[1]")
            self.second = True
        return None

    def close(self):
        if self.input is not None:
            self.input.close()


register_dataset_kernel("ZipDataset")(lambda ctx, *input_datasets: _Zip(ctx, list(input_datasets)))
register_dataset_kernel("ConcatenateDataset")(lambda ctx, input_dataset, another: _Concatenate(ctx, input_dataset,
                                                                                               another))


# --- in-memory cache ----------------------------------------------------------------------------------

class _Cache(DatasetValue):
    """``cache()`` in memory: the first complete pass fills it; later iterators read it. An iterator that
    stops early leaves it empty, as TensorFlow's does."""

    kind = "MemoryCache"

    def __init__(self, ctx, input_dataset, filename):
        super().__init__(ctx)
        filename = filename.decode() if isinstance(filename, bytes) else str(filename)
        if filename:
            raise errors.UnimplementedError(None, None, "cache(filename=%r): tg.data caches in memory only; "
                                            "cache() with no file name caches in memory" % filename)
        self.input = input_dataset
        self.cached = None

    def make_iterator(self, prefix="Iterator::Root"):
        if self.cached is not None:
            return _Source(list(self.cached))
        return _CacheFill(self, self.input.make_iterator(prefix + "::MemoryCacheImpl"))


class _CacheFill(ElementIterator):
    def __init__(self, d, input_iterator):
        self.d, self.input, self.rows = d, input_iterator, []

    def get_next(self):
        if self.input is None:
            return None
        x = self.input.get_next()
        if x is None:
            self.input.close()
            self.input = None
            if self.d.cached is None:
                self.d.cached = self.rows
            return None
        self.rows.append(x)
        return x

    def close(self):
        if self.input is not None:
            self.input.close()


@register_dataset_kernel("CacheDataset")
def _cache(ctx, input_dataset, filename):
    return _Cache(ctx, input_dataset, np.asarray(filename)[()])


@register_dataset_kernel("CacheDatasetV2")
def _cache_v2(ctx, input_dataset, filename, cache):
    return _Cache(ctx, input_dataset, np.asarray(filename)[()])


# Ops TensorFlow adds around a pipeline for its options and optimizations: their datasets are their input's.
for _op_type in ("OptionsDataset", "ModelDataset", "OptimizeDataset", "OptimizeDatasetV2", "FinalizeDataset",
                 "MaxIntraOpParallelismDataset", "PrivateThreadPoolDataset"):
    register_dataset_kernel(_op_type)(lambda ctx, input_dataset, *rest: input_dataset)


# --- user functions -----------------------------------------------------------------------------------

def dataset_function(ctx, attr, check_types=False):
    """The library function ``ctx.attrs[attr]`` names, compiled for this session (once) with its ops on the
    CPU: ``fn(components + captured) -> [results]``; ``check_types``: its results must have the node's
    ``output_types``."""
    state = ctx.session_state
    graph = ctx.op.graph
    name = ctx.attrs[attr].name
    key = ("dataset_function", id(graph), name)
    fn = state.op_state.get(key)
    if fn is None:
        if state.placer is None:
            raise errors.FailedPreconditionError(None, ctx.op, "Datasets with functions run only inside a Session")
        library = state.op_state.get(("library", id(graph)))
        if library is None or library.proto is not graph._library or name not in library:
            library = state.op_state[("library", id(graph))] = FunctionLibrary(graph._library)
        body = instantiate(library, name)
        host = state.placer.cpu.name
        for op in body.graph.get_operations():
            if not op.device:
                op._set_device(host)
        fn = state.op_state[key] = CompiledFunction(body, state)
    want = [t.as_datatype_enum for t in ctx.attrs.get("output_types", ())]
    got = [a.type for a in fn.body.signature.output_arg]
    if check_types and want != got:
        raise invalid("Function %s of node %s returns %s, the node's output_types are %s", name, ctx.node_name,
                      [dtypes.as_dtype(t).name for t in got], [dtypes.as_dtype(t).name for t in want])
    return fn


def describe_source(index, source):
    """The words naming an input element in a user function's error: its index in the transformation's
    input and, when it was read from a file, the file and the record."""
    if index is None:
        return ""
    text = ", on input element %d" % index
    if source is not None:
        text += " (record %d of %s)" % (source[1], source[0])
    return text


class UserFunction:
    """Calls a dataset function on one element, wrapping its failure as TensorFlow words it. ``where()``,
    asked only on a failure, gives the element's index in the transformation's input and its (file, record)
    or None: the message names them after the iterator, as TensorFlow's names the iterator."""

    def __init__(self, fn, captured, op_type, prefix):
        self.fn, self.captured, self.op_type, self.prefix = fn, list(captured), op_type, prefix

    def __call__(self, element, where=None):
        try:
            return self.fn(list(element) + self.captured)
        except errors.OpError as e:
            place = describe_source(*where()) if where is not None else ""
            raise type(e)(None, None, "Error in user-defined function passed to %s transformation with iterator: "
                          "%s%s: %s" % (self.op_type, self.prefix, place, e.message)) from None


class FunctionDataset(DatasetValue):
    """map, filter and flat_map: a user function applied to each element of the input."""

    def __init__(self, ctx, mode, kind, input_dataset, captured, attr):
        super().__init__(ctx)
        self.mode, self.kind = mode, kind
        self.op_type = ctx.op.type
        self.input = input_dataset
        self.captured = list(captured)
        self.fn = dataset_function(ctx, attr, check_types=mode == "Map")

    def make_iterator(self, prefix="Iterator::Root"):
        prefix = prefix + "::" + self.kind
        call = UserFunction(self.fn, self.captured, self.op_type, prefix)
        return _FunctionIterator(self.mode, self.input.make_iterator(prefix), call, prefix)


class _FunctionIterator(ElementIterator):
    def __init__(self, mode, input_iterator, call, prefix):
        self.mode, self.input, self.call, self.prefix = mode, input_iterator, call, prefix
        self.inner = None
        self.seen = 0           # input elements taken, to name the one a failing call was given

    def _call(self, x):
        self.seen += 1
        return self.call(x, self._where)

    def _where(self):
        return self.seen - 1, self.input.last_source()

    def last_source(self):
        if self.mode == "FlatMap":
            return None if self.inner is None else self.inner.last_source()
        return self.input.last_source()

    def get_next(self):
        if self.mode == "Map":
            x = self.input.get_next()
            return None if x is None else self._call(x)
        if self.mode == "Filter":
            while True:
                x = self.input.get_next()
                if x is None:
                    return None
                keep = self._call(x)
                if len(keep) != 1 or np.asarray(keep[0]).dtype != np.bool_ or np.asarray(keep[0]).ndim != 0:
                    raise invalid("Filter predicate `f` must return a scalar bool.")
                if bool(np.asarray(keep[0])):
                    return x
        while True:     # FlatMap
            if self.inner is None and not self._open_inner():
                return None
            y = self.inner.get_next()
            if y is not None:
                return y
            self.inner.close()
            self.inner = None

    def _open_inner(self):
        x = self.input.get_next()
        if x is None:
            return False
        inner = self._call(x)
        if len(inner) != 1 or not isinstance(inner[0], DatasetValue):
            raise invalid("Function passed to flat_map must return a dataset")
        self.inner = inner[0].make_iterator(self.prefix + "[0]")
        return True

    def next_strings(self, n, runs=None):
        """A flat_map over readers of string records (TFRecordDataset's files): up to ``n`` records at once,
        fewer only at the end, as ``n`` calls of get_next give them; None where its datasets are no such
        readers (then nothing is taken). ``runs``: as the readers' (where each record was read)."""
        out = []
        while self.mode == "FlatMap" and len(out) < n:
            if self.inner is None and not self._open_inner():
                break
            take = getattr(self.inner, "next_strings", None)
            if take is None:
                if not out:
                    return None
                y = self.inner.get_next()      # one function's datasets are all of one kind: never here
                if y is not None and (len(y) != 1 or np.shape(y[0]) != ()):
                    raise invalid("flat_map: its datasets do not all give string scalars")
                got = [] if y is None else [y[0][()]]
            else:
                got = take(n - len(out), runs)
            out.extend(got)
            if not got or take is not None and len(out) < n:
                self.inner.close()
                self.inner = None
        return out if self.mode == "FlatMap" else None

    def close(self):
        self.input.close()
        if self.inner is not None:
            self.inner.close()


@register_dataset_kernel("MapDataset")
def _map(ctx, input_dataset, *captured):
    return FunctionDataset(ctx, "Map", "Map", input_dataset, captured, "f")


@register_dataset_kernel("FilterDataset")
def _filter(ctx, input_dataset, *captured):
    return FunctionDataset(ctx, "Filter", "Filter", input_dataset, captured, "predicate")


@register_dataset_kernel("FlatMapDataset")
def _flat_map(ctx, input_dataset, *captured):
    return FunctionDataset(ctx, "FlatMap", "FlatMap", input_dataset, captured, "f")


