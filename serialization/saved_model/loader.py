"""Loading a SavedModel into a Session (``tf.compat.v1.saved_model.loader``).

    with tg.Session(graph=tg.Graph()) as sess:
        meta_graph_def = loader.load(sess, [tag_constants.SERVING], export_dir)
        sig = meta_graph_def.signature_def["serving_default"]
        y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0]]})

``load`` picks the MetaGraphDef whose tag-set equals ``tags`` (compared as sets), checks that tagraph can
run every op of its graph (naming all that it cannot, before anything runs), imports the graph, restores
the variables through the SaverDef's restore op, and runs the main op (or legacy init op) fed with the
assets' paths inside this export directory. It reads ``saved_model.pb`` and ``saved_model.pbtxt``.

Errors carry TensorFlow's meanings and, where TensorFlow's Python loader raises a builtin, subclass it
too: a missing file is a NotFoundError and an OSError, a corrupt one a DataLossError and an OSError, a
missing tag-set a NotFoundError and a RuntimeError.
"""
import logging
import os

from google.protobuf import message, text_format

from tagraph.devices import kernel_registry
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import errors, file_io
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.framework.op_builder import op_defs
from tagraph.protos import meta_graph_pb2, saved_model_pb2
from tagraph.protos.type_urls import unpack_any
from tagraph.serialization.meta_graph_io import import_scoped_meta_graph
from tagraph.serialization.path_safety import safe_join
from tagraph.serialization.saved_model import constants
from tagraph.serialization.saved_model import utils
from tagraph.serialization.saved_model.object_graph import restore_object_graph_variables
from tagraph.serialization.saver import Saver

logger = logging.getLogger("tagraph.saved_model")

__all__ = ["load", "SavedModelLoader", "maybe_saved_model_directory", "contains_saved_model",
           "parse_saved_model", "get_asset_tensors", "get_init_op", "get_train_op", "check_kernels",
           "SavedModelNotFoundError", "SavedModelCorruptError", "MetaGraphNotFoundError",
           "MissingKernelsError"]


class SavedModelNotFoundError(errors.NotFoundError, OSError):
    """No SavedModel at the path (no directory, or no saved_model.pb / .pbtxt in it)."""


class SavedModelCorruptError(errors.DataLossError, OSError):
    """saved_model.pb or .pbtxt exists but cannot be parsed (truncated, corrupt, not a SavedModel)."""


class MetaGraphNotFoundError(errors.NotFoundError, RuntimeError):
    """The SavedModel has no MetaGraphDef with the requested tag-set."""


class MissingKernelsError(errors.NotFoundError):
    """The graph uses ops that tagraph does not know or cannot run on any device of the session."""


def _path(p):
    return os.fsdecode(p) if isinstance(p, bytes) else os.fspath(p)


def maybe_saved_model_directory(export_dir):
    """Whether ``export_dir`` holds a saved_model.pb or saved_model.pbtxt (it may still be invalid)."""
    try:
        export_dir = _path(export_dir)
    except TypeError:
        return False
    return any(file_io.isfile(os.path.join(export_dir, f)) for f in
               (constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT))


def contains_saved_model(export_dir):
    """Whether ``export_dir`` (a str or path-like) looks like a SavedModel directory."""
    return maybe_saved_model_directory(export_dir)


