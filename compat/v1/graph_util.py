"""``tf.graph_util``: TensorFlow 1's GraphDef utilities, freezing included.

    frozen = tf.graph_util.convert_variables_to_constants(sess, sess.graph.as_graph_def(), ["probs"])
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.graph_util", sources=(_tg.graph_util, _tg))
