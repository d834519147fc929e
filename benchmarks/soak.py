"""Server soak: ``tagraph-model-server`` under mixed valid, invalid and oversized requests at concurrency 16,
over REST and gRPC, while model versions are added and removed; reports failed valid requests, wrong codes
and the server's resident memory.

    python benchmarks/soak.py                         # 300 s
    python benchmarks/soak.py --seconds 3600 --concurrency 16 --churn-interval 2
    python benchmarks/soak.py --enable-batching        # the same through the batching server

The server is started as TensorFlow Serving is (``--port --rest_api_port --model_name
--model_base_path``, plus ``--file_system_poll_wait_seconds`` and ``--max_request_size_bytes``) on a
temporary base path seeded with two versions of a real TensorFlow export (``y = x @ [[w], [w]]``, w = 2 for
odd versions, 3 for even ones). A churn thread then adds a new latest version (copied beside the base
path, then renamed in, as a deployment does), removes old versions, and now and then removes the latest
one (a rollback: the previous version must take over).

Requests, drawn at random by ``--concurrency`` threads:

* valid: REST and gRPC predict on the model's latest version (answer checked: the gRPC response names
  its version, whose weight must match; REST values must be one version's), model status, metadata,
  a large but allowed batch;
* invalid: malformed JSON, a wrong input name, a wrong shape, an unknown model, an unknown version,
  an unknown signature, a tensor whose shape claims far more values than it holds;
* oversized: a body or message over ``--max_request_size_bytes``.

Each kind has the codes it may get (a valid request: 200 / OK only); anything else counts as a wrong code,
and a valid request that fails counts as a failed valid request. Both must be 0. The server's RSS
(``/proc/PID/status``) is read after warm-up and at the end (and sampled in between), so growth is visible.
"""
import argparse
import collections
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_SRC = os.path.join(ROOT, "tests", "data", "tf", "model_base")
WEIGHT = {1: 2.0, 0: 3.0}   # version parity -> w


