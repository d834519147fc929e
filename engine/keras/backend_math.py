"""Keras's backend functions over tensors (part of ``tg.keras.backend``), as tf_keras defines them on
TensorFlow 1's graph: the same ops, the same defaults (Keras's float type, the last axis).

    K = tg.keras.backend
    K.int_shape(x)                                  # (None, 4)
    v = K.variable(np.ones((2, 2)), name="w")       # a resource variable w:0 that get_session initialises
    K.eval(K.dot(x_value, v))
    step = K.function([x], [loss], updates=[train_op])
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor
from tagraph.engine.framework.graph import name_scope as _name_scope
from tagraph.engine.keras import activations
from tagraph.engine.keras.backend_state import floatx, get_session, learning_phase, track_variable
from tagraph.engine.keras.history import keras_history
from tagraph.engine.ops import (array_ops, clip_ops, comparison_ops, control_flow_ops, indexing_ops, joining_ops,
                                math_ops, matmul_ops, nn_ops, reduction_ops)
from tagraph.engine.ops.constant_op import constant as _constant
from tagraph.engine.train.gradients import gradients as _gradients
from tagraph.engine.variables.variables import Variable

__all__ = ["int_shape", "ndim", "dtype", "shape", "cast", "cast_to_floatx", "constant", "variable", "eval",
           "get_value", "batch_get_value", "set_value", "batch_set_value", "function", "mean", "sum", "max", "min",
           "prod", "argmax", "argmin", "square", "abs", "sqrt", "exp", "log", "pow", "sign", "clip", "maximum",
           "minimum", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "concatenate",
           "reshape", "permute_dimensions", "expand_dims", "squeeze", "stack", "flatten", "batch_flatten", "tile",
           "transpose", "one_hot", "dot", "relu", "elu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "softplus",
           "softsign", "stop_gradient", "gradients", "switch", "in_train_phase", "in_test_phase", "name_scope",
           "zeros_like", "ones_like", "is_keras_tensor"]

name_scope = _name_scope


def int_shape(x):
    """The static shape as a tuple of ints and Nones; None when the rank is unknown."""
    shape = getattr(x, "shape", None)
    if isinstance(shape, tuple):
        return shape
    if shape is None or shape.rank is None:
        return None
    return tuple(shape.as_list())


def ndim(x):
    return x.shape.rank


def dtype(x):
    return x.dtype.base_dtype.name


def shape(x):
    return array_ops.shape(x)


def cast(x, dtype):  # noqa: F811 - Keras's argument name
    return math_ops.cast(x, dtype)


def cast_to_floatx(x):
    """A numpy value (or tensor) in Keras's float type."""
    if isinstance(x, Tensor):
        return math_ops.cast(x, floatx())
    return np.asarray(x, dtype=floatx())


def constant(value, dtype=None, shape=None, name=None):  # noqa: F811
    return _constant(value, dtype=dtype or floatx(), shape=shape, name=name)


def variable(value, dtype=None, name=None, constraint=None):  # noqa: F811
    """A resource variable holding ``value`` (Keras's float type unless ``dtype``); ``get_session``
    initialises it."""
    v = Variable(value, dtype=dtypes.as_dtype(dtype or floatx()), name=name, constraint=constraint,
                 use_resource=True)
    track_variable(v)
    return v


def eval(x):  # noqa: A001 - Keras's name
    """``x``'s value, run in ``get_session()``."""
    return get_session().run(x)


get_value = eval


def batch_get_value(tensors):
    return get_session().run(list(tensors)) if tensors else []


def set_value(x, value):
    """Assigns ``value`` to the variable ``x`` in ``get_session()``, as Keras does: through a placeholder and
    an assign op made on the first call and kept on the variable."""
    value = np.asarray(value, dtype=x.dtype.base_dtype.as_numpy_dtype)
    if getattr(x, "_keras_assign", None) is None:
        with x.graph.as_default():
            feed = array_ops.placeholder(x.dtype.base_dtype, shape=[None] * value.ndim)
            x._keras_assign = (feed, x.assign(feed))
    feed, assign = x._keras_assign
    get_session().run(assign, {feed: value})


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


