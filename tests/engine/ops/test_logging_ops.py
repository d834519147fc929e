"""tg.Assert and tg.check_numerics: pass silently, fail with TensorFlow's message (values recorded from
TensorFlow 2.21: 'assertion failed: [1 20] [big] [1 2 3...]', 'bad x : Tensor had NaN values')."""
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
    (np.arange(6).reshape(2, 3), 4, "[0 1 2][3...]..."),
    (np.float32([np.nan, -np.inf]), -1, "nan -inf"),
])
def test_values_are_summarized_as_tensorflow_prints_them(value, summarize, text):
    from tagraph.engine.ops.logging_ops import summarize as summarize_value
    assert summarize_value(value, summarize) == text


# TensorFlow 2.21's messages, recorded from tf.compat.v1.check_numerics.
CHECK_NUMERICS_MESSAGES = [([1.0, np.nan], "bad x : Tensor had NaN values"),
                           ([np.inf, 1.0], "bad x : Tensor had Inf values"),
                           ([np.nan, -np.inf], "bad x : Tensor had Inf and NaN values")]


@pytest.mark.parametrize("value, message", CHECK_NUMERICS_MESSAGES)
def test_check_numerics_fails_on_nan_and_inf_with_tensorflows_message(device, value, message):
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(tg.float32, [None])
        y = tg.check_numerics(x, "bad x")
        assert y.op.type == "CheckNumerics" and y.shape.as_list() == [None]
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [1.0, 2.0])
            with pytest.raises(tg.errors.InvalidArgumentError) as info:
                sess.run(y, {x: value})
            assert info.value.message.split("\n")[0] == message


def test_check_numerics_gradient_checks_the_gradient_as_tensorflow_does():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None])
        g, = tg.gradients(tg.check_numerics(x, "bad x") * np.float32(np.inf), [x])
        assert g.op.type == "CheckNumerics"
        assert g.op.get_attr("message") == b"Not a number (NaN) or infinity (Inf) values detected in gradient. b'bad x'"
        with tg.Session() as sess, pytest.raises(tg.errors.InvalidArgumentError) as info:
            sess.run(g, {x: [1.0, 2.0]})
        assert info.value.message.split("\n")[0].endswith("b'bad x' : Tensor had Inf values")
