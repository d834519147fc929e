"""What every feature column shares: the column base classes of TensorFlow 1's feature_column module
(``_FeatureColumn``, ``_DenseColumn``, ``_CategoricalColumn``), the ``_LazyBuilder`` that transforms each
feature and column once per model, and ``make_parse_example_spec``.

A column is an immutable namedtuple, as TensorFlow's: it says which features it reads (``_parse_example_spec``),
how it transforms them (``_transform_feature(builder)``), and gives a dense tensor (``_get_dense_tensor``,
``_variable_shape``) or sparse ids with optional weights (``_get_sparse_tensors``, ``_num_buckets``).
``input_layer`` and ``linear_model`` (input_layer.py) call these, in the order of the columns' names.

    spec = tg.feature_column.make_parse_example_spec([price, color])
    # {"price": FixedLenFeature((1,), float32), "color": VarLenFeature(string)}
    features = tg.parse_example(serialized, spec)
"""
import abc
import collections
import collections.abc
import logging
import re

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import control_dependencies, name_scope
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.comparison_ops import equal, greater, not_equal
from tagraph.engine.ops.control_flow_ops import cond
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.nd_indexing_ops import gather_nd
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.ops.sparse_ops import convert_to_tensor_or_sparse_tensor, sparse_reshape

__all__ = ["make_parse_example_spec"]

_log = logging.getLogger(__name__)


def is_sparse(x):
    """Whether ``x`` is a SparseTensor."""
    return getattr(type(x), "_tg_sparse_tensor", False)


class _FeatureColumn(abc.ABC):
    """A feature column: a name, the features it parses and how it transforms them."""

    @property
    @abc.abstractmethod
    def name(self):
        """The column's name; also its variable scope's (``_var_scope_name``)."""

    def __lt__(self, other):
        return str(self) < str(other)

    def __gt__(self, other):
        return str(self) > str(other)

    @property
    def _var_scope_name(self):
        return self.name

    @abc.abstractmethod
    def _transform_feature(self, inputs):
        """This column's transformed features, from a ``_LazyBuilder``."""

    @property
    @abc.abstractmethod
    def _parse_example_spec(self):
        """``{feature key: FixedLenFeature or VarLenFeature}`` of what the column reads."""

    @property
    def parse_example_spec(self):
        return self._parse_example_spec

    def _reset_config(self):
        pass


class _DenseColumn(_FeatureColumn):
    """A column giving a dense tensor ``[batch] + _variable_shape``."""

    @property
    @abc.abstractmethod
    def _variable_shape(self):
        """The TensorShape of one example's dense tensor."""

    @property
    def variable_shape(self):
        return self._variable_shape

    @abc.abstractmethod
    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        """The dense tensor, from a ``_LazyBuilder``; variables it makes go to ``weight_collections``."""


class _CategoricalColumn(_FeatureColumn):
    """A column giving sparse ids in ``[0, _num_buckets)``, with optional weights."""

    IdWeightPair = collections.namedtuple("IdWeightPair", ["id_tensor", "weight_tensor"])

    @property
    @abc.abstractmethod
    def _num_buckets(self):
        """How many distinct ids the column gives."""

    @property
    def num_buckets(self):
        return self._num_buckets

    @abc.abstractmethod
    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        """An IdWeightPair of SparseTensors (weights None when the ids weigh 1)."""


class _SequenceDenseColumn(_FeatureColumn):
    """A column giving a dense tensor per step of a sequence (TensorFlow 1's sequence input)."""

    TensorSequenceLengthPair = collections.namedtuple("TensorSequenceLengthPair",
                                                      ["dense_tensor", "sequence_length"])


class _LazyBuilder:
    """Transforms each feature and each column once: ``get(key)`` of a feature key gives its tensor (rank 1
    made ``[batch, 1]``), of a column its ``_transform_feature`` result, both cached."""

    def __init__(self, features):
        self._features = features.copy()
        self._feature_tensors = {}

    def get(self, key):
        if key in self._feature_tensors:
            return self._feature_tensors[key]
        if key in self._features:
            feature_tensor = self._get_raw_feature_as_tensor(key)
            self._feature_tensors[key] = feature_tensor
            return feature_tensor
        if isinstance(key, str):
            raise ValueError("Feature {} is not in features dictionary.".format(key))
        if not isinstance(key, _FeatureColumn):
            raise TypeError('"key" must be either a "str" or "_FeatureColumn". Provided: {}'.format(key))
        column = key
        _log.debug("Transforming feature_column %s.", column)
        transformed = column._transform_feature(self)
        if transformed is None:
            raise ValueError("Column {} is not supported.".format(column.name))
        self._feature_tensors[column] = transformed
        return transformed

    def _get_raw_feature_as_tensor(self, key):
        feature_tensor = convert_to_tensor_or_sparse_tensor(self._features[key])
        rank = feature_tensor.get_shape().rank
        if rank is not None:
            if rank == 0:
                raise ValueError("Feature (key: {}) cannot have rank 0. Given: {}".format(key, feature_tensor))
            return feature_tensor if rank != 1 else _expand_dims(feature_tensor)
        # The rank is known only when run: a rank-1 feature is made [batch, 1] then.
        message = "Feature (key: {}) cannot have rank 0. Given: {}".format(key, feature_tensor)
        if is_sparse(feature_tensor):
            rank_t = array_ops.size(feature_tensor.dense_shape)
            with control_dependencies([Assert(greater(rank_t, 0), [message])]):
                def reshaped():
                    r = _expand_dims(feature_tensor)
                    return r.indices, r.dense_shape
                indices, shape = cond(equal(1, rank_t), reshaped,
                                      lambda: (array_ops.identity(feature_tensor.indices),
                                               array_ops.identity(feature_tensor.dense_shape)))
                return SparseTensor(indices, array_ops.identity(feature_tensor.values), shape)
        rank_t = array_ops.rank(feature_tensor)
        with control_dependencies([Assert(greater(rank_t, 0), [message])]):
            return cond(equal(1, rank_t), lambda: array_ops.expand_dims(feature_tensor, -1),
                        lambda: array_ops.identity(feature_tensor))


