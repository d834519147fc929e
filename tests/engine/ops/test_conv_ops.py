"""Conv2D, pooling and FusedBatchNormV3 against direct numpy loops, on every device kind."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.ops import conv_ops


def _pads(n, k, s, d, padding):
    ke = (k - 1) * d + 1
    if padding == "VALID":
        return (n - ke) // s + 1, 0
    out = -(-n // s)
    return out, max((out - 1) * s + ke - n, 0) // 2


def conv_ref(x, w, stride, padding, dil=(1, 1)):
    n, h, wd, c = x.shape
    kh, kw, _, co = w.shape
    oh, pt = _pads(h, kh, stride[0], dil[0], padding)
    ow, pl = _pads(wd, kw, stride[1], dil[1], padding)
    y = np.zeros((n, oh, ow, co))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for p in range(kh):
                    for q in range(kw):
                        r, s = i * stride[0] + p * dil[0] - pt, j * stride[1] + q * dil[1] - pl
                        if 0 <= r < h and 0 <= s < wd:
                            y[b, i, j] += x[b, r, s] @ w[p, q]
    return y


def pool_ref(x, k, stride, padding, how):
    n, h, wd, c = x.shape
    oh, pt = _pads(h, k[0], stride[0], 1, padding)
    ow, pl = _pads(wd, k[1], stride[1], 1, padding)
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, s0 = i * stride[0] - pt, j * stride[1] - pl
            win = x[:, max(r0, 0):r0 + k[0], max(s0, 0):s0 + k[1]]
            y[:, i, j] = win.max(axis=(1, 2)) if how == "max" else win.mean(axis=(1, 2))
    return y


@pytest.mark.parametrize("xs,ws,stride,padding,dil", [
    ((2, 5, 6, 3), (3, 3, 3, 2), (1, 1), "SAME", (1, 1)),
    ((1, 7, 5, 2), (2, 3, 2, 4), (2, 2), "SAME", (1, 1)),
    ((1, 6, 6, 1), (3, 2, 1, 2), (3, 1), "VALID", (1, 1)),
    ((1, 7, 7, 2), (3, 3, 2, 1), (1, 1), "SAME", (2, 2)),
])
def test_conv2d_matches_direct_loops(device, xs, ws, stride, padding, dil):
    rng = np.random.RandomState(0)
    x, w = rng.randn(*xs).astype(np.float32), rng.randn(*ws).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        y = tg.nn.conv2d(tg.constant(x), tg.constant(w), strides=[1, stride[0], stride[1], 1], padding=padding,
                         dilations=list(dil))
        want = conv_ref(x, w, stride, padding, dil)
        assert y.shape.as_list() == list(want.shape)
        with tg.Session() as sess:
            np.testing.assert_allclose(sess.run(y), want, rtol=1e-4, atol=1e-4)


def test_conv2d_nchw_and_explicit_padding(device):
    rng = np.random.RandomState(1)
    x, w = rng.randn(1, 4, 5, 2).astype(np.float32), rng.randn(2, 2, 2, 3).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        y = tg.nn.conv2d(tg.constant(x.transpose(0, 3, 1, 2)), tg.constant(w), strides=1, padding="VALID",
                         data_format="NCHW")
        ye = tg.nn.conv2d(tg.constant(x), tg.constant(w), strides=1, padding=[[0, 0], [1, 1], [0, 2], [0, 0]])
        with tg.Session() as sess:
            a, b = sess.run([y, ye])
    np.testing.assert_allclose(a.transpose(0, 2, 3, 1), conv_ref(x, w, (1, 1), "VALID"), rtol=1e-4, atol=1e-4)
    xp = np.pad(x, [[0, 0], [1, 1], [0, 2], [0, 0]])
    np.testing.assert_allclose(b, conv_ref(xp, w, (1, 1), "VALID"), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("k,stride,padding", [((2, 2), (2, 2), "SAME"), ((3, 3), (1, 2), "VALID"),
                                              ((3, 2), (2, 1), "SAME"), ((1, 3), (1, 3), "SAME")])
def test_pooling_matches_direct_loops(device, k, stride, padding):
    x = np.random.RandomState(2).randn(2, 5, 6, 3)
    with tg.Graph().as_default(), tg.device(device):
        mp = tg.nn.max_pool(tg.constant(x), [1, *k, 1], [1, *stride, 1], padding)
        ap = tg.nn.avg_pool(tg.constant(x), list(k), list(stride), padding)
        with tg.Session() as sess:
            a, b = sess.run([mp, ap])
    np.testing.assert_allclose(a, pool_ref(x, k, stride, padding, "max"))
    np.testing.assert_allclose(b, pool_ref(x, k, stride, padding, "avg"))
    assert mp.shape.as_list() == list(a.shape)


def test_max_pool_gradient_goes_to_first_maximum():
    x = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    with tg.Graph().as_default():
        xt = tg.constant(x)
        g, = tg.gradients(tg.nn.max_pool(xt, 2, 2, "VALID"), xt)
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(g).reshape(2, 2), [[0, 1], [0, 0]])


def test_fused_batch_norm_training_and_inference(device):
    rng = np.random.RandomState(3)
    x = rng.randn(4, 3, 2, 5).astype(np.float32)
    scale, offset = rng.rand(5).astype(np.float32) + 0.5, rng.randn(5).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        y, m, v = tg.nn.fused_batch_norm(tg.constant(x), scale, offset, epsilon=1e-3)
        ra, rv = tg.constant(np.ones(5, np.float32)), tg.constant(np.ones(5, np.float32))
        ye, me, ve = tg.nn.fused_batch_norm(tg.constant(x), scale, offset, ra, rv, exponential_avg_factor=0.1)
        yi, _, _ = tg.nn.fused_batch_norm(tg.constant(x), scale, offset, ra * 0.5, rv * 2.0, is_training=False)
        with tg.Session() as sess:
            y, m, v, me, ve, yi = sess.run([y, m, v, me, ve, yi])
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3) * scale + offset, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(m, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v, var * 24 / 23, rtol=1e-5)             # Bessel's correction, as TensorFlow
    np.testing.assert_allclose(me, 0.9 + 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(ve, 0.9 + 0.1 * var * 24 / 23, rtol=1e-5)
    np.testing.assert_allclose(yi, (x - 0.5) / np.sqrt(2.0 + 1e-3) * scale + offset, rtol=1e-4, atol=1e-4)


def test_batch_normalization_and_moments():
    x = np.random.RandomState(4).randn(6, 3)
    with tg.Graph().as_default():
        mean, var = tg.nn.moments(tg.constant(x), [0])
        y = tg.nn.batch_normalization(tg.constant(x), mean, var, 0.5, 2.0, 1e-3)
        with tg.Session() as sess:
            mv, vv, yv = sess.run([mean, var, y])
    np.testing.assert_allclose(mv, x.mean(0))
    np.testing.assert_allclose(vv, x.var(0))
    np.testing.assert_allclose(yv, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) * 2 + 0.5)


def test_tensorflow_padding_rules():
    assert conv_ops.output_size_and_padding(7, 3, 2, 1, "SAME") == (4, 1, 1)
    assert conv_ops.output_size_and_padding(6, 3, 2, 1, "SAME") == (3, 0, 1)     # the smaller half before
    assert conv_ops.output_size_and_padding(6, 4, 3, 1, "SAME") == (2, 0, 1)
    assert conv_ops.output_size_and_padding(7, 3, 2, 1, "VALID") == (3, 0, 0)
    assert conv_ops.output_size_and_padding(7, 3, 1, 2, "VALID") == (3, 0, 0)


def test_shape_errors_and_bad_arguments():
    with tg.Graph().as_default():
        with pytest.raises(ValueError):
            tg.nn.conv2d(tg.zeros([1, 2, 2, 3]), tg.zeros([1, 1, 2, 4]), 1, "SAME")
        with pytest.raises(ValueError):
            tg.nn.conv2d(tg.zeros([1, 2, 2, 1]), tg.zeros([3, 3, 1, 1]), 1, "VALID")
        with pytest.raises(ValueError, match="batch"):
            tg.nn.conv2d(tg.zeros([1, 4, 4, 1]), tg.zeros([1, 1, 1, 1]), [2, 1, 1, 1], "SAME")
        y = tg.nn.conv2d(tg.placeholder(tg.float32), tg.zeros([1, 1, 1, 1]), [2, 1, 1, 1], "SAME")
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match="batch"):
                sess.run(y, {y.op.inputs[0]: np.zeros([1, 4, 4, 1], np.float32)})
