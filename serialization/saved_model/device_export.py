"""Device-tagged SavedModels: one call exports a CPU and a GPU meta graph; one call loads the best one.

    # Export: tag-set {serve} with every node on the CPU, tag-set {serve, gpu} with compute nodes on
    # GPU:0 (string, shape and save/restore nodes stay on the CPU), sharing variables/ and assets/.
    device_export.export_for_devices(sess, "/models/m/1", signature_def_map={"serving_default": sig})

    # Load: {serve, gpu} where a GPU is present, else {serve}, else {serve, gpu} with soft placement.
    sess, meta_graph_def, tags = device_export.load_best(None, "/models/m/1")

Placement is decided per node from tagraph's kernel registry, as the placer would: a node goes to the GPU
when it has a GPU kernel and neither consumes nor produces strings; nodes that sit with another node
(``_class: loc:@...``) keep no device of their own and follow it. The graph in the session is not
changed: devices are written into the exported NodeDefs only.
"""
import collections
import logging

from tagraph.devices import kernel_registry
from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework.config import ConfigProto
from tagraph.engine.framework.graph import Graph, GraphKeys
from tagraph.engine.runtime.session import Session
from tagraph.serialization.saved_model import loader, tag_constants
from tagraph.serialization.saved_model.builder import SavedModelBuilder
from tagraph.serialization.saved_model.loader import MetaGraphNotFoundError
from tagraph.serialization.saver import Saver

logger = logging.getLogger("tagraph.saved_model")

__all__ = ["export_for_devices", "load_best", "choose_tags", "BestLoad", "CPU_TAGS", "GPU_TAGS"]

CPU_TAGS = (tag_constants.SERVING,)
GPU_TAGS = (tag_constants.SERVING, tag_constants.GPU)

BestLoad = collections.namedtuple("BestLoad", ["session", "meta_graph_def", "tags"])


def _colocated_elsewhere(node_def):
    if "_class" not in node_def.attr:
        return False
    return any(s.startswith(b"loc:@") and s[5:].decode("utf-8", "replace") != node_def.name
               for s in node_def.attr["_class"].list.s)


def _gpu_capable(op):
    if kernel_registry.get_kernel(op.type, "GPU") is None:
        return False
    for t in list(op.inputs) + op.outputs:
        if t.dtype.base_dtype.name == "string":
            return False
    return True


def assign_devices(graph_def, graph, device_type, cpu_device="/device:CPU:0", gpu_device="/device:GPU:0"):
    """Writes devices into ``graph_def``'s nodes for a ``device_type`` ("CPU" or "GPU") meta graph.

    ``graph`` is the live graph the NodeDefs came from (for op types and dtypes).
    """
    for nd in graph_def.node:
        if _colocated_elsewhere(nd):
            nd.device = ""
            continue
        if device_type == "CPU":
            nd.device = cpu_device
            continue
        try:
            op = graph.get_operation_by_name(nd.name)
        except KeyError:
            nd.device = cpu_device
            continue
        explicit = DeviceSpec.from_string(op.device) if op.device else None
        if explicit is not None and explicit.device_type == "CPU":
            nd.device = op.device                    # the user pinned it to the CPU: keep it there
        elif _gpu_capable(op):
            nd.device = op.device if explicit is not None and explicit.device_type == "GPU" else gpu_device
        else:
            nd.device = cpu_device
    return graph_def


def export_for_devices(sess, export_dir, signature_def_map=None, assets_collection=None, main_op=None,
                       strip_default_attrs=True, saver=None, as_text=False, cpu_device="/device:CPU:0",
                       gpu_device="/device:GPU:0", base_tags=CPU_TAGS):
    """Writes a SavedModel with tag-sets ``{serve}`` (CPU) and ``{serve, gpu}`` (GPU:0) in one call.

    Both MetaGraphDefs come from ``sess.graph``, share one SaverDef, one ``variables/`` checkpoint and
    one ``assets/`` folder, and carry the same signatures. Returns the path of ``saved_model.pb``.
    """
    graph = sess.graph
    base_tags = list(base_tags)
    gpu_tags = base_tags + [tag_constants.GPU] if tag_constants.GPU not in base_tags else base_tags
    if saver is None:
        if graph.get_collection(GraphKeys.GLOBAL_VARIABLES) or graph.get_collection(GraphKeys.SAVEABLE_OBJECTS):
            with graph.as_default():
                saver = Saver(sharded=True, allow_empty=True)
    builder = SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(sess, base_tags, signature_def_map=signature_def_map,
                                         assets_collection=assets_collection, main_op=main_op,
                                         strip_default_attrs=strip_default_attrs, saver=saver)
    with graph.as_default():
        builder.add_meta_graph(gpu_tags, signature_def_map=signature_def_map, assets_collection=assets_collection,
                               main_op=main_op, strip_default_attrs=strip_default_attrs, saver=saver)
    cpu_mg, gpu_mg = builder._saved_model.meta_graphs[-2:]
    assign_devices(cpu_mg.graph_def, graph, "CPU", cpu_device, gpu_device)
    assign_devices(gpu_mg.graph_def, graph, "GPU", cpu_device, gpu_device)
    path = builder.save(as_text=as_text)
    logger.info("Exported %s with tag-sets %s (CPU) and %s (GPU)", export_dir, base_tags, gpu_tags)
    return path


