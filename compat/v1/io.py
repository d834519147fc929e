"""``tf.io``: Example parsing, CSV and raw bytes, whole files (``tagraph.engine``), the image codecs
(``tagraph.engine.image``), TFRecord files (``tagraph.engine.framework.tfrecord``) and ``tf.io.gfile``,
TensorFlow's lower-case file API.

    features = tf.io.parse_single_example(serialized, {"x": tf.io.FixedLenFeature([2], tf.float32)})
    tf.io.gfile.makedirs("/tmp/run")
"""
import tagraph.engine as _tg
import tagraph.serialization as _serialization
from tagraph.compat import namespace as _namespace
from tagraph.compat.v1 import _files
from tagraph.engine.framework import tfrecord as _tfrecord

gfile = _namespace.new_module(__name__ + ".gfile", "tf.io.gfile", "``tf.io.gfile``: see ``tf.gfile``.",
                              sources=(_files,))

_namespace.install(globals(), "tf.io", sources=(_tg, _tg.image, _tfrecord, _serialization))
