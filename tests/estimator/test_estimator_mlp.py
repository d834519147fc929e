"""An MLP classifier Estimator end to end: train, stop, resume from model_dir, evaluate, predict, export,
and the export's classify signature on serialized tf.Examples agreeing with predict."""
import logging
import os

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig, export, inputs
from tagraph.protos import example_pb2
from tagraph.serialization import get_checkpoint_state
from tagraph.serialization.saved_model import signature_constants
from tagraph.serialization.saved_model.signature_runner import SignatureRunner

CLASS_NAMES = ["low", "mid", "high"]
FEATURE_SPEC = {"x": tg.FixedLenFeature([4], tg.float32)}


def make_data(n, seed):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 4).astype(np.float32)
    score = x[:, 0] + 0.5 * x[:, 1] - 0.25 * x[:, 2]
    y = np.digitize(score, [-0.5, 0.5]).astype(np.int64)      # three classes
    return x, y


def mlp_model_fn(features, labels, mode, params):
    h = tg.layers.dense(features["x"], params["hidden"], activation=tg.nn.relu, name="hidden")
    logits = tg.layers.dense(h, 3, name="logits")
    probabilities = tg.nn.softmax(logits, name="probabilities")
    class_ids = tg.argmax(logits, 1, name="class_ids")
    if mode == ModeKeys.PREDICT:
        names = tg.constant(CLASS_NAMES)
        classes = tg.tile(tg.expand_dims(names, 0), tg.stack([tg.shape(logits)[0], 1]))
        return EstimatorSpec(mode, predictions={"class_ids": class_ids, "probabilities": probabilities},
                             export_outputs={
                                 signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY:
                                     export.ClassificationOutput(scores=probabilities, classes=classes),
                                 "predict": export.PredictOutput({"class_ids": class_ids,
                                                                  "probabilities": probabilities})})
    loss = tg.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == ModeKeys.EVAL:
        return EstimatorSpec(mode, loss=loss, eval_metric_ops={
            "accuracy": tg.metrics.accuracy(labels, class_ids),
            "mean_top_probability": tg.metrics.mean(tg.reduce_max(probabilities, axis=1))})
    train_op = tg.train.AdamOptimizer(params["learning_rate"]).minimize(
        loss, global_step=tg.train.get_global_step())
    return EstimatorSpec(mode, loss=loss, train_op=train_op)


def serialize(rows):
    out = []
    for r in rows:
        ex = example_pb2.Example()
        ex.features.feature["x"].float_list.value.extend(float(v) for v in r)
        out.append(ex.SerializeToString())
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """An MLP trained 60 steps, then (a new Estimator, as after a restart) 60 more from model_dir."""
    model_dir = str(tmp_path_factory.mktemp("mlp"))
    x, y = make_data(512, seed=0)
    config = RunConfig(save_checkpoints_steps=25, keep_checkpoint_max=3, log_step_count_steps=20,
                       tf_random_seed=7)
    params = {"hidden": 16, "learning_rate": 0.02}
    train_fn = inputs.numpy_input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True, seed=1)
    first = Estimator(mlp_model_fn, model_dir=model_dir, config=config, params=params)
    first.train(train_fn, steps=60)
    after_first = {n: first.get_variable_value(n) for n in first.get_variable_names()}
    second = Estimator(mlp_model_fn, model_dir=model_dir, config=config, params=params)
    second.train(train_fn, steps=60)
    return {"est": second, "x": x, "y": y, "model_dir": model_dir, "after_first": after_first}


def test_first_run_checkpoints_and_keeps_three(trained):
    state = get_checkpoint_state(trained["model_dir"])
    steps = [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]
    # Saved at 0, 25, 50, 60 (final) in the first run; 60 (restored, not saved again), 85, 110, 120 in the
    # second: three kept across the restart.
    assert steps == [85, 110, 120]
    assert state.model_checkpoint_path.endswith("model.ckpt-120")
    files = sorted(f for f in os.listdir(trained["model_dir"]) if f.endswith(".index"))
    assert files == ["model.ckpt-110.index", "model.ckpt-120.index", "model.ckpt-85.index"]


