"""Keras LSTM inference from a TensorFlow 2 SavedModel: tagraph vs TensorFlow, batch 32, 50 time steps.

    TAGRAPH_TF_PYTHON=~/.cache/tagraph-tf-venv/bin/python python benchmarks/keras_lstm.py [--runs 30] [--rounds 5]

TensorFlow writes the model (LSTM(64) over 50 steps of 32 features, then Dense(10)) and times its own
``tf.saved_model.load(...).signatures["serving_default"]`` in a helper process that keeps it loaded; tagraph
loads the same files with ``SignatureRunner`` (its While loop, TensorLists and function bodies). Rounds
alternate between the two (each the median of ``--runs`` calls), so both see the same machine; each side's
best round is compared. Target: at least 1.0x TensorFlow's speed. Needs TensorFlow to write the model.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

from tf_helper import TensorFlowHelper  # beside this script

TARGET = 1.0

_TF_SCRIPT = r"""
import json, sys, time, numpy as np, tensorflow as tf
path, runs = sys.argv[1], int(sys.argv[2])
tf.keras.utils.set_random_seed(0)
model = tf.keras.Sequential([tf.keras.Input([50, 32]), tf.keras.layers.LSTM(64), tf.keras.layers.Dense(10)])
tf.saved_model.save(model, path)
fn = tf.saved_model.load(path).signatures["serving_default"]
(key,) = fn.structured_input_signature[1]
x = tf.constant(np.random.RandomState(1).randn(32, 50, 32).astype(np.float32))
for _ in range(3): out = fn(**{key: x})
print("ready", key, flush=True)
for line in sys.stdin:
    ts = []
    for _ in range(runs):
        t = time.perf_counter(); out = fn(**{key: x}); ts.append(time.perf_counter() - t)
    (value,) = out.values()
    print(json.dumps({"ms": float(np.median(ts) * 1e3), "out": value.numpy().tolist()}), flush=True)
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=30, help="calls per round")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    if not python:
        print("no TensorFlow (set TAGRAPH_TF_PYTHON): it writes the model; nothing measured")
        return 0
    from tagraph.serialization.saved_model.signature_runner import SignatureRunner
    x = np.random.RandomState(1).randn(32, 50, 32).astype(np.float32)
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lstm")
        tf_side = TensorFlowHelper(python, _TF_SCRIPT, [path, args.runs])
        key = tf_side.ready.split()[1]
        with SignatureRunner(path, tags=["serve"]) as runner:
            for _ in range(3):
                got = runner.run({key: x})
            for _ in range(args.rounds):
                ts = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    got = runner.run({key: x})
                    ts.append(time.perf_counter() - t)
                ours.append(float(np.median(ts) * 1e3))
                tf_result = tf_side.ask()
                theirs.append(tf_result["ms"])
        tf_side.close()
    (value,) = got.values()
    np.testing.assert_allclose(value, tf_result["out"], rtol=1e-4, atol=1e-5)
    best, tf_best = min(ours), min(theirs)
    ratio = tf_best / best
    print("Keras LSTM(64) over 50 steps, batch 32: %d alternating rounds, each the median of %d calls "
          "(outputs agree); best rounds compared, load average %.1f" % (args.rounds, args.runs, os.getloadavg()[0]))
    print("%-12s %10s %14s" % ("", "ms/batch", "median round"))
    print("%-12s %10.2f %14.2f" % ("tagraph", best, float(np.median(ours))))
    print("%-12s %10.2f %14.2f" % ("TensorFlow", tf_best, float(np.median(theirs))))
    print("ratio %.2fx TensorFlow's speed (target >= %.1fx: %s)" % (ratio, TARGET, "met" if ratio >= TARGET else
                                                                   "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
