"""tg.nn.dynamic_rnn, static_rnn, the bidirectional RNNs and the cells of tg.nn.rnn_cell against TensorFlow's
recorded values (tests/data/rnn/record_rnn.py), on the CPU and a simulated GPU: outputs, final states, variable
names and shapes, gradients with respect to the input and the variables, the ops the loops hold; bad input;
gradients against central differences; the wrappers' behaviour.
"""
import importlib.util
import json
import pathlib
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "rnn"


def _load_record():
    spec = importlib.util.spec_from_file_location("rnn_record", DATA / "record_rnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "rnn.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "rnn.json").read_text())
cells = tg.nn.rnn_cell


def _session():
    # Host-only ops (TensorArrays, stacks, the Assert of sequence_length) fall back to the CPU.
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True))


CASES = [pytest.param(c, id=c.name) for c in RECORD.CASES]


@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case):
    # TensorFlow recorded with its reference variables (disable_v2_behavior): the same kind, the same ops.
    tg.disable_resource_variables()
    _replay(case, device, check_ops=True)


@pytest.mark.parametrize("case", CASES)
def test_resource_variables_give_the_same_values(case):
    _replay(case, "/device:CPU:0", check_ops=False)


def _replay(case, device, check_ops):
    meta = META["cases"][case.name]
    with tg.Graph().as_default() as g, tg.device(device):
        x, seq_len = RECORD.placeholders(tg, case)
        flat = RECORD.flatten(case.build(tg, x, seq_len))
        assert [[v.name, v.shape.as_list()] for v in tg.global_variables()] == meta["variables"]
        assert [v.name for v in tg.trainable_variables()] == meta["trainable"]
        assert [t.shape.as_list() if t.shape.rank is not None else None for t in flat] == meta["static_shapes"]
        if check_ops:
            _check_loop_ops(case.name, RECORD.loop_op_type_counts(g), meta["loop_op_types"])
        ups = RECORD.upstream(case, [ARRAYS["%s:out:%d" % (case.name, i)].shape for i in range(len(flat))])
        total = tg.add_n([tg.reduce_sum(t * tg.constant(u)) for t, u in zip(flat, ups)])
        trainable = tg.trainable_variables()
        grads = tg.gradients(total, [x] + trainable)
        feed = {x: ARRAYS[case.name + ":x"]}
        if seq_len is not None:
            feed[seq_len] = case.lengths
        with _session() as sess:
            sess.run(tg.global_variables_initializer())
            for v in tg.global_variables():
                v.load(ARRAYS["%s:init:%s" % (case.name, v.name)], sess)
            got = sess.run(flat, feed)
            grad_values = sess.run(grads, feed)
    for i, value in enumerate(got):
        np.testing.assert_allclose(value, ARRAYS["%s:out:%d" % (case.name, i)], rtol=1e-5, atol=1e-6,
                                   err_msg="output %d" % i)
    for name, value in zip(["x"] + [v.name for v in trainable], grad_values):
        np.testing.assert_allclose(value, ARRAYS["%s:grad:%s" % (case.name, name)], rtol=1e-5, atol=1e-5,
                                   err_msg=name)


def _check_loop_ops(name, got, want):
    """The loops hold TensorFlow's ops, type for type."""
    got, want = dict(got), dict(want)
    if name == "lstm_sharded":
        # tagraph concatenates a partitioned kernel's parts inside the loop, TensorFlow outside: an Enter per
        # part instead of one for the whole (two kernels of two parts here).
        assert got.pop("Enter") == want.pop("Enter") + 2
    assert got == want


