"""tg.keras's models, backend, initializers, activations and regularizers: what the recorded cases do not
cover (Keras's session, the fixed learning phase, building Sequential models, subclassed models, the
training loop that is not supported yet)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine import keras


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    yield
    keras.backend.clear_session()


def test_get_session_initialises_the_variables_keras_layers_made():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2])
        layer = keras.layers.Dense(3, kernel_initializer="ones", bias_initializer=keras.initializers.Constant(0.5))
        y = layer(x)
        sess = keras.backend.get_session()
        assert sess.graph is tg.get_default_graph() and keras.backend.get_session() is sess
        np.testing.assert_allclose(sess.run(y, {x: [[1.0, 2.0]]}), [[3.5, 3.5, 3.5]])
        np.testing.assert_allclose(layer.get_weights()[0], np.ones((2, 3)))
        layer.set_weights([np.full((2, 3), 2.0, np.float32), np.zeros(3, np.float32)])
        np.testing.assert_allclose(sess.run(y, {x: [[1.0, 2.0]]}), [[6.0, 6.0, 6.0]])
        with pytest.raises(ValueError, match="expecting 2 weights"):
            layer.set_weights([np.zeros((2, 3), np.float32)])
        sess.close()


def test_get_session_prefers_the_default_session_and_set_session():
    with tg.Graph().as_default():
        mine = tg.Session()
        keras.backend.set_session(mine)
        assert keras.backend.get_session() is mine
        other = tg.Session()
        with other.as_default():
            assert keras.backend.get_session() is other
        mine.close()
        other.close()


def test_set_learning_phase_fixes_training_for_the_layers_called_after():
    data = np.ones((50, 40), np.float32)
    with tg.Graph().as_default():
        keras.backend.set_learning_phase(1)
        assert keras.backend.learning_phase() == 1
        dropped = keras.layers.Dropout(0.5)(tg.constant(data))
        with tg.Session() as sess:
            value = sess.run(dropped)
    assert set(np.unique(value)) == {0.0, 2.0}
    with pytest.raises(ValueError, match="0 or 1"):
        keras.backend.set_learning_phase(2)


def test_the_learning_phase_is_one_placeholder_per_graph():
    with tg.Graph().as_default() as g:
        phase = keras.backend.learning_phase()
        assert phase is keras.backend.learning_phase()
        assert (phase.name, phase.op.type, phase.dtype) == ("keras_learning_phase:0", "PlaceholderWithDefault", tg.bool)
    with tg.Graph().as_default():
        assert keras.backend.learning_phase() is not phase and phase.graph is g


@pytest.mark.parametrize("method", ["compile", "fit", "evaluate", "predict", "train_on_batch", "save_weights"])
def test_the_keras_training_loop_says_it_is_not_supported(method):
    with tg.Graph().as_default():
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        with pytest.raises(NotImplementedError, match=r"tf\.keras\.Model\.%s is not supported by tagraph yet" % method):
            getattr(model, method)()


def test_sequential_add_pop_and_get_layer():
    with tg.Graph().as_default():
        model = keras.Sequential(name="stack")
        model.add(keras.Input(shape=(3,)))
        model.add(keras.layers.Dense(4, name="a"))
        model.add(keras.layers.Dense(2, name="b"))
        assert [l.name for l in model.layers] == ["a", "b"]
        assert model.outputs[0].op.name == "b/BiasAdd" and model.inputs[0].op.name == "input_1"
        assert model.get_layer("a") is model.layers[0] and model.get_layer(index=1).name == "b"
        with pytest.raises(ValueError, match="No such layer: c"):
            model.get_layer("c")
        with pytest.raises(ValueError, match="unique names"):
            model.add(keras.layers.Dense(1, name="a"))
        with pytest.raises(TypeError, match="instance of class Layer"):
            model.add("dense")
        model.pop()
        assert [l.name for l in model.layers] == ["a"] and model.outputs[0].op.name == "a/BiasAdd"
        assert model.count_params() == 16


def test_a_subclassed_model_tracks_the_layers_it_holds():
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(3, activation="relu", kernel_initializer="ones")
            self.out = keras.layers.Dense(1, kernel_initializer="ones")

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    with tg.Graph().as_default():
        model = TwoLayers()
        y = model(tg.constant([[1.0, -2.0]]))
        assert model.name == "two_layers"
        assert [w.name for w in model.trainable_weights] == [
            "two_layers/dense/kernel:0", "two_layers/dense/bias:0", "two_layers/dense_1/kernel:0",
            "two_layers/dense_1/bias:0"]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert sess.run(y).tolist() == [[0.0]]


def test_a_model_without_inputs_or_call_says_so():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="both `inputs` and `outputs`"):
            keras.Model(inputs=keras.Input(shape=(2,)))
        with pytest.raises(ValueError, match="must come from `tf.keras.Input`"):
            keras.Model(tg.placeholder(tg.float32, [None, 2]), keras.layers.Dense(1)(keras.Input(shape=(2,))))
        with pytest.raises(NotImplementedError, match="Unimplemented `tf.keras.Model.call\\(\\)`"):
            keras.Model()(tg.constant([[1.0]]))


def test_a_non_trainable_layer_lists_its_weights_as_non_trainable():
    with tg.Graph().as_default():
        frozen = keras.layers.Dense(2, trainable=False)
        frozen(tg.placeholder(tg.float32, [None, 3]))
        assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2
        # As tf_keras in graph mode: the layer's flag does not reach the TRAINABLE_VARIABLES collection.
        assert [v.name for v in tg.trainable_variables()] == ["dense/kernel:0", "dense/bias:0"]


@pytest.mark.parametrize("identifier, kind, config", [
    ("glorot_uniform", tg.glorot_uniform_initializer, None),
    ("zeros", tg.zeros_initializer, None),
    ({"class_name": "RandomUniform", "config": {"minval": -1.0, "maxval": 1.0}}, keras.initializers.RandomUniform,
     (-1.0, 1.0)),
    ("uniform", keras.initializers.RandomUniform, (-0.05, 0.05)),
])
def test_initializers_by_name_and_config(identifier, kind, config):
    init = keras.initializers.get(identifier)
    assert isinstance(init, kind)
    if config is not None:
        assert (init.minval, init.maxval) == config


def test_unknown_names_are_value_errors():
    with pytest.raises(ValueError, match="Unknown initializer: 'nope'"):
        keras.initializers.get("nope")
    with pytest.raises(ValueError, match="Unknown regularizer: 'nope'"):
        keras.regularizers.get("nope")
    with pytest.raises(ValueError, match="Unknown activation function: 'nope'"):
        keras.activations.get("nope")
    assert keras.activations.get(None) is keras.activations.linear
    assert keras.activations.serialize(keras.activations.get("relu")) == "relu"


def test_regularizers_compute_kerass_penalties():
    w = np.array([[1.0, -2.0], [0.5, 0.0]], np.float32)
    with tg.Graph().as_default():
        t = tg.constant(w)
        penalties = [keras.regularizers.l1(0.1)(t), keras.regularizers.l2(0.2)(t),
                     keras.regularizers.l1_l2(0.1, 0.2)(t), keras.regularizers.get("l2")(t)]
        with tg.Session() as sess:
            values = sess.run(penalties)
    np.testing.assert_allclose(values, [0.35, 0.2 * 5.25, 0.35 + 0.2 * 5.25, 0.01 * 5.25], rtol=1e-6)


def test_input_and_output_of_layers_and_models():
    with tg.Graph().as_default():
        inputs = keras.Input(shape=(3,))
        dense = keras.layers.Dense(2)
        hidden = dense(inputs)
        out = keras.layers.Dense(1)(hidden)
        model = keras.Model(inputs, out)
        assert dense.input is inputs and dense.output is hidden
        assert model.input is inputs and model.output is out
        assert model.layers[0].input is inputs and model.layers[0].output is inputs
        with pytest.raises(AttributeError, match="Layer dense_2 has no inbound nodes"):
            keras.layers.Dense(1).output
        with pytest.raises(NotImplementedError, match="summary is not supported by tagraph yet"):
            model.summary()


def test_dense_features_wants_dense_columns_and_a_dict():
    city = tg.feature_column.categorical_column_with_vocabulary_list("city", ["a", "b"])
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="must be a DenseColumn"):
            keras.layers.DenseFeatures([city])
        layer = keras.layers.DenseFeatures([tg.feature_column.indicator_column(city)])
        with pytest.raises(ValueError, match="We expected a dictionary here"):
            layer(tg.constant([["a"]]))
        out = layer({"city": tg.constant([["b"], ["c"]])})
        # The failed call took the name scope dense_features_1 already.
        assert out.op.name == "dense_features_1_1/concat/concat" and layer.weights == []
        with tg.Session() as sess:
            sess.run(tg.tables_initializer())
            assert sess.run(out).tolist() == [[0.0, 1.0], [0.0, 0.0]]
