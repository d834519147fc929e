"""Iterators over datasets, as TensorFlow 1 builds and runs them: the ops (OneShotIterator, IteratorV2,
AnonymousIterator(V2, V3), MakeIterator, IteratorGetNext(Sync), IteratorToStringHandle,
IteratorFromStringHandle(V2), DeleteIterator, DatasetToSingleElement), their host kernels and shapes,
and :class:`Iterator`, TensorFlow 1's ``tf.data.Iterator``.

    it = tg.data.make_initializable_iterator(dataset)
    x = it.get_next()
    sess.run(it.initializer)
    sess.run(x)                     # the first element; OutOfRangeError after the last

An iterator is a resource of the session (its value an :class:`IteratorResource`), found again on every
run: an ``IteratorV2`` by its ``shared_name`` (or its node, when it has none), made uninitialized;
``MakeIterator`` starts it over a dataset; a ``OneShotIterator`` runs its ``dataset_factory`` function the
first time it runs and keeps the iterator it made. Getting an element past the end is OutOfRangeError
("End of sequence"), before initialization FailedPreconditionError, with TensorFlow's messages. When an
iterator is started again, or its session closes, the work it runs in the background (prefetching) ends.
"""
import itertools
import threading

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.data import structure
from tagraph.engine.data.sparse_elements import decode_element
from tagraph.engine.data.dataset_functions import dataset_factory
from tagraph.engine.data.device_copy import target_device
from tagraph.engine.data.dataset_kernels import HOST, DatasetValue, dataset_function, invalid

__all__ = ["Iterator", "IteratorResource", "make_one_shot_iterator", "make_initializable_iterator"]

GLOBAL_ITERATORS = "iterators"      # TensorFlow's collection of iterator resources
_IDS = itertools.count(1)


def _partial_shape_string(shape):
    if shape is None:
        return "<unknown>"
    return "[%s]" % ",".join("?" if d < 0 else str(d) for d in shape)


def _attr_shapes(shapes):
    return [None if s.rank is None else tuple(-1 if d is None else d for d in s.dims) for s in shapes]


class IteratorResource:
    """The value of an iterator handle: the iterator of one dataset at a time, shared by every run."""

    def __init__(self, name, output_types, output_shapes):
        self.name = name
        self.output_types = [dtypes.as_dtype(t) for t in output_types]
        self.output_shapes = _attr_shapes(output_shapes)
        self.string_handle = ("tagraph-iterator:%d:%s" % (next(_IDS), name)).encode()
        self.key = ("iterator", self.string_handle)     # a resource's key (DestroyResourceOp finds no variable)
        self._iterator = None
        self._lock = threading.Lock()

    def __repr__(self):
        return "<Iterator %s>" % self.name

    def check_compatible(self, dataset):
        """TensorFlow's VerifyTypesMatch and VerifyShapesCompatible of an iterator and a dataset."""
        want, got = self.output_types, dataset.output_types
        if len(want) != len(got):
            raise invalid("Number of components does not match: expected %d types but got %d.", len(want),
                          len(got))
        for i, (w, g) in enumerate(zip(want, got)):
            if w != g:
                raise invalid("Data type mismatch at component %d: expected %s but got %s.", i,
                              _tf_type(w), _tf_type(g))
        for i, (w, g) in enumerate(zip(self.output_shapes, dataset.output_shapes)):
            if w is not None and g is not None and (len(w) != len(g) or any(
                    a >= 0 and b >= 0 and a != b for a, b in zip(w, g))):
                raise invalid("Incompatible shapes at component %d: expected %s but got %s.", i,
                              _partial_shape_string(w), _partial_shape_string(g))

    def start(self, dataset):
        """Iterates ``dataset`` from its beginning; the iterator it had before is closed."""
        if not isinstance(dataset, DatasetValue):
            raise invalid("MakeIterator takes a dataset, got %s", type(dataset).__name__)
        self.check_compatible(dataset)
        with self._lock:
            old, self._iterator = self._iterator, dataset.make_iterator()
        if old is not None:
            old.close()

    def get_next(self):
        with self._lock:
            if self._iterator is None:
                raise errors.FailedPreconditionError(
                    None, None, "GetNext() failed because the iterator has not been initialized. Ensure that you "
                    "have run the initializer operation for this iterator before getting the next element.")
            element = self._iterator.get_next()
        if element is None:
            raise errors.OutOfRangeError(None, None, "End of sequence")
        if len(element) != len(self.output_types):
            raise invalid("Iterator %s gave %d components; its output_types has %d", self.name, len(element),
                          len(self.output_types))
        return element

    def close(self):
        """Ends the iterator's background work (its session closes, or it is deleted)."""
        with self._lock:
            old, self._iterator = self._iterator, None
        if old is not None:
            old.close()

    close_with_session = close


