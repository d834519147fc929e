"""What only hardware shows: CuPy arrays in a session's state, memory pools emptied on close, each GPU's
ops running on that GPU, the fused step and an MLP on CuPy matching the CPU."""
import gc

import numpy as np
import pytest

import tagraph.engine as tg

GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


def test_variables_are_cupy_arrays_and_fetches_are_numpy(real_gpus):
    real_gpus(1)
    import cupy
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            v = tg.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="v")
            y = tg.matmul(v, v, transpose_b=True)
        with tg.Session() as sess:
            sess.run(v.initializer)
            (value,) = sess._state.variables.values()
            assert isinstance(value, cupy.ndarray) and value.device.id == 0
            out = sess.run(y)
            assert type(out) is np.ndarray
            a = np.arange(6, dtype=np.float32).reshape(2, 3)
            np.testing.assert_allclose(out, a @ a.T, rtol=1e-6)
            assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (0, 1)


def test_closing_the_session_returns_the_memory_pool(real_gpus):
    real_gpus(1)
    import cupy
    pool = cupy.get_default_memory_pool()
    pool.free_all_blocks()
    before = pool.total_bytes()
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            v = tg.Variable(tg.zeros([64, 1024, 1024]), name="big")     # 256 MiB of float32
            y = tg.reduce_sum(v * 2.0)
        sess = tg.Session()
        sess.run(v.initializer)
        assert sess.run(y) == 0.0
        assert pool.total_bytes() >= before + 256 * 2 ** 20
        sess.close()
    gc.collect()
    assert pool.total_bytes() <= before + 2 ** 20


def test_each_gpu_runs_its_own_ops(real_gpus):
    real_gpus(2)
    import cupy
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((16, 8)).astype(np.float32)
    w1 = rng.standard_normal((8, 4)).astype(np.float32)
    xs = rng.standard_normal((5, 16)).astype(np.float32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 16])
        with tg.device("/gpu:0"):
            v0 = tg.Variable(w0, name="w0")
            h = tg.nn.relu(tg.matmul(x, v0))
        with tg.device("/gpu:1"):
            v1 = tg.Variable(w1, name="w1")
            y = tg.matmul(h, v1)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            devices = sorted(v.device.id for v in sess._state.variables.values()
                             if isinstance(v, cupy.ndarray))
            assert devices == [0, 1]
            out = sess.run(y, {x: xs})
            np.testing.assert_allclose(out, np.maximum(xs @ w0, 0) @ w1, rtol=1e-4, atol=1e-5)
            assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (2, 2)


@pytest.mark.parametrize("act", ["relu", "relu6", "sigmoid", "tanh"])
def test_fused_bias_activation_on_cupy_matches_the_cpu(real_gpus, act):
    real_gpus(1)
    fn = {"relu": tg.nn.relu, "relu6": tg.nn.relu6, "sigmoid": tg.sigmoid, "tanh": tg.tanh}[act]
    rng = np.random.default_rng(5)
    xs = (rng.standard_normal((64, 7, 33)) * 4).astype(np.float32)
    bs = rng.standard_normal(33).astype(np.float32)
    results = {}
    for dev in ("/cpu:0", "/gpu:0"):
        with tg.Graph().as_default():
            x = tg.placeholder(tg.float32, [None, 7, 33])
            with tg.device(dev):
                y = fn(tg.nn.bias_add(x * 1.0, tg.constant(bs)))
            with tg.Session() as sess:
                results[dev] = sess.run(y, {x: xs})
                assert sess.last_run_stats.fused == (1 if dev == "/gpu:0" else 0)
    np.testing.assert_allclose(results["/gpu:0"], results["/cpu:0"], rtol=1e-5, atol=1e-6)


def test_mlp_inference_matches_the_cpu(real_gpus):
    real_gpus(1)
    import benchmarks_device_matmul as bench
    import tagraph.devices as devices
    cpu, gpu = devices.get_device("/cpu:0"), devices.get_device("/gpu:0")
    weights = bench.make_weights()
    _, on_cpu, _ = bench.time_device(tg, cpu, weights, batch=256, iters=1, warmup=0)
    _, on_gpu, stats = bench.time_device(tg, gpu, weights, batch=256, iters=1, warmup=0)
    np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-3, atol=1e-5)
    assert (stats.uploads, stats.downloads) == (1, 1) and stats.fused == 2


@pytest.fixture(autouse=True)
def _benchmark_module(monkeypatch):
    import importlib.util
    import pathlib
    import sys
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "device_matmul.py"
    spec = importlib.util.spec_from_file_location("benchmarks_device_matmul", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "benchmarks_device_matmul", module)
