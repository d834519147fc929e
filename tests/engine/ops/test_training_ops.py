"""The Apply*/ResourceApply* kernels against TensorFlow's update formulas, on both variable kinds and devices."""
import numpy as np
import pytest

import tagraph.engine as tg

RNG = np.random.RandomState(0)
VAR = RNG.randn(2, 3).astype(np.float32)
GRAD = RNG.randn(2, 3).astype(np.float32)


def _slots(n):
    return [np.abs(RNG.randn(2, 3)).astype(np.float32) + 0.1 for _ in range(n)]


def _adam(var, m, v, g, b1p=0.9 ** 3, b2p=0.999 ** 3, lr=0.01, b1=0.9, b2=0.999, eps=1e-8, nesterov=False):
    alpha = lr * np.sqrt(1 - b2p) / (1 - b1p)
    m = m + (g - m) * (1 - b1)
    v = v + (g * g - v) * (1 - b2)
    upd = (g * (1 - b1) + b1 * m) if nesterov else m
    return var - upd * alpha / (np.sqrt(v) + eps), m, v


# name -> (number of slots, scalars (in the op's order), reference update, attrs, position of grad)
CASES = {
    "GradientDescent": (0, [0.1], lambda var, g, a: (var - 0.1 * g,), {}),
    "Momentum": (1, [0.1, 0.9], lambda var, acc, g, a: (
        var - (g * 0.1 + (acc * 0.9 + g) * 0.9 * 0.1) if a.get("use_nesterov") else var - (acc * 0.9 + g) * 0.1,
        acc * 0.9 + g), {"use_nesterov": True}),
    "Adam": (2, [0.9 ** 3, 0.999 ** 3, 0.01, 0.9, 0.999, 1e-8],
             lambda var, m, v, g, a: _adam(var, m, v, g, nesterov=a.get("use_nesterov", False)), {}),
    "Adagrad": (1, [0.1], lambda var, acc, g, a: (var - 0.1 * g / np.sqrt(acc + g * g), acc + g * g), {}),
    "RMSProp": (2, [0.01, 0.9, 0.5, 1e-7], lambda var, ms, mom, g, a: (
        var - (mom * 0.5 + 0.01 * g / np.sqrt(ms + (g * g - ms) * 0.1 + 1e-7)),
        ms + (g * g - ms) * 0.1, mom * 0.5 + 0.01 * g / np.sqrt(ms + (g * g - ms) * 0.1 + 1e-7)), {}),
    "CenteredRMSProp": (3, [0.01, 0.9, 0.5, 1e-7], lambda var, mg, ms, mom, g, a: _centered(var, mg, ms, mom, g), {}),
}


def _centered(var, mg, ms, mom, g):
    ms = ms + (g * g - ms) * 0.1
    mg = mg + (g - mg) * 0.1
    mom = mom * 0.5 + 0.01 * g / np.sqrt(ms - mg * mg + 1e-7)
    return var - mom, mg, ms, mom


def _inputs(name, nslots, scalars, kind, var_ts):
    args = list(var_ts)
    if name == "Momentum":
        return args + [scalars[0], GRAD, scalars[1]]
    return args + scalars + [GRAD]


