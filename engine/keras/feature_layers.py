"""``tg.keras.layers.DenseFeatures``: feature columns as a Keras layer, TensorFlow 1's
``tf.keras.layers.DenseFeatures``.

    columns = [tg.feature_column.numeric_column("age"), tg.feature_column.embedding_column(city, 8)]
    net = tg.keras.layers.DenseFeatures(columns)(features)     # dense_features/city_embedding/embedding_weights:0

What ``feature_column.input_layer`` computes, with the variables under the layer's name (``dense_features``,
``dense_features_1``, ...) and made once: a second call shares them. Unlike TensorFlow's layer, each call
makes its own vocabulary tables (TensorFlow's keeps one per column), so call it before running
``tables_initializer``.
"""
from tagraph.engine.feature_column.feature_column import (_DenseColumn, _LazyBuilder, _normalize_feature_columns,
                                                          _verify_static_batch_size_equality)
from tagraph.engine.framework.graph import GraphKeys, get_default_graph
from tagraph.engine.keras.base_layer import Layer
from tagraph.engine.ops import array_ops, joining_ops
from tagraph.engine.variables.variables import VariableScope, variable_scope

__all__ = ["DenseFeatures"]


class DenseFeatures(Layer):
    """The dense tensors of ``feature_columns`` for a dict of features, ``[batch, total]``, joined in the
    order of the columns' names."""

    _autocast = False

    def __init__(self, feature_columns, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._feature_columns = _normalize_feature_columns(feature_columns)
        for column in self._feature_columns:
            if not isinstance(column, _DenseColumn):
                raise ValueError("Items of feature_columns must be a DenseColumn. You can wrap a categorical "
                                 "column with an embedding_column or indicator_column. Given: {}".format(column))
        self._columns_scope = None

    def call(self, features, cols_to_output_tensors=None):
        if not isinstance(features, dict):
            raise ValueError("We expected a dictionary here. Instead we got: %s" % (features,))
        graph = get_default_graph()
        first = self._columns_scope is None
        if first:
            # The variables take the name scope of the first call (Keras makes them with add_weight there).
            self._columns_scope = graph.get_name_scope()
        before = list(graph.get_collection(GraphKeys.GLOBAL_VARIABLES))
        scope = VariableScope(not first, self._columns_scope, use_resource=True)
        with variable_scope(scope, auxiliary_name_scope=False):
            builder = _LazyBuilder(features)
            outputs, ordered = [], []
            for column in sorted(self._feature_columns, key=lambda c: c.name):
                ordered.append(column)
                with variable_scope(column._var_scope_name):
                    tensor = column._get_dense_tensor(builder, trainable=self.trainable)
                    num_elements = column._variable_shape.num_elements()
                    output = array_ops.reshape(tensor, (array_ops.shape(tensor)[0], num_elements))
                    outputs.append(output)
                    if cols_to_output_tensors is not None:
                        cols_to_output_tensors[column] = output
            _verify_static_batch_size_equality(outputs, ordered)
            result = joining_ops.concat(outputs, -1)
        if first:
            trainable = set(id(v) for v in graph.get_collection(GraphKeys.TRAINABLE_VARIABLES))
            for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
                if all(v is not b for b in before):
                    self._variables.append(v)
                    self._trainable_flags[id(v)] = id(v) in trainable
        return result
