"""``tf.feature_column``: ``tagraph.engine.feature_column``, TensorFlow 1's feature columns, ``input_layer``,
``linear_model`` and ``make_parse_example_spec``.

    price = tf.feature_column.numeric_column("price")
    net = tf.feature_column.input_layer(features, [price])
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

_namespace.install(globals(), "tf.feature_column", sources=(_tg.feature_column,))