def test_second_run_resumed_from_model_dir(trained):
    est = trained["est"]
    assert est.get_variable_value("global_step") == 120
    assert "hidden/kernel" in est.get_variable_names()
    # The second run started from the first run's weights, not from a fresh initialization: its Adam
    # step counter (beta1_power = 0.9 ** (steps + 1)) went on from 60.
    beta1_power = [n for n in est.get_variable_names() if n.endswith("beta1_power")]
    assert beta1_power
    np.testing.assert_allclose(est.get_variable_value(beta1_power[0]), 0.9 ** 121, rtol=1e-4)
    np.testing.assert_allclose(trained["after_first"][beta1_power[0]], 0.9 ** 61, rtol=1e-4)
    assert not np.allclose(est.get_variable_value("hidden/kernel"), trained["after_first"]["hidden/kernel"])


def test_max_steps_already_reached_skips_training(trained, caplog):
    est = trained["est"]
    before = est.latest_checkpoint()
    with caplog.at_level(logging.INFO, logger="tagraph.estimator"):
        est.train(inputs.numpy_input_fn({"x": trained["x"]}, trained["y"], batch_size=32, num_epochs=None,
                                        shuffle=True), max_steps=100)
    assert est.latest_checkpoint() == before
    assert "Skipping training since max_steps has already saved" in caplog.text


def test_evaluate_matches_numpy(trained):
    est, x, y = trained["est"], trained["x"], trained["y"]
    result = est.evaluate(inputs.numpy_input_fn({"x": x}, y, batch_size=100, num_epochs=1, shuffle=False))
    assert set(result) == {"accuracy", "mean_top_probability", "loss", "global_step"}
    assert result["global_step"] == 120
    probs = np.stack([p["probabilities"] for p in est.predict(
        inputs.numpy_input_fn({"x": x}, batch_size=100, num_epochs=1, shuffle=False))])
    assert result["accuracy"] == pytest.approx(float(np.mean(probs.argmax(1) == y)), abs=1e-6)
    assert result["accuracy"] > 0.85        # it learned the three bands
    assert result["mean_top_probability"] == pytest.approx(float(probs.max(1).mean()), rel=1e-5)
    # loss: the mean over batches of each batch's mean cross entropy (batches of 100, 100, 100, 100, 100, 12)
    xent = -np.log(probs[np.arange(len(y)), y])
    batch_means = [xent[i:i + 100].mean() for i in range(0, len(y), 100)]
    assert result["loss"] == pytest.approx(float(np.mean(batch_means)), rel=1e-4)


def test_predict_one_dict_per_example_and_predict_keys(trained):
    est, x = trained["est"], trained["x"][:7]
    preds = list(est.predict(inputs.numpy_input_fn({"x": x}, batch_size=3, shuffle=False)))
    assert len(preds) == 7
    assert set(preds[0]) == {"class_ids", "probabilities"}
    assert preds[0]["probabilities"].shape == (3,)
    np.testing.assert_allclose([p["probabilities"].sum() for p in preds], 1.0, rtol=1e-5)
    only = list(est.predict(inputs.numpy_input_fn({"x": x}, batch_size=3, shuffle=False),
                            predict_keys=["class_ids"]))
    assert [set(p) for p in only] == [{"class_ids"}] * 7
    assert [p["class_ids"] for p in only] == [p["class_ids"] for p in preds]
    with pytest.raises(ValueError, match="Expected to run at least one output"):
        list(est.predict(inputs.numpy_input_fn({"x": x}, shuffle=False), predict_keys=["nope"]))
    batches = list(est.predict(inputs.numpy_input_fn({"x": x}, batch_size=4, shuffle=False),
                               yield_single_examples=False))
    assert [b["class_ids"].shape for b in batches] == [(4,), (3,)]


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    base = str(tmp_path_factory.mktemp("export"))
    path = trained["est"].export_saved_model(base, export.build_parsing_serving_input_receiver_fn(FEATURE_SPEC))
    return path.decode()


