"""``tf.metrics``: ``tagraph.engine.metrics`` (streaming metrics: a value and an update op).

    acc, acc_update = tf.metrics.accuracy(labels, predictions)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.metrics", sources=(_tg.metrics,))
