"""MLP inference (784-512-512-10, float32) on every available device: time per batch and GPU/CPU ratio.

    python benchmarks/device_matmul.py [--batch 1024] [--iters 50]

Each device gets the same graph (MatMul -> BiasAdd -> Relu twice, then MatMul -> BiasAdd -> Softmax)
under ``tg.device(<device>)`` and the same weights, held in variables on that device. A timed call is a
whole ``Session.run``: the batch is fed from host memory and the probabilities come back as numpy, so
the time includes one upload and one download on a GPU. Outputs are checked against the CPU's.

On a real GPU (found through CuPy) the target is at least 5x the CPU. Where there is none, the script
says so and runs one simulated GPU (``TAGRAPH_SIMULATED_GPUS``, Numba's CUDA simulator) on a small
batch, for correctness only: its times mean nothing.
"""
import argparse
import os
import sys
import time

import numpy as np

LAYERS = (784, 512, 512, 10)
TARGET_RATIO = 5.0
SIMULATED_BATCH = 8


def make_weights(seed=0):
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        w = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        b = (rng.standard_normal(fan_out) * 0.1).astype(np.float32)
        weights.append((w, b))
    return weights


def build_mlp(tg, weights):
    x = tg.placeholder(tg.float32, [None, LAYERS[0]], name="x")
    h = x
    for i, (w, b) in enumerate(weights):
        with tg.variable_scope("layer%d" % i):
            wv = tg.get_variable("w", initializer=tg.constant(w))
            bv = tg.get_variable("b", initializer=tg.constant(b))
        h = tg.nn.bias_add(tg.matmul(h, wv), bv)
        h = tg.nn.relu(h) if i < len(weights) - 1 else tg.nn.softmax(h)
    return x, h


def time_device(tg, device, weights, batch, iters, warmup=3):
    """(seconds per batch, output of the first batch, run stats) for ``device``."""
    rng = np.random.default_rng(1)
    data = rng.standard_normal((batch, LAYERS[0])).astype(np.float32)
    with tg.Graph().as_default():
        with tg.device(device.name):
            x, y = build_mlp(tg, weights)
            init = tg.global_variables_initializer()
        with tg.Session() as sess:
            sess.run(init)
            out = sess.run(y, {x: data})
            for _ in range(warmup):
                sess.run(y, {x: data})
            times = []
            for _ in range(iters):
                t0 = time.perf_counter()
                sess.run(y, {x: data})
                times.append(time.perf_counter() - t0)
            return float(np.median(times)), out, sess.last_run_stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--iters", type=int, default=50)
    args = parser.parse_args(argv)

    from tagraph.devices.gpu import real_gpu_count
    real = real_gpu_count()
    simulated = False
    if real == 0:
        print("No GPU present (CuPy finds no CUDA device): timing the CPU only, then running a simulated "
              "GPU on a batch of %d for correctness (its times are not meaningful)." % SIMULATED_BATCH)
        # Before anything lists the devices (the list is made once) or imports numba.cuda.
        os.environ.setdefault("TAGRAPH_SIMULATED_GPUS", "1")
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
        simulated = True

    import tagraph.engine as tg
    from tagraph.devices import list_devices

    weights = make_weights()
    devices = list_devices()
    flops = 2 * args.batch * sum(a * b for a, b in zip(LAYERS[:-1], LAYERS[1:]))
    print("MLP %s, float32, batch %d, median of %d runs (feed from host, fetch to host)"
          % ("-".join(map(str, LAYERS)), args.batch, args.iters))
    print("%-48s %8s %12s %12s %10s %10s" % ("device", "batch", "ms/batch", "samples/s", "GFLOP/s",
                                             "transfers"))
    cpu_time, cpu_out = time_device(tg, devices[0], weights, args.batch, args.iters)[:2]
    results = []
    ok = True
    for d in devices:
        if d.device_type == "CPU":
            sec, out, stats = cpu_time, cpu_out, None
            batch = args.batch
        elif d.is_simulated:
            batch = SIMULATED_BATCH
            sec, out, stats = time_device(tg, d, weights, batch, iters=1, warmup=0)
            ref = time_device(tg, devices[0], weights, batch, iters=1, warmup=0)[1]
            good = np.allclose(out, ref, rtol=1e-4, atol=1e-6)
            ok &= good
            print("%-48s %8d %12s %12s %10s %10s  %s" % (
                d.name, batch, "n/a", "n/a", "n/a", "%d up/%d down" % (stats.uploads, stats.downloads),
                "matches the CPU" if good else "DIFFERS FROM THE CPU (max abs diff %.3g)"
                % np.abs(out - ref).max()))
            continue
        else:
            batch = args.batch
            sec, out, stats = time_device(tg, d, weights, batch, args.iters)
            good = np.allclose(out, cpu_out, rtol=1e-3, atol=1e-5)
            ok &= good
            if not good:
                print("  %s: output differs from the CPU's (max abs diff %.3g)" % (d.name,
                                                                                 np.abs(out - cpu_out).max()))
        results.append((d, sec))
        print("%-48s %8d %12.3f %12.0f %10.1f %10s" % (
            d.name, batch, sec * 1e3, batch / sec, flops / sec / 1e9,
            "-" if stats is None else "%d up/%d down" % (stats.uploads, stats.downloads)))
    gpus = [(d, s) for d, s in results if d.device_type == "GPU"]
    for d, sec in gpus:
        ratio = cpu_time / sec
        met = ratio >= TARGET_RATIO
        ok &= met
        print("GPU/CPU speed ratio on %s: %.1fx (target >= %.0fx: %s)"
              % (d.name, ratio, TARGET_RATIO, "met" if met else "NOT met"))
    if simulated:
        print("No real GPU: no GPU/CPU ratio to report.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
