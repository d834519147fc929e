# tf.cond, tf.case and tf.while_loop, and a gradient through a cond.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

x = tf.placeholder(tf.float32, [], name="x")
y = tf.cond(x > 0.0, lambda: tf.square(x), lambda: -x * 3.0)
dy_dx = tf.gradients(y, x)[0]
z = tf.case([(tf.less(x, -1.0), lambda: tf.constant(-1.0)), (tf.greater(x, 1.0), lambda: tf.constant(1.0))],
            default=lambda: x)

i0 = tf.constant(0)
fib0 = (tf.constant(0), tf.constant(1))


def body(i, pair):
    a, b = pair
    return i + 1, (b, a + b)


_, fib = tf.while_loop(lambda i, pair: i < 10, body, [i0, fib0])

n = tf.placeholder(tf.int32, [])
total = tf.while_loop(lambda k, acc: k < n, lambda k, acc: (k + 1, acc + tf.cast(k, tf.float32) * x),
                      [tf.constant(0), tf.constant(0.0)])[1]
capped = tf.while_loop(lambda k: k < 100, lambda k: k * 2, [tf.constant(1)], maximum_iterations=5)
nested = tf.while_loop(lambda k, acc: k < 4,
                       lambda k, acc: (k + 1, tf.cond(tf.equal(k % 2, 0), lambda: acc + k, lambda: acc - 1)),
                       [tf.constant(0), tf.constant(0)])[1]

with tf.Session() as sess:
    results = {
        "cond": [sess.run(y, {x: v}) for v in (2.0, -2.0)],
        "cond_grad": [sess.run(dy_dx, {x: v}) for v in (2.0, -2.0)],
        "case": [sess.run(z, {x: v}) for v in (-3.0, 0.5, 4.0)],
        "fib": sess.run(fib),
        "total": sess.run(total, {x: 0.5, n: 6}),
        "capped": sess.run(capped),
        "nested": sess.run(nested),
    }
