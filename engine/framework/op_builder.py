"""Turning a call like ``create_op("AddV2", [x, 1.0])`` into a validated Operation.

The OpDef registry is TensorFlow's own OpDefs, shipped as a binary OpList (``op_defs.pb``: parsing it takes
0.1 ms where the text form takes 50 ms of start-up); ``make opdefs`` (tools/build_op_defs.py) rebuilds it
from TensorFlow's text OpLists ``tests/data/tf/op_defs.pbtxt`` and ``op_defs_extra.pbtxt`` (the ops tagraph
also uses that the first lacks); tests/engine/framework/test_op_defs.py fails when it is stale. Building an
op follows TensorFlow's op_def_library: inputs are matched to the OpDef's input arguments, type and
length attributes are inferred from them, Python values become Consts of the inferred type, defaults are
applied, every attribute is checked against its declared type and allowed values, and the shape
function registered for the op gives the outputs' static shapes.
"""
import os

from tagraph.protos import op_def_pb2
from tagraph.engine.framework import dtypes
from tagraph.engine.framework import errors
from tagraph.engine.framework.attr_value import attr_matches_type, attr_value_to_python, python_to_attr_value
# A registry lacking an op type imports the modules registering it (installed by ``import tagraph.engine``).
from tagraph.engine.framework.registration_loader import load_op as _load
from tagraph.engine.framework.graph import (Operation, Tensor, _VALID_OP_NAME, _graph_of, convert_to_tensor,
                                            get_default_graph, register_op_constructor)
from tagraph.engine.framework.tensor_shape import TensorShape

__all__ = ["op_defs", "get_op_def", "register_op_def", "register_shape", "register_gradient", "not_differentiable",
           "get_gradient_fn", "is_not_differentiable", "get_shape_fn", "apply_op", "make_op", "output_types",
           "validate_attrs", "infer_shapes"]

_OP_DEFS = None
_OP_DEFS_PATH = os.path.join(os.path.dirname(__file__), "op_defs.pb")


def op_defs():
    """name -> OpDef proto for every op tagraph knows (TensorFlow's definitions)."""
    global _OP_DEFS
    if _OP_DEFS is None:
        with open(_OP_DEFS_PATH, "rb") as f:
            op_list = op_def_pb2.OpList.FromString(f.read())
        _OP_DEFS = {op.name: op for op in op_list.op}
    return _OP_DEFS


def get_op_def(op_type):
    op_def = op_defs().get(op_type)
    if op_def is None:
        raise errors.NotFoundError(None, None, "Op type not registered '%s' in binary running tagraph. "
                                   "Make sure the Op and Kernel are registered." % op_type)
    return op_def


def register_op_def(op_def):
    """Adds or replaces an OpDef (for ops of tagraph's own, or tests of OpDef evolution)."""
    op_defs()[op_def.name] = op_def


# --- shape functions and gradients, keyed by op type ------------------------------------------------

_SHAPE_FNS = {}
_GRADIENTS = {}
_NOT_DIFFERENTIABLE = set()


def register_shape(*op_types):
    """Registers ``fn(op) -> [TensorShape, ...]`` as the shape function of ``op_types``."""
    def decorate(fn):
        for t in op_types:
            _SHAPE_FNS[t] = fn
        return fn
    return decorate


def register_gradient(*op_types):
    """Registers ``fn(op, *output_grads) -> [input grads]`` as the gradient of ``op_types``."""
    def decorate(fn):
        for t in op_types:
            _GRADIENTS[t] = fn
        return fn
    return decorate


def not_differentiable(*op_types):
    _NOT_DIFFERENTIABLE.update(op_types)


def get_gradient_fn(op_type):
    fn = _GRADIENTS.get(op_type)
    if fn is None and _load(op_type):
        fn = _GRADIENTS.get(op_type)
    return fn


def is_not_differentiable(op_type):
    return op_type in _NOT_DIFFERENTIABLE or (_load(op_type) and op_type in _NOT_DIFFERENTIABLE)


def get_shape_fn(op_type):
    fn = _SHAPE_FNS.get(op_type)
    if fn is None and _load(op_type):
        fn = _SHAPE_FNS.get(op_type)
    return fn


# --- building ops ----------------------------------------------------------------------------------

def _type_of_arg(arg, attrs):
    if arg.type:
        return dtypes.as_dtype(arg.type)
    if arg.type_attr and arg.type_attr in attrs:
        return attrs[arg.type_attr]
    return None


