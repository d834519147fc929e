"""Starting the real model server process on loopback ports, and clients for it."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import grpc
import pytest

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m tagraph.serving`` on 127.0.0.1 with free gRPC and REST ports; stopped with SIGTERM."""

    def __init__(self, args, log_path, env=None, wait_ready=True, timeout=30):
        self.grpc_port = free_port()
        self.rest_port = free_port()
        self.log_path = pathlib.Path(log_path)
        self._log = open(self.log_path, "wb")
        cmd = [sys.executable, "-m", "tagraph.serving", "--host=127.0.0.1", "--port=%d" % self.grpc_port,
               "--rest_api_port=%d" % self.rest_port] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        self._channel = None
        if wait_ready:
            self.wait_ready(timeout)

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.rest_port

    @property
    def channel(self):
        if self._channel is None:
            self._channel = grpc.insecure_channel("127.0.0.1:%d" % self.grpc_port)
        return self._channel

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %s:\n%s" % (self.proc.returncode, self.log()))
            try:
                status, _ = self.get("/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server not ready after %.0f s:\n%s" % (timeout, self.log()))

    def wait_for(self, predicate, timeout=30, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s; server log:\n%s" % (what, self.log()[-6000:]))

    def request(self, method, path, body=None, headers=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, doc):
        body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def post_json(self, path, doc):
        status, body = self.post(path, doc)
        return status, json.loads(body)

    def stop(self, timeout=15):
        if self._channel is not None:
            self._channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def start_server(tmp_path):
    servers = []

    def start(args, **kwargs):
        server = ServerProcess(args, tmp_path / ("server-%d.log" % len(servers)), **kwargs)
        servers.append(server)
        return server
    yield start
    for s in servers:
        s.stop()


def copy_model(src, dst):
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def shared_models(tmp_path_factory):
    """model_base (versions 1 and 2) and half_plus_two (as version 1), copied so tests may not alter them."""
    root = tmp_path_factory.mktemp("models")
    copy_model(TF_DATA / "model_base", root / "model_base")
    copy_model(TF_DATA / "half_plus_two", root / "half_plus_two" / "1")
    config = root / "models.config"
    config.write_text("""
model_config_list {
  config {
    name: "m"
    base_path: "%s"
    model_platform: "tensorflow"
    model_version_policy { all {} }
    version_labels { key: "stable" value: 1 }
    version_labels { key: "canary" value: 2 }
  }
  config { name: "hpt" base_path: "%s" model_platform: "tensorflow" }
}
""" % (root / "model_base", root / "half_plus_two"))
    return root


def _shared_server(shared_models, tmp_path_factory, name, extra_args=()):
    logs = tmp_path_factory.mktemp("logs")
    monitoring = logs / "monitoring.config"
    monitoring.write_text('prometheus_config { enable: true, path: "/monitoring/prometheus/metrics" }')
    return ServerProcess(["--model_config_file=%s" % (shared_models / "models.config"),
                          "--monitoring_config_file=%s" % monitoring, "--max_request_size_bytes=65536",
                          "--file_system_poll_wait_seconds=0", *extra_args], logs / ("%s.log" % name))


@pytest.fixture(scope="session")
def shared_server(shared_models, tmp_path_factory):
    """One server for the API tests: models m (versions 1, 2; labels) and hpt, small request limit, metrics."""
    server = _shared_server(shared_models, tmp_path_factory, "shared-server")
    yield server
    assert server.stop() == 0, server.log()


@pytest.fixture(scope="session")
def shared_batching_server(shared_models, tmp_path_factory):
    """The same with --enable_batching: its gRPC front end is the asyncio one (serving/grpc_servers.py)."""
    server = _shared_server(shared_models, tmp_path_factory, "shared-batching-server", ["--enable_batching"])
    yield server
    assert server.stop() == 0, server.log()
