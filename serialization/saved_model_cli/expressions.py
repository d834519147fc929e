"""``tagraph-saved-model-cli``: inspect, scan and run a SavedModel, with TensorFlow's flags and output.

    $ tagraph-saved-model-cli show --dir /tmp/saved_model --all
    $ tagraph-saved-model-cli show --dir /tmp/saved_model --tag_set serve --signature_def serving_default
    $ tagraph-saved-model-cli run --dir /tmp/saved_model --tag_set serve --signature_def x1_x2_to_y \\
          --inputs 'x1=/tmp/x1.npy;x2=/tmp/data.npz[x2]' --input_exprs 'x2=np.ones((3,1))' --outdir /tmp/out
    $ tagraph-saved-model-cli scan --dir /tmp/saved_model

``show`` and ``scan`` print exactly what TensorFlow's ``saved_model_cli`` prints (sets are printed as
Python prints them, so their order follows ``PYTHONHASHSEED`` there as here). They read only the
protocol buffers: nothing heavy is imported, so ``show --all`` answers in a few hundredths of a second.

Where tagraph departs from TensorFlow, on purpose:

* ``--inputs`` loads ``.npy`` and ``.npz`` files without ever unpickling; any other file is a pickle,
  which can run arbitrary code when loaded, and is refused (without being opened) unless
  ``--allow_pickle`` is given.
* ``--input_exprs`` is never passed to ``eval``. An expression is a Python literal, or a call of one of
  these numpy constructors (``ALLOWED_NUMPY_CALLS``) on literals, calls nesting as in
  ``np.reshape(np.arange(6), (2, 3))``:

      np.array(object, dtype=None, ndmin=0)    np.asarray(...)      np.reshape(a, newshape)
      np.zeros(shape, dtype=None)              np.ones(...)         np.zeros_like(a, dtype=None)  np.ones_like
      np.full(shape, fill_value, dtype=None)   np.full_like(a, fill_value, dtype=None)
      np.arange(start, stop=None, step=None, dtype=None)    np.linspace(start, stop, num=50, endpoint=True,
      dtype=None)    np.eye(N, M=None, k=0, dtype=None)    np.identity(n, dtype=None)
      np.random.rand(*dims)  np.random.randn(*dims)  np.random.random(size=None)
      np.random.randint(low, high=None, size=None, dtype=None)
      np.random.uniform(low=0.0, high=1.0, size=None)  np.random.normal(loc=0.0, scale=1.0, size=None)
      np.<dtype>(value), e.g. np.float32(1.5)

  A dtype is ``np.<dtype>`` (``np.float32``, ``np.int64``, ``np.bool_``, ...) or its name as a string;
  ``np.nan``, ``np.inf``, ``np.pi`` and ``np.e`` may be used as values. Arithmetic (``+ - * / // % **``)
  is allowed on numbers only. Names, other attributes, subscripts, lambdas, comprehensions and dunder
  names are refused, and so is any allocation over ``MAX_ELEMENTS`` (10**8) elements or ``MAX_BYTES``
  (1 GiB), counted before allocating over all the expressions of one command; all of this before the
  model is read or any input file is opened. ``--input_examples`` takes literals only.
* ``--tf_debug`` (TensorFlow's interactive debugger) is not supported: it is an error that says so.
* The device follows the tag-set: a ``gpu`` tag-set runs on the GPU when one is present, else on the CPU
  with soft placement, and says so on stderr.
* ``--outdir`` refuses output keys that are not plain file names, and checks every output file before
  writing any; files are written atomically.
* Errors are one line on stderr (TensorFlow's exception name and message) and exit status 1;
  ``--verbose`` shows the traceback.
"""
import argparse
import ast
import math
import os
import re
import sys

__all__ = ["main", "ALLOWED_NUMPY_CALLS", "MAX_ELEMENTS", "MAX_BYTES", "evaluate_input_expr"]

PROG = "tagraph-saved-model-cli"

# TensorFlow's default list for `scan` (set(...) of a list, as TensorFlow builds it, so that a set prints in
# the same order as TensorFlow's under the same PYTHONHASHSEED).
_OP_DENYLIST = set(["WriteFile", "ReadFile", "PrintV2"])

MAX_ELEMENTS = 10 ** 8
MAX_BYTES = 1 << 30


class CliError(Exception):
    """An error reported as one line, ``<name>: <message>``, named as TensorFlow's CLI names it."""

    def __init__(self, message, name="RuntimeError"):
        super().__init__(message)
        self.name = name


# ---------------------------------------------------------------------------------------------------------
# Reading the SavedModel (protos only).

def _listing(path, limit=12):
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return None
    shown = [n + ("/" if os.path.isdir(os.path.join(path, n)) else "") for n in names[:limit]]
    if len(names) > limit:
        shown.append("... (%d more)" % (len(names) - limit))
    return ", ".join(shown) if shown else "nothing"


def read_saved_model(saved_model_dir):
    """The SavedModel proto of ``saved_model_dir`` (``saved_model.pb``, else ``saved_model.pbtxt``)."""
    from tagraph.protos import saved_model_pb2
    path_pb = os.path.join(saved_model_dir, "saved_model.pb")
    path_pbtxt = os.path.join(saved_model_dir, "saved_model.pbtxt")
    if not os.path.exists(path_pb) and not os.path.exists(path_pbtxt):
        # TensorFlow's message, then what is there, so that a wrong path or a model base path is obvious.
        msg = "SavedModel file does not exist at: %s" % saved_model_dir
        if not os.path.exists(saved_model_dir):
            msg += " (no such file or directory)"
        elif not os.path.isdir(saved_model_dir):
            msg += " (not a directory)"
        else:
            msg += " (the directory holds: %s)" % _listing(saved_model_dir)
            versions = [n for n in os.listdir(saved_model_dir)
                        if n.isdigit() and os.path.isfile(os.path.join(saved_model_dir, n, "saved_model.pb"))]
            if versions:
                msg += "; a model base path? try --dir %s" % os.path.join(
                    saved_model_dir, max(versions, key=int))
        raise CliError(msg, "OSError")
    saved_model = saved_model_pb2.SavedModel()
    if os.path.exists(path_pb):
        try:
            with open(path_pb, "rb") as f:
                saved_model.ParseFromString(f.read())
        except OSError as e:
            raise CliError("Cannot read proto file %s: %s." % (path_pb, e), "OSError") from e
        except Exception as e:  # google.protobuf.message.DecodeError
            raise CliError("Cannot parse proto file %s: %s." % (path_pb, e), "OSError") from e
        return saved_model
    from google.protobuf import text_format
    try:
        with open(path_pbtxt, "rb") as f:
            text_format.Merge(f.read().decode("utf-8"), saved_model)
    except (OSError, UnicodeDecodeError, text_format.ParseError) as e:
        raise CliError("Cannot parse pbtxt file %s: %s." % (path_pbtxt, e), "OSError") from e
    return saved_model


def _sanitize_nonempty_str_list(xs, name):
    out = [s for s in (str(x).strip() for x in xs if x is not None) if s]
    if not out:
        raise CliError("%s must contain at least one non-empty item." % name, "ValueError")
    return out


def _get_meta_graph_def(saved_model, tag_set):
    # Empty tags are dropped, so that "" means the empty tag-set (TensorFlow's rule).
    set_of_tags = set([tag for tag in tag_set.split(",") if tag])
    valid_tags = []
    for meta_graph_def in saved_model.meta_graphs:
        meta_graph_tags = set(meta_graph_def.meta_info_def.tags)
        if meta_graph_tags == set_of_tags:
            return meta_graph_def
        valid_tags.append(",".join(meta_graph_tags))
    raise CliError("MetaGraphDef associated with tag-set %s could not be found in the SavedModel. Please use "
                   "one of the following tag-sets: %s" % (tag_set, valid_tags))


