"""Records what TensorFlow 1's ``tf.layers`` compute, for tests/engine/layers/: each layer's output, its
gradients with respect to the input and the trainable variables, its variables' names and shapes, batch
normalisation's moving averages after its UPDATE_OPS ran, the errors bad input gets, and a small CNN's
checkpoint with its outputs (restored by tagraph in tests/engine/layers/test_layers_checkpoint.py).

    pip install tf-keras==2.21.0            # into TensorFlow's Python: tf.layers lives in tf_keras since 2.16
    ~/.cache/tagraph-tf-venv/bin/python tests/data/layers/record_layers.py

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph: a case's
``build(tf, x, training)`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine``
in the tests). Each case gets its own graph; its variables get seeded values (``variable_values``) before
the run, so nothing depends on either side's random initializers. Writes ``layers.npz`` (inputs, values,
gradients) and ``layers.json`` (variable names and shapes, static output shapes, update op names, errors)
into TAGRAPH_RECORD_DIR (default: beside this file), and the CNN's checkpoint under ``cnn/``.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class Case:
    """A layer applied to an input of ``shape``; ``training`` is None (no such argument), a bool, or
    ``"tensor:true"``/``"tensor:false"`` for a bool placeholder fed that value."""

    def __init__(self, name, shape, build, training=None, dtype="float32", static_batch=True):
        self.name, self.shape, self.build, self.training = name, tuple(shape), build, training
        self.dtype, self.static_batch = dtype, static_batch

    @property
    def training_tensor(self):
        return isinstance(self.training, str)


def _c(name, shape, build, **kw):
    return Case(name, shape, build, **kw)


CASES = [
    # convolutions
    _c("conv1d_valid", (2, 9, 3), lambda tf, x, t: tf.layers.conv1d(x, 4, 3)),
    _c("conv1d_same_stride2", (2, 9, 3), lambda tf, x, t: tf.layers.conv1d(x, 2, 4, strides=2, padding="same",
                                                                            activation=tf.nn.relu),
       static_batch=False),
    _c("conv1d_causal_dilated", (2, 10, 2), lambda tf, x, t: tf.layers.conv1d(x, 3, 3, padding="causal",
                                                                               dilation_rate=2)),
    _c("conv2d_valid_relu", (2, 7, 6, 3), lambda tf, x, t: tf.layers.conv2d(x, 4, (3, 2), activation=tf.nn.relu)),
    _c("conv2d_same_stride", (2, 7, 6, 3), lambda tf, x, t: tf.layers.conv2d(x, 5, 3, strides=(2, 1),
                                                                              padding="same", name="conv_a"),
       static_batch=False),
    _c("conv2d_dilated", (1, 9, 8, 2), lambda tf, x, t: tf.layers.conv2d(x, 3, 3, padding="same", dilation_rate=2)),
    _c("conv2d_no_bias_stride2", (2, 8, 8, 2), lambda tf, x, t: tf.layers.conv2d(x, 3, 2, strides=2,
                                                                                  use_bias=False)),
    _c("conv2d_twice", (2, 6, 6, 2), lambda tf, x, t: tf.layers.conv2d(tf.layers.conv2d(x, 3, 3), 2, 2)),
    _c("conv3d_valid", (1, 5, 4, 6, 2), lambda tf, x, t: tf.layers.conv3d(x, 3, (2, 3, 2))),
    _c("conv3d_same_stride", (2, 5, 5, 4, 2), lambda tf, x, t: tf.layers.conv3d(x, 2, 3, strides=2,
                                                                                 padding="same")),
    _c("conv3d_dilated", (1, 6, 6, 6, 1), lambda tf, x, t: tf.layers.conv3d(x, 2, 2, padding="same",
                                                                             dilation_rate=(1, 2, 2))),
    _c("conv2d_transpose_same", (2, 4, 3, 3), lambda tf, x, t: tf.layers.conv2d_transpose(x, 2, 3, strides=2,
                                                                                            padding="same")),
    _c("conv2d_transpose_valid", (2, 3, 4, 2), lambda tf, x, t: tf.layers.conv2d_transpose(
        x, 3, (2, 3), strides=(2, 1), activation=tf.nn.relu), static_batch=False),
    _c("separable_conv2d_valid", (2, 7, 6, 3), lambda tf, x, t: tf.layers.separable_conv2d(x, 4, 3,
                                                                                            depth_multiplier=2)),
    _c("separable_conv2d_same_stride", (2, 7, 7, 2), lambda tf, x, t: tf.layers.separable_conv2d(
        x, 3, (3, 2), strides=2, padding="same")),
    _c("separable_conv1d", (2, 8, 3), lambda tf, x, t: tf.layers.separable_conv1d(x, 2, 3, depth_multiplier=2)),
    # pooling
    _c("max_pooling1d_valid", (2, 9, 3), lambda tf, x, t: tf.layers.max_pooling1d(x, 2, 2)),
    _c("max_pooling1d_same", (2, 9, 3), lambda tf, x, t: tf.layers.max_pooling1d(x, 3, 2, padding="same")),
    _c("average_pooling1d_same", (2, 7, 2), lambda tf, x, t: tf.layers.average_pooling1d(x, 3, 2, padding="same")),
    _c("max_pooling2d_valid", (2, 6, 6, 3), lambda tf, x, t: tf.layers.max_pooling2d(x, 2, 2)),
    _c("max_pooling2d_same", (2, 7, 5, 2), lambda tf, x, t: tf.layers.max_pooling2d(x, 3, 2, padding="same")),
    _c("average_pooling2d_same", (2, 7, 5, 2), lambda tf, x, t: tf.layers.average_pooling2d(
        x, (3, 3), (2, 1), padding="same"), static_batch=False),
    _c("average_pooling2d_valid", (1, 6, 7, 2), lambda tf, x, t: tf.layers.average_pooling2d(x, (2, 3), 2)),
    # batch normalisation: fused (4-D) and not (2-D, 3-D), training a bool or a tensor
    _c("bn4d_training", (4, 3, 3, 5), lambda tf, x, t: tf.layers.batch_normalization(x, training=t), training=True),
    _c("bn4d_inference", (4, 3, 3, 5), lambda tf, x, t: tf.layers.batch_normalization(x, training=t),
       training=False),
    _c("bn4d_tensor_true", (4, 3, 3, 5), lambda tf, x, t: tf.layers.batch_normalization(x, training=t),
       training="tensor:true"),
    _c("bn4d_tensor_false", (4, 3, 3, 5), lambda tf, x, t: tf.layers.batch_normalization(x, training=t),
       training="tensor:false"),
    _c("bn4d_axis1_options", (3, 4, 2, 3), lambda tf, x, t: tf.layers.batch_normalization(
        x, axis=1, momentum=0.9, epsilon=0.01, center=False, training=t, name="bn"), training=True),
    _c("bn2d_training", (6, 4), lambda tf, x, t: tf.layers.batch_normalization(x, training=t), training=True),
    _c("bn2d_tensor_true", (6, 4), lambda tf, x, t: tf.layers.batch_normalization(x, momentum=0.8, training=t),
       training="tensor:true"),
    _c("bn2d_tensor_false", (6, 4), lambda tf, x, t: tf.layers.batch_normalization(x, training=t),
       training="tensor:false"),
    _c("bn3d_inference_no_scale", (2, 5, 3), lambda tf, x, t: tf.layers.batch_normalization(
        x, scale=False, training=t), training=False),
    # core
    _c("dense_relu", (3, 5), lambda tf, x, t: tf.layers.dense(x, 4, activation=tf.nn.relu)),
    _c("dense_rank3", (2, 3, 5), lambda tf, x, t: tf.layers.dense(x, 2, name="proj")),
    _c("dropout_inference", (3, 5), lambda tf, x, t: tf.layers.dropout(x, 0.4, training=t), training=False),
    _c("flatten", (2, 3, 2, 2), lambda tf, x, t: tf.layers.flatten(x), static_batch=False),
]

# Bad input: (name, input shape, build); the error class and message TensorFlow gives are recorded.
ERRORS = [
    ("conv2d_rank3_image", (2, 8, 8), lambda tf, x: tf.layers.conv2d(x, 4, 3)),
    ("max_pooling2d_rank5_image", (1, 2, 8, 8, 1), lambda tf, x: tf.layers.max_pooling2d(x, 2, 2)),
    ("conv2d_unknown_channels", (2, 8, 8, None), lambda tf, x: tf.layers.conv2d(x, 4, 3)),
    ("max_pooling2d_rank3_image", (2, 8, 8), lambda tf, x: tf.layers.max_pooling2d(x, 2, 2)),
    ("conv1d_rank2_input", (2, 8), lambda tf, x: tf.layers.conv1d(x, 4, 3)),
    ("conv3d_rank4_input", (2, 4, 4, 1), lambda tf, x: tf.layers.conv3d(x, 2, 2)),
    ("dense_rank1_input", (5,), lambda tf, x: tf.layers.dense(x, 3)),
]

# tf.nn.conv2d of an image of the wrong rank.
RUN_ERROR_SHAPE = (2, 8, 8)


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
    """The upstream gradient the recorded gradients are taken against."""
    return np.random.default_rng(_seed(case_name) + 2).uniform(-1.0, 1.0, size=shape).astype(np.float32)


def training_feed(case):
    return case.training == "tensor:true"


# --- the CNN whose checkpoint moves both ways ----------------------------------------------------------

CNN_INPUT = (None, 12, 12, 1)


def cnn(tf, x, training):
    """conv2d + batch_normalization + max_pooling2d, conv2d + max_pooling2d, dense + dropout, dense."""
    h = tf.layers.conv2d(x, 8, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.batch_normalization(h, training=training)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 16, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.dense(tf.layers.flatten(h), 32, activation=tf.nn.relu)
    h = tf.layers.dropout(h, 0.3, training=training)
    return tf.layers.dense(h, 10, name="logits")


def cnn_eval_input():
    return np.random.default_rng(11).uniform(0, 1, size=(5, 12, 12, 1)).astype(np.float32)


def cnn_train_batch(step):
    rng = np.random.default_rng(100 + step)
    return rng.uniform(0, 1, size=(8, 12, 12, 1)).astype(np.float32), rng.integers(0, 10, size=8).astype(np.int32)


def cnn_train_op(tf, logits, labels):
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        return loss, tf.train.GradientDescentOptimizer(0.1).minimize(loss)


# --- recording -------------------------------------------------------------------------------------------

def _record_case(tf, case, arrays, meta):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(case.dtype, case.shape if case.static_batch else (None,) + case.shape[1:], name="x")
        t = tf.placeholder(tf.bool, [], name="training") if case.training_tensor else case.training
        y = case.build(tf, x, t)
        variables = [(v.name, v.shape.as_list()) for v in tf.global_variables()]
        trainable = tf.trainable_variables()
        values = variable_values(case.name, variables)
        xv = input_value(case)
        feed = {x: xv}
        if case.training_tensor:
            feed[t] = training_feed(case)
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in tf.global_variables():
                v.load(values[v.name], sess)
            out = sess.run(y, feed)
            up = upstream(case.name, out.shape)
            grads = tf.gradients(y, [x] + trainable, grad_ys=tf.constant(up))
            got = sess.run([gr for gr in grads if gr is not None], feed)
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
    if updates:
        for name, value in after.items():
            arrays["%s:after:%s" % (case.name, name)] = value
    meta["cases"][case.name] = {
        "variables": variables, "trainable": [v.name for v in trainable],
        "static_shape": y.shape.as_list(), "grads": names,
        "update_ops": [u.name for u in updates], "output_op": y.op.name}
    del g


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
    with tf.Graph().as_default():
        # An image of unknown rank reaches TensorFlow's Conv2D kernel only when run, where a rank-3 image
        # aborts the process (a failed CHECK in tensor_format.h); its shape function's error is recorded.
        try:
            tf.nn.conv2d(tf.placeholder(tf.float32, RUN_ERROR_SHAPE), tf.zeros([3, 3, 8, 2]), [1, 1, 1, 1], "SAME")
            raise AssertionError("conv2d of a rank-3 image was built")
        except ValueError as e:
            meta["errors"]["nn_conv2d_rank3"] = [type(e).__name__, str(e)]


def _record_cnn(tf, out_dir, arrays, meta):
    tf.set_random_seed(5)
    x = tf.placeholder(tf.float32, CNN_INPUT, name="x")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    training = tf.placeholder_with_default(False, [], name="training")
    logits = cnn(tf, x, training)
    loss, train_op = cnn_train_op(tf, logits, labels)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(3):
            xb, yb = cnn_train_batch(step)
            sess.run(train_op, {x: xb, labels: yb, training: True})
        path = saver.save(sess, os.path.join(out_dir, "cnn", "model.ckpt"), write_meta_graph=False,
                          write_state=False)
        arrays["cnn:eval_logits"] = sess.run(logits, {x: cnn_eval_input()})
        xb, yb = cnn_train_batch(99)
        arrays["cnn:eval_loss"] = np.float32(sess.run(loss, {x: xb, labels: yb}))
    meta["cnn"] = {"variables": [(v.name, v.shape.as_list()) for v in tf.global_variables()],
                   "checkpoint": os.path.relpath(path, out_dir)}


def main():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays, meta = {}, {"tensorflow": tf.__version__, "cases": {}, "errors": {}}
    for case in CASES:
        _record_case(tf, case, arrays, meta)
    _record_errors(tf, meta)
    with tf.Graph().as_default():
        _record_cnn(tf, out_dir, arrays, meta)
    np.savez_compressed(os.path.join(out_dir, "layers.npz"), **arrays)
    with open(os.path.join(out_dir, "layers.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
