"""Training steps per second: an MLP 784-512-512-10 (ReLU), batch 256, softmax cross entropy, Adam, on the CPU.

    python benchmarks/train_step.py [--rounds 20] [--steps 5] [--blas-threads N]

With TAGRAPH_TF_PYTHON set, TensorFlow (compat.v1 graph mode, the same graph built from get_variable,
matmul and bias_add) is timed in the same run. Target: tagraph at least 0.9x TensorFlow's rate.
Both run one fed batch per step, fetching only the train op, after warm-up steps. The two are timed in
alternating rounds (TensorFlow in a helper process that keeps its session), and each one's best round
is compared, so load from other processes on the machine skews neither side more than the other; a pause
between rounds lets each side's spinning worker threads go idle before the other is timed.

``--blas-threads N`` sets OpenBLAS's thread count (OPENBLAS_NUM_THREADS) for tagraph's process. On a
machine whose cores are busy with other work, OpenBLAS's multi-threaded GEMM stalls waiting for
descheduled threads, while one thread does not; TensorFlow's thread pool copes with that better.
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

TARGET_RATIO = 0.9
BATCH, SIZES = 256, (784, 512, 512, 10)

_TF_SCRIPT = r"""
import json, sys, time, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
steps, warm = int(sys.argv[1]), int(sys.argv[2])
BATCH, SIZES = 256, (784, 512, 512, 10)
rng = np.random.RandomState(0)
xs = rng.rand(BATCH, SIZES[0]).astype(np.float32); ys = rng.randint(0, 10, BATCH).astype(np.int32)
x = tf.placeholder(tf.float32, [None, SIZES[0]]); y = tf.placeholder(tf.int32, [None])
h = x
for i, n in enumerate(SIZES[1:]):
    with tf.variable_scope("dense_%d" % i if i else "dense"):
        k = tf.get_variable("kernel", [h.shape[-1], n]); b = tf.get_variable("bias", [n], initializer=tf.zeros_initializer())
        h = tf.nn.bias_add(tf.matmul(h, k), b)
        if i < len(SIZES) - 2: h = tf.nn.relu(h)
loss = tf.losses.sparse_softmax_cross_entropy(y, h)
train = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=tf.train.get_or_create_global_step())
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    for _ in range(warm): s.run(train, {x: xs, y: ys})
    print("ready", flush=True)
    for line in sys.stdin:
        t = time.perf_counter()
        for _ in range(steps): s.run(train, {x: xs, y: ys})
        print(json.dumps({"steps_per_s": steps / (time.perf_counter() - t)}), flush=True)
"""


class Tagraph:
    """The benchmark graph in a session of tagraph's, kept between rounds."""

    def __init__(self, steps, warm):
        import tagraph.engine as tg
        rng = np.random.RandomState(0)
        xs = rng.rand(BATCH, SIZES[0]).astype(np.float32)
        ys = rng.randint(0, 10, BATCH).astype(np.int32)
        self.graph = tg.Graph()
        with self.graph.as_default():
            x = tg.placeholder(tg.float32, [None, SIZES[0]])
            y = tg.placeholder(tg.int32, [None])
            h = x
            for i, n in enumerate(SIZES[1:]):
                h = tg.layers.dense(h, n, activation=tg.nn.relu if i < len(SIZES) - 2 else None)
            loss = tg.losses.sparse_softmax_cross_entropy(y, h)
            self.train = tg.train.AdamOptimizer(1e-3).minimize(loss, global_step=tg.train.get_or_create_global_step())
            self.sess = tg.Session()
            self.sess.run(tg.global_variables_initializer())
        self.feed = {x: xs, y: ys}
        self.steps = steps
        for _ in range(warm):
            self.sess.run(self.train, self.feed)

    def round(self):
        t = time.perf_counter()
        for _ in range(self.steps):
            self.sess.run(self.train, self.feed)
        return self.steps / (time.perf_counter() - t)


class TensorFlow(TensorFlowHelper):
    """The same graph in TensorFlow, in a helper process that times a round per line it reads."""

    def __init__(self, python, steps, warm):
        super().__init__(python, _TF_SCRIPT, [steps, warm])

    def round(self):
        return self.ask()["steps_per_s"]



def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=5, help="steps per round")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--pause", type=float, default=0.3, help="seconds of idle before each round")
    p.add_argument("--blas-threads", type=int, default=None, help="OpenBLAS threads for tagraph (default: its own)")
    p.add_argument("--warmup", type=int, default=5)
    args = p.parse_args(argv)
    ours_r, theirs_r = [], []
    tg_bench = Tagraph(args.steps, args.warmup)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    tf_bench = TensorFlow(python, args.steps, args.warmup) if python else None
    for _ in range(args.rounds):
        time.sleep(args.pause)
        ours_r.append(tg_bench.round())
        if tf_bench:
            time.sleep(args.pause)
            theirs_r.append(tf_bench.round())
    if tf_bench:
        tf_bench.close()
    ours = max(ours_r)
    theirs = max(theirs_r) if theirs_r else None
    print("MLP %s, batch %d, Adam, CPU (%d cores), OpenBLAS threads: %s, load average %.1f" % (
        "-".join(map(str, SIZES)), BATCH, os.cpu_count() or 0, os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        os.getloadavg()[0]))
    print("%-12s %12s %12s" % ("", "best steps/s", "median"))
    print("%-12s %12.2f %12.2f" % ("tagraph", ours, float(np.median(ours_r))))
    if theirs is None:
        print("%-12s %12s   (set TAGRAPH_TF_PYTHON to compare)" % ("TensorFlow", "-"))
        return 0
    ratio = ours / theirs
    print("%-12s %12.2f %12.2f" % ("TensorFlow", theirs, float(np.median(theirs_r))))
    print("%-12s %12.2fx  (target >= %.1fx: %s)" % ("ratio", ratio, TARGET_RATIO,
                                                    "met" if ratio >= TARGET_RATIO else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
