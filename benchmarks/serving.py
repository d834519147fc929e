"""Model server throughput and latency: closed-loop load from a separate process, gRPC and REST.

    python benchmarks/serving.py                 # every scenario, 4 s each
    python benchmarks/serving.py --seconds 2 --models mlp --protocols grpc

Models: the fixture ``simple_save`` (z = x @ [[2]] + y, batch-1 requests) and an MLP 784-512-512-10 (ReLU)
exported with tagraph's own ``simple_save``. Each scenario starts ``tagraph-model-server`` on loopback
ports, then a client process keeps C requests in flight (C = 1 and 16: each of C workers, grpc.aio
coroutines or asyncio REST connections kept alive, sends its next request as soon as its last answer
arrives) and reports requests per second and p50 / p99 latency. The first server also gets 1,000 idle
keep-alive REST connections, to measure the memory each costs. A last row measures a gRPC server that
only echoes the request, under the same conditions: the ceiling Python's gRPC itself sets on the machine.

Targets (on the 2-core machine): gRPC p50 <= 1 ms at concurrency 1 on the small model; >= 3000
requests/s at concurrency 16 with batching on the MLP (batch-1 requests); REST at concurrency 16 at least
0.9x gRPC's throughput in the same run, with and without batching; REST p50 <= 1 ms at concurrency 1 on
the small model. The client shares the machine's
two cores with the server, as in the targets' setting; figures from a busy machine are lower.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests", "data", "tf", "simple_save")
TARGET_P50_MS = 1.0
TARGET_RPS = 3000.0
TARGET_REST_RATIO = 0.9          # REST throughput at concurrency 16, as a fraction of gRPC's in the same run
IDLE_CONNECTIONS = 1000


# --- models ---------------------------------------------------------------------------------------

def export_mlp(export_dir, seed=0):
    """Exports an MLP 784-512-512-10 with ReLU, as tagraph's simple_save writes it."""
    import numpy as np
    import tagraph.engine as tg
    from tagraph.serialization import saved_model
    rng = np.random.default_rng(seed)
    g = tg.Graph()
    with g.as_default():
        x = tg.placeholder(tg.float32, [None, 784], name="x")
        h = x
        for i, (n_in, n_out) in enumerate(((784, 512), (512, 512), (512, 10))):
            w = tg.Variable(rng.normal(0, (2.0 / n_in) ** 0.5, (n_in, n_out)).astype(np.float32), name="w%d" % i)
            b = tg.Variable(np.zeros(n_out, np.float32), name="b%d" % i)
            h = tg.nn.bias_add(tg.matmul(h, w), b)
            if i < 2:
                h = tg.nn.relu(h)
        logits = tg.identity(h, name="logits")
        with tg.Session(graph=g) as sess:
            sess.run(tg.global_variables_initializer())
            saved_model.simple_save(sess, export_dir, inputs={"x": x}, outputs={"logits": logits})


def prepare_models(workdir):
    simple = os.path.join(workdir, "simple", "1")
    shutil.copytree(FIXTURE, simple)
    mlp = os.path.join(workdir, "mlp", "1")
    export_mlp(mlp)
    return {"simple": os.path.dirname(simple), "mlp": os.path.dirname(mlp)}


