"""``tg.layers.batch_normalization`` and ``BatchNormalization``: TensorFlow 1's batch normalisation layer.

    h = tg.layers.batch_normalization(h, training=is_training)   # is_training: a bool, or a bool tensor
    update_ops = tg.get_collection(tg.GraphKeys.UPDATE_OPS)        # batch_normalization/AssignMovingAvg{,_1}
    with tg.control_dependencies(update_ops):
        train_op = optimizer.minimize(loss)

Variables ``gamma`` (ones), ``beta`` (zeros), ``moving_mean`` (zeros) and ``moving_variance`` (ones), the last
two not trainable. A 4-D or 5-D float32/float16 input normalised over its last (or first) axis takes the fused
op (FusedBatchNormV3), as TensorFlow does; other inputs take ``moments`` and ``batch_normalization``. In
training the moving averages move by ``moving -= (moving - batch) * (1 - momentum)`` (AssignMovingAvg), with
the batch's unbiased variance on the fused path and its biased variance otherwise, as in TensorFlow. A
``training`` tensor builds a ``cond`` over both modes; its updates then leave the averages as they were when
it is false.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import colocate_with, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.batch_norm_ops import batch_normalization as _batch_normalization
from tagraph.engine.ops.batch_norm_ops import fused_batch_norm, moments
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.layers.base import InputSpec, Layer, constant_bool, smart_cond
from tagraph.engine.variables.init_ops import ones_initializer, zeros_initializer

__all__ = ["BatchNormalization", "batch_normalization"]

_FUSED_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32)


class BatchNormalization(Layer):
    """Normalises over the batch (and every axis but ``axis``) in training, by the moving averages otherwise.

    ``call(inputs, training=False)``: ``training`` is a Python bool or a scalar bool tensor.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                 moving_mean_initializer=zeros_initializer(), moving_variance_initializer=ones_initializer(),
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        for arg, value in (("renorm", renorm), ("virtual_batch_size", virtual_batch_size),
                           ("adjustment", adjustment)):
            if value:
                raise NotImplementedError("tf.layers.BatchNormalization(%s=%r) is not supported by tagraph yet"
                                          % (arg, value))
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = [axis]
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', but received: %r"
                            % (axis,))
        self.momentum = momentum
        self.epsilon = epsilon
        self.center, self.scale = center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.fused = fused
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self._data_format = None

    @property
    def _param_dtype(self):
        return dtypes.float32 if self.dtype in (dtypes.float16, dtypes.bfloat16) else (self.dtype or dtypes.float32)

    def build(self, input_shape):
        rank = input_shape.rank
        if not rank:
            raise ValueError("Input has undefined rank. Received: input_shape=%s." % (input_shape,))
        axes = []
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError("Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank (with "
                                 "inputs.rank=%d). Received: axis=%s" % (rank, self.axis))
            axes.append(a + rank if a < 0 else a)
        if len(set(axes)) != len(axes):
            raise ValueError("Duplicate axis: %s" % (self.axis,))
        self.axis = axes
        if self.fused is not False:
            self.fused = (rank in (4, 5) and len(axes) == 1 and axes[0] in (1, rank - 1)
                          and self.dtype in _FUSED_DTYPES)
        if self.fused:
            self._data_format = ("NCHW" if rank == 4 else "NCDHW") if axes[0] == 1 else \
                ("NHWC" if rank == 4 else "NDHWC")
        sizes = {a: input_shape.dims[a] for a in axes}
        for a, d in sizes.items():
            if d is None:
                raise ValueError("Input has undefined `axis` dimension. Received input with shape %s and axis=%s"
                                 % (input_shape, tuple(axes)))
        self.input_spec = InputSpec(ndim=rank, axes=sizes)
        param_shape = [sizes[axes[0]]] if len(axes) == 1 else [sizes.get(i, 1) for i in range(rank)]
        self._param_shape = param_shape
        pd = self._param_dtype
        if self.scale:
            self.gamma = self.add_weight("gamma", param_shape, dtype=pd, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", param_shape, dtype=pd, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight("moving_mean", param_shape, dtype=pd,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", param_shape, dtype=pd,
                                               initializer=self.moving_variance_initializer, trainable=False)

    def _assign_moving_average(self, variable, value, momentum, read_value=False):
        graph = get_default_graph()
        with graph.name_scope("AssignMovingAvg") as scope, colocate_with(variable):
            decay = convert_to_tensor(1.0 - momentum, name="decay")
            if decay.dtype.base_dtype != variable.dtype.base_dtype:
                decay = math_ops.cast(decay, variable.dtype.base_dtype)
            delta = (variable - math_ops.cast(value, variable.dtype.base_dtype)) * decay
            return variable.assign_sub(delta, name=scope, read_value=read_value)

    def _fused(self, inputs, training):
        gamma = self.gamma if self.scale else constant(1.0, dtype=self._param_dtype, shape=self._param_shape)
        beta = self.beta if self.center else constant(0.0, dtype=self._param_dtype, shape=self._param_shape)

        def train():
            return fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                                    epsilon=self.epsilon, is_training=True, data_format=self._data_format)

        def infer():
            return fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                                    epsilon=self.epsilon, is_training=False, data_format=self._data_format)

        output, mean, variance = smart_cond(training, train, infer)
        known = constant_bool(training)
        if known is None or known:
            if known is None:
                momentum = smart_cond(training, lambda: constant(self.momentum, dtype=dtypes.float32),
                                      lambda: constant(1.0, dtype=dtypes.float32))
            else:
                momentum = convert_to_tensor(self.momentum)
            self.add_update(self._assign_moving_average(self.moving_mean, mean, momentum))
            self.add_update(self._assign_moving_average(self.moving_variance, variance, momentum))
        return output

    def _broadcast(self, v, ndims, reduction_axes):
        if v is not None and v.shape.rank != ndims and reduction_axes != list(range(ndims - 1)):
            shape = [1] * ndims
            shape[self.axis[0]] = self._param_shape[0]
            return array_ops.reshape(v, shape)
        return v

    def _moments_path(self, inputs, training):
        in_dtype = inputs.dtype.base_dtype
        if in_dtype in (dtypes.float16, dtypes.bfloat16):
            inputs = math_ops.cast(inputs, dtypes.float32)
        ndims = inputs.shape.rank
        reduction_axes = [i for i in range(ndims) if i not in self.axis]
        scale = self._broadcast(convert_to_tensor(self.gamma), ndims, reduction_axes) if self.scale else None
        offset = self._broadcast(convert_to_tensor(self.beta), ndims, reduction_axes) if self.center else None
        known = constant_bool(training)
        if known is False:
            mean, variance = convert_to_tensor(self.moving_mean), convert_to_tensor(self.moving_variance)
        else:
            batch_mean, batch_variance = moments(math_ops.cast(inputs, self._param_dtype), reduction_axes,
                                                 keep_dims=len(self.axis) > 1)
            mean = smart_cond(training, lambda: batch_mean, lambda: convert_to_tensor(self.moving_mean))
            variance = smart_cond(training, lambda: batch_variance, lambda: convert_to_tensor(self.moving_variance))

            def update(variable, value):
                # Inside a cond both branches give a tensor: the updated value, or the unchanged one.
                return smart_cond(training, lambda: self._assign_moving_average(variable, value, self.momentum,
                                                                                 read_value=known is None),
                                  lambda: convert_to_tensor(variable))

            self.add_update(update(self.moving_mean, mean))
            self.add_update(update(self.moving_variance, variance))
        x_dtype = inputs.dtype.base_dtype
        mean, variance = math_ops.cast(mean, x_dtype), math_ops.cast(variance, x_dtype)
        if offset is not None:
            offset = math_ops.cast(offset, x_dtype)
        if scale is not None:
            scale = math_ops.cast(scale, x_dtype)
        outputs = _batch_normalization(inputs, self._broadcast(mean, ndims, reduction_axes),
                                       self._broadcast(variance, ndims, reduction_axes), offset, scale, self.epsilon)
        outputs.set_shape(inputs.shape)
        if in_dtype in (dtypes.float16, dtypes.bfloat16):
            outputs = math_ops.cast(outputs, in_dtype)
        return outputs

    def add_update(self, updates):
        # An update is recorded as the op that makes it, as TensorFlow's layers record them.
        super().add_update(getattr(updates, "op", updates))

    def call(self, inputs, training=False):
        if self.fused:
            return self._fused(inputs, training)
        return self._moments_path(inputs, training)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                        moving_mean_initializer=zeros_initializer(), moving_variance_initializer=ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None, renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None):
    """Batch normalisation; in training its moving-average updates go to ``GraphKeys.UPDATE_OPS``.

        h = tg.layers.batch_normalization(conv, training=is_training)
        with tg.control_dependencies(tg.get_collection(tg.GraphKeys.UPDATE_OPS)):
            train_op = tg.train.AdamOptimizer().minimize(loss)
    """
    layer = BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                               beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                               moving_mean_initializer=moving_mean_initializer,
                               moving_variance_initializer=moving_variance_initializer,
                               beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                               beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
                               renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
                               trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
                               name=name, _reuse=reuse, _scope=name)
    return layer.apply(inputs, training=training)
