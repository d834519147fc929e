"""Gradients through control flow (engine/train/control_flow_grad.py, control_flow_state.py): while loops,
TensorArrays and conds inside them, nested loops, map_fn / scan / fold, loop invariants and variables,
against central differences and against what TensorFlow 1 computed for the same graphs
(tests/data/tf_ops/record_loop_grads.py), and TensorFlow's own gradient graph of a loop run in tagraph."""
import importlib.util
import pathlib
import re
from collections import Counter

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import graph_pb2

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_loop_grads", DATA / "record_loop_grads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "loop_grads.npz") as _f:
    RECORDED = {k: _f[k] for k in _f.files}


def _session():
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True))


def _numeric(sess, y, x, xv, eps=1e-6):
    """Central differences of sum(y) with respect to the placeholder x."""
    ys = y if isinstance(y, list) else [y]
    out = np.zeros_like(xv)
    for i in range(xv.size):
        d = np.zeros_like(xv)
        d.flat[i] = eps
        up = sum(np.sum(v) for v in sess.run(ys, {x: xv + d}))
        down = sum(np.sum(v) for v in sess.run(ys, {x: xv - d}))
        out.flat[i] = (up - down) / (2 * eps)
    return out


def _build_case(name):
    build, x = RECORD.CASES[name]
    ph = tg.placeholder(tg.as_dtype(x.dtype), x.shape)
    outs, wrt = build(tg, ph)
    return ph, x, outs, wrt


# --- against TensorFlow ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(RECORD.CASES))
def test_loop_gradients_match_tensorflow(device, name):
    with tg.Graph().as_default(), tg.device(device):
        ph, x, outs, wrt = _build_case(name)
        grads = tg.gradients(outs, wrt)
        with _session() as sess:
            sess.run(tg.global_variables_initializer())
            got_outs = sess.run(outs, {ph: x})
            got = sess.run([g for g in grads if g is not None], {ph: x})
    for k, v in enumerate(got_outs):
        np.testing.assert_allclose(v, RECORDED["%s:out%d" % (name, k)], rtol=1e-9, atol=1e-12)
    it = iter(got)
    for k, g in enumerate(grads):
        if "%s:none%d" % (name, k) in RECORDED:
            assert g is None, (name, k)
            continue
        v = next(it)
        want = RECORDED["%s:grad%d" % (name, k)]
        assert np.shape(v) == want.shape, (name, k)
        np.testing.assert_allclose(v, want, rtol=1e-9, atol=1e-12, err_msg="%s grad %d" % (name, k))


@pytest.mark.parametrize("name", sorted(n for n in RECORD.CASES if not n.startswith("back_prop_false")))
def test_loop_gradients_match_numeric_ones(name):
    with tg.Graph().as_default():
        ph, x, outs, _ = _build_case(name)
        g, = tg.gradients(outs, [ph])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            np.testing.assert_allclose(sess.run(g, {ph: x}), _numeric(sess, outs, ph, x), rtol=1e-6, atol=1e-8)


# The ops a loop's gradient is made of, as TensorFlow 1 makes them: the counters, the backward loop, the
# stacks and their pushes and pops, the accumulators and the gradient arrays. (Not its Exits: TensorFlow
# also gives an Exit, that nothing uses, to the Enter of a loop variable no x reaches, such as the flow of
# a TensorArray the loop writes; tg.gradients leaves it out.)
_MACHINERY = {"Enter", "Merge", "Switch", "NextIteration", "LoopCond", "StackV2", "StackPushV2", "StackPopV2",
              "ControlTrigger", "TensorArrayGradV3"}


# (Not for a cond in a loop: tg.cond gives each outside value one Switch that both branches share, where
# TensorFlow makes one per branch, so its gradient has fewer Switches and Merges.)
@pytest.mark.parametrize("name", ["mul_n", "rnn_matmul", "nested", "ta_write_read", "resource_variable",
                                  "ref_variable", "unused_loop_value", "maximum_iterations", "map_fn", "scan"])
