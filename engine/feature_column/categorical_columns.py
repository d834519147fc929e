"""Categorical feature columns, as TensorFlow 1's: each turns a feature into sparse int64 ids in
``[0, num_buckets)``: by hashing (``categorical_column_with_hash_bucket``), by a vocabulary list or file
(``categorical_column_with_vocabulary_list``/``_file``), as they are (``categorical_column_with_identity``),
by crossing features (``crossed_column``), and with per-id weights (``weighted_categorical_column``).

    color = tg.feature_column.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"])
    tags = tg.feature_column.categorical_column_with_hash_bucket("tags", hash_bucket_size=100)
    color_x_tags = tg.feature_column.crossed_column([color, "tags"], hash_bucket_size=1000)

A dense input feature is made sparse first, dropping "" (strings) or -1 (integers). The ids match
TensorFlow's bit for bit (Fingerprint64 hashes, FingerprintCat64 crosses), so a model's weights mean the same
in both.
"""
import collections
import logging

import numpy as np

from tagraph.engine.feature_column.feature_column import (_CategoricalColumn, _FeatureColumn,
                                                          _to_sparse_input_and_drop_ignore_values,
                                                          assert_key_is_string, assert_string_or_int, is_sparse)
from tagraph.engine.framework import dtypes, file_io
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.comparison_ops import logical_or
from tagraph.engine.ops.lookup import index_table_from_file, index_table_from_tensor
from tagraph.engine.ops.parsing_ops import SparseTensor, VarLenFeature
from tagraph.engine.ops.sparse_cross_ops import sparse_cross_hashed
from tagraph.engine.ops.string_hash_ops import string_to_hash_bucket_fast
from tagraph.engine.ops.string_ops import as_string

__all__ = ["categorical_column_with_hash_bucket", "categorical_column_with_vocabulary_file",
           "categorical_column_with_vocabulary_list", "categorical_column_with_identity",
           "weighted_categorical_column", "crossed_column"]

_log = logging.getLogger(__name__)


def _check_dtypes(key, column_dtype, input_tensor):
    if column_dtype.is_integer != input_tensor.dtype.is_integer:
        raise ValueError("Column dtype and SparseTensors dtype must be compatible. key: {}, column dtype: {}, tensor "
                         "dtype: {}".format(key, column_dtype, input_tensor.dtype))
    assert_string_or_int(input_tensor.dtype.base_dtype, prefix="column_name: {} input_tensor".format(key))


def _lookup(table, sparse):
    # A table looks a SparseTensor up by its values, as TensorFlow's tables do.
    return SparseTensor(sparse.indices, table.lookup(sparse.values), sparse.dense_shape)


def _vocabulary_keys(column, inputs):
    """A vocabulary column's input as a SparseTensor and the key dtype of its table (integers as int64)."""
    input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(column.key))
    _check_dtypes(column.key, column.dtype, input_tensor)
    if not input_tensor.dtype.is_integer:
        return column.dtype, input_tensor
    return dtypes.int64, SparseTensor(input_tensor.indices, math_ops.cast(input_tensor.values, dtypes.int64),
                                      input_tensor.dense_shape)


def _id_pair(inputs, column):
    return _CategoricalColumn.IdWeightPair(inputs.get(column), None)


class HashedCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        "HashedCategoricalColumn", ("key", "hash_bucket_size", "dtype"))):
    """Ids ``Fingerprint64(value) % hash_bucket_size`` (integers hashed as their decimal strings)."""

    @property
    def name(self):
        return self.key

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}

    def _transform_feature(self, inputs):
        input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(self.key))
        if not is_sparse(input_tensor):
            raise ValueError("SparseColumn input must be a SparseTensor.")
        assert_string_or_int(input_tensor.dtype.base_dtype, prefix="column_name: {} input_tensor".format(self.key))
        if self.dtype.is_integer != input_tensor.dtype.is_integer:
            raise ValueError("Column dtype and SparseTensors dtype must be compatible. key: {}, column dtype: {}, "
                             "tensor dtype: {}".format(self.key, self.dtype, input_tensor.dtype))
        values = input_tensor.values
        if self.dtype != dtypes.string:
            values = as_string(values)
        ids = string_to_hash_bucket_fast(values, self.hash_bucket_size, name="lookup")
        return SparseTensor(input_tensor.indices, ids, input_tensor.dense_shape)

    @property
    def _num_buckets(self):
        return self.hash_bucket_size

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return _id_pair(inputs, self)


class VocabularyFileCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        "VocabularyFileCategoricalColumn", ("key", "vocabulary_file", "vocabulary_size", "num_oov_buckets", "dtype",
                                            "default_value", "file_format"))):
    """Ids: line numbers of the values in a vocabulary file; other values get ``default_value`` or one of
    ``num_oov_buckets`` hash buckets after the vocabulary."""

    def __new__(cls, key, vocabulary_file, vocabulary_size, num_oov_buckets, dtype, default_value, file_format=None):
        return super().__new__(cls, key, vocabulary_file, vocabulary_size, num_oov_buckets, dtype, default_value,
                               file_format)

    @property
    def name(self):
        return self.key

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}

    def _transform_feature(self, inputs):
        key_dtype, input_tensor = _vocabulary_keys(self, inputs)
        with get_default_graph().control_dependencies(None):
            table = index_table_from_file(vocabulary_file=self.vocabulary_file, num_oov_buckets=self.num_oov_buckets,
                                          vocab_size=self.vocabulary_size, default_value=self.default_value,
                                          key_dtype=key_dtype, name="{}_lookup".format(self.key))
        return _lookup(table, input_tensor)

    @property
    def _num_buckets(self):
        return self.vocabulary_size + self.num_oov_buckets

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return _id_pair(inputs, self)


class VocabularyListCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        "VocabularyListCategoricalColumn", ("key", "vocabulary_list", "dtype", "default_value", "num_oov_buckets"))):
    """Ids: positions of the values in ``vocabulary_list``; other values get ``default_value`` or one of
    ``num_oov_buckets`` hash buckets after the vocabulary."""

    @property
    def name(self):
        return self.key

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}

    def _transform_feature(self, inputs):
        key_dtype, input_tensor = _vocabulary_keys(self, inputs)
        with get_default_graph().control_dependencies(None):
            table = index_table_from_tensor(vocabulary_list=tuple(self.vocabulary_list),
                                            default_value=self.default_value, num_oov_buckets=self.num_oov_buckets,
                                            dtype=key_dtype, name="{}_lookup".format(self.key))
        return _lookup(table, input_tensor)

    @property
    def _num_buckets(self):
        return len(self.vocabulary_list) + self.num_oov_buckets

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return _id_pair(inputs, self)


class IdentityCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        "IdentityCategoricalColumn", ("key", "number_buckets", "default_value"))):
    """Ids: the integer values themselves, in ``[0, num_buckets)``; others get ``default_value`` (or fail
    the lookups that use them when there is none)."""

    @property
    def name(self):
        return self.key

    @property
    def _parse_example_spec(self):
        return {self.key: VarLenFeature(dtypes.int64)}

    def _transform_feature(self, inputs):
        input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(self.key))
        if not input_tensor.dtype.is_integer:
            raise ValueError("Invalid input, not integer. key: {} dtype: {}".format(self.key, input_tensor.dtype))
        values = input_tensor.values
        if input_tensor.values.dtype.base_dtype != dtypes.int64:
            values = math_ops.cast(values, dtypes.int64, name="values")
        if self.default_value is not None:
            values = math_ops.cast(input_tensor.values, dtypes.int64, name="values")
            num_buckets = math_ops.cast(self.num_buckets, dtypes.int64, name="num_buckets")
            zero = math_ops.cast(0, dtypes.int64, name="zero")
            values = math_ops.where_v2(
                logical_or(values < zero, values >= num_buckets, name="out_of_range"),
                array_ops.fill(dims=array_ops.shape(values), value=math_ops.cast(self.default_value, dtypes.int64),
                               name="default_values"), values)
        return SparseTensor(indices=input_tensor.indices, values=values, dense_shape=input_tensor.dense_shape)

    @property
    def _num_buckets(self):
        return self.number_buckets

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return _id_pair(inputs, self)


class WeightedCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        "WeightedCategoricalColumn", ("categorical_column", "weight_feature_key", "dtype"))):
    """``categorical_column``'s ids, each weighted by the value at the same place of ``weight_feature_key``."""

    @property
    def name(self):
        return "{}_weighted_by_{}".format(self.categorical_column.name, self.weight_feature_key)

    @property
    def _parse_example_spec(self):
        config = self.categorical_column._parse_example_spec
        if self.weight_feature_key in config:
            raise ValueError("Parse config {} already exists for {}.".format(config[self.weight_feature_key],
                                                                             self.weight_feature_key))
        config[self.weight_feature_key] = VarLenFeature(self.dtype)
        return config

    @property
    def _num_buckets(self):
        return self.categorical_column._num_buckets

    def _transform_feature(self, inputs):
        weight_tensor = inputs.get(self.weight_feature_key)
        if weight_tensor is None:
            raise ValueError("Missing weights {}.".format(self.weight_feature_key))
        if self.dtype != weight_tensor.dtype.base_dtype:
            raise ValueError("Bad dtype, expected {}, but got {}.".format(self.dtype, weight_tensor.dtype))
        if not is_sparse(weight_tensor):
            weight_tensor = _to_sparse_input_and_drop_ignore_values(weight_tensor, ignore_value=0.0)
        if not weight_tensor.dtype.is_floating:
            weight_tensor = SparseTensor(weight_tensor.indices, math_ops.cast(weight_tensor.values, dtypes.float32),
                                         weight_tensor.dense_shape)
        return inputs.get(self.categorical_column), weight_tensor

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        tensors = inputs.get(self)
        return _CategoricalColumn.IdWeightPair(tensors[0], tensors[1])


