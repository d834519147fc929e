"""``tg.lookup``: TensorFlow 1's lookup tables (``tf.compat.v1.lookup`` and ``tf.contrib.lookup``), built
into the graph with TensorFlow's node names and structure, over the ops of :mod:`lookup_ops`.

    table = tg.lookup.StaticHashTable(tg.lookup.KeyValueTensorInitializer(["a", "b"], [7, 8]), -1)
    vocab = tg.lookup.index_table_from_file("vocab.txt", num_oov_buckets=3)
    with tg.Session() as sess:
        sess.run(tg.tables_initializer())
        sess.run(table.lookup(tg.constant(["b", "z"])))      # [8, -1]

Initializers add their op to ``GraphKeys.TABLE_INITIALIZERS`` (``tg.tables_initializer()`` runs them all),
and a text file's path Const to ``GraphKeys.ASSET_FILEPATHS``, so a SavedModel copies the file into its
assets and the loader points the table at the copy. Out-of-vocabulary keys go to hash buckets through
StringToHashBucketFast (or the hasher a ``HasherSpec`` names), as TensorFlow builds them.
"""
import collections
import functools
import uuid

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph, name_scope
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import lookup_ops as gen
from tagraph.engine.ops.array_ops import size as array_size
from tagraph.engine.ops.comparison_ops import not_equal
from tagraph.engine.ops.control_flow_ops import no_op
from tagraph.engine.ops.math_ops import cast, range as math_range, where_v2
from tagraph.engine.ops.op_util import scoped
from tagraph.engine.ops.string_hash_ops import (string_to_hash_bucket, string_to_hash_bucket_fast,
                                                string_to_hash_bucket_strong)
from tagraph.engine.ops.string_ops import as_string

__all__ = ["LookupInterface", "InitializableLookupTableBase", "StaticHashTable", "HashTable", "TableInitializerBase",
           "KeyValueTensorInitializer", "TextFileIndex", "TextFileInitializer", "TextFileStringTableInitializer",
           "TextFileIdTableInitializer", "HasherSpec", "FastHashSpec", "StrongHashSpec", "IdTableWithHashBuckets",
           "StaticVocabularyTable", "MutableHashTable", "DenseHashTable", "index_table_from_file",
           "index_table_from_tensor", "index_to_string_table_from_file", "index_to_string_table_from_tensor",
           "tables_initializer", "experimental"]

tables_initializer = gen.tables_initializer


def _init_scope():
    """TensorFlow's ``init_scope`` in a graph: a table and its initializer ignore the control
    dependencies around their creation (the name scope stays)."""
    return get_default_graph().control_dependencies(None)


def check_table_dtypes(table, key_dtype, value_dtype):
    if key_dtype.base_dtype != table.key_dtype:
        raise TypeError("Invalid key dtype for table, expected %s but got %s." % (table.key_dtype, key_dtype))
    if value_dtype.base_dtype != table.value_dtype:
        raise TypeError("Invalid value dtype for table, expected %s but got %s." % (table.value_dtype, value_dtype))


class LookupInterface:
    """A lookup table: ``lookup(keys)`` gives their values (``table[keys]`` too), ``size()`` its entries."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = dtypes.as_dtype(key_dtype)
        self._value_dtype = dtypes.as_dtype(value_dtype)

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: self._value_dtype)
    resource_handle = property(lambda self: self._resource_handle)

    @property
    def name(self):
        return NotImplementedError

    def size(self, name=None):
        raise NotImplementedError

    def lookup(self, keys, name=None):
        raise NotImplementedError

    def __getitem__(self, keys):
        return self.lookup(keys)


class InitializableLookupTableBase(LookupInterface):
    """A table filled by its initializer's op (``initializer``; in ``tg.tables_initializer()`` too)."""

    def __init__(self, default_value, initializer):
        super().__init__(initializer.key_dtype, initializer.value_dtype)
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        self._default_value.shape.merge_with(TensorShape([]))
        self._initializer = initializer
        with _init_scope():
            self._resource_handle = self._create_resource()
        self._init_op = self._initialize()

    def _initialize(self):
        return self._initializer.initialize(self)

    default_value = property(lambda self: self._default_value)
    initializer = property(lambda self: self._init_op)

    def size(self, name=None):
        """The number of entries (0 until initialized)."""
        with name_scope(name, "%s_Size" % self.name, [self.resource_handle]):
            return gen.lookup_table_size_v2(self.resource_handle)

    def lookup(self, keys, name=None):
        """The values of ``keys`` (any shape), the default value for those missing."""
        if keys.dtype.base_dtype != self._key_dtype:
            raise TypeError("Dtype of argument `keys` must be %s, received: %s" % (self._key_dtype, keys.dtype))
        with name_scope(name, "%s_Lookup" % self.name, [self.resource_handle, keys, self._default_value]):
            values = gen.lookup_table_find_v2(self.resource_handle, keys, self._default_value)
        values.set_shape(keys.shape)
        return values


