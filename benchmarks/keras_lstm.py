"""Keras LSTM inference from a TensorFlow 2 SavedModel: tagraph vs TensorFlow, batch 32, 50 time steps.

    TAGRAPH_TF_PYTHON=~/.cache/tagraph-tf-venv/bin/python python benchmarks/keras_lstm.py [--runs 30]

TensorFlow writes the model (LSTM(64) over 50 steps of 32 features, then Dense(10)) and times its own
``tf.saved_model.load(...).signatures["serving_default"]``; tagraph loads the same files with
``SignatureRunner`` (its While loop, TensorLists and function bodies). Target: at least 1.0x TensorFlow's
speed (medians). Needs TensorFlow to write the model.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

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
ts = []
for _ in range(runs):
    t = time.perf_counter(); out = fn(**{key: x}); ts.append(time.perf_counter() - t)
(value,) = out.values()
print(json.dumps({"key": key, "ms": float(np.median(ts) * 1e3), "out": value.numpy().tolist()}))
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=30)
    args = p.parse_args(argv)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    if not python:
        print("no TensorFlow (set TAGRAPH_TF_PYTHON): it writes the model; nothing measured")
        return 0
    from tagraph.serialization.saved_model.signature_runner import SignatureRunner
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lstm")
        out = subprocess.run([python, "-c", _TF_SCRIPT, path, str(args.runs)], capture_output=True, text=True,
                             timeout=600, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
        if out.returncode:
            print("TensorFlow failed:\n" + out.stderr[-2000:], file=sys.stderr)
            return 1
        tf_result = json.loads(out.stdout.strip().splitlines()[-1])
        x = np.random.RandomState(1).randn(32, 50, 32).astype(np.float32)
        with SignatureRunner(path, tags=["serve"]) as runner:
            for _ in range(3):
                got = runner.run({tf_result["key"]: x})
            ts = []
            for _ in range(args.runs):
                t = time.perf_counter()
                got = runner.run({tf_result["key"]: x})
                ts.append(time.perf_counter() - t)
    ours = float(np.median(ts) * 1e3)
    (value,) = got.values()
    np.testing.assert_allclose(value, tf_result["out"], rtol=1e-4, atol=1e-5)
    ratio = tf_result["ms"] / ours
    print("Keras LSTM(64) over 50 steps, batch 32, median of %d runs (outputs agree)" % args.runs)
    print("%-12s %10s" % ("", "ms/batch"))
    print("%-12s %10.2f" % ("tagraph", ours))
    print("%-12s %10.2f" % ("TensorFlow", tf_result["ms"]))
    print("ratio %.2fx TensorFlow's speed (target >= %.1fx: %s)" % (ratio, TARGET, "met" if ratio >= TARGET else
                                                                   "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
