"""Everyday ops against TensorFlow in the same run: einsum, gather_nd, sort and top_k, and initializing a
10M-parameter model from seeds.

    python benchmarks/everyday_ops.py [--rounds 5] [--only einsum_bmm,sort]

Each case is one graph, built by the same code for both (``tagraph.compat.v1`` here, ``tensorflow.compat.v1``
in a helper process under TAGRAPH_TF_PYTHON), with its big inputs held in variables so that a run times the
op and the fetch of its result, not a feed:

- einsum_bmm: ``einsum('bij,bjk->bik')``, 64 x 128 x 128 by 64 x 128 x 128 float32;
- einsum_attention: ``einsum('bhqd,bhkd->bhqk')``, 8 x 8 x 256 x 64 queries by keys (attention scores);
- gather_nd_rows / gather_nd_elements: 100,000 index tuples into 1,000,000 x 64 float32 params (of depth 1:
  rows, of depth 2: elements);
- sort: ``tf.sort`` of 1,000,000 float32; top_k: ``tf.nn.top_k`` k=100 of 1,000,000 float32, and of a
  256 x 4,096 batch (k=10);
- init_10m: ``global_variables_initializer()`` of 4 dense layers (glorot_uniform kernels, zero biases) and
  an embedding and two more variables from truncated_normal, 10.0M parameters, graph seed set.

Rounds alternate between tagraph and TensorFlow, so both see the same machine; each one's best round counts.
Target: tagraph at least as fast as TensorFlow (speed ratio >= 1.0x) in every case.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tf_helper import TensorFlowHelper  # noqa: E402  (beside this script)

TARGET = 1.0

# Builds every case with the namespace ``tf``: {name: (fetch, runs per round)}. Run as is by both sides.
BUILD = r"""
import numpy as np


def _var(tf, name, value):
    init = tf.placeholder(tf.as_dtype(value.dtype), value.shape)
    v = tf.Variable(init, name=name, trainable=False)
    return v, {init: value}


def build(tf):
    rng = np.random.RandomState(0)
    cases, feeds = {}, {}

    def hold(name, value):
        v, feed = _var(tf, name, value)
        feeds.update(feed)
        return v

    a = hold("bmm_a", rng.randn(64, 128, 128).astype(np.float32))
    b = hold("bmm_b", rng.randn(64, 128, 128).astype(np.float32))
    cases["einsum_bmm"] = (tf.einsum("bij,bjk->bik", a, b), 20)
    q = hold("q", rng.randn(8, 8, 256, 64).astype(np.float32))
    k = hold("k", rng.randn(8, 8, 256, 64).astype(np.float32))
    cases["einsum_attention"] = (tf.einsum("bhqd,bhkd->bhqk", q, k), 20)
    params = hold("params", rng.randn(1000000, 64).astype(np.float32))
    rows = hold("rows", rng.randint(0, 1000000, size=(100000, 1)).astype(np.int32))
    cells = hold("cells", np.stack([rng.randint(0, 1000000, 100000), rng.randint(0, 64, 100000)], 1)
                 .astype(np.int32))
    cases["gather_nd_rows"] = (tf.gather_nd(params, rows), 20)
    cases["gather_nd_elements"] = (tf.gather_nd(params, cells), 20)
    flat = hold("flat", rng.randn(1000000).astype(np.float32))
    batch = hold("batch", rng.randn(256, 4096).astype(np.float32))
    cases["sort"] = (tf.sort(flat), 5)
    cases["top_k"] = (tf.nn.top_k(flat, k=100).values, 10)
    cases["top_k_batch"] = (tf.nn.top_k(batch, k=10).values, 20)
    return cases, feeds


def build_init(tf):
    tf.set_random_seed(1234)
    sizes = [(1024, 2048), (2048, 2048), (2048, 1024), (1024, 512)]
    params = 0
    with tf.variable_scope("model"):
        for i, (n_in, n_out) in enumerate(sizes):
            tf.get_variable("dense_%d/kernel" % i, [n_in, n_out], initializer=tf.glorot_uniform_initializer())
            tf.get_variable("dense_%d/bias" % i, [n_out], initializer=tf.zeros_initializer())
            params += n_in * n_out + n_out
        for name, shape in (("embedding", [10000, 100]), ("proj", [100, 512]), ("extra", [61, 1024])):
            tf.get_variable(name, shape, initializer=tf.truncated_normal_initializer(stddev=0.02))
            params += int(np.prod(shape))
    return tf.global_variables_initializer(), params