class StaticHashTable(InitializableLookupTableBase):
    """A table that is immutable once initialized (HashTableV2), filled by ``initializer``.

        table = tg.lookup.StaticHashTable(tg.lookup.KeyValueTensorInitializer(["a"], [1]), default_value=-1)
        ids = table.lookup(tg.constant(["a", "b"]))         # [1, -1] after sess.run(table.initializer)
    """

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        if experimental_is_anonymous:
            raise NotImplementedError("Anonymous tables (AnonymousHashTable) are not supported by tagraph")
        self._initializer = initializer
        self._default_value = default_value
        # A shared name lets every kernel of the table find it; TensorFlow makes one up when the initializer
        # has none.
        self._shared_name = initializer._shared_name or "hash_table_%s" % (uuid.uuid4(),)
        self._name = name or "hash_table"
        self._table_name = None
        super().__init__(default_value, initializer)
        self._value_shape = self._default_value.shape

    def _create_resource(self):
        handle = gen.hash_table_v2(self._initializer.key_dtype, self._initializer.value_dtype,
                                   shared_name=self._shared_name, name=self._name)
        self._table_name = handle.op.name.split("/")[-1]
        return handle

    name = property(lambda self: self._table_name)

    def export(self, name=None):
        """(keys, values) of every entry, in no particular order."""
        with name_scope(name, "%s_Export" % self.name, [self.resource_handle]):
            keys, values = gen.lookup_table_export_v2(self.resource_handle, self._key_dtype, self._value_dtype)
        if keys.shape.rank is not None and self._value_shape.rank is not None:
            values.set_shape(list(keys.shape.dims) + list(self._value_shape.dims))
        return keys, values


class HashTable(StaticHashTable):
    """TensorFlow 1's name for StaticHashTable (``init`` is its initializer op)."""

    init = property(lambda self: self.initializer)


class TableInitializerBase:
    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = dtypes.as_dtype(key_dtype)
        self._value_dtype = dtypes.as_dtype(value_dtype)

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: self._value_dtype)
    _shared_name = ""

    def initialize(self, table):
        raise NotImplementedError