def apply_op(graph, op_type, inputs, attrs, name, output_dtypes=None):
    op_def = get_op_def(op_type)
    inputs = list(inputs)
    if len(inputs) != len(op_def.input_arg):
        raise TypeError("%s takes %d inputs (%s), got %d" % (
            op_type, len(op_def.input_arg), ", ".join(a.name for a in op_def.input_arg), len(inputs)))
    attr_defs = {a.name: a for a in op_def.attr}
    py_attrs = {}   # attr name -> Python value, for type/number inference
    for k, v in attrs.items():
        if k not in attr_defs and not k.startswith("_"):
            raise ValueError("%s has no attribute '%s' (its attributes: %s)"
                             % (op_type, k, ", ".join(attr_defs) or "none"))
        if k in attr_defs and attr_defs[k].type == "type" and v is not None:
            py_attrs[k] = dtypes.as_dtype(v)
        elif k in attr_defs and attr_defs[k].type == "list(type)":
            py_attrs[k] = [dtypes.as_dtype(x) for x in v]
        else:
            py_attrs[k] = v

    # Pass 1: infer type attributes from inputs that are already tensors.
    for arg, value in zip(op_def.input_arg, inputs):
        if arg.type_attr and arg.type_attr not in py_attrs:
            values = value if arg.number_attr else [value]
            if not isinstance(values, (list, tuple)):
                raise TypeError("Expected list for '%s' argument to '%s' Op, not %r." % (arg.name, op_type, value))
            for v in values:
                t = v if isinstance(v, Tensor) else (v._as_graph_tensor(None)
                                                     if hasattr(v, "_as_graph_tensor") else None)
                if t is not None:
                    py_attrs[arg.type_attr] = t.dtype.base_dtype
                    break

    # Pass 2: convert every input to tensors of the expected type.
    flat_inputs = []
    for arg, value in zip(op_def.input_arg, inputs):
        if arg.number_attr or arg.type_list_attr:
            if not isinstance(value, (list, tuple)):
                raise TypeError("Expected list for '%s' argument to '%s' Op, not %r." % (arg.name, op_type, value))
            if arg.type_list_attr:
                wanted = py_attrs.get(arg.type_list_attr)
                tensors = [_to_tensor(v, wanted[i] if wanted else None, op_type, arg) for i, v in enumerate(value)]
                py_attrs[arg.type_list_attr] = [t.dtype.base_dtype for t in tensors]
            else:
                tensors = [_to_tensor(v, _type_of_arg(arg, py_attrs), op_type, arg) for v in value]
                if arg.type_attr and tensors and arg.type_attr not in py_attrs:
                    py_attrs[arg.type_attr] = tensors[0].dtype.base_dtype
                py_attrs.setdefault(arg.number_attr, len(tensors))
                if py_attrs[arg.number_attr] != len(tensors):
                    raise ValueError("%s: attribute %s=%d does not match %d inputs"
                                     % (op_type, arg.number_attr, py_attrs[arg.number_attr], len(tensors)))
        else:
            tensors = [_to_tensor(value, _type_of_arg(arg, py_attrs), op_type, arg)]
            if arg.type_attr and arg.type_attr not in py_attrs:
                py_attrs[arg.type_attr] = tensors[0].dtype.base_dtype
        for t in tensors:
            want = _type_of_arg(arg, py_attrs)
            if want is not None and t.dtype.base_dtype != want.base_dtype:
                raise TypeError("Input '%s' of '%s' Op has type %s that does not match %s %s."
                                % (arg.name, op_type, t.dtype.name,
                                   "type %s of argument '%s'." % (want.name, arg.name) if arg.type
                                   else "expected type of argument '%s':" % arg.name, want.name))
            if arg.is_ref and not t.dtype.name.endswith("_ref"):
                raise TypeError("'%s' Op requires that input '%s' be a mutable tensor (e.g.: a tg.Variable)"
                                % (op_type, arg.name))
        flat_inputs.extend(tensors)

    graph_of_inputs = {t.graph for t in flat_inputs}
    if len(graph_of_inputs) > 1 or (graph_of_inputs and graph not in graph_of_inputs):
        raise ValueError("%s's inputs must be from the same graph as the op (%s)"
                         % (op_type, ", ".join(t.name for t in flat_inputs)))

    # Attributes: validate, apply defaults, encode.
    attr_protos = {}
    for k, v in py_attrs.items():
        if k.startswith("_"):
            attr_protos[k] = python_to_attr_value(v, "list(string)" if k == "_class" else _guess_type(v))
            continue
        adef = attr_defs[k]
        try:
            attr_protos[k] = python_to_attr_value(v, adef.type)
        except (TypeError, ValueError) as e:
            raise TypeError("Value passed to parameter '%s' of %s has the wrong type: %s" % (k, op_type, e)) from None
    for adef in op_def.attr:
        if adef.name not in attr_protos:
            if adef.HasField("default_value"):
                attr_protos[adef.name] = type(adef.default_value)()
                attr_protos[adef.name].CopyFrom(adef.default_value)
            else:
                raise TypeError("%s is missing its required attribute '%s' (of type %s)"
                                % (op_type, adef.name, adef.type))
    try:
        validate_attrs(op_def, attr_protos, node_name=name or op_type)
    except errors.InvalidArgumentError as e:
        # Building a graph, TensorFlow reports a disallowed dtype as TypeError and other values as ValueError.
        bad_type = any(a.type in ("type", "list(type)") and ("'%s'" % a.name) in e.message for a in op_def.attr)
        raise (TypeError if bad_type else ValueError)(e.message) from None

    if output_dtypes is None:
        output_dtypes = output_types(op_def, attr_protos)

    with graph._lock:
        if name and not name.endswith("/") and not _VALID_OP_NAME.match(name.split("/")[-1]):
            raise ValueError("'%s' is not a valid node name" % name)
        # A name ending in "/" is a scope name used verbatim, as TensorFlow's create_op does.
        op_name = name[:-1] if name and name.endswith("/") else graph.unique_name(name or op_type)
        op = Operation(graph, op_name, op_type, flat_inputs, output_dtypes, attr_protos, op_def,
                       control_inputs=graph._current_control_dependencies(flat_inputs))
        if graph._colocation_stack:
            groups = sorted({g for c in graph._colocation_stack for g in c.colocation_groups()})
            op._set_attr("_class", python_to_attr_value(groups, "list(string)"))
        op._device = graph._current_device(op) if graph._device_function_stack else ""
        if op_type in graph._gradient_override_map:
            op._set_attr("_gradient_op_type",
                         python_to_attr_value(graph._gradient_override_map[op_type], "string"))
        graph._add_op(op)
    infer_shapes(op)
    return op


