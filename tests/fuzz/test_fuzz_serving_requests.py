"""The model server's request bodies, in process: REST JSON (predict, classify, regress, status, metadata) and
gRPC request protos (Predict, Classify, Regress, GetModelMetadata). Documented outcome: a response, or an
error answer with TensorFlow Serving's code. An INTERNAL (500) answer made from an unexpected Python
exception is a server bug, and so is any exception escaping the handlers."""
import base64
import json
import os
import shutil

import numpy as np
import pytest
from hypothesis import event as _event, given, strategies as st

from tagraph.engine.framework import tensor_util
from tagraph.protos import classification_pb2, get_model_metadata_pb2, predict_pb2, regression_pb2
from tagraph.serving.grpc_service import PredictionService
from tagraph.serving.rest_api import RestApi
from tagraph.serving.server import ModelServer, ServerOptions

from fuzz_harness import work_dir, check, fuzz_settings, mutate, mutations
from test_fuzz_tensor_proto import tensor_protos

TF_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "tf")
_WORK = work_dir("tagraph-fuzz-serving-")
shutil.copytree(os.path.join(TF_DATA, "half_plus_two"), os.path.join(_WORK, "hpt", "1"))
_SERVER = None
# Codes a request may be answered with; INTERNAL (13) and UNKNOWN (2) mean the server failed, not the request.
_CLIENT_CODES = {0, 1, 3, 4, 5, 8, 9, 11, 12, 14}
_CLIENT_STATUS = {200, 400, 404, 413, 429, 501, 503, 504}


def setup_module(module):
    global _SERVER
    _SERVER = ModelServer(ServerOptions(host="127.0.0.1", port=0, model_name="hpt",
                                        model_base_path=os.path.join(_WORK, "hpt"),
                                        file_system_poll_wait_seconds=0, enable_model_warmup=False))
    _SERVER.start()


def teardown_module(module):
    if _SERVER is not None:
        _SERVER.stop(0)
    shutil.rmtree(_WORK, ignore_errors=True)


def event(text):
    try:
        _event(text)
    except Exception:  # noqa: BLE001 - outside a hypothesis test (the concrete tests)
        pass


class ServerBug(Exception):
    """The server answered a request with INTERNAL / UNKNOWN, or let an exception escape."""


def _rest(method, path, body):
    status, ctype, text = RestApi(_SERVER.core).handle(method, path, body)
    event("REST %d" % status)
    if status not in _CLIENT_STATUS:
        raise ServerBug("%s %s -> %d %s" % (method, path, status, text[:300]))
    json.loads(text)
    return status


# --- REST -------------------------------------------------------------------------------------------------

_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
              st.text(max_size=6), st.just({"b64": "AAEC"}), st.just({"b64": "!!"})),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(["x", "y", "b64", "inputs", "instances", "examples",
                                                                "signature_name", "context", ""]), children,
                                               max_size=4)),
    max_leaves=20)

_PATHS = st.sampled_from([
    "/v1/models/hpt:predict", "/v1/models/hpt:predict", "/v1/models/hpt:predict", "/v1/models/hpt/versions/1:predict", "/v1/models/hpt:classify",
    "/v1/models/hpt:regress", "/v1/models/hpt/labels/stable:predict", "/v1/models/nope:predict",
    "/v1/models/hpt/versions/99999999999999999999999:predict", "/v1/models/hpt/versions/-1:predict",
    "/v1/models/%2e%2e:predict", "/v1/models/hpt", "/v1/models/hpt/metadata", "/v1/models", "/v1/models/",
    "/v1/models/hpt/versions/1/labels/x:predict", "/healthz", "/readyz", "/v2/x", "//", "/v1/models/hpt:PREDICT"])

_SIGNATURES = st.sampled_from(["serving_default", "classify_x_to_y", "regress_x_to_y", "regress_x2_to_y3",
                               "classify_x2_to_y3", "nope", ""])


_NUMBERS = st.one_of(st.floats(width=32), st.floats(), st.integers(-2**64, 2**64), st.sampled_from([1.0, 2.5, -3]))


