"""Checkpoint save and restore through the Saver, beside the disk's raw sequential speed.

    python benchmarks/checkpoint_io.py                 # 64 float32 variables of 16 MiB: 1 GiB
    python benchmarks/checkpoint_io.py --size-mib 64   # a quick run

Raw write is numpy ``tofile`` of the same 64 arrays into one file, then fsync; raw read is ``np.fromfile``
of it, one array per tensor. The Saver's save streams each tensor to the data file (no copy of the checkpoint is built in
memory) and fsyncs its files as the raw write does; its restore reads each tensor straight into a
fresh array, checksumming each chunk as it arrives (two tensors at a time, on two threads), then the
assign ops store them; the row "RestoreV2 read" times that reading alone, without the assign ops (whose
kernels copy every value they store). Targets: save <= 1.2x the raw write, restore <= 1.3x the raw read. With
TAGRAPH_TF_PYTHON set, TensorFlow's Saver is timed on the same variables in the same folder.
Every measurement is repeated (``--repeat``) interleaved; the median and the best are printed, and the
targets are judged on the best of N (on a shared or virtual disk single runs vary several-fold). Before each write
pending write-back is flushed (sync); before each read the files are read once untimed (page-cache
speed), or with ``--cold`` evicted from the page cache (disk speed), the same for every reader.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

TARGET_SAVE = 1.2
TARGET_RESTORE = 1.3

_TF_SCRIPT = r"""
import json, os, sys, time, numpy as np
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
directory, n, rows, repeat, cold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
rng = np.random.default_rng(1)
values = [rng.random((rows, 1024), dtype=np.float32) for _ in range(n)]
vs = [tf.get_variable("v%02d" % i, [rows, 1024], initializer=tf.zeros_initializer) for i in range(n)]
ph = tf.placeholder(tf.float32, [rows, 1024])
loads = [v.assign(ph) for v in vs]
saver = tf.train.Saver(vs)
def drop(prefix):
    for f in os.listdir(directory):
        if f.startswith(os.path.basename(prefix)):
            fd = os.open(os.path.join(directory, f), os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
def warm(prefix):
    buf = bytearray(1 << 24)
    for f in os.listdir(directory):
        if f.startswith(os.path.basename(prefix) + "."):
            with open(os.path.join(directory, f), "rb", buffering=0) as fh:
                while fh.readinto(buf):
                    pass
out = {"save": [], "restore": []}
with tf.Session() as sess:
    for op, v in zip(loads, values):
        sess.run(op, {ph: v})
    prefix = os.path.join(directory, "tf_model")
    for _ in range(repeat):
        for f in os.listdir(directory):
            if f.startswith("tf_model."):
                os.remove(os.path.join(directory, f))
        os.sync()
        t = time.perf_counter(); saver.save(sess, prefix); out["save"].append(time.perf_counter() - t)
        if cold:
            drop(prefix)
        else:
            warm(prefix)
        t = time.perf_counter(); saver.restore(sess, prefix); out["restore"].append(time.perf_counter() - t)
print(json.dumps(out))
"""


def _drop_cache(paths):
    """Evicts the files' pages from the page cache (no privileges needed), for cold reads."""
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _prepare_read(paths, cold):
    """Cold: evict the files from the page cache. Warm (default): read them once, untimed, so both the
    raw read and the restore are timed from the page cache, whatever the OS kept after the write."""
    if cold:
        _drop_cache(paths)
        return
    buf = bytearray(1 << 24)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def _raw_write(path, arrays):
    t = time.perf_counter()
    with open(path, "wb") as f:
        for a in arrays:
            a.tofile(f)
        f.flush()
        os.fsync(f.fileno())
    return time.perf_counter() - t


def _raw_read(path, n, count):
    # One np.fromfile per tensor, sequentially: the same bytes into arrays of the same sizes as the restore
    # makes (one 1 GiB array would also time the kernel handing the process 1 GiB of fresh memory).
    t = time.perf_counter()
    with open(path, "rb") as f:
        arrays = [np.fromfile(f, dtype=np.float32, count=count) for _ in range(n)]
    elapsed = time.perf_counter() - t
    assert all(a.size == count for a in arrays)
    return elapsed


def _checkpoint_files(directory, name):
    return [os.path.join(directory, f) for f in os.listdir(directory) if f.startswith(name + ".")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="total size of the variables (default 1024)")
    parser.add_argument("--tensors", type=int, default=64, help="number of float32 variables (default 64)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="repetitions; the median and the best are shown (default 5)")
    parser.add_argument("--dir", default=None, help="folder on the disk to measure (default: a temporary one)")
    parser.add_argument("--cold", action="store_true",
                        help="evict the files from the page cache before each read (posix_fadvise)")
    args = parser.parse_args(argv)

    import tagraph.engine as tg
    from tagraph.serialization import Saver
    from tagraph.serialization.bundle import BundleReader

    n = args.tensors
    rows = max(1, args.size_mib * (1 << 20) // (n * 1024 * 4))
    nbytes = n * rows * 1024 * 4
    directory = tempfile.mkdtemp(prefix="tagraph-ckpt-bench-", dir=args.dir)
    print("checkpoint I/O: %d float32 variables of %s = %.0f MiB, in %s, %d repeats%s"
          % (n, "%d x 1024" % rows, nbytes / (1 << 20), directory, args.repeat, ", cold reads" if args.cold else ""))
    sys.stdout.flush()
    try:
        rng = np.random.default_rng(1)
        values = [rng.random((rows, 1024), dtype=np.float32) for _ in range(n)]
        times = {"raw write": [], "raw read": [], "tagraph save": [], "tagraph restore": [],
                 "  RestoreV2 read": []}
        raw_path = os.path.join(directory, "raw.bin")
        with tg.Graph().as_default():
            variables = [tg.get_variable("v%02d" % i, [rows, 1024], initializer=tg.zeros_initializer)
                         for i in range(n)]
            saver = Saver(variables)
            with tg.Session() as sess:
                for v, value in zip(variables, values):
                    v.load(value, sess)
                prefix = os.path.join(directory, "model")
                reader_names = ["v%02d" % i for i in range(n)]

                def raw_round():
                    os.sync()            # no write-back of earlier files competes with the timed write
                    times["raw write"].append(_raw_write(raw_path, values))
                    _prepare_read([raw_path], args.cold)
                    times["raw read"].append(_raw_read(raw_path, n, rows * 1024))
                    os.remove(raw_path)

                def tagraph_round():
                    for f in _checkpoint_files(directory, "model"):
                        os.remove(f)     # the save, like the raw write, makes new files
                    os.sync()
                    t = time.perf_counter()
                    saver.save(sess, prefix)
                    times["tagraph save"].append(time.perf_counter() - t)
                    _prepare_read(_checkpoint_files(directory, "model"), args.cold)
                    for v in variables:            # restore must do the work: clear what is there
                        sess.run(v.initializer)
                    t = time.perf_counter()
                    saver.restore(sess, prefix)
                    times["tagraph restore"].append(time.perf_counter() - t)
                    # RestoreV2's own part: read and checksum-verify (what the assign ops then store).
                    _prepare_read(_checkpoint_files(directory, "model"), args.cold)
                    t = time.perf_counter()
                    with BundleReader(prefix) as reader:
                        restored = reader.read_many(reader_names)
                    times["  RestoreV2 read"].append(time.perf_counter() - t)
                    del restored

                for i in range(args.repeat):   # alternating which goes first
                    for step in ((raw_round, tagraph_round) if i % 2 == 0 else (tagraph_round, raw_round)):
                        step()
                # The values came back.
                for i in (0, n // 2, n - 1):
                    assert np.array_equal(sess.run(variables[i]), values[i]), "restore returned other values"
                values = None  # frees 1 GiB before TensorFlow runs
        tf_python = os.environ.get("TAGRAPH_TF_PYTHON")
        if tf_python:
            proc = subprocess.run([tf_python, "-c", _TF_SCRIPT, directory, str(n), str(rows), str(args.repeat),
                                   "1" if args.cold else "0"], capture_output=True, text=True, timeout=3600)
            if proc.returncode == 0:
                tf_times = json.loads(proc.stdout.strip().splitlines()[-1])
                times["TensorFlow save"] = tf_times["save"]
                times["TensorFlow restore"] = tf_times["restore"]
            else:
                print("TensorFlow run failed:\n" + proc.stderr[-2000:])
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    med = {k: float(np.median(v)) for k, v in times.items()}
    best = {k: float(np.min(v)) for k, v in times.items()}
    print()
    print("%-20s %9s %9s %9s %9s %9s   %s" % ("", "median s", "best s", "GB/s", "x raw", "x raw", "target"))
    print("%-20s %9s %9s %9s %9s %9s   %s" % ("", "", "", "(median)", "(median)", "(best)", "(on best of N)"))
    rows_out = [("raw write", "raw write", None), ("tagraph save", "raw write", TARGET_SAVE),
                ("TensorFlow save", "raw write", None), ("raw read", "raw read", None),
                ("tagraph restore", "raw read", TARGET_RESTORE), ("  RestoreV2 read", "raw read", None),
                ("TensorFlow restore", "raw read", None)]
    verdicts = []
    for name, base, target in rows_out:
        if name not in med:
            continue
        ratio = med[name] / med[base]
        best_ratio = best[name] / best[base]
        note = ""
        if target is not None:
            ok = best_ratio <= target
            verdicts.append(ok)
            note = "<= %.1fx  %s" % (target, "met" if ok else "MISSED")
        print("%-20s %9.3f %9.3f %9.2f %9.2f %9.2f   %s" % (name, med[name], best[name], nbytes / 1e9 / med[name],
                                                         ratio, best_ratio, note))
    if not os.environ.get("TAGRAPH_TF_PYTHON"):
        print("(set TAGRAPH_TF_PYTHON to a Python with TensorFlow to time TensorFlow's Saver too)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
