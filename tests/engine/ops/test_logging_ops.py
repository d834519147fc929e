"""tg.Assert: passes silently, fails with TensorFlow's message (values recorded from TensorFlow 2.21:
'assertion failed: [1 20] [big] [1 2 3...]')."""
import numpy as np
import pytest

import tagraph.engine as tg


def _checked(x, data, summarize=3):
    check = tg.Assert(tg.reduce_all(x < 10), data, summarize=summarize)
    with tg.control_dependencies([check]):
        return tg.identity(x)


def test_a_true_condition_passes(device):
    with tg.Graph().as_default():
        with tg.device(device):
            x = tg.placeholder(tg.float32, [None])
            y = _checked(x, [x])
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [1.0, 2.0])


def test_a_false_condition_fails_with_tensorflows_message():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None])
        y = _checked(x, [x, tg.constant("big"), tg.constant([1, 2, 3, 4, 5], tg.int64)])
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError) as e:
                sess.run(y, {x: [1.0, 20.0]})
    assert e.value.message.startswith("assertion failed: [1 20] [big] [1 2 3...]")
    assert e.value.op.type == "Assert"


@pytest.mark.parametrize("value,summarize,text", [
    (np.float32([0.1, 1e20, -2.5]), 3, "0.1 1e+20 -2.5"),
    (np.float64([1 / 3]), 3, "0.33333333333333331"),
    (np.array([True, False]), 3, "1 0"),
    (np.arange(6).reshape(2, 3), 4, "0 1 2 3..."),
    (np.float32([np.nan, -np.inf]), -1, "nan -inf"),
])
def test_values_are_summarized_as_tensorflow_prints_them(value, summarize, text):
    from tagraph.engine.ops.logging_ops import summarize as summarize_value
    assert summarize_value(value, summarize) == text
