"""The base of ``tg.keras.layers``: Keras's ``Layer`` as TensorFlow 1's graph mode runs it.

    class Scale(tg.keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", [int(input_shape[-1])], initializer="ones")

        def call(self, inputs):
            return inputs * self.w

    y = Scale()(x)            # variable scale/w:0, ops under scale/; a second call's ops under scale_1/

Unlike tf.layers (variable scopes, ``get_variable``), a Keras layer makes resource variables with
``Variable`` in the name scope of its first call, its ``name`` (``dense``, ``dense_1``, ... counted per graph
from 0); every call opens ``name_scope(name)``, uniquified by the graph. Its updates (batch normalisation's
moving averages) stay in ``layer.updates``, and weight penalties in ``layer.losses``: neither goes to a graph
collection. A ``call`` taking ``training`` gets the value passed to this call, else the one passed to the
layer or model calling it, else the phase ``backend.set_learning_phase`` fixed; layers that then still
have none (Dropout, BatchNormalization) use ``backend.learning_phase()``.

Calls on tensors that come from ``tg.keras.Input`` are recorded (the layer, its inputs, its outputs; see
history.py), so that ``tg.keras.Model(inputs, outputs)`` can call the same layers again on other tensors.
"""
import inspect
import itertools
import threading

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.layers import base as _tf_layers_base
from tagraph.engine.keras import backend, initializers, regularizers
from tagraph.engine.keras.history import keras_history, set_keras_history
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.variables.variables import Variable

__all__ = ["Layer", "InputSpec", "Node", "keras_history", "flatten", "map_structure", "split_shape_kwargs"]

InputSpec = _tf_layers_base.InputSpec

_NODE_IDS = itertools.count()
_CONTEXT = threading.local()                # the `training` values of the calls being made, outermost first
_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim", "input_length")


def _is_sequence(structure):
    # Plain lists and tuples only: a SparseTensor is a tuple underneath but one value here.
    return type(structure) in (list, tuple)


def flatten(structure):
    """The tensors of a tensor, list/tuple (nested) or dict of them, in order."""
    if _is_sequence(structure):
        return [t for s in structure for t in flatten(s)]
    if isinstance(structure, dict):
        return [t for k in sorted(structure) for t in flatten(structure[k])]
    return [structure]


