"""The Ftrl, Adadelta, ProximalAdagrad, ProximalGradientDescent and AdagradDA update ops (Apply*, ResourceApply*,
SparseApply*, ResourceSparseApply*) against what TensorFlow computed (tests/data/tf_ops/record_optimizers.py),
on both variable kinds and devices, and their errors against TensorFlow's."""
import importlib.util
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import get_op_def

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_optimizers", DATA / "record_optimizers.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "optimizers.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}


def _input_names(op_type):
    return [a.name for a in get_op_def(op_type).input_arg]


def _run_kernel(name, use_resource, device=None):
    """KERNELS[name] once in tagraph: the variable and its slots before and after."""
    op = ("Resource" if use_resource else "") + RECORD.KERNELS[name][0]
    with tg.Graph().as_default() as g, tg.device(device):
        vs = [tg.Variable(a, use_resource=use_resource) for a in RECORD.kernel_values(name)]
        op_type, inputs, attrs = RECORD.kernel_inputs(name, tg, vs, use_resource, _input_names(op))
        apply_op = g.create_op(op_type, inputs, attrs)
        with tg.Session() as sess:
            sess.run([v.initializer for v in vs])
            before = sess.run(vs)
            sess.run(apply_op)
            return before, sess.run(vs)


@pytest.mark.parametrize("use_resource", [False, True])
@pytest.mark.parametrize("name", sorted(RECORD.KERNELS))
def test_update_ops_match_tensorflow(device, name, use_resource):
    before, after = _run_kernel(name, use_resource, device)
    tol = 1e-12 if name.endswith("_f64") else 1e-6
    for k, have in enumerate(after):
        want = ARRAYS["kernel:%s:%s:%d" % (name, "resource" if use_resource else "ref", k)]
        assert have.dtype == want.dtype
        np.testing.assert_allclose(have, want, rtol=tol, atol=tol, err_msg="%s input %d" % (name, k))
    # A value fetched before the update keeps what it was.
    for k, value in enumerate(RECORD.kernel_values(name)):
        np.testing.assert_array_equal(before[k], value)


def test_the_cases_cover_every_op_and_both_paths_of_the_sparse_ones():
    ops = {case[0] for case in RECORD.KERNELS.values()}
    assert ops == {p + o for p in ("Apply", "SparseApply")
                   for o in ("Ftrl", "FtrlV2", "Adadelta", "ProximalAdagrad", "ProximalGradientDescent", "AdagradDA")}
    for op in ops:
        if op.startswith("Sparse"):
            # a matrix (TensorFlow's row loop) and a vector (its scalar loop)
            assert {case[1] for case in RECORD.KERNELS.values() if case[0] == op} == {1, 2}, op


@pytest.mark.parametrize("name", sorted(RECORD.ERRORS))
def test_bad_inputs_raise_tensorflows_error(name):
    op, _, _, _, _, use_resource = RECORD.ERRORS[name]
    cls, msg = ARRAYS["error:" + name]
    with tg.Graph().as_default():
        with pytest.raises(Exception) as info:
            out = RECORD.error_graph(name, tg, _input_names(("Resource" if use_resource else "") + op))
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                sess.run(out)
    assert type(info.value).__name__ == cls, "%s: %r; TensorFlow raised %s(%s)" % (name, info.value, cls, msg)
    assert msg in str(info.value), "%s: %r; TensorFlow said %r" % (name, str(info.value), msg)


