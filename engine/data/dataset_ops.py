"""TensorFlow 1's ``tf.data.Dataset``: Python objects that build TensorFlow's dataset ops in the graph.

    dataset = tg.data.Dataset.from_tensor_slices((features, labels)).shuffle(1000).batch(32).repeat()
    x, y = tg.data.make_one_shot_iterator(dataset).get_next()

A Dataset holds its op's ``variant`` output and the structure of its elements (:mod:`structure`). Each
transformation adds the op TensorFlow adds (``BatchDatasetV2``, ``MapDataset`` with its function in the
graph's library, ...), with TensorFlow's attributes (``output_types``, ``output_shapes``) and its node and
input names, so that a graph of either exports to and runs in the other. The kernels are in
:mod:`dataset_kernels` and :mod:`buffered_kernels`; iterators in :mod:`iterator_ops`.
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph, name_scope
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.array_ops import identity
from tagraph.engine.ops.comparison_ops import greater
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.math_ops import maximum
from tagraph.engine.ops.string_ops import reduce_join, string_join
from tagraph.engine.data.generator_dataset import generator_dataset_fn, generator_spec
from tagraph.engine.data.matching_files import matching_files
from tagraph.engine.data import structure
from tagraph.engine.data import sparse_elements
from tagraph.engine.data.device_copy import target_device
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.data import iterator_ops
from tagraph.engine.data.dataset_functions import trace as _trace_function

__all__ = ["Dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_INT64_MAX = np.iinfo(np.int64).max


def _flat_attrs(spec, types_attr="output_types"):
    return {types_attr: structure.flat_types(spec), "output_shapes": structure.flat_shapes(spec)}


def _int64(value, name):
    return convert_to_tensor(value, dtype=dtypes.int64, name=name)


def _static_int(t):
    v = constant_value(t)
    return None if v is None else int(np.asarray(v))


def _most_specific(a, b):
    """The most specific shape both ``a`` and ``b`` are instances of (unknown where they differ)."""
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.dims, b.dims)])


def trace(fn, input_spec, transformation, returns_dataset=False):
    return _trace_function(fn, input_spec, transformation, returns_dataset, wrap_dataset=Dataset)


def _batched_component(c):
    """A component of an element to unbatch as one tensor whose first dimension is the batch's."""
    if not isinstance(c, SparseTensor):
        return identity(c)
    if c.get_shape().rank == 0:
        raise ValueError("Unbatching a sparse tensor is only supported for rank >= 1. Obtained input: %s." % (c,))
    return sparse_elements.serialize_many_sparse(c)


def _op(op_type, inputs, attrs, spec, types_attr="output_types", name=None):
    for t in inputs:
        if not isinstance(t, list) and t.dtype.base_dtype == dtypes.variant and target_device(t.op):
            raise ValueError("A dataset copied to %s (copy_to_device, prefetch_to_device) can only be read: "
                             "they must be the last transformation, got %s after them"
                             % (target_device(t.op), op_type))
    graph = get_default_graph()
    op = graph.create_op(op_type, inputs, dict(_flat_attrs(spec, types_attr), **attrs), name=name)
    return Dataset(op.outputs[0], spec)


