"""MetaGraphDef building, writing, reading and importing: a graph, its collections, its SaverDef and
signatures, in one proto. The Saver builds on this module; ``meta_graph`` adds ``import_meta_graph``, which
returns a Saver.

    meta = export_meta_graph("/tmp/model.meta")
    with tg.Graph().as_default():
        import_scoped_meta_graph("/tmp/model.meta")
"""
import logging
import os

from google.protobuf import text_format
from google.protobuf.message import DecodeError

from tagraph.engine.framework import errors, file_io
from tagraph.engine.framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from tagraph.engine.framework.graph_io import _import
from tagraph.engine.framework.node_def import graph_to_graph_def
from tagraph.engine.framework.op_builder import op_defs
from tagraph.engine.ops.control_flow_context import CondContext, WhileContext
from tagraph.engine.ops.control_flow_context_proto import context_to_proto, contexts_from_proto, export_index
from tagraph.engine.variables import variables as _variables
from tagraph.protos import control_flow_pb2, graph_debug_info_pb2, meta_graph_pb2, op_def_pb2, variable_pb2
from tagraph.protos.type_urls import pack_any
from tagraph.serialization.atomic_file import write_atomic
from tagraph.serialization import io_kernels  # noqa: F401  (shape functions of the saver ops it imports)

logger = logging.getLogger("tagraph.meta_graph")

__all__ = ["create_meta_graph_def", "export_meta_graph", "check_exportable", "import_scoped_meta_graph",
           "read_meta_graph_file", "stripped_op_list"]

# Collections holding Variables, serialized as VariableDef bytes as TensorFlow does.
_VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES, GraphKeys.LOCAL_VARIABLES,
                         GraphKeys.MODEL_VARIABLES, GraphKeys.MOVING_AVERAGE_VARIABLES,
                         "trainable_resource_variables", GraphKeys.GLOBAL_STEP, "metric_variables")


def stripped_op_list(graph_def):
    """The OpDefs the graph uses, sorted by name (MetaInfoDef.stripped_op_list)."""
    used = sorted({n.op for n in graph_def.node})
    out = op_def_pb2.OpList()
    registry = op_defs()
    for name in used:
        if name in registry:
            out.op.add().CopyFrom(registry[name])
    return out


def _collection_def(graph, key, export_scope=None):
    items = graph.get_collection(key)
    cd = meta_graph_pb2.CollectionDef()
    if not items:
        return None
    if key in _VARIABLE_COLLECTIONS or all(isinstance(i, _variables.Variable) for i in items):
        if not all(isinstance(i, _variables.Variable) for i in items):
            return None
        cd.bytes_list.value.extend(v.to_proto().SerializeToString() for v in items)
        return cd
    if all(isinstance(i, (Tensor, Operation)) for i in items):
        cd.node_list.value.extend(i.name for i in items)
        return cd
    if all(isinstance(i, (WhileContext, CondContext)) for i in items):
        # Loops and conds (while_context, cond_context): their WhileContextDef / CondContextDef bytes.
        index = export_index(graph)
        cd.bytes_list.value.extend(context_to_proto(i, index).SerializeToString(deterministic=True) for i in items)
        return cd
    if all(hasattr(i, "as_saver_def") and i.as_saver_def() is not None for i in items):
        # Savers (the SAVERS collection of a training session): their SaverDefs, as TensorFlow exports them.
        cd.bytes_list.value.extend(i.as_saver_def().SerializeToString() for i in items)
        return cd
    if all(isinstance(i, bool) or not isinstance(i, int) for i in items) and \
            all(isinstance(i, float) for i in items):
        cd.float_list.value.extend(items)
        return cd
    if all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        cd.int64_list.value.extend(items)
        return cd
    if all(isinstance(i, (bytes, str)) for i in items):
        cd.bytes_list.value.extend(i.encode() if isinstance(i, str) else i for i in items)
        return cd
    if all(hasattr(i, "SerializeToString") and hasattr(i, "DESCRIPTOR") for i in items):
        for i in items:
            cd.any_list.value.add().CopyFrom(pack_any(i))
        return cd
    logger.warning("Collection %r holds items that cannot be serialized; it is not exported.", key)
    return None