def test_sparse_update_out_of_range_on_the_gpu_too(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default() as g, tg.device("/gpu:0"):
        vs = [tg.Variable(np.ones([4, 2], np.float32)) for _ in range(2)]
        bad = g.create_op("ResourceSparseApplyProximalAdagrad", [v.handle for v in vs] + [
            tg.constant(0.1), tg.constant(0.0), tg.constant(0.0), tg.constant(np.ones([2, 2], np.float32)),
            tg.constant([1, 4])])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            with pytest.raises(tg.errors.InvalidArgumentError, match="Index 4 at offset 1 in indices is out of range"):
                sess.run(bad)


def test_the_gpu_kernel_as_tensorflows_does_not_check_the_learning_rates_sign(simulated_gpus):
    # TensorFlow's CPU kernel of ApplyProximalAdagrad refuses lr <= 0; its GPU kernel applies it.
    simulated_gpus(1)
    results = {}
    for device in ("/cpu:0", "/gpu:0"):
        with tg.Graph().as_default() as g, tg.device(device):
            var, acc = tg.Variable(np.ones([3], np.float32)), tg.Variable(np.ones([3], np.float32))
            step = g.create_op("ResourceApplyProximalAdagrad", [var.handle, acc.handle, tg.constant(-0.5),
                                                                 tg.constant(0.0), tg.constant(0.0),
                                                                 tg.constant(np.ones([3], np.float32))])
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                try:
                    sess.run(step)
                    results[device] = sess.run(var)
                except tg.errors.InvalidArgumentError as e:
                    results[device] = str(e)
    assert "lr is not a positive scalar: []" in results["/cpu:0"]
    np.testing.assert_allclose(results["/gpu:0"], 1 + 0.5 / np.sqrt(2.0), rtol=1e-6)


@pytest.mark.parametrize("use_resource", [False, True])
def test_sparse_updates_write_the_rows_in_place_unless_the_buffer_is_shared(use_resource):
    def step(hold):
        with tg.Graph().as_default() as g:
            vs = [tg.Variable(np.full([1000, 4], x, np.float32), use_resource=use_resource) for x in (1.0, 0.1, 0.0)]
            h = [v.handle if use_resource else v._ref() for v in vs]
            op = g.create_op(("Resource" if use_resource else "") + "SparseApplyFtrl", h + [
                tg.constant(np.ones([2, 4], np.float32)), tg.constant([3, 999]), tg.constant(0.5), tg.constant(0.01),
                tg.constant(0.0), tg.constant(-0.5)])
            with tg.Session() as sess:
                sess.run([v.initializer for v in vs])
                key = [k for k in sess._state.variables if k[1] == vs[0].op.name][0]
                held = sess._state.variables[key] if hold else None
                before = id(sess._state.variables[key])
                sess.run(op)
                return id(sess._state.variables[key]) == before, held, sess.run(vs[0])
    in_place, _, after = step(hold=False)
    assert in_place
    in_place, held, after = step(hold=True)
    assert not in_place
    np.testing.assert_array_equal(held, 1.0)
    assert after[3, 0] != 1.0 and after[0, 0] == 1.0 and after[999, 3] == after[3, 0]


def test_static_shapes():
    with tg.Graph().as_default() as g:
        v = [tg.Variable(np.ones([4, 2], np.float32), use_resource=False) for _ in range(3)]
        out = g.create_op("SparseApplyFtrl", [x._ref() for x in v] + [
            tg.placeholder(tg.float32, [None, 2]), tg.placeholder(tg.int32, [None])] +
            [tg.constant(0.1)] * 4)
        assert out.outputs[0].shape.as_list() == [4, 2]
        with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
            g.create_op("ApplyProximalGradientDescent", [v[0]._ref(), tg.constant([0.1]), tg.constant(0.0),
                                                         tg.constant(0.0), tg.constant(np.ones([4, 2], np.float32))])
        scalars = [tg.constant(0.1), tg.constant(0.0), tg.constant(0.0)]
        with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
            g.create_op("SparseApplyProximalGradientDescent", [v[0]._ref()] + scalars + [
                tg.constant(np.ones([1, 2], np.float32)), tg.constant([[0]])])
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3"):
            g.create_op("SparseApplyProximalGradientDescent", [v[0]._ref()] + scalars + [
                tg.constant(np.ones([3, 2], np.float32)), tg.constant([0, 1])])
        with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal, but are 2 and 3"):
            g.create_op("ApplyProximalGradientDescent", [v[0]._ref(), tg.constant(0.1), tg.constant(0.0),
                                                         tg.constant(0.0), tg.constant(np.ones([4, 3], np.float32))])
