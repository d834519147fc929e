"""The functions of a dataset pipeline, in the graph's function library as TensorFlow puts them there.

- :func:`trace` turns the Python function of ``map``/``filter``/``flat_map`` into a FunctionDef: its
  arguments are an element's components, then the tensors of the enclosing graph it uses (its captures,
  which the dataset op takes as ``other_arguments`` with their types in ``Targuments``).
- :func:`dataset_factory` copies the ops that make a dataset into a function of no arguments returning it
  (``OneShotIterator``'s ``dataset_factory``), as TensorFlow's ``make_one_shot_iterator`` captures a dataset
  by value: a placeholder or a stateful op (a variable, a table) cannot be captured that way.

    fdef_name, captures, result = trace(lambda x: x * 2, element_spec, "map")
"""
import hashlib
import itertools
import re

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.function_builder import _function_def, _ref
from tagraph.engine.framework.graph import Graph, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import as_shape
from tagraph.engine.data import structure
from tagraph.engine.data.dataset_kernels import DATASET_OPS
from tagraph.engine.data.sparse_elements import decode_element, encode_element
from tagraph.protos import function_pb2

__all__ = ["trace", "dataset_factory", "FunctionBodyGraph"]

_ids = itertools.count(1)


class FunctionBodyGraph(Graph):
    """The graph a dataset function is traced in: a tensor of an enclosing graph used here becomes a
    placeholder of this graph (a capture), fed with the outer tensor's value when the function runs."""

    captures_outer_tensors = True

    def __init__(self, outer):
        super().__init__()
        self.outer = outer
        self.seed = outer.seed
        self.captures = {}         # outer tensor -> placeholder here, in capture order

    @property
    def outer_graph(self):
        """The enclosing graph (py_func keeps the Python functions of a body alive with the outermost one)."""
        return self.outer

    def capture(self, t):
        if t.graph is self:
            return t
        p = self.captures.get(t)
        if p is None:
            with self.as_default(), self.control_dependencies(None):
                p = self.create_op("Placeholder", [], {"dtype": t.dtype.base_dtype, "shape": t.shape},
                                   name="captured_%d" % len(self.captures)).outputs[0]
            self.captures[t] = p
        return p

    def create_op(self, op_type, inputs, attrs=None, name=None, output_dtypes=None):
        return super().create_op(op_type, self._captured(inputs), attrs, name, output_dtypes)

    def _captured(self, value):
        if isinstance(value, Tensor):
            return self.capture(value)
        if hasattr(value, "_as_graph_tensor") and getattr(value, "graph", self) is not self:
            t = value._as_graph_tensor(None)
            if t.op.type == "ReadVariableOp" and t.graph is not self:
                # A resource variable is read where the function runs, each time: its handle is captured.
                return self.create_op("ReadVariableOp", [t.op.inputs[0]], {"dtype": t.dtype}).outputs[0]
            return self.capture(t)
        if isinstance(value, (list, tuple)):
            return type(value)(self._captured(v) for v in value) if not hasattr(value, "_fields") else value
        return value


def _function_name(fn, transformation):
    base = re.sub(r"[^A-Za-z0-9_]", "", getattr(fn, "__name__", "function")) or "function"
    return "__inference_Dataset_%s_%s_%d" % (transformation, base, next(_ids))


def trace(fn, input_spec, transformation, returns_dataset=False, wrap_dataset=None):
    """Traces ``fn`` over elements of ``input_spec`` into the default graph's library.

    A tuple element is passed as separate arguments, anything else as one, as tf.data calls it. Returns
    (function name, captured outer tensors, result): ``result`` is the structure of the body's output
    tensors (a list becomes a tuple, as in TensorFlow 1), or, with ``returns_dataset``, the body's Dataset.
    A component that is a dataset (a DatasetSpec) reaches ``fn`` as ``wrap_dataset(variant, element_spec)``.
    """
    graph = get_default_graph()
    body = FunctionBodyGraph(graph)
    with body.as_default():
        args = []
        for i, (dtype, shape) in enumerate(zip(structure.flat_types(input_spec), structure.flat_shapes(input_spec))):
            args.append(body.create_op("Placeholder", [], {"dtype": dtype, "shape": as_shape(shape)},
                                       name="args_%d" % i).outputs[0])
        wrapped = [wrap_dataset(a, spec.element_spec) if isinstance(spec, structure.DatasetSpec) else a
                   for a, spec in zip(args, structure.flatten(input_spec))]
        element = decode_element(input_spec, wrapped)
        result = fn(*element) if type(element) is tuple else fn(element)
        if returns_dataset:
            variant = getattr(result, "_variant_tensor", None)
            if variant is None:
                raise TypeError("The function passed to `%s` must return a `tf.data.Dataset`, got %r"
                                % (transformation, result))
            outputs = [body.capture(variant)]
        else:
            if isinstance(result, list):
                result = tuple(result)
            if result is None:
                raise ValueError("The function passed to `%s` returned None; it must return the element's "
                                 "tensors" % transformation)
            flat = structure.flatten(result)
            outputs = [c if structure.is_sparse(c) else body.capture(c) if isinstance(c, Tensor)
                       else convert_to_tensor(c, name="output_%d" % i) for i, c in enumerate(flat)]
            result = structure.pack_as(result, outputs)
            outputs = [body.capture(t) for t in encode_element(outputs)]
    captured = list(body.captures)
    fdef = _function_def(_function_name(fn, transformation), body, args + [body.captures[t] for t in captured],
                         outputs)
    fdef.attr["_tf_data_function"].b = True
    _add_to_library(graph, list(body._library.function if body._library is not None else ()) + [fdef])
    return fdef.signature.name, captured, result


