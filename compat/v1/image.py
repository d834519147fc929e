"""``tf.image``: ``tagraph.engine.image`` under TensorFlow 1's names.

    image = tf.image.decode_jpeg(tf.read_file(path), channels=3)
    image = tf.image.resize_images(tf.image.convert_image_dtype(image, tf.float32), [224, 224])
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.image", sources=(_tg.image,))
