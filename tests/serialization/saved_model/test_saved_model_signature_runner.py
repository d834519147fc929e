"""SignatureRunner: named numpy in, named numpy out, and clear errors for every kind of wrong input."""
import os
import threading

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import signature_def_utils
from tagraph.serialization.saved_model.signature_runner import SignatureRunner, run_signature

TF_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tf")
HPT = os.path.join(TF_DATA, "half_plus_two")
IAE = tg.errors.InvalidArgumentError


@pytest.fixture(scope="module")
def runner():
    r = SignatureRunner(HPT, tags=["serve"])
    yield r
    r.close()


def test_run_default_signature(runner, expected):
    e = expected["half_plus_two"]
    out = runner.run({"x": np.array(e["x"], np.float32)})
    assert list(out) == ["y"] and out["y"].dtype == np.float32
    np.testing.assert_allclose(out["y"], e["y"])
    np.testing.assert_allclose(runner({"x": [[1.0]]})["y"], [[2.5]])          # lists and float64 convert
    np.testing.assert_allclose(runner.run({"x": np.array([[1]], np.int32)})["y"], [[2.5]])
    assert runner.signature_keys == ["classify_x2_to_y3", "classify_x_to_y", "regress_x2_to_y3", "regress_x_to_y",
                                     "regress_x_to_y2", "serving_default"]
    assert runner.tags == ["serve"]
    assert runner.signature_def("regress_x_to_y").method_name == "tensorflow/serving/regress"


def test_run_signature_one_call(expected):
    e = expected["x1_x2_to_y"]
    out = run_signature(os.path.join(TF_DATA, "x1_x2_to_y"), {"x1": e["x1"], "x2": e["x2"]}, "x1_x2_to_y")
    np.testing.assert_allclose(out["y"], e["y"])


def test_unknown_signature_key(runner):
    with pytest.raises(tg.errors.NotFoundError, match="Signature 'nope' is not in.*serving_default"):
        runner.run({"x": [[1.0]]}, "nope")
    with pytest.raises(tg.errors.NotFoundError):
        runner.run({}, "__saved_model_init_op")


def test_wrong_input_name(runner):
    with pytest.raises(IAE, match=r"Signature 'serving_default' has no input named 'z'; its inputs are: "
                                  r"'x' \(float32, shape \(-1, 1\)\)"):
        runner.run({"z": [[1.0]]})
    with pytest.raises(IAE, match=r"needs input 'x', which was not given"):
        runner.run({})


def test_wrong_dtype(runner):
    with pytest.raises(IAE, match=r"Input 'x' of signature 'serving_default' expects float32 values, got strings"):
        runner.run({"x": [["1.0"]]})
    with pytest.raises(IAE, match=r"Input 'inputs' of signature 'regress_x_to_y' expects string"):
        runner.run({"inputs": np.ones(2, np.float32)}, "regress_x_to_y")
    with pytest.raises(IAE, match=r"expects dtype float32, got bool"):
        runner.run({"x": np.array([[True]])})
    with pytest.raises(IAE, match=r"expects dtype float32, got complex128"):
        runner.run({"x": np.array([[1j]])})


def test_wrong_shape(runner):
    with pytest.raises(IAE, match=r"Input 'x' of signature 'serving_default' expects shape \(-1, 1\), "
                                  r"got shape \(3,\)"):
        runner.run({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(IAE, match=r"expects shape \(-1, 1\), got shape \(2, 2\)"):
        runner.run({"x": np.ones((2, 2), np.float32)})


def test_output_keys(runner):
    with pytest.raises(IAE, match="no output named 'nope'; its outputs are: 'y'"):
        runner.run({"x": [[1.0]]}, output_keys=["nope"])
    assert list(runner.run({"x": [[1.0]]}, output_keys="y")) == ["y"]


def test_malformed_example_input(runner):
    with pytest.raises(IAE, match="Could not parse example input at index 0"):
        runner.run({"inputs": [b"\xff\xfe not a proto"]}, "regress_x_to_y")


def test_bad_export_dir_errors(tmp_path):
    with pytest.raises(tg.errors.NotFoundError):
        SignatureRunner(str(tmp_path / "missing"))
    with pytest.raises(tg.errors.NotFoundError, match="available tags"):
        SignatureRunner(HPT, tags=["train"])


def test_threads_share_one_runner(runner):
    errors = []

    def work(i):
        try:
            for _ in range(20):
                x = np.full((3, 1), float(i), np.float32)
                np.testing.assert_allclose(runner.run({"x": x})["y"], 0.5 * x + 2)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_sparse_output_and_string_output(tmp_path, tf_example):
    export_dir = str(tmp_path / "sparse")
    with tg.Graph().as_default():
        s = tg.placeholder(tg.string, [None], name="examples")
        feats = tg.parse_example(s, {"ids": tg.VarLenFeature(tg.int64), "name": tg.FixedLenFeature([], tg.string,
                                                                                                   default_value="")})
        with tg.Session() as sess:
            b = saved_model.builder.SavedModelBuilder(export_dir)
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={
                "serving_default": signature_def_utils.predict_signature_def(
                    {"examples": s}, {"ids": feats["ids"], "name": feats["name"]})})
            b.save()
    out = run_signature(export_dir, {"examples": [tf_example(ids=[3, 4], name=["a"]), tf_example(ids=[5])]})
    np.testing.assert_array_equal(out["ids"].indices, [[0, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(out["ids"].values, [3, 4, 5])
    np.testing.assert_array_equal(out["ids"].dense_shape, [2, 2])
    assert list(out["name"]) == [b"a", b""]


def test_signature_defaults_and_placeholder_with_default(tmp_path):
    from tagraph.serialization.saved_model import utils
    export_dir = str(tmp_path / "defaults")
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 1], name="x")
        scale = tg.placeholder_with_default(tg.constant(2.0), [], name="scale")
        y = tg.multiply(x, scale, name="y")
        sig = signature_def_utils.build_signature_def(
            {"x": utils.build_tensor_info(x), "scale": utils.build_tensor_info(scale)},
            {"y": utils.build_tensor_info(y)}, "tensorflow/serving/predict", defaults={"x": [[1.0], [3.0]]})
        with tg.Session() as sess:
            b = saved_model.builder.SavedModelBuilder(export_dir)
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"serving_default": sig})
            b.save()
    with SignatureRunner(export_dir) as r:
        np.testing.assert_allclose(r.run({})["y"], [[2.0], [6.0]])
        np.testing.assert_allclose(r.run({"x": [[1.0]], "scale": 10.0})["y"], [[10.0]])
