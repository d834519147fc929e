"""``tg.layers`` core layers: dense, dropout and flatten, with TensorFlow 1's variable and op names.

    h = tg.layers.dense(x, 512, activation=tg.nn.relu)        # variables dense/kernel, dense/bias
    h = tg.layers.dropout(h, rate=0.5, training=is_training)  # is_training: a bool, or a bool tensor
    logits = tg.layers.dense(h, 10, name="logits")            # logits/kernel, logits/bias
"""
import numbers

from tagraph.engine.ops import array_ops, joining_ops, matmul_ops, nn_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.layers.base import InputSpec, Layer, normalize_data_format, smart_cond
from tagraph.engine.variables.init_ops import zeros_initializer

__all__ = ["Dense", "dense", "Dropout", "dropout", "Flatten", "flatten"]


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``, kernel ``[in, units]``; an input of rank > 2 is multiplied
    along its last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        if self.units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive integer. Received: "
                             "units=%s" % units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        last = input_shape[-1] if input_shape.rank else None
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be defined. Found None. "
                             "Full input shape received: %s" % (input_shape,))
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.kernel = self.add_weight("kernel", [last, self.units], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.units], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def call(self, inputs):
        rank = inputs.shape.rank
        if rank is not None and rank > 2:
            # As TensorFlow's Dense: a tensordot over the last axis (ops under <name>/Tensordot).
            out = matmul_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            out.set_shape(inputs.shape.dims[:-1] + [self.units])
        else:
            out = matmul_ops.matmul(inputs, self.kernel)
        if self.use_bias:
            out = nn_ops.bias_add(out, self.bias)
        if self.activation is not None:
            out = self.activation(out)
        return out


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
          reuse=None):
    """A fully connected layer: ``activation(inputs @ kernel + bias)`` with variables
    ``<name>/kernel`` (``[in, units]``) and ``<name>/bias`` (``[units]``).

        y = tg.layers.dense(x, 10, activation=tg.nn.relu, name="fc")    # fc/kernel, fc/bias, fc/Relu
    """
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                  name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(Layer):
    """Dropout applied only when ``training`` is true: a Python bool, or a boolean tensor (then a ``cond``
    whose dropping branch runs only when it is true)."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError("Invalid value %s received for `rate`, expected a value between 0 and 1." % rate)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=False):
        if isinstance(self.rate, numbers.Real) and self.rate == 0:
            return array_ops.identity(inputs)

        def dropped():
            return nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)

        return smart_cond(training, dropped, lambda: array_ops.identity(inputs))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """``tg.nn.dropout`` when ``training``, the identity otherwise.

        h = tg.layers.dropout(h, 0.5, training=is_training)
    """
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)


class Flatten(Layer):
    """``inputs`` reshaped to ``[batch, -1]`` (channels moved last first for ``channels_first``)."""

    def __init__(self, data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.shape.rank
        if self.data_format == "channels_first" and rank and rank > 1:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, rank)) + [1])
        if rank == 1:
            return array_ops.expand_dims(inputs, 1)
        dims = inputs.shape.dims
        if dims is not None and None not in dims[1:]:
            n = 1
            for d in dims[1:]:
                n *= d
            return array_ops.reshape(inputs, constant([-1, n]))
        if dims is not None and dims[0] is not None:
            return array_ops.reshape(inputs, constant([dims[0], -1]))
        return array_ops.reshape(inputs, joining_ops.stack([array_ops.shape(inputs)[0], -1]))


def flatten(inputs, name=None, data_format="channels_last"):
    """``inputs`` reshaped to ``[batch, -1]``.

        flat = tg.layers.flatten(pool)      # [64, 7, 7, 64] -> [64, 3136]
    """
    return Flatten(name=name, data_format=data_format).apply(inputs)
