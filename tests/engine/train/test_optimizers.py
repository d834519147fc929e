"""Optimizers: TensorFlow 1's slot names and placement, minimize/compute/apply, the global step."""
import numpy as np
import pytest

import tagraph.engine as tg


def _problem(use_resource=True):
    x = tg.placeholder(tg.float32, [None, 3], name="x")
    y = tg.placeholder(tg.float32, [None, 1], name="y")
    with tg.variable_scope("", use_resource=use_resource):
        pred = tg.layers.dense(x, 1, name="lin")
    return x, y, tg.losses.mean_squared_error(y, pred)


def _data():
    rng = np.random.RandomState(0)
    xs = rng.randn(32, 3).astype(np.float32)
    return xs, xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3


@pytest.mark.parametrize("use_resource", [True, False])
def test_adam_slot_and_non_slot_variables_are_named_as_tensorflow_1(use_resource):
    with tg.Graph().as_default():
        x, y, loss = _problem(use_resource)
        step = tg.train.get_or_create_global_step()
        opt = tg.train.AdamOptimizer(0.1)
        train = opt.minimize(loss, global_step=step)
        names = sorted(v.op.name for v in tg.global_variables())
        assert names == ["beta1_power", "beta2_power", "global_step", "lin/bias", "lin/bias/Adam", "lin/bias/Adam_1",
                         "lin/kernel", "lin/kernel/Adam", "lin/kernel/Adam_1"]
        assert [v.op.name for v in tg.trainable_variables()] == ["lin/kernel", "lin/bias"]
        kernel = tg.trainable_variables()[0]
        m = opt.get_slot(kernel, "m")
        assert m.op.name == "lin/kernel/Adam" and opt.get_slot(kernel, "v").op.name == "lin/kernel/Adam_1"
        assert m.op.type == ("VarHandleOp" if use_resource else "VariableV2")
        assert m.op.colocation_groups() == ["loc:@lin/kernel"]
        # beta powers sit with the first variable by name.
        assert opt._get_beta_accumulators()[0].op.colocation_groups() == ["loc:@lin/bias"]
        assert opt.get_slot_names() == ["m", "v"]
        assert [v.op.name for v in opt.variables()] == ["beta1_power", "beta2_power", "lin/bias/Adam",
                                                        "lin/bias/Adam_1", "lin/kernel/Adam", "lin/kernel/Adam_1"]
        assert train.name == "Adam" and train in tg.get_collection(tg.GraphKeys.TRAIN_OP)
        apply_types = {op.type for op in tg.get_default_graph().get_operations() if "Apply" in op.type}
        assert apply_types == ({"ResourceApplyAdam"} if use_resource else {"ApplyAdam"})
        xs, ys = _data()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            l0 = sess.run(loss, {x: xs, y: ys})
            for _ in range(60):
                sess.run(train, {x: xs, y: ys})
            assert sess.run(loss, {x: xs, y: ys}) < l0 / 20
            assert tg.train.global_step(sess, step) == 60
            np.testing.assert_allclose(sess.run(opt._get_beta_accumulators()[0]), 0.9 ** 61, rtol=1e-4)


@pytest.mark.parametrize("make,slots", [
    (lambda: tg.train.GradientDescentOptimizer(0.1), []),
    (lambda: tg.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True), ["Momentum"]),
    (lambda: tg.train.AdagradOptimizer(0.5), ["Adagrad"]),
    (lambda: tg.train.RMSPropOptimizer(0.05, momentum=0.2), ["RMSProp", "RMSProp_1"]),
    (lambda: tg.train.RMSPropOptimizer(0.05, centered=True), ["RMSProp", "RMSProp_1", "RMSProp_2"]),
])
def test_each_optimizer_trains_and_names_its_slots(make, slots):
    with tg.Graph().as_default():
        x, y, loss = _problem()
        opt = make()
        train = opt.minimize(loss)
        assert sorted(v.op.name for v in opt.variables()) == sorted(
            "lin/%s/%s" % (p, s) for p in ("kernel", "bias") for s in slots)
        xs, ys = _data()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            if slots[:1] == ["RMSProp"]:
                np.testing.assert_array_equal(sess.run(opt.get_slot(tg.trainable_variables()[0], "rms")), 1.0)
            if slots[:1] == ["Adagrad"]:
                np.testing.assert_allclose(sess.run(opt.get_slot(tg.trainable_variables()[0], "accumulator")), 0.1)
            l0 = sess.run(loss, {x: xs, y: ys})
            for _ in range(40):
                sess.run(train, {x: xs, y: ys})
            assert sess.run(loss, {x: xs, y: ys}) < l0 / 4


def test_compute_and_apply_gradients_var_list_and_errors():
    with tg.Graph().as_default():
        x, y, loss = _problem()
        kernel, bias = tg.trainable_variables()
        frozen = tg.Variable(1.0, name="frozen")
        opt = tg.train.GradientDescentOptimizer(0.5)
        gv = opt.compute_gradients(loss, var_list=[kernel, frozen])
        assert gv[0][1] is kernel and gv[0][0] is not None and gv[1] == (None, frozen)
        train = opt.apply_gradients(gv, name="sgd_step")
        assert train.name == "sgd_step"
        with pytest.raises(ValueError, match="No gradients provided"):
            opt.minimize(loss, var_list=[frozen])
        with pytest.raises(ValueError, match="No variables"):
            opt.apply_gradients([])
        xs, ys = _data()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            b0 = sess.run(bias)
            k0 = sess.run(kernel)
            sess.run(train, {x: xs, y: ys})
            np.testing.assert_array_equal(sess.run(bias), b0)      # not in var_list
            assert not np.array_equal(sess.run(kernel), k0)


def test_learning_rate_may_be_a_tensor_or_callable_and_constraints_apply():
    with tg.Graph().as_default():
        lr = tg.placeholder(tg.float32, [])
        v = tg.Variable([1.0, -2.0], constraint=lambda t: tg.maximum(t, 0.0))
        loss = tg.reduce_sum(v * v)
        train = tg.train.GradientDescentOptimizer(lr).minimize(loss)
        train2 = tg.train.MomentumOptimizer(lambda: 0.1, 0.0).minimize(loss)
        with tg.Session() as sess:
            sess.run(v.initializer)
            sess.run(train, {lr: 0.25})
            np.testing.assert_allclose(sess.run(v), [0.5, 0.0])
            sess.run([opt_init for opt_init in [op.initializer for op in tg.global_variables()[1:]]])
            sess.run(train2)
            np.testing.assert_allclose(sess.run(v), [0.4, 0.0])
