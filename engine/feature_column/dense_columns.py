"""Dense feature columns, as TensorFlow 1's: a number or vector as it is (``numeric_column``), a number's
bucket one-hot (``bucketized_column``, also categorical), categorical ids as a multi-hot vector
(``indicator_column``) or as a learned embedding (``embedding_column``, ``shared_embedding_columns``).

    price = tg.feature_column.numeric_column("price")
    price_buckets = tg.feature_column.bucketized_column(price, boundaries=[10.0, 100.0])
    color_emb = tg.feature_column.embedding_column(color, dimension=8)     # input_layer/color_embedding/...

An embedding's weights are the variable ``embedding_weights`` of the column's variable scope
(``input_layer/<column>_embedding/embedding_weights``), initialised from a truncated normal of standard
deviation ``1/sqrt(dimension)`` unless given an initializer; ids are combined per example with
``safe_embedding_lookup_sparse`` ("mean" by default).
"""
import collections
import math

from tagraph.engine.feature_column.categorical_columns import WeightedCategoricalColumn
from tagraph.engine.feature_column.feature_column import (_CategoricalColumn, _DenseColumn, _SequenceDenseColumn,
                                                          _check_shape, assert_key_is_string, is_sparse)
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, add_to_collection, get_collection, name_scope
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.bucketize_ops import bucketize
from tagraph.engine.ops.embedding_ops import embedding_lookup_sparse, safe_embedding_lookup_sparse
from tagraph.engine.ops.indexing_ops import one_hot
from tagraph.engine.ops.joining_ops import stack, tile
from tagraph.engine.ops.nd_indexing_ops import scatter_nd
from tagraph.engine.ops.parsing_ops import FixedLenFeature, SparseTensor
from tagraph.engine.ops.reduction_ops import reduce_sum
from tagraph.engine.ops.sparse_ops import sparse_merge, sparse_slice, sparse_tensor_to_dense
from tagraph.engine.variables.init_ops import truncated_normal_initializer
from tagraph.engine.variables.variables import get_variable

__all__ = ["numeric_column", "bucketized_column", "indicator_column", "embedding_column", "shared_embedding_columns"]


class NumericColumn(_DenseColumn, collections.namedtuple(
        "NumericColumn", ("key", "shape", "default_value", "dtype", "normalizer_fn"))):
    """A dense feature of ``shape`` per example, cast to float32 (after ``normalizer_fn``)."""

    @property
    def name(self):
        return self.key

    @property
    def _parse_example_spec(self):
        return {self.key: FixedLenFeature(self.shape, self.dtype, self.default_value)}

    def _transform_feature(self, inputs):
        input_tensor = inputs.get(self.key)
        if is_sparse(input_tensor):
            raise ValueError("The corresponding Tensor of numerical column must be a Tensor. SparseTensor is not "
                             "supported. key: {}".format(self.key))
        if self.normalizer_fn is not None:
            input_tensor = self.normalizer_fn(input_tensor)
        return math_ops.cast(input_tensor, dtypes.float32)

    @property
    def _variable_shape(self):
        return TensorShape(self.shape)

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return inputs.get(self)


