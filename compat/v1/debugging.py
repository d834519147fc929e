"""``tf.debugging``: TensorFlow 1's assertions and numeric checks under their ``tf.debugging`` names.

    check = tf.debugging.assert_equal(x, y)
    x = tf.debugging.assert_all_finite(x, "x went bad")       # x, checked when it runs
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

assert_all_finite = _tg.verify_tensor_all_finite

_namespace.install(globals(), "tf.debugging", sources=(_tg,))
