"""``tg.layers``: TensorFlow 1's functional layers, with its variable and op names.

    h = tg.layers.dense(x, 512, activation=tg.nn.relu)        # variables dense/kernel, dense/bias
    logits = tg.layers.dense(h, 10, name="logits")            # logits/kernel, logits/bias

A layer opens ``variable_scope(name, default_name=<layer>)``, so a second unnamed dense layer is
``dense_1``, and ``reuse=True`` with the same name shares the variables. The kernel's default initializer
is glorot_uniform (the variable scope's default), the bias's is zeros, as in TensorFlow.
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.ops import array_ops, joining_ops, math_ops, matmul_ops, nn_ops, slicing_ops
from tagraph.engine.variables.init_ops import zeros_initializer
from tagraph.engine.variables.variables import get_variable, variable_scope

__all__ = ["Layer", "Dense", "dense", "Dropout", "dropout", "Flatten", "flatten"]


class Layer:
    """A callable that creates its variables on first call, in its own variable scope."""

    _default_name = "layer"

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        self.trainable = trainable
        self.name = name
        self.dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._reuse = _reuse
        self._scope = None
        self.built = False
        self._variables = []

    @property
    def variables(self):
        return list(self._variables)

    @property
    def trainable_variables(self):
        return [v for v in self._variables if v.trainable]

    trainable_weights = trainable_variables
    weights = variables

    def _add_variable(self, name, shape, dtype, initializer, regularizer=None, trainable=True, constraint=None):
        v = get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                         trainable=trainable and self.trainable, constraint=constraint)
        if v not in self._variables:
            self._variables.append(v)
        return v

    def __call__(self, inputs, *args, **kwargs):
        scope_arg = self._scope if self._scope is not None else self.name
        with variable_scope(scope_arg, default_name=self._default_name, reuse=self._reuse) as scope:
            if self._scope is None:
                self._scope = scope
                self.name = scope.name
            x = inputs if isinstance(inputs, Tensor) else convert_to_tensor(inputs)
            if not self.built:
                self.build(x.shape)
                self.built = True
            out = self.call(x, *args, **kwargs)
        # Later calls share the variables, as a Keras-style layer object does.
        self._reuse = True
        return out

    def apply(self, inputs, *args, **kwargs):
        return self.__call__(inputs, *args, **kwargs)

    def build(self, input_shape):
        pass

    def call(self, inputs, *args, **kwargs):
        return inputs


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``."""

    _default_name = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        if input_shape.rank is None or input_shape[-1] is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        dtype = self.dtype or dtypes.float32
        self.kernel = self._add_variable("kernel", [input_shape[-1], self.units], dtype, self.kernel_initializer,
                                         self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self._add_variable("bias", [self.units], dtype, self.bias_initializer,
                                           self.bias_regularizer, constraint=self.bias_constraint)

    def call(self, inputs):
        if self.dtype is None:
            self.dtype = inputs.dtype.base_dtype
        rank = inputs.shape.rank
        if rank is not None and rank > 2:
            # TensorFlow's tensordot over the last axis: flatten, multiply, restore the outer dims.
            outer = inputs.shape.dims[:-1]
            flat = array_ops.reshape(inputs, [-1, inputs.shape[-1]])
            out = matmul_ops.matmul(flat, self.kernel)
            if None in outer:
                outer_shape = slicing_ops.strided_slice(array_ops.shape(inputs), [0], [-1])
                out_shape = joining_ops.concat([outer_shape, [self.units]], 0)
                out = array_ops.reshape(out, out_shape)
            else:
                out = array_ops.reshape(out, outer + [self.units])
            out.set_shape(outer + [self.units])
        else:
            out = matmul_ops.matmul(inputs, self.kernel)
        if self.use_bias:
            out = nn_ops.bias_add(out, self.bias)
        if self.activation is not None:
            out = self.activation(out)
        if self.activity_regularizer is not None:
            reg = self.activity_regularizer(out)
            if reg is not None:
                get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, reg)
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
                  name=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(Layer):
    """Dropout applied only when ``training`` is true (a Python bool or a boolean tensor)."""

    _default_name = "dropout"

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=False):
        if isinstance(training, Tensor):
            dropped = nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
            return math_ops.where(training, dropped, inputs) if inputs.shape.rank == 0 else \
                math_ops.where_v2(training, dropped, inputs)
        if not training:
            return array_ops.identity(inputs)
        return nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """``tg.nn.dropout`` when ``training``, the identity otherwise."""
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)


class Flatten(Layer):
    _default_name = "flatten"

    def call(self, inputs):
        dims = inputs.shape.dims
        if dims is not None and None not in dims[1:]:
            n = 1
            for d in dims[1:]:
                n *= d
            return array_ops.reshape(inputs, [-1, n])
        return array_ops.reshape(inputs, joining_ops.stack([array_ops.shape(inputs)[0], -1]))


def flatten(inputs, name=None):
    """``inputs`` reshaped to ``[batch, -1]``."""
    return Flatten(name=name).apply(inputs)
