"""Per-call cost of a function: the same small body (a 5-op chain on a fed [4] float32) run inline, and run
as the body of a StatefulPartitionedCall (a tg.function whose body holds a stateful op), Session.run medians.

    python benchmarks/function_call.py [--runs 3000]

Target on a 2-core machine: the call adds under 10 us to a run. TensorFlow's graph-mode call of the same
tf.function is timed beside it when TAGRAPH_TF_PYTHON names a Python with TensorFlow.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

TARGET_US = 10.0

_TF_SCRIPT = r"""
import json, sys, time, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
runs = int(sys.argv[1])
def median_us(fn, n):
    for _ in range(200): fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts) * 1e6)
def chain(x):
    for i in range(5):
        x = x * 1.0001 if i % 2 else x + 0.5
    return x
@tf.function
def body(x):
    return chain(x) + tf.random.uniform([4]) * 0.0
x = tf.placeholder(tf.float32, [4])
inline, called = chain(x) + tf.random.uniform([4]) * 0.0, body(x)
v = np.ones(4, np.float32)
with tf.Session() as s:
    print(json.dumps({"inline": median_us(lambda: s.run(inline, {x: v}), runs),
                      "call": median_us(lambda: s.run(called, {x: v}), runs)}))
"""


def median_us(fn, n):
    for _ in range(30):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts) * 1e6)


def chain(x):
    for i in range(5):
        x = x * 1.0001 if i % 2 else x + 0.5
    return x


def measure_tagraph(runs, rounds=10):
    """Medians of the inline and the called run, and of their per-round difference: the two take turns in
    ``rounds`` rounds of ``runs / rounds`` runs each, so a machine that slows down mid-way weighs on both."""
    import tagraph.engine as tg

    @tg.function
    def body(x):
        return chain(x) + tg.random_uniform([4]) * 0.0

    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [4])
        inline, called = chain(x) + tg.random_uniform([4]) * 0.0, body(x)
        assert called.op.type == "StatefulPartitionedCall"
        v = np.ones(4, np.float32)
        per_round = max(runs // rounds, 50)
        got = {"inline": [], "call": []}
        with tg.Session() as s:
            for _ in range(rounds):
                got["inline"].append(median_us(lambda: s.run(inline, {x: v}), per_round))
                got["call"].append(median_us(lambda: s.run(called, {x: v}), per_round))
    added = float(np.median(np.subtract(got["call"], got["inline"])))
    return {"inline": float(np.median(got["inline"])), "call": float(np.median(got["call"])), "added": added}


def measure_tf(runs):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    if not python:
        return None
    out = subprocess.run([python, "-c", _TF_SCRIPT, str(runs)], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
    if out.returncode:
        print("TensorFlow run failed:\n" + out.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3000)
    args = p.parse_args(argv)
    ours = measure_tagraph(args.runs)
    theirs = measure_tf(args.runs)
    added = ours["added"]
    print("%-22s %12s %12s %12s" % ("case", "tagraph us", "TF us", "TF/ours"))
    for case in ("inline", "call"):
        tf_us = theirs[case] if theirs else None
        print("%-22s %12.2f %12s %12s" % (case, ours[case], "%.2f" % tf_us if tf_us else "n/a",
                                          "%.1fx" % (tf_us / ours[case]) if tf_us else "n/a"))
    print("added by the call       %10.2f us (target <= %.0f us: %s)" % (added, TARGET_US,
                                                                         "met" if added <= TARGET_US else "NOT met"))
    return 0 if added <= TARGET_US else 1


if __name__ == "__main__":
    sys.exit(main())
