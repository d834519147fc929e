"""The CPU's compiled convolution path (conv_kernels_cpu: im2col products a group of images at a time)
against direct loops and central differences, with one image per group and with the whole batch in one."""
import dataclasses

import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tagraph.devices import cpu_threads
from tagraph.engine.ops import conv_kernels_cpu, conv_ops


def _geometry(h, w, kh, kw, stride, padding, dil):
    attrs = {"strides": [1, stride[0], stride[1], 1], "padding": padding if isinstance(padding, str) else "EXPLICIT",
             "explicit_paddings": [] if isinstance(padding, str) else [p for pair in padding for p in pair],
             "dilations": [1, dil[0], dil[1], 1], "data_format": "NHWC"}
    return conv_ops.Geom(attrs, h, w, kh, kw)


def _taps(x, w, stride, padding, dil):
    """(b, i, j, r, s, p, q) for every output position (i, j) of image b and filter tap (p, q) that reads
    input pixel (r, s)."""
    n, h, wd, _ = x.shape
    kh, kw = w.shape[:2]
    g = _geometry(h, wd, kh, kw, stride, padding, dil)
    for b in range(n):
        for i in range(g.oh):
            for j in range(g.ow):
                for p in range(kh):
                    for q in range(kw):
                        r, s = i * stride[0] + p * dil[0] - g.pt, j * stride[1] + q * dil[1] - g.pl
                        if 0 <= r < h and 0 <= s < wd:
                            yield b, i, j, r, s, p, q


def references(x, w, dy, stride, padding, dil):
    """Conv2D's output, filter gradient and input gradient by direct loops, in float64."""
    x, w, dy = (np.asarray(a, np.float64) for a in (x, w, dy))
    y, dw, dx = np.zeros(dy.shape), np.zeros(w.shape), np.zeros(x.shape)
    for b, i, j, r, s, p, q in _taps(x, w, stride, padding, dil):
        y[b, i, j] += x[b, r, s] @ w[p, q]
        dw[p, q] += np.outer(x[b, r, s], dy[b, i, j])
        dx[b, r, s] += w[p, q] @ dy[b, i, j]
    return y, dw, dx


CASES = [  # input shape, filter shape, strides, padding, dilations
    ((3, 7, 6, 5), (5, 5, 5, 4), (1, 1), "SAME", (1, 1)),        # the compiled im2col (>= 4 channels)
    ((2, 9, 8, 4), (3, 2, 4, 3), (2, 3), "SAME", (1, 1)),
    ((2, 8, 9, 6), (3, 3, 6, 2), (1, 2), "VALID", (2, 1)),
    ((2, 6, 5, 4), (2, 3, 4, 3), (1, 1), [[0, 0], [2, 1], [0, 3], [0, 0]], (1, 1)),
    ((3, 8, 8, 1), (5, 5, 1, 4), (1, 1), "SAME", (1, 1)),        # numpy's strided copy (few channels)
    ((2, 7, 6, 2), (3, 3, 2, 3), (2, 1), "SAME", (2, 2)),
    ((3, 5, 7, 3), (2, 4, 3, 2), (1, 3), [[0, 0], [1, 2], [4, 0], [0, 0]], (1, 1)),
]


@pytest.fixture(params=["one image per group", "whole batch", "one image per thread"])
def grouping(request, monkeypatch):
    if request.param == "one image per group":
        monkeypatch.setattr(conv_kernels_cpu, "CHUNK_BYTES", 1)
    elif request.param == "one image per thread":
        # The few-channel filter gradient's tap-major matrix, filled by images split over the threads.
        monkeypatch.setattr(conv_kernels_cpu, "_MIN_SHARD_VALUES", 1)
        two = dataclasses.replace(cpu_threads.settings(), intra_op=2)
        monkeypatch.setattr(cpu_threads, "settings", lambda: two)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs,ws,stride,padding,dil", CASES)
