# Sparse tensors: SparseTensor, sparse placeholders, the common sparse ops, and dense conversions.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

st = tf.SparseTensor(indices=[[0, 0], [1, 2], [2, 1]], values=[1.0, 2.0, 3.0], dense_shape=[3, 4])
dense = tf.sparse_tensor_to_dense(st)
reordered = tf.sparse_reorder(tf.SparseTensor([[2, 1], [0, 3]], [5, 6], [3, 4]))
to_dense = tf.sparse_to_dense([[0, 1], [2, 2]], [3, 3], [7, 8], default_value=-1)
sliced = tf.sparse_slice(st, [1, 0], [2, 4])
retained = tf.sparse_retain(st, [True, False, True])
reshaped = tf.sparse_reshape(st, [4, 3])
sp_ph = tf.sparse_placeholder(tf.float32)
fed_dense = tf.sparse_tensor_to_dense(sp_ph, default_value=-1.0)
fill = tf.sparse_fill_empty_rows(tf.SparseTensor([[0, 1], [2, 0]], [4, 5], [4, 2]), -1)
data = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
seg_sum = tf.sparse_segment_sum(data, [0, 2, 1], [0, 0, 1])
seg_mean = tf.sparse_segment_mean(data, [0, 2, 2], [0, 1, 1])
seg_sqrt = tf.sparse_segment_sqrt_n(data, [1, 2, 0], [0, 0, 0])
lookup = tf.nn.embedding_lookup_sparse(tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3)),
                                       tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([1, 3, 2], tf.int64),
                                                       [2, 2]), None, combiner="mean")

with tf.Session() as sess:
    value = sess.run(st)
    results = {
        "value": [value.indices, value.values, value.dense_shape],
        "dense": sess.run(dense),
        "reordered": list(sess.run(reordered)),
        "to_dense": sess.run(to_dense),
        "sliced": list(sess.run(sliced)),
        "retained": list(sess.run(retained)),
        "reshaped": list(sess.run(reshaped)),
        "fed": sess.run(fed_dense, {sp_ph: tf.SparseTensorValue([[0, 0], [2, 1]], np.float32([1.5, 2.5]), [3, 2])}),
        "fill": [list(sess.run(fill[0])), sess.run(fill[1])],
        "segments": sess.run([seg_sum, seg_mean, seg_sqrt]),
        "embedding_lookup_sparse": sess.run(lookup),
        "static_shape": st.shape.as_list(),
        "types": [type(st).__name__, type(value).__name__, st.dtype.name],
    }
