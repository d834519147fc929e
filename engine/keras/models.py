"""``tg.keras.Model`` and ``tg.keras.Sequential`` as graph builders, as in TensorFlow 1's graph mode.

    inputs = tg.keras.Input(shape=(4,))
    outputs = tg.keras.layers.Dense(2)(tg.keras.layers.Dense(8, activation="relu")(inputs))
    model = tg.keras.Model(inputs, outputs)         # the layers' calls from `inputs` to `outputs`
    y = model(x)                                    # the same layers (same variables) on x, ops under model/

    seq = tg.keras.Sequential([tg.keras.layers.Dense(8, activation="relu"), tg.keras.layers.Dense(2)])
    y = seq(x)                                      # variables sequential/dense/kernel:0, ...

A model is a layer: its variables are its layers', its ``updates`` and ``losses`` theirs too. Training
goes through TensorFlow 1's optimizers (``optimizer.minimize(loss, var_list=model.trainable_weights)``);
Keras's own loop (``compile``, ``fit``, ``evaluate``, ``predict``, ...) is not supported yet and says so.
"""
from tagraph.engine.framework.graph import Tensor
from tagraph.engine.keras.base_layer import Layer, flatten, keras_history, map_structure
from tagraph.engine.keras.core_layers import InputLayer

__all__ = ["Model", "Sequential"]

_KERAS_LOOP = ("compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
               "fit_generator", "evaluate_generator", "predict_generator", "save", "save_weights", "load_weights",
               "to_json", "to_yaml", "summary")


def _not_supported(method):
    def refuse(self, *args, **kwargs):
        raise NotImplementedError(
            "tf.keras.Model.%s is not supported by tagraph yet: call the model on tensors (model(x)) to build the "
            "graph, and train it with tf.train's optimizers and a Session, save it with tf.train.Saver" % method)
    refuse.__name__ = method
    refuse.__doc__ = "Raises NotImplementedError: Keras's training loop is not supported yet."
    return refuse


class Model(Layer):
    """A functional model, ``Model(inputs, outputs)``, or a subclassed one (``call`` of its own)."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._nodes = []
        self._layers = []
        self.inputs, self.outputs = [], []
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Functional models need both `inputs` and `outputs`")
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = flatten(inputs), flatten(outputs)
        for t in self.inputs:
            history = keras_history(t)
            if history is None or not isinstance(history[0], InputLayer):
                raise ValueError("Input tensors to a Functional must come from `tf.keras.Input`. Received: %s "
                                 "(missing previous layer metadata)." % (t,))
        for t in self.outputs:
            if keras_history(t) is None:
                raise ValueError("Output tensors of a Functional model must be the output of a TensorFlow `Layer` "
                                 "(thus holding past layer metadata). Found: %s" % (t,))
        nodes, seen = {}, set()
        stack = [(t, None) for t in self.outputs]
        while stack:
            t, consumer = stack.pop()
            if id(t) in seen:
                continue
            seen.add(id(t))
            layer, index, _ = keras_history(t)
            node = layer._inbound_nodes[index]
            if any(t is i for i in self.inputs):
                nodes[node.id] = node
                continue
            if isinstance(layer, InputLayer):
                raise ValueError("Graph disconnected: cannot obtain value for tensor %s at layer \"%s\". The "
                                 "following previous layers were accessed without issue: %s"
                                 % (_tensor_repr(t), consumer.name if consumer is not None else layer.name, []))
            nodes[node.id] = node
            stack.extend((x, layer) for x in flatten(node.inputs) if isinstance(x, Tensor))
        self._nodes = [nodes[i] for i in sorted(nodes)]
        for node in self._nodes:
            if all(node.layer is not l for l in self._layers):
                self._layers.append(node.layer)
        self.built = True

    # --- what a model holds -------------------------------------------------------------------------------

    @property
    def layers(self):
        if self._nodes or isinstance(self, Sequential):
            return list(self._layers)
        return [v for v in self._tracked_attributes() if isinstance(v, Layer)]

    def _tracked_attributes(self):
        found = []
        for value in vars(self).values():
            for v in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(v, Layer) and v is not self and all(v is not f for f in found):
                    found.append(v)
        return found

    def _sublayers(self):
        return [l for l in self.layers if not isinstance(l, InputLayer)]

    @property
    def trainable_weights(self):
        own = Layer.trainable_weights.fget(self)
        if not self.trainable:
            return []
        return _unique(own + [w for l in self._sublayers() for w in l.trainable_weights])

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        own = Layer.non_trainable_weights.fget(self)
        subs = [w for l in self._sublayers() for w in (l.non_trainable_weights if self.trainable else l.weights)]
        return _unique(own + subs)

    non_trainable_variables = non_trainable_weights

    @property
    def weights(self):
        """Each layer's weights in turn (its trainable ones, then the others), as Keras orders a model's."""
        return _unique(Layer.weights.fget(self) if not self._sublayers() else
                       [w for l in self._sublayers() for w in l.weights] + Layer.weights.fget(self))

    variables = weights

    @property
    def updates(self):
        return list(self._updates) + [u for l in self._sublayers() for u in l.updates]

    @property
    def losses(self):
        return list(self._losses) + [x for l in self._sublayers() for x in l.losses]

    def get_layer(self, name=None, index=None):
        """The layer named ``name``, or the ``index``-th."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: index=%s, name=%s."
                             % (index, name))
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError("Was asked to retrieve layer at index %d but model only has %d layers."
                                 % (index, len(self.layers)))
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError("No such layer: %s. Existing layers are: %s." % (name, [l.name for l in self.layers]))
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def input(self):
        """The model's input tensor (a list when it has several)."""
        if not self.inputs:
            return Layer.input.fget(self)
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        """The model's output tensor (a list when it has several)."""
        if not self.outputs:
            return Layer.output.fget(self)
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    # --- calling --------------------------------------------------------------------------------------

    def build(self, input_shape):
        pass

    def call(self, inputs, training=None, mask=None):
        if not self._nodes:
            raise NotImplementedError("Unimplemented `tf.keras.Model.call()`: if you intend to create a `Model` "
                                      "with the Functional API, please provide `inputs` and `outputs` arguments. "
                                      "Otherwise, subclass `Model` with an overridden `call()` method.")
        values = {}
        for ours, given in zip(self.inputs, flatten(inputs)):
            values[id(ours)] = given
        if len(values) != len(self.inputs):
            raise ValueError("Layer \"%s\" expects %d input(s), but it received %d input tensors."
                             % (self.name, len(self.inputs), len(flatten(inputs))))
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = map_structure(lambda t: values.get(id(t), t) if isinstance(t, Tensor) else t, node.inputs)
            kwargs = dict(node.kwargs)
            if training is not None and "training" not in kwargs and node.layer._expects("training"):
                kwargs["training"] = training
            out = node.layer(args, **kwargs)
            for ours, new in zip(node.outputs, flatten(out)):
                values[id(ours)] = new
        return map_structure(lambda t: values[id(t)], self._nested_outputs)


