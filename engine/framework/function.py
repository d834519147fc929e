"""Functions: a graph's FunctionDefLibrary, and a FunctionDef's body as a graph of its own.

TensorFlow 2 keeps a SavedModel's computation in the MetaGraphDef's function library: the graph calls a
function with ``PartitionedCall``/``StatefulPartitionedCall`` (attr ``f``), and ``If``/``While``/``Case``
name their branches and bodies by function. A graph keeps the library it was imported with, unchanged, so
that it exports back as it came. To run a function, its FunctionDef is instantiated as a body: a Graph of
its own whose inputs are Placeholders (one per input argument) and whose outputs are the tensors its
``ret`` names. The runtime compiles a body through the plan compiler like any graph.

    body = instantiate(graph.function_library(), "__inference_call_70")
    body.graph, body.inputs, body.outputs, body.targets

A FunctionDef names a node's outputs by output argument (``"MatMul:product:0"``, ``"split:output:1"``),
where a GraphDef counts them (``"split:1"``); the conversion goes through each node's OpDef, or through the
signature of the function a node calls by name.
"""
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import Graph
from tagraph.engine.framework.graph_io import _import
from tagraph.engine.framework.op_builder import get_op_def, op_defs
from tagraph.protos import attr_value_pb2, graph_pb2

__all__ = ["FunctionLibrary", "FunctionBody", "instantiate", "CALL_OPS"]

# Ops that call a function named in their attributes, and the attributes naming it.
CALL_OPS = {"PartitionedCall": ("f",), "StatefulPartitionedCall": ("f",), "If": ("then_branch", "else_branch"),
            "StatelessIf": ("then_branch", "else_branch"), "While": ("cond", "body"),
            "StatelessWhile": ("cond", "body"), "Case": ("branches",), "StatelessCase": ("branches",)}


class FunctionLibrary:
    """The FunctionDefs of a graph, by name (the library proto itself is kept as it came)."""

    def __init__(self, library_proto=None):
        self.proto = library_proto
        self._defs = {f.signature.name: f for f in library_proto.function} if library_proto is not None else {}

    def __contains__(self, name):
        return name in self._defs

    def __len__(self):
        return len(self._defs)

    def get(self, name):
        """The FunctionDef called ``name``; NotFoundError naming it when the library has none."""
        fdef = self._defs.get(name)
        if fdef is None:
            raise errors.NotFoundError(None, None, "Function '%s' is not in the graph's function library (it has "
                                       "%d functions)" % (name, len(self._defs)))
        return fdef

    def callees(self, fdef):
        """The library functions ``fdef``'s nodes call, by attribute or by op type."""
        out = []
        for nd in fdef.node_def:
            if nd.op in self._defs:
                out.append(nd.op)
            for attr in CALL_OPS.get(nd.op, ()):
                av = nd.attr.get(attr)
                if av is not None:
                    out.extend([av.func.name] if av.HasField("func") else [f.name for f in av.list.func])
        return out

    def check_not_recursive(self, name):
        """InvalidArgumentError when ``name`` calls itself, directly or through others (TensorFlow refuses
        to instantiate such a function)."""
        path, done = [], set()

        def visit(n):
            if n in done:
                return
            if n in path:
                cycle = path[path.index(n):] + [n]
                raise errors.InvalidArgumentError(None, None, "Function '%s' is recursive: %s. A function body "
                                                  "cannot call itself." % (n, " -> ".join(cycle)))
            path.append(n)
            for callee in self.callees(self.get(n)):
                if callee in self._defs:
                    visit(callee)
            path.pop()
            done.add(n)
        visit(name)


class FunctionBody:
    """An instantiated function: its graph, input placeholders, output tensors, and the ops that must run
    even though no output needs them (its control outputs and stateful ops, as TensorFlow runs them)."""

    def __init__(self, name, signature, graph, inputs, outputs, targets):
        self.name = name
        self.signature = signature
        self.graph = graph
        self.inputs = inputs
        self.outputs = outputs
        self.targets = targets


