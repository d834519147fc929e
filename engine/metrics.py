"""Streaming metrics: each returns ``(value, update_op)`` over local variables, as TensorFlow 1's do.

    acc, acc_update = tg.metrics.accuracy(labels, predicted_classes)
    sess.run(tg.local_variables_initializer())
    for batch in batches:
        sess.run(acc_update, feed(batch))
    print(sess.run(acc))
"""
import numpy as np

from tagraph.engine import dtypes
from tagraph.engine.graph import GraphKeys, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.variables import Variable

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
        update_total = total.assign_add(math_ops.reduce_sum(v))
        update_count = count.assign_add(math_ops.reduce_sum(w))
        value = math_ops.div_no_nan(total.value(), count.value(), name="value")
        update = math_ops.div_no_nan(update_total, update_count, name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """How often ``predictions`` equals ``labels``."""
    g = get_default_graph()
    with g.name_scope(name or "accuracy"):
        labels = convert_to_tensor(labels)
        predictions = convert_to_tensor(predictions)
        if labels.dtype.base_dtype != predictions.dtype.base_dtype:
            predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
        is_correct = math_ops.cast(math_ops.equal(array_ops.reshape(predictions, [-1]),
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
    return var, var.assign_add(math_ops.reduce_sum(c))


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
              name=None):
    """true positives / (true positives + false positives)."""
    g = get_default_graph()
    with g.name_scope(name or "precision"):
        labels, predictions, w = _counts(labels, predictions, weights, name)
        tp, tp_up = _count_variable(math_ops.logical_and(labels, predictions), w, "true_positives")
        fp, fp_up = _count_variable(math_ops.logical_and(math_ops.logical_not(labels), predictions), w,
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
        tp, tp_up = _count_variable(math_ops.logical_and(labels, predictions), w, "true_positives")
        fn, fn_up = _count_variable(math_ops.logical_and(labels, math_ops.logical_not(predictions)), w,
                                    "false_negatives")
        value = math_ops.div_no_nan(tp.value(), tp.value() + fn.value(), name="value")
        update = math_ops.div_no_nan(tp_up, tp_up + fn_up, name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal"):
    """Area under the ROC (or PR) curve from confusion counts at ``num_thresholds`` thresholds, as TF 1."""
    g = get_default_graph()
    with g.name_scope(name or "auc"):
        eps = 1e-7
        thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps], np.float32)
        labels = math_ops.cast(array_ops.reshape(convert_to_tensor(labels), [-1, 1]), dtypes.bool)
        preds = array_ops.reshape(math_ops.cast(convert_to_tensor(predictions), dtypes.float32), [-1, 1])
        above = math_ops.greater(preds, constant(thresholds.reshape(1, -1)))
        w = None if weights is None else array_ops.reshape(math_ops.cast(weights, dtypes.float32), [-1, 1])
        variables = {}
        updates = {}
        conditions = {
            "true_positives": math_ops.logical_and(labels, above),
            "false_negatives": math_ops.logical_and(labels, math_ops.logical_not(above)),
            "true_negatives": math_ops.logical_and(math_ops.logical_not(labels), math_ops.logical_not(above)),
            "false_positives": math_ops.logical_and(math_ops.logical_not(labels), above),
        }
        for key, cond in conditions.items():
            var = _metric_variable([num_thresholds], dtypes.float32, key)
            c = math_ops.cast(cond, dtypes.float32)
            if w is not None:
                c = c * w
            variables[key] = var.value()
            updates[key] = var.assign_add(math_ops.reduce_sum(c, axis=0))

        def area(tp, fn, tn, fp):
            if curve == "ROC":
                x = math_ops.div_no_nan(fp, fp + tn)
                y = math_ops.div_no_nan(tp, tp + fn)
            else:
                x = math_ops.div_no_nan(tp, tp + fn)
                y = math_ops.div_no_nan(tp, tp + fp)
            n = num_thresholds
            dx = x[: n - 1] - x[1:]
            if summation_method == "trapezoidal":
                heights = (y[: n - 1] + y[1:]) / 2.0
            elif summation_method in ("minoring",):
                heights = math_ops.minimum(y[: n - 1], y[1:])
            else:
                heights = math_ops.maximum(y[: n - 1], y[1:])
            return math_ops.reduce_sum(dx * heights)

        value = array_ops.identity(area(variables["true_positives"], variables["false_negatives"],
                                        variables["true_negatives"], variables["false_positives"]), name="value")
        update = array_ops.identity(area(updates["true_positives"], updates["false_negatives"],
                                         updates["true_negatives"], updates["false_positives"]), name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def _collect(names, value):
    if names:
        get_default_graph().add_to_collections(names, value)
