"""The REST API of a running server: TensorFlow Serving's JSON formats, codes and messages."""
import base64
import json

import pytest


@pytest.mark.parametrize("path, value, version", [
    ("/v1/models/m:predict", 6.0, 2),
    ("/v1/models/m/versions/1:predict", 4.0, 1),
    ("/v1/models/m/labels/stable:predict", 4.0, 1),
    ("/v1/models/m/labels/canary:predict", 6.0, 2),
    ("/V1/Models/m/VERSIONS/2:PREDICT", 6.0, 2),          # TensorFlow Serving matches case-insensitively
])
def test_predict_row_format(shared_server, path, value, version):
    status, doc = shared_server.post_json(path, {"instances": [[1.0, 1.0], [0.5, 0.5]]})
    assert status == 200, doc
    assert doc == {"predictions": [[value], [value / 2]]}


def test_predict_columnar_format_and_signature_name(shared_server):
    status, doc = shared_server.post_json("/v1/models/hpt:predict", {"inputs": [[1.0], [2.0]]})
    assert (status, doc) == (200, {"outputs": [[2.5], [3.0]]})
    status, doc = shared_server.post_json("/v1/models/hpt:predict", {"signature_name": "serving_default",
                                                                     "inputs": {"x": [[3.0]]}})
    assert (status, doc) == (200, {"outputs": [[3.5]]})
    status, doc = shared_server.post_json("/v1/models/hpt:predict", {"instances": [{"x": [3.0]}]})
    assert (status, doc) == (200, {"predictions": [[3.5]]})


def test_float_formatting_is_tensorflow_servings(shared_server):
    status, body = shared_server.post("/v1/models/hpt:predict", {"instances": [[0.2], [1e7], [0.1]]})
    assert status == 200
    # 0.5 * 0.2 + 2 = 2.1 (float32) is written "2.1", a whole number gets ".0", 5e6+2 is "%g"-exact.
    assert json.loads(body) == {"predictions": [[2.1], [5000002.0], [2.05]]}
    assert "[2.1]" in body.replace(" ", "") and "5000002.0" in body


def test_classify_and_regress(shared_server):
    status, doc = shared_server.post_json("/v1/models/hpt:classify", {
        "signature_name": "classify_x_to_y", "examples": [{"x": 1.0}, {"x": [2.0]}]})
    assert (status, doc) == (200, {"results": [[["", 2.5]], [["", 3.0]]]})
    status, doc = shared_server.post_json("/v1/models/hpt/versions/1:regress", {
        "signature_name": "regress_x_to_y2", "context": {"x": 10.0}, "examples": [{"x": 2.0}, {}]})
    assert (status, doc) == (200, {"results": [4.0, 8.0]})


def test_model_status_and_metadata(shared_server):
    status, doc = shared_server.get("/v1/models/m")
    assert status == 200
    assert json.loads(doc) == {"model_version_status": [
        {"version": "2", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}},
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}
    status, doc = shared_server.get("/v1/models/m/versions/1")
    assert status == 200 and [s["version"] for s in json.loads(doc)["model_version_status"]] == ["1"]
    status, doc = shared_server.get("/v1/models/m/labels/canary")
    assert status == 200 and [s["version"] for s in json.loads(doc)["model_version_status"]] == ["2"]

    status, doc = shared_server.get("/v1/models/hpt/metadata")
    assert status == 200
    meta = json.loads(doc)
    assert meta["model_spec"] == {"name": "hpt", "signature_name": "", "version": "1"}
    sigs = meta["metadata"]["signature_def"]["signature_def"]
    assert sigs["serving_default"]["method_name"] == "tensorflow/serving/predict"
    assert sigs["serving_default"]["inputs"]["x"]["dtype"] == "DT_FLOAT"
    status, doc = shared_server.get("/v1/models/m/versions/1/metadata")
    assert status == 200 and json.loads(doc)["model_spec"]["version"] == "1"


