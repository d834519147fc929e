"""tg.metrics against reference formulas written out in numpy: streamed over batches, with weights."""
import numpy as np
import pytest

import tagraph.engine as tg


def stream(metric_fn, batches):
    """Runs the metric's update over each batch (feeding placeholders); returns (updates, final value)."""
    with tg.Graph().as_default():
        phs = [tg.placeholder(tg.as_dtype(np.asarray(a).dtype), [None] + list(np.shape(a))[1:])
               for a in batches[0]]
        value, update = metric_fn(*phs)
        assert not tg.global_variables() and not tg.trainable_variables()
        assert tg.local_variables()
        with tg.Session() as sess:
            sess.run(tg.local_variables_initializer())
            ups = [sess.run(update, dict(zip(phs, b))) for b in batches]
            return ups, sess.run(value)


def split(arrays, sizes):
    out, start = [], 0
    for n in sizes:
        out.append([a[start:start + n] for a in arrays])
        start += n
    return out


RNG = np.random.RandomState(0)
LABELS = RNG.randint(0, 2, 50).astype(np.int64)
SCORES = np.clip(LABELS * 0.3 + RNG.rand(50) * 0.7, 0, 1).astype(np.float32)
PRED = (SCORES > 0.5).astype(np.int64)
WEIGHTS = RNG.rand(50).astype(np.float32)
SIZES = [20, 17, 13]


def test_mean_and_weighted_mean():
    values = RNG.randn(50).astype(np.float32)
    ups, value = stream(lambda v: tg.metrics.mean(v), split([values], SIZES))
    assert value == pytest.approx(values.mean(), rel=1e-5)
    assert ups[0] == pytest.approx(values[:20].mean(), rel=1e-5)     # update gives the running value
    _, wvalue = stream(lambda v, w: tg.metrics.mean(v, w), split([values, WEIGHTS], SIZES))
    assert wvalue == pytest.approx(np.sum(values * WEIGHTS) / WEIGHTS.sum(), rel=1e-5)


def test_mean_of_nothing_is_zero():
    with tg.Graph().as_default():
        value, _ = tg.metrics.mean(tg.placeholder(tg.float32, [None]))
        with tg.Session() as sess:
            sess.run(tg.local_variables_initializer())
            assert sess.run(value) == 0.0


def test_accuracy():
    labels = RNG.randint(0, 4, 50).astype(np.int64)
    preds = np.where(RNG.rand(50) < 0.7, labels, (labels + 1) % 4)
    _, value = stream(lambda l, p: tg.metrics.accuracy(l, p), split([labels, preds], SIZES))
    assert value == pytest.approx(np.mean(labels == preds), rel=1e-6)
    _, wvalue = stream(lambda l, p, w: tg.metrics.accuracy(l, p, w), split([labels, preds, WEIGHTS], SIZES))
    assert wvalue == pytest.approx(np.sum((labels == preds) * WEIGHTS) / WEIGHTS.sum(), rel=1e-5)
    # [N, 1] labels against [N] predictions, as a model_fn often has them
    _, col = stream(lambda l, p: tg.metrics.accuracy(l, p), split([labels.reshape(-1, 1), preds], SIZES))
    assert col == pytest.approx(value)


def test_precision_and_recall():
    tp = np.sum((PRED == 1) & (LABELS == 1))
    fp = np.sum((PRED == 1) & (LABELS == 0))
    fn = np.sum((PRED == 0) & (LABELS == 1))
    _, p = stream(lambda l, q: tg.metrics.precision(l, q), split([LABELS, PRED], SIZES))
    _, r = stream(lambda l, q: tg.metrics.recall(l, q), split([LABELS, PRED], SIZES))
    assert p == pytest.approx(tp / (tp + fp), rel=1e-6)
    assert r == pytest.approx(tp / (tp + fn), rel=1e-6)
    w = WEIGHTS
    wtp = np.sum(w * ((PRED == 1) & (LABELS == 1)))
    wfp = np.sum(w * ((PRED == 1) & (LABELS == 0)))
    _, wp = stream(lambda l, q, ww: tg.metrics.precision(l, q, ww), split([LABELS, PRED, w], SIZES))
    assert wp == pytest.approx(wtp / (wtp + wfp), rel=1e-5)


