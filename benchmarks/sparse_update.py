"""A sparse Adagrad step on a 1,000,000 x 64 float32 embedding touching 1,000 rows, against a dense one.

    python benchmarks/sparse_update.py [--rows 1000000] [--dim 64] [--touched 1000] [--rounds 5]

The sparse step is what ``AdagradOptimizer.apply_gradients`` builds for an IndexedSlices gradient (an
embedding lookup's): TensorFlow 1's summing of repeated rows (Unique, UnsortedSegmentSum) and
ResourceSparseApplyAdagrad on the rows named, fed 1,000 rows of gradient per step. The dense step is the
same optimizer's ResourceApplyAdagrad with a dense gradient of the whole embedding (held in a variable, so
that feeding it costs nothing). Both run in one tagraph session on the CPU, fetching only the train op,
after warm-up steps; each one's best round counts. Target: the sparse step over 100x faster than the dense.

With TAGRAPH_TF_PYTHON set, TensorFlow's sparse step (the same graph in compat.v1 graph mode) is timed too,
in a helper process, for reference.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

TARGET_RATIO = 100.0

_TF_SCRIPT = r"""
import json, sys, time, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
rows, dim, touched, steps, warm = map(int, sys.argv[1:6])
rng = np.random.RandomState(0)
emb = tf.get_variable("emb", [rows, dim], initializer=tf.zeros_initializer(), use_resource=True)
values = tf.placeholder(tf.float32, [None, dim]); indices = tf.placeholder(tf.int32, [None])
train = tf.train.AdagradOptimizer(0.1).apply_gradients([(tf.IndexedSlices(values, indices, [rows, dim]), emb)])
feed = {values: rng.randn(touched, dim).astype(np.float32),
        indices: rng.choice(rows, touched, replace=False).astype(np.int32)}
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    for _ in range(warm): s.run(train, feed)
    print("ready", flush=True)
    for line in sys.stdin:
        t = time.perf_counter()
        for _ in range(steps): s.run(train, feed)
        print(json.dumps({"ms": (time.perf_counter() - t) / steps * 1e3}), flush=True)
"""


class Tagraph:
    """Both steps in one tagraph session, kept between rounds."""

    def __init__(self, rows, dim, touched):
        import tagraph.engine as tg
        rng = np.random.RandomState(0)
        self.graph = tg.Graph()
        with self.graph.as_default():
            emb = tg.get_variable("emb", [rows, dim], initializer=tg.zeros_initializer(), use_resource=True)
            dense_grad = tg.get_variable("dense_grad", [rows, dim], initializer=tg.zeros_initializer(),
                                         trainable=False, use_resource=True)
            values = tg.placeholder(tg.float32, [None, dim])
            indices = tg.placeholder(tg.int32, [None])
            opt = tg.train.AdagradOptimizer(0.1)
            self.sparse = opt.apply_gradients([(tg.IndexedSlices(values, indices, tg.constant([rows, dim])), emb)])
            self.dense = opt.apply_gradients([(dense_grad.value(), emb)])
            self.sess = tg.Session()
            self.sess.run(tg.global_variables_initializer())
        picked = rng.choice(rows, touched, replace=False).astype(np.int32)
        grad_rows = rng.randn(touched, dim).astype(np.float32)
        self.feed = {values: grad_rows, indices: picked}
        full = np.zeros([rows, dim], np.float32)
        full[picked] = grad_rows
        dense_grad.load(full, self.sess)

    def time(self, op, steps, feed=None):
        t = time.perf_counter()
        for _ in range(steps):
            self.sess.run(op, feed)
        return (time.perf_counter() - t) / steps * 1e3


class TensorFlow:
    """TensorFlow's sparse step, in a helper process that times a round per line it reads."""

    def __init__(self, python, rows, dim, touched, steps, warm):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
        self.proc = subprocess.Popen([python, "-c", _TF_SCRIPT] + [str(a) for a in (rows, dim, touched, steps, warm)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError("TensorFlow helper failed to start: %r" % line)

    def round(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["ms"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1000000)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--touched", type=int, default=1000, help="rows of gradient per sparse step")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--sparse-steps", type=int, default=50, help="sparse steps per round")
    p.add_argument("--dense-steps", type=int, default=3, help="dense steps per round")
    p.add_argument("--pause", type=float, default=0.2, help="seconds of idle before each round")
    args = p.parse_args(argv)
    bench = Tagraph(args.rows, args.dim, args.touched)
    for _ in range(3):
        bench.time(bench.sparse, 1, bench.feed)
        bench.time(bench.dense, 1)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    tf_bench = TensorFlow(python, args.rows, args.dim, args.touched, args.sparse_steps, 3) if python else None
    sparse_r, dense_r, theirs_r = [], [], []
    for _ in range(args.rounds):
        time.sleep(args.pause)
        sparse_r.append(bench.time(bench.sparse, args.sparse_steps, bench.feed))
        time.sleep(args.pause)
        dense_r.append(bench.time(bench.dense, args.dense_steps))
        if tf_bench:
            time.sleep(args.pause)
            theirs_r.append(tf_bench.round())
    if tf_bench:
        tf_bench.close()
    sparse, dense = min(sparse_r), min(dense_r)
    ratio = dense / sparse
    print("Adagrad on a %d x %d float32 embedding, %d rows touched per sparse step, CPU (%d cores), load average %.1f"
          % (args.rows, args.dim, args.touched, os.cpu_count() or 0, os.getloadavg()[0]))
    print("%-22s %10s %10s" % ("", "best ms", "median ms"))
    print("%-22s %10.3f %10.3f" % ("sparse step", sparse, float(np.median(sparse_r))))
    print("%-22s %10.3f %10.3f" % ("dense step", dense, float(np.median(dense_r))))
    if theirs_r:
        print("%-22s %10.3f %10.3f" % ("TensorFlow sparse step", min(theirs_r), float(np.median(theirs_r))))
    else:
        print("%-22s %10s   (set TAGRAPH_TF_PYTHON to compare)" % ("TensorFlow sparse step", "-"))
    print("%-22s %10.1fx  (target > %.0fx: %s)" % ("dense / sparse", ratio, TARGET_RATIO,
                                                   "met" if ratio > TARGET_RATIO else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