class KeyValueTensorInitializer(TableInitializerBase):
    """Fills a table from a tensor of keys and one of values (LookupTableImportV2)."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        with _init_scope():
            self._keys = convert_to_tensor(keys, dtype=key_dtype, name="keys")
            self._values = convert_to_tensor(values, dtype=value_dtype, name="values")
        self._name = name if name is not None else "key_value_init"
        super().__init__(self._keys.dtype, self._values.dtype)

    def initialize(self, table):
        check_table_dtypes(table, self._keys.dtype, self._values.dtype)
        with name_scope(self._name, values=(table.resource_handle, self._keys, self._values)):
            init_op = gen.lookup_table_import_v2(table.resource_handle, self._keys, self._values)
        get_default_graph().add_to_collection(GraphKeys.TABLE_INITIALIZERS, init_op)
        return init_op


class TextFileIndex:
    """Which part of a line a TextFileInitializer takes: ``WHOLE_LINE``, ``LINE_NUMBER``, or a field >= 0."""

    WHOLE_LINE = -2
    LINE_NUMBER = -1


class TextFileInitializer(TableInitializerBase):
    """Fills a table from a text file, one entry a line (InitializeTableFromTextFileV2).

        init = tg.lookup.TextFileInitializer("vocab.txt", tg.string, tg.lookup.TextFileIndex.WHOLE_LINE,
                                             tg.int64, tg.lookup.TextFileIndex.LINE_NUMBER)
    """

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index, vocab_size=None, delimiter="\t",
                 name=None, value_index_offset=0):
        if not isinstance(filename, Tensor) and not filename:
            raise ValueError("`filename` argument required for tf.lookup.TextFileInitializer")
        self._filename_arg = filename
        key_dtype, value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        if key_index < -2:
            raise ValueError("`key_index` should be >= -2, received: %s." % key_index)
        if key_index == TextFileIndex.LINE_NUMBER and key_dtype != dtypes.int64:
            raise ValueError("`key_dtype` must be int64 if `key_index` is %d, received: %s"
                             % (TextFileIndex.LINE_NUMBER, key_dtype))
        if key_index == TextFileIndex.WHOLE_LINE and not key_dtype.is_integer and key_dtype != dtypes.string:
            raise ValueError("`key_dtype` should be either integer or string for `key_index` %d, received: %s"
                             % (TextFileIndex.WHOLE_LINE, key_dtype))
        if value_index < -2:
            raise ValueError("`value_index` should be >= -2, received: %s" % value_index)
        if value_index == TextFileIndex.LINE_NUMBER and value_dtype != dtypes.int64:
            raise ValueError("`value_dtype` must be int64 for `value_index` %d, received: %s"
                             % (TextFileIndex.LINE_NUMBER, value_dtype))
        if value_index == TextFileIndex.WHOLE_LINE and not value_dtype.is_integer and value_dtype != dtypes.string:
            raise ValueError("`value_dtype` should be either integer or string for `value_index` %d, received: %s"
                             % (TextFileIndex.WHOLE_LINE, value_dtype))
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError("`vocab_size` should be > 0, received: %s" % vocab_size)
        self._key_index, self._value_index = key_index, value_index
        self._vocab_size, self._delimiter = vocab_size, delimiter
        self._name = name
        self._offset = value_index_offset
        # TensorFlow's Asset: the path as a string Const ("asset_path"), made where the initializer is.
        with _init_scope():
            self._filename = filename if isinstance(filename, Tensor) else \
                convert_to_tensor(filename, dtype=dtypes.string, name="asset_path")
        super().__init__(key_dtype, value_dtype)

    def initialize(self, table):
        check_table_dtypes(table, self.key_dtype, self.value_dtype)
        with name_scope(self._name, "text_file_init", (table.resource_handle,)):
            filename = self._filename
            init_op = gen.initialize_table_from_text_file_v2(
                table.resource_handle, filename, self._key_index, self._value_index,
                -1 if self._vocab_size is None else self._vocab_size, self._delimiter, self._offset)
        g = get_default_graph()
        g.add_to_collection(GraphKeys.TABLE_INITIALIZERS, init_op)
        if filename.op.type == "Const":
            g.add_to_collection(GraphKeys.ASSET_FILEPATHS, filename)
        return init_op

    @property
    def _shared_name(self):
        # TensorFlow's: hash_table_<filename>[_<vocab_size>]_<key_index>_<value_index>[_<offset>].
        parts = [self._filename_arg] + ([self._vocab_size] if self._vocab_size else []) + \
            [self._key_index, self._value_index] + ([self._offset] if self._offset else [])
        return "hash_table_" + "_".join(str(p) for p in parts)


class TextFileStringTableInitializer(TextFileInitializer):
    """int64 ids to strings from a text file (by default line number -> whole line)."""

    def __init__(self, filename, key_column_index=TextFileIndex.LINE_NUMBER,
                 value_column_index=TextFileIndex.WHOLE_LINE, vocab_size=None, delimiter="\t",
                 name="text_file_string_table_init"):
        super().__init__(filename, dtypes.int64, key_column_index, dtypes.string, value_column_index,
                         vocab_size=vocab_size, delimiter=delimiter, name=name)


class TextFileIdTableInitializer(TextFileInitializer):
    """Strings to int64 ids from a text file (by default whole line -> line number)."""

    def __init__(self, filename, key_column_index=TextFileIndex.WHOLE_LINE,
                 value_column_index=TextFileIndex.LINE_NUMBER, vocab_size=None, delimiter="\t",
                 name="text_file_id_table_init", key_dtype=dtypes.string):
        super().__init__(filename, key_dtype, key_column_index, dtypes.int64, value_column_index,
                         vocab_size=vocab_size, delimiter=delimiter, name=name)


class HasherSpec(collections.namedtuple("HasherSpec", ["hasher", "key"])):
    """The hash function of out-of-vocabulary buckets: "fasthash", "stronghash" (with a key) or "legacy"."""

    __slots__ = ()


FastHashSpec = HasherSpec("fasthash", None)


class StrongHashSpec(HasherSpec):
    """The keyed strong hash (SipHash-2-4); ``key`` is two integers."""

    __slots__ = ()

    def __new__(cls, key):
        if len(key) != 2:
            raise ValueError("`key` must have size 2, received %d" % len(key))
        if not isinstance(key[0], int) or not isinstance(key[1], int):
            raise TypeError("Invalid key %s. Must be unsigned integer values." % (key,))
        return super(cls, StrongHashSpec).__new__(cls, "stronghash", key)


def _as_string(tensor):
    return tensor if tensor.dtype.base_dtype == dtypes.string else as_string(tensor)


def _hash_bucket_fn(hasher_spec):
    if not isinstance(hasher_spec, HasherSpec):
        raise TypeError("`hasher_spec` must be of type HasherSpec, got %s." % type(hasher_spec))
    if hasher_spec.hasher == "fasthash":
        return string_to_hash_bucket_fast
    if hasher_spec.hasher == "legacy":
        return string_to_hash_bucket
    if hasher_spec.hasher == "stronghash":
        return functools.partial(string_to_hash_bucket_strong, key=hasher_spec.key)
    raise ValueError("Found unknown hasher %s in `hasher_spec`" % hasher_spec.hasher)


def _check_vocab_table(table_key_dtype, table_value_dtype, key_dtype, what):
    if table_key_dtype not in (dtypes.int64, dtypes.string):
        raise TypeError("Invalid `key_dtype`, expected one of (tf.int64, tf.string), received %s." % key_dtype)
    if table_key_dtype.is_integer != key_dtype.is_integer:
        raise TypeError("Invalid `key dtype`, expected %s but got %s." % (
            "integer" if key_dtype.is_integer else "non-integer", table_key_dtype))
    if table_value_dtype != dtypes.int64:
        raise TypeError("Invalid `value_dtype`%s int64 but got %s." % (what, table_value_dtype))


class _BucketedTable(LookupInterface):
    """A table of int64 ids whose misses go to ``num_oov_buckets`` hash buckets after its ids."""

    def _setup(self, table, num_oov_buckets, hasher_spec, key_dtype, name):
        if (not key_dtype.is_integer) and dtypes.string != key_dtype:
            raise TypeError("Invalid `key_dtype`, expected integer or string, got %s." % key_dtype)
        self._table = table
        self._num_oov_buckets = num_oov_buckets
        self._hasher_spec = hasher_spec
        self._table_name = name.split("/")[-1] if name else None
        super().__init__(key_dtype, dtypes.int64)

    resource_handle = property(lambda self: None if self._table is None else self._table.resource_handle)
    name = property(lambda self: self._table_name)

    @property
    def initializer(self):
        if self._table is not None:
            return self._table._init_op
        with name_scope(None, "init"):
            return no_op()

    def size(self, name=None):
        with name_scope(name, "%s_Size" % self.name):
            tsize = self._table.size() if self._table else convert_to_tensor(0, dtype=dtypes.int64)
            return tsize + self._num_oov_buckets

    def lookup(self, keys, name=None):
        """The ids of ``keys``; a key not in the table gets ``size + hash(key) % num_oov_buckets``."""
        if keys.dtype.base_dtype != self._key_dtype:
            raise TypeError("Dtype of argument `keys` must be %s, received: %s" % (self._key_dtype, keys.dtype))
        values = keys
        if self._table and self._table.key_dtype.base_dtype == dtypes.int64:
            values = cast(values, dtypes.int64)
        if self._num_oov_buckets == 0:
            return self._table.lookup(values, name=name)
        with name_scope(name, "%s_Lookup" % self.name):
            buckets = _hash_bucket_fn(self._hasher_spec)(_as_string(values), num_buckets=self._num_oov_buckets,
                                                          name="hash_bucket")
            if not self._table:
                return buckets
            ids = self._table.lookup(values)
            buckets = scoped("AddV2", "Add", [buckets, self._table.size()])
            is_id_non_default = not_equal(ids, self._table.default_value)
            return where_v2(is_id_non_default, ids, buckets)


class IdTableWithHashBuckets(_BucketedTable):
    """TensorFlow 1's wrapper: ``table`` (keys -> int64 ids), misses hashed into ``num_oov_buckets``."""

    def __init__(self, table, num_oov_buckets, hasher_spec=FastHashSpec, name=None, key_dtype=None):
        if name:
            name = name.rstrip("/")
        if table:
            key_dtype = table.key_dtype if key_dtype is None else dtypes.as_dtype(key_dtype)
            _check_vocab_table(table.key_dtype, table.value_dtype, key_dtype, ": expected")
            name = name or table.name
        else:
            if num_oov_buckets <= 0:
                raise ValueError("`oov_buckets` must be > 0 if no `table` is supplied.")
            key_dtype = dtypes.string if key_dtype is None else dtypes.as_dtype(key_dtype)
            name = name or "hash_bucket"
        if not isinstance(hasher_spec, HasherSpec):
            raise TypeError("`hasher_spec` must be of type HasherSpec, got %s." % type(hasher_spec))
        self._setup(table, num_oov_buckets, hasher_spec, key_dtype, name)

    init = property(lambda self: self.initializer)


