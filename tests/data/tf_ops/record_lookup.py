"""Records what real TensorFlow computes for tests/engine/ops/test_lookup_ops.py: lookup tables (every table op,
the ``tf.lookup`` / ``tf.contrib.lookup`` API, vocabulary files) and the string hash buckets.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_lookup.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

A case's ``build(tf, lk, files)`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here,
``tagraph.engine`` in the tests), a lookup namespace ``lk`` (the ``tf.lookup`` classes and functions, the
TF1 contrib ones, ``lk.gen`` the generated op wrappers) and ``files`` (name -> path of the vocabulary files
below, written into a fresh folder), and returns the runs to make, in order, each a list of fetches (a
:class:`Sorted` pair is an export, compared sorted by key). Unless ``init`` is false, the graph's table
initializers run first. ``lookup.npz`` holds each run's values, the static shapes of the tensors fetched,
the graph's node names and types, and for each error case the error class and message TensorFlow gave
(``{dir}`` for the folder of the files). Importing this file needs only numpy.
"""
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

FILES = {
    "vocab.txt": "emerson\nlake\npalmer\nking\n",
    "pairs.txt": "emerson\t10\t1.5\nlake\t20\t-2.25\npalmer\t30\t1e3\n",
    "spaces.txt": "a 1 x\nb 2 y\nc 3 z\nd 4 w\n",
    "ids.txt": "5\n-7\n 12 \n",
    "crlf.txt": "alpha\r\nbeta\r\ngamma",
    "unicode.txt": "h\u00e9llo\nw\u00f6rld\n\u65e5\u672c\n\U0001f389\n",
    "empty_line.txt": "a\nb\n\nc\n",
    "short_row.txt": "a\t1\nb\nc\t3\n",
    "bad_int.txt": "a\t1\nb\tx2\n",
    "bad_float.txt": "a\t1.5\nb\t1.5.5\n",
    "empty.txt": "",
    "dup.txt": "a\t1\nb\t2\na\t3\n",
}


class Sorted:
    """An export's (keys, values), compared after sorting both by key (tables export in no set order)."""

    def __init__(self, keys, values):
        self.keys, self.values = keys, values


class Case:
    def __init__(self, name, build, init=True):
        self.name, self.build, self.init = name, build, init


class Err:
    """``build`` (or one of its runs) must fail as TensorFlow's does."""

    def __init__(self, name, build, init=True):
        self.name, self.build, self.init = name, build, init


def hash_strings():
    """A few hundred strings: empty, every length to 70 (Fingerprint64 and Hash64 branch on length),
    unicode, and random ones from a fixed seed."""
    out = ["", " ", "a", "hello", "Hello", "h\u00e9llo", "\u65e5\u672c\u8a9e", "emoji \U0001f389", "\t\n", "\x01\x7f",
           "tf.lookup", "king", "crimson", "tarkus", "black", "moon"]
    out += ["x" * n for n in range(1, 71)]
    out += ["".join(chr(48 + (i * 7 + k) % 75) for k in range(n)) for i, n in enumerate(range(0, 130, 5))]
    rng = np.random.default_rng(7)
    alphabet = list("abcdefghijklmnopqrstuvwxyz0123456789 _-.") + ["\u00e9", "\u00df", "\u4e2d", "\u6587",
                                                                   "\U0001f389", "\u0301"]
    for _ in range(200):
        n = int(rng.integers(0, 40))
        out.append("".join(alphabet[int(j)] for j in rng.integers(0, len(alphabet), n)))
    return out


STRINGS = hash_strings()
_WORDS = ["emerson", "lake", "palmer", "king", "crimson", "tarkus", "", "h\u00e9llo"]


def _i64(tf, v):
    return tf.constant(v, tf.int64)


def _kv_table(tf, lk, keys, values, default, **kw):
    return lk.StaticHashTable(lk.KeyValueTensorInitializer(keys, values), default, **kw)


