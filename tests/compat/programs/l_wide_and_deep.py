# A wide-and-deep model with feature columns: linear_model over crossed and bucketized columns, input_layer
# over embedding and numeric columns, trained jointly.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

features = {
    "age": tf.constant([[23.0], [45.0], [31.0], [60.0]]),
    "city": tf.constant([["paris"], ["tokyo"], ["paris"], ["lima"]]),
    "device": tf.constant([["ios"], ["android"], ["web"], ["ios"]]),
}
labels = tf.constant([[1.0], [0.0], [1.0], [0.0]])
age = tf.feature_column.numeric_column("age")
age_buckets = tf.feature_column.bucketized_column(age, [30.0, 40.0, 50.0])
city = tf.feature_column.categorical_column_with_vocabulary_list("city", ["paris", "tokyo", "lima"])
device = tf.feature_column.categorical_column_with_hash_bucket("device", 10)
cross = tf.feature_column.crossed_column([city, "device"], 20)
wide_columns = [age_buckets, city, cross]
deep_columns = [tf.feature_column.embedding_column(city, 3, initializer=tf.constant_initializer(0.1)),
                tf.feature_column.embedding_column(device, 2, combiner="sqrtn",
                                                   initializer=tf.truncated_normal_initializer(seed=3)),
                tf.feature_column.indicator_column(age_buckets), age]

with tf.variable_scope("wide"):
    wide_logits = tf.feature_column.linear_model(features, wide_columns)
with tf.variable_scope("deep"):
    deep_input = tf.feature_column.input_layer(features, deep_columns)
    hidden = tf.layers.dense(deep_input, 4, activation=tf.nn.relu,
                             kernel_initializer=tf.glorot_uniform_initializer(seed=1))
    deep_logits = tf.layers.dense(hidden, 1, kernel_initializer=tf.glorot_uniform_initializer(seed=2))
logits = wide_logits + deep_logits
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
wide_vars = tf.trainable_variables("wide")
deep_vars = tf.trainable_variables("deep")
train_op = tf.group(tf.train.FtrlOptimizer(0.1).minimize(loss, var_list=wide_vars),
                    tf.train.AdagradOptimizer(0.05).minimize(loss, var_list=deep_vars))

with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
    deep_in = sess.run(deep_input)
    losses = [sess.run([train_op, loss])[1] for _ in range(8)]
    results = {
        "wide_vars": [v.name for v in wide_vars],
        "deep_vars": [v.name for v in deep_vars],
        "deep_input": deep_in,
        "deep_input_shape": str(deep_input.shape),
        "losses": np.array(losses),
        "logits": sess.run(logits),
        "cross_weights": sess.run([v for v in wide_vars if "city_X_device" in v.name][0]),
    }