class StaticVocabularyTable(_BucketedTable):
    """Keys to int64 ids from ``initializer``; keys not in it go to ``num_oov_buckets`` buckets of
    Fingerprint64 (StringToHashBucketFast), numbered after the table's ids.

        table = tg.lookup.StaticVocabularyTable(tg.lookup.TextFileInitializer(
            "vocab.txt", tg.string, -2, tg.int64, -1), num_oov_buckets=5)
    """

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if num_oov_buckets <= 0:
            raise ValueError("`num_oov_buckets` must be > 0; use StaticHashTable.")
        if name:
            name = name.rstrip("/")
        table = None
        if initializer:
            lookup_key_dtype = initializer.key_dtype if lookup_key_dtype is None else \
                dtypes.as_dtype(lookup_key_dtype)
            _check_vocab_table(initializer.key_dtype, initializer.value_dtype, lookup_key_dtype, ", expected")
            table = HashTable(initializer, default_value=-1, experimental_is_anonymous=experimental_is_anonymous)
            name = name or table.name
        else:
            lookup_key_dtype = dtypes.string
            name = name or "hash_bucket"
        self._setup(table, num_oov_buckets, FastHashSpec, lookup_key_dtype, name)


def index_table_from_file(vocabulary_file=None, num_oov_buckets=0, vocab_size=None, default_value=-1,
                          hasher_spec=FastHashSpec, key_dtype=dtypes.string, name=None,
                          key_column_index=TextFileIndex.WHOLE_LINE, value_column_index=TextFileIndex.LINE_NUMBER,
                          delimiter="\t"):
    """A table of strings (or integers) to their int64 line numbers in ``vocabulary_file``; misses get
    ``default_value``, or one of ``num_oov_buckets`` hash buckets.

        ids = tg.lookup.index_table_from_file("vocab.txt", num_oov_buckets=1).lookup(features)
    """
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and not vocabulary_file):
        raise ValueError("`vocabulary_file` must be specified and must not be empty.")
    if num_oov_buckets < 0:
        raise ValueError("num_oov_buckets must be greater or equal than 0, got %d." % num_oov_buckets)
    if vocab_size is not None and vocab_size < 1:
        shown = vocabulary_file if not isinstance(vocabulary_file, Tensor) else "?"
        raise ValueError("`vocab_size` must be greater than 0, got %d for vocabulary_file: %s."
                         % (vocab_size, shown))
    key_dtype = dtypes.as_dtype(key_dtype)
    if not key_dtype.is_integer and dtypes.string != key_dtype.base_dtype:
        raise TypeError("Dtype for `keys` should be either integer or string.")
    with name_scope(name, "string_to_index"):
        with name_scope(None, "hash_table"):
            init = TextFileIdTableInitializer(
                vocabulary_file, vocab_size=vocab_size, key_dtype=dtypes.int64 if key_dtype.is_integer else key_dtype,
                name="table_init", key_column_index=key_column_index, value_column_index=value_column_index,
                delimiter=delimiter)
            table = StaticHashTable(init, default_value)
        if num_oov_buckets:
            table = IdTableWithHashBuckets(table, num_oov_buckets=num_oov_buckets, hasher_spec=hasher_spec,
                                           key_dtype=key_dtype)
        return table


