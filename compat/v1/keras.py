"""``tf.keras``: ``tagraph.engine.keras``, TensorFlow 1's Keras in graph mode, with its sub-namespaces
``layers``, ``models``, ``backend``, ``initializers``, ``activations`` and ``regularizers``.

    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(2)])
    y = model(x)                                       # sequential/dense/kernel:0, ...
    with tf.control_dependencies(model.updates):       # batch normalisation's moving averages
        train_op = tf.train.AdamOptimizer().minimize(loss, var_list=model.trainable_weights)

Keras's training loop (``model.compile``, ``fit``, ...) and the namespaces not listed above raise
NotSupportedYetError / NotImplementedError naming them.
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace


def _sub(name, source, doc):
    return _namespace.new_module("%s.%s" % (__name__, name), "tf.keras." + name, "``tf.keras.%s``: %s" % (name, doc),
                                 sources=(source,))


activations = _sub("activations", _tg.keras.activations, "activation functions, by name or as functions.")
backend = _sub("backend", _tg.keras.backend, "the learning phase, Keras's session, name counts.")
initializers = _sub("initializers", _tg.keras.initializers, "TensorFlow 1's initializers with Keras's defaults.")
layers = _sub("layers", _tg.keras.layers, "Keras's layers as graph builders.")
models = _sub("models", _tg.keras.models, "Model and Sequential.")
regularizers = _sub("regularizers", _tg.keras.regularizers, "L1, L2 and L1L2 penalties.")

_namespace.install(globals(), "tf.keras", sources=(_tg.keras,))
