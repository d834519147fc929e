"""SavedModelBuilder: writes a SavedModel of one or more tagged MetaGraphDefs sharing one set of variables.

    builder = saved_model.builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        ...
        builder.add_meta_graph_and_variables(sess, [tag_constants.TRAINING],
                                             signature_def_map=foo_signatures,
                                             strip_default_attrs=True)
    with tg.Session(graph=tg.Graph()) as sess:
        ...
        builder.add_meta_graph([tag_constants.SERVING], strip_default_attrs=True)
    builder.save()

The layout is TensorFlow's::

    export_dir/
        assets/                  asset files, copied here under their base names
        assets.extra/            left to the user
        variables/variables.data-?????-of-?????, variables/variables.index
        saved_model.pb           (or saved_model.pbtxt)

The directory becomes a SavedModel only when ``save()`` writes ``saved_model.pb``, last and atomically: a
reader never sees a ``saved_model.pb`` whose variables or assets are still being written. ``export_dir`` may
be a URL (``s3://bucket/models/m/1``): each object is uploaded whole, ``saved_model.pb`` last, which is the
marker the model server waits for (with a whole variables checkpoint) before it loads a version.
"""
import filecmp
import logging
import os
import shutil

from google.protobuf import text_format

from tagraph.engine.framework import errors, file_io
from tagraph.engine.framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from tagraph.protos import meta_graph_pb2, saved_model_pb2
from tagraph.protos.type_urls import unpack_any
from tagraph.serialization.atomic_file import remove_quietly, temp_name, write_atomic
from tagraph.serialization.meta_graph_io import check_exportable, create_meta_graph_def
from tagraph.serialization.saved_model import constants
from tagraph.serialization.saved_model import utils
from tagraph.serialization.saver import Saver

logger = logging.getLogger("tagraph.saved_model")

__all__ = ["SavedModelBuilder", "Builder"]


