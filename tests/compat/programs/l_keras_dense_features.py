# tf.keras.layers.DenseFeatures over feature columns: variables under the layer's name, shared by a second
# call, trained with a Keras Dense head on top.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

train = {"age": tf.constant([[23.0], [45.0], [31.0]]), "city": tf.constant([["paris"], ["lima"], ["oslo"]]),
         "tags": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [2, 0]], ["a", "b", "c", "a"], [3, 2])}
test = {"age": tf.constant([[50.0]]), "city": tf.constant([["tokyo"]]),
        "tags": tf.SparseTensor([[0, 0]], ["c"], [1, 1])}
labels = tf.constant([[1.0], [0.0], [1.0]])
age = tf.feature_column.numeric_column("age", normalizer_fn=lambda v: (v - 30.0) / 10.0)
city = tf.feature_column.categorical_column_with_vocabulary_list("city", ["paris", "tokyo", "lima"], num_oov_buckets=1)
tags = tf.feature_column.categorical_column_with_hash_bucket("tags", 7)
columns = [age, tf.feature_column.embedding_column(city, 2, initializer=tf.constant_initializer(0.25)),
           tf.feature_column.indicator_column(tags),
           tf.feature_column.bucketized_column(age, [25.0, 40.0])]
features_layer = tf.keras.layers.DenseFeatures(columns)
head = tf.keras.layers.Dense(1, kernel_initializer=tf.keras.initializers.glorot_uniform(seed=4))
logits = head(features_layer(train))
with tf.name_scope("eval"):
    test_logits = head(features_layer(test))
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
train_op = tf.train.AdagradOptimizer(0.3).minimize(
    loss, var_list=features_layer.trainable_weights + head.trainable_weights)
train_features = features_layer(train)

with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
    before = sess.run(train_features)
    losses = [sess.run([train_op, loss])[1] for _ in range(5)]
    results = {
        "variables": [v.name for v in tf.global_variables()],
        "layer_weights": [w.name for w in features_layer.weights],
        "outputs": [t.name for t in (logits, test_logits)],
        "features": before,
        "losses": np.array(losses),
        "test_logits": sess.run(test_logits),
    }