def test_the_backward_loop_is_tensorflows(name):
    with tg.Graph().as_default() as g:
        _, _, outs, wrt = _build_case(name)
        n0 = len(g.get_operations())
        tg.gradients(outs, wrt)
        added = g.get_operations()[n0:]
    want = [line.split(" ") for line in str(RECORDED[name + ":nodes"]).split("\n")]
    assert Counter(t for _, t in want if t in _MACHINERY) == Counter(op.type for op in added if op.type in _MACHINERY)
    # The same names for the loop machinery: counters, accumulators, stacks and the backward frame.
    names = {op.name for op in added}
    for n, t in want:
        if n.rsplit("/", 1)[-1].split("_")[0] in ("f_count", "b_count", "b_exit", "b_switch", "b_acc", "f_acc"):
            assert n in names, (n, t)
    frames = {op.get_attr("frame_name") for op in added if op.type == "Enter"}
    forward = {op.get_attr("frame_name") for op in g.get_operations()[:n0] if op.type == "Enter"}
    assert frames == forward | {b"gradients/" + f for f in forward}


@pytest.mark.parametrize("name", sorted(RECORD.TRAIN))
def test_an_lstm_like_loop_trains_as_in_tensorflow(device, name):
    build, x, rate, steps = RECORD.TRAIN[name]
    with tg.Graph().as_default(), tg.device(device):
        ph = tg.placeholder(tg.float32, x.shape)
        loss, wrt = build(tg, ph)
        grads = tg.gradients(loss, wrt)
        train = tg.train.GradientDescentOptimizer(rate).minimize(loss)
        with _session() as sess:
            sess.run(tg.global_variables_initializer())
            for k, v in enumerate(sess.run(grads, {ph: x})):
                np.testing.assert_allclose(v, RECORDED["%s:grad%d" % (name, k)], rtol=2e-5, atol=1e-6)
            losses = [sess.run([loss, train], {ph: x})[0] for _ in range(steps)]
    np.testing.assert_allclose(losses, RECORDED[name + ":losses"], rtol=2e-5)
    assert losses[-1] < losses[0] * 0.5


@pytest.mark.parametrize("name", sorted(RECORD.SPARSE))
def test_a_variable_gathered_in_a_loop_gets_tensorflows_sparse_gradient(name):
    with tg.Graph().as_default():
        loss, params = RECORD.gather_in_loop(tg, RECORD.SPARSE[name])
        g, = tg.gradients(loss, [params])
        assert isinstance(g, tg.IndexedSlices)
        train = tg.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            values, indices = sess.run([g.values, g.indices])
            np.testing.assert_allclose(values, RECORDED[name + ":values"], rtol=1e-12)
            np.testing.assert_array_equal(indices, RECORDED[name + ":indices"])
            sess.run(train)
            sess.run(train)
            np.testing.assert_allclose(sess.run(params), RECORDED[name + ":params"], rtol=1e-12)


