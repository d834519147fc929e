"""Cold start: a fresh process, from its start to the first prediction of half_plus_two's serving_default.

    python benchmarks/load_latency.py [--runs 7] [--model DIR] [--importtime]

Each run spawns a new Python that imports the library, loads the SavedModel (tag-set ``serve``), runs
``serving_default`` on x = [[1], [2], [3]], checks y = [[2.5], [3], [3.5]] and exits. The wall time is
measured outside the child (interpreter start-up included), the peak resident memory is the child's
``ru_maxrss`` (from ``wait4``), its CPU time (user + system) is a figure that a busy machine disturbs
less than the wall time. The child also reports its own phases: import, load, first run.

The package's modules load from their bytecode where it is current (``make`` writes it for every module, as
pip does when it installs a package); the first line says whether it is. Targets for tagraph: 0.4 s and 150 MB. With TAGRAPH_TF_PYTHON set, TensorFlow's own loader is timed the
same way (about 3.8 s and 506 MB on the machine the targets were set on). ``--importtime`` adds the
modules that dominate tagraph's import, from ``python -X importtime``; ``--without-numba`` times tagraph
again with numba made unimportable, to show what importing it at start-up costs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, "..", "tests", "data", "tf", "half_plus_two")
TARGET_S, TARGET_MB = 0.4, 150.0
X = [[1.0], [2.0], [3.0]]
Y = [[2.5], [3.0], [3.5]]

_TAGRAPH = r"""
import time
t0 = time.perf_counter()
import sys, json
import numpy as np
from tagraph.serialization.saved_model.signature_runner import SignatureRunner
t1 = time.perf_counter()
runner = SignatureRunner(sys.argv[1], tags=["serve"])
t2 = time.perf_counter()
y = runner.run({"x": np.array(%r, np.float32)})["y"]
t3 = time.perf_counter()
print(json.dumps({"y": y.tolist(), "import": t1 - t0, "load": t2 - t1, "run": t3 - t2}))
""" % (X,)

# Diagnostic: the same run with numba unimportable, to show what its import-time use costs.
_TAGRAPH_NO_NUMBA = _TAGRAPH.replace("import sys, json", "import sys, json\nsys.modules['numba'] = None", 1)

_TENSORFLOW = r"""
import time
t0 = time.perf_counter()
import sys, json
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
t1 = time.perf_counter()
sess = tf.Session(graph=tf.Graph())
mg = tf.saved_model.loader.load(sess, ["serve"], sys.argv[1])
sig = mg.signature_def["serving_default"]
t2 = time.perf_counter()
y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: np.array(%r, np.float32)})
t3 = time.perf_counter()
print(json.dumps({"y": y.tolist(), "import": t1 - t0, "load": t2 - t1, "run": t3 - t2}))
""" % (X,)


def one_run_rss(python, script, model, env):
    """(wall seconds, peak RSS MB, phases) of one fresh process; phases include its CPU seconds."""
    start = time.perf_counter()
    pid = os.posix_spawn(python, [python, "-c", script, model], env,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, _OUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                        0o600),
                                       (os.POSIX_SPAWN_OPEN, 2, _ERR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                        0o600)])
    _, status, rusage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    with open(_OUT) as f:
        out = f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        with open(_ERR) as f:
            raise RuntimeError("%s failed:\n%s" % (python, f.read()[-3000:]))
    phases = json.loads(out.strip().splitlines()[-1])
    y = phases.pop("y")
    if [[round(v, 5) for v in row] for row in y] != Y:
        raise RuntimeError("%s predicted %s, expected %s" % (python, y, Y))
    phases["cpu"] = rusage.ru_utime + rusage.ru_stime
    return wall, rusage.ru_maxrss / 1024.0, phases


_OUT = "/tmp/tagraph_load_latency.%d.out" % os.getpid()
_ERR = "/tmp/tagraph_load_latency.%d.err" % os.getpid()


def measure(python, script, model, runs, env):
    results = [one_run_rss(python, script, model, env) for _ in range(runs)]
    walls = [r[0] for r in results]
    rss = [r[1] for r in results]
    phases = {k: statistics.median(r[2][k] for r in results) for k in results[0][2]}
    return {"wall_median": statistics.median(walls), "wall_min": min(walls), "rss_mb": max(rss),
            "phases": phases}


def import_breakdown(python, top=12):
    """The modules with the largest cumulative import time in ``python -X importtime``."""
    proc = subprocess.run([python, "-X", "importtime", "-c",
                           "from tagraph.serialization.saved_model.signature_runner import SignatureRunner"],
                          capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((int(cum_us), int(self_us), depth, name.strip()))
    rows.sort(reverse=True)
    return rows[:top]


def bytecode_state():
    """How the package's modules load: from current bytecode (as after pip install, or `make`'s compileall),
    or compiled from source in every new process (an editable install under PYTHONDONTWRITEBYTECODE)."""
    import importlib.util
    root = os.path.dirname(HERE)
    sources = [os.path.join(d, f) for d, _, files in os.walk(root) if "/." not in d and "tests" not in d
               for f in files if f.endswith(".py")]
    stale = [s for s in sources if not os.path.exists(importlib.util.cache_from_source(s))
             or os.path.getmtime(importlib.util.cache_from_source(s)) < os.path.getmtime(s)]
    if not stale:
        return "bytecode current for all %d modules" % len(sources)
    return "no current bytecode for %d of %d modules: they compile at import (run `make bytecode`)" % (
        len(stale), len(sources))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--importtime", action="store_true")
    ap.add_argument("--without-numba", action="store_true",
                    help="also time tagraph with numba made unimportable (a diagnostic of its import cost)")
    args = ap.parse_args(argv)
    model = os.path.abspath(args.model)
    env = dict(os.environ)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    rows = [("tagraph", measure(sys.executable, _TAGRAPH, model, args.runs, env))]
    if args.without_numba:
        rows.append(("(no numba)", measure(sys.executable, _TAGRAPH_NO_NUMBA, model, args.runs, env)))
    tf_python = os.environ.get("TAGRAPH_TF_PYTHON")
    if tf_python:
        tf_env = dict(env, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
        rows.append(("tensorflow", measure(tf_python, _TENSORFLOW, model, max(1, min(args.runs, 3)), tf_env)))
    print("cold start to first prediction of half_plus_two serving_default (%d runs, median; %s)"
          % (args.runs, bytecode_state()))
    print("%-11s %9s %9s %9s %9s %9s %9s %9s" % ("", "wall s", "min s", "CPU s", "peak MB", "import s", "load s",
                                                 "run s"))
    for name, r in rows:
        p = r["phases"]
        print("%-11s %9.3f %9.3f %9.3f %9.1f %9.3f %9.3f %9.4f" % (
            name, r["wall_median"], r["wall_min"], p["cpu"], r["rss_mb"], p["import"], p["load"], p["run"]))
    ours = rows[0][1]
    print("target: %.1f s, %.0f MB -> %s" % (
        TARGET_S, TARGET_MB, "met" if ours["wall_median"] <= TARGET_S and ours["rss_mb"] <= TARGET_MB else
        "NOT met (wall %s, memory %s)" % ("ok" if ours["wall_median"] <= TARGET_S else "over",
                                          "ok" if ours["rss_mb"] <= TARGET_MB else "over")))
    if rows[-1][0] == "tensorflow":
        t = rows[-1][1]
        print("TensorFlow/tagraph: %.1fx the wall time, %.1fx the memory"
              % (t["wall_median"] / ours["wall_median"], t["rss_mb"] / ours["rss_mb"]))
    if args.importtime:
        print("\nlargest cumulative import times (python -X importtime), microseconds:")
        for cum, self_us, depth, name in import_breakdown(sys.executable):
            print("%10d %10d  %s%s" % (cum, self_us, "  " * depth, name))
    for p in (_OUT, _ERR):
        try:
            os.remove(p)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
