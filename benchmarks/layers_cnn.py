"""Training steps per second of a tf.layers CNN on MNIST-sized images, batch 64, on the CPU:
conv2d 32 5x5 (same, ReLU) + max_pooling2d 2x2, conv2d 64 5x5 (same, ReLU) + max_pooling2d 2x2,
dense 1024 (ReLU), dense 10; softmax cross entropy, Adam.

    python benchmarks/layers_cnn.py [--rounds 10] [--steps 3] [--blas-threads N]

With TAGRAPH_TF_PYTHON set, TensorFlow (compat.v1 graph mode, the same model built with
``tf.compat.v1.layers``, which TensorFlow 2.16+ serves from the tf-keras package; without it, the same ops
built from get_variable, conv2d, max_pool and bias_add) is timed in the same run. Target: tagraph at least
1.0x TensorFlow's rate. Both run one fed batch per step, fetching only the train op, after warm-up steps,
in alternating rounds (TensorFlow in a helper process that keeps its session); each one's best round is
compared, so load from other processes skews neither side more than the other.
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
BATCH = 64

_MODEL = r"""
def data():
    rng = np.random.RandomState(0)
    return rng.rand(64, 28, 28, 1).astype(np.float32), rng.randint(0, 10, 64).astype(np.int32)


def cnn(tf, x):
    h = tf.layers.conv2d(x, 32, 5, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 64, 5, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.dense(tf.layers.flatten(h), 1024, activation=tf.nn.relu)
    return tf.layers.dense(h, 10)


def cnn_from_ops(tf, x):
    # The ops tf.layers builds, for a TensorFlow without tf-keras.
    def conv(h, n, name):
        with tf.variable_scope(name):
            k = tf.get_variable("kernel", [5, 5, h.shape[-1], n])
            b = tf.get_variable("bias", [n], initializer=tf.zeros_initializer())
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, k, [1, 1, 1, 1], "SAME"), b))
        return tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")

    def dense(h, n, name, act=None):
        with tf.variable_scope(name):
            k = tf.get_variable("kernel", [h.shape[-1], n])
            b = tf.get_variable("bias", [n], initializer=tf.zeros_initializer())
            h = tf.nn.bias_add(tf.matmul(h, k), b)
        return act(h) if act else h

    h = conv(conv(x, 32, "conv2d"), 64, "conv2d_1")
    h = dense(tf.reshape(h, [-1, 7 * 7 * 64]), 1024, "dense", tf.nn.relu)
    return dense(h, 10, "dense_1")


def train_op(tf, logits, y):
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    return tf.train.AdamOptimizer(1e-4).minimize(loss)
"""

_TF_SCRIPT = r"""
import json, os, sys, time, numpy as np
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
steps, warm = int(sys.argv[1]), int(sys.argv[2])
""" + _MODEL + r"""
try:
    import tf_keras  # noqa: F401
    build, how = cnn, "tf.compat.v1.layers"
except ImportError:
    build, how = cnn_from_ops, "tf.nn ops (no tf-keras)"
xs, ys = data()
x = tf.placeholder(tf.float32, [None, 28, 28, 1]); y = tf.placeholder(tf.int32, [None])
train = train_op(tf, build(tf, x), y)
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    for _ in range(warm): s.run(train, {x: xs, y: ys})
    print("ready " + how, flush=True)
    for line in sys.stdin:
        t = time.perf_counter()
        for _ in range(steps): s.run(train, {x: xs, y: ys})
        print(json.dumps({"steps_per_s": steps / (time.perf_counter() - t)}), flush=True)
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
            x = tg.placeholder(tg.float32, [None, 28, 28, 1])
            y = tg.placeholder(tg.int32, [None])
            self.train = _namespace["train_op"](tg, _namespace["cnn"](tg, x), y)
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
    """The same model in TensorFlow, in a helper process that times a round per line it reads."""

    def __init__(self, python, steps, warm):
        super().__init__(python, _TF_SCRIPT, [steps, warm])
        self.how = self.ready[len("ready "):]

    def round(self):
        return self.ask()["steps_per_s"]



def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=3, help="steps per round")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--pause", type=float, default=0.3, help="seconds of idle before each round")
    p.add_argument("--blas-threads", type=int, default=None, help="OpenBLAS threads for tagraph (default: its own)")
    p.add_argument("--warmup", type=int, default=2)
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
    print("tf.layers CNN (conv 32 5x5, pool, conv 64 5x5, pool, dense 1024, dense 10), batch %d, Adam, CPU "
          "(%d cores), OpenBLAS threads: %s, load average %.1f" % (
              BATCH, os.cpu_count() or 0, os.environ.get("OPENBLAS_NUM_THREADS", "default"), os.getloadavg()[0]))
    if tf_bench:
        print("TensorFlow's model built with %s" % tf_bench.how)
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
