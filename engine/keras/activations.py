"""``tg.keras.activations``: Keras's activation functions and ``get``, by name or as functions.

    y = tg.keras.layers.Dense(4, activation="relu")(x)
    y = tg.keras.activations.get("softmax")(logits)
"""
from tagraph.engine.ops import clip_ops, comparison_ops, math_ops, nn_ops, reduction_ops

__all__ = ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus", "softsign", "exponential",
           "hard_sigmoid", "swish", "get", "serialize"]


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """``max(x, 0)``; with ``alpha`` a leaky slope below ``threshold``, with ``max_value`` a cap (Keras's
    backend.relu, step for step)."""
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return nn_ops.leaky_relu(x, alpha=alpha)
        negative_part = nn_ops.relu(-x + threshold) if threshold != 0 else nn_ops.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * math_ops.cast(comparison_ops.greater(x, threshold), x.dtype.base_dtype)
    elif max_value == 6:
        x = nn_ops.relu6(x)
        clip_max = False
    else:
        x = nn_ops.relu(x)
    if clip_max:
        x = clip_ops.clip_by_value(x, 0.0, float(max_value))
    if alpha != 0.0:
        x -= alpha * negative_part
    return x


def sigmoid(x):
    return math_ops.sigmoid(x)


def tanh(x):
    return math_ops.tanh(x)


def softmax(x, axis=-1):
    """The softmax over ``axis`` (Keras's: ``exp(x - max) / sum`` off the last axis)."""
    if x.shape.rank is not None and x.shape.rank <= 1:
        raise ValueError("Cannot apply softmax to a tensor that is 1D. Received input: %s" % (x,))
    if axis == -1 or axis == (x.shape.rank or 0) - 1:
        return nn_ops.softmax(x)
    e = math_ops.exp(x - reduction_ops.reduce_max(x, axis=axis, keepdims=True))
    return e / reduction_ops.reduce_sum(e, axis=axis, keepdims=True)


def linear(x):
    return x


def elu(x, alpha=1.0):
    out = nn_ops.elu(x)
    return out if alpha == 1 else math_ops.where_v2(comparison_ops.greater(x, 0.0), out, alpha * out)


def selu(x):
    return nn_ops.selu(x)


def softplus(x):
    return nn_ops.softplus(x)


def softsign(x):
    return x / (math_ops.abs(x) + 1.0)


def exponential(x):
    return math_ops.exp(x)


def hard_sigmoid(x):
    return clip_ops.clip_by_value(x * 0.2 + 0.5, 0.0, 1.0)


def swish(x):
    return x * math_ops.sigmoid(x)


_BY_NAME = {f.__name__: f for f in (relu, sigmoid, tanh, softmax, linear, elu, selu, softplus, softsign, exponential,
                                    hard_sigmoid, swish)}


def get(identifier):
    """The activation named ``identifier`` (None is ``linear``), or ``identifier`` itself if callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError("Unknown activation function: '%s'. Please ensure you are using a "
                             "`keras.utils.custom_object_scope` and that this object is included in the scope."
                             % identifier)
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise TypeError("Could not interpret activation function identifier: %r" % (identifier,))


def serialize(activation):
    """The name of a built-in activation."""
    name = getattr(activation, "__name__", None)
    if _BY_NAME.get(name) is not activation:
        raise ValueError("Unknown activation function: %r" % (activation,))
    return name
