"""Multi-tower training on simulated GPUs: two towers, each on half the batch, end where one device on the
whole batch ends, with the variables in one place, the CPU or GPU:0 (average_gradients), or mirrored on each GPU
(all_reduce_gradients, an NCCL all-reduce)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.train.towers import all_reduce_gradients, average_gradients

STEPS = 5
RNG = np.random.RandomState(7)
X = RNG.randn(16, 6).astype(np.float32)
Y = RNG.randint(0, 3, size=16).astype(np.int64)
INIT = {"hidden/kernel": RNG.randn(6, 8).astype(np.float32) * 0.5,
        "hidden/bias": RNG.randn(8).astype(np.float32) * 0.1,
        "logits/kernel": RNG.randn(8, 3).astype(np.float32) * 0.5,
        "logits/bias": np.zeros(3, np.float32)}
OPTIMIZERS = {"sgd": lambda: tg.train.GradientDescentOptimizer(0.5),
              "momentum": lambda: tg.train.MomentumOptimizer(0.1, 0.9),
              "adam": lambda: tg.train.AdamOptimizer(0.05)}


def _variables():
    return [tg.get_variable(name, initializer=tg.constant_initializer(value), shape=value.shape)
            for name, value in INIT.items()]


def _loss(x, y):
    """The mean cross-entropy of a two-layer MLP over the batch (x, y), with variables from the current scope."""
    w1, b1, w2, b2 = _variables()
    hidden = tg.nn.relu(tg.matmul(x, w1) + b1)
    logits = tg.matmul(hidden, w2) + b2
    return tg.reduce_mean(tg.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


def _train(build):
    """Runs ``build() -> (train_op, {name: variable})`` for STEPS steps; the variables' final values."""
    g = tg.Graph()
    with g.as_default():
        train_op, variables = build()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for _ in range(STEPS):
                sess.run(train_op)
            devices = sess.last_run_stats.devices
            values = sess.run(variables)
    return values, devices, g


def _one_device(optimizer):
    def build():
        with tg.device("/gpu:0"):
            loss = _loss(tg.constant(X), tg.constant(Y))
            train_op = OPTIMIZERS[optimizer]().minimize(loss)
        return train_op, {v.op.name: v for v in tg.global_variables() if v.op.name in INIT}
    return _train(build)[0]


def _shared(optimizer, variables_on):
    def build():
        opt = OPTIMIZERS[optimizer]()
        with tg.device(variables_on):
            _variables()
        xs, ys = np.split(X, 2), np.split(Y, 2)
        tower_grads = []
        for i in range(2):
            with tg.device("/gpu:%d" % i), tg.name_scope("tower_%d" % i), \
                    tg.variable_scope(tg.get_variable_scope(), reuse=True):
                loss = _loss(tg.constant(xs[i]), tg.constant(ys[i]))
                tower_grads.append(opt.compute_gradients(loss))
        with tg.device(variables_on):
            train_op = opt.apply_gradients(average_gradients(tower_grads))
        return train_op, {v.op.name: v for v in tg.global_variables() if v.op.name in INIT}
    return _train(build)


def _mirrored(optimizer, devices=("/gpu:0", "/gpu:1")):
    def build():
        # An optimizer per tower: its own non-slot state (Adam's beta powers) on the tower's device.
        opts = [OPTIMIZERS[optimizer]() for _ in devices]
        xs, ys = np.split(X, 2), np.split(Y, 2)
        tower_grads = []
        for i, device in enumerate(devices):
            with tg.device(device), tg.variable_scope("tower_%d" % i):
                loss = _loss(tg.constant(xs[i]), tg.constant(ys[i]))
                scope_vars = [v for v in tg.trainable_variables() if v.op.name.startswith("tower_%d/" % i)]
                tower_grads.append(opts[i].compute_gradients(loss, var_list=scope_vars))
        updates = []
        for i, grads in enumerate(all_reduce_gradients(tower_grads)):
            with tg.device(devices[i]):
                updates.append(opts[i].apply_gradients(grads))
        return tg.group(*updates), {v.op.name: v for v in tg.global_variables()
                                    if v.op.name.split("/", 1)[-1] in INIT}
    return _train(build)


