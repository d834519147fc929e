"""The learning-rate schedules against TensorFlow 1's: the same values over 100 global steps and the same
ops under the same names (tests/data/tf_ops/record_training.py recorded both)."""
import numpy as np
import pytest

import tagraph.engine as tg
from training_record import ARRAYS, GRAPHS, RECORD

# tagraph's case() is a chain of conds where TensorFlow's builds StatelessIf with an Assert guard; the values
# agree, the op lists of piecewise_constant do not.
_CASE_BUILT_DIFFERENTLY = {"piecewise_constant", "piecewise_constant_int64"}
# TensorFlow's Grappler (constant folding) rewrites ``step / 30.0`` into ``step * (1 / 30.0)``, which gives
# 3.0000002 at step 90 and so ceil() = 4: a fourth cycle a step early. tagraph divides as the graph says
# (TensorFlow with constant folding off gives tagraph's 0.001 too); every other step agrees.
_GRAPPLER_STEPS = {"polynomial_power_cycle": {90: 0.001}}


def _run(name):
    with tg.Graph().as_default() as g:
        step = tg.train.get_or_create_global_step()
        inc = tg.assign_add(step, 1)
        n0 = len(g.get_operations())
        lr = RECORD.SCHEDULES[name](tg, step)
        ops = [[op.name, op.type] for op in g.get_operations()[n0:]]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            vals = []
            for _ in range(RECORD.STEPS):
                vals.append(sess.run(lr))
                sess.run(inc)
    return lr, ops, np.array(vals)


@pytest.mark.parametrize("name", sorted(RECORD.SCHEDULES))
def test_values_equal_tensorflows_over_100_steps(name):
    lr, _, vals = _run(name)
    want = ARRAYS["schedule:" + name].copy()
    for i, v in _GRAPPLER_STEPS.get(name, {}).items():
        want[i] = v
    assert vals.dtype == want.dtype and lr.dtype.as_numpy_dtype == want.dtype
    np.testing.assert_allclose(vals, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(set(RECORD.SCHEDULES) - _CASE_BUILT_DIFFERENTLY))
def test_graph_equals_tensorflows(name):
    lr, ops, _ = _run(name)
    assert ops == GRAPHS[name]["ops"]
    assert lr.name == GRAPHS[name]["output"]


def test_schedules_feed_an_optimizer():
    with tg.Graph().as_default():
        step = tg.train.get_or_create_global_step()
        w = tg.get_variable("w", initializer=np.float32(1.0))
        lr = tg.train.exponential_decay(0.5, step, 1, 0.5, staircase=True)
        train = tg.train.GradientDescentOptimizer(lr).minimize(w * 1.0, global_step=step)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
            assert sess.run(w) == pytest.approx(1.0 - 0.5 - 0.25 - 0.125)


def test_global_step_is_required():
    with tg.Graph().as_default(), pytest.raises(ValueError, match="global_step is required"):
        tg.train.cosine_decay(0.1, None, 10)