def index_table_from_tensor(vocabulary_list, num_oov_buckets=0, default_value=-1, hasher_spec=FastHashSpec,
                            dtype=dtypes.string, name=None):
    """A table of the elements of ``vocabulary_list`` (a 1-D tensor) to their int64 positions."""
    if vocabulary_list is None:
        raise ValueError("`vocabulary_list` must be specified.")
    if num_oov_buckets < 0:
        raise ValueError("`num_oov_buckets` must be greater or equal than 0, got %d." % num_oov_buckets)
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_integer and dtypes.string != dtype.base_dtype:
        raise TypeError("`dtype` must either be integer or string.")
    with name_scope(name, "string_to_index"):
        keys = convert_to_tensor(vocabulary_list)
        if keys.dtype.is_integer != dtype.is_integer:
            raise ValueError("Invalid `dtype`: Expected %s, got %s." % (
                "integer" if dtype.is_integer else "non-integer", keys.dtype))
        if not dtype.is_integer and keys.dtype.base_dtype != dtype:
            raise ValueError("Invalid `dtype`: Expected %s, got %s." % (dtype, keys.dtype))
        num_elements = array_size(keys)
        values = cast(math_range(num_elements), dtypes.int64)
        with name_scope(None, "hash_table"):
            table_keys = cast(keys, dtypes.int64) if keys.dtype.is_integer else keys
            init = KeyValueTensorInitializer(table_keys, values, table_keys.dtype.base_dtype, dtypes.int64,
                                             name="table_init")
            table = StaticHashTable(init, default_value)
        if num_oov_buckets:
            table = IdTableWithHashBuckets(table, num_oov_buckets=num_oov_buckets, hasher_spec=hasher_spec,
                                           key_dtype=dtype)
        return table


