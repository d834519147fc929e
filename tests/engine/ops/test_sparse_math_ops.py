"""SparseTensorDenseMatMul, the sparse reductions, SparseAdd (and SparseTensorDenseAdd), SparseConcat, SparseSplit,
sparse_transpose, SparseSparseMaximum/Minimum, SparseSoftmax, sparse_mask, ScatterNd updates of variables and
CountUpTo against TensorFlow's recorded values, gradients and errors (tests/data/tf_ops/record_sparse_math.py):
the ops with GPU kernels on the CPU and a simulated GPU, the host-only ones on the CPU."""
import importlib.util

import numpy as np
import pytest

import tagraph.engine as tg
import tf_reference
from tagraph.engine.framework import errors

_spec = importlib.util.spec_from_file_location("tf_ops_record_sparse_math", tf_reference.DATA / "record_sparse_math.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(tf_reference.DATA / "sparse_math.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}

DEVICE_CASES = [pytest.param(c, id=c.name) for c in RECORD.DEVICE_CASES]
HOST_CASES = [pytest.param(c, id=c.name) for c in RECORD.HOST_CASES]
DEVICE_ERRORS = [pytest.param(e, id=e.name) for e in RECORD.DEVICE_ERRORS]
HOST_ERRORS = [pytest.param(e, id=e.name) for e in RECORD.HOST_ERRORS]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", DEVICE_CASES)
def test_matches_tensorflow(device, case, known):
    tf_reference.check_case(device, case, DATA, known)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", HOST_CASES)
def test_host_ops_match_tensorflow(case, known):
    tf_reference.check_case("/device:CPU:0", case, DATA, known)


