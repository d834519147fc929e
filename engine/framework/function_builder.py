"""``tg.function``: a Python function traced once into the graph's function library, called through
``PartitionedCall`` (``StatefulPartitionedCall`` when its body has stateful ops), as TensorFlow 1's
``tf.function`` does in graph mode. Graphs and SavedModels that hold such calls load in TensorFlow.

    @tg.function
    def scaled_relu(x, scale):
        return tg.nn.relu(x) * scale

    y = scaled_relu(x, 2.0)          # one PartitionedCall; the body lives in the graph's library

The body is traced in a graph of its own, once per (graph, argument dtypes) or once for an
``input_signature`` (a list of ``(dtype, shape)`` or TensorSpec-like objects with ``.dtype``/``.shape``).
It may return a tensor, a list or tuple of tensors, or a dict of them. A body cannot reach tensors of the
calling graph (pass them as arguments): that is an error naming the tensor.
"""
import itertools
import re
import weakref

from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import Graph, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import get_op_def
from tagraph.engine.framework.tensor_shape import as_shape
from tagraph.protos import attr_value_pb2, function_pb2

__all__ = ["function", "Function"]

_ids = itertools.count(1)


def function(func=None, input_signature=None, name=None):
    """Decorator: ``@tg.function`` or ``@tg.function(input_signature=[(tg.float32, [None, 3])])``."""
    if func is None:
        return lambda f: Function(f, input_signature, name)
    return Function(func, input_signature, name)


class Function:
    """A traced Python function; calling it in a graph adds a call op to that graph."""

    def __init__(self, python_function, input_signature=None, name=None):
        self._fn = python_function
        self._name = re.sub(r"[^A-Za-z0-9_]", "_", name or getattr(python_function, "__name__", "function"))
        self._signature = None if input_signature is None else [_spec(s) for s in input_signature]
        # graph -> {dtypes: (FunctionDef, output structure, stateful)}; weak, so that a new graph that happens
        # to get a dead one's id() is traced into its own library
        self._traced = weakref.WeakKeyDictionary()

    @property
    def python_function(self):
        return self._fn

    def __call__(self, *args):
        graph = get_default_graph()
        if self._signature is not None and len(args) != len(self._signature):
            raise TypeError("%s takes %d arguments (its input_signature), got %d"
                            % (self._name, len(self._signature), len(args)))
        specs = self._signature or [None] * len(args)
        inputs = [convert_to_tensor(a, dtype=s[0] if s else None, name="input_%d" % i)
                  for i, (a, s) in enumerate(zip(args, specs))]
        key = tuple(t.dtype.base_dtype.name for t in inputs)
        per_graph = self._traced.setdefault(graph, {})
        traced = per_graph.get(key)
        if traced is None:
            traced = per_graph[key] = self._trace(graph, inputs, specs)
        fdef, structure, stateful = traced
        op = graph.create_op("StatefulPartitionedCall" if stateful else "PartitionedCall", [inputs], {
            "f": attr_value_pb2.NameAttrList(name=fdef.signature.name),
            "Tin": [t.dtype.base_dtype for t in inputs],
            "Tout": [dtypes.as_dtype(a.type) for a in fdef.signature.output_arg]})
        return _rebuild(structure, op.outputs)

    def _trace(self, graph, inputs, specs):
        body = Graph()
        body.seed = graph.seed
        with body.as_default():
            args = []
            for i, (t, spec) in enumerate(zip(inputs, specs)):
                shape = spec[1] if spec else t.shape
                args.append(body.create_op("Placeholder", [], {"dtype": t.dtype.base_dtype, "shape": as_shape(shape)},
                                           name="arg%d" % i).outputs[0])
            result = self._fn(*args)
            flat, structure = _flatten(result)
            outputs = []
            for i, r in enumerate(flat):
                if isinstance(r, Tensor) and r.graph is not body:
                    raise errors.InvalidArgumentError(
                        None, None, "tg.function %s returns %s, a tensor of another graph: a function body "
                        "reaches outer tensors only through its arguments" % (self._name, r.name))
                outputs.append(convert_to_tensor(r, name="output_%d" % i))
        for op in body.get_operations():
            for t in op.inputs:
                if t.graph is not body:
                    raise errors.InvalidArgumentError(None, None, "tg.function %s: node %s reads %s of another graph; "
                                                      "pass it as an argument" % (self._name, op.name, t.name))
        fdef = _function_def("%s_%d" % (self._name, next(_ids)), body, args, outputs)
        library = graph._library
        if library is None:
            library = graph._library = function_pb2.FunctionDefLibrary()
        # The functions the body itself calls go into the calling graph's library with it.
        present = {f.signature.name for f in library.function}
        for f in list(body._library.function if body._library is not None else ()) + [fdef]:
            if f.signature.name not in present:
                library.function.add().CopyFrom(f)
                present.add(f.signature.name)
        return fdef, structure, fdef.signature.is_stateful


