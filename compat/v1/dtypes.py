"""``tf.dtypes``: TensorFlow's dtypes (``tagraph.engine.dtypes``) and casts.

    tf.dtypes.as_dtype("float32") is tf.float32
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

# TensorFlow's second names for two dtypes (the same objects).
double = _tg.float64
half = _tg.float16

_namespace.install(globals(), "tf.dtypes", sources=(_tg.dtypes, _tg))
