"""The gRPC API of a running server, through stubs made from the project's protos."""
import grpc
import numpy as np
import pytest

from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto
from tagraph.protos import (classification_pb2, get_model_metadata_pb2, get_model_status_pb2, inference_pb2,
                            model_management_pb2, model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc,
                            regression_pb2)
from tagraph.protos.type_urls import unpack_any
from tagraph.serving import extra_protos


@pytest.fixture(scope="module", params=["shared_server", "shared_batching_server"])
def stubs(request):
    """Stubs on each of the server's two gRPC front ends: threads, and asyncio (with batching)."""
    server = request.getfixturevalue(request.param)
    return (prediction_service_pb2_grpc.PredictionServiceStub(server.channel),
            model_service_pb2_grpc.ModelServiceStub(server.channel))


def predict_request(name="m", version=None, label=None, signature="", x=((1.0, 1.0),), alias="x"):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = name
    if version is not None:
        req.model_spec.version.value = version
    if label is not None:
        req.model_spec.version_label = label
    req.model_spec.signature_name = signature
    req.inputs[alias].CopyFrom(make_tensor_proto(np.asarray(x, dtype=np.float32)))
    return req


def rpc_error(call, request):
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), info.value.details()


@pytest.mark.parametrize("spec, value, version", [
    ({}, 6.0, 2),                          # the highest version by default
    ({"version": 1}, 4.0, 1),
    ({"version": 2}, 6.0, 2),
    ({"label": "stable"}, 4.0, 1),
    ({"label": "canary"}, 6.0, 2),
])
def test_predict_by_version_and_label(stubs, spec, value, version):
    resp = stubs[0].Predict(predict_request(**spec))
    assert make_ndarray(resp.outputs["y"]).tolist() == [[value]]
    assert resp.model_spec.name == "m"
    assert resp.model_spec.version.value == version
    assert resp.model_spec.signature_name == "serving_default"
    # TensorFlow Serving writes outputs as typed fields (AsProtoField), not tensor_content.
    assert list(resp.outputs["y"].float_val) == [value] and not resp.outputs["y"].tensor_content


def test_predict_batch_and_output_filter(stubs):
    req = predict_request(name="hpt", x=[[1.0], [2.0], [3.0]])
    req.output_filter.append("y")
    resp = stubs[0].Predict(req)
    assert make_ndarray(resp.outputs["y"]).tolist() == [[2.5], [3.0], [3.5]]
    assert list(resp.outputs) == ["y"]


def test_classify_and_regress_through_examples(stubs):
    req = classification_pb2.ClassificationRequest()
    req.model_spec.name = "hpt"
    req.model_spec.signature_name = "classify_x_to_y"
    for v in (1.0, 2.0):
        req.input.example_list.examples.add().features.feature["x"].float_list.value.append(v)
    resp = stubs[0].Classify(req)
    assert [[c.score for c in row.classes] for row in resp.result.classifications] == [[2.5], [3.0]]
    assert resp.model_spec.signature_name == "classify_x_to_y" and resp.model_spec.version.value == 1

    reg = regression_pb2.RegressionRequest()
    reg.model_spec.name = "hpt"
    reg.model_spec.signature_name = "regress_x_to_y2"
    ctx = reg.input.example_list_with_context
    ctx.context.features.feature["x"].float_list.value.append(100.0)
    ctx.examples.add().features.feature["x"].float_list.value.append(2.0)     # overrides the context
    ctx.examples.add()                                                         # takes the context's x
    resp = stubs[0].Regress(reg)
    assert [r.value for r in resp.result.regressions] == [4.0, 53.0]


def test_multi_inference(stubs):
    req = inference_pb2.MultiInferenceRequest()
    for sig, method in (("classify_x_to_y", "tensorflow/serving/classify"),
                        ("regress_x_to_y2", "tensorflow/serving/regress")):
        task = req.tasks.add(method_name=method)
        task.model_spec.name = "hpt"
        task.model_spec.signature_name = sig
    req.input.example_list.examples.add().features.feature["x"].float_list.value.append(4.0)
    resp = stubs[0].MultiInference(req)
    assert resp.results[0].classification_result.classifications[0].classes[0].score == 4.0
    assert resp.results[1].regression_result.regressions[0].value == 5.0
    assert resp.results[1].model_spec.version.value == 1


def test_get_model_metadata(stubs):
    req = get_model_metadata_pb2.GetModelMetadataRequest()
    req.model_spec.name = "hpt"
    req.metadata_field.append("signature_def")
    resp = stubs[0].GetModelMetadata(req)
    assert resp.model_spec.name == "hpt" and resp.model_spec.version.value == 1
    packed = resp.metadata["signature_def"]
    assert packed.type_url == "type.googleapis.com/tensorflow.serving.SignatureDefMap"
    sig_map = get_model_metadata_pb2.SignatureDefMap()
    assert unpack_any(packed, sig_map)
    assert sorted(sig_map.signature_def) == ["classify_x2_to_y3", "classify_x_to_y", "regress_x2_to_y3",
                                            "regress_x_to_y", "regress_x_to_y2", "serving_default"]
    assert sig_map.signature_def["serving_default"].inputs["x"].name == "x:0"

    req.ClearField("metadata_field")
    assert rpc_error(stubs[0].GetModelMetadata, req) == (
        grpc.StatusCode.INVALID_ARGUMENT, "GetModelMetadataRequest must specify at least one metadata_field")
    req.metadata_field.append("bogus")
    assert rpc_error(stubs[0].GetModelMetadata, req) == (
        grpc.StatusCode.INVALID_ARGUMENT, "Metadata field bogus is not supported")


