"""``tf.graph_util``: freezing a trained graph and other GraphDef utilities, as TensorFlow 1 does them.

    frozen = tg.graph_util.convert_variables_to_constants(sess, sess.graph.as_graph_def(), ["probs"])
    tagraph.serialization.write_graph(frozen, "/tmp/export", "frozen.pb", as_text=False)

Freezing follows TensorFlow's own (convert_to_constants.py, the session path): the GraphDef is first cut to
what ``output_node_names`` need (``extract_sub_graph``), each variable that remains and is allowed becomes a
Const holding its value in ``sess`` (a reference variable's ``VariableV2``, a resource variable's
``VarHandleOp``), and the nodes reading it are adjusted: a ``ReadVariableOp`` becomes an ``Identity`` of the
Const, ``ResourceGather`` a ``GatherV2``, and the ``T`` of pass-through nodes (Identity, Switch, Enter, ...)
takes the variable's type. Node order, names and every other attribute stay as they were.
"""
import copy
import re

import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.protos import graph_pb2, node_def_pb2

__all__ = ["convert_variables_to_constants", "extract_sub_graph", "remove_training_nodes", "must_run_on_cpu",
           "tensor_shape_from_node_def_name"]

_VARIABLE_OPS = {"Assign", "AssignAdd", "AssignSub", "Queue", "ScatterAdd", "ScatterSub", "ScatterUpdate",
                 "TruncatedNormal", "Variable", "VariableV2"}
# Nodes whose output is their (first) input: a converted variable changes their "T" and flows on.
_PASS_THROUGH = {"Enter", "Exit", "Identity", "NextIteration", "Switch", "_SwitchN"}


def must_run_on_cpu(node, pin_variables_on_cpu=False):
    """Whether ``node`` (an Operation or a NodeDef) must run on the CPU: int32 and string constants, int32
    stitches and casts, and with ``pin_variables_on_cpu`` the variable ops."""
    node_def = node if isinstance(node, node_def_pb2.NodeDef) else node.node_def
    if pin_variables_on_cpu and node_def.op in _VARIABLE_OPS:
        return True
    if node_def.op == "Const":
        return node_def.attr["dtype"].type in (dtypes.string.as_datatype_enum, dtypes.int32.as_datatype_enum)
    if node_def.op in ("DynamicStitch", "ParallelDynamicStitch"):
        return node_def.attr["T"].type == dtypes.int32.as_datatype_enum
    if node_def.op == "Cast":
        return node_def.attr["SrcT"].type == dtypes.int32.as_datatype_enum
    return False


def _node_name(n):
    return n[1:] if n.startswith("^") else n.split(":")[0]


def _colocated(node):
    names = []
    if "_class" in node.attr:
        for s in node.attr["_class"].list.s:
            s = s.decode("utf-8")
            names.append(s[5:] if s.startswith("loc:@") else s)
    return names


def extract_sub_graph(graph_def, dest_nodes):
    """The nodes of ``graph_def`` that ``dest_nodes`` need (inputs, control inputs and colocations), in the
    GraphDef's order, with its library and versions.

        sub = tg.graph_util.extract_sub_graph(graph_def, ["probs"])
    """
    if not isinstance(graph_def, graph_pb2.GraphDef):
        raise TypeError("graph_def must be a graph_pb2.GraphDef proto, but got type %s." % type(graph_def))
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be an iterable of strings, but got type %s." % type(dest_nodes))
    inputs, by_name, order = {}, {}, {}
    for seq, node in enumerate(graph_def.node):
        n = _node_name(node.name)
        by_name[n] = node
        inputs[n] = [_node_name(x) for x in node.input] + _colocated(node)
        order[n] = seq
    for d in dest_nodes:
        assert d in by_name, "%s is not in graph" % d
    keep, todo = set(), list(dest_nodes)
    while todo:
        n = todo.pop(0)
        if n in keep:
            continue
        keep.add(n)
        todo += inputs.get(n, [])
    out = graph_pb2.GraphDef()
    for n in sorted(keep, key=lambda n: order[n]):
        out.node.extend([copy.deepcopy(by_name[n])])
    out.library.CopyFrom(graph_def.library)
    out.versions.CopyFrom(graph_def.versions)
    return out


def tensor_shape_from_node_def_name(graph, input_name):
    """The static shape of the tensor ``input_name`` (``"x"`` means ``"x:0"``) in ``graph``."""
    return graph.get_tensor_by_name(input_name if ":" in input_name else input_name + ":0").get_shape()


def remove_training_nodes(input_graph, protected_nodes=None):
    """``input_graph`` without what only training needs: CheckNumerics nodes go, and Identity and
    StopGradient nodes are spliced out (unless protected, colocated with, or carrying control inputs)."""
    protected_nodes = protected_nodes or []
    removed = {node.name for node in input_graph.node
               if node.op == "CheckNumerics" and node.name not in protected_nodes}
    after_removal = []
    for node in input_graph.node:
        if node.name in removed:
            continue
        new_node = node_def_pb2.NodeDef()
        new_node.CopyFrom(node)
        del new_node.input[:]
        new_node.input.extend(i for i in node.input if re.sub(r"^\^", "", i) not in removed)
        after_removal.append(new_node)

    control_inputs, with_control, colocated = set(), set(), set()
    for node in after_removal:
        for i in node.input:
            if "^" in i:
                control_inputs.add(i.replace("^", ""))
                with_control.add(node.name)
        colocated.update(_colocated(node))
    splice = {}
    for node in after_removal:
        if (node.op in ("Identity", "StopGradient") and node.name not in protected_nodes
                and node.name not in colocated and node.name not in with_control):
            splice[node.name] = node.input[0]
    splice = {name: value for name, value in splice.items() if name not in control_inputs}

    out = graph_pb2.GraphDef()
    for node in after_removal:
        if node.name in splice:
            continue
        new_node = node_def_pb2.NodeDef()
        new_node.CopyFrom(node)
        del new_node.input[:]
        for full in node.input:
            name = re.sub(r"^\^", "", full)
            while name in splice:
                full = splice[name]
                name = re.sub(r"^\^", "", full)
            new_node.input.append(full)
        out.node.extend([new_node])
    return out


