# tf.layers.batch_normalization in training: the moving averages move through UPDATE_OPS, run with the train op.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(11)
images = (rng.randn(6, 5, 5, 2) * 2 + 1).astype(np.float32)
flat_data = (rng.randn(6, 4) * 3 - 2).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 5, 5, 2], name="x")
v = tf.placeholder(tf.float32, [None, 4], name="v")
is_training = tf.placeholder(tf.bool, [], name="is_training")
conv = tf.layers.conv2d(x, 3, 3, kernel_initializer=tf.constant_initializer(np.linspace(-1, 1, 54).reshape(3, 3, 2, 3)))
bn4 = tf.layers.batch_normalization(conv, training=is_training, momentum=0.9)
bn2 = tf.layers.batch_normalization(v, training=True, momentum=0.8, name="dense_bn")
bn_axis1 = tf.layers.batch_normalization(x, axis=1, training=True, name="axis1_bn", fused=False)
loss = tf.reduce_mean(tf.square(bn4)) + tf.reduce_mean(bn2 * bn2) + tf.reduce_mean(bn_axis1)
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(update_ops):
    train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    outs = []
    for _ in range(3):
        outs.append(sess.run([train_op, loss], {x: images, v: flat_data, is_training: True})[1])
    results = {
        "update_ops": sorted(op.name for op in update_ops),
        "variables": [var.name for var in tf.global_variables()],
        "trainable": [var.name for var in tf.trainable_variables()],
        "losses": np.array(outs),
        "moving_mean": sess.run("batch_normalization/moving_mean:0"),
        "moving_variance": sess.run("batch_normalization/moving_variance:0"),
        "dense_moving": sess.run(["dense_bn/moving_mean:0", "dense_bn/moving_variance:0"]),
        "axis1_moving": sess.run(["axis1_bn/moving_mean:0", "axis1_bn/moving_variance:0"]),
        "gamma": sess.run("batch_normalization/gamma:0"),
        "train_out": sess.run(bn4, {x: images, is_training: True}),
        "infer_out": sess.run(bn4, {x: images, is_training: False}),
        "dense_out": sess.run(bn2, {v: flat_data}),
    }
