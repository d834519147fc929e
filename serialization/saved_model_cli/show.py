"""``saved_model_cli show``: tag-sets, SignatureDefs, ops and TensorFlow 2 functions, printed as TensorFlow
prints them."""
import collections

from tagraph.protos import types_pb2
from tagraph.serialization.saved_model_cli.reader import (_get_meta_graph_def, _ops_used_by_graph_def,
                                                          _sanitize_nonempty_str_list, _signature_not_found,
                                                          _tags_repr, read_saved_model)

__all__ = ["show"]


_DTYPE_NAMES = None


def _dtype_name(enum):
    global _DTYPE_NAMES
    if _DTYPE_NAMES is None:
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


def show(args, out):
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
