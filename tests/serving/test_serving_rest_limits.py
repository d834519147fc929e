"""The REST server against a hostile client, over real sockets: large and oversized bodies, slow and
half-open connections, request smuggling, bad numbers and strings; and start-up as TensorFlow Serving's
(models load before the ports open; a port in use or a wrong base path is a clear error)."""
import http.client
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time

import pathlib

import numpy as np
import pytest

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def _raw(port, data, timeout=5.0):
    """Sends raw bytes; returns everything the server answers until it closes (or ``timeout``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
    return out


def _split(response):
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


class SmallClient:
    """A keep-alive client sending tiny predict requests back to back on its own thread; records latencies."""

    def __init__(self, port):
        self._port = port
        self._stop = threading.Event()
        self.latencies = []
        self.failures = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
        body = b'{"instances": [[1.0]]}'
        while not self._stop.is_set():
            t = time.perf_counter()
            conn.request("POST", "/v1/models/hpt:predict", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            self.latencies.append(time.perf_counter() - t)
            if resp.status != 200 or json.loads(data) != {"predictions": [[2.5]]}:
                self.failures.append((resp.status, data[:200]))
            time.sleep(0.002)

    def stop(self):
        self._stop.set()
        self._thread.join(30)
        return np.percentile(np.array(self.latencies) * 1e3, 99)


@pytest.fixture
def hpt_base(tmp_path):
    shutil.copytree(TF_DATA / "half_plus_two", tmp_path / "hpt" / "1")
    return tmp_path / "hpt"


@pytest.fixture(scope="module")
def big_body():
    """~50 MB of one-float rows for half_plus_two (4.2 million rows)."""
    rows = np.random.default_rng(0).random(4_200_000).round(6)
    return ('{"instances": [' + ",".join("[%s]" % v for v in rows.tolist()) + "]}").encode(), rows


def test_a_50_mb_body_decodes_within_its_memory_bound_while_small_requests_keep_flowing(start_server, hpt_base,
                                                                                        big_body):
    body, rows = big_body
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base])   # default 64 MiB limit
    pid = server.proc.pid
    server.wait_for(lambda: "REST body scans ready" in server.log(), what="the JSON scans to load")
    conn = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=120)
    conn.request("POST", "/v1/models/hpt:predict", b'{"instances": [[1.0]]}')
    conn.getresponse().read()
    before = _status(pid, "VmRSS:")
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")                                 # resets the peak (VmHWM) to the current RSS
    small = SmallClient(server.rest_port)
    time.sleep(0.2)
    conn.request("POST", "/v1/models/hpt:predict", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    p99 = small.stop()
    assert resp.status == 200, data[:300]
    peak_added = _status(pid, "VmHWM:") - before
    tensors = rows.size * 4                          # the float32 input
    assert peak_added <= 4 * len(body) + tensors, "peak added %d MB for a %d MB body" % (peak_added >> 20,
                                                                                         len(body) >> 20)
    out = np.array(json.loads(data)["predictions"], np.float32)
    np.testing.assert_allclose(out[:, 0], np.float32(rows) * np.float32(0.5) + np.float32(2), rtol=1e-6)
    assert small.failures == [] and len(small.latencies) > 20
    assert p99 < 50, "small requests' p99 %.1f ms while the large body was decoded" % p99


def test_refused_requests_release_their_memory(start_server, hpt_base, tmp_path):
    params = tmp_path / "batching.config"
    params.write_text("max_batch_size { value: 8 }\nbatch_timeout_micros { value: 1000 }\n")
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base, "--enable_batching",
                           "--batching_parameters_file=%s" % params, "--max_request_size_bytes=%d" % (8 << 20)])
    pid = server.proc.pid
    server.wait_for(lambda: "REST body scans ready" in server.log(), what="the JSON scans to load")
    start = _status(pid, "VmRSS:")
    # 30 bodies over the limit: refused from their Content-Length, unread.
    for _ in range(30):
        conn = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=30)
        conn.putrequest("POST", "/v1/models/hpt:predict")
        conn.putheader("Content-Length", str(1 << 30))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413 and "exceeds the limit" in json.loads(resp.read())["error"]
        conn.close()
    # 10 accepted bodies refused by the batcher (more rows than a batch): their tensors are freed at once.
    rows = b'{"instances": [' + b"[0.5]," * 600000 + b"[0.5]]}"
    conn = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=60)
    for _ in range(10):
        conn.request("POST", "/v1/models/hpt:predict", rows)
        resp = conn.getresponse()
        assert (resp.status, json.loads(resp.read())) == (
            400, {"error": "Task size 600001 is larger than maximum input batch size 8"})
    assert _status(pid, "VmRSS:") - start < 50 << 20


def test_half_open_connections_hold_no_threads_and_a_trickled_header_is_cut_off(start_server, hpt_base):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2300:
        pytest.skip("needs 2,300 open files, the hard limit is %d" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2300), hard))
    server = start_server(["--model_name=hpt", "--model_base_path=%s" % hpt_base,
                           "--rest_api_header_timeout_seconds=6"])
    pid = server.proc.pid
    threads = _threads(pid)
    half_open = []
    trickled = []

    def trickle():
        # A header sent a byte every 0.3 s: it never completes, and the same timeout cuts it off.
        with socket.create_connection(("127.0.0.1", server.rest_port), timeout=15) as s:
            try:
                for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                    s.sendall(bytes([b]))
                    time.sleep(0.3)
            except OSError:
                pass
            trickled.append((s.recv(4096), time.monotonic()))
    try:
        started = time.monotonic()
        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        for _ in range(2000):
            s = socket.create_connection(("127.0.0.1", server.rest_port))
            s.sendall(b"POST /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\nContent-Le")
            half_open.append(s)
        assert time.monotonic() - started < 4, "the connections took too long to open for this test"
        # Once the server has taken them all (accepting 2,000 takes it a while on a slow machine, and a request
        # queued behind them waits for that, not for what holding them costs):
        deadline = time.monotonic() + 10
        while len(os.listdir("/proc/%d/fd" % pid)) < 2000 and time.monotonic() < deadline:
            time.sleep(0.05)
        small = SmallClient(server.rest_port)       # while all 2,000 are held
        time.sleep(1.0)
        assert _threads(pid) <= threads + 2
        p99 = small.stop()
        print("LAT", sorted(np.array(small.latencies) * 1e3)[-12:], len(small.latencies))
        assert small.failures == [] and p99 < 50, p99
        # The header timeout closes every one of them, with a JSON 408.
        half_open[0].settimeout(15)
        status, headers, body = _split(half_open[0].recv(4096))
        assert (status, json.loads(body)) == (408, {"error": "Timed out waiting for the request headers (6 s)"})
        assert 5.5 < time.monotonic() - started < 12
        trickler.join(15)
        assert trickled and b" 408 " in trickled[0][0][:20] and trickled[0][1] - started < 12
    finally:
        for s in half_open:
            s.close()


@pytest.mark.parametrize("request_bytes, status, message", [
    # Request smuggling: two different lengths, or a length beside chunked encoding.
    (b"POST /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 22\r\nContent-Length: 5\r\n\r\n"
     b'{"instances": [[1.0]]}', 400, "Malformed HTTP request: Duplicate Content-Length"),
    (b"POST /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 22\r\nTransfer-Encoding: chunked\r\n\r\n"
     b'{"instances": [[1.0]]}', 400, "Malformed HTTP request: Transfer-Encoding can't be present with Content-Length"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "Malformed HTTP request: Got more than 8190 bytes"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431,
     "Malformed HTTP request: Got more than 8190 bytes"),
    (b"GET /healthz HTTP/1.7\r\nHost: x\r\n\r\n", 505, "Malformed HTTP request: Bad status line"),
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP version 2.0 is not supported; use HTTP/1.1"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "Malformed HTTP request: Received HTTPS traffic"),
    (b"PUT /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405, "Method PUT is not allowed"),
    (b"POST /v1/models/hpt:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411,
     "Chunked request bodies are not supported; send a Content-Length"),
])
def test_malformed_http_gets_a_json_error(shared_server, request_bytes, status, message):
    got, headers, body = _split(_raw(shared_server.rest_port, request_bytes))
    assert got == status
    assert headers["content-type"] == "application/json" and headers["server"] == "tagraph-model-server"
    assert json.loads(body)["error"].startswith(message)


@pytest.mark.parametrize("body, message", [
    (b'{"instances": [[1e400, 1.0]]}', "JSON Parse error: Number too big to be stored in double. at offset: 16"),
    (b'{"instances": [[' + b"9" * 401 + b', 1.0]]}', "JSON Parse error: Number too big to be stored in double. at "
                                                     "offset: 16"),
    (b'{"instances": [[' + b"7" * 5000 + b', 1.0]]}', "JSON Parse error: Number too big to be stored in double. at "
                                                      "offset: 16"),
    (b'{"signature_name": "\\ud800", "instances": [[1.0, 1.0]]}', "JSON Parse error: The surrogate pair in string "
                                                                 "is invalid. at offset: 20"),
    (b'{"instances": [["\\udc00", 1.0]]}', "JSON Parse error: The surrogate pair in string is invalid. at offset: 17"),
    (b'{"instances": [["\xff", 1.0]]}', "JSON Parse error: Invalid encoding in string. at offset: 17"),
    (b'{"instances": [[1.0, 1.0]]', "JSON Parse error: Missing a comma or '}' after an object member. at offset: 26"),
])
def test_bad_numbers_and_strings_get_400_with_tensorflow_servings_wording(shared_server, body, message):
    status, text = shared_server.post("/v1/models/m:predict", body)
    assert (status, json.loads(text)) == (400, {"error": message})


def test_nan_infinity_and_trailing_text_are_accepted_as_tensorflow_serving_accepts_them(shared_server):
    status, text = shared_server.post("/v1/models/hpt:predict", b'{"instances": [[NaN], [-Inf], [Infinity]]} ...')
    assert (status, text) == (200, '{"predictions": [[NaN], [-Infinity], [Infinity]]}')


def test_ports_open_only_after_the_first_load(hpt_base, tmp_path):
    # A slow load: warmup replays 3,000 requests before the version may serve.
    from tagraph.serving import extra_protos
    from tagraph.engine.framework.tfrecord import TFRecordWriter
    from tagraph.engine.framework.tensor_util import make_tensor_proto
    from tagraph.protos import predict_pb2
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "hpt"
    req.inputs["x"].CopyFrom(make_tensor_proto(np.float32([[1.0]])))
    log = extra_protos.PredictionLog()
    log.predict_log.request = req.SerializeToString()
    os.makedirs(hpt_base / "1" / "assets.extra", exist_ok=True)
    with TFRecordWriter(hpt_base / "1" / "assets.extra" / "tf_serving_warmup_requests") as w:
        w.write(log.SerializeToString())
    rest_port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tagraph.serving", "--host=127.0.0.1", "--port=%d" % free_port(),
                             "--rest_api_port=%d" % rest_port, "--model_name=hpt", "--model_base_path=%s" % hpt_base,
                             "--num_request_iterations_for_warmup=3000"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        refused = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, body = _split(_raw(rest_port, b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=2))
                break
            except ConnectionRefusedError:
                refused += 1
                time.sleep(0.01)
        assert refused > 0 and status == 200 and json.loads(body)["status"] == "ready"
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert out.index("Successfully loaded servable version {name: hpt version: 1}") < \
        out.index("Exporting HTTP/REST API at")


@pytest.mark.parametrize("which", ["rest", "grpc"])
def test_a_port_in_use_names_the_port_and_the_api(hpt_base, caplog, which):
    from tagraph.serving.main import main
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        other = free_port()
        rest, grpc_port = (port, other) if which == "rest" else (other, port)
        assert main(["--host=127.0.0.1", "--port=%d" % grpc_port, "--rest_api_port=%d" % rest,
                     "--model_name=hpt", "--model_base_path=%s" % hpt_base]) == 1
    api, flag = ("REST", "--rest_api_port") if which == "rest" else ("gRPC", "--port")
    assert "Cannot open the %s API port %d on 127.0.0.1 (%s): address already in use" % (api, port, flag) \
        in caplog.text
    assert "Loading servable" not in caplog.text          # refused before any model loads


@pytest.mark.parametrize("path, message", [
    ("nonexistent", "Could not find base path {p} for servable hpt with error NOT_FOUND: {p} not found"),
    ("hpt/1", "Unable to find a numerical version path for servable hpt at: {p}; it is the folder of version 1: "
              "pass its parent as the base path (--model_base_path={parent})"),
])
def test_a_wrong_base_path_says_what_to_pass(hpt_base, caplog, path, message):
    from tagraph.serving.main import main
    base = os.path.normpath(os.path.join(os.path.dirname(hpt_base), path))
    assert main(["--host=127.0.0.1", "--port=%d" % free_port(), "--rest_api_port=%d" % free_port(),
                 "--model_name=hpt", "--model_base_path=%s" % base]) == 1
    assert message.format(p=base, parent=os.path.dirname(base)) in caplog.text


def test_a_saved_model_given_as_base_path_says_where_to_move_it(tmp_path, caplog):
    from tagraph.serving.main import main
    shutil.copytree(TF_DATA / "half_plus_two", tmp_path / "export")
    assert main(["--host=127.0.0.1", "--port=%d" % free_port(), "--model_name=hpt",
                 "--model_base_path=%s" % (tmp_path / "export")]) == 1
    assert "it holds a SavedModel itself: the base path holds numbered version folders, so move the SavedModel " \
           "into %s (any version number) and pass %s" % (tmp_path / "export" / "1", tmp_path / "export") in caplog.text
