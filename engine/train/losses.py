"""``tg.losses``: TensorFlow 1's loss functions, with its weights and reductions.

    loss = tg.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)     # mean over non-zero weights
    loss = tg.losses.mean_squared_error(labels, predictions, weights=w, reduction=tg.losses.Reduction.SUM)

Each loss is added to the ``losses`` collection (``get_losses``), as TensorFlow does; the default
reduction, ``SUM_BY_NONZERO_WEIGHTS``, divides the weighted sum by the number of non-zero weights.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph, _graph_of
from tagraph.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.nn_ops import relu
from tagraph.engine.ops.loss_ops import (sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                                         sparse_softmax_cross_entropy_with_logits)

__all__ = ["Reduction", "compute_weighted_loss", "add_loss", "get_losses", "get_regularization_losses",
           "get_regularization_loss", "get_total_loss", "mean_squared_error", "absolute_difference",
           "sparse_softmax_cross_entropy", "softmax_cross_entropy", "sigmoid_cross_entropy", "huber_loss",
           "log_loss", "hinge_loss", "cosine_distance", "mean_pairwise_squared_error"]


class Reduction:
    """How a loss's per-element values become the returned value."""
    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError("Invalid Reduction Key %s." % key)


def _safe_mean(losses, num_present):
    return math_ops.div_no_nan(losses, num_present, name="value")


def _num_elements(losses):
    g = get_default_graph()
    with g.name_scope("num_elements") as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), dtype=losses.dtype)


def _broadcast_weights(weights, values):
    """``weights`` multiplied out to ``values``' shape (TensorFlow's broadcast_weights, less its assert)."""
    g = get_default_graph()
    with g.name_scope("broadcast_weights") as scope:
        values = convert_to_tensor(values, name="values")
        weights = convert_to_tensor(weights, dtype=values.dtype.base_dtype, name="weights")
        if weights.shape.is_fully_defined() and values.shape.is_fully_defined() and \
                weights.shape.is_compatible_with(values.shape):
            return weights
        return math_ops.multiply(weights, array_ops.ones_like(values), name=scope)


