"""Input functions, and how Estimator.train checkpoints, stops, logs and places its model."""
import logging
import os
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.estimator import (CheckpointSaverListener, Estimator, EstimatorSpec, ModeKeys,
                               NanLossDuringTrainingError, RunConfig, inputs)
from tagraph.serialization import get_checkpoint_state

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10, dtype=np.int64)


# --- numpy_input_fn and generator_input_fn -----------------------------------------------------------

def test_numpy_input_fn_batches_epochs_and_last_partial_batch():
    fn = inputs.numpy_input_fn({"a": X}, Y, batch_size=4, num_epochs=2, shuffle=False)
    batches = list(fn())
    assert [len(l) for _, l in batches] == [4, 4, 2, 4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([f["a"] for f, _ in batches[:3]]), X)
    np.testing.assert_array_equal(batches[3][1], Y[:4])


def test_numpy_input_fn_shuffle_is_a_permutation_each_epoch_and_seeded():
    fn = inputs.numpy_input_fn(X, {"y": Y}, batch_size=10, num_epochs=3, shuffle=True, seed=4)
    epochs = [l["y"] for _, l in fn()]
    assert all(sorted(e) == list(Y) for e in epochs)
    assert not all(np.array_equal(e, Y) for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1])
    again = [l["y"] for _, l in fn()]
    assert all(np.array_equal(a, b) for a, b in zip(epochs, again))
    feats, _ = next(fn())
    assert isinstance(feats, np.ndarray)                # a single array stays a single feature
    np.testing.assert_array_equal(feats, X[epochs[0]])  # rows stay with their labels


def test_numpy_input_fn_forever_and_without_labels():
    fn = inputs.numpy_input_fn({"a": X}, batch_size=3, num_epochs=None, shuffle=False)
    gen = fn()
    got = [next(gen) for _ in range(9)]
    assert all(l is None for _, l in got)
    assert sum(len(f["a"]) for f, _ in got) == 3 + 3 + 3 + 1 + 3 + 3 + 3 + 1 + 3


@pytest.mark.parametrize("kwargs, match", [
    (dict(x={"a": X}, y=Y, shuffle=None), "shuffle must be provided explicitly as a bool"),
    (dict(x={"a": X}, y=Y[:5], shuffle=False), "mismatched"),
    (dict(x={"a": X}, y={"a": Y}, shuffle=False), "duplicate keys"),
    (dict(x={}, shuffle=False), "empty dict"),
    (dict(x={"a": X}, shuffle=False, batch_size=0), "batch_size"),
    (dict(x={"a": X}, shuffle=False, num_epochs=0), "num_epochs"),
])
def test_numpy_input_fn_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        inputs.numpy_input_fn(**kwargs)


def test_generator_input_fn_batches_examples_and_takes_out_targets():
    def gen():
        for i in range(7):
            yield {"x": X[i], "y": Y[i], "z": float(i)}
    fn = inputs.generator_input_fn(gen, target_key="y", batch_size=3, num_epochs=1, shuffle=False)
    batches = list(fn())
    assert [len(l) for _, l in batches] == [3, 3, 1]
    assert set(batches[0][0]) == {"x", "z"}
    np.testing.assert_array_equal(batches[0][0]["x"], X[:3])
    np.testing.assert_array_equal(np.concatenate([l for _, l in batches]), Y[:7])
    shuffled = inputs.generator_input_fn(gen, target_key=["y"], batch_size=7, num_epochs=2, shuffle=True,
                                         queue_capacity=4, seed=0)
    epochs = [l["y"] for _, l in shuffled()]
    assert [sorted(e) for e in epochs] == [list(Y[:7])] * 2
    with pytest.raises(KeyError, match="target_key"):
        list(inputs.generator_input_fn(gen, target_key="nope", shuffle=False)())


# --- a linear model to train -------------------------------------------------------------------------