def test_export_layout(exported):
    assert isinstance(exported, str) and os.path.basename(exported).isdigit()
    assert sorted(os.listdir(exported)) == ["saved_model.pb", "variables"]
    assert not [n for n in os.listdir(os.path.dirname(exported)) if n.startswith("temp-")]
    with SignatureRunner(exported) as runner:
        keys = set(runner.signature_keys)
        assert {"serving_default", "predict"} <= keys
        sig = runner.signature_def("serving_default")
        assert sig.method_name == "tensorflow/serving/classify"
        assert set(sig.inputs) == {"inputs"} and set(sig.outputs) == {"classes", "scores"}
        assert runner.signature_def("predict").method_name == "tensorflow/serving/predict"
        assert set(runner.signature_def("predict").inputs) == {"examples"}


def test_classify_signature_matches_predict(trained, exported):
    est = trained["est"]
    x, _ = make_data(20, seed=5)
    preds = list(est.predict(inputs.numpy_input_fn({"x": x}, batch_size=8, shuffle=False)))
    with SignatureRunner(exported) as runner:
        out = runner.run({"inputs": serialize(x)}, signature_key="serving_default")
        pred_out = runner.run({"examples": serialize(x)}, signature_key="predict")
    scores = np.stack([p["probabilities"] for p in preds])
    np.testing.assert_allclose(out["scores"], scores, rtol=1e-6, atol=1e-7)
    assert out["classes"].shape == (20, 3)
    assert [c.decode() for c in out["classes"][0]] == CLASS_NAMES
    best = [out["classes"][i, j].decode() for i, j in enumerate(out["scores"].argmax(1))]
    assert best == [CLASS_NAMES[p["class_ids"]] for p in preds]
    np.testing.assert_array_equal(pred_out["class_ids"], [p["class_ids"] for p in preds])


def test_export_of_a_missing_feature_is_an_error_naming_it(exported):
    ex = example_pb2.Example()
    ex.features.feature["y"].float_list.value.append(1.0)
    with SignatureRunner(exported) as runner:
        with pytest.raises(tg.errors.InvalidArgumentError, match=r"Feature: x .*required"):
            runner.run({"inputs": [ex.SerializeToString()]})


def test_export_gpu_meta_graph_and_garbage_collection(trained, tmp_path):
    from tagraph.serialization.saved_model import loader
    est = trained["est"]
    receiver_fn = export.build_parsing_serving_input_receiver_fn(FEATURE_SPEC)
    paths = [est.export_saved_model(str(tmp_path), receiver_fn, export_gpu_meta_graph=(i == 2)).decode()
             for i in range(3)]
    assert len(set(paths)) == 3 and sorted(paths) == paths
    sm = loader.parse_saved_model(paths[2])
    assert sorted(sorted(mg.meta_info_def.tags) for mg in sm.meta_graphs) == [["gpu", "serve"], ["serve"]]
    x, _ = make_data(5, seed=9)
    with SignatureRunner(paths[2], tags=["serve"]) as cpu, SignatureRunner(paths[2], tags=["serve", "gpu"],
                                                                            config=tg.ConfigProto(
                                                                                allow_soft_placement=True)) as gpu:
        a = cpu.run({"inputs": serialize(x)})["scores"]
        b = gpu.run({"inputs": serialize(x)})["scores"]
    np.testing.assert_allclose(a, b, rtol=1e-6)
    deleted = export.garbage_collect_exports(str(tmp_path), exports_to_keep=1)
    assert deleted == paths[:2]
    assert os.listdir(str(tmp_path)) == [os.path.basename(paths[2])]


def test_resume_continues_from_checkpoint_not_reinitialized(tmp_path):
    # Two runs of 5 steps each equal one run of 10, batch for batch, when the input is the same.
    x, y = make_data(64, seed=3)
    config = RunConfig(tf_random_seed=3, save_checkpoints_steps=1000, log_step_count_steps=0)
    params = {"hidden": 8, "learning_rate": 0.05}
    batch = ({"x": x}, y)
    once = Estimator(mlp_model_fn, model_dir=str(tmp_path / "once"), config=config, params=params)
    once.train(lambda: batch, steps=10)
    twice = Estimator(mlp_model_fn, model_dir=str(tmp_path / "twice"), config=config, params=params)
    twice.train(lambda: batch, steps=5)
    twice.train(lambda: batch, steps=5)
    assert twice.get_variable_value("global_step") == 10
    for name in ("hidden/kernel", "logits/bias"):
        np.testing.assert_allclose(twice.get_variable_value(name), once.get_variable_value(name), rtol=1e-5,
                                   atol=1e-6)
