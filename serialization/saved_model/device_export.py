"""Device-tagged SavedModels: one call exports a MetaGraphDef per device kind; one call loads the best one.

    # Export: tag-set {serve} with every node on the CPU, and for each device kind with export tags (the
    # GPU: {serve, gpu}) its tag-set with compute nodes on device 0 of that kind (string, shape and
    # save/restore nodes stay on the CPU), all sharing variables/ and assets/.
    device_export.export_for_devices(sess, "/models/m/1", signature_def_map={"serving_default": sig})

    # Load: {serve, gpu} where a GPU is present, else {serve}, else {serve, gpu} with soft placement.
    sess, meta_graph_def, tags = device_export.load_best(None, "/models/m/1")

Placement is decided per node from tagraph's kernel registry, as the placer would: a node goes to the
device when it has a kernel for that kind and (off host memory) neither consumes nor produces strings;
nodes that sit with another node (``_class: loc:@...``) keep no device of their own and follow it. The
graph in the session is not changed: devices are written into the exported NodeDefs only. The kinds and
their tags are the device kinds' own declarations (:mod:`tagraph.devices.kind`).
"""
import collections
import logging

from tagraph.devices import kernel_registry
from tagraph.devices.kind import export_kinds, host_kind, kind_for_tags
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
GPU_TAGS = (tag_constants.SERVING, tag_constants.GPU)      # the GPU kind's tag-set under the default base

BestLoad = collections.namedtuple("BestLoad", ["session", "meta_graph_def", "tags"])


def _colocated_elsewhere(node_def):
    if "_class" not in node_def.attr:
        return False
    return any(s.startswith(b"loc:@") and s[5:].decode("utf-8", "replace") != node_def.name
               for s in node_def.attr["_class"].list.s)


def _capable(op, kind):
    if kernel_registry.get_kernel(op.type, kind.device_type) is None:
        return False
    if kind.host_memory:
        return True
    for t in list(op.inputs) + op.outputs:
        if t.dtype.base_dtype.name == "string":
            return False
    return True


def _device_name(kind):
    return "/device:%s:0" % kind.device_type


def assign_devices(graph_def, graph, kind):
    """Writes devices into ``graph_def``'s nodes for the MetaGraphDef of device ``kind``.

    ``graph`` is the live graph the NodeDefs came from (for op types and dtypes). On the host kind every
    node goes to its device 0; on another kind, the nodes it can run go to its device 0 (or keep the
    device of that kind the user gave them), the rest, and nodes the user pinned to the host, to the host.
    """
    host = host_kind()
    host_device, device = _device_name(host), _device_name(kind)
    for nd in graph_def.node:
        if _colocated_elsewhere(nd):
            nd.device = ""
            continue
        if kind.host_memory:
            nd.device = host_device
            continue
        try:
            op = graph.get_operation_by_name(nd.name)
        except KeyError:
            nd.device = host_device
            continue
        explicit = DeviceSpec.from_string(op.device) if op.device else None
        if explicit is not None and explicit.device_type == host.device_type:
            nd.device = op.device                    # the user pinned it to the host: keep it there
        elif _capable(op, kind):
            nd.device = op.device if explicit is not None and explicit.device_type == kind.device_type else device
        else:
            nd.device = host_device
    return graph_def


def export_for_devices(sess, export_dir, signature_def_map=None, assets_collection=None, main_op=None,
                       strip_default_attrs=True, saver=None, as_text=False, base_tags=CPU_TAGS):
    """Writes a SavedModel with tag-set ``{serve}`` (the CPU) and one per device kind with export tags
    (``{serve, gpu}``: GPU:0), in one call.

    Every MetaGraphDef comes from ``sess.graph``; they share one SaverDef, one ``variables/`` checkpoint
    and one ``assets/`` folder, and carry the same signatures. Returns the path of ``saved_model.pb``.
    """
    graph = sess.graph
    base_tags = list(base_tags)
    kinds = [host_kind()] + export_kinds()
    tag_sets = [base_tags] + [base_tags + [t for t in k.export_tags if t not in base_tags] for k in kinds[1:]]
    if saver is None:
        if graph.get_collection(GraphKeys.GLOBAL_VARIABLES) or graph.get_collection(GraphKeys.SAVEABLE_OBJECTS):
            with graph.as_default():
                saver = Saver(sharded=True, allow_empty=True)
    builder = SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(sess, tag_sets[0], signature_def_map=signature_def_map,
                                         assets_collection=assets_collection, main_op=main_op,
                                         strip_default_attrs=strip_default_attrs, saver=saver)
    with graph.as_default():
        for tags in tag_sets[1:]:
            builder.add_meta_graph(tags, signature_def_map=signature_def_map, assets_collection=assets_collection,
                                   main_op=main_op, strip_default_attrs=strip_default_attrs, saver=saver)
    for mg, kind in zip(builder._saved_model.meta_graphs[-len(kinds):], kinds):
        assign_devices(mg.graph_def, graph, kind)
    path = builder.save(as_text=as_text)
    logger.info("Exported %s with tag-sets %s", export_dir,
                ", ".join("%s (%s)" % (tags, k.device_type) for tags, k in zip(tag_sets, kinds)))
    return path


