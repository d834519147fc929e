"""``tf.manip``: TensorFlow 1's older names for some array ops (``tf.manip.roll``, ``tf.manip.tile``, ...).

    y = tf.manip.roll(x, shift=1, axis=0)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.manip", sources=(_tg,))
