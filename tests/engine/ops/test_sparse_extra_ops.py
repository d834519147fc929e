"""tf.sparse.eye, from_dense, to_indicator, expand_dims, reset_shape and tf.sparse_matmul (SparseMatMul) against
real TensorFlow (recorded by tests/data/tf_ops/record_sets_sparse.py), SparseMatMul on the CPU and a simulated
GPU with its gradient (TensorFlow's values and central differences), and TensorFlow's errors."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework.op_builder import get_gradient_fn

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_sets_sparse", DATA / "record_sets_sparse.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
RECORDED = json.loads((DATA / "sets_sparse.json").read_text())


@pytest.mark.parametrize("name", RECORD.EXTRA_CASES)
def test_sparse_extras_match_tensorflow(name):
    RECORD.check(tf, name, RECORDED)


def _want(name, k=0):
    out = RECORDED[name][k]
    return np.array(out["values"], np.float32).reshape(out["shape"])


@pytest.mark.parametrize("name,kwargs,operands", [
    ("sparse_matmul", {"a_is_sparse": True}, "XY"),
    ("sparse_matmul_t", {"transpose_a": True, "transpose_b": True, "b_is_sparse": True}, "YX"),
])
def test_sparse_matmul_on_each_device(device, name, kwargs, operands):
    values = {"X": RECORD._X, "Y": RECORD._Y}
    with tg.Graph().as_default(), tg.device(device):
        a, b = (tg.constant(values[c]) for c in operands)
        z = tf.sparse_matmul(a, b, **kwargs)
        with tg.Session() as sess:
            got = sess.run(z)
    assert z.dtype == tg.float32 and z.shape.as_list() == list(got.shape)
    np.testing.assert_allclose(got, _want(name), rtol=1e-5, atol=1e-5)


def test_sparse_matmul_of_bfloat16_is_float32():
    with tg.Graph().as_default(), tg.Session() as sess:
        a = tg.cast(tg.constant([[1.0, 2.0]]), tg.bfloat16)
        z = tf.sparse_matmul(a, tg.constant([[3.0], [4.0]]), a_is_sparse=True)
        assert z.op.get_attr("Ta") == tg.bfloat16 and z.dtype == tg.float32
        assert sess.run(z).tolist() == [[11.0]]


@pytest.mark.parametrize("ta,tb", [(False, False), (False, True), (True, False), (True, True)])
def test_sparse_matmul_gradient_matches_central_differences(ta, tb):
    rng = np.random.default_rng(5)
    a = rng.standard_normal([4, 3] if ta else [3, 4]).astype(np.float32)
    b = rng.standard_normal([5, 4] if tb else [4, 5]).astype(np.float32)
    up = rng.standard_normal([3, 5]).astype(np.float32)
    with tg.Graph().as_default(), tg.Session() as sess:
        pa, pb = tg.placeholder(tg.float32, a.shape), tg.placeholder(tg.float32, b.shape)
        z = tf.sparse_matmul(pa, pb, transpose_a=ta, transpose_b=tb, a_is_sparse=True)
        grads = get_gradient_fn("SparseMatMul")(z.op, tg.constant(up))
        got = sess.run(grads, {pa: a, pb: b})

        def loss(x, y):
            return float(np.sum(up.astype(np.float64) * sess.run(z, {pa: x, pb: y})))
        eps = 1e-2      # the product is linear in each operand: central differences are exact up to rounding
        for k, arg in enumerate((a, b)):
            numeric = np.zeros(arg.shape)
            for j in range(arg.size):
                plus, minus = arg.copy(), arg.copy()
                plus.flat[j] += eps
                minus.flat[j] -= eps
                args_p, args_m = ((plus, b), (minus, b)) if k == 0 else ((a, plus), (a, minus))
                numeric.flat[j] = (loss(*args_p) - loss(*args_m)) / (2 * eps)
            np.testing.assert_allclose(got[k], numeric, rtol=1e-3, atol=1e-3)


def test_sparse_matmul_gradient_graph_is_tensorflows():
    # a_is_sparse keeps its hint where ``a`` is an operand of a gradient product; the others are MatMuls.
    with tg.Graph().as_default():
        a, b = tg.constant(RECORD._X), tg.constant(RECORD._Y)
        z = tf.sparse_matmul(a, b, a_is_sparse=True)
        ga, gb = tg.gradients(tg.reduce_sum(z), [a, b])
    assert ga.op.type == "MatMul"
    assert gb.op.type == "SparseMatMul" and gb.op.get_attr("transpose_a") and gb.op.get_attr("a_is_sparse")


def test_sparse_names_and_graphs():
    assert tf.sparse.segment_sum is tf.sparse_segment_sum
    assert tf.sparse.segment_mean is tf.sparse_segment_mean
    assert tf.sparse.segment_sqrt_n is tf.sparse_segment_sqrt_n
    assert tf.sparse.to_indicator is tf.sparse_to_indicator
    assert tf.sparse.reset_shape is tf.sparse_reset_shape
    g = tg.Graph()
    with g.as_default():
        sp = tf.sparse.from_dense([[0, 1]])
        tf.sparse.to_indicator(sp, 3)
        tf.sparse.eye(2)
    types = [op.type for op in g.get_operations()]
    assert {"Where", "GatherNd", "NotEqual", "SparseReorder", "SparseToDense", "Range"} <= set(types)


def test_reset_shape_checks_at_run_time():
    with tg.Graph().as_default(), tg.Session() as sess:
        shape = tg.placeholder(tg.int64, [2])
        sp = tf.sparse.reset_shape(tg.SparseTensor([[0, 4]], [1], [2, 5]), shape)
        assert sess.run(sp.dense_shape, {shape: [3, 6]}).tolist() == [3, 6]
        with pytest.raises(tg.errors.InvalidArgumentError):
            sess.run(sp.dense_shape, {shape: [3, 4]})


def test_bad_inputs():
    with tg.Graph().as_default():
        with pytest.raises(TypeError, match="axis must be an integer"):
            tf.sparse.expand_dims(tg.SparseTensor([[0]], [1], [2]), 1.5)
        with pytest.raises(TypeError, match="SparseTensor"):
            tf.sparse.to_indicator(tg.constant([[1]]), 3)
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3"):
            tf.sparse_matmul(tg.zeros([2, 2]), tg.zeros([3, 2]))
        with tg.Session() as sess:
            a = tg.placeholder(tg.float32, [None, None])
            with pytest.raises(tg.errors.InvalidArgumentError, match="Matrix size incompatible"):
                sess.run(tf.sparse_matmul(a, a), {a: np.zeros([2, 3], np.float32)})
