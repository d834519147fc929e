"""``tf.graph_util``: what tagraph has of TensorFlow's GraphDef utilities.

    tf.graph_util.import_graph_def(graph_def, name="")
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.graph_util", sources=(_tg,))
