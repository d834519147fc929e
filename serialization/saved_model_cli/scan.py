"""``saved_model_cli scan``: reports the denylisted ops a SavedModel's graphs use."""
from tagraph.serialization.saved_model_cli.reader import (_get_meta_graph_def, _ops_used_by_graph_def,
                                                          _sanitize_nonempty_str_list, _tags_repr,
                                                          read_saved_model)

__all__ = ["scan"]

# TensorFlow's default list for `scan` (set(...) of a list, as TensorFlow builds it, so that a set prints in
# the same order as TensorFlow's under the same PYTHONHASHSEED).
_OP_DENYLIST = set(["WriteFile", "ReadFile", "PrintV2"])


def _get_op_denylist_set(op_denylist):
    return {op.strip() for op in op_denylist.split(",") if op and op.strip()}


def _scan_meta_graph_def(meta_graph_def, op_denylist, out):
    ops_in_metagraph = set(_ops_used_by_graph_def(meta_graph_def.graph_def))
    denylisted_ops = op_denylist & ops_in_metagraph
    if denylisted_ops:
        out.append("MetaGraph with tag set %s contains the following denylisted ops: %s"
                   % (_tags_repr(meta_graph_def), denylisted_ops))
    else:
        out.append("MetaGraph with tag set %s does not contain the default denylisted ops: %s"
                   % (_tags_repr(meta_graph_def), op_denylist))


def scan(args, out):
    denylist = _get_op_denylist_set(args.op_denylist) if args.op_denylist else _OP_DENYLIST
    saved_model = read_saved_model(args.dir)
    if args.tag_set:
        tags = ",".join(_sanitize_nonempty_str_list(args.tag_set.split(","), "tag_set"))
        _scan_meta_graph_def(_get_meta_graph_def(saved_model, tags), denylist, out)
    else:
        for meta_graph_def in saved_model.meta_graphs:
            _scan_meta_graph_def(meta_graph_def, denylist, out)
