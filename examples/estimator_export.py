"""The guide's "Using SavedModel with Estimators": prepare serving inputs, specify the outputs, export.

    python examples/estimator_export.py [DIR]     # model in DIR/estimator_model, exports under DIR/estimator_export

An Estimator (a custom model_fn: one hidden layer, three classes of points in the plane) trains for a
few hundred steps, checkpointing in its model_dir, and is evaluated. Then it is exported twice:

* with the guide's hand-written ``serving_input_receiver_fn``: one string placeholder of serialized
  tf.Examples, parsed with ``parse_example`` and a feature spec (a FixedLenFeature and a VarLenFeature);
  this is what a server's Classify and Regress APIs feed. The model_fn's ``export_outputs`` give three
  signatures (a multi-headed model): ``serving_default`` (Classify), ``regression`` and ``predict``;
* with ``build_raw_serving_input_receiver_fn``: placeholders for the features themselves, for the
  Predict API with raw feature data.

Each export is a SavedModel in a time-stamped folder under its export base (the layout a model
server's ``--model_base_path`` expects); serve_estimator.py serves the first one.
"""
import os

import numpy as np

import tagraph.engine as tg
from tagraph.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig, export, inputs
from tagraph.serialization.saved_model import loader

from _guide import section, workdir

CLASSES = ["red", "green", "blue"]
CENTRES = np.array([[0.0, 2.0], [-1.7, -1.0], [1.7, -1.0]], np.float32)
default_batch_size = None

feature_spec = {"x": tg.FixedLenFeature([2], tg.float32),
                "tags": tg.VarLenFeature(tg.string)}      # parsed, but not used by this model


def make_data(n, seed):
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 3, n).astype(np.int32)
    x = CENTRES[labels] + rng.normal(0, 0.6, (n, 2)).astype(np.float32)
    return x.astype(np.float32), labels


def model_fn(features, labels, mode, params):
    h = tg.layers.dense(features["x"], 16, activation=tg.nn.relu, name="hidden")
    logits = tg.layers.dense(h, len(CLASSES), name="logits")
    probabilities = tg.nn.softmax(logits, name="probabilities")
    class_ids = tg.argmax(logits, 1, output_type=tg.int32, name="class_ids")
    if mode == ModeKeys.PREDICT:
        batch = tg.shape(logits)[0:1]
        classes = tg.tile(tg.constant([CLASSES]), tg.concat([batch, [1]], 0), name="classes")
        export_outputs = {
            # One head must be the default: what a request that names no signature gets.
            "serving_default": export.ClassificationOutput(scores=probabilities, classes=classes),
            "regression": export.RegressionOutput(value=tg.reduce_max(probabilities, 1, name="confidence")),
            "predict": export.PredictOutput({"class_ids": class_ids, "probabilities": probabilities}),
        }
        return EstimatorSpec(mode, predictions={"class_ids": class_ids, "probabilities": probabilities},
                             export_outputs=export_outputs)
    loss = tg.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == ModeKeys.EVAL:
        accuracy = tg.metrics.accuracy(labels, class_ids)
        return EstimatorSpec(mode, loss=loss, eval_metric_ops={"accuracy": accuracy})
    train_op = tg.train.AdamOptimizer(params["learning_rate"]).minimize(
        loss, global_step=tg.train.get_global_step())
    return EstimatorSpec(mode, loss=loss, train_op=train_op)


def serving_input_receiver_fn():
    """An input receiver that expects a serialized tf.Example."""
    serialized_tf_example = tg.placeholder(dtype=tg.string,
                                           shape=[default_batch_size],
                                           name="input_example_tensor")
    receiver_tensors = {"examples": serialized_tf_example}
    features = tg.parse_example(serialized_tf_example, feature_spec)
    return export.ServingInputReceiver(features, receiver_tensors)


def make_estimator(directory):
    return Estimator(model_fn, model_dir=os.path.join(directory, "estimator_model"),
                     config=RunConfig(save_checkpoints_steps=100, tf_random_seed=0),
                     params={"learning_rate": 0.05})


def train_and_export(directory, steps=300, quiet=False):
    """Trains (if model_dir has no checkpoint yet) and exports; returns (export base, export path)."""
    say = (lambda *a: None) if quiet else print
    estimator = make_estimator(directory)
    x, y = make_data(600, seed=0)
    if estimator.latest_checkpoint() is None:
        estimator.train(inputs.numpy_input_fn({"x": x}, y, batch_size=50, num_epochs=None, shuffle=True, seed=0),
                        steps=steps)
    say("checkpoints in %s: latest %s" % (estimator.model_dir, os.path.basename(estimator.latest_checkpoint())))
    test_x, test_y = make_data(300, seed=1)
    metrics = estimator.evaluate(inputs.numpy_input_fn({"x": test_x}, test_y, batch_size=300, shuffle=False))
    say("evaluate: accuracy %.3f, loss %.4f, global_step %d" % (metrics["accuracy"], metrics["loss"],
                                                                 metrics["global_step"]))
    export_dir_base = os.path.join(directory, "estimator_export")
    export_path = estimator.export_savedmodel(export_dir_base, serving_input_receiver_fn,
                                              strip_default_attrs=True)
    return estimator, export_dir_base, os.fsdecode(export_path), metrics


def describe(export_path):
    mg = loader.SavedModelLoader(export_path).get_meta_graph_def_from_tags(["serve"])
    for key in sorted(mg.signature_def):
        sig = mg.signature_def[key]
        print("  signature %-16s %-28s inputs %s -> outputs %s" % (
            key, sig.method_name, {k: v.name for k, v in sorted(sig.inputs.items())}, sorted(sig.outputs)))


def main(argv=None):
    directory = workdir(argv)
    section("Train and evaluate an Estimator (checkpoints in its model_dir)")
    estimator, export_dir_base, export_path, metrics = train_and_export(directory)
    assert metrics["accuracy"] > 0.9, metrics

    section("estimator.export_savedmodel(export_dir_base, serving_input_receiver_fn, strip_default_attrs=True)")
    print("exported to %s" % os.path.relpath(export_path, directory))
    describe(export_path)

    section("build_parsing_serving_input_receiver_fn(feature_spec): the same receiver, from the utility")
    receiver = tg.Graph()
    with receiver.as_default():
        r = export.build_parsing_serving_input_receiver_fn(feature_spec)()
        print("receiver tensors %s; features %s" % (
            {k: v.name for k, v in r.receiver_tensors.items()}, sorted(r.features)))

    section("build_raw_serving_input_receiver_fn: a pass-through receiver, for the Predict API")
    raw_base = os.path.join(directory, "estimator_export_raw")
    raw_fn = export.build_raw_serving_input_receiver_fn({"x": tg.placeholder(tg.float32, [None, 2])})
    raw_path = os.fsdecode(estimator.export_savedmodel(raw_base, raw_fn))
    print("exported to %s" % os.path.relpath(raw_path, directory))
    describe(raw_path)
    from tagraph.serialization.saved_model import SignatureRunner
    with SignatureRunner(raw_path) as runner:
        out = runner.run({"x": CENTRES}, "predict")
        print("predict on the three class centres: class_ids %s" % out["class_ids"].tolist())
        assert out["class_ids"].tolist() == [0, 1, 2]


if __name__ == "__main__":
    main()
