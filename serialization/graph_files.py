"""GraphDef files: ``tf.train.write_graph`` (also ``tf.io.write_graph``), byte for byte TensorFlow's.

    tg.train.write_graph(sess.graph, "/tmp/model", "graph.pbtxt")                 # text, sorted attributes
    tg.train.write_graph(frozen_graph_def, "/tmp/model", "frozen.pb", as_text=False)

The text form is protobuf's text format with map entries sorted by key, as ``text_format.MessageToString``
writes it; the binary form is the deterministic serialization (map entries sorted too), so the same graph
gives the same bytes every time. Files are replaced atomically; ``logdir`` is created when missing, on a
local disk or an object store (``s3://...``).
"""
import os
import sys

from google.protobuf import text_format

from tagraph.engine.framework import file_io
from tagraph.serialization.atomic_file import write_atomic

__all__ = ["write_graph"]


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Writes a Graph's GraphDef (or any proto, a GraphDef or a MetaGraphDef) to ``logdir/name``; returns
    the path.

        path = write_graph(tg.get_default_graph(), "/tmp/model", "graph.pbtxt")
    """
    graph_def = graph_or_graph_def.as_graph_def() if hasattr(graph_or_graph_def, "as_graph_def") \
        else graph_or_graph_def
    if sys.byteorder == "big":
        raise NotImplementedError("write_graph on a big-endian machine: TensorFlow swaps tensor_content to "
                                  "little-endian first, which tagraph does not do yet")
    logdir = os.fspath(logdir)
    if not logdir.startswith("gs:"):     # as TensorFlow: an object store bucket has no folders to make
        file_io.makedirs(logdir)
    path = file_io.join(logdir, name)
    if as_text:
        write_atomic(path, text_format.MessageToString(graph_def))
    else:
        write_atomic(path, graph_def.SerializeToString(deterministic=True))
    return path
