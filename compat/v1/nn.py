"""``tf.nn``: ``tagraph.engine.nn`` under TensorFlow 1's names.

    logits = tf.nn.bias_add(tf.matmul(x, w), b)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.nn", sources=(_tg.nn,))