def test_a_cells_ops_and_variables_have_tensorflows_names():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2, 3, 4])
        cell = cells.LSTMCell(5)
        outputs, state = tg.nn.dynamic_rnn(cell, x, dtype=tg.float32)
        assert isinstance(state, cells.LSTMStateTuple)
        assert cell.scope_name == "rnn/lstm_cell"
        assert [v.name for v in cell.variables] == ["rnn/lstm_cell/kernel:0", "rnn/lstm_cell/bias:0"]
        names = {op.name: op.type for op in g.get_operations()}
        assert names["rnn/while/lstm_cell/MatMul"] == "MatMul"
        assert names["rnn/while/lstm_cell/BiasAdd"] == "BiasAdd"
        assert names["rnn/while/lstm_cell/split"] == "Split"
        # The variables live outside the loop; only their reads enter it.
        kernel = g.get_operation_by_name("rnn/lstm_cell/kernel")
        assert kernel.type == "VarHandleOp"
        assert not hasattr(kernel, "_control_flow_context") or kernel._control_flow_context is None


def test_a_cell_called_twice_shares_its_variables():
    with tg.Graph().as_default():
        cell = cells.GRUCell(3)
        a = tg.placeholder(tg.float32, [2, 4])
        h = cell.zero_state(2, tg.float32)
        out1, h = cell(a, h)
        out2, h = cell(a, h)
        assert len(tg.global_variables()) == 4
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            v1, v2 = sess.run([out1, out2], {a: np.ones((2, 4), np.float32)})
        assert not np.allclose(v1, v2)


def test_zero_state_structure_and_shapes():
    with tg.Graph().as_default():
        multi = cells.MultiRNNCell([cells.LSTMCell(3, num_proj=2), cells.GRUCell(4)])
        assert multi.state_size == (cells.LSTMStateTuple(3, 2), 4)
        assert multi.output_size == 4
        state = multi.zero_state(5, tg.float64)
        assert state[0].c.shape.as_list() == [5, 3] and state[0].h.shape.as_list() == [5, 2]
        assert state[1].shape.as_list() == [5, 4] and state[1].dtype == tg.float64
        n = tg.placeholder(tg.int32, [])
        dynamic = cells.BasicLSTMCell(2, state_is_tuple=False).zero_state(n, tg.float32)
        assert dynamic.shape.as_list() == [None, 4]
        with tg.Session() as sess:
            assert sess.run(dynamic, {n: 3}).shape == (3, 4)


def test_outputs_past_a_sequences_end_are_zero_and_its_state_is_kept():
    x = np.random.default_rng(3).normal(size=(2, 6, 3)).astype(np.float32)
    with tg.Graph().as_default():
        xs = tg.placeholder(tg.float32, [None, 6, 3])
        lengths = tg.placeholder(tg.int32, [None])
        cell = cells.GRUCell(4)
        outputs, state = tg.nn.dynamic_rnn(cell, xs, sequence_length=lengths, dtype=tg.float32)
        short, short_state = tg.nn.dynamic_rnn(cell, xs[:, :2], dtype=tg.float32)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            out, last = sess.run([outputs, state], {xs: x, lengths: [6, 2]})
            want, want_state = sess.run([short, short_state], {xs: x})
    assert np.all(out[1, 2:] == 0) and np.all(out[0] != 0)
    np.testing.assert_allclose(last[1], want_state[1], rtol=1e-6)
    np.testing.assert_allclose(last[1], out[1, 1], rtol=1e-6)


def test_a_wrong_sequence_length_fails_when_run_as_in_tensorflow():
    cls, message = META["errors"]["sequence_length_of_another_batch"]
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, RECORD.TIME, RECORD.DEPTH], name="x")
        seq_len = tg.placeholder(tg.int32, [None], name="seq_len")
        out, _ = tg.nn.dynamic_rnn(cells.GRUCell(3), x, sequence_length=seq_len, dtype=tg.float32)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            with pytest.raises(errors.InvalidArgumentError) as info:
                sess.run(out, {x: np.zeros((RECORD.BATCH, RECORD.TIME, RECORD.DEPTH), np.float32),
                               seq_len: RECORD.RUN_ERROR_LENGTHS})
    assert type(info.value).__name__ == cls
    assert message == "assertion failed: [Expected shape for Tensor rnn/sequence_length:0 is ] [3] [ but saw " \
                      "shape: ] [2]"
    assert message in str(info.value)


