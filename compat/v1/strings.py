"""``tf.strings``: ``tagraph.engine.strings``, the engine's own ``tf.strings`` namespace.

    tf.strings.join([prefix, "_temp/part"])
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.strings", sources=(_tg.strings,))
