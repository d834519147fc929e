"""The Estimator's training loop as TensorFlow's runs it: hooks passed to train/evaluate/predict and given in
the EstimatorSpec, the summaries and eval events it writes under model_dir, and train_and_evaluate with
TrainSpec and EvalSpec (evaluations after checkpoints, throttling, exporters).
"""
import logging
import os
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.estimator import (CheckpointSaverHook, Estimator, EstimatorSpec, EvalSpec, Exporter, FinalExporter,
                               LatestExporter, ModeKeys, RunConfig, SessionRunArgs, SessionRunHook, TrainSpec, export,
                               inputs, train_and_evaluate)
from tagraph.serialization.checkpoint_state import get_checkpoint_state

RNG = np.random.RandomState(0)
X = RNG.rand(40, 3).astype(np.float32)
Y = (X @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)


class Calls(SessionRunHook):
    """Counts a hook's calls; fetches ``fetch`` if given."""

    def __init__(self, fetch_name=None):
        self.fetch_name = fetch_name
        self.counts = {"begin": 0, "after_create_session": 0, "before_run": 0, "after_run": 0, "end": 0}
        self.values = []

    def begin(self):
        self.counts["begin"] += 1
        self.fetch = tg.get_default_graph().get_tensor_by_name(self.fetch_name) if self.fetch_name else None

    def after_create_session(self, session, coord):
        self.counts["after_create_session"] += 1

    def before_run(self, run_context):
        self.counts["before_run"] += 1
        return SessionRunArgs(self.fetch) if self.fetch is not None else None

    def after_run(self, run_context, run_values):
        self.counts["after_run"] += 1
        if self.fetch is not None:
            self.values.append(run_values.results)

    def end(self, session):
        self.counts["end"] += 1


def model_fn(features, labels, mode, params):
    pred = tg.squeeze(tg.layers.dense(features["x"], 1, name="dense"), axis=1)
    spec_hooks = params.get("spec_hooks", {})
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions={"pred": pred}, prediction_hooks=spec_hooks.get("predict"))
    loss = tg.losses.mean_squared_error(labels, pred)
    mae = tg.metrics.mean(tg.abs(labels - pred))
    train_op = tg.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=tg.train.get_global_step())
    return EstimatorSpec(mode, loss=loss, train_op=train_op, eval_metric_ops={"mae": mae},
                         training_hooks=spec_hooks.get("train"), training_chief_hooks=spec_hooks.get("chief"),
                         evaluation_hooks=spec_hooks.get("eval"))


def make(tmp_path, params=None, **config):
    config.setdefault("log_step_count_steps", 0)
    return Estimator(model_fn, model_dir=str(tmp_path), params=params or {},
                     config=RunConfig(tf_random_seed=1, **config))


def batches(num_epochs=1, batch_size=10):
    return inputs.numpy_input_fn({"x": X}, Y, batch_size=batch_size, num_epochs=num_epochs, shuffle=False)


def events(folder):
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2
    tg.summary.FileWriterCache.clear()
    out = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("events.out.tfevents."):
            out.extend(event_pb2.Event.FromString(b) for b in RawEventFileLoader(os.path.join(folder, name)).Load())
    return out


def test_train_evaluate_and_predict_run_the_hooks_they_are_given(tmp_path):
    train_hook, spec_train, chief = Calls("dense/BiasAdd:0"), Calls(), Calls()
    eval_hook, spec_eval, predict_hook, spec_predict = Calls(), Calls(), Calls(), Calls()
    params = {"spec_hooks": {"train": [spec_train], "chief": [chief], "eval": [spec_eval], "predict": [spec_predict]}}
    est = make(tmp_path, params)
    est.train(batches(), hooks=[train_hook], steps=3)
    for hook in (train_hook, spec_train, chief):
        assert hook.counts == {"begin": 1, "after_create_session": 1, "before_run": 3, "after_run": 3, "end": 1}
    assert [v.shape for v in train_hook.values] == [(10, 1)] * 3
    est.evaluate(batches(), hooks=[eval_hook])
    for hook in (eval_hook, spec_eval):
        assert hook.counts == {"begin": 1, "after_create_session": 1, "before_run": 5, "after_run": 4, "end": 1}
    assert len(list(est.predict(batches(), hooks=[predict_hook]))) == 40
    for hook in (predict_hook, spec_predict):
        assert hook.counts["before_run"] == 5 and hook.counts["after_run"] == 4 and hook.counts["end"] == 1
    with pytest.raises(TypeError, match="Hooks must be a SessionRunHook"):
        est.evaluate(batches(), hooks=[object()])
    with pytest.raises(TypeError, match="All hooks must be SessionRunHook instances"):
        EstimatorSpec(ModeKeys.PREDICT, predictions={"p": tg.constant([1.0])}, prediction_hooks=[object()])