def _tagraph_message(message):
    # TensorFlow prints a tensor as Tensor("x:0", shape=(3, 5, 4), dtype=float32); tagraph as TensorFlow 2's
    # graph tensors, <tg.Tensor 'x:0' shape=(3, 5, 4) dtype=float32>.
    return re.sub(r'Tensor\("([^"]+)", shape=(\([^)]*\)), dtype=(\w+)\)', r"<tg.Tensor '\1' shape=\2 dtype=\3>",
                  message)


@pytest.mark.parametrize("name", sorted(RECORD.ERRORS))
def test_bad_input_gets_tensorflows_error(name):
    cls, message = META["errors"][name]
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [RECORD.BATCH, RECORD.TIME, RECORD.DEPTH], name="x")
        with pytest.raises(Exception) as info:
            RECORD.ERRORS[name](tg, x)
    assert type(info.value).__name__ == cls
    assert str(info.value) == _tagraph_message(message)


def _numeric_gradient(f, value, eps=1e-6):
    out = np.zeros_like(value)
    for j in range(value.size):
        plus, minus = value.copy(), value.copy()
        plus.flat[j] += eps
        minus.flat[j] -= eps
        out.flat[j] = (f(plus) - f(minus)) / (2 * eps)
    return out


@pytest.mark.parametrize("make_cell", [
    pytest.param(lambda: cells.LSTMCell(3, use_peepholes=True, num_proj=2, forget_bias=0.3), id="lstm"),
    pytest.param(lambda: cells.MultiRNNCell([cells.GRUCell(2), cells.BasicRNNCell(3)]), id="multi"),
])
def test_gradients_match_central_differences(make_cell):
    rng = np.random.default_rng(11)
    xv = rng.normal(size=(2, 4, 3))
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float64, [2, 4, 3])
        outputs, state = tg.nn.dynamic_rnn(make_cell(), x, sequence_length=[4, 2], dtype=tg.float64)
        flat = [outputs] + RECORD.flatten(state)
        ups = [rng.normal(size=t.shape.as_list()) for t in flat]
        loss = tg.add_n([tg.reduce_sum(t * u) for t, u in zip(flat, ups)])
        variables = tg.trainable_variables()
        grads = tg.gradients(loss, [x] + variables)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            values = sess.run(variables)
            got = sess.run(grads, {x: xv})

            def loss_at(x_value=xv, k=None, v_value=None):
                if k is not None:
                    variables[k].load(v_value, sess)
                result = sess.run(loss, {x: x_value})
                if k is not None:
                    variables[k].load(values[k], sess)
                return result

            np.testing.assert_allclose(got[0], _numeric_gradient(lambda a: loss_at(a), xv), rtol=1e-6, atol=1e-8)
            for k, value in enumerate(values):
                numeric = _numeric_gradient(lambda a, k=k: loss_at(k=k, v_value=a), value)
                np.testing.assert_allclose(got[k + 1], numeric, rtol=1e-6, atol=1e-8, err_msg=variables[k].name)


def test_dropout_wrapper_drops_and_scales():
    x = np.ones((400, 3, 5), np.float32)
    with tg.Graph().as_default():
        tg.set_random_seed(1)
        keep = tg.placeholder_with_default(1.0, [])
        cell = cells.DropoutWrapper(cells.BasicRNNCell(8, activation=tf_identity), input_keep_prob=keep,
                                    output_keep_prob=0.5, seed=3)
        outputs, _ = tg.nn.dynamic_rnn(cell, x, dtype=tg.float32)
        plain, _ = tg.nn.dynamic_rnn(cell.wrapped_cell, x, dtype=tg.float32, scope="rnn")
        assert [v.name for v in tg.global_variables()] == ["rnn/basic_rnn_cell/kernel:0",
                                                           "rnn/basic_rnn_cell/bias:0"]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(tg.assign(tg.global_variables()[0], tg.fill([13, 8], 0.1)))
            dropped, full = sess.run([outputs, plain])
    first = dropped[:, 0]
    assert 0.4 < (first == 0).mean() < 0.6
    np.testing.assert_allclose(first[first != 0], 2 * np.broadcast_to(full[:, 0], first.shape)[first != 0],
                               rtol=1e-6)


