"""DepthwiseConv2dNative against a direct loop, on the CPU and a simulated GPU (and end to end against
TensorFlow in the Keras Conv2D+DepthwiseConv2D model of tests/serialization/saved_model/test_tf2_saved_models.py)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import make_op


def _reference(x, w, stride, padding):
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-wd // stride)
        ph, pw = max((oh - 1) * stride + kh - h, 0), max((ow - 1) * stride + kw - wd, 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, c, m), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.einsum("nhwc,hwcm->ncm", patch, w)
    return out.reshape(n, oh, ow, c * m)


@pytest.mark.parametrize("stride,padding", [(1, "VALID"), (2, "SAME"), (1, "SAME")])
def test_depthwise_conv_matches_the_direct_loop(device, stride, padding):
    rng = np.random.RandomState(0)
    x = rng.randn(2, 7, 6, 3).astype(np.float32)
    w = rng.randn(3, 2, 3, 2).astype(np.float32)
    with tg.Graph().as_default():
        with tg.device(device):
            y = make_op("DepthwiseConv2dNative", [tg.constant(x), tg.constant(w)],
                        {"strides": [1, stride, stride, 1], "padding": padding})
        with tg.Session() as sess:
            got = sess.run(y)
    want = _reference(x, w, stride, padding)
    assert y.shape.as_list() == list(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_depthwise_conv_refuses_a_depth_mismatch():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [1, 4, 4, None])
        y = make_op("DepthwiseConv2dNative", [x, tg.constant(np.ones((2, 2, 3, 1), np.float32))],
                    {"strides": [1, 1, 1, 1], "padding": "VALID"})
        with tg.Session() as sess, pytest.raises(tg.errors.InvalidArgumentError, match="same depth"):
            sess.run(y, {x: np.ones((1, 4, 4, 2), np.float32)})
