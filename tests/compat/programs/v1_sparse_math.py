# Sparse math: a bag-of-words linear model trained through sparse_tensor_dense_matmul, sparse reductions,
# add, concat, split, transpose, softmax, maximum and mask, scatter_nd updates and a count_up_to step limit.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(7)
docs = [[0, 3, 3, 7], [1, 2], [5, 7, 8, 9, 9], [4]]
indices = np.array([[d, w] for d, words in enumerate(docs) for w in words], np.int64)
counts = np.ones(len(indices), np.float32)
labels = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)

sp_ids = tf.sparse_placeholder(tf.float32, name="bow")
bow = tf.SparseTensor(indices, counts, [4, 10])
weights = tf.get_variable("w", initializer=tf.constant(rng.randn(10, 1).astype(np.float32) * 0.1))
logits = tf.sparse_tensor_dense_matmul(sp_ids, weights)
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
step = tf.Variable(0, trainable=False, dtype=tf.int64, name="step")
next_step = tf.count_up_to(step, 3)
with tf.control_dependencies([next_step]):
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
w_grad = tf.gradients(loss, [weights, sp_ids.values])

words_per_doc = tf.sparse_reduce_sum(bow, axis=1)
max_count = tf.sparse_reduce_max(bow, 1, keepdims=True)
totals = tf.sparse.reduce_sum_sparse(bow, 0)
doubled = tf.sparse_add(bow, bow)
plus_dense = tf.sparse.add(bow, tf.ones([4, 10]))
joined = tf.sparse_concat(1, [bow, tf.SparseTensor([[0, 0], [3, 1]], [2.0, 3.0], [4, 2])])
halves = tf.sparse_split(sp_input=bow, num_split=2, axis=1)
flipped = tf.sparse_transpose(bow)
probs = tf.sparse_softmax(tf.SparseTensor(indices, rng.randn(len(indices)).astype(np.float32), [4, 10]))
biggest = tf.sparse_maximum(bow, tf.SparseTensor([[0, 3], [2, 1]], [5.0, -1.0], [4, 10]))
masked = tf.sparse_mask(tf.IndexedSlices(tf.constant(rng.randn(4, 2).astype(np.float32)),
                                         tf.constant([2, 5, 7, 9]), tf.constant([10, 2])), [5, 9])
table = tf.Variable(np.zeros([3, 4], np.float32), name="table")
scattered = tf.scatter_nd_update(table, [[0, 1], [2, 3]], [1.5, -2.5])
added = tf.scatter_nd_add(table, [[1]], [[1.0, 2.0, 3.0, 4.0]])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {sp_ids: tf.SparseTensorValue(indices, counts, [4, 10])}
    losses, steps = [], []
    for _ in range(4):
        try:
            steps.append(int(sess.run(train, feed) is None and sess.run(step)))
            losses.append(float(sess.run(loss, feed)))
        except tf.errors.OutOfRangeError as e:
            steps.append([type(e).__name__, "Reached limit of 3" in e.message])
    grads = sess.run(w_grad, feed)
    out = sess.run({"words": words_per_doc, "max": max_count, "totals": totals, "doubled": doubled,
                    "plus_dense": plus_dense, "joined": joined, "halves": halves, "flipped": flipped,
                    "probs": probs, "biggest": biggest, "scattered": scattered})
    after_add = sess.run(added)
    masked_values, masked_indices = sess.run([masked.values, masked.indices])


def parts(v):
    return [v.indices, v.values, v.dense_shape]


results = {
    "losses": losses,
    "steps": steps,
    "grad_w": grads[0],
    "grad_values": grads[1],
    "words": out["words"],
    "max": out["max"],
    "totals": parts(out["totals"]),
    "doubled": parts(out["doubled"]),
    "plus_dense": out["plus_dense"],
    "joined": parts(out["joined"]),
    "halves": [parts(h) for h in out["halves"]],
    "flipped": parts(out["flipped"]),
    "probs": out["probs"].values,
    "biggest": parts(out["biggest"]),
    "masked": [masked_values, masked_indices],
    "scattered": out["scattered"],
    "after_add": after_add,
}
