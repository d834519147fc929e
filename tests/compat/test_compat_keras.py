"""``tf.keras`` in tagraph.compat.v1: tagraph.engine.keras under TensorFlow 1's names; Keras's names tagraph
lacks raise NotSupportedYetError naming them."""
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.compat.namespace import NotSupportedYetError


def test_the_keras_namespaces_are_the_engines():
    assert tf.keras.layers.Dense is tg.keras.layers.Dense
    assert tf.keras.Sequential is tg.keras.Sequential and tf.keras.models.Model is tg.keras.Model
    assert tf.keras.backend.learning_phase is tg.keras.backend.learning_phase
    assert tf.keras.initializers.glorot_uniform is tg.glorot_uniform_initializer
    assert tf.keras.activations.relu is tg.keras.activations.relu
    assert tf.keras.regularizers.l2 is tg.keras.regularizers.L2
    import tagraph.compat.v1.keras.layers as layers
    assert layers is tf.keras.layers


@pytest.mark.parametrize("expr, name", [
    ("tf.keras.optimizers", "tf.keras.optimizers"),
    ("tf.keras.callbacks", "tf.keras.callbacks"),
    ("tf.keras.layers.LSTM", "tf.keras.layers.LSTM"),
    ("tf.keras.models.load_model", "tf.keras.models.load_model"),
    ("tf.keras.backend.batch_dot", "tf.keras.backend.batch_dot"),
])
def test_keras_names_not_supported_yet_say_so(expr, name):
    with pytest.raises(NotSupportedYetError) as info:
        eval(expr)
    assert info.value.name == name and "not supported by tagraph yet" in str(info.value)


def test_a_name_keras_never_had_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Did you mean: 'Dense'"):
        tf.keras.layers.Dence
