"""Which op types a set of models uses, and which of them tagraph can run.

    tagraph-op-coverage exported/1 frozen.pb model.ckpt.meta
    tagraph-op-coverage --json models/

Each PATH is a SavedModel directory, a MetaGraphDef (``.meta``), a GraphDef (``.pb`` binary, ``.pbtxt`` text),
or a directory searched at any depth for those. Op types are counted in the graphs and in every function of
their libraries (the bodies of ``tf.function``s, ``Defun``s, loops and conds of control flow v2). An op type that
names a library function is a call to that function and counts as supported; any other op type is supported
when tagraph has a kernel for it on the CPU: an op known only by its OpDef runs nowhere. Exit status: 0 when
every op type is supported, 1 when some are missing, 2 when a path is not a readable model.

From Python:

    report = coverage(["exported/1"])
    report.missing        # ["FooOp", ...]
"""
import argparse
import collections
import json
import os
import sys

from google.protobuf import message, text_format

import tagraph.engine  # noqa: F401  (installs the op loader: a kernel lookup imports its family)
import tagraph.serialization  # noqa: F401  (registers the saver's and readers' kernels)
from tagraph.devices import kernel_registry
from tagraph.devices.kind import host_kind, registered_kinds
from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import OpError
from tagraph.protos import graph_pb2, meta_graph_pb2, saved_model_pb2

__all__ = ["BadModelError", "OpUse", "Coverage", "find_models", "read_graph_defs", "count_op_types",
           "op_support", "coverage", "main"]

_SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
_GRAPH_SUFFIXES = (".meta", ".pb", ".pbtxt")


class BadModelError(Exception):
    """A path that is missing, unreadable, or not a SavedModel, MetaGraphDef or GraphDef."""


OpUse = collections.namedtuple("OpUse", "op_type nodes function kernels supported")
OpUse.__doc__ = """One op type: ``nodes`` using it, ``function`` (it names a library function), ``kernels``
({device type: has a kernel}), ``supported``."""


class Coverage(collections.namedtuple("Coverage", "sources device_types ops")):
    """What :func:`coverage` found: the model files read, the device types of the kernel columns, one
    :class:`OpUse` per op type (sorted by name)."""

    @property
    def missing(self):
        return [u.op_type for u in self.ops if not u.supported]

    @property
    def supported_count(self):
        return sum(u.supported for u in self.ops)

    def summary(self):
        return "%d of %d op types supported; missing: %s" % (
            self.supported_count, len(self.ops), ", ".join(self.missing) or "none")

    def as_dict(self):
        return {"sources": list(self.sources), "device_types": list(self.device_types),
                "ops": [{"op_type": u.op_type, "nodes": u.nodes, "function": u.function,
                         "kernels": dict(u.kernels), "supported": u.supported} for u in self.ops],
                "supported": self.supported_count, "total": len(self.ops), "missing": self.missing}

    def table(self):
        header = ["op type", "nodes"] + list(self.device_types) + ["supported"]
        rows = [[u.op_type, str(u.nodes)]
                + ["function" if u.function else ("yes" if u.kernels[t] else "-") for t in self.device_types]
                + ["yes" if u.supported else "MISSING"] for u in self.ops]
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header] + rows]
        return "\n".join(lines + ["", self.summary()])


def _is_saved_model_dir(path):
    return any(file_io.exists(file_io.join(path, name)) for name in _SAVED_MODEL_FILES)


def find_models(path):
    """The models ``path`` names: itself when it is a SavedModel directory or a graph file, else every
    SavedModel directory and ``.meta``/``.pb``/``.pbtxt`` file under it (a SavedModel's own files once, as
    the SavedModel), sorted."""
    path = os.fspath(path)
    try:
        if not file_io.exists(path):
            raise BadModelError("%s: no such file or directory" % path)
        if not file_io.isdir(path) or _is_saved_model_dir(path):
            return [path]
        found = []
        for root, dirs, files in file_io.walk(path):
            if any(name in files for name in _SAVED_MODEL_FILES):
                found.append(root)
                dirs[:] = []          # variables/ and assets/ belong to the SavedModel
                continue
            found.extend(file_io.join(root, f) for f in files if f.endswith(_GRAPH_SUFFIXES))
            dirs.sort()
    except OpError as e:
        raise BadModelError("%s: %s" % (path, e.message)) from None
    return sorted(found)


def _parse(proto, data, text, path, what):
    try:
        if text:
            text_format.Parse(data.decode("utf-8"), proto)
        else:
            proto.ParseFromString(data)
    except (message.DecodeError, text_format.ParseError, UnicodeDecodeError, ValueError) as e:
        raise BadModelError("%s: not a %s (%s)" % (path, what, str(e).strip() or type(e).__name__)) from None
    return proto


def _read(path):
    try:
        return file_io.read_file(path)
    except OpError as e:
        raise BadModelError("%s: cannot read: %s" % (path, e.message)) from None
    except OSError as e:
        raise BadModelError("%s: cannot read: %s" % (path, e.strerror or e)) from None


def _checked(graph_def, path, what):
    # Binary protobuf parses many byte strings; a node without an op type, or nothing at all, is no graph.
    if not graph_def.node and not graph_def.library.function:
        raise BadModelError("%s: not a %s (it holds no nodes)" % (path, what))
    if any(not n.op for n in graph_def.node):
        raise BadModelError("%s: not a %s (a node without an op type)" % (path, what))
    return graph_def