def index_to_string_table_from_file(vocabulary_file, vocab_size=None, default_value="UNK", name=None,
                                    key_column_index=TextFileIndex.LINE_NUMBER,
                                    value_column_index=TextFileIndex.WHOLE_LINE, delimiter="\t"):
    """A table of int64 line numbers to the lines of ``vocabulary_file``; misses get ``default_value``."""
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and not vocabulary_file):
        raise ValueError("`vocabulary_file` must be specified and must not be empty.")
    if vocab_size is not None and vocab_size < 1:
        raise ValueError("`vocab_size` must be greater than 0, got %s." % vocab_size)
    with name_scope(name, "index_to_string"):
        init = TextFileStringTableInitializer(vocabulary_file, vocab_size=vocab_size, name="table_init",
                                              key_column_index=key_column_index,
                                              value_column_index=value_column_index, delimiter=delimiter)
        return StaticHashTable(init, default_value)


def index_to_string_table_from_tensor(vocabulary_list, default_value="UNK", name=None):
    """A table of int64 positions to the strings of ``vocabulary_list``; misses get ``default_value``."""
    if vocabulary_list is None:
        raise ValueError("`vocabulary_list` argument must be specified.")
    with name_scope(name, "index_to_string"):
        vocabulary_list = convert_to_tensor(vocabulary_list, dtypes.string)
        num_elements = array_size(vocabulary_list)
        keys = cast(math_range(num_elements), dtypes.int64)
        init = KeyValueTensorInitializer(keys, vocabulary_list, dtypes.int64, dtypes.string, name="table_init")
        return StaticHashTable(init, default_value)


class _MutableBase(LookupInterface):
    """What MutableHashTable and DenseHashTable share: find, insert, remove, size, export, by TensorFlow's
    scope names (``<table>_lookup_table_find`` ...), each op placed with the table."""

    name = property(lambda self: self._table_name)
    default_value = property(lambda self: self._default_value)

    def _named(self, handle):
        self._table_name = handle.op.name.split("/")[-1]
        return handle

    def size(self, name=None):
        with name_scope(name, "%s_Size" % self.name, [self.resource_handle]):
            with get_default_graph().colocate_with(self.resource_handle.op):
                return gen.lookup_table_size_v2(self.resource_handle)

    def remove(self, keys, name=None):
        """Removes ``keys`` (absent ones are ignored); returns the op."""
        if keys.dtype != self._key_dtype:
            raise TypeError("Dtype of argument `keys` must be %s, received: %s" % (self._key_dtype, keys.dtype))
        with name_scope(name, "%s_lookup_table_remove" % self.name, (self.resource_handle, keys)):
            return gen.lookup_table_remove_v2(self.resource_handle, keys)

    def lookup(self, keys, dynamic_default_values=None, name=None):
        """The values of ``keys``; ``dynamic_default_values`` (one per key) replace the default value."""
        with name_scope(name, "%s_lookup_table_find" % self.name, (self.resource_handle, keys)):
            keys = convert_to_tensor(keys, dtype=self._key_dtype, name="keys")
            with get_default_graph().colocate_with(self.resource_handle.op):
                return gen.lookup_table_find_v2(self.resource_handle, keys, self._default_value
                                                if dynamic_default_values is None else dynamic_default_values)

    def insert(self, keys, values, name=None):
        """Sets the values of ``keys`` (same leading shape); returns the op."""
        with name_scope(name, "%s_lookup_table_insert" % self.name, [self.resource_handle, keys, values]):
            keys = convert_to_tensor(keys, self._key_dtype, name="keys")
            values = convert_to_tensor(values, self._value_dtype, name="values")
            with get_default_graph().colocate_with(self.resource_handle.op):
                return gen.lookup_table_insert_v2(self.resource_handle, keys, values)

    def export(self, name=None):
        """(keys, values) of the table's content."""
        with name_scope(name, "%s_lookup_table_export_values" % self.name, [self.resource_handle]):
            with get_default_graph().colocate_with(self.resource_handle.op):
                return gen.lookup_table_export_v2(self.resource_handle, self._key_dtype, self._value_dtype)

    def _checkpointed(self, checkpoint):
        # TensorFlow's saveable exports the table once, when the table is made (its ops are in the graph
        # whether or not a Saver uses them).
        self._checkpoint = checkpoint
        if checkpoint:
            self._export_for_checkpoint = self.export()


