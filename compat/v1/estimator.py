"""``tf.estimator``: ``tagraph.estimator`` (Estimator, EstimatorSpec, ModeKeys, RunConfig), with
``tf.estimator.export`` (serving input receivers, export outputs) and ``tf.estimator.inputs``
(``numpy_input_fn``).

TensorFlow 2.16 dropped ``tf.estimator``; its names here are those of the last tensorflow-estimator
(2.15), with its session run hooks, TrainSpec, EvalSpec, train_and_evaluate, exporters and
WarmStartSettings. The canned estimators and heads are not supported yet.

    estimator = tf.estimator.Estimator(model_fn, model_dir="/tmp/model")
    estimator.train(tf.estimator.inputs.numpy_input_fn({"x": x}, y, shuffle=False), steps=100)
"""
import tagraph.estimator as _estimator
from tagraph.compat import namespace as _namespace

export = _namespace.new_module(__name__ + ".export", "tf.estimator.export",
                               "``tf.estimator.export``: serving input receivers and export outputs.",
                               sources=(_estimator.export,))
inputs = _namespace.new_module(__name__ + ".inputs", "tf.estimator.inputs",
                               "``tf.estimator.inputs``: input functions over in-memory data.",
                               sources=(_estimator.inputs,))

_namespace.install(globals(), "tf.estimator", sources=(_estimator,))