def _num_present(losses, weights, per_batch=False):
    """The number of elements of ``losses`` whose weight is not zero."""
    if isinstance(weights, float) and weights != 0.0:
        return _num_elements(losses)
    g = get_default_graph()
    with g.name_scope("num_present") as scope:
        weights = math_ops.cast(weights, dtype=dtypes.float32)
        present = math_ops.where(comparison_ops.equal(weights, 0.0), array_ops.zeros_like(weights),
                                 array_ops.ones_like(weights))
        present = _broadcast_weights(present, losses)
        if per_batch:
            return reduction_ops.reduce_sum(present, axis=math_ops.range(1, array_ops.rank(present)), keepdims=True,
                                            name=scope)
        return reduction_ops.reduce_sum(present, name=scope)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``losses * weights`` reduced as ``reduction`` says, cast back to ``losses``' dtype."""
    Reduction.validate(reduction)
    g = _graph_of([v for v in (losses, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "weighted_loss"):
        g._last_loss_reduction = reduction
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype.base_dtype
        losses = math_ops.cast(losses, dtype=dtypes.float32)
        weights = math_ops.cast(weights if isinstance(weights, Tensor) else
                         convert_to_tensor(weights, dtype=dtypes.float32), dtype=dtypes.float32)
        weighted_losses = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted_losses
        else:
            loss = reduction_ops.reduce_sum(weighted_losses)
            if reduction == Reduction.MEAN:
                loss = _safe_mean(loss, reduction_ops.reduce_sum(array_ops.ones_like(losses) * weights))
            elif reduction in (Reduction.SUM_BY_NONZERO_WEIGHTS, Reduction.SUM_OVER_NONZERO_WEIGHTS):
                loss = _safe_mean(loss, _num_present(losses, weights))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_mean(loss, _num_elements(losses))
        loss = math_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    return math_ops.add_n(losses, name=name)


def _remove_squeezable_dimensions(labels, predictions, weights=None, expected_rank_diff=0):
    """Drops a trailing size-1 dimension of labels or predictions so their ranks differ as expected."""
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    lr, pr = labels.shape.rank, predictions.shape.rank
    if lr is not None and pr is not None:
        diff = pr - lr
        if diff == expected_rank_diff + 1 and predictions.shape[-1] == 1:
            predictions = array_ops.squeeze(predictions, [-1])
        elif diff == expected_rank_diff - 1 and labels.shape[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])
    if weights is None or not isinstance(weights, Tensor):
        return labels, predictions, weights
    wr = weights.shape.rank
    if wr is not None and pr is not None and wr - pr == 1 and weights.shape[-1] == 1:
        weights = array_ops.squeeze(weights, [-1])
    return labels, predictions, weights


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weighted mean of ``(predictions - labels) ** 2``."""
    if labels is None:
        raise ValueError("labels must not be None.")
    if predictions is None:
        raise ValueError("predictions must not be None.")
    g = _graph_of([v for v in (predictions, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "mean_squared_error") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), dtype=dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), dtype=dtypes.float32)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, labels.shape))
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    g = _graph_of([v for v in (predictions, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "absolute_difference") as sc:
        predictions = math_ops.cast(convert_to_tensor(predictions), dtype=dtypes.float32)
        labels = math_ops.cast(convert_to_tensor(labels), dtype=dtypes.float32)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross entropy of ``logits`` against integer class ids ``labels``, weighted and reduced."""
    if labels is None:
        raise ValueError("labels must not be None.")
    if logits is None:
        raise ValueError("logits must not be None.")
    g = _graph_of([v for v in (logits, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "sparse_softmax_cross_entropy_loss") as sc:
        labels, logits, weights = _remove_squeezable_dimensions(labels, logits, weights, expected_rank_diff=1)
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross entropy of ``logits`` against one-hot ``onehot_labels`` (optionally smoothed)."""
    if onehot_labels is None:
        raise ValueError("onehot_labels must not be None.")
    if logits is None:
        raise ValueError("logits must not be None.")
    g = _graph_of([v for v in (logits, onehot_labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "softmax_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        onehot_labels = math_ops.cast(onehot_labels, logits.dtype.base_dtype)
        if not logits.shape.is_compatible_with(onehot_labels.shape):
            raise ValueError("Shapes %s and %s are incompatible" % (logits.shape, onehot_labels.shape))
        if label_smoothing > 0:
            num_classes = math_ops.cast(array_ops.shape(onehot_labels)[-1], logits.dtype.base_dtype)
            smooth_positives = 1.0 - label_smoothing
            smooth_negatives = label_smoothing / num_classes
            onehot_labels = onehot_labels * smooth_positives + smooth_negatives
        onehot_labels = array_ops.stop_gradient(onehot_labels, name="labels_stop_gradient")
        losses = softmax_cross_entropy_with_logits_v2(labels=onehot_labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    g = _graph_of([v for v in (logits, multi_class_labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "sigmoid_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(multi_class_labels, logits.dtype.base_dtype)
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def _check_given(labels, predictions, predictions_name="predictions"):
    if labels is None:
        raise ValueError("Argument `labels` must not be None.")
    if predictions is None:
        raise ValueError("Argument `%s` must not be None." % predictions_name)


def _as_float_pair(labels, predictions):
    """Both cast to float32, their static shapes checked against each other as TensorFlow does."""
    predictions = math_ops.cast(convert_to_tensor(predictions), dtype=dtypes.float32)
    labels = math_ops.cast(convert_to_tensor(labels), dtype=dtypes.float32)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, labels.shape))
    return labels, predictions


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``0.5 * x**2`` where ``|x| <= delta``, else ``0.5 * delta**2 + delta * (|x| - delta)``; x the error.

        loss = tg.losses.huber_loss(labels, predictions, delta=2.0)
    """
    _check_given(labels, predictions)
    g = _graph_of([v for v in (predictions, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "huber_loss") as sc:
        labels, predictions = _as_float_pair(labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(math_ops.multiply(constant(0.5, dtype=quadratic.dtype),
                                                math_ops.multiply(quadratic, quadratic)),
                              math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Binary cross entropy of probabilities: ``-y log(p + eps) - (1 - y) log(1 - p + eps)``.

        loss = tg.losses.log_loss(labels, tg.sigmoid(logits))
    """
    _check_given(labels, predictions)
    g = _graph_of([v for v in (predictions, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "log_loss") as sc:
        labels, predictions = _as_float_pair(labels, predictions)
        losses = (-math_ops.multiply(labels, math_ops.log(predictions + epsilon))
                  - math_ops.multiply((1 - labels), math_ops.log(1 - predictions + epsilon)))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``max(0, 1 - (2y - 1) * logits)`` for labels y in {0, 1}.

        loss = tg.losses.hinge_loss(labels, logits)
    """
    _check_given(labels, logits, "logits")
    g = _graph_of([v for v in (logits, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "hinge_loss") as sc:
        labels, logits = _as_float_pair(labels, logits)
        all_ones = array_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        losses = relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """``1 - sum(labels * predictions, axis)`` for unit-normalized inputs (the sum keeps its axis).

        loss = tg.losses.cosine_distance(tg.nn.l2_normalize(y, 1), tg.nn.l2_normalize(p, 1), axis=1)
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _check_given(labels, predictions)
    g = _graph_of([v for v in (predictions, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "cosine_distance_loss") as sc:
        labels, predictions = _as_float_pair(labels, predictions)
        radial_diffs = math_ops.multiply(predictions, labels)
        losses = 1 - reduction_ops.reduce_sum(radial_diffs, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction=reduction)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES):
    """The mean over pairs of elements of each example of ``((p_i - p_j) - (l_i - l_j)) ** 2``, weighted
    per example and summed over the batch (TensorFlow 1 has no reduction argument here).

        loss = tg.losses.mean_pairwise_squared_error(labels, predictions)       # [batch, d...] each
    """
    _check_given(labels, predictions)
    g = _graph_of([v for v in (predictions, labels, weights) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(scope or "mean_pairwise_squared_error"):
        weights = math_ops.cast(convert_to_tensor(weights, dtype=dtypes.float32) if not isinstance(weights, Tensor)
                                else weights, dtype=dtypes.float32)
        labels, predictions = _as_float_pair(labels, predictions)
        diffs = math_ops.subtract(predictions, labels)
        axis = math_ops.range(1, array_ops.rank(diffs))
        sum_squares_diff_per_batch = reduction_ops.reduce_sum(math_ops.square(diffs), axis=axis, keepdims=True)
        num_present_per_batch = _num_present(diffs, weights, per_batch=True)
        term1 = 2.0 * math_ops.div_no_nan(sum_squares_diff_per_batch,
                                          math_ops.maximum(num_present_per_batch - 1, 0), name="value")
        sum_diff = reduction_ops.reduce_sum(diffs, axis=axis, keepdims=True)
        term2 = 2.0 * math_ops.div_no_nan(math_ops.square(sum_diff),
                                          math_ops.maximum(math_ops.multiply(num_present_per_batch,
                                                                             num_present_per_batch - 1), 0),
                                          name="value")
        loss = reduction_ops.reduce_sum(math_ops.multiply(term1 - term2, weights))
        mean_loss = math_ops.where(comparison_ops.greater(reduction_ops.reduce_sum(num_present_per_batch), 0), loss,
                                   array_ops.zeros_like(loss), name="value")
        add_loss(mean_loss, loss_collection)
        return mean_loss