def check_exportable(graph_def):
    """ValueError when ``graph_def`` holds a ``Dataset.from_generator`` pipeline (a GeneratorDataset, in the
    graph or its library): its elements come from a Python generator of this process, which no exported
    graph can carry (TensorFlow's docs: "The body of generator will not be serialized in a GraphDef")."""
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    found = [n.name for n in nodes if n.op == "GeneratorDataset"]
    if found:
        raise ValueError("The graph reads a tf.data.Dataset.from_generator dataset (node %s): its generator is "
                         "Python code of this process and is not serialized in a GraphDef, so the graph cannot "
                         "be exported (export_meta_graph, SavedModel). Build the pipeline from files or tensors "
                         "(TFRecordDataset, from_tensor_slices), or export a graph that takes its inputs from "
                         "placeholders." % found[0])


def create_meta_graph_def(graph=None, saver_def=None, collection_list=None, clear_devices=False,
                          strip_default_attrs=False, tags=None, signature_def_map=None, asset_file_defs=None):
    graph = graph or get_default_graph()
    mg = meta_graph_pb2.MetaGraphDef()
    gd = graph_to_graph_def(graph, clear_devices=clear_devices, strip_default_attrs=strip_default_attrs)
    _set_output_shapes(graph, gd)
    info = mg.meta_info_def
    info.stripped_op_list.CopyFrom(stripped_op_list(gd))
    info.tensorflow_version = ""
    info.tensorflow_git_version = "tagraph"
    if strip_default_attrs:
        info.stripped_default_attrs = True
    if tags:
        info.tags.extend(tags)
    mg.graph_def.CopyFrom(gd)
    if saver_def is not None:
        mg.saver_def.CopyFrom(saver_def)
    keys = collection_list if collection_list is not None else graph.get_all_collection_keys()
    for key in keys:
        cd = _collection_def(graph, key)
        if cd is not None:
            mg.collection_def[key].CopyFrom(cd)
    for k, v in (signature_def_map or {}).items():
        mg.signature_def[k].CopyFrom(v)
    for a in asset_file_defs or []:
        mg.asset_file_def.add().CopyFrom(a)
    return mg


def _set_output_shapes(graph, graph_def):
    """``_output_shapes`` on every node with outputs, as TensorFlow's export writes them (add_shapes)."""
    for op, nd in zip(graph._ops, graph_def.node):
        if "_output_shapes" in nd.attr:
            del nd.attr["_output_shapes"]  # an imported node's stale shapes
        if op._outputs:
            nd.attr["_output_shapes"].list.shape.extend(t.shape.as_proto() for t in op._outputs)


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None, collection_list=None,
                      as_text=False, graph=None, export_scope=None, clear_devices=False,
                      clear_extraneous_savers=False, strip_default_attrs=False, save_debug_info=False, **kwargs):
    """Returns the MetaGraphDef of ``graph`` and writes it to ``filename`` (atomically) when given.

    With ``save_debug_info`` an (empty: tagraph records no stack traces) GraphDebugInfo is written
    beside it as ``<filename without extension>.debug``, as TensorFlow names it. A graph reading
    ``Dataset.from_generator`` is refused (ValueError, see :func:`check_exportable`), except for the meta graph
    that ``Saver.save`` writes beside a checkpoint (``allow_generator_datasets=True``), as TensorFlow writes it.
    """
    mg = create_meta_graph_def(graph, saver_def=saver_def, collection_list=collection_list,
                               clear_devices=clear_devices, strip_default_attrs=strip_default_attrs)
    if not kwargs.get("allow_generator_datasets"):
        check_exportable(mg.graph_def if graph_def is None else graph_def)
    if meta_info_def is not None:
        mg.meta_info_def.MergeFrom(meta_info_def)
    if graph_def is not None:
        mg.graph_def.CopyFrom(graph_def)
    if filename:
        data = text_format.MessageToString(mg).encode() if as_text else mg.SerializeToString(deterministic=True)
        write_atomic(filename, data)
        if save_debug_info:
            info = graph_debug_info_pb2.GraphDebugInfo()
            debug_filename = os.path.splitext(os.fspath(filename))[0] + ".debug"
            write_atomic(debug_filename, text_format.MessageToString(info).encode() if as_text
                         else info.SerializeToString(deterministic=True))
    return mg