def _add_to_library(graph, fdefs):
    library = graph._library
    if library is None:
        library = graph._library = function_pb2.FunctionDefLibrary()
    present = {f.signature.name for f in library.function}
    for f in fdefs:
        if f.signature.name not in present:
            library.function.add().CopyFrom(f)
            present.add(f.signature.name)


# --- capture by value ---------------------------------------------------------------------------------

_PLACEHOLDERS = frozenset(["Placeholder", "PlaceholderV2", "PlaceholderWithDefault"])


def _ops_making(t):
    """The ops ``t`` depends on through data inputs, inputs first. Control inputs are left out, as
    TensorFlow's capture by value leaves them (``list_files``'s assertion is not part of its factory)."""
    order, seen, stack = [], set(), [(t.op, False)]
    while stack:
        op, done = stack.pop()
        if done:
            order.append(op)
            continue
        if op in seen:
            continue
        seen.add(op)
        stack.append((op, True))
        stack.extend((x.op, False) for x in reversed(op.inputs) if x.op not in seen)
    return order


# Resources TensorFlow's datasets take that carry no state worth sharing: copied with the dataset.
_STATELESS_RESOURCES = frozenset(["DummySeedGenerator", "DummyMemoryCache"])


# Stateful ops TensorFlow copies into a dataset factory all the same (its traverse.OP_TYPES_ALLOWLIST).
_CAPTURED_STATEFUL = frozenset(["DummyIterationCounter"])


def _makes_datasets(op):
    return op.type in DATASET_OPS or op.type in _STATELESS_RESOURCES or op.type in _CAPTURED_STATEFUL or (
        op.outputs and all(t.dtype.base_dtype == dtypes.variant for t in op.outputs))


def dataset_factory(variant):
    """Adds to ``variant``'s graph a function of no arguments that makes the dataset ``variant`` holds (its
    ops copied by value); returns the function's name. ValueError, with TensorFlow's words, when the
    dataset depends on a placeholder or on a stateful op that is not a dataset."""
    ops = _ops_making(variant)
    for op in ops:
        if op.type in _PLACEHOLDERS:
            raise ValueError("Cannot capture a placeholder (name:%s, type:%s) by value." % (op.name, op.type))
        if op.op_def.is_stateful and not _makes_datasets(op):
            raise ValueError(
                "Cannot capture a stateful node (name:%s, type:%s) by value.: A likely cause of this error is "
                "that the dataset for which you are calling `make_one_shot_iterator()` captures a stateful "
                "object, such as a `tf.Variable` or `tf.lookup.StaticHashTable`, which is not supported. Use "
                "`make_initializable_iterator()` instead." % (op.name, op.type))
    fdef = function_pb2.FunctionDef()
    for op in ops:
        nd = fdef.node_def.add(name=op.name, op=op.type)
        nd.input.extend(_ref(x, {}) for x in op.inputs)
        for k, v in op._attrs.items():
            if k != "_class":
                nd.attr[k].CopyFrom(v)
    out = re.sub(r"[^a-z0-9_]", "_", variant.op.name.lower())
    fdef.signature.output_arg.add(name=out, type=dtypes.variant.as_datatype_enum)
    fdef.signature.description = "Factory function for a dataset."
    fdef.signature.is_stateful = True
    fdef.ret[out] = _ref(variant, {})
    digest = hashlib.sha1(fdef.SerializeToString(deterministic=True)).hexdigest()[:11]
    fdef.signature.name = "_make_dataset_" + digest
    _add_to_library(variant.graph, [fdef])
    return fdef.signature.name
