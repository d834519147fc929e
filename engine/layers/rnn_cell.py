"""``tg.nn.rnn_cell``: TensorFlow 1's recurrent cells, as ``tf.layers`` layers with its variable names, so that
checkpoints move between TensorFlow and tagraph both ways.

    cell = tg.nn.rnn_cell.LSTMCell(256)                      # rnn/lstm_cell/kernel, rnn/lstm_cell/bias
    outputs, state = tg.nn.dynamic_rnn(cell, x, dtype=tg.float32)
    stacked = tg.nn.rnn_cell.MultiRNNCell([tg.nn.rnn_cell.GRUCell(64) for _ in range(2)])
    # rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel, .../cell_1/gru_cell/candidate/bias, ...

A cell is called as ``output, new_state = cell(inputs, state)``; ``state_size`` and ``output_size`` give the
structure (an int, or a tuple such as ``LSTMStateTuple(c, h)``) of its state and output. Cells build the ops
TensorFlow 1's do (one MatMul of ``concat([inputs, h])`` by the kernel, a BiasAdd, a Split into the gates), so
a graph either side writes runs on the other. Wrappers (``DropoutWrapper``, ``ResidualWrapper``,
``DeviceWrapper``) open no variable scope of their own: the wrapped cell's variables keep their names.
"""
import collections
import hashlib
import numbers

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.layers.base import InputSpec, Layer
from tagraph.engine.ops import array_ops, clip_ops, joining_ops, math_ops, nn_ops, random_ops, slicing_ops
from tagraph.engine.ops.matmul_ops import matmul
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import _flatten, _pack_as
from tagraph.engine.ops.tensor_array_ops import TensorArray
from tagraph.engine.variables.init_ops import constant_initializer, zeros_initializer
from tagraph.engine.variables.partitioned_variables import fixed_size_partitioner
from tagraph.engine.variables.variables import get_variable_scope, variable_scope

__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell", "LSTMStateTuple",
           "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper"]

_BIAS_VARIABLE_NAME = "bias"
_WEIGHTS_VARIABLE_NAME = "kernel"

_ACTIVATIONS = {"tanh": math_ops.tanh, "sigmoid": math_ops.sigmoid, "relu": nn_ops.relu, "relu6": nn_ops.relu6,
                "elu": nn_ops.elu, "selu": nn_ops.selu, "softplus": nn_ops.softplus, "linear": lambda x: x}


def _activation(activation):
    if activation is None or activation == "":
        return math_ops.tanh
    if callable(activation):
        return activation
    try:
        return _ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError("Unknown activation function: %r. Known: %s" % (activation, ", ".join(sorted(_ACTIVATIONS))))


def assert_like_rnncell(cell_name, cell):
    """Raises TensorFlow's TypeError unless ``cell`` has what an RNN needs of a cell."""
    conditions = [hasattr(cell, "output_size"), hasattr(cell, "state_size"),
                  hasattr(cell, "get_initial_state") or hasattr(cell, "zero_state"), callable(cell)]
    problems = ["'output_size' property is missing", "'state_size' property is missing",
                "either 'zero_state' or 'get_initial_state' method is required", "is not callable"]
    if not all(conditions):
        raise TypeError("The argument %r (%s) is not an RNNCell: %s." % (
            cell_name, cell, ", ".join(p for p, c in zip(problems, conditions) if not c)))


def size_dims(size):
    """A cell's size (an int, a list of ints or a TensorShape) as a list of dimensions (TensorFlow's
    ``TensorShape(size)``)."""
    return as_shape([size] if isinstance(size, numbers.Integral) else size).as_list()


def concat_shape(prefix, suffix, static=False):
    """``prefix`` + ``suffix`` (each an int, a list of them, a TensorShape, or a scalar or vector tensor) as an
    int32 shape tensor, or with ``static`` as a list (None where unknown; None when the rank is unknown)."""
    def part(x, what):
        if isinstance(x, Tensor):
            value = constant_value(x)
            if x.shape.rank == 0:
                return array_ops.expand_dims(x, 0), None if value is None else [int(value)]
            if x.shape.rank != 1:
                raise ValueError("%s tensor must be either a scalar or vector, but received tensor: %s" % (what, x))
            return x, None if value is None else [int(v) for v in value]
        shape = as_shape([x] if isinstance(x, numbers.Integral) else x)
        tensor = constant(shape.as_list(), dtype=dtypes.int32) if shape.is_fully_defined() else None
        return tensor, shape.as_list() if shape.rank is not None else None
    if static:
        p_static, s_static = part(prefix, "Prefix")[1], part(suffix, "suffix")[1]
        return None if p_static is None or s_static is None else p_static + s_static
    p, s = part(prefix, "Prefix")[0], part(suffix, "suffix")[0]
    if p is None or s is None:
        raise ValueError("Prefix or suffix can't be None. Received prefix = %s and suffix = %s" % (prefix, suffix))
    return joining_ops.concat((p, s), 0)


