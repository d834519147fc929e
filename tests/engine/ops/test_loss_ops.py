"""Cross-entropy kernels, tg.losses' reductions and weights, dropout, and tg.layers.dense's names."""
import numpy as np
import pytest

import tagraph.engine as tg


def _log_softmax(x):
    s = x - x.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def test_softmax_cross_entropy_kernels(device):
    rng = np.random.RandomState(0)
    logits = rng.randn(4, 5).astype(np.float32) * 3
    labels = rng.rand(4, 5).astype(np.float32)
    labels /= labels.sum(1, keepdims=True)
    ids = np.array([0, 4, 2, 2], np.int64)
    with tg.Graph().as_default(), tg.device(device):
        dense = tg.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
        sparse = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)
        sparse3 = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=ids.reshape(2, 2),
                                                                 logits=logits.reshape(2, 2, 5))
        l2 = tg.nn.l2_loss(logits)
        assert dense.shape.as_list() == [4] and sparse3.shape.as_list() == [2, 2]
        with tg.Session() as sess:
            d, s, s3, l = sess.run([dense, sparse, sparse3, l2])
    ls = _log_softmax(logits.astype(np.float64))
    np.testing.assert_allclose(d, -(labels * ls).sum(1), rtol=1e-5)
    np.testing.assert_allclose(s, -ls[np.arange(4), ids], rtol=1e-5)
    np.testing.assert_allclose(s3.reshape(-1), s, rtol=1e-6)
    np.testing.assert_allclose(l, (logits.astype(np.float64) ** 2).sum() / 2, rtol=1e-5)


def test_sparse_labels_out_of_range_is_invalid_argument():
    with tg.Graph().as_default():
        y = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 3], logits=np.zeros((2, 3), np.float32))
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match="label value of 3"):
                sess.run(y)


def test_sigmoid_cross_entropy_is_stable():
    x = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0], np.float32)
    z = np.array([0.0, 1.0, 0.5, 0.0, 1.0], np.float32)
    with tg.Graph().as_default():
        y = tg.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
        with tg.Session() as sess:
            v = sess.run(y)
    want = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    np.testing.assert_allclose(v, want, rtol=1e-6)
    assert np.isfinite(v).all()


def test_losses_reductions_and_weights():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    lab = np.array([[1.5, 2.0], [1.0, 5.0]], np.float32)
    sq = (pred - lab) ** 2
    w = np.array([[1.0, 0.0], [2.0, 0.0]], np.float32)
    R = tg.losses.Reduction
    with tg.Graph().as_default():
        default = tg.losses.mean_squared_error(lab, pred)
        weighted = tg.losses.mean_squared_error(lab, pred, weights=w)
        col = tg.losses.mean_squared_error(lab, pred, weights=tg.constant([[1.0], [0.0]]))
        total = tg.losses.mean_squared_error(lab, pred, reduction=R.SUM)
        mean = tg.losses.mean_squared_error(lab, pred, weights=w, reduction=R.MEAN)
        batch = tg.losses.mean_squared_error(lab, pred, weights=w, reduction=R.SUM_OVER_BATCH_SIZE)
        none = tg.losses.mean_squared_error(lab, pred, weights=2.0, reduction=R.NONE)
        zero = tg.losses.mean_squared_error(lab, pred, weights=0.0)
        assert len(tg.losses.get_losses()) == 8
        with tg.Session() as sess:
            out = sess.run([default, weighted, col, total, mean, batch, none, zero])
    np.testing.assert_allclose(out[0], sq.mean())
    np.testing.assert_allclose(out[1], (sq * w).sum() / 2)          # divided by the non-zero weights
    np.testing.assert_allclose(out[2], sq[0].sum() / 2)
    np.testing.assert_allclose(out[3], sq.sum())
    np.testing.assert_allclose(out[4], (sq * w).sum() / w.sum())
    np.testing.assert_allclose(out[5], (sq * w).sum() / 4)
    np.testing.assert_allclose(out[6], 2 * sq)
    assert out[7] == 0.0


def test_cross_entropy_losses():
    rng = np.random.RandomState(1)
    logits = rng.randn(3, 4).astype(np.float32)
    ids = np.array([1, 0, 3])
    onehot = np.eye(4, dtype=np.float32)[ids]
    ls = _log_softmax(logits.astype(np.float64))
    with tg.Graph().as_default():
        sp = tg.losses.sparse_softmax_cross_entropy(ids, logits, weights=[1.0, 0.0, 2.0])
        sp_col = tg.losses.sparse_softmax_cross_entropy(ids.reshape(3, 1), logits)
        dense = tg.losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.1)
        assert sp.op.name == "sparse_softmax_cross_entropy_loss/value"
        with tg.Session() as sess:
            a, b, c = sess.run([sp, sp_col, dense])
    per = -ls[np.arange(3), ids]
    np.testing.assert_allclose(a, (per[0] + 2 * per[2]) / 2, rtol=1e-5)
    np.testing.assert_allclose(b, per.mean(), rtol=1e-5)
    smooth = onehot * 0.9 + 0.1 / 4
    np.testing.assert_allclose(c, -(smooth * ls).sum(1).mean(), rtol=1e-5)


def test_dropout_is_seeded_and_scales(device):
    x = np.ones((50, 40), np.float32)
    with tg.Graph().as_default(), tg.device(device):
        tg.set_random_seed(3)
        y = tg.nn.dropout(x, rate=0.25)
        y2 = tg.nn.dropout(x, keep_prob=1.0)
        with tg.Session() as sess:
            a = sess.run(y)
        with tg.Session() as sess:
            b = sess.run(y)
            assert sess.run(y2) is not None
    np.testing.assert_array_equal(a, b)                         # same seeds, same mask in a new session
    assert set(np.unique(a)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.15 < (a == 0).mean() < 0.35


def test_layers_dense_variable_names_and_values():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [None, 3], name="x")
        h = tg.layers.dense(x, 4, activation=tg.nn.relu)
        y = tg.layers.dense(h, 2, name="out")
        y_again = tg.layers.dense(h, 2, name="out", reuse=True)
        x3 = tg.layers.dense(tg.placeholder(tg.float32, [None, 5, 3]), 6)
        names = [v.op.name for v in tg.global_variables()]
        assert names == ["dense/kernel", "dense/bias", "out/kernel", "out/bias", "dense_1/kernel", "dense_1/bias"]
        assert [v.op.name for v in tg.trainable_variables()] == names
        assert h.op.type == "Relu" and h.op.name == "dense/Relu"
        assert y.op.name == "out/BiasAdd" and x3.shape.as_list() == [None, 5, 6]
        k = g.get_collection(tg.GraphKeys.GLOBAL_VARIABLES)[0]
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            kv, bv = sess.run([k, tg.global_variables()[1]])
            a, b = sess.run([y, y_again], {x: np.ones((2, 3))})
    limit = np.sqrt(6 / (3 + 4))
    assert np.abs(kv).max() <= limit and np.abs(kv).max() > limit / 3    # glorot_uniform
    np.testing.assert_array_equal(bv, np.zeros(4))
    np.testing.assert_array_equal(a, b)
