"""Reading the SavedModel for ``saved_model_cli``: its protos only, never the engine. ``--dir`` may be a URL
(``s3://bucket/models/m/1``; ``tagraph.engine.framework.file_io``)."""
import os

from google.protobuf import text_format

from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import OpError
from tagraph.protos import saved_model_pb2
from tagraph.serialization.saved_model_cli.common import CliError

__all__ = ["read_saved_model"]


def _listing(path, limit=12):
    try:
        names = sorted(file_io.listdir(path))
        shown = [n + ("/" if file_io.isdir(os.path.join(path, n)) else "") for n in names[:limit]]
    except (OSError, OpError):
        return None
    if len(names) > limit:
        shown.append("... (%d more)" % (len(names) - limit))
    return ", ".join(shown) if shown else "nothing"


def read_saved_model(saved_model_dir):
    """The SavedModel proto of ``saved_model_dir`` (``saved_model.pb``, else ``saved_model.pbtxt``)."""
    path_pb = os.path.join(saved_model_dir, "saved_model.pb")
    path_pbtxt = os.path.join(saved_model_dir, "saved_model.pbtxt")
    try:
        has_pb = file_io.exists(path_pb)
        has_any = has_pb or file_io.exists(path_pbtxt)
    except OpError as e:   # an object store refusing the credentials, or unreachable
        raise CliError("Cannot read %s: %s" % (saved_model_dir, e.message), "OSError") from None
    if not has_any:
        # TensorFlow's message, then what is there, so that a wrong path or a model base path is obvious.
        msg = "SavedModel file does not exist at: %s" % saved_model_dir
        if not file_io.exists(saved_model_dir):
            msg += " (no such file or directory)"
        elif not file_io.isdir(saved_model_dir):
            msg += " (not a directory)"
        else:
            msg += " (the directory holds: %s)" % _listing(saved_model_dir)
            versions = [n for n in file_io.listdir(saved_model_dir)
                        if n.isdigit() and file_io.isfile(os.path.join(saved_model_dir, n, "saved_model.pb"))]
            if versions:
                msg += "; a model base path? try --dir %s" % os.path.join(
                    saved_model_dir, max(versions, key=int))
        raise CliError(msg, "OSError")
    saved_model = saved_model_pb2.SavedModel()
    if has_pb:
        try:
            saved_model.ParseFromString(file_io.read_file(path_pb))
        except (OSError, OpError) as e:
            raise CliError("Cannot read proto file %s: %s." % (path_pb, e), "OSError") from e
        except Exception as e:  # google.protobuf.message.DecodeError
            raise CliError("Cannot parse proto file %s: %s." % (path_pb, e), "OSError") from e
        return saved_model
    try:
        text_format.Merge(file_io.read_file(path_pbtxt).decode("utf-8"), saved_model)
    except (OSError, OpError, UnicodeDecodeError, text_format.ParseError) as e:
        raise CliError("Cannot parse pbtxt file %s: %s." % (path_pbtxt, e), "OSError") from e
    return saved_model


def _sanitize_nonempty_str_list(xs, name):
    out = [s for s in (str(x).strip() for x in xs if x is not None) if s]
    if not out:
        raise CliError("%s must contain at least one non-empty item." % name, "ValueError")
    return out


def _get_meta_graph_def(saved_model, tag_set):
    # Empty tags are dropped, so that "" means the empty tag-set (TensorFlow's rule).
    set_of_tags = set([tag for tag in tag_set.split(",") if tag])
    valid_tags = []
    for meta_graph_def in saved_model.meta_graphs:
        meta_graph_tags = set(meta_graph_def.meta_info_def.tags)
        if meta_graph_tags == set_of_tags:
            return meta_graph_def
        valid_tags.append(",".join(meta_graph_tags))
    raise CliError("MetaGraphDef associated with tag-set %s could not be found in the SavedModel. Please use "
                   "one of the following tag-sets: %s" % (tag_set, valid_tags))


def _tags_repr(meta_graph_def):
    return repr(list(meta_graph_def.meta_info_def.tags))


def _ops_used_by_graph_def(graph_def):
    # TensorFlow's traversal (functions may call functions), in its order, so that the set built from this
    # list iterates, and prints, as TensorFlow's does.
    name_to_function = {}
    for fun in graph_def.library.function:
        name_to_function[fun.signature.name] = fun
    used_ops = set()
    functions_to_process = []

    def mark_op_as_used(op):
        if op not in used_ops and op in name_to_function:
            functions_to_process.append(name_to_function[op])
        used_ops.add(op)

    def process_node(node):
        mark_op_as_used(node.op)
        if node.op in ["PartitionedCall", "StatefulPartitionedCall"]:
            mark_op_as_used(node.attr["f"].func.name)

    for node in graph_def.node:
        process_node(node)
    while functions_to_process:
        fun = functions_to_process.pop()
        for node in fun.node_def:
            process_node(node)
    return [op for op in used_ops if op not in name_to_function]


def _signature_not_found(meta_graph_def, signature_def_key):
    # TensorFlow lists the keys in the map's order, which changes from process to process; sorted here.
    return CliError('Could not find signature "%s". Please choose from: %s'
                    % (signature_def_key, ", ".join(sorted(meta_graph_def.signature_def.keys()))), "ValueError")