def test_tensorflows_gradient_graph_of_a_loop_runs(device):
    gd = graph_pb2.GraphDef()
    gd.ParseFromString((DATA / "rnn_grad_graph.pb").read_bytes())
    assert {"StackV2", "StackPushV2", "StackPopV2", "TensorArrayGradV3", "ControlTrigger", "Enter", "Exit",
            "NextIteration", "LoopCond"} <= {n.op for n in gd.node}
    feed = {"x:0": RECORDED["graphdef:x"], "w:0": RECORDED["graphdef:w"]}
    with tg.Graph().as_default(), tg.device(device):
        tg.import_graph_def(gd, name="")
        with _session() as sess:
            for _ in range(2):       # stacks and gradient arrays are fresh each run
                loss, dx, dw = sess.run(["loss:0", "dx:0", "dw:0"], feed)
            np.testing.assert_allclose(loss, RECORDED["graphdef:loss"], rtol=1e-5)
            np.testing.assert_allclose(dx, RECORDED["graphdef:dx"], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(dw, RECORDED["graphdef:dw"], rtol=1e-5, atol=1e-6)
            # A shorter sequence: the loop, the stacks and the arrays all follow the run's length.
            short = {"x:0": RECORDED["graphdef:x"][:2], "w:0": RECORDED["graphdef:w"]}
            got = sess.run(["loss:0", "dx:0"], short)
            assert got[1].shape == (2, 3)
    # The same graph built by tagraph gives the same values.
    with tg.Graph().as_default():
        RECORD._graph_def(tg)
        with tg.Session() as sess:
            mine = sess.run(["loss:0", "dx:0", "dw:0"], feed)
    np.testing.assert_allclose(mine[0], RECORDED["graphdef:loss"], rtol=1e-5)
    np.testing.assert_allclose(mine[1], RECORDED["graphdef:dx"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mine[2], RECORDED["graphdef:dw"], rtol=1e-5, atol=1e-6)


# --- more shapes of loops, against central differences ---------------------------------------------------

def _nested_unknown(x):
    def outer(i, a):
        _, b = tg.while_loop(lambda j, b: j < i + 1, lambda j, b: (j + 1, b * x + 0.1), [0, a])
        return i + 1, b
    return tg.while_loop(lambda i, a: i < 3, outer, [0, x])[1]


def _dynamic_array(x):
    ta = tg.TensorArray(tg.float64, 0, dynamic_size=True)

    def body(i, a, ta):
        a = tg.tanh(a * x)
        return i + 1, a, ta.write(i, a)
    return tg.while_loop(lambda i, a, ta: i < 3, body, [0, x, ta])[2].stack()


def _cond_unknown(x):
    def body(i, a):
        return i + 1, tg.cond(tg.equal(i % 2, 0), lambda: a * x, lambda: tg.sin(a))
    return tg.while_loop(lambda i, a: i < 5, body, [0, x])[1]


def _loop_in_cond(x):
    return tg.cond(tg.reduce_sum(x) > -10.0,
                   lambda: tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x])[1], lambda: x)


def _cond_side_unused(x):
    # Only one branch uses a: the other side's zero gradient is guarded by the predicate's history.
    def body(i, a):
        return i + 1, tg.cond(i < 2, lambda: a * a, lambda: x + 1.0)
    return tg.while_loop(lambda i, a: i < 4, body, [0, x])[1]


def _array_in_nested_loop(x):
    # The array is made in each outer iteration: its handle is a forward value, saved on a stack too.
    def outer(i, acc):
        def inner(j, a, ta):
            a = tg.sin(a) * x + acc
            return j + 1, a, ta.write(j, a)
        _, _, ta = tg.while_loop(lambda j, a, ta: j < 3, inner, [0, acc, tg.TensorArray(tg.float64, 3)])
        return i + 1, acc + tg.reduce_sum(ta.stack(), 0)
    return tg.while_loop(lambda i, acc: i < 2, outer, [0, x])[1]


def _cond_in_nested_loop(x):
    def outer(i, acc):
        def inner(j, a):
            return j + 1, tg.cond(j < i, lambda: a * x, lambda: tg.cos(a) + acc)
        return i + 1, tg.while_loop(lambda j, a: j < 3, inner, [0, acc])[1]
    return tg.while_loop(lambda i, acc: i < 3, outer, [0, x])[1]


def _cond_in_cond_in_loop(x):
    def body(i, a):
        return i + 1, tg.cond(i < 2, lambda: tg.cond(i < 1, lambda: a * x, lambda: a + x), lambda: tg.sin(a))
    return tg.while_loop(lambda i, a: i < 4, body, [0, x])[1]


def _gather_in_loop(x):
    # The gradient of the loop invariant x is an IndexedSlices, summed by a sparse accumulator loop.
    ids = tg.constant([1, 2, 1, 0])
    return tg.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a * tg.gather(x, ids[i]) + 1.0),
                         [0, tg.constant(1.0, tg.float64)])[1]