def _tags_repr(meta_graph_def):
    return repr(list(meta_graph_def.meta_info_def.tags))


def _ops_used_by_graph_def(graph_def):
    # TensorFlow's traversal (functions may call functions), in its order, so that the set built from this
    # list iterates, and prints, as TensorFlow's does.
    name_to_function = {}
    for fun in graph_def.library.function:
        name_to_function[fun.signature.name] = fun
    used_ops = set()
    functions_to_process = []

    def mark_op_as_used(op):
        if op not in used_ops and op in name_to_function:
            functions_to_process.append(name_to_function[op])
        used_ops.add(op)

    def process_node(node):
        mark_op_as_used(node.op)
        if node.op in ["PartitionedCall", "StatefulPartitionedCall"]:
            mark_op_as_used(node.attr["f"].func.name)

    for node in graph_def.node:
        process_node(node)
    while functions_to_process:
        fun = functions_to_process.pop()
        for node in fun.node_def:
            process_node(node)
    return [op for op in used_ops if op not in name_to_function]


# ---------------------------------------------------------------------------------------------------------
# show

_DTYPE_NAMES = None


def _dtype_name(enum):
    global _DTYPE_NAMES
    if _DTYPE_NAMES is None:
        from tagraph.protos import types_pb2
        _DTYPE_NAMES = {value: key for (key, value) in types_pb2.DataType.items()}
    return _DTYPE_NAMES.get(enum, str(enum))


def _print_tensor_info(tensor_info, indent, out):
    indent_str = "  " * indent
    out.append(indent_str + "    dtype: " + _dtype_name(tensor_info.dtype))
    if tensor_info.tensor_shape.unknown_rank:
        shape = "unknown_rank"
    else:
        shape = "(" + ", ".join(str(dim.size) for dim in tensor_info.tensor_shape.dim) + ")"
    out.append(indent_str + "    shape: " + shape)
    out.append(indent_str + "    name: " + tensor_info.name)


def _signature_not_found(meta_graph_def, signature_def_key):
    # TensorFlow lists the keys in the map's order, which changes from process to process; sorted here.
    return CliError('Could not find signature "%s". Please choose from: %s'
                    % (signature_def_key, ", ".join(sorted(meta_graph_def.signature_def.keys()))), "ValueError")


def _show_inputs_outputs_mgd(meta_graph_def, signature_def_key, indent, out):
    if signature_def_key not in meta_graph_def.signature_def:
        raise _signature_not_found(meta_graph_def, signature_def_key)
    signature_def = meta_graph_def.signature_def[signature_def_key]
    indent_str = "  " * indent
    out.append(indent_str + "The given SavedModel SignatureDef contains the following input(s):")
    for key, info in sorted(signature_def.inputs.items()):
        out.append(indent_str + "  inputs['%s'] tensor_info:" % key)
        _print_tensor_info(info, indent + 1, out)
    out.append(indent_str + "The given SavedModel SignatureDef contains the following output(s):")
    for key, info in sorted(signature_def.outputs.items()):
        out.append(indent_str + "  outputs['%s'] tensor_info:" % key)
        _print_tensor_info(info, indent + 1, out)
    out.append(indent_str + "Method name is: %s" % signature_def.method_name)


def _ops_line(meta_graph_def):
    all_ops_set = set(_ops_used_by_graph_def(meta_graph_def.graph_def))
    return ("The MetaGraph with tag set %s contains the following ops: %s"
            % (_tags_repr(meta_graph_def), all_ops_set))


def _show_all(saved_model, out):
    for meta_graph_def in sorted(saved_model.meta_graphs, key=lambda m: list(m.meta_info_def.tags)):
        tags = meta_graph_def.meta_info_def.tags
        out.append("\nMetaGraphDef with tag-set: '%s' contains the following SignatureDefs:" % ", ".join(tags))
        for key in sorted(meta_graph_def.signature_def.keys()):
            out.append("\nsignature_def['" + key + "']:")
            _show_inputs_outputs_mgd(meta_graph_def, key, 1, out)
        out.append(_ops_line(meta_graph_def))
    _show_defined_functions(saved_model.meta_graphs, out)


# TensorFlow 2 SavedModels: the functions of the root object, from the SavedObjectGraph (TensorFlow loads the
# model to list them; what it prints is what the object graph records).

class _TensorSpec:
    def __init__(self, proto, cls="TensorSpec"):
        self.cls = cls
        self.name = proto.name or None
        self.dims = None if proto.shape.unknown_rank else [d.size if d.size >= 0 else None for d in proto.shape.dim]
        self.dtype = _tf_dtype_repr(proto.dtype)

    def __repr__(self):
        return "%s(shape=%s, dtype=%s, name=%r)" % (self.cls, _tf_shape_str(self.dims), self.dtype, self.name)

    __str__ = __repr__


def _tf_shape_str(dims):
    # str(tf.TensorShape) with TensorFlow 2 behaviour.
    if dims is None:
        return "<unknown>"
    if len(dims) == 1:
        return "(%s,)" % dims[0]
    return "(%s)" % ", ".join(str(d) for d in dims)


def _tf_dtype_repr(enum):
    name = _dtype_name(enum)
    special = {"DT_FLOAT": "float32", "DT_DOUBLE": "float64", "DT_HALF": "float16"}
    if name in special:
        return "tf." + special[name]
    return "tf." + (name[3:].lower() if name.startswith("DT_") else name)


def _decode_structure(value):
    import collections
    kind = value.WhichOneof("kind")
    if kind is None or kind == "none_value":
        return None
    if kind in ("float64_value", "int64_value", "string_value", "bool_value"):
        return getattr(value, kind)
    if kind == "list_value":
        return [_decode_structure(v) for v in value.list_value.values]
    if kind == "tuple_value":
        return tuple(_decode_structure(v) for v in value.tuple_value.values)
    if kind == "dict_value":
        # A proto map iterates in an order that changes from process to process (TensorFlow prints it so);
        # tagraph prints keys sorted, so that its output is the same every time.
        fields = value.dict_value.fields
        return {k: _decode_structure(fields[k]) for k in sorted(fields)}
    if kind == "named_tuple_value":
        nt = value.named_tuple_value
        keys = [p.key for p in nt.values]
        if all(k.isidentifier() and not k.startswith("_") for k in keys) and nt.name.isidentifier():
            return collections.namedtuple(nt.name, keys)(*[_decode_structure(p.value) for p in nt.values])
        return tuple(_decode_structure(p.value) for p in nt.values)
    if kind == "tensor_spec_value":
        return _TensorSpec(value.tensor_spec_value)
    if kind == "bounded_tensor_spec_value":
        return _TensorSpec(value.bounded_tensor_spec_value, "BoundedTensorSpec")
    if kind == "tensor_dtype_value":
        return _Repr(_tf_dtype_repr(value.tensor_dtype_value))
    if kind == "tensor_shape_value":
        shape = value.tensor_shape_value
        return _Repr(_tf_shape_str(None if shape.unknown_rank else
                                   [d.size if d.size >= 0 else None for d in shape.dim]))
    return _Repr("<%s>" % kind)


class _Repr:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    __str__ = __repr__


