"""Milliseconds per tf.image.resize_bilinear of a 64x224x224x3 float32 batch, to 299x299 and to 112x112, on
the CPU, tagraph against TensorFlow.

    python benchmarks/image_resize.py [--rounds 5] [--runs 3] [--batch 64]

With TAGRAPH_TF_PYTHON set, TensorFlow (compat.v1 graph mode, the same graph: a placeholder fed the batch,
ResizeBilinear with TensorFlow 1's default legacy pixel centres, the result fetched) is timed in the same
run. Target: tagraph at least 1.0x TensorFlow's speed for each size. Both run after a warm-up, in
alternating rounds (TensorFlow in a helper process that keeps its session); each one's best round is
compared, so load from other processes skews neither side more than the other. The results are checked to be
equal, bit for bit, before anything is timed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

TARGET_RATIO = 1.0
SIZES = {"299": (299, 299), "112": (112, 112)}

_TF_SCRIPT = r"""
import json, sys, time, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
batch, runs, warm = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
images = np.random.RandomState(0).rand(batch, 224, 224, 3).astype(np.float32)
x = tf.placeholder(tf.float32, [None, 224, 224, 3])
outs = {"299": tf.image.resize_bilinear(x, [299, 299]), "112": tf.image.resize_bilinear(x, [112, 112])}
with tf.Session() as s:
    for y in outs.values():
        for _ in range(warm): s.run(y, {x: images})
    print("ready " + json.dumps({k: float(np.asarray(s.run(y, {x: images}), np.float64).sum())
                                 for k, y in outs.items()}), flush=True)
    for line in sys.stdin:
        y = outs[line.strip()]
        t = time.perf_counter()
        for _ in range(runs): s.run(y, {x: images})
        print(json.dumps({"ms": (time.perf_counter() - t) / runs * 1e3}), flush=True)
"""


class Tagraph:
    """The benchmark graph in a session of tagraph's, kept between rounds."""

    def __init__(self, batch, runs, warm):
        import tagraph.engine as tg
        self.images = np.random.RandomState(0).rand(batch, 224, 224, 3).astype(np.float32)
        self.graph = tg.Graph()
        with self.graph.as_default():
            self.x = tg.placeholder(tg.float32, [None, 224, 224, 3])
            self.outs = {k: tg.image.resize_bilinear(self.x, list(v)) for k, v in SIZES.items()}
            self.sess = tg.Session()
        self.runs = runs
        for y in self.outs.values():
            for _ in range(warm):
                self.sess.run(y, {self.x: self.images})

    def checksums(self):
        return {k: float(np.asarray(self.sess.run(y, {self.x: self.images}), np.float64).sum())
                for k, y in self.outs.items()}

    def round(self, size):
        y, feed = self.outs[size], {self.x: self.images}
        t = time.perf_counter()
        for _ in range(self.runs):
            self.sess.run(y, feed)
        return (time.perf_counter() - t) / self.runs * 1e3


class TensorFlow:
    """The same graph in TensorFlow, in a helper process that times a round per line it reads."""

    def __init__(self, python, batch, runs, warm):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
        self.proc = subprocess.Popen([python, "-c", _TF_SCRIPT, str(batch), str(runs), str(warm)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("TensorFlow helper failed to start: %r" % line)
        self.checksums = json.loads(line[len("ready "):])

    def round(self, size):
        self.proc.stdin.write(size + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["ms"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--runs", type=int, default=3, help="resizes per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--pause", type=float, default=0.3, help="seconds of idle before each round")
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args(argv)
    ours = Tagraph(args.batch, args.runs, args.warmup)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    theirs = TensorFlow(python, args.batch, args.runs, args.warmup) if python else None
    if theirs and theirs.checksums != ours.checksums():
        raise SystemExit("tagraph's resized images differ from TensorFlow's: %s vs %s"
                         % (ours.checksums(), theirs.checksums))
    times = {k: ([], []) for k in SIZES}
    for _ in range(args.rounds):
        for size, (mine, tfs) in times.items():
            time.sleep(args.pause)
            mine.append(ours.round(size))
            if theirs:
                time.sleep(args.pause)
                tfs.append(theirs.round(size))
    if theirs:
        theirs.close()
    print("tf.image.resize_bilinear, %dx224x224x3 float32 (legacy pixel centres), fed and fetched, CPU (%d cores), "
          "load average %.1f" % (args.batch, os.cpu_count() or 0, os.getloadavg()[0]))
    if theirs:
        sums = ", ".join("%s: %.6g" % kv for kv in ours.checksums().items())
        print("results equal TensorFlow's (checksums %s)" % sums)
    print("%-14s %12s %12s %12s %12s" % ("to", "tagraph ms", "median", "TF ms", "ratio"))
    for size, (mine, tfs) in times.items():
        best = min(mine)
        if not tfs:
            print("%-14s %12.1f %12.1f %12s %12s   (set TAGRAPH_TF_PYTHON to compare)"
                  % (size + "x" + size, best, float(np.median(mine)), "-", "-"))
            continue
        ratio = min(tfs) / best
        print("%-14s %12.1f %12.1f %12.1f %11.2fx  (target >= %.1fx: %s)"
              % (size + "x" + size, best, float(np.median(mine)), min(tfs), ratio, TARGET_RATIO,
                 "met" if ratio >= TARGET_RATIO else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
