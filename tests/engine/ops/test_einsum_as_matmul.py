"""Einsum's two-input contractions done as one batched matrix product (engine/ops/matmul_ops.py) give numpy's
einsum values, for the label patterns that path covers: batch labels, free labels on either side in any order,
contracted labels, labels one input sums alone, and outputs in any order (test_einsum_ops.py compares
TensorFlow's recorded values)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.ops import matmul_ops

EQUATIONS = ["bij,bjk->bik", "bhqd,bhkd->bhqk", "ij,jk->ki", "ij,kj->ik", "abc,cd->dba", "ijk,jkl->il",
             "ij,jk->ijk", "bij,bkj->bki", "ij,ij->i", "ij,ij->", "ijx,jky->ik", "i,j->ij", "a,a->", "ab,b->a",
             "bqd,d->bq", "xyz,zyx->yx"]


def _shapes(equation):
    sizes = dict(zip("abcdhijklqxyz", [2, 3, 4, 5, 3, 4, 5, 6, 2, 7, 3, 2, 4]))
    lhs = equation.split("->")[0].split(",")
    return [[sizes[c] for c in term] for term in lhs]


@pytest.mark.parametrize("equation", EQUATIONS)
def test_the_matmul_path_gives_einsums_values(equation):
    rng = np.random.default_rng(len(equation))
    args = [rng.standard_normal(s) for s in _shapes(equation)]
    terms, out = matmul_ops._einsum_terms(equation, 2, ValueError)
    got = matmul_ops._einsum_as_matmul(np, args, terms, out)
    assert got is not None
    np.testing.assert_allclose(got, np.einsum(equation, *args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("equation", ["...ij,...jk->...ik", "ii,ij->j", "ij,jk->iik"])
def test_what_it_does_not_cover_goes_to_einsum(equation):
    terms, out = matmul_ops._einsum_terms(equation, 2, ValueError)
    assert matmul_ops._einsum_as_matmul(np, [np.ones((2, 2)), np.ones((2, 2))], terms, out) is None


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32])
def test_the_op_keeps_its_dtype(device, dtype):
    a = np.arange(24).reshape(2, 3, 4).astype(dtype)
    b = np.arange(40).reshape(2, 4, 5).astype(dtype)
    with tg.Graph().as_default(), tg.device(device):
        out = tg.einsum("bij,bjk->bik", tg.constant(a), tg.constant(b))
        with tg.Session() as sess:
            got = sess.run(out)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.astype(np.float64), np.einsum("bij,bjk->bik", a.astype(np.float64),
                                                                 b.astype(np.float64)), rtol=1e-3)
