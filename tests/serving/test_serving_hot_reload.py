"""Versions coming and going under a running server: slow copies, deletions, failed loads, config reloads."""
import json
import os
import pathlib
import re
import shutil
import threading
import time

import grpc
import numpy as np

from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto
from tagraph.protos import get_model_status_pb2, model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc
from tagraph.engine.framework.tfrecord import TFRecordWriter

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"

POLL = 0.2


def _predict_request(version=None):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "m"
    if version is not None:
        req.model_spec.version.value = version
    req.inputs["x"].CopyFrom(make_tensor_proto(np.float32([[1.0, 1.0]])))
    return req


class ClientLoop:
    """Sends Predict requests over gRPC and REST, back to back, until stopped; records what came back."""

    def __init__(self, server):
        self._server = server
        self._stub = prediction_service_pb2_grpc.PredictionServiceStub(server.channel)
        self._stop = threading.Event()
        self.seen = []             # (protocol, version or value)
        self.failures = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        req = _predict_request()
        while not self._stop.is_set():
            try:
                resp = self._stub.Predict(req, timeout=10)
                self.seen.append(("grpc", resp.model_spec.version.value,
                                  float(make_ndarray(resp.outputs["y"])[0, 0])))
            except grpc.RpcError as e:
                self.failures.append(("grpc", e.code(), e.details()))
            status, body = self._server.post("/v1/models/m:predict", {"instances": [[1.0, 1.0]]})
            if status == 200:
                self.seen.append(("rest", None, json.loads(body)["predictions"][0][0]))
            else:
                self.failures.append(("rest", status, body))

    def latest_grpc_version(self):
        versions = [v for p, v, _ in self.seen if p == "grpc"]
        return versions[-1] if versions else None

    def stop(self):
        self._stop.set()
        self._thread.join(15)


