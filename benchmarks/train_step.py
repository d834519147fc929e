"""Training steps per second: an MLP 784-512-512-10 (ReLU), batch 256, softmax cross entropy, Adam, on the CPU.

    python benchmarks/train_step.py [--steps 60]

With TAGRAPH_TF_PYTHON set, TensorFlow (compat.v1 graph mode, the same graph built from get_variable,
matmul and bias_add) is timed in the same run. Target: tagraph at least 0.9x TensorFlow's rate.
Both run one fed batch per step, fetching only the train op, after warm-up steps.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

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
    t = time.perf_counter()
    for _ in range(steps): s.run(train, {x: xs, y: ys})
    dt = time.perf_counter() - t
print(json.dumps({"steps_per_s": steps / dt}))
"""


def measure_tagraph(steps, warm):
    import tagraph.engine as tg
    rng = np.random.RandomState(0)
    xs = rng.rand(BATCH, SIZES[0]).astype(np.float32)
    ys = rng.randint(0, 10, BATCH).astype(np.int32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, SIZES[0]])
        y = tg.placeholder(tg.int32, [None])
        h = x
        for i, n in enumerate(SIZES[1:]):
            h = tg.layers.dense(h, n, activation=tg.nn.relu if i < len(SIZES) - 2 else None)
        loss = tg.losses.sparse_softmax_cross_entropy(y, h)
        train = tg.train.AdamOptimizer(1e-3).minimize(loss, global_step=tg.train.get_or_create_global_step())
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            feed = {x: xs, y: ys}
            for _ in range(warm):
                sess.run(train, feed)
            t = time.perf_counter()
            for _ in range(steps):
                sess.run(train, feed)
            dt = time.perf_counter() - t
    return steps / dt


def measure_tensorflow(steps, warm):
    py = os.environ.get("TAGRAPH_TF_PYTHON")
    if not py:
        return None
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    out = subprocess.run([py, "-c", _TF_SCRIPT, str(steps), str(warm)], capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])["steps_per_s"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=5)
    args = p.parse_args(argv)
    ours = measure_tagraph(args.steps, args.warmup)
    theirs = measure_tensorflow(args.steps, args.warmup)
    print("MLP %s, batch %d, Adam, CPU (%d cores)" % ("-".join(map(str, SIZES)), BATCH, os.cpu_count() or 0))
    print("%-12s %12s" % ("", "steps/s"))
    print("%-12s %12.2f" % ("tagraph", ours))
    if theirs is None:
        print("%-12s %12s   (set TAGRAPH_TF_PYTHON to compare)" % ("TensorFlow", "-"))
        return 0
    ratio = ours / theirs
    print("%-12s %12.2f" % ("TensorFlow", theirs))
    print("%-12s %12.2fx  (target >= %.1fx: %s)" % ("ratio", ratio, TARGET_RATIO,
                                                    "met" if ratio >= TARGET_RATIO else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
