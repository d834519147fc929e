# A tf.layers CNN saved with tf.train.Saver and restored into a fresh graph (by name and with a var_list map),
# and a Keras model's variables saved under tf_keras's names.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

workdir = tempfile.mkdtemp()
images = np.random.RandomState(71).rand(3, 8, 8, 1).astype(np.float32)


def build(x):
    h = tf.layers.conv2d(x, 4, 3, activation=tf.nn.relu, kernel_initializer=tf.glorot_uniform_initializer(seed=1))
    h = tf.layers.batch_normalization(h, training=False)
    h = tf.layers.max_pooling2d(h, 2, 2)
    return tf.layers.dense(tf.layers.flatten(h), 2, kernel_initializer=tf.glorot_uniform_initializer(seed=2))


with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    logits = build(x)
    shift = [tf.assign_add(v, tf.ones_like(v) * 0.01) for v in tf.trainable_variables()]
    keras_model = tf.keras.Sequential([tf.keras.layers.Dense(3, kernel_initializer="ones", input_shape=(2,)),
                                       tf.keras.layers.Dense(
                                           1, bias_initializer="ones",
                                           kernel_initializer=tf.keras.initializers.he_uniform(seed=3))])
    keras_out = keras_model(logits)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(shift)
        expected = sess.run([logits, keras_out], {x: images})
        saver = tf.train.Saver()
        path = saver.save(sess, os.path.join(workdir, "cnn"), global_step=3)
        saved_names = sorted(v.op.name for v in tf.global_variables())

reader = tf.train.load_checkpoint(path)
stored = sorted(reader.get_variable_to_shape_map().items())

with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    logits = build(x)
    keras_model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(2,)), tf.keras.layers.Dense(1)])
    keras_out = keras_model(logits)
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, tf.train.latest_checkpoint(workdir))
        restored = sess.run([logits, keras_out], {x: images})

with tf.Graph().as_default():
    with tf.variable_scope("renamed"):
        x = tf.placeholder(tf.float32, [None, 8, 8, 1])
        renamed_logits = build(x)
    mapping = {v.op.name[len("renamed/"):]: v for v in tf.global_variables()}
    with tf.Session() as sess:
        tf.train.Saver(var_list=mapping).restore(sess, path)
        renamed = sess.run(renamed_logits, {x: images})

results = {
    "saved_names": saved_names,
    "stored": [[name, shape] for name, shape in stored],
    "expected": expected,
    "restored_equal": bool(all(np.array_equal(a, b) for a, b in zip(expected, restored))),
    "renamed_equal": bool(np.array_equal(renamed, expected[0])),
    "checkpoint": os.path.basename(path),
}
