"""``tf.layers``: ``tagraph.engine.layers``, TensorFlow 1's functional layers and their classes.

    h = tf.layers.dense(x, 128, activation=tf.nn.relu)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.layers", sources=(_tg.layers,))