def _tf_type(dtype):
    return {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)


# --- kernels ------------------------------------------------------------------------------------------

def _str(v):
    return v.decode() if isinstance(v, bytes) else (v or "")


def _register_handle(ctx, resource):
    ctx.session_state.op_state[("iterator_handle", resource.string_handle)] = resource
    return resource


def _named_resource(ctx, make):
    """The iterator resource of an iterator op: by (container, shared_name), else private to the op."""
    state = ctx.session_state.op_state
    shared = _str(ctx.attrs.get("shared_name"))
    key = ("iterator", _str(ctx.attrs.get("container")) or "localhost", shared) if shared else ("iterator", ctx.op)
    resource = state.get(key)
    if resource is None:
        resource = make()
        if resource is None:
            return None
        state[key] = _register_handle(ctx, resource)
    return resource


def _new_resource(ctx):
    return IteratorResource(_str(ctx.attrs.get("shared_name")) or ctx.node_name, ctx.attrs["output_types"],
                            ctx.attrs["output_shapes"])


@register_kernel("IteratorV2", HOST)
@register_kernel("Iterator", HOST)
def _iterator_v2(ctx):
    return _named_resource(ctx, lambda: _new_resource(ctx))


@register_kernel("OneShotIterator", HOST)
def _one_shot_iterator(ctx):
    def make():
        # The factory runs once; when it fails, the next run tries again, as TensorFlow's does.
        dataset = dataset_function(ctx, "dataset_factory")([])[0]
        resource = _new_resource(ctx)
        resource.start(dataset)
        return resource
    return _named_resource(ctx, make)


@register_kernel("AnonymousIterator", HOST)
@register_kernel("AnonymousIteratorV3", HOST)
def _anonymous_iterator(ctx):
    return _register_handle(ctx, _new_resource(ctx))


@register_kernel("AnonymousIteratorV2", HOST)
def _anonymous_iterator_v2(ctx):
    resource = _register_handle(ctx, _new_resource(ctx))
    return resource, resource


@register_kernel("DeleteIterator", HOST)
def _delete_iterator(ctx, handle, deleter):
    handle.close()
    ctx.session_state.op_state.pop(("iterator_handle", handle.string_handle), None)


@register_kernel("MakeIterator", HOST)
def _make_iterator(ctx, dataset, iterator):
    iterator.start(dataset)


def _outputs(values):
    return values[0] if len(values) == 1 else tuple(values)


@register_kernel("IteratorGetNext", HOST)
@register_kernel("IteratorGetNextSync", HOST)
def _get_next(ctx, iterator):
    if not isinstance(iterator, IteratorResource):
        raise invalid("IteratorGetNext takes an iterator handle, got %s", type(iterator).__name__)
    return _outputs(iterator.get_next())


@register_kernel("IteratorGetNext", resources_anywhere=True)
def _get_next_on_device(ctx, iterator):
    """get_next on a device: the elements of prefetch_to_device are its arrays already (uploading one is
    returning it); any other's are copied here."""
    if not isinstance(iterator, IteratorResource):
        raise invalid("IteratorGetNext takes an iterator handle, got %s", type(iterator).__name__)
    backend = ctx.device.backend
    with backend.device_context():
        return _outputs([backend.upload(c) for c in iterator.get_next()])


@register_kernel("IteratorToStringHandle", HOST)
def _to_string_handle(ctx, iterator):
    return np.array(iterator.string_handle, dtype=object)


