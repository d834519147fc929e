"""``tf.data``: input pipelines, from ``tg.data`` (TensorFlow's dataset ops in the graph).

    dataset = tf.data.TFRecordDataset(files).map(parse).shuffle(1000).batch(32).prefetch(1)
    features = tf.data.make_one_shot_iterator(dataset).get_next()
"""
import tagraph.engine as _tg
import tagraph.serialization  # noqa: F401  (registers the file datasets' kernels: TFRecordDataset, ...)
from tagraph.compat import namespace as _namespace

experimental = _namespace.new_module(__name__ + ".experimental", "tf.data.experimental",
                                     "``tf.data.experimental``: AUTOTUNE, unbatch, shuffle_and_repeat, ...",
                                     sources=(_tg.data.experimental,))

_namespace.install(globals(), "tf.data", sources=(_tg.data,))