"""

_TF_SCRIPT = r"""
import json, sys, time
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
namespace = {}
exec(sys.argv[1], namespace)
graph = tf.Graph()
with graph.as_default():
    cases, feeds = namespace["build"](tf)
    sess = tf.Session(graph=graph)
    sess.run(tf.global_variables_initializer(), feeds)
init_graph = tf.Graph()
with init_graph.as_default():
    init_op, _ = namespace["build_init"](tf)
    init_sess = tf.Session(graph=init_graph)
for name, (fetch, runs) in cases.items():
    sess.run(fetch)
init_sess.run(init_op)
print("ready", flush=True)
for line in sys.stdin:
    name, runs = line.split()
    s, op = (init_sess, init_op) if name == "init_10m" else (sess, cases[name][0])
    t = time.perf_counter()
    for _ in range(int(runs)):
        s.run(op)
    print(json.dumps({"ms": (time.perf_counter() - t) / int(runs) * 1e3}), flush=True)
"""

INIT_RUNS = 3


class Tagraph:
    def __init__(self):
        import tagraph.compat.v1 as tf
        namespace = {}
        exec(BUILD, namespace)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.cases, feeds = namespace["build"](tf)
            self.sess = tf.Session(graph=self.graph)
            self.sess.run(tf.global_variables_initializer(), feeds)
        self.init_graph = tf.Graph()
        with self.init_graph.as_default():
            self.init_op, self.params = namespace["build_init"](tf)
            self.init_sess = tf.Session(graph=self.init_graph)

    def runs(self, name):
        return INIT_RUNS if name == "init_10m" else self.cases[name][1]

    def time(self, name):
        s, op = (self.init_sess, self.init_op) if name == "init_10m" else (self.sess, self.cases[name][0])
        runs = self.runs(name)
        t = time.perf_counter()
        for _ in range(runs):
            s.run(op)
        return (time.perf_counter() - t) / runs * 1e3


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", default="", help="comma-separated case names")
    p.add_argument("--pause", type=float, default=0.1, help="seconds of idle before each round")
    args = p.parse_args(argv)
    ours = Tagraph()
    names = list(ours.cases) + ["init_10m"]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    for n in names:
        ours.time(n)   # warm: plans compiled, kernels jitted
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    theirs = TensorFlowHelper(python, _TF_SCRIPT, [BUILD]) if python else None
    best_ours, best_theirs = {}, {}
    for _ in range(args.rounds):
        for n in names:
            time.sleep(args.pause)
            best_ours[n] = min(best_ours.get(n, float("inf")), ours.time(n))
            if theirs:
                time.sleep(args.pause)
                ms = theirs.ask("%s %d" % (n, ours.runs(n)))["ms"]
                best_theirs[n] = min(best_theirs.get(n, float("inf")), ms)
    if theirs:
        theirs.close()
    print("everyday ops, CPU (%d cores), load average %.1f, best of %d rounds; init_10m: %.1fM parameters"
          % (os.cpu_count() or 0, os.getloadavg()[0], args.rounds, ours.params / 1e6))
    print("%-20s %12s %14s %8s" % ("case", "tagraph ms", "TensorFlow ms", "speed"))
    missed = False
    for n in names:
        if n in best_theirs:
            ratio = best_theirs[n] / best_ours[n]
            ok = ratio >= TARGET
            missed |= not ok
            print("%-20s %12.3f %14.3f %7.2fx  (target >= %.1fx: %s)" % (n, best_ours[n], best_theirs[n], ratio,
                                                                         TARGET, "met" if ok else "NOT met"))
        else:
            print("%-20s %12.3f %14s %8s  (set TAGRAPH_TF_PYTHON to compare)" % (n, best_ours[n], "-", "-"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
