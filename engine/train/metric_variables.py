"""What TensorFlow 1's streaming metrics share: their local variables and how they line up their inputs.

    total = metric_variable([], tg.float32, name="total")      # in LOCAL_VARIABLES and METRIC_VARIABLES

A metric keeps its running state in local, non-trainable variables, so that ``local_variables_initializer``
resets it and a Saver leaves it out; labels, predictions and weights are squeezed or expanded by one
trailing dimension, as TensorFlow's ``_remove_squeezable_dimensions`` does, before they are compared.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.variables.variables import Variable

__all__ = ["METRIC_VARIABLES", "metric_variable", "remove_squeezable_dimensions", "squeeze_metric_inputs",
           "broadcast_weights", "collect"]

METRIC_VARIABLES = GraphKeys.METRIC_VARIABLES


def metric_variable(shape, dtype, name):
    """A zero-initialized local variable in the metric variables' collections; a ``name`` ending in "/" is
    the full name (a scope name, as TensorFlow's at-k metrics name their counts)."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False, name=name,
                    dtype=dtype, collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES])


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0):
    """Squeezes a trailing size-1 dimension off whichever of the two has one rank too many."""
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    lr, pr = labels.shape.rank, predictions.shape.rank
    if lr is not None and pr is not None:
        diff = pr - lr
        if diff == expected_rank_diff + 1 and predictions.shape.dims[-1] in (None, 1):
            predictions = array_ops.squeeze(predictions, [-1])
        elif diff == expected_rank_diff - 1 and labels.shape.dims[-1] in (None, 1):
            labels = array_ops.squeeze(labels, [-1])
    return labels, predictions


def squeeze_metric_inputs(predictions, labels, weights):
    """``(predictions, labels, weights)`` with labels squeezed to the predictions' rank and the weights
    squeezed or expanded by one trailing dimension to match them, as TensorFlow's metrics do."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels, predictions = remove_squeezable_dimensions(labels, predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, labels.shape))
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    wr, pr = weights.shape.rank, predictions.shape.rank
    if wr == 0 or wr is None or pr is None:
        return predictions, labels, weights
    if wr - pr == 1:
        weights = array_ops.squeeze(weights, [-1])
    elif pr - wr == 1:
        weights = array_ops.expand_dims(weights, -1)
    return predictions, labels, weights


def broadcast_weights(weights, values):
    """``weights`` multiplied out to the shape of ``values`` (unchanged where the shapes already agree)."""
    g = get_default_graph()
    with g.name_scope("broadcast_weights") as scope:
        values = convert_to_tensor(values, name="values")
        weights = convert_to_tensor(weights, dtype=values.dtype.base_dtype, name="weights") \
            if not isinstance(weights, Tensor) else weights
        if weights.shape.is_fully_defined() and values.shape.is_fully_defined() and \
                weights.shape.is_compatible_with(values.shape):
            return weights
        return math_ops.multiply(weights, array_ops.ones_like(values, dtype=weights.dtype), name=scope)


def collect(names, value):
    if names:
        get_default_graph().add_to_collections(names, value)


def as_float32(x):
    return math_ops.cast(convert_to_tensor(x), dtypes.float32)
