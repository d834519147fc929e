"""Export outputs, serving input receivers and their SignatureDefs; a multi-headed model's export."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig, export
from tagraph.protos import example_pb2
from tagraph.serialization.saved_model.signature_runner import SignatureRunner

SPEC = {"x": tg.FixedLenFeature([2], tg.float32), "w": tg.FixedLenFeature([], tg.float32, default_value=1.0)}


def examples(rows, w=None):
    out = []
    for i, r in enumerate(rows):
        ex = example_pb2.Example()
        ex.features.feature["x"].float_list.value.extend(float(v) for v in r)
        if w is not None:
            ex.features.feature["w"].float_list.value.append(float(w[i]))
        out.append(ex.SerializeToString())
    return out


def multi_head_model_fn(features, labels, mode):
    """A linear regression with a regress head, a predict head and a classify head (y > 0)."""
    x = tg.convert_to_tensor(features["x"])
    value = tg.squeeze(tg.layers.dense(x, 1, name="linear"), axis=[1])
    if "w" in features:
        value = value * features["w"]
    if mode == ModeKeys.PREDICT:
        positive = tg.sigmoid(value)
        scores = tg.stack([1.0 - positive, positive], axis=1)
        return EstimatorSpec(mode, predictions={"value": value}, export_outputs={
            "regress": export.RegressionOutput(value),
            "predict": export.PredictOutput({"value": value, "doubled": value * 2.0}),
            "serving_default": export.ClassificationOutput(scores=scores)})
    loss = tg.losses.mean_squared_error(labels, value)
    train_op = tg.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=tg.train.get_global_step())
    return EstimatorSpec(mode, loss=loss, train_op=train_op)


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    rng = np.random.RandomState(0)
    x = rng.randn(128, 2).astype(np.float32)
    y = (x @ np.float32([2.0, -1.0]) + 0.5).astype(np.float32)
    est = Estimator(multi_head_model_fn, model_dir=str(tmp_path_factory.mktemp("linear")),
                    config=RunConfig(tf_random_seed=1, log_step_count_steps=0))
    est.train(lambda: ({"x": x}, y), steps=40)
    return est


def test_multi_head_export_has_a_signature_per_head(linear, tmp_path):
    path = linear.export_saved_model(str(tmp_path), export.build_parsing_serving_input_receiver_fn(SPEC)).decode()
    rows = np.float32([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    w = np.float32([1.0, 2.0, 3.0])
    kernel = linear.get_variable_value("linear/kernel").reshape(-1)
    bias = linear.get_variable_value("linear/bias")
    want = (rows @ kernel + bias) * w
    with SignatureRunner(path) as runner:
        assert set(runner.signature_keys) == {"regress", "predict", "serving_default"}
        assert runner.signature_def("regress").method_name == "tensorflow/serving/regress"
        assert runner.signature_def("predict").method_name == "tensorflow/serving/predict"
        assert runner.signature_def("serving_default").method_name == "tensorflow/serving/classify"
        got = runner.run({"inputs": examples(rows, w)}, signature_key="regress")["outputs"]
        np.testing.assert_allclose(got.reshape(-1), want, rtol=1e-5)
        pred = runner.run({"examples": examples(rows)}, signature_key="predict")    # w defaults to 1.0
        np.testing.assert_allclose(pred["value"], rows @ kernel + bias, rtol=1e-5)
        np.testing.assert_allclose(pred["doubled"], 2 * pred["value"], rtol=1e-6)
        scores = runner.run({"inputs": examples(rows, w)})["scores"]
        np.testing.assert_allclose(scores[:, 1], 1 / (1 + np.exp(-want)), rtol=1e-5)
    assert np.allclose(kernel, [2.0, -1.0], atol=0.2)    # it trained


def test_raw_receiver_exports_predict_only_and_excludes_classify(linear, tmp_path, caplog):
    receiver_fn = export.build_raw_serving_input_receiver_fn({"x": np.zeros([1, 2], np.float32)})
    path = linear.export_saved_model(str(tmp_path), receiver_fn).decode()
    with SignatureRunner(path) as runner:
        # classify and regress need one string input (serialized tf.Examples): left out, with a warning.
        assert set(runner.signature_keys) == {"predict"}
        out = runner.run({"x": np.float32([[1.0, 2.0]])}, signature_key="predict")
    assert out["value"].shape == (1,)
    assert "Classification input must be a single string Tensor" in caplog.text


def test_receiver_tensors_alternatives_add_prefixed_signatures(linear, tmp_path):
    def receiver_fn():
        serialized = tg.placeholder(tg.string, [None], name="input_example_tensor")
        features = tg.parse_example(serialized, SPEC)
        raw = tg.placeholder(tg.float32, [None, 2], name="raw_x")
        return export.ServingInputReceiver(features, {"examples": serialized},
                                           receiver_tensors_alternatives={"raw": {"x": raw}})
    path = linear.export_saved_model(str(tmp_path), receiver_fn).decode()
    with SignatureRunner(path) as runner:
        assert {"regress", "predict", "serving_default", "raw:predict"} <= set(runner.signature_keys)
        assert "raw:regress" not in runner.signature_keys


def test_no_valid_signature_is_an_error(linear, tmp_path):
    def receiver_fn():
        a = tg.placeholder(tg.float32, [None, 2], name="a")
        b = tg.placeholder(tg.float32, [None], name="b")
        return export.ServingInputReceiver({"x": a, "w": b}, {"a": a, "b": b})

    class OnlyClassify(Estimator):
        pass

    def model_fn(features, labels, mode):
        v = tg.reduce_sum(features["x"], axis=1)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=v, export_outputs={"r": export.RegressionOutput(v)})
        return multi_head_model_fn(features, labels, mode)
    est = OnlyClassify(model_fn, model_dir=linear.model_dir)
    with pytest.raises(ValueError, match="No valid signatures"):
        est.export_saved_model(str(tmp_path), receiver_fn)
    assert list(tmp_path.iterdir()) == []      # nothing half-written


def test_export_without_checkpoint_is_an_error(tmp_path):
    est = Estimator(multi_head_model_fn, model_dir=str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="Could not find trained model"):
        est.export_saved_model(str(tmp_path / "out"), export.build_parsing_serving_input_receiver_fn(SPEC))


def test_assets_extra_and_as_text(linear, tmp_path):
    extra = tmp_path / "vocab.txt"
    extra.write_text("a\nb\n")
    path = linear.export_saved_model(str(tmp_path / "out"), export.build_parsing_serving_input_receiver_fn(SPEC),
                                     assets_extra={"data/vocab.txt": str(extra)}, as_text=True).decode()
    import os
    assert os.path.exists(os.path.join(path, "saved_model.pbtxt"))
    with open(os.path.join(path, "assets.extra", "data", "vocab.txt")) as f:
        assert f.read() == "a\nb\n"


# --- EstimatorSpec and export outputs -----------------------------------------------------------------

def test_export_outputs_default_key_rules():
    with tg.Graph().as_default():
        v = tg.placeholder(tg.float32, [None])
        one = EstimatorSpec(ModeKeys.PREDICT, predictions=v, export_outputs={"head": export.RegressionOutput(v)})
        assert set(one.export_outputs) == {"head", "serving_default"}
        none = EstimatorSpec(ModeKeys.PREDICT, predictions={"v": v})
        assert isinstance(none.export_outputs["serving_default"], export.PredictOutput)
        with pytest.raises(ValueError, match="none of them is specified as the default"):
            EstimatorSpec(ModeKeys.PREDICT, predictions=v, export_outputs={
                "a": export.RegressionOutput(v), "b": export.PredictOutput(v)})
        with pytest.raises(TypeError, match="ExportOutput"):
            EstimatorSpec(ModeKeys.PREDICT, predictions=v, export_outputs={"a": v})


def test_estimator_spec_validation():
    with tg.Graph().as_default():
        v = tg.placeholder(tg.float32, [None])
        loss = tg.reduce_mean(v)
        with pytest.raises(ValueError, match="Missing train_op"):
            EstimatorSpec(ModeKeys.TRAIN, loss=loss)
        with pytest.raises(ValueError, match="Missing loss"):
            EstimatorSpec(ModeKeys.EVAL)
        with pytest.raises(ValueError, match="Missing predictions"):
            EstimatorSpec(ModeKeys.PREDICT)
        with pytest.raises(ValueError, match="Loss must be scalar"):
            EstimatorSpec(ModeKeys.EVAL, loss=tg.placeholder(tg.float32, [3]))
        with pytest.raises(TypeError, match="eval_metric_ops"):
            EstimatorSpec(ModeKeys.EVAL, loss=loss, eval_metric_ops={"m": loss})


def test_output_type_checks():
    with tg.Graph().as_default():
        f = tg.placeholder(tg.float32, [None, 2])
        i = tg.placeholder(tg.int64, [None])
        s = tg.placeholder(tg.string, [None, 2])
        with pytest.raises(ValueError, match="At least one of scores and classes"):
            export.ClassificationOutput()
        with pytest.raises(ValueError, match="scores must be a float32"):
            export.ClassificationOutput(scores=i)
        with pytest.raises(ValueError, match="classes must be a string"):
            export.ClassificationOutput(classes=i)
        with pytest.raises(ValueError, match="Regression output value must be a float32"):
            export.RegressionOutput(i)
        with pytest.raises(ValueError, match="Prediction output key must be a string"):
            export.PredictOutput({1: f})
        sig = export.ClassificationOutput(scores=f, classes=s).as_signature_def(
            {"examples": tg.placeholder(tg.string, [None])})
        assert set(sig.outputs) == {"scores", "classes"} and set(sig.inputs) == {"inputs"}
        with pytest.raises(ValueError, match="single string Tensor"):
            export.RegressionOutput(f[:, 0]).as_signature_def({"x": f})


def test_serving_input_receiver_wraps_single_tensors_and_checks():
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None])
        r = export.ServingInputReceiver(s, s)
        assert set(r.features) == {"feature"} and set(r.receiver_tensors) == {"input"}
        with pytest.raises(ValueError, match="must be a Tensor"):
            export.ServingInputReceiver({"x": np.zeros(2)}, s)
        with pytest.raises(ValueError, match="feature and receiver keys must be strings"):
            export.ServingInputReceiver({1: s}, s)
        r = export.ServingInputReceiver(s, s, receiver_tensors_alternatives={"other": s})
        assert r.receiver_tensors_alternatives == {"other": {"input": s}}


def test_garbage_collect_exports_keeps_newest_and_leaves_other_folders(tmp_path):
    for name in ("100", "200", "300", "temp-400", "notes"):
        (tmp_path / name).mkdir()
    assert export.garbage_collect_exports(str(tmp_path), 2) == [str(tmp_path / "100")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["200", "300", "notes", "temp-400"]
    assert export.garbage_collect_exports(str(tmp_path / "missing"), 2) == []
    assert export.garbage_collect_exports(str(tmp_path), 0) == [str(tmp_path / "200"), str(tmp_path / "300")]
    with pytest.raises(ValueError):
        export.garbage_collect_exports(str(tmp_path), -1)