class _GraphFunction:
    """``function(inputs, outputs, updates)``: called with values for ``inputs``, runs the outputs (and the
    updates) in ``get_session()``."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a Keras backend function should be a list or tuple.")
        self.inputs = list(inputs)
        self._structure = outputs
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self.updates = list(updates or [])
        self.name = name

    def __call__(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` should be a list or tuple.")
        if len(inputs) != len(self.inputs):
            raise ValueError("Expected %d input values, got %d" % (len(self.inputs), len(inputs)))
        fetched = get_session().run(self.outputs + self.updates, dict(zip(self.inputs, inputs)))
        outputs = fetched[:len(self.outputs)]
        return outputs if isinstance(self._structure, (list, tuple)) else outputs[0]


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A Python function of ``inputs``' values returning ``outputs``' values (and running ``updates``)."""
    if kwargs:
        raise ValueError("Invalid argument \"%s\" passed to K.function with TensorFlow backend"
                         % sorted(kwargs)[0])
    return _GraphFunction(inputs, outputs, updates=updates, name=name)


def mean(x, axis=None, keepdims=False):
    if x.dtype.base_dtype == dtypes.bool:
        x = math_ops.cast(x, floatx())
    return reduction_ops.reduce_mean(x, axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_sum(x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_min(x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return reduction_ops.reduce_prod(x, axis, keepdims)


def argmax(x, axis=-1):
    return reduction_ops.argmax(x, axis)


def argmin(x, axis=-1):
    return reduction_ops.argmin(x, axis)


def square(x):
    return math_ops.square(x)


def abs(x):  # noqa: A001
    return math_ops.abs(x)


def sqrt(x):
    """``sqrt(max(x, 0))``: Keras clips negative values first."""
    zero = _constant(0.0, dtype=x.dtype.base_dtype)
    return math_ops.sqrt(math_ops.maximum(x, zero))


def exp(x):
    return math_ops.exp(x)


def log(x):
    return math_ops.log(x)


def pow(x, a):  # noqa: A001
    return math_ops.pow(x, a)


def sign(x):
    return math_ops.sign(x)


def clip(x, min_value, max_value):
    """``x`` clipped to [min_value, max_value]; a bound None is unbounded, a max below the min is the min."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    return clip_ops.clip_by_value(x, min_value, max_value)


# Elementwise comparisons and extremes: the ops themselves, as Keras's backend calls them.
maximum, minimum = math_ops.maximum, math_ops.minimum
equal, not_equal = comparison_ops.equal, comparison_ops.not_equal
greater, greater_equal = comparison_ops.greater, comparison_ops.greater_equal
less, less_equal = comparison_ops.less, comparison_ops.less_equal


def concatenate(tensors, axis=-1):
    """The tensors joined along ``axis`` (a negative axis counts from the first tensor's rank)."""
    if axis < 0:
        rank = ndim(tensors[0])
        axis = axis % rank if rank else 0
    return joining_ops.concat(list(tensors), axis)


def reshape(x, shape):  # noqa: F811
    return array_ops.reshape(x, shape)


def permute_dimensions(x, pattern):
    return array_ops.transpose(x, perm=list(pattern))


def transpose(x):
    return array_ops.transpose(x)


def expand_dims(x, axis=-1):
    return array_ops.expand_dims(x, axis)


def squeeze(x, axis):
    return array_ops.squeeze(x, [axis])


def stack(x, axis=0):
    return joining_ops.stack(x, axis=axis)


def flatten(x):
    return array_ops.reshape(x, [-1])


def batch_flatten(x):
    """``x`` reshaped to ``[batch, -1]``."""
    out = array_ops.reshape(x, joining_ops.stack([-1, reduction_ops.reduce_prod(array_ops.shape(x)[1:])]))
    # TensorFlow's shape inference evaluates the size arithmetic; tagraph's Reshape shape function does not.
    dims = x.shape.as_list() if x.shape.rank is not None else None
    if dims is not None and None not in dims[1:]:
        inner = int(np.prod(dims[1:]))
        out.set_shape([dims[0], inner])
    return out


def tile(x, n):
    if isinstance(n, int):
        n = [n]
    return joining_ops.tile(x, n)


def one_hot(indices, num_classes):
    return indexing_ops.one_hot(indices, depth=num_classes, axis=-1)


def dot(x, y):
    """The matrix product; for tensors of rank > 2, Keras's: ``x``'s last axis with ``y``'s second to last."""
    x_rank, y_rank = ndim(x), ndim(y)
    if x_rank is not None and (x_rank > 2 or y_rank > 2):
        x_shape = [d if d is not None else array_ops.shape(x)[i] for i, d in enumerate(int_shape(x))]
        y_shape = [d if d is not None else array_ops.shape(y)[i] for i, d in enumerate(int_shape(y))]
        y_permute = list(range(y_rank))
        y_permute = [y_permute.pop(-2)] + y_permute
        xt = array_ops.reshape(x, [-1, x_shape[-1]])
        yt = array_ops.reshape(array_ops.transpose(y, perm=y_permute), [y_shape[-2], -1])
        return array_ops.reshape(matmul_ops.matmul(xt, yt), x_shape[:-1] + y_shape[:-2] + y_shape[-1:])
    return matmul_ops.matmul(x, y)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return activations.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha=1.0):
    return activations.elu(x, alpha)


def sigmoid(x):
    return math_ops.sigmoid(x)


def hard_sigmoid(x):
    return activations.hard_sigmoid(x)


def tanh(x):
    return math_ops.tanh(x)


def softmax(x, axis=-1):
    return nn_ops.softmax(x, axis=axis)


def softplus(x):
    return nn_ops.softplus(x)


def softsign(x):
    return activations.softsign(x)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [array_ops.stop_gradient(v) for v in variables]
    return array_ops.stop_gradient(variables)


def gradients(loss, variables):
    """The gradients of ``loss`` with respect to ``variables``."""
    return _gradients(loss, variables, colocate_gradients_with_ops=True)


def switch(condition, then_expression, else_expression):
    """``then_expression`` where ``condition``, else ``else_expression``: a ``cond`` for a scalar condition
    (the expressions may be callables), an elementwise choice otherwise."""
    if condition.dtype.base_dtype != dtypes.bool:
        condition = math_ops.cast(condition, dtypes.bool)
    cond_ndim = ndim(condition)
    if not cond_ndim:
        then_fn = then_expression if callable(then_expression) else (lambda: then_expression)
        else_fn = else_expression if callable(else_expression) else (lambda: else_expression)
        return control_flow_ops.cond(condition, then_fn, else_fn)
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    expr_ndim = ndim(then_expression)
    if cond_ndim > expr_ndim:
        raise ValueError("Rank of `condition` should be less than or equal to rank of `then_expression` and "
                         "`else_expression`. ndim(condition)=%d, ndim(then_expression)=%d" % (cond_ndim, expr_ndim))
    if cond_ndim > 1:
        cond_shape = joining_ops.concat([array_ops.shape(condition), [1] * (expr_ndim - cond_ndim)], axis=0)
        condition = array_ops.reshape(condition, cond_shape)
        expr_shape = array_ops.shape(then_expression)
        tile_shape = math_ops.where_v2(comparison_ops.greater(expr_shape - cond_shape, 0), expr_shape,
                                    array_ops.ones_like(expr_shape))
        condition = joining_ops.tile(condition, tile_shape)
    return math_ops.where_v2(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """``x`` in training (``training``, by default the learning phase), ``alt`` otherwise."""
    if training is None:
        training = learning_phase()
    if training is True or (not isinstance(training, Tensor) and training == 1):
        return x() if callable(x) else x
    if training is False or (not isinstance(training, Tensor) and training == 0):
        return alt() if callable(alt) else alt
    return switch(training, x, alt)


def in_test_phase(x, alt, training=None):
    """``x`` at inference, ``alt`` in training."""
    return in_train_phase(alt, x, training=training)


def zeros_like(x, dtype=None, name=None):
    return array_ops.zeros_like(x, dtype=dtype, name=name)


def ones_like(x, dtype=None, name=None):
    return array_ops.ones_like(x, dtype=dtype, name=name)


def is_keras_tensor(x):
    """Whether ``x`` comes from ``tg.keras.Input`` through Keras layers."""
    if not isinstance(x, Tensor):
        raise ValueError("Unexpectedly found an instance of type `%s`. Expected a symbolic tensor instance."
                         % type(x))
    return keras_history(x) is not None
