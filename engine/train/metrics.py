"""Streaming metrics: each returns ``(value, update_op)`` over local variables, as TensorFlow 1's do.

    acc, acc_update = tg.metrics.accuracy(labels, predicted_classes)
    sess.run(tg.local_variables_initializer())
    for batch in batches:
        sess.run(acc_update, feed(batch))
    print(sess.run(acc))

The variables carry TensorFlow's names (``accuracy/total``, ``accuracy/count``,
``precision/true_positives/count``, ...), so a checkpoint or a program that looks them up by name finds
them. This module holds the means (of values, errors, distances) and the counts of true/false
positives/negatives with precision and recall; the metrics over thresholds (``auc``, ``*_at_thresholds``,
``sensitivity_at_specificity``) are in ``metrics_thresholds``, those over classes and top-k predictions
(``precision_at_k``, ``mean_iou``, ...) in ``metrics_classification``; all are re-exported here.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import control_dependencies, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from tagraph.engine.train.metric_variables import (METRIC_VARIABLES, as_float32, broadcast_weights, collect,
                                                   metric_variable, remove_squeezable_dimensions,
                                                   squeeze_metric_inputs)
from tagraph.engine.train.metrics_classification import (average_precision_at_k, mean_iou, mean_per_class_accuracy,
                                                         precision_at_k, precision_at_top_k, recall_at_k,
                                                         recall_at_top_k, sparse_average_precision_at_k,
                                                         sparse_precision_at_k)
from tagraph.engine.train.metrics_thresholds import (auc, false_negatives_at_thresholds,
                                                     false_positives_at_thresholds, precision_at_thresholds,
                                                     recall_at_thresholds, sensitivity_at_specificity,
                                                     specificity_at_sensitivity, true_negatives_at_thresholds,
                                                     true_positives_at_thresholds)

__all__ = ["METRIC_VARIABLES", "mean", "mean_tensor", "accuracy", "mean_absolute_error", "mean_squared_error",
           "root_mean_squared_error", "mean_relative_error", "mean_cosine_distance", "percentage_below",
           "true_positives", "false_positives", "true_negatives", "false_negatives", "precision", "recall",
           "auc", "true_positives_at_thresholds", "false_positives_at_thresholds", "true_negatives_at_thresholds",
           "false_negatives_at_thresholds", "precision_at_thresholds", "recall_at_thresholds",
           "sensitivity_at_specificity", "specificity_at_sensitivity", "precision_at_k", "precision_at_top_k",
           "sparse_precision_at_k", "recall_at_k", "recall_at_top_k", "average_precision_at_k",
           "sparse_average_precision_at_k", "mean_iou", "mean_per_class_accuracy"]


def _div_value(total, count, name):
    return math_ops.div_no_nan(total, math_ops.maximum(count, 0), name=name)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every value seen so far; variables ``<name>/total`` and ``<name>/count``.

        m, update = tg.metrics.mean(batch_loss)
    """
    g = get_default_graph()
    with g.name_scope(name or "mean"):
        values = as_float32(values)
        total = metric_variable([], dtypes.float32, "total")
        count = metric_variable([], dtypes.float32, "count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = squeeze_metric_inputs(values, None, weights)
            weights = broadcast_weights(as_float32(weights), values)
            values = math_ops.multiply(values, weights)
            num_values = reduction_ops.reduce_sum(weights)
        update_total = total.assign_add(reduction_ops.reduce_sum(values))
        with control_dependencies([values]):
            update_count = count.assign_add(num_values)
        value = _div_value(total.value(), count.value(), "value")
        update = _div_value(update_total, update_count, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The element-wise (weighted) mean of every ``values`` seen so far; their shape must be fully known.

        m, update = tg.metrics.mean_tensor(per_class_scores)       # variables mean/total_tensor, count_tensor
    """
    g = get_default_graph()
    with g.name_scope(name or "mean"):
        values = as_float32(values)
        if not values.shape.is_fully_defined():
            raise ValueError("mean_tensor needs values of a fully defined shape, got %s" % (values.shape,))
        total = metric_variable(values.shape.as_list(), dtypes.float32, "total_tensor")
        count = metric_variable(values.shape.as_list(), dtypes.float32, "count_tensor")
        num_values = array_ops.ones_like(values)
        if weights is not None:
            values, _, weights = squeeze_metric_inputs(values, None, weights)
            weights = broadcast_weights(as_float32(weights), values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = total.assign_add(values)
        with control_dependencies([values]):
            update_count = count.assign_add(num_values)
        value = _div_value(total.value(), count.value(), "value")
        update = _div_value(update_total, update_count, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """How often ``predictions`` equals ``labels``: the mean of the matches (``accuracy/total``, ``count``).

        acc, update = tg.metrics.accuracy(labels, tg.argmax(logits, 1))
    """
    predictions, labels, weights = squeeze_metric_inputs(predictions, labels, weights)
    if labels.dtype.base_dtype != predictions.dtype.base_dtype:
        predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
    is_correct = math_ops.cast(comparison_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                        name=None):
    """The mean of ``|predictions - labels|``."""
    predictions, labels, weights = squeeze_metric_inputs(predictions, labels, weights)
    return mean(math_ops.abs(predictions - labels), weights, metrics_collections, updates_collections,
                name or "mean_absolute_error")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                       name=None):
    """The mean of ``(labels - predictions) ** 2``.

        mse, update = tg.metrics.mean_squared_error(labels, predictions)
    """
    predictions, labels, weights = squeeze_metric_inputs(predictions, labels, weights)
    return mean(math_ops.squared_difference(labels, predictions), weights, metrics_collections,
                updates_collections, name or "mean_squared_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The square root of the streaming mean squared error."""
    predictions, labels, weights = squeeze_metric_inputs(predictions, labels, weights)
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None, name or "root_mean_squared_error")
    rmse, update = math_ops.sqrt(mse), math_ops.sqrt(update_mse)
    collect(metrics_collections, rmse)
    collect(updates_collections, update)
    return rmse, update


def mean_relative_error(labels, predictions, normalizer, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """The mean of ``|labels - predictions| / normalizer`` (0 where the normalizer is 0)."""
    predictions, labels, weights = squeeze_metric_inputs(predictions, labels, weights)
    normalizer, predictions = remove_squeezable_dimensions(normalizer, predictions)
    if not predictions.shape.is_compatible_with(normalizer.shape):
        raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, normalizer.shape))
    relative_errors = math_ops.where(comparison_ops.equal(normalizer, 0.0), array_ops.zeros_like(labels),
                                     math_ops.divide(math_ops.abs(labels - predictions), normalizer))
    return mean(relative_errors, weights, metrics_collections, updates_collections, name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """``1 - mean(sum(labels * predictions, dim))`` for unit-normalized labels and predictions."""
    predictions, labels, weights = squeeze_metric_inputs(predictions, labels, weights)
    radial_diffs = reduction_ops.reduce_sum(math_ops.multiply(predictions, labels), axis=[dim], keepdims=True)
    mean_distance, update = mean(radial_diffs, weights, None, None, name or "mean_cosine_distance")
    mean_distance = math_ops.subtract(1.0, mean_distance)
    update = math_ops.subtract(1.0, update)
    collect(metrics_collections, mean_distance)
    collect(updates_collections, update)
    return mean_distance, update


def percentage_below(values, threshold, weights=None, metrics_collections=None, updates_collections=None,
                     name=None):
    """The fraction of ``values`` below ``threshold``."""
    is_below = math_ops.cast(comparison_ops.less(values, threshold), dtypes.float32)
    return mean(is_below, weights, metrics_collections, updates_collections, name or "percentage_below_threshold")


def _count_condition(values, weights, metrics_collections, updates_collections):
    if values.dtype.base_dtype != dtypes.bool:
        raise TypeError("%s must be of type bool, got %s" % (values.name, values.dtype.name))
    count = metric_variable([], dtypes.float32, "count")
    values = math_ops.cast(values, dtypes.float32)
    if weights is not None:
        weights = convert_to_tensor(weights)
        if weights.shape.rank not in (None, 0, values.shape.rank):
            raise ValueError("weights can not be broadcast to values: rank %d against %s"
                             % (weights.shape.rank, values.shape.rank))
        values = math_ops.multiply(values, as_float32(weights))
    value = array_ops.identity(count.value())
    update = count.assign_add(reduction_ops.reduce_sum(values))
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def _count(label_is, prediction_is, default_name):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        g = get_default_graph()
        with g.name_scope(name or default_name):
            predictions, labels, weights = squeeze_metric_inputs(math_ops.cast(predictions, dtypes.bool),
                                                                 math_ops.cast(labels, dtypes.bool), weights)
            condition = comparison_ops.logical_and(comparison_ops.equal(labels, label_is),
                                                   comparison_ops.equal(predictions, prediction_is))
            return _count_condition(condition, weights, metrics_collections, updates_collections)
    metric.__name__ = metric.__qualname__ = default_name
    metric.__doc__ = ("The (weighted) number of %s: labels %s where predictions are %s; variable "
                      "``%s/count``." % (default_name.replace("_", " "), label_is, prediction_is, default_name))
    return metric


true_positives = _count(True, True, "true_positives")
false_positives = _count(False, True, "false_positives")
true_negatives = _count(False, False, "true_negatives")
false_negatives = _count(True, False, "false_negatives")


def _ratio(numerator, other, name):
    denominator = numerator + other
    return math_ops.where(comparison_ops.greater(denominator, 0), math_ops.divide(numerator, denominator), 0.0,
                          name=name)


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
              name=None):
    """true positives / (true positives + false positives); 0 before any positive prediction.

        p, update = tg.metrics.precision(labels, predicted_classes)
    """
    g = get_default_graph()
    with g.name_scope(name or "precision"):
        predictions, labels, weights = squeeze_metric_inputs(math_ops.cast(predictions, dtypes.bool),
                                                             math_ops.cast(labels, dtypes.bool), weights)
        tp, tp_update = true_positives(labels, predictions, weights)
        fp, fp_update = false_positives(labels, predictions, weights)
        value = _ratio(tp, fp, "value")
        update = _ratio(tp_update, fp_update, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def recall(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """true positives / (true positives + false negatives); 0 before any positive label.

        r, update = tg.metrics.recall(labels, predicted_classes)
    """
    g = get_default_graph()
    with g.name_scope(name or "recall"):
        predictions, labels, weights = squeeze_metric_inputs(math_ops.cast(predictions, dtypes.bool),
                                                             math_ops.cast(labels, dtypes.bool), weights)
        tp, tp_update = true_positives(labels, predictions, weights)
        fn, fn_update = false_negatives(labels, predictions, weights)
        value = _ratio(tp, fn, "value")
        update = _ratio(tp_update, fn_update, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update
