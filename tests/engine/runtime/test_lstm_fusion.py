"""LSTM cells run as one fused kernel on a (simulated) GPU: found in dynamic_rnn and static_rnn graphs, in both
gate orders, with the unfused ops' values and TensorFlow's recorded ones; not fused where an intermediate is
fetched, fed or needed by a gradient, with peepholes, or with opt_level L0; values the kernel does not take run
the ops unfused, with their errors. (The CPU's own fused cell: tests/devices/test_cpu_lstm_cell.py.)"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices import gpu_lstm_cell
from tagraph.engine.framework import errors
from tagraph.engine.runtime.lstm_fusion import lstm_cells
from tagraph.protos import config_pb2

RNN_DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "rnn"
BATCH, TIME, DEPTH, UNITS = 3, 5, 4, 6
GPU = "/device:GPU:0"


@pytest.fixture(autouse=True)
def one_gpu(simulated_gpus):
    simulated_gpus(1)


@pytest.fixture
def launches(monkeypatch):
    """How many times the fused kernel ran."""
    calls = []
    real = gpu_lstm_cell.lstm_cell

    def counting(*args, **kwargs):
        calls.append(args[1].shape)
        return real(*args, **kwargs)
    monkeypatch.setattr(gpu_lstm_cell, "lstm_cell", counting)
    return calls


def config(fuse=True):
    c = tg.ConfigProto(allow_soft_placement=True)
    if not fuse:
        c.graph_options.optimizer_options.opt_level = config_pb2.OptimizerOptions.L0
    return c


def init_variables(sess, seed=1):
    sess.run(tg.global_variables_initializer())
    rng = np.random.default_rng(seed)
    for v in tg.global_variables():
        v.load(rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(v.dtype.base_dtype.as_numpy_dtype), sess)


def run(fetches, feed, fuse=True):
    """(values, RunStats) of one run in a fresh session."""
    with tg.Session(config=config(fuse)) as sess:
        init_variables(sess)
        got = sess.run(fetches, feed)
        return got, sess.last_run_stats


def run_both(fetches, feed):
    """(fused values, unfused values, fused steps of the fused run), after checking they agree."""
    fused, stats = run(fetches, feed)
    unfused, unfused_stats = run(fetches, feed, fuse=False)
    assert unfused_stats.fused == 0
    for a, b in zip(flatten(fused), flatten(unfused)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        tol = 1e-6 if a.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol / 10)
    return fused, unfused, stats.fused


def flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in flatten(s)]
    return [structure]


def inputs(dtype=np.float32, seed=0):
    return np.random.default_rng(seed).uniform(-1.5, 1.5, (BATCH, TIME, DEPTH)).astype(dtype)


CELLS = {
    "basic_lstm": lambda: tg.nn.rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5),
    "basic_lstm_concat_state": lambda: tg.nn.rnn_cell.BasicLSTMCell(UNITS, state_is_tuple=False),
    "lstm": lambda: tg.nn.rnn_cell.LSTMCell(UNITS),
    "lstm_no_forget_bias_projection": lambda: tg.nn.rnn_cell.LSTMCell(UNITS, forget_bias=0.0, num_proj=3),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_dynamic_rnn_runs_its_cell_fused(cell, dtype, launches):
    with tg.Graph().as_default(), tg.device(GPU):
        x = tg.placeholder(dtype, [None, TIME, DEPTH])
        outputs, state = tg.nn.dynamic_rnn(CELLS[cell](), x, dtype=dtype)
        _, _, n_fused = run_both([outputs, state], {x: inputs(dtype)})
    assert n_fused == 1
    assert launches == [(BATCH, 4 * UNITS)] * TIME        # one launch per step, the bias added in it


def test_static_rnn_fuses_every_step(launches):
    with tg.Graph().as_default(), tg.device(GPU):
        x = tg.placeholder(tg.float32, [BATCH, TIME, DEPTH])
        outputs, state = tg.nn.static_rnn(CELLS["lstm"](), tg.unstack(x, axis=1), dtype=tg.float32)
        _, _, n_fused = run_both([outputs, state], {x: inputs()})
    assert n_fused == TIME and len(launches) == TIME


def test_the_match_reads_the_gate_order_and_the_leaves():
    with tg.Graph().as_default() as g, tg.device(GPU):
        x = tg.placeholder(tg.float32, [BATCH, DEPTH])
        cell = CELLS["basic_lstm"]()
        h, state = cell(x, cell.zero_state(BATCH, tg.float32))
        with tg.Session(config=config()) as sess:
            placement = sess._placer.place(g.get_operations(), sess._placement, g)
        (m,) = lstm_cells(g.get_operations(), placement, [], [h, state.c])
    assert m.order == (0, 1, 2, 3) and m.c is state.c and m.h is h
    assert m.gates.op.type == "MatMul" and m.bias.op.type in ("ReadVariableOp", "Identity")
    assert m.forget_bias.op.type == "Const" and m.c_prev.op.type in ("Const", "Fill", "Identity")
    assert sorted(op.type for op in m.members) == sorted(
        ["BiasAdd", "Split", "AddV2", "Sigmoid", "Sigmoid", "Sigmoid", "Tanh", "Tanh", "Mul", "Mul", "Mul", "AddV2"])


def keras_ordered_cell(z, c_prev):
    """Keras' layout: blocks i, f, c, o and no forget bias added (it is in the bias initializer)."""
    i, f, j, o = tg.split(z, 4, axis=1)
    c = tg.sigmoid(f) * c_prev + tg.sigmoid(i) * tg.tanh(j)
    return c, tg.sigmoid(o) * tg.tanh(c)


