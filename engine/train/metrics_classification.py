"""Streaming metrics over classes: the top-k ones (precision, recall, average precision) and those read
off a confusion matrix (mean intersection-over-union, mean per-class accuracy).

    p, update = tg.metrics.precision_at_k(labels, logits, k=3)           # labels: class ids [batch] or [batch, n]
    iou, update = tg.metrics.mean_iou(labels, predicted_classes, num_classes=4)

The top-k metrics compare, row by row, the set of the k predicted class ids with the set of label ids,
as TensorFlow's set operations do (duplicates count once); their counts are float64 local variables named
as TensorFlow names them (``precision_at_3/true_positive_at_3``, ``recall_at_3/false_negative_at_3``,
``average_precision_at_3/total`` and ``/max``). Labels must be a dense tensor of class ids here: a
``SparseTensor`` of labels raises NotImplementedError.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor, control_dependencies, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from tagraph.engine.ops.indexing_ops import one_hot
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.nn_ops import top_k
from tagraph.engine.ops.segment_ops import unsorted_segment_sum
from tagraph.engine.ops.state_ops import scatter_add
from tagraph.engine.train.metric_variables import as_float32, broadcast_weights, collect, metric_variable

__all__ = ["precision_at_k", "precision_at_top_k", "sparse_precision_at_k", "recall_at_k", "recall_at_top_k",
           "average_precision_at_k", "sparse_average_precision_at_k", "mean_iou", "mean_per_class_accuracy"]


def _at_k_name(name, k=None, class_id=None):
    name = "%s_at_%d" % (name, k) if k is not None else "%s_at_k" % name
    if class_id is not None:
        name = "%s_class%d" % (name, class_id)
    return name


def _dense_labels(labels):
    if not isinstance(labels, Tensor) and type(labels).__name__ in ("SparseTensor", "SparseTensorValue"):
        raise NotImplementedError("tagraph's top-k metrics take labels as a dense tensor of class ids; "
                                  "SparseTensor labels are not supported yet")
    return convert_to_tensor(labels)


def _expand_labels(labels, predictions_idx):
    """Labels of one rank less than the predictions get a trailing dimension of 1."""
    lr, pr = labels.shape.rank, predictions_idx.shape.rank
    if lr is not None and pr is not None:
        if pr == lr:
            return labels
        if pr == lr + 1:
            return array_ops.expand_dims(labels, -1, name="expand_labels")
        raise ValueError("Unexpected labels shape %s for predictions shape %s. Predictions rank should be the "
                         "same rank as labels rank or labels rank plus one ." % (labels.shape, predictions_idx.shape))
    raise ValueError("top-k metrics need labels and predictions of known rank, got %s and %s"
                     % (labels.shape, predictions_idx.shape))


def _first_occurrences(ids):
    """True at the first occurrence of each value along the last axis (a set counts each value once)."""
    n = array_ops.shape(ids)[-1]
    positions = math_ops.range(0, n)
    earlier = comparison_ops.less(array_ops.expand_dims(positions, 0), array_ops.expand_dims(positions, 1))
    same = comparison_ops.equal(array_ops.expand_dims(ids, -1), array_ops.expand_dims(ids, -2))
    return comparison_ops.logical_not(reduction_ops.reduce_any(comparison_ops.logical_and(same, earlier), -1))


def _member_of(ids, others):
    """True where an entry of ``ids`` is among ``others`` of the same row."""
    return reduction_ops.reduce_any(comparison_ops.equal(array_ops.expand_dims(ids, -1),
                                                         array_ops.expand_dims(others, -2)), -1)


def _set_counts(labels, predictions_idx, class_id, want):
    """Per row, the size of a set operation between the predicted ids and the label ids: ``tp`` (their
    intersection), ``fp`` (predicted, not labels) or ``fn`` (labels, not predicted); with ``class_id``, of
    the sets narrowed to that class."""
    labels = math_ops.cast(labels, dtypes.int64)
    if want == "fn":
        ids, others = labels, predictions_idx
    else:
        ids, others = predictions_idx, labels
    keep = _first_occurrences(ids)
    if class_id is not None:
        keep = comparison_ops.logical_and(keep, comparison_ops.equal(ids, math_ops.cast(class_id, dtypes.int64)))
    member = _member_of(ids, others)
    if want != "tp":
        member = comparison_ops.logical_not(member)
    return reduction_ops.reduce_sum(math_ops.cast(comparison_ops.logical_and(keep, member), dtypes.float64), -1)


def _streaming_set_count(labels, predictions_idx, k, class_id, weights, want, prefix):
    g = get_default_graph()
    with g.name_scope(_at_k_name(prefix, k, class_id)) as scope:
        counts = _set_counts(labels, predictions_idx, class_id, want)
        if weights is not None:
            weights = convert_to_tensor(weights)
            if weights.shape.rank not in (None, 0, counts.shape.rank):
                raise ValueError("weights can not be broadcast to values.")
            counts = math_ops.multiply(counts, math_ops.cast(weights, dtypes.float64))
        batch_total = math_ops.cast(reduction_ops.reduce_sum(counts), dtypes.float64)
        var = metric_variable([], dtypes.float64, scope)
        return var.value(), var.assign_add(batch_total, name="update")


def _at_top_k(other, labels, predictions_idx, k, class_id, weights, metrics_collections, updates_collections,
              name, kind):
    g = get_default_graph()
    with g.name_scope(name or _at_k_name(kind, k, class_id)) as scope:
        labels = _expand_labels(_dense_labels(labels), convert_to_tensor(predictions_idx))
        top_k_idx = math_ops.cast(predictions_idx, dtypes.int64)
        tp, tp_update = _streaming_set_count(labels, top_k_idx, k, class_id, weights, "tp", "true_positive")
        prefix = "false_positive" if other == "fp" else "false_negative"
        rest, rest_update = _streaming_set_count(labels, top_k_idx, k, class_id, weights, other, prefix)
        value = math_ops.divide(tp, math_ops.add(tp, rest), name=scope)
        update = math_ops.divide(tp_update, math_ops.add(tp_update, rest_update), name="update")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """Precision of the given top-k class ids ``predictions_idx`` against ``labels``.

        p, update = tg.metrics.precision_at_top_k(labels, tg.nn.top_k(logits, 2).indices, k=2)
    """
    return _at_top_k("fp", labels, predictions_idx, k, class_id, weights, metrics_collections,
                     updates_collections, name, "precision")


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    """Recall of the given top-k class ids ``predictions_idx`` against ``labels``."""
    return _at_top_k("fn", labels, predictions_idx, k, class_id, weights, metrics_collections,
                     updates_collections, name, "recall")


def precision_at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    """How many of the k highest-scoring classes of each row are among its labels, over k per row.

        p, update = tg.metrics.precision_at_k(labels, logits, k=3)       # or class_id=c for one class
    """
    g = get_default_graph()
    with g.name_scope(name or _at_k_name("precision", k, class_id)) as scope:
        _, top_k_idx = top_k(predictions, k)
        return precision_at_top_k(labels, top_k_idx, k, class_id, weights, metrics_collections,
                                  updates_collections, scope)


def recall_at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
                updates_collections=None, name=None):
    """How many of each row's labels are among its k highest-scoring classes, over its labels.

        r, update = tg.metrics.recall_at_k(labels, logits, k=5)
    """
    g = get_default_graph()
    with g.name_scope(name or _at_k_name("recall", k, class_id)) as scope:
        _, top_k_idx = top_k(predictions, k)
        return recall_at_top_k(labels, top_k_idx, k, class_id, weights, metrics_collections,
                               updates_collections, scope)


sparse_precision_at_k = precision_at_k


def average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                           updates_collections=None, name=None):
    """The mean over rows of the average precision of the top-k predictions (labels below 0 or not below
    the number of classes are no label).

        ap, update = tg.metrics.average_precision_at_k(labels, logits, k=4)
    """
    if k < 1:
        raise ValueError("Invalid k=%s. `k` should be >= 1." % (k,))
    g = get_default_graph()
    with g.name_scope(name or _at_k_name("average_precision", k)) as scope:
        predictions = convert_to_tensor(predictions)
        _, predictions_idx = top_k(predictions, k)
        labels = math_ops.cast(_dense_labels(labels), dtypes.int64)
        num_classes = math_ops.cast(array_ops.shape(predictions)[-1], dtypes.int64)
        # Ids beyond the classes become -1, no label; TensorFlow looks at their maximum first (a "Max" op
        # that its variable names count on: ``average_precision_at_k/max_1``).
        any_beyond = comparison_ops.greater_equal(reduction_ops.reduce_max(labels), num_classes)
        beyond = comparison_ops.logical_and(any_beyond, comparison_ops.greater_equal(labels, num_classes))
        labels = math_ops.where_v2(beyond, -1 * array_ops.ones_like(labels), labels)
        with g.name_scope("average_precision"):
            predictions_idx = math_ops.cast(predictions_idx, dtypes.int64, name="predictions_idx")
            labels = _expand_labels(labels, predictions_idx)
            relevant_per_k = math_ops.cast(_member_of(predictions_idx, labels), dtypes.float64)
            tp_per_k = reduction_ops.cumsum(relevant_per_k, axis=-1, name="tp_per_k")
            retrieved_per_k = reduction_ops.cumsum(array_ops.ones_like(relevant_per_k), axis=-1, name="retrieved_per_k")
            precision_per_k = math_ops.divide(tp_per_k, retrieved_per_k, name="precision_per_k")
            precision_sum = reduction_ops.reduce_sum(math_ops.multiply(precision_per_k, relevant_per_k), axis=(-1,),
                                                     name="precision_sum")
            num_labels = reduction_ops.reduce_sum(
                math_ops.where_v2(comparison_ops.greater_equal(labels, 0), array_ops.ones_like(labels),
                                  array_ops.zeros_like(labels)), axis=-1)
            num_relevant = math_ops.cast(math_ops.minimum(num_labels, k), dtypes.float64)
            average_precision = math_ops.divide(precision_sum, num_relevant)
        if weights is not None:
            weights = broadcast_weights(math_ops.cast(weights, dtypes.float64), average_precision)
            average_precision = math_ops.multiply(average_precision, weights)
        with g.name_scope("max") as max_scope:
            max_var = metric_variable([], dtypes.float64, max_scope)
            if weights is None:
                batch_max = math_ops.cast(array_ops.size(average_precision, name="batch_max"), dtypes.float64)
            else:
                batch_max = reduction_ops.reduce_sum(weights, name="batch_max")
            max_update = max_var.assign_add(batch_max, name="update")
        with g.name_scope("total") as total_scope:
            total_var = metric_variable([], dtypes.float64, total_scope)
            total_update = total_var.assign_add(reduction_ops.reduce_sum(average_precision, name="batch_total"),
                                                name="update")
        value = math_ops.div_no_nan(total_var.value(), max_var.value(), name="mean")
        update = math_ops.div_no_nan(total_update, max_update, name=scope)
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


sparse_average_precision_at_k = average_precision_at_k


def _flat(x):
    x = convert_to_tensor(x)
    return array_ops.reshape(x, [-1]) if x.shape.rank is None or x.shape.rank > 1 else x


def _confusion_matrix(labels, predictions, num_classes, weights):
    """``[num_classes, num_classes]`` float64 counts: row = label, column = prediction (TensorFlow's
    ``confusion_matrix``), refusing ids outside [0, num_classes)."""
    checks = []
    for ids, what in ((labels, "labels"), (predictions, "predictions")):
        in_range = comparison_ops.logical_and(comparison_ops.greater_equal(ids, 0),
                                              comparison_ops.less(ids, num_classes))
        checks.append(Assert(reduction_ops.reduce_all(in_range), ["`%s` out of bound" % what, ids]))
    with control_dependencies(checks):
        cells = labels * num_classes + predictions
    counts = array_ops.ones_like(cells, dtype=dtypes.float64) if weights is None else \
        math_ops.cast(weights, dtypes.float64) * array_ops.ones_like(cells, dtype=dtypes.float64)
    return array_ops.reshape(unsorted_segment_sum(counts, cells, num_classes * num_classes),
                             [num_classes, num_classes])


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """The mean over classes of intersection over union, from a streamed confusion matrix (variable
    ``mean_iou/total_confusion_matrix``, float64); classes never seen are left out of the mean.

        iou, update = tg.metrics.mean_iou(labels, predicted_classes, num_classes=3)
    """
    g = get_default_graph()
    with g.name_scope(name or "mean_iou"):
        labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, labels.shape))
        total_cm = metric_variable([num_classes, num_classes], dtypes.float64, "total_confusion_matrix")
        labels = _flat(math_ops.cast(labels, dtypes.int64))
        predictions = _flat(math_ops.cast(predictions, dtypes.int64))
        weights = None if weights is None else _flat(weights)
        update = total_cm.assign_add(_confusion_matrix(labels, predictions, num_classes, weights))
        cm = total_cm.value()
        sum_over_row = math_ops.cast(reduction_ops.reduce_sum(cm, 0), dtypes.float32)
        sum_over_col = math_ops.cast(reduction_ops.reduce_sum(cm, 1), dtypes.float32)
        identity = one_hot(math_ops.range(0, num_classes), num_classes, dtype=dtypes.float64)
        cm_diag = math_ops.cast(reduction_ops.reduce_sum(cm * identity, 1), dtypes.float32)
        denominator = sum_over_row + sum_over_col - cm_diag
        num_valid = reduction_ops.reduce_sum(math_ops.cast(comparison_ops.not_equal(denominator, 0), dtypes.float32))
        denominator = math_ops.where(comparison_ops.greater(denominator, 0), denominator,
                                     array_ops.ones_like(denominator))
        iou = math_ops.divide(cm_diag, denominator)
        value = math_ops.where(comparison_ops.greater(num_valid, 0),
                               reduction_ops.reduce_sum(iou, name="mean_iou") / num_valid, 0.0)
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The mean over classes of each class's accuracy (variables ``mean_accuracy/total`` and ``/count``);
    the update op gives the per-class accuracies, as TensorFlow's does.

        acc, per_class = tg.metrics.mean_per_class_accuracy(labels, predicted_classes, num_classes=3)
    """
    g = get_default_graph()
    with g.name_scope(name or "mean_accuracy"):
        labels = _flat(math_ops.cast(labels, dtypes.int64))
        predictions = _flat(predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, labels.shape))
        total = metric_variable([num_classes], dtypes.float32, "total")
        count = metric_variable([num_classes], dtypes.float32, "count")
        ones = array_ops.ones(array_ops.reshape(array_ops.size(labels), [1]), dtypes.float32)
        if labels.dtype.base_dtype != predictions.dtype.base_dtype:
            predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
        is_correct = math_ops.cast(comparison_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            weights = as_float32(_flat(weights))
            is_correct *= weights
            ones *= weights
        update_total = scatter_add(total, labels, ones)
        update_count = scatter_add(count, labels, is_correct)
        per_class = math_ops.div_no_nan(count.value(), math_ops.maximum(total.value(), 0))
        value = reduction_ops.reduce_mean(per_class, name="mean_accuracy")
        update = math_ops.div_no_nan(update_count, math_ops.maximum(update_total, 0), name="update_op")
    collect(metrics_collections, value)
    collect(updates_collections, update)
    return value, update
