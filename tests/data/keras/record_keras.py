"""Records what TensorFlow 1's ``tf.keras`` (tf_keras 2.21 in graph mode) computes, for tests/engine/keras/:
each case's output, gradients with respect to the input and the trainable variables, its variables' names
and shapes (in ``tf.global_variables()`` order), the output op's name, the layer's or model's ``updates``
and ``losses`` and the variables after the updates ran, and the errors bad input gets.

    TF_USE_LEGACY_KERAS=1 PYTHONPATH= ~/.cache/tagraph-tf-venv/bin/python tests/data/keras/record_keras.py

(tf_keras is installed beside TensorFlow there; TF_USE_LEGACY_KERAS=1 makes ``tf.keras`` tf_keras.) The cases
are defined here, once; the tests import this file and build the same graphs with ``tagraph.engine`` as the
namespace. A case's ``build(tf, x)`` returns ``(output, layer)``; its variables get seeded values before the
run, so nothing depends on either side's random initializers. ``phase`` feeds Keras's learning phase (None:
not fed, so False). Writes ``keras.npz`` and ``keras.json`` into TAGRAPH_RECORD_DIR (default: beside this
file).
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class Case:
    def __init__(self, name, shape, build, phase=None, dtype="float32", static_batch=True):
        self.name, self.shape, self.build, self.phase = name, tuple(shape), build, phase
        self.dtype, self.static_batch = dtype, static_batch


def _one(layer_fn):
    """A case build for one layer: ``layer_fn(tf)`` makes the layer, which is called on x."""
    def build(tf, x):
        layer = layer_fn(tf)
        return layer(x), layer
    return build


def _sequential(tf, x):
    # Dropout(0.0) keeps a phase-fed run deterministic; BatchNormalization follows the phase.
    model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="relu"), tf.keras.layers.Dropout(0.0),
                                 tf.keras.layers.BatchNormalization(), tf.keras.layers.Dense(2, activation="softmax")])
    return model(x), model


def _sequential_input_shape(tf, x):
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(3, 2, input_shape=(6, 6, 2)),
                                 tf.keras.layers.BatchNormalization(), tf.keras.layers.Activation("tanh"),
                                 tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(2)])
    return model(x), model


def _sequential_training_call(tf, x):
    # model(x, training=True): the layers inside train whatever the learning phase.
    model = tf.keras.Sequential([tf.keras.layers.Dense(3), tf.keras.layers.BatchNormalization(momentum=0.5)])
    return model(x, training=True), model


def _functional_training_call(tf, x):
    inputs = tf.keras.Input(shape=(4,))
    bn = tf.keras.layers.BatchNormalization(momentum=0.8)(tf.keras.layers.Dense(3)(inputs))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2)(bn))
    return model(x, training=True), model


def _functional(tf, x):
    inputs = tf.keras.Input(shape=(4,))
    a = tf.keras.layers.Dense(3, activation="elu", name="left")(inputs)
    b = tf.keras.layers.Dense(3, kernel_regularizer=tf.keras.regularizers.l2(0.1), name="right")(inputs)
    merged = tf.keras.layers.Concatenate()([a, b, tf.keras.layers.Subtract()([a, b])])
    out = tf.keras.layers.Dense(1, activation="sigmoid")(tf.keras.layers.LayerNormalization()(merged))
    model = tf.keras.Model(inputs, out)
    return model(x), model


def _functional_nested(tf, x):
    inner_in = tf.keras.Input(shape=(4,))
    inner = tf.keras.Model(inner_in, tf.keras.layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    outer_in = tf.keras.Input(shape=(4,))
    h = inner(outer_in)
    out = tf.keras.layers.Add()([h, tf.keras.layers.Dense(3)(outer_in)])
    model = tf.keras.Model(outer_in, tf.keras.layers.Maximum()([out, h]))
    return model(x), model


def _tf_layers_then_keras(tf, x):
    # tf.layers and Keras count layer names together: this Keras Dense is dense_1.
    h = tf.layers.dense(x, 3)
    layer = tf.keras.layers.Dense(2)
    return layer(h), layer


def _custom_layer(tf, x):
    class Scale(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", [int(input_shape[-1])], initializer="ones",
                                     regularizer=tf.keras.regularizers.l1(0.5))
            self.c = self.add_weight("c", [], initializer="zeros", trainable=False)

        def call(self, inputs):
            return inputs * self.w + self.c

    layer = Scale()
    return layer(layer(x)), layer


CASES = [
    Case("dense_relu", (3, 4), _one(lambda tf: tf.keras.layers.Dense(5, activation="relu"))),
    Case("dense_rank3", (2, 3, 4), _one(lambda tf: tf.keras.layers.Dense(2, use_bias=False, name="proj")),
         static_batch=False),
    Case("dense_regularized", (3, 4), _one(lambda tf: tf.keras.layers.Dense(
        2, kernel_regularizer=tf.keras.regularizers.l1_l2(0.01, 0.02), bias_regularizer="l2",
        activity_regularizer=tf.keras.regularizers.L2(0.3)))),
    Case("conv1d_causal", (2, 7, 3), _one(lambda tf: tf.keras.layers.Conv1D(4, 3, padding="causal",
                                                                             dilation_rate=2))),
    Case("conv2d_same_stride", (2, 7, 6, 3), _one(lambda tf: tf.keras.layers.Conv2D(4, (3, 2), strides=2,
                                                                                     padding="same",
                                                                                     activation="relu")),
         static_batch=False),
    Case("conv2d_transpose", (2, 3, 4, 2), _one(lambda tf: tf.keras.layers.Conv2DTranspose(3, 3, strides=2,
                                                                                            padding="same"))),
    Case("conv3d", (1, 4, 5, 5, 2), _one(lambda tf: tf.keras.layers.Conv3D(2, 2))),
    Case("max_pooling2d_default", (2, 7, 6, 3), _one(lambda tf: tf.keras.layers.MaxPooling2D())),
    Case("average_pooling2d_same", (2, 7, 6, 3), _one(lambda tf: tf.keras.layers.AveragePooling2D(
        3, strides=2, padding="same"))),
    Case("max_pooling1d", (2, 9, 2), _one(lambda tf: tf.keras.layers.MaxPooling1D(3, padding="same"))),
    Case("average_pooling1d", (2, 9, 2), _one(lambda tf: tf.keras.layers.AveragePooling1D())),
    Case("global_average_pooling2d", (2, 5, 4, 3), _one(lambda tf: tf.keras.layers.GlobalAveragePooling2D())),
    Case("global_max_pooling1d", (2, 5, 3), _one(lambda tf: tf.keras.layers.GlobalMaxPooling1D())),
    Case("flatten", (2, 3, 2, 2), _one(lambda tf: tf.keras.layers.Flatten()), static_batch=False),
    Case("reshape", (2, 3, 4), _one(lambda tf: tf.keras.layers.Reshape((2, -1, 3)))),
    Case("activation_softmax", (3, 5), _one(lambda tf: tf.keras.layers.Activation("softmax"))),
    Case("activation_selu", (3, 5), _one(lambda tf: tf.keras.layers.Activation(tf.keras.activations.selu))),
    Case("relu_capped_leaky", (3, 5), _one(lambda tf: tf.keras.layers.ReLU(max_value=0.5, negative_slope=0.1))),
    Case("relu_threshold", (3, 5), _one(lambda tf: tf.keras.layers.ReLU(threshold=0.2))),
    Case("dropout_inference", (4, 6), _one(lambda tf: tf.keras.layers.Dropout(0.5))),
    Case("batch_norm_phase_false", (4, 3, 3, 2), _one(lambda tf: tf.keras.layers.BatchNormalization())),
    Case("batch_norm_phase_true", (4, 3, 3, 2), _one(lambda tf: tf.keras.layers.BatchNormalization(momentum=0.9)),
         phase=True),
    Case("batch_norm_2d_phase_true", (5, 3), _one(lambda tf: tf.keras.layers.BatchNormalization(
        momentum=0.5, epsilon=0.01, center=False)), phase=True),
    Case("batch_norm_axis1", (4, 2, 3, 3), _one(lambda tf: tf.keras.layers.BatchNormalization(axis=1)),
         phase=True),
    Case("layer_norm", (3, 4), _one(lambda tf: tf.keras.layers.LayerNormalization())),
    Case("layer_norm_two_axes", (2, 3, 4), _one(lambda tf: tf.keras.layers.LayerNormalization(axis=[1, 2],
                                                                                             epsilon=0.1))),
    Case("layer_norm_middle_axis", (2, 3, 4), _one(lambda tf: tf.keras.layers.LayerNormalization(axis=1))),
    Case("leaky_relu", (3, 5), _one(lambda tf: tf.keras.layers.LeakyReLU())),
    Case("elu_alpha", (3, 5), _one(lambda tf: tf.keras.layers.ELU(alpha=0.4))),
    Case("softmax_axis1", (2, 3, 4), _one(lambda tf: tf.keras.layers.Softmax(axis=1))),
    Case("separable_conv2d", (2, 6, 5, 3), _one(lambda tf: tf.keras.layers.SeparableConv2D(
        4, 3, depth_multiplier=2, padding="same", activation="relu"))),
    Case("separable_conv1d", (2, 7, 3), _one(lambda tf: tf.keras.layers.SeparableConv1D(2, 3, strides=2))),
    Case("zero_padding2d", (2, 3, 4, 2), _one(lambda tf: tf.keras.layers.ZeroPadding2D(((1, 0), (2, 1))))),
    Case("zero_padding1d", (2, 3, 2), _one(lambda tf: tf.keras.layers.ZeroPadding1D(2))),
    Case("up_sampling2d", (2, 3, 2, 2), _one(lambda tf: tf.keras.layers.UpSampling2D((2, 3)))),
    Case("up_sampling2d_bilinear", (1, 3, 4, 2), _one(lambda tf: tf.keras.layers.UpSampling2D(
        2, interpolation="bilinear")), static_batch=False),
    Case("up_sampling1d", (2, 3, 2), _one(lambda tf: tf.keras.layers.UpSampling1D(3))),
    Case("cropping2d", (2, 6, 5, 2), _one(lambda tf: tf.keras.layers.Cropping2D(((1, 2), (0, 1))))),
    Case("cropping1d", (2, 6, 2), _one(lambda tf: tf.keras.layers.Cropping1D((2, 0)))),
    Case("permute", (2, 3, 4), _one(lambda tf: tf.keras.layers.Permute((2, 1)))),
    Case("repeat_vector", (2, 3), _one(lambda tf: tf.keras.layers.RepeatVector(4))),
    Case("sequential", (3, 4), _sequential),
    Case("sequential_phase_true", (3, 4), _sequential, phase=True),
    Case("sequential_input_shape", (2, 6, 6, 2), _sequential_input_shape, phase=True),
    Case("sequential_training_call", (3, 4), _sequential_training_call),
    Case("functional_training_call", (3, 4), _functional_training_call),
    Case("functional", (3, 4), _functional),
    Case("functional_nested", (3, 4), _functional_nested),
    Case("tf_layers_then_keras", (3, 4), _tf_layers_then_keras),
    Case("custom_layer", (3, 4), _custom_layer),
]

# --- the Keras CNN whose checkpoint moves both ways (tests/interop/test_keras_interop.py) -------------------

def keras_cnn(tf):
    """A Sequential CNN built at once from its input placeholder: Conv2D, BatchNormalization, MaxPooling2D,
    Flatten, Dense, Dropout, Dense; returns the model (``model.inputs[0]`` -> ``model.outputs[0]``)."""
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
        tf.keras.layers.BatchNormalization(momentum=0.5),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(8, activation="relu"),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(3),
    ])


def keras_cnn_train_op(tf, model):
    """Softmax cross-entropy on int labels, minimised with the model's updates (batch normalisation's)."""
    labels = tf.placeholder(tf.int32, [None], name="labels")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=model.outputs[0]))
    with tf.control_dependencies(model.updates):
        return labels, tf.train.AdamOptimizer(0.01).minimize(loss, var_list=model.trainable_weights)


def keras_cnn_batch(step):
    rng = np.random.default_rng(300 + step)
    return rng.uniform(0, 1, size=(6, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, size=6).astype(np.int32)


# --- Keras's backend functions: (name, fn(K, tf, x)) on x of BACKEND_SHAPE; a tensor result is run, any other
# value (shapes, names, bools) is recorded as it is.
BACKEND_SHAPE = (2, 3, 4)
BACKEND = [
    ("int_shape", lambda K, tf, x: list(K.int_shape(x))),
    ("int_shape_unknown", lambda K, tf, x: K.int_shape(tf.placeholder(tf.float32))),
    ("ndim", lambda K, tf, x: K.ndim(x)),
    ("dtype", lambda K, tf, x: K.dtype(x)),
    ("shape", lambda K, tf, x: K.shape(x)),
    ("cast", lambda K, tf, x: K.cast(x * 3, "int32")),
    ("constant", lambda K, tf, x: K.constant([[1, 2], [3, 4]])),
    ("mean", lambda K, tf, x: K.mean(x, axis=-1)),
    ("sum_keepdims", lambda K, tf, x: K.sum(x, axis=1, keepdims=True)),
    ("max_all", lambda K, tf, x: K.max(x)),
    ("min", lambda K, tf, x: K.min(x, axis=0)),
    ("prod", lambda K, tf, x: K.prod(x, axis=[0, 2])),
    ("argmax", lambda K, tf, x: K.argmax(x)),
    ("argmin", lambda K, tf, x: K.argmin(x, axis=1)),
    ("sqrt_clipped", lambda K, tf, x: K.sqrt(x)),
    ("exp_log", lambda K, tf, x: K.log(K.exp(x) + 1.0)),
    ("pow", lambda K, tf, x: K.pow(x, 3)),
    ("sign_abs", lambda K, tf, x: K.sign(x) * K.abs(x) + K.square(x)),
    ("clip", lambda K, tf, x: K.clip(x, -0.2, 0.3)),
    ("clip_swapped", lambda K, tf, x: K.clip(x, 0.3, -0.2)),
    ("clip_no_max", lambda K, tf, x: K.clip(x, 0.1, None)),
    ("compare", lambda K, tf, x: K.cast(K.greater(x, 0.0), "float32") + K.cast(K.less_equal(x, -0.5), "float32")),
    ("concatenate", lambda K, tf, x: K.concatenate([x, x * 2], axis=-1)),
    ("concatenate_axis0", lambda K, tf, x: K.concatenate([x, x], axis=0)),
    ("reshape_permute", lambda K, tf, x: K.permute_dimensions(K.reshape(x, (3, 2, 4)), (2, 0, 1))),
    ("expand_squeeze", lambda K, tf, x: K.squeeze(K.expand_dims(x, 1), 1)),
    ("stack", lambda K, tf, x: K.stack([x, -x], axis=1)),
    ("flatten", lambda K, tf, x: K.flatten(x)),
    ("batch_flatten", lambda K, tf, x: K.batch_flatten(x)),
    ("tile", lambda K, tf, x: K.tile(x, [1, 2, 1])),
    ("one_hot", lambda K, tf, x: K.one_hot(K.argmax(x), 5)),
    ("dot_2d", lambda K, tf, x: K.dot(K.reshape(x, (6, 4)), K.transpose(K.reshape(x, (6, 4))))),
    ("dot_3d", lambda K, tf, x: K.dot(x, K.reshape(x, (2, 4, 3)))),
    ("activations", lambda K, tf, x: K.relu(x, alpha=0.1, max_value=0.5) + K.elu(x, 0.5) + K.sigmoid(x)
     + K.hard_sigmoid(x) + K.tanh(x) + K.softplus(x) + K.softsign(x)),
    ("softmax_axis1", lambda K, tf, x: K.softmax(x, axis=1)),
    ("switch_scalar", lambda K, tf, x: K.switch(K.constant(True, dtype="bool"), x, -x)),
    ("switch_elementwise", lambda K, tf, x: K.switch(K.greater(x, 0.0), x, K.zeros_like(x))),
    ("switch_broadcast", lambda K, tf, x: K.switch(K.greater(x[:, :, 0], 0.0), x, K.ones_like(x))),
    ("in_train_phase", lambda K, tf, x: K.in_train_phase(x * 2, x)),
    ("in_test_phase_fixed", lambda K, tf, x: K.in_test_phase(x * 2, x, training=1)),
    ("gradients", lambda K, tf, x: K.gradients(K.sum(K.square(x)), [x])[0]),
    ("stop_gradient", lambda K, tf, x: K.gradients(K.sum(K.stop_gradient(x) * x), [x])[0]),
    ("is_keras_tensor", lambda K, tf, x: [K.is_keras_tensor(x), K.is_keras_tensor(tf.keras.Input(shape=(2,)))]),
]


# Integer inputs: Embedding.
EMBEDDING_IDS = np.array([[0, 3, 1], [4, 4, 2]], np.int32)

# Bad input: (name, input shape, build); the error class TensorFlow raises is recorded.
ERRORS = [
    ("dense_rank1_input", (5,), lambda tf, x: tf.keras.layers.Dense(3)(x)),
    ("conv2d_rank3_input", (2, 8, 8), lambda tf, x: tf.keras.layers.Conv2D(4, 3)(x)),
    ("max_pooling2d_rank3_input", (2, 8, 8), lambda tf, x: tf.keras.layers.MaxPooling2D()(x)),
    ("add_not_a_list", (2, 3), lambda tf, x: tf.keras.layers.Add()(x)),
    ("reshape_wrong_size", (2, 3, 4), lambda tf, x: tf.keras.layers.Reshape((5, -1))(x)),
    ("embedding_zero_dim", (2, 3), lambda tf, x: tf.keras.layers.Embedding(0, 3)),
    ("batch_norm_bad_axis", (2, 3), lambda tf, x: tf.keras.layers.BatchNormalization(axis=4)(x)),
    ("activation_unknown", (2, 3), lambda tf, x: tf.keras.layers.Activation("no_such_activation")),
    ("initializer_unknown", (2, 3), lambda tf, x: tf.keras.layers.Dense(2, kernel_initializer="no_such_init")),
    ("model_disconnected", (2, 3), lambda tf, x: tf.keras.Model(tf.keras.Input(shape=(3,)),
                                                                tf.keras.layers.Dense(2)(tf.keras.Input(shape=(3,))))),
]


def input_value(case):
    rng = np.random.default_rng(_seed(case.name))
    return rng.uniform(-1.0, 1.0, size=case.shape).astype(case.dtype)


def _seed(name):
    return sum((i + 1) * ord(ch) for i, ch in enumerate(name))


def variable_values(case_name, variables):
    """Seeded values for a case's variables ``[(name, shape)]``: positive for moving variances."""
    rng = np.random.default_rng(_seed(case_name) + 1)
    out = {}
    for name, shape in variables:
        if name.endswith("moving_variance:0"):
            out[name] = rng.uniform(0.5, 1.5, size=shape).astype(np.float32)
        else:
            out[name] = rng.uniform(-0.5, 0.5, size=shape).astype(np.float32)
    return out