@register_kernel("IteratorFromStringHandle", HOST)
@register_kernel("IteratorFromStringHandleV2", HOST)
def _from_string_handle(ctx, string_handle):
    handle = np.asarray(string_handle)[()]
    resource = ctx.session_state.op_state.get(("iterator_handle", handle))
    if resource is None:
        raise invalid("Could not find an iterator for the string handle %r in this session", handle)
    want = ctx.attrs.get("output_types") or []
    if want and [dtypes.as_dtype(t) for t in want] != resource.output_types:
        raise invalid("Data type mismatch: the iterator of this string handle gives %s, the op expects %s",
                      [t.name for t in resource.output_types], [dtypes.as_dtype(t).name for t in want])
    return resource


@register_kernel("DatasetToSingleElement", HOST)
def _to_single_element(ctx, dataset):
    it = dataset.make_iterator()
    try:
        element = it.get_next()
        if element is None:
            raise invalid("Dataset was empty.")
        if it.get_next() is not None:
            raise invalid("Dataset had more than one element.")
    finally:
        it.close()
    return _outputs(element)


_ITERATOR_OPS = ("OneShotIterator", "IteratorV2", "Iterator", "AnonymousIterator", "AnonymousIteratorV2",
                 "AnonymousIteratorV3", "MakeIterator", "IteratorGetNext", "IteratorGetNextSync",
                 "IteratorToStringHandle", "IteratorFromStringHandle", "IteratorFromStringHandleV2", "DeleteIterator",
                 "DatasetToSingleElement")
not_differentiable(*_ITERATOR_OPS)


@register_shape("OneShotIterator", "IteratorV2", "Iterator", "AnonymousIterator", "AnonymousIteratorV3",
                "IteratorToStringHandle", "IteratorFromStringHandle", "IteratorFromStringHandleV2")
def _scalar_shape(op):
    return [TensorShape([])] * len(op.outputs)


@register_shape("AnonymousIteratorV2")
def _two_scalars(op):
    return [TensorShape([]), TensorShape([])]


@register_shape("MakeIterator", "DeleteIterator")
def _no_outputs(op):
    return []


@register_shape("IteratorGetNext", "IteratorGetNextSync", "DatasetToSingleElement")
def _element_shapes(op):
    return list(op.get_attr("output_shapes"))


# --- TensorFlow 1's Python iterator -------------------------------------------------------------------

def _flat_attrs(spec):
    return {"output_types": structure.flat_types(spec), "output_shapes": structure.flat_shapes(spec)}