@pytest.mark.parametrize("use_resource", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_apply_kernels_follow_tensorflow_formulas(device, name, use_resource):
    nslots, scalars, ref_fn, attrs = CASES[name]
    slots = _slots(nslots)
    if name == "CenteredRMSProp":
        slots[0] = slots[0] * 0.1      # ms > mg^2: a real square root
    with tg.Graph().as_default() as g, tg.device(device):
        vs = [tg.Variable(v, name="v%d" % i, use_resource=use_resource) for i, v in enumerate([VAR] + slots)]
        handles = [v.handle if use_resource else v._ref() for v in vs]
        scalars_t = [tg.constant(np.float32(s)) for s in scalars]
        args = _inputs(name, nslots, scalars_t, None, handles)
        args = [tg.constant(a) if isinstance(a, np.ndarray) else a for a in args]
        op = g.create_op(("ResourceApply" if use_resource else "Apply") + name, args,
                         dict(attrs, use_locking=True))
        with tg.Session() as sess:
            sess.run([v.initializer for v in vs])
            before = sess.run(vs[0])
            sess.run(op)
            got = sess.run(vs)
    want = ref_fn(VAR.astype(np.float64), *[s.astype(np.float64) for s in slots], GRAD.astype(np.float64), attrs)
    for have, expect in zip(got, want):
        np.testing.assert_allclose(have, expect, rtol=2e-5, atol=1e-6)
    np.testing.assert_array_equal(before, VAR)   # a value fetched earlier is not changed by the update
    if device.endswith("GPU:0"):
        from tagraph.engine.ops import training_ops
        assert any(k[1] == name for k in training_ops._GPU_KERNELS), "the update was not one fused GPU kernel"


def test_adam_without_nesterov_and_float64():
    var, m, v = VAR.astype(np.float64), *[s.astype(np.float64) for s in _slots(2)]
    with tg.Graph().as_default() as g:
        vs = [tg.Variable(a) for a in (var, m, v)]
        op = g.create_op("ResourceApplyAdam", [x.handle for x in vs] + [
            tg.constant(s, tg.float64) for s in (0.9 ** 3, 0.999 ** 3, 0.01, 0.9, 0.999, 1e-8)] +
            [tg.constant(GRAD.astype(np.float64))], {"use_nesterov": False})
        with tg.Session() as sess:
            sess.run([x.initializer for x in vs])
            sess.run(op)
            got = sess.run(vs)
    for have, expect in zip(got, _adam(var, m, v, GRAD.astype(np.float64))):
        np.testing.assert_allclose(have, expect, rtol=1e-12)


def test_apply_errors():
    with tg.Graph().as_default() as g:
        v = tg.Variable(np.zeros((2, 3), np.float32))
        bad = g.create_op("ResourceApplyGradientDescent", [v.handle, tg.constant(0.1), tg.constant(np.zeros(3, np.float32))])
        with tg.Session() as sess:
            with pytest.raises(tg.errors.FailedPreconditionError):
                sess.run(bad)
            sess.run(v.initializer)
            with pytest.raises(tg.errors.InvalidArgumentError, match="same shape"):
                sess.run(bad)


def test_training_on_the_gpu_keeps_variables_and_slots_there(simulated_gpus):
    simulated_gpus(1)
    rng = np.random.RandomState(0)
    xs = rng.randn(16, 4).astype(np.float32)
    ys = (xs[:, 0] > 0).astype(np.int32)
    with tg.Graph().as_default():
        with tg.device("/gpu:0"):
            x = tg.placeholder(tg.float32, [None, 4])
            y = tg.placeholder(tg.int32, [None])
            logits = tg.layers.dense(tg.layers.dense(x, 8, activation=tg.nn.relu), 2)
            loss = tg.losses.sparse_softmax_cross_entropy(y, logits)
            train = tg.train.AdamOptimizer(0.05).minimize(loss, global_step=tg.train.get_or_create_global_step())
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            l0 = sess.run(loss, {x: xs, y: ys})
            for _ in range(10):
                sess.run(train, {x: xs, y: ys})
            assert sess.last_run_stats.uploads == 2 and sess.last_run_stats.downloads == 0
            assert all(d.endswith("GPU:0") for d in sess.last_run_stats.devices)
            assert sess.run(loss, {x: xs, y: ys}) < l0


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sharded", [False, True])
def test_fused_cpu_adam_equals_the_numpy_rule_bit_for_bit(nesterov, dtype, sharded, monkeypatch):
    # Large and odd-sized, so both the vectorized body and the remainder of the Numba loop run; sharded: split
    # over two intra-op threads at an odd boundary.
    from tagraph.devices import cpu_threads
    from tagraph.engine.ops import training_ops
    if sharded:
        monkeypatch.setattr(training_ops, "_MIN_PER_SHARD", 1000)
        if cpu_threads.settings().intra_op < 2:
            pytest.skip("one intra-op thread here")
    rng = np.random.RandomState(1)
    var, m, g = (rng.randn(1027, 5).astype(dtype) for _ in range(3))
    v = np.abs(rng.randn(1027, 5)).astype(dtype)
    scalars = [dtype(s) for s in (0.9 ** 3, 0.999 ** 3, 0.01, 0.9, 0.999, 1e-8)]
    attrs = {"use_nesterov": nesterov}
    fused = training_ops._fused("Adam")
    assert fused is not None, "numba should compile the fused Adam kernel"
    got = fused(attrs, [var, m, v], scalars + [g])
    want = training_ops._adam(np, attrs, var, m, v, *scalars, g)
    for have, expect in zip(got, want):
        np.testing.assert_array_equal(have, expect)


# --- sparse updates (SparseApply*, ResourceSparseApply*) against TensorFlow ------------------------------------

from sparse_reference import ARRAYS as SPARSE, RECORD as SPARSE_RECORD, check_error  # noqa: E402


@pytest.mark.parametrize("use_resource", [True, False])
@pytest.mark.parametrize("name", sorted(SPARSE_RECORD.KERNELS))
def test_sparse_apply_kernels_match_tensorflow(device, name, use_resource):
    # One op, a row named twice among the indices: TensorFlow updates it twice, one after the other.
    _, nslots, _, _ = SPARSE_RECORD.KERNELS[name]
    with tg.Graph().as_default() as g, tg.device(device):
        vs = [tg.Variable(a, use_resource=use_resource) for a in [SPARSE_RECORD._KV] + SPARSE_RECORD._KSLOT[:nslots]]
        op_type, inputs, attrs = SPARSE_RECORD.kernel_args(name, tg, vs, use_resource)
        op = g.create_op(op_type, inputs, attrs)
        with tg.Session() as sess:
            sess.run([v.initializer for v in vs])
            sess.run(op)
            got = sess.run(vs)
    for k, have in enumerate(got):
        np.testing.assert_allclose(have, SPARSE["kernel:%s:%s:%d" % (name, "resource" if use_resource else "ref", k)],
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n in SPARSE_RECORD.ERRORS if "sparse_" in n and "segment" not in n))
def test_sparse_apply_bad_input_raises_tensorflows_error(name):
    check_error(name)


