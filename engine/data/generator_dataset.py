"""``Dataset.from_generator``: a Python generator's elements, as TensorFlow builds it.

    def gen():
        for i in range(3):
            yield i, [1.0] * i
    ds = tg.data.Dataset.from_generator(gen, (tg.int64, tg.float32), ([], [None]))

TensorFlow's graph: ``TensorDataset(0).flat_map(f)``, where ``f`` makes a GeneratorDataset whose three
functions call the generator through ``numpy_function`` (PyFunc): ``init_func`` starts a new pass (an
iterator id), ``next_func`` gives the next element (StopIteration ends the pass), ``finalize_func`` drops
the pass. The PyFuncs name Python callables of this process only, so the graph cannot be exported and
run elsewhere (TensorFlow says the same: "Could not find callback"). Elements that do not match the
declared types or shapes fail ``get_next`` with InvalidArgumentError, as TensorFlow's do.
"""
import threading

import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops.script_ops import numpy_function
from tagraph.engine.data import structure
from tagraph.engine.data.dataset_functions import trace

__all__ = ["generator_spec", "generator_dataset_fn"]


def generator_spec(output_types, output_shapes, output_signature):
    """The element spec of ``from_generator``'s arguments (TensorFlow 1's types and shapes, or a signature)."""
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError("`output_types` and `output_shapes` cannot be used together with `output_signature`")
        for s in structure.flatten(output_signature):
            if not isinstance(s, structure.TensorSpec):
                raise TypeError("`output_signature` must contain objects that are subclass of `tf.TypeSpec` "
                                "but found %r." % (s,))
        return output_signature
    if output_types is None:
        raise TypeError("`output_signature` must be specified")
    types = structure.map_structure(dtypes.as_dtype, output_types)
    if output_shapes is None:
        shapes = structure.map_structure(lambda _: TensorShape(None), types)
    else:
        shapes = _shapes_like(types, output_shapes)
    return structure.pack_as(types, [structure.TensorSpec(s, t) for t, s in zip(structure.flatten(types),
                                                                                structure.flatten(shapes))])


def _shapes_like(types, shapes):
    if not structure.is_nested(types):
        return as_shape(shapes)
    if isinstance(types, dict):
        return {k: _shapes_like(types[k], shapes[k]) for k in types}
    if len(shapes) != len(types):
        raise ValueError("`output_shapes` must have the structure of `output_types`: %r vs %r" % (shapes, types))
    return tuple(_shapes_like(t, s) for t, s in zip(types, shapes))


class _GeneratorState:
    """The passes over the generator: iterator id -> the generator's iterator, made on the first request."""

    def __init__(self, generator):
        self._generator = generator
        self._lock = threading.Lock()
        self._next_id = 0
        self._args = {}
        self._iterators = {}

    def get_next_id(self, *args):
        with self._lock:
            i = self._next_id
            self._next_id += 1
        self._args[i] = args
        return np.array(i, dtype=np.int64)

    def next_values(self, iterator_id):
        i = int(iterator_id)
        it = self._iterators.get(i)
        if it is None:
            it = self._iterators[i] = iter(self._generator(*self._args[i]))
        return next(it)          # StopIteration ends the pass (OutOfRangeError)

    def completed(self, iterator_id):
        i = int(iterator_id)
        self._args.pop(i, None)
        self._iterators.pop(i, None)
        return np.array(i, dtype=np.int64)