@pytest.mark.parametrize("variables_on", ["/cpu:0", "/gpu:0"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_two_towers_with_shared_variables_match_one_device(simulated_gpus, optimizer, variables_on):
    simulated_gpus(2)
    expected = _one_device(optimizer)
    got, devices, g = _shared(optimizer, variables_on)
    assert any("GPU:0" in d for d in devices) and any("GPU:1" in d for d in devices), devices
    for name in INIT:
        assert not np.allclose(expected[name], INIT[name]), name       # training moved it
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_two_towers_with_mirrored_variables_match_one_device(simulated_gpus, optimizer):
    simulated_gpus(2)
    expected = _one_device(optimizer)
    got, devices, g = _mirrored(optimizer)
    assert len([op for op in g.get_operations() if op.type == "NcclAllReduce"]) == 2 * len(INIT)
    for i in range(2):
        for name in INIT:
            np.testing.assert_allclose(got["tower_%d/%s" % (i, name)], expected[name], rtol=1e-5, atol=1e-5,
                                       err_msg="tower %d %s" % (i, name))


def test_mirrored_towers_on_one_device_reduce_without_nccl(simulated_gpus):
    # Two towers sharing one device cannot meet in NCCL (a device takes part once): AddN and copies instead.
    simulated_gpus(1)
    expected = _one_device("sgd")
    got, _, g = _mirrored("sgd", devices=("/gpu:0", "/gpu:0"))
    types = {op.type for op in g.get_operations()}
    assert "NcclAllReduce" not in types and "AddN" in types
    for i in range(2):
        for name in INIT:
            np.testing.assert_allclose(got["tower_%d/%s" % (i, name)], expected[name], rtol=1e-5, atol=1e-5)


def test_average_gradients_is_the_mean_per_variable():
    g = tg.Graph()
    with g.as_default():
        v = tg.Variable(np.zeros(3, np.float32), name="v")
        w = tg.Variable(np.zeros(2, np.float32), name="w")
        tower_grads = [[(tg.constant([1.0, 2.0, 3.0]), v), (None, w)],
                       [(tg.constant([3.0, 6.0, -3.0]), v), (None, w)]]
        (gv, var_v), (gw, var_w) = average_gradients(tower_grads)
        assert var_v is v and var_w is w and gw is None
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(gv), [2.0, 4.0, 0.0])


def test_all_reduce_gradients_sum_without_average(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        grads = []
        for i in range(2):
            with tg.device("/gpu:%d" % i):
                v = tg.Variable(np.zeros(2, np.float32), name="v%d" % i)
                grads.append([(tg.constant([1.0 + i, 10.0 * i]), v)])
        summed = all_reduce_gradients(grads, average=False)
        averaged = all_reduce_gradients(grads)
        assert [t[0][0].device for t in summed] == ["/device:GPU:0", "/device:GPU:1"]
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run([t[0][0] for t in summed]), [[3.0, 10.0]] * 2)
            np.testing.assert_array_equal(sess.run([t[0][0] for t in averaged]), [[1.5, 5.0]] * 2)


# --- errors ------------------------------------------------------------------------------------------------

def test_towers_with_mismatched_shapes_are_refused(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        towers = []
        for i, shape in enumerate([(3,), (4,)]):
            with tg.device("/gpu:%d" % i):
                v = tg.Variable(np.zeros(shape, np.float32), name="v%d" % i)
                towers.append([(tg.ones(shape), v)])
        with pytest.raises(ValueError, match="tower 1's variable v1.* has shape \\(4,\\) but tower 0's v0"):
            all_reduce_gradients(towers)


def test_towers_with_different_variable_counts_are_refused():
    g = tg.Graph()
    with g.as_default():
        v = tg.Variable(np.zeros(2, np.float32))
        with pytest.raises(ValueError, match="Tower 1 has 0 .* but tower 0 has 1"):
            average_gradients([[(tg.ones([2]), v)], []])
        with pytest.raises(ValueError, match="tower_grads is empty"):
            average_gradients([])


def test_average_gradients_refuses_per_tower_variables():
    g = tg.Graph()
    with g.as_default():
        a, b = tg.Variable(np.zeros(2, np.float32), name="a"), tg.Variable(np.zeros(2, np.float32), name="b")
        with pytest.raises(ValueError, match="tower 1 lists b.* all_reduce_gradients"):
            average_gradients([[(tg.ones([2]), a)], [(tg.ones([2]), b)]])


def test_a_gradient_missing_in_one_tower_is_refused():
    g = tg.Graph()
    with g.as_default():
        v = tg.Variable(np.zeros(2, np.float32), name="v")
        with pytest.raises(ValueError, match="no gradient in tower\\(s\\) 1"):
            average_gradients([[(tg.ones([2]), v)], [(None, v)]])


def test_a_tower_on_a_device_that_does_not_exist(simulated_gpus):
    simulated_gpus(2)
    g = tg.Graph()
    with g.as_default():
        towers = []
        for i in (0, 2):
            with tg.device("/gpu:%d" % i):
                v = tg.Variable(np.zeros(2, np.float32), name="v%d" % i)
                towers.append([(v * 2.0, v)])
        grads = all_reduce_gradients(towers)
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError,
                               match="Could not satisfy explicit device specification '/device:GPU:2'"):
                sess.run(tg.global_variables_initializer())
            with pytest.raises(errors.InvalidArgumentError, match="device:GPU:2"):
                sess.run([t[0][0] for t in grads])
