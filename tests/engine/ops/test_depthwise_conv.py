"""DepthwiseConv2dNative and its gradient ops against a direct loop and central differences, on the CPU and a
simulated GPU (and end to end against TensorFlow in the Keras Conv2D+DepthwiseConv2D model of
tests/serialization/saved_model/test_tf2_saved_models.py, and in tf.layers.separable_conv2d's recorded gradients,
tests/engine/layers/test_convolutional.py)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import make_op
from gradient_checks import check_gradient


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


def _direct_dilated(x, w, stride, padding, dil):
    """The depthwise convolution with dilation ``dil``: the dense filter with holes, by the reference."""
    kh, kw, c, m = w.shape
    wd = np.zeros(((kh - 1) * dil + 1, (kw - 1) * dil + 1, c, m), w.dtype)
    wd[::dil, ::dil] = w
    return _reference(x, wd, stride, padding)


@pytest.mark.parametrize("stride,padding,dil", [(1, "SAME", 2), (2, "VALID", 1)])
def test_depthwise_and_separable_conv2d_functions(device, stride, padding, dil):
    rng = np.random.RandomState(1)
    x = rng.randn(2, 7, 7, 3)
    dw, pw = rng.randn(3, 3, 3, 2), rng.randn(1, 1, 6, 4)
    with tg.Graph().as_default(), tg.device(device):
        y = tg.nn.depthwise_conv2d(tg.constant(x), tg.constant(dw), [1, stride, stride, 1], padding,
                                   rate=[dil, dil] if dil > 1 else None)
        z = tg.nn.separable_conv2d(tg.constant(x), tg.constant(dw), tg.constant(pw), [1, stride, stride, 1], padding,
                                   rate=[dil, dil] if dil > 1 else None)
        with tg.Session() as sess:
            got_y, got_z = sess.run([y, z])
    want = _direct_dilated(x, dw, stride, padding, dil)
    np.testing.assert_allclose(got_y, want, rtol=1e-10)
    np.testing.assert_allclose(got_z, want @ pw[0, 0], rtol=1e-10)
    assert z.op.type == "Conv2D" and y.op.type == "DepthwiseConv2dNative"


def _attrs(stride, padding, dil=1):
    return {"strides": [1, stride, stride, 1], "padding": padding, "dilations": [1, dil, dil, 1]}


@pytest.mark.parametrize("stride,padding,dil", [(1, "SAME", 1), (2, "VALID", 1), (1, "SAME", 2)])
def test_depthwise_gradients_match_central_differences(device, stride, padding, dil):
    rng = np.random.RandomState(2)
    x, w = rng.randn(1, 5, 4, 2), rng.randn(2, 3, 2, 2)
    check_gradient(device, lambda a, b: make_op("DepthwiseConv2dNative", [a, b], _attrs(stride, padding, dil)),
                   [x, w])
    with tg.Graph().as_default():
        out = make_op("DepthwiseConv2dNative", [tg.constant(x), tg.constant(w)], _attrs(stride, padding, dil))
        dy = rng.randn(*out.shape.as_list())
    check_gradient(device, lambda b, g: make_op("DepthwiseConv2dNativeBackpropInput",
                                                [tg.constant(list(x.shape)), b, g], _attrs(stride, padding, dil)),
                   [w, dy])
    check_gradient(device, lambda a, g: make_op("DepthwiseConv2dNativeBackpropFilter",
                                                [a, tg.constant(list(w.shape)), g], _attrs(stride, padding, dil)),
                   [x, dy])


def test_depthwise_backprops_are_the_gradients_of_the_forward_op(device):
    rng = np.random.RandomState(3)
    x, w = rng.randn(2, 6, 5, 3), rng.randn(3, 2, 3, 2)
    with tg.Graph().as_default(), tg.device(device):
        xt, wt = tg.constant(x), tg.constant(w)
        y = make_op("DepthwiseConv2dNative", [xt, wt], _attrs(2, "SAME"))
        gx, gw = tg.gradients(tg.reduce_sum(y * y), [xt, wt])
        assert gx.op.type == "DepthwiseConv2dNativeBackpropInput"
        assert gw.op.type == "DepthwiseConv2dNativeBackpropFilter"
        assert gx.shape.as_list() == list(x.shape) and gw.shape.as_list() == list(w.shape)
        with tg.Session() as sess:
            yv, gxv, gwv = sess.run([y, gx, gw])
    # sum(y^2) is quadratic in x: <gx, x> = 2 * sum(y^2), and likewise in w.
    np.testing.assert_allclose(np.sum(gxv * x), 2 * np.sum(yv * yv), rtol=1e-10)
    np.testing.assert_allclose(np.sum(gwv * w), 2 * np.sum(yv * yv), rtol=1e-10)