def parse_saved_model(export_dir):
    """Reads the SavedModel proto of ``export_dir`` (binary preferred, else text)."""
    export_dir = _path(export_dir)
    if not file_io.isdir(export_dir):
        raise SavedModelNotFoundError(
            None, None, "SavedModel directory %s does not exist (or is not a directory)." % export_dir)
    pb = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PB)
    pbtxt = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
    sm = saved_model_pb2.SavedModel()
    if file_io.isfile(pb):
        data = file_io.read_file(pb)
        try:
            sm.ParseFromString(data)
        except (message.DecodeError, RuntimeError, ValueError) as e:
            raise SavedModelCorruptError(
                None, None, "Cannot parse file %s (%d bytes) as a SavedModel: %s. The file is truncated or "
                "corrupt." % (pb, len(data), e)) from None
        path = pb
    elif file_io.isfile(pbtxt):
        data = file_io.read_file(pbtxt)
        try:
            text_format.Parse(data.decode("utf-8"), sm, allow_unknown_extension=True)
        except (text_format.ParseError, UnicodeDecodeError, RecursionError) as e:
            raise SavedModelCorruptError(None, None, "Cannot parse file %s as a SavedModel: %s." % (pbtxt, e)) \
                from None
        path = pbtxt
    else:
        raise SavedModelNotFoundError(
            None, None, "SavedModel file does not exist at: %s%s{%s|%s}"
            % (export_dir, os.path.sep, constants.SAVED_MODEL_FILENAME_PBTXT, constants.SAVED_MODEL_FILENAME_PB))
    if not sm.meta_graphs:
        raise SavedModelCorruptError(None, None, "%s holds no MetaGraphDef: it is empty, truncated or not a "
                                     "SavedModel." % path)
    for i, mg in enumerate(sm.meta_graphs):
        if not mg.HasField("graph_def"):
            raise SavedModelCorruptError(None, None, "MetaGraphDef %d (tags %s) of %s has no GraphDef: the file "
                                         "is truncated or corrupt." % (i, list(mg.meta_info_def.tags), path))
    return sm


def _tag_list(tags):
    if tags is None:
        raise ValueError("tags must be given, e.g. [tag_constants.SERVING]")
    if isinstance(tags, (str, bytes)):
        # A convenience beyond TensorFlow (which would compare the string's characters): "serve,gpu".
        tags = _path(tags) if isinstance(tags, bytes) else tags
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in tags]


def _show_tag_set(tags):
    return "{%s}" % ", ".join(sorted(tags))


def meta_graph_from_tags(saved_model, tags, export_dir=""):
    """The MetaGraphDef of ``saved_model`` whose tag-set equals ``tags`` (as sets)."""
    wanted = set(_tag_list(tags))
    present = []
    for mg in saved_model.meta_graphs:
        have = set(mg.meta_info_def.tags)
        if have == wanted:
            return mg
        present.append(have)
    raise MetaGraphNotFoundError(
        None, None, "MetaGraphDef associated with tags %s could not be found in SavedModel%s, with available "
        "tags: %s. To inspect available tag-sets in the SavedModel, please use the SavedModel CLI: "
        "`saved_model_cli`." % (_show_tag_set(wanted), " at %s" % export_dir if export_dir else "",
                                ", ".join(_show_tag_set(p) for p in present) or "none"))


def check_kernels(graph_def, device_types=None):
    """Raises MissingKernelsError naming every op type of ``graph_def`` that cannot run here.

    An op type is runnable when tagraph knows its OpDef and has a kernel for one of ``device_types`` (by
    default the host's).
    """
    if device_types is None:
        device_types = (host_kind().device_type,)
    known = op_defs()
    unknown, no_kernel = {}, {}
    for nd in graph_def.node:
        if nd.op not in known:
            unknown.setdefault(nd.op, []).append(nd.name)
        elif not any(kernel_registry.get_kernel(nd.op, d) is not None for d in device_types):
            no_kernel.setdefault(nd.op, []).append(nd.name)
    if not unknown and not no_kernel:
        return
    parts = []
    if unknown:
        parts.append("ops tagraph does not know (no OpDef registered): %s" % _list_ops(unknown))
    if no_kernel:
        parts.append("ops with no kernel for %s: %s" % ("/".join(device_types), _list_ops(no_kernel)))
    raise MissingKernelsError(None, None, "The graph cannot run in tagraph; it uses %s. Nothing was run."
                              % "; and ".join(parts))


def _list_ops(by_type):
    out = []
    for op_type in sorted(by_type):
        nodes = by_type[op_type]
        shown = ", ".join(nodes[:3]) + (", ..." if len(nodes) > 3 else "")
        out.append("%s (%d node%s: %s)" % (op_type, len(nodes), "" if len(nodes) == 1 else "s", shown))
    return ", ".join(out)