def _collect_leaf_level_keys(cross):
    leaves = []
    for k in cross.keys:
        if isinstance(k, CrossedColumn):
            leaves.extend(_collect_leaf_level_keys(k))
        else:
            leaves.append(k)
    return leaves


class CrossedColumn(_CategoricalColumn, collections.namedtuple("CrossedColumn",
                                                                ("keys", "hash_bucket_size", "hash_key"))):
    """Ids: the hashed crosses of its keys' features (SparseCross with FingerprintCat64, as TensorFlow's)."""

    @property
    def name(self):
        names = [k.name if isinstance(k, _FeatureColumn) else k for k in _collect_leaf_level_keys(self)]
        return "_X_".join(sorted(names))

    @property
    def _parse_example_spec(self):
        config = {}
        for key in self.keys:
            if isinstance(key, _FeatureColumn):
                config.update(key._parse_example_spec)
            else:
                config.update({key: VarLenFeature(dtypes.string)})
        return config

    def _transform_feature(self, inputs):
        feature_tensors = []
        for key in _collect_leaf_level_keys(self):
            if isinstance(key, str):
                feature_tensors.append(inputs.get(key))
            elif isinstance(key, _CategoricalColumn):
                ids_and_weights = key._get_sparse_tensors(inputs)
                if ids_and_weights.weight_tensor is not None:
                    raise ValueError("crossed_column does not support weight_tensor, but the given column populates "
                                     "weight_tensor. Given column: {}".format(key.name))
                feature_tensors.append(ids_and_weights.id_tensor)
            else:
                raise ValueError("Unsupported column type. Given: {}".format(key))
        return sparse_cross_hashed(inputs=feature_tensors, num_buckets=self.hash_bucket_size, hash_key=self.hash_key)

    @property
    def _num_buckets(self):
        return self.hash_bucket_size

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return _id_pair(inputs, self)


# --- the constructors ------------------------------------------------------------------------------------

def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """Ids ``Fingerprint64(value) % hash_bucket_size`` of a string (or integer) feature.

        tags = tg.feature_column.categorical_column_with_hash_bucket("tags", 100)
    """
    if hash_bucket_size is None:
        raise ValueError("hash_bucket_size must be set. key: {}".format(key))
    if hash_bucket_size < 1:
        raise ValueError("hash_bucket_size must be at least 1. hash_bucket_size: {}, key: {}".format(
            hash_bucket_size, key))
    assert_key_is_string(key)
    dtype = dtypes.as_dtype(dtype)
    assert_string_or_int(dtype, prefix="column_name: {}".format(key))
    return HashedCategoricalColumn(key, hash_bucket_size, dtype)


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0,
                                            default_value=None, dtype=dtypes.string):
    """Ids: the line numbers of the feature's values in ``vocabulary_file`` (one value a line; its line count
    when ``vocabulary_size`` is None); others get ``default_value`` (-1) or ``num_oov_buckets`` hash buckets.

        letter = tg.feature_column.categorical_column_with_vocabulary_file("letter", "vocab.txt")
    """
    if not vocabulary_file:
        raise ValueError("Missing vocabulary_file in {}.".format(key))
    if vocabulary_file.endswith("tfrecord.gz"):
        raise NotImplementedError("categorical_column_with_vocabulary_file: vocabulary files in TFRecord format "
                                  "(file_format='tfrecord_gzip', {}) are not supported by tagraph".format(
                                      vocabulary_file))
    if vocabulary_size is None:
        if not file_io.exists(vocabulary_file):
            raise ValueError("vocabulary_file in {} does not exist.".format(key))
        with file_io.open(vocabulary_file, "rb") as f:
            vocabulary_size = sum(1 for _ in f)
        _log.info("vocabulary_size = %d in %s is inferred from the number of elements in the vocabulary_file %s.",
                  vocabulary_size, key, vocabulary_file)
    if vocabulary_size < 1:
        raise ValueError("Invalid vocabulary_size in {}.".format(key))
    if num_oov_buckets:
        if default_value is not None:
            raise ValueError("Can't specify both num_oov_buckets and default_value in {}.".format(key))
        if num_oov_buckets < 0:
            raise ValueError("Invalid num_oov_buckets {} in {}.".format(num_oov_buckets, key))
    dtype = dtypes.as_dtype(dtype)
    assert_string_or_int(dtype, prefix="column_name: {}".format(key))
    assert_key_is_string(key)
    return VocabularyFileCategoricalColumn(key=key, vocabulary_file=vocabulary_file, vocabulary_size=vocabulary_size,
                                           num_oov_buckets=0 if num_oov_buckets is None else num_oov_buckets,
                                           default_value=-1 if default_value is None else default_value, dtype=dtype)