def _spec(s):
    if isinstance(s, (tuple, list)):
        return dtypes.as_dtype(s[0]), as_shape(s[1] if len(s) > 1 else None)
    return dtypes.as_dtype(s.dtype), as_shape(getattr(s, "shape", None))


def _flatten(result):
    """(flat list, structure): a tensor, a list/tuple of them, or a dict of them (keys sorted)."""
    if isinstance(result, dict):
        keys = sorted(result)
        return [result[k] for k in keys], ("dict", keys)
    if isinstance(result, (list, tuple)):
        return list(result), (type(result).__name__, len(result))
    if result is None:
        return [], ("none", 0)
    return [result], ("one", 1)


def _rebuild(structure, outputs):
    kind, meta = structure
    if kind == "dict":
        return dict(zip(meta, outputs))
    if kind == "list":
        return list(outputs)
    if kind == "tuple":
        return tuple(outputs)
    if kind == "none":
        return None
    return outputs[0]


def _function_def(name, body, args, outputs):
    """The FunctionDef of ``body``: ``args`` (its Placeholders) are the input arguments, ``outputs`` the
    results; node inputs named as a FunctionDef names them (``node:out_arg:index``)."""
    fdef = function_pb2.FunctionDef()
    sig = fdef.signature
    sig.name = name
    arg_names = {}
    for t in args:
        a = sig.input_arg.add(name=t.op.name, type=t.dtype.base_dtype.as_datatype_enum)
        arg_names[t] = a.name
    stateful = []
    for op in body.get_operations():
        if op.outputs and op.outputs[0] in arg_names:
            continue
        nd = fdef.node_def.add(name=op.name, op=op.type)
        nd.input.extend(_ref(t, arg_names) for t in op.inputs)
        nd.input.extend("^" + c.name for c in op.control_inputs)
        if op.device:
            nd.device = op.device
        for k, v in op._attrs.items():
            nd.attr[k].CopyFrom(v)
        if op.op_def.is_stateful:
            stateful.append(op.name)
    for i, t in enumerate(outputs):
        out = "output_%d" % i
        sig.output_arg.add(name=out, type=t.dtype.base_dtype.as_datatype_enum)
        fdef.ret[out] = _ref(t, arg_names)
    sig.is_stateful = bool(stateful)
    for n in stateful:
        sig.control_output.append(n)
        fdef.control_ret[n] = n
    return fdef


def _ref(t, arg_names):
    if t in arg_names:
        return arg_names[t]
    op = t.op
    start = 0
    for arg in get_op_def(op.type).output_arg:
        if arg.number_attr:
            n = op._attrs[arg.number_attr].i
        elif arg.type_list_attr:
            n = len(op._attrs[arg.type_list_attr].list.type)
        else:
            n = 1
        if t.value_index < start + n:
            return "%s:%s:%d" % (op.name, arg.name, t.value_index - start)
        start += n
    raise errors.InternalError(None, op, "%s has no output %d" % (op.name, t.value_index))
