"""tg.metrics against TensorFlow 1's: every metric streamed over three batches gives TensorFlow's update
values, final value, local variables (names, dtypes, shapes and contents) and the names of the value and
update tensors, as tests/data/train/record_metrics.py recorded them; bad input fails as in TensorFlow."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "train"
_spec = importlib.util.spec_from_file_location("train_record_metrics", DATA / "record_metrics.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "metrics.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "metrics.json").read_text())


@pytest.fixture(autouse=True)
def reference_variables():
    """TensorFlow 1's reference variables, as the recording had them (tf.disable_v2_behavior())."""
    was = tg.resource_variables_enabled()
    tg.disable_resource_variables()
    yield
    if was:
        tg.enable_resource_variables()


def _close(actual, expected, where):
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, \
        "%s: %s%s, TensorFlow %s%s" % (where, actual.dtype, actual.shape, expected.dtype, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6, err_msg=where)


def test_every_recorded_case_is_defined():
    assert sorted(META["cases"]) == sorted(RECORD.CASES)
    assert sorted(META["errors"]) == sorted(RECORD.RUN_ERRORS)


@pytest.mark.parametrize("case", sorted(RECORD.CASES))
def test_streamed_values_and_variables_equal_tensorflows(case):
    fn, inputs = RECORD.CASES[case]
    want = META["cases"][case]
    with tg.Graph().as_default():
        phs, value, update = RECORD.build(tg, fn, inputs)
        local = tg.local_variables()
        assert [[v.op.name, v.dtype.base_dtype.name, v.shape.as_list()] for v in local] == want["variables"]
        assert [value.name, update.name] == want["tensors"]
        assert len(tg.get_collection(tg.GraphKeys.METRIC_VARIABLES)) == want["metric_variables"]
        assert not tg.trainable_variables() and not tg.global_variables()
        with tg.Session() as sess:
            sess.run(tg.local_variables_initializer())
            for i, batch in enumerate(RECORD.batches(inputs)):
                _close(sess.run(update, dict(zip(phs, batch))), ARRAYS["update:%s:%d" % (case, i)],
                       "%s update %d" % (case, i))
            _close(sess.run(value), ARRAYS["value:" + case], case + " value")
            for v, got in zip(local, sess.run(local)):
                _close(got, ARRAYS["var:%s:%s" % (case, v.op.name)], "%s %s" % (case, v.op.name))


@pytest.mark.parametrize("case", sorted(RECORD.RUN_ERRORS))
def test_bad_input_fails_as_in_tensorflow(case):
    fn, inputs = RECORD.RUN_ERRORS[case]
    error_class, message = META["errors"][case]
    with tg.Graph().as_default():
        phs, value, update = RECORD.build(tg, fn, inputs)
        with tg.Session() as sess:
            sess.run(tg.local_variables_initializer())
            with pytest.raises(getattr(errors, error_class)) as info:
                sess.run(update, dict(zip(phs, inputs)))
    assert message.split("] [")[0] in str(info.value)


def test_arguments_refused_as_in_tensorflow():
    with tg.Graph().as_default():
        y, p = tg.constant([1, 0]), tg.constant([0.3, 0.6])
        with pytest.raises(ValueError, match="Curve must be either ROC or PR"):
            tg.metrics.auc(y, p, curve="DET")
        with pytest.raises(ValueError, match="Invalid summation_method"):
            tg.metrics.auc(y, p, summation_method="simpson")
        with pytest.raises(ValueError, match="`specificity` must be in the range"):
            tg.metrics.sensitivity_at_specificity(y, p, 1.5)
        with pytest.raises(ValueError, match="`sensitivity` must be in the range"):
            tg.metrics.specificity_at_sensitivity(y, p, -0.1)
        with pytest.raises(ValueError, match="Invalid k=0"):
            tg.metrics.average_precision_at_k(tg.constant([[1]], tg.int64), tg.constant([[0.2, 0.8]]), 0)
        with pytest.raises(ValueError, match="incompatible"):
            tg.metrics.mean_squared_error(tg.constant([1.0, 2.0]), tg.constant([1.0, 2.0, 3.0]))
        with pytest.raises(ValueError, match="fully defined"):
            tg.metrics.mean_tensor(tg.placeholder(tg.float32, [None, 2]))