def test_precision_without_positive_predictions_is_zero():
    _, p = stream(lambda l, q: tg.metrics.precision(l, q), [[np.int64([1, 0]), np.int64([0, 0])]])
    assert p == 0.0


def reference_auc(labels, scores, weights=None, num_thresholds=200, curve="ROC", summation="trapezoidal"):
    """The trapezoid rule over TensorFlow's thresholds, computed directly in numpy (float64)."""
    w = np.ones_like(scores, np.float64) if weights is None else weights.astype(np.float64)
    eps = 1e-7
    th = np.array([-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps])
    pos = labels.astype(bool)
    above = scores[None, :].astype(np.float64) > th[:, None].astype(np.float32)
    tp = (above & pos).astype(np.float64) @ w
    fp = (above & ~pos).astype(np.float64) @ w
    fn = (~above & pos).astype(np.float64) @ w
    tn = (~above & ~pos).astype(np.float64) @ w
    e = 1e-6
    rec = (tp + e) / (tp + fn + e)
    if curve == "ROC":
        x, y = fp / (fp + tn + e), rec
    else:
        x, y = rec, (tp + e) / (tp + fp + e)
    area = 0.0
    for i in range(num_thresholds - 1):
        h = {"trapezoidal": (y[i] + y[i + 1]) / 2, "minoring": min(y[i], y[i + 1]),
             "majoring": max(y[i], y[i + 1])}[summation]
        area += (x[i] - x[i + 1]) * h
    return area


def exact_roc_auc(labels, scores):
    """The probability that a random positive scores above a random negative (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


@pytest.mark.parametrize("curve, summation", [("ROC", "trapezoidal"), ("ROC", "minoring"), ("ROC", "majoring"),
                                              ("PR", "trapezoidal")])
def test_auc_against_direct_trapezoid(curve, summation):
    _, value = stream(lambda l, s: tg.metrics.auc(l, s, curve=curve, summation_method=summation),
                      split([LABELS, SCORES], SIZES))
    assert value == pytest.approx(reference_auc(LABELS, SCORES, curve=curve, summation=summation), abs=1e-5)


def test_auc_weighted_and_few_thresholds_and_close_to_exact():
    _, value = stream(lambda l, s, w: tg.metrics.auc(l, s, w, num_thresholds=7), split([LABELS, SCORES, WEIGHTS],
                                                                                        SIZES))
    assert value == pytest.approx(reference_auc(LABELS, SCORES, WEIGHTS, num_thresholds=7), abs=1e-5)
    _, fine = stream(lambda l, s: tg.metrics.auc(l, s, num_thresholds=1000), split([LABELS, SCORES], SIZES))
    assert fine == pytest.approx(exact_roc_auc(LABELS, SCORES), abs=5e-3)


def test_auc_perfect_and_inverted():
    labels = np.int64([0, 0, 1, 1])
    _, perfect = stream(lambda l, s: tg.metrics.auc(l, s), [[labels, np.float32([0.1, 0.2, 0.8, 0.9])]])
    _, inverted = stream(lambda l, s: tg.metrics.auc(l, s), [[labels, np.float32([0.9, 0.8, 0.2, 0.1])]])
    assert perfect == pytest.approx(1.0, abs=1e-5)
    assert inverted == pytest.approx(0.0, abs=1e-5)


def test_metric_collections_and_argument_errors():
    with tg.Graph().as_default():
        v = tg.placeholder(tg.float32, [None])
        value, update = tg.metrics.mean(v, metrics_collections=["m"], updates_collections=["u"], name="my_mean")
        assert tg.get_collection("m") == [value] and tg.get_collection("u") == [update]
        assert {x.op.name for x in tg.local_variables()} == {"my_mean/total", "my_mean/count"}
        with pytest.raises(ValueError, match="Curve must be either ROC or PR"):
            tg.metrics.auc(v, v, curve="XY")
        with pytest.raises(ValueError, match="summation_method"):
            tg.metrics.auc(v, v, summation_method="simpson")