class SavedModelBuilder:
    """Builds a SavedModel in ``export_dir`` (created if missing; refused if it exists and is not empty)."""

    def __init__(self, export_dir):
        export_dir = os.fsdecode(export_dir) if isinstance(export_dir, bytes) else os.fspath(export_dir)
        if file_io.exists(export_dir):
            if not file_io.isdir(export_dir):
                raise errors.FailedPreconditionError(
                    None, None, "Export directory %s exists and is not a directory." % export_dir)
            if file_io.listdir(export_dir):
                raise AssertionError(
                    "Export directory already exists, and isn't empty. Please choose a different export "
                    "directory, or delete all the contents of the specified directory: %s" % export_dir)
        else:
            file_io.makedirs(export_dir)
        self._export_dir = export_dir
        self._saved_model = saved_model_pb2.SavedModel(
            saved_model_schema_version=constants.SAVED_MODEL_SCHEMA_VERSION)
        self._has_saved_variables = False
        self._tag_sets = []
        self._saved_asset_files = set()   # base names already in assets/ (the first one wins)

    export_dir = property(lambda self: self._export_dir)

    # --- public API ------------------------------------------------------------------------------

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None, assets_collection=None,
                                     legacy_init_op=None, clear_devices=False, main_op=None,
                                     strip_default_attrs=False, saver=None):
        """Saves the session's variables and adds the current graph as the first MetaGraphDef.

        ``tags``: the tag-set of this MetaGraphDef (e.g. ``[tag_constants.SERVING]``).
        ``signature_def_map``: key -> SignatureDef. ``assets_collection``: asset path tensors (string
        Consts) to copy into ``assets/``; by default the graph's ``ASSET_FILEPATHS`` collection.
        ``main_op`` (or ``legacy_init_op``): an op run after restoring, fed the assets' new paths.
        ``strip_default_attrs``: drop attributes equal to their OpDef default (forward compatibility).
        ``saver``: a Saver to save with; by default a sharded V2 Saver of every saveable object.
        """
        if self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has already been saved. Please "
                                 "invoke `add_meta_graph()` instead.")
        graph = sess.graph
        signature_def_map = signature_def_map or {}
        tags = self._check_tags(tags)
        self._validate_signature_def_map(signature_def_map, graph)
        main_op = main_op if main_op is not None else legacy_init_op
        with graph.as_default():
            self._add_collections(graph, assets_collection, main_op)
            saver = self._maybe_create_saver(graph, saver)
            variables_dir = utils.get_variables_dir(self._export_dir)
            file_io.makedirs(variables_dir)
            saver_def = None
            if saver is not None:
                saver.save(sess, utils.get_variables_path(self._export_dir), write_meta_graph=False,
                           write_state=False)
                saver_def = saver.as_saver_def()
            self._tag_and_add_meta_graph(graph, saver_def, tags, signature_def_map, clear_devices,
                                         strip_default_attrs)
        self._has_saved_variables = True

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None, legacy_init_op=None,
                       clear_devices=False, main_op=None, strip_default_attrs=False, saver=None):
        """Adds the default graph as another MetaGraphDef, sharing the variables already saved.

        The tag-set must differ from those added before; arguments as in add_meta_graph_and_variables.
        """
        if not self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has not been saved yet. Please "
                                 "invoke `add_meta_graph_and_variables()` first.")
        graph = get_default_graph()
        signature_def_map = signature_def_map or {}
        tags = self._check_tags(tags)
        self._validate_signature_def_map(signature_def_map, graph)
        main_op = main_op if main_op is not None else legacy_init_op
        with graph.as_default():
            self._add_collections(graph, assets_collection, main_op)
            saver = self._maybe_create_saver(graph, saver)
            saver_def = saver.as_saver_def() if saver is not None else None
            self._tag_and_add_meta_graph(graph, saver_def, tags, signature_def_map, clear_devices,
                                         strip_default_attrs)

    def save(self, as_text=False):
        """Writes ``saved_model.pb`` (or ``saved_model.pbtxt``) atomically; returns its path."""
        if not self._saved_model.meta_graphs:
            raise AssertionError("Nothing to save: no MetaGraphDef was added. Invoke "
                                 "`add_meta_graph_and_variables()` first.")
        file_io.makedirs(self._export_dir)
        if as_text:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
            write_atomic(path, text_format.MessageToString(self._saved_model))
        else:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PB)
            write_atomic(path, self._saved_model.SerializeToString(deterministic=True))
        logger.info("SavedModel written to: %s", path)
        return path

    # --- helpers ---------------------------------------------------------------------------------

    def _check_tags(self, tags):
        if tags is None:
            raise ValueError("tags must be given: a list of strings such as [tag_constants.SERVING]")
        if isinstance(tags, (str, bytes)):
            tags = [tags]
        tags = [t.decode("utf-8") if isinstance(t, bytes) else t for t in tags]
        if not all(isinstance(t, str) and t for t in tags):
            raise TypeError("tags must be non-empty strings, got %r" % (tags,))
        if set(tags) in self._tag_sets:
            raise ValueError("A MetaGraphDef with tag-set %s was already added to this SavedModel; each "
                             "MetaGraphDef needs its own tag-set (present: %s)"
                             % (_show_tags(tags), ", ".join(_show_tags(t) for t in self._tag_sets)))
        return tags

    def _validate_signature_def_map(self, signature_def_map, graph):
        for key, sig in signature_def_map.items():
            if not isinstance(key, str):
                raise TypeError("SignatureDef keys must be strings, got %r" % (key,))
            if not hasattr(sig, "inputs") or not hasattr(sig, "outputs"):
                raise TypeError("signature_def_map[%r] must be a SignatureDef proto, got %s"
                                % (key, type(sig).__name__))
            for side, infos in (("input", sig.inputs), ("output", sig.outputs)):
                for name, info in infos.items():
                    self._validate_tensor_info(key, side, name, info, graph)
        for reserved in (constants.INIT_OP_SIGNATURE_KEY, constants.TRAIN_OP_SIGNATURE_KEY):
            if reserved in signature_def_map:
                raise KeyError('SignatureDef map key "%s" is reserved for initialization. Please use a different '
                               'key.' % reserved)

    @staticmethod
    def _validate_tensor_info(key, side, name, info, graph):
        if info is None:
            raise AssertionError("All TensorInfo protos used in the SignatureDefs must have the name and dtype "
                                 "fields set.")
        encoding = info.WhichOneof("encoding")
        if encoding is None:
            raise AssertionError("Invalid `tensor_info` for %s '%s' of signature '%s': %s. All TensorInfo protos "
                                 "used in the SignatureDefs must have one of the 'encoding' fields (e.g., name or "
                                 "coo_sparse) set." % (side, name, key, info))
        if info.dtype == 0:
            raise AssertionError("Invalid `tensor_info` for %s '%s' of signature '%s': %s. All TensorInfo protos "
                                 "used in the SignatureDefs must have the dtype field set." % (side, name, key, info))
        names = [info.name] if encoding == "name" else \
            [info.coo_sparse.values_tensor_name, info.coo_sparse.indices_tensor_name,
             info.coo_sparse.dense_shape_tensor_name] if encoding == "coo_sparse" else []
        for n in names:
            try:
                graph.get_tensor_by_name(n)
            except (KeyError, ValueError) as e:
                raise ValueError("Signature '%s' %s '%s' names tensor '%s', which is not in the graph being "
                                 "saved: %s" % (key, side, name, n, e)) from None

    def _add_collections(self, graph, assets_collection, main_op):
        if assets_collection is None:
            assets_collection = graph.get_collection(GraphKeys.ASSET_FILEPATHS)
        self._save_and_write_assets(graph, assets_collection)
        self._maybe_add_main_op(graph, main_op)

    def _save_and_write_assets(self, graph, assets):
        _normalize_asset_collection(graph)
        if not assets:
            logger.info("No assets to save.")
            return
        filename_map = {}     # asset base name (in this meta graph) -> source path
        for tensor in assets:
            source = _asset_path_from_tensor(tensor)
            filename = _asset_filename_to_add(source, filename_map)
            filename_map[filename] = source
            proto = meta_graph_pb2.AssetFileDef(filename=filename)
            proto.tensor_info.name = tensor.name
            existing = graph.get_collection_ref(constants.ASSETS_KEY)
            if not any(getattr(e, "filename", None) == filename and e.tensor_info.name == tensor.name
                       for e in existing):
                existing.append(proto)
        self._copy_assets(filename_map)

    def _copy_assets(self, filename_map):
        assets_dir = utils.get_assets_dir(self._export_dir)
        file_io.makedirs(assets_dir)
        for filename, source in filename_map.items():
            dest = os.path.join(assets_dir, filename)
            if filename in self._saved_asset_files or file_io.exists(dest):
                # As the guide says: when several MetaGraphDefs bring an asset of one name, the first stays.
                logger.info("Asset %s is already in %s; the first one is kept (not copying %s).",
                            filename, assets_dir, source)
                self._saved_asset_files.add(filename)
                continue
            if file_io.is_url(source) or file_io.is_url(dest):
                try:   # one upload per asset: it appears whole (see atomic_file)
                    file_io.copy(source, dest, overwrite=True)
                except errors.OpError as e:
                    raise errors.NotFoundError(None, None, "Cannot copy asset file %s into %s: %s"
                                               % (source, assets_dir, e.message)) from None
            elif os.path.abspath(source) != os.path.abspath(dest):
                tmp = temp_name(dest)
                try:
                    shutil.copyfile(source, tmp)
                    os.replace(tmp, dest)
                except OSError as e:
                    remove_quietly(tmp)
                    raise errors.NotFoundError(None, None, "Cannot copy asset file %s into %s: %s"
                                               % (source, assets_dir, e.strerror or e)) from None
            self._saved_asset_files.add(filename)

    @staticmethod
    def _maybe_add_main_op(graph, main_op):
        if main_op is None:
            return
        if not isinstance(main_op, Operation):
            raise TypeError("Expected %r to be an Operation but got type %s instead." % (main_op, type(main_op)))
        for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
            present = graph.get_collection(key)
            if present == [main_op]:
                return        # the same graph exported again (another tag-set): already recorded
            if present:
                raise ValueError("Graph already contains one or more main ops under the collection %s." % key)
        graph.add_to_collection(constants.MAIN_OP_KEY, main_op)

    @staticmethod
    def _maybe_create_saver(graph, saver):
        if saver is not None:
            return saver
        if not graph.get_collection(GraphKeys.GLOBAL_VARIABLES) and \
                not graph.get_collection(GraphKeys.SAVEABLE_OBJECTS):
            return None     # TensorFlow's Saver(allow_empty=True) is empty too: no SaverDef, no files
        return Saver(sharded=True, allow_empty=True)

    def _tag_and_add_meta_graph(self, graph, saver_def, tags, signature_def_map, clear_devices,
                                strip_default_attrs):
        mg = create_meta_graph_def(graph, saver_def=saver_def, clear_devices=clear_devices,
                                   strip_default_attrs=strip_default_attrs, tags=list(tags),
                                   signature_def_map=signature_def_map)
        check_exportable(mg.graph_def)
        self._saved_model.meta_graphs.add().CopyFrom(mg)
        self._tag_sets.append(set(tags))
        return mg


