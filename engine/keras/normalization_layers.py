"""``tg.keras.layers`` normalisation: BatchNormalization (TensorFlow 1's Keras one) and LayerNormalization.

    bn = tg.keras.layers.BatchNormalization()
    h = bn(conv)                              # training = the learning phase unless given
    with tg.control_dependencies(bn.updates): # moving averages: in bn.updates, not in UPDATE_OPS
        train_op = optimizer.minimize(loss)

Variables ``batch_normalization/gamma``, ``beta``, ``moving_mean``, ``moving_variance`` (the last two not
trainable), as tf_keras makes them; the arithmetic is tf.layers' (whose layer is Keras's in TensorFlow 1).
"""
from tagraph.engine.keras import backend, initializers, regularizers
from tagraph.engine.keras.base_layer import Layer, split_shape_kwargs
from tagraph.engine.layers import normalization as _normalization
from tagraph.engine.framework import dtypes
from tagraph.engine.ops import array_ops, reduction_ops
from tagraph.engine.ops.batch_norm_ops import batch_normalization as _batch_normalization
from tagraph.engine.ops.batch_norm_ops import fused_batch_norm, moments

__all__ = ["BatchNormalization", "LayerNormalization"]


class BatchNormalization(Layer, _normalization.BatchNormalization):
    """Normalises by the batch's statistics when ``training`` (the learning phase by default), by the moving
    averages otherwise; the moving averages' updates are ``layer.updates``."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        shape_kwargs = split_shape_kwargs(kwargs)
        _normalization.BatchNormalization.__init__(
            self, axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
            beta_initializer=initializers.get(beta_initializer), gamma_initializer=initializers.get(gamma_initializer),
            moving_mean_initializer=initializers.get(moving_mean_initializer),
            moving_variance_initializer=initializers.get(moving_variance_initializer),
            beta_regularizer=regularizers.get(beta_regularizer), gamma_regularizer=regularizers.get(gamma_regularizer),
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
            renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused, trainable=trainable,
            virtual_batch_size=virtual_batch_size, adjustment=adjustment, name=name, **kwargs)
        self._keras_setup(shape_kwargs)

    def call(self, inputs, training=None):
        if training is None:
            training = backend.learning_phase()
        return _normalization.BatchNormalization.call(self, inputs, training=training)

    def add_update(self, updates, inputs=None):
        Layer.add_update(self, updates)


class LayerNormalization(Layer):
    """Normalises each example over ``axis`` (the last by default): ``(x - mean) / sqrt(var + epsilon)``, then
    ``gamma`` and ``beta`` (variables of the normalised axes' shape)."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = [axis]
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', but received: %r"
                            % (axis,))
        self.epsilon = epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.gamma = self.beta = None

    def build(self, input_shape):
        rank = input_shape.rank
        if rank is None:
            raise ValueError("Input has undefined rank. Received: input_shape=%s." % (input_shape,))
        axes = []
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError("Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank (with "
                                 "inputs.rank=%d). Received: axis=%s" % (rank, self.axis))
            axes.append(a + rank if a < 0 else a)
        if len(set(axes)) != len(axes):
            raise ValueError("Duplicate axis: %s" % (tuple(self.axis),))
        self.axis = sorted(axes)
        param_shape = [input_shape.dims[a] for a in self.axis]
        if self.scale:
            self.gamma = self.add_weight("gamma", param_shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", param_shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def call(self, inputs):
        ndims = inputs.shape.rank
        broadcast = [1] * ndims
        for a in self.axis:
            broadcast[a] = inputs.shape.dims[a]

        def shaped(v):
            if v is not None and v.shape.rank != ndims and self.axis != [ndims - 1]:
                return array_ops.reshape(v, broadcast)
            return v

        if self._fused_can_be_used(ndims):
            outputs = self._fused(inputs)
            if self.gamma is not None:
                outputs = outputs * shaped(self.gamma)
            if self.beta is not None:
                outputs = outputs + shaped(self.beta)
        else:
            mean, variance = moments(inputs, self.axis, keep_dims=True)
            outputs = _batch_normalization(inputs, mean, variance, shaped(self.beta), shaped(self.gamma),
                                           self.epsilon)
        outputs.set_shape(inputs.shape)
        return outputs

    def _fused_can_be_used(self, ndims):
        # As Keras: the normalised axes are the last ones, contiguous; fused_batch_norm would raise a smaller
        # epsilon to 1.001e-5, and keeps float32 parameters.
        return (self.axis[-1] == ndims - 1 and self.axis[-1] - self.axis[0] == len(self.axis) - 1
                and self.epsilon >= 1.001e-5 and self.dtype == dtypes.float32)

    def _fused(self, inputs):
        # Keras's fused path: the leading axes as channels of a [1, pre, in, 1] NCHW image, normalised by
        # FusedBatchNormV3 in training mode (over each channel's `in` values), then reshaped back.
        shape = array_ops.shape(inputs)
        first = self.axis[0]
        pre_dim = reduction_ops.reduce_prod(shape[:first])
        in_dim = reduction_ops.reduce_prod(shape[first:])
        squeezed = array_ops.reshape(inputs, [1, pre_dim, in_dim, 1])
        scale = array_ops.ones([pre_dim], dtype=self.dtype)
        offset = array_ops.zeros([pre_dim], dtype=self.dtype)
        outputs, _, _ = fused_batch_norm(squeezed, scale, offset, epsilon=self.epsilon, data_format="NCHW")
        return array_ops.reshape(outputs, shape)
