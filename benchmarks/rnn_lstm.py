"""A dynamic_rnn LSTM on the CPU, tagraph vs TensorFlow: inference (the outputs of all steps) and a training step
(the final state through a dense layer, softmax cross entropy, Adam), batch 64, 50 time steps of 128 features,
LSTMCell(256).

    python benchmarks/rnn_lstm.py [--rounds 8] [--steps 3] [--blas-threads N]

Both sides build the model with TensorFlow 1's API (``tf.nn.dynamic_rnn`` over ``tf.nn.rnn_cell.LSTMCell``,
control flow v1: a while loop over TensorArrays; its gradient a second loop over stacks), from one definition.
With TAGRAPH_TF_PYTHON set, TensorFlow (compat.v1 graph mode, ``tf.nn.rnn_cell`` from the tf-keras package) is
timed in the same run. Target: tagraph at least 1.0x TensorFlow's speed for each. Both run one fed batch per
step, after warm-up steps, in alternating rounds (TensorFlow in a helper process that keeps its session); each
one's best round is compared, so load from other processes skews neither side more than the other.
``--blas-threads N`` sets OpenBLAS's thread count for tagraph's process (see benchmarks/train_step.py).
"""
import argparse
import os
import sys
import time

if __name__ == "__main__" and "--blas-threads" in sys.argv:
    # Must be set before numpy loads OpenBLAS.
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[sys.argv.index("--blas-threads") + 1]

import numpy as np  # noqa: E402

from tf_helper import TensorFlowHelper  # noqa: E402  (beside this script)

TARGET_RATIO = 1.0
BATCH, TIME, DEPTH, UNITS, CLASSES = 64, 50, 128, 256, 10

_MODEL = r"""
BATCH, TIME, DEPTH, UNITS, CLASSES = 64, 50, 128, 256, 10


def data():
    rng = np.random.RandomState(0)
    return (rng.uniform(-1, 1, (BATCH, TIME, DEPTH)).astype(np.float32),
            rng.randint(0, CLASSES, BATCH).astype(np.int32))


def model(tf, x, y):
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(UNITS), x, dtype=tf.float32)
    logits = tf.layers.dense(state.h, CLASSES)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return outputs, tf.train.AdamOptimizer(1e-3).minimize(loss)
"""

_TF_SCRIPT = r"""
import json, os, sys, time, numpy as np
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
tf.disable_control_flow_v2()
steps, warm = int(sys.argv[1]), int(sys.argv[2])
""" + _MODEL + r"""
xs, ys = data()
x = tf.placeholder(tf.float32, [None, TIME, DEPTH]); y = tf.placeholder(tf.int32, [None])
outputs, train = model(tf, x, y)
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    for _ in range(warm):
        s.run(outputs, {x: xs}); s.run(train, {x: xs, y: ys})
    print("ready", flush=True)
    for line in sys.stdin:
        fetch, feed = (outputs, {x: xs}) if line.strip() == "infer" else (train, {x: xs, y: ys})
        t = time.perf_counter()
        for _ in range(steps): s.run(fetch, feed)
        print(json.dumps({"ms": (time.perf_counter() - t) / steps * 1e3}), flush=True)
"""

_namespace = {"np": np}
exec(_MODEL, _namespace)  # noqa: S102 - the one model definition both sides build


class Tagraph:
    """The benchmark graph in a session of tagraph's, kept between rounds."""

    def __init__(self, steps, warm):
        import tagraph.engine as tg
        xs, ys = _namespace["data"]()
        self.graph = tg.Graph()
        with self.graph.as_default():
            x = tg.placeholder(tg.float32, [None, TIME, DEPTH])
            y = tg.placeholder(tg.int32, [None])
            self.outputs, self.train = _namespace["model"](tg, x, y)
            self.sess = tg.Session()
            self.sess.run(tg.global_variables_initializer())
        self.feeds = {"infer": (self.outputs, {x: xs}), "train": (self.train, {x: xs, y: ys})}
        self.steps = steps
        for _ in range(warm):
            for fetch, feed in self.feeds.values():
                self.sess.run(fetch, feed)

    def round(self, what):
        fetch, feed = self.feeds[what]
        t = time.perf_counter()
        for _ in range(self.steps):
            self.sess.run(fetch, feed)
        return (time.perf_counter() - t) / self.steps * 1e3


class TensorFlow(TensorFlowHelper):
    """The same model in TensorFlow, in a helper process that times a round per line it reads."""

    def __init__(self, python, steps, warm):
        super().__init__(python, _TF_SCRIPT, [steps, warm], hint=" (tf.nn.rnn_cell needs tf-keras)")

    def round(self, what):
        return self.ask(what)["ms"]



def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=3, help="runs per round")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--pause", type=float, default=0.3, help="seconds of idle before each round")
    p.add_argument("--blas-threads", type=int, default=None, help="OpenBLAS threads for tagraph (default: its own)")
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args(argv)
    kinds = ("infer", "train")
    ours = {k: [] for k in kinds}
    theirs = {k: [] for k in kinds}
    tg_bench = Tagraph(args.steps, args.warmup)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    tf_bench = TensorFlow(python, args.steps, args.warmup) if python else None
    for _ in range(args.rounds):
        for what in kinds:
            time.sleep(args.pause)
            ours[what].append(tg_bench.round(what))
            if tf_bench:
                time.sleep(args.pause)
                theirs[what].append(tf_bench.round(what))
    if tf_bench:
        tf_bench.close()
    print("dynamic_rnn LSTMCell(%d), batch %d, %d steps of %d features, CPU (%d cores), OpenBLAS threads: %s, "
          "load average %.1f" % (UNITS, BATCH, TIME, DEPTH, os.cpu_count() or 0,
                                 os.environ.get("OPENBLAS_NUM_THREADS", "default"), os.getloadavg()[0]))
    print("%-22s %12s %12s %12s %12s" % ("", "tagraph best", "median", "TF best", "median"))
    labels = {"infer": "inference ms/batch", "train": "training ms/step"}
    for what in kinds:
        row = "%-22s %12.2f %12.2f" % (labels[what], min(ours[what]), float(np.median(ours[what])))
        if tf_bench:
            row += " %12.2f %12.2f" % (min(theirs[what]), float(np.median(theirs[what])))
        else:
            row += " %12s %12s" % ("-", "-")
        print(row)
    if not tf_bench:
        print("(set TAGRAPH_TF_PYTHON to compare with TensorFlow)")
        return 0
    for what in kinds:
        ratio = min(theirs[what]) / min(ours[what])
        print("ratio %-9s %.2fx TensorFlow's speed (target >= %.1fx: %s)" % (
            what, ratio, TARGET_RATIO, "met" if ratio >= TARGET_RATIO else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
