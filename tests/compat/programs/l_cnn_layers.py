# A small CNN with tf.layers (conv2d, max_pooling2d, flatten, dense, dropout) trained a few steps with momentum.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()
tf.set_random_seed(7)

rng = np.random.RandomState(0)
images = rng.rand(8, 12, 12, 1).astype(np.float32)
labels = rng.randint(0, 3, size=8).astype(np.int64)

x = tf.placeholder(tf.float32, [None, 12, 12, 1], name="images")
y = tf.placeholder(tf.int64, [None], name="labels")
training = tf.placeholder_with_default(False, [], name="training")
h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu,
                     kernel_initializer=tf.glorot_uniform_initializer(seed=1))
h = tf.layers.max_pooling2d(h, 2, 2)
h = tf.layers.conv2d(h, 6, [3, 3], strides=2, activation=tf.nn.relu,
                     kernel_initializer=tf.truncated_normal_initializer(stddev=0.1, seed=2),
                     bias_initializer=tf.constant_initializer(0.05))
h = tf.layers.average_pooling2d(h, 2, 1, padding="same")
flat = tf.layers.flatten(h)
hidden = tf.layers.dense(flat, 10, activation=tf.nn.tanh, kernel_initializer=tf.glorot_normal_initializer(seed=3))
hidden = tf.layers.dropout(hidden, rate=0.5, training=training)
logits = tf.layers.dense(hidden, 3, kernel_initializer=tf.random_normal_initializer(stddev=0.2, seed=4),
                         name="logits")
loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run(logits, {x: images})
    losses = [sess.run([train_op, loss], {x: images, y: labels})[1] for _ in range(5)]
    results = {
        "shapes": [str(t.shape) for t in (h, flat, hidden, logits)],
        "names": [t.name for t in (h, flat, logits)],
        "variables": [v.name for v in tf.global_variables()],
        "trainable": [v.name for v in tf.trainable_variables()],
        "first_logits": first,
        "losses": np.array(losses),
        "final": sess.run(logits, {x: images}),
        "conv_kernel": sess.run("conv2d/kernel:0"),
    }
