"""TensorFlow 1's assertions (tf.assert_*, tf.debugging.*, tf.verify_tensor_all_finite) against TensorFlow
2.21's recorded errors (at build time where the values, ranks or dtypes are known, at run time otherwise, with
TensorFlow's messages) and op types (TensorFlow 1's AssertGuard conds), from
tests/data/tf_ops/record_array_nn_extra.py, on the CPU and a simulated GPU."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from array_nn_extra_reference import RECORDER, SOFT, check_error, op_types, params

CHECKS = ("assert", "check_numerics", "verify_tensor_all_finite")
MESSAGES = {
    # A Python float (int) beside a float64 (int64) x: TensorFlow's TypeError, worded by tagraph's op builder.
    "assert_less_run": r"Input 'y' of 'Less' Op has type float32 that does not match .*float64",
    "assert_less_equal_run": r"Input 'y' of 'LessEqual' Op has type int32 that does not match .*int64",
}


@pytest.mark.parametrize("err", params(RECORDER.ERRORS, CHECKS))
def test_failing_checks_fail_as_in_tensorflow(device, err):
    check_error(device, err, MESSAGES.get(err.name))


@pytest.mark.parametrize("name", ["check_numerics", "verify_tensor_all_finite", "assert_equal", "assert_equal_int32",
                                  "assert_less", "assert_positive", "assert_non_positive", "assert_near",
                                  "assert_rank", "assert_rank_static", "assert_rank_at_least", "assert_rank_in",
                                  "assert_type", "is_non_decreasing"])
def test_builds_tensorflows_op_types(name):
    got, want = op_types(name)
    assert got == want


@pytest.mark.parametrize("check,value", [
    (lambda tf, x: tf.assert_equal(x, x * 1.0), [1.0, 2.0]),
    (lambda tf, x: tf.assert_none_equal(x, 0.0), [1.0, 2.0]),
    (lambda tf, x: tf.assert_less(x, 3.0), [1.0, 2.0]),
    (lambda tf, x: tf.assert_less_equal(x, 2.0), [1.0, 2.0]),
    (lambda tf, x: tf.assert_greater(x, 0.5), [1.0, 2.0]),
    (lambda tf, x: tf.assert_greater_equal(x, 1.0), [1.0, 2.0]),
    (lambda tf, x: tf.assert_positive(x), [1.0, 2.0]),
    (lambda tf, x: tf.assert_non_negative(x), [0.0, 2.0]),
    (lambda tf, x: tf.assert_negative(-x), [1.0, 2.0]),
    (lambda tf, x: tf.assert_non_positive(-x), [0.0, 2.0]),
    (lambda tf, x: tf.assert_near(x, x + 1e-7), [1.0, 2.0]),
    (lambda tf, x: tf.assert_rank(x, 1), [1.0, 2.0]),
    (lambda tf, x: tf.assert_rank_at_least(x, 1), [1.0, 2.0]),
    (lambda tf, x: tf.assert_rank_in(x, [2, 1]), [1.0, 2.0]),
    (lambda tf, x: tf.debugging.assert_all_finite(x, "finite"), [1.0, 2.0]),
], ids=["equal", "none_equal", "less", "less_equal", "greater", "greater_equal", "positive", "non_negative",
        "negative", "non_positive", "near", "rank", "rank_at_least", "rank_in", "all_finite"])
def test_holding_checks_let_the_run_through(device, check, value):
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(tg.float32, None)
        with tg.control_dependencies([check(tfc, x)]):
            y = tg.identity(x) * 2.0
        with tg.Session(config=SOFT) as sess:
            np.testing.assert_array_equal(sess.run(y, {x: value}), np.multiply(value, 2.0))


def test_static_checks_that_hold_build_no_assert():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2, 3])
        tfc.assert_rank(x, 2)
        tfc.assert_type(x, tfc.float32)
        tfc.assert_integer(tg.constant([1]))
        assert tfc.assert_scalar(tg.constant(1.0)).shape.rank == 0
        assert tfc.assert_same_float_dtype([x, None]) == tg.float32
        assert tfc.assert_same_float_dtype(None, None) == tg.float32
        tfc.assert_proper_iterable([x, x])
        assert "Assert" not in {op.type for op in g.get_operations()}
    with pytest.raises(TypeError, match='"proper" iterable'):
        tfc.assert_proper_iterable(np.zeros(2))


def test_predicates():
    with tg.Graph().as_default():
        assert tfc.is_numeric_tensor(tg.constant([1, 2]))
        assert not tfc.is_numeric_tensor(tg.constant("a"))
        assert not tfc.is_numeric_tensor([1, 2])
        x = tg.placeholder(tg.int32, None)
        checks = [tfc.is_non_decreasing(x), tfc.is_strictly_increasing(x)]
        with tg.Session() as sess:
            assert sess.run(checks, {x: [[1, 2], [2, 5]]}) == [True, False]
            assert sess.run(checks, {x: np.zeros([0], np.int32)}) == [True, True]
            assert sess.run(checks, {x: [3, 1]}) == [False, False]
