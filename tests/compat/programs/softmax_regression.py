# MNIST-style softmax regression, trained a few steps with plain gradient descent on a fixed data set.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(0)
images = rng.rand(64, 16).astype(np.float32)               # 64 "images" of 16 pixels
labels = np.eye(4, dtype=np.float32)[rng.randint(0, 4, size=64)]

x = tf.placeholder(tf.float32, [None, 16])
y_ = tf.placeholder(tf.float32, [None, 4])
W = tf.Variable(tf.zeros([16, 4]))
b = tf.Variable(tf.zeros([4]))
y = tf.matmul(x, W) + b

cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

losses = []
with tf.Session() as sess:
    tf.global_variables_initializer().run()
    for step in range(20):
        start = (step * 16) % 64
        _, loss = sess.run([train_step, cross_entropy],
                           feed_dict={x: images[start:start + 16], y_: labels[start:start + 16]})
        losses.append(loss)
    results = {
        "losses": np.array(losses),
        "accuracy": sess.run(accuracy, feed_dict={x: images, y_: labels}),
        "W": W.eval(),
        "b": b.eval(),
        "predictions": sess.run(tf.argmax(y, 1), {x: images[:8]}),
    }