def instantiate(library, name, call_attrs=None):
    """The body of ``library``'s function ``name``, with ``call_attrs`` filling attribute placeholders."""
    fdef = library.get(name)
    library.check_not_recursive(name)
    call_attrs = call_attrs or {}
    sig = fdef.signature
    graph_def = graph_pb2.GraphDef()
    node_names = {nd.name for nd in fdef.node_def}
    arg_nodes = {}
    for arg in sig.input_arg:
        if arg.number_attr or arg.type_list_attr:
            raise errors.UnimplementedError(None, None, "Function '%s': list input argument '%s' is not supported "
                                            "yet" % (name, arg.name))
        node = graph_def.node.add(name=_fresh("arg_" + arg.name, node_names), op="Placeholder")
        node.attr["dtype"].type = arg.type or _attr(call_attrs, arg.type_attr, name, arg.name).type
        arg_nodes[arg.name] = node.name
    outputs_of = _output_ranges(library, fdef, call_attrs, name)
    for nd in fdef.node_def:
        node = graph_def.node.add()
        node.CopyFrom(nd)
        if nd.op in library:
            _as_call(node, library.get(nd.op))
        for key in list(node.attr):
            if node.attr[key].placeholder:
                node.attr[key].CopyFrom(_attr(call_attrs, node.attr[key].placeholder, name, nd.name))
        del node.input[:]
        node.input.extend(_graph_ref(r, arg_nodes, outputs_of, name, nd.name) for r in nd.input)
    body = Graph()
    body._library = library.proto
    try:
        _import(body, graph_def, {}, None, "")
    except (ValueError, TypeError) as e:
        raise errors.InvalidArgumentError(None, None, "Function '%s': %s" % (name, e)) from None
    except errors.OpError as e:
        raise type(e)(None, None, "Function '%s': %s" % (name, e.message)) from None
    inputs = [body.get_operation_by_name(arg_nodes[a.name]).outputs[0] for a in sig.input_arg]
    outputs = []
    for arg in sig.output_arg:
        if arg.name not in fdef.ret:
            raise errors.InvalidArgumentError(None, None, "Function '%s' has no ret for its output '%s'"
                                              % (name, arg.name))
        ref = _graph_ref(fdef.ret[arg.name], arg_nodes, outputs_of, name, "ret " + arg.name)
        out = body.get_tensor_by_name(ref if ":" in ref else ref + ":0")
        want = arg.type or _attr(call_attrs, arg.type_attr, name, arg.name).type
        if out.dtype.as_datatype_enum != want:
            raise errors.InvalidArgumentError(None, None, "Function '%s': output '%s' is %s, its signature says %s"
                                              % (name, arg.name, out.dtype.name, dtypes.as_dtype(want).name))
        outputs.append(out)
    control = {fdef.control_ret[c] for c in sig.control_output if c in fdef.control_ret}
    targets = [op for op in body.get_operations()
               if op.name in control or (op.op_def.is_stateful and op.type != "Placeholder")]
    return FunctionBody(name, sig, body, inputs, outputs, targets)


def _fresh(name, taken):
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _attr(call_attrs, key, fname, where):
    av = call_attrs.get(key)
    if av is None:
        raise errors.InvalidArgumentError(None, None, "Function '%s' (%s): attr '%s' is a placeholder the call "
                                          "does not give" % (fname, where, key))
    return av


def _as_call(node, fdef):
    """A node calling a library function by its name as op type becomes the PartitionedCall TensorFlow
    lowers it to, with the function's signature as its types."""
    fname = node.op
    node.op = "StatefulPartitionedCall" if fdef.signature.is_stateful else "PartitionedCall"
    node.attr["f"].func.name = fname
    node.attr["Tin"].list.type.extend(a.type for a in fdef.signature.input_arg)
    node.attr["Tout"].list.type.extend(a.type for a in fdef.signature.output_arg)


def _output_ranges(library, fdef, call_attrs, fname):
    """node name -> {output argument name: first flat output index} for every node of ``fdef``."""
    ranges = {}
    for nd in fdef.node_def:
        if nd.op in library:
            args = [(a.name, 1) for a in library.get(nd.op).signature.output_arg]
        else:
            if nd.op not in op_defs():
                raise errors.NotFoundError(None, None, "Function '%s', node '%s': op type not registered '%s' in "
                                           "binary running tagraph" % (fname, nd.name, nd.op))
            args = [(a.name, _count(a, nd, call_attrs)) for a in get_op_def(nd.op).output_arg]
        start, table = 0, {}
        for arg_name, n in args:
            table[arg_name] = (start, n)
            start += n
        ranges[nd.name] = table
    return ranges


def _count(arg, nd, call_attrs):
    def value(key):
        av = nd.attr.get(key)
        if av is not None and av.placeholder:
            av = call_attrs.get(av.placeholder)
        return av if av is not None else attr_value_pb2.AttrValue()
    if arg.number_attr:
        return value(arg.number_attr).i
    if arg.type_list_attr:
        return len(value(arg.type_list_attr).list.type)
    return 1


def _graph_ref(ref, arg_nodes, outputs_of, fname, where):
    """A FunctionDef input reference as a GraphDef one: ``^node``, ``arg``, ``node:out_arg:i`` -> ``node:k``."""
    if ref.startswith("^"):
        return ref
    parts = ref.split(":")
    if len(parts) == 1:
        if ref in arg_nodes:
            return arg_nodes[ref]
        raise errors.InvalidArgumentError(None, None, "Function '%s', %s: input '%s' is neither an argument of the "
                                          "function nor a node output" % (fname, where, ref))
    node = parts[0]
    table = outputs_of.get(node)
    if table is None or len(parts) != 3 or parts[1] not in table or not parts[2].isdigit():
        raise errors.InvalidArgumentError(None, None, "Function '%s', %s: input '%s' names no output of a node of "
                                          "the function" % (fname, where, ref))
    start, n = table[parts[1]]
    i = int(parts[2])
    if i >= n:
        raise errors.InvalidArgumentError(None, None, "Function '%s', %s: input '%s' asks for output %d of '%s', "
                                          "which has %d" % (fname, where, ref, i, parts[1], n))
    return "%s:%d" % (node, start + i)
