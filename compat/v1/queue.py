"""``tf.queue``: TensorFlow 1's queues (``tg.FIFOQueue``, ``tg.PaddingFIFOQueue``, ``tg.RandomShuffleQueue``,
``tg.QueueBase``), for queue input pipelines.

    q = tf.queue.FIFOQueue(10, [tf.float32], shapes=[[]])
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.queue", sources=(_tg,))