# --- the server -----------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, base_path, batching, workdir):
        self.grpc_port, self.rest_port = _free_port(), _free_port()
        args = [sys.executable, "-m", "tagraph.serving", "--host=127.0.0.1", "--port=%d" % self.grpc_port,
                "--rest_api_port=%d" % self.rest_port, "--model_name=%s" % name, "--model_base_path=%s" % base_path,
                "--tensorflow_intra_op_parallelism=1", "--file_system_poll_wait_seconds=0", "--log_level=WARNING"]
        if batching:
            # As many rows as the client keeps in flight. The client answers its 16 replies one after the
            # other (~150 us of CPU each), so the next requests arrive spread over ~2 ms: a 2 ms timeout
            # lets most of them share a batch (1 ms gave batches of 1-4 rows and ~8% fewer requests/s).
            params = os.path.join(workdir, "batching.config")
            with open(params, "w") as f:
                f.write("max_batch_size { value: 16 }\nbatch_timeout_micros { value: 2000 }\n"
                        "max_enqueued_batches { value: 1000 }\nnum_batch_threads { value: 1 }\n")
            args += ["--enable_batching", "--batching_parameters_file=%s" % params]
        self.log = open(os.path.join(workdir, "server-%s-%s.log" % (name, batching)), "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self):
        import urllib.request
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: see %s" % self.log.name)
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % self.rest_port, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server not ready: see %s" % self.log.name)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def echo_server_main(port):
    """A gRPC Predict that only echoes its input: what Python's gRPC costs before any model work."""
    import concurrent.futures
    import grpc
    from tagraph.protos import predict_pb2, prediction_service_pb2_grpc

    class Echo(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802
            response = predict_pb2.PredictResponse()
            for k, v in request.inputs.items():
                response.outputs[k].CopyFrom(v)
            return response
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(64), options=[("grpc.so_reuseport", 0)])
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Echo(), server)
    server.add_insecure_port("127.0.0.1:%d" % port)
    server.start()
    server.wait_for_termination()


def run_echo_reference(model, seconds, warmup):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--echo-server", str(port)])
    try:
        import grpc
        grpc.channel_ready_future(grpc.insecure_channel("127.0.0.1:%d" % port)).result(timeout=60)
        return run_client("grpc", port, model, 16, seconds, warmup)
    finally:
        proc.terminate()
        proc.wait(20)


# --- the client (runs in its own process) ----------------------------------------------------------

def _inputs(model):
    import numpy as np
    if model == "simple":
        return {"x": np.float32([[1.0]]), "y": np.float32([[0.5]])}
    return {"x": np.random.default_rng(1).random((1, 784), dtype=np.float32)}


def client_main(args):
    """Closed loop: ``concurrency`` workers, each sending its next request when its last one returns."""
    inputs = _inputs(args.model)
    if args.protocol == "grpc":
        result = _grpc_client(args, inputs)
    else:
        result = _rest_client(args, inputs)
    print(json.dumps(result))


def _summary(latencies, errors, seconds):
    import numpy as np
    lat = np.array(latencies)
    return {"requests": int(lat.size), "rps": lat.size / seconds,
            "p50_ms": float(np.percentile(lat, 50) * 1e3) if lat.size else None,
            "p99_ms": float(np.percentile(lat, 99) * 1e3) if lat.size else None,
            "errors": len(errors), "first_error": errors[0] if errors else None}


def _grpc_client(args, inputs):
    # grpc.aio: one event loop keeps all requests in flight; it costs the client about a third less CPU per
    # request than one thread per request, and on two cores the client's CPU is taken from the server's.
    import asyncio
    import grpc
    from tagraph.engine.framework.tensor_util import make_tensor_proto
    from tagraph.protos import predict_pb2
    req = predict_pb2.PredictRequest()
    req.model_spec.name = args.model
    for k, v in inputs.items():
        req.inputs[k].CopyFrom(make_tensor_proto(v))
    payload = req.SerializeToString()      # sent pre-serialized: the client measures the server

    async def run():
        channel = grpc.aio.insecure_channel("127.0.0.1:%d" % args.port)
        call = channel.unary_unary("/tensorflow.serving.PredictionService/Predict")
        await call(payload)
        latencies, errors = [], []
        loop = asyncio.get_running_loop()
        start = loop.time()
        warm_until, stop_at = start + args.warmup, start + args.warmup + args.seconds
        perf = time.perf_counter

        async def worker():
            while True:
                t = loop.time()
                if t >= stop_at:
                    return
                t0 = perf()
                try:
                    await call(payload)
                except grpc.RpcError as e:
                    errors.append("%s: %s" % (e.code(), e.details()))
                    return
                if t >= warm_until:
                    latencies.append(perf() - t0)
        await asyncio.gather(*[worker() for _ in range(args.concurrency)])
        await channel.close()
        return _summary(latencies, errors, args.seconds)
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(run())


