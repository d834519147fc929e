# Pooling: tf.layers and tf.nn max/average pooling in 1-D and 2-D, "same" and "valid", strides; Keras global
# pooling; their gradients.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(61)
img = tf.constant(rng.randn(2, 7, 6, 3).astype(np.float32))
seq = tf.constant(rng.randn(2, 9, 2).astype(np.float32))
pools = {
    "max2d_valid": tf.layers.max_pooling2d(img, 2, 2),
    "max2d_same": tf.layers.max_pooling2d(img, [3, 2], [2, 1], padding="same"),
    "avg2d_same": tf.layers.average_pooling2d(img, 3, 2, padding="same"),
    "avg2d_valid": tf.layers.average_pooling2d(img, [2, 3], 1),
    "max1d": tf.layers.max_pooling1d(seq, 3, 2, padding="same"),
    "avg1d": tf.layers.average_pooling1d(seq, 2, 2),
    "nn_max": tf.nn.max_pool(img, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
    "nn_avg": tf.nn.avg_pool(img, [1, 3, 3, 1], [1, 1, 1, 1], "VALID"),
    "keras_max": tf.keras.layers.MaxPooling2D(pool_size=(2, 3), padding="same")(img),
    "keras_avg1d": tf.keras.layers.AveragePooling1D(pool_size=3)(seq),
    "global_avg": tf.keras.layers.GlobalAveragePooling2D()(img),
    "global_max": tf.keras.layers.GlobalMaxPooling2D()(img),
    "global_avg1d": tf.keras.layers.GlobalAveragePooling1D()(seq),
}
loss = tf.add_n([tf.reduce_sum(p * p) for p in pools.values()])
grads = tf.gradients(loss, [img, seq])

with tf.Session() as sess:
    results = sess.run(pools)
    results["grads"] = sess.run(grads)
    results["shapes"] = sorted((k, str(v.shape)) for k, v in pools.items())
    results["names"] = sorted(v.name for v in pools.values())
