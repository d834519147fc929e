"""Records what TensorFlow 1's ``tf.metrics`` compute, for tests/engine/train/test_metrics_tf.py.

    PYTHONPATH= ~/.cache/tagraph-tf-venv/bin/python tests/data/train/record_metrics.py

The cases are defined here once; the test imports this file (which needs only numpy) and builds the same
graphs in tagraph. A case is ``build(tf, *placeholders) -> (value, update_op)`` and its input arrays; the
arrays are fed in three batches (rows 0-11, 12-21, 22-29), the update op run on each, then the value read.
Writes ``metrics.npz`` (``update:<case>:<batch>``, ``value:<case>``, ``var:<case>:<variable name>``: the
local variables after the last batch) and ``metrics.json`` (each case's local variables as
``[name, dtype, shape]``, and the names of the value and update tensors). Honours TAGRAPH_RECORD_DIR (the output folder; default beside this file).
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = (12, 10, 8)
N = sum(SIZES)
_RNG = np.random.default_rng(21)

LAB = _RNG.integers(0, 2, size=N).astype(np.int64)                        # binary labels
PROB = np.clip(LAB * 0.35 + _RNG.uniform(0, 0.65, size=N), 0, 1).astype(np.float32)
PROB[:3] = [0.0, 1.0, 0.5]                                                 # the ends and a threshold exactly
PRED = (PROB > 0.5).astype(np.int64)
W = np.round(_RNG.uniform(0, 2, size=N), 2).astype(np.float32)
W[[2, 7, 19]] = 0.0
CLS = _RNG.integers(0, 4, size=N).astype(np.int64)                        # 4 classes
LOGITS = (np.eye(4)[CLS] * 1.2 + _RNG.normal(size=(N, 4))).astype(np.float32)
PRED_CLS = np.argmax(LOGITS, 1).astype(np.int64)
MULTI = _RNG.integers(0, 4, size=(N, 2)).astype(np.int64)                 # two labels per row, repeats too
MULTI_OOR = MULTI.copy()
MULTI_OOR[::5, 1] = 7                                                      # beyond the classes: no label
Y = _RNG.normal(size=(N, 3)).astype(np.float32)
P = (Y + _RNG.normal(scale=0.5, size=(N, 3))).astype(np.float32)
NORM = np.abs(_RNG.normal(size=(N, 3))).astype(np.float32)
NORM[::4, 0] = 0.0
UNIT_Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
UNIT_P = P / np.linalg.norm(P, axis=1, keepdims=True)
W_ROWS = W.reshape(N, 1)

CASES = {
    "mean": (lambda tf, v: tf.metrics.mean(v), [Y]),
    "mean_weighted": (lambda tf, v, w: tf.metrics.mean(v, w), [Y, W_ROWS]),
    "mean_named": (lambda tf, v: tf.metrics.mean(v, name="loss_mean"), [Y[:, 0]]),
    "mean_twice": (lambda tf, v: (tf.metrics.mean(v), tf.metrics.mean(v * 2.0))[1], [Y]),
    "mean_tensor": (lambda tf, v: tf.metrics.mean_tensor(tf.reduce_sum(v, 0)), [Y]),
    "mean_tensor_weighted": (lambda tf, v, w: tf.metrics.mean_tensor(tf.reshape(v[:4], [4, 3]),
                                                                  tf.reshape(w[:4], [4, 1])), [Y, W_ROWS]),
    "accuracy": (lambda tf, y, p: tf.metrics.accuracy(y, p), [CLS, PRED_CLS]),
    "accuracy_weighted": (lambda tf, y, p, w: tf.metrics.accuracy(y, p, w), [CLS, PRED_CLS, W]),
    "accuracy_column_labels": (lambda tf, y, p: tf.metrics.accuracy(y, p), [CLS.reshape(N, 1), PRED_CLS]),
    "mean_absolute_error": (lambda tf, y, p: tf.metrics.mean_absolute_error(y, p), [Y, P]),
    "mean_squared_error": (lambda tf, y, p: tf.metrics.mean_squared_error(y, p), [Y, P]),
    "mean_squared_error_weighted": (lambda tf, y, p, w: tf.metrics.mean_squared_error(y, p, w), [Y, P, W]),
    "root_mean_squared_error": (lambda tf, y, p: tf.metrics.root_mean_squared_error(y, p), [Y, P]),
    "mean_relative_error": (lambda tf, y, p, n: tf.metrics.mean_relative_error(y, p, n), [Y, P, NORM]),
    "mean_cosine_distance": (lambda tf, y, p: tf.metrics.mean_cosine_distance(y, p, dim=1), [UNIT_Y, UNIT_P]),
    "percentage_below": (lambda tf, v: tf.metrics.percentage_below(v, 0.25), [Y]),
    "true_positives": (lambda tf, y, p: tf.metrics.true_positives(y, p), [LAB, PRED]),
    "false_positives": (lambda tf, y, p, w: tf.metrics.false_positives(y, p, w), [LAB, PRED, W]),
    "true_negatives": (lambda tf, y, p: tf.metrics.true_negatives(y, p), [LAB, PRED]),
    "false_negatives": (lambda tf, y, p, w: tf.metrics.false_negatives(y, p, w), [LAB, PRED, W]),
    "precision": (lambda tf, y, p: tf.metrics.precision(y, p), [LAB, PRED]),
    "precision_weighted": (lambda tf, y, p, w: tf.metrics.precision(y, p, w), [LAB, PRED, W]),
    "recall": (lambda tf, y, p: tf.metrics.recall(y, p), [LAB, PRED]),
    "recall_weighted": (lambda tf, y, p, w: tf.metrics.recall(y, p, w), [LAB, PRED, W]),
    "auc": (lambda tf, y, p: tf.metrics.auc(y, p), [LAB, PROB]),
    "auc_weighted": (lambda tf, y, p, w: tf.metrics.auc(y, p, w, num_thresholds=50), [LAB, PROB, W]),
    "auc_pr": (lambda tf, y, p: tf.metrics.auc(y, p, curve="PR"), [LAB, PROB]),
    "auc_pr_careful": (lambda tf, y, p: tf.metrics.auc(y, p, curve="PR", summation_method="careful_interpolation"),
                       [LAB, PROB]),
    "auc_roc_careful": (lambda tf, y, p: tf.metrics.auc(y, p, summation_method="careful_interpolation"),
                        [LAB, PROB]),
    "auc_minoring": (lambda tf, y, p: tf.metrics.auc(y, p, num_thresholds=20, summation_method="minoring"),
                     [LAB, PROB]),
    "auc_majoring": (lambda tf, y, p: tf.metrics.auc(y, p, num_thresholds=20, summation_method="majoring"),
                     [LAB, PROB]),
    "auc_thresholds": (lambda tf, y, p: tf.metrics.auc(y, p, thresholds=[0.7, 0.2, 0.5]), [LAB, PROB]),
    "true_positives_at_thresholds": (lambda tf, y, p: tf.metrics.true_positives_at_thresholds(
        y, p, [0.1, 0.5, 0.9]), [LAB, PROB]),
    "false_positives_at_thresholds": (lambda tf, y, p, w: tf.metrics.false_positives_at_thresholds(
        y, p, [0.0, 0.5, 1.0], w), [LAB, PROB, W]),
    "true_negatives_at_thresholds": (lambda tf, y, p: tf.metrics.true_negatives_at_thresholds(
        y, p, [0.3, 0.6]), [LAB, PROB]),
    "false_negatives_at_thresholds": (lambda tf, y, p: tf.metrics.false_negatives_at_thresholds(
        y, p, [0.25, 0.75]), [LAB, PROB]),
    "precision_at_thresholds": (lambda tf, y, p: tf.metrics.precision_at_thresholds(y, p, [0.2, 0.5, 0.8]),
                                [LAB, PROB]),
    "recall_at_thresholds": (lambda tf, y, p, w: tf.metrics.recall_at_thresholds(y, p, [0.2, 0.5, 0.8], w),
                             [LAB, PROB, W]),
    "sensitivity_at_specificity": (lambda tf, y, p: tf.metrics.sensitivity_at_specificity(y, p, 0.7),
                                   [LAB, PROB]),
    "sensitivity_at_specificity_weighted": (lambda tf, y, p, w: tf.metrics.sensitivity_at_specificity(
        y, p, 0.4, w, num_thresholds=30), [LAB, PROB, W]),
    "specificity_at_sensitivity": (lambda tf, y, p: tf.metrics.specificity_at_sensitivity(y, p, 0.8),
                                   [LAB, PROB]),
    "specificity_at_sensitivity_weighted": (lambda tf, y, p, w: tf.metrics.specificity_at_sensitivity(
        y, p, 0.5, w, num_thresholds=25), [LAB, PROB, W]),
    "precision_at_1": (lambda tf, y, p: tf.metrics.precision_at_k(y, p, 1), [CLS, LOGITS]),
    "precision_at_2_multi": (lambda tf, y, p: tf.metrics.precision_at_k(y, p, 2), [MULTI, LOGITS]),
    "precision_at_2_class": (lambda tf, y, p: tf.metrics.precision_at_k(y, p, 2, class_id=1), [MULTI, LOGITS]),
    "precision_at_3_weighted": (lambda tf, y, p, w: tf.metrics.precision_at_k(y, p, 3, weights=w),
                                [CLS, LOGITS, W]),
    "sparse_precision_at_k": (lambda tf, y, p: tf.metrics.sparse_precision_at_k(y, p, 2), [CLS, LOGITS]),
    "recall_at_1": (lambda tf, y, p: tf.metrics.recall_at_k(y, p, 1), [CLS, LOGITS]),
    "recall_at_2_multi": (lambda tf, y, p: tf.metrics.recall_at_k(y, p, 2), [MULTI, LOGITS]),
    "recall_at_3_class": (lambda tf, y, p: tf.metrics.recall_at_k(y, p, 3, class_id=2), [MULTI, LOGITS]),
    "recall_at_2_weighted": (lambda tf, y, p, w: tf.metrics.recall_at_k(y, p, 2, weights=w), [CLS, LOGITS, W]),
    "precision_at_top_k": (lambda tf, y, p: tf.metrics.precision_at_top_k(y, tf.nn.top_k(p, 2)[1], k=2),
                           [MULTI, LOGITS]),
    "precision_at_top_k_no_k": (lambda tf, y, p: tf.metrics.precision_at_top_k(y, tf.nn.top_k(p, 3)[1]),
                                [CLS, LOGITS]),
    "recall_at_top_k": (lambda tf, y, p: tf.metrics.recall_at_top_k(y, tf.nn.top_k(p, 2)[1], k=2, class_id=0),
                        [MULTI, LOGITS]),
    "average_precision_at_1": (lambda tf, y, p: tf.metrics.average_precision_at_k(y, p, 1), [CLS, LOGITS]),
    "average_precision_at_3_multi": (lambda tf, y, p: tf.metrics.average_precision_at_k(y, p, 3),
                                     [MULTI_OOR, LOGITS]),
    "average_precision_at_2_weighted": (lambda tf, y, p, w: tf.metrics.average_precision_at_k(y, p, 2, w),
                                        [MULTI, LOGITS, W]),
    "sparse_average_precision_at_k": (lambda tf, y, p: tf.metrics.sparse_average_precision_at_k(y, p, 4),
                                      [MULTI, LOGITS]),
    "mean_iou": (lambda tf, y, p: tf.metrics.mean_iou(y, p, 4), [CLS, PRED_CLS]),
    "mean_iou_weighted": (lambda tf, y, p, w: tf.metrics.mean_iou(y, p, 5, w), [CLS, PRED_CLS, W]),
    "mean_per_class_accuracy": (lambda tf, y, p: tf.metrics.mean_per_class_accuracy(y, p, 4), [CLS, PRED_CLS]),
    "mean_per_class_accuracy_weighted": (lambda tf, y, p, w: tf.metrics.mean_per_class_accuracy(y, p, 5, w),
                                         [CLS, PRED_CLS, W]),
}

# name -> (build(tf, *placeholders), inputs): metrics refused when they run (first batch).
RUN_ERRORS = {
    "auc_prediction_above_one": (lambda tf, y, p: tf.metrics.auc(y, p), [LAB[:3], np.float32([0.2, 1.5, 0.1])]),
    "mean_iou_label_out_of_range": (lambda tf, y, p: tf.metrics.mean_iou(y, p, 3),
                                    [np.int64([0, 3, 1]), np.int64([0, 1, 1])]),
}


def batches(inputs):
    out, start = [], 0
    for n in SIZES:
        out.append([a[start:start + n] for a in inputs])
        start += n
    return out


def build(tf, fn, inputs):
    phs = [tf.placeholder(tf.as_dtype(a.dtype), (None,) + a.shape[1:], name="input%d" % i)
           for i, a in enumerate(inputs)]
    value, update = fn(tf, *phs)
    return phs, value, update


def error_text(e):
    """What TensorFlow's error says was wrong, without the traceback and node lines TensorFlow 2 adds."""
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith("  ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith("Graph execution error")
             and not ln.startswith("Detected at node") and not ln.startswith("Node: ")]
    return lines[-1].strip() if lines else msg


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    out = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays, meta = {}, {"cases": {}, "errors": {}}
    for case in sorted(CASES):
        fn, inputs = CASES[case]
        with tf.Graph().as_default():
            phs, value, update = build(tf, fn, inputs)
            local = tf.local_variables()
            with tf.Session() as sess:
                sess.run(tf.local_variables_initializer())
                for i, batch in enumerate(batches(inputs)):
                    arrays["update:%s:%d" % (case, i)] = np.asarray(sess.run(update, dict(zip(phs, batch))))
                arrays["value:" + case] = np.asarray(sess.run(value))
                for v, got in zip(local, sess.run(local)):
                    arrays["var:%s:%s" % (case, v.op.name)] = got
            meta["cases"][case] = {"variables": [[v.op.name, v.dtype.base_dtype.name, v.shape.as_list()]
                                                 for v in local],
                                   "tensors": [value.name, update.name],
                                   "metric_variables": len(tf.get_collection(tf.GraphKeys.METRIC_VARIABLES))}
    for case in sorted(RUN_ERRORS):
        fn, inputs = RUN_ERRORS[case]
        with tf.Graph().as_default():
            phs, value, update = build(tf, fn, inputs)
            with tf.Session() as sess:
                sess.run(tf.local_variables_initializer())
                try:
                    sess.run(update, dict(zip(phs, inputs)))
                    meta["errors"][case] = None
                except tf.errors.OpError as e:
                    meta["errors"][case] = [type(e).__name__, error_text(e)]
    np.savez(os.path.join(out, "metrics.npz"), **arrays)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(dict(meta, tensorflow=tf.__version__), f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
