"""The CPU's fused LSTM cell: the unfused ops' values (bit for bit in float64, to a few ulp in float32, whose
cell is a Numba loop), as a kernel and in plans (TensorFlow 1's cells in dynamic_rnn, Keras' gate order in a TF2
SavedModel's While body); refused values go back to the ops."""
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import cpu, cpu_lstm_cell
from tagraph.protos import config_pb2

BATCH, TIME, DEPTH, UNITS = 4, 6, 5, 7
TF2_DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf2"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def unfused(gates, c_prev, forget_bias, bias, order):
    """The cell's ops as the unfused kernels run them: split copies, then one op at a time."""
    z = gates + bias if bias is not None else gates
    blocks = [np.ascontiguousarray(b) for b in np.split(z, 4, axis=1)]
    i, j, f, o = (blocks[k] for k in order)
    if forget_bias is not None:
        f = f + forget_bias
    c = c_prev * _sigmoid(f) + _sigmoid(i) * np.tanh(j)
    return c, np.tanh(c) * _sigmoid(o)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 2, 1, 3), (3, 0, 2, 1)])
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("with_forget_bias", [False, True])
def test_the_kernel_gives_the_unfused_values(dtype, order, with_bias, with_forget_bias):
    rng = np.random.default_rng(3)
    gates = (rng.standard_normal((BATCH, 4 * UNITS)) * 6).astype(dtype)
    gates[0, :3] = [np.inf, -np.inf, 200]                 # saturated gates: 0 and 1, never NaN
    gates[1, UNITS * order[1]] = np.nan                   # a NaN in j stays NaN in c and h
    gates[2, :] = np.linspace(-120, 120, 4 * UNITS)       # past float32's exp range both ways
    c_prev = rng.standard_normal((BATCH, UNITS)).astype(dtype)
    bias = rng.standard_normal(4 * UNITS).astype(dtype) if with_bias else None
    forget_bias = np.array(1.0, dtype) if with_forget_bias else None
    with np.errstate(over="ignore"):
        got = cpu_lstm_cell.lstm_cell_step(None, order, gates, c_prev, forget_bias, bias)
        want = unfused(gates, c_prev, forget_bias, bias, order)
    for a, b in zip(got, want):
        assert a.dtype == dtype and a.shape == (BATCH, UNITS)
        if dtype == np.float64:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert np.isnan(got[0][1, 0]) and np.isnan(got[1][1, 0])
    assert not np.shares_memory(got[0], gates)            # the gates are the caller's: never written


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gates_given_as_a_sum_are_added_first(dtype):
    rng = np.random.default_rng(5)
    gates, addend = ((rng.standard_normal((BATCH, 4 * UNITS)) * 3).astype(dtype) for _ in range(2))
    c_prev = rng.standard_normal((BATCH, UNITS)).astype(dtype)
    bias = rng.standard_normal(4 * UNITS).astype(dtype)
    got = cpu_lstm_cell.lstm_cell_step(None, (0, 2, 1, 3), gates, c_prev, None, bias, addend)
    want = unfused(gates + addend, c_prev, None, bias, (0, 2, 1, 3))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == np.float32 else 0, atol=1e-6 if dtype == np.float32 else 0)
    assert cpu_lstm_cell.lstm_cell_step(None, (0, 2, 1, 3), gates, c_prev, None, bias, addend[:1]) is None


@pytest.mark.parametrize("args", [
    lambda g, c: (g.astype(np.float16), c.astype(np.float16), None, None),      # a dtype it does not take
    lambda g, c: (g, c[:1], None, None),                                        # c_prev broadcast
    lambda g, c: (g[:, :-1], c, None, None),                                    # not four blocks
    lambda g, c: (g, c.astype(np.float64), None, None),                         # mixed dtypes
    lambda g, c: (g, c, np.ones(2, np.float32), None),                          # a forget bias of two values
    lambda g, c: (g, c, None, np.ones(3, np.float32)),                          # a bias of the wrong width
])
def test_values_it_does_not_take_are_left_to_the_ops(args):
    g = np.zeros((BATCH, 4 * UNITS), np.float32)
    c = np.zeros((BATCH, UNITS), np.float32)
    assert cpu_lstm_cell.lstm_cell_step(None, (0, 1, 2, 3), *args(g, c)) is None


def test_the_cpu_kind_offers_it():
    assert cpu.KIND.fused_kernel(("LSTMCell",)) is cpu_lstm_cell.lstm_cell_step


def _config(fuse):
    c = tg.ConfigProto()
    if not fuse:
        c.graph_options.optimizer_options.opt_level = config_pb2.OptimizerOptions.L0
    return c


@pytest.mark.parametrize("make_cell", [lambda: tg.nn.rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5),
                                       lambda: tg.nn.rnn_cell.LSTMCell(UNITS)], ids=["basic", "lstm"])
def test_dynamic_rnn_on_the_cpu_runs_fused_with_the_unfused_values(make_cell):
    x_value = np.random.default_rng(0).uniform(-1.5, 1.5, (BATCH, TIME, DEPTH)).astype(np.float32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, TIME, DEPTH])
        outputs, state = tg.nn.dynamic_rnn(make_cell(), x, dtype=tg.float32)
        results = {}
        for fuse in (True, False):
            with tg.Session(config=_config(fuse)) as sess:
                tg.set_random_seed(1)
                sess.run(tg.global_variables_initializer())
                for v in tg.global_variables():
                    v.load(np.random.default_rng(2).uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32), sess)
                results[fuse] = (sess.run([outputs, state], {x: x_value}), sess.last_run_stats.fused)
    (fused, n_fused), (plain, n_plain) = results[True], results[False]
    assert n_fused >= 1 and n_plain == 0
    for a, b in ((fused[0], plain[0]), (fused[1].c, plain[1].c), (fused[1].h, plain[1].h)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_a_keras_lstm_saved_model_runs_fused_on_the_cpu(monkeypatch):
    from tagraph.serialization.saved_model.signature_runner import SignatureRunner
    calls = []
    real = cpu_lstm_cell.lstm_cell_step

    def counting(*args):
        calls.append((args[1], len(args) == 7))       # the order, and whether the Add of the matmuls folded in
        return real(*args)
    counting.takes_addend = real.takes_addend
    monkeypatch.setattr(cpu_lstm_cell, "lstm_cell_step", counting)
    tokens = np.random.default_rng(0).integers(0, 5, (3, 7)).astype(np.int32)
    outs = {}
    for fuse in (True, False):
        del calls[:]
        with SignatureRunner(str(TF2_DATA / "keras_embedding_lstm"), config=_config(fuse)) as runner:
            outs[fuse] = runner.run({"inputs": tokens})["output_0"]
        outs[fuse, "orders"] = list(calls)
    assert outs[True, "orders"] == [((0, 2, 1, 3), True)] * 7   # a fused step a time step; Keras' blocks i, f, c, o
    assert outs[False, "orders"] == []
    np.testing.assert_allclose(outs[True], outs[False], rtol=1e-6, atol=1e-6)