@st.composite
def _nearly_valid_predict_bodies(draw):
    rows = draw(st.lists(st.lists(_NUMBERS, min_size=1, max_size=draw(st.sampled_from([1, 1, 2]))), max_size=4))
    key = draw(st.sampled_from(["instances", "inputs"]))
    if key == "inputs" and draw(st.booleans()):
        value = {draw(st.sampled_from(["x", "x", "x2"])): rows}
    elif key == "instances" and draw(st.booleans()):
        value = [{draw(st.sampled_from(["x", "x", "y"])): row} for row in rows]
    else:
        value = rows
    doc = {key: value}
    if draw(st.booleans()):
        doc["signature_name"] = draw(_SIGNATURES)
    return json.dumps(doc, allow_nan=True)


@st.composite
def _predict_bodies(draw):
    doc = {}
    if draw(st.booleans()):
        doc["signature_name"] = draw(_SIGNATURES)
    rows = st.lists(st.one_of(st.floats(width=32), st.integers(-3, 3), _JSON), max_size=3)
    if draw(st.booleans()):
        doc["instances"] = draw(st.one_of(st.lists(rows, max_size=3), st.lists(st.dictionaries(
            st.sampled_from(["x", "x2", "y"]), rows, max_size=2), max_size=3), _JSON))
    else:
        doc["inputs"] = draw(st.one_of(st.lists(rows, max_size=3),
                                       st.dictionaries(st.sampled_from(["x", "x2"]), st.lists(rows, max_size=3)),
                                       _JSON))
    return json.dumps(doc, allow_nan=True)


@st.composite
def _example_bodies(draw):
    feature = st.one_of(st.floats(width=32), st.lists(st.floats(width=32), max_size=3), st.text(max_size=4),
                        st.just({"b64": "AAE="}), st.lists(st.integers(-2**64, 2**64), max_size=2), _JSON)
    examples = st.lists(st.dictionaries(st.sampled_from(["x", "x2", "y", ""]), feature, max_size=2), max_size=3)
    doc = {"examples": draw(st.one_of(examples, _JSON))}
    if draw(st.booleans()):
        doc["signature_name"] = draw(_SIGNATURES)
    if draw(st.booleans()):
        doc["context"] = draw(st.dictionaries(st.sampled_from(["x", "c"]), feature, max_size=2))
    return json.dumps(doc, allow_nan=True)


@fuzz_settings(200)
@given(_PATHS, st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
       st.one_of(_nearly_valid_predict_bodies(), _nearly_valid_predict_bodies(), _predict_bodies(),
                 _example_bodies(), _JSON.map(json.dumps), st.binary(max_size=40)))
def test_rest_requests(path, method, body):
    data = body.encode() if isinstance(body, str) else body
    check("REST JSON body", _rest, method, path, data, input_size=len(data))


_SEED_BODIES = [b'{"instances": [[1.0], [2.0]]}', b'{"inputs": {"x": [[1.0]]}, "signature_name": "serving_default"}',
                b'{"examples": [{"x": 1.5}, {"x": [2.0]}], "signature_name": "regress_x_to_y"}',
                b'{"instances": [{"b64": "' + base64.b64encode(b"\x00\x01").decode().encode() + b'"}]}']


@fuzz_settings(150)
@given(st.sampled_from(_SEED_BODIES), mutations(st), st.sampled_from(["/v1/models/hpt:predict",
                                                                      "/v1/models/hpt:regress",
                                                                      "/v1/models/hpt:classify"]))
def test_rest_mutated_bodies(seed, ops, path):
    data = mutate(seed, ops)
    check("REST JSON body", _rest, "POST", path, data, input_size=len(data))


