"""Reading the SavedModel for ``saved_model_cli``: its protos only, never the engine."""
import os

from google.protobuf import text_format

from tagraph.protos import saved_model_pb2
from tagraph.serialization.saved_model_cli.common import CliError

__all__ = ["read_saved_model"]


def _listing(path, limit=12):
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return None
    shown = [n + ("/" if os.path.isdir(os.path.join(path, n)) else "") for n in names[:limit]]
    if len(names) > limit:
        shown.append("... (%d more)" % (len(names) - limit))
    return ", ".join(shown) if shown else "nothing"


def read_saved_model(saved_model_dir):
    """The SavedModel proto of ``saved_model_dir`` (``saved_model.pb``, else ``saved_model.pbtxt``)."""
    path_pb = os.path.join(saved_model_dir, "saved_model.pb")
    path_pbtxt = os.path.join(saved_model_dir, "saved_model.pbtxt")
    if not os.path.exists(path_pb) and not os.path.exists(path_pbtxt):
        # TensorFlow's message, then what is there, so that a wrong path or a model base path is obvious.
        msg = "SavedModel file does not exist at: %s" % saved_model_dir
        if not os.path.exists(saved_model_dir):
            msg += " (no such file or directory)"
        elif not os.path.isdir(saved_model_dir):
            msg += " (not a directory)"
        else:
            msg += " (the directory holds: %s)" % _listing(saved_model_dir)
            versions = [n for n in os.listdir(saved_model_dir)
                        if n.isdigit() and os.path.isfile(os.path.join(saved_model_dir, n, "saved_model.pb"))]
            if versions:
                msg += "; a model base path? try --dir %s" % os.path.join(
                    saved_model_dir, max(versions, key=int))
        raise CliError(msg, "OSError")
    saved_model = saved_model_pb2.SavedModel()
    if os.path.exists(path_pb):
        try:
            with open(path_pb, "rb") as f:
                saved_model.ParseFromString(f.read())
        except OSError as e:
            raise CliError("Cannot read proto file %s: %s." % (path_pb, e), "OSError") from e
        except Exception as e:  # google.protobuf.message.DecodeError
            raise CliError("Cannot parse proto file %s: %s." % (path_pb, e), "OSError") from e
        return saved_model
    try:
        with open(path_pbtxt, "rb") as f:
            text_format.Merge(f.read().decode("utf-8"), saved_model)
    except (OSError, UnicodeDecodeError, text_format.ParseError) as e:
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
