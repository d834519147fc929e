# Segment reductions: sorted segment_* ops, unsorted_segment_* with missing and dropped ids, and their gradients.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

data = tf.constant(np.array([[1.0, 2.0], [3.0, -4.0], [5.0, 6.0], [-7.0, 8.0], [9.0, 0.5]], np.float32))
ids = tf.constant([0, 0, 1, 3, 3])
unsorted_ids = tf.constant([2, 0, 2, -1, 1])

ops = {
    "segment_sum": tf.segment_sum(data, ids),
    "segment_mean": tf.segment_mean(data, ids),
    "segment_max": tf.segment_max(data, ids),
    "segment_min": tf.segment_min(data, ids),
    "segment_prod": tf.segment_prod(data, ids),
    "unsorted_sum": tf.unsorted_segment_sum(data, unsorted_ids, 4),
    "unsorted_max": tf.unsorted_segment_max(data, unsorted_ids, 4),
    "unsorted_min": tf.unsorted_segment_min(data, unsorted_ids, 3),
    "unsorted_prod": tf.unsorted_segment_prod(data, unsorted_ids, 3),
    "unsorted_mean": tf.unsorted_segment_mean(data, unsorted_ids, 3),
    "unsorted_sqrt_n": tf.unsorted_segment_sqrt_n(data, unsorted_ids, 3),
    "int_sum": tf.segment_sum(tf.constant([1, 2, 3, 4]), [0, 1, 1, 1]),
}
x = tf.Variable(data)
grads = {
    "grad_segment_sum": tf.gradients(tf.reduce_sum(tf.segment_sum(x, ids) * 2.0), x)[0],
    "grad_segment_mean": tf.gradients(tf.reduce_sum(tf.segment_mean(x, ids)), x)[0],
    "grad_segment_max": tf.gradients(tf.reduce_sum(tf.segment_max(x, ids)), x)[0],
    "grad_unsorted_sum": tf.gradients(tf.reduce_sum(tf.unsorted_segment_sum(x, unsorted_ids, 3)), x)[0],
    "grad_unsorted_max": tf.gradients(tf.reduce_sum(tf.unsorted_segment_max(x, unsorted_ids, 3)), x)[0],
}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    results = sess.run(ops)
    results.update(sess.run(grads))
    try:
        sess.run(tf.segment_sum(data, [1, 0, 2, 2, 3]))
    except tf.errors.InvalidArgumentError as e:
        results["unsorted_ids_error"] = type(e).__name__
