"""Wall time of `saved_model_cli show --all` on half_plus_two: tagraph's console script, and TensorFlow's CLI.

    python benchmarks/saved_model_cli.py [--runs N] [--dir SAVED_MODEL_DIR]
    TAGRAPH_TF_PYTHON=/path/to/tf/venv/bin/python python benchmarks/saved_model_cli.py

Each run is a fresh process (what a user waits for: interpreter start, imports, reading saved_model.pb,
printing); its CPU time is shown too, as wall time swings with the machine's load. Also timed: `run`
of x1_x2_to_y (loads the engine) and `show --all` in-process (no start-up).
Target: `show --all` at most 0.3 s; TensorFlow's takes 3.0-3.6 s here.
"""
import argparse
import contextlib
import io
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "tf"
TARGET_S = 0.3


def _cli():
    script = pathlib.Path(sys.executable).parent / "tagraph-saved-model-cli"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "tagraph.serialization.saved_model_cli"]


def _time(cmd, runs, env=None):
    """(min wall s, median wall s, median CPU s) of ``runs`` fresh processes."""
    ts, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        ts.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if p.returncode != 0:
            raise SystemExit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr.decode()[-2000:]))
    return min(ts), statistics.median(ts), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--dir", default=str(DATA / "half_plus_two"))
    a = ap.parse_args()
    rows = []
    show = ["show", "--dir", a.dir, "--all"]
    rows.append(("tagraph show --all (process)",) + _time(_cli() + show, a.runs))

    from tagraph.serialization import saved_model_cli
    ts, cpu = [], []
    for _ in range(max(a.runs, 20)):
        t, c = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            saved_model_cli.main(show)
        ts.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    rows.append(("tagraph show --all (in-process)", min(ts), statistics.median(ts), statistics.median(cpu)))

    with tempfile.TemporaryDirectory() as tmp:
        import numpy as np
        np.save(os.path.join(tmp, "a.npy"), np.array([[1], [2], [3]], np.float32))
        np.save(os.path.join(tmp, "b.npy"), np.full((3, 1), 0.5, np.float32))
        run = ["run", "--dir", str(DATA / "x1_x2_to_y"), "--tag_set", "serve", "--signature_def", "x1_x2_to_y",
               "--inputs", "x1=%s;x2=%s" % (os.path.join(tmp, "a.npy"), os.path.join(tmp, "b.npy"))]
        rows.append(("tagraph run x1_x2_to_y (process)",) + _time(_cli() + run, max(3, a.runs // 3)))

        tf_python = os.environ.get("TAGRAPH_TF_PYTHON")
        if tf_python and (shutil.which(tf_python) or os.path.exists(tf_python)):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
            tf_cli = [tf_python, "-m", "tensorflow.python.tools.saved_model_cli"]
            n = max(2, a.runs // 4)
            rows.append(("TensorFlow show --all (process)",) + _time(tf_cli + show, n, env))
            rows.append(("TensorFlow run x1_x2_to_y (process)",) + _time(tf_cli + run, n, env))

    print("%-38s %10s %10s %12s" % ("command", "min s", "median s", "median CPU s"))
    for name, lo, med, cpu in rows:
        print("%-38s %10.3f %10.3f %12.3f" % (name, lo, med, cpu))
    verdict = "meets" if rows[0][2] <= TARGET_S else "MISSES"
    print("\ntagraph show --all median %.3f s %s the %.1f s target" % (rows[0][2], verdict, TARGET_S))
    if not os.environ.get("TAGRAPH_TF_PYTHON"):
        print("(set TAGRAPH_TF_PYTHON to a Python with TensorFlow to time its saved_model_cli too)")


if __name__ == "__main__":
    main()
