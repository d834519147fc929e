"""SparseReorder and its gradient (TensorFlow's _SparseReorderGrad: the values' gradient gathered back
through the inverse permutation) against TensorFlow 2.21's recorded values
(tests/data/tf_ops/record_sparse_reorder.py) and central differences. SparseReorder has a CPU kernel only."""
import importlib.util

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tf_reference import DATA as TF_OPS, RECORD, check_case

CPU = "/device:CPU:0"


def _load():
    spec = importlib.util.spec_from_file_location("record_sparse_reorder", TF_OPS / "record_sparse_reorder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REORDER = _load()
with np.load(TF_OPS / "sparse_reorder.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}


def _on_compat(case):
    # The cases build with a TensorFlow-1 namespace: tf.SparseTensor and tf.sparse.reorder are compat.v1's.
    return RECORD.Case(case.name, lambda _tg, *phs: case.build(tfc, *phs), case.inputs, case.grad, case.init)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in REORDER.SPARSE_REORDER])
def test_matches_tensorflow(case, known):
    check_case(CPU, _on_compat(case), DATA, known)


def test_values_gradient_matches_central_differences():
    indices = np.array([[2, 1], [0, 3], [1, 0], [0, 1], [1, 2]], np.int64)
    v = np.array([1.0, -2.0, 0.5, 4.0, 3.0])
    up = np.array([0.5, -1.5, 2.0, 3.0, -0.25])
    with tg.Graph().as_default(), tg.device(CPU):
        p = tg.placeholder(tg.float64, [None])
        reordered = tfc.sparse.reorder(tfc.SparseTensor(indices, p, [3, 4]))
        y = tg.reduce_sum(reordered.values * up)
        grad = tg.gradients(y, p)[0]
        with tg.Session() as sess:
            got = sess.run(grad, {p: v})
            numeric = np.array([(sess.run(y, {p: v + e}) - sess.run(y, {p: v - e})) / 2e-6
                                for e in np.eye(v.size) * 1e-6])
    np.testing.assert_allclose(got, numeric, rtol=1e-8)
    # each value's gradient is the upstream gradient at the place the reorder moved it to
    order = np.lexsort(indices.T[::-1])
    np.testing.assert_array_equal(got[order], up)


def test_indices_and_shape_get_no_gradient():
    with tg.Graph().as_default():
        i = tg.placeholder(tg.int64, [None, 2])
        v = tg.placeholder(tg.float32, [None])
        s = tg.placeholder(tg.int64, [2])
        out = tfc.sparse.reorder(tfc.SparseTensor(i, v, s))
        grads = tg.gradients(tg.reduce_sum(out.values), [i, v, s])
        assert grads[0] is None and grads[2] is None and grads[1] is not None
