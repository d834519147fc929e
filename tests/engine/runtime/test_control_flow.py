"""Control flow: tg.cond, tg.case, tg.while_loop, and TensorFlow 1 graphs holding Switch, Merge, Enter,
Exit, NextIteration and LoopCond (engine/ops/control_flow_ops.py, engine/runtime/dataflow.py).

The TensorFlow-written GraphDefs in tests/data/control_flow/ were made by make_graphs.py there, with the
values TensorFlow computed for them (expected.json).
"""
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import graph_pb2

CF_DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "control_flow"


def _session(device=None):
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) if device else tg.Session()


# --- cond -------------------------------------------------------------------------------------------

def test_cond_takes_each_branch(device):
    with tg.Graph().as_default():
        with tg.device(device):
            x = tg.placeholder(tg.float32, [3], name="x")
            p = tg.placeholder(tg.bool, [], name="p")
            c = tg.constant([1.0, 2.0, 3.0])
            y = tg.cond(p, lambda: x * 2.0 + c, lambda: x - 1.0)
        assert y.shape.as_list() == [3] and y.dtype == tg.float32
        with _session(device) as sess:
            xv = np.array([1.0, -2.0, 0.5], np.float32)
            np.testing.assert_allclose(sess.run(y, {x: xv, p: True}), xv * 2 + [1, 2, 3])
            np.testing.assert_allclose(sess.run(y, {x: xv, p: False}), xv - 1)
            if "GPU" in device:
                # The predicate stays on the host; x goes up once, y comes down once.
                assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (1, 1)


def test_ops_of_a_branch_run_only_when_it_is_taken():
    with tg.Graph().as_default():
        ref = tg.get_variable("ref", [], initializer=tg.zeros_initializer, use_resource=False)
        res = tg.get_variable("res", [], initializer=tg.zeros_initializer, use_resource=True)
        p = tg.placeholder(tg.bool, [])
        out = tg.cond(p, lambda: ref.assign_add(1.0), lambda: res.assign_add(10.0))
        # A branch that returns an op, and one made of no_op.
        bump = tg.cond(p, lambda: ref.assign_add(100.0).op, lambda: tg.no_op())
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert sess.run(out, {p: True}) == 1.0
            assert sess.run(out, {p: True}) == 2.0
            assert sess.run(out, {p: False}) == 10.0
            assert sess.run([ref, res]) == [2.0, 10.0]
            sess.run(bump, {p: False})
            assert sess.run(ref) == 2.0
            sess.run(bump, {p: True})
            assert sess.run(ref) == 102.0


def test_cond_results_structures_and_outside_values():
    with tg.Graph().as_default():
        p = tg.placeholder(tg.bool, [])
        x = tg.constant([1.0, 2.0])
        # An outside tensor returned as is, Python values, a nested structure.
        out = tg.cond(p, lambda: (x, {"a": 3, "b": x * 2}), lambda: (x * 0, {"a": 4, "b": x}))
        single = tg.cond(p, lambda: [x], lambda: [x + 1])             # unpacked: not strict
        strict = tg.cond(p, lambda: [x], lambda: [x + 1], strict=True)
        assert isinstance(single, tg.Tensor) and isinstance(strict, list) and len(strict) == 1
        with tg.Session() as sess:
            a, d = sess.run(out, {p: True})
            np.testing.assert_array_equal(a, [1, 2])
            assert d["a"] == 3 and list(d["b"]) == [2, 4]
            a, d = sess.run(out, {p: False})
            np.testing.assert_array_equal(a, [0, 0])
            assert d["a"] == 4 and list(d["b"]) == [1, 2]
            np.testing.assert_array_equal(sess.run(single, {p: False}), [2, 3])
            # A fetched value is the caller's: changing it changes nothing in the session.
            v = sess.run(out, {p: True})[0]
            v[:] = 9
            np.testing.assert_array_equal(sess.run(out, {p: True})[0], [1, 2])


def test_nested_cond(device):
    with tg.Graph().as_default():
        with tg.device(device):
            x = tg.placeholder(tg.float32, [], name="x")
            p = tg.placeholder(tg.bool, [])
            q = tg.placeholder(tg.bool, [])
            y = tg.cond(p, lambda: tg.cond(q, lambda: x * 10.0, lambda: x + 100.0), lambda: x - 1.0)
        with _session(device) as sess:
            for pv, qv, want in [(True, True, 20.0), (True, False, 102.0), (False, True, 1.0), (False, False, 1.0)]:
                assert sess.run(y, {x: 2.0, p: pv, q: qv}) == want