def test_sparse_apply_static_shape_errors():
    with tg.Graph().as_default() as g:
        v, a = tg.Variable(np.ones([4, 2], np.float32), use_resource=False), tg.Variable(np.ones([4, 3], np.float32),
                                                                                         use_resource=False)
        with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal, but are 2 and 3"):
            g.create_op("SparseApplyAdagrad", [v._ref(), a._ref(), tg.constant(0.1),
                                               tg.constant(np.ones([1, 2], np.float32)), tg.constant([0])])


def _sparse_adagrad_step(use_resource, hold_value):
    """One ResourceSparseApplyAdagrad (or SparseApplyAdagrad) step on a [1000, 8] variable; whether the
    variable's buffer was updated in place, and the value fetched (and held) before the step."""
    with tg.Graph().as_default() as g:
        v = tg.Variable(np.ones([1000, 8], np.float32), use_resource=use_resource)
        acc = tg.Variable(np.full([1000, 8], 0.1, np.float32), use_resource=use_resource)
        h = (lambda x: x.handle) if use_resource else (lambda x: x._ref())
        step = g.create_op(("Resource" if use_resource else "") + "SparseApplyAdagrad",
                           [h(v), h(acc), tg.constant(0.5), tg.constant(np.ones([2, 8], np.float32)),
                            tg.constant([3, 999])])
        with tg.Session() as sess:
            sess.run([v.initializer, acc.initializer])
            key = [k for k in sess._state.variables if k[1] == v.op.name][0]
            buffer = sess._state.variables[key]
            held = buffer if hold_value else None
            del buffer
            before = id(sess._state.variables[key])
            sess.run(step)
            in_place = id(sess._state.variables[key]) == before
            return in_place, held, sess.run(v)


@pytest.mark.parametrize("use_resource", [True, False])
def test_sparse_apply_writes_in_place_unless_the_buffer_is_shared(use_resource):
    in_place, _, after = _sparse_adagrad_step(use_resource, hold_value=False)
    assert in_place, "a buffer no one else holds is updated in place (O(rows touched))"
    in_place, held, after = _sparse_adagrad_step(use_resource, hold_value=True)
    assert not in_place
    np.testing.assert_array_equal(held, 1.0)      # what was handed out keeps its value
    assert after[3, 0] < 1.0 and after[0, 0] == 1.0


def test_sparse_apply_keeps_a_read_from_earlier_in_the_same_run():
    with tg.Graph().as_default() as g:
        v = tg.Variable(np.ones([5, 2], np.float32))
        acc = tg.Variable(np.full([5, 2], 0.1, np.float32))
        read = tg.identity(v.value())
        with tg.control_dependencies([read]):
            step = g.create_op("ResourceSparseApplyAdagrad", [v.handle, acc.handle, tg.constant(0.5),
                                                              tg.constant(np.ones([1, 2], np.float32)),
                                                              tg.constant([2])])
        with tg.control_dependencies([step]):
            total = tg.reduce_sum(read)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert sess.run(total) == 10.0
            assert sess.run(v)[2, 0] < 1.0