def _slow_copy(src, dst, step_seconds):
    """Copies a SavedModel file by file, each file in two halves, pausing between writes (less than a poll)."""
    files = sorted(os.path.relpath(os.path.join(r, n), src) for r, _, ns in os.walk(src) for n in ns)
    # saved_model.pb first: the worst case for a loader that only checks for it.
    files.sort(key=lambda f: f != "saved_model.pb")
    for rel in files:
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        with open(os.path.join(src, rel), "rb") as f:
            data = f.read()
        with open(os.path.join(dst, rel), "wb") as out:
            out.write(data[:len(data) // 2])
            out.flush()
            time.sleep(step_seconds)
            out.write(data[len(data) // 2:])
        time.sleep(step_seconds)


def _status(server, version=None):
    stub = model_service_pb2_grpc.ModelServiceStub(server.channel)
    req = get_model_status_pb2.GetModelStatusRequest()
    req.model_spec.name = "m"
    if version is not None:
        req.model_spec.version.value = version
    return {s.version: (get_model_status_pb2.ModelVersionStatus.State.Name(s.state), s.status.error_message)
            for s in stub.GetModelStatus(req).model_version_status}


def _alive(server):
    _, text = server.get("/metrics")
    return int(float(re.search(r"^tagraph_serving_servables_alive (\S+)$", text, re.M).group(1)))


def test_slow_copy_switches_versions_without_failures_and_delete_unloads(start_server, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(TF_DATA / "model_base", base)
    server = start_server(["--model_name=m", "--model_base_path=%s" % base, "--metrics_path=/metrics",
                           "--file_system_poll_wait_seconds=%s" % POLL])
    client = ClientLoop(server)
    try:
        server.wait_for(lambda: len(client.seen) > 10, what="first answers")
        assert client.latest_grpc_version() == 2

        # Version 3 (weights of version 1, so y = 4) arrives slowly, with a warmup request in it.
        staging = tmp_path / "v3"
        shutil.copytree(TF_DATA / "model_base" / "0001", staging)
        os.makedirs(staging / "assets.extra")
        with TFRecordWriter(staging / "assets.extra" / "tf_serving_warmup_requests") as w:
            w.write(_warmup_record())
        _slow_copy(staging, base / "0003", POLL / 3)
        server.wait_for(lambda: client.latest_grpc_version() == 3, what="version 3 to serve")
        server.wait_for(lambda: _status(server).get(2, ("",))[0] == "END", what="version 2 to unload")
        n = len(client.seen)
        server.wait_for(lambda: len(client.seen) > n + 10, what="more answers")

        # Deleting version 3 brings version 2 back (latest remaining), then unloads 3 and frees it.
        shutil.rmtree(base / "0003")
        server.wait_for(lambda: _status(server).get(3, ("",))[0] == "END", what="version 3 to unload")
        server.wait_for(lambda: client.latest_grpc_version() == 2, what="version 2 to serve again")
        n = len(client.seen)
        server.wait_for(lambda: len(client.seen) > n + 10, what="more answers")
    finally:
        client.stop()
    assert client.failures == []
    grpc_versions = [v for p, v, _ in client.seen if p == "grpc"]
    switch_up = grpc_versions.index(3)
    switch_down = len(grpc_versions) - grpc_versions[::-1].index(3)
    assert set(grpc_versions[:switch_up]) == {2} and set(grpc_versions[switch_up:switch_down]) == {3}
    assert set(grpc_versions[switch_down:]) == {2}
    assert {value for _, _, value in client.seen} == {6.0, 4.0}

    log = server.log()
    # Loaded once, only when whole and settled: never tried half-copied.
    assert log.count("Successfully loaded servable version {name: m version: 3}") == 1
    assert "Loading servable: {name: m version: 3} failed" not in log
    assert "Number of warmup records read: 1." in log
    assert "Done unloading servable version {name: m version: 3}" in log
    with pytest_raises_grpc(grpc.StatusCode.NOT_FOUND):
        prediction_service_pb2_grpc.PredictionServiceStub(server.channel).Predict(_predict_request(3))
    server.wait_for(lambda: _alive(server) == 1, what="unloaded sessions to be freed")


def _warmup_record():
    from tagraph.serving import extra_protos
    log = extra_protos.PredictionLog()
    log.predict_log.request = _predict_request().SerializeToString()
    return log.SerializeToString()


class pytest_raises_grpc:  # noqa: N801 - used like pytest.raises
    def __init__(self, code):
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        assert exc_type is not None and issubclass(exc_type, grpc.RpcError), "no gRPC error raised"
        assert exc.code() == self.code, exc
        return True


def test_failed_load_is_retried_with_backoff_while_old_version_serves(start_server, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(TF_DATA / "model_base", base)
    server = start_server(["--model_name=m", "--model_base_path=%s" % base, "--max_num_load_retries=2",
                           "--load_retry_interval_micros=100000", "--file_system_poll_wait_seconds=%s" % POLL])
    os.makedirs(base / "0003")
    (base / "0003" / "saved_model.pb").write_bytes(b"\x0a\xffnot a SavedModel")
    client = ClientLoop(server)
    try:
        server.wait_for(lambda: "Giving up loading {name: m version: 3} after 3 attempt(s)" in server.log(),
                        what="the retries to end")
        state, message = _status(server, 3)[3]
        assert state == "END" and "saved_model.pb" in message
        assert client.latest_grpc_version() == 2

        # A fixed version directory (its files changed) is loaded again, and then serves.
        shutil.rmtree(base / "0003")
        shutil.copytree(TF_DATA / "model_base" / "0001", base / "0003")
        server.wait_for(lambda: client.latest_grpc_version() == 3, what="the fixed version 3 to serve")
    finally:
        client.stop()
    assert client.failures == []
    log = server.log()
    assert log.count("Loading servable: {name: m version: 3} failed") == 3
    assert "Retrying load of {name: m version: 3} in 0.1 s (retry 1 of 2)" in log
    assert "Retrying load of {name: m version: 3} in 0.2 s (retry 2 of 2)" in log


def test_model_config_file_is_polled(start_server, tmp_path):
    shutil.copytree(TF_DATA / "model_base", tmp_path / "a")
    shutil.copytree(TF_DATA / "half_plus_two", tmp_path / "b" / "7")
    config = tmp_path / "models.config"
    entry = 'config { name: "%s" base_path: "%s" model_platform: "tensorflow" }'
    config.write_text("model_config_list { %s }" % (entry % ("a", tmp_path / "a")))
    server = start_server(["--model_config_file=%s" % config, "--model_config_file_poll_wait_seconds=0.2",
                           "--file_system_poll_wait_seconds=0"])
    assert server.get("/v1/models/b")[0] == 404
    _write_atomically(config, "model_config_list { %s %s }" % (entry % ("a", tmp_path / "a"),
                                                              entry % ("b", tmp_path / "b")))
    # The model's status appears as soon as it is known; its version serves once loaded.
    server.wait_for(lambda: server.post_json("/v1/models/b/versions/7:predict", {"instances": [[2.0]]})[0] == 200,
                    what="model b to be added and serve")
    status, doc = server.post_json("/v1/models/b/versions/7:predict", {"instances": [[2.0]]})
    assert (status, doc) == (200, {"predictions": [[3.0]]})
    _write_atomically(config, "model_config_list { %s }" % (entry % ("b", tmp_path / "b")))
    server.wait_for(lambda: server.post("/v1/models/a:predict", {"instances": [[1.0, 1.0]]})[0] == 404,
                    what="model a to be removed")


def _write_atomically(path, text):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
