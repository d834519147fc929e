"""tagraph.distribute across local MPI processes: all-reduce bandwidth, and weak-scaling training throughput.

    python benchmarks/distribute_allreduce.py [--size-mib 64] [--ranks 2,4] [--runs 10] [--steps 20] [--batch 128]
                                              [--repeat 2]

1. All-reduce of a ``--size-mib`` float32 tensor (64 MiB) across 2 and 4 local ranks: tagraph's graph op
   (``hvd.allreduce``, op Sum: CollectiveReduceV2 run by Session.run on a fed array) against mpi4py's own
   ``Allreduce`` on numpy arrays into a preallocated buffer. Each side's median of ``--runs`` calls, the two
   alternating, after a barrier each. Bandwidth is the algorithm bandwidth: the tensor's bytes / time.
   Target: tagraph within 10% of mpi4py (>= 0.90x its bandwidth).
2. Weak scaling: an MLP 784-512-512-10 (ReLU, softmax cross entropy, SGD through DistributedOptimizer),
   batch 128 per rank (``--batch``), trained by 1, 2 and 4 ranks with one BLAS thread each (intra_op_parallelism_threads=1);
   per-rank samples per second, best of 3 rounds of ``--steps`` steps in each of ``--repeat`` jobs. Target: 2 ranks keep >= 85% of one
   rank's per-rank throughput (on 2 or more cores; with more ranks than cores there is no target).

Runs ``mpiexec`` (the mpich wheel's, beside this Python) on itself with ``--worker``; rank 0 prints the
figures. The machine's cores and load average are printed with them.
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np  # noqa: E402

BANDWIDTH_TARGET = 0.90
SCALING_TARGET = 0.85
SIZES = (784, 512, 512, 10)


def _mpiexec():
    beside = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# --- the workers (run under mpiexec) -------------------------------------------------------------------

def worker_bandwidth(size_mib, runs):
    from mpi4py import MPI
    import tagraph.distribute as hvd
    import tagraph.engine as tg
    hvd.init()
    comm = MPI.COMM_WORLD
    n = size_mib * (1 << 20) // 4
    a = np.full(n, hvd.rank() + 1.0, np.float32)
    recv = np.empty_like(a)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [n])
        y = hvd.allreduce(x, op=hvd.Sum)
        with tg.Session() as sess:
            ours, theirs = [], []
            for i in range(runs + 2):            # two warm-up rounds
                comm.Barrier()
                t = time.perf_counter()
                out = sess.run(y, {x: a})
                t_ours = time.perf_counter() - t
                comm.Barrier()
                t = time.perf_counter()
                comm.Allreduce(a, recv, op=MPI.SUM)
                t_theirs = time.perf_counter() - t
                if i >= 2:
                    ours.append(t_ours)
                    theirs.append(t_theirs)
            want = hvd.size() * (hvd.size() + 1) / 2.0
            assert out[0] == want and out[-1] == want and recv[0] == want, (out[0], recv[0], want)
    # A collective takes as long as its slowest member: each side's time is the maximum over ranks.
    ours, theirs = np.array(ours), np.array(theirs)
    comm.Allreduce(MPI.IN_PLACE, ours, op=MPI.MAX)
    comm.Allreduce(MPI.IN_PLACE, theirs, op=MPI.MAX)
    if hvd.rank() == 0:
        print("RESULT " + json.dumps({"ranks": hvd.size(), "ours_s": float(np.median(ours)),
                                      "theirs_s": float(np.median(theirs)), "bytes": n * 4}), flush=True)


def worker_training(steps, batch, rounds=3):
    from mpi4py import MPI
    import tagraph.distribute as hvd
    import tagraph.engine as tg
    hvd.init()
    rng = np.random.RandomState(hvd.rank())
    xs = rng.rand(batch, SIZES[0]).astype(np.float32)
    ys = rng.randint(0, SIZES[-1], batch).astype(np.int32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, SIZES[0]])
        y = tg.placeholder(tg.int32, [None])
        h = x
        for i, units in enumerate(SIZES[1:]):
            k = tg.get_variable("kernel%d" % i, [h.shape[-1], units])
            b = tg.get_variable("bias%d" % i, [units], initializer=tg.zeros_initializer())
            h = tg.nn.bias_add(tg.matmul(h, k), b)
            if i < len(SIZES) - 2:
                h = tg.nn.relu(h)
        loss = tg.losses.sparse_softmax_cross_entropy(y, h)
        train = hvd.DistributedOptimizer(tg.train.GradientDescentOptimizer(0.01)).minimize(loss)
        bcast = hvd.broadcast_global_variables(0)
        with tg.Session(config=tg.ConfigProto(intra_op_parallelism_threads=1)) as sess:    # one BLAS thread
            sess.run(tg.global_variables_initializer())
            sess.run(bcast)
            for _ in range(3):
                sess.run(train, {x: xs, y: ys})
            best = 0.0
            for _ in range(rounds):
                MPI.COMM_WORLD.Barrier()
                t = time.perf_counter()
                for _ in range(steps):
                    sess.run(train, {x: xs, y: ys})
                elapsed = MPI.COMM_WORLD.allreduce(time.perf_counter() - t, op=MPI.MAX)
                best = max(best, steps * batch / elapsed)
    if hvd.rank() == 0:
        print("RESULT " + json.dumps({"ranks": hvd.size(), "per_rank_samples_s": best}), flush=True)


# --- the driver -----------------------------------------------------------------------------------------

def _job(n, args, timeout=600):
    cmd = [_mpiexec(), "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker"] + args
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    results = [json.loads(line[7:]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not results:
        sys.exit("mpiexec -n %d failed (exit %d):\n%s\n%s" % (n, proc.returncode, proc.stdout[-2000:],
                                                              proc.stderr[-3000:]))
    return results[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=64, help="all-reduced tensor size (default 64)")
    parser.add_argument("--ranks", default="2,4", help="rank counts for the all-reduce (default 2,4)")
    parser.add_argument("--runs", type=int, default=10, help="all-reduce calls timed per side (default 10)")
    parser.add_argument("--steps", type=int, default=20, help="training steps per round (default 20)")
    parser.add_argument("--batch", type=int, default=128, help="training batch per rank (default 128)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="times each training configuration runs, alternating; the best counts (default 2)")
    parser.add_argument("--worker", choices=["bandwidth", "training"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "bandwidth":
        return worker_bandwidth(args.size_mib, args.runs)
    if args.worker == "training":
        return worker_training(args.steps, args.batch)
    if _mpiexec() is None:
        sys.exit("no mpiexec: pip install 'tagraph[mpi]' (mpi4py and the mpich wheel)")
    cores = _cores()
    print("%d cores, load average %.1f at the start" % (cores, os.getloadavg()[0]))
    missed = False
    print("\nall-reduce of %d MiB float32 (Sum), median of %d calls, each side's slowest rank"
          % (args.size_mib, args.runs))
    print("%-6s %14s %14s %12s %12s" % ("ranks", "tagraph ms", "mpi4py ms", "tagraph GB/s", "mpi4py GB/s"))
    bandwidth = []
    for n in [int(r) for r in args.ranks.split(",")]:
        r = _job(n, ["bandwidth", "--size-mib", str(args.size_mib), "--runs", str(args.runs)])
        ours, theirs = r["bytes"] / r["ours_s"] / 1e9, r["bytes"] / r["theirs_s"] / 1e9
        print("%-6d %14.2f %14.2f %12.2f %12.2f" % (n, r["ours_s"] * 1e3, r["theirs_s"] * 1e3, ours, theirs))
        bandwidth.append((n, ours, theirs))
    for n, ours, theirs in bandwidth:
        ok = ours / theirs >= BANDWIDTH_TARGET
        missed |= not ok
        print("allreduce %d MiB, %d ranks: %.2fx mpi4py's bandwidth (%.2f GB/s) (target >= %.2fx: %s)"
              % (args.size_mib, n, ours / theirs, ours, BANDWIDTH_TARGET, "met" if ok else "NOT met"))
    print("\nweak scaling: MLP %s, batch %d per rank, SGD through DistributedOptimizer, 1 BLAS thread per rank, "
          "%d cores" % ("-".join(map(str, SIZES)), args.batch, cores))
    print("%-6s %20s %12s" % ("ranks", "per-rank samples/s", "efficiency"))
    best = {}
    for _ in range(args.repeat):       # the configurations alternate, so that a burst of load hits each alike
        for n in (1, 2, 4):
            r = _job(n, ["training", "--steps", str(args.steps), "--batch", str(args.batch)])
            best[n] = max(best.get(n, 0.0), r["per_rank_samples_s"])
    scaling = []
    for n in (1, 2, 4):
        scaling.append((n, best[n] / best[1]))
        print("%-6d %20.1f %12.2f" % (n, best[n], best[n] / best[1]))
    for n, eff in scaling[1:]:
        if n <= cores and n == 2:
            ok = eff >= SCALING_TARGET
            missed |= not ok
            print("weak scaling %d ranks: %.0f%% of 1 rank's per-rank throughput on %d cores (target >= %.0f%%: %s)"
                  % (n, eff * 100, cores, SCALING_TARGET * 100, "met" if ok else "NOT met"))
        else:
            print("weak scaling %d ranks: %.0f%% of 1 rank's per-rank throughput on %d cores (no target)"
                  % (n, eff * 100, cores))
    print("\nload average %.1f at the end" % os.getloadavg()[0])
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