def choose_tags(tag_sets, gpu_present, base_tags=CPU_TAGS):
    """(tags, needs_soft_placement) for the best of ``tag_sets`` on a machine with or without a GPU."""
    base = set(base_tags)
    gpu = base | {tag_constants.GPU}
    sets = [set(t) for t in tag_sets]
    if gpu_present and gpu in sets:
        return sorted(gpu), False
    if base in sets:
        return sorted(base), False
    if gpu in sets:
        return sorted(gpu), not gpu_present
    raise _no_tags(base, gpu, sets)


def _no_tags(base, gpu, sets):
    return MetaGraphNotFoundError(
        None, None, "The SavedModel has neither tag-set {%s} nor {%s}; its tag-sets are: %s"
        % (", ".join(sorted(base)), ", ".join(sorted(gpu)),
           ", ".join("{%s}" % ", ".join(sorted(s)) for s in sets) or "none"))


def _session_devices(sess):
    return {d.device_type for d in sess.list_devices()}


def _soft(sess):
    placer = getattr(sess, "_placer", None)
    if placer is not None:
        return bool(placer.allow_soft_placement)
    config = getattr(sess, "_config", None)
    return bool(getattr(config, "allow_soft_placement", False))


def load_best(sess_or_none, export_dir, base_tags=CPU_TAGS, config=None, import_scope=None):
    """Loads the best MetaGraphDef of ``export_dir`` for this machine; returns BestLoad(session, mg, tags).

    ``{serve, gpu}`` where the session (or this machine) has a GPU, else ``{serve}``, else ``{serve, gpu}``
    run on the CPU: with soft placement when the session allows it, else with devices cleared. With
    ``sess_or_none=None`` a new Session on a new Graph is made, allowing soft placement (as TensorFlow
    Serving does) unless ``config`` says otherwise. The choice is logged.
    """
    own = sess_or_none is None
    if own:
        if config is None:
            config = ConfigProto(allow_soft_placement=True)
        sess = Session(graph=Graph(), config=config)
    else:
        sess = sess_or_none
    try:
        ld = loader.SavedModelLoader(export_dir)
        gpu_present = "GPU" in _session_devices(sess)
        tags, soft_needed = choose_tags(ld.tag_sets(), gpu_present, base_tags)
        kwargs = {}
        how = ""
        if tag_constants.GPU in tags and not _soft(sess):
            mg = ld.get_meta_graph_def_from_tags(tags)
            if soft_needed or _pins_unrunnable_gpu_nodes(mg.graph_def):
                kwargs["clear_devices"] = True
                how = " with devices cleared (the session does not allow soft placement)"
        elif soft_needed:
            how = " with soft placement onto the CPU"
        logger.info("load_best: %s has tag-sets %s; %s present; loading %s%s", export_dir,
                    ["{%s}" % ", ".join(sorted(t)) for t in ld.tag_sets()],
                    "a GPU is" if gpu_present else "no GPU is", "{%s}" % ", ".join(tags), how)
        mg = ld.load(sess, tags, import_scope, **kwargs)
    except BaseException:
        if own:
            sess.close()
        raise
    return BestLoad(sess, mg, list(tags))


def _pins_unrunnable_gpu_nodes(graph_def):
    # A node pinned to a GPU that tagraph's GPU kernels cannot take (no kernel, or string-typed).
    for nd in graph_def.node:
        if "GPU" not in nd.device.upper():
            continue
        if kernel_registry.get_kernel(nd.op, "GPU") is None:
            return True
        for k in ("T", "dtype", "Tdense", "dtypes", "out_type", "sparse_types", "Tout"):
            if k in nd.attr:
                av = nd.attr[k]
                if av.type == 7 or 7 in av.list.type:
                    return True
    return False