class BucketizedColumn(_DenseColumn, _CategoricalColumn, collections.namedtuple(
        "BucketizedColumn", ("source_column", "boundaries"))):
    """The bucket of each value of a numeric column among sorted ``boundaries``: one-hot as a dense column,
    ids ``bucket + (len(boundaries) + 1) * position`` as a categorical one."""

    @property
    def name(self):
        return "{}_bucketized".format(self.source_column.name)

    @property
    def _parse_example_spec(self):
        return self.source_column._parse_example_spec

    def _transform_feature(self, inputs):
        return bucketize(inputs.get(self.source_column), boundaries=self.boundaries)

    @property
    def _variable_shape(self):
        return TensorShape(tuple(self.source_column.shape) + (len(self.boundaries) + 1,))

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return one_hot(indices=math_ops.cast(inputs.get(self), dtypes.int64), depth=len(self.boundaries) + 1,
                       on_value=1.0, off_value=0.0)

    @property
    def _num_buckets(self):
        return (len(self.boundaries) + 1) * self.source_column.shape[0]

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        input_tensor = inputs.get(self)
        batch_size = array_ops.shape(input_tensor)[0]
        source_dimension = self.source_column.shape[0]
        i1 = array_ops.reshape(tile(array_ops.expand_dims(math_ops.range(0, batch_size), 1), [1, source_dimension]),
                               (-1,))
        i2 = tile(math_ops.range(0, source_dimension), [batch_size])
        bucket_indices = array_ops.reshape(input_tensor, (-1,)) + (len(self.boundaries) + 1) * i2
        indices = math_ops.cast(array_ops.transpose(stack((i1, i2))), dtypes.int64)
        dense_shape = math_ops.cast(stack([batch_size, source_dimension]), dtypes.int64)
        return _CategoricalColumn.IdWeightPair(SparseTensor(indices=indices, values=bucket_indices,
                                                            dense_shape=dense_shape), None)


class IndicatorColumn(_DenseColumn, _SequenceDenseColumn, collections.namedtuple("IndicatorColumn",
                                                                                 "categorical_column")):
    """A categorical column as a multi-hot vector of ``num_buckets`` (the weights summed when weighted)."""

    @property
    def name(self):
        return "{}_indicator".format(self.categorical_column.name)

    def _transform_feature(self, inputs):
        id_weight_pair = self.categorical_column._get_sparse_tensors(inputs)
        size = self._variable_shape[-1]
        id_tensor, weight_tensor = id_weight_pair
        if weight_tensor is not None:
            weighted = sparse_merge(sp_ids=id_tensor, sp_values=weight_tensor, vocab_size=int(size))
            # A zero-sized slice drops what is outside the dense shape (ids beyond num_buckets).
            weighted = sparse_slice(weighted, [0, 0], weighted.dense_shape)
            return scatter_nd(weighted.indices, weighted.values, weighted.dense_shape)
        dense_id_tensor = sparse_tensor_to_dense(id_tensor, default_value=-1)
        one_hot_id_tensor = one_hot(dense_id_tensor, depth=size, on_value=1.0, off_value=0.0)
        return reduce_sum(one_hot_id_tensor, axis=[-2])

    @property
    def _parse_example_spec(self):
        return self.categorical_column._parse_example_spec

    @property
    def _variable_shape(self):
        return TensorShape([1, self.categorical_column._num_buckets])

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return inputs.get(self)


def _embed(column, embedding_weights, sparse_tensors):
    """The combined embedding of each example's ids (``safe_embedding_lookup_sparse``, as TensorFlow's)."""
    sparse_ids, sparse_weights = sparse_tensors
    rank = sparse_ids.dense_shape.get_shape().dims[0] if sparse_ids.dense_shape.get_shape().rank == 1 else None
    lookup = safe_embedding_lookup_sparse
    if not column.use_safe_embedding_lookup and rank is not None and rank <= 2:
        lookup = embedding_lookup_sparse
    return lookup(embedding_weights, sparse_ids, sparse_weights, combiner=column.combiner,
                  name="%s_weights" % column.name, max_norm=column.max_norm)


def _trainable(column, trainable):
    # TensorFlow's get_variable takes trainable=None as True.
    return bool(column.trainable) and (trainable is None or bool(trainable))


def _with_global(weight_collections):
    if weight_collections and GraphKeys.GLOBAL_VARIABLES not in weight_collections:
        weight_collections.append(GraphKeys.GLOBAL_VARIABLES)
    return weight_collections