def test_get_model_status(stubs):
    req = get_model_status_pb2.GetModelStatusRequest()
    req.model_spec.name = "m"
    resp = stubs[1].GetModelStatus(req)
    assert [(s.version, s.state) for s in resp.model_version_status] == [
        (2, get_model_status_pb2.ModelVersionStatus.AVAILABLE), (1, get_model_status_pb2.ModelVersionStatus.AVAILABLE)]
    req.model_spec.version.value = 1
    assert [s.version for s in stubs[1].GetModelStatus(req).model_version_status] == [1]
    req.model_spec.version.value = 7
    assert rpc_error(stubs[1].GetModelStatus, req) == (grpc.StatusCode.NOT_FOUND, "Could not find version 7 of model m")
    req.model_spec.name = "nope"
    req.model_spec.ClearField("version")
    assert rpc_error(stubs[1].GetModelStatus, req) == (grpc.StatusCode.NOT_FOUND,
                                                       "Could not find any versions of model nope")


@pytest.mark.parametrize("kwargs, code, message", [
    (dict(name="nope"), "NOT_FOUND", "Servable not found for request: Latest(nope)"),
    (dict(version=9), "NOT_FOUND", "Servable not found for request: Specific(m, 9)"),
    (dict(label="beta"), "INVALID_ARGUMENT", "Unrecognized servable version label: beta"),
    (dict(signature="zzz"), "FAILED_PRECONDITION", 'Serving signature key "zzz" not found.'),
    (dict(alias="q"), "INVALID_ARGUMENT", "input tensor alias not found in signature: q. Inputs expected to be in "
                                          "the set {x}."),
    (dict(x=[[1.0, 2.0, 3.0]]), "INVALID_ARGUMENT", "Input 'x' of signature 'serving_default' has shape [1,3], "
                                                    "which does not match the signature's shape [-1,2]"),
])
def test_predict_errors(stubs, kwargs, code, message):
    assert rpc_error(stubs[0].Predict, predict_request(**kwargs)) == (getattr(grpc.StatusCode, code), message)


def test_predict_wrong_dtype_and_missing_input(stubs):
    req = predict_request()
    req.inputs["x"].CopyFrom(make_tensor_proto(np.int32([[1, 1]])))
    assert rpc_error(stubs[0].Predict, req) == (
        grpc.StatusCode.INVALID_ARGUMENT, "Expects input 'x' of signature 'serving_default' to be float but int32 is "
                                          "provided")
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "m"
    code, message = rpc_error(stubs[0].Predict, req)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert message == ("input size does not match signature: 0!=1 len({}) != len({x}). Sent extra: {}. "
                       "Missing but required: {x}.")
    req = predict_request(name="hpt", x=[[1.0]])
    req.output_filter.append("nope")
    assert rpc_error(stubs[0].Predict, req) == (
        grpc.StatusCode.INVALID_ARGUMENT, "output tensor alias not found in signature: nope Outputs expected to be "
                                          "in the set {y}.")


def test_classify_errors(stubs):
    req = classification_pb2.ClassificationRequest()
    req.model_spec.name = "hpt"
    req.model_spec.signature_name = "classify_x_to_y"
    assert rpc_error(stubs[0].Classify, req) == (grpc.StatusCode.INVALID_ARGUMENT, "Input is empty.")
    req.input.example_list.examples.add().features.feature["x"].float_list.value.append(1.0)
    req.model_spec.signature_name = "nope"
    assert rpc_error(stubs[0].Classify, req) == (grpc.StatusCode.INVALID_ARGUMENT,
                                                 "No signature was found with the name: nope")
    req.model_spec.signature_name = "regress_x_to_y"
    code, message = rpc_error(stubs[0].Classify, req)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert message.startswith('Expected classification signature outputs to contain at least one of "classes" or '
                              '"scores".')


def test_oversized_request_is_refused(stubs):
    code, message = rpc_error(stubs[0].Predict, predict_request(x=np.ones((10000, 2), np.float32)))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in message
    assert stubs[0].Predict(predict_request()).outputs["y"].float_val[0] == 6.0    # still serving


def test_health_service(shared_server):
    check = shared_server.channel.unary_unary(
        "/grpc.health.v1.Health/Check", request_serializer=extra_protos.HealthCheckRequest.SerializeToString,
        response_deserializer=extra_protos.HealthCheckResponse.FromString)
    assert check(extra_protos.HealthCheckRequest()).status == extra_protos.HEALTH_SERVING
    assert check(extra_protos.HealthCheckRequest(service="m")).status == extra_protos.HEALTH_SERVING
    with pytest.raises(grpc.RpcError) as info:
        check(extra_protos.HealthCheckRequest(service="nope"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_reload_config_request_refuses_labels_of_unloaded_versions(stubs, shared_models):
    req = model_management_pb2.ReloadConfigRequest()
    for name, path in (("m", shared_models / "model_base"), ("hpt", shared_models / "half_plus_two")):
        cfg = req.config.model_config_list.config.add(name=name, base_path=str(path), model_platform="tensorflow")
        if name == "m":
            cfg.model_version_policy.all.SetInParent()
            cfg.version_labels["stable"] = 1
            cfg.version_labels["canary"] = 2
    stubs[1].HandleReloadConfigRequest(req)            # the same config again: accepted
    req.config.model_config_list.config[0].version_labels["gamma"] = 5
    assert rpc_error(stubs[1].HandleReloadConfigRequest, req) == (
        grpc.StatusCode.FAILED_PRECONDITION, "Request to assign label to version 5 of model m, which is not "
                                             "currently available for inference")
    assert stubs[0].Predict(predict_request(label="stable")).model_spec.version.value == 1