def test_case():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.int32, [])
        r = tg.case([(x < 0, lambda: tg.constant(-1)), (x > 10, lambda: tg.constant(1))],
                    default=lambda: tg.constant(0))
        with tg.Session() as sess:
            assert [sess.run(r, {x: v}) for v in (-5, 5, 50)] == [-1, 0, 1]
        with pytest.raises(NotImplementedError, match="Assert"):
            tg.case([(x < 5, lambda: x)], default=lambda: x, exclusive=True)


def test_cond_refuses_bad_arguments():
    with tg.Graph().as_default():
        p = tg.placeholder(tg.bool, [])
        x = tg.constant(1.0)
        with pytest.raises(TypeError, match="Python bool"):
            tg.cond(True, lambda: x, lambda: x)
        with pytest.raises(TypeError, match="callable"):
            tg.cond(p, x, lambda: x)
        with pytest.raises(ValueError, match="same type"):
            tg.cond(p, lambda: x, lambda: tg.constant(1))
        with pytest.raises(ValueError, match="structure"):
            tg.cond(p, lambda: (x, x), lambda: x)
        with pytest.raises(ValueError, match="return value"):
            tg.cond(p, lambda: None, lambda: x)
        with pytest.raises(TypeError, match="bool"):
            tg.cond(tg.constant(1), lambda: x, lambda: x)


def test_fetching_a_value_of_the_untaken_branch_is_an_error():
    with tg.Graph().as_default():
        p = tg.placeholder(tg.bool, [])
        x = tg.constant(3.0)
        inner = []

        def true_fn():
            inner.append(x * 2.0)
            return inner[0]
        tg.cond(p, true_fn, lambda: x)
        with tg.Session() as sess:
            assert sess.run(inner[0], {p: True}) == 6.0
            with pytest.raises(errors.InvalidArgumentError, match="not taken"):
                sess.run(inner[0], {p: False})


# --- while_loop -------------------------------------------------------------------------------------

def test_while_loop_vars_of_several_dtypes_and_shapes(device):
    with tg.Graph().as_default():
        with tg.device(device):
            n = tg.placeholder(tg.int32, [], name="n")
            m = tg.placeholder(tg.float32, [2, 3], name="m")
            w = tg.constant([[1.0, 0.5, 2.0]])     # a loop invariant from outside

            def body(i, mat, s, flags):
                return (i + 1, mat * w + 1.0, s + tg.cast(i, tg.float64),
                        tg.logical_not(flags))
            i, mat, s, flags = tg.while_loop(lambda i, mat, s, flags: i < n, body,
                                             [0, m, tg.constant(0.0, tg.float64), tg.constant([True, False])])
        assert [t.dtype for t in (i, mat, s, flags)] == [tg.int32, tg.float32, tg.float64, tg.bool]
        assert mat.shape.as_list() == [2, 3] and flags.shape.as_list() == [2]
        mv = np.arange(6, dtype=np.float32).reshape(2, 3)
        with _session(device) as sess:
            for nv in (0, 1, 5):
                got = sess.run([i, mat, s, flags], {n: nv, m: mv})
                want = mv.copy()
                for _ in range(nv):
                    want = want * np.array([[1.0, 0.5, 2.0]], np.float32) + 1.0
                assert got[0] == nv and got[2] == sum(range(nv))
                np.testing.assert_allclose(got[1], want)
                np.testing.assert_array_equal(got[3], [nv % 2 == 0, nv % 2 == 1])
            if "GPU" in device:
                # m goes up once; the counter (host memory) goes up once per iteration for the Cast on
                # the GPU; mat and s come down once. flags, a bool, stays on the host.
                assert (sess.last_run_stats.uploads, sess.last_run_stats.downloads) == (1 + 5, 2)


def test_single_loop_var_and_structures():
    with tg.Graph().as_default():
        one = tg.while_loop(lambda v: v < 10, lambda v: v * 2, [1])
        assert isinstance(one, tg.Tensor)
        same = tg.while_loop(lambda v: v < 10, lambda v: [v * 2], [1], return_same_structure=True)
        assert isinstance(same, list) and len(same) == 1
        Pair = __import__("collections").namedtuple("Pair", "a b")
        nested = tg.while_loop(lambda k, p: k < 3, lambda k, p: (k + 1, Pair(p.a + 1, {"c": p.b["c"] * 2})),
                               [0, Pair(tg.constant(0), {"c": tg.constant(1.0)})])
        with tg.Session() as sess:
            assert sess.run(one) == 16 and sess.run(same) == [16]
            k, pair = sess.run(nested)
            assert k == 3 and pair.a == 3 and pair.b["c"] == 8.0