class Dataset:
    """A sequence of elements, each a nested structure (tuples, dicts) of tensors (TensorFlow 1's DatasetV1).

    Build one with :meth:`from_tensor_slices`, :meth:`from_tensors`, :meth:`range`, ``tg.data.TFRecordDataset``
    and the like, transform it (``map``, ``batch``, ``shuffle``, ...) and read it with an iterator::

        ds = tg.data.Dataset.range(10).map(lambda x: x * 2).batch(4)
        it = ds.make_one_shot_iterator()
        sess.run(it.get_next())          # [0, 2, 4, 6]
    """

    def __init__(self, variant_tensor, element_spec):
        self._variant_tensor = variant_tensor
        self._element_spec = element_spec

    # --- structure ------------------------------------------------------------------------------------

    element_spec = property(lambda self: self._element_spec)
    output_types = property(lambda self: structure.types_of(self._element_spec))
    output_shapes = property(lambda self: structure.shapes_of(self._element_spec))
    output_classes = property(lambda self: structure.classes_of(self._element_spec, SparseTensor))

    def __repr__(self):
        return "<%s element_spec=%r>" % (type(self).__name__, self._element_spec)

    def __iter__(self):
        raise RuntimeError("`tf.data.Dataset` only supports Python-style iteration in eager mode or within "
                           "tf.function; tagraph builds graphs: read it with an iterator "
                           "(tf.data.make_one_shot_iterator(dataset).get_next())")

    # --- sources --------------------------------------------------------------------------------------

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element, ``tensors``."""
        element = structure.normalize_element(tensors, "from_tensors")
        return _op("TensorDataset", [sparse_elements.encode_element(structure.flatten(element))], {},
                   structure.element_spec_of(element), "Toutput_types")

    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset of the slices of ``tensors`` along their first dimension (the same size in each)."""
        element = structure.normalize_element(tensors, "from_tensor_slices")
        flat = structure.flatten(element)
        sizes = set()
        for t in flat:
            if structure.is_sparse(t):
                continue
            if t.shape.rank == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            if t.shape.rank is not None and t.shape[0] is not None:
                sizes.add(t.shape[0])
        if len(sizes) > 1:
            a, b = sorted(sizes)[:2]
            raise ValueError("Dimensions %d and %d are not compatible" % (a, b))
        components, specs = [], []
        for t in flat:
            if structure.is_sparse(t):
                c, s = sparse_elements.batched_to_component(t)
            else:
                c, s = t, structure.TensorSpec(t.shape[1:], t.dtype.base_dtype)
            components.append(c)
            specs.append(s)
        return _op("TensorSliceDataset", [components], {}, structure.pack_as(element, specs), "Toutput_types")

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None):
        """``range(stop)``, ``range(start, stop)``, ``range(start, stop, step)``: integers as Python's range."""
        if not 1 <= len(args) <= 3:
            raise ValueError("Invalid arguments to RangeDataset: %r" % (args,))
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) == 3
                                                                        else 1)
        inputs = [_int64(start, "start"), _int64(stop, "stop"), _int64(step, "step")]
        return _op("RangeDataset", inputs, {}, structure.TensorSpec([], output_type))

    @staticmethod
    def zip(datasets, name=None):
        """Elements of ``datasets`` (a tuple or dict of datasets) side by side, as long as the shortest."""
        flat = structure.flatten(datasets)
        if not flat or not all(isinstance(d, Dataset) for d in flat):
            raise TypeError("Dataset.zip takes a (nested) tuple or dict of datasets, got %r" % (datasets,))
        spec = structure.pack_as(datasets, [d.element_spec for d in flat])
        return _op("ZipDataset", [[d._variant_tensor for d in flat]], {}, spec)

    # --- transformations ------------------------------------------------------------------------------

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s (of the same structure and types)."""
        mine, theirs = structure.flatten(self.element_spec), structure.flatten(dataset.element_spec)
        if len(mine) != len(theirs) or any(a.dtype != b.dtype for a, b in zip(mine, theirs)):
            raise TypeError("Incompatible dataset elements:\n  %r vs.\n  %r" % (self.element_spec,
                                                                                 dataset.element_spec))
        if any(type(a) is not type(b) for a, b in zip(mine, theirs)):
            raise TypeError("Incompatible dataset elements:\n  %r vs.\n  %r" % (self.element_spec,
                                                                                 dataset.element_spec))
        spec = structure.pack_as(self.element_spec, [type(a)(_most_specific(a.shape, b.shape), a.dtype)
                                                     for a, b in zip(mine, theirs)])
        return _op("ConcatenateDataset", [self._variant_tensor, dataset._variant_tensor], {}, spec)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Consecutive elements stacked into batches of ``batch_size`` (the last one smaller unless
        ``drop_remainder``); the elements of a batch must have one shape (see :meth:`padded_batch`)."""
        size = _int64(batch_size, "batch_size")
        drop = convert_to_tensor(drop_remainder, dtype=dtypes.bool, name="drop_remainder")
        known = _static_int(size) if constant_value(drop) is not None and bool(constant_value(drop)) else None
        spec = structure.map_structure(lambda s: type(s)(_prepend(known, s.shape), s.dtype), self.element_spec)
        return _op("BatchDatasetV2", [self._variant_tensor, size, drop], {"parallel_copy": False}, spec)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False, name=None):
        """Batches of elements padded to ``padded_shapes`` (each dimension -1/None: to the batch's longest)
        with ``padding_values`` (zeros, or empty strings, by default)."""
        flat = structure.flatten(self.element_spec)
        for s in flat:
            if isinstance(s, structure.DatasetSpec):
                raise TypeError("`padded_batch` is not supported for datasets of datasets")
            if not isinstance(s, structure.TensorSpec):
                raise TypeError("`padded_batch` is only supported for datasets that produce tensor elements but type "
                                "spec of elements in the input dataset is not a subclass of TensorSpec: `%s(%r, "
                                "tf.%s)`." % (type(s).__name__, s.shape, s.dtype.name))
        if padded_shapes is None:
            shapes = [s.shape for s in flat]
            if any(s.rank is None for s in shapes):
                raise ValueError("You must provide `padded_shapes` argument because component %d has unknown rank."
                                 % next(i for i, s in enumerate(shapes) if s.rank is None))
            padded = [[-1 if d is None else d for d in s.dims] for s in shapes]
        else:
            padded = _flatten_up_to(self.element_spec, padded_shapes, "padded_shapes")
        shape_tensors, static = [], []
        for i, (p, s) in enumerate(zip(padded, flat)):
            if hasattr(p, "dtype") and hasattr(p, "op"):
                t = convert_to_tensor(p, dtype=dtypes.int64)
            else:
                dims = [-1 if d is None else int(d) for d in (as_shape(p).dims if not isinstance(p, (list, tuple))
                                                             else [None if d is None else d for d in p])]
                t = convert_to_tensor(np.array(dims, dtype=np.int64), dtype=dtypes.int64)
            value = constant_value(t)
            p_shape = TensorShape(None if value is None else [None if d < 0 else int(d) for d in value])
            if s.shape.rank is not None and p_shape.rank is not None and s.shape.rank != p_shape.rank:
                raise ValueError("The padded shape %s is not compatible with the shape %s of the corresponding "
                                 "input component." % (p_shape, s.shape))
            shape_tensors.append(t)
            static.append(p_shape if p_shape.rank is not None else TensorShape(None))
        if padding_values is None:
            values = [b"" if s.dtype == dtypes.string else 0 for s in flat]
        else:
            values = _flatten_up_to(self.element_spec, padding_values, "padding_values")
        value_tensors = [convert_to_tensor(v, dtype=s.dtype, name="padding_value") for v, s in zip(values, flat)]
        size = _int64(batch_size, "batch_size")
        drop = convert_to_tensor(drop_remainder, dtype=dtypes.bool, name="drop_remainder")
        known = _static_int(size) if constant_value(drop) is not None and bool(constant_value(drop)) else None
        spec = structure.pack_as(self.element_spec, [structure.TensorSpec(_prepend(known, p), s.dtype)
                                                     for p, s in zip(static, flat)])
        return _op("PaddedBatchDatasetV2", [self._variant_tensor, size, shape_tensors, value_tensors, drop],
                   {"parallel_copy": False}, spec, "Toutput_types")

    def unbatch(self, name=None):
        """Each element's first dimension split into elements (the inverse of :meth:`batch`). A SparseTensor
        component gives its rows, each with the batch's dense shape past the first dimension."""
        # As TensorFlow's: each element is first mapped to its flat list of components, a SparseTensor to the
        # [N, 3] variant of its rows (its `normalize_to_dense`); the UnbatchDataset splits those.
        flat_specs = structure.flatten(self.element_spec)
        if any(s.shape.rank == 0 for s in flat_specs if not isinstance(s, structure.SparseTensorSpec)):
            raise ValueError("Cannot unbatch an input with scalar components.")
        flat = self.map(lambda *element: tuple(_batched_component(c) for c in structure.flatten(element)))
        known = None
        for s in flat_specs:
            first = None if isinstance(s, structure.SparseTensorSpec) or s.shape.rank is None else s.shape.dims[0]
            if first is not None and known is not None and first != known:
                raise ValueError("`unbatch()` is only supported for datasets of elements whose components have a "
                                 "matching leading dimension. Encountered both %d and %d." % (known, first))
            known = first if known is None else known
        spec = structure.map_structure(
            lambda s: type(s)(TensorShape(None) if s.shape.rank is None else s.shape[1:], s.dtype), self.element_spec)
        return _op("UnbatchDataset", [flat._variant_tensor], {}, spec)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (forever when ``count`` is None or -1)."""
        return _op("RepeatDataset", [self._variant_tensor, _int64(-1 if count is None else count, "count")], {},
                   self.element_spec)

    def take(self, count, name=None):
        """At most the first ``count`` elements (all of them when ``count`` is -1)."""
        return _op("TakeDataset", [self._variant_tensor, _int64(count, "count")], {}, self.element_spec)

    def skip(self, count, name=None):
        """The elements after the first ``count`` (none when ``count`` is -1)."""
        return _op("SkipDataset", [self._variant_tensor, _int64(count, "count")], {}, self.element_spec)

    def shard(self, num_shards, index, name=None):
        """Every ``num_shards``-th element, from the ``index``-th."""
        return _op("ShardDataset", [self._variant_tensor, _int64(num_shards, "num_shards"), _int64(index, "index")],
                   {"require_non_empty": False}, self.element_spec)

    def enumerate(self, start=0, name=None):
        """``(index, element)`` pairs, the index counting from ``start``."""
        return Dataset.zip((Dataset.range(start, _INT64_MAX), self))

    def cache(self, filename="", name=None):
        """Elements kept in memory by the first complete pass and read from there afterwards."""
        return _op("CacheDataset", [self._variant_tensor, convert_to_tensor(filename, dtype=dtypes.string,
                                                                           name="filename")], {}, self.element_spec)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """The elements in random order, drawn from a buffer of ``buffer_size``; a new order each pass unless
        ``reshuffle_each_iteration=False``. ``seed`` with the graph seed fixes the orders, as TensorFlow's."""
        graph = get_default_graph()
        seeded = seed is not None or graph.seed is not None
        seed, seed2 = graph._get_op_seed(seed)
        if seeded and seed == 0 and seed2 == 0:
            seed2 = 2 ** 31 - 1     # (0, 0) asks for a random order: a seed of zeros is moved off it
        inputs = [self._variant_tensor, _int64(buffer_size, "buffer_size"), _int64(seed, "seed"),
                  _int64(seed2, "seed2")]
        return _op("ShuffleDataset", inputs, {"reshuffle_each_iteration": reshuffle_each_iteration is not False},
                   self.element_spec)

    def prefetch(self, buffer_size, name=None):
        """Elements made ahead, up to ``buffer_size`` (``tg.data.AUTOTUNE``: a depth chosen for you), by a
        thread beside the consumer."""
        return _op("PrefetchDataset", [self._variant_tensor, _int64(buffer_size, "buffer_size")], {},
                   self.element_spec)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` applied to each element (a tuple element is passed as separate arguments); its body
        is a function of the graph's library. ``num_parallel_calls`` (a count or AUTOTUNE) maps that many
        elements at once on worker threads, in order unless ``deterministic=False``."""
        fname, captured, result = trace(map_func, self.element_spec, "map")
        spec = structure.element_spec_of(result)
        attrs = {"f": fname, "Targuments": [t.dtype.base_dtype for t in captured]}
        if num_parallel_calls is None:
            attrs.update(use_inter_op_parallelism=True, preserve_cardinality=False)
            return _op("MapDataset", [self._variant_tensor, captured], attrs, spec)
        attrs.update(use_inter_op_parallelism=True, preserve_cardinality=False,
                     deterministic="default" if deterministic is None else ("true" if deterministic else "false"))
        return _op("ParallelMapDatasetV2", [self._variant_tensor, captured,
                                            _int64(num_parallel_calls, "num_parallel_calls")], attrs, spec)

    def filter(self, predicate, name=None):
        """The elements for which ``predicate`` gives True (a scalar bool tensor)."""
        fname, captured, result = trace(predicate, self.element_spec, "filter")
        if not (hasattr(result, "dtype") and result.dtype.base_dtype == dtypes.bool and result.shape.rank in (0, None)
                and result.shape.is_compatible_with([])):
            raise ValueError("Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but its "
                             "return type is %r." % (structure.element_spec_of(result),))
        return _op("FilterDataset", [self._variant_tensor, captured],
                   {"predicate": fname, "Targuments": [t.dtype.base_dtype for t in captured]}, self.element_spec)

    def flat_map(self, map_func, name=None):
        """The elements of the dataset ``map_func`` makes of each element, one dataset after the other."""
        fname, captured, inner = trace(map_func, self.element_spec, "flat_map", returns_dataset=True)
        return _op("FlatMapDataset", [self._variant_tensor, captured],
                   {"f": fname, "Targuments": [t.dtype.base_dtype for t in captured]}, inner.element_spec)

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """The elements of the datasets ``map_func`` makes of each element, ``block_length`` (default 1) at a
        time from each of ``cycle_length`` open ones in turn (default AUTOTUNE: the CPUs);
        ``num_parallel_calls`` reads the open datasets ahead on threads, in the same order unless
        ``deterministic=False``::

            files.interleave(lambda f: tg.data.TFRecordDataset(f), cycle_length=4, num_parallel_calls=4)
        """
        fname, captured, inner = trace(map_func, self.element_spec, "interleave", returns_dataset=True)
        attrs = {"f": fname, "Targuments": [t.dtype.base_dtype for t in captured]}
        cycle = _int64(AUTOTUNE if cycle_length is None else cycle_length, "cycle_length")
        block = _int64(1 if block_length is None else block_length, "block_length")
        if num_parallel_calls is None:
            return _op("InterleaveDataset", [self._variant_tensor, captured, cycle, block], attrs,
                       inner.element_spec)
        attrs["deterministic"] = "default" if deterministic is None else ("true" if deterministic else "false")
        inputs = [self._variant_tensor, captured, cycle, block, _int64(AUTOTUNE, "buffer_output_elements"),
                  _int64(AUTOTUNE, "prefetch_input_elements"), _int64(num_parallel_calls, "num_parallel_calls")]
        return _op("ParallelInterleaveDatasetV4", inputs, attrs, inner.element_spec)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Windows of ``size`` consecutive elements (each element a dataset: read it with ``flat_map`` and
        ``batch``), a new one every ``shift`` elements (default ``size``), taking every ``stride``-th::

            ds.window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))
        """
        size_t = _int64(size, "size")
        inputs = [self._variant_tensor, size_t, _int64(size if shift is None else shift, "shift"),
                  _int64(stride, "stride"), convert_to_tensor(drop_remainder, dtype=dtypes.bool,
                                                              name="drop_remainder")]
        spec = structure.map_structure(lambda s: structure.DatasetSpec(s), self.element_spec)
        return _op("WindowDataset", inputs, {}, spec)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The files matching ``file_pattern`` (a glob, or a list of them), sorted, then shuffled unless
        ``shuffle=False`` (a new order each pass; ``seed`` fixes them). InvalidArgumentError when nothing
        matches."""
        with name_scope("list_files"):
            pattern = convert_to_tensor(file_pattern, dtype=dtypes.string, name="file_pattern")
            matches = matching_files(pattern)
            found = array_ops.shape(matches)[0]
            condition = greater(found, 0, name="match_not_empty")
            message = string_join([b"No files matched pattern: ", reduce_join(pattern, separator=", ")],
                                  name="message")
            check = Assert(condition, [message], summarize=1, name="assert_not_empty")
            with get_default_graph().control_dependencies([check]):
                matches = identity(matches)
            dataset = Dataset.from_tensor_slices(matches)
            if shuffle is False:
                return dataset
            buffer_size = maximum(array_ops.shape(matches, out_type=dtypes.int64)[0], np.int64(1), name="Maximum")
            return dataset.shuffle(buffer_size, seed=seed)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None,
                       name=None):
        """The elements a Python generator yields (``generator(*args)`` is called for each pass). As in
        TensorFlow, the generator lives in this process: a graph that uses it cannot be exported."""
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        spec = generator_spec(output_types, output_shapes, output_signature)
        return Dataset.from_tensors(0).flat_map(generator_dataset_fn(generator, spec, args))

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a Dataset."""
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError("`transformation_func` must return a `tf.data.Dataset` object. Got %r." % (result,))
        return result

    # --- iterators ------------------------------------------------------------------------------------

    def make_one_shot_iterator(self):
        """See :func:`tagraph.engine.data.iterator_ops.make_one_shot_iterator`."""
        return iterator_ops.make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        """See :func:`tagraph.engine.data.iterator_ops.make_initializable_iterator`."""
        return iterator_ops.make_initializable_iterator(self, shared_name)


def _prepend(dim, shape):
    return TensorShape(None) if shape.rank is None else TensorShape([dim] + shape.dims)


def _flatten_up_to(spec, values, what):
    """``values`` (padded_shapes, padding_values) laid out as the element ``spec``, one per component."""
    if not structure.is_nested(spec):
        return [values]
    if isinstance(spec, dict):
        if not isinstance(values, dict) or set(values) != set(spec):
            raise ValueError("`%s` must have the structure of the elements, %r; got %r" % (what, spec, values))
        return [v for k in sorted(spec) for v in _flatten_up_to(spec[k], values[k], what)]
    if not isinstance(values, (tuple, list)) or len(values) != len(spec):
        raise ValueError("`%s` must have the structure of the elements, %r; got %r" % (what, spec, values))
    return [v for s, x in zip(spec, values) for v in _flatten_up_to(s, x, what)]
