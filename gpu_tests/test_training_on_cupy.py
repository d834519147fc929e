"""Training on a real GPU through CuPy (skipped where there is none): gradients of the conv, pooling and
loss ops, every optimizer's fused update kernel, and a training loop that keeps its state on the device.

Run in its own process (``pytest gpu_tests``), as the other GPU tests.
"""
import numpy as np
import pytest

from tagraph.devices.gpu import real_gpu_count

if real_gpu_count() == 0:
    pytest.skip("no CUDA GPU: cupy not importable or no device", allow_module_level=True)

import tagraph.engine as tg  # noqa: E402
from tagraph.devices import registry  # noqa: E402


@pytest.fixture(autouse=True)
def real_registry():
    registry._reset_for_tests(probe_real_gpus=True)
    yield
    registry._reset_for_tests()


@pytest.mark.parametrize("case", ["conv", "pool", "xent", "bn"])
def test_gradients_on_gpu_match_the_cpu(case):
    rng = np.random.RandomState(0)
    x = rng.randn(2, 6, 5, 3).astype(np.float32)
    w = rng.randn(3, 3, 3, 4).astype(np.float32)
    results = []
    for dev in ("/cpu:0", "/gpu:0"):
        with tg.Graph().as_default(), tg.device(dev):
            xt, wt = tg.constant(x), tg.constant(w)
            if case == "conv":
                y = tg.nn.conv2d(xt, wt, 2, "SAME")
            elif case == "pool":
                y = tg.nn.max_pool(xt, 2, 2, "SAME") + tg.nn.avg_pool(xt, 3, 1, "VALID")[:, :3, :2, :]
            elif case == "xent":
                y = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 2], logits=tg.reshape(xt, [2, -1]))
            else:
                y = tg.nn.fused_batch_norm(xt, tg.ones([3]), tg.zeros([3]))[0]
            grads = tg.gradients(tg.reduce_sum(y * y), [xt, wt])
            with tg.Session() as sess:
                results.append(sess.run([y] + [g for g in grads if g is not None]))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("make", [lambda: tg.train.GradientDescentOptimizer(0.1),
                                  lambda: tg.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
                                  lambda: tg.train.AdamOptimizer(0.01),
                                  lambda: tg.train.AdagradOptimizer(0.1),
                                  lambda: tg.train.RMSPropOptimizer(0.01, momentum=0.5),
                                  lambda: tg.train.RMSPropOptimizer(0.01, centered=True)])
def test_fused_updates_on_gpu_match_the_cpu(make):
    rng = np.random.RandomState(1)
    xs = rng.randn(32, 4).astype(np.float32)
    ys = (xs[:, 0] > 0).astype(np.int32)
    kernels = []
    for dev in ("/cpu:0", "/gpu:0"):
        with tg.Graph().as_default():
            with tg.device(dev):
                x = tg.placeholder(tg.float32, [None, 4])
                y = tg.placeholder(tg.int32, [None])
                logits = tg.layers.dense(x, 2, kernel_initializer=tg.constant_initializer(
                    np.linspace(-1, 1, 8).reshape(4, 2)))
                loss = tg.losses.sparse_softmax_cross_entropy(y, logits)
                train = make().minimize(loss)
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                for _ in range(5):
                    sess.run(train, {x: xs, y: ys})
                if dev == "/gpu:0":
                    assert sess.last_run_stats.downloads == 0
                kernels.append(sess.run(tg.trainable_variables()[0]))
    np.testing.assert_allclose(kernels[1], kernels[0], rtol=1e-5, atol=1e-6)
