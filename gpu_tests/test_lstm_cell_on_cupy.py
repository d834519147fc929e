"""The fused LSTM cell kernel on a real GPU (skipped where there is none): against numpy, and in dynamic_rnn
and static_rnn plans against the unfused GPU ops, the CPU and TensorFlow's recorded values.

Run in its own process (``pytest gpu_tests``): numba.cuda cannot serve real hardware in a process that has
already loaded Numba's CUDA simulator for tests/.
"""
import importlib.util
import pathlib

import numpy as np
import pytest

from tagraph.devices.gpu import real_gpu_count

if real_gpu_count() == 0:
    pytest.skip("no CUDA GPU: cupy not importable or no device", allow_module_level=True)

import tagraph.engine as tg  # noqa: E402
from tagraph.devices import gpu_lstm_cell  # noqa: E402
from tagraph.devices.gpu import GPUBackend  # noqa: E402
from tagraph.protos import config_pb2  # noqa: E402

RNN_DATA = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "rnn"
BATCH, TIME, DEPTH, UNITS = 16, 7, 12, 32


@pytest.fixture(scope="module")
def gpu():
    return GPUBackend(0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference(gates, c_prev, forget_bias, bias, order):
    if bias is not None:
        gates = gates + bias
    blocks = np.split(gates, 4, axis=1)
    i, j, f, o = (blocks[k] for k in order)
    if forget_bias is not None:
        f = f + forget_bias
    with np.errstate(over="ignore"):
        c = c_prev * sigmoid(f) + sigmoid(i) * np.tanh(j)
        return c, np.tanh(c) * sigmoid(o)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("with_forget_bias", [False, True])
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 2, 1, 3)])
def test_kernel_matches_numpy(gpu, dtype, with_bias, with_forget_bias, order):
    rng = np.random.default_rng(0)
    gates = (rng.standard_normal((300, 4 * 70)) * 4).astype(dtype)      # more threads than one block
    gates[0, :3] = [500, -500, np.inf]
    c_prev = rng.standard_normal((300, 70)).astype(dtype)
    bias = rng.uniform(-1, 1, 4 * 70).astype(dtype) if with_bias else None
    fb = np.asarray([1.0], dtype) if with_forget_bias else None
    args = [None if a is None else gpu.upload(a) for a in (gates, c_prev, fb, bias)]
    c, h = gpu_lstm_cell.lstm_cell(gpu, *args, order=order)
    assert gpu.is_device_array(c) and gpu.is_device_array(h)
    want_c, want_h = reference(gates, c_prev, fb, bias, order)
    # The CUDA compiler may contract c_prev * sf + si * tj into a fused multiply-add: an ulp or so on c.
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gpu.download(c), want_c, **tol)
    np.testing.assert_allclose(gpu.download(h), want_h, **tol)


def config(fuse):
    c = tg.ConfigProto(allow_soft_placement=True)
    if not fuse:
        c.graph_options.optimizer_options.opt_level = config_pb2.OptimizerOptions.L0
    return c


def flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in flatten(s)]
    return [structure]


def run(fetches, feed, fuse=True):
    with tg.Session(config=config(fuse)) as sess:
        sess.run(tg.global_variables_initializer())
        rng = np.random.default_rng(1)
        for v in tg.global_variables():
            v.load(rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(v.dtype.base_dtype.as_numpy_dtype), sess)
        return flatten(sess.run(fetches, feed)), sess.last_run_stats.fused


CELLS = {"basic_lstm": lambda: tg.nn.rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5),
         "lstm_projection": lambda: tg.nn.rnn_cell.LSTMCell(UNITS, num_proj=8)}


@pytest.mark.parametrize("rnn", ["dynamic", "static"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_fused_plans_match_unfused_and_the_cpu(real_gpus, rnn, cell):
    real_gpus(1)
    xv = np.random.default_rng(2).uniform(-1, 1, (BATCH, TIME, DEPTH)).astype(np.float32)
    results = {}
    for dev in ("/device:GPU:0", "/device:CPU:0"):
        with tg.Graph().as_default(), tg.device(dev):
            x = tg.placeholder(tg.float32, [None, TIME, DEPTH])
            if rnn == "dynamic":
                out = tg.nn.dynamic_rnn(CELLS[cell](), x, dtype=tg.float32)
            else:
                out = tg.nn.static_rnn(CELLS[cell](), tg.unstack(x, axis=1), dtype=tg.float32)
            results[dev, True] = run(out, {x: xv})
            results[dev, False] = run(out, {x: xv}, fuse=False)
    assert results["/device:GPU:0", True][1] == (1 if rnn == "dynamic" else TIME)
    assert results["/device:GPU:0", False][1] == 0
    fused = results["/device:GPU:0", True][0]
    for other in (results["/device:GPU:0", False][0], results["/device:CPU:0", False][0]):
        for a, b in zip(fused, other):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _load_rnn_record():
    spec = importlib.util.spec_from_file_location("rnn_record", RNN_DATA / "record_rnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["basic_lstm_seq_len", "lstm", "static_lstm", "bidirectional_time_major"])
def test_fused_cells_give_tensorflows_recorded_values(real_gpus, name):
    real_gpus(1)
    record = _load_rnn_record()
    case = next(c for c in record.CASES if c.name == name)
    with np.load(RNN_DATA / "rnn.npz") as f:
        arrays = {k: f[k] for k in f.files if k.startswith(name + ":")}
    with tg.Graph().as_default(), tg.device("/device:GPU:0"):
        x, seq_len = record.placeholders(tg, case)
        flat = record.flatten(case.build(tg, x, seq_len))
        feed = {x: arrays[name + ":x"]}
        if seq_len is not None:
            feed[seq_len] = case.lengths
        with tg.Session(config=config(True)) as sess:
            sess.run(tg.global_variables_initializer())
            for v in tg.global_variables():
                v.load(arrays["%s:init:%s" % (name, v.name)], sess)
            got = sess.run(flat, feed)
            assert sess.last_run_stats.fused >= 1
    for i, value in enumerate(got):
        np.testing.assert_allclose(value, arrays["%s:out:%d" % (name, i)], rtol=1e-5, atol=1e-6)
