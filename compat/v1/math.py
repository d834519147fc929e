"""``tf.math``: the element-wise, reduction and segment ops of ``tagraph.engine`` and the ones of
``tagraph.engine.nn`` that TensorFlow also lists here (softmax, in_top_k, top_k, ...).

In TensorFlow every name ``tf.math`` shares with ``tf`` or ``tf.nn`` is the same op with the same
arguments, so the names are taken from those namespaces as they are.

    tf.math.reduce_sum(x, axis=1)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

divide_no_nan = _tg.div_no_nan      # TensorFlow 1's tf.div_no_nan under its tf.math name

_namespace.install(globals(), "tf.math", sources=(_tg, _tg.nn))