def test_conv2d_and_its_gradients_match_direct_loops(grouping, dtype, xs, ws, stride, padding, dil):
    rng = np.random.default_rng(sum(xs) + sum(ws))
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    g = _geometry(xs[1], xs[2], ws[0], ws[1], stride, padding, dil)
    dy = rng.standard_normal((xs[0], g.oh, g.ow, ws[3])).astype(dtype)
    want_y, want_dw, want_dx = references(x, w, dy, stride, padding, dil)
    with tg.Graph().as_default(), tg.device("/cpu:0"):
        xt, wt, dyt = tg.constant(x), tg.constant(w), tg.constant(dy)
        strides = [1, stride[0], stride[1], 1]
        y = tg.nn.conv2d(xt, wt, strides=strides, padding=padding, dilations=list(dil))
        dw = conv_ops.conv2d_backprop_filter(xt, list(ws), dyt, strides, padding, dilations=list(dil))
        dx = conv_ops.conv2d_backprop_input(list(xs), wt, dyt, strides, padding, dilations=list(dil))
        with tg.Session() as sess:
            got = sess.run([y, dw, dx])
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for value, want in zip(got, (want_y, want_dw, want_dx)):
        assert value.dtype == dtype and value.shape == want.shape
        np.testing.assert_allclose(value, want, **tol)


def test_nchw_takes_the_compiled_path_through_transposes(grouping):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 6, 5, 4)).astype(np.float32), rng.standard_normal((3, 3, 4, 2)).astype(np.float32)
    dy = rng.standard_normal((2, 6, 5, 2)).astype(np.float32)
    want_y, want_dw, want_dx = references(x, w, dy, (1, 1), "SAME", (1, 1))
    with tg.Graph().as_default():
        xt, wt, dyt = tg.constant(x.transpose(0, 3, 1, 2)), tg.constant(w), tg.constant(dy.transpose(0, 3, 1, 2))
        y = tg.nn.conv2d(xt, wt, strides=1, padding="SAME", data_format="NCHW")
        dw = conv_ops.conv2d_backprop_filter(xt, [3, 3, 4, 2], dyt, 1, "SAME", data_format="NCHW")
        dx = conv_ops.conv2d_backprop_input([2, 4, 6, 5], wt, dyt, 1, "SAME", data_format="NCHW")
        with tg.Session() as sess:
            y, dw, dx = sess.run([y, dw, dx])
    np.testing.assert_allclose(y.transpose(0, 2, 3, 1), want_y, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(dw, want_dw, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(dx.transpose(0, 2, 3, 1), want_dx, rtol=2e-5, atol=2e-5)


def _u(*shape):
    return np.random.default_rng(sum(shape)).uniform(-1.0, 1.0, size=shape)


@pytest.mark.parametrize("name,build,args", [
    ("conv2d-same", lambda x, w: conv_ops.conv2d(x, w, 1, "SAME"), [_u(2, 4, 5, 4), _u(3, 3, 4, 2)]),
    ("conv2d-stride-dilation", lambda x, w: conv_ops.conv2d(x, w, [1, 2, 1, 1], "SAME", dilations=[1, 1, 2, 1]),
     [_u(2, 5, 5, 4), _u(2, 2, 4, 3)]),
    ("conv2d-one-channel", lambda x, w: conv_ops.conv2d(x, w, 1, "SAME"), [_u(2, 4, 4, 1), _u(3, 3, 1, 2)]),
    ("backprop-input", lambda w, dy: conv_ops.conv2d_backprop_input([2, 4, 4, 4], w, dy, [1, 2, 2, 1], "SAME"),
     [_u(3, 3, 4, 2), _u(2, 2, 2, 2)]),
    ("backprop-filter", lambda x, dy: conv_ops.conv2d_backprop_filter(x, [2, 2, 4, 2], dy, 1, "VALID"),
     [_u(2, 3, 3, 4), _u(2, 2, 2, 2)]),
])
def test_numeric_gradients_on_the_compiled_path(grouping, name, build, args):
    check_gradient("/cpu:0", build, args)


def test_an_empty_batch_gives_empty_results_and_a_zero_filter_gradient():
    with tg.Graph().as_default(), tg.device("/cpu:0"):
        x = tg.placeholder(tg.float32, [None, 5, 5, 4])
        w = tg.constant(np.ones((3, 3, 4, 2), np.float32))
        y = tg.nn.conv2d(x, w, 1, "SAME")
        gx, gw = tg.gradients(tg.reduce_sum(y), [x, w])
        with tg.Session() as sess:
            y, gx, gw = sess.run([y, gx, gw], {x: np.zeros((0, 5, 5, 4), np.float32)})
    assert y.shape == (0, 5, 5, 2) and gx.shape == (0, 5, 5, 4)
    np.testing.assert_array_equal(gw, np.zeros((3, 3, 4, 2), np.float32))
