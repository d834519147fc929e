"""An Operation's NodeDef and a Graph's GraphDef, in TensorFlow's encoding (export only; import is in
graph_io). Below the graph module: it reads the objects it is given and imports none of their classes."""
from tagraph.protos import graph_pb2, node_def_pb2

__all__ = ["node_def_of", "graph_to_graph_def", "strip_defaults"]


def _input_name(t):
    return t.op.name if t.value_index == 0 else "%s:%d" % (t.op.name, t.value_index)


def node_def_of(op, clear_devices=False):
    nd = node_def_pb2.NodeDef(name=op.name, op=op.type)
    if op._original_input_names is not None:
        nd.input.extend(op._original_input_names)
    else:
        nd.input.extend(_input_name(t) for t in op._inputs)
        nd.input.extend("^" + c.name for c in op._control_inputs)
    if op.device and not clear_devices:
        nd.device = op.device
    for k in op._attrs:
        nd.attr[k].CopyFrom(op._attrs[k])
    return nd


def graph_to_graph_def(graph, add_shapes=False, clear_devices=False, strip_default_attrs=False):
    """The GraphDef of ``graph``: NodeDefs in creation order, ``versions.producer`` set."""
    gd = graph_pb2.GraphDef()
    for op in graph._ops:
        nd = gd.node.add()
        nd.CopyFrom(node_def_of(op, clear_devices))
        if strip_default_attrs:
            strip_defaults(nd, op._op_def)
        if add_shapes and op._outputs:
            shapes = nd.attr["_output_shapes"].list.shape
            for t in op._outputs:
                shapes.add().CopyFrom(t.shape.as_proto())
    gd.versions.CopyFrom(graph.graph_def_versions)
    if graph._library is not None:
        gd.library.CopyFrom(graph._library)
    return gd


def strip_defaults(node_def, op_def):
    """Removes attributes whose value equals the OpDef's default (TensorFlow's strip_default_attrs)."""
    for a in op_def.attr:
        if a.HasField("default_value") and a.name in node_def.attr and \
                node_def.attr[a.name].SerializeToString(deterministic=True) == \
                a.default_value.SerializeToString(deterministic=True):
            del node_def.attr[a.name]
