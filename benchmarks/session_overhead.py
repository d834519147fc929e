"""Per-call Session.run overhead: (a) fetching a constant, (b) a 10-op elementwise chain on a fed [4] float32.

    python benchmarks/session_overhead.py

Targets on a 2-core machine: (a) <= 10 us, (b) <= 30 us. TensorFlow 1's Python Session.run takes about
100 us and 320 us for these; with TAGRAPH_TF_PYTHON set, TensorFlow is timed in the same run.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

TARGETS = {"const": 10.0, "chain10": 30.0}

_TF_SCRIPT = r"""
import json, time, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
def median_us(fn, n):
    for _ in range(200): fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts) * 1e6)
c = tf.constant(1.0)
x = tf.placeholder(tf.float32, [4])
y = x
for i in range(10):
    y = y * 1.0001 if i % 2 else y + 0.5
v = np.ones(4, np.float32)
with tf.Session() as s:
    print(json.dumps({"const": median_us(lambda: s.run(c), 3000),
                      "chain10": median_us(lambda: s.run(y, {x: v}), 3000)}))
"""


def median_us(fn, n):
    for _ in range(500):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts) * 1e6)


def measure_tagraph():
    import tagraph.engine as tg
    with tg.Graph().as_default():
        c = tg.constant(1.0)
        x = tg.placeholder(tg.float32, [4])
        y = x
        for i in range(10):
            y = y * 1.0001 if i % 2 else y + 0.5
        v = np.ones(4, np.float32)
        with tg.Session() as s:
            return {"const": median_us(lambda: s.run(c), 20000),
                    "chain10": median_us(lambda: s.run(y, {x: v}), 20000)}


def measure_tensorflow():
    py = os.environ.get("TAGRAPH_TF_PYTHON")
    if not py:
        return None
    out = subprocess.run([py, "-c", _TF_SCRIPT], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ours = measure_tagraph()
    theirs = measure_tensorflow()
    print("%-10s %12s %10s %12s %10s" % ("case", "tagraph us", "target", "TF us", "TF/ours"))
    ok = True
    for k in ("const", "chain10"):
        tf_us = theirs[k] if theirs else None
        print("%-10s %12.2f %10.1f %12s %10s" % (
            k, ours[k], TARGETS[k], "%.1f" % tf_us if tf_us else "n/a",
            "%.1fx" % (tf_us / ours[k]) if tf_us else "n/a"))
        ok &= ours[k] <= TARGETS[k]
    print("targets met" if ok else "targets NOT met")
    return ours


if __name__ == "__main__":
    sys.exit(main() is None)