def _print_args(arguments, out, argument_type="Argument", indent=0):
    # TensorFlow's _print_args, down to its backspaces.
    indent_str = "  " * indent

    def maybe_add_quotes(value):
        is_quotes = "'" * isinstance(value, str)
        return is_quotes + str(value) + is_quotes

    for index, element in enumerate(arguments, 1):
        if indent == 4:
            out.append(indent_str + "%s #%d" % (argument_type, index))
        if isinstance(element, str):
            out.append(indent_str + "  %s" % element)
        elif isinstance(element, _TensorSpec):
            out.append((indent + 1) * "  " + "%s: %s" % (element.name, repr(element)))
        elif isinstance(element, (list, tuple)):
            out.append(indent_str + "  DType: %s" % type(element).__name__)
            out.append(indent_str + "  Value: [" + "".join("%s, " % maybe_add_quotes(v) for v in element)
                       + "\b\b]")
        elif isinstance(element, dict):
            out.append(indent_str + "  DType: %s" % type(element).__name__)
            out.append(indent_str + "  Value: {" + "".join("'%s': %s, " % (str(k), maybe_add_quotes(v))
                                                          for k, v in element.items()) + "\b\b}")
        else:
            out.append(indent_str + "  DType: %s" % type(element).__name__)
            out.append(indent_str + "  Value: %s" % str(element))


def _kwonly_order(node, kind):
    """{keyword-only argument: its position in the def}, from the function's recorded FullArgSpec."""
    spec = node.function.function_spec if kind == "function" else node.bare_concrete_function.function_spec
    for item in spec.fullargspec.named_tuple_value.values:
        if item.key == "kwonlyargs":
            names = [v.string_value for v in item.value.list_value.values]
            return {name: i for i, name in enumerate(names)}
    return {}


def _show_defined_functions(meta_graphs, out):
    graphs = [m for m in meta_graphs if m.HasField("object_graph_def")]
    if not graphs:
        return
    out.raw("\nConcrete Functions:")
    object_graph = graphs[-1].object_graph_def
    if not object_graph.nodes:
        out.append(" N/A (could not be listed due to unknown reasons)")
        return
    children = sorted(((c.local_name, c.node_id) for c in object_graph.nodes[0].children), key=lambda x: x[0])
    for name, node_id in children:
        if node_id >= len(object_graph.nodes):
            continue
        node = object_graph.nodes[node_id]
        kind = node.WhichOneof("kind")
        if kind == "function":
            function_names = list(node.function.concrete_functions)
        elif kind == "bare_concrete_function":
            function_names = [node.bare_concrete_function.concrete_function_name]
        else:
            continue
        out.raw("\n  Function Name: '%s'\n" % name)
        for index, fn_name in enumerate(sorted(function_names), 1):
            saved = object_graph.concrete_functions.get(fn_name)
            args = kwargs = None
            if saved is not None and saved.HasField("canonicalized_input_signature"):
                sig = _decode_structure(saved.canonicalized_input_signature)
                if isinstance(sig, tuple) and len(sig) == 2:
                    args, kwargs = sig
            if not args and kind == "bare_concrete_function":
                args = list(node.bare_concrete_function.argument_keywords) or None
            if args:
                out.append("    Option #%d" % index)
                out.append("      Callable with:")
                _print_args(args, out, indent=4)
            if kwargs:
                order = _kwonly_order(node, kind)
                kwargs = {k: kwargs[k] for k in sorted(kwargs, key=lambda k: (order.get(k, len(order)), k))}
                _print_args(kwargs, out, "Named Argument", indent=4)


def _show(args, out):
    saved_model = read_saved_model(args.dir)
    if args.all:
        _show_all(saved_model, out)
        return
    if args.tag_set is None:
        if args.list_ops:
            out.append("--list_ops must be paired with a tag-set or with --all.")
        out.append("The given SavedModel contains the following tag-sets:")
        tag_sets = [list(m.meta_info_def.tags) for m in saved_model.meta_graphs]
        for tag_set in sorted(tag_sets):
            out.append("%r" % ", ".join(sorted(tag_set)))
        return
    if args.list_ops:
        tags = _sanitize_nonempty_str_list(args.tag_set.split(","), "tag_set")
        out.append(_ops_line(_get_meta_graph_def(saved_model, ",".join(tags))))
    if args.signature_def is None:
        meta_graph_def = _get_meta_graph_def(saved_model, args.tag_set)
        out.append("The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:")
        for key in sorted(meta_graph_def.signature_def.keys()):
            out.append('SignatureDef key: "%s"' % key)
    else:
        tags = _sanitize_nonempty_str_list(args.tag_set.split(","), "tag_set")
        meta_graph_def = _get_meta_graph_def(saved_model, ",".join(tags))
        _show_inputs_outputs_mgd(meta_graph_def, args.signature_def, 0, out)


# ---------------------------------------------------------------------------------------------------------
# scan

def _get_op_denylist_set(op_denylist):
    return {op.strip() for op in op_denylist.split(",") if op and op.strip()}


def _scan_meta_graph_def(meta_graph_def, op_denylist, out):
    ops_in_metagraph = set(_ops_used_by_graph_def(meta_graph_def.graph_def))
    denylisted_ops = op_denylist & ops_in_metagraph
    if denylisted_ops:
        out.append("MetaGraph with tag set %s contains the following denylisted ops: %s"
                   % (_tags_repr(meta_graph_def), denylisted_ops))
    else:
        out.append("MetaGraph with tag set %s does not contain the default denylisted ops: %s"
                   % (_tags_repr(meta_graph_def), op_denylist))


def _scan(args, out):
    denylist = _get_op_denylist_set(args.op_denylist) if args.op_denylist else _OP_DENYLIST
    saved_model = read_saved_model(args.dir)
    if args.tag_set:
        tags = ",".join(_sanitize_nonempty_str_list(args.tag_set.split(","), "tag_set"))
        _scan_meta_graph_def(_get_meta_graph_def(saved_model, tags), denylist, out)
    else:
        for meta_graph_def in saved_model.meta_graphs:
            _scan_meta_graph_def(meta_graph_def, denylist, out)


# ---------------------------------------------------------------------------------------------------------
# --input_exprs: tagraph's own evaluator. Nothing is passed to eval(), nothing is imported or looked up by
# name: the only callables are the entries of ALLOWED_NUMPY_CALLS, the only values are literals.

# Each entry: the stub whose signature the call's arguments must bind to, documented by its parameters.
def _s_array(object, dtype=None, ndmin=0): pass                       # noqa: E704,A002
def _s_shape(shape, dtype=None): pass                                  # noqa: E704
def _s_like(a, dtype=None): pass                                       # noqa: E704
def _s_full(shape, fill_value, dtype=None): pass                       # noqa: E704
def _s_full_like(a, fill_value, dtype=None): pass                      # noqa: E704
def _s_arange(start, stop=None, step=None, dtype=None): pass           # noqa: E704
def _s_linspace(start, stop, num=50, endpoint=True, dtype=None): pass  # noqa: E704
def _s_eye(N, M=None, k=0, dtype=None): pass                           # noqa: E704,N803
def _s_identity(n, dtype=None): pass                                   # noqa: E704
def _s_reshape(a, newshape): pass                                      # noqa: E704
def _s_dims(*dims): pass                                               # noqa: E704
def _s_randint(low, high=None, size=None, dtype=None): pass            # noqa: E704
def _s_uniform(low=0.0, high=1.0, size=None): pass                     # noqa: E704
def _s_normal(loc=0.0, scale=1.0, size=None): pass                     # noqa: E704
def _s_random(size=None): pass                                         # noqa: E704


