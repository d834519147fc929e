# tf.metrics streamed over batches: local variables, update ops, metric collections, reset by the initializer.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(11)
n = 40
classes = rng.randint(0, 3, size=n)
scores = rng.rand(n, 3).astype(np.float32) + np.eye(3, dtype=np.float32)[classes] * 0.6
probs = scores / scores.sum(1, keepdims=True)
binary = (classes == 1).astype(np.int64)
targets = rng.randn(n, 2).astype(np.float32)
preds = (targets + rng.randn(n, 2) * 0.3).astype(np.float32)

labels_ph = tf.placeholder(tf.int64, [None])
probs_ph = tf.placeholder(tf.float32, [None, 3])
targets_ph = tf.placeholder(tf.float32, [None, 2])
preds_ph = tf.placeholder(tf.float32, [None, 2])
predicted = tf.argmax(probs_ph, 1)
is_one = tf.equal(labels_ph, 1)
p_one = probs_ph[:, 1]

metrics = {
    "accuracy": tf.metrics.accuracy(labels_ph, predicted),
    "precision": tf.metrics.precision(is_one, tf.equal(predicted, 1)),
    "recall": tf.metrics.recall(is_one, tf.equal(predicted, 1)),
    "auc": tf.metrics.auc(is_one, p_one),
    "auc_pr": tf.metrics.auc(is_one, p_one, curve="PR", summation_method="careful_interpolation"),
    "mse": tf.metrics.mean_squared_error(targets_ph, preds_ph),
    "rmse": tf.metrics.root_mean_squared_error(targets_ph, preds_ph),
    "mae": tf.metrics.mean_absolute_error(targets_ph, preds_ph),
    "mean": tf.metrics.mean(preds_ph),
    "mean_tensor": tf.metrics.mean_tensor(tf.reduce_mean(preds_ph, 0)),
    "precision_at_1": tf.metrics.precision_at_k(labels_ph, probs_ph, 1),
    "recall_at_2": tf.metrics.recall_at_k(labels_ph, probs_ph, 2),
    "average_precision_at_2": tf.metrics.average_precision_at_k(labels_ph, probs_ph, 2),
    "mean_iou": tf.metrics.mean_iou(labels_ph, predicted, 3),
    "mean_per_class_accuracy": tf.metrics.mean_per_class_accuracy(labels_ph, predicted, 3),
    "tp_at_thresholds": tf.metrics.true_positives_at_thresholds(is_one, p_one, [0.3, 0.5]),
    "precision_at_thresholds": tf.metrics.precision_at_thresholds(is_one, p_one, [0.3, 0.5]),
    "sensitivity": tf.metrics.sensitivity_at_specificity(is_one, p_one, 0.8),
    "specificity": tf.metrics.specificity_at_sensitivity(is_one, p_one, 0.8),
    "below": tf.metrics.percentage_below(preds_ph, 0.0, metrics_collections=["my_metrics"],
                                         updates_collections=["my_updates"]),
    "false_negatives": tf.metrics.false_negatives(is_one, tf.equal(predicted, 1)),
}
values = {k: v[0] for k, v in metrics.items()}
updates = {k: v[1] for k, v in metrics.items()}

results = {"local_variables": sorted(v.op.name for v in tf.local_variables()),
           "global_variables": [v.op.name for v in tf.global_variables()],
           "collections": [len(tf.get_collection("my_metrics")), len(tf.get_collection("my_updates"))]}
with tf.Session() as sess:
    sess.run(tf.local_variables_initializer())
    for start, stop in ((0, 15), (15, 28), (28, 40)):
        feed = {labels_ph: classes[start:stop], probs_ph: probs[start:stop], targets_ph: targets[start:stop],
                preds_ph: preds[start:stop]}
        results["update_%d" % start] = sess.run(updates, feed)
    results["final"] = sess.run(values)
    sess.run(tf.local_variables_initializer())
    results["after_reset"] = sess.run(values["accuracy"])