def linear_model_fn(features, labels, mode, params, config):
    x = features["x"] if isinstance(features, dict) else features
    pred = tg.squeeze(tg.layers.dense(tg.cast(x, tg.float32), 1, name="dense"), axis=[1])
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions=pred)
    loss = tg.losses.mean_squared_error(tg.cast(labels, tg.float32), pred)
    step = tg.train.get_global_step()
    train_op = tg.train.GradientDescentOptimizer(params.get("lr", 0.01)).minimize(
        loss, global_step=None if params.get("frozen_step") else step)
    return EstimatorSpec(mode, loss=loss, train_op=train_op,
                         eval_metric_ops={"mae": tg.metrics.mean(tg.abs(pred - tg.cast(labels, tg.float32)))})


def make(tmp_path, **config):
    params = config.pop("params", {})
    config.setdefault("log_step_count_steps", 0)
    return Estimator(linear_model_fn, model_dir=str(tmp_path), config=RunConfig(tf_random_seed=0, **config),
                     params=params)


def steps_in(model_dir):
    state = get_checkpoint_state(model_dir)
    return [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]


def test_generator_input_trains_until_exhausted(tmp_path):
    est = make(tmp_path)
    est.train(inputs.numpy_input_fn({"x": X}, Y, batch_size=4, num_epochs=2, shuffle=False))
    assert est.get_variable_value("global_step") == 6
    assert steps_in(str(tmp_path)) == [0, 6]


def test_steps_and_max_steps(tmp_path):
    est = make(tmp_path, save_checkpoints_steps=3, keep_checkpoint_max=10)
    batch = lambda: ({"x": X}, Y)  # noqa: E731
    est.train(batch, steps=4)
    est.train(batch, max_steps=7)
    est.train(batch, max_steps=7)          # already there: nothing happens
    assert est.get_variable_value("global_step") == 7
    assert steps_in(str(tmp_path)) == [0, 3, 4, 7]
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        est.train(batch, steps=1, max_steps=10)
    with pytest.raises(ValueError, match="steps > 0"):
        est.train(batch, steps=0)
    with pytest.raises(ValueError, match="never end"):
        est.train(batch)


def test_save_checkpoints_secs(tmp_path, monkeypatch):
    import tagraph.estimator.basic_session_run_hooks as hooks_module
    clock = [1000.0]

    class FakeTime:
        @staticmethod
        def time():
            clock[0] += 4.0       # every call: four seconds later
            return clock[0]
    monkeypatch.setattr(hooks_module, "time", FakeTime)
    est = make(tmp_path, save_checkpoints_secs=10, keep_checkpoint_max=100)
    est.train(lambda: ({"x": X}, Y), steps=12)
    saved = steps_in(str(tmp_path))
    assert saved[0] == 0 and saved[-1] == 12
    assert 3 <= len(saved) <= 10             # some in between, not every step
    assert all(b > a for a, b in zip(saved, saved[1:]))


def test_logs_loss_and_steps_per_second(tmp_path, caplog):
    est = make(tmp_path, log_step_count_steps=5)
    with caplog.at_level(logging.INFO, logger="tagraph.estimator"):
        est.train(lambda: ({"x": X}, Y), steps=11)
    text = caplog.text
    assert re.search(r"loss = [0-9.e+-]+, step = 1\b", text)
    assert re.search(r"loss = [0-9.e+-]+, step = 6 \(", text)
    assert re.search(r"loss = [0-9.e+-]+, step = 11 \(", text)
    assert len(re.findall(r"global_step/sec: [0-9.e+]+", text)) == 2
    assert "Saving checkpoints for 11 into" in text
    assert "Loss for final step" in text


def test_nan_loss_stops_training(tmp_path):
    est = make(tmp_path, params={"lr": 1e30})
    with pytest.raises(NanLossDuringTrainingError, match="NaN loss during training"):
        est.train(lambda: ({"x": X * 1e10}, Y), steps=50)


