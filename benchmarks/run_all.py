"""Every benchmark in benchmarks/, one after another, then one table of their figures beside their targets.

    python benchmarks/run_all.py                    # quick settings (about two minutes; `make bench`)
    python benchmarks/run_all.py --full             # each benchmark's own default settings (much longer)
    python benchmarks/run_all.py --only serving,load_latency
    python benchmarks/run_all.py --markdown         # the table in Markdown (as in the README)

Each benchmark runs as its own process (as ``python benchmarks/<name>.py``, so that one cannot disturb
another's imports, threads or BLAS settings); its output is shown as it comes, indented, and the
figures are then read from it. With TAGRAPH_TF_PYTHON naming a Python with TensorFlow (``make bench``
sets it when ``make interop``'s environment exists), the benchmarks time TensorFlow too and the table
shows its figures beside tagraph's. A benchmark whose output cannot be read, or that fails, gets a row
that says so; the others still run.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

Row = collections.namedtuple("Row", ["benchmark", "measure", "figure", "target", "verdict"])

NO_TF = "n/a: no TensorFlow (TAGRAPH_TF_PYTHON)"


def _f(pattern, text, flags=re.M):
    m = re.search(pattern, text, flags)
    return m.groups() if m else None


def _verdict(ok):
    return "met" if ok else "MISSED"


# --- readers: a benchmark's output -> rows ------------------------------------------------------------

def read_session_overhead(out):
    rows = []
    names = {"const": "Session.run overhead, fetch a constant", "chain10": "Session.run overhead, 10-op chain"}
    for case, ours, target, tf_us in re.findall(r"^(const|chain10)\s+([\d.]+)\s+([\d.]+)\s+(\S+)", out, re.M):
        figure = "%.1f us" % float(ours)
        if tf_us != "n/a":
            figure += " (TF %.0f us)" % float(tf_us)
        rows.append((names[case], figure, "<= %g us" % float(target), _verdict(float(ours) <= float(target))))
    return rows


def read_cpu_inference(out):
    rows = []
    for other, b, ratio, target, verdict in re.findall(
            r"^speed vs (\S+) b(\d+): ([\d.]+)x \(target >= ([\d.]+)x: (met|NOT met)\)", out, re.M):
        rows.append(("MLP inference b%s vs %s" % (b, other), "%.2fx %s's speed" % (float(ratio), other),
                     ">= %gx" % float(target), _verdict(verdict == "met")))
    for b, ours, theirs, verdict in re.findall(
            r"^busy slowdown b(\d+): tagraph ([\d.]+)x.*TensorFlow ([\d.]+)x \(target: tagraph's <= TensorFlow's: "
            r"(met|NOT met)\)", out, re.M):
        rows.append(("MLP inference b%s, one busy process beside" % b,
                     "%.2fx slower (TF %.2fx)" % (float(ours), float(theirs)), "<= TensorFlow's slowdown",
                     _verdict(verdict == "met")))
    return rows


def read_op_chain(out):
    rows = []
    for n, what, ratio, target, verdict in re.findall(
            r"^(\d+) ops (build|first|run): ([\d.]+)x TensorFlow's speed \(target >= ([\d.]+)x: (met|NOT met)\)",
            out, re.M):
        label = {"build": "graph build", "first": "first run", "run": "steady-state run"}[what]
        rows.append(("%s-op elementwise chain, %s" % (n, label), "%.2fx TF" % float(ratio),
                     ">= %gx TensorFlow" % float(target), _verdict(verdict == "met")))
    return rows


def read_function_call(out):
    got = _f(r"^added by the call\s+([\d.-]+) us \(target <= ([\d.]+) us", out)
    if not got:
        return []
    added, target = float(got[0]), float(got[1])
    theirs = _f(r"^call\s+[\d.]+\s+([\d.]+)", out)
    figure = "%.1f us added" % added + (" (TF call %.0f us)" % float(theirs[0]) if theirs else "")
    return [("function call (StatefulPartitionedCall) vs inline, Session.run", figure, "<= %g us" % target,
             _verdict(added <= target))]


def read_keras_lstm(out):
    got = _f(r"^tagraph\s+([\d.]+)\s+[\d.]+\s*$", out)
    theirs = _f(r"^TensorFlow\s+([\d.]+)\s+[\d.]+\s*$", out)
    ratio = _f(r"^ratio ([\d.]+)x TensorFlow's speed \(target >= ([\d.]+)x", out)
    if not got or not theirs or not ratio:
        return []
    return [("Keras LSTM(64) inference, 50 steps, batch 32 (TF2 SavedModel)",
             "%.2f ms (TF %.2f ms) = %.2fx TF" % (float(got[0]), float(theirs[0]), float(ratio[0])),
             ">= %gx TensorFlow" % float(ratio[1]), _verdict(float(ratio[0]) >= float(ratio[1])))]


def read_train_step(out):
    ours = _f(r"^tagraph\s+([\d.]+)\s+([\d.]+)", out)
    if not ours:
        return []
    theirs = _f(r"^TensorFlow\s+([\d.]+)\s+([\d.]+)", out)
    ratio = _f(r"^ratio\s+([\d.]+)x\s+\(target >= ([\d.]+)x: (met|NOT met)\)", out)
    figure = "%.1f steps/s" % float(ours[0])
    if theirs:
        figure += " (TF %.1f)" % float(theirs[0])
    if ratio:
        return [("training steps/s, MLP 784-512-512-10, Adam", figure + " = %.2fx TF" % float(ratio[0]),
                 ">= %gx TensorFlow" % float(ratio[1]), _verdict(ratio[2] == "met"))]
    return [("training steps/s, MLP 784-512-512-10, Adam", figure, ">= 0.9x TensorFlow", NO_TF)]


def read_train_hooks(out):
    got = _f(r"^hooks/no hooks: ([\d.]+)x, ([+-][\d.]+)% \(target <= \+([\d.]+)%: (met|NOT met)\)", out)
    if not got:
        return []
    theirs = _f(r"^TensorFlow: plain [\d.]+ ms/step, hooked [\d.]+ ms/step: ([+-][\d.]+)%", out)
    figure = "%s%% slower" % got[1] + (" (TF %s%%)" % theirs[0] if theirs else "")
    return [("training loop hooks: summaries every step, checkpoint every 100 steps, vs plain Session.run", figure,
             "<= +%s%%" % got[2], _verdict(got[3] == "met"))]


def read_rnn_lstm(out):
    rows = []
    what = {"infer": "dynamic_rnn LSTM(256) inference, batch 64, 50 steps",
            "train": "dynamic_rnn LSTM(256) training step (Adam), batch 64, 50 steps"}
    for kind, label in (("infer", "inference ms/batch"), ("train", "training ms/step")):
        ours = _f(r"^%s\s+([\d.]+)\s+([\d.]+)(?:\s+([\d.]+)\s+([\d.]+))?" % label, out)
        if not ours:
            continue
        ratio = _f(r"^ratio %s\s+([\d.]+)x TensorFlow's speed \(target >= ([\d.]+)x: (met|NOT met)\)" % kind, out)
        figure = "%.1f ms" % float(ours[0])
        if ours[2] and ratio:
            rows.append((what[kind], figure + " (TF %.1f ms) = %.2fx TF" % (float(ours[2]), float(ratio[0])),
                         ">= %gx TensorFlow" % float(ratio[1]), _verdict(ratio[2] == "met")))
        else:
            rows.append((what[kind], figure, ">= 1x TensorFlow", NO_TF))
    return rows


def read_layers_cnn(out):
    ours = _f(r"^tagraph\s+([\d.]+)\s+([\d.]+)", out)
    if not ours:
        return []
    theirs = _f(r"^TensorFlow\s+([\d.]+)\s+([\d.]+)", out)
    ratio = _f(r"^ratio\s+([\d.]+)x\s+\(target >= ([\d.]+)x: (met|NOT met)\)", out)
    what = "training steps/s, tf.layers CNN (2 conv 5x5 + pool, dense 1024), batch 64, Adam"
    figure = "%.1f steps/s" % float(ours[0])
    if theirs and ratio:
        return [(what, figure + " (TF %.1f) = %.2fx TF" % (float(theirs[0]), float(ratio[0])),
                 ">= %gx TensorFlow" % float(ratio[1]), _verdict(ratio[2] == "met"))]
    return [(what, figure, ">= 1x TensorFlow", NO_TF)]


def read_sparse_update(out):
    sparse = _f(r"^sparse step\s+([\d.]+)", out)
    dense = _f(r"^dense step\s+([\d.]+)", out)
    ratio = _f(r"^dense / sparse\s+([\d.]+)x\s+\(target > ([\d.]+)x: (met|NOT met)\)", out)
    if not (sparse and dense and ratio):
        return []
    theirs = _f(r"^TensorFlow sparse step\s+([\d.]+)", out)
    figure = "%.2f ms sparse vs %.0f ms dense = %.0fx" % (float(sparse[0]), float(dense[0]), float(ratio[0]))
    if theirs:
        figure += " (TF sparse %.2f ms)" % float(theirs[0])
    return [("sparse Adagrad step, 1M x 64 embedding, 1,000 rows, vs dense", figure, "> %gx" % float(ratio[1]),
             _verdict(ratio[2] == "met"))]


def read_input_pipeline(out):
    rows = []
    for kind, what in (("single", "map(parse_single_example) -> batch(256)"),
                       ("batched", "batch(256) -> map(parse_example)")):
        ours = _f(r"^tagraph\s+%s\s+([\d.]+)\s+([\d.]+)" % kind, out)
        if not ours:
            continue
        theirs = _f(r"^TensorFlow\s+%s\s+([\d.]+)\s+([\d.]+)" % kind, out)
        ratio = _f(r"^ratio %s\s+([\d.]+)x(?:\s+\(target >= ([\d.]+)x: (met|NOT met)\))?" % kind, out)
        measure = "input pipeline records/s, TFRecordDataset of MNIST-sized Examples, " + what
        figure = "%.0f records/s" % float(ours[0])
        if theirs and ratio:
            figure += " (TF %.0f) = %.2fx TF" % (float(theirs[0]), float(ratio[0]))
            if ratio[1]:
                rows.append((measure, figure, ">= %gx TensorFlow" % float(ratio[1]), _verdict(ratio[2] == "met")))
            else:
                rows.append((measure, figure, "-", "-"))
        else:
            rows.append((measure, figure, ">= 1x TensorFlow", NO_TF))
    step = _f(r"^training step .*: from memory ([\d.]+) ms, fed by the pipeline ([\d.]+) ms: ([+-][\d.]+)% "
              r"\(target <= \+([\d.]+)%: (met|NOT met)\)", out)
    if step:
        figure = "%s ms vs %s ms (%s%%)" % (step[1], step[0], step[2])
        theirs = _f(r"^TensorFlow's training step, the same way: from memory ([\d.]+) ms, fed by the pipeline "
                    r"([\d.]+) ms: ([+-][\d.]+)%", out)
        if theirs:
            figure += " (TF %s ms vs %s ms, %s%%)" % (theirs[1], theirs[0], theirs[2])
        rows.append(("training step (MLP 784-128-10, batch 256) fed by the input pipeline vs from memory",
                     figure, "<= +%g%%" % float(step[3]), _verdict(step[4] == "met")))
    return rows


def read_string_hash(out):
    ours = _f(r"^tagraph\s+([\d.]+)\s+([\d.]+)", out)
    if not ours:
        return []
    measure = "tf.strings.to_hash_bucket_fast, 1M strings, Session.run with the feed"
    theirs = _f(r"^TensorFlow\s+([\d.]+)\s+([\d.]+)", out)
    ratio = _f(r"^ratio ([\d.]+)x TensorFlow's speed \(target >= ([\d.]+)x: (met|NOT met)\)", out)
    figure = "%.1f ms" % float(ours[0])
    if not (theirs and ratio):
        return [(measure, figure, ">= 1x TensorFlow", NO_TF)]
    same = _f(r"^buckets equal TensorFlow's: (yes|NO)", out)
    figure += " (TF %.1f ms) = %.2fx TF" % (float(theirs[0]), float(ratio[0]))
    if same and same[0] == "NO":
        figure += ", buckets DIFFER"
    return [(measure, figure, ">= %gx TensorFlow" % float(ratio[1]), _verdict(ratio[2] == "met"))]


_EVERYDAY = {"einsum_bmm": "einsum 'bij,bjk->bik', 64 x 128 x 128", "einsum_attention": "einsum 'bhqd,bhkd->bhqk', "
             "8 x 8 x 256 x 64", "gather_nd_rows": "gather_nd, 100k rows of 1M x 64 float32",
             "gather_nd_elements": "gather_nd, 100k elements of 1M x 64 float32", "sort": "sort, 1M float32",
             "top_k": "top_k k=100, 1M float32", "top_k_batch": "top_k k=10, 256 x 4096 float32",
             "init_10m": "global_variables_initializer, 10M parameters from seeds"}


def read_everyday_ops(out):
    rows = []
    for case, ours, theirs, ratio, target, met in re.findall(
            r"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+\(target >= ([\d.]+)x: (met|NOT met)\)", out, re.M):
        rows.append((_EVERYDAY.get(case, case), "%.2f ms (TF %.2f ms) = %.2fx TF" % (float(ours), float(theirs),
                                                                                   float(ratio)),
                     ">= %gx TensorFlow" % float(target), _verdict(met == "met")))
    for case, ours in re.findall(r"^(\w+)\s+([\d.]+)\s+-\s+-\s+\(set TAGRAPH_TF_PYTHON", out, re.M):
        rows.append((_EVERYDAY.get(case, case), "%.2f ms" % float(ours), ">= 1x TensorFlow", NO_TF))
    return rows


def read_device_matmul(out):
    rows = []
    cpu = _f(r"device:CPU:0\s+(\d+)\s+([\d.]+)\s+(\d+)", out)
    if cpu:
        rows.append(("MLP inference on the CPU, batch %s" % cpu[0], "%.2f ms/batch" % float(cpu[1]), "-", "-"))
    for name, ratio, target, met in re.findall(
            r"^GPU/CPU speed ratio on (\S+): ([\d.]+)x \(target >= ([\d.]+)x: (met|NOT met)\)", out, re.M):
        rows.append(("MLP inference, GPU/CPU speed (%s)" % name.split("device:")[-1], "%.1fx" % float(ratio),
                     ">= %gx" % float(target), _verdict(met == "met")))
    if "No real GPU" in out:
        simulated = "matches the CPU" if "matches the CPU" in out else "DIFFERS from the CPU"
        rows.append(("MLP inference, GPU/CPU speed", "no GPU", ">= 5x",
                     "n/a: no GPU (simulated GPU %s)" % simulated))
    return rows


def read_checkpoint_io(out):
    rows = []
    size = _f(r"= (\d+) MiB", out)
    for name, what in (("save", "raw write"), ("restore", "raw read")):
        m = _f(r"^tagraph %s\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+<= ([\d.]+)x\s+(met|MISSED)"
               % name, out)
        if not m:
            continue
        figure = "%.2fx %s (%.2f GB/s)" % (float(m[4]), what, float(m[2]))
        tf = _f(r"^TensorFlow %s\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)" % name, out)
        if tf:
            figure += " (TF %.2fx)" % float(tf[4])
        rows.append(("checkpoint %s, %s MiB (best of N)" % (name, size[0] if size else "?"), figure,
                     "<= %gx %s" % (float(m[5]), what), m[6] if m[6] == "met" else "MISSED"))
    return rows


def read_load_latency(out):
    ours = _f(r"^tagraph\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    target = _f(r"^target: ([\d.]+) s, ([\d.]+) MB", out)
    if not ours or not target:
        return []
    tf = _f(r"^tensorflow\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    wall, mb = float(ours[0]), float(ours[3])
    return [("cold start to first prediction (wall)",
             "%.3f s, CPU %.2f s" % (wall, float(ours[2])) + (" (TF %.2f s)" % float(tf[0]) if tf else ""),
             "<= %g s" % float(target[0]), _verdict(wall <= float(target[0]))),
            ("cold start, peak memory", "%.0f MB" % mb + (" (TF %.0f MB)" % float(tf[3]) if tf else ""),
             "<= %g MB" % float(target[1]), _verdict(mb <= float(target[1])))]


def read_saved_model_cli(out):
    ours = _f(r"^tagraph show --all \(process\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    target = _f(r"the ([\d.]+) s target", out)
    if not ours:
        return []
    tf = _f(r"^TensorFlow show --all \(process\)\s+([\d.]+)\s+([\d.]+)", out)
    median = float(ours[1])
    limit = float(target[0]) if target else 0.3
    return [("saved_model_cli show --all (new process, median)",
             "%.3f s, CPU %.2f s" % (median, float(ours[2])) + (" (TF %.2f s)" % float(tf[1]) if tf else ""),
             "<= %g s" % limit,
             _verdict(median <= limit))]


def read_serving(out):
    rows = []
    p50 = _f(r"target gRPC p50 <= ([\d.]+) ms, simple model, concurrency 1: ([\d.]+) ms\s+(MET|MISSED)", out)
    if p50:
        rows.append(("model server gRPC p50 latency, small model, 1 client", "%.3f ms" % float(p50[1]),
                     "<= %g ms" % float(p50[0]), _verdict(p50[2] == "MET")))
    rps = _f(r"target >= (\d+) req/s, MLP with batching, gRPC, concurrency 16: (\d+) req/s\s+(MET|MISSED)", out)
    if rps:
        echo = _f(r"echoes the MLP request, concurrency 16: (\d+) req/s", out)
        rows.append(("model server throughput, MLP, batching, 16 clients",
                     "%s req/s" % rps[1] + (" (echo-only server: %s)" % echo[0] if echo else ""),
                     ">= %s req/s" % rps[0], _verdict(rps[2] == "MET")))
    return rows


def read_image_resize(out):
    rows = []
    batch = _f(r"^tf.image.resize_bilinear, (\d+)x224x224x3", out)
    for size, ours, rest in re.findall(r"^(\d+)x\d+\s+([\d.]+)\s+[\d.]+\s+(.*)$", out, re.M):
        what = "tf.image.resize_bilinear, %sx224x224x3 float32 -> %sx%s" % (batch[0] if batch else "?", size, size)
        got = re.match(r"([\d.]+)\s+([\d.]+)x\s+\(target >= ([\d.]+)x: (met|NOT met)\)", rest)
        if got:
            rows.append((what, "%.1f ms (TF %.1f ms) = %.2fx TF" % (float(ours), float(got.group(1)),
                                                                   float(got.group(2))),
                         ">= %gx TensorFlow" % float(got.group(3)), _verdict(got.group(4) == "met")))
        else:
            rows.append((what, "%.1f ms" % float(ours), ">= 1x TensorFlow", NO_TF))
    return rows


def read_distribute_allreduce(out):
    rows = []
    for mib, n, ratio, gbs, target, verdict in re.findall(
            r"^allreduce (\d+) MiB, (\d+) ranks: ([\d.]+)x mpi4py's bandwidth \(([\d.]+) GB/s\) "
            r"\(target >= ([\d.]+)x: (met|NOT met)\)", out, re.M):
        rows.append(("all-reduce %s MiB float32, %s local ranks, vs mpi4py" % (mib, n),
                     "%.2fx mpi4py (%.2f GB/s)" % (float(ratio), float(gbs)), ">= %gx mpi4py" % float(target),
                     _verdict(verdict == "met")))
    for n, pct, cores, rest in re.findall(
            r"^weak scaling (\d+) ranks: (\d+)% of 1 rank's per-rank throughput on (\d+) cores \((.*)\)$", out, re.M):
        what = "weak scaling, MLP training, %s ranks on %s cores" % (n, cores)
        got = re.match(r"target >= (\d+)%: (met|NOT met)", rest)
        if got:
            rows.append((what, "%s%% of 1 rank's per-rank rate" % pct, ">= %s%%" % got.group(1),
                         _verdict(got.group(2) == "met")))
        else:
            rows.append((what, "%s%% of 1 rank's per-rank rate" % pct, "none (more ranks than cores)", "-"))
    return rows


# name -> (reader, quick arguments); the scripts' own defaults with --full
BENCHMARKS = collections.OrderedDict([
    ("session_overhead", (read_session_overhead, [])),
    ("op_chain", (read_op_chain, ["--rounds", "2"])),
    ("cpu_inference", (read_cpu_inference, ["--rounds", "3", "--runs", "200"])),
    ("function_call", (read_function_call, ["--runs", "1000"])),
    ("keras_lstm", (read_keras_lstm, ["--runs", "10", "--rounds", "4"])),
    ("train_step", (read_train_step, ["--rounds", "6", "--steps", "3", "--pause", "0.2"])),
    ("train_hooks", (read_train_hooks, ["--rounds", "3"])),
    ("layers_cnn", (read_layers_cnn, ["--rounds", "4", "--steps", "2", "--pause", "0.2"])),
    ("rnn_lstm", (read_rnn_lstm, ["--rounds", "3", "--steps", "2", "--pause", "0.2"])),
    ("sparse_update", (read_sparse_update, ["--rounds", "3"])),
    ("everyday_ops", (read_everyday_ops, ["--rounds", "3"])),
    ("device_matmul", (read_device_matmul, ["--batch", "256", "--iters", "10"])),
    ("checkpoint_io", (read_checkpoint_io, ["--size-mib", "64", "--repeat", "3"])),
    ("load_latency", (read_load_latency, ["--runs", "3"])),
    ("saved_model_cli", (read_saved_model_cli, ["--runs", "3"])),
    ("serving", (read_serving, ["--seconds", "1", "--warmup", "0.3"])),
    ("input_pipeline", (read_input_pipeline, ["--rounds", "3", "--batches", "10", "--records", "2048"])),
    ("string_hash", (read_string_hash, ["--rounds", "3"])),
    ("image_resize", (read_image_resize, ["--rounds", "3", "--runs", "2"])),
    ("distribute_allreduce", (read_distribute_allreduce, ["--runs", "6", "--steps", "10", "--repeat", "1"])),
])


# Scripts in benchmarks/ that are not benchmarks: long robustness runs with their own make targets, and no
# figures to set beside a target. run_all.py says it leaves them out.
NOT_BENCHMARKS = {
    "crash_safety": "hundreds of SIGKILLed saves and exports (a soak run, minutes long; pass/fail, no figures)",
    "fuzz_long": "the long fuzz run behind `make fuzz` (a test run, not a benchmark)",
    "soak": "the server soak behind `make soak` (minutes of mixed load; failure counts and memory, no targets)",
    "tf_helper": "the TensorFlow helper process the benchmarks time beside tagraph (a module, not a benchmark)",
}


def run_one(name, args, timeout):
    """Runs benchmarks/<name>.py, echoing its output indented; returns (exit status, output, seconds)."""
    cmd = [sys.executable, os.path.join(HERE, name + ".py")] + list(args)
    print("\n=== %s  (python benchmarks/%s.py %s)" % (name, name, " ".join(args)), flush=True)
    t0 = time.monotonic()
    lines = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        for line in proc.stdout:
            lines.append(line)
            print("    " + line, end="", flush=True)
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = "timeout"
    return rc, "".join(lines), time.monotonic() - t0


def collect(names, full, timeout):
    rows = []
    for name in names:
        reader, quick = BENCHMARKS[name]
        rc, out, seconds = run_one(name, [] if full else quick, timeout)
        try:
            found = reader(out)
        except Exception as e:  # noqa: BLE001 - a reader out of step with its benchmark is reported, not fatal
            found = []
            out += "\n(reader failed: %r)" % e
        if not found:
            why = "FAILED (exit %s)" % rc if rc not in (0, 1) else "output not understood (exit %s)" % rc
            rows.append(Row(name, "(see its output above)", "-", "-", why))
        else:
            rows.extend(Row(name, *r) for r in found)
        if rc not in (0, 1):
            # 1 is how several benchmarks say "a target was missed"; anything else is a failure.
            rows.append(Row(name, "exit status", str(rc), "0", "FAILED"))
        print("    (%.1f s)" % seconds, flush=True)
    return rows


def machine():
    try:
        from tagraph.devices.gpu import real_gpu_count
        gpus = real_gpu_count()
    except Exception:  # noqa: BLE001
        gpus = 0
    tf = os.environ.get("TAGRAPH_TF_PYTHON")
    return "%d CPU(s), load average %.1f, %s, Python %s, %s" % (
        os.cpu_count() or 0, os.getloadavg()[0], "%d GPU(s)" % gpus if gpus else "no GPU",
        sys.version.split()[0], "TensorFlow timed too (%s)" % tf if tf else "TensorFlow not timed")


def print_table(rows, markdown=False):
    header = Row("benchmark", "measure", "tagraph (TensorFlow)", "target", "verdict")
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("| " + " | ".join("---" for _ in header) + " |")
        for r in rows:
            print("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
        return
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join("%%-%ds" % w for w in widths)
    print(fmt % tuple(header))
    print(fmt % tuple("-" * w for w in widths))
    for r in rows:
        print(fmt % tuple(r))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="each benchmark's own default settings (slow)")
    p.add_argument("--only", default="", help="comma-separated benchmark names (default: all): %s"
                   % ", ".join(BENCHMARKS))
    p.add_argument("--markdown", action="store_true", help="print the summary table in Markdown")
    p.add_argument("--timeout", type=float, default=1800, help="seconds allowed per benchmark")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        p.error("unknown benchmark(s) %s; known: %s" % (", ".join(unknown), ", ".join(BENCHMARKS)))
    scripts = sorted(f[:-3] for f in os.listdir(HERE) if f.endswith(".py") and f != "run_all.py")
    for s in scripts:
        if s in NOT_BENCHMARKS:
            print("not run: %s.py, %s" % (s, NOT_BENCHMARKS[s]))
        elif s not in BENCHMARKS:
            print("not run: %s.py (run_all.py has no reader for it yet)" % s)
    started = time.monotonic()
    rows = collect(names, args.full, args.timeout)
    print("\n=== Summary (%s settings, %.0f s; %s)\n" % ("full" if args.full else "quick", time.monotonic() - started,
                                                      machine()))
    print_table(rows, args.markdown)
    failed = [r for r in rows if r.verdict.startswith(("FAILED", "output not understood"))]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
