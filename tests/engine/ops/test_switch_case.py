"""switch_case against TensorFlow 1's ``tf.switch_case``: the cases of tests/data/tf_ops/record_switch_case.py
give TensorFlow's result for every branch index (out-of-range ones running the default, or the last branch),
or its error class and message (switch_case.json)."""
import json
import os
import sys

import pytest

import tagraph.compat.v1 as tf

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "tf_ops")
sys.path.insert(0, DATA)
import record_switch_case as recorder  # noqa: E402

with open(os.path.join(DATA, "switch_case.json")) as _f:
    RECORDED = json.load(_f)


@pytest.mark.parametrize("case", sorted(recorder.CASES))
def test_switch_case_as_tensorflow(case):
    assert recorder.run_case(tf, case) == RECORDED[case]


def test_only_the_chosen_branch_runs():
    with tf.Graph().as_default():
        i = tf.placeholder(tf.int32, [])
        v = tf.get_variable("v", initializer=0)
        out = tf.switch_case(i, [lambda: tf.assign_add(v, 1), lambda: tf.assign_add(v, 10)])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(out, {i: 1})
            assert sess.run(v) == 10