def test_frozen_global_step_still_stops_after_steps(tmp_path, caplog):
    est = make(tmp_path, params={"frozen_step": True})
    with caplog.at_level(logging.WARNING, logger="tagraph.estimator"):
        est.train(lambda: ({"x": X}, Y), steps=3)
    assert "global step (tg.train.get_global_step) has not been increased" in caplog.text


def test_tensor_input_fn_params_mode_config(tmp_path):
    seen = []

    def input_fn(params, mode, config):
        seen.append((params["tag"], mode, config.model_dir))
        return {"x": tg.constant(X)}, tg.constant(Y)
    est = make(tmp_path, params={"tag": "p"})
    est.train(input_fn, steps=3)
    result = est.evaluate(input_fn)
    preds = list(est.predict(input_fn))
    assert seen == [("p", ModeKeys.TRAIN, str(tmp_path)), ("p", ModeKeys.EVAL, str(tmp_path)),
                    ("p", ModeKeys.PREDICT, str(tmp_path))]
    assert result["global_step"] == 3 and len(preds) == 10
    kernel = est.get_variable_value("dense/kernel").reshape(-1)
    bias = est.get_variable_value("dense/bias")
    np.testing.assert_allclose(preds, X @ kernel + bias, rtol=1e-5)
    np.testing.assert_allclose(result["mae"], np.mean(np.abs(X @ kernel + bias - Y)), rtol=1e-5)


def test_features_only_batches_and_single_array_features(tmp_path):
    est = make(tmp_path)
    est.train(inputs.numpy_input_fn(X, Y, batch_size=5, shuffle=False))
    preds = list(est.predict(lambda: X[:3]))                   # features alone, no labels
    assert len(preds) == 3
    gen_preds = list(est.predict(lambda: (b for b in [X[:2], X[2:5]])))
    np.testing.assert_allclose(gen_preds, list(est.predict(lambda: X[:5])), rtol=1e-6)


def test_evaluate_steps_and_errors(tmp_path):
    est = make(tmp_path)
    with pytest.raises(ValueError, match="Could not find trained model"):
        est.evaluate(lambda: ({"x": X}, Y))
    est.train(lambda: ({"x": X}, Y), steps=2)
    two = est.evaluate(inputs.numpy_input_fn({"x": X}, Y, batch_size=2, shuffle=False), steps=2)
    first4 = est.evaluate(lambda: ({"x": X[:4]}, Y[:4]))
    assert two["mae"] == pytest.approx(first4["mae"], rel=1e-6)

    def with_loss_metric(features, labels, mode, params, config):
        spec = linear_model_fn(features, labels, mode, params, config)
        if mode == ModeKeys.EVAL:
            return spec._replace(eval_metric_ops={"loss": tg.metrics.mean(spec.loss)})
        return spec
    other = Estimator(with_loss_metric, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match='Metric with name "loss" is not allowed'):
        other.evaluate(lambda: ({"x": X}, Y))


def test_saving_listeners_and_hook_types(tmp_path):
    calls = []

    class Listener(CheckpointSaverListener):
        def begin(self):
            calls.append("begin")

        def after_save(self, session, step):
            calls.append(step)

        def end(self, session, step):
            calls.append(("end", step))
    est = make(tmp_path, save_checkpoints_steps=2)
    est.train(lambda: ({"x": X}, Y), steps=5, saving_listeners=[Listener()])
    assert calls == ["begin", 0, 2, 4, 5, ("end", 5)]
    with pytest.raises(TypeError, match="Hooks must be a SessionRunHook"):
        est.train(lambda: ({"x": X}, Y), steps=1, hooks=[object()])
    with pytest.raises(TypeError, match="saving_listeners must be a list of CheckpointSaverListener"):
        est.train(lambda: ({"x": X}, Y), steps=1, saving_listeners=[object()])
    no_saver_hook = make(tmp_path / "none", save_checkpoints_steps=None, save_checkpoints_secs=None)
    with pytest.raises(ValueError, match="There should be a CheckpointSaverHook to use saving_listeners"):
        no_saver_hook.train(lambda: ({"x": X}, Y), steps=1, saving_listeners=[Listener()])


