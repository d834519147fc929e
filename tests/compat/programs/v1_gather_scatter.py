# Indexing and ordering ops: gather, gather_nd, scatter_nd, tensor_scatter updates, einsum, sort, top_k, unique.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

params = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
values = tf.constant([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
words = tf.constant(["b", "a", "c", "a", "b"])

ops = {
    "gather": tf.gather(params, [1, 0], axis=0),
    "gather_axis2": tf.gather(params, [3, 0, 3], axis=2),
    "batch_gather": tf.gather(params, [[0, 2], [1, 1]], axis=1, batch_dims=1),
    "gather_nd": tf.gather_nd(params, [[0, 1], [1, 2]]),
    "gather_nd_scalars": tf.gather_nd(params, [[0, 1, 2], [1, 0, 3]]),
    "scatter_nd": tf.scatter_nd([[1], [3]], [[1.0, 2.0], [3.0, 4.0]], [5, 2]),
    "scatter_nd_repeat": tf.scatter_nd([[0], [0], [2]], [1, 2, 3], [4]),
    "tensor_scatter_update": tf.tensor_scatter_update(tf.zeros([4]), [[1], [3]], [7.0, 8.0]),
    "tensor_scatter_add": tf.tensor_scatter_add(tf.ones([2, 2]), [[0, 1]], [5.0]),
    "einsum_matmul": tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.reshape(tf.range(6.0), [3, 2])),
    "einsum_batch": tf.einsum("bij,bjk->bik", params[:, :, :2], tf.ones([2, 2, 1])),
    "einsum_trace": tf.einsum("ii->", tf.reshape(tf.range(9.0), [3, 3])),
    "einsum_outer": tf.einsum("i,j->ij", tf.range(3.0), tf.range(2.0)),
    "sort": tf.sort(values),
    "sort_desc": tf.sort(values, direction="DESCENDING"),
    "argsort": tf.argsort(values, stable=True),
    "top_k": tf.nn.top_k(values, 3),
    "top_k_matrix": tf.nn.top_k(params[0], 2, sorted=True),
    "unique": tf.unique(values),
    "unique_words": tf.unique(words),
    "unique_with_counts": tf.unique_with_counts(words),
    "boolean_mask": tf.boolean_mask(values, values > 3.0),
    "where": tf.where(values > 4.0),
    "one_hot": tf.one_hot([0, 2, -1], 3, on_value=5.0, off_value=-1.0),
    "reverse": tf.reverse(params, [1]),
    "reverse_sequence": tf.reverse_sequence(tf.reshape(tf.range(12), [3, 4]), [2, 4, 1], seq_axis=1, batch_axis=0),
    "invert_permutation": tf.invert_permutation([2, 0, 1]),
    "in_top_k": tf.nn.in_top_k(tf.reshape(values, [2, 4]), [2, 1], 2),
    "setdiff": tf.setdiff1d([1, 2, 3, 4, 5], [2, 4]),
}
gather_grad = tf.gradients(tf.reduce_sum(tf.gather(params, [1, 1], axis=0) * 2.0), params)[0]
with tf.Session() as sess:
    results = sess.run(ops)
    results = {k: (list(v) if isinstance(v, tuple) else v) for k, v in results.items()}
    results["gather_grad"] = sess.run(tf.convert_to_tensor(gather_grad))
