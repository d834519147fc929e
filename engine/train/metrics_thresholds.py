"""Streaming metrics over decision thresholds: confusion counts per threshold and what is read off them.

    auc, update = tg.metrics.auc(labels, probabilities)                      # area under the ROC curve
    p, update = tg.metrics.precision_at_thresholds(labels, probabilities, [0.25, 0.5, 0.75])

``predictions`` are probabilities in [0, 1] (a run with others fails with InvalidArgumentError, as in
TensorFlow); an example counts as predicted positive at threshold t when its prediction is greater than t.
The counts live in local float32 variables of one entry per threshold, named as TensorFlow names them
(``auc/true_positives``, ``auc/false_negatives``, ``auc/true_negatives``, ``auc/false_positives``).
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import control_dependencies, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.train.metric_variables import (as_float32, broadcast_weights, collect, metric_variable,
                                                   squeeze_metric_inputs)

__all__ = ["auc", "true_positives_at_thresholds", "false_positives_at_thresholds", "true_negatives_at_thresholds",
           "false_negatives_at_thresholds", "precision_at_thresholds", "recall_at_thresholds",
           "sensitivity_at_specificity", "specificity_at_sensitivity"]

_KEPSILON = 1e-7
_VARIABLE_NAMES = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives", "fp": "false_positives"}


def _in_unit_interval(predictions):
    message = "predictions must be in [0, 1]"
    zero, one = math_ops.cast(0.0, predictions.dtype), math_ops.cast(1.0, predictions.dtype)
    return [Assert(reduction_ops.reduce_all(comparison_ops.greater_equal(predictions, zero)), [message]),
            Assert(reduction_ops.reduce_all(comparison_ops.less_equal(predictions, one)), [message])]


def confusion_matrix_at_thresholds(labels, predictions, thresholds, weights=None, includes=None):
    """``(values, updates)``: dicts keyed ``tp``, ``fn``, ``tn``, ``fp`` (those in ``includes``) of the
    per-threshold count variables and the ops that add a batch to them."""
    all_includes = ("tp", "fn", "tn", "fp")
    includes = all_includes if includes is None else includes
    for include in includes:
        if include not in all_includes:
            raise ValueError("Invalid key: %s" % (include,))
    predictions = convert_to_tensor(predictions)
    with control_dependencies(_in_unit_interval(predictions)):
        predictions, labels, weights = squeeze_metric_inputs(math_ops.cast(predictions, dtypes.float32),
                                                             math_ops.cast(labels, dtypes.bool), weights)
    num_thresholds = len(thresholds)
    thresholds_column = array_ops.expand_dims(constant([float(t) for t in thresholds], dtypes.float32), 1)
    pred_is_pos = comparison_ops.greater(array_ops.reshape(predictions, [1, -1]), thresholds_column)   # [T, N]
    label_is_pos = array_ops.reshape(labels, [1, -1])
    weights_row = None
    if weights is not None:
        weights_row = array_ops.reshape(broadcast_weights(as_float32(weights), predictions), [1, -1])
    conditions = {
        "tp": lambda: comparison_ops.logical_and(label_is_pos, pred_is_pos),
        "fn": lambda: comparison_ops.logical_and(label_is_pos, comparison_ops.logical_not(pred_is_pos)),
        "tn": lambda: comparison_ops.logical_and(comparison_ops.logical_not(label_is_pos),
                                                 comparison_ops.logical_not(pred_is_pos)),
        "fp": lambda: comparison_ops.logical_and(comparison_ops.logical_not(label_is_pos), pred_is_pos),
    }
    values, updates = {}, {}
    for key in all_includes:
        if key not in includes:
            continue
        var = metric_variable([num_thresholds], dtypes.float32, _VARIABLE_NAMES[key])
        hits = math_ops.cast(conditions[key](), dtypes.float32)                  # [T, N]
        if weights_row is not None:
            hits = hits * weights_row
        updates[key] = var.assign_add(reduction_ops.reduce_sum(hits, 1))
        values[key] = var.value()
    return values, updates


def _count_at_thresholds(key, default_name):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        g = get_default_graph()
        with g.name_scope(name or default_name):
            values, updates = confusion_matrix_at_thresholds(labels, predictions, thresholds, weights,
                                                             includes=(key,))
            value = array_ops.identity(values[key])
        collect(metrics_collections, value)
        collect(updates_collections, updates[key])
        return value, updates[key]
    metric.__name__ = metric.__qualname__ = default_name + "_at_thresholds"
    metric.__doc__ = ("The (weighted) number of %s at each of ``thresholds``; variable ``%s/%s``."
                      % (default_name.replace("_", " "), default_name, default_name))
    return metric


true_positives_at_thresholds = _count_at_thresholds("tp", "true_positives")
false_positives_at_thresholds = _count_at_thresholds("fp", "false_positives")
true_negatives_at_thresholds = _count_at_thresholds("tn", "true_negatives")
false_negatives_at_thresholds = _count_at_thresholds("fn", "false_negatives")


def _ratio_at_thresholds(numerator_key, other_key, default_name, prefix):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        g = get_default_graph()
        with g.name_scope(name or default_name):
            values, updates = confusion_matrix_at_thresholds(labels, predictions, thresholds, weights,
                                                             includes=(numerator_key, other_key))

            def ratio(counts, suffix):
                return math_ops.divide(counts[numerator_key], _KEPSILON + counts[numerator_key] + counts[other_key],
                                       name=prefix + suffix)
            value, update = ratio(values, "value"), ratio(updates, "update_op")
        collect(metrics_collections, value)
        collect(updates_collections, update)
        return value, update
    metric.__name__ = metric.__qualname__ = default_name
    return metric


precision_at_thresholds = _ratio_at_thresholds("tp", "fp", "precision_at_thresholds", "precision_")
precision_at_thresholds.__doc__ = """tp / (tp + fp + 1e-7) at each of ``thresholds``.

        p, update = tg.metrics.precision_at_thresholds(labels, probabilities, [0.3, 0.5, 0.7])
    """
recall_at_thresholds = _ratio_at_thresholds("tp", "fn", "recall_at_thresholds", "recall_")
recall_at_thresholds.__doc__ = """tp / (tp + fn + 1e-7) at each of ``thresholds``."""


def _even_thresholds(num_thresholds, last):
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - _KEPSILON] + inner + [last]


def sensitivity_at_specificity(labels, predictions, specificity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """The recall at the threshold whose specificity is closest to ``specificity``.

        s, update = tg.metrics.sensitivity_at_specificity(labels, probabilities, 0.9)
    """
    if specificity < 0 or specificity > 1:
        raise ValueError("`specificity` must be in the range [0, 1]. Currently, `specificity` got %s."
                         % (specificity,))
    g = get_default_graph()
    with g.name_scope(name or "sensitivity_at_specificity"):
        values, updates = confusion_matrix_at_thresholds(labels, predictions,
                                                         _even_thresholds(num_thresholds, 1.0 + _KEPSILON), weights)

        def compute(c, op_name):
            specificities = math_ops.divide(c["tn"], c["tn"] + c["fp"] + _KEPSILON)
            index = math_ops.cast(reduction_ops.argmin(math_ops.abs(specificities - specificity), 0), dtypes.int32)
            return math_ops.divide(c["tp"][index], c["tp"][index] + c["fn"][index] + _KEPSILON, op_name)
        value, update = compute(values, "value"), compute(updates, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """The specificity at the last threshold whose sensitivity is closest to ``sensitivity``.

        s, update = tg.metrics.specificity_at_sensitivity(labels, probabilities, 0.8)
    """
    if sensitivity < 0 or sensitivity > 1:
        raise ValueError("`sensitivity` must be in the range [0, 1]. Currently, `sensitivity` is %s."
                         % (sensitivity,))
    g = get_default_graph()
    with g.name_scope(name or "specificity_at_sensitivity"):
        # TensorFlow's last threshold here is 1 - 1e-7, not 1 + 1e-7 as elsewhere.
        values, updates = confusion_matrix_at_thresholds(labels, predictions,
                                                         _even_thresholds(num_thresholds, 1.0 - _KEPSILON), weights)

        def compute(c, op_name):
            sensitivities = math_ops.divide(c["tp"], c["tp"] + c["fn"] + _KEPSILON)
            distance = math_ops.abs(sensitivities - sensitivity)
            at_min = math_ops.cast(comparison_ops.equal(distance, reduction_ops.reduce_min(distance)), dtypes.int64)
            index = math_ops.cast(reduction_ops.argmax(reduction_ops.cumsum(at_min), 0), dtypes.int32)
            return math_ops.divide(c["tn"][index], c["tn"][index] + c["fp"][index] + _KEPSILON, op_name)
        value, update = compute(values, "value"), compute(updates, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """Area under the ROC (or PR) curve, from confusion counts at ``num_thresholds`` thresholds.

        auc, update = tg.metrics.auc(labels, probabilities, curve="PR", summation_method="careful_interpolation")

    The thresholds are 0 - 1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7 (or the sorted ``thresholds``, with
    the same two outer ones added); the area is summed over adjacent thresholds with the trapezoidal
    rule ("minoring"/"majoring": the lower or upper of the two heights; "careful_interpolation": for PR,
    precision interpolated as TensorFlow does, after Davis and Goadrich). Rates carry TensorFlow's epsilon
    of 1e-6 so that an empty class gives 0, never NaN.
    """
    if curve not in ("ROC", "PR"):
        raise ValueError("Curve must be either ROC or PR. Curve %s is unknown." % (curve,))
    if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
        raise ValueError("Invalid summation_method: %s summation_method should be 'trapezoidal', "
                         "'careful_interpolation', 'minoring', or 'majoring'." % (summation_method,))
    if thresholds is not None:
        inner = sorted(float(t) for t in thresholds)
        num_thresholds = len(inner) + 2
        thresholds = [0.0 - _KEPSILON] + inner + [1.0 + _KEPSILON]
    else:
        if num_thresholds < 2:
            raise ValueError("num_thresholds must be > 1, got %r" % (num_thresholds,))
        thresholds = _even_thresholds(num_thresholds, 1.0 + _KEPSILON)
    n = num_thresholds
    epsilon = 1.0e-6
    g = get_default_graph()
    with g.name_scope(name or "auc"):
        values, updates = confusion_matrix_at_thresholds(labels, predictions, thresholds, weights)

        def interpolate_pr_auc(tp, fp, fn):
            dtp = tp[: n - 1] - tp[1:]
            p = tp + fp
            prec_slope = math_ops.div_no_nan(dtp, math_ops.maximum(p[: n - 1] - p[1:], 0), name="prec_slope")
            intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
            safe_p_ratio = math_ops.where(
                comparison_ops.logical_and(comparison_ops.greater(p[: n - 1], 0), comparison_ops.greater(p[1:], 0)),
                math_ops.div_no_nan(p[: n - 1], math_ops.maximum(p[1:], 0), name="recall_relative_ratio"),
                array_ops.ones_like(p[1:]))
            return reduction_ops.reduce_sum(
                math_ops.div_no_nan(prec_slope * (dtp + intercept * math_ops.log(safe_p_ratio)),
                                    math_ops.maximum(tp[1:] + fn[1:], 0), name="pr_auc_increment"),
                name="interpolate_pr_auc")

        def area(c, op_name):
            tp, fn, tn, fp = c["tp"], c["fn"], c["tn"], c["fp"]
            if curve == "PR" and summation_method == "careful_interpolation":
                return interpolate_pr_auc(tp, fp, fn)
            rec = math_ops.divide(tp + epsilon, tp + fn + epsilon)
            if curve == "ROC":
                x, y = math_ops.divide(fp, fp + tn + epsilon), rec
            else:
                x, y = rec, math_ops.divide(tp + epsilon, tp + fp + epsilon)
            if summation_method in ("trapezoidal", "careful_interpolation"):
                heights = (y[: n - 1] + y[1:]) / 2.0
            elif summation_method == "minoring":
                heights = math_ops.minimum(y[: n - 1], y[1:])
            else:
                heights = math_ops.maximum(y[: n - 1], y[1:])
            return reduction_ops.reduce_sum(math_ops.multiply(x[: n - 1] - x[1:], heights), name=op_name)

        value = area(values, "value")
        update = area(updates, "update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update
