"""The Python half of gpu_tests/device_check.sh: what the machine has, and the GPU figures.

    python gpu_tests/device_check.py env                    # versions, the GPU, CuPy's and Numba's view of it
    python gpu_tests/device_check.py train [--batch 256 --steps 20]
    python gpu_tests/device_check.py serve [--seconds 3]

``env`` needs nothing but the standard library (it reports what is missing). ``train`` and ``serve`` need
tagraph importable, and a GPU: a real one through CuPy, or a simulated one (``TAGRAPH_SIMULATED_GPUS=1``
with ``NUMBA_ENABLE_CUDASIM=1``), in which case the figures only show that the path works.

* ``train``: one training step (MLP 784-512-512-10, ReLU, sparse softmax cross entropy, Adam), the same
  weights and batch on CPU:0 and on GPU:0: steps/s, the GPU/CPU ratio, host<->device transfers of a step,
  and whether the losses agree.
* ``serve``: a SavedModel with tag-sets ``serve`` and ``serve,gpu`` (``export_for_devices``) of the
  same MLP, served by ``python -m tagraph.serving`` twice: with its default tags (``serve,gpu`` where a GPU
  is present) and with ``--saved_model_tags=serve``. For each: the tags the server loaded (from its log),
  answers checked against an in-process CPU session, closed-loop gRPC load of batch-1 requests (the
  client of benchmarks/serving.py), and the latency of one large-batch gRPC request.

Each prints a table and ends with one ``RESULT {...}`` JSON line; the exit status is 0 when the run
worked (figures below a target are reported, not failed), 1 when something did not.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = (784, 512, 512, 10)


def _sigterm_to_exit(*_):
    raise SystemExit(143)


def _result(**fields):
    print("RESULT " + json.dumps(fields, sort_keys=True, default=str), flush=True)


# --- env ------------------------------------------------------------------------------------------

def _version(dist):
    try:
        from importlib import metadata
        return metadata.version(dist)
    except Exception:  # noqa: BLE001 - PackageNotFoundError, or a broken dist
        return None


def cmd_env(args):
    print("python      %s (%s) on %s, %d CPUs" % (platform.python_version(), sys.executable, platform.platform(),
                                                  os.cpu_count() or 0))
    dists = ["numpy", "cupy", "cupy-cuda12x", "cupy-cuda13x", "numba", "numba-cuda", "llvmlite", "cuda-bindings",
             "cuda-core", "cuda-pathfinder", "protobuf", "grpcio", "google-crc32c", "uvloop", "pytest",
             "ml_dtypes", "tagraph"]
    for d in dists:
        v = _version(d)
        if v or d in ("numpy", "numba", "numba-cuda", "protobuf", "grpcio", "google-crc32c", "pytest", "tagraph"):
            print("%-14s %s" % (d, v or "NOT INSTALLED"))
    try:
        from importlib import metadata
        nv = sorted("%s %s" % (d.metadata["Name"], d.version) for d in metadata.distributions()
                    if (d.metadata["Name"] or "").lower().startswith(("nvidia-", "cuda-toolkit")))
        print("CUDA wheels    %s" % (", ".join(nv) or "none"))
    except Exception:  # noqa: BLE001
        pass
    info = {"python": platform.python_version(), "simulated": os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"}
    try:
        import cupy
        rt = cupy.cuda.runtime
        n = rt.getDeviceCount()
        info.update(cupy=cupy.__version__, cuda_runtime=rt.runtimeGetVersion(), cuda_driver=rt.driverGetVersion(),
                    gpus=n)
        print("CuPy          %s: CUDA runtime %s, driver API %s, %d device(s)"
              % (cupy.__version__, rt.runtimeGetVersion(), rt.driverGetVersion(), n))
        for i in range(n):
            p = rt.getDeviceProperties(i)
            name = p["name"].decode() if isinstance(p["name"], bytes) else p["name"]
            print("  GPU %d: %s, compute capability %d.%d, %.1f GiB" % (i, name, p["major"], p["minor"],
                                                                       p["totalGlobalMem"] / 2 ** 30))
            info.setdefault("devices", []).append("%s sm_%d%d" % (name, p["major"], p["minor"]))
    except Exception as e:  # noqa: BLE001 - reported
        print("CuPy          not usable: %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
        info["cupy_error"] = "%s: %s" % (type(e).__name__, e)
    try:
        from numba import cuda
        if info["simulated"]:
            print("numba.cuda    the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
        elif cuda.is_available():
            dev = cuda.get_current_device()
            print("numba.cuda    %s, compute capability %d.%d" % (dev.name.decode() if isinstance(dev.name, bytes)
                                                                 else dev.name, *dev.compute_capability))
            try:
                from numba.cuda.cudadrv import nvvm
                print("NVVM          %s" % (".".join(map(str, nvvm.NVVM().get_version()))))
            except Exception as e:  # noqa: BLE001
                print("NVVM          not usable: %s" % e)
        else:
            print("numba.cuda    no CUDA device usable (numba.cuda.is_available() is False)")
    except Exception as e:  # noqa: BLE001
        print("numba.cuda    not importable: %s: %s" % (type(e).__name__, e))
    _result(**info)
    if not info["simulated"] and not info.get("gpus"):
        print("no GPU usable through CuPy: the GPU stages cannot run on hardware")
        return 1
    return 0


# --- shared ---------------------------------------------------------------------------------------

def _weights(seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        out.append(((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32),
                    (rng.standard_normal(fan_out) * 0.1).astype(np.float32)))
    return out


def _mlp_logits(tg, x, weights):
    h = x
    for i, (w, b) in enumerate(weights):
        with tg.variable_scope("layer%d" % i):
            wv = tg.get_variable("w", initializer=tg.constant(w))
            bv = tg.get_variable("b", initializer=tg.constant(b))
        h = tg.nn.bias_add(tg.matmul(h, wv), bv)
        if i < len(weights) - 1:
            h = tg.nn.relu(h)
    return h


def _gpu_device():
    from tagraph.devices import list_devices
    gpus = [d for d in list_devices() if d.device_type == "GPU"]
    if not gpus:
        raise SystemExit("no GPU: CuPy finds no CUDA device and TAGRAPH_SIMULATED_GPUS is not set")
    return gpus[0]


def _stats(sess):
    s = getattr(sess, "last_run_stats", None)
    if s is None:
        return {}
    return {"uploads": getattr(s, "uploads", None), "downloads": getattr(s, "downloads", None),
            "fused": getattr(s, "fused", None), "devices": sorted(getattr(s, "devices", ()) or ())}


# --- train ----------------------------------------------------------------------------------------

def _train_on(tg, device, weights, xs, ys, steps, warmup):
    import numpy as np
    with tg.Graph().as_default():
        with tg.device(device):
            x = tg.placeholder(tg.float32, [None, LAYERS[0]], name="x")
            y = tg.placeholder(tg.int32, [None], name="y")
            loss = tg.losses.sparse_softmax_cross_entropy(y, _mlp_logits(tg, x, weights))
            train = tg.train.AdamOptimizer(1e-3).minimize(loss)
            init = tg.global_variables_initializer()
        config = tg.ConfigProto(allow_soft_placement=True)
        with tg.Session(config=config) as sess:
            sess.run(init)
            feed = {x: xs, y: ys}
            losses = []
            for _ in range(warmup):
                losses.append(float(sess.run([train, loss], feed)[1]))
            t0 = time.perf_counter()
            for _ in range(steps):
                sess.run(train, feed)
            seconds = time.perf_counter() - t0
            stats = _stats(sess)
            final = float(sess.run(loss, feed))
    return {"steps_per_s": steps / seconds if steps else None, "losses": losses, "final_loss": final,
            "stats": stats}


def cmd_train(args):
    import numpy as np
    import tagraph.engine as tg
    gpu = _gpu_device()
    rng = np.random.default_rng(1)
    xs = rng.random((args.batch, LAYERS[0]), dtype=np.float32)
    ys = rng.integers(0, LAYERS[-1], args.batch).astype(np.int32)
    weights = _weights()
    print("training step: MLP %s, ReLU, sparse softmax cross entropy, Adam, batch %d; %d warm-up steps, then %d "
          "timed (one fed batch per step, fetching only the train op)"
          % ("-".join(map(str, LAYERS)), args.batch, args.warmup, args.steps), flush=True)
    rows = {}
    for label, device in (("CPU:0", "/device:CPU:0"), ("GPU:0", "/device:GPU:0")):
        rows[label] = r = _train_on(tg, device, weights, xs, ys, args.steps, args.warmup)
        s = r["stats"]
        print("%-6s %10.2f steps/s   transfers of a step: %s up / %s down   final loss %.6f   devices %s"
              % (label, r["steps_per_s"] or float("nan"), s.get("uploads"), s.get("downloads"), r["final_loss"],
                 ", ".join(d.rsplit("/", 1)[-1] for d in s.get("devices", []))), flush=True)
    cpu, gpu_r = rows["CPU:0"], rows["GPU:0"]
    agree = bool(np.allclose(cpu["losses"] + [cpu["final_loss"]], gpu_r["losses"] + [gpu_r["final_loss"]],
                             rtol=2e-3, atol=1e-4))
    ratio = (gpu_r["steps_per_s"] / cpu["steps_per_s"]) if cpu["steps_per_s"] and gpu_r["steps_per_s"] else None
    print("GPU device: %s" % (gpu.physical_description or gpu.name))
    print("losses CPU vs GPU over %d steps: %s" % (args.warmup + args.steps + 1, "agree" if agree else
                                                   "DIFFER: %s vs %s" % (cpu["losses"], gpu_r["losses"])))
    if gpu.is_simulated:
        print("simulated GPU: the GPU/CPU ratio means nothing here (%.3fx)" % (ratio or 0))
    else:
        print("GPU/CPU training step ratio: %.2fx" % (ratio or float("nan")))
    c, g = cpu["stats"], gpu_r["stats"]
    print("summary: %s%.1f vs CPU %.1f steps/s (%.2fx); a step moves %s up/%s down on the GPU graph, %s up/%s down "
          "on the CPU graph; losses %s" % ("(simulated) GPU " if gpu.is_simulated else "GPU ", gpu_r["steps_per_s"] or 0,
                                           cpu["steps_per_s"] or 0, ratio or 0, g.get("uploads"), g.get("downloads"),
                                           c.get("uploads"), c.get("downloads"), "agree" if agree else "DIFFER"))
    _result(stage="train", batch=args.batch, steps=args.steps, simulated=gpu.is_simulated, cpu_steps_per_s=cpu[
        "steps_per_s"], gpu_steps_per_s=gpu_r["steps_per_s"], ratio=ratio, losses_agree=agree,
        gpu_transfers=[gpu_r["stats"].get("uploads"), gpu_r["stats"].get("downloads")])
    return 0 if agree else 1


# --- serve ----------------------------------------------------------------------------------------

def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _export(export_dir, weights):
    import tagraph.engine as tg
    from tagraph.serialization.saved_model import device_export, signature_def_utils
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, LAYERS[0]], name="x")
        probabilities = tg.nn.softmax(_mlp_logits(tg, x, weights), name="probabilities")
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            device_export.export_for_devices(sess, export_dir, signature_def_map={
                "serving_default": signature_def_utils.predict_signature_def({"x": x},
                                                                             {"probabilities": probabilities})})


class _Server:
    def __init__(self, base, log_path, extra=()):
        self.grpc_port, self.rest_port = _free_port(), _free_port()
        self.log_path = log_path
        cmd = [sys.executable, "-m", "tagraph.serving", "--host=127.0.0.1", "--port=%d" % self.grpc_port,
               "--rest_api_port=%d" % self.rest_port, "--model_name=mlp", "--model_base_path=%s" % base,
               "--file_system_poll_wait_seconds=0", "--log_level=INFO"] + list(extra)
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout):
        import urllib.request
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited (status %s):\n%s" % (self.proc.returncode, self.text()[-3000:]))
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/v1/models/mlp" % self.rest_port, timeout=2) as r:
                    states = [v.get("state") for v in json.loads(r.read()).get("model_version_status", [])]
                    if "AVAILABLE" in states:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server was not ready in %d s:\n%s" % (timeout, self.text()[-3000:]))

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def _grpc_predict(port, xs):
    import grpc
    try:
        from tagraph.engine.framework.tensor_util import make_ndarray, make_tensor_proto
    except ImportError:
        from tagraph.engine.tensor_util import make_ndarray, make_tensor_proto
    from tagraph.protos import predict_pb2, prediction_service_pb2_grpc
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "mlp"
    req.inputs["x"].CopyFrom(make_tensor_proto(xs))
    with grpc.insecure_channel("127.0.0.1:%d" % port, options=[("grpc.max_receive_message_length", 1 << 30),
                                                                ("grpc.max_send_message_length", 1 << 30)]) as ch:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(ch)
        stub.Predict(req, 120.0)          # warm-up (first kernels compile on a real GPU)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            resp = stub.Predict(req, 120.0)
            times.append(time.perf_counter() - t0)
    return make_ndarray(resp.outputs["probabilities"]), sorted(times)[len(times) // 2]


def _rest_predict(port, xs):
    import urllib.request
    import numpy as np
    body = json.dumps({"instances": xs.tolist()}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/v1/models/mlp:predict" % port, body,
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return np.array(json.loads(r.read())["predictions"], np.float32)


def _closed_loop(port, concurrency, seconds, warmup):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import serving as bench
    return bench.run_client("grpc", port, "mlp", concurrency, seconds, warmup)


def cmd_serve(args):
    import numpy as np
    gpu = _gpu_device()
    weights = _weights()
    work = tempfile.mkdtemp(prefix="tagraph-device-check-serve-")
    base = os.path.join(work, "models", "mlp")
    rows, ok = [], True
    try:
        _export(os.path.join(base, "1"), weights)
        xs = np.random.default_rng(2).random((args.big_batch, LAYERS[0]), dtype=np.float32)
        small = xs[:4]
        import tagraph.engine as tg
        with tg.Graph().as_default():
            x = tg.placeholder(tg.float32, [None, LAYERS[0]])
            p = tg.nn.softmax(_mlp_logits(tg, x, weights))
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                expected = sess.run(p, {x: xs})
        print("SavedModel: MLP %s with tag-sets {serve} and {serve, gpu} (export_for_devices); GPU: %s"
              % ("-".join(map(str, LAYERS)), gpu.physical_description or gpu.name), flush=True)
        for label, extra in (("default tags", []), ("--saved_model_tags=serve", ["--saved_model_tags=serve"])):
            server = _Server(base, os.path.join(work, "server-%d.log" % len(rows)), extra)
            row = {"server": label}
            try:
                server.wait_ready(args.ready_timeout)
                loaded = [ln.split("Reading meta graph with tags", 1)[1].strip() for ln in server.text().splitlines()
                          if "Reading meta graph with tags" in ln]
                row["loaded"] = loaded[-1] if loaded else "?"
                rest = _rest_predict(server.rest_port, small)
                got, row["big_batch_ms"] = _grpc_predict(server.grpc_port, xs)
                row["answers_match"] = bool(np.allclose(rest, expected[:4], rtol=1e-4, atol=1e-5)
                                            and np.allclose(got, expected, rtol=1e-4, atol=1e-5))
                ok &= row["answers_match"]
                row["big_batch_ms"] *= 1e3
                for c in args.concurrency:
                    r = _closed_loop(server.grpc_port, c, args.seconds, args.warmup)
                    row["c%d" % c] = {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "errors")}
                    ok &= not r["errors"]
            except Exception as e:  # noqa: BLE001 - reported in the row, and fails the stage
                row["error"] = "%s: %s" % (type(e).__name__, e)
                ok = False
            finally:
                server.stop()
            rows.append(row)
            print("%-26s loaded %-44s answers %s   gRPC batch %d: %s ms%s" % (
                label, row.get("loaded", "-"), {True: "match", False: "DIFFER"}.get(row.get("answers_match"), "-"),
                args.big_batch, "%.2f" % row["big_batch_ms"] if "big_batch_ms" in row else "-",
                "".join("   c=%d: %.0f req/s p50 %.2f ms p99 %.2f ms" % (c, row["c%d" % c]["rps"],
                                                                       row["c%d" % c]["p50_ms"] or float("nan"),
                                                                       row["c%d" % c]["p99_ms"] or float("nan"))
                        for c in args.concurrency if "c%d" % c in row)), flush=True)
            if "error" in row:
                print("  ERROR: %s" % row["error"], flush=True)
        loaded_tags = rows[0].get("loaded", "").partition("}")[0].strip("{ ").split()
        gpu_tagged = "gpu" in loaded_tags
        if not gpu_tagged:
            ok = False
            print("the default server did NOT load the serve,gpu graph although a GPU is present", flush=True)
        if gpu.is_simulated:
            print("simulated GPU: the figures only show the serve,gpu path works; they are not GPU speeds")

        def fig(row, key, fmt):
            return fmt % row[key] if key in row else "-"
        cmax = "c%d" % max(args.concurrency)
        g, c = rows[0], rows[1] if len(rows) > 1 else {}
        print("summary: default server loaded %s; gRPC batch %d: %s vs %s ms (serve,gpu vs serve); batch 1 at "
              "concurrency %s: %s vs %s req/s; answers %s" % (
                  g.get("loaded", "?").split(" (")[0], args.big_batch, fig(g, "big_batch_ms", "%.2f"),
                  fig(c, "big_batch_ms", "%.2f"), cmax[1:], "%.0f" % g[cmax]["rps"] if cmax in g else "-",
                  "%.0f" % c[cmax]["rps"] if cmax in c else "-",
                  "match" if all(r.get("answers_match") for r in rows) else "DIFFER or missing"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _result(stage="serve", simulated=gpu.is_simulated, rows=rows, ok=ok)
    return 0 if ok else 1


def main(argv=None):
    signal.signal(signal.SIGTERM, _sigterm_to_exit)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("env", help="versions and the GPU")
    t = sub.add_parser("train", help="training step, GPU vs CPU")
    t.add_argument("--batch", type=int, default=256)
    t.add_argument("--steps", type=int, default=20)
    t.add_argument("--warmup", type=int, default=3)
    s = sub.add_parser("serve", help="serve,gpu SavedModel served, vs serve")
    s.add_argument("--seconds", type=float, default=3.0)
    s.add_argument("--warmup", type=float, default=1.0)
    s.add_argument("--concurrency", type=lambda v: [int(c) for c in v.split(",")], default=[1, 16])
    s.add_argument("--big-batch", type=int, default=256)
    s.add_argument("--ready-timeout", type=float, default=90)
    args = p.parse_args(argv)
    return {"env": cmd_env, "train": cmd_train, "serve": cmd_serve}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