def test_shape_invariants():
    with tg.Graph().as_default():
        n = tg.placeholder(tg.int32, [])
        grow = lambda v: tg.concat([v, v[-1:] + 1], 0)  # noqa: E731
        with pytest.raises(ValueError, match="shape_invariants"):
            tg.while_loop(lambda v: tg.size(v) < n, grow, [tg.constant([1])])
        v = tg.while_loop(lambda v: tg.size(v) < n, grow, [tg.constant([1])],
                          shape_invariants=[tg.TensorShape([None])])
        assert v.shape.as_list() == [None]
        with pytest.raises(ValueError, match="not compatible"):
            tg.while_loop(lambda v: tg.size(v) < n, grow, [tg.constant([1])], shape_invariants=[tg.TensorShape([2])])
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(v, {n: 4}), [1, 2, 3, 4])


def test_nested_while_and_maximum_iterations():
    with tg.Graph().as_default():
        n = tg.placeholder(tg.int32, [])

        def outer(k, total):
            _, inner = tg.while_loop(lambda j, t: j < k, lambda j, t: (j + 1, t + j), [0, 0])
            return k + 1, total + inner
        _, tri = tg.while_loop(lambda k, t: k < n, outer, [0, 0])
        capped = tg.while_loop(lambda m: m > -1.0, lambda m: m + 1.5, [tg.constant(0.0)], maximum_iterations=n)
        capped2 = tg.while_loop(lambda a, b: a < 100, lambda a, b: (a + 1, b * 2.0), [0, 1.0], maximum_iterations=3)
        assert isinstance(capped, tg.Tensor) and len(capped2) == 2
        with tg.Session() as sess:
            for nv in (0, 1, 6):
                assert sess.run(tri, {n: nv}) == sum(k * (k - 1) // 2 for k in range(nv))
                assert sess.run(capped, {n: nv}) == 1.5 * nv
            assert tuple(sess.run(capped2)) == (3, 8.0)


def test_cond_in_while_and_while_in_cond():
    with tg.Graph().as_default():
        n = tg.placeholder(tg.int32, [])
        p = tg.placeholder(tg.bool, [])
        count = tg.get_variable("count", [], tg.int32, initializer=tg.zeros_initializer)
        _, parity = tg.while_loop(lambda k, e: k < n, lambda k, e: (
            k + 1, tg.cond(tg.equal(k % 2, 0), lambda: e + 1, lambda: e - 1)), [0, 0])

        def counting_body(i):
            with tg.control_dependencies([count.assign_add(1)]):
                return i + 1
        # A loop in a branch: when the branch is not taken, the loop's Enters are dead and it never runs.
        guarded = tg.cond(p, lambda: tg.while_loop(lambda i: i < n, counting_body, [0]), lambda: tg.constant(-1))
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert [sess.run(parity, {n: v}) for v in (0, 1, 4, 5)] == [0, 1, 0, 1]
            assert sess.run(guarded, {p: False, n: 5}) == -1 and sess.run(count) == 0
            assert sess.run(guarded, {p: True, n: 5}) == 5 and sess.run(count) == 5


def test_loop_side_effects_run_once_per_iteration():
    with tg.Graph().as_default():
        n = tg.placeholder(tg.int32, [])
        ref = tg.get_variable("ref", [], initializer=tg.zeros_initializer, use_resource=False)
        res = tg.get_variable("res", [], initializer=tg.zeros_initializer, use_resource=True)
        # The condition reads the variable the body assigns (read_value: a fresh read each iteration).
        k = tg.while_loop(lambda k: ref.read_value() < 5.0,
                          lambda k: k + tg.cast(ref.assign_add(1.0) > 0, tg.int32), [0])
        k2 = tg.while_loop(lambda k: res.read_value() < 3.0,
                           lambda k: k + tg.cast(res.assign_add(1.0) > 0, tg.int32), [0])
        # An op inside the body ordered after one outside (a control input from outside the loop).
        z = tg.get_variable("z", [], initializer=tg.zeros_initializer, use_resource=False)
        set_z = z.assign(4.0)

        def body(i, acc):
            with tg.control_dependencies([set_z]):
                return i + 1, acc + z.read_value()
        _, acc = tg.while_loop(lambda i, acc: i < n, body, [0, 0.0])
        # A body op fed only by loop invariants still runs once per iteration, not once more.
        bumps = tg.get_variable("bumps", [], initializer=tg.zeros_initializer, use_resource=True)
        one = tg.constant(1.0)

        def bump_body(i):
            with tg.control_dependencies([bumps.assign_add(one)]):
                return tg.identity(i + 1)
        j = tg.while_loop(lambda i: i < n, bump_body, [0])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert sess.run(k) == 5 and sess.run(ref) == 5.0
            assert sess.run(k2) == 3 and sess.run(res) == 3.0
            assert sess.run(acc, {n: 2}) == 8.0
            assert sess.run(j, {n: 4}) == 4 and sess.run(bumps) == 4.0


def test_while_loop_refuses_bad_arguments():
    with tg.Graph().as_default():
        with pytest.raises(TypeError, match="callable"):
            tg.while_loop(1, lambda v: v, [1])
        with pytest.raises(ValueError, match="structure"):
            tg.while_loop(lambda a, b: a < 1, lambda a, b: [a], [0, 1])
        with pytest.raises(TypeError, match="dtype"):
            tg.while_loop(lambda a: a < 1, lambda a: tg.cast(a, tg.float32), [0])
        with pytest.raises(TypeError, match="bool"):
            tg.while_loop(lambda a: a, lambda a: a, [0])


def test_fetching_a_tensor_inside_a_loop_is_an_error():
    with tg.Graph().as_default():
        seen = []

        def body(i):
            seen.append(i * 2)
            return i + 1
        tg.while_loop(lambda i: i < 3, body, [0])
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="inside the while loop"):
                sess.run(seen[0])


