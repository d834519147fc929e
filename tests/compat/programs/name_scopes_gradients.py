# Name scopes on op names, tf.gradients, stop_gradient and grad_ys.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

with tf.name_scope("inputs"):
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.constant([1.0, -2.0, 0.5], name="w")
with tf.name_scope("model"):
    poly = tf.reduce_sum(w * x * x + 3.0 * x, name="poly")
    with tf.name_scope("frozen"):
        frozen = tf.stop_gradient(x * x) * x
    scope_twice = tf.identity(x, name="same")
with tf.name_scope("model"):
    scope_again = tf.identity(x, name="same")
with tf.name_scope(None):
    top = tf.identity(x, name="top")

grad_poly = tf.gradients(poly, x)[0]
grad_frozen = tf.gradients(tf.reduce_sum(frozen), x)[0]
grad_weighted = tf.gradients(x * x, x, grad_ys=tf.constant([1.0, 10.0, 100.0]))[0]
grad_two = tf.gradients([tf.reduce_sum(x * w), tf.reduce_sum(tf.sin(x))], [x, w])
second = tf.gradients(tf.gradients(tf.reduce_sum(x * x * x), x)[0], x)[0]
unconnected = tf.gradients(tf.reduce_sum(w), x)

feed = {x: np.array([1.0, 2.0, -0.5], np.float32)}
with tf.Session() as sess:
    results = {
        "names": [x.op.name, w.op.name, poly.op.name, scope_twice.op.name, scope_again.op.name, top.op.name],
        "grad_poly": sess.run(grad_poly, feed),
        "grad_frozen": sess.run(grad_frozen, feed),
        "grad_weighted": sess.run(grad_weighted, feed),
        "grad_two": sess.run(grad_two, feed),
        "second": sess.run(second, feed),
        "unconnected": unconnected,
    }
