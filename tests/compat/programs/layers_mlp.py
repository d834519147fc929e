# A two-layer MLP with tf.layers, trained with Adam on tf.losses, measured with tf.metrics.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(1)
features = rng.randn(32, 5).astype(np.float32)
classes = (features[:, 0] + features[:, 1] > 0).astype(np.int64) + (features[:, 2] > 1).astype(np.int64)

x = tf.placeholder(tf.float32, [None, 5], name="features")
labels = tf.placeholder(tf.int64, [None], name="labels")
kernel_init = tf.constant_initializer(np.linspace(-0.5, 0.5, 5 * 8).reshape(5, 8))
hidden = tf.layers.dense(x, 8, activation=tf.nn.relu, kernel_initializer=kernel_init, name="hidden")
logits = tf.layers.dense(hidden, 3,
                         kernel_initializer=tf.constant_initializer(np.linspace(0.3, -0.3, 24).reshape(8, 3)),
                         bias_initializer=tf.constant_initializer([0.1, 0.0, -0.1]), name="logits")
loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
global_step = tf.train.get_or_create_global_step()
train_op = tf.train.AdamOptimizer(learning_rate=0.05).minimize(loss, global_step=global_step)
predictions = tf.argmax(logits, axis=1)
accuracy, accuracy_update = tf.metrics.accuracy(labels=labels, predictions=predictions)
mse = tf.losses.mean_squared_error(labels=tf.one_hot(labels, 3), predictions=tf.nn.softmax(logits))

with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    losses = [sess.run([train_op, loss], {x: features, labels: classes})[1] for _ in range(15)]
    sess.run(accuracy_update, {x: features[:16], labels: classes[:16]})
    sess.run(accuracy_update, {x: features[16:], labels: classes[16:]})
    results = {
        "losses": np.array(losses),
        "accuracy": sess.run(accuracy),
        "mse": sess.run(mse, {x: features, labels: classes}),
        "step": sess.run(global_step),
        "variables": sorted(v.name for v in tf.global_variables()),
        "trainable": sorted(v.name for v in tf.trainable_variables()),
        "kernel": sess.run(tf.get_default_graph().get_tensor_by_name("logits/kernel:0")),
        "losses_collection": [t.op.name for t in tf.get_collection(tf.GraphKeys.LOSSES)],
    }