def test_plans_are_reused_and_callables_work():
    with tg.Graph().as_default():
        n = tg.placeholder(tg.int32, [])
        r = tg.while_loop(lambda i: i < n, lambda i: i + 2, [0])
        with tg.Session() as sess:
            call = sess.make_callable(r, [n])
            assert [call(v) for v in (0, 3, 10)] == [0, 4, 10]
            assert sess.run(r, {n: 1}) == 2 and sess.run(r, {n: 2}) == 2
            assert len(sess._plans) == 1


# --- TensorFlow-written graphs ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cond", "while"])
def test_tensorflow_written_graphs_run_to_tensorflows_values(name, device):
    expected = json.loads((CF_DATA / "expected.json").read_text())[name]
    gd = graph_pb2.GraphDef.FromString((CF_DATA / (name + ".pb")).read_bytes())
    with tg.Graph().as_default() as g:
        with tg.device(device):
            tg.import_graph_def(gd, name="")
        ops = {op.type for op in g.get_operations()}
        assert {"Switch", "Merge"} <= ops
        if name == "while":
            assert {"Enter", "Exit", "NextIteration", "LoopCond"} <= ops
        with _session(device) as sess:
            for run in expected:
                keys = sorted(run["fetch"])
                got = sess.run(keys, run["feed"])
                for k, v in zip(keys, got):
                    assert np.asarray(v).dtype == np.dtype(run["dtype"][k]), k
                    np.testing.assert_allclose(v, run["fetch"][k], rtol=1e-6, err_msg="%s %s" % (k, run["feed"]))


def test_a_graph_def_with_a_loop_round_trips():
    with tg.Graph().as_default() as g:
        n = tg.placeholder(tg.int32, [], name="n")
        i, acc = tg.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 2.0), [0, tg.constant(1.0)])
        tg.identity(acc, name="acc")
        gd = g.as_graph_def()
    with tg.Graph().as_default():
        acc2, = tg.import_graph_def(gd, return_elements=["acc:0"], name="copy")
        with tg.Session() as sess:
            assert sess.run(acc2, {"copy/n:0": 5}) == 32.0


def test_malformed_control_flow_is_refused():
    with tg.Graph().as_default() as g:
        x = tg.constant(1.0)
        # An Exit outside any loop.
        e = g.create_op("Exit", [x], {}, name="stray_exit").outputs[0]
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="not inside a while loop"):
                sess.run(e)
        # A cycle that is not a loop's back edge is still a cycle.
        m = g.create_op("Merge", [[x, x]], {}, name="m")
        a = m.outputs[0] + 1.0
        from tagraph.engine.ops.control_flow_ops import _update_input
        _update_input(m, 1, a)
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="cycle"):
                sess.run(a)


# --- gradients ------------------------------------------------------------------------------------------

