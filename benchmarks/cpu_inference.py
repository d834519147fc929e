"""CPU inference of an MLP 784-512-512-10 (ReLU) at batch 1 and 256: tagraph beside onnxruntime and TensorFlow,
on a quiet machine and with one CPU-bound process beside it.

    python benchmarks/cpu_inference.py [--rounds 5] [--runs 300] [--no-busy]

The same weights run in each engine: tagraph's Session (MatMul, BiasAdd, Relu: the graph TF1 code builds),
onnxruntime 1.x on a model built with onnx.helper (MatMul, Add, Relu; default session options) and, with
TAGRAPH_TF_PYTHON set, TensorFlow's compat.v1 Session. onnxruntime and TensorFlow run in helper processes
(one process per engine, as users run them); rounds alternate between the engines with a pause between
them, so spinning worker threads go idle before the next engine is timed, and each engine's best round's
median is reported. "busy" rounds run with one CPU-bound process beside the engine.

Targets: tagraph at least 1.0x onnxruntime's speed at b256 and 0.7x at b1, at least 1.0x TensorFlow's at
both; with the busy process, tagraph's slowdown no worse than TensorFlow's.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from tf_helper import TensorFlowHelper  # beside this script

SIZES = (784, 512, 512, 10)
BATCHES = (1, 256)
TARGETS = {("onnxruntime", 1): 0.7, ("onnxruntime", 256): 1.0, ("TensorFlow", 1): 1.0, ("TensorFlow", 256): 1.0}

# A helper process: loads the weights, builds its engine's model, says "ready", then answers each request
# "<batch> <runs>" with the median time of one run in microseconds.
_TIMING = r"""
import json, sys, time, numpy as np
w = np.load(sys.argv[1]); layers = [(w["k%d" % i], w["b%d" % i]) for i in range(3)]
inputs = {b: np.random.RandomState(b).rand(b, 784).astype(np.float32) for b in (1, 256)}
def serve(run):
    for b, x in inputs.items():
        for _ in range(20): run(x)
    print("ready", flush=True)
    for line in sys.stdin:
        b, n = map(int, line.split())
        x = inputs[b]; ts = []
        for _ in range(n):
            t = time.perf_counter(); run(x); ts.append(time.perf_counter() - t)
        print(json.dumps({"us": float(np.median(ts) * 1e6)}), flush=True)
"""

_ORT_SCRIPT = _TIMING + r"""
import onnx, onnxruntime as ort
from onnx import helper, TensorProto, numpy_helper
nodes, inits, h = [], [], "x"
for i, (k, b) in enumerate(layers):
    inits += [numpy_helper.from_array(k, "k%d" % i), numpy_helper.from_array(b, "b%d" % i)]
    nodes += [helper.make_node("MatMul", [h, "k%d" % i], ["m%d" % i]),
              helper.make_node("Add", ["m%d" % i, "b%d" % i], ["a%d" % i])]
    h = "a%d" % i
    if i < 2:
        nodes.append(helper.make_node("Relu", [h], ["r%d" % i])); h = "r%d" % i
graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 784])],
                          [helper.make_tensor_value_info(h, TensorProto.FLOAT, [None, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
serve(lambda x: sess.run(None, {"x": x}))
"""

_TF_SCRIPT = _TIMING + r"""
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
x = tf.placeholder(tf.float32, [None, 784]); h = x
for i, (k, b) in enumerate(layers):
    h = tf.nn.bias_add(tf.matmul(h, tf.constant(k)), tf.constant(b))
    if i < 2: h = tf.nn.relu(h)
sess = tf.Session()
serve(lambda v: sess.run(h, {x: v}))
"""


class TagraphEngine:
    def __init__(self, weights):
        import tagraph.engine as tg
        self.graph = tg.Graph()
        with self.graph.as_default():
            self.x = tg.placeholder(tg.float32, [None, SIZES[0]])
            h = self.x
            for i in range(3):
                h = tg.nn.bias_add(tg.matmul(h, tg.constant(weights["k%d" % i])), tg.constant(weights["b%d" % i]))
                if i < 2:
                    h = tg.nn.relu(h)
            self.out = h
            self.sess = tg.Session()
        self.inputs = {b: np.random.RandomState(b).rand(b, SIZES[0]).astype(np.float32) for b in BATCHES}
        for b in BATCHES:
            for _ in range(20):
                self.run(b)

    def run(self, batch):
        return self.sess.run(self.out, {self.x: self.inputs[batch]})

    def ask(self, request):
        b, n = map(int, request.split())
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            self.run(b)
            ts.append(time.perf_counter() - t)
        return {"us": float(np.median(ts) * 1e6)}

    def close(self):
        self.sess.close()


def make_weights(path):
    rng = np.random.RandomState(0)
    arrays = {}
    for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
        arrays["k%d" % i] = (rng.randn(n_in, n_out) / np.sqrt(n_in)).astype(np.float32)
        arrays["b%d" % i] = (rng.randn(n_out) * 0.1).astype(np.float32)
    np.savez(path, **arrays)
    return arrays


def start_busy():
    """One CPU-bound process (a Python loop), as another job on the machine would be."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def measure(engines, rounds, runs, pause, busy):
    """{(engine, batch): best median us} over ``rounds`` alternating rounds."""
    best = {}
    hog = start_busy() if busy else None
    try:
        if hog is not None:
            time.sleep(0.5)
        for _ in range(rounds):
            for name, engine in engines.items():
                for b in BATCHES:
                    us = engine.ask("%d %d" % (b, runs if b == 1 else max(10, runs // 10)))["us"]
                    best[(name, b)] = min(best.get((name, b), float("inf")), us)
                time.sleep(pause)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--runs", type=int, default=300, help="runs per round at batch 1 (a tenth at batch 256)")
    p.add_argument("--pause", type=float, default=0.3)
    p.add_argument("--no-busy", action="store_true", help="skip the rounds with a busy process beside")
    args = p.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="tagraph-cpu-bench-")
    weights_path = os.path.join(tmp, "mlp.npz")
    weights = make_weights(weights_path)
    engines = {"tagraph": TagraphEngine(weights)}
    try:
        engines["onnxruntime"] = TensorFlowHelper(sys.executable, _ORT_SCRIPT, [weights_path],
                                                  hint=" (pip install -e '.[bench]')")
    except RuntimeError as e:
        print("onnxruntime: not run (%s)" % e)
    tf_python = os.environ.get("TAGRAPH_TF_PYTHON")
    if tf_python:
        engines["TensorFlow"] = TensorFlowHelper(tf_python, _TF_SCRIPT, [weights_path])
    else:
        print("TensorFlow: not run (set TAGRAPH_TF_PYTHON)")
    try:
        quiet = measure(engines, args.rounds, args.runs, args.pause, busy=False)
        busy = None if args.no_busy else measure(engines, args.rounds, args.runs, args.pause, busy=True)
    finally:
        for engine in engines.values():
            engine.close()
    print("MLP 784-512-512-10, median us per Session.run (best of %d rounds), %d CPUs" % (args.rounds, os.cpu_count()))
    print("%-8s %-12s %10s %12s" % ("batch", "engine", "quiet_us", "busy_us"))
    for b in BATCHES:
        for name in engines:
            print("%-8d %-12s %10.1f %12s" % (b, name, quiet[(name, b)],
                                              "-" if busy is None else "%.1f" % busy[(name, b)]))
    for (other, b), target in TARGETS.items():
        if other in engines:
            ratio = quiet[(other, b)] / quiet[("tagraph", b)]
            print("speed vs %s b%d: %.2fx (target >= %gx: %s)" % (other, b, ratio, target,
                                                                 "met" if ratio >= target else "NOT met"))
    if busy is not None:
        for b in BATCHES:
            slow = {name: busy[(name, b)] / quiet[(name, b)] for name in engines}
            line = "busy slowdown b%d: " % b + ", ".join("%s %.2fx" % kv for kv in slow.items())
            if "TensorFlow" in slow:
                ok = slow["tagraph"] <= slow["TensorFlow"]
                line += " (target: tagraph's <= TensorFlow's: %s)" % ("met" if ok else "NOT met")
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
