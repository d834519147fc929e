# Vocabulary lookups: tables from a vocabulary file (word -> line number, line number -> word) and from
# tensors, with default values and OOV buckets, over the words of split sentences.
import os
import tempfile

import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

vocab_path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
with open(vocab_path, "w") as f:
    f.write("<unk>\nthe\ncat\nsat\non\nmat\n")

words = tf.constant(["the", "cat", "sat", "on", "the", "hat", "dog"])
line = tf.lookup.TextFileIndex.LINE_NUMBER
whole = tf.lookup.TextFileIndex.WHOLE_LINE
from_file = tf.lookup.StaticHashTable(
    tf.lookup.TextFileInitializer(vocab_path, tf.string, whole, tf.int64, line), default_value=0)
from_file_oov = tf.lookup.StaticVocabularyTable(
    tf.lookup.TextFileInitializer(vocab_path, tf.string, whole, tf.int64, line), num_oov_buckets=3)
reverse = tf.lookup.StaticHashTable(
    tf.lookup.TextFileInitializer(vocab_path, tf.int64, line, tf.string, whole), default_value="??")
static = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b", "c"], [10, 20, 30],
                                                                     value_dtype=tf.int64), -1)
vocab_table = tf.lookup.StaticVocabularyTable(
    tf.lookup.KeyValueTensorInitializer(["x", "y"], [0, 1], value_dtype=tf.int64), num_oov_buckets=4)
sentences = tf.string_split(tf.constant(["the cat sat", "on the mat today"]))
sparse_ids = tf.SparseTensor(sentences.indices, from_file.lookup(sentences.values), sentences.dense_shape)

with tf.Session() as sess:
    sess.run(tf.tables_initializer())
    results = {
        "from_file": sess.run(from_file.lookup(words)),
        "from_file_oov": sess.run(from_file_oov.lookup(words)),
        "reverse": sess.run(reverse.lookup(tf.constant([0, 2, 5, 9], tf.int64))),
        "static": sess.run(static.lookup(tf.constant(["b", "z", "a"]))),
        "static_size": sess.run(static.size()),
        "vocab_table": sess.run(vocab_table.lookup(tf.constant(["y", "q", "x", "zz"]))),
        "sparse_dense": sess.run(tf.sparse.to_dense(sparse_ids, default_value=-1)),
        "sizes": sess.run([from_file.size(), from_file_oov.size(), reverse.size()]),
        "initializers": len(tf.get_collection(tf.GraphKeys.TABLE_INITIALIZERS)),
    }