@pytest.mark.parametrize("method, path, body, code, message", [
    ("POST", "/v1/models/nope:predict", {"instances": [[1.0, 1.0]]}, 404,
     "Servable not found for request: Latest(nope)"),
    ("POST", "/v1/models/m/versions/9:predict", {"instances": [[1.0, 1.0]]}, 404,
     "Servable not found for request: Specific(m, 9)"),
    ("POST", "/v1/models/m/labels/beta:predict", {"instances": [[1.0, 1.0]]}, 400,
     "Unrecognized servable version label: beta"),
    ("POST", "/v1/models/m:predict", {"signature_name": "zzz", "instances": [[1.0, 1.0]]}, 400,
     'Serving signature name: "zzz" not found in signature def'),
    ("POST", "/v1/models/m:predict", "{not json", 400, "JSON Parse error: Missing a name for object member. at "
                                                       "offset: 1"),
    ("POST", "/v1/models/m:predict", "", 400, "JSON Parse error: The document is empty"),
    ("POST", "/v1/models/m:predict", {"instances": [[1.0, 1.0]], "inputs": [[1.0]]}, 400,
     'JSON Value: {"instances":[[1.0,1.0]],"inputs":[[1.0]]} Not formatted correctly expecting only one of '
     "'inputs' or 'instances' keys to exist "),
    ("POST", "/v1/models/m:predict", {"instances": []}, 400, "JSON Value: {\"instances\":[]} No values in "
                                                             "'instances' array"),
    ("POST", "/v1/models/m:predict", {"foo": 1}, 400, "Missing 'inputs' or 'instances' key"),
    ("POST", "/v1/models/m:predict", {"instances": [["a", "b"]]}, 400,
     'Failed to process element: 0 of \'instances\' list. Error: INVALID_ARGUMENT: JSON Value: "a" Type: String is '
     "not of expected type: float"),
    ("POST", "/v1/models/m:predict", {"instances": [[1.0, 1.0], [1.0]]}, 400,
     "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but "
     "got: 1"),
    ("POST", "/v1/models/m:predict", {"inputs": [[1.0, 1.0, 1.0]]}, 400,
     "Input 'x' of signature 'serving_default' has shape [1,3], which does not match the signature's shape [-1,2]"),
    ("POST", "/v1/models/m:predict", {"inputs": {"q": [[1.0, 1.0]]}}, 400, "Missing named input: x in 'inputs' "
                                                                           "object."),
    ("POST", "/v1/models/hpt:classify", {"signature_name": "classify_x_to_y"}, 400,
     'JSON Value: {"signature_name":"classify_x_to_y"} When method is classify, key \'examples\' is expected and '
     "was not found"),
    ("POST", "/v1/models/hpt:regress", {"signature_name": "regress_x_to_y", "examples": [{"x": [1.0, 2]}]}, 400,
     "Unexpected element type in feature: x expecting type: float"),
    ("POST", "/v1/models/m/versions/x:predict", {}, 400, "Malformed request: POST /v1/models/m/versions/x:predict"),
    ("GET", "/v1/models", None, 400, "Missing model name in request."),
    ("GET", "/v1/models/nope", None, 404, "Could not find any versions of model nope"),
    ("GET", "/v1/models/m/versions/7", None, 404, "Could not find version 7 of model m"),
    ("GET", "/v1/models/nope/metadata", None, 404, "Servable not found for request: Latest(nope)"),
    ("GET", "/nothing/here", None, 404, "Not found: GET /nothing/here"),
])
def test_errors(shared_server, method, path, body, code, message):
    if method == "GET":
        status, text = shared_server.get(path)
    else:
        status, text = shared_server.post(path, body)
    assert (status, json.loads(text)) == (code, {"error": message})


def test_base64_strings(shared_server, tmp_path):
    # Binary strings travel as {"b64": ...}: a serialized tf.Example fed to a string input.
    from tagraph.protos import example_pb2
    ex = example_pb2.Example()
    ex.features.feature["x"].float_list.value.append(6.0)
    b64 = base64.b64encode(ex.SerializeToString()).decode()
    status, doc = shared_server.post_json("/v1/models/hpt:classify", {"signature_name": "classify_x_to_y",
                                                                      "examples": [{"x": 6.0}]})
    assert (status, doc) == (200, {"results": [[["", 5.0]]]})
    status, doc = shared_server.post_json("/v1/models/hpt:predict", {"signature_name": "regress_x_to_y",
                                                                     "instances": [{"b64": b64}]})
    assert (status, doc) == (200, {"predictions": [[5.0]]})
    status, doc = shared_server.post_json("/v1/models/hpt:predict", {"signature_name": "regress_x_to_y",
                                                                     "inputs": {"inputs": [{"b64": "!!"}]}})
    assert (status, doc) == (400, {"error": "Unable to base64 decode"})


def test_oversized_body_is_refused(shared_server):
    status, text = shared_server.post("/v1/models/m:predict", {"instances": [[1.0, 1.0]] * 20000})
    assert status == 413
    assert "exceeds the limit of 65536 bytes" in json.loads(text)["error"]


def test_health_and_readiness(shared_server):
    assert shared_server.get("/healthz") == (200, '{"status": "alive"}')
    status, text = shared_server.get("/readyz")
    assert status == 200 and json.loads(text)["status"] == "ready"


def test_prometheus_metrics(shared_server):
    shared_server.post("/v1/models/m/versions/1:predict", {"instances": [[1.0, 1.0]]})
    shared_server.post("/v1/models/nope:predict", {"instances": [[1.0, 1.0]]})
    status, text = shared_server.get("/monitoring/prometheus/metrics")
    assert status == 200
    lines = text.splitlines()
    # prometheus-client writes labels in name order and values as floats.
    assert any(line.startswith('tagraph_serving_requests_total{api="predict",code="OK",model="m",protocol="rest",'
                               'signature="serving_default",version="1"} ') for line in lines)
    assert any(line.startswith('tagraph_serving_requests_total{api="predict",code="NOT_FOUND",model="nope",'
                               'protocol="rest",signature="",version=""} ') for line in lines)
    assert any(line.startswith('tagraph_serving_request_latency_seconds_bucket{api="predict",le="+Inf",model="m",'
                               'protocol="rest",signature="serving_default",version="1"} ') for line in lines)
    # TensorFlow Serving's own names: its request count (no _total), its latency histogram in microseconds.
    assert "# TYPE :tensorflow:serving:request_count untyped" in lines
    assert any(line.startswith(':tensorflow:serving:request_count{model_name="m",status="OK"} ') for line in lines)
    assert any(line.startswith(':tensorflow:serving:request_count{model_name="nope",status="NOT_FOUND"} ')
               for line in lines)
    assert "# TYPE :tensorflow:serving:request_latency histogram" in lines
    assert any(line.startswith(':tensorflow:serving:request_latency_bucket{API="predict",entrypoint="REST",'
                               'le="10.0",model_name="m"} ') for line in lines)
    assert 'tagraph_serving_model_version_state{model="m",state="AVAILABLE",version="2"} 1.0' in lines
    assert "tagraph_serving_servables_alive 3.0" in lines
    assert any(line.startswith('tagraph_serving_in_flight_requests{protocol="rest"} ') for line in lines)
    assert not any("_created" in line for line in lines)
