"""TensorFlow 2 SavedModels (their computation in function libraries) served over REST and gRPC, with
TensorFlow Serving's response shapes and TensorFlow's values (tests/data/tf2, recorded from TF 2.21)."""
import json
import pathlib

import numpy as np
import pytest

from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto
from tagraph.protos import predict_pb2, prediction_service_pb2_grpc

from conftest import copy_model

TF2 = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf2"
EXPECTED = json.loads((TF2 / "expected.json").read_text())


@pytest.fixture(scope="module")
def tf2_server(tmp_path_factory):
    from conftest import ServerProcess
    root = tmp_path_factory.mktemp("tf2models")
    config = []
    for name in ("two_signatures", "keras_dense", "keras_embedding_lstm"):
        copy_model(TF2 / name, root / name / "1")
        config.append('config { name: "%s" base_path: "%s" model_platform: "tensorflow" }' % (name, root / name))
    (root / "models.config").write_text("model_config_list { %s }" % " ".join(config))
    server = ServerProcess(["--model_config_file=%s" % (root / "models.config")], root / "server.log", timeout=60)
    yield server
    server.stop()


def _case(model, signature="serving_default"):
    case = EXPECTED[model][signature]
    return {k: np.asarray(v, dtype=case["dtypes"][k]) for k, v in case["inputs"].items()}, case["outputs"]


@pytest.mark.parametrize("model", ["keras_dense", "keras_embedding_lstm"])
def test_rest_predict_row_and_columnar_forms(tf2_server, model):
    inputs, outputs = _case(model)
    (key, x), = inputs.items()
    (out_key, want), = outputs.items()
    status, doc = tf2_server.post_json("/v1/models/%s:predict" % model, {"instances": x.tolist()})
    assert status == 200, doc
    np.testing.assert_allclose(doc["predictions"], want, rtol=1e-5, atol=1e-6)
    status, doc = tf2_server.post_json("/v1/models/%s:predict" % model, {"inputs": {key: x.tolist()}})
    assert status == 200, doc
    np.testing.assert_allclose(doc["outputs"], want, rtol=1e-5, atol=1e-6)    # one output: a bare value


def test_rest_predict_by_signature_with_several_outputs(tf2_server):
    inputs, outputs = _case("two_signatures", "add")
    status, doc = tf2_server.post_json("/v1/models/two_signatures:predict",
                                       {"signature_name": "add", "inputs": {k: v.tolist() for k, v in inputs.items()}})
    assert status == 200, doc
    assert sorted(doc["outputs"]) == ["prod", "sum"]
    for k, v in outputs.items():
        np.testing.assert_allclose(doc["outputs"][k], v, rtol=1e-6)
    status, doc = tf2_server.post_json("/v1/models/two_signatures:predict", {
        "signature_name": "add", "instances": [{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 4.0}]})
    assert status == 200, doc
    assert doc["predictions"] == [{"prod": 2.0, "sum": 3.0}, {"prod": 12.0, "sum": 7.0}]


def test_grpc_predict_on_a_tf2_model(tf2_server):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(tf2_server.channel)
    inputs, outputs = _case("two_signatures", "pick")
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "two_signatures"
    req.model_spec.signature_name = "pick"
    for k, v in inputs.items():
        req.inputs[k].CopyFrom(make_tensor_proto(v))
    resp = stub.Predict(req, timeout=30)
    assert list(resp.outputs) == ["z"] and resp.model_spec.signature_name == "pick"
    np.testing.assert_allclose(make_ndarray(resp.outputs["z"]), outputs["z"], rtol=1e-6)
