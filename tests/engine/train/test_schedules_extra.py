"""cosine_decay_restarts, linear_cosine_decay and noisy_linear_cosine_decay against TensorFlow 1's: the same
values over 100 global steps (the noisy one's noise too, for the same graph seed) and the same ops under the
same names (tests/data/tf_ops/record_schedules_extra.py recorded both)."""
import json
import os
import sys

import numpy as np
import pytest

import tagraph.compat.v1 as tf

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "tf_ops")
sys.path.insert(0, DATA)
import record_schedules_extra as recorder  # noqa: E402

VALUES = np.load(os.path.join(DATA, "schedules_extra.npz"))
with open(os.path.join(DATA, "schedules_extra.json")) as _f:
    GRAPHS = json.load(_f)
# TensorFlow 2's cond in a graph is a StatelessIf over two functions; tagraph's is TensorFlow 1's Switch and
# Merge. The values agree; the op lists of the restarts schedules do not.
_COND_BUILT_DIFFERENTLY = {"restarts", "restarts_mul", "restarts_t_mul_1"}


@pytest.mark.parametrize("name", sorted(recorder.SCHEDULES))
def test_values_equal_tensorflows_over_100_steps(name):
    got, _, _ = recorder.run(tf, name)
    want = VALUES[name]
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(set(recorder.SCHEDULES) - _COND_BUILT_DIFFERENTLY))
def test_graph_equals_tensorflows(name):
    _, ops, output = recorder.run(tf, name)
    assert ops == GRAPHS[name]["ops"]
    assert output == GRAPHS[name]["output"]


def test_every_schedule_needs_a_global_step():
    for fn in (tf.train.cosine_decay_restarts, tf.train.linear_cosine_decay, tf.train.noisy_linear_cosine_decay):
        with pytest.raises(ValueError, match="global_step is required"):
            fn(0.1, None, 10)
    assert tf.train.piecewise_constant_decay is tf.train.piecewise_constant