@pytest.mark.parametrize("bias", [False, True], ids=["no_bias_add", "bias_add"])
def test_keras_gate_order_without_a_forget_bias(bias, launches):
    rng = np.random.default_rng(3)
    with tg.Graph().as_default() as g, tg.device(GPU):
        z = tg.placeholder(tg.float64, [None, 4 * UNITS])
        c_prev = tg.placeholder(tg.float64, [None, UNITS])
        gates = tg.nn.bias_add(z * 1.0, tg.constant(rng.uniform(-1, 1, 4 * UNITS))) if bias else z * 1.0
        c, h = keras_ordered_cell(gates, c_prev)
        feed = {z: rng.uniform(-3, 3, (BATCH, 4 * UNITS)), c_prev: rng.uniform(-1, 1, (BATCH, UNITS))}
        fused, _, n_fused = run_both([c, h], feed)
        with tg.Session(config=config()) as sess:
            placement = sess._placer.place(g.get_operations(), sess._placement, g)
        (m,) = lstm_cells(g.get_operations(), placement, [z, c_prev], [c, h])
    assert n_fused == 1 and len(launches) == 1
    assert m.order == (0, 2, 1, 3) and m.forget_bias is None and (m.bias is not None) == bias
    if not bias:
        i, f, j, o = np.split(feed[z], 4, axis=1)
        sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
        want_c = sig(f) * feed[c_prev] + sig(i) * np.tanh(j)
        np.testing.assert_allclose(fused[0], want_c, rtol=1e-12)
        np.testing.assert_allclose(fused[1], sig(o) * np.tanh(want_c), rtol=1e-12)


def one_cell(dtype=np.float32, **kwargs):
    x = tg.placeholder(dtype, [None, DEPTH], name="x")
    c0 = tg.placeholder(dtype, [None, UNITS], name="c0")
    cell = tg.nn.rnn_cell.BasicLSTMCell(UNITS, forget_bias=0.5, **kwargs)
    h, state = cell(x, tg.nn.rnn_cell.LSTMStateTuple(c0, c0 * 0.5))
    rng = np.random.default_rng(5)
    feed = {x: rng.uniform(-1, 1, (BATCH, DEPTH)).astype(dtype), c0: rng.uniform(-1, 1, (BATCH, UNITS)).astype(dtype)}
    return h, state, feed


INTERMEDIATES = ["basic_lstm_cell/split:2", "basic_lstm_cell/Sigmoid:0", "basic_lstm_cell/Tanh:0",
                 "basic_lstm_cell/Mul_1:0", "basic_lstm_cell/Tanh_1:0", "basic_lstm_cell/Sigmoid_2:0",
                 "basic_lstm_cell/Add:0"]


@pytest.mark.parametrize("name", INTERMEDIATES)
def test_a_fetched_intermediate_stops_the_fusion(name, launches):
    with tg.Graph().as_default() as g, tg.device(GPU):
        h, state, feed = one_cell()
        _, _, n_fused = run_both([h, state.c], feed)
        assert n_fused == 1 and len(launches) == 1
        fused, unfused, n_fused = run_both([h, state.c, g.get_tensor_by_name(name)], feed)
    assert n_fused == 0 and len(launches) == 1
    np.testing.assert_allclose(fused[2], unfused[2], rtol=1e-6)


