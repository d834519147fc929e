# A text pipeline with hash buckets: split sentences, hash the words, embed and average per sentence.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

sentences = tf.placeholder(tf.string, [None], name="sentences")
lowered = tf.strings.lower(tf.strings.strip(sentences))
words = tf.string_split(lowered, delimiter=" ")
fast = tf.string_to_hash_bucket_fast(words.values, 50)
plain = tf.string_to_hash_bucket(words.values, 50)
strong = tf.strings.to_hash_bucket_strong(words.values, 50, key=[17, 42])
ids = tf.SparseTensor(words.indices, fast, words.dense_shape)
table = tf.constant(np.linspace(-1, 1, 50 * 4, dtype=np.float32).reshape(50, 4))
embedded = tf.nn.embedding_lookup_sparse(table, ids, None, combiner="mean")
dense_ids = tf.sparse.to_dense(ids, default_value=-1)
counts = tf.reduce_sum(tf.cast(tf.not_equal(dense_ids, -1), tf.int32), axis=1)
bigrams = tf.strings.ngrams(tf.constant([["a", "b", "c", "d"]]), 2, separator="_")

feed = {sentences: ["  The quick brown Fox ", "jumps over", "the LAZY dog and the cat"]}
with tf.Session() as sess:
    results = {
        "words": sess.run(words.values, feed),
        "indices": sess.run(words.indices, feed),
        "dense_shape": sess.run(words.dense_shape, feed),
        "fast": sess.run(fast, feed),
        "plain": sess.run(plain, feed),
        "strong": sess.run(strong, feed),
        "embedded": sess.run(embedded, feed),
        "dense_ids": sess.run(dense_ids, feed),
        "counts": sess.run(counts, feed),
        "bigrams": sess.run(bigrams),
    }