def _zero_state_tensors(state_size, batch_size, dtype):
    def zeros(s):
        z = array_ops.zeros(concat_shape(batch_size, s), dtype=dtype)
        static = concat_shape(batch_size, s, static=True)
        if static is not None:
            z.set_shape(TensorShape(static))
        return z
    flat = [zeros(s) for s in _flatten(state_size)]
    return _pack_as(state_size, flat) if isinstance(state_size, (list, tuple, dict)) else flat[0]


def _check_supported_dtypes(dtype):
    if dtype is None:
        return
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_complex):
        raise ValueError("RNN cell only supports floating point inputs, but received dtype: %s" % dtype)


def _check_rnn_cell_input_dtypes(inputs):
    for t in _flatten(inputs):
        _check_supported_dtypes(t.dtype)


_LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))


class LSTMStateTuple(_LSTMStateTuple):
    """An LSTM's state: the cell state ``c`` and the output ``h``, a namedtuple of two tensors (or sizes)."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError("Inconsistent dtypes for internal state: %s vs %s" % (c.dtype, h.dtype))
        return c.dtype


class RNNCell(Layer):
    """The base of the cells: ``call(inputs, state)`` returns ``(output, new_state)``; ``state_size``,
    ``output_size`` and ``zero_state(batch_size, dtype)`` describe the state.

    A cell called without ``scope`` makes its variables under the variable scope of its first call.
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._is_tf_rnn_cell = True
        self._rnncell_scope = None

    def __call__(self, inputs, state, scope=None):
        if scope is not None:
            with variable_scope(scope) as captured:
                return Layer.__call__(self, inputs, state, scope=captured)
        if self._rnncell_scope is None:
            self._rnncell_scope = get_variable_scope()
        captured = self._rnncell_scope
        # TensorFlow's variable_scope(scope object) opens a new name scope named as the scope's last part.
        with variable_scope(captured, auxiliary_name_scope=False), \
                get_default_graph().name_scope(captured.name.split("/")[-1] or None):
            return Layer.__call__(self, inputs, state)

    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    def build(self, _):
        pass

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs, name="inputs")
            if batch_size is not None:
                static = constant_value(batch_size) if isinstance(batch_size, Tensor) else batch_size
                if inputs.shape.dims[0] != static:
                    raise ValueError("batch size from input tensor is different from the input param. Input tensor "
                                     "batch: %s, batch_size: %s" % (inputs.shape.dims[0], batch_size))
            if dtype is not None and inputs.dtype.base_dtype != dtypes.as_dtype(dtype):
                raise ValueError("dtype from input tensor is different from the input param. Input tensor dtype: "
                                 "%s, dtype: %s" % (inputs.dtype, dtype))
            batch_size = inputs.shape.dims[0] or array_ops.shape(inputs)[0]
            dtype = inputs.dtype.base_dtype
        if batch_size is None or dtype is None:
            raise ValueError("batch_size and dtype cannot be None while constructing initial state: batch_size=%s, "
                             "dtype=%s" % (batch_size, dtype))
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zeros of ``[batch_size, s]`` for each ``s`` of ``state_size`` (in its structure)."""
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return _zero_state_tensors(self.state_size, batch_size, dtypes.as_dtype(dtype))


class LayerRNNCell(RNNCell):
    """A cell whose variables are made in ``build`` (with ``add_weight``) in its own variable scope."""

    def __call__(self, inputs, state, scope=None, *args, **kwargs):
        return Layer.__call__(self, inputs, state, *args, scope=scope, **kwargs)


def _input_depth(inputs_shape):
    shape = TensorShape(inputs_shape)
    if shape.rank is None or shape[-1] is None:
        raise ValueError("Expected inputs.shape[-1] to be known, received shape: %s" % shape)
    return int(shape[-1])


class BasicRNNCell(LayerRNNCell):
    """``h' = activation(W [x, h] + b)``; variables ``kernel`` ``[depth + units, units]`` and ``bias``.

        cell = tg.nn.rnn_cell.BasicRNNCell(32)
    """

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._activation = _activation(activation)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        _check_supported_dtypes(self.dtype)
        self._kernel = self.add_weight(_WEIGHTS_VARIABLE_NAME, shape=[depth + self._num_units, self._num_units])
        self._bias = self.add_weight(_BIAS_VARIABLE_NAME, shape=[self._num_units],
                                     initializer=zeros_initializer(dtype=self.dtype))
        self.built = True

    def call(self, inputs, state):
        _check_rnn_cell_input_dtypes([inputs, state])
        gate_inputs = matmul(joining_ops.concat([inputs, state], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        output = self._activation(gate_inputs)
        return output, output


class GRUCell(LayerRNNCell):
    """A gated recurrent unit (Cho et al. 2014): variables ``gates/kernel``, ``gates/bias`` (initialised to 1),
    ``candidate/kernel`` and ``candidate/bias``.

        cell = tg.nn.rnn_cell.GRUCell(64)
    """

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._activation = _activation(activation)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        _check_supported_dtypes(self.dtype)
        n = self._num_units
        self._gate_kernel = self.add_weight("gates/%s" % _WEIGHTS_VARIABLE_NAME, shape=[depth + n, 2 * n],
                                            initializer=self._kernel_initializer)
        self._gate_bias = self.add_weight(
            "gates/%s" % _BIAS_VARIABLE_NAME, shape=[2 * n],
            initializer=self._bias_initializer if self._bias_initializer is not None
            else constant_initializer(1.0, dtype=self.dtype))
        self._candidate_kernel = self.add_weight("candidate/%s" % _WEIGHTS_VARIABLE_NAME, shape=[depth + n, n],
                                                 initializer=self._kernel_initializer)
        self._candidate_bias = self.add_weight(
            "candidate/%s" % _BIAS_VARIABLE_NAME, shape=[n],
            initializer=self._bias_initializer if self._bias_initializer is not None
            else zeros_initializer(dtype=self.dtype))
        self.built = True

    def call(self, inputs, state):
        _check_rnn_cell_input_dtypes([inputs, state])
        gate_inputs = matmul(joining_ops.concat([inputs, state], 1), self._gate_kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._gate_bias)
        value = math_ops.sigmoid(gate_inputs)
        r, u = joining_ops.split(value=value, num_or_size_splits=2, axis=1)
        r_state = r * state
        candidate = matmul(joining_ops.concat([inputs, r_state], 1), self._candidate_kernel)
        candidate = nn_ops.bias_add(candidate, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class BasicLSTMCell(LayerRNNCell):
    """The basic LSTM (no peepholes, no projection, no clipping): variables ``kernel``
    ``[depth + units, 4 * units]`` (gates i, j, f, o) and ``bias``; ``forget_bias`` is added to f.

        cell = tg.nn.rnn_cell.BasicLSTMCell(128)                 # state: LSTMStateTuple(c, h)
    """

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        _check_supported_dtypes(self.dtype)
        n = self._num_units
        self._kernel = self.add_weight(_WEIGHTS_VARIABLE_NAME, shape=[depth + n, 4 * n])
        self._bias = self.add_weight(_BIAS_VARIABLE_NAME, shape=[4 * n],
                                     initializer=zeros_initializer(dtype=self.dtype))
        self.built = True

    def call(self, inputs, state):
        _check_rnn_cell_input_dtypes([inputs, state])
        one = constant(1, dtype=dtypes.int32)
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = joining_ops.split(value=state, num_or_size_splits=2, axis=one)
        gate_inputs = matmul(joining_ops.concat([inputs, h], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        i, j, f, o = joining_ops.split(value=gate_inputs, num_or_size_splits=4, axis=one)
        forget_bias_tensor = constant(self._forget_bias, dtype=f.dtype.base_dtype)
        sigmoid = math_ops.sigmoid
        new_c = math_ops.add(math_ops.multiply(c, sigmoid(math_ops.add(f, forget_bias_tensor))),
                             math_ops.multiply(sigmoid(i), self._activation(j)))
        new_h = math_ops.multiply(self._activation(new_c), sigmoid(o))
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else joining_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(LayerRNNCell):
    """The LSTM of Hochreiter & Schmidhuber with TensorFlow 1's options: peepholes (``w_f_diag``, ``w_i_diag``,
    ``w_o_diag``), cell clipping, a projection of the output (``projection/kernel``) and its clipping, and
    kernels partitioned in ``num_unit_shards`` (``num_proj_shards``).

        cell = tg.nn.rnn_cell.LSTMCell(256, use_peepholes=True, num_proj=128)
    """

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        _check_supported_dtypes(self.dtype)
        self.input_spec = InputSpec(ndim=2)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._num_unit_shards = num_unit_shards
        self._num_proj_shards = num_proj_shards
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)
        if num_proj:
            self._state_size = LSTMStateTuple(num_units, num_proj) if state_is_tuple else num_units + num_proj
            self._output_size = num_proj
        else:
            self._state_size = LSTMStateTuple(num_units, num_units) if state_is_tuple else 2 * num_units
            self._output_size = num_units

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._output_size

    def _weight(self, name, shape, initializer, shards=None):
        if shards is None:
            return self.add_weight(name, shape=shape, initializer=initializer)
        with variable_scope(get_variable_scope(), partitioner=fixed_size_partitioner(shards),
                            auxiliary_name_scope=False):
            return self.add_weight(name, shape=shape, initializer=initializer)

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape)
        _check_supported_dtypes(self.dtype)
        n = self._num_units
        h_depth = n if self._num_proj is None else self._num_proj
        self._kernel = self._weight(_WEIGHTS_VARIABLE_NAME, [depth + h_depth, 4 * n], self._initializer,
                                    self._num_unit_shards)
        self._bias = self.add_weight(_BIAS_VARIABLE_NAME, shape=[4 * n],
                                     initializer=zeros_initializer(dtype=self.dtype))
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", shape=[n], initializer=self._initializer)
            self._w_i_diag = self.add_weight("w_i_diag", shape=[n], initializer=self._initializer)
            self._w_o_diag = self.add_weight("w_o_diag", shape=[n], initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self._weight("projection/%s" % _WEIGHTS_VARIABLE_NAME, [n, self._num_proj],
                                             self._initializer, self._num_proj_shards)
        self.built = True

    def call(self, inputs, state):
        _check_rnn_cell_input_dtypes([inputs, state])
        num_proj = self._num_units if self._num_proj is None else self._num_proj
        sigmoid = math_ops.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = slicing_ops.slice(state, [0, 0], [-1, self._num_units])
            m_prev = slicing_ops.slice(state, [0, self._num_units], [-1, num_proj])
        if inputs.shape.with_rank(2)[1] is None:
            raise ValueError("Could not infer input size from inputs.get_shape()[-1].Received input shape: %s"
                             % inputs.shape)
        lstm_matrix = matmul(joining_ops.concat([inputs, m_prev], 1), self._kernel)
        lstm_matrix = nn_ops.bias_add(lstm_matrix, self._bias)
        i, j, f, o = joining_ops.split(value=lstm_matrix, num_or_size_splits=4, axis=1)
        if self._use_peepholes:
            c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev +
                 sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = clip_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else joining_ops.concat([c, m], 1)
        return m, new_state


class _RNNCellWrapper(RNNCell):
    """A cell around another: it opens no variable scope, the wrapped cell's variables keep their names."""

    def __init__(self, cell, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert_like_rnncell("cell", cell)
        self.cell = cell

    @property
    def wrapped_cell(self):
        return self.cell

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        return self.cell.output_size

    @property
    def variables(self):
        return self.cell.variables if isinstance(self.cell, Layer) else []

    weights = variables

    @property
    def trainable_variables(self):
        return self.cell.trainable_variables if isinstance(self.cell, Layer) and self.trainable else []

    trainable_weights = trainable_variables

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self._call_wrapped_cell(inputs, state, cell_call_fn=self.cell.__call__, scope=scope)

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        raise NotImplementedError


def _map_up_to(shallow, fn, *structures):
    """``fn(index, *leaves)`` over the leaves of ``shallow`` (each a bool or a sub-structure, flattened by it),
    the results in ``shallow``'s structure."""
    counter = [0]

    def walk(s, *vals):
        if isinstance(s, (list, tuple)) and not isinstance(s, bool):
            out = [walk(x, *[v[k] for v in vals]) for k, x in enumerate(s)]
            return type(s)(*out) if hasattr(s, "_fields") else type(s)(out)
        r = fn(counter[0], s, *vals)
        counter[0] += 1
        return r
    return walk(shallow, *structures)


def _default_dropout_state_filter(substate):
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    if isinstance(substate, TensorArray):
        return False
    return True


def _shallow_filter(filter_fn, structure):
    """TensorFlow's get_traverse_shallow_structure: per element, ``filter_fn``'s bool or structure of bools."""
    result = filter_fn(structure)
    if isinstance(result, bool):
        if result and isinstance(structure, (list, tuple)):
            items = [_shallow_filter(filter_fn, s) for s in structure]
            return type(structure)(*items) if hasattr(structure, "_fields") else type(structure)(items)
        return result
    return result


class DropoutWrapper(_RNNCellWrapper):
    """Dropout on a cell's inputs, outputs and (by default the ``h`` of LSTM) states, each kept with its
    probability; ``variational_recurrent`` draws one mask per sequence (``input_size`` and ``dtype`` then
    needed), else a new mask at every step.

        cell = tg.nn.rnn_cell.DropoutWrapper(tg.nn.rnn_cell.LSTMCell(64), output_keep_prob=0.8)
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None, **kwargs):
        super().__init__(cell, dtype=dtype, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable. Received: %s"
                            % (dropout_state_filter_visitor,))
        self._dropout_state_filter = dropout_state_filter_visitor or _default_dropout_state_filter
        with get_default_graph().name_scope("DropoutWrapperInit"):
            for prob, attr in ((input_keep_prob, "input_keep_prob"), (state_keep_prob, "state_keep_prob"),
                               (output_keep_prob, "output_keep_prob")):
                tensor_prob = convert_to_tensor(prob)
                const_prob = constant_value(tensor_prob)
                if const_prob is not None:
                    if const_prob < 0 or const_prob > 1:
                        raise ValueError("Parameter %s must be between 0 and 1. Received %s" % (attr, const_prob))
                    setattr(self, "_%s" % attr, float(const_prob))
                else:
                    setattr(self, "_%s" % attr, tensor_prob)
        self._variational_recurrent = variational_recurrent
        self._input_size = input_size
        self._seed = seed
        self._recurrent_input_noise = self._recurrent_state_noise = self._recurrent_output_noise = None
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")

            def batch_noise(s, inner_seed):
                shape = joining_ops.concat(([1], size_dims(s)), 0)
                return random_ops.random_uniform(shape, seed=inner_seed, dtype=dtype)

            if not isinstance(self._input_keep_prob, numbers.Real) or self._input_keep_prob < 1.0:
                if input_size is None:
                    raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, "
                                     "input_size must be provided")
                self._recurrent_input_noise = _map_up_to(
                    input_size, lambda i, s: batch_noise(s, self._gen_seed("input", i)))
            self._recurrent_state_noise = _map_up_to(
                cell.state_size, lambda i, s: batch_noise(s, self._gen_seed("state", i)))
            self._recurrent_output_noise = _map_up_to(
                cell.output_size, lambda i, s: batch_noise(s, self._gen_seed("output", i)))

    def _gen_seed(self, salt_prefix, index):
        if self._seed is None:
            return None
        data = (str(self._seed) + "%s_%d" % (salt_prefix, index)).encode("utf-8")
        return int(hashlib.md5(data).hexdigest()[:8], 16) & 0x7FFFFFFF

    def build(self, inputs_shape):
        self.cell.build(inputs_shape)
        self.built = True

    def _dropout(self, values, salt_prefix, recurrent_noise, keep_prob, shallow=None):
        if shallow is None:
            shallow = values if isinstance(values, (list, tuple)) else True

        def apply(i, do_dropout, v, *noise):
            if isinstance(do_dropout, bool) and not do_dropout:
                return v
            if not self._variational_recurrent:
                return nn_ops.dropout(v, rate=1. - keep_prob if isinstance(keep_prob, float)
                                      else math_ops.subtract(1.0, keep_prob), seed=self._gen_seed(salt_prefix, i))
            random_tensor = keep_prob + noise[0]
            binary_tensor = math_ops.floor(random_tensor)
            ret = math_ops.divide(v, keep_prob) * binary_tensor
            ret.set_shape(v.shape)
            return ret

        if not isinstance(shallow, (list, tuple)):
            return apply(0, shallow, values, *([recurrent_noise] if self._variational_recurrent else []))
        extra = [recurrent_noise] if self._variational_recurrent else []
        return _map_up_to(shallow, apply, values, *extra)

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        def should_dropout(p):
            return not isinstance(p, float) or p < 1

        if should_dropout(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._recurrent_input_noise, self._input_keep_prob)
        output, new_state = cell_call_fn(inputs, state, **kwargs)
        if should_dropout(self._state_keep_prob):
            shallow = _shallow_filter(self._dropout_state_filter, new_state)
            new_state = self._dropout(new_state, "state", self._recurrent_state_noise, self._state_keep_prob,
                                      shallow)
        if should_dropout(self._output_keep_prob):
            output = self._dropout(output, "output", self._recurrent_output_noise, self._output_keep_prob)
        return output, new_state


class ResidualWrapper(_RNNCellWrapper):
    """The cell's output plus its input (or ``residual_fn(inputs, outputs)``).

        cell = tg.nn.rnn_cell.ResidualWrapper(tg.nn.rnn_cell.GRUCell(32))    # inputs of depth 32
    """

    def __init__(self, cell, residual_fn=None, **kwargs):
        super().__init__(cell, **kwargs)
        self._residual_fn = residual_fn

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        outputs, new_state = cell_call_fn(inputs, state, **kwargs)

        def default_residual_fn(inputs, outputs):
            flat_in, flat_out = _flatten(inputs), _flatten(outputs)
            if len(flat_in) != len(flat_out):
                raise ValueError("The two structures don't have the same number of elements: %s and %s"
                                 % (inputs, outputs))
            for i, o in zip(flat_in, flat_out):
                if not i.shape.is_compatible_with(o.shape):
                    raise ValueError("Shapes %s and %s are incompatible" % (i.shape, o.shape))
            summed = [i + o for i, o in zip(flat_in, flat_out)]
            return _pack_as(inputs, summed) if isinstance(inputs, (list, tuple)) else summed[0]

        return (self._residual_fn or default_residual_fn)(inputs, outputs), new_state


class DeviceWrapper(_RNNCellWrapper):
    """The cell's ops (and its zero state) on ``device``.

        cell = tg.nn.rnn_cell.DeviceWrapper(tg.nn.rnn_cell.LSTMCell(64), "/gpu:0")
    """

    def __init__(self, cell, device, **kwargs):
        super().__init__(cell, **kwargs)
        self._device = device

    def zero_state(self, batch_size, dtype):
        g = get_default_graph()
        with g.name_scope(type(self).__name__ + "ZeroState"), g.device(self._device):
            return self.cell.zero_state(batch_size, dtype)

    def _call_wrapped_cell(self, inputs, state, cell_call_fn, **kwargs):
        with get_default_graph().device(self._device):
            return cell_call_fn(inputs, state, **kwargs)


class MultiRNNCell(RNNCell):
    """Cells stacked: each one's output is the next one's input; the state is the tuple of their states
    (variables under ``cell_0``, ``cell_1``, ...).

        cell = tg.nn.rnn_cell.MultiRNNCell([tg.nn.rnn_cell.LSTMCell(64), tg.nn.rnn_cell.LSTMCell(64)])
    """

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError("cells must be a list or tuple, but received: %s." % (cells,))
        self._cells = cells
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(isinstance(c.state_size, (list, tuple)) for c in cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple is not set. State "
                             "sizes are: %s" % [c.state_size for c in cells])

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return _zero_state_tensors(self.state_size, batch_size, dtypes.as_dtype(dtype))

    @property
    def variables(self):
        out = []
        for cell in self._cells:
            for v in (cell.variables if isinstance(cell, Layer) else []):
                if all(v is not w for w in out):
                    out.append(v)
        return out

    weights = variables

    @property
    def trainable_variables(self):
        if not self.trainable:
            return []
        out = []
        for cell in self._cells:
            for v in (cell.trainable_variables if isinstance(cell, Layer) else []):
                if all(v is not w for w in out):
                    out.append(v)
        return out

    trainable_weights = trainable_variables

    def call(self, inputs, state):
        cur_state_pos = 0
        cur_inp = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with variable_scope("cell_%d" % i):
                if self._state_is_tuple:
                    if not isinstance(state, (list, tuple)):
                        raise ValueError("Expected state to be a tuple of length %d, but received: %s"
                                         % (len(self.state_size), state))
                    cur_state = state[i]
                else:
                    cur_state = slicing_ops.slice(state, [0, cur_state_pos], [-1, cell.state_size])
                    cur_state_pos += cell.state_size
                cur_inp, new_state = cell(cur_inp, cur_state)
                new_states.append(new_state)
        new_states = tuple(new_states) if self._state_is_tuple else joining_ops.concat(new_states, 1)
        return cur_inp, new_states