def test_a_fed_intermediate_stops_the_fusion(launches):
    with tg.Graph().as_default() as g, tg.device(GPU):
        h, state, feed = one_cell()
        sig_f = g.get_tensor_by_name("basic_lstm_cell/Sigmoid:0")
        feed[sig_f] = np.full((BATCH, UNITS), 0.25, np.float32)
        fused, _, n_fused = run_both([h, state.c], feed)
        assert n_fused == 0 and not launches
        # the fed forget gate is the one used
        free, _ = run([h, state.c], {k: v for k, v in feed.items() if k is not sig_f})
    assert len(launches) == 1 and not np.allclose(fused[1], free[1])


def test_a_control_dependency_on_a_member_stops_the_fusion(launches):
    with tg.Graph().as_default() as g, tg.device(GPU):
        h, state, feed = one_cell()
        with tg.control_dependencies([g.get_operation_by_name("basic_lstm_cell/Tanh")]):
            after = tg.identity(h)
        _, _, n_fused = run_both([after, state.c], feed)
    assert n_fused == 0 and not launches


def test_gradients_keep_the_cell_unfused_and_right(launches):
    with tg.Graph().as_default(), tg.device(GPU):
        x = tg.placeholder(tg.float32, [BATCH, TIME, DEPTH])
        outputs, state = tg.nn.dynamic_rnn(CELLS["basic_lstm"](), x, dtype=tg.float32)
        loss = tg.reduce_sum(outputs * outputs) + tg.reduce_sum(state.c)
        grads = tg.gradients(loss, [x] + tg.trainable_variables())
        # The forward loop's intermediates go to the gradient's stacks: nothing may be fused.
        (_, fused_grads), _, n_fused = run_both([outputs, grads], {x: inputs()})
        assert n_fused == 0 and not launches
        # Forward only, on the same graph: the stack pushes are pruned, so the cell is fused again.
        _, _, n_fused = run_both(outputs, {x: inputs()})
        assert n_fused == 1 and len(launches) == TIME
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [BATCH, TIME, DEPTH])
        outputs, state = tg.nn.dynamic_rnn(CELLS["basic_lstm"](), x, dtype=tg.float32)
        loss = tg.reduce_sum(outputs * outputs) + tg.reduce_sum(state.c)
        cpu_grads, _ = run(tg.gradients(loss, [x] + tg.trainable_variables()), {x: inputs()})
    for a, b in zip(fused_grads, cpu_grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_training_step_on_a_static_cell_stays_unfused(launches):
    with tg.Graph().as_default(), tg.device(GPU):
        h, state, feed = one_cell()
        loss = tg.reduce_sum(h * h) + tg.reduce_sum(state.c)
        train = tg.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tg.Session(config=config()) as sess:
            init_variables(sess)
            sess.run(train, feed)
            assert sess.last_run_stats.fused == 0 and not launches
            after = sess.run([h, state.c], feed)
            assert sess.last_run_stats.fused == 1 and len(launches) == 1
    assert all(np.isfinite(a).all() for a in after)


def test_no_fusion_with_peepholes_or_clipping_or_at_l0(launches):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [BATCH, TIME, DEPTH])
        with tg.device(GPU):
            b, _ = tg.nn.dynamic_rnn(tg.nn.rnn_cell.LSTMCell(UNITS, use_peepholes=True), x, dtype=tg.float32,
                                     scope="peep")
            c, _ = tg.nn.dynamic_rnn(tg.nn.rnn_cell.LSTMCell(UNITS, cell_clip=0.5), x, dtype=tg.float32,
                                     scope="clip")
            d, _ = tg.nn.dynamic_rnn(tg.nn.rnn_cell.BasicLSTMCell(UNITS, activation=tg.nn.relu), x,
                                     dtype=tg.float32, scope="relu")
        _, _, n_fused = run_both([b, c, d], {x: inputs()})
    assert n_fused == 0 and not launches