def test_a_hook_that_stops_training_and_an_own_checkpoint_saver_hook(tmp_path):
    class StopAfter(SessionRunHook):
        def __init__(self, n):
            self.n = n

        def after_run(self, run_context, run_values):
            self.n -= 1
            if self.n == 0:
                run_context.request_stop()

    est = make(tmp_path, save_checkpoints_steps=100)
    saver_hook = CheckpointSaverHook(str(tmp_path), save_steps=2)
    est.train(batches(num_epochs=None), hooks=[StopAfter(5), saver_hook])
    assert est.get_variable_value("global_step") == 5
    # The Estimator used the given CheckpointSaverHook instead of making its own.
    state = get_checkpoint_state(str(tmp_path))
    assert [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths] == [0, 2, 4, 5]


def test_training_writes_the_loss_summary_and_steps_per_second(tmp_path, caplog):
    est = make(tmp_path, save_summary_steps=4, log_step_count_steps=3)
    with caplog.at_level(logging.INFO, logger="tagraph.estimator"):
        est.train(batches(num_epochs=None), steps=10)
    got = [(e.step, v.tag) for e in events(str(tmp_path)) if e.HasField("summary") for v in e.summary.value]
    assert got == [(1, "loss"), (4, "global_step/sec"), (5, "loss"), (7, "global_step/sec"), (9, "loss"),
                   (10, "global_step/sec")]
    assert os.path.exists(str(tmp_path / "graph.pbtxt"))
    assert len(re.findall(r"loss = [\d.e+-]+, step = \d+", caplog.text)) == 4
    assert "Loss for final step" in caplog.text


def test_evaluate_writes_its_results_into_the_eval_folder(tmp_path, caplog):
    est = make(tmp_path)
    est.train(batches(), steps=4)
    with caplog.at_level(logging.INFO, logger="tagraph.estimator"):
        first = est.evaluate(batches(), steps=2)
        named = est.evaluate(batches(), name="validation")
    assert first["global_step"] == 4 and set(first) == {"loss", "mae", "global_step"}
    assert re.search(r"Evaluation \[1/2\]", caplog.text) and re.search(r"Evaluation \[2/2\]", caplog.text)
    assert re.search(r"Saving dict for global step 4: global_step = 4, loss = [\d.e-]+, mae = [\d.e-]+",
                     caplog.text)
    for folder, result in ((est.eval_dir(), first), (est.eval_dir("validation"), named)):
        values = [(e.step, v) for e in events(folder) if e.HasField("summary") for v in e.summary.value]
        assert sorted(v.tag for s, v in values) == ["checkpoint_path", "loss", "mae"]
        assert all(s == 4 for s, v in values)
        scalars = {v.tag: v.simple_value for s, v in values if v.tag != "checkpoint_path"}
        assert scalars == pytest.approx({"loss": result["loss"], "mae": result["mae"]}, rel=1e-6)
        path = [v.tensor.string_val[0].decode() for s, v in values if v.tag == "checkpoint_path"]
        assert path == [est.latest_checkpoint()]
    assert est.eval_dir("validation") == os.path.join(str(tmp_path), "eval_validation")


def test_train_spec_and_eval_spec_check_their_arguments():
    fn = batches()
    with pytest.raises(TypeError, match="`input_fn` must be callable"):
        TrainSpec(3)
    with pytest.raises(ValueError, match="Must specify max_steps > 0"):
        TrainSpec(fn, max_steps=0)
    with pytest.raises(TypeError, match="All hooks must be SessionRunHook instances"):
        TrainSpec(fn, hooks=[object()])
    with pytest.raises(TypeError, match="All saving_listeners must be `CheckpointSaverListener` instances"):
        TrainSpec(fn, saving_listeners=[object()])
    with pytest.raises(ValueError, match="Must specify steps > 0"):
        EvalSpec(fn, steps=0)
    with pytest.raises(TypeError, match="`name` must be string"):
        EvalSpec(fn, name=3)
    with pytest.raises(ValueError, match="Must specify throttle_secs >= 0"):
        EvalSpec(fn, throttle_secs=-1)
    with pytest.raises(ValueError, match="Must specify start_delay_secs >= 0"):
        EvalSpec(fn, start_delay_secs=-1)
    with pytest.raises(TypeError, match="`exporters` must be an Exporter"):
        EvalSpec(fn, exporters=[object()])
    receiver = lambda: None  # noqa: E731
    with pytest.raises(ValueError, match="`exporters` must have unique names"):
        EvalSpec(fn, exporters=[LatestExporter("a", receiver), FinalExporter("a", receiver)])
    spec = EvalSpec(fn)
    assert (spec.steps, spec.throttle_secs, spec.start_delay_secs, spec.exporters) == (100, 600, 120, ())
    with pytest.raises(TypeError, match="`estimator` must have type `tf.estimator.Estimator`"):
        train_and_evaluate(object(), TrainSpec(fn), spec)
    with pytest.raises(TypeError, match="`eval_spec` must have type `tf.estimator.EvalSpec`"):
        train_and_evaluate(make("/tmp/unused_model_dir"), TrainSpec(fn), object())


