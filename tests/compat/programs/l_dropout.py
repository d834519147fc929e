# Dropout: tf.nn.dropout (keep_prob and rate), tf.layers.dropout with a training switch, Keras Dropout with the
# learning phase; seeded masks, scaling, and the identity at inference.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()
tf.set_random_seed(2024)

data = np.arange(1, 201, dtype=np.float32).reshape(10, 20)
x = tf.constant(data)
training = tf.placeholder(tf.bool, [], name="training")
nn_keep = tf.nn.dropout(x, keep_prob=0.75, seed=1)
nn_rate = tf.nn.dropout(x, rate=0.4, seed=2)
nn_shape = tf.nn.dropout(x, rate=0.5, noise_shape=[10, 1], seed=3)
layer_out = tf.layers.dropout(x, rate=0.3, training=training, seed=4)
layer_off = tf.layers.dropout(x, rate=0.3)
keras_drop = tf.keras.layers.Dropout(0.6, seed=5)
keras_out = keras_drop(x)
keras_forced = tf.keras.layers.Dropout(0.2, seed=6)(x, training=True)
phase = tf.keras.backend.learning_phase()

with tf.Session() as sess:
    keep = sess.run(nn_keep)
    rate = sess.run(nn_rate)
    rows = sess.run(nn_shape)
    train_value = sess.run(layer_out, {training: True})
    keras_train = sess.run(keras_out, {phase: True})
    forced = sess.run(keras_forced)
    results = {
        "nn_keep": keep,
        "nn_rate": rate,
        "nn_shape": rows,
        "rows_all_or_nothing": bool(all(np.all(r == 0) or np.allclose(r, 2 * d) for r, d in zip(rows, data))),
        "layer_train": train_value,
        "layer_infer_identity": bool(np.array_equal(sess.run(layer_out, {training: False}), data)),
        "layer_off_identity": bool(np.array_equal(sess.run(layer_off), data)),
        "keras_infer_identity": bool(np.array_equal(sess.run(keras_out), data)),
        "keras_scaled": bool(np.allclose(keras_train[keras_train != 0], data[keras_train != 0] / 0.4)),
        "keras_forced_scaled": bool(np.allclose(forced[forced != 0] * 0.8, data[forced != 0])),
        "keras_forced_dropped": int((forced == 0).sum()) > 0,
        "names": [t.name for t in (nn_keep, nn_rate, layer_out, keras_out, keras_forced)],
    }
