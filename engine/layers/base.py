"""The base of ``tg.layers``: TensorFlow 1's ``tf.layers.Layer`` with its variable scoping, and ``InputSpec``.

    class Scale(tg.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", [int(input_shape[-1])], initializer=tg.ones_initializer())

        def call(self, inputs):
            return inputs * self.w

    y = Scale()(x)                  # variable scale/w, ops under scale/

A layer lives in a variable scope opened on its first call: its ``name``, or ``default_name`` = the snake
case of its class (``conv2d``, ``conv2d_1``, ... uniquified per graph as variable scopes are). Variables are
made with ``get_variable`` in that scope, so ``reuse=True`` with the same name shares them; a layer object
called again reuses its own. Updates a call makes (batch normalisation's moving averages) go to
``GraphKeys.UPDATE_OPS``; weight regularizers' losses to ``GraphKeys.REGULARIZATION_LOSSES``.
"""
import re
import weakref

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import GraphKeys, Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import control_flow_ops
from tagraph.engine.variables.variables import get_variable, variable_scope

__all__ = ["InputSpec", "Layer", "layer_name_uid", "reset_layer_name_uids", "to_snake_case", "normalize_tuple", "normalize_padding", "normalize_data_format",
           "smart_cond", "constant_bool"]


def to_snake_case(name):
    """``Conv2DTranspose`` -> ``conv2d_transpose``, as Keras names a layer from its class."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def normalize_tuple(value, n, name):
    """An int or an iterable of ``n`` ints as a tuple of ``n`` ints."""
    if isinstance(value, int):
        return (value,) * n
    try:
        value = tuple(value)
    except TypeError:
        raise ValueError("The `%s` argument must be a tuple of %d integers. Received: %s" % (name, n, value)) from None
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError("The `%s` argument must be a tuple of %d integers. Received: %s" % (name, n, value))
    return value


def normalize_padding(value, allowed=("valid", "same")):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError("The `padding` argument must be a list/tuple or one of %s. Received: %s"
                         % (", ".join('"%s"' % a for a in allowed), value))
    return padding


def normalize_data_format(value):
    data_format = "channels_last" if value is None else value.lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". Received: %s'
                         % value)
    return data_format


class InputSpec:
    """What a layer accepts: ``ndim``, ``min_ndim``, ``max_ndim``, ``dtype`` and fixed sizes of ``axes``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtypes.as_dtype(dtype).name if dtype is not None else None
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        spec = ["%s=%s" % (k, v) for k, v in (("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
                                                ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
                                                ("axes", self.axes or None)) if v is not None]
        return "InputSpec(%s)" % ", ".join(spec)


def _shape_tuple(shape):
    return tuple(shape.as_list()) if shape.rank is not None else None


def check_input(spec, x, layer_name):
    """Raises TensorFlow's ValueError when ``x`` does not fit ``spec``."""
    if spec is None or x.shape.rank is None:
        return
    ndim = x.shape.rank
    head = 'Input 0 of layer "%s" is incompatible with the layer: ' % layer_name
    if spec.ndim is not None and ndim != spec.ndim:
        raise ValueError(head + "expected ndim=%d, found ndim=%d. Full shape received: %s"
                         % (spec.ndim, ndim, _shape_tuple(x.shape)))
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(head + "expected max_ndim=%d, found ndim=%d" % (spec.max_ndim, ndim))
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(head + "expected min_ndim=%d, found ndim=%d. Full shape received: %s"
                         % (spec.min_ndim, ndim, _shape_tuple(x.shape)))
    if spec.dtype is not None and x.dtype.base_dtype.name != spec.dtype:
        raise ValueError(head + "expected dtype=%s, found dtype=%s" % (spec.dtype, x.dtype.base_dtype.name))
    for axis, value in spec.axes.items():
        if value is None:
            continue
        dim = x.shape.dims[axis] if -ndim <= axis < ndim else None
        if dim is not None and dim != value:
            raise ValueError(head + "expected axis %d of input shape to have value %d, but received input with "
                             "shape %s" % (axis, value, _shape_tuple(x.shape)))


_NAME_COUNTS = weakref.WeakKeyDictionary()    # graph -> {base name: layers named so far}


def layer_name_uid(prefix):
    """1, 2, 3, ... per ``prefix`` in the default graph: the count tf.layers and Keras's layers share (Keras's
    ``backend.get_uid``), so that a Keras Dense made after a tf.layers dense is ``dense_1``."""
    counts = _NAME_COUNTS.setdefault(get_default_graph(), {})
    counts[prefix] = counts.get(prefix, 0) + 1
    return counts[prefix]


def reset_layer_name_uids(graph=None):
    """Forgets the layer name counts of ``graph`` (of every graph when None)."""
    if graph is None:
        _NAME_COUNTS.clear()
    else:
        _NAME_COUNTS.pop(graph, None)


def _unique_layer_name(base):
    # TensorFlow's tf.layers name an unnamed layer per graph apart from its variable scope, and from 1: the
    # first conv2d layer object is "conv2d_1" (its scope and variables "conv2d"), the next "conv2d_2".
    return "%s_%d" % (base, layer_name_uid(base))


class Layer:
    """A callable that creates its variables on first call, in its own variable scope."""

    def __init__(self, trainable=True, name=None, dtype=None, _scope=None, _reuse=None, **kwargs):
        unknown = set(kwargs) - {"activity_regularizer", "input_shape", "batch_input_shape", "batch_size"}
        if unknown:
            raise TypeError("Keyword argument not understood: %s" % ", ".join(sorted(unknown)))
        self.trainable = trainable
        self.dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else None
        self.activity_regularizer = kwargs.get("activity_regularizer")
        self._reuse = _reuse
        self.built = False
        self.input_spec = None
        self._variables = []
        self._trainable_flags = {}
        self._updates = []
        self._losses = []
        self._name_given = bool(name)
        base = to_snake_case(type(self).__name__)
        self.name = name if name else self._unique_name(base)
        self._base_name = name if name else base
        self._scope = None
        if _scope:
            with variable_scope(_scope) as captured:
                self._scope = captured

    @staticmethod
    def _unique_name(base):
        """The name of an unnamed layer of class ``base`` (snake case); Keras's layers count differently."""
        return _unique_layer_name(base)

    # --- what the layer holds ----------------------------------------------------------------------------

    @property
    def scope_name(self):
        if self._scope is None:
            raise ValueError('No name available for layer scope because the layer "%s" has not been used yet. The '
                             'scope name is determined the first time the layer instance is called. You must '
                             'therefore call the layer before querying `scope_name`.' % self.name)
        return self._scope.name

    @property
    def variables(self):
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self):
        return [v for v in self._variables if self.trainable and self._trainable_flags[id(v)]]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        return [v for v in self._variables if not (self.trainable and self._trainable_flags[id(v)])]

    non_trainable_weights = non_trainable_variables

    @property
    def updates(self):
        return list(self._updates)

    @property
    def losses(self):
        return list(self._losses)

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=True,
                   constraint=None):
        """A variable ``<scope>/<name>`` made (or, when reusing, found) with ``get_variable``."""
        dtype = dtypes.as_dtype(dtype) if dtype is not None else (self.dtype or dtypes.float32)
        existing = set(id(v) for v in get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES))
        before = len(get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES))
        v = get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                         trainable=trainable and self.trainable, constraint=constraint)
        if id(v) not in existing and regularizer is not None:
            self._losses.extend(get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES)[before:])
        if all(v is not w for w in self._variables):
            self._variables.append(v)
            self._trainable_flags[id(v)] = trainable
        return v

    def add_update(self, updates):
        """Records update ops (or tensors) that a training step should run; they go to UPDATE_OPS after the
        call."""
        for u in updates if isinstance(updates, (list, tuple)) else [updates]:
            if all(u is not w for w in self._updates):
                self._updates.append(u)

    def add_loss(self, losses):
        """Records losses of this layer; they also go to REGULARIZATION_LOSSES."""
        graph = get_default_graph()
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            self._losses.append(loss)
            if all(loss is not w for w in graph.get_collection(GraphKeys.REGULARIZATION_LOSSES)):
                graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)

    # --- calling ---------------------------------------------------------------------------------------

    def _set_scope(self, scope=None):
        if self._scope is None:
            if self._reuse:
                with variable_scope(scope if scope is not None else self._base_name) as captured:
                    self._scope = captured
            else:
                with variable_scope(scope, default_name=self._base_name) as captured:
                    self._scope = captured

    def __call__(self, inputs, *args, **kwargs):
        self._set_scope(kwargs.pop("scope", None))
        reuse = True if self.built else self._reuse
        graph = get_default_graph()
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False):
            # The ops of every call go under the scope's first name scope (conv2d/Conv2D, conv2d/Conv2D_1).
            with graph.name_scope(self._scope.original_name_scope or None):
                x = inputs if isinstance(inputs, Tensor) else convert_to_tensor(inputs, dtype=self.dtype)
                check_input(self.input_spec, x, self.name)
                if not self.built:
                    if self.dtype is None:
                        base = x.dtype.base_dtype
                        self.dtype = base if base.is_floating else dtypes.float32
                    self.build(x.shape)
                    self.built = True
                outputs = self.call(x, *args, **kwargs)
                if self.activity_regularizer is not None:
                    with graph.name_scope("ActivityRegularizer"):
                        loss = self.activity_regularizer(outputs)
                    if loss is not None:
                        self.add_loss(loss)
        current = graph.get_collection(GraphKeys.UPDATE_OPS)
        for u in self._updates:
            if all(u is not w for w in current):
                graph.add_to_collection(GraphKeys.UPDATE_OPS, u)
        return outputs

    def apply(self, inputs, *args, **kwargs):
        """The layer called on ``inputs`` (``layer(inputs)``)."""
        return self.__call__(inputs, *args, **kwargs)

    def build(self, input_shape):
        pass

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)


def smart_cond(pred, true_fn, false_fn, name=None):
    """``true_fn()`` or ``false_fn()`` chosen now when ``pred`` is a Python bool or a constant tensor, else a
    ``cond`` that chooses when run (TensorFlow's smart_cond)."""
    if isinstance(pred, Tensor):
        value = constant_value(pred)
        if value is None:
            return control_flow_ops.cond(pred, true_fn, false_fn, name=name)
        pred = bool(value)
    if pred not in (True, False, 0, 1):
        raise TypeError("`pred` must be a Tensor, or a Python bool, or 1 or 0. Found instead: %r" % (pred,))
    return true_fn() if pred else false_fn()


def constant_bool(pred):
    """``pred``'s value when known while building (a Python bool or a constant tensor), else None."""
    if isinstance(pred, Tensor):
        value = constant_value(pred)
        return None if value is None else bool(value)
    return bool(pred)