class EmbeddingColumn(_DenseColumn, _SequenceDenseColumn, collections.namedtuple(
        "EmbeddingColumn", ("categorical_column", "dimension", "combiner", "initializer", "ckpt_to_load_from",
                            "tensor_name_in_ckpt", "max_norm", "trainable", "use_safe_embedding_lookup"))):
    """A categorical column's ids as the ``combiner`` of their rows of a learned ``[num_buckets, dimension]``
    variable ``embedding_weights``."""

    def __new__(cls, categorical_column, dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                max_norm, trainable, use_safe_embedding_lookup=True):
        return super().__new__(cls, categorical_column, dimension, combiner, initializer, ckpt_to_load_from,
                               tensor_name_in_ckpt, max_norm, trainable, use_safe_embedding_lookup)

    @property
    def name(self):
        return "{}_embedding".format(self.categorical_column.name)

    @property
    def _parse_example_spec(self):
        return self.categorical_column._parse_example_spec

    def _transform_feature(self, inputs):
        return inputs.get(self.categorical_column)

    @property
    def _variable_shape(self):
        return TensorShape([self.dimension])

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        sparse_tensors = self.categorical_column._get_sparse_tensors(inputs, weight_collections, trainable)
        embedding_weights = get_variable(
            name="embedding_weights", shape=(self.categorical_column._num_buckets, self.dimension),
            dtype=dtypes.float32, initializer=self.initializer, trainable=_trainable(self, trainable),
            collections=_with_global(weight_collections))
        return _embed(self, embedding_weights, sparse_tensors)


class _SharedEmbeddingColumn(_DenseColumn, _SequenceDenseColumn, collections.namedtuple(
        "_SharedEmbeddingColumn", ("categorical_column", "dimension", "combiner", "initializer",
                                   "shared_embedding_collection_name", "ckpt_to_load_from", "tensor_name_in_ckpt",
                                   "max_norm", "trainable", "use_safe_embedding_lookup"))):
    """An embedding column whose ``embedding_weights`` it shares with the other columns of
    ``shared_embedding_collection_name`` (the first to be looked up makes the variable, in a scope of that
    name; the others find it in the collection of that name)."""

    @property
    def name(self):
        return "{}_shared_embedding".format(self.categorical_column.name)

    @property
    def _var_scope_name(self):
        return self.shared_embedding_collection_name

    @property
    def _parse_example_spec(self):
        return self.categorical_column._parse_example_spec

    def _transform_feature(self, inputs):
        return inputs.get(self.categorical_column)

    @property
    def _variable_shape(self):
        return TensorShape([self.dimension])

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        with name_scope(None, self.name):
            sparse_tensors = self.categorical_column._get_sparse_tensors(inputs, weight_collections=weight_collections,
                                                                         trainable=trainable)
            embedding_shape = (self.categorical_column._num_buckets, self.dimension)
            shared = get_collection(self.shared_embedding_collection_name)
            if shared:
                if len(shared) > 1:
                    raise ValueError("Collection {} can only contain one variable. Suggested fix A: Choose a unique "
                                     "name for this collection. Suggested fix B: Do not add any variables to this "
                                     "collection. The feature_column library already adds a variable under the "
                                     "hood.".format(shared))
                embedding_weights = shared[0]
                if embedding_weights.get_shape() != TensorShape(embedding_shape):
                    raise ValueError("Shared embedding collection {} contains variable {} of unexpected shape {}. "
                                     "Expected shape is {}. Suggested fix A: Choose a unique name for this "
                                     "collection. Suggested fix B: Do not add any variables to this collection. The "
                                     "feature_column library already adds a variable under the hood.".format(
                                         self.shared_embedding_collection_name, embedding_weights.name,
                                         embedding_weights.get_shape(), embedding_shape))
            else:
                embedding_weights = get_variable(
                    name="embedding_weights", shape=embedding_shape, dtype=dtypes.float32,
                    initializer=self.initializer, trainable=_trainable(self, trainable),
                    collections=weight_collections)
                add_to_collection(self.shared_embedding_collection_name, embedding_weights)
            return _embed(self, embedding_weights, sparse_tensors)


# --- the constructors ------------------------------------------------------------------------------------

def _is_nested(v):
    return isinstance(v, (list, tuple))


