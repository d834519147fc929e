"""The gRPC front end: TensorFlow Serving's PredictionService and ModelService, and gRPC's health service.

The services are registered on TensorFlow Serving's method paths
(``/tensorflow.serving.PredictionService/Predict``, ...) with its message formats, so the official
``tensorflow-serving-api`` stubs work unchanged. Failures are answered with TensorFlow Serving's status
codes and messages. The standard health service (``/grpc.health.v1.Health/Check`` and ``Watch``)
answers for the whole server (service ``""``: SERVING once every model has a version loaded) and for
each model by name.

    server = grpc.server(executor)
    add_services(server, core, health=HealthState(core.manager))
"""
import logging
import threading

import grpc

from tagraph.protos import (classification_pb2, inference_pb2, model_management_pb2,
                            model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc, regression_pb2)
from tagraph.serving import extra_protos, inference
from tagraph.serving.core import ModelRef
from tagraph.serving.status import ServingError, as_serving_error, detached

__all__ = ["PredictionService", "AsyncPredictionService", "ModelService", "HealthState", "add_services"]
from tagraph.serving.tensors import ndarray_to_proto, proto_to_ndarray

logger = logging.getLogger("tagraph.serving")


def _abort(context, exc):
    err = as_serving_error(exc)
    code, message = err.grpc_code, err.message
    del err, exc                 # no frame keeps the request's tensors through the error
    context.abort(code, message)