@pytest.mark.parametrize("body", [b"[" * 100000 + b"]" * 100000, b'{"instances": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                                  b'{"instances": [1e999999]}', b'{"instances": [[' + b"1," * 200000 + b"1]]}",
                                  b"\xff\xfe", b'{"instances": [{"b64": "' + b"A" * 100001 + b'"}]}'])
def test_rest_hostile_bodies(body):
    check("REST JSON body", _rest, "POST", "/v1/models/hpt:predict", body, input_size=len(body))


# --- gRPC -----------------------------------------------------------------------------------------------------

class _Aborted(Exception):
    def __init__(self, code, details):
        super().__init__("%s: %s" % (code, details))
        self.code = code


class _Context:
    def abort(self, code, details):
        raise _Aborted(code, details)

    def time_remaining(self):
        return 30.0

    def is_active(self):
        return True


def _grpc(method, request):
    service = PredictionService(_SERVER.core)
    try:
        out = getattr(service, method)(request, _Context())
        event("gRPC OK")
        return out
    except _Aborted as e:
        event("gRPC %s" % e.code.name)
        if e.code.value[0] not in _CLIENT_CODES:
            raise ServerBug("%s -> %s" % (method, e)) from None
        return e


@st.composite
def _predict_requests(draw):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = draw(st.sampled_from(["hpt", "hpt", "", "nope", "../x"]))
    if draw(st.booleans()):
        req.model_spec.version.value = draw(st.sampled_from([1, 0, -1, 2**63 - 1]))
    elif draw(st.booleans()):
        req.model_spec.version_label = draw(st.sampled_from(["stable", "", "x"]))
    req.model_spec.signature_name = draw(_SIGNATURES)
    for alias in draw(st.lists(st.sampled_from(["x", "x2", "y", "inputs", ""]), max_size=2)):
        if draw(st.booleans()):
            req.inputs[alias].CopyFrom(draw(tensor_protos()))
        else:
            req.inputs[alias].CopyFrom(tensor_util.make_tensor_proto(
                np.float32(draw(st.lists(st.lists(st.floats(width=32), min_size=1, max_size=1), max_size=3)) or
                           np.zeros((0, 1), np.float32))))
    req.output_filter.extend(draw(st.lists(st.sampled_from(["y", "z", ""]), max_size=2)))
    return req


@fuzz_settings(200)
@given(_predict_requests())
def test_grpc_predict(req):
    check("gRPC request proto", _grpc, "Predict", req, input_size=req.ByteSize())


@fuzz_settings(100)
@given(st.sampled_from(["Classify", "Regress"]), _SIGNATURES, st.lists(st.binary(max_size=24), max_size=3),
       st.booleans())
def test_grpc_examples(method, signature, examples, as_context):
    req = (classification_pb2.ClassificationRequest() if method == "Classify"
           else regression_pb2.RegressionRequest())
    req.model_spec.name = "hpt"
    req.model_spec.signature_name = signature
    target = req.input.example_list_with_context if as_context else req.input.example_list
    for raw in examples:
        ex = target.examples.add()
        try:
            ex.ParseFromString(raw)
        except Exception:  # noqa: BLE001 - not a valid Example: leave it empty
            pass
    check("gRPC request proto", _grpc, method, req, input_size=req.ByteSize())


_SEED_REQUEST = predict_pb2.PredictRequest()
_SEED_REQUEST.model_spec.name = "hpt"
_SEED_REQUEST.inputs["x"].CopyFrom(tensor_util.make_tensor_proto(np.float32([[1.0], [2.0]])))
_SEED_BYTES = _SEED_REQUEST.SerializeToString()


def _grpc_from_bytes(data):
    req = predict_pb2.PredictRequest()
    try:
        req.ParseFromString(data)
    except Exception:  # noqa: BLE001 - grpc would refuse the message before the handler
        return None
    return _grpc("Predict", req)


@fuzz_settings(150)
@given(mutations(st))
def test_grpc_mutated_predict_bytes(ops):
    data = mutate(_SEED_BYTES, ops)
    check("gRPC request proto", _grpc_from_bytes, data, input_size=len(data))


@fuzz_settings(40)
@given(st.lists(st.sampled_from(["signature_def", "", "x"]), max_size=2), st.sampled_from(["hpt", "", "nope"]))
def test_grpc_metadata(fields, name):
    req = get_model_metadata_pb2.GetModelMetadataRequest()
    req.model_spec.name = name
    req.metadata_field.extend(fields)
    check("gRPC request proto", _grpc, "GetModelMetadata", req, input_size=req.ByteSize())


def test_valid_requests_answer():
    assert _rest("POST", "/v1/models/hpt:predict", b'{"instances": [[1.0], [2.0]]}') == 200
    resp = _grpc("Predict", _SEED_REQUEST)
    np.testing.assert_allclose(tensor_util.make_ndarray(resp.outputs["y"]), [[2.5], [3.0]])


def test_tiny_request_cannot_expand_to_a_huge_tensor():
    from tagraph.protos import tensor_pb2
    from tagraph.serving.status import ServingError
    from tagraph.serving.tensors import proto_to_ndarray
    proto = tensor_pb2.TensorProto(dtype=1)
    proto.tensor_shape.dim.add(size=2**26)
    proto.float_val.append(1.0)
    assert proto.ByteSize() < 32
    with pytest.raises(ServingError):
        proto_to_ndarray(proto, "x")
