"""The CPU's compiled MaxPool and MaxPoolGrad (pooling_kernels_cpu) against TensorFlow's recorded values
(ties, NaN, windows of -inf: tests/data/tf_ops/record_max_pool.py), direct loops and central differences."""
import dataclasses
import importlib.util
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tagraph.devices import cpu_threads
from tagraph.engine.framework import errors
from tagraph.engine.ops import conv_ops, pooling_kernels_cpu

_DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_SPEC = importlib.util.spec_from_file_location("tf_ops_record_max_pool", _DATA / "record_max_pool.py")
record_max_pool = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(record_max_pool)
_RECORDED = np.load(_DATA / "max_pool.npz")


def _max_pool_and_grad(x, dy, k, s, padding, data_format="NHWC"):
    with tg.Graph().as_default(), tg.device("/cpu:0"):
        xt = tg.constant(x)
        ksize, strides = conv_ops.list4(k, "ksize", data_format), conv_ops.list4(s, "strides", data_format)
        y = conv_ops.max_pool(xt, ksize, strides, padding, data_format=data_format)
        dx = tg.get_default_graph().create_op(
            "MaxPoolGrad", [xt, y, tg.constant(dy)],
            {"ksize": ksize, "strides": strides, "padding": padding, "data_format": data_format}).outputs[0]
        with tg.Session() as sess:
            return sess.run([y, dx])


@pytest.mark.parametrize("name", sorted(record_max_pool.CASES))
def test_max_pool_grad_routes_as_tensorflow(name):
    shape, dtype, k, s, padding, special = record_max_pool.CASES[name]
    x, dy = _RECORDED[name + ":x"], _RECORDED[name + ":dy"]
    y, dx = _max_pool_and_grad(x, dy, k, s, padding)
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, _RECORDED[name + ":dx"], rtol=1e-6, atol=0)
    if special is None:
        np.testing.assert_array_equal(y, _RECORDED[name + ":y"])


def test_max_pool_keeps_nan_and_minus_inf():
    # Unlike TensorFlow's CPU MaxPool (which skips NaN and starts from the lowest finite value), numpy's
    # maximum, as the kernels for other devices and dtypes compute it.
    x = np.array([[np.nan, 3.0, 1.0], [3.0, 2.0, 5.0]], np.float32).reshape(1, 2, 3, 1)
    y, _ = _max_pool_and_grad(x, np.ones((1, 1, 2, 1), np.float32), 2, 2, "SAME")
    np.testing.assert_array_equal(y.reshape(-1), [np.nan, 5.0])
    y, _ = _max_pool_and_grad(np.full((1, 2, 3, 1), -np.inf), np.ones((1, 1, 2, 1)), 2, 2, "SAME")
    np.testing.assert_array_equal(y.reshape(-1), [-np.inf, -np.inf])


def _pool_loops(x, dy, k, s, padding):
    """MaxPool and TensorFlow's MaxPoolGrad routing (first maximum in row-major order) by direct loops."""
    n, h, w, c = x.shape
    oh, ow = dy.shape[1:3]
    pt = max((oh - 1) * s[0] + k[0] - h, 0) // 2 if padding == "SAME" else 0
    pl = max((ow - 1) * s[1] + k[1] - w, 0) // 2 if padding == "SAME" else 0
    y, dx = np.zeros(dy.shape), np.zeros(x.shape)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    r0, s0 = i * s[0] - pt, j * s[1] - pl
                    cells = [(r, q) for r in range(max(r0, 0), min(r0 + k[0], h))
                             for q in range(max(s0, 0), min(s0 + k[1], w))]
                    r, q = max(cells, key=lambda rq: (x[b, rq[0], rq[1], ch], -cells.index(rq)))
                    y[b, i, j, ch] = x[b, r, q, ch]
                    dx[b, r, q, ch] += dy[b, i, j, ch]
    return y, dx


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,k,s,padding", [
    ((2, 6, 8, 3), (2, 2), (2, 2), "VALID"),
    ((2, 7, 5, 4), (2, 2), (2, 2), "SAME"),
    ((1, 7, 6, 2), (3, 2), (2, 1), "SAME"),
    ((2, 6, 6, 3), (3, 3), (1, 1), "VALID"),
    ((1, 5, 9, 2), (1, 4), (1, 3), "SAME"),
])
@pytest.mark.parametrize("threads", ["one thread", "one image per thread"])
def test_max_pool_and_grad_match_direct_loops(monkeypatch, threads, dtype, shape, k, s, padding):
    if threads == "one image per thread":
        monkeypatch.setattr(pooling_kernels_cpu, "_MIN_SHARD_VALUES", 1)
        two = dataclasses.replace(cpu_threads.settings(), intra_op=2)
        monkeypatch.setattr(cpu_threads, "settings", lambda: two)
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(0, 4, size=shape).astype(dtype)          # many ties
    g = conv_ops.Geom({"ksize": [1, *k, 1], "strides": [1, *s, 1], "padding": padding}, shape[1], shape[2], 1, 1,
                      window_attr="ksize")
    dy = rng.uniform(-1.0, 1.0, size=(shape[0], g.oh, g.ow, shape[3])).astype(dtype)
    want_y, want_dx = _pool_loops(x, dy, k, s, padding)
    y, dx = _max_pool_and_grad(x, dy, list(k), list(s), padding)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-6 if dtype == np.float32 else 1e-13)
    # The same in NCHW, computed through transposes.
    yc, dxc = _max_pool_and_grad(x.transpose(0, 3, 1, 2), dy.transpose(0, 3, 1, 2), list(k), list(s), padding,
                                 data_format="NCHW")
    np.testing.assert_array_equal(yc.transpose(0, 2, 3, 1), want_y)
    np.testing.assert_allclose(dxc.transpose(0, 2, 3, 1), want_dx, rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_max_pool_grad_refuses_a_gradient_of_the_wrong_shape():
    with pytest.raises(errors.InvalidArgumentError, match=r"Expected grad shape to be \[1,2,2,1\], but got "
                                                          r"\[1,2,3,1\]"):
        _max_pool_and_grad(np.zeros((1, 4, 4, 1), np.float32), np.zeros((1, 2, 3, 1), np.float32), 2, 2, "VALID")


def _distinct(*shape):
    return np.random.default_rng(sum(shape)).permutation(np.prod(shape)).reshape(shape) * 0.1


@pytest.mark.parametrize("name,build,args", [
    ("tiled", lambda x: conv_ops.max_pool(x, 2, 2, "VALID"), [_distinct(2, 4, 6, 3)]),
    ("same-odd", lambda x: conv_ops.max_pool(x, 2, 2, "SAME"), [_distinct(1, 5, 3, 2)]),
    ("overlap", lambda x: conv_ops.max_pool(x, 3, [1, 2], "SAME"), [_distinct(2, 5, 6, 2)]),
])
def test_numeric_gradients_on_the_compiled_path(name, build, args):
    check_gradient("/cpu:0", build, args)
