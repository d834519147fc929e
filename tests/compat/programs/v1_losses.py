# tf.losses: every loss, reductions and weights, the losses collection, regularization and get_total_loss.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(3)
labels = rng.randint(0, 2, size=(6, 3)).astype(np.float32)
logits = rng.randn(6, 3).astype(np.float32)
targets = rng.randn(6, 3).astype(np.float32)
classes = rng.randint(0, 3, size=6)

x = tf.placeholder(tf.float32, [None, 3])
with tf.variable_scope("model", regularizer=tf.nn.l2_loss):
    w = tf.get_variable("w", initializer=tf.constant(np.eye(3, dtype=np.float32) * 0.5))
pred = tf.matmul(x, w)
probs = tf.sigmoid(pred)
weights = tf.constant([[1.0], [0.0], [2.0], [0.5], [1.0], [3.0]])

losses = {
    "mse": tf.losses.mean_squared_error(targets, pred),
    "mse_sum": tf.losses.mean_squared_error(targets, pred, weights=weights, reduction=tf.losses.Reduction.SUM),
    "absolute": tf.losses.absolute_difference(targets, pred, weights=2.0),
    "huber": tf.losses.huber_loss(targets, pred, delta=0.5, weights=weights),
    "log": tf.losses.log_loss(labels, probs, reduction=tf.losses.Reduction.MEAN),
    "hinge": tf.losses.hinge_loss(labels, pred, reduction=tf.losses.Reduction.SUM_OVER_BATCH_SIZE),
    "cosine": tf.losses.cosine_distance(tf.nn.l2_normalize(targets, 1), tf.nn.l2_normalize(pred, 1), axis=1),
    "pairwise": tf.losses.mean_pairwise_squared_error(targets, pred),
    "sigmoid_ce": tf.losses.sigmoid_cross_entropy(labels, pred, label_smoothing=0.1),
    "softmax_ce": tf.losses.softmax_cross_entropy(tf.one_hot(classes, 3), pred, weights=tf.reshape(weights, [-1])),
    "sparse_ce": tf.losses.sparse_softmax_cross_entropy(classes, pred, reduction=tf.losses.Reduction.NONE,
                                                        loss_collection=None),
    "weighted": tf.losses.compute_weighted_loss(tf.abs(pred), weights=weights,
                                                reduction=tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS),
}
reg = tf.losses.get_regularization_loss()
total = tf.losses.get_total_loss()
total_no_reg = tf.losses.get_total_loss(add_regularization_losses=False, name="data_loss")
grad = tf.gradients(total, w)[0]

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = sess.run({k: v for k, v in losses.items()}, {x: logits})
    results = {k: v for k, v in values.items()}
    results.update({
        "names": sorted(t.name for t in tf.losses.get_losses()),
        "regularization_names": [t.name for t in tf.losses.get_regularization_losses()],
        "regularization": sess.run(reg),
        "total": sess.run(total, {x: logits}),
        "total_no_reg": sess.run(total_no_reg, {x: logits}),
        "total_name": total.name,
        "grad": sess.run(grad, {x: logits}),
        "reduction_keys": sorted([tf.losses.Reduction.NONE, tf.losses.Reduction.SUM, tf.losses.Reduction.MEAN,
                                  tf.losses.Reduction.SUM_OVER_BATCH_SIZE,
                                  tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS]),
    })
try:
    tf.losses.cosine_distance(targets, targets)
except ValueError as e:
    results["cosine_without_axis"] = str(e)
