"""``tf.python_io``: TFRecord files, which tagraph does not read or write yet: each of TensorFlow's names
here raises ``NotSupportedYetError``.
"""
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.python_io")
