# Gradient clipping in a training loop: compute_gradients, clip_by_global_norm, clip_by_norm/value, apply_gradients.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(5)
xs = rng.randn(16, 3).astype(np.float32) * 4
ys = (xs @ np.array([[2.0], [-1.0], [0.5]], np.float32) + 3.0).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 3])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.get_variable("w", [3, 1], initializer=tf.zeros_initializer())
b = tf.get_variable("b", [1], initializer=tf.constant_initializer(0.5))
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
global_step = tf.train.get_or_create_global_step()
opt = tf.train.GradientDescentOptimizer(0.05)
grads_and_vars = opt.compute_gradients(loss)
grads, variables = zip(*grads_and_vars)
clipped, global_norm = tf.clip_by_global_norm(grads, 5.0)
train_op = opt.apply_gradients(zip(clipped, variables), global_step=global_step)
by_norm = tf.clip_by_norm(grads[0], 1.0)
by_value = tf.clip_by_value(grads[0], -0.5, 0.5)
by_average = tf.clip_by_average_norm(grads[0], 0.5)
norm_op = tf.global_norm(grads)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {x: xs, y: ys}
    results = {"first": sess.run({"norm": global_norm, "by_norm": by_norm, "by_value": by_value,
                                  "by_average": by_average, "global_norm": norm_op}, feed)}
    losses = []
    for _ in range(15):
        _, l = sess.run([train_op, loss], feed)
        losses.append(l)
    results.update({
        "losses": np.array(losses), "w": sess.run(w), "b": sess.run(b), "step": sess.run(global_step),
        "variables": [v.op.name for _, v in grads_and_vars],
        "train_op": train_op.type,
    })