def weight_of(version):
    return WEIGHT[version % 2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def server_command():
    exe = shutil.which("tagraph-model-server")
    venv_exe = os.path.join(os.path.dirname(sys.executable), "tagraph-model-server")
    if os.path.exists(venv_exe):
        return [venv_exe]
    if exe:
        return [exe]
    return [sys.executable, "-m", "tagraph.serving"]


# ------------------------------------------------------------------------------------------ versions

class Versions:
    """The model's base path, and the versions the churn thread has put there."""

    def __init__(self, base, staging):
        self.base = base
        self.staging = staging
        self.present = []
        self.next = 1
        self.lock = threading.Lock()
        self.actions = collections.Counter()

    def add(self):
        v = self.next
        self.next += 1
        src = os.path.join(MODEL_SRC, "0001" if v % 2 else "0002")
        tmp = os.path.join(self.staging, "v%d" % v)
        shutil.copytree(src, tmp)
        os.rename(tmp, os.path.join(self.base, str(v)))          # appears whole, as a deployment does
        with self.lock:
            self.present.append(v)
        self.actions["added"] += 1
        return v

    def remove(self, v, what):
        with self.lock:
            self.present.remove(v)
        gone = os.path.join(self.staging, "gone-%d" % v)
        os.rename(os.path.join(self.base, str(v)), gone)         # disappears at once
        shutil.rmtree(gone)
        self.actions[what] += 1

    def churn_once(self, rng):
        with self.lock:
            present = sorted(self.present)
        if len(present) >= 2 and rng.random() < 0.15:
            self.remove(present[-1], "removed latest (rollback)")
        elif len(present) >= 3:
            self.remove(present[0], "removed oldest")
        else:
            self.add()


# ------------------------------------------------------------------------------------------ requests

class Client:
    def __init__(self, rest_port, grpc_port, max_body):
        import grpc
        from tagraph.protos import prediction_service_pb2_grpc
        self.rest_port = rest_port
        self.max_body = max_body
        self.channel = grpc.insecure_channel("127.0.0.1:%d" % grpc_port,
                                             options=[("grpc.max_send_message_length", -1)])
        self.stub = prediction_service_pb2_grpc.PredictionServiceStub(self.channel)
        self.conn = None

    def rest(self, method, path, body=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.rest_port, timeout=60)
            try:
                headers = {"Content-Type": "application/json"} if body is not None else {}
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def grpc_predict(self, request):
        import grpc
        try:
            return "OK", self.stub.Predict(request, timeout=60)
        except grpc.RpcError as e:
            return e.code().name, e.details()


def _x(rows, rng):
    return np.round(np.asarray([[rng.uniform(-4, 4), rng.uniform(-4, 4)] for _ in range(rows)], np.float32), 3)


def _expected(x, w):
    return (x.sum(axis=1, keepdims=True) * w).astype(np.float32)


def _predict_request(x, name="m", version=None, alias="x", signature=""):
    from tagraph.engine.framework.tensor_util import make_tensor_proto
    from tagraph.protos import predict_pb2
    req = predict_pb2.PredictRequest()
    req.model_spec.name = name
    req.model_spec.signature_name = signature
    if version is not None:
        req.model_spec.version.value = version
    req.inputs[alias].CopyFrom(make_tensor_proto(x))
    return req


def make_kinds(args):
    """name -> (weight, valid?, allowed codes, fn(client, rng) -> (code, ok-answer?))."""

    def rest_predict(client, rng, rows=None):
        x = _x(rows or rng.randint(1, 8), rng)
        status, data = client.rest("POST", "/v1/models/m:predict", json.dumps({"instances": x.tolist()}))
        if status != 200:
            return status, data[:200]
        y = np.asarray(json.loads(data)["predictions"], np.float32)
        ok = any(np.allclose(y, _expected(x, w), rtol=1e-5, atol=1e-4) for w in WEIGHT.values())
        return status, None if ok else "wrong values %r for %r" % (y.tolist()[:2], x.tolist()[:2])

    def grpc_predict(client, rng):
        from tagraph.engine.framework.tensor_util import make_ndarray
        x = _x(rng.randint(1, 8), rng)
        code, resp = client.grpc_predict(_predict_request(x))
        if code != "OK":
            return code, resp
        v = resp.model_spec.version.value
        y = make_ndarray(resp.outputs["y"])
        ok = np.allclose(y, _expected(x, weight_of(v)), rtol=1e-5, atol=1e-4)
        return code, None if ok else "version %d answered %r for %r" % (v, y.tolist()[:2], x.tolist()[:2])

    def big_batch(client, rng):
        return rest_predict(client, rng, rows=2000)

    def status(client, rng):
        code, data = client.rest("GET", "/v1/models/m")
        return code, None

    def metadata(client, rng):
        code, data = client.rest("GET", "/v1/models/m/metadata")
        return code, None

    def bad_json(client, rng):
        return client.rest("POST", "/v1/models/m:predict", rng.choice(['{"instances": [1, 2', "nope", "", "[]",
                                                                       '{"instances": "x"}'])) [0], None

    def wrong_input(client, rng):
        return client.rest("POST", "/v1/models/m:predict", json.dumps({"inputs": {"z": [[1.0, 2.0]]}}))[0], None

    def wrong_shape(client, rng):
        return client.rest("POST", "/v1/models/m:predict", json.dumps({"instances": [[1.0, 2.0, 3.0]]}))[0], None

    def unknown_model(client, rng):
        return client.rest("POST", "/v1/models/nope:predict", json.dumps({"instances": [[1.0, 2.0]]}))[0], None

    def unknown_version(client, rng):
        return client.rest("POST", "/v1/models/m/versions/999999:predict",
                           json.dumps({"instances": [[1.0, 2.0]]}))[0], None

    def unknown_signature(client, rng):
        code, _ = client.grpc_predict(_predict_request(np.float32([[1, 2]]), signature="nope"))
        return code, None

    def claiming_shape(client, rng):
        from tagraph.protos import predict_pb2
        req = predict_pb2.PredictRequest()
        req.model_spec.name = "m"
        t = req.inputs["x"]
        t.dtype = 1
        for d in (10**12, 2):      # far beyond any machine: refused, never allocated
            t.tensor_shape.dim.add(size=d)
        t.float_val.append(1.0)
        code, _ = client.grpc_predict(req)
        return code, None

    def oversized_rest(client, rng):
        # A raw socket: the server answers 413 as soon as it has read the headers, maybe while the body is
        # still being sent; what counts is whether the 413 reaches the client (sent, then read, even if the
        # send of the rest of the body failed).
        body = json.dumps({"instances": [[1.0, 2.0]] * (args.max_request_size_bytes // 12 + 10)}).encode()
        head = ("POST /v1/models/m:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % len(body)).encode()
        with socket.create_connection(("127.0.0.1", client.rest_port), timeout=60) as sock:
            send_error = None
            try:
                sock.sendall(head + body)
            except OSError as e:
                send_error = e
            data = b""
            try:
                while b"\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError as e:
                return "no response (%s after %s)" % (type(e).__name__, type(send_error).__name__), None
        try:
            return int(data.split(b" ", 2)[1]), None
        except (IndexError, ValueError):
            return "no response (%r, send: %s)" % (data[:40], type(send_error).__name__), None

    def oversized_grpc(client, rng):
        rows = args.max_request_size_bytes // 8 + 16
        code, _ = client.grpc_predict(_predict_request(np.ones((rows, 2), np.float32)))
        return code, None

    return {
        "valid REST predict": (30, True, {200}, rest_predict),
        "valid gRPC predict": (30, True, {"OK"}, grpc_predict),
        "valid REST large batch": (3, True, {200}, big_batch),
        "valid REST status": (4, True, {200}, status),
        "valid REST metadata": (3, True, {200}, metadata),
        "invalid JSON": (5, False, {400}, bad_json),
        "invalid input name": (4, False, {400}, wrong_input),
        "invalid shape": (4, False, {400}, wrong_shape),
        "unknown model": (3, False, {404}, unknown_model),
        "unknown version": (3, False, {404}, unknown_version),
        "unknown signature (gRPC)": (3, False, {"INVALID_ARGUMENT", "FAILED_PRECONDITION"}, unknown_signature),
        "shape claiming 2*10**12 values (gRPC)": (3, False, {"INVALID_ARGUMENT", "RESOURCE_EXHAUSTED"},
                                                  claiming_shape),
        "oversized REST body": (1, False, {413}, oversized_rest),
        "oversized gRPC message": (1, False, {"RESOURCE_EXHAUSTED"}, oversized_grpc),
    }


# ------------------------------------------------------------------------------------------------ main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=300.0, help="how long to send requests")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--churn-interval", type=float, default=2.0, help="seconds between version changes")
    p.add_argument("--max-request-size-bytes", dest="max_request_size_bytes", type=int, default=1 << 20)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--enable-batching", dest="enable_batching", action="store_true",
                   help="run the server with --enable_batching (its asyncio gRPC front end and the batcher)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (server log, models)")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    work = tempfile.mkdtemp(prefix="tagraph-soak-")
    base = os.path.join(work, "models", "m")
    staging = os.path.join(work, "staging")
    os.makedirs(base)
    os.makedirs(staging)
    versions = Versions(base, staging)
    versions.add()
    versions.add()

    rest_port, grpc_port = free_port(), free_port()
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "wb")
    cmd = server_command() + ["--port=%d" % grpc_port, "--rest_api_port=%d" % rest_port, "--model_name=m",
                              "--model_base_path=%s" % base, "--host=127.0.0.1",
                              "--file_system_poll_wait_seconds=0.5",
                              "--max_request_size_bytes=%d" % args.max_request_size_bytes]
    if args.enable_batching:
        # Room for the 2,000-row "large batch" request (a task over max_batch_size is refused, as in TF Serving).
        params = os.path.join(work, "batching.config")
        with open(params, "w") as f:
            f.write("max_batch_size { value: 2048 }\nbatch_timeout_micros { value: 1000 }\n")
        cmd += ["--enable_batching", "--batching_parameters_file=%s" % params]
    env = dict(os.environ)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    print("soak: %s (seed %d, %d s, concurrency %d)" % (" ".join(cmd), seed, args.seconds, args.concurrency),
          flush=True)
    try:
        return _soak(args, seed, server, rest_port, grpc_port, versions, log_path)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        if args.keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _soak(args, seed, server, rest_port, grpc_port, versions, log_path):
    probe = Client(rest_port, grpc_port, args.max_request_size_bytes)
    deadline = time.monotonic() + 120
    while True:
        if server.poll() is not None:
            raise SystemExit("the server exited (%s):\n%s" % (server.returncode, open(log_path).read()[-4000:]))
        try:
            if probe.rest("GET", "/readyz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the server did not become ready:\n%s" % open(log_path).read()[-4000:])
        time.sleep(0.1)
    kinds = make_kinds(args)
    names = list(kinds)
    weights = [kinds[n][0] for n in names]
    warm_rng = random.Random(seed)
    for name in names:                                   # warm every path once before the first RSS reading
        for _ in range(3):
            kinds[name][3](probe, warm_rng)
    rss_start = rss_kib(server.pid)
    rss_samples = [rss_start]

    stats = collections.defaultdict(collections.Counter)      # kind -> code -> n
    failures = collections.Counter()
    wrong = collections.Counter()
    examples = []
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def worker(i):
        rng = random.Random(seed * 1000 + i)
        client = Client(rest_port, grpc_port, args.max_request_size_bytes)
        while not stop.is_set():
            name = rng.choices(names, weights)[0]
            _, valid, allowed, fn = kinds[name]
            try:
                code, problem = fn(client, rng)
            except Exception as e:  # noqa: BLE001 - a dropped connection, a timeout: counted as a failure
                code, problem = "client error %s" % type(e).__name__, str(e)[:200]
            with lock:
                stats[name][code] += 1
                bad_code = code not in allowed
                if bad_code:
                    wrong[name] += 1
                if valid and (bad_code or problem):
                    failures[name] += 1
                if (bad_code or (valid and problem)) and len(examples) < 25:
                    examples.append("%.1fs %s -> %s %s" % (time.monotonic() - started, name, code,
                                                           problem if isinstance(problem, str) else ""))

    def churn():
        rng = random.Random(seed + 7)
        while not stop.wait(args.churn_interval):
            try:
                versions.churn_once(rng)
            except OSError as e:
                with lock:
                    examples.append("churn failed: %s" % e)

    def sample_rss():
        while not stop.wait(5):
            rss_samples.append(rss_kib(server.pid))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.concurrency)]
    threads += [threading.Thread(target=churn, daemon=True), threading.Thread(target=sample_rss, daemon=True)]
    for t in threads:
        t.start()
    next_report = started + 30
    while time.monotonic() - started < args.seconds:
        time.sleep(1)
        if server.poll() is not None:
            examples.append("THE SERVER EXITED with %s" % server.returncode)
            break
        if time.monotonic() >= next_report:
            next_report += 30
            with lock:
                total = sum(sum(c.values()) for c in stats.values())
                print("  %4.0f s: %d requests, %d failed valid, %d wrong codes, RSS %s KiB, versions %s"
                      % (time.monotonic() - started, total, sum(failures.values()), sum(wrong.values()),
                         rss_kib(server.pid), sorted(versions.present)), flush=True)
    stop.set()
    for t in threads:
        t.join(90)
    elapsed = time.monotonic() - started
    time.sleep(1)
    rss_end = rss_kib(server.pid)
    alive = server.poll() is None

    total = sum(sum(c.values()) for c in stats.values())
    print()
    print("%-40s %9s %7s %7s  %s" % ("request kind", "requests", "failed", "wrong", "codes"))
    for name in names:
        c = stats[name]
        print("%-40s %9d %7s %7d  %s" % (name, sum(c.values()), failures[name] if kinds[name][1] else "-",
                                          wrong[name], ", ".join("%s:%d" % kv for kv in sorted(c.items(), key=str))))
    print()
    samples = [s for s in rss_samples if s]
    print("duration                : %.0f s" % elapsed)
    print("requests                : %d (%.0f/s) at concurrency %d" % (total, total / elapsed, args.concurrency))
    print("failed valid requests   : %d" % sum(failures.values()))
    print("wrong codes             : %d" % sum(wrong.values()))
    print("server RSS start / end  : %s / %s KiB (max sampled %s KiB)" % (rss_start, rss_end,
                                                                       max(samples) if samples else None))
    print("version changes         : %s; versions at the end %s" % (dict(versions.actions),
                                                                    sorted(versions.present)))
    print("server alive at the end : %s" % alive)
    if examples:
        print("\nfirst problems:")
        for e in examples:
            print("  " + e)
    ok = alive and not failures and not wrong
    print("\n%s" % ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