def test_config_and_constructor_checks(tmp_path):
    with pytest.raises(ValueError, match="model_dir are set both"):
        Estimator(linear_model_fn, model_dir=str(tmp_path / "a"), config=RunConfig(model_dir=str(tmp_path / "b")))
    with pytest.raises(ValueError, match="must include features"):
        Estimator(lambda x, labels: None)
    with pytest.raises(ValueError, match="Can not provide both"):
        RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
    c = RunConfig(save_checkpoints_secs=5).replace(save_checkpoints_steps=10)
    assert c.save_checkpoints_steps == 10 and c.save_checkpoints_secs is None
    with pytest.raises(ValueError, match="not supported"):
        RunConfig().replace(bogus=1)
    est = Estimator(linear_model_fn, config=RunConfig(model_dir=str(tmp_path / "c")))
    assert est.model_dir == str(tmp_path / "c")
    assert est.config.session_config.allow_soft_placement


def test_model_runs_on_the_gpu_when_present(tmp_path, simulated_gpus, caplog):
    simulated_gpus(1)
    est = make(tmp_path / "gpu", session_config=tg.ConfigProto(allow_soft_placement=True,
                                                               log_device_placement=True))
    with caplog.at_level(logging.INFO, logger="tagraph.placement"):
        est.train(lambda: ({"x": X}, Y), steps=3)
    assert re.search(r"dense/MatMul: \(MatMul\): \S*GPU:0", caplog.text)
    cpu = make(tmp_path / "cpu", session_config=tg.ConfigProto(device_count={"GPU": 0}))
    cpu.train(lambda: ({"x": X}, Y), steps=3)
    for name in ("dense/kernel", "dense/bias"):
        np.testing.assert_allclose(est.get_variable_value(name), cpu.get_variable_value(name), rtol=1e-5)
    pinned = make(tmp_path / "pinned", device_fn="/device:CPU:0",
                  session_config=tg.ConfigProto(log_device_placement=True))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tagraph.placement"):
        pinned.train(lambda: ({"x": X}, Y), steps=1)
    assert re.search(r"dense/MatMul: \(MatMul\): \S*CPU:0", caplog.text)
    assert os.path.exists(pinned.latest_checkpoint() + ".index")


def test_interrupted_training_resumes_from_the_last_periodic_checkpoint(tmp_path):
    class Interrupted(Exception):
        pass

    def flaky_input():
        for i in range(100):
            if i == 8:
                raise Interrupted("the machine went away")
            yield {"x": X}, Y
    est = make(tmp_path, save_checkpoints_steps=3)
    with pytest.raises(Interrupted):
        est.train(flaky_input, steps=20)
    assert steps_in(str(tmp_path)) == [0, 3, 6]          # no final save after a failure
    again = make(tmp_path, save_checkpoints_steps=3)
    again.train(lambda: ({"x": X}, Y), max_steps=10)
    assert again.get_variable_value("global_step") == 10
    assert steps_in(str(tmp_path))[-1] == 10


def test_sparse_features_parse_with_a_simulated_gpu(simulated_gpus):
    from tagraph.protos import example_pb2
    simulated_gpus(1)
    ex = example_pb2.Example()
    ex.features.feature["i"].int64_list.value.extend([3, 1])
    ex.features.feature["w"].float_list.value.extend([0.5, 1.5])
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None])
        out = tg.parse_example(s, {"sp": tg.SparseFeature("i", "w", tg.float32, 5)})["sp"]
        doubled = out.values * 2.0
        with tg.Session() as sess:
            got, d = sess.run([out, doubled], {s: [ex.SerializeToString()]})
    np.testing.assert_array_equal(got.indices, [[0, 1], [0, 3]])
    np.testing.assert_array_equal(d, [3.0, 1.0])
