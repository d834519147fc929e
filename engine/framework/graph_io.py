"""GraphDef export and import, in TensorFlow's encoding.

    graph_def = tg.get_default_graph().as_graph_def()
    with tg.Graph().as_default():
        y, = tg.import_graph_def(graph_def, input_map={"x:0": x2}, return_elements=["y:0"], name="")
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import Operation, Tensor, get_default_graph
from tagraph.engine.framework.op_builder import get_op_def, op_defs, output_types, validate_attrs, infer_shapes
from tagraph.engine.framework.tensor_shape import TensorShape

__all__ = ["import_graph_def"]


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None, op_dict=None,
                     producer_op_list=None):
    """Imports a GraphDef into the default graph, under the name scope ``name`` ("import" by default).

    ``input_map`` maps tensor names of ``graph_def`` to tensors of this graph that replace them;
    ``return_elements`` names the ops or tensors to return.
    """
    graph = get_default_graph()
    return _import(graph, graph_def, input_map or {}, return_elements, name)


def _import(graph, graph_def, input_map, return_elements, name, clear_devices=False):
    if name is None:
        name = "import"
    prefix = ""
    if name:
        with graph.name_scope(name) as scope:
            prefix = scope
    input_map = {(k if ":" in k or k.startswith("^") else k + ":0"): v for k, v in input_map.items()}
    for k, v in input_map.items():
        if not isinstance(v, Tensor):
            raise TypeError("input_map must map names to Tensors, got %r for %r" % (v, k))
    nodes = {}
    for nd in graph_def.node:
        if nd.name in nodes:
            raise ValueError("GraphDef has two nodes named '%s'" % nd.name)
        nodes[nd.name] = nd
    # A node may call a function of the library by its name as op type (TensorFlow 1's Defun): the
    # function's signature is its OpDef.
    functions = {f.signature.name: f.signature for f in graph_def.library.function}
    if graph._library is not None:
        functions.update((f.signature.name, f.signature) for f in graph._library.function)
    unknown_ops = sorted({nd.op for nd in graph_def.node if nd.op not in op_defs() and nd.op not in functions})
    if unknown_ops:
        raise errors.NotFoundError(None, None, "Op type not registered '%s' in binary running tagraph; the "
                                   "GraphDef uses ops tagraph does not know: %s"
                                   % (unknown_ops[0], ", ".join(unknown_ops)))

    created = {}
    used_inputs = set()

    def resolve(ref, consumer):
        if ref.startswith("^"):
            src = ref[1:]
            if src not in created:
                raise ValueError("Node '%s': control input '%s' not found in the GraphDef" % (consumer, src))
            return created[src]
        src, _, idx = ref.partition(":")
        key = "%s:%s" % (src, idx or "0")
        if key in input_map:
            used_inputs.add(key)
            return input_map[key]
        if src not in created:
            raise ValueError("Node '%s': input '%s' not found in the GraphDef" % (consumer, ref))
        op = created[src]
        i = int(idx or 0)
        if i >= len(op._outputs):
            raise ValueError("Node '%s': input '%s' names output %d of an op with %d outputs"
                             % (consumer, ref, i, len(op._outputs)))
        return op._outputs[i]

    order = _topological_order(graph_def, nodes)
    back_edges = []     # (Merge NodeDef, input indices, data inputs): loop back edges wired last
    with graph._lock:
        for nd in order:
            op_def = functions[nd.op] if nd.op in functions and nd.op not in op_defs() else get_op_def(nd.op)
            attrs = {}
            for k in nd.attr:
                attrs[k] = type(nd.attr[k])()
                attrs[k].CopyFrom(nd.attr[k])
            for a in op_def.attr:
                if a.name not in attrs:
                    if not a.HasField("default_value"):
                        raise errors.InvalidArgumentError(
                            None, None, "NodeDef '%s' (%s) is missing attr '%s' of type %s, which has no default"
                            % (nd.name, nd.op, a.name, a.type))
                    attrs[a.name] = type(a.default_value)()
                    attrs[a.name].CopyFrom(a.default_value)
            validate_attrs(op_def, attrs, nd.name)
            data_inputs = [r for r in nd.input if not r.startswith("^")]
            controls = [r for r in nd.input if r.startswith("^")]
            if nd.op in _LOOP_MERGES:
                # Control flow: a while loop's Merge takes its back edge from a NextIteration made after
                # it. The edge is wired once that exists; until then another input stands in for it.
                back = [k for k, r in enumerate(data_inputs) if _is_back_edge(r, nodes, created)]
                inputs = [None if k in back else resolve(r, nd.name) for k, r in enumerate(data_inputs)]
                if back:
                    stand_in = next((t for t in inputs if t is not None), None)
                    if stand_in is None:
                        raise errors.InvalidArgumentError(None, None, "Merge node '%s' has only NextIteration "
                                                          "inputs: a loop needs an Enter into it" % nd.name)
                    inputs = [stand_in if t is None else t for t in inputs]
                    back_edges.append((nd, back, data_inputs))
            else:
                inputs = [resolve(r, nd.name) for r in data_inputs]
            expected = _count_inputs(op_def, attrs)
            if len(inputs) != expected:
                raise errors.InvalidArgumentError(
                    None, None, "NodeDef '%s' (%s) has %d inputs, its OpDef expects %d"
                    % (nd.name, nd.op, len(inputs), expected))
            for t in inputs:
                if t.graph is not graph:
                    raise ValueError("input_map tensor %s is not in the importing graph" % t.name)
            op_name = prefix + nd.name
            if op_name in graph._ops_by_name:
                raise ValueError("Node name '%s' is already in use in the importing graph" % op_name)
            try:
                outs = output_types(op_def, attrs)
            except (KeyError, TypeError) as e:
                raise errors.InvalidArgumentError(None, None, "NodeDef '%s': cannot determine output types: %s"
                                                  % (nd.name, e)) from None
            if "_class" in attrs and prefix:
                cls = attrs["_class"].list.s
                for i, s in enumerate(list(cls)):
                    if s.startswith(b"loc:@"):
                        cls[i] = b"loc:@" + prefix.encode() + s[5:]
            op = Operation(graph, op_name, nd.op, inputs, outs, attrs, op_def,
                           control_inputs=[resolve(c, nd.name) for c in controls])
            _check_input_types(op, op_def, attrs)
            op._device = "" if clear_devices else nd.device
            graph._add_op(op)
            graph._names_in_use[op_name.lower()] = 1
            created[nd.name] = op
            try:
                infer_shapes(op)
            except ValueError as e:
                raise ValueError("Importing node '%s': %s" % (nd.name, e)) from None
            if back_edges and back_edges[-1][0] is nd:
                # What comes round the loop is not known yet: the Merge's shape is not either.
                op._outputs[0]._shape = TensorShape(None)
        for nd, back, data_inputs in back_edges:
            op = created[nd.name]
            for k in back:
                t = resolve(data_inputs[k], nd.name)
                old = op._inputs[k]
                op._inputs[k] = t
                old._consumers.remove(op)
                t._consumers.append(op)
            _check_input_types(op, op._op_def, op._attrs)
    missing = set(input_map) - used_inputs
    if missing:
        raise ValueError("Attempted to map inputs that were not found in graph_def: [%s]"
                         % ", ".join(sorted(missing)))
    if graph_def.HasField("library") and graph_def.library.ByteSize():
        graph._library = graph_def.library
    if return_elements is None:
        return None
    out = []
    for r in return_elements:
        if ":" in r:
            src, _, idx = r.partition(":")
            if src not in created:
                raise ValueError("Requested return_element %r not found in graph_def." % r)
            out.append(created[src]._outputs[int(idx)])
        else:
            if r not in created:
                raise ValueError("Requested return_element %r not found in graph_def." % r)
            out.append(created[r])
    return out


def _count_inputs(op_def, attrs):
    n = 0
    for arg in op_def.input_arg:
        if arg.number_attr:
            n += attrs[arg.number_attr].i
        elif arg.type_list_attr:
            n += len(attrs[arg.type_list_attr].list.type)
        else:
            n += 1
    return n


def _check_input_types(op, op_def, attrs):
    i = 0
    for arg in op_def.input_arg:
        if arg.number_attr:
            n = attrs[arg.number_attr].i
            types = [arg.type or attrs[arg.type_attr].type] * n if (arg.type or arg.type_attr) else []
        elif arg.type_list_attr:
            types = list(attrs[arg.type_list_attr].list.type)
        else:
            types = [arg.type or attrs[arg.type_attr].type]
        for want in types:
            got = op._inputs[i].dtype
            expected = dtypes.as_dtype(want).base_dtype
            # A ref input (Assign's `ref`) must be a ref tensor: a kernel writes through it.
            if got.base_dtype != expected or (arg.is_ref and not got.name.endswith("_ref")):
                raise errors.InvalidArgumentError(
                    None, None, "Input %d of node %s (%s) was passed %s from %s incompatible with expected %s."
                    % (i, op.name, op.type, got.name, op._inputs[i].name,
                       expected.name + ("_ref" if arg.is_ref else "")))
            i += 1


# Control flow: a while loop's back edge, NextIteration -> Merge, is the one cycle a GraphDef may have.
_LOOP_MERGES = frozenset(["Merge", "RefMerge"])
_NEXT_ITERATIONS = frozenset(["NextIteration", "RefNextIteration"])


def _is_back_edge(ref, nodes, created):
    src = ref.partition(":")[0]
    return src in nodes and src not in created and nodes[src].op in _NEXT_ITERATIONS


def _topological_order(graph_def, nodes):
    deps = {}
    for nd in graph_def.node:
        d = set()
        for r in nd.input:
            src = r[1:] if r.startswith("^") else r.partition(":")[0]
            if nd.op in _LOOP_MERGES and not r.startswith("^") and src in nodes \
                    and nodes[src].op in _NEXT_ITERATIONS:
                continue    # a loop's back edge
            d.add(src)
        deps[nd.name] = d
    order = []
    state = {}
    for start in nodes:
        if start in state:
            continue
        stack = [(start, False)]
        while stack:
            n, done = stack.pop()
            if done:
                state[n] = 2
                order.append(nodes[n])
                continue
            if state.get(n) == 2:
                continue
            if state.get(n) == 1:
                continue
            state[n] = 1
            stack.append((n, True))
            for d in deps[n]:
                if d not in nodes:
                    continue  # an input_map key or a missing input; resolve() reports it
                if state.get(d) == 1:
                    raise errors.InvalidArgumentError(
                        None, None, "GraphDef has a cycle through nodes '%s' and '%s'" % (n, d))
                if d not in state:
                    stack.append((d, False))
    return order
