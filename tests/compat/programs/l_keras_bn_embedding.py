# Keras BatchNormalization (updates in layer.updates, the learning phase), Embedding, LayerNormalization,
# GlobalAveragePooling2D and Dropout, fed the learning phase as TensorFlow 1 programs did.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(21)
images = (rng.rand(4, 6, 6, 3) * 4).astype(np.float32)
ids = np.array([[1, 2, 3], [0, 4, 4]], np.int32)

x = tf.placeholder(tf.float32, [None, 6, 6, 3], name="x")
tokens = tf.placeholder(tf.int32, [None, 3], name="tokens")
phase = tf.keras.backend.learning_phase()
conv = tf.keras.layers.Conv2D(4, 3, kernel_initializer=tf.keras.initializers.glorot_uniform(seed=5))
bn = tf.keras.layers.BatchNormalization(momentum=0.5)
h = bn(conv(x))
h_training = bn(conv(x), training=True)
pooled = tf.keras.layers.GlobalAveragePooling2D()(h)
dropped = tf.keras.layers.Dropout(0.5)(pooled)
embedding = tf.keras.layers.Embedding(5, 3, embeddings_initializer=tf.keras.initializers.RandomUniform(seed=9))
embedded = embedding(tokens)
normed = tf.keras.layers.LayerNormalization()(embedded)
dense_bn = tf.keras.layers.BatchNormalization(center=False)
dense_out = dense_bn(tf.keras.layers.Flatten()(embedded), training=True)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    infer_before = sess.run(h, {x: images})
    train_out, _ = sess.run([h, bn.updates], {x: images, phase: True})
    moving_after_phase = sess.run([bn.moving_mean, bn.moving_variance])
    sess.run(bn.updates, {x: images})     # learning phase False: momentum 1, the averages stay
    moving_after_infer = sess.run([bn.moving_mean, bn.moving_variance])
    dropped_train = sess.run(dropped, {x: images, phase: True})
    pooled_value = sess.run(pooled, {x: images, phase: True})
    kept = dropped_train != 0
    results = {
        "phase": phase.name,
        "variables": [v.name for v in tf.global_variables()],
        "trainable": [v.name for v in tf.trainable_variables()],
        "bn_updates": len(bn.updates),
        "update_collection": len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)),
        "names": [t.name for t in (h, h_training, pooled, dropped, embedded, normed, dense_out)],
        "infer_before": infer_before,
        "train_out": train_out,
        "moving_after_phase": moving_after_phase,
        "moving_after_infer": moving_after_infer,
        "training_call": sess.run(h_training, {x: images}),
        "dropout_infer_is_identity": bool(np.array_equal(sess.run(dropped, {x: images}),
                                                         sess.run(pooled, {x: images}))),
        "dropout_scaled": bool(np.allclose(dropped_train[kept], 2 * pooled_value[kept])),
        "embedded": sess.run(embedded, {tokens: ids}),
        "normed": sess.run(normed, {tokens: ids}),
        "dense_bn": sess.run(dense_out, {tokens: ids}),
        "dense_bn_weights": [w.name for w in dense_bn.weights],
    }