class Iterator:
    """TensorFlow 1's ``tf.data.Iterator``: a handle, its initializer (if any) and the element structure.

        it = tg.data.Iterator.from_structure(dataset.output_types, dataset.output_shapes)
        init = it.make_initializer(dataset)
        next_element = it.get_next()
    """

    def __init__(self, iterator_resource, initializer, output_types, output_shapes, output_classes=None,
                 element_spec=None):
        self._iterator_resource = iterator_resource
        self._initializer = initializer
        self._element_spec = element_spec if element_spec is not None else structure.spec_from_legacy(
            output_types, output_shapes, output_classes)
        self._device = None        # where get_next runs when not beside the iterator (prefetch_to_device)
        # TensorFlow 1 makes the string handle with the iterator, and keeps the iterator in a collection.
        with iterator_resource.graph.colocate_with(iterator_resource.op):
            self._string_handle = iterator_resource.graph.create_op(
                "IteratorToStringHandle", [iterator_resource], {}).outputs[0]
        iterator_resource.graph.add_to_collection(GLOBAL_ITERATORS, iterator_resource)

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        """An uninitialized iterator for elements of this structure; ``make_initializer(dataset)`` starts it."""
        spec = structure.spec_from_legacy(output_types, output_shapes, output_classes)
        handle = get_default_graph().create_op("IteratorV2", [], dict(
            _flat_attrs(spec), container="", shared_name=shared_name or "")).outputs[0]
        return Iterator(handle, None, output_types, structure.shapes_of(spec), element_spec=spec)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        """An iterator that runs whichever iterator the fed ``string_handle`` names (a feedable iterator)."""
        spec = structure.spec_from_legacy(output_types, output_shapes, output_classes)
        handle = get_default_graph().create_op("IteratorFromStringHandleV2", [string_handle],
                                               _flat_attrs(spec)).outputs[0]
        return Iterator(handle, None, output_types, structure.shapes_of(spec), element_spec=spec)

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError("The iterator does not have an initializer. This means it was likely created using "
                             "`tf.data.Dataset.make_one_shot_iterator()`. For an initializable iterator, use "
                             "`tf.data.Dataset.make_initializable_iterator()` instead.")
        return self._initializer

    def make_initializer(self, dataset, name=None):
        """The MakeIterator op starting this iterator over ``dataset`` (whose structure must match)."""
        mine, theirs = structure.flatten(self._element_spec), structure.flatten(dataset.element_spec)
        if len(mine) != len(theirs) or any(a.dtype != b.dtype or type(a) is not type(b) for a, b in zip(mine, theirs)):
            raise TypeError("Expected output types %r but got dataset with output types %r."
                            % (self.output_types, dataset.output_types))
        if any(not a.shape.is_compatible_with(b.shape) for a, b in zip(mine, theirs)):
            raise TypeError("Expected output shapes compatible with %r but got dataset with output shapes %r."
                            % (self.output_shapes, dataset.output_shapes))
        graph = self._iterator_resource.graph
        with graph.colocate_with(self._iterator_resource.op):
            return graph.create_op("MakeIterator", [dataset._variant_tensor, self._iterator_resource], {}, name=name)

    def get_next(self, name=None):
        """The next element's tensors, in the element's structure (OutOfRangeError after the last); for a
        dataset copied to a device (prefetch_to_device), they are made on that device."""
        graph = self._iterator_resource.graph
        if self._device is not None:
            with graph.device(self._device):
                op = graph.create_op("IteratorGetNext", [self._iterator_resource],
                                     _flat_attrs(self._element_spec), name=name)
            return decode_element(self._element_spec, op.outputs)
        with graph.colocate_with(self._iterator_resource.op):
            op = graph.create_op("IteratorGetNext", [self._iterator_resource], _flat_attrs(self._element_spec),
                                 name=name)
        return decode_element(self._element_spec, op.outputs)

    def get_next_as_optional(self):
        raise errors.UnimplementedError(None, None, "tf.data.Iterator.get_next_as_optional is not supported by "
                                        "tagraph yet")

    def string_handle(self, name=None):
        """A scalar string naming this iterator in its session, to feed ``Iterator.from_string_handle``."""
        if name is None:
            return self._string_handle
        return self._iterator_resource.graph.create_op("IteratorToStringHandle", [self._iterator_resource], {},
                                                       name=name).outputs[0]

    element_spec = property(lambda self: self._element_spec)
    output_types = property(lambda self: structure.types_of(self._element_spec))
    output_shapes = property(lambda self: structure.shapes_of(self._element_spec))
    output_classes = property(lambda self: structure.classes_of(self._element_spec, SparseTensor))


def make_one_shot_iterator(dataset):
    """An iterator over ``dataset`` that starts itself the first time it runs (no initializer to run).

    The dataset is copied into a function of the graph's library (``dataset_factory``): it cannot depend
    on placeholders or variables; use :func:`make_initializable_iterator` for those."""
    variant = dataset._variant_tensor
    factory = dataset_factory(variant)
    graph = variant.graph
    spec = dataset.element_spec
    with graph.colocate_with(variant.op):
        handle = graph.create_op("OneShotIterator", [], dict(
            _flat_attrs(spec), dataset_factory=factory, container="", shared_name="")).outputs[0]
    it = Iterator(handle, None, dataset.output_types, dataset.output_shapes, element_spec=spec)
    it._device = target_device(variant.op)
    return it


def make_initializable_iterator(dataset, shared_name=None):
    """An iterator over ``dataset`` that starts (and starts over) when its ``initializer`` runs; the dataset
    may depend on placeholders fed to that run."""
    variant = dataset._variant_tensor
    graph = variant.graph
    with graph.colocate_with(variant.op):
        handle = graph.create_op("IteratorV2", [], dict(_flat_attrs(dataset.element_spec), container="",
                                                        shared_name=shared_name or "")).outputs[0]
        init = graph.create_op("MakeIterator", [variant, handle], {})
    it = Iterator(handle, init, dataset.output_types, dataset.output_shapes, element_spec=dataset.element_spec)
    it._device = target_device(variant.op)
    return it
