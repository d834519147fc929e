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


# --- sparse gradients (IndexedSlices): TensorFlow 1's sparse updates, against TensorFlow's values ------------

def _sparse_reference():
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[1] / "ops" / "sparse_reference.py"
    spec = importlib.util.spec_from_file_location("sparse_reference_for_optimizers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SPARSE = _sparse_reference()
_SPARSE_OPS = {"gradient_descent": ({"ResourceScatterAdd"}, {"ScatterSub"}),
               "momentum": ({"ResourceSparseApplyMomentum"}, {"SparseApplyMomentum"}),
               "momentum_nesterov": ({"ResourceSparseApplyMomentum"}, {"SparseApplyMomentum"}),
               "adagrad": ({"ResourceSparseApplyAdagrad"}, {"SparseApplyAdagrad"}),
               "adam": ({"ResourceScatterAdd"}, {"ScatterAdd"}),
               "rmsprop": ({"ResourceSparseApplyRMSProp"}, {"SparseApplyRMSProp"}),
               "rmsprop_momentum": ({"ResourceSparseApplyRMSProp"}, {"SparseApplyRMSProp"}),
               "rmsprop_centered": ({"ResourceSparseApplyCenteredRMSProp"}, {"SparseApplyCenteredRMSProp"})}


@pytest.mark.parametrize("use_resource", [True, False])
@pytest.mark.parametrize("name", sorted(SPARSE.RECORD.OPTIMIZERS))
def test_sparse_updates_follow_tensorflow_for_five_steps(name, use_resource):
    # apply_gradients with an IndexedSlices (repeated rows among its indices) takes the sparse path.
    _, slots = SPARSE.RECORD.OPTIMIZERS[name]
    case = "%s:%s" % (name, "resource" if use_resource else "ref")
    with tg.Graph().as_default() as g:
        var, opt, values, indices, train = SPARSE.RECORD.optimizer_graph(tg, name, use_resource)
        types = {op.type for op in g.get_operations()}
        assert _SPARSE_OPS[name][0 if use_resource else 1] <= types
        assert not any(t.startswith(("Apply", "ResourceApply")) for t in types), "no dense update of the variable"
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for k in range(SPARSE.RECORD.STEPS):
                sess.run(train, {values: SPARSE.RECORD.GRAD_VALUES[k], indices: SPARSE.RECORD.GRAD_INDICES[k]})
                np.testing.assert_allclose(sess.run(var), SPARSE.ARRAYS["opt:%s:step%d:var" % (case, k)],
                                           rtol=1e-5, atol=1e-6, err_msg="%s step %d" % (case, k))
                for s in slots:
                    np.testing.assert_allclose(sess.run(opt.get_slot(var, s)),
                                               SPARSE.ARRAYS["opt:%s:step%d:%s" % (case, k, s)], rtol=1e-5, atol=1e-6,
                                               err_msg="%s step %d slot %s" % (case, k, s))


@pytest.mark.parametrize("name", sorted(SPARSE.RECORD.MODELS))
def test_tensorflows_embedding_training_graph_trains_as_in_tensorflow(name):
    # TensorFlow's own meta graph and initial checkpoint: tagraph imports them and runs the training op.
    from tagraph.serialization import import_meta_graph
    data = SPARSE.DATA
    with tg.Graph().as_default() as g:
        saver = import_meta_graph(str(data / ("sparse_%s.meta" % name)))
        types = {op.type for op in g.get_operations()}
        assert {"Unique", "DynamicStitch"} <= types
        assert ("ResourceSparseApplyAdagrad" in types) if name == "adagrad" else ("ScatterAdd" in types)
        with tg.Session() as sess:
            saver.restore(sess, str(data / ("sparse_%s.ckpt" % name)))
            losses = []
            for k in range(SPARSE.RECORD.STEPS):
                loss, _ = sess.run(["loss:0", "train"], {"ids:0": SPARSE.RECORD.MODEL_IDS[k],
                                                         "labels:0": SPARSE.RECORD.MODEL_LABELS[k]})
                losses.append(loss)
            shards = sorted((v for v in tg.global_variables() if "/emb" in v.op.name and v.op.name.count("/") == 1),
                            key=lambda v: v.op.name)
            emb = np.concatenate(sess.run(shards))
    np.testing.assert_allclose(losses, SPARSE.ARRAYS["model:%s:loss" % name], rtol=1e-4)
    np.testing.assert_allclose(emb, SPARSE.ARRAYS["model:%s:emb" % name], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SPARSE.RECORD.MODELS))
def test_the_same_embedding_model_built_by_tagraph_trains_as_in_tensorflow(name):
    with tg.Graph().as_default():
        tg.set_random_seed(0)
        ids, labels, loss, train, emb = SPARSE.RECORD.model_graph(tg, name)
        restore = SPARSE.DATA / ("sparse_%s.ckpt" % name)
        from tagraph.serialization import Saver
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            Saver(var_list=[v for v in tg.global_variables() if v.op.name.startswith("model/")]).restore(
                sess, str(restore))
            feeds = [{ids: SPARSE.RECORD.MODEL_IDS[k], labels: SPARSE.RECORD.MODEL_LABELS[k]}
                     for k in range(SPARSE.RECORD.STEPS)]
            losses = [sess.run([loss, train], feed)[0] for feed in feeds]
    np.testing.assert_allclose(losses, SPARSE.ARRAYS["model:%s:loss" % name], rtol=1e-4)


def test_a_constraint_on_a_sparsely_updated_variable_is_refused():
    with tg.Graph().as_default():
        v = tg.get_variable("emb", [10, 2], constraint=lambda x: x, use_resource=True)
        loss = tg.reduce_sum(tg.gather(v, [1, 2]))
        with pytest.raises(RuntimeError, match="Cannot use a constraint function on a sparse variable"):
            tg.train.AdagradOptimizer(0.1).minimize(loss)


def test_compute_gradients_gives_the_indexed_slices_and_apply_takes_them():
    with tg.Graph().as_default():
        emb = tg.get_variable("emb", initializer=np.ones([6, 2], np.float32))
        loss = tg.reduce_sum(tg.nn.embedding_lookup(emb, [1, 4, 1]))
        opt = tg.train.GradientDescentOptimizer(0.5)
        (g, v), = opt.compute_gradients(loss)
        assert isinstance(g, tg.IndexedSlices) and v is emb
        train = opt.apply_gradients([(g, v)])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train)
            np.testing.assert_allclose(sess.run(emb)[:, 0], [1, 0, 1, 1, 0.5, 1])


def test_gate_graph_keeps_sparse_gradients_sparse():
    with tg.Graph().as_default() as g:
        emb = tg.get_variable("emb", initializer=np.ones([6, 2], np.float32))
        w = tg.get_variable("w", initializer=np.ones([2, 1], np.float32))
        loss = tg.reduce_sum(tg.matmul(tg.nn.embedding_lookup(emb, [1, 4]), w))
        opt = tg.train.AdagradOptimizer(0.5)
        grads_and_vars = opt.compute_gradients(loss, gate_gradients=tg.train.Optimizer.GATE_GRAPH)
        assert isinstance(grads_and_vars[0][0], tg.IndexedSlices)
        train = opt.apply_gradients(grads_and_vars)
        assert "ResourceSparseApplyAdagrad" in {op.type for op in g.get_operations()}
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train)
            got = sess.run(emb)
    assert got[1, 0] < 1.0 and got[0, 0] == 1.0