def _numeric_grad(sess, y, x, feed, xv, eps=1e-6):
    g = np.zeros_like(xv)
    for i in range(xv.size):
        d = np.zeros_like(xv)
        d.flat[i] = eps
        up = sess.run(y, {**feed, x: xv + d})
        down = sess.run(y, {**feed, x: xv - d})
        g.flat[i] = (up - down) / (2 * eps)
    return g


def test_gradients_through_cond_match_numeric_ones(device):
    with tg.Graph().as_default():
        with tg.device(device):
            x = tg.placeholder(tg.float64, [3], name="x")
            p = tg.placeholder(tg.bool, [])
            q = tg.placeholder(tg.bool, [])
            y = tg.cond(p, lambda: tg.reduce_sum(x * x * x), lambda: tg.reduce_sum(tg.sin(x)))
            # Nested, with x also used outside the cond.
            z = tg.cond(p, lambda: tg.cond(q, lambda: y * 2.0, lambda: y * x[0]), lambda: y + x[1]) + tg.reduce_sum(x)
            # A branch that ignores x: the other side's zeros must not leak into the taken one.
            u = tg.cond(p, lambda: tg.reduce_sum(x) * 3.0, lambda: tg.constant(7.0, tg.float64))
            gy, gz, gu = tg.gradients([y], [x])[0], tg.gradients(z, x)[0], tg.gradients(u, x)[0]
        xv = np.array([0.5, -1.0, 2.0])
        with _session(device) as sess:
            for pv in (True, False):
                for qv in (True, False):
                    feed = {p: pv, q: qv}
                    np.testing.assert_allclose(sess.run(gy, {**feed, x: xv}),
                                               _numeric_grad(sess, y, x, feed, xv), rtol=1e-5)
                    np.testing.assert_allclose(sess.run(gz, {**feed, x: xv}),
                                               _numeric_grad(sess, z, x, feed, xv), rtol=1e-5)
                np.testing.assert_allclose(sess.run(gu, {p: pv, x: xv}), [3.0] * 3 if pv else [0.0] * 3)


def test_gradients_of_variables_used_in_a_branch():
    with tg.Graph().as_default():
        p = tg.placeholder(tg.bool, [])
        res = tg.get_variable("res", [2], tg.float64, initializer=tg.ones_initializer, use_resource=True)
        ref = tg.get_variable("ref", [2], tg.float64, initializer=tg.ones_initializer, use_resource=False)
        y = tg.cond(p, lambda: tg.reduce_sum(res * res * 3.0), lambda: tg.reduce_sum(ref * 5.0))
        g_res, g_ref = tg.gradients(y, [res, ref])
        # The ref variable read through a RefSwitch, as TensorFlow 1 builds it: its gradient too.
        g = tg.get_default_graph()
        rs = g.create_op("RefSwitch", [ref._ref(), p], {}, name="refswitch")
        w = tg.reduce_sum(rs.outputs[1] * 2.0) + tg.reduce_sum(rs.outputs[0])
        m = g.create_op("Merge", [[rs.outputs[0] * 4.0, rs.outputs[1] * 2.0]], {}).outputs[0]
        g_ref_switch = tg.gradients(w, [ref])[0]
        g_merge = tg.gradients(tg.reduce_sum(m), [ref])[0]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            np.testing.assert_allclose(sess.run(g_res, {p: True}), [6.0, 6.0])
            np.testing.assert_allclose(sess.run(g_ref, {p: False}), [5.0, 5.0])
            np.testing.assert_allclose(sess.run(g_ref, {p: True}), [0.0, 0.0])
            np.testing.assert_allclose(sess.run(g_ref_switch, {p: True}), [2.0, 2.0])
            np.testing.assert_allclose(sess.run(g_ref_switch, {p: False}), [1.0, 1.0])
            np.testing.assert_allclose(sess.run(g_merge, {p: True}), [2.0, 2.0])
            np.testing.assert_allclose(sess.run(g_merge, {p: False}), [4.0, 4.0])
            # A resource variable's gradient exists only when its branch ran (as in TensorFlow).
            with pytest.raises(errors.InvalidArgumentError, match="not taken"):
                sess.run(g_res, {p: False})


def test_gradients_through_a_while_loop_run_a_backward_loop():
    # More in tests/engine/train/test_control_flow_grad.py.
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [])
        _, y = tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x])
        g, = tg.gradients(y, [x])
        with tg.Session() as sess:
            assert sess.run(g, {x: 2.0}) == pytest.approx(4 * 2.0 ** 3)
