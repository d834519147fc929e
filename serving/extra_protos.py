"""The few TensorFlow Serving and gRPC messages the server reads that ``tagraph.protos`` does not hold.

``BatchingParameters`` (``--batching_parameters_file``), ``MonitoringConfig``
(``--monitoring_config_file``), ``PredictionLog`` (warmup records) and gRPC's standard health
messages are declared here, field for field as upstream, in a *private* descriptor pool: they can never
clash with TensorFlow Serving's or grpcio-health-checking's modules loaded in the same process, and the
project's generated protos stay untouched.

A ``PredictionLog``'s requests are declared as ``bytes``: on the wire an embedded message is exactly a
length-delimited byte string, so ``PredictRequest.FromString(log.predict_log.request)`` reads it with
the project's own message class.

    >>> params = parse_text(BatchingParameters, "max_batch_size { value: 32 }")
    >>> params.max_batch_size.value
    32
"""
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format, wrappers_pb2

_F = descriptor_pb2.FieldDescriptorProto

_pool = descriptor_pool.DescriptorPool()
_pool.AddSerializedFile(wrappers_pb2.DESCRIPTOR.serialized_pb)


def _message(file_proto, name, fields, oneofs=()):
    msg = file_proto.message_type.add(name=name)
    for oneof in oneofs:
        msg.oneof_decl.add(name=oneof)
    for spec in fields:
        fname, number, ftype = spec[:3]
        extra = spec[3] if len(spec) > 3 else {}
        field = msg.field.add(name=fname, number=number, type=ftype,
                              label=extra.get("label", _F.LABEL_OPTIONAL))
        if "type_name" in extra:
            field.type_name = extra["type_name"]
        if "oneof" in extra:
            field.oneof_index = list(oneofs).index(extra["oneof"])
    return msg


def _serving_file():
    fp = descriptor_pb2.FileDescriptorProto(name="tagraph/serving/extra_serving.proto",
                                            package="tensorflow.serving", syntax="proto3")
    fp.dependency.append("google/protobuf/wrappers.proto")
    i64 = {"type_name": ".google.protobuf.Int64Value"}
    _message(fp, "BatchingParameters", [
        ("max_batch_size", 1, _F.TYPE_MESSAGE, i64),
        ("batch_timeout_micros", 2, _F.TYPE_MESSAGE, i64),
        ("max_enqueued_batches", 3, _F.TYPE_MESSAGE, i64),
        ("num_batch_threads", 4, _F.TYPE_MESSAGE, i64),
        ("thread_pool_name", 5, _F.TYPE_MESSAGE, {"type_name": ".google.protobuf.StringValue"}),
        ("allowed_batch_sizes", 6, _F.TYPE_INT64, {"label": _F.LABEL_REPEATED}),
        ("pad_variable_length_inputs", 7, _F.TYPE_BOOL),
        ("enable_large_batch_splitting", 8, _F.TYPE_MESSAGE, {"type_name": ".google.protobuf.BoolValue"}),
        ("max_execution_batch_size", 9, _F.TYPE_MESSAGE, i64),
    ])
    _message(fp, "PrometheusConfig", [("enable", 1, _F.TYPE_BOOL), ("path", 2, _F.TYPE_STRING)])
    _message(fp, "MonitoringConfig", [
        ("prometheus_config", 1, _F.TYPE_MESSAGE, {"type_name": ".tensorflow.serving.PrometheusConfig"})])
    for log in ("ClassifyLog", "RegressLog", "PredictLog", "MultiInferenceLog", "SessionRunLog"):
        _message(fp, log, [("request", 1, _F.TYPE_BYTES), ("response", 2, _F.TYPE_BYTES)])
    logs = [("log_metadata", 1, _F.TYPE_BYTES)]
    for fname, number, tname in (("classify_log", 2, "ClassifyLog"), ("regress_log", 3, "RegressLog"),
                                 ("predict_log", 6, "PredictLog"),
                                 ("multi_inference_log", 4, "MultiInferenceLog"),
                                 ("session_run_log", 5, "SessionRunLog")):
        logs.append((fname, number, _F.TYPE_MESSAGE,
                     {"type_name": ".tensorflow.serving." + tname, "oneof": "log_type"}))
    _message(fp, "PredictionLog", logs, oneofs=("log_type",))
    return fp


def _health_file():
    fp = descriptor_pb2.FileDescriptorProto(name="tagraph/serving/extra_health.proto",
                                            package="grpc.health.v1", syntax="proto3")
    _message(fp, "HealthCheckRequest", [("service", 1, _F.TYPE_STRING)])
    resp = _message(fp, "HealthCheckResponse", [
        ("status", 1, _F.TYPE_ENUM, {"type_name": ".grpc.health.v1.HealthCheckResponse.ServingStatus"})])
    enum = resp.enum_type.add(name="ServingStatus")
    for number, name in enumerate(("UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN")):
        enum.value.add(name=name, number=number)
    return fp


_pool.Add(_serving_file())
_pool.Add(_health_file())


def _cls(full_name):
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(full_name))


BatchingParameters = _cls("tensorflow.serving.BatchingParameters")
MonitoringConfig = _cls("tensorflow.serving.MonitoringConfig")
PredictionLog = _cls("tensorflow.serving.PredictionLog")
HealthCheckRequest = _cls("grpc.health.v1.HealthCheckRequest")
HealthCheckResponse = _cls("grpc.health.v1.HealthCheckResponse")

HEALTH_UNKNOWN, HEALTH_SERVING, HEALTH_NOT_SERVING, HEALTH_SERVICE_UNKNOWN = 0, 1, 2, 3


def parse_text(message_class, text):
    """Parse protobuf text format (as TensorFlow Serving's config files are written) into a new message."""
    msg = message_class()
    text_format.Parse(text, msg)
    return msg
