"""``tf.strings.to_hash_bucket_fast`` (StringToHashBucketFast, farmhash's Fingerprint64) on 1,000,000 strings,
tagraph against TensorFlow, each through ``Session.run`` with the strings fed to a placeholder.

    python benchmarks/string_hash.py [--strings 1000000] [--buckets 1048576] [--rounds 7]

The strings are vocabulary-like tokens of 1 to 28 bytes, one in ten with a non-ASCII UTF-8 character, from a fixed seed;
each round runs the op once on all of them (the feed included, as a program feeding a batch of tokens pays
it) and the best round counts. With TAGRAPH_TF_PYTHON set, TensorFlow runs the same graph in a helper
process on the same strings, and its buckets are compared with tagraph's (a digest of the int64 array).
Target: at least TensorFlow's speed.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np

TARGET_RATIO = 1.0

_MAKE_STRINGS = r"""
def make_strings(n, seed):
    rng = np.random.default_rng(seed)
    ascii_ = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789_-", np.uint8)
    extra = ["\u00e9", "\u00df", "\u4e2d", "\u6587", "\u0436", "\U0001f389"]
    lengths = rng.integers(1, 25, n)
    letters = ascii_[rng.integers(0, len(ascii_), int(lengths.sum()))].tobytes()
    wide = rng.random(n) < 0.1
    picks = rng.integers(0, len(extra), n)
    out = np.empty(n, dtype=object)
    k = 0
    for i in range(n):
        m = int(lengths[i])
        s = letters[k:k + m]
        k += m
        out[i] = (s[:m // 2].decode() + extra[picks[i]] + s[m // 2:].decode()).encode() if wide[i] else s
    return out
"""

_TF_SCRIPT = r"""
import hashlib, json, sys, time, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
""" + _MAKE_STRINGS + r"""
n, seed, buckets, rounds = map(int, sys.argv[1:5])
strings = make_strings(n, seed)
x = tf.placeholder(tf.string, [None])
y = tf.strings.to_hash_bucket_fast(x, buckets)
times = []
with tf.Session() as s:
    for _ in range(2):
        out = s.run(y, {x: strings})
    for _ in range(rounds):
        t = time.perf_counter()
        s.run(y, {x: strings})
        times.append((time.perf_counter() - t) * 1e3)
print(json.dumps({"ms": times, "digest": hashlib.sha256(out.astype(np.int64).tobytes()).hexdigest()}))
"""

exec(_MAKE_STRINGS)  # defines make_strings(n, seed): the same strings here and in TensorFlow's process


def time_tagraph(strings, buckets, rounds):
    import tagraph.engine as tg
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None])
        y = tg.strings.to_hash_bucket_fast(x, buckets)
        for _ in range(2):
            out = sess.run(y, {x: strings})
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            sess.run(y, {x: strings})
            times.append((time.perf_counter() - t) * 1e3)
    return times, hashlib.sha256(out.astype(np.int64).tobytes()).hexdigest()


def time_tensorflow(python, n, seed, buckets, rounds):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([python, "-c", _TF_SCRIPT, str(n), str(seed), str(buckets), str(rounds)],
                          capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError("TensorFlow helper failed:\n" + proc.stderr[-2000:])
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    return got["ms"], got["digest"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--strings", type=int, default=1000000)
    p.add_argument("--buckets", type=int, default=2 ** 20)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    strings = make_strings(args.strings, args.seed)
    ours, our_digest = time_tagraph(strings, args.buckets, args.rounds)
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    theirs, their_digest = time_tensorflow(python, args.strings, args.seed, args.buckets, args.rounds) \
        if python else (None, None)
    non_ascii = sum(1 for s in strings[:10000] if max(s) >= 0x80) / min(len(strings), 10000)
    print("to_hash_bucket_fast on %d strings (1 to 28 bytes, %.0f%% non-ASCII), num_buckets %d, CPU (%d cores), "
          "load average %.1f" % (args.strings, 100 * non_ascii, args.buckets, os.cpu_count() or 0,
                                 os.getloadavg()[0]))
    print("%-12s %10s %10s" % ("", "best ms", "median ms"))
    print("%-12s %10.1f %10.1f" % ("tagraph", min(ours), float(np.median(ours))))
    if theirs is None:
        print("%-12s %10s   (set TAGRAPH_TF_PYTHON to compare)" % ("TensorFlow", "-"))
        return 0
    print("%-12s %10.1f %10.1f" % ("TensorFlow", min(theirs), float(np.median(theirs))))
    same = our_digest == their_digest
    print("buckets equal TensorFlow's: %s" % ("yes" if same else "NO"))
    ratio = min(theirs) / min(ours)
    met = ratio >= TARGET_RATIO and same
    print("ratio %.2fx TensorFlow's speed (target >= %.1fx: %s)" % (ratio, TARGET_RATIO, "met" if met else "NOT met"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