LOOPS = {
    "gather_in_loop": (_gather_in_loop, [3]),
    "gather_in_loop_unknown_shape": (_gather_in_loop, None),
    "array_in_nested_loop": (_array_in_nested_loop, [3]),
    "cond_in_nested_loop": (_cond_in_nested_loop, [3]),
    "cond_in_nested_loop_unknown_shape": (_cond_in_nested_loop, None),
    "cond_in_cond_in_loop": (_cond_in_cond_in_loop, [3]),
    "cond_in_cond_in_loop_unknown_shape": (_cond_in_cond_in_loop, None),
    "growing_loop_variable": (lambda x: tg.while_loop(
        lambda v: tg.size(v) < 12, lambda v: tg.concat([v, v[-1:] * x[0]], 0), [x],
        shape_invariants=[tg.TensorShape([None])]), [3]),
    # name -> (build, static shape of x or None for unknown)
    "unknown_shape": (lambda x: tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x + tg.reduce_sum(a)),
                                              [0, x])[1], None),
    "nested_unknown_shape": (_nested_unknown, None),
    "dynamic_array": (_dynamic_array, None),
    "cond_in_loop_unknown_shape": (_cond_unknown, None),
    "loop_in_cond": (_loop_in_cond, [3]),
    "cond_side_unused": (_cond_side_unused, [3]),
    "no_iteration": (lambda x: tg.while_loop(lambda i, a: i < 0, lambda i, a: (i + 1, a * x), [0, x])[1], [3]),
    "no_iteration_unknown_shape": (lambda x: tg.while_loop(lambda i, a: i < 0, lambda i, a: (i + 1, a * x),
                                                           [0, x])[1], None),
    "map_fn_tuple": (lambda x: tg.map_fn(lambda t: t[0] * t[1], (tg.stack([x, x]), tg.stack([x * x, x + 1.0])),
                                         dtype=tg.float64), [3]),
    "scan_no_initializer_reverse": (lambda x: tg.scan(lambda a, r: a * r, tg.stack([x, x - 1.0, x * 3.0]),
                                                      reverse=True), [3]),
    "split_concat_arrays": (lambda x: tg.TensorArray(tg.float64, 2, infer_shape=False).split(
        x, tg.constant([1, 2], tg.int64)).concat() * x, [3]),
    "scatter_gather_arrays": (lambda x: tg.TensorArray(tg.float64, 3, clear_after_read=False).scatter(
        [2, 0, 1], tg.stack([x, x * x, tg.sin(x)])).gather([1, 1, 2]), [3]),
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_more_loop_gradients_match_numeric_ones(name):
    build, shape = LOOPS[name]
    xv = np.random.default_rng(3).uniform(-1.0, 1.0, [3])
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float64, shape if shape is not None else [None])
        y = build(x)
        g, = tg.gradients(y, [x])
        assert isinstance(g, tg.IndexedSlices) == name.startswith("gather")
        g = tg.convert_to_tensor(g)
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(g, {x: xv}), _numeric(sess, y, x, xv), rtol=1e-6, atol=1e-8)


def test_two_gradient_calls_through_one_loop():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float64, [3])
        ta = tg.TensorArray(tg.float64, 3).unstack(tg.stack([x, 2.0 * x, x * x]))
        _, y = tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * ta.read(i)), [0, tg.ones([3], tg.float64)])
        g1, = tg.gradients(y, [x])
        g2, = tg.gradients(tg.reduce_sum(y * y), [x])
        xv = np.array([0.5, -1.0, 2.0])
        with tg.Session() as sess:
            a, b = sess.run([g1, g2], {x: xv})
            np.testing.assert_allclose(a, _numeric(sess, y, x, xv), rtol=1e-6)
            np.testing.assert_allclose(b, _numeric(sess, tg.reduce_sum(y * y), x, xv), rtol=1e-6)


# --- gradient arrays (TensorArrayGradV3, TensorArrayGradWithShape) ---------------------------------------

class _Gen:
    """The TensorArray ops the recorded cases build through TensorFlow's gen_data_flow_ops."""

    @staticmethod
    def tensor_array_grad_with_shape(handle, flow_in, shape_to_prepend, source):
        return tg.make_op("TensorArrayGradWithShape", [handle, flow_in, tg.constant(shape_to_prepend)],
                          {"source": source})

    @staticmethod
    def tensor_array_write_v3(handle, index, value, flow_in):
        return tg.make_op("TensorArrayWriteV3", [handle, index, value, flow_in])