@pytest.mark.parametrize("err", DEVICE_ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    tf_reference.check_error(device, err, DATA)


@pytest.mark.parametrize("err", HOST_ERRORS)
def test_bad_inputs_of_host_ops_fail_as_in_tensorflow(err):
    tf_reference.check_error("/device:CPU:0", err, DATA)


def _numeric_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = eps
        g.flat[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("adjoint_a", [False, True])
@pytest.mark.parametrize("adjoint_b", [False, True])
def test_matmul_gradients_match_numeric_ones(adjoint_a, adjoint_b):
    rng = np.random.default_rng(0)
    idx = np.array([[0, 1], [1, 0], [2, 2], [2, 1]], np.int64)
    vals = rng.normal(size=4)
    b = rng.normal(size=(2, 3) if adjoint_b else (3, 2))
    with tg.Graph().as_default():
        pv, pb = tg.placeholder(tg.float64, [4]), tg.placeholder(tg.float64, list(b.shape))
        out = tg.sparse_tensor_dense_matmul(tg.SparseTensor(idx, pv, [3, 3]), pb, adjoint_a=adjoint_a,
                                            adjoint_b=adjoint_b)
        loss = tg.reduce_sum(tg.sin(out))
        grads = tg.gradients(loss, [pv, pb])
        with tg.Session() as sess:
            got_v, got_b = sess.run(grads, {pv: vals, pb: b})
            num_v = _numeric_gradient(lambda v: sess.run(loss, {pv: v, pb: b}), vals)
            num_b = _numeric_gradient(lambda m: sess.run(loss, {pv: vals, pb: m}), b)
    np.testing.assert_allclose(got_v, num_v, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got_b, num_b, rtol=1e-6, atol=1e-8)


def test_softmax_and_reduce_sum_gradients_match_numeric_ones():
    idx = RECORD._IDX3
    vals = np.random.default_rng(1).normal(size=len(idx))
    with tg.Graph().as_default():
        pv = tg.placeholder(tg.float64, [len(idx)])
        sp = tg.SparseTensor(idx, pv, RECORD._SHAPE3)
        loss = tg.reduce_sum(tg.sin(tg.sparse_softmax(sp).values)) + tg.reduce_sum(
            tg.cos(tg.sparse_reduce_sum(sp, [1])))
        grad, = tg.gradients(loss, [pv])
        with tg.Session() as sess:
            got = sess.run(grad, {pv: vals})
            num = _numeric_gradient(lambda v: sess.run(loss, {pv: v}), vals)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def test_sparse_add_gradients_match_numeric_ones():
    # SparseAdd of two SparseTensors (with overlapping entries), then SparseTensorDenseAdd with a dense one.
    a_idx = np.array([[0, 0], [1, 2], [2, 1]], np.int64)
    b_idx = np.array([[0, 0], [0, 2], [2, 1], [2, 2]], np.int64)
    rng = np.random.default_rng(2)
    a_vals, b_vals, dense = rng.normal(size=3), rng.normal(size=4), rng.normal(size=(3, 3))
    with tg.Graph().as_default():
        pa, pb = tg.placeholder(tg.float64, [3]), tg.placeholder(tg.float64, [4])
        pd = tg.placeholder(tg.float64, [3, 3])
        total = tg.sparse_add(tg.SparseTensor(a_idx, pa, [3, 3]), tg.SparseTensor(b_idx, pb, [3, 3]))
        loss = tg.reduce_sum(tg.sin(total.values)) + tg.reduce_sum(tg.cos(tg.sparse_add(total, pd)))
        grads = tg.gradients(loss, [pa, pb, pd])
        with tg.Session() as sess:
            feeds = {pa: a_vals, pb: b_vals, pd: dense}
            got = sess.run(grads, feeds)
            for i, (p, v) in enumerate([(pa, a_vals), (pb, b_vals), (pd, dense)]):
                num = _numeric_gradient(lambda x: sess.run(loss, {**feeds, p: x}), v)
                np.testing.assert_allclose(got[i], num, rtol=1e-6, atol=1e-8)


def test_host_only_ops_fall_back_to_the_cpu_with_soft_placement(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default(), tg.device("/device:GPU:0"):
        sp = tg.SparseTensor([[0, 1], [2, 0]], [5.0, 7.0], [3, 2])
        total = tg.sparse_reduce_sum(sp, 1)
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            np.testing.assert_array_equal(sess.run(total), [5, 0, 7])


def test_count_up_to_counts_then_stops():
    with tg.Graph().as_default():
        step = tg.Variable(np.int64(0), use_resource=False)
        nxt = tg.count_up_to(step, 2)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            assert [sess.run(nxt), sess.run(nxt)] == [0, 1]
            with pytest.raises(errors.OutOfRangeError, match="Reached limit of 2"):
                sess.run(nxt)
            assert sess.run(step) == 2


def test_a_repeated_scatter_nd_add_coordinate_accumulates():
    with tg.Graph().as_default():
        v = tg.Variable(np.zeros(4, np.float32))
        up = tg.scatter_nd_add(v, [[1], [1], [3]], [1.0, 2.0, 4.0])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(up), [0, 3, 0, 4])


def test_sparse_add_needs_a_sparse_operand():
    with tg.Graph().as_default(), pytest.raises(TypeError, match="At least one input should be SparseTensor"):
        tg.sparse_add(tg.ones([2]), tg.ones([2]))


def test_sparse_split_wants_keywords():
    with tg.Graph().as_default(), pytest.raises(ValueError, match="Keyword arguments are required"):
        tg.sparse_split(tg.SparseTensor([[0]], [1.0], [2]), 2, 0)


def test_the_tf_names_are_the_ops():
    import tagraph.compat.v1 as tf
    assert tf.sparse_tensor_dense_matmul is tg.sparse_tensor_dense_matmul
    assert tf.sparse.sparse_dense_matmul is tf.sparse.matmul is tg.sparse_tensor_dense_matmul
    assert tf.sparse.reduce_sum is tf.sparse_reduce_sum is tg.sparse_reduce_sum
    assert tf.sparse.reduce_max_sparse is tg.sparse_reduce_max_sparse
    assert tf.sparse.concat is tf.sparse_concat and tf.sparse.add is tf.sparse_add
    assert tf.sparse.split is tf.sparse_split and tf.sparse.transpose is tf.sparse_transpose
    assert tf.sparse.maximum is tf.sparse_maximum and tf.sparse.minimum is tf.sparse_minimum
    assert tf.sparse.softmax is tf.sparse_softmax and tf.sparse.mask is tf.sparse_mask
    assert tf.scatter_nd_update is tg.scatter_nd_update and tf.scatter_nd_add is tg.scatter_nd_add
    assert tf.count_up_to is tg.count_up_to
