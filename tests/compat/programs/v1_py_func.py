# tf.py_func and tf.numpy_function: Python code in the graph, several outputs, stateful, errors, gradients around.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

calls = []


def moments(a):
    calls.append(a.shape)
    return a.mean(axis=0).astype(np.float32), a.std(axis=0).astype(np.float32)


def to_words(n):
    return np.array([b"w%d" % i for i in range(n)], dtype=object)


def fails(a):
    raise ValueError("bad value %d" % a)


x = tf.placeholder(tf.float32, [None, 2])
mean, std = tf.py_func(moments, [x], [tf.float32, tf.float32], name="moments")
words = tf.py_func(to_words, [tf.constant(3)], tf.string)
doubled = tf.numpy_function(lambda a: (a * 2).astype(np.int64), [tf.constant([1, 2, 3], tf.int64)], tf.int64)
bad = tf.py_func(fails, [tf.constant(4)], tf.int32)
scaled = mean * tf.Variable(3.0)
grad = tf.gradients(scaled, x)

data = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]], np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    results = {
        "mean_std": sess.run([mean, std], {x: data}),
        "words": sess.run(words),
        "doubled": sess.run(doubled),
        "scaled": sess.run(scaled, {x: data}),
        "grad_is_none": [g is None for g in grad],
        "op_type": mean.op.type,
        "shape_known": mean.shape.rank is not None,
    }
    try:
        sess.run(bad)
    except tf.errors.OpError as e:
        results["error"] = type(e).__name__
    results["calls"] = len(calls)