def _converted(values, spec):
    """One yielded element, flat, as arrays of the spec's types and shapes (TypeError or ValueError else)."""
    flat_spec = structure.flatten(spec)
    try:
        flat = _flatten_like(spec, values)
    except (TypeError, ValueError, KeyError) as e:
        raise TypeError("`generator` yielded an element that did not match the expected structure. The expected "
                        "structure was %r, but the yielded element was %r." % (spec, values)) from e
    out = []
    for v, s in zip(flat, flat_spec):
        try:
            a = np.asarray(v, dtype=object if s.dtype == dtypes.string else s.dtype.as_numpy_dtype)
        except (TypeError, ValueError) as e:
            raise TypeError("`generator` yielded an element that could not be converted to the expected type. "
                            "The expected type was %s, but the yielded element was %r." % (s.dtype.name, v)) from e
        if s.dtype == dtypes.string:
            a = np.vectorize(lambda x: x.encode() if isinstance(x, str) else x, otypes=[object])(a) if a.size else a
        if not s.shape.is_compatible_with(a.shape):
            raise TypeError("`generator` yielded an element of shape %s where an element of shape %s was expected."
                            % (tuple(a.shape), _shape_text(s.shape)))
        out.append(a)
    return out


def _shape_text(shape):
    """A static shape as TensorFlow 2 prints it: ``(2,)``, ``(None, 3)``, ``<unknown>``."""
    return "<unknown>" if shape.rank is None else str(tuple(shape.as_list()))


def _flatten_like(spec, values):
    if isinstance(spec, dict):
        if not isinstance(values, dict) or set(values) != set(spec):
            raise TypeError("not a dict of the spec's keys")
        return [c for k in sorted(spec) for c in _flatten_like(spec[k], values[k])]
    if structure.is_nested(spec):
        if not isinstance(values, (tuple, list)) or len(values) != len(spec):
            raise TypeError("not a sequence of the spec's length")
        return [c for s, v in zip(spec, values) for c in _flatten_like(s, v)]
    return [values]


class _GeneratorDataset:
    """The GeneratorDataset op's output with its element spec (what flat_map's function returns)."""

    def __init__(self, variant, element_spec):
        self._variant_tensor, self.element_spec = variant, element_spec


def generator_dataset_fn(generator, spec, args):
    """flat_map's function making the GeneratorDataset (TensorFlow's ``flat_map_fn``)."""
    state = _GeneratorState(generator)
    flat_spec = structure.flatten(spec)
    types = [s.dtype for s in flat_spec]
    arg_tensors = tuple(convert_to_tensor(a, name="args") for a in (args or ()))
    int64 = structure.TensorSpec([], dtypes.int64)

    def get_iterator_id_fn(unused_dummy):
        return numpy_function(state.get_next_id, list(arg_tensors), dtypes.int64)

    def generator_py_func(iterator_id):
        return _converted(state.next_values(iterator_id), spec)

    def generator_next_fn(iterator_id):
        values = numpy_function(generator_py_func, [iterator_id], types)
        for v, s in zip(values, flat_spec):
            v.set_shape(s.shape)
        return tuple(values)

    def finalize_fn(iterator_id):
        return numpy_function(state.completed, [iterator_id], dtypes.int64)

    def flat_map_fn(dummy_arg):
        init, init_captured, _ = trace(get_iterator_id_fn, structure.TensorSpec([], dtypes.int32), "init_func")
        nxt, next_captured, _ = trace(generator_next_fn, int64, "next_func")
        fin, fin_captured, _ = trace(finalize_fn, int64, "finalize_func")
        attrs = {"init_func": init, "next_func": nxt, "finalize_func": fin,
                 "Tinit_func_args": [dtypes.int32] + [t.dtype.base_dtype for t in init_captured],
                 "Tnext_func_args": [t.dtype.base_dtype for t in next_captured],
                 "Tfinalize_func_args": [t.dtype.base_dtype for t in fin_captured],
                 "output_types": types, "output_shapes": [s.shape for s in flat_spec]}
        graph = get_default_graph()
        op = graph.create_op("GeneratorDataset", [[dummy_arg] + list(init_captured), list(next_captured),
                                                  list(fin_captured)], attrs)
        return _GeneratorDataset(op.outputs[0], spec)

    flat_map_fn.__name__ = "flat_map_fn"
    return flat_map_fn
