# embedding_column and shared_embedding_columns over vocabulary and hash columns: combiners, max_norm,
# input_layer's order and shape, and training the embeddings.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

features = {
    "words": tf.SparseTensor([[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2]],
                             ["cat", "dog", "fish", "dog", "dog", "bird"], [3, 3]),
    "query": tf.constant([["cat"], ["bird"], [""]]),
    "id": tf.constant([[3], [1], [4]], tf.int64),
}
words = tf.feature_column.categorical_column_with_vocabulary_list("words", ["cat", "dog", "fish"], num_oov_buckets=1)
query = tf.feature_column.categorical_column_with_vocabulary_list("query", ["cat", "dog", "fish"], num_oov_buckets=1)
ids = tf.feature_column.categorical_column_with_identity("id", 5)
table = np.arange(4 * 3, dtype=np.float32).reshape(4, 3) / 5.0
mean_col = tf.feature_column.embedding_column(words, 3, combiner="mean", initializer=tf.constant_initializer(table))
sum_col = tf.feature_column.embedding_column(ids, 2, combiner="sum", max_norm=1.0,
                                             initializer=tf.constant_initializer(np.ones((5, 2)) * 2))
shared = tf.feature_column.shared_embedding_columns([words, query], 3, combiner="sqrtn",
                                                    initializer=tf.constant_initializer(table))
net = tf.feature_column.input_layer(features, [sum_col, mean_col] + shared)
loss = tf.reduce_sum(tf.square(net - 1.0))
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
    before = sess.run(net)
    for _ in range(3):
        sess.run(train_op)
    results = {
        "variables": sorted(v.name for v in tf.global_variables()),
        "shape": str(net.shape),
        "before": before,
        "after": sess.run(net),
        "loss": sess.run(loss),
        "names": [c.name for c in [sum_col, mean_col] + shared],
    }