def _guess_type(v):
    if isinstance(v, (list, tuple)):
        return "list(%s)" % (_guess_type(v[0]) if v else "string")
    if isinstance(v, (str, bytes)):
        return "string"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "tensor"


def _to_tensor(value, dtype, op_type, arg):
    if isinstance(value, Tensor):
        return value
    try:
        return convert_to_tensor(value, dtype=dtype, name=arg.name if not hasattr(value, "_as_graph_tensor") else None)
    except (TypeError, ValueError) as e:
        raise TypeError("Expected %s passed to parameter '%s' of op '%s', got %r: %s"
                        % (dtype.name if dtype else "a tensor", arg.name, op_type, value, e)) from None


# More outputs than this from one number attribute (Split's num_split, Unpack's num) is a hostile GraphDef,
# not a model: each output is a Python Tensor, and 2**31 of them would exhaust memory while being made.
MAX_OUTPUTS_PER_ARG = 1 << 20


def output_types(op_def, attr_protos):
    """The output dtypes the OpDef gives for these attributes."""
    out = []
    for arg in op_def.output_arg:
        if arg.type_list_attr:
            dts = [dtypes.as_dtype(t) for t in attr_protos[arg.type_list_attr].list.type]
        else:
            dt = dtypes.as_dtype(arg.type) if arg.type else dtypes.as_dtype(attr_protos[arg.type_attr].type)
            n = attr_protos[arg.number_attr].i if arg.number_attr else 1
            if not 0 <= n <= MAX_OUTPUTS_PER_ARG:
                raise errors.InvalidArgumentError(
                    None, None, "%s: attr '%s' asks for %d outputs '%s'; it must be in [0, %d]"
                    % (op_def.name, arg.number_attr, n, arg.name, MAX_OUTPUTS_PER_ARG))
            dts = [dt] * n
        if arg.is_ref:
            dts = [dtypes.as_dtype(d.as_datatype_enum + 100) for d in dts]
        out.extend(dts)
    return out