def tf_identity(x):
    return x


def test_variational_dropout_keeps_one_mask_per_sequence():
    with tg.Graph().as_default():
        cell = cells.DropoutWrapper(cells.GRUCell(6), input_keep_prob=0.5, variational_recurrent=True,
                                    input_size=5, dtype=tg.float32, seed=2)
        seen = []
        inner_call = cell.cell.__call__

        def recording(inputs, state, **kwargs):
            seen.append(inputs)
            return inner_call(inputs, state, **kwargs)
        cell.cell.__call__ = recording
        x = np.ones((3, 4, 5), np.float32)
        outputs, _ = tg.nn.static_rnn(cell, tg.unstack(tg.constant(x), axis=1), dtype=tg.float32)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            masks = sess.run(seen)
    for m in masks[1:]:
        np.testing.assert_array_equal(m != 0, masks[0] != 0)
    assert set(np.unique(masks[0])) <= {0.0, 2.0}


def test_residual_and_device_wrappers():
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype(np.float32)
    with tg.Graph().as_default() as g:
        inner = cells.GRUCell(4)
        outputs, _ = tg.nn.dynamic_rnn(cells.DeviceWrapper(cells.ResidualWrapper(inner), "/cpu:0"), x,
                                       dtype=tg.float32)
        wrapped_ops = [op for op in g.get_operations() if op.name.startswith("rnn/while/gru_cell/")]
        assert wrapped_ops and all(op.device == "/device:CPU:0" for op in wrapped_ops)
        plain, _ = tg.nn.dynamic_rnn(inner, x, dtype=tg.float32, scope="rnn")
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            res, base = sess.run([outputs, plain])
    np.testing.assert_allclose(res, base + x, rtol=1e-5, atol=1e-6)


def test_cell_weights_and_multi_cell_weights():
    with tg.Graph().as_default():
        a, b = cells.LSTMCell(3, use_peepholes=True), cells.GRUCell(2)
        multi = cells.MultiRNNCell([a, cells.DropoutWrapper(b, output_keep_prob=0.9)])
        tg.nn.dynamic_rnn(multi, tg.zeros([2, 3, 4]), dtype=tg.float32)
        names = [v.name for v in multi.trainable_variables]
        assert names == ["rnn/multi_rnn_cell/cell_0/lstm_cell/kernel:0", "rnn/multi_rnn_cell/cell_0/lstm_cell/bias:0",
                         "rnn/multi_rnn_cell/cell_0/lstm_cell/w_f_diag:0",
                         "rnn/multi_rnn_cell/cell_0/lstm_cell/w_i_diag:0",
                         "rnn/multi_rnn_cell/cell_0/lstm_cell/w_o_diag:0",
                         "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",
                         "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",
                         "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",
                         "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0"]
        assert [v.name for v in multi.variables] == names


def test_compat_v1_has_the_rnn_api():
    import tagraph.compat.v1 as tf
    assert tf.nn.rnn_cell.LSTMCell is cells.LSTMCell and tf.nn.dynamic_rnn is tg.nn.dynamic_rnn
    assert {"bidirectional_dynamic_rnn", "static_rnn", "static_bidirectional_rnn", "rnn_cell"} <= set(dir(tf.nn))
    assert set(dir(tf.nn.rnn_cell)) >= {"BasicLSTMCell", "BasicRNNCell", "GRUCell", "LSTMCell", "LSTMStateTuple",
                                        "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper",
                                        "RNNCell"}