def _asset_file_defs(meta_graph_def):
    if meta_graph_def.asset_file_def:
        return list(meta_graph_def.asset_file_def)
    out = []
    cd = meta_graph_def.collection_def.get(constants.ASSETS_KEY)
    if cd is not None:
        for packed in cd.any_list.value:
            proto = meta_graph_pb2.AssetFileDef()
            if not unpack_any(packed, proto):
                raise SavedModelCorruptError(None, None, "Collection %s holds a %s, expected AssetFileDef"
                                             % (constants.ASSETS_KEY, packed.type_url))
            out.append(proto)
    return out


def _scoped(name, import_scope):
    return "%s/%s" % (import_scope, name) if import_scope else name


def get_asset_tensors(export_dir, meta_graph_def_to_load, import_scope=None):
    """Asset tensor name -> the asset's path in ``export_dir/assets`` (bytes), as the loader feeds them.

    Refuses (InvalidArgumentError) an asset file name that is absolute or escapes the assets directory.
    """
    export_dir = _path(export_dir)
    assets_dir = os.path.join(export_dir, constants.ASSETS_DIRECTORY)
    root = os.path.normpath(os.path.abspath(assets_dir))
    feeds = {}
    for proto in _asset_file_defs(meta_graph_def_to_load):
        filename = proto.filename
        target = os.path.normpath(os.path.abspath(os.path.join(assets_dir, filename)))
        if not filename or os.path.isabs(filename) or "\x00" in filename or \
                os.path.commonpath([root, target]) != root or target == root:
            raise errors.InvalidArgumentError(
                None, None, "Asset file name %r (tensor %s) escapes the SavedModel's assets directory %s; "
                "asset names must be plain relative paths inside it." % (filename, proto.tensor_info.name,
                                                                         assets_dir))
        safe_join(assets_dir, filename)  # also refuses a symlink in assets/ that leads outside
        if not file_io.exists(os.path.join(assets_dir, filename)):
            logger.warning("Asset %s of SavedModel %s is missing (%s)", filename, export_dir, target)
        feeds[_scoped(proto.tensor_info.name, import_scope)] = os.fsencode(os.path.join(assets_dir, filename))
    return feeds


def _op_from_collection(meta_graph_def, key, graph, import_scope):
    cd = meta_graph_def.collection_def.get(key)
    if cd is None:
        return None
    names = list(cd.node_list.value)
    if len(names) != 1:
        raise RuntimeError("Expected exactly one SavedModel %s op. Found %d: %s." % (key, len(names), names))
    return graph.as_graph_element(_scoped(names[0], import_scope))


def get_init_op(meta_graph_def, import_scope=None, graph=None):
    """The op to run after restoring: the ``__saved_model_init_op`` signature, the main op, or legacy init op."""
    graph = graph or get_default_graph()
    sig = meta_graph_def.signature_def.get(constants.INIT_OP_SIGNATURE_KEY)
    if sig is not None and constants.INIT_OP_SIGNATURE_KEY in sig.outputs:
        return graph.as_graph_element(_scoped(sig.outputs[constants.INIT_OP_SIGNATURE_KEY].name, import_scope))
    return (_op_from_collection(meta_graph_def, constants.MAIN_OP_KEY, graph, import_scope) or
            _op_from_collection(meta_graph_def, constants.LEGACY_INIT_OP_KEY, graph, import_scope))


def get_train_op(meta_graph_def, import_scope=None, graph=None):
    graph = graph or get_default_graph()
    sig = meta_graph_def.signature_def.get(constants.TRAIN_OP_SIGNATURE_KEY)
    if sig is not None and constants.TRAIN_OP_SIGNATURE_KEY in sig.outputs:
        return graph.as_graph_element(_scoped(sig.outputs[constants.TRAIN_OP_SIGNATURE_KEY].name, import_scope))
    return _op_from_collection(meta_graph_def, constants.TRAIN_OP_KEY, graph, import_scope)


_VARIABLE_OPS = frozenset(["VarHandleOp", "VariableV2", "Variable"])


