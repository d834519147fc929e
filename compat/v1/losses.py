"""``tf.losses``: ``tagraph.engine.losses`` under TensorFlow 1's names.

    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.losses", sources=(_tg.losses,))