@pytest.mark.parametrize("name", sorted(RECORD.GRAD_ARRAY_CASES))
def test_gradient_arrays_are_tensorflows(name):
    with tg.Graph().as_default():
        outs = RECORD.GRAD_ARRAY_CASES[name](tg, _Gen)
        with tg.Session() as sess:
            for _ in range(2):
                got = sess.run(outs)
    for k, v in enumerate(got):
        want = RECORDED["grad_array:%s:out%d" % (name, k)]
        assert v.dtype == want.dtype and v.shape == want.shape
        np.testing.assert_array_equal(v, want)


@pytest.mark.parametrize("name", sorted(RECORD.GRAD_ARRAY_ERRORS))
def test_gradient_array_errors_are_tensorflows(name):
    kind, message = str(RECORDED["grad_array:%s:error" % name]).split("\n", 1)
    pattern = r"TensorArray_\d+".join(re.escape(part) for part in re.split(r"TensorArray_\d+", message))
    with tg.Graph().as_default():
        out = RECORD.GRAD_ARRAY_ERRORS[name](tg, _Gen)
        with tg.Session() as sess:
            with pytest.raises(getattr(errors, kind), match="^" + pattern):
                sess.run(out)


# --- what is refused or gives no gradient ---------------------------------------------------------------

def test_back_prop_false_gives_no_gradient():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [])
        _, y = tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x], back_prop=False)
        assert tg.gradients(y, [x]) == [None]
        assert tg.gradients(tg.map_fn(lambda r: r * x, tg.stack([x, x]), back_prop=False), [x]) == [None]


def test_a_gradient_of_a_loop_gradient_is_refused():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [])
        _, y = tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x])
        g, = tg.gradients(y, [x])
        with pytest.raises(TypeError, match="Second-order gradient for while loops not supported"):
            tg.gradients(g, [x])


def test_a_loop_read_from_a_graph_def_is_not_differentiable():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [], name="x")
        tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x], name="loop")
        gd = g.as_graph_def()
    with tg.Graph().as_default() as g2:
        tg.import_graph_def(gd, name="")
        y = g2.get_tensor_by_name("loop/Exit_1:0")
        with pytest.raises(ValueError, match="no loop context"):
            tg.gradients(y, [g2.get_tensor_by_name("x:0")])


def test_gradients_inside_a_loop_body_through_an_inner_loop_are_refused():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [])

        def body(i, a):
            _, b = tg.while_loop(lambda j, b: j < 2, lambda j, b: (j + 1, b * a), [0, a])
            return i + 1, tg.gradients(b, [a])[0]
        with pytest.raises(NotImplementedError, match="outside the cond or while_loop being built"):
            tg.while_loop(lambda i, a: i < 2, body, [0, x])


def test_a_gradient_array_needs_a_gradients_scope():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        y = tg.TensorArray(tg.float32, 2).unstack(tg.stack([x, x])).read(0)
        with pytest.raises(ValueError, match="start with gradients"):
            tg.gradients(y, [x], name="grads")


def test_the_loop_context_is_recorded():
    from tagraph.engine.ops.control_flow_context import context_of, output_context, while_context_of
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [])
        outside = x * 2.0

        def body(i, a):
            inner = tg.cond(a > 0.0, lambda: a * outside, lambda: a)
            return i + 1, inner
        _, y = tg.while_loop(lambda i, a: i < 3, body, [0, x], maximum_iterations=5, parallel_iterations=4)
        loop = while_context_of(y.op)
        assert loop is not None and loop.name == "while/while_context" and loop.parallel_iterations == 4
        assert loop.back_prop and loop.maximum_iterations is not None and loop.outer_context is None
        assert output_context(y) is None and context_of(outside.op) is None
        assert len(loop.loop_exits) == 3 and len(loop.loop_enters) == 3 and loop.pivot.op.type == "LoopCond"
        muls = [op for op in y.graph.get_operations() if op.type == "Mul" and op.name.startswith("while/")]
        assert [context_of(m).branch for m in muls] == [1]
        assert context_of(muls[0]).outer_context is loop and while_context_of(muls[0]) is loop
