# Ops through tf.math, tf.nn, tf.linalg, tf.dtypes, tf.random and tf.initializers, on fixed values.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

a = tf.constant([[1.0, -2.0, 3.0], [0.5, 0.0, -1.5]])
b = tf.constant([[2.0, 1.0], [0.0, -1.0], [1.0, 1.0]])
idx = tf.constant([0, 1, 1])
w = tf.get_variable("w", [2], initializer=tf.initializers.constant(3.0))
z = tf.get_variable("z", [2], initializer=tf.initializers.zeros())
noise = tf.random.normal([4, 4], seed=1)
uniform = tf.random_uniform([100], minval=2.0, maxval=3.0, seed=2)

ops = {
    "reduce_sum": tf.math.reduce_sum(a, axis=1),
    "reduce_mean": tf.reduce_mean(a, 0, keepdims=True),
    "abs_max": tf.math.reduce_max(tf.math.abs(a)),
    "divide_no_nan": tf.math.divide_no_nan(a, tf.constant([[1.0, 0.0, 2.0], [0.0, 1.0, 4.0]])),
    "segment_sum": tf.math.segment_sum(tf.transpose(a), idx),
    "softmax": tf.math.softmax(a),
    "log_softmax": tf.nn.log_softmax(a),
    "relu6": tf.nn.relu6(a * 3.0),
    "elu": tf.nn.elu(a),
    "l2_loss": tf.nn.l2_loss(a),
    "moments": tf.nn.moments(a, axes=[0]),
    "top_k": tf.nn.top_k(tf.constant([1.0, 5.0, 3.0, 4.0]), k=2),
    "in_top_k": tf.nn.in_top_k(tf.constant([[0.1, 0.9], [0.8, 0.2]]), tf.constant([1, 1]), 1),
    "sigmoid_xent": tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant([1.0, 0.0]),
                                                            logits=tf.constant([0.3, -2.0])),
    "sparse_xent": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([2, 0]), logits=a),
    "matmul": tf.linalg.matmul(a, b),
    "matmul_t": tf.matmul(a, a, transpose_b=True),
    "einsum": tf.linalg.einsum("ij,jk->ik", a, b),
    "tensordot": tf.tensordot(a, b, axes=1),
    "cast": tf.dtypes.cast(a, tf.dtypes.int32),
    "one_hot": tf.one_hot(idx, 3, dtype=tf.float32),
    "where": tf.where(a > 0, a, tf.zeros_like(a)),
    "clip": tf.clip_by_value(a, -1.0, 1.0),
    "concat": tf.concat([a, a * 2], axis=0),
    "stack": tf.stack([idx, idx * 2], axis=1),
    "gather_nd": tf.gather_nd(a, [[0, 2], [1, 0]]),
    "argmax": tf.argmax(a, axis=1),
    "cumsum": tf.cumsum(a, axis=1),
    "unsorted_segment_max": tf.unsorted_segment_max(tf.constant([1.0, 7.0, 3.0]), idx, 2),
    "pad": tf.pad(tf.constant([[1, 2]]), [[1, 0], [0, 1]]),
    "tile": tf.tile(tf.constant([[1, 2]]), [2, 2]),
    "squared_difference": tf.squared_difference(a, 1.0),
}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    results = sess.run(ops)
    values = sess.run([noise, uniform, w, z])
    results["noise_shape"] = list(values[0].shape)
    results["uniform_in_range"] = bool((values[1] >= 2.0).all() and (values[1] < 3.0).all())
    results["initialized"] = values[2:]
    results["dtypes"] = [tf.double.name, tf.half.name, tf.dtypes.as_dtype(np.int64).name, tf.as_dtype("bool").name]