def _static_kv(tf, lk, files):
    t = _kv_table(tf, lk, ["emerson", "lake", "palmer"], _i64(tf, [10, 20, 30]), -1)
    keys = tf.constant([["lake", "x"], ["emerson", "palmer"]])
    k, v = t.export()
    return [[t.lookup(keys), t.size(), t[tf.constant(["palmer"])]], [Sorted(k, v)]]


def _typed(key, key_dtype, values, value_dtype, default, probe):
    def build(tf, lk, files):
        t = _kv_table(tf, lk, tf.constant(key, getattr(tf, key_dtype)), tf.constant(values, getattr(tf, value_dtype)),
                      default)
        return [[t.lookup(tf.constant(probe, getattr(tf, key_dtype))), t.size()]]
    return build


def _lifecycle(tf, lk, files):
    t = _kv_table(tf, lk, ["a", "b"], _i64(tf, [1, 2]), -5)
    init = tf.tables_initializer()
    return [[t.size()], [init], [init], [t.size(), t.lookup(tf.constant(["b", "c"]))]]


def _raw_reinit_same_size(tf, lk, files):
    h = lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64)
    first = lk.gen.initialize_table_v2(h, ["a", "b"], _i64(tf, [1, 2]))
    second = lk.gen.initialize_table_v2(h, ["a", "c"], _i64(tf, [1, 2]))
    find = lk.gen.lookup_table_find_v2(h, ["a", "b", "c"], _i64(tf, -1))
    return [[first], [second], [find, lk.gen.lookup_table_size_v2(h)]]


