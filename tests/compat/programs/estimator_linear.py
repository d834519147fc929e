# An Estimator with a model_fn, trained, evaluated, used to predict and exported.
# TensorFlow 2.21 has no tf.estimator to compare with: no reference values.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

x_train = np.linspace(-1.0, 1.0, 40, dtype=np.float32).reshape(-1, 1)
y_train = 3.0 * x_train - 1.0


def model_fn(features, labels, mode, params):
    w = tf.get_variable("w", [1, 1], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    predictions = tf.matmul(features["x"], w) + b
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions},
                                          export_outputs={"serving_default":
                                                          tf.estimator.export.PredictOutput({"y": predictions})})
    loss = tf.losses.mean_squared_error(labels, predictions)
    train_op = tf.train.GradientDescentOptimizer(params["learning_rate"]).minimize(
        loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                      eval_metric_ops={"mse": tf.metrics.mean(tf.square(labels - predictions))})


model_dir = tempfile.mkdtemp()
estimator = tf.estimator.Estimator(model_fn, model_dir=model_dir, params={"learning_rate": 0.5},
                                   config=tf.estimator.RunConfig(save_checkpoints_steps=50))
train_input = tf.estimator.inputs.numpy_input_fn({"x": x_train}, y_train, batch_size=10, num_epochs=None,
                                                  shuffle=False)
estimator.train(train_input, steps=100)
metrics = estimator.evaluate(tf.estimator.inputs.numpy_input_fn({"x": x_train}, y_train, shuffle=False))
predictions = [p["y"] for p in estimator.predict(
    tf.estimator.inputs.numpy_input_fn({"x": np.array([[0.0], [2.0]], np.float32)}, shuffle=False))]


def serving_input_receiver_fn():
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    return tf.estimator.export.ServingInputReceiver({"x": x}, {"x": x})


export_dir = estimator.export_savedmodel(os.path.join(model_dir, "export"), serving_input_receiver_fn)
with tf.Session(graph=tf.Graph()) as sess:
    meta = tf.saved_model.loader.load(sess, ["serve"], export_dir)
    sig = meta.signature_def["serving_default"]
    served = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [[1.0]]})

results = {
    "loss": metrics["loss"],
    "mse": metrics["mse"],
    "global_step": metrics["global_step"],
    "predictions": predictions,
    "w": estimator.get_variable_value("w"),
    "served": served,
    "latest": os.path.basename(tf.train.latest_checkpoint(model_dir)),
}
