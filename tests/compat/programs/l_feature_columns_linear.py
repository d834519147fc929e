# feature_column.linear_model: numeric, bucketized, identity, vocabulary, weighted and sparse inputs; the bias,
# the cols_to_vars map, and the weighted sum with set weights.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

features = {
    "price": tf.constant([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]]),
    "rooms": tf.constant([[1], [3], [7]], tf.int64),
    "kind": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [2, 0]], ["flat", "house", "flat", "villa"], [3, 2]),
    "tags": tf.constant([["a", "b"], ["c", ""], ["b", "b"]]),
    "tag_weights": tf.constant([[1.0, 0.5], [2.0, 0.0], [0.25, 0.25]]),
}
price = tf.feature_column.numeric_column("price", shape=[2])
rooms = tf.feature_column.categorical_column_with_identity("rooms", num_buckets=8)
kind = tf.feature_column.categorical_column_with_vocabulary_list("kind", ["flat", "house"], num_oov_buckets=1)
tags = tf.feature_column.weighted_categorical_column(
    tf.feature_column.categorical_column_with_vocabulary_list("tags", ["a", "b", "c"]), "tag_weights")
price_buckets = tf.feature_column.bucketized_column(tf.feature_column.numeric_column("price", shape=[2]), [0.0, 2.0])
columns = [price, rooms, kind, tags, price_buckets]
cols_to_vars = {}
logits = tf.feature_column.linear_model(features, columns, units=2, cols_to_vars=cols_to_vars, sparse_combiner="mean")
assigns = []
for column, variables in sorted(cols_to_vars.items(), key=lambda kv: kv[0] if isinstance(kv[0], str) else kv[0].name):
    for v in variables:
        n = int(np.prod(v.shape.as_list()))
        assigns.append(tf.assign(v, np.linspace(-1.0, 1.0, n).reshape(v.shape.as_list()).astype(np.float32)))

with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
    zero = sess.run(logits)
    sess.run(assigns)
    results = {
        "variables": sorted(v.name for v in tf.global_variables()),
        "shapes": sorted((v.name, str(v.shape)) for v in tf.global_variables()),
        "cols": sorted(k if isinstance(k, str) else k.name for k in cols_to_vars),
        "zero": zero,
        "logits": sess.run(logits),
        "weighted_collection": len(tf.get_collection(tf.GraphKeys.WEIGHTS)),
    }