def _raw_shared(tf, lk, files):
    a = lk.gen.hash_table_v2(key_dtype=tf.int64, value_dtype=tf.float32, shared_name="shared_vocab")
    b = lk.gen.hash_table_v2(key_dtype=tf.int64, value_dtype=tf.float32, shared_name="shared_vocab", name="other")
    init = lk.gen.lookup_table_import_v2(a, _i64(tf, [3, 4]), tf.constant([0.5, 1.5]))
    per_key = lk.gen.lookup_table_find_v2(b, _i64(tf, [[4, 9], [3, 8]]), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    return [[init], [per_key, lk.gen.lookup_table_size_v2(b)]]


def _text(key_dtype, key_index, value_dtype, value_index, file, probe, **kw):
    def build(tf, lk, files):
        init = lk.TextFileInitializer(files[file], getattr(tf, key_dtype), key_index, getattr(tf, value_dtype),
                                      value_index, **kw)
        default = "?" if value_dtype == "string" else -1
        t = lk.StaticHashTable(init, default)
        keys = tf.constant(probe, getattr(tf, key_dtype))
        return [[t.lookup(keys), t.size()]]
    return build


def _index_from_file(**kw):
    def build(tf, lk, files):
        t = lk.index_table_from_file(files["vocab.txt"], **kw)
        keys = tf.placeholder_with_default(tf.constant(_WORDS), shape=None)
        return [[t.lookup(keys), t.size()]]
    return build


def _index_from_tensor(vocab, probe, dtype, **kw):
    def build(tf, lk, files):
        t = lk.index_table_from_tensor(vocab, dtype=getattr(tf, dtype), **kw)
        return [[t.lookup(tf.constant(probe, getattr(tf, dtype)))]]
    return build


def _to_string(tf, lk, files):
    a = lk.index_to_string_table_from_file(files["vocab.txt"])
    b = lk.index_to_string_table_from_tensor(["x", "y", "z"], default_value="none")
    c = lk.index_to_string_table_from_file(files["spaces.txt"], key_column_index=1, value_column_index=2,
                                           delimiter=" ", vocab_size=3)
    ids = _i64(tf, [[0, 3], [4, -1]])
    return [[a.lookup(ids), b.lookup(ids), c.lookup(_i64(tf, [1, 2, 3, 4]))]]


def _vocabulary(tf, lk, files):
    kv = lk.KeyValueTensorInitializer(["emerson", "lake", "palmer"], _i64(tf, [0, 1, 2]))
    t = lk.StaticVocabularyTable(kv, 5)
    text = lk.TextFileInitializer(files["vocab.txt"], tf.string, -2, tf.int64, -1)
    u = lk.StaticVocabularyTable(text, 3, name="vocab_from_file")
    ints = lk.StaticVocabularyTable(lk.KeyValueTensorInitializer(_i64(tf, [5, 7]), _i64(tf, [0, 1])), 3,
                                    lookup_key_dtype=tf.int32)
    none = lk.StaticVocabularyTable(None, 4)
    words = tf.constant(_WORDS)
    return [[t.lookup(words), t.size(), u.lookup(words), u.size(), ints.lookup(tf.constant([5, 9, 7, -1])),
             none.lookup(words), none.size()]]


def _id_table_hashers(tf, lk, files):
    base = lambda: _kv_table(tf, lk, ["lake"], _i64(tf, [0]), -1)  # noqa: E731
    strong = lk.IdTableWithHashBuckets(base(), 7, hasher_spec=lk.StrongHashSpec([11, 22]))
    legacy = lk.IdTableWithHashBuckets(base(), 7, hasher_spec=lk.HasherSpec("legacy", None))
    only = lk.IdTableWithHashBuckets(None, 3)
    words = tf.constant(_WORDS)
    return [[strong.lookup(words), legacy.lookup(words), only.lookup(words), strong.size()]]


def _mutable(tf, lk, files):
    t = lk.MutableHashTable(tf.string, tf.int64, -1)
    keys = tf.constant(["a", "b", "c"])
    ins = t.insert(keys, _i64(tf, [1, 2, 3]))
    rem = t.remove(tf.constant(["b", "zz"]))
    upd = t.insert(tf.constant(["a"]), _i64(tf, [10]))
    find = t.lookup(tf.constant(["a", "b", "c", "d"]))
    dyn = t.lookup(tf.constant(["a", "b"]), dynamic_default_values=_i64(tf, [7, 8]))
    k, v = t.export()
    return [[t.size()], [ins], [t.size(), find], [rem], [upd], [find, dyn, t.size(), Sorted(k, v)]]


def _mutable_vectors(tf, lk, files):
    t = lk.MutableHashTable(tf.int64, tf.float32, [0.0, -1.0], name="vectors")
    ins = t.insert(_i64(tf, [3, 4]), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    imp = lk.gen.lookup_table_import_v2(t.resource_handle, _i64(tf, [9]), tf.constant([[9.0, 9.5]]))
    find = t.lookup(_i64(tf, [[3, 9], [4, 5]]))
    k, v = t.export()
    return [[ins], [find, Sorted(k, v)], [imp], [find, t.size()]]


def _dense(key_dtype, keys, empty, deleted, probe):
    def build(tf, lk, files):
        kd = getattr(tf, key_dtype)
        t = lk.DenseHashTable(kd, tf.int64, -1, empty, deleted, initial_num_buckets=8)
        ins = t.insert(tf.constant(keys, kd), _i64(tf, list(range(1, len(keys) + 1))))
        rem = t.remove(tf.constant(keys[1:3], kd))
        again = t.insert(tf.constant(keys[2:4], kd), _i64(tf, [40, 50]))
        k, v = t.export()
        find = t.lookup(tf.constant(probe, kd))
        return [[ins], [find, t.size(), k, v], [rem], [find, t.size(), k, v], [again], [find, t.size(), k, v]]
    return build


def _hash_buckets(tf, lk, files):
    x = tf.constant(STRINGS)
    x2 = tf.constant([["a", "b"], ["", "\u00e9"]])
    return [[tf.strings.to_hash_bucket_fast(x, 2 ** 62), tf.strings.to_hash_bucket_fast(x, 7),
             tf.string_to_hash_bucket_fast(x2, 1000, name="fast"),
             tf.strings.to_hash_bucket_strong(x, 2 ** 62, key=[123456789, 987654321]),
             tf.strings.to_hash_bucket_strong(x, 13, key=[-1, 2 ** 62]),
             tf.string_to_hash_bucket_strong(x2, 1000, [1, 2], name="strong"),
             tf.strings.to_hash_bucket(x, 2 ** 62), tf.string_to_hash_bucket(x2, 11)]]


def _as_string(tf, lk, files):
    return [[tf.as_string(_i64(tf, [-3, 0, 12345])), tf.as_string(tf.constant([7, -8]), width=4, fill="0"),
             tf.as_string(tf.constant([1.5, -0.25, 1e10], tf.float32)),
             tf.as_string(tf.constant([3.14159, 2e-7], tf.float64), precision=3, scientific=True),
             tf.as_string(tf.constant([0.1, 123456789.0]), shortest=True), tf.as_string(tf.constant([True, False]))]]


def _empty_initializer(tf, lk, files):
    return [[tf.tables_initializer(name="no_tables")]]


CASES = [
    Case("static_kv", _static_kv),
    Case("static_int64_string", _typed([1, 5, 9], "int64", ["a", "b", "c"], "string", "UNK", [[9, 2], [1, 5]])),
    Case("static_int32_float", _typed([1, -5], "int32", [0.5, 1.25], "float32", 0.0, [-5, 0, 1])),
    Case("static_string_float64", _typed(["x", "y"], "string", [1.5, 2.5], "float64", -1.0, ["y", "q"])),
    Case("static_string_bool", _typed(["x", "y"], "string", [True, False], "bool", True, ["y", "q", "x"])),
    Case("static_int64_int32", _typed([2, 3], "int64", [20, 30], "int32", -1, [3, 4])),
    Case("lifecycle_size_before_and_double_init", _lifecycle, init=False),
    Case("raw_reinit_same_size_keeps_first_data", _raw_reinit_same_size, init=False),
    Case("raw_shared_name_and_per_key_defaults", _raw_shared, init=False),
    Case("text_whole_line_to_line_number", _text("string", -2, "int64", -1, "vocab.txt", ["palmer", "x", "emerson"])),
    Case("text_columns_int", _text("string", 0, "int64", 1, "pairs.txt", ["lake", "nope", "palmer"])),
    Case("text_columns_float", _text("string", 0, "float32", 2, "pairs.txt", ["lake", "palmer", "nope"])),
    Case("text_columns_double", _text("string", 0, "float64", 2, "pairs.txt", ["lake", "palmer"])),
    Case("text_line_number_to_whole_line", _text("int64", -1, "string", -2, "vocab.txt", [0, 3, 4])),
    Case("text_int_keys", _text("int64", -2, "int64", -1, "ids.txt", [5, -7, 12, 0])),
    Case("text_int32_values_offset", _text("string", 0, "int32", 1, "spaces.txt", ["a", "d", "e"], delimiter=" ",
                                           value_index_offset=100)),
    Case("text_line_number_offset", _text("string", 2, "int64", -1, "spaces.txt", ["x", "w"], delimiter=" ",
                                          value_index_offset=10)),
    Case("text_vocab_size_truncates", _text("string", -2, "int64", -1, "vocab.txt", ["lake", "palmer"], vocab_size=2)),
    Case("text_crlf_and_no_final_newline", _text("string", -2, "int64", -1, "crlf.txt", ["beta", "gamma", "alpha"])),
    Case("text_unicode", _text("string", -2, "int64", -1, "unicode.txt", ["w\u00f6rld", "\U0001f389", "hello"])),
    Case("text_duplicate_keys_reinit_ignored", lambda tf, lk, files: (lambda t: [[t.lookup(tf.constant(["a"]))],
                                                                               [tf.tables_initializer()]])(
        lk.StaticHashTable(lk.TextFileInitializer(files["vocab.txt"], tf.string, -2, tf.int64, -1), -1))),
    Case("index_table_from_file", _index_from_file()),
    Case("index_table_from_file_oov", _index_from_file(num_oov_buckets=3)),
    Case("index_table_from_file_vocab_size_default", _index_from_file(vocab_size=3, default_value=-7)),
    Case("index_table_from_file_named", _index_from_file(num_oov_buckets=5, name="vocab")),
    Case("index_table_from_tensor", _index_from_tensor(["a", "b", "c"], ["c", "a", "z"], "string")),
    Case("index_table_from_tensor_oov", _index_from_tensor(["a", "b"], ["b", "q", "", "a"], "string",
                                                           num_oov_buckets=4)),
    Case("index_table_from_tensor_int64_oov", _index_from_tensor([10, 20, 30], [20, 5, 30, 77], "int64",
                                                                 num_oov_buckets=3)),
    Case("index_table_from_tensor_int32", _index_from_tensor([10, 20], [20, 5], "int32", default_value=-2,
                                                             num_oov_buckets=1)),
    Case("index_to_string", _to_string),
    Case("static_vocabulary_table", _vocabulary),
    Case("id_table_hashers", _id_table_hashers),
    Case("mutable_hash_table", _mutable, init=False),
    Case("mutable_hash_table_of_tensors", _mutable_vectors, init=False),
    Case("dense_hash_table_int64", _dense("int64", [3, 11, 19, 27, 35, 5, 8, -4], 0, -1, [3, 11, 19, 27, 2, 8, 35]),
         init=False),
    Case("dense_hash_table_string", _dense("string", ["a", "b", "c", "dd", "e", "f\u00e9"], "", "$",
                                           ["a", "b", "c", "zz", "f\u00e9"]), init=False),
    Case("hash_buckets", _hash_buckets, init=False),
    Case("as_string", _as_string, init=False),
    Case("tables_initializer_without_tables", _empty_initializer, init=False),
]


def _static_string_table(tf, lk):
    return _kv_table(tf, lk, ["a", "b"], _i64(tf, [1, 2]), -1)


def _file_table(file, key_index=-2, value_index=-1, key_dtype="string", value_dtype="int64", **kw):
    def build(tf, lk, files):
        init = lk.TextFileInitializer(files[file], getattr(tf, key_dtype), key_index, getattr(tf, value_dtype),
                                      value_index, **kw)
        t = lk.StaticHashTable(init, "?" if value_dtype == "string" else -1)
        return [[t.lookup(tf.constant(["a"]))]]
    return build


def _raw_text_init(key_index, value_index, key_dtype, value_dtype, file="vocab.txt", **kw):
    def build(tf, lk, files):
        h = lk.gen.hash_table_v2(key_dtype=getattr(tf, key_dtype), value_dtype=getattr(tf, value_dtype))
        return [[lk.gen.initialize_table_from_text_file_v2(h, files[file], key_index, value_index, **kw)]]
    return build


def _raw(fn):
    """A raw-op error case over a string -> int64 HashTableV2 ``h`` (initialized with a, b -> 1, 2)."""
    def build(tf, lk, files):
        h = lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64)
        init = lk.gen.initialize_table_v2(h, ["a", "b"], _i64(tf, [1, 2]))
        return [[init], fn(tf, lk, h)]
    return build


def _mutable_err(fn, value_shape=None):
    def build(tf, lk, files):
        default = -1 if value_shape is None else [0] * value_shape
        t = lk.MutableHashTable(tf.string, tf.int64, default)
        return fn(tf, lk, t)
    return build


def _dense_err(fn, empty=0, deleted=-1, **kw):
    def build(tf, lk, files):
        t = lk.DenseHashTable(tf.int64, tf.int64, -1, empty, deleted, **kw)
        return fn(tf, lk, t)
    return build


ERRORS = [
    Err("find_uninitialized", lambda tf, lk, files: [[_static_string_table(tf, lk).lookup(tf.constant(["a"]))]],
        init=False),
    Err("export_uninitialized", lambda tf, lk, files: [list(_static_string_table(tf, lk).export())], init=False),
    Err("reinit_different_size", _raw(lambda tf, lk, h: [lk.gen.initialize_table_v2(h, ["a"], _i64(tf, [1]))])),
    Err("duplicate_key_conflict", lambda tf, lk, files: [[_kv_table(tf, lk, ["a", "b", "a"], _i64(tf, [1, 2, 3]),
                                                                    -1).size()]]),
    Err("duplicate_key_same_value_reinit", lambda tf, lk, files: [[_kv_table(
        tf, lk, ["a", "b", "a"], _i64(tf, [1, 2, 1]), -1).size()], [tf.tables_initializer()]]),
    Err("find_key_dtype_mismatch", _raw(lambda tf, lk, h: [lk.gen.lookup_table_find_v2(h, _i64(tf, [1]),
                                                                                       _i64(tf, -1))])),
    Err("find_value_dtype_mismatch", _raw(lambda tf, lk, h: [lk.gen.lookup_table_find_v2(h, ["a"], -1.0)])),
    Err("init_value_dtype_mismatch", lambda tf, lk, files: [[lk.gen.initialize_table_v2(
        lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64), ["a"], tf.constant([1]))]], init=False),
    Err("init_shapes_static", lambda tf, lk, files: [[lk.gen.initialize_table_v2(
        lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64), ["a", "b"], _i64(tf, [1, 2, 3]))]],
        init=False),
    Err("init_sizes_run", lambda tf, lk, files: [[lk.gen.initialize_table_v2(
        lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64), tf.placeholder_with_default(["a", "b"], None),
        tf.placeholder_with_default(_i64(tf, [1, 2, 3]), None))]], init=False),
    Err("init_keys_not_vector", lambda tf, lk, files: [[lk.gen.initialize_table_v2(
        lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64), tf.placeholder_with_default([["a"]], None),
        tf.placeholder_with_default(_i64(tf, [1]), None))]], init=False),
    Err("find_default_shape", _raw(lambda tf, lk, h: [lk.gen.lookup_table_find_v2(h, ["a"], _i64(tf, [-1, 3]))])),
    Err("import_values_shape", _raw(lambda tf, lk, h: [lk.gen.lookup_table_import_v2(
        h, tf.placeholder_with_default(["a", "b"], None), tf.placeholder_with_default(_i64(tf, [1]), None))])),
    Err("conflicting_dtypes", lambda tf, lk, files: [
        [lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64, shared_name="x")],
        [lk.gen.hash_table_v2(key_dtype=tf.string, value_dtype=tf.float32, shared_name="x")]], init=False),
    Err("lookup_wrong_key_dtype", lambda tf, lk, files: [[_static_string_table(tf, lk).lookup(_i64(tf, [1]))]]),
    Err("insert_into_static", _raw(lambda tf, lk, h: [lk.gen.lookup_table_insert_v2(h, ["c"], _i64(tf, [3]))])),
    Err("remove_from_static", _raw(lambda tf, lk, h: [lk.gen.lookup_table_remove_v2(h, ["a"])])),
    Err("initialize_mutable_table", lambda tf, lk, files: [[lk.gen.initialize_table_v2(
        lk.gen.mutable_hash_table_v2(key_dtype=tf.string, value_dtype=tf.int64, shared_name="m"), ["a"],
        _i64(tf, [1]))]], init=False),
    Err("missing_file", _file_table("no_such_vocab.txt")),
    Err("empty_line", _file_table("empty_line.txt")),
    Err("too_few_columns", _file_table("short_row.txt", 0, 1)),
    Err("vocab_size_too_large", _file_table("vocab.txt", vocab_size=9)),
    Err("bad_int_field", _file_table("bad_int.txt", 0, 1)),
    Err("bad_float_field", _file_table("bad_float.txt", 0, 1, value_dtype="float32")),
    Err("empty_file", _file_table("empty.txt")),
    Err("duplicate_key_in_file", _file_table("dup.txt", 0, 1)),
    Err("line_number_key_not_int64", lambda tf, lk, files: [[lk.TextFileInitializer(
        files["vocab.txt"], tf.string, -1, tf.int64, -2)]]),
    Err("raw_line_number_key_string_table", _raw_text_init(-1, -2, "string", "int64")),
    Err("raw_whole_line_value_float", _raw_text_init(-2, -2, "string", "float32")),
    Err("raw_delimiter_two_chars", _raw_text_init(0, 1, "string", "int64", file="pairs.txt", delimiter="ab")),
    Err("raw_bool_value_column", _raw_text_init(0, 1, "string", "bool", file="pairs.txt")),
    Err("mutable_insert_values_shape", _mutable_err(lambda tf, lk, t: [[t.insert(
        tf.placeholder_with_default(["a", "b"], None), tf.placeholder_with_default(_i64(tf, [1, 2, 3]), None))]])),
    Err("mutable_find_default_shape", _mutable_err(lambda tf, lk, t: [[t.lookup(
        tf.constant(["a"]), dynamic_default_values=tf.placeholder_with_default(_i64(tf, [1, 2]), None))]])),
    Err("mutable_find_wrong_dtype_static", _mutable_err(lambda tf, lk, t: [[lk.gen.lookup_table_find_v2(
        t.resource_handle, ["a"], tf.constant(-1.0))]])),
    Err("mutable_vector_values_shape", _mutable_err(lambda tf, lk, t: [[t.insert(
        tf.constant(["a"]), tf.placeholder_with_default(_i64(tf, [[1, 2, 3]]), None))]], value_shape=2)),
    Err("mutable_remove_scalar_key", _mutable_err(lambda tf, lk, t: [[lk.gen.lookup_table_remove_v2(
        t.resource_handle, tf.constant("a"))]])),
    Err("dense_empty_key_used", _dense_err(lambda tf, lk, t: [[t.insert(_i64(tf, [4, 0]), _i64(tf, [1, 2]))]])),
    Err("dense_deleted_key_looked_up", _dense_err(lambda tf, lk, t: [[t.lookup(_i64(tf, [-1]))]])),
    Err("dense_equal_markers", _dense_err(lambda tf, lk, t: [[t.size()]], empty=3, deleted=3)),
    Err("dense_buckets_not_power_of_two", _dense_err(lambda tf, lk, t: [[t.size()]], initial_num_buckets=12)),
    Err("dense_keys_matrix", _dense_err(lambda tf, lk, t: [[t.lookup(tf.placeholder_with_default(
        _i64(tf, [[1, 2]]), None))]])),
    Err("strong_key_length", lambda tf, lk, files: [[tf.strings.to_hash_bucket_strong(tf.constant(["a"]), 5,
                                                                                     key=[1])]], init=False),
    Err("zero_buckets", lambda tf, lk, files: [[tf.strings.to_hash_bucket_fast(tf.constant(["a"]), 0)]], init=False),
    Err("vocabulary_zero_oov", lambda tf, lk, files: [[lk.StaticVocabularyTable(None, 0)]], init=False),
    Err("index_table_without_file", lambda tf, lk, files: [[lk.index_table_from_file(None)]], init=False),
    Err("as_string_scientific_and_shortest", lambda tf, lk, files: [[tf.as_string(
        tf.constant([1.0]), scientific=True, shortest=True)]], init=False),
]


