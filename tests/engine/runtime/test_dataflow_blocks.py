"""Blocks of the dataflow runner (engine/runtime/dataflow_blocks.py): runs of plain kernels executed as one
generated function give what the node-by-node worklist gives, dead values, transfers, loop invariants and
errors included."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.runtime import dataflow


@pytest.fixture
def no_blocks(monkeypatch):
    """Runs plans without blocks (the worklist alone), for comparison."""
    def disable():
        monkeypatch.setattr(dataflow, "make_blocks", lambda *args, **kwargs: [])
    return disable


def _loop_with_a_cond_inside(x):
    def body(i, acc):
        # A cond in the body: its untaken branch sends dead values into the plain ops after its Merge.
        step = tg.cond(tg.equal(i % 2, 0), lambda: tg.tanh(acc * x) + 1.0, lambda: acc * 0.5 - x)
        return i + 1, step * 1.5 + tg.reduce_sum(acc) * 0.01
    return tg.while_loop(lambda i, acc: i < 7, body, [0, x])[1]


def _run(build, feed_value, device="/device:CPU:0", fetch_grad=True):
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(tg.float64, [3])
        y = build(x)
        fetches = [y] + (tg.gradients(tg.reduce_sum(y * y), [x]) if fetch_grad else [])
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            got = sess.run(fetches, {x: feed_value})
            runners = [p._runner for p in sess._plans.values() if hasattr(p, "_runner")]
            return got, sess.last_run_stats, runners


def test_blocks_run_and_give_the_worklists_values(device, no_blocks):
    value = np.array([0.3, -1.2, 0.7])
    got, stats, (runner,) = _run(_loop_with_a_cond_inside, value, device)
    assert any(n.kind == dataflow._BLOCK for n in runner.roots) or any(
        dst.kind == dataflow._BLOCK for n in runner.nodes for edges in n.outs for dst, _ in edges)
    no_blocks()
    want, want_stats, _ = _run(_loop_with_a_cond_inside, value, device)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert (stats.uploads, stats.downloads) == (want_stats.uploads, want_stats.downloads)


@pytest.mark.parametrize("invariant_first", [True, False])
def test_a_loop_invariant_may_arrive_before_or_after_the_iterations_start(invariant_first, no_blocks):
    def build(x):
        def slow_invariant():
            v = x
            for _ in range(15):
                v = tg.sin(v) + 0.1
            return v
        inv = slow_invariant() if invariant_first else None
        start = tg.identity(x * 2.0)
        inv = inv if inv is not None else slow_invariant()

        def body(i, acc):
            return i + 1, acc * 0.9 + inv * tg.cos(acc)
        return tg.while_loop(lambda i, acc: i < 5, body, [0, start])[1]
    value = np.array([0.1, 0.2, -0.4])
    got, _, _ = _run(build, value)
    no_blocks()
    want, _, _ = _run(build, value)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_a_failing_kernel_in_a_block_is_named():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 2])

        def body(i, acc):
            shaped = tg.reshape(acc * 2.0, [3, -1], name="bad_reshape")
            return i + 1, tg.reshape(shaped, [-1, 2]) + 1.0
        y = tg.while_loop(lambda i, acc: i < 2, body, [0, x])[1]
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="bad_reshape"):
                sess.run(y, {x: np.ones((2, 2), np.float32)})
