"""Streaming metrics: each returns ``(value, update_op)`` over local variables, as TensorFlow 1's do.

    acc, acc_update = tg.metrics.accuracy(labels, predicted_classes)
    sess.run(tg.local_variables_initializer())
    for batch in batches:
        sess.run(acc_update, feed(batch))
    print(sess.run(acc))
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.variables.variables import Variable

__all__ = ["METRIC_VARIABLES", "mean", "accuracy", "precision", "recall", "auc"]

METRIC_VARIABLES = "metric_variables"


def _metric_variable(shape, dtype, name):
    # Local, not trainable: initialized by local_variables_initializer and never saved by default.
    return Variable(array_ops.zeros(shape, dtype), trainable=False, name=name,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES])


def _weighted(values, weights):
    values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
    if weights is None:
        return values, math_ops.cast(array_ops.ones_like(values), dtypes.float32)
    w = math_ops.cast(convert_to_tensor(weights), dtypes.float32) * array_ops.ones_like(values)
    return values * w, w


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every value seen so far."""
    g = get_default_graph()
    with g.name_scope(name or "mean"):
        v, w = _weighted(values, weights)
        total = _metric_variable([], dtypes.float32, "total")
        count = _metric_variable([], dtypes.float32, "count")
        update_total = total.assign_add(reduction_ops.reduce_sum(v))
        update_count = count.assign_add(reduction_ops.reduce_sum(w))
        value = math_ops.div_no_nan(total.value(), count.value(), name="value")
        update = math_ops.div_no_nan(update_total, update_count, name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """How often ``predictions`` equals ``labels``."""
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    if labels.dtype.base_dtype != predictions.dtype.base_dtype:
        predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
    is_correct = math_ops.cast(comparison_ops.equal(array_ops.reshape(predictions, [-1]),
                                              array_ops.reshape(labels, [-1])), dtypes.float32)
    return mean(is_correct, None if weights is None else array_ops.reshape(weights, [-1]),
                metrics_collections, updates_collections, name=name or "accuracy")


def _counts(labels, predictions, weights, name):
    labels = math_ops.cast(array_ops.reshape(convert_to_tensor(labels), [-1]), dtypes.bool)
    predictions = math_ops.cast(array_ops.reshape(convert_to_tensor(predictions), [-1]), dtypes.bool)
    w = None if weights is None else math_ops.cast(array_ops.reshape(weights, [-1]), dtypes.float32)
    return labels, predictions, w


def _count_variable(condition, weights, name):
    var = _metric_variable([], dtypes.float32, name)
    c = math_ops.cast(condition, dtypes.float32)
    if weights is not None:
        c = c * weights
    return var, var.assign_add(reduction_ops.reduce_sum(c))


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
              name=None):
    """true positives / (true positives + false positives)."""
    g = get_default_graph()
    with g.name_scope(name or "precision"):
        labels, predictions, w = _counts(labels, predictions, weights, name)
        tp, tp_up = _count_variable(comparison_ops.logical_and(labels, predictions), w, "true_positives")
        fp, fp_up = _count_variable(comparison_ops.logical_and(comparison_ops.logical_not(labels), predictions), w,
                                    "false_positives")
        value = math_ops.div_no_nan(tp.value(), tp.value() + fp.value(), name="value")
        update = math_ops.div_no_nan(tp_up, tp_up + fp_up, name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def recall(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """true positives / (true positives + false negatives)."""
    g = get_default_graph()
    with g.name_scope(name or "recall"):
        labels, predictions, w = _counts(labels, predictions, weights, name)
        tp, tp_up = _count_variable(comparison_ops.logical_and(labels, predictions), w, "true_positives")
        fn, fn_up = _count_variable(comparison_ops.logical_and(labels, comparison_ops.logical_not(predictions)), w,
                                    "false_negatives")
        value = math_ops.div_no_nan(tp.value(), tp.value() + fn.value(), name="value")
        update = math_ops.div_no_nan(tp_up, tp_up + fn_up, name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """Area under the ROC (or PR) curve, from confusion counts at ``num_thresholds`` thresholds, as TF 1.

    ``predictions`` are probabilities in [0, 1]; an example counts as predicted positive at threshold t
    when its prediction is greater than t. The thresholds are 0 - 1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7
    (or ``thresholds``, with the same two outer ones added), and the area is summed over adjacent
    thresholds with the trapezoidal rule ("minoring"/"majoring": the lower or upper of the two heights).
    Rates carry TensorFlow's epsilon of 1e-6 so that an empty class gives 0, never NaN.
    """
    if curve not in ("ROC", "PR"):
        raise ValueError("curve must be either ROC or PR, %s unknown" % (curve,))
    if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
        raise ValueError("Invalid summation_method: %s" % (summation_method,))
    if summation_method == "careful_interpolation" and curve == "PR":
        raise NotImplementedError("auc: careful_interpolation for PR curves is not supported by tagraph; "
                                  "use summation_method='trapezoidal'")
    kepsilon = 1e-7
    if thresholds is not None:
        inner = [float(t) for t in thresholds]
        num_thresholds = len(inner) + 2
    else:
        if num_thresholds < 2:
            raise ValueError("num_thresholds must be > 1, got %r" % (num_thresholds,))
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    threshold_values = np.array([0.0 - kepsilon] + inner + [1.0 + kepsilon], np.float32)
    g = get_default_graph()
    with g.name_scope(name or "auc"):
        labels = math_ops.cast(array_ops.reshape(convert_to_tensor(labels), [-1, 1]), dtypes.bool)
        preds = array_ops.reshape(math_ops.cast(convert_to_tensor(predictions), dtypes.float32), [-1, 1])
        above = comparison_ops.greater(preds, constant(threshold_values.reshape(1, -1), name="thresholds"))
        w = None
        if weights is not None:
            w = math_ops.cast(convert_to_tensor(weights), dtypes.float32)
            if w.shape.rank != 0:
                w = array_ops.reshape(w, [-1, 1])
            w = w * array_ops.ones_like(math_ops.cast(labels, dtypes.float32))     # [N, 1]
        not_labels, below = comparison_ops.logical_not(labels), comparison_ops.logical_not(above)
        conditions = [("true_positives", comparison_ops.logical_and(labels, above)),
                      ("false_negatives", comparison_ops.logical_and(labels, below)),
                      ("true_negatives", comparison_ops.logical_and(not_labels, below)),
                      ("false_positives", comparison_ops.logical_and(not_labels, above))]
        values, updates = {}, {}
        for key, cond in conditions:
            var = _metric_variable([num_thresholds], dtypes.float32, key)
            c = math_ops.cast(cond, dtypes.float32)
            if w is not None:
                c = c * w
            values[key] = var.value()
            updates[key] = var.assign_add(reduction_ops.reduce_sum(c, axis=0))

        def area(counts, op_name):
            tp, fn, tn, fp = (counts[k] for k in ("true_positives", "false_negatives", "true_negatives",
                                                  "false_positives"))
            epsilon = 1.0e-6
            rec = (tp + epsilon) / (tp + fn + epsilon)
            if curve == "ROC":
                x, y = fp / (fp + tn + epsilon), rec
            else:
                x, y = rec, (tp + epsilon) / (tp + fp + epsilon)
            n = num_thresholds
            dx = x[: n - 1] - x[1:]
            if summation_method in ("trapezoidal", "careful_interpolation"):
                heights = (y[: n - 1] + y[1:]) / 2.0
            elif summation_method == "minoring":
                heights = math_ops.minimum(y[: n - 1], y[1:])
            else:
                heights = math_ops.maximum(y[: n - 1], y[1:])
            return reduction_ops.reduce_sum(dx * heights, name=op_name)

        value = area(values, "value")
        update = area(updates, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def _collect(names, value):
    if names:
        get_default_graph().add_to_collections(names, value)
