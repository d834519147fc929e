"""tagraph's nest (engine/framework/nest.py) against ``tf.nest``: each case of tests/data/compat/record_nest.py
gives TensorFlow's result, or its error class and message word for word (nest.json)."""
import json
import os
import sys

import pytest

from tagraph.engine.framework import nest

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "compat")
sys.path.insert(0, DATA)
import record_nest as recorder  # noqa: E402

with open(os.path.join(DATA, "nest.json")) as _f:
    RECORDED = json.load(_f)


@pytest.mark.parametrize("case", sorted(recorder.CASES))
def test_nest_as_tensorflow(case):
    assert recorder.run_case(nest, case) == RECORDED[case]