def _rest_client(args, inputs):
    # asyncio streams on keep-alive connections (uvloop where installed): like the gRPC client, one event
    # loop keeps every request in flight, so the client takes as little CPU from the server as it can.
    import asyncio
    body = json.dumps({"instances": [{k: v[0].tolist() for k, v in inputs.items()}]
                       if len(inputs) > 1 else [v[0].tolist() for v in inputs.values()]}).encode()
    request = (b"POST /v1/models/%s:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % (args.model.encode(), len(body))) + body

    async def run():
        latencies, errors = [], []
        loop = asyncio.get_running_loop()
        start = loop.time()
        warm_until, stop_at = start + args.warmup, start + args.warmup + args.seconds
        perf = time.perf_counter

        async def worker():
            reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            try:
                while True:
                    t = loop.time()
                    if t >= stop_at:
                        return
                    t0 = perf()
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    data = await reader.readexactly(length)
                    if not head.startswith(b"HTTP/1.1 200"):
                        errors.append(data[:200].decode(errors="replace"))
                        return
                    if t >= warm_until:
                        latencies.append(perf() - t0)
            finally:
                writer.close()
        await asyncio.gather(*[worker() for _ in range(args.concurrency)])
        return _summary(latencies, errors, args.seconds)
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(run())


def idle_connection_memory(port, pid, count):
    """Server RSS added per idle keep-alive REST connection (each served one request, then left open)."""
    import socket
    probe = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    socks = []

    def rss():
        with open("/proc/%d/status" % pid) as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))

    def threads():
        return len(os.listdir("/proc/%d/task" % pid))
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(probe)
    s.recv(4096)
    socks.append(s)
    time.sleep(0.5)
    before, threads_before = rss(), threads()
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(probe)
            s.recv(4096)
            socks.append(s)
        time.sleep(0.5)
        return (rss() - before) / count, threads() - threads_before
    finally:
        for s in socks:
            s.close()


