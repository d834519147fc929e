"""``tg.keras``: TensorFlow 1's ``tf.keras`` in graph mode: layers, ``Input``, ``Model`` and ``Sequential`` as
graph builders, with tf_keras's variable names (``dense/kernel:0``, ``sequential/dense/kernel:0``) so that
checkpoints move between TensorFlow and tagraph both ways.

    x = tg.placeholder(tg.float32, [None, 4])
    model = tg.keras.Sequential([tg.keras.layers.Dense(8, activation="relu"), tg.keras.layers.Dense(2)])
    y = model(x)
    loss = tg.reduce_mean(tg.square(y))
    train_op = tg.train.AdamOptimizer().minimize(loss, var_list=model.trainable_weights)

base_layer    Layer: name scopes, resource variables, the learning phase, recorded calls (history)
layers        the layer classes (core, convolutional, normalization, merge, reshaping)
models        Model (functional or subclassed), Sequential; Keras's training loop is not supported yet
backend       learning_phase, get_session/set_session, name counts, floatx (backend_state); the functions
              over tensors (backend_math: mean, dot, switch, function, variable, ...)
initializers, activations, regularizers   by object or by name ("glorot_uniform", "relu", "l2")
"""
from tagraph.engine.lazy_exports import lazy_namespace as _lazy_namespace

_EXPORTS = {
    "tagraph.engine.keras.core_layers": "Input",
    "tagraph.engine.keras.models": "Model Sequential",
}

__getattr__, __dir__, __all__ = _lazy_namespace(
    __name__, _EXPORTS, submodules=("layers", "models", "backend", "initializers", "activations", "regularizers"))