def _list_dtype(vocabulary_list):
    if all(isinstance(v, (bytes, str)) for v in vocabulary_list):
        return dtypes.string
    if all(isinstance(v, int) and not isinstance(v, bool) for v in vocabulary_list):
        return dtypes.int64
    return dtypes.as_dtype(np.array(vocabulary_list).dtype)


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets=0):
    """Ids: the positions of the feature's values in ``vocabulary_list``; others get ``default_value`` (-1)
    or one of ``num_oov_buckets`` hash buckets.

        color = tg.feature_column.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"])
    """
    if vocabulary_list is None or len(vocabulary_list) < 1:
        raise ValueError("vocabulary_list {} must be non-empty, column_name: {}".format(vocabulary_list, key))
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError("Duplicate keys in vocabulary_list {}, column_name: {}".format(vocabulary_list, key))
    vocabulary_dtype = _list_dtype(vocabulary_list)
    if num_oov_buckets:
        if default_value != -1:
            raise ValueError("Can't specify both num_oov_buckets and default_value in {}.".format(key))
        if num_oov_buckets < 0:
            raise ValueError("Invalid num_oov_buckets {} in {}.".format(num_oov_buckets, key))
    assert_string_or_int(vocabulary_dtype, prefix="column_name: {} vocabulary".format(key))
    if dtype is None:
        dtype = vocabulary_dtype
    else:
        dtype = dtypes.as_dtype(dtype)
        if dtype.is_integer != vocabulary_dtype.is_integer:
            raise ValueError("dtype {} and vocabulary dtype {} do not match, column_name: {}".format(
                dtype, vocabulary_dtype, key))
    assert_string_or_int(dtype, prefix="column_name: {}".format(key))
    assert_key_is_string(key)
    return VocabularyListCategoricalColumn(key=key, vocabulary_list=tuple(vocabulary_list), dtype=dtype,
                                           default_value=default_value, num_oov_buckets=num_oov_buckets)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """Ids: the feature's integer values, in ``[0, num_buckets)``; others get ``default_value``.

        day = tg.feature_column.categorical_column_with_identity("day_of_week", num_buckets=7)
    """
    if num_buckets < 1:
        raise ValueError("num_buckets {} < 1, column_name {}".format(num_buckets, key))
    if default_value is not None and (default_value < 0 or default_value >= num_buckets):
        raise ValueError("default_value {} not in range [0, {}), column_name {}".format(default_value, num_buckets,
                                                                                         key))
    assert_key_is_string(key)
    return IdentityCategoricalColumn(key=key, number_buckets=num_buckets, default_value=default_value)


def weighted_categorical_column(categorical_column, weight_feature_key, dtype=dtypes.float32):
    """``categorical_column``'s ids weighted by the float feature ``weight_feature_key`` (a SparseTensor with
    the same indices, or dense with 0 for no weight).

        words = tg.feature_column.weighted_categorical_column(word_ids, "word_counts")
    """
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if dtype is None or not (dtype.is_integer or dtype.is_floating):
        raise ValueError("dtype {} is not convertible to float.".format(dtype))
    return WeightedCategoricalColumn(categorical_column=categorical_column, weight_feature_key=weight_feature_key,
                                     dtype=dtype)


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """Ids: the crosses of the features named by ``keys`` (feature keys or categorical columns other than
    hashed ones), hashed into ``hash_bucket_size`` buckets as TensorFlow hashes them.

        tg.feature_column.crossed_column(["country", language], hash_bucket_size=1000)
    """
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError("hash_bucket_size must be > 1. hash_bucket_size: {}".format(hash_bucket_size))
    if not keys or len(keys) < 2:
        raise ValueError("keys must be a list with length > 1. Given: {}".format(keys))
    for key in keys:
        if not isinstance(key, str) and not isinstance(key, _CategoricalColumn):
            raise ValueError("Unsupported key type. All keys must be either string, or categorical column except "
                             "HashedCategoricalColumn. Given: {}".format(key))
        if isinstance(key, HashedCategoricalColumn):
            raise ValueError("categorical_column_with_hash_bucket is not supported for crossing. Hashing before "
                             "crossing will increase probability of collision. Instead, use the feature name as a "
                             "string. Given: {}".format(key))
    return CrossedColumn(keys=tuple(keys), hash_bucket_size=hash_bucket_size, hash_key=hash_key)