def map_structure(fn, structure):
    if _is_sequence(structure):
        return type(structure)(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def split_shape_kwargs(kwargs):
    """Takes Keras's input-shape arguments (``input_shape``, ``batch_input_shape``, ...) out of ``kwargs``."""
    return {k: kwargs.pop(k) for k in _SHAPE_KWARGS if k in kwargs}


class Node:
    """One call of a layer on tensors from ``Input``: what it took (``inputs``, ``kwargs``) and gave."""

    def __init__(self, layer, inputs, kwargs, outputs):
        self.id = next(_NODE_IDS)
        self.layer = layer
        self.inputs = inputs
        self.kwargs = kwargs
        self.outputs = outputs


def _training_stack():
    stack = getattr(_CONTEXT, "stack", None)
    if stack is None:
        stack = _CONTEXT.stack = []
    return stack


class Layer(_tf_layers_base.Layer):
    """A Keras layer: makes its variables on its first call, in the name scope named after it."""

    _autocast = True

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        shape_kwargs = split_shape_kwargs(kwargs)
        _tf_layers_base.Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._keras_setup(shape_kwargs)

    @staticmethod
    def _unique_name(base):
        return backend.unique_object_name(base, zero_based=True)

    def _keras_setup(self, shape_kwargs):
        """What every Keras layer keeps beside tf.layers' state: its float type, the input shape it was
        declared with (``input_shape=``, ``batch_input_shape=``), its recorded calls."""
        if self.dtype is None:
            self.dtype = dtypes.as_dtype(backend.floatx())
        self._inbound_nodes = []
        self._weight_losses = []
        self._batch_input_shape = None
        if "batch_input_shape" in shape_kwargs:
            self._batch_input_shape = tuple(shape_kwargs["batch_input_shape"])
        elif "input_shape" in shape_kwargs or "input_dim" in shape_kwargs:
            shape = shape_kwargs.get("input_shape")
            if shape is None:
                shape = (shape_kwargs["input_dim"],) if "input_length" not in shape_kwargs else \
                    (shape_kwargs["input_length"],)
            self._batch_input_shape = (shape_kwargs.get("batch_size"),) + tuple(shape)
        elif "input_length" in shape_kwargs and shape_kwargs["input_length"] is not None:
            self._batch_input_shape = (None, shape_kwargs["input_length"])

    # --- weights -------------------------------------------------------------------------------------

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self):
        return self.weights

    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, **kwargs):
        """A resource variable ``<name scope>/<name>``, initialised by ``initializer`` (a name, a config or an
        initializer; glorot_uniform for floats and zeros otherwise when None)."""
        unknown = set(kwargs) - {"partitioner", "use_resource", "synchronization", "aggregation",
                                 "experimental_autocast", "caching_device", "getter"}
        if unknown:
            raise TypeError("Unknown keyword argument: %s" % ", ".join(sorted(unknown)))
        dtype = dtypes.as_dtype(dtype) if dtype is not None else (self.dtype or dtypes.float32)
        shape = TensorShape(shape if shape is not None else ())
        initializer = initializers.get(initializer)
        if initializer is None:
            if dtype.is_floating:
                initializer = initializers.glorot_uniform()
            elif dtype.is_integer or dtype.is_unsigned or dtype.is_bool:
                initializer = initializers.zeros()
            else:
                raise ValueError("An initializer for variable %s of type %s is required for layer %s. Received: "
                                 "None." % (name, dtype.name, self.name))
        trainable = True if trainable is None else bool(trainable)
        v = Variable(initial_value=lambda: initializer(shape.as_list(), dtype=dtype), name=name,
                     trainable=trainable, dtype=dtype, use_resource=True, shape=shape,
                     constraint=constraint)
        backend.track_variable(v)
        self._variables.append(v)
        self._trainable_flags[id(v)] = trainable
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            with get_default_graph().name_scope(name + "/Regularizer"):
                loss = regularizer(v)
            if loss is not None:
                self._weight_losses.append(loss)
        return v

    @property
    def losses(self):
        """The losses ``add_loss`` and the activity regularizer added, then the weights' penalties (Keras's
        order)."""
        return list(self._losses) + list(self._weight_losses)

    def add_loss(self, losses, inputs=None):
        """Records losses of this layer (``layer.losses``); Keras puts them in no collection."""
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            self._losses.append(loss() if callable(loss) else loss)

    def add_update(self, updates, inputs=None):
        """Records update ops for a training step to run (``layer.updates``)."""
        for u in updates if isinstance(updates, (list, tuple)) else [updates]:
            u = getattr(u, "op", u)
            if all(u is not w for w in self._updates):
                self._updates.append(u)

    # --- calling ---------------------------------------------------------------------------------------

    def _expects(self, argument):
        try:
            return argument in inspect.signature(self.call).parameters
        except (TypeError, ValueError):
            return False

    def _resolve_training(self, kwargs):
        training = kwargs.get("training")
        if training is None:
            stack = _training_stack()
            outer = next((t for t in reversed(stack) if t is not None), None)
            if outer is not None:
                training = outer
            elif backend.global_learning_phase_is_set():
                training = backend.learning_phase()
        if self._expects("training"):
            if training is not None:
                kwargs["training"] = (math_ops.cast(training, dtypes.bool) if isinstance(training, Tensor)
                                      else bool(training))
        else:
            kwargs.pop("training", None)
        return training

    def _convert_inputs(self, inputs):
        def convert(x):
            if isinstance(x, Tensor) or x is None or not _is_array_like(x):
                return x
            return convert_to_tensor(x)
        return map_structure(convert, inputs)

    def _cast_inputs(self, inputs):
        if not self._autocast or not self.dtype.is_floating:
            return inputs

        def cast(x):
            if isinstance(x, Tensor) and x.dtype.base_dtype.is_floating and x.dtype.base_dtype != self.dtype:
                return math_ops.cast(x, self.dtype)
            return x
        return map_structure(cast, inputs)

    def __call__(self, inputs, *args, **kwargs):
        inputs = self._convert_inputs(inputs)
        recorded_kwargs = dict(kwargs)
        training = self._resolve_training(kwargs)
        flat = flatten(inputs)
        from_input = bool(flat) and all(keras_history(t) is not None for t in flat)
        graph = get_default_graph()
        with graph.name_scope(self.name):
            if isinstance(inputs, Tensor):
                _tf_layers_base.check_input(self.input_spec, inputs, self.name)
            if not self.built:
                self.build(map_structure(lambda t: t.shape if isinstance(t, Tensor) else None, inputs))
                self.built = True
            stack = _training_stack()
            stack.append(training)
            try:
                outputs = self.call(self._cast_inputs(inputs), *args, **kwargs)
            finally:
                stack.pop()
            if outputs is None:
                raise ValueError("A layer's `call` method should return a Tensor or a list of Tensors, not None "
                                 "(layer: %s)." % self.name)
            if self.activity_regularizer is not None:
                with graph.name_scope("ActivityRegularizer"):
                    for out in flatten(outputs):
                        # As Keras: the penalty per example, so that its strength does not grow with the batch.
                        loss = convert_to_tensor(self.activity_regularizer(out))
                        batch = math_ops.cast(array_ops.shape(out)[0], loss.dtype.base_dtype)
                        self._losses.append(loss / batch)
        if from_input:
            self._record(inputs, recorded_kwargs, outputs)
        return outputs

    def _record(self, inputs, kwargs, outputs):
        node = Node(self, inputs, kwargs, flatten(outputs))
        self._inbound_nodes.append(node)
        for i, t in enumerate(node.outputs):
            set_keras_history(t, self, len(self._inbound_nodes) - 1, i)

    @property
    def input(self):
        """The input of the layer's first recorded call (on tensors from ``Input``)."""
        return self._first_node("input").inputs

    @property
    def output(self):
        """The output of the layer's first recorded call (a list when it gave several)."""
        outputs = self._first_node("output").outputs
        return outputs[0] if len(outputs) == 1 else list(outputs)

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError("Layer %s has no inbound nodes." % self.name)
        node = self._inbound_nodes[0]
        if what == "input" and not flatten(node.inputs):
            return Node(self, node.outputs[0], {}, node.outputs)     # an InputLayer's input is its tensor
        return node

    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError("You tried to call `count_params` on layer %s, but the layer isn't built. You can "
                             "build it manually via: `%s.build(batch_input_shape)`." % (self.name, self.name))
        total = 0
        for w in self.weights:
            n = 1
            for d in w.shape.as_list():
                n *= d
            total += n
        return total

    def get_weights(self):
        """The weights' values, read in ``backend.get_session()``."""
        return backend.get_session().run(self.weights)

    def set_weights(self, weights):
        """Assigns ``weights`` (numpy arrays, in ``layer.weights``'s order) in ``backend.get_session()``."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError("You called `set_weights(weights)` on layer \"%s\" with a weight list of length %d, "
                             "but the layer was expecting %d weights." % (self.name, len(weights), len(params)))
        session = backend.get_session()
        for v, value in zip(params, weights):
            v.load(value, session)


def _is_array_like(x):
    return not isinstance(x, (str, bytes)) and (hasattr(x, "__array__") or isinstance(x, (int, float)))