def choose_tags(tag_sets, present_device_types, base_tags=CPU_TAGS):
    """(tags, needs_soft_placement): the best of ``tag_sets`` on a machine with ``present_device_types``.

    A device kind's tag-set where such a device is present (kinds by falling priority), else the base
    tag-set, else a kind's tag-set run elsewhere with soft placement.
    """
    base = set(base_tags)
    sets = [set(t) for t in tag_sets]
    kind_sets = [(k, base | set(k.export_tags)) for k in export_kinds()]
    for kind, tags in kind_sets:
        if kind.device_type in present_device_types and tags in sets:
            return sorted(tags), False
    if base in sets:
        return sorted(base), False
    for kind, tags in kind_sets:
        if tags in sets:
            return sorted(tags), True
    raise _no_tags(base, [tags for _, tags in kind_sets], sets)


def _no_tags(base, kind_sets, sets):
    wanted = " nor ".join("{%s}" % ", ".join(sorted(s)) for s in [base] + kind_sets)
    return MetaGraphNotFoundError(
        None, None, "The SavedModel has neither tag-set %s; its tag-sets are: %s"
        % (wanted, ", ".join("{%s}" % ", ".join(sorted(s)) for s in sets) or "none"))


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
        present = _session_devices(sess)
        tags, soft_needed = choose_tags(ld.tag_sets(), present, base_tags)
        kind = kind_for_tags(tags)
        kwargs = {}
        how = ""
        if kind is not None and not _soft(sess):
            mg = ld.get_meta_graph_def_from_tags(tags)
            if soft_needed or _pins_unrunnable_nodes(mg.graph_def, kind):
                kwargs["clear_devices"] = True
                how = " with devices cleared (the session does not allow soft placement)"
        elif soft_needed:
            how = " with soft placement onto the %s" % host_kind().device_type
        logger.info("load_best: %s has tag-sets %s; %s; loading %s%s", export_dir,
                    ["{%s}" % ", ".join(sorted(t)) for t in ld.tag_sets()], _presence(present, base_tags),
                    "{%s}" % ", ".join(tags), how)
        mg = ld.load(sess, tags, import_scope, **kwargs)
    except BaseException:
        if own:
            sess.close()
        raise
    return BestLoad(sess, mg, list(tags))


def _presence(present, base_tags):
    # "a GPU is present" / "no GPU is present", for each kind that exports a MetaGraphDef of its own.
    return ", ".join("%s %s is present" % ("a" if k.device_type in present else "no", k.device_type)
                     for k in export_kinds()) or "no device kind exports its own MetaGraphDef"


def _pins_unrunnable_nodes(graph_def, kind):
    # A node pinned to a device of ``kind`` that tagraph's kernels for it cannot take (no kernel, or strings).
    for nd in graph_def.node:
        if not nd.device or _device_type(nd.device) != kind.device_type:
            continue
        if kernel_registry.get_kernel(nd.op, kind.device_type) is None:
            return True
        if kind.host_memory:
            continue
        for k in ("T", "dtype", "Tdense", "dtypes", "out_type", "sparse_types", "Tout"):
            if k in nd.attr:
                av = nd.attr[k]
                if av.type == 7 or 7 in av.list.type:
                    return True
    return False


def _device_type(device):
    try:
        return (DeviceSpec.from_string(device).device_type or "").upper()
    except ValueError:
        return ""