for _method in _KERAS_LOOP:
    setattr(Model, _method, _not_supported(_method))


class Sequential(Model):
    """A stack of layers, each called on the previous one's output.

        model = tg.keras.Sequential([tg.keras.layers.Dense(8, input_shape=(4,)), tg.keras.layers.Dense(2)])
        model.outputs          # built at once from a placeholder dense_input, as Keras does
    """

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._sequence = []
        for layer in layers or ():
            self.add(layer)

    @property
    def layers(self):
        return [l for l in self._sequence if not isinstance(l, InputLayer)]

    def _sublayers(self):
        return self.layers

    def add(self, layer):
        """Appends ``layer``; the first layer with an input shape (or an ``InputLayer``/``Input`` tensor) builds
        the model's graph from a placeholder at once."""
        if isinstance(layer, Tensor):
            history = keras_history(layer)
            if history is None or not isinstance(history[0], InputLayer):
                raise TypeError("The added layer must be an instance of class Layer. Received: layer=%s of type %s."
                                % (layer, type(layer)))
            layer = history[0]
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. Received: layer=%s of type %s."
                            % (layer, type(layer)))
        if any(layer.name == l.name for l in self._sequence):
            raise ValueError("All layers added to a Sequential model should have unique names. Name \"%s\" is "
                             "already the name of a layer in this model. Update the `name` argument to pass a "
                             "unique name." % layer.name)
        self._sequence.append(layer)
        if isinstance(layer, InputLayer):
            self.inputs, self.outputs = [layer.input_tensor], [layer.input_tensor]
            return
        if not self._sequence[:-1] and layer._batch_input_shape is not None:
            entry = InputLayer(batch_input_shape=layer._batch_input_shape, dtype=layer.dtype,
                               name=layer.name + "_input")
            self._sequence.insert(0, entry)
            self.inputs, self.outputs = [entry.input_tensor], [entry.input_tensor]
        if self.outputs:
            self.outputs = [layer(self.outputs[0])]
            self.built = True

    def pop(self):
        """Removes the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        self._sequence.pop()
        if self.outputs and self.inputs:
            out = self.inputs[0]
            for l in self.layers:
                out = _output_of(l, out)
            self.outputs = [out]

    def call(self, inputs, training=None, mask=None):
        out = inputs
        for layer in self.layers:
            kwargs = {"training": training} if training is not None and layer._expects("training") else {}
            out = layer(out, **kwargs)
        return out


def _output_of(layer, tensor):
    """The output of ``layer``'s recorded call on ``tensor`` (called now if it was not)."""
    for node in layer._inbound_nodes:
        if flatten(node.inputs) and flatten(node.inputs)[0] is tensor:
            return node.outputs[0]
    return layer(tensor)


def _tensor_repr(t):
    # TensorFlow's repr of a graph tensor, which Keras's messages quote.
    return 'Tensor("%s", shape=%s, dtype=%s)' % (t.name, t.shape, t.dtype.base_dtype.name)


def _unique(variables):
    out = []
    for v in variables:
        if all(v is not w for w in out):
            out.append(v)
    return out