def sparse_batch_size(sp):
    """A SparseTensor's first dimension as an int32 tensor (TensorFlow's ``shape(sp)[0]``)."""
    return math_ops.cast(sp.dense_shape, dtypes.int32)[0]


def _expand_dims(input_tensor):
    if is_sparse(input_tensor):
        return sparse_reshape(input_tensor, [sparse_batch_size(input_tensor), 1])
    return array_ops.expand_dims(input_tensor, -1)


def _to_sparse_input_and_drop_ignore_values(input_tensor, ignore_value=None):
    """A SparseTensor as is; a dense tensor as the SparseTensor of its entries other than ``ignore_value``
    ("" for strings, -1 for integers, 0 for floats by default)."""
    input_tensor = convert_to_tensor_or_sparse_tensor(input_tensor)
    if is_sparse(input_tensor):
        return input_tensor
    with name_scope(None, "to_sparse_input", [input_tensor]):
        if ignore_value is None:
            if input_tensor.dtype.base_dtype == dtypes.string:
                ignore_value = ""
            elif input_tensor.dtype.is_integer:
                ignore_value = -1
            else:
                ignore_value = input_tensor.dtype.base_dtype.as_numpy_dtype()
        ignore_value = math_ops.cast(ignore_value, input_tensor.dtype.base_dtype, name="ignore_value")
        indices = math_ops.where(not_equal(input_tensor, ignore_value), name="indices")
        return SparseTensor(indices=indices, values=gather_nd(input_tensor, indices, name="values"),
                            dense_shape=array_ops.shape(input_tensor, out_type=dtypes.int64, name="dense_shape"))


def _normalize_feature_columns(feature_columns):
    """The columns as a list, checked: each a _FeatureColumn, at least one, no two of the same name."""
    if isinstance(feature_columns, _FeatureColumn):
        feature_columns = [feature_columns]
    if isinstance(feature_columns, collections.abc.Iterator):
        feature_columns = list(feature_columns)
    if isinstance(feature_columns, dict):
        raise ValueError("Expected feature_columns to be iterable, found dict.")
    for column in feature_columns:
        if not isinstance(column, _FeatureColumn):
            raise ValueError("Items of feature_columns must be a _FeatureColumn. Given (type {}): {}.".format(
                type(column), column))
    if not feature_columns:
        raise ValueError("feature_columns must not be empty.")
    name_to_column = {}
    for column in feature_columns:
        if column.name in name_to_column:
            raise ValueError("Duplicate feature column name found for columns: {} and {}. This usually means that "
                             "these columns refer to same base feature. Either one must be discarded or a duplicated "
                             "but renamed item must be inserted in features dict.".format(
                                 column, name_to_column[column.name]))
        name_to_column[column.name] = column
    return feature_columns


def _verify_static_batch_size_equality(tensors, columns):
    """Raises ValueError when two of ``tensors`` have different batch sizes known while building."""
    expected, first = None, None
    for i, t in enumerate(tensors):
        dims = t.shape.dims if t.shape.rank else None
        batch = dims[0] if dims else None
        if batch is not None:
            if expected is None:
                first, expected = i, batch
            elif expected != batch:
                raise ValueError("Batch size (first dimension) of each feature must be same. Batch size of columns "
                                 "({}, {}): ({}, {})".format(columns[first].name, columns[i].name, expected, batch))


def _check_shape(shape, key):
    """``shape`` as a tuple of positive ints (an int is ``(int,)``)."""
    assert shape is not None
    if not isinstance(shape, (list, tuple)) and not hasattr(shape, "__iter__"):
        shape = [shape]
    shape = tuple(shape)
    for dimension in shape:
        if not isinstance(dimension, int) or isinstance(dimension, bool):
            raise TypeError("shape dimensions must be integer. shape: {}, key: {}".format(shape, key))
        if dimension < 1:
            raise ValueError("shape dimensions must be greater than 0. shape: {}, key: {}".format(shape, key))
    return shape


def assert_string_or_int(dtype, prefix):
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError("{} dtype must be string or integer. dtype: {}.".format(prefix, dtype))


def assert_key_is_string(key):
    if not isinstance(key, str):
        raise ValueError("key must be a string. Got: type {}. Given key: {}.".format(type(key), key))


def sanitize_scope_name(name):
    """A column name made a valid variable scope name."""
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", name)


def make_parse_example_spec(feature_columns):
    """The ``parse_example`` spec of ``feature_columns``: ``{key: FixedLenFeature or VarLenFeature}`` of every
    feature they read; two columns asking different specs of one key are a ValueError.

        spec = tg.feature_column.make_parse_example_spec([price_bucketized, color_x_size])
        features = tg.parse_example(serialized, spec)
    """
    result = {}
    for column in feature_columns:
        if not isinstance(column, _FeatureColumn):
            raise ValueError("All feature_columns must be _FeatureColumn instances. Given: {}".format(column))
        config = column._parse_example_spec
        for key, value in config.items():
            if key in result and value != result[key]:
                raise ValueError("feature_columns contain different parse_spec for key {}. Given {} and {}".format(
                    key, value, result[key]))
        result.update(config)
    return result