def upstream(case_name, shape):
    return np.random.default_rng(_seed(case_name) + 2).uniform(-1.0, 1.0, size=shape).astype(np.float32)


def _record_case(tf, case, arrays, meta):
    with tf.Graph().as_default():
        x = tf.placeholder(case.dtype, case.shape if case.static_batch else (None,) + case.shape[1:], name="x")
        y, layer = case.build(tf, x)
        variables = [(v.name, v.shape.as_list()) for v in tf.global_variables()]
        trainable = tf.trainable_variables()
        values = variable_values(case.name, variables)
        xv = input_value(case)
        feed = {x: xv}
        if case.phase is not None:
            feed[tf.keras.backend.learning_phase()] = case.phase
        # A model built from its own Input at construction also holds that call's updates: feed its input too.
        for own_input in getattr(layer, "inputs", None) or ():
            feed[own_input] = xv
        updates = list(layer.updates)
        losses = list(layer.losses)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in tf.global_variables():
                v.load(values[v.name], sess)
            out = sess.run(y, feed)
            grads = tf.gradients(y, [x] + trainable, grad_ys=tf.constant(upstream(case.name, out.shape)))
            got = sess.run([gr for gr in grads if gr is not None], feed)
            loss_values = sess.run(losses, feed)
            if updates:
                sess.run(updates, feed)
            after = {v.name: sess.run(v) for v in tf.global_variables()}
    arrays[case.name + ":x"] = xv
    arrays[case.name + ":out"] = out
    for name, value in values.items():
        arrays["%s:init:%s" % (case.name, name)] = value
    targets = ["x"] + [v.name for v in trainable]
    names = [n for n, gr in zip(targets, grads) if gr is not None]
    for name, value in zip(names, got):
        arrays["%s:grad:%s" % (case.name, name)] = value
    for i, value in enumerate(loss_values):
        arrays["%s:loss:%d" % (case.name, i)] = np.asarray(value)
    if updates:
        for name, value in after.items():
            arrays["%s:after:%s" % (case.name, name)] = value
    meta["cases"][case.name] = {
        "variables": variables, "trainable": [v.name for v in trainable], "static_shape": y.shape.as_list(),
        "grads": names, "updates": len(updates), "losses": len(loss_values), "output_op": y.op.name,
        "weights": [w.name for w in layer.weights]}


