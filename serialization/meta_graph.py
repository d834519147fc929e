"""MetaGraphDef export and import: a graph, its collections, its SaverDef and signatures, in one proto.

    meta = export_meta_graph("/tmp/model.meta")
    with tg.Graph().as_default():
        saver = import_meta_graph("/tmp/model.meta")

Building, writing, reading and importing MetaGraphDefs is ``meta_graph_io``'s (the Saver builds on it);
``import_meta_graph``, which returns a Saver, is the Saver's, as in TensorFlow.
"""
from tagraph.serialization.meta_graph_io import (create_meta_graph_def, export_meta_graph, import_scoped_meta_graph,
                                                 read_meta_graph_file, stripped_op_list)
from tagraph.serialization.saver import import_meta_graph

__all__ = ["create_meta_graph_def", "export_meta_graph", "import_meta_graph", "import_scoped_meta_graph",
           "read_meta_graph_file", "stripped_op_list"]