def run_client(protocol, port, model, concurrency, seconds, warmup):
    cmd = [sys.executable, os.path.abspath(__file__), "--client", "--protocol", protocol, "--port", str(port),
           "--model", model, "--concurrency", str(concurrency), "--seconds", str(seconds), "--warmup", str(warmup)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + warmup + 120)
    if out.returncode != 0:
        raise RuntimeError("client failed:\n%s" % out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- driver ---------------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=4.0, help="measured seconds per scenario")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each measurement")
    p.add_argument("--models", default="simple,mlp")
    p.add_argument("--protocols", default="grpc,rest")
    p.add_argument("--concurrency", default="1,16")
    p.add_argument("--batching", default="off,on", help="off, on, or off,on (the MLP runs both; simple runs off)")
    p.add_argument("--no-reference", action="store_true", help="skip the gRPC echo server reference row")
    p.add_argument("--idle-connections", type=int, default=IDLE_CONNECTIONS,
                   help="idle REST connections opened to measure memory per connection (0: skip)")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--echo-server", type=int, help=argparse.SUPPRESS)
    p.add_argument("--protocol", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.echo_server:
        return echo_server_main(args.echo_server)
    if args.client:
        args.concurrency = int(args.concurrency)
        return client_main(args)

    workdir = tempfile.mkdtemp(prefix="tagraph-serving-bench-")
    rows = []
    try:
        bases = prepare_models(workdir)
        for model in args.models.split(","):
            modes = [m == "on" for m in args.batching.split(",")]
            if model == "simple":
                modes = [m for m in modes if not m] or [False]
            for batching in modes:
                server = Server(model, bases[model], batching, workdir)
                try:
                    if model == args.models.split(",")[0] and not batching and args.idle_connections and \
                            "rest" in args.protocols.split(","):
                        per_conn, threads = idle_connection_memory(server.rest_port, server.proc.pid,
                                                                   args.idle_connections)
                        rows.append({"model": "idle", "per_conn": per_conn, "threads": threads,
                                     "count": args.idle_connections})
                        print("memory per idle REST connection (%d open): %.1f KiB, server threads added: %d"
                              % (args.idle_connections, per_conn / 1024, threads), flush=True)
                    for protocol in args.protocols.split(","):
                        port = server.grpc_port if protocol == "grpc" else server.rest_port
                        for c in (int(c) for c in args.concurrency.split(",")):
                            r = run_client(protocol, port, model, c, args.seconds, args.warmup)
                            rows.append(dict(r, model=model, batching=batching, protocol=protocol, concurrency=c))
                            print_row(rows[-1], flush=True)
                finally:
                    server.stop()
        if not args.no_reference and "grpc" in args.protocols.split(","):
            r = run_echo_reference("mlp", args.seconds, args.warmup)
            rows.append(dict(r, model="echo", batching=False, protocol="grpc", concurrency=16))
            print_row(rows[-1], flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_summary(rows)


_HEADER = "%-7s %-9s %-5s %5s %9s %9s %9s %9s %6s" % ("model", "batching", "proto", "conc", "requests", "req/s",
                                                     "p50 ms", "p99 ms", "errors")
_printed_header = []


def print_row(r, flush=False):
    if not _printed_header:
        print(_HEADER)
        _printed_header.append(True)
    print("%-7s %-9s %-5s %5d %9d %9.0f %9.3f %9.3f %6d" % (
        r["model"], "on" if r["batching"] else "off", r["protocol"], r["concurrency"], r["requests"], r["rps"],
        r["p50_ms"] or float("nan"), r["p99_ms"] or float("nan"), r["errors"]), flush=flush)


def print_summary(rows):
    print()
    rows = [r for r in rows if r["model"] != "idle"]
    by = {(r["model"], r["batching"], r["protocol"], r["concurrency"]): r for r in rows}
    for (model, batching, protocol, c), r in sorted(by.items()):
        g = by.get((model, batching, "grpc", c))
        if protocol == "rest" and c == 16 and g:
            ratio = r["rps"] / g["rps"]
            print("REST/gRPC throughput, %s, batching %s, concurrency 16: %.0f / %.0f req/s = %.2fx (target >= %.1fx)"
                  "  %s" % (model, "on" if batching else "off", r["rps"], g["rps"], ratio, TARGET_REST_RATIO,
                            "MET" if ratio >= TARGET_REST_RATIO else "MISSED"))
        if protocol == "rest" and c == 1 and model == "simple" and not batching:
            print("target REST p50 <= %.1f ms, simple model, concurrency 1: %.3f ms  %s"
                  % (TARGET_P50_MS, r["p50_ms"], "MET" if r["p50_ms"] <= TARGET_P50_MS else "MISSED"))
    for r in rows:
        if r["model"] == "simple" and r["protocol"] == "grpc" and r["concurrency"] == 1 and not r["batching"]:
            print("target gRPC p50 <= %.1f ms, simple model, concurrency 1: %.3f ms  %s"
                  % (TARGET_P50_MS, r["p50_ms"], "MET" if r["p50_ms"] <= TARGET_P50_MS else "MISSED"))
        if r["model"] == "mlp" and r["protocol"] == "grpc" and r["concurrency"] == 16 and r["batching"]:
            print("target >= %.0f req/s, MLP with batching, gRPC, concurrency 16: %.0f req/s  %s"
                  % (TARGET_RPS, r["rps"], "MET" if r["rps"] >= TARGET_RPS else "MISSED"))
    for r in rows:
        if r["model"] == "echo":
            print("reference: a gRPC server that only echoes the MLP request, concurrency 16: %.0f req/s "
                  "(Python gRPC's own ceiling on this machine right now)" % r["rps"])
    print("machine: %d CPU(s), load average %.2f (a busy machine lowers every figure)"
          % (os.cpu_count() or 0, os.getloadavg()[0]))


if __name__ == "__main__":
    sys.exit(main())