def _flatten(v):
    return [x for item in v for x in _flatten(item)] if _is_nested(v) else [v]


def _create_tuple(shape, value):
    return tuple(_create_tuple(shape[1:], value) for _ in range(shape[0])) if shape else value


def _as_tuple(value):
    return tuple(_as_tuple(v) for v in value) if _is_nested(value) else value


def _compatible(default_value, shape):
    if _is_nested(default_value) != bool(shape):
        return False
    if not shape:
        return True
    if len(default_value) != shape[0]:
        return False
    return all(_compatible(default_value[i], shape[1:]) for i in range(shape[0]))


def _check_default_value(shape, default_value, dtype, key):
    """``default_value`` as a nested tuple of ``shape`` (one number fills it), checked as TensorFlow does."""
    if default_value is None:
        return None
    if isinstance(default_value, int):
        return _create_tuple(shape, default_value)
    if isinstance(default_value, float) and dtype.is_floating:
        return _create_tuple(shape, default_value)
    if callable(getattr(default_value, "tolist", None)):
        default_value = default_value.tolist()
    if _is_nested(default_value):
        if not _compatible(default_value, shape):
            raise ValueError("The shape of default_value must be equal to given shape. default_value: {}, shape: {}, "
                             "key: {}".format(default_value, shape, key))
        flat = _flatten(default_value)
        if all(isinstance(v, int) for v in flat):
            return _as_tuple(default_value)
        if any(isinstance(v, float) for v in flat) and dtype.is_floating:
            return _as_tuple(default_value)
    raise TypeError("default_value must be compatible with dtype. default_value: {}, dtype: {}, key: {}".format(
        default_value, dtype, key))


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A numeric feature of ``shape`` per example, as float32 (``normalizer_fn`` applied first).

        price = tg.feature_column.numeric_column("price", normalizer_fn=lambda x: x / 100)
    """
    shape = _check_shape(shape, key)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError("dtype must be convertible to float. dtype: {}, key: {}".format(dtype, key))
    default_value = _check_default_value(shape, default_value, dtype, key)
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError("normalizer_fn must be a callable. Given: {}".format(normalizer_fn))
    assert_key_is_string(key)
    return NumericColumn(key, shape=shape, default_value=default_value, dtype=dtype, normalizer_fn=normalizer_fn)


def bucketized_column(source_column, boundaries):
    """The bucket of a one-dimensional numeric column's values among sorted ``boundaries``
    (``len(boundaries) + 1`` buckets).

        age_buckets = tg.feature_column.bucketized_column(age, [18, 25, 30, 35, 40, 45, 50, 55, 60, 65])
    """
    if not isinstance(source_column, NumericColumn):
        raise ValueError("source_column must be a column generated with numeric_column(). Given: {}".format(
            source_column))
    if len(source_column.shape) > 1:
        raise ValueError("source_column must be one-dimensional column. Given: {}".format(source_column))
    if not boundaries:
        raise ValueError("boundaries must not be empty.")
    if not isinstance(boundaries, (list, tuple)):
        raise ValueError("boundaries must be a sorted list.")
    for i in range(len(boundaries) - 1):
        if boundaries[i] >= boundaries[i + 1]:
            raise ValueError("boundaries must be a sorted list.")
    return BucketizedColumn(source_column, tuple(boundaries))


def indicator_column(categorical_column):
    """A categorical column as a dense multi-hot vector (counts of repeated ids; weights when weighted).

        tg.feature_column.indicator_column(color)
    """
    if not isinstance(categorical_column, _CategoricalColumn):
        raise ValueError("Unsupported input type. Input must be a CategoricalColumn. Given: {}".format(
            categorical_column))
    return IndicatorColumn(categorical_column)


def _check_embedding_args(dimension, ckpt_to_load_from, tensor_name_in_ckpt, initializer, what):
    if dimension is None or dimension < 1:
        raise ValueError("Invalid dimension {}.".format(dimension))
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError("Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` or none of them.")
    if initializer is not None and not callable(initializer):
        raise ValueError("initializer must be callable if specified." + what)
    if ckpt_to_load_from is not None:
        raise NotImplementedError("{}(ckpt_to_load_from=...) is not supported by tagraph: restore the embedding "
                                  "from its checkpoint with a Saver (or warm-start the estimator) instead".format(
                                      "embedding_column" if what else "shared_embedding_columns"))
    return initializer or truncated_normal_initializer(mean=0.0, stddev=1 / math.sqrt(dimension))


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None, ckpt_to_load_from=None,
                     tensor_name_in_ckpt=None, max_norm=None, trainable=True, use_safe_embedding_lookup=True):
    """A categorical column's ids as a learned ``dimension``-long embedding, combined per example by
    ``combiner`` ("mean", "sqrtn" or "sum").

        color_emb = tg.feature_column.embedding_column(color, dimension=8)
    """
    initializer = _check_embedding_args(dimension, ckpt_to_load_from, tensor_name_in_ckpt, initializer,
                                        " Embedding of column_name: {}".format(categorical_column.name))
    return EmbeddingColumn(categorical_column=categorical_column, dimension=dimension, combiner=combiner,
                           initializer=initializer, ckpt_to_load_from=ckpt_to_load_from,
                           tensor_name_in_ckpt=tensor_name_in_ckpt, max_norm=max_norm, trainable=trainable,
                           use_safe_embedding_lookup=use_safe_embedding_lookup)


def _unweighted(column):
    while isinstance(column, WeightedCategoricalColumn):
        column = column.categorical_column
    return column


def shared_embedding_columns(categorical_columns, dimension, combiner="mean", initializer=None,
                             shared_embedding_collection_name=None, ckpt_to_load_from=None, tensor_name_in_ckpt=None,
                             max_norm=None, trainable=True, use_safe_embedding_lookup=True):
    """Embedding columns, one per categorical column (all of one kind and size), that share one embedding
    variable: ``<names joined by _>_shared_embedding/embedding_weights``.

        watched, impressed = tg.feature_column.shared_embedding_columns([watched_ids, impressed_ids], 16)
    """
    initializer = _check_embedding_args(dimension, ckpt_to_load_from, tensor_name_in_ckpt, initializer, "")
    sorted_columns = sorted(categorical_columns, key=lambda x: x.name)
    c0 = sorted_columns[0]
    num_buckets = c0._num_buckets
    if not isinstance(c0, _CategoricalColumn):
        raise ValueError("All categorical_columns must be subclasses of _CategoricalColumn. Given: {}, of type: "
                         "{}".format(c0, type(c0)))
    c0 = _unweighted(c0)
    for c in sorted_columns[1:]:
        c = _unweighted(c)
        if not isinstance(c, type(c0)):
            raise ValueError("To use shared_embedding_column, all categorical_columns must have the same type, or be "
                             "weighted_categorical_column or sequence column of the same type. Given column: {} of "
                             "type: {} does not match given column: {} of type: {}".format(c0, type(c0), c, type(c)))
        if num_buckets != c._num_buckets:
            raise ValueError("To use shared_embedding_column, all categorical_columns must have the same number of "
                             "buckets. ven column: {} with buckets: {} does  not match column: {} with buckets: "
                             "{}".format(c0, num_buckets, c, c._num_buckets))
    if not shared_embedding_collection_name:
        shared_embedding_collection_name = "_".join(c.name for c in sorted_columns)
        shared_embedding_collection_name += "_shared_embedding"
    return [_SharedEmbeddingColumn(categorical_column=column, initializer=initializer, dimension=dimension,
                                   combiner=combiner, shared_embedding_collection_name=shared_embedding_collection_name,
                                   ckpt_to_load_from=ckpt_to_load_from, tensor_name_in_ckpt=tensor_name_in_ckpt,
                                   max_norm=max_norm, trainable=trainable,
                                   use_safe_embedding_lookup=use_safe_embedding_lookup)
            for column in categorical_columns]