def read_graph_defs(path):
    """``(description, GraphDef)`` for each graph in the model at ``path``: every MetaGraphDef of a
    SavedModel directory, the graph of a ``.meta`` file, a ``.pb``/``.pbtxt`` GraphDef.

    BadModelError names the path when it cannot be read or parsed."""
    path = os.fspath(path)
    try:
        is_dir = file_io.isdir(path)
    except OpError as e:
        raise BadModelError("%s: %s" % (path, e.message)) from None
    if is_dir:
        for name in _SAVED_MODEL_FILES:
            file = file_io.join(path, name)
            if file_io.exists(file):
                saved_model = _parse(saved_model_pb2.SavedModel(), _read(file), name.endswith(".pbtxt"),
                                     file, "SavedModel")
                if not saved_model.meta_graphs:
                    raise BadModelError("%s: not a SavedModel (it holds no MetaGraphDef)" % file)
                return [("%s [%s]" % (path, ",".join(m.meta_info_def.tags)),
                         _checked(m.graph_def, file, "SavedModel")) for m in saved_model.meta_graphs]
        raise BadModelError("%s: a directory without saved_model.pb or saved_model.pbtxt" % path)
    data = _read(path)
    if path.endswith(".meta"):
        try:
            meta_graph = _parse(meta_graph_pb2.MetaGraphDef(), data, False, path, "MetaGraphDef")
        except BadModelError as binary_error:
            # export_meta_graph(as_text=True) writes text under the same suffix.
            try:
                meta_graph = _parse(meta_graph_pb2.MetaGraphDef(), data, True, path, "MetaGraphDef")
            except BadModelError:
                raise binary_error from None
        return [(path, _checked(meta_graph.graph_def, path, "MetaGraphDef"))]
    if path.endswith((".pb", ".pbtxt")):
        graph_def = _parse(graph_pb2.GraphDef(), data, path.endswith(".pbtxt"), path, "GraphDef")
        return [(path, _checked(graph_def, path, "GraphDef"))]
    raise BadModelError("%s: not a SavedModel directory, .meta, .pb or .pbtxt file" % path)


def count_op_types(graph_defs):
    """``(Counter of op type -> nodes, set of library function names)`` over ``graph_defs``, function
    bodies included."""
    counts = collections.Counter()
    functions = set()
    for graph_def in graph_defs:
        counts.update(n.op for n in graph_def.node)
        for fdef in graph_def.library.function:
            functions.add(fdef.signature.name)
            counts.update(n.op for n in fdef.node_def)
    return counts, functions


def op_support(op_type, functions=()):
    """``(kernels, supported)``: {device type: tagraph has a kernel for ``op_type`` there}, and whether it
    runs (a call to one of ``functions``, or a kernel on the CPU).

        op_support("MatMul")     # ({"CPU": True, "GPU": True}, True)
    """
    kernels = {k.device_type: kernel_registry.has_kernel(op_type, k.device_type) for k in registered_kinds()}
    return kernels, op_type in functions or kernels[host_kind().device_type]


def coverage(paths=(), op_types=()):
    """The :class:`Coverage` of the models at ``paths`` (see :func:`find_models`) and of the extra
    ``op_types`` (a list of names, counted with no nodes)."""
    sources, graph_defs = [], []
    for path in paths:
        for model in find_models(path):
            sources.append(model)
            graph_defs.extend(g for _, g in read_graph_defs(model))
    counts, functions = count_op_types(graph_defs)
    for op_type in op_types:
        counts.setdefault(op_type, 0)
    ops = []
    for op_type in sorted(counts):
        kernels, supported = op_support(op_type, functions)
        ops.append(OpUse(op_type, counts[op_type], op_type in functions, kernels, supported))
    return Coverage(tuple(sources), tuple(k.device_type for k in registered_kinds()), tuple(ops))


def read_op_list(path):
    """Op type names from a text file: one a line, ``#`` comments and blank lines skipped."""
    try:
        text = _read(os.fspath(path)).decode("utf-8")
    except UnicodeDecodeError:
        raise BadModelError("%s: not a text file of op type names" % path) from None
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tagraph-op-coverage",
        description="Lists the op types of SavedModels, meta graphs (.meta) and GraphDefs (.pb, .pbtxt), "
                    "function libraries included, and which of them tagraph has kernels for. Exit status: "
                    "0 all supported, 1 some missing, 2 bad input.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="a SavedModel directory, a .meta, .pb or .pbtxt file, or a directory to search")
    parser.add_argument("--op-list", action="append", default=[], metavar="FILE",
                        help="also check the op types named in FILE (one a line, # comments)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if not args.paths and not args.op_list:
        parser.error("give at least one PATH or --op-list FILE")
    try:
        op_types = [name for file in args.op_list for name in read_op_list(file)]
        report = coverage(args.paths, op_types)
    except BadModelError as e:
        print("tagraph-op-coverage: error: %s" % e, file=sys.stderr)
        return 2
    if args.paths and not report.sources:
        print("tagraph-op-coverage: error: no SavedModel, .meta, .pb or .pbtxt file under %s"
              % ", ".join(args.paths), file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    return 1 if report.missing else 0


if __name__ == "__main__":
    sys.exit(main())
