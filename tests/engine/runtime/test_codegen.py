"""Straight-line plans run as one generated function; the interpreter takes plans past MAX_STEPS. Both give
the same values and name the failing node the same way."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.runtime import codegen
from tagraph.protos import config_pb2


def _unfused():
    """A session that runs each op as its own step (no elementwise fusion)."""
    config = tg.ConfigProto()
    config.graph_options.optimizer_options.opt_level = config_pb2.OptimizerOptions.L0
    return tg.Session(config=config)


def _chain(n):
    x = tg.placeholder(tg.float32, [None], name="x")
    y = x
    for i in range(n):
        y = y * 1.5 if i % 2 else y + 0.5
    return x, y


@pytest.mark.parametrize("max_steps", [codegen.MAX_STEPS, 0])
def test_generated_and_interpreted_runs_agree(monkeypatch, max_steps):
    monkeypatch.setattr(codegen, "MAX_STEPS", max_steps)
    with tg.Graph().as_default():
        x, y = _chain(7)
        s, parts = tg.split(tg.concat([y, y * 2.0], 0), 2)[0], tg.unstack(tg.reshape(y, [-1, 1]), axis=1)
        with _unfused() as sess:
            got = sess.run([y, s, parts], {x: [1.0, 2.0]})
            plan = next(iter(sess._plans.values()))
            assert (plan._generated is None) == (max_steps == 0)
    want = np.float32([1.0, 2.0])
    for i in range(7):
        want = want * 1.5 if i % 2 else want + 0.5
    np.testing.assert_allclose(got[0], want)
    np.testing.assert_allclose(got[1], want)
    np.testing.assert_allclose(got[2][0], want)


@pytest.mark.parametrize("max_steps", [codegen.MAX_STEPS, 0])
def test_a_failing_step_names_its_node(monkeypatch, max_steps):
    monkeypatch.setattr(codegen, "MAX_STEPS", max_steps)
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float32, [None], name="a")
        b = tg.placeholder(tg.float32, [None], name="b")
        tg.add(a * 2.0, b, name="the_sum")
        with _unfused() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match=r"Incompatible shapes(.|\n)*\[\[node the_sum\]\]"):
                sess.run("the_sum:0", {a: [1.0, 2.0], b: [1.0, 2.0, 3.0]})


def test_a_plan_past_the_limit_keeps_the_interpreter():
    with tg.Graph().as_default():
        x, y = _chain(codegen.MAX_STEPS + 5)
        with _unfused() as sess:
            sess.run(y, {x: [0.0]})
            assert next(iter(sess._plans.values()))._generated is None