def test_values_the_kernel_does_not_take_run_the_ops_unfused(launches):
    with tg.Graph().as_default(), tg.device(GPU):
        x = tg.placeholder(tg.float32, [None, DEPTH])
        c0 = tg.placeholder(tg.float32, [None, UNITS])
        cell = tg.nn.rnn_cell.BasicLSTMCell(UNITS)
        h, state = cell(x, tg.nn.rnn_cell.LSTMStateTuple(c0, tg.zeros([BATCH, UNITS])))
        xv = inputs()[:, 0]
        # c_prev broadcast over the batch: TensorFlow's Mul takes it, the kernel does not.
        fused, _, n_fused = run_both([h, state.c], {x: xv, c0: np.full((1, UNITS), 0.3, np.float32)})
        assert n_fused == 1 and not launches and fused[1].shape == (BATCH, UNITS)     # the ops ran unfused
        # c_prev of the wrong batch: the unfused Mul's error, naming it.
        with tg.Session(config=config()) as sess:
            init_variables(sess)
            with pytest.raises(errors.InvalidArgumentError, match="basic_lstm_cell/Mul"):
                sess.run(h, {x: xv, c0: np.zeros((2, UNITS), np.float32)})


def test_a_cell_in_an_untaken_branch_is_dead_not_run(launches):
    with tg.Graph().as_default(), tg.device(GPU):
        h, state, feed = one_cell()
        pred = tg.placeholder(tg.bool, [])
        cell = tg.nn.rnn_cell.BasicLSTMCell(UNITS, name="in_cond")
        out = tg.cond(pred, lambda: cell(h, state)[0], lambda: h * 2.0)
        for p in (True, False):
            feed[pred] = p
            launches.clear()
            _, _, n_fused = run_both(out, feed)
            assert n_fused == 2 and len(launches) == (2 if p else 1)


def _load_rnn_record():
    spec = importlib.util.spec_from_file_location("rnn_record", RNN_DATA / "record_rnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_rnn_record()
# The recorded cases holding an LSTM cell; peepholes and clipping keep theirs unfused.
LSTM_CASES = [c.name for c in RECORD.CASES if "lstm" in c.name] + [
    "bidirectional_time_major", "dropout_keep_all_residual", "two_rnns_default_scope", "static_bidirectional_seq_len"]
UNFUSED_CASES = {"lstm_peepholes_projection_clip"}


@pytest.mark.parametrize("name", LSTM_CASES)
def test_fused_cells_give_tensorflows_recorded_values(name, launches):
    case = next(c for c in RECORD.CASES if c.name == name)
    with np.load(RNN_DATA / "rnn.npz") as f:
        arrays = {k: f[k] for k in f.files if k.startswith(name + ":")}
    meta = json.loads((RNN_DATA / "rnn.json").read_text())["cases"][name]
    with tg.Graph().as_default(), tg.device(GPU):
        x, seq_len = RECORD.placeholders(tg, case)
        flat = RECORD.flatten(case.build(tg, x, seq_len))
        feed = {x: arrays[name + ":x"]}
        if seq_len is not None:
            feed[seq_len] = case.lengths
        with tg.Session(config=config()) as sess:
            sess.run(tg.global_variables_initializer())
            for v in tg.global_variables():
                v.load(arrays["%s:init:%s" % (name, v.name)], sess)
            got = sess.run(flat, feed)
            if name in UNFUSED_CASES:
                assert sess.last_run_stats.fused == 0 and not launches
            else:
                assert sess.last_run_stats.fused >= 1 and launches
    assert len(got) == len(meta["static_shapes"])
    for i, value in enumerate(got):
        np.testing.assert_allclose(value, arrays["%s:out:%d" % (name, i)], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rnn", ["static", "dynamic"])
def test_a_traced_run_shows_the_fused_cell(rnn):
    with tg.Graph().as_default(), tg.device(GPU):
        x = tg.placeholder(tg.float32, [BATCH, 2, DEPTH])
        cell = tg.nn.rnn_cell.BasicLSTMCell(UNITS)
        if rnn == "static":
            out, _ = tg.nn.static_rnn(cell, tg.unstack(x, axis=1), dtype=tg.float32)
        else:
            out, _ = tg.nn.dynamic_rnn(cell, x, dtype=tg.float32)
        with tg.Session(config=config()) as sess:
            init_variables(sess)
            metadata = tg.RunMetadata()
            sess.run(out, {x: inputs()[:, :2]}, options=tg.RunOptions(trace_level=tg.RunOptions.FULL_TRACE),
                     run_metadata=metadata)
    labels = [ns.timeline_label for dev in metadata.step_stats.dev_stats if dev.device.endswith("GPU:0")
              for ns in dev.node_stats if "FusedLSTMCell" in ns.timeline_label]
    assert len(labels) == 2
    assert all(label.startswith("%sbasic_lstm_cell/Add_1, " % ("rnn/while/" if rnn == "dynamic" else "rnn/"))
               and "basic_lstm_cell/Mul_2 = FusedLSTMCell(" in label for label in labels[:1])
