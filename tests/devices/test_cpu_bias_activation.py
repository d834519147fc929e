"""MatMul -> BiasAdd -> activation on the CPU: one fused step, numpy's values bit for bit, in place only on
a matmul's private result."""
import numpy as np
import pytest

import tagraph.engine as tg

ACTIVATIONS = {"Relu": (tg.nn.relu, lambda v: np.maximum(v, v.dtype.type(0))),
               "Relu6": (tg.nn.relu6, lambda v: np.minimum(np.maximum(v, v.dtype.type(0)), v.dtype.type(6))),
               "Tanh": (tg.tanh, np.tanh)}


def step_names(sess):
    (plan,) = sess._plans.values()
    return [getattr(s[0], "__name__", "") for s in plan.steps]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_dense_layer_fuses_with_numpys_bits(act, dtype):
    rng = np.random.RandomState(3)
    xs, ws, bs = (rng.randn(7, 5) * 3).astype(dtype), rng.randn(5, 4).astype(dtype), rng.randn(4).astype(dtype)
    graph_act, numpy_act = ACTIVATIONS[act]
    with tg.Graph().as_default():
        x = tg.placeholder(tg.as_dtype(dtype), [None, 5])
        y = graph_act(tg.nn.bias_add(tg.matmul(x, tg.constant(ws)), tg.constant(bs)))
        with tg.Session() as sess:
            got = sess.run(y, {x: xs})
            assert sess.last_run_stats.fused == 1
            assert "fused_bias_%s" % act.lower() in step_names(sess)
    want = numpy_act(np.add(np.matmul(xs, ws), bs))
    assert got.dtype == dtype and np.array_equal(got.view(np.uint8), want.view(np.uint8))


def test_in_place_only_on_a_private_matmul_result():
    xs = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
    ws = np.eye(3, dtype=np.float32)
    bs = np.float32([10, 20, 30])
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 3])
        mm = tg.matmul(x, tg.constant(ws))
        y = tg.nn.relu(tg.nn.bias_add(mm, tg.constant(bs)))
        fed = tg.nn.relu(tg.nn.bias_add(x, tg.constant(bs)))
        with tg.Session() as sess:
            # The matmul's result is fetched too: it must come back without the bias.
            got_mm, got_y = sess.run([mm, y], {x: xs})
            np.testing.assert_array_equal(got_mm, xs)
            np.testing.assert_array_equal(got_y, np.maximum(xs + bs, 0))
            # A fed array is the caller's: never changed.
            before = xs.copy()
            np.testing.assert_array_equal(sess.run(fed, {x: xs}), np.maximum(xs + bs, 0))
            np.testing.assert_array_equal(xs, before)
            # Alone, the matmul's result is reused in place, and still right run after run.
            for _ in range(2):
                np.testing.assert_array_equal(sess.run(y, {x: xs}), np.maximum(xs + bs, 0))


@pytest.mark.parametrize("xs, bs, message", [
    ([1.0, 2.0], [1.0, 1.0], "Input tensor must be at least 2D: \\[2\\]"),
    ([[1.0, 2.0]], [[1.0, 1.0]], "Biases must be 1D: \\[1,2\\]"),
    ([[1.0, 2.0]], [1.0, 1.0, 1.0], "Must provide as many biases as the last dimension of the input tensor: "
                                    "\\[3\\] vs. \\[1,2\\]"),
])
def test_the_fused_step_refuses_what_bias_add_refuses(xs, bs, message):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32)
        b = tg.placeholder(tg.float32)
        y = tg.nn.relu(tg.nn.bias_add(x * 1.0, b * 1.0))
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match=message):
                sess.run(y, {x: xs, b: bs})


def test_a_conv_layer_fuses_in_place_on_its_private_result():
    rng = np.random.RandomState(4)
    xs, ws, bs = rng.randn(2, 5, 5, 3).astype(np.float32), rng.randn(3, 3, 3, 4).astype(np.float32), \
        rng.randn(4).astype(np.float32)
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 5, 5, 3])
        conv = tg.nn.conv2d(x, tg.constant(ws), 1, "SAME")
        y = tg.nn.relu(tg.nn.bias_add(conv, tg.constant(bs)))
        with tg.Session() as sess:
            want_conv = sess.run(conv, {x: xs})
            # Fetched beside the layer, the convolution's result must come back without the bias.
            got_conv, got_y = sess.run([conv, y], {x: xs})
            np.testing.assert_array_equal(got_conv, want_conv)
            np.testing.assert_array_equal(got_y, np.maximum(want_conv + bs, 0))
            # Alone, it is the fused step's to change in place, run after run.
            for _ in range(2):
                np.testing.assert_array_equal(sess.run(y, {x: xs}), np.maximum(want_conv + bs, 0))
            in_place = [s[1].attrs["_inplace_input"] for plan in sess._plans.values() for s in plan.steps
                        if getattr(s[0], "__name__", "") == "fused_bias_relu"]
            assert in_place == [False, True]            # the plan of [conv, y], then y's alone