ALLOWED_NUMPY_CALLS = {
    "np.array": _s_array, "np.asarray": _s_array,
    "np.zeros": _s_shape, "np.ones": _s_shape,
    "np.zeros_like": _s_like, "np.ones_like": _s_like,
    "np.full": _s_full, "np.full_like": _s_full_like,
    "np.arange": _s_arange, "np.linspace": _s_linspace,
    "np.eye": _s_eye, "np.identity": _s_identity,
    "np.reshape": _s_reshape,
    "np.random.rand": _s_dims, "np.random.randn": _s_dims,
    "np.random.randint": _s_randint, "np.random.uniform": _s_uniform,
    "np.random.normal": _s_normal, "np.random.random": _s_random,
}

# np.<dtype> may be a dtype= argument, or called on a literal (np.float32(1.5)).
_ALLOWED_DTYPES = ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                   "float16", "float32", "float64", "complex64", "complex128", "str_", "bytes_")
_ALLOWED_DTYPE_STRINGS = frozenset(_ALLOWED_DTYPES + ("bool", "str", "bytes", "half", "single", "double",
                                                      "float", "int", "complex"))
_ALLOWED_CONSTANTS = {"np.nan": math.nan, "np.inf": math.inf, "np.pi": math.pi, "np.e": math.e}

_MAX_INT_BITS = 4096
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)

