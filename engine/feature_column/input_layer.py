"""Models over feature columns, as TensorFlow 1 builds them: ``input_layer`` (the dense columns' tensors side
by side, a DNN's input) and ``linear_model`` (a weighted sum of every column: a wide model's logits), with
TensorFlow's variable names so that checkpoints move between the two:

    input_layer/<column>_embedding/embedding_weights          (an embedding column in input_layer)
    input_layer/<a>_<b>_shared_embedding/embedding_weights     (shared_embedding_columns)
    linear_model/<column>/weights                              ([num_buckets or num_elements, units], zeros)
    linear_model/bias_weights                                  ([units], zeros)

A second call in the same graph gets ``input_layer_1``, ``linear_model_1``, as TensorFlow's variable scopes
name it. Columns are built in the order of their names; the variables go to GLOBAL_VARIABLES,
MODEL_VARIABLES (and TRAINABLE_VARIABLES when trainable) and any ``weight_collections``.

    features = {"price": price_batch, "color": color_sparse_batch}
    deep = tg.feature_column.input_layer(features, [price, tg.feature_column.embedding_column(color, 4)])
    wide = tg.feature_column.linear_model(features, [price_buckets, color, color_x_size])
    logits = wide + tg.layers.dense(tg.layers.dense(deep, 16, tg.nn.relu), 1)
"""
from tagraph.engine.feature_column.feature_column import (_CategoricalColumn, _DenseColumn, _LazyBuilder,
                                                          _normalize_feature_columns,
                                                          _verify_static_batch_size_equality, sparse_batch_size)
from tagraph.engine.framework.graph import GraphKeys, get_collection
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.embedding_ops import safe_embedding_lookup_sparse
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.matmul_ops import matmul
from tagraph.engine.ops.nn_ops import bias_add
from tagraph.engine.ops.sparse_ops import sparse_reshape
from tagraph.engine.variables.init_ops import zeros_initializer
from tagraph.engine.variables.variables import get_variable, get_variable_scope, variable_scope

__all__ = ["input_layer", "linear_model"]


def _weight_collections(weight_collections):
    collections = list(weight_collections or [])
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES):
        if key not in collections:
            collections.append(key)
    return collections


def input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """The dense tensors of ``feature_columns`` (``_DenseColumn``s: numeric, bucketized, indicator and
    embedding columns) for ``features``, each ``[batch, num_elements]``, concatenated in the order of the
    columns' names: ``[batch, total]``.

        net = tg.feature_column.input_layer(features, [price, tg.feature_column.indicator_column(color)])

    ``cols_to_vars``, a dict, is filled with each column's variables; ``cols_to_output_tensors`` with its
    part of the output.
    """
    return _internal_input_layer(features, feature_columns, weight_collections=weight_collections,
                                 trainable=trainable, cols_to_vars=cols_to_vars,
                                 cols_to_output_tensors=cols_to_output_tensors)


def _internal_input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                          scope=None, cols_to_output_tensors=None):
    feature_columns = _normalize_feature_columns(feature_columns)
    for column in feature_columns:
        if not isinstance(column, _DenseColumn):
            raise ValueError("Items of feature_columns must be a _DenseColumn. You can wrap a categorical column with "
                             "an embedding_column or indicator_column. Given: {}".format(column))
    weight_collections = _weight_collections(weight_collections)
    with variable_scope(scope, default_name="input_layer", values=list(features.values())):
        builder = _LazyBuilder(features)
        output_tensors, ordered_columns = [], []
        for column in sorted(feature_columns, key=lambda x: x.name):
            ordered_columns.append(column)
            with variable_scope(None, default_name=column._var_scope_name):
                tensor = column._get_dense_tensor(builder, weight_collections=weight_collections,
                                                  trainable=trainable)
                num_elements = column._variable_shape.num_elements()
                batch_size = array_ops.shape(tensor)[0]
                output_tensor = array_ops.reshape(tensor, shape=(batch_size, num_elements))
                output_tensors.append(output_tensor)
                if cols_to_vars is not None:
                    cols_to_vars[column] = get_collection(GraphKeys.GLOBAL_VARIABLES,
                                                          scope=get_variable_scope().name)
                if cols_to_output_tensors is not None:
                    cols_to_output_tensors[column] = output_tensor
        _verify_static_batch_size_equality(output_tensors, ordered_columns)
        return concat(output_tensors, 1)


