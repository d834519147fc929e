"""``tg.feature_column``: TensorFlow 1's feature columns, which turn a dict of raw features into a model's
input (``input_layer``) or a linear model (``linear_model``), with TensorFlow's ids, values and variable names.

    fc = tg.feature_column
    price = fc.numeric_column("price")
    color = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"], num_oov_buckets=1)
    wide = fc.linear_model(features, [fc.bucketized_column(price, [10.0, 100.0]), color])
    deep = fc.input_layer(features, [price, fc.embedding_column(color, dimension=4)])
    spec = fc.make_parse_example_spec([price, color])       # for tg.parse_example and serving receivers

feature_column      the column base classes, the feature builder, make_parse_example_spec
dense_columns       numeric, bucketized, indicator, embedding and shared embedding columns
categorical_columns hash bucket, vocabulary list and file, identity, weighted and crossed columns
input_layer         input_layer, linear_model

The columns are TensorFlow 2.21's ``tf.compat.v1.feature_column`` classes (``NumericColumn``, ...; shared
embeddings are ``_SharedEmbeddingColumn``) with TensorFlow 1's interface (``_transform_feature``,
``_get_dense_tensor``, ``_get_sparse_tensors``, ``_variable_shape``, ``_num_buckets``). Sequence columns
(``sequence_*``) are not provided.
"""
from tagraph.engine.lazy_exports import lazy_namespace as _lazy_namespace

_EXPORTS = {
    "tagraph.engine.feature_column.categorical_columns": "categorical_column_with_hash_bucket "
                                                         "categorical_column_with_identity "
                                                         "categorical_column_with_vocabulary_file "
                                                         "categorical_column_with_vocabulary_list crossed_column "
                                                         "weighted_categorical_column",
    "tagraph.engine.feature_column.dense_columns": "bucketized_column embedding_column indicator_column "
                                                   "numeric_column shared_embedding_columns",
    "tagraph.engine.feature_column.feature_column": "make_parse_example_spec",
    "tagraph.engine.feature_column.input_layer": "input_layer linear_model",
}

__getattr__, __dir__, __all__ = _lazy_namespace(__name__, _EXPORTS)
