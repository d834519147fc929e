"""Variables restored through the object graph, as TensorFlow 2's loader restores them.

A TensorFlow 2 SavedModel's functions read variables by the handles the SavedObjectGraph names
(``SavedVariable.name``, the VarHandleOp's ``shared_name``), while its checkpoint keys follow the object
graph (``_layers/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE``). The two object graphs, the MetaGraphDef's and the
checkpoint's (``_CHECKPOINTABLE_OBJECT_GRAPH``), number their nodes alike, which joins a variable to its key.
The v1 restore op (the SaverDef's) restores only the handles it is given; Keras exports give it other
handles than their functions read, so tagraph restores the rest this way (TensorFlow's v1 loader leaves
them uninitialized).
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.protos import trackable_object_graph_pb2
from tagraph.serialization.checkpoint_utils import CheckpointReader

__all__ = ["object_graph_variables", "restore_object_graph_variables"]

_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_VALUE = "VARIABLE_VALUE"


def object_graph_variables(meta_graph_def, reader):
    """``{shared name: checkpoint key}`` for every variable of the SavedObjectGraph the checkpoint holds."""
    if not meta_graph_def.HasField("object_graph_def") or not reader.has_tensor(_OBJECT_GRAPH_KEY):
        return {}
    raw = reader.get_tensor(_OBJECT_GRAPH_KEY)
    ckpt_graph = trackable_object_graph_pb2.TrackableObjectGraph.FromString(
        raw[()] if isinstance(raw, np.ndarray) else raw)
    out = {}
    for i, node in enumerate(meta_graph_def.object_graph_def.nodes):
        if node.WhichOneof("kind") != "variable" or i >= len(ckpt_graph.nodes):
            continue
        for attr in ckpt_graph.nodes[i].attributes:
            if attr.name == _VALUE and reader.has_tensor(attr.checkpoint_key):
                out[node.variable.name] = attr.checkpoint_key
    return out


def restore_object_graph_variables(sess, meta_graph_def, variables_path, import_scope=None):
    """Restores the SavedObjectGraph's variables that the SaverDef's restore op did not take; returns their
    shared names. The restore runs as ops added to the session's graph under ``saved_model_restore``."""
    reader = CheckpointReader(variables_path)
    try:
        wanted = object_graph_variables(meta_graph_def, reader)
        if not wanted:
            return []
        graph = sess.graph
        done = _restored_by_saver(graph, meta_graph_def, import_scope)
        handles = [op for op in graph.get_operations()
                   if op.type == "VarHandleOp" and _shared_name(op) in wanted and _shared_name(op) not in done]
        if not handles:
            return []
        keys = [wanted[_shared_name(op)] for op in handles]
        types = reader.get_variable_to_dtype_map()
        with graph.as_default(), graph.name_scope("saved_model_restore"):
            prefix = graph.create_op("Const", [], {"value": _string(variables_path), "dtype": dtypes.string},
                                     name="prefix").outputs[0]
            names = graph.create_op("Const", [], {"value": _string(keys), "dtype": dtypes.string},
                                    name="tensor_names").outputs[0]
            slices = graph.create_op("Const", [], {"value": _string([""] * len(keys)), "dtype": dtypes.string},
                                     name="shape_and_slices").outputs[0]
            restore = graph.create_op("RestoreV2", [prefix, names, slices],
                                      {"dtypes": [types[k].base_dtype for k in keys]}, name="RestoreV2")
            assigns = [graph.create_op("AssignVariableOp", [h.outputs[0], v],
                                       {"dtype": v.dtype.base_dtype}, name="AssignVariableOp")
                       for h, v in zip(handles, restore.outputs)]
        sess.run(assigns)
        return sorted(_shared_name(op) for op in handles)
    finally:
        reader.close()


def _restored_by_saver(graph, meta_graph_def, import_scope):
    """The shared names of the VarHandleOps the SaverDef's restore op is handed."""
    name = meta_graph_def.saver_def.restore_op_name if meta_graph_def.HasField("saver_def") else ""
    if not name:
        return set()
    if import_scope:
        name = "%s/%s" % (import_scope, name)
    try:
        op = graph.get_operation_by_name(name.split(":")[0])
    except KeyError:
        return set()
    return {_shared_name(t.op) for t in op.inputs if t.op.type == "VarHandleOp"}


def _shared_name(op):
    av = op._attrs.get("shared_name")
    name = av.s.decode("utf-8", "replace") if av is not None else ""
    return name or op.name


def _string(value):
    return make_tensor_proto(value, dtypes.string)