class SavedModelLoader:
    """Loads MetaGraphDefs of one SavedModel directory; ``load`` is the one-call form."""

    def __init__(self, export_dir):
        self._export_dir = _path(export_dir)
        self._variables_path = utils.get_variables_path(self._export_dir)
        self._saved_model = parse_saved_model(self._export_dir)

    export_dir = property(lambda self: self._export_dir)
    variables_path = property(lambda self: self._variables_path)
    saved_model = property(lambda self: self._saved_model)

    def tag_sets(self):
        """The tag-sets present, in file order (each a list of tags)."""
        return [list(mg.meta_info_def.tags) for mg in self._saved_model.meta_graphs]

    def get_meta_graph_def_from_tags(self, tags):
        return meta_graph_from_tags(self._saved_model, tags, self._export_dir)

    def load_graph(self, graph, tags, import_scope=None, clear_devices=False, device_types=None):
        """Checks kernels, then imports the tagged graph and its collections into ``graph``."""
        mg = self.get_meta_graph_def_from_tags(tags)
        check_kernels(mg.graph_def, device_types)
        get_asset_tensors(self._export_dir, mg, import_scope)     # refuse escaping asset paths up front
        with graph.as_default():
            import_scoped_meta_graph(mg, clear_devices=clear_devices, graph=graph, import_scope=import_scope)
        return mg

    def restore_variables(self, sess, meta_graph_def, import_scope=None, **saver_kwargs):
        """Restores ``variables/variables`` through the SaverDef's restore op (or a new Saver when none)."""
        graph = sess.graph
        sd = meta_graph_def.saver_def if meta_graph_def.HasField("saver_def") else None
        has_vars = any(nd.op in _VARIABLE_OPS for nd in meta_graph_def.graph_def.node)
        if sd is None and not has_vars:
            logger.info("The specified SavedModel has no variables; no checkpoints were restored.")
            return
        index = self._variables_path + ".index"
        if not file_io.isfile(index):
            raise errors.NotFoundError(
                None, None, "SavedModel %s has %s but its variables checkpoint is missing: %s does not exist. "
                "The export is incomplete or was damaged." % (
                    self._export_dir, "a SaverDef" if sd is not None else "variables", index))
        if sd is not None and sd.restore_op_name and not saver_kwargs:
            # TensorFlow's Saver.restore is exactly this run: the restore op, fed the checkpoint prefix.
            restore_op = graph.as_graph_element(_scoped(sd.restore_op_name, import_scope))
            filename = graph.as_graph_element(_scoped(sd.filename_tensor_name, import_scope))
            sess.run(restore_op, {filename: self._variables_path})
            restore_object_graph_variables(sess, meta_graph_def, self._variables_path, import_scope)
            return
        with graph.as_default():
            if sd is not None:
                saver = Saver(saver_def=sd, name=import_scope, **saver_kwargs)
            else:
                saver = Saver(**saver_kwargs)
        saver.restore(sess, self._variables_path)

    def run_init_ops(self, sess, meta_graph_def, import_scope=None):
        feeds = get_asset_tensors(self._export_dir, meta_graph_def, import_scope)
        init_op = get_init_op(meta_graph_def, import_scope, graph=sess.graph)
        if init_op is not None:
            sess.run([init_op], feed_dict=feeds)

    def load(self, sess, tags, import_scope=None, **saver_kwargs):
        """Imports, restores and initializes; returns the MetaGraphDef loaded."""
        clear_devices = bool(saver_kwargs.pop("clear_devices", False))
        device_types = tuple(sorted({d.device_type for d in sess.list_devices()})) \
            if hasattr(sess, "list_devices") else None
        mg = self.load_graph(sess.graph, tags, import_scope, clear_devices=clear_devices, device_types=device_types)
        with sess.graph.as_default():
            self.restore_variables(sess, mg, import_scope, **saver_kwargs)
            self.run_init_ops(sess, mg, import_scope)
        logger.info("Loaded SavedModel %s with tags %s", self._export_dir, _show_tag_set(mg.meta_info_def.tags))
        return mg


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Loads the MetaGraphDef tagged ``tags`` of the SavedModel in ``export_dir`` into ``sess``.

        with tg.Session(graph=tg.Graph()) as sess:
            mg = loader.load(sess, ["serve"], "/tmp/half_plus_two")

    ``import_scope`` prefixes every imported name; ``clear_devices=True`` drops the graph's device
    placements (as TensorFlow's import_meta_graph does); other keyword arguments go to the Saver.
    Returns the MetaGraphDef.
    """
    return SavedModelLoader(export_dir).load(sess, tags, import_scope, **saver_kwargs)