def read_meta_graph_file(filename):
    """Reads a binary or text MetaGraphDef; DataLossError when it is neither."""
    if not file_io.exists(filename):
        raise errors.NotFoundError(None, None, "File %s does not exist." % filename)
    data = file_io.read_file(filename)
    mg = meta_graph_pb2.MetaGraphDef()
    try:
        mg.ParseFromString(data)
        return mg
    except Exception:  # noqa: BLE001 - protobuf raises DecodeError or others on garbage; try text next
        pass
    try:
        text_format.Parse(data.decode("utf-8"), mg)
        return mg
    except Exception as e:  # noqa: BLE001
        raise errors.DataLossError(None, None, "Cannot parse %s as a MetaGraphDef (binary or text): %s"
                                   % (filename, str(e)[:200])) from None


# The loops and conds of a TensorFlow 1 graph, rebuilt on import so that gradients go through them.
_CONTEXT_PROTOS = {GraphKeys.WHILE_CONTEXT: control_flow_pb2.WhileContextDef,
                   GraphKeys.COND_CONTEXT: control_flow_pb2.CondContextDef}


def _import_contexts(graph, key, cd, import_scope):
    """Rebuilds the contexts of collection ``key``; KeyError (as TensorFlow's importer) when one names a
    tensor not in the graph, DataLossError when its bytes are not a context proto."""
    proto_type = _CONTEXT_PROTOS[key]
    defs = []
    for raw in cd.bytes_list.value:
        try:
            defs.append(proto_type.FromString(raw))
        except DecodeError:
            raise errors.DataLossError(None, None, "Collection %r of the MetaGraphDef holds bytes that do not "
                                       "parse as a %s: the file is corrupt" % (key, proto_type.__name__)) from None
    for ctxt in contexts_from_proto(graph, defs, import_scope):
        graph.add_to_collection(key, ctxt)


def import_scoped_meta_graph(meta_graph_or_file, clear_devices=False, graph=None, import_scope=None,
                             input_map=None):
    """Imports the graph and its collections; returns the MetaGraphDef (import_meta_graph gives the Saver)."""
    mg = meta_graph_or_file
    if isinstance(mg, (str, os.PathLike)):
        mg = read_meta_graph_file(os.fspath(mg))
    graph = graph or get_default_graph()
    _import(graph, mg.graph_def, input_map or {}, None, import_scope or "", clear_devices=clear_devices)
    prefix = (import_scope + "/") if import_scope else ""
    # One Variable per variable, whichever collections name it (global_step sorts before variables).
    existing = {v.op.name: v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)}
    for key, cd in sorted(mg.collection_def.items()):
        kind = cd.WhichOneof("kind")
        if key in _CONTEXT_PROTOS and kind == "bytes_list":
            _import_contexts(graph, key, cd, import_scope)
            continue
        try:
            if key in _VARIABLE_COLLECTIONS and kind == "bytes_list":
                for raw in cd.bytes_list.value:
                    vd = variable_pb2.VariableDef.FromString(raw)
                    name = prefix + vd.variable_name.split(":")[0]
                    v = existing.get(name) or _variables.from_proto(vd, graph, import_scope)
                    existing[name] = v
                    graph.add_to_collection(key, v)
            elif kind == "node_list":
                for n in cd.node_list.value:
                    graph.add_to_collection(key, graph.as_graph_element(prefix + n))
            elif kind == "bytes_list":
                for b in cd.bytes_list.value:
                    graph.add_to_collection(key, b)
            elif kind == "int64_list":
                for i in cd.int64_list.value:
                    graph.add_to_collection(key, i)
            elif kind == "float_list":
                for f in cd.float_list.value:
                    graph.add_to_collection(key, f)
            elif kind == "any_list":
                for a in cd.any_list.value:
                    graph.add_to_collection(key, a)
        except DecodeError:
            # Bytes that are not a VariableDef: the file is corrupt, not merely from another graph.
            raise errors.DataLossError(None, None, "Collection %r of the MetaGraphDef holds bytes that do not "
                                       "parse as a VariableDef: the file is corrupt" % key) from None
        except (KeyError, ValueError) as e:
            logger.warning("Collection %r could not be restored: %s", key, e)
    return mg
