"""Conv3D and its gradient ops (Conv3DBackpropInputV2, Conv3DBackpropFilterV2) against a direct loop and
central differences, on the CPU and a simulated GPU (TensorFlow's values through tf.layers.conv3d are
replayed in tests/engine/layers/test_convolutional.py)."""
import itertools

import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tagraph.engine.framework.op_builder import make_op
from tagraph.engine.ops import conv_ops


def conv3d_ref(x, w, strides, padding, dil=(1, 1, 1)):
    n = x.shape[0]
    outs, pads = [], []
    for size, k, s, d in zip(x.shape[1:4], w.shape[:3], strides, dil):
        o, before, _ = conv_ops.output_size_and_padding(size, k, s, d, padding)
        outs.append(o)
        pads.append(before)
    y = np.zeros((n, *outs, w.shape[4]))
    for pos in itertools.product(*(range(o) for o in outs)):
        for tap in itertools.product(*(range(k) for k in w.shape[:3])):
            src = [p * s + t * d - b for p, s, t, d, b in zip(pos, strides, tap, dil, pads)]
            if all(0 <= i < size for i, size in zip(src, x.shape[1:4])):
                y[(slice(None), *pos)] += x[(slice(None), *src)] @ w[tap]
    return y


def _attrs(strides, padding, dil=(1, 1, 1)):
    return {"strides": [1, *strides, 1], "padding": padding, "dilations": [1, *dil, 1]}


CASES = [((2, 4, 5, 3, 2), (2, 3, 2, 2, 3), (1, 1, 1), "SAME", (1, 1, 1)),
         ((1, 5, 4, 6, 1), (3, 2, 3, 1, 2), (2, 1, 2), "VALID", (1, 1, 1)),
         ((1, 5, 5, 5, 2), (2, 2, 2, 2, 1), (1, 2, 1), "SAME", (2, 1, 2))]


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CASES)
def test_conv3d_matches_the_direct_loop(device, xs, ws, strides, padding, dil):
    rng = np.random.RandomState(0)
    x, w = rng.randn(*xs).astype(np.float32), rng.randn(*ws).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        y = tg.nn.conv3d(tg.constant(x), tg.constant(w), strides=[1, *strides, 1], padding=padding,
                         dilations=[1, *dil, 1])
        y_ncdhw = tg.nn.conv3d(tg.constant(x.transpose(0, 4, 1, 2, 3)), tg.constant(w), [1, 1, *strides], padding,
                               data_format="NCDHW", dilations=[1, 1, *dil])
        want = conv3d_ref(x, w, strides, padding, dil)
        assert y.shape.as_list() == list(want.shape)
        with tg.Session() as sess:
            got, got_nc = sess.run([y, y_ncdhw])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got_nc.transpose(0, 2, 3, 4, 1), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CASES[1:])
def test_conv3d_gradients_match_central_differences(device, xs, ws, strides, padding, dil):
    rng = np.random.RandomState(1)
    x, w = rng.randn(*xs), rng.randn(*ws)
    attrs = _attrs(strides, padding, dil)
    check_gradient(device, lambda a, b: make_op("Conv3D", [a, b], attrs), [x, w])
    dy = rng.randn(*conv3d_ref(x, w, strides, padding, dil).shape)
    check_gradient(device, lambda b, g: make_op("Conv3DBackpropInputV2", [tg.constant(list(xs)), b, g], attrs),
                   [w, dy])
    check_gradient(device, lambda a, g: make_op("Conv3DBackpropFilterV2", [a, tg.constant(list(ws)), g], attrs),
                   [x, dy])


def test_conv3d_transpose_is_the_input_gradient(device):
    rng = np.random.RandomState(2)
    x, w = rng.randn(1, 3, 4, 3, 2), rng.randn(2, 3, 2, 4, 2)
    with tg.Graph().as_default(), tg.device(device):
        xt = tg.constant(x)
        y = tg.nn.conv3d_transpose(xt, tg.constant(w), [1, 6, 8, 6, 4], [1, 2, 2, 2, 1], "SAME")
        assert y.shape.as_list() == [1, 6, 8, 6, 4]
        probe = tg.constant(rng.randn(1, 6, 8, 6, 4))
        back = tg.nn.conv3d(probe, tg.constant(w), [1, 2, 2, 2, 1], "SAME")
        with tg.Session() as sess:
            yv, bv, pv = sess.run([y, back, probe])
    # conv3d_transpose is the adjoint of conv3d: <T(x), p> = <x, C(p)>.
    np.testing.assert_allclose(np.sum(yv * pv), np.sum(x * bv), rtol=1e-10)


def test_conv3d_bad_input_gets_tensorflows_errors():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="Shape must be rank 5 but is rank 4"):
            tg.nn.conv3d(tg.zeros([1, 4, 4, 1]), tg.zeros([2, 2, 2, 1, 1]), [1, 1, 1, 1, 1], "SAME")
        x = tg.placeholder(tg.float32)
        y = tg.nn.conv3d(x, tg.zeros([2, 2, 2, 1, 1]), [1, 1, 1, 1, 1], "SAME")
        z = tg.nn.conv3d(x, tg.zeros([2, 2, 2, 3, 1]), [1, 1, 1, 1, 1], "SAME")
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match=r"input must be 5-dimensional\[1, 4, 4, 1\]"):
                sess.run(y, {x: np.zeros((1, 4, 4, 1), np.float32)})
            with pytest.raises(tg.errors.InvalidArgumentError, match="evenly divisible by filter depth: 2 vs 3"):
                sess.run(z, {x: np.zeros((1, 4, 4, 4, 2), np.float32)})