def convert_variables_to_constants(sess, input_graph_def, output_node_names, variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """``input_graph_def`` cut to ``output_node_names``, its variables replaced by Consts of their values in
    ``sess`` (those in ``variable_names_whitelist`` if given, less ``variable_names_blacklist``).

        frozen = tg.graph_util.convert_variables_to_constants(sess, sess.graph.as_graph_def(), ["probs"])
    """
    graph_def = extract_sub_graph(input_graph_def, output_node_names)

    def wanted(name):
        return ((variable_names_whitelist is None or name in variable_names_whitelist)
                and (variable_names_blacklist is None or name not in variable_names_blacklist))

    variables = [node for node in graph_def.node if node.op in ("Variable", "VariableV2", "VarHandleOp")
                 and wanted(node.name)]
    fetches = [node.name + ("/Read/ReadVariableOp:0" if node.op == "VarHandleOp" else ":0") for node in variables]
    values = sess.run(fetches) if fetches else []
    _Freezer(graph_def).freeze({node.name: (np.asarray(value), node.attr["dtype"].type)
                                for node, value in zip(variables, values)})
    return graph_def


class _Freezer:
    """Rewrites a GraphDef in place, following each converted variable to the nodes that read it."""

    def __init__(self, graph_def):
        self.graph_def = graph_def
        self.nodes = {node.name: node for node in graph_def.node}
        self.consumers = {}
        for node in graph_def.node:
            for index, name in enumerate(node.input):
                if name.startswith("^"):
                    continue
                parts = name.split(":")
                source_index = int(parts[-1]) if len(parts) > 1 and parts[-1].isnumeric() else 0
                self.consumers.setdefault(parts[0], []).append((source_index, node.name, index))

    def freeze(self, values):
        for name, (value, dtype) in values.items():
            node = self.nodes[name]
            proto = make_tensor_proto(value, dtypes.as_dtype(dtype), value.shape)
            node.Clear()
            node.name = name
            node.op = "Const"
            node.attr["dtype"].type = dtype
            node.attr["value"].tensor.CopyFrom(proto)
            self._flow(name, dtype)

    def _flow(self, name, dtype):
        for _, consumer, index in self.consumers.get(name, ()):
            self._convert(self.nodes[consumer], index, dtype)

    def _convert(self, node, index, dtype):
        # A Merge is left as it is, as TensorFlow's converter leaves it.
        if node.op in _PASS_THROUGH:
            attr = node.attr["T"]
            if attr.HasField("list"):
                if index >= len(attr.list.type):
                    raise ValueError("`index` %d is out of range for node(%s).attr(T), which has %d elements."
                                     % (index, node.name, len(attr.list.type)))
                attr.list.type[index] = dtype
            elif attr.HasField("type") and index == 0:
                attr.type = dtype
            else:
                raise ValueError("`index` %d is out of range for node(%s).attr(T), which has %d elements."
                                 % (index, node.name, 1 if attr.HasField("type") else 0))
            if "_output_shapes" in node.attr:
                del node.attr["_output_shapes"]
            self._flow(node.name, dtype)
        elif node.op == "ReadVariableOp":
            self._replace(node, "Identity", [node.input[0]], {"T": node.attr["dtype"]})
        elif node.op == "ResourceGather":
            self._resource_gather(node)
        elif node.op == "ResourceGatherNd":
            self._replace(node, "GatherNd", list(node.input[:2]),
                          {"Tparams": node.attr["dtype"], "Tindices": node.attr["Tindices"]})

    @staticmethod
    def _replace(node, op, inputs, attrs):
        old = node_def_pb2.NodeDef()
        old.CopyFrom(node)
        node.Clear()
        node.name = old.name
        node.op = op
        node.input.extend(inputs)
        for key, value in attrs.items():
            node.attr[key].CopyFrom(value)
        if "_class" in old.attr:
            node.attr["_class"].CopyFrom(old.attr["_class"])

    def _resource_gather(self, node):
        if node.attr["batch_dims"].i != 0:
            raise ValueError("batch_dims must be 0 for freeze_graph, but got node(%s).attr('batch_dims') = %d."
                             % (node.name, node.attr["batch_dims"].i))
        axis_name = node.name + "/axis"
        axis_dtype = node.attr["Tindices"]
        if axis_name not in self.nodes:
            self.nodes[axis_name] = self.graph_def.node.add()
        axis = self.nodes[axis_name]
        axis.name = axis_name
        axis.op = "Const"
        axis.attr["dtype"].CopyFrom(axis_dtype)
        axis.attr["value"].tensor.CopyFrom(make_tensor_proto(np.array(0), dtypes.as_dtype(axis_dtype.type), ()))
        self._replace(node, "GatherV2", [node.input[0], node.input[1], axis_name],
                      {"Tparams": node.attr["dtype"], "Tindices": axis_dtype, "Taxis": axis_dtype})