def _record_embedding(tf, arrays, meta):
    with tf.Graph().as_default():
        ids = tf.placeholder(tf.int32, [None, 3], name="ids")
        layer = tf.keras.layers.Embedding(5, 2, embeddings_regularizer=tf.keras.regularizers.l2(0.5))
        y = layer(ids)
        y64 = layer(tf.cast(ids, tf.int64))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            table = variable_values("embedding", [("embeddings", [5, 2])])["embeddings"]
            layer.embeddings.load(table, sess)
            out, out64, loss = sess.run([y, y64, layer.losses[0]], {ids: EMBEDDING_IDS})
        meta["embedding"] = {"variables": [v.name for v in tf.global_variables()], "output_ops": [y.op.name,
                                                                                                   y64.op.name],
                             "static_shape": y.shape.as_list()}
    arrays["embedding:table"] = table
    arrays["embedding:out"] = out
    arrays["embedding:out64"] = out64
    arrays["embedding:loss"] = np.asarray(loss)


def _record_backend(tf, arrays, meta):
    value = np.random.default_rng(_seed("backend")).uniform(-1.0, 1.0, size=BACKEND_SHAPE).astype(np.float32)
    arrays["backend:x"] = value
    meta["backend"] = {}
    for name, fn in BACKEND:
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, BACKEND_SHAPE, name="x")
            got = fn(tf.keras.backend, tf, x)
            if isinstance(got, tf.Tensor):
                with tf.Session() as sess:
                    arrays["backend:" + name] = sess.run(got, {x: value})
                meta["backend"][name] = {"dtype": got.dtype.name, "static_shape": got.shape.as_list()}
            else:
                meta["backend"][name] = {"value": got}
    with tf.Graph().as_default():
        # variable, eval, set_value and function, all in Keras's own session
        K = tf.keras.backend
        v = K.variable(np.arange(6).reshape(2, 3), name="v")
        w = K.variable([1.0, 2.0], dtype="float64")
        first = K.eval(v * 2)
        K.set_value(v, np.ones((2, 3)))
        x = K.placeholder(shape=(None, 3))
        step = K.function([x], [K.sum(x * v, axis=1), K.mean(x)], updates=[tf.assign_add(v, tf.ones_like(v))])
        outs = step([np.full((2, 3), 2.0)])
        meta["backend_session"] = {"names": [v.name, w.name, x.name], "dtypes": [K.dtype(v), K.dtype(w)],
                                   "batch": [a.tolist() for a in K.batch_get_value([v, w])]}
        arrays["backend_session:first"] = first
        arrays["backend_session:step0"] = outs[0]
        arrays["backend_session:step1"] = np.asarray(outs[1])
        K.get_session().close()
    tf.keras.backend.clear_session()


def _record_errors(tf, meta):
    for name, shape, build in ERRORS:
        with tf.Graph().as_default():
            try:
                build(tf, tf.placeholder(tf.float32, shape))
                raise AssertionError("%s raised nothing" % name)
            except Exception as e:  # noqa: BLE001 - the error is what is recorded
                if isinstance(e, AssertionError):
                    raise
                meta["errors"][name] = [type(e).__name__, str(e)]


def main():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays, meta = {}, {"tensorflow": tf.__version__, "cases": {}, "errors": {}}
    for case in CASES:
        _record_case(tf, case, arrays, meta)
    _record_embedding(tf, arrays, meta)
    _record_backend(tf, arrays, meta)
    _record_errors(tf, meta)
    np.savez_compressed(os.path.join(out_dir, "keras.npz"), **arrays)
    with open(os.path.join(out_dir, "keras.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    print("recorded %d cases, %d errors into %s" % (len(meta["cases"]), len(meta["errors"]), out_dir))


if __name__ == "__main__":
    main()