class Recording(Exporter):
    def __init__(self):
        self.calls = []

    @property
    def name(self):
        return "recording"

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        self.calls.append((os.path.basename(checkpoint_path), eval_result["global_step"], is_the_final_export,
                           export_path))
        return "exported-%d" % eval_result["global_step"]


def test_train_and_evaluate_evaluates_after_each_new_checkpoint(tmp_path):
    est = make(tmp_path, save_checkpoints_steps=3)
    recording = Recording()
    metrics, exports = train_and_evaluate(est, TrainSpec(batches(num_epochs=None), max_steps=8),
                                          EvalSpec(batches(), steps=None, throttle_secs=0, exporters=[recording]))
    assert metrics["global_step"] == 8 and exports == ["exported-8"]
    # Not the checkpoint saved when training starts: after each later one, and the last.
    assert [c[:3] for c in recording.calls] == [("model.ckpt-3", 3, False), ("model.ckpt-6", 6, False),
                                                ("model.ckpt-8", 8, True)]
    assert recording.calls[0][3] == os.path.join(str(tmp_path), "export", "recording")
    steps = sorted({e.step for e in events(est.eval_dir()) if e.HasField("summary")})
    assert steps == [3, 6, 8]
    np.testing.assert_allclose(metrics["loss"], est.evaluate(batches())["loss"], rtol=1e-6)


def test_train_and_evaluate_throttles_and_exports(tmp_path):
    est = make(tmp_path, save_checkpoints_steps=2)
    feature_spec = {"x": tg.FixedLenFeature([3], tg.float32)}
    receiver = export.build_parsing_serving_input_receiver_fn(feature_spec)
    spec = EvalSpec(batches(), steps=1, throttle_secs=3600, name="held_out",
                    exporters=[LatestExporter("latest", receiver, exports_to_keep=1), FinalExporter("final", receiver)])
    metrics, exports = train_and_evaluate(est, TrainSpec(batches(num_epochs=None), max_steps=7), spec)
    # Throttled to one evaluation an hour: the first checkpoint after the start, then the last one.
    steps = sorted({e.step for e in events(est.eval_dir("held_out")) if e.HasField("summary")})
    assert steps == [2, 7] and metrics["global_step"] == 7
    latest = os.listdir(os.path.join(str(tmp_path), "export", "latest"))
    final = os.listdir(os.path.join(str(tmp_path), "export", "final"))
    assert len(latest) == 1 and len(final) == 1 and exports[0].decode().endswith(latest[0])
    assert os.path.exists(os.path.join(str(tmp_path), "export", "final", final[0], "saved_model.pb"))


def dataset_input_fn(num_epochs=1, labels=True):
    def input_fn():
        ds = tg.data.Dataset.from_tensor_slices(({"x": X}, Y) if labels else {"x": X})
        return ds.repeat(num_epochs).batch(10)
    return input_fn


def test_an_input_fn_may_return_a_dataset(tmp_path):
    est = make(tmp_path)
    est.train(dataset_input_fn(num_epochs=2))                       # until the dataset ends: 8 batches
    assert est.get_variable_value("global_step") == 8
    assert [int(p.rsplit("-", 1)[1]) for p in get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths] == [0, 8]
    from_dataset = est.evaluate(dataset_input_fn())                  # every batch, then the metrics
    from_arrays = est.evaluate(batches())
    assert from_dataset == pytest.approx(from_arrays, rel=1e-6)
    assert est.evaluate(dataset_input_fn(), steps=2)["loss"] == pytest.approx(est.evaluate(batches(), steps=2)["loss"])
    preds = list(est.predict(dataset_input_fn(labels=False)))
    assert len(preds) == 40
    np.testing.assert_allclose([p["pred"] for p in preds], [p["pred"] for p in est.predict(batches())], rtol=1e-6)
    est.train(dataset_input_fn(num_epochs=None), steps=3)           # endless: steps decide
    assert est.get_variable_value("global_step") == 11