# --- recording (TensorFlow) --------------------------------------------------------------------------

def shape_string(s):
    return "?" if s.rank is None else ",".join("?" if d is None else str(d) for d in s.as_list())


def write_files(folder):
    paths = {}
    for name, text in FILES.items():
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        paths[name] = path
    paths["no_such_vocab.txt"] = os.path.join(folder, "no_such_vocab.txt")
    return paths


def flat_fetches(run):
    """A run's fetches, each Sorted pair as its two tensors."""
    out = []
    for f in run:
        out.extend([f.keys, f.values] if isinstance(f, Sorted) else [f])
    return out


def sort_export(keys, values):
    """An export sorted by key (rows of keys compared as tuples)."""
    keys, values = np.asarray(keys), np.asarray(values)
    order = sorted(range(len(keys)), key=lambda i: keys[i].tolist() if keys.ndim > 1 else keys[i])
    return keys[order], values[order]


def storable(value):
    """An array as npz stores it without pickling: strings as bytes (``S``; none here ends in NUL)."""
    value = np.asarray(value)
    if value.dtype == object:
        return np.array(value.reshape(-1).tolist(), dtype="S").reshape(value.shape)
    return value


def error_message(e, folder):
    """What TensorFlow's error says was wrong: an OpError's text without its node trace, the folder of the
    files written as ``{dir}``."""
    msg = getattr(e, "message", None) or str(e)
    if "\nNode: '" in msg:
        msg = msg.split("\nNode: '", 1)[1].split("\n", 1)[1]
    msg = msg.split("\n\t [[")[0].strip()
    return msg.replace(folder, "{dir}")