class MutableHashTable(_MutableBase):
    """A table to insert into and remove from at any time (MutableHashTableV2; MutableHashTableOfTensorsV2
    when ``default_value`` is a vector, the values then vectors of its shape).

        table = tg.lookup.MutableHashTable(tg.string, tg.int64, default_value=-1)
        insert = table.insert(tg.constant(["a"]), tg.constant([7], tg.int64))
    """

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable", checkpoint=True,
                 experimental_is_anonymous=False):
        if experimental_is_anonymous:
            raise NotImplementedError("Anonymous tables are not supported by tagraph")
        self._default_value = convert_to_tensor(default_value, dtype=value_dtype)
        self._value_shape = self._default_value.shape
        self._name = name
        super().__init__(key_dtype, value_dtype)
        # As TensorFlow: a checkpointed table without a shared name is shared by its node name.
        sharing = bool(checkpoint)
        if self._value_shape.rank == 0:
            handle = gen.mutable_hash_table_v2(self._key_dtype, self._value_dtype, use_node_name_sharing=sharing,
                                               name=name)
        else:
            handle = gen.mutable_hash_table_of_tensors_v2(self._key_dtype, self._value_dtype,
                                                          use_node_name_sharing=sharing,
                                                          value_shape=self._value_shape, name=name)
        self._resource_handle = self._named(handle)
        self._checkpointed(checkpoint)


class DenseHashTable(_MutableBase):
    """A mutable table by open addressing (MutableDenseHashTableV2): ``empty_key`` and ``deleted_key`` mark
    free buckets and may not be used as keys."""

    def __init__(self, key_dtype, value_dtype, default_value, empty_key, deleted_key, initial_num_buckets=None,
                 name="MutableDenseHashTable", checkpoint=True, experimental_is_anonymous=False):
        if experimental_is_anonymous:
            raise NotImplementedError("Anonymous tables are not supported by tagraph")
        self._default_value = convert_to_tensor(default_value, dtype=value_dtype, name="default_value")
        self._value_shape = self._default_value.shape
        self._name = name
        super().__init__(key_dtype, value_dtype)
        empty_key = convert_to_tensor(empty_key, dtype=self._key_dtype, name="empty_key")
        deleted_key = convert_to_tensor(deleted_key, dtype=self._key_dtype, name="deleted_key")
        extra = {} if initial_num_buckets is None else {"initial_num_buckets": initial_num_buckets}
        self._resource_handle = self._named(gen.mutable_dense_hash_table_v2(
            empty_key, deleted_key, self._value_dtype, use_node_name_sharing=bool(checkpoint),
            value_shape=self._value_shape, name=name, **extra))
        self._checkpointed(checkpoint)

    def insert_or_assign(self, keys, values, name=None):
        return self.insert(keys, values, name)

    def erase(self, keys, name=None):
        if keys.dtype != self._key_dtype:
            raise TypeError("Signature mismatch. Keys must be dtype %s, got %s." % (self._key_dtype, keys.dtype))
        return self.remove(keys, name)


class experimental:  # noqa: N801 - the tf.lookup.experimental namespace
    MutableHashTable = MutableHashTable
    DenseHashTable = DenseHashTable