_REFUSED_NODES = {
    ast.Lambda: "a lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression",
    ast.Subscript: "a subscript", ast.Starred: "a starred argument", ast.JoinedStr: "an f-string",
    ast.IfExp: "a conditional expression", ast.Compare: "a comparison", ast.BoolOp: "a boolean operator",
    ast.NamedExpr: "an assignment expression", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class _DType:
    """np.<dtype> as the evaluator sees it: a permitted dtype, not the numpy type object."""

    def __init__(self, name):
        self.name = name


class InputExprError(CliError):
    def __init__(self, message):
        super().__init__(message, "ValueError")


def _short(text, limit=120):
    return text if len(text) <= limit else text[:limit] + "..."


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _ExprEvaluator:
    """Checks (``parse``) then evaluates (``evaluate``) one command's expressions, under one allocation budget."""

    def __init__(self, allow_calls=True, max_elements=MAX_ELEMENTS, max_bytes=MAX_BYTES):
        self.allow_calls = allow_calls
        self.max_elements = max_elements
        self.max_bytes = max_bytes
        self.elements = 0
        self.bytes = 0

    # -- static check: the whole tree, before anything is evaluated ------------------------------------
    def parse(self, text):
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
            raise InputExprError("Expression %r is not a valid expression: %s" % (_short(text), e)) from None
        try:
            self._check(tree.body)
        except RecursionError:
            raise InputExprError("Expression %r is nested too deeply." % _short(text)) from None
        return tree.body

    def _refuse(self, what):
        allowed = ("a Python literal or a call of %s on literals" % ", ".join(ALLOWED_NUMPY_CALLS)
                   if self.allow_calls else "a Python literal")
        raise InputExprError("%s is not allowed in an input expression: an expression may be %s "
                             "(tagraph never evaluates anything else)." % (what, allowed))

    def _check(self, node):
        for sub in ast.walk(node):
            name = getattr(sub, "id", None) or getattr(sub, "attr", None) or getattr(sub, "arg", None)
            if isinstance(name, str) and name.startswith("__"):
                self._refuse("the dunder name %r" % name)
        self._check_node(node)

    def _check_node(self, node):
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis:
                self._refuse("Ellipsis")
            return
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self._check_node(elt)
            return
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if k is None:
                    self._refuse("dict unpacking (**)")
                self._check_node(k)
                self._check_node(v)
            return
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                self._refuse("the operator %s" % type(node.op).__name__)
            self._check_node(node.operand)
            return
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                self._refuse("the operator %s" % type(node.op).__name__)
            self._check_node(node.left)
            self._check_node(node.right)
            return
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if self.allow_calls and dotted is not None and (
                    dotted in _ALLOWED_CONSTANTS or dotted[3:] in _ALLOWED_DTYPES and dotted.startswith("np.")):
                return
            self._refuse("the attribute %s" % (dotted or "access " + repr(node.attr)))
        if isinstance(node, ast.Name):
            self._refuse("the name %r" % node.id)
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if not self.allow_calls:
                self._refuse("a call%s" % (" of " + dotted if dotted else ""))
            if dotted is None:
                self._refuse("a call of something other than np.<function>")
            if dotted not in ALLOWED_NUMPY_CALLS and not (
                    dotted.startswith("np.") and dotted[3:] in _ALLOWED_DTYPES):
                self._refuse("a call of %s" % dotted)
            for arg in node.args:
                self._check_node(arg)
            for kw in node.keywords:
                if kw.arg is None:
                    self._refuse("keyword unpacking (**)")
                self._check_node(kw.value)
            return
        self._refuse(_REFUSED_NODES.get(type(node), "the construct %s" % type(node).__name__))

    # -- evaluation, with every allocation costed before it is made ------------------------------------
    def evaluate(self, node, text):
        try:
            return self._eval(node)
        except InputExprError:
            raise
        except RecursionError:
            raise InputExprError("Expression %r is nested too deeply." % _short(text)) from None
        except (TypeError, ValueError, ArithmeticError, MemoryError) as e:
            raise InputExprError("Expression %r could not be evaluated: %s" % (_short(text), e)) from None

    def _eval(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [self._eval(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self._eval(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return set(self._eval(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return {self._eval(k): self._eval(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand)
            self._need_number(v, type(node.op).__name__)
            return -v if isinstance(node.op, ast.USub) else +v
        if isinstance(node, ast.BinOp):
            return self._binop(node.op, self._eval(node.left), self._eval(node.right))
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted in _ALLOWED_CONSTANTS:
                return _ALLOWED_CONSTANTS[dotted]
            return _DType(dotted[3:])
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            args = [self._eval(a) for a in node.args]
            kwargs = {kw.arg: self._eval(kw.value) for kw in node.keywords}
            return self._call(dotted, args, kwargs)
        raise InputExprError("unexpected %s" % type(node).__name__)  # _check refused it already

    @staticmethod
    def _need_number(v, op):
        if isinstance(v, bool) or not isinstance(v, (int, float, complex)):
            raise InputExprError("the operator %s applies to numbers only, not to %s" % (op, type(v).__name__))

    def _binop(self, op, a, b):
        name = type(op).__name__
        self._need_number(a, name)
        self._need_number(b, name)
        if isinstance(op, ast.Pow) and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0:
            if a.bit_length() * b > _MAX_INT_BITS:
                raise InputExprError("%d ** %d is too large a number" % (a, b))
        if isinstance(op, ast.Mult) and isinstance(a, int) and isinstance(b, int):
            if a.bit_length() + b.bit_length() > _MAX_INT_BITS:
                raise InputExprError("the product is too large a number")
        result = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                  ast.Div: lambda: a / b, ast.FloorDiv: lambda: a // b, ast.Mod: lambda: a % b,
                  ast.Pow: lambda: a ** b}[type(op)]()
        if isinstance(result, int) and result.bit_length() > _MAX_INT_BITS:
            raise InputExprError("the result is too large a number")
        return result

    # costs
    def _charge(self, what, count, itemsize):
        count = int(count)
        nbytes = count * int(itemsize)
        if count > self.max_elements - self.elements or nbytes > self.max_bytes - self.bytes:
            raise InputExprError(
                "%s would allocate %d elements (%d bytes); the input expressions of one command may allocate at "
                "most %d elements and %d bytes in all" % (what, count, nbytes, self.max_elements, self.max_bytes))
        self.elements += count
        self.bytes += nbytes

    @staticmethod
    def _int(v, what):
        import numpy as np
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputExprError("%s must be an integer, not %r" % (what, v))
        return int(v)

    def _shape(self, shape, what="shape"):
        dims = shape if isinstance(shape, (tuple, list)) else (shape,)
        dims = tuple(self._int(d, "each dimension of %s" % what) for d in dims)
        if any(d < 0 for d in dims):
            raise InputExprError("negative dimensions are not allowed: %r" % (shape,))
        if len(dims) > 32:
            raise InputExprError("at most 32 dimensions are allowed: %r" % (shape,))
        return dims

    @staticmethod
    def _dtype(dtype):
        import numpy as np
        if dtype is None:
            return None
        if isinstance(dtype, _DType):
            return np.dtype(getattr(np, dtype.name))
        if isinstance(dtype, str) and dtype in _ALLOWED_DTYPE_STRINGS:
            return np.dtype(dtype)
        raise InputExprError("dtype must be np.<type> or one of %s, not %r"
                             % (", ".join(sorted(_ALLOWED_DTYPE_STRINGS)), dtype))

    def _literal_size(self, obj):
        """Elements in a nested literal (arrays count their size); refuses sets, dicts and other non-arrays."""
        import numpy as np
        if isinstance(obj, np.ndarray):
            return obj.size
        if isinstance(obj, (list, tuple)):
            return sum(self._literal_size(o) for o in obj)
        if isinstance(obj, (dict, set, _DType)) or obj is None:
            raise InputExprError("%r is not an array-like value" % (obj,))
        return 1

    def _call(self, dotted, args, kwargs):
        import inspect
        import numpy as np
        if dotted.startswith("np.") and dotted[3:] in _ALLOWED_DTYPES:  # np.float32(...)
            if "dtype" in kwargs:
                raise InputExprError("%s takes no dtype argument" % dotted)
            stub, kwargs, dotted_fn = _s_array, dict(kwargs, dtype=_DType(dotted[3:])), "np.array"
        else:
            stub, dotted_fn = ALLOWED_NUMPY_CALLS[dotted], dotted
        try:
            bound = inspect.signature(stub).bind(*args, **kwargs)
        except TypeError as e:
            raise InputExprError("bad arguments to %s: %s (allowed: %s%s)"
                                 % (dotted, e, dotted_fn, inspect.signature(stub))) from None
        bound.apply_defaults()
        a = bound.arguments
        dtype = self._dtype(a.get("dtype"))
        def itemsize(default=8):
            if dtype is None:
                return default
            return max(dtype.itemsize, 4 if dtype.kind == "U" else 1)  # np.str_ alone is '<U0', made '<U1'

        fn = dotted_fn.rsplit(".", 1)[1]

        if stub is _s_array:
            ndmin = self._int(a["ndmin"], "ndmin")
            if not 0 <= ndmin <= 32:
                raise InputExprError("ndmin must be between 0 and 32")
            obj = a["object"]
            self._charge(dotted, self._literal_size(obj), itemsize())
            result = np.array(obj, dtype=dtype, ndmin=ndmin)
            if dtype is None and result.dtype == object:
                raise InputExprError("%s gives an object array (ragged or mixed values): %r" % (dotted, obj))
            return result
        if stub is _s_shape:
            shape = self._shape(a["shape"])
            self._charge(dotted, math.prod(shape), itemsize())
            return getattr(np, fn)(shape, dtype=dtype if dtype is not None else float)
        if stub is _s_like:
            like = self._as_array(a["a"], dotted)
            self._charge(dotted, like.size, itemsize(like.dtype.itemsize))
            return getattr(np, fn)(like, dtype=dtype)
        if stub in (_s_full, _s_full_like):
            fill = a["fill_value"]
            fill_arr = self._as_array(fill, dotted)
            if stub is _s_full:
                shape = self._shape(a["shape"])
            else:
                shape = self._as_array(a["a"], dotted).shape
            isz = itemsize(fill_arr.dtype.itemsize)
            self._charge(dotted, math.prod(shape), isz)
            return np.full(shape, fill_arr, dtype=dtype)
        if stub is _s_arange:
            start, stop, step = a["start"], a["stop"], a["step"]
            if stop is None:
                start, stop = 0, start
            if step is None:
                step = 1
            for v in (start, stop, step):
                if isinstance(v, (bool, complex)) or not isinstance(v, (int, float)):
                    raise InputExprError("np.arange takes real numbers, not %r" % (v,))
            if step == 0:
                raise InputExprError("np.arange: the step must not be 0")
            n = (stop - start) / step
            if not math.isfinite(n):
                raise InputExprError("np.arange(%r, %r, %r) has no finite length" % (start, stop, step))
            self._charge(dotted, max(0, math.ceil(n)), itemsize())
            return np.arange(start, stop, step, dtype=dtype)
        if stub is _s_linspace:
            for v in (a["start"], a["stop"]):
                if isinstance(v, bool) or not isinstance(v, (int, float, complex)):
                    raise InputExprError("np.linspace takes numbers for start and stop, not %r" % (v,))
            num = self._int(a["num"], "num")
            if num < 0:
                raise InputExprError("np.linspace: num must not be negative")
            if not isinstance(a["endpoint"], bool):
                raise InputExprError("np.linspace: endpoint must be True or False")
            self._charge(dotted, num, itemsize())
            return np.linspace(a["start"], a["stop"], num=num, endpoint=a["endpoint"], dtype=dtype)
        if stub is _s_eye:
            n = self._int(a["N"], "N")
            m = n if a["M"] is None else self._int(a["M"], "M")
            k = self._int(a["k"], "k")
            self._shape((n, m))
            self._charge(dotted, n * m, itemsize())
            return np.eye(n, m, k, dtype=dtype if dtype is not None else float)
        if stub is _s_identity:
            n = self._shape((self._int(a["n"], "n"),))[0]
            self._charge(dotted, n * n, itemsize())
            return np.identity(n, dtype=dtype if dtype is not None else float)
        if stub is _s_reshape:
            arr = self._as_array(a["a"], dotted)
            newshape = a["newshape"]
            dims = newshape if isinstance(newshape, (tuple, list)) else (newshape,)
            dims = tuple(self._int(d, "each dimension of newshape") for d in dims)
            if len(dims) > 32:
                raise InputExprError("at most 32 dimensions are allowed")
            return np.reshape(arr, dims)  # a view: nothing new is allocated
        if stub is _s_dims:
            shape = self._shape(tuple(a["dims"]), "the dimensions")
            self._charge(dotted, math.prod(shape), 8)
            return getattr(np.random, fn)(*shape)
        size = a["size"]
        shape = () if size is None else self._shape(size, "size")
        if stub is _s_randint:
            self._charge(dotted, math.prod(shape), itemsize())
            for v in (a["low"], a["high"]):
                if v is not None:
                    self._int(v, "np.random.randint's bounds")
            return np.random.randint(a["low"], a["high"], size=size if size is None else shape,
                                     dtype=dtype if dtype is not None else int)
        if stub is _s_random:
            self._charge(dotted, math.prod(shape), 8)
            return np.random.random(size if size is None else shape)
        # uniform / normal: the parameters may be arrays, broadcast against size.
        params = [self._as_array(a[k], dotted) for k in a if k != "size"]
        self._charge(dotted, max([math.prod(shape)] + [p.size for p in params]), 8)
        return getattr(np.random, fn)(*params, size=size if size is None else shape)

    def _as_array(self, v, what):
        import numpy as np
        if isinstance(v, np.ndarray):
            return v
        self._literal_size(v)  # refuses non-array values
        arr = np.asarray(v)
        if arr.dtype == object:
            raise InputExprError("%s: %r is not an array-like value" % (what, v))
        return arr


def evaluate_input_expr(text, allow_calls=True, max_elements=MAX_ELEMENTS, max_bytes=MAX_BYTES):
    """Evaluates one ``--input_exprs`` expression the way ``run`` does (see the module's docstring).

        >>> evaluate_input_expr("np.ones((3, 1))").shape
        (3, 1)
    """
    ev = _ExprEvaluator(allow_calls, max_elements, max_bytes)
    return ev.evaluate(ev.parse(text), text)


# ---------------------------------------------------------------------------------------------------------
# run: argument parsing (nothing is loaded here)

def preprocess_inputs_arg_string(inputs_str):
    """``'x1=a.npy;x2=b.npz[x]'`` -> ``{'x1': ('a.npy', None), 'x2': ('b.npz', 'x')}`` (TensorFlow's rules)."""
    input_dict = {}
    for input_raw in filter(bool, inputs_str.split(";")):
        match = re.match(r"([^=]+)=([^\[\]]+)\[([^\[\]]+)\]$", input_raw)
        if match:
            input_dict[match.group(1)] = match.group(2), match.group(3)
            continue
        match = re.match(r"([^=]+)=([^\[\]]+)$", input_raw)
        if match:
            input_dict[match.group(1)] = match.group(2), None
            continue
        raise CliError('--inputs "%s" format is incorrect. Please follow"<input_key>=<filename>", or'
                       '"<input_key>=<filename>[<variable_name>]"' % input_raw)
    return input_dict


def _split_exprs(exprs_str, flag):
    out = []
    for input_raw in filter(bool, exprs_str.split(";")):
        if "=" not in input_raw:
            raise CliError('%s "%s" format is incorrect. Please follow"<input_key>=<python expression>"'
                           % (flag, exprs_str))
        key, expr = input_raw.split("=", 1)
        out.append((key, expr))
    return out


_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def _input_file_kind(filename):
    """'npy', 'npz' or 'pickle', from the extension; only .npy/.npz names are opened (to check the magic)."""
    lower = filename.lower()
    if not lower.endswith((".npy", ".npz")):
        return "pickle"
    try:
        with open(filename, "rb") as f:
            head = f.read(6)
    except OSError as e:
        raise CliError("Input file %s cannot be read: %s" % (filename, e.strerror or e), "OSError") from None
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _ZIP_MAGICS:
        return "npz"
    return "pickle"


def _refuse_pickle(key, filename, kind_reason):
    return CliError(
        "Input file %s (for input key %s) %s; loading it would unpickle it, and unpickling can run arbitrary "
        "code. tagraph loads .npy and .npz files only, unless --allow_pickle is given for a file you trust."
        % (filename, key, kind_reason), "ValueError")


def _check_input_files(inputs, allow_pickle):
    kinds = {}
    for key, (filename, _) in inputs.items():
        if not allow_pickle and not filename.lower().endswith((".npy", ".npz")):
            # Refused on its name alone: the file is not opened.
            raise _refuse_pickle(key, filename, "is not a .npy or .npz file")
        kind = _input_file_kind(filename)
        if kind == "pickle" and not allow_pickle:
            raise _refuse_pickle(key, filename, "is named like a numpy file but holds neither .npy nor .npz data "
                                 "(a pickle?)")
        kinds[key] = kind
    return kinds


def _load_input_files(inputs, kinds, allow_pickle, warn):
    import numpy as np
    feed = {}
    for key, (filename, variable_name) in inputs.items():
        try:
            data = np.load(filename, allow_pickle=bool(allow_pickle))
            if isinstance(data, np.lib.npyio.NpzFile):
                with data:
                    if variable_name:
                        if variable_name not in data.files:
                            raise CliError('Input file %s does not contain variable with name "%s".'
                                           % (filename, variable_name))
                        feed[key] = data[variable_name]
                    else:
                        if len(data.files) != 1:
                            raise CliError("Input file %s contains more than one ndarrays. Please specify the "
                                           "name of ndarray to use." % filename)
                        feed[key] = data[data.files[0]]
            elif isinstance(data, np.ndarray):
                if variable_name:
                    warn('Input file %s contains a single ndarray. Name key "%s" ignored.'
                         % (filename, variable_name))
                feed[key] = data
            else:  # an unpickled object (--allow_pickle)
                if variable_name:
                    try:
                        feed[key] = data[variable_name]
                    except (KeyError, TypeError, IndexError):
                        raise CliError('Input file %s does not contain variable with name "%s".'
                                       % (filename, variable_name)) from None
                else:
                    feed[key] = data
        except CliError:
            raise
        except ValueError as e:
            if "allow_pickle" in str(e):
                raise _refuse_pickle(key, filename, "holds object arrays (pickled data)") from None
            raise CliError("Input file %s cannot be loaded: %s" % (filename, e), "ValueError") from None
        except OSError as e:
            raise CliError("Input file %s cannot be read: %s" % (filename, e.strerror or e), "OSError") from None
        except Exception as e:  # corrupt zip, truncated .npy, ... : say which file
            raise CliError("Input file %s cannot be loaded: %s: %s" % (filename, type(e).__name__, e),
                           "ValueError") from None
    return feed


def _create_example_string(example_dict):
    """A serialized tf.Example from ``{"feature": [values]}`` (TensorFlow's type inference)."""
    from tagraph.protos import example_pb2
    if not isinstance(example_dict, dict):
        raise CliError("tf.Example must be a dictionary of feature lists, but %r is %s"
                       % (example_dict, type(example_dict)), "ValueError")
    example = example_pb2.Example()
    for feature_name, feature_list in example_dict.items():
        if not isinstance(feature_name, str):
            raise CliError("feature names must be strings, but %r is %s" % (feature_name, type(feature_name)),
                           "ValueError")
        if not isinstance(feature_list, list):
            raise CliError('feature value must be a list, but %s: "%s" is %s'
                           % (feature_name, feature_list, type(feature_list)), "ValueError")
        if not feature_list:
            raise CliError('feature value must be a non-empty list, but %s is empty (its type, float, int or '
                           'str, is taken from its first value)' % feature_name, "ValueError")
        first = feature_list[0]
        feature = example.features.feature[feature_name]
        try:
            if isinstance(first, float):
                feature.float_list.value.extend(feature_list)
            elif isinstance(first, str):
                feature.bytes_list.value.extend([f.encode("utf8") for f in feature_list])
            elif isinstance(first, bytes):
                feature.bytes_list.value.extend(feature_list)
            elif isinstance(first, int):
                feature.int64_list.value.extend(feature_list)
            else:
                raise CliError("Type %s for value %s is not supported for tf.train.Feature."
                               % (type(first), first), "ValueError")
        except (TypeError, ValueError, AttributeError) as e:
            raise CliError("feature %s: the values %r do not all have the type of the first one (%s): %s"
                           % (feature_name, feature_list, type(first).__name__, e), "ValueError") from None
    return example.SerializeToString()


def _safe_output_name(key):
    return (key and key not in (".", "..") and "/" not in key and "\\" not in key and "\0" not in key
            and os.path.basename(key) == key)


def _run(args, out, warn):
    if not args.inputs and not args.input_exprs and not args.input_examples:
        raise CliError("At least one of --inputs, --input_exprs or --input_examples must be required",
                       "AttributeError")
    if args.tf_debug:
        raise CliError("--tf_debug (the TensorFlow Debugger, tfdbg) is not supported in tagraph; run without it "
                       "(tagraph has no interactive debugger session to wrap)", "NotImplementedError")
    # 1. Everything that can be checked without loading anything: flag syntax, the pickle policy (by file
    #    name), and the expressions: all are checked before any is evaluated, and every allocation is costed
    #    before it is made.
    import numpy as np
    inputs = preprocess_inputs_arg_string(args.inputs)
    exprs = _split_exprs(args.input_exprs, "--input_exprs")
    examples = _split_exprs(args.input_examples, "--input_examples")
    expr_eval = _ExprEvaluator(allow_calls=True)
    example_eval = _ExprEvaluator(allow_calls=False)
    parsed_exprs = [(k, e, expr_eval.parse(e)) for k, e in exprs]
    parsed_examples = [(k, e, example_eval.parse(e)) for k, e in examples]
    kinds = _check_input_files(inputs, args.allow_pickle)
    expr_values = {}
    for key, text, node in parsed_exprs:
        expr_values[key] = expr_eval.evaluate(node, text)
    example_values = {}
    for key, text, node in parsed_examples:
        value = example_eval.evaluate(node, text)
        if not isinstance(value, list):
            raise CliError('tf.Example input must be a list of dictionaries, but "%s" is %s'
                           % (value, type(value)), "ValueError")
        example_values[key] = np.array([_create_example_string(ex) for ex in value], dtype=object)

    # 2. The signature (protos only), so that a wrong key fails before inputs are built.
    tags = _sanitize_nonempty_str_list(args.tag_set.split(","), "tag_set")
    saved_model = read_saved_model(args.dir)
    meta_graph_def = _get_meta_graph_def(saved_model, ",".join(tags))
    if args.signature_def not in meta_graph_def.signature_def:
        raise _signature_not_found(meta_graph_def, args.signature_def)
    signature = meta_graph_def.signature_def[args.signature_def]
    for key in list(inputs) + list(expr_values) + list(example_values):
        if key not in signature.inputs:
            raise CliError('"%s" is not a valid input key. Please choose from %s, or use --show option.'
                           % (key, '"' + '", "'.join(sorted(signature.inputs.keys())) + '"'), "ValueError")
    output_keys = sorted(signature.outputs.keys())
    if args.outdir:
        for key in output_keys:
            if not _safe_output_name(key):
                raise CliError("Output key %r is not a plain file name; refusing to write it under --outdir %s"
                               % (key, args.outdir), "ValueError")
            path = os.path.join(args.outdir, key + ".npy")
            if not args.overwrite and os.path.exists(path):
                raise CliError('Output file %s already exists. Add "--overwrite" to overwrite the existing '
                               'output files.' % path)

    # 3. Load the files; --input_exprs overrides --inputs, --input_examples overrides both (TensorFlow's rule).
    feed = _load_input_files(inputs, kinds, args.allow_pickle, warn)
    for key, value in expr_values.items():
        if key in feed:
            warn("input_key %s has been specified with both --inputs and --input_exprs options. Value in "
                 "--input_exprs will be used." % key)
        feed[key] = value
    for key, value in example_values.items():
        if key in feed:
            warn("input_key %s has been specified in multiple options. Value in --input_examples will be used."
                 % key)
        feed[key] = value

    # 4. Run.
    outputs = _run_signature(args.dir, tags, args.signature_def, feed, output_keys, warn, args.verbose)
    if args.outdir:
        for key in output_keys:
            if isinstance(outputs[key], tuple):  # a SparseTensorValue(indices, values, dense_shape)
                raise CliError("Output %s is sparse (indices, values, dense_shape): it cannot be written as one "
                               ".npy file; run without --outdir to print it" % key, "ValueError")
    for key in output_keys:
        output = outputs[key]
        out.append("Result for output key %s:\n%s" % (key, output))
        if args.outdir:
            os.makedirs(args.outdir, exist_ok=True)
            path = os.path.join(args.outdir, key + ".npy")
            if not args.overwrite and os.path.exists(path):
                raise CliError('Output file %s already exists. Add "--overwrite" to overwrite the existing '
                               'output files.' % path)
            _save_npy_atomic(path, output)
            out.append("Output %s is saved to %s" % (key, path))


def _save_npy_atomic(path, array):
    import io
    import numpy as np
    from tagraph.serialization.atomic_file import write_atomic
    array = np.asarray(array)
    buf = io.BytesIO()
    # String outputs are object arrays of bytes, which .npy stores pickled (as TensorFlow's np.save does).
    np.save(buf, array, allow_pickle=array.dtype == object)
    write_atomic(path, buf.getvalue())


def _run_signature(saved_model_dir, tags, signature_key, feed, output_keys, warn, verbose=False):
    """Loads the MetaGraphDef tagged ``tags`` and runs one signature: {input key: value} -> {output key: array}.

    The device follows the tag-set: the graph's own placements are honoured with soft placement, so a
    ``gpu`` tag-set runs on the GPU when there is one, and on the CPU (said on stderr) when there is not.
    """
    from tagraph.engine.framework.config import ConfigProto
    from tagraph.serialization.saved_model.signature_runner import SignatureRunner
    if "gpu" in tags:
        from tagraph.devices import registry
        if not registry.gpu_available():
            warn("the MetaGraphDef tagged %s pins nodes to a GPU, and no GPU is present: running it on the CPU "
                 "with soft placement" % tags)
    with _SoftPlacementSummary(warn, verbose):
        with SignatureRunner(saved_model_dir, tags=tags, config=ConfigProto(allow_soft_placement=True)) as runner:
            return runner.run(feed, signature_key, output_keys)


class _SoftPlacementSummary:
    """Turns the placer's one-line-per-node soft placement warnings into one line (all of them with --verbose)."""

    def __init__(self, warn, verbose=False):
        import logging
        self._warn, self._verbose = warn, verbose
        self._logger = logging.getLogger("tagraph.placement")
        self._records = []
        outer = self

        class _Collect(logging.Handler):
            def emit(self, record):
                outer._records.append(record)

        self._handler = _Collect(logging.WARNING)

    def __enter__(self):
        self._propagate = self._logger.propagate
        self._logger.addHandler(self._handler)
        self._logger.propagate = False
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self._handler)
        self._logger.propagate = self._propagate
        soft = [r for r in self._records if r.getMessage().startswith("Soft placement")]
        for r in self._records:
            if r not in soft or self._verbose:
                self._warn(r.getMessage())
        if soft and not self._verbose:
            targets = sorted({str(r.args[-1]) for r in soft if r.args})
            self._warn("soft placement moved %d node%s off the device%s asked for, onto %s (--verbose lists them)"
                       % (len(soft), "s" if len(soft) > 1 else "", "s" if len(soft) > 1 else "",
                          ", ".join(targets) or "another device"))
        return False


# ---------------------------------------------------------------------------------------------------------
# Command line

_FLAG_HELP = {
    "dir": "Directory containing the SavedModel.",
    "all": "If set, outputs all available information in the given SavedModel.",
    "tag_set": "Comma-separated set of tags that identify variant graphs in the SavedModel.",
    "signature_def": "Specifies a SignatureDef (by key) within the SavedModel to display input(s) and output(s) "
                     "for.",
    "list_ops": "If set, will output ops used by a MetaGraphDef specified by tag_set.",
    "inputs": "Specifies input data files to pass to numpy.load(). Format should be '<input_key>=<filename>' or "
              "'<input_key>=<filename>[<variable_name>]', separated by ';'. File formats are limited to .npy and "
              ".npz (and pickle with --allow_pickle).",
    "input_exprs": "Specifies Python literal expressions or numpy constructor calls. Format should be "
                   "\"<input_key>='<python_expression>'\", separated by ';'. Allowed calls: %s, and "
                   "np.<dtype>(...), on literals; never passed to eval()." % ", ".join(ALLOWED_NUMPY_CALLS),
    "input_examples": "Specifies tf.train.Example objects as inputs. Format should be "
                      "'<input_key>=[{feature0:value_list,feature1:value_list}]', where input keys are separated "
                      "by ';'. Overrides duplicate input keys provided with the --inputs and --input_exprs flags.",
    "outdir": "If specified, writes CLI output to the given directory.",
    "overwrite": "If set, overwrites output file if it already exists.",
    "tf_debug": "The TensorFlow Debugger (tfdbg) is not supported in tagraph; setting this is an error.",
    "allow_pickle": "tagraph's addition: allow --inputs files that are pickles. Unpickling can run arbitrary "
                    "code; only for files you trust.",
    "op_denylist": "If specified, detects and reports the given ops. List of ops should be comma-separated. If "
                   "not specified, the default list of ops is [WriteFile, ReadFile, PrintV2]. To specify an empty "
                   "list, pass in the empty string.",
    "verbose": "tagraph's addition: on an error, print the traceback as well.",
}
_BOOL_FLAGS = ("all", "list_ops", "overwrite", "tf_debug", "allow_pickle", "verbose")
_STR_FLAGS = ("dir", "tag_set", "signature_def", "inputs", "input_exprs", "input_examples", "outdir",
              "op_denylist")
_STR_DEFAULTS = {"inputs": "", "input_exprs": "", "input_examples": ""}
_REQUIRED = {"show": ["dir"], "run": ["dir", "tag_set", "signature_def"], "scan": ["dir"]}

_DESCRIPTIONS = {
    "show": ("Usage examples:\n"
             "To show all tag-sets in a SavedModel:\n"
             "$saved_model_cli show --dir /tmp/saved_model\n\n"
             "To show all available SignatureDef keys in a MetaGraphDef specified by its tag-set:\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve\n\n"
             "For a MetaGraphDef with multiple tags in the tag-set, all tags must be passed in, separated by "
             "';':\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve,gpu\n\n"
             "To show all inputs and outputs TensorInfo for a specific SignatureDef specified by the "
             "SignatureDef key in a MetaGraph.\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve --signature_def serving_default\n\n"
             "To show all ops in a MetaGraph.\n"
             "$saved_model_cli show --dir /tmp/saved_model --tag_set serve --list_ops\n\n"
             "To show all available information in the SavedModel:\n"
             "$saved_model_cli show --dir /tmp/saved_model --all").replace("$saved_model_cli", "$" + PROG),
    "run": ("Usage example:\n"
            "To run input tensors from files through a MetaGraphDef and save the output tensors to files:\n"
            "$saved_model_cli run --dir /tmp/saved_model --tag_set serve \\\n"
            "   --signature_def serving_default \\\n"
            "   --inputs 'input1_key=/tmp/124.npz[x];input2_key=/tmp/123.npy' \\\n"
            "   --input_exprs 'input3_key=np.ones(2)' \\\n"
            "   --input_examples 'input4_key=[{\"id\":[26],\"weights\":[0.5, 0.5]}]' \\\n"
            "   --outdir=/out\n").replace("$saved_model_cli", "$" + PROG),
    "scan": ("Usage example:\n"
             "To scan for default denylisted ops in SavedModel:\n"
             "$saved_model_cli scan --dir /tmp/saved_model\n"
             "To scan for a specific set of ops in SavedModel:\n"
             "$saved_model_cli scan --dir /tmp/saved_model --op_denylist OpName,OpName,OpName\n"
             "To scan a specific MetaGraph, pass in --tag_set\n").replace("$saved_model_cli", "$" + PROG),
}
_UNSUPPORTED = {
    "convert": "TensorRT conversion",
    "freeze_model": "freezing for XLA ahead-of-time compilation",
    "aot_compile_cpu": "XLA ahead-of-time compilation",
}


def _add_flags(parser):
    # Flags go before or after the command, as absl's do; SUPPRESS keeps a subcommand's parser from
    # overwriting a value given before the command.
    for name in _STR_FLAGS:
        parser.add_argument("--" + name, default=argparse.SUPPRESS, help=_FLAG_HELP[name])
    for name in _BOOL_FLAGS:
        parser.add_argument("--" + name, action="store_true", default=argparse.SUPPRESS, help=_FLAG_HELP[name])
        parser.add_argument("--no" + name, dest=name, action="store_false", default=argparse.SUPPRESS,
                            help=argparse.SUPPRESS)


def create_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, description="saved_model_cli: Command-line interface for SavedModel (tagraph)")
    parser.add_argument("-v", "--version", action="version", version="0.1.0")
    _add_flags(parser)
    subparsers = parser.add_subparsers(title="commands", description="valid commands", help="additional help",
                                       dest="command")
    for name in ("show", "run", "scan"):
        sub = subparsers.add_parser(name, description=_DESCRIPTIONS[name],
                                    formatter_class=argparse.RawTextHelpFormatter)
        _add_flags(sub)
    for name, what in _UNSUPPORTED.items():
        subparsers.add_parser(name, description="Not supported in tagraph (%s)." % what)
    return parser, subparsers


def main(argv=None):
    """Runs the CLI on ``argv`` (``sys.argv[1:]`` when None); returns the exit status (0 on success).

        >>> main(["show", "--dir", "/tmp/saved_model", "--tag_set", "serve"])   # prints the signature keys
        0
    """
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:  # --help, --version, usage errors: argparse has printed them
        return e.code


def _main(argv):
    parser, subparsers = create_parser()
    if not argv:
        parser.error("Too few arguments.")
    args, unknown = parser.parse_known_args(argv)
    if unknown and getattr(args, "command", None) not in _UNSUPPORTED:
        parser.error("unrecognized arguments: %s" % " ".join(unknown))
    for name in _STR_FLAGS:
        if not hasattr(args, name):
            setattr(args, name, _STR_DEFAULTS.get(name))
    for name in _BOOL_FLAGS:
        if not hasattr(args, name):
            setattr(args, name, False)
    if args.command is None:
        parser.error("Too few arguments.")
    if args.command in _UNSUPPORTED:
        print("%s: error: the %s command (%s) is not supported in tagraph." %
              (PROG, args.command, _UNSUPPORTED[args.command]), file=sys.stderr)
        return 2
    for name in _REQUIRED[args.command]:
        if getattr(args, name) is None:
            subparsers.choices[args.command].error(
                "flag --%s=None: Flag --%s must have a value other than None." % (name, name))

    out = _Out()

    def warn(msg):
        print("%s: warning: %s" % (PROG, msg), file=sys.stderr)

    status = 0
    try:
        if args.command == "show":
            _show(args, out)
        elif args.command == "scan":
            _scan(args, out)
        else:
            _run(args, out, warn)
    except Exception as e:  # noqa: BLE001 - every error becomes one line (the traceback with --verbose)
        if args.verbose:
            import traceback
            traceback.print_exc()
        name = e.name if isinstance(e, CliError) else type(e).__name__
        message = " ".join(str(e).split()) if "\n" in str(e) else str(e)
        status = 1
        _flush(out)
        print("%s: %s" % (name, message), file=sys.stderr)
        return status
    _flush(out)
    return status


class _Out(list):
    """What a command prints, kept until it ends: ``append(line)`` prints a line, ``raw(text)`` prints text."""

    def append(self, line):
        super().append(line + "\n")

    def raw(self, text):
        super().append(text)


def _flush(out):
    if out:
        sys.stdout.write("".join(out))
        out.clear()
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
