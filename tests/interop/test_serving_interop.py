"""The official ``tensorflow-serving-api`` client, unchanged, against tagraph-model-server.

Needs TAGRAPH_TF_PYTHON (a Python with TensorFlow) with ``tensorflow-serving-api`` installed beside it
(``pip install --no-deps tensorflow-serving-api``). The client sends Predict, Classify, Regress,
GetModelMetadata and GetModelStatus; TensorFlow itself, loading the same SavedModels, computes the
answers they must match.
"""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"

CLIENT = r"""
import grpc
from tensorflow_serving.apis import (classification_pb2, get_model_metadata_pb2, get_model_status_pb2,
                                     model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc,
                                     regression_pb2)
port, model_base, hpt = sys.argv[1], sys.argv[2], sys.argv[3]
channel = grpc.insecure_channel("127.0.0.1:" + port)
stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
out = {}

x = np.array([[1.0, 2.0], [0.5, -1.0]], np.float32)
for version in (None, 1, 2):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "m"
    if version is not None:
        req.model_spec.version.value = version
    req.inputs["x"].CopyFrom(tf.make_tensor_proto(x))
    resp = stub.Predict(req, timeout=30)
    out["predict_%s" % version] = {"y": tf.make_ndarray(resp.outputs["y"]).tolist(),
                                   "version": resp.model_spec.version.value}

def examples(values):
    return [tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[v]))})) for v in values]

req = classification_pb2.ClassificationRequest()
req.model_spec.name = "hpt"
req.model_spec.signature_name = "classify_x_to_y"
req.input.example_list.examples.extend(examples([1.0, 4.0]))
resp = stub.Classify(req, timeout=30)
out["classify"] = [[c.score for c in cl.classes] for cl in resp.result.classifications]

req = regression_pb2.RegressionRequest()
req.model_spec.name = "hpt"
req.model_spec.signature_name = "regress_x_to_y2"
req.input.example_list.examples.extend(examples([1.0, 4.0]))
resp = stub.Regress(req, timeout=30)
out["regress"] = [r.value for r in resp.result.regressions]

req = get_model_metadata_pb2.GetModelMetadataRequest()
req.model_spec.name = "hpt"
req.metadata_field.append("signature_def")
resp = stub.GetModelMetadata(req, timeout=30)
sig_map = get_model_metadata_pb2.SignatureDefMap()
assert resp.metadata["signature_def"].Unpack(sig_map), resp.metadata["signature_def"].type_url
out["metadata"] = {k: {"method": s.method_name, "inputs": {a: i.name for a, i in s.inputs.items()},
                       "outputs": {a: o.name for a, o in s.outputs.items()}}
                   for k, s in sig_map.signature_def.items()}

req = get_model_status_pb2.GetModelStatusRequest()
req.model_spec.name = "m"
resp = model_service_pb2_grpc.ModelServiceStub(channel).GetModelStatus(req, timeout=30)
out["status"] = [[s.version, get_model_status_pb2.ModelVersionStatus.State.Name(s.state)]
                 for s in resp.model_version_status]

# What TensorFlow itself computes from the same SavedModels.
ref = {}
for version in (1, 2):
    with tf.Session(graph=tf.Graph()) as sess:
        mg = tf.saved_model.loader.load(sess, ["serve"], "%s/%04d" % (model_base, version))
        sig = mg.signature_def["serving_default"]
        ref["predict_%d" % version] = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: x}).tolist()
with tf.Session(graph=tf.Graph()) as sess:
    mg = tf.saved_model.loader.load(sess, ["serve"], hpt)
    ser = [e.SerializeToString() for e in examples([1.0, 4.0])]
    for key in ("classify_x_to_y", "regress_x_to_y2"):
        sig = mg.signature_def[key]
        name = "scores" if key.startswith("classify") else "outputs"
        ref[key] = sess.run(sig.outputs[name].name, {sig.inputs["inputs"].name: ser}).tolist()
    ref["metadata"] = {k: {"method": s.method_name, "inputs": {a: i.name for a, i in s.inputs.items()},
                           "outputs": {a: o.name for a, o in s.outputs.items()}}
                       for k, s in mg.signature_def.items()}
print(json.dumps({"served": out, "tensorflow": ref}))
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=[[], ["--enable_batching"]], ids=["threads", "asyncio-batching"])
def server(tmp_path, request):
    """The server on each of its two gRPC front ends (threads; asyncio, with batching)."""
    shutil.copytree(TF_DATA / "model_base", tmp_path / "model_base")
    shutil.copytree(TF_DATA / "half_plus_two", tmp_path / "hpt" / "1")
    config = tmp_path / "models.config"
    config.write_text('model_config_list { config { name: "m" base_path: "%s" model_platform: "tensorflow" '
                      'model_version_policy { all {} } } config { name: "hpt" base_path: "%s" '
                      'model_platform: "tensorflow" } }' % (tmp_path / "model_base", tmp_path / "hpt"))
    grpc_port, rest_port = _free_port(), _free_port()
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "tagraph.serving", "--host=127.0.0.1", "--port=%d" % grpc_port,
                             "--rest_api_port=%d" % rest_port, "--model_config_file=%s" % config, *request.param],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % rest_port, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError((tmp_path / "server.log").read_text())
        time.sleep(0.05)
    yield grpc_port, tmp_path
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)
    log.close()


def test_official_client_gets_tensorflows_answers(server, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    probe = subprocess.run([python, "-c", "import tensorflow_serving.apis"], capture_output=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip("tensorflow-serving-api is not installed beside TensorFlow "
                    "(pip install --no-deps tensorflow-serving-api)")
    port, root = server
    result = run_tf(CLIENT, port, root / "model_base", root / "hpt" / "1")
    served, ref = result["served"], result["tensorflow"]
    assert served["predict_None"] == {"y": ref["predict_2"], "version": 2}
    assert served["predict_1"] == {"y": ref["predict_1"], "version": 1}
    assert served["predict_2"] == {"y": ref["predict_2"], "version": 2}
    assert served["classify"] == ref["classify_x_to_y"]
    assert served["regress"] == [v[0] for v in ref["regress_x_to_y2"]]
    assert served["metadata"] == ref["metadata"]
    assert served["status"] == [[2, "AVAILABLE"], [1, "AVAILABLE"]]