def _categorical_weighted_sum(column, builder, sparse_combiner, weight_collections, trainable, weight):
    id_tensor, weight_tensor = column._get_sparse_tensors(builder, weight_collections=weight_collections,
                                                          trainable=trainable)
    id_tensor = sparse_reshape(id_tensor, [sparse_batch_size(id_tensor), -1])
    if weight_tensor is not None:
        weight_tensor = sparse_reshape(weight_tensor, [sparse_batch_size(weight_tensor), -1])
    return safe_embedding_lookup_sparse(weight, id_tensor, sparse_weights=weight_tensor, combiner=sparse_combiner,
                                        name="weighted_sum")


def _dense_weighted_sum(column, builder, weight_collections, trainable, weight):
    tensor = column._get_dense_tensor(builder, weight_collections=weight_collections, trainable=trainable)
    num_elements = column._variable_shape.num_elements()
    batch_size = array_ops.shape(tensor)[0]
    tensor = array_ops.reshape(tensor, shape=(batch_size, num_elements))
    return matmul(tensor, weight, name="weighted_sum")


def linear_model(features, feature_columns, units=1, sparse_combiner="sum", weight_collections=None, trainable=True,
                 cols_to_vars=None):
    """A linear prediction ``[batch, units]`` from ``feature_columns``: each column's weighted sum (a
    categorical column's ids pick rows of its weights, combined by ``sparse_combiner``: "sum", "mean" or
    "sqrtn"; a dense column multiplies its weights) plus a bias.

        logits = tg.feature_column.linear_model(features, [price, color, color_x_size], units=1)

    ``cols_to_vars``, a dict, is filled with each column's variables and ``"bias"``.
    """
    with variable_scope(None, "linear_model") as vs:
        model_name = vs.name.rsplit("/", 1)[-1]
    feature_columns = _normalize_feature_columns(feature_columns)
    weight_collections = _weight_collections(weight_collections)
    trainable = bool(trainable)
    # TensorFlow names each column's layer by a variable scope opened here, where linear_model was called,
    # then makes its variables in a scope of that name inside the model's.
    layer_names = {}
    for column in sorted(feature_columns, key=lambda x: x.name):
        with variable_scope(None, default_name=column._var_scope_name) as column_scope:
            layer_names[column] = column_scope.name.rsplit("/", 1)[-1]
    found = {}
    with variable_scope(model_name):
        for column in feature_columns:
            if not isinstance(column, (_DenseColumn, _CategoricalColumn)):
                raise ValueError("Items of feature_columns must be either a _DenseColumn or _CategoricalColumn. "
                                 "Given: {}".format(column))
        weighted_sums, ordered_columns = [], []
        builder = _LazyBuilder(features)
        for column in sorted(feature_columns, key=lambda c: layer_names[c]):
            ordered_columns.append(column)
            with variable_scope(None, default_name=layer_names[column]) as layer_scope:
                if isinstance(column, _CategoricalColumn):
                    shape = (column._num_buckets, units)
                else:
                    shape = [column._variable_shape.num_elements(), units]
                weight = get_variable("weights", shape=shape, initializer=zeros_initializer(), trainable=trainable,
                                      collections=weight_collections)
                if isinstance(column, _CategoricalColumn):
                    weighted_sum = _categorical_weighted_sum(column, builder, sparse_combiner, weight_collections,
                                                             trainable, weight)
                else:
                    weighted_sum = _dense_weighted_sum(column, builder, weight_collections, trainable, weight)
            weighted_sums.append(weighted_sum)
            found[column] = get_collection(GraphKeys.GLOBAL_VARIABLES, scope=layer_scope.name)
        _verify_static_batch_size_equality(weighted_sums, ordered_columns)
        predictions_no_bias = math_ops.add_n(weighted_sums, name="weighted_sum_no_bias")
        bias = get_variable("bias_weights", shape=[units], initializer=zeros_initializer(), trainable=trainable,
                            collections=weight_collections)
        predictions = bias_add(predictions_no_bias, bias, name="weighted_sum")
        found["bias"] = [bias]
    if cols_to_vars is not None:
        cols_to_vars.update(found)
    return predictions

