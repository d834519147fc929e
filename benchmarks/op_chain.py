"""Graphs of many small ops: a chain of N elementwise ops on a fed [4] float32 tensor, tagraph beside TensorFlow.

    python benchmarks/op_chain.py [--ops 1000,10000] [--rounds 5]

For each N: the time to build the graph, the first Session.run (tagraph compiles its plan; TensorFlow
prunes, optimises and creates its executor) and a steady-state run (median of later runs). The chain
cycles through Add, Mul, Sub, Maximum and Minimum with scalar constants, the kind of ops unrolled RNN
cells, optimizer updates over many variables and preprocessing graphs are made of (tagraph runs such a
chain as one fused step; ``--unfused`` times it op by op, as ``opt_level: L0`` does). With TAGRAPH_TF_PYTHON set,
TensorFlow (compat.v1 graph mode) is timed in the same run, in a helper process, rounds alternating.
Targets: tagraph at least 1.0x TensorFlow's speed in each of the three.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

TARGET = 1.0

# Builds the chain with ``tf`` (tagraph.engine or tensorflow.compat.v1); both accept the same code.
_CHAIN = r"""
def build(tf, n):
    x = tf.placeholder(tf.float32, [4])
    y = x
    for i in range(n):
        k = i % 5
        if k == 0: y = y + 0.5
        elif k == 1: y = y * 0.999
        elif k == 2: y = y - 0.25
        elif k == 3: y = tf.maximum(y, -1.0)
        else: y = tf.minimum(y, 100.0)
    return x, y
"""

_RUN = r"""
def measure(tf, Graph, Session, n, runs, config=None):
    import time, numpy as np
    v = np.linspace(-1, 1, 4).astype(np.float32)
    g = Graph()
    with g.as_default():
        t = time.perf_counter(); x, y = build(tf, n); build_s = time.perf_counter() - t
        sess = Session(config=config)
        t = time.perf_counter(); first = sess.run(y, {x: v}); first_s = time.perf_counter() - t
        for _ in range(3): sess.run(y, {x: v})
        ts = []
        for _ in range(runs):
            t = time.perf_counter(); sess.run(y, {x: v}); ts.append(time.perf_counter() - t)
        sess.close()
    return {"build_ms": build_s * 1e3, "first_ms": first_s * 1e3, "run_ms": float(np.median(ts)) * 1e3,
            "value": [float(a) for a in first]}
"""

_TF_SCRIPT = _CHAIN + _RUN + r"""
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
for line in sys.stdin:
    n, runs = map(int, line.split())
    print(json.dumps(measure(tf, tf.Graph, tf.Session, n, runs)), flush=True)
"""


def tagraph_measure(n, runs, unfused):
    import tagraph.engine as tg
    namespace = {}
    exec(_CHAIN + _RUN, namespace)  # noqa: S102 - the benchmark's own code, shared with the TF helper
    config = None
    if unfused:
        config = tg.ConfigProto()
        config.graph_options.optimizer_options.opt_level = -1     # L0: no fusion
    return namespace["measure"](tg, tg.Graph, tg.Session, n, runs, config)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ops", default="1000,10000")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--unfused", action="store_true", help="tagraph without elementwise fusion")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.ops.split(",")]
    tf_python = os.environ.get("TAGRAPH_TF_PYTHON")
    helper = None
    if tf_python:
        helper = subprocess.Popen([tf_python, "-c", _TF_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True,
                                  env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
    else:
        print("TensorFlow: not run (set TAGRAPH_TF_PYTHON)")
    best = {}
    try:
        for _ in range(args.rounds):
            for n in sizes:
                runs = max(20, 20000 // n)
                sides = [("tagraph", lambda: tagraph_measure(n, runs, args.unfused))]
                if helper is not None:
                    def ask(n=n, runs=runs):
                        helper.stdin.write("%d %d\n" % (n, runs))
                        helper.stdin.flush()
                        return json.loads(helper.stdout.readline())
                    sides.append(("TensorFlow", ask))
                for name, fn in sides:
                    got = fn()
                    key = (name, n)
                    if key in best:
                        if not np.allclose(got["value"], best[key]["value"], rtol=1e-6):
                            raise SystemExit("%s gave different values across rounds" % name)
                        got = {k: min(v, got[k]) if k != "value" else v for k, v in best[key].items()}
                    best[key] = got
    finally:
        if helper is not None:
            helper.stdin.close()
            helper.wait(timeout=60)
    print("chain of N elementwise ops on [4] float32, ms (best of %d rounds)" % args.rounds)
    print("%-8s %-11s %10s %10s %10s" % ("ops", "engine", "build_ms", "first_ms", "run_ms"))
    for n in sizes:
        for name in ("tagraph", "TensorFlow"):
            if (name, n) in best:
                b = best[(name, n)]
                print("%-8d %-11s %10.2f %10.2f %10.3f" % (n, name, b["build_ms"], b["first_ms"], b["run_ms"]))
        if ("TensorFlow", n) in best:
            ours, theirs = best[("tagraph", n)], best[("TensorFlow", n)]
            if not np.allclose(ours["value"], theirs["value"], rtol=1e-5, atol=1e-6):
                print("values differ at %d ops: %s vs TensorFlow %s" % (n, ours["value"], theirs["value"]))
            for what in ("build_ms", "first_ms", "run_ms"):
                ratio = theirs[what] / ours[what]
                print("%d ops %s: %.2fx TensorFlow's speed (target >= %gx: %s)"
                      % (n, what[:-3], ratio, TARGET, "met" if ratio >= TARGET else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
