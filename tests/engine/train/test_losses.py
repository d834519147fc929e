"""tg.losses against TensorFlow 1's: every loss under every reduction and kind of weights, the value, its
gradient by the predictions and the loss tensor's name (tests/data/train/record_losses.py recorded them);
the gradients checked against finite differences as well; bad arguments refused as TensorFlow refuses them."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "train"
_spec = importlib.util.spec_from_file_location("train_record_losses", DATA / "record_losses.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "losses.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "losses.json").read_text())["cases"]


def _run(case, inputs=None):
    with tg.Graph().as_default() as g:
        y, p, loss, grad = RECORD.build(tg, case)
        with tg.Session() as sess:
            value, gvalue = sess.run([loss, grad], dict(zip([y, p], inputs or RECORD.CASES[case][1])))
        return loss, value, gvalue, len(g.get_collection(tg.GraphKeys.LOSSES))


def test_every_recorded_case_is_defined():
    assert sorted(META) == sorted(RECORD.CASES) and len(META) > 100


@pytest.mark.parametrize("case", sorted(RECORD.CASES))
def test_value_gradient_and_name_equal_tensorflows(case):
    loss, value, grad, collected = _run(case)
    want = META[case]
    assert (loss.name, loss.dtype.name, collected) == (want["name"], want["dtype"], want["collection"])
    np.testing.assert_allclose(value, ARRAYS["value:" + case], rtol=2e-6, atol=1e-6)
    assert np.shape(value) == ARRAYS["value:" + case].shape
    np.testing.assert_allclose(grad, ARRAYS["grad:" + case], rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["huber:sum:wfull", "huber:delta", "log:nonzero:wrow", "hinge:mean:wfull",
                                  "cosine:batch:wrow", "pairwise", "pairwise:wfull", "pairwise:2d"])
def test_gradient_equals_finite_differences(case):
    labels, preds = (np.asarray(a, np.float64) for a in RECORD.CASES[case][1])
    with tg.Graph().as_default():
        y, p, loss, grad = RECORD.build(tg, case)
        total = tg.reduce_sum(loss)
        with tg.Session() as sess:
            analytic = sess.run(grad, {y: labels, p: preds})
            numeric = np.zeros_like(preds)
            eps = 1e-2         # the losses compute in float32: a smaller step drowns in round-off
            for i in np.ndindex(preds.shape):
                up, down = preds.copy(), preds.copy()
                up[i] += eps
                down[i] -= eps
                numeric[i] = (sess.run(total, {y: labels, p: up}) - sess.run(total, {y: labels, p: down})) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=1e-3 * max(1.0, np.abs(numeric).max()))


def test_losses_without_labels_or_predictions_are_refused():
    with tg.Graph().as_default():
        x = tg.constant([[1.0, 2.0]])
        for fn in (tg.losses.huber_loss, tg.losses.log_loss, tg.losses.mean_pairwise_squared_error):
            with pytest.raises(ValueError, match="labels"):
                fn(None, x)
            with pytest.raises(ValueError, match="predictions"):
                fn(x, None)
        with pytest.raises(ValueError, match="logits"):
            tg.losses.hinge_loss(x, None)
        with pytest.raises(ValueError, match="axis"):
            tg.losses.cosine_distance(x, x)
        with pytest.raises(ValueError, match="incompatible"):
            tg.losses.huber_loss(x, tg.constant([[1.0, 2.0, 3.0]]))
        with pytest.raises(ValueError, match="Invalid Reduction Key"):
            tg.losses.log_loss(x, x, reduction="average")