Builder = SavedModelBuilder


def _show_tags(tags):
    return "{%s}" % ", ".join(sorted(tags))


def _normalize_asset_collection(graph):
    # A graph loaded from a SavedModel holds its AssetFileDefs as packed Anys; export wants the messages.
    ref = graph.get_collection_ref(constants.ASSETS_KEY)
    for i, item in enumerate(ref):
        if hasattr(item, "type_url") and hasattr(item, "value"):
            proto = meta_graph_pb2.AssetFileDef()
            if unpack_any(item, proto):
                ref[i] = proto


def _asset_path_from_tensor(tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError("Asset path tensor %r must be a Tensor." % (tensor,))
    if tensor.op.type != "Const":
        raise TypeError("Asset path tensor %s must be of type constant. Has type %s instead."
                        % (tensor.name, tensor.op.type))
    if tensor.dtype.base_dtype.name != "string":
        raise TypeError("Asset path tensor %s must be of dtype string. Has type %s instead."
                        % (tensor.name, tensor.dtype.name))
    values = tensor.op._attrs["value"].tensor.string_val
    if len(values) != 1:
        raise TypeError("Asset path tensor %s must be a scalar." % tensor.name)
    path = os.fsdecode(values[0])
    if not path:
        raise ValueError("Asset filepath tensor %s is invalid: empty path." % tensor.name)
    return path


def _asset_filename_to_add(source, filename_map):
    filename = os.path.basename(source)
    if filename not in filename_map:
        return filename
    other = filename_map[filename]
    if other == source:
        return filename
    try:
        same = filecmp.cmp(source, other, shallow=False)
    except OSError:
        same = False
    if same:
        return filename
    i = 1
    unique = "%s_%d" % (filename, i)
    while unique in filename_map:
        i += 1
        unique = "%s_%d" % (filename, i)
    return unique