def _timeout(context):
    """Seconds left before the client's deadline; None without one (gRPC then reports ~infinity)."""
    remaining = context.time_remaining()
    if remaining is None or remaining > 1e6:
        return None
    return max(0.0, remaining)


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Predict, Classify, Regress, MultiInference and GetModelMetadata, as plain functions: on gRPC's
    thread-per-request server each request runs in its handler's thread (see :class:`AsyncPredictionService`
    for the batching server)."""

    def __init__(self, core, tensor_content=False):
        self._core = core
        self._tensor_content = tensor_content

    def Predict(self, request, context):  # noqa: N802 - gRPC method name
        try:
            ref = ModelRef.from_spec(request.model_spec)
            inputs = {alias: proto_to_ndarray(t, alias) for alias, t in request.inputs.items()}
            version, key, outputs = self._core.predict(ref, request.model_spec.signature_name, inputs,
                                                       list(request.output_filter), "grpc", _timeout(context))
            return self._predict_response(ref, version, key, outputs)
        except Exception as e:  # noqa: BLE001 - answered as a gRPC status
            _abort(context, e)

    def _predict_response(self, ref, version, key, outputs):
        response = predict_pb2.PredictResponse()
        spec = response.model_spec
        spec.name = ref.name
        spec.version.value = version
        spec.signature_name = key
        for alias, arr in outputs.items():
            ndarray_to_proto(arr, response.outputs[alias], self._tensor_content)
        return response

    def _examples_call(self, request, context, method, response_cls):
        try:
            ref = ModelRef.from_spec(request.model_spec)
            response = response_cls()
            examples = inference.input_to_serialized_examples(request.input)
            version, key, _ = method(ref, request.model_spec.signature_name, examples, response.result, "grpc",
                                     _timeout(context))
            response.model_spec.name = ref.name
            response.model_spec.version.value = version
            response.model_spec.signature_name = key
            return response
        except Exception as e:  # noqa: BLE001 - answered as a gRPC status
            _abort(context, e)

    def Classify(self, request, context):  # noqa: N802
        return self._examples_call(request, context, self._core.classify, classification_pb2.ClassificationResponse)

    def Regress(self, request, context):  # noqa: N802
        return self._examples_call(request, context, self._core.regress, regression_pb2.RegressionResponse)

    def MultiInference(self, request, context):  # noqa: N802
        try:
            response = inference_pb2.MultiInferenceResponse()
            self._core.multi_inference(request, response, "grpc", _timeout(context))
            return response
        except Exception as e:  # noqa: BLE001
            _abort(context, e)

    def GetModelMetadata(self, request, context):  # noqa: N802
        try:
            if not request.HasField("model_spec"):
                raise ServingError.invalid_argument("Missing ModelSpec")
            return self._core.metadata(ModelRef.from_spec(request.model_spec), list(request.metadata_field), "grpc")
        except Exception as e:  # noqa: BLE001
            _abort(context, e)


class AsyncPredictionService(PredictionService):
    """The batching server's PredictionService (a ``grpc.aio`` server): Predict is a coroutine on the
    event loop that waits for its batch without holding a thread; the other methods stay plain functions,
    which the aio server runs in its thread pool."""

    async def Predict(self, request, context):  # noqa: N802 - gRPC method name
        try:
            ref = ModelRef.from_spec(request.model_spec)
            inputs = {alias: proto_to_ndarray(t, alias) for alias, t in request.inputs.items()}
            version, key, outputs = await self._core.predict_async(
                ref, request.model_spec.signature_name, inputs, list(request.output_filter), "grpc",
                _timeout(context))
            return self._predict_response(ref, version, key, outputs)
        except Exception as e:  # noqa: BLE001 - answered as a gRPC status
            err = detached(as_serving_error(e))
        await context.abort(err.grpc_code, err.message)


class ModelService(model_service_pb2_grpc.ModelServiceServicer):
    """GetModelStatus and HandleReloadConfigRequest."""

    def __init__(self, core):
        self._core = core

    def GetModelStatus(self, request, context):  # noqa: N802
        try:
            if not request.HasField("model_spec"):
                raise ServingError.invalid_argument("Missing ModelSpec")
            return self._core.model_status(ModelRef.from_spec(request.model_spec))
        except Exception as e:  # noqa: BLE001
            _abort(context, e)

    def HandleReloadConfigRequest(self, request, context):  # noqa: N802
        response = model_management_pb2.ReloadConfigResponse()
        try:
            if request.config.WhichOneof("config") != "model_config_list":
                raise ServingError.invalid_argument(
                    "ServerModelConfig type not supported by HandleReloadConfigRequest. Only ModelConfigList is "
                    "currently supported")
            self._core.reload_config(request.config)
            return response
        except Exception as e:  # noqa: BLE001
            err = as_serving_error(e)
            logger.error("ReloadConfig failed: %s", err.message)
            response.status.error_code = err.code
            response.status.error_message = err.message
            _abort(context, err)


class HealthState:
    """What the health service reports; ``shutting_down()`` flips everything to NOT_SERVING."""

    def __init__(self, manager):
        self._manager = manager
        self._stopping = threading.Event()

    def shutting_down(self):
        self._stopping.set()

    def status(self, service):
        if self._stopping.is_set():
            return extra_protos.HEALTH_NOT_SERVING
        if not service:
            ready, _ = self._manager.readiness()
            return extra_protos.HEALTH_SERVING if ready else extra_protos.HEALTH_NOT_SERVING
        if service not in self._manager.model_names():
            return None
        return extra_protos.HEALTH_SERVING if self._manager.available_versions(service) \
            else extra_protos.HEALTH_NOT_SERVING

    def wait(self, seconds):
        return self._stopping.wait(seconds)


def _health_handler(state):
    def check(request, context):
        status = state.status(request.service)
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service %s" % request.service)
        return extra_protos.HealthCheckResponse(status=status)

    def watch(request, context):
        ended = threading.Event()
        context.add_callback(ended.set)          # the client went away (or the server is stopping)
        last = -1
        while not ended.is_set():
            status = state.status(request.service)
            if status is None:
                status = extra_protos.HEALTH_SERVICE_UNKNOWN
            if status != last:
                last = status
                yield extra_protos.HealthCheckResponse(status=status)
            if state.wait(0.25) and last == extra_protos.HEALTH_NOT_SERVING:
                return
    return grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
        "Check": grpc.unary_unary_rpc_method_handler(
            check, request_deserializer=extra_protos.HealthCheckRequest.FromString,
            response_serializer=extra_protos.HealthCheckResponse.SerializeToString),
        "Watch": grpc.unary_stream_rpc_method_handler(
            watch, request_deserializer=extra_protos.HealthCheckRequest.FromString,
            response_serializer=extra_protos.HealthCheckResponse.SerializeToString),
    })


def add_services(server, core, health=None, tensor_content=False, asynchronous=False):
    """Registers PredictionService, ModelService and (if ``health``) the health service on ``server``:
    gRPC's thread-per-request server, or with ``asynchronous`` a ``grpc.aio`` one (batching)."""
    service = (AsyncPredictionService if asynchronous else PredictionService)(core, tensor_content)
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(service, server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(core), server)
    if health is not None:
        server.add_generic_rpc_handlers((_health_handler(health),))
