"""The guide's "Serve the exported model locally" and "Request predictions from a local server".

    python examples/serve_estimator.py [DIR]

Serves the Estimator export of estimator_export.py (made first if DIR has none) with
``tagraph-model-server``, TensorFlow Serving's ``tensorflow_model_server`` for tagraph, with its flags:

    tagraph-model-server --port=PORT --rest_api_port=PORT --model_name=colors --model_base_path=DIR/estimator_export

The model base path holds numbered (here: time-stamped) version folders; the highest is served. A
client then sends, over gRPC with stubs made from TensorFlow Serving's protos: the guide's
ClassificationRequest of tf.Examples (``stub.Classify(request, 10.0)``), a RegressionRequest on the
``regression`` head, and a PredictRequest of serialized tf.Examples on the ``predict`` head; and over
REST (TensorFlow Serving's JSON API) the same classify request and the model's status. The server
is stopped with SIGTERM at the end.
"""
import base64
import os
import sys

import grpc
import numpy as np

from tagraph.engine.tensor_util import make_ndarray, make_tensor_proto
from tagraph.protos import classification_pb2, example_pb2, predict_pb2, prediction_service_pb2_grpc, regression_pb2

from _guide import ModelServer, section, shell, workdir
import estimator_export

POINTS = [[0.2, 0.9], [-0.9, -0.4], [1.0, -0.5]]      # nearer the red, green and blue centres than the others


def serialized_example(x):
    ex = example_pb2.Example()
    ex.features.feature["x"].float_list.value.extend(x)
    return ex.SerializeToString()


def grpc_requests(server):
    channel = grpc.insecure_channel(server.grpc_address)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

    section("gRPC Classify: the guide's ClassificationRequest")
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = server.model_name
    for point in POINTS:
        example = request.input.example_list.examples.add()
        example.features.feature["x"].float_list.value.extend(point)
    result = stub.Classify(request, 10.0)  # 10 secs timeout
    best = []
    for point, classifications in zip(POINTS, result.result.classifications):
        top = max(classifications.classes, key=lambda c: c.score)
        best.append(top.label.decode() if isinstance(top.label, bytes) else top.label)
        print("x = %-12s -> %s" % (point, ", ".join("%s %.3f" % (c.label, c.score) for c in classifications.classes)))
    print("model_spec of the answer: name %r, version %d, signature %r" % (
        result.model_spec.name, result.model_spec.version.value, result.model_spec.signature_name))

    section("gRPC Regress: the 'regression' head")
    request = regression_pb2.RegressionRequest()
    request.model_spec.name = server.model_name
    request.model_spec.signature_name = "regression"
    for point in POINTS:
        request.input.example_list.examples.add().features.feature["x"].float_list.value.extend(point)
    result = stub.Regress(request, 10.0)
    print("confidence: %s" % [round(r.value, 4) for r in result.result.regressions])

    section("gRPC Predict: the 'predict' head, fed serialized tf.Examples as a string tensor")
    request = predict_pb2.PredictRequest()
    request.model_spec.name = server.model_name
    request.model_spec.signature_name = "predict"
    request.inputs["examples"].CopyFrom(
        make_tensor_proto(np.array([serialized_example(p) for p in POINTS], dtype=object)))
    result = stub.Predict(request, 10.0)
    class_ids = make_ndarray(result.outputs["class_ids"]).tolist()
    print("class_ids: %s" % class_ids)
    print("probabilities:\n%s" % np.round(make_ndarray(result.outputs["probabilities"]), 3))
    channel.close()
    return best, class_ids


def rest_requests(server):
    section("REST: POST /v1/models/%s:classify" % server.model_name)
    doc = {"examples": [{"x": p} for p in POINTS]}
    print("request:  %s" % doc)
    answer = server.post("/v1/models/%s:classify" % server.model_name, doc)
    print("response: %s" % {"results": [[[c, round(s, 3)] for c, s in row] for row in answer["results"]]})

    section("REST: POST /v1/models/%s:predict on the 'predict' head (tf.Examples as base64)" % server.model_name)
    doc = {"signature_name": "predict",
           "instances": [{"b64": base64.b64encode(serialized_example(p)).decode()} for p in POINTS]}
    answer = server.post("/v1/models/%s:predict" % server.model_name, doc)
    print("class_ids: %s" % [p["class_ids"] for p in answer["predictions"]])

    section("REST: GET /v1/models/%s (the model's status)" % server.model_name)
    print(server.get("/v1/models/%s" % server.model_name))
    return answer


def main(argv=None):
    directory = workdir(argv)
    export_dir_base = os.path.join(directory, "estimator_export")
    if not os.path.isdir(export_dir_base) or not any(n.isdigit() for n in os.listdir(export_dir_base)):
        section("No export yet: running estimator_export.py's training and export")
        estimator_export.train_and_export(directory)

    server = ModelServer("colors", export_dir_base, os.path.join(directory, "model_server.log"))
    section("Start the model server")
    shell(server.command_line())
    with server:
        print("serving: gRPC on %s, REST on %s" % (server.grpc_address, server.rest_url))
        best, class_ids = grpc_requests(server)
        rest_requests(server)
    print("\nserver stopped (exit status %s); its log: %s" % (server.proc.returncode, server.log_path))
    assert best == estimator_export.CLASSES and class_ids == [0, 1, 2], (best, class_ids)
    return 0


if __name__ == "__main__":
    sys.exit(main())
