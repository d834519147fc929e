"""``tf.errors``: TensorFlow's error classes and codes (``tagraph.engine.errors``).

    try:
        sess.run(y, {x: bad})
    except tf.errors.InvalidArgumentError as e:
        ...
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.errors", sources=(_tg.errors,))