def validate_attrs(op_def, attr_protos, node_name):
    """Raises InvalidArgumentError for unknown attributes, wrong attribute types or disallowed values."""
    attr_defs = {a.name: a for a in op_def.attr}
    for k, av in attr_protos.items():
        if k.startswith("_"):
            continue
        adef = attr_defs.get(k)
        if adef is None:
            raise errors.InvalidArgumentError(
                None, None, "NodeDef mentions attr '%s' not in Op<name=%s>; NodeDef: %s. (Check whether your "
                "GraphDef-interpreting binary is up to date with your GraphDef-generating binary.)"
                % (k, op_def.name, node_name))
        if not attr_matches_type(av, adef.type):
            raise errors.InvalidArgumentError(
                None, None, "AttrValue of attr '%s' of node '%s' (%s) must be of type %s"
                % (k, node_name, op_def.name, adef.type))
        if adef.type in ("type", "list(type)"):
            for enum in (av.list.type if adef.type == "list(type)" else [av.type]):
                try:
                    dtypes.as_dtype(enum)
                except TypeError:
                    raise errors.InvalidArgumentError(
                        None, None, "Value for attr '%s' of node '%s' (%s) is %d, which is not a DataType"
                        % (k, node_name, op_def.name, enum)) from None
                if enum > 100:  # as TensorFlow's ValidateAttrValue: refs are a property of inputs only
                    raise errors.InvalidArgumentError(
                        None, None, "AttrValue must not have reference type value of %s (attr '%s' of node "
                        "'%s' (%s))" % (dtypes.as_dtype(enum).name, k, node_name, op_def.name))
        if adef.HasField("allowed_values"):
            allowed = attr_value_to_python(adef.allowed_values)
            value = attr_value_to_python(av)
            for v in (value if isinstance(value, list) else [value]):
                if v not in allowed:
                    raise errors.InvalidArgumentError(
                        None, None, "Value for attr '%s' of %s is not in the list of allowed values for "
                        "node '%s' (%s): allowed are %s" % (k, _show(v), node_name, op_def.name,
                                                             ", ".join(_show(a) for a in allowed)))
        if adef.has_minimum and adef.type in ("int", "list(int)", "list(type)", "list(string)",
                                              "list(shape)", "list(float)", "list(tensor)"):
            value = attr_value_to_python(av)
            n = value if adef.type == "int" else len(value)
            if n < adef.minimum:
                raise errors.InvalidArgumentError(
                    None, None, "Value for attr '%s' of %s must be at least minimum %d for node '%s' (%s)"
                    % (k, n, adef.minimum, node_name, op_def.name))


def _show(v):
    if isinstance(v, dtypes.DType):
        return v.name
    if isinstance(v, bytes):
        return '"%s"' % v.decode("utf-8", "replace")
    return repr(v)


def infer_shapes(op):
    """Sets each output's static shape from the op's shape function (unknown when it has none)."""
    # Every new op passes here: its family is imported now, with the rest of its registrations (kernels,
    # gradient, constant folding) that later look-ups expect.
    _load(op.type)
    fn = _SHAPE_FNS.get(op.type)
    if fn is None:
        return
    try:
        shapes = fn(op)
    except (ValueError, TypeError, IndexError, KeyError, ArithmeticError) as e:
        # A shape function indexing an empty constant, or overflowing on a hostile dimension, is a bad graph.
        raise ValueError("Shape inference failed for node '%s' (%s): %s" % (op.name, op.type, e)) from None
    for t, s in zip(op._outputs, shapes):
        if s is not None:
            t._shape = s if isinstance(s, TensorShape) else TensorShape(s)


register_op_constructor(apply_op)


def make_op(op_type, inputs, attrs=None, name=None):
    """Adds an op to the default graph; returns its only output, its outputs, or the op if it has none."""
    graph = _graph_of(_flat(inputs)) if inputs else get_default_graph()
    op = graph.create_op(op_type, inputs, attrs or {}, name=name)
    outs = op._outputs
    if len(outs) == 1:
        return outs[0]
    if not outs:
        return op
    return list(outs)


def _flat(inputs):
    for v in inputs:
        if isinstance(v, (list, tuple)):
            yield from v
        else:
            yield v