def lookup_namespace(tf):
    """TensorFlow's lookup names as the cases use them: tf.lookup (TF1), tf.contrib.lookup's functions and
    classes (in lookup_ops), and the generated op wrappers as ``gen``."""
    import types
    from tensorflow.python.ops import gen_lookup_ops, lookup_ops  # noqa: only the recording needs TensorFlow
    ns = types.SimpleNamespace(**{n: getattr(tf.lookup, n) for n in dir(tf.lookup) if not n.startswith("_")})
    for n in ("index_table_from_file", "index_table_from_tensor", "index_to_string_table_from_file",
              "index_to_string_table_from_tensor", "IdTableWithHashBuckets", "HasherSpec", "FastHashSpec",
              "StrongHashSpec", "HashTable", "TextFileIdTableInitializer", "TextFileStringTableInitializer"):
        setattr(ns, n, getattr(lookup_ops, n))
    ns.MutableHashTable = tf.lookup.experimental.MutableHashTable
    ns.DenseHashTable = tf.lookup.experimental.DenseHashTable
    ns.gen = gen_lookup_ops
    return ns


def record(tf):
    lk = lookup_namespace(tf)
    data = {}
    folder = tempfile.mkdtemp()
    files = write_files(folder)
    for c in CASES:
        g = tf.Graph()
        with g.as_default():
            runs = c.build(tf, lk, files)
            with tf.Session() as sess:
                if c.init:
                    sess.run(tf.tables_initializer())
                for r, run in enumerate(runs):
                    values = sess.run(flat_fetches(run))
                    k = 0
                    for f in run:
                        if isinstance(f, Sorted):
                            keys, vals = sort_export(values[k], values[k + 1])
                            data["%s:%d:%d" % (c.name, r, k)] = storable(keys)
                            data["%s:%d:%d" % (c.name, r, k + 1)] = storable(vals)
                            k += 2
                            continue
                        if hasattr(f, "shape") and values[k] is not None:
                            data["%s:%d:%d" % (c.name, r, k)] = storable(values[k])
                            data["%s:%d:%d:shape" % (c.name, r, k)] = np.array(shape_string(f.shape))
                        k += 1
            data["%s:nodes" % c.name] = np.array(sorted("%s %s" % (op.name, op.type) for op in g.get_operations()))
    for e in ERRORS:
        g = tf.Graph()
        try:
            with g.as_default():
                runs = e.build(tf, lk, files)
                with tf.Session() as sess:
                    if e.init:
                        sess.run(tf.tables_initializer())
                    for run in runs:
                        sess.run(flat_fetches(run))
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data["%s:error" % e.name] = np.array([type(ex).__name__, error_message(ex, folder)])
        else:
            sys.exit("%s: TensorFlow raised no error" % e.name)
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "lookup.npz")
    np.savez_compressed(path, **data)
    print("wrote %s (%d cases, %d errors)" % (path, len(CASES), len(ERRORS)))


def main():
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    record(tf)


if __name__ == "__main__":
    main()
