"""Records what real TensorFlow computes for tests/engine/ops/test_sparse_math_ops.py: sparse-dense matmul,
sparse reductions, sparse add (sparse and dense operands), concat, split, transpose, maximum/minimum,
softmax and mask, and ScatterNd updates of variables and CountUpTo, with their gradients and errors.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_sparse_math.py
    (or record.py's family "sparse_math")

The cases are defined here once, in record.py's form (a case's ``build`` takes a TensorFlow-1 namespace and
one placeholder per input, a SparseTensor passed as its three parts), and record.py's ``record`` runs them
into ``sparse_math.npz`` in TAGRAPH_RECORD_DIR (default: beside this file). Importing this file needs only
numpy.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class Case:
    """``build(tf, *placeholders)`` on ``inputs``; the gradients of the inputs numbered in ``grad``; with
    ``init``, the graph's variables are initialized first. ``host_only``: the op has only a CPU kernel."""

    def __init__(self, name, build, inputs, grad=(), init=False, host_only=True):
        self.name, self.build, self.inputs, self.grad = name, build, [np.asarray(a) for a in inputs], tuple(grad)
        self.init, self.host_only = init, host_only


class Err:
    """``build`` on ``inputs`` fails as TensorFlow's: while building with known shapes (``static``), else run."""

    def __init__(self, name, build, inputs, static=False, init=False, host_only=True):
        self.name, self.build, self.inputs, self.static = name, build, [np.asarray(a) for a in inputs], static
        self.init, self.host_only = init, host_only


def i64(v):
    return np.asarray(v, np.int64)


def f32(v):
    return np.asarray(v, np.float32)


def _rand(shape, seed):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, size=shape).astype(np.float32)


def _sp(tf, i, v, s):
    return tf.SparseTensor(i, v, s)


def _parts(sp):
    return [sp.indices, sp.values, sp.dense_shape]


_IDX = i64([[0, 1], [0, 3], [2, 0], [3, 2], [4, 3]])
_UNORDERED = i64([[3, 2], [0, 1], [4, 3], [2, 0], [0, 3]])
_VALS = f32([1.5, -2.0, 3.0, 0.5, -1.0])
_SHAPE = i64([5, 4])
_SP = [_IDX, _VALS, _SHAPE]
_B_IDX = i64([[0, 1], [1, 1], [3, 2], [4, 0]])
_B_VALS = f32([0.5, 4.0, -0.5, 2.0])
_SP_B = [_B_IDX, _B_VALS, _SHAPE]
_IDX3 = i64([[0, 0, 1], [0, 2, 0], [1, 1, 1], [1, 2, 0], [1, 2, 1]])
_VALS3 = f32([1.0, -2.0, 0.5, 3.0, 1.25])
_SHAPE3 = i64([2, 3, 2])
_SP3 = [_IDX3, _VALS3, _SHAPE3]


def _matmul(adjoint_a, adjoint_b):
    return lambda tf, i, v, s, b: [tf.sparse_tensor_dense_matmul(_sp(tf, i, v, s), b, adjoint_a=adjoint_a,
                                                                 adjoint_b=adjoint_b)]


def _reduce(fn, axis=None, keepdims=None, sparse=False):
    def build(tf, i, v, s):
        out = getattr(tf, fn)(_sp(tf, i, v, s), axis, keepdims=keepdims)
        return _parts(out) if sparse else [out]
    return build


def _scatter(fn, use_resource):
    def build(tf, indices, updates):
        v = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3), use_resource=use_resource, name="v")
        return [getattr(tf, fn)(v, indices, updates)]
    return build


def _count(use_resource, start, limit):
    def build(tf):
        v = tf.Variable(np.int64(start), use_resource=use_resource, name="step")
        return [tf.count_up_to(v, limit)]
    return build


def _mask(tf, values, indices, mask):
    out = tf.sparse_mask(tf.IndexedSlices(values, indices, tf.constant([50, 3], tf.int32)), mask)
    return [out.values, out.indices]


DEVICE_CASES = [
    Case("matmul", _matmul(False, False), _SP + [_rand([4, 3], 1)], grad=(1, 3), host_only=False),
    Case("matmul_adjoint_a", _matmul(True, False), _SP + [_rand([5, 3], 2)], grad=(1, 3), host_only=False),
    Case("matmul_adjoint_b", _matmul(False, True), _SP + [_rand([3, 4], 3)], grad=(1, 3), host_only=False),
    Case("matmul_adjoint_both", _matmul(True, True), _SP + [_rand([2, 5], 4)], grad=(1, 3), host_only=False),
    Case("matmul_unordered", _matmul(False, False), [_UNORDERED, _VALS, _SHAPE, _rand([4, 2], 5)], grad=(1, 3),
         host_only=False),
    Case("matmul_dense_by_sparse", lambda tf, d, i, v, s: [tf.sparse_tensor_dense_matmul(d, _sp(tf, i, v, s))],
         [_rand([3, 5], 6)] + _SP, grad=(0, 2), host_only=False),
    Case("matmul_float64", _matmul(False, False), [_IDX, _VALS.astype(np.float64), _SHAPE,
                                                    _rand([4, 2], 7).astype(np.float64)], grad=(1, 3),
         host_only=False),
    Case("scatter_nd_update_ref", _scatter("scatter_nd_update", False), [i64([[3], [1]]), _rand([2, 3], 8)],
         init=True, host_only=False),
    Case("scatter_nd_update_resource", _scatter("scatter_nd_update", True), [i64([[3], [1]]), _rand([2, 3], 8)],
         init=True, host_only=False),
    Case("scatter_nd_update_elements", _scatter("scatter_nd_update", True),
         [np.int32([[0, 2], [3, 1], [2, 2]]), f32([-1, -2, -3])], init=True, host_only=False),
    Case("scatter_nd_add_ref", _scatter("scatter_nd_add", False),
         [i64([[0, 1], [0, 1], [2, 0]]), f32([1, 2, 3])], init=True, host_only=False),
    Case("scatter_nd_add_resource", _scatter("scatter_nd_add", True), [i64([[2], [2]]), _rand([2, 3], 9)],
         init=True, host_only=False),
    Case("scatter_nd_sub_resource", _scatter("scatter_nd_sub", True), [i64([[1], [1], [0]]), _rand([3, 3], 10)],
         init=True, host_only=False),
]

HOST_CASES = [
    Case("reduce_sum_axis1", _reduce("sparse_reduce_sum", 1), _SP, grad=(1,)),
    Case("reduce_sum_axis0_keepdims", _reduce("sparse_reduce_sum", 0, True), _SP, grad=(1,)),
    Case("reduce_sum_all", _reduce("sparse_reduce_sum"), _SP, grad=(1,)),
    Case("reduce_sum_negative_axis", _reduce("sparse_reduce_sum", -1), [_UNORDERED, _VALS, _SHAPE], grad=(1,)),
    Case("reduce_sum_3d_axes", _reduce("sparse_reduce_sum", [0, 2]), _SP3, grad=(1,)),
    Case("reduce_sum_sparse_axis1", _reduce("sparse_reduce_sum_sparse", 1, sparse=True), _SP),
    Case("reduce_sum_sparse_keepdims", _reduce("sparse_reduce_sum_sparse", [1], True, sparse=True), _SP3),
    Case("reduce_max_axis1", _reduce("sparse_reduce_max", 1), _SP),
    Case("reduce_max_3d_keepdims", _reduce("sparse_reduce_max", 2, True), _SP3),
    Case("reduce_max_sparse_axis0", _reduce("sparse_reduce_max_sparse", 0, sparse=True), [_UNORDERED, _VALS, _SHAPE]),
    Case("add_sparse", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_add(_sp(tf, ai, av, as_),
                                                                               _sp(tf, bi, bv, bs))),
         _SP + _SP_B, grad=(1, 4)),
    Case("add_sparse_threshold", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_add(
        _sp(tf, ai, av, as_), _sp(tf, bi, bv, bs), threshold=2.0)), [_IDX, _VALS, _SHAPE, _B_IDX, f32([1, 1, 1, 1]),
                                                                     _SHAPE], grad=(1, 4)),
    Case("add_dense", lambda tf, i, v, s, d: [tf.sparse_add(_sp(tf, i, v, s), d)], _SP + [_rand([5, 4], 11)],
         grad=(1, 3)),
    Case("add_dense_first", lambda tf, d, i, v, s: [tf.sparse_add(d, _sp(tf, i, v, s))],
         [_rand([5, 4], 12)] + _SP, grad=(0, 2)),
    Case("concat_axis1", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_concat(
        1, [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs)])), _SP + _SP_B),
    Case("concat_axis0_three", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_concat(
        0, [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs), _sp(tf, ai, av, as_)])), _SP + _SP_B),
    Case("concat_expand", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_concat(
        -1, [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs)], expand_nonconcat_dim=True)),
         _SP + [i64([[0, 0], [2, 1]]), f32([7, 8]), i64([3, 2])]),
    Case("split_axis1", lambda tf, i, v, s: sum((_parts(p) for p in tf.sparse_split(
        sp_input=_sp(tf, i, v, s), num_split=3, axis=1)), []), _SP),
    Case("split_axis0", lambda tf, i, v, s: sum((_parts(p) for p in tf.sparse_split(
        sp_input=_sp(tf, i, v, s), num_split=2, axis=0)), []), _SP),
    Case("transpose", lambda tf, i, v, s: _parts(tf.sparse_transpose(_sp(tf, i, v, s))), _SP),
    Case("transpose_perm_3d", lambda tf, i, v, s: _parts(tf.sparse_transpose(_sp(tf, i, v, s), [2, 0, 1])), _SP3),
    Case("maximum", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_maximum(_sp(tf, ai, av, as_),
                                                                                _sp(tf, bi, bv, bs))), _SP + _SP_B),
    Case("minimum", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_minimum(_sp(tf, ai, av, as_),
                                                                                _sp(tf, bi, bv, bs))), _SP + _SP_B),
    Case("softmax", lambda tf, i, v, s: _parts(tf.sparse_softmax(_sp(tf, i, v, s))), _SP, grad=(1,)),
    Case("softmax_3d", lambda tf, i, v, s: _parts(tf.sparse_softmax(_sp(tf, i, v, s))), _SP3, grad=(1,)),
    Case("softmax_unordered", lambda tf, i, v, s: _parts(tf.sparse_softmax(_sp(tf, i, v, s))),
         [_UNORDERED, _VALS, _SHAPE]),
    Case("mask", _mask, [_rand([4, 3], 13), np.int32([12, 26, 37, 45]), np.int32([12, 45])]),
    Case("count_up_to_ref", _count(False, 2, 5), [], init=True),
    Case("count_up_to_resource", _count(True, 0, 1), [], init=True),
]

_BAD_IDX = i64([[0, 1], [0, 7], [2, 0]])
_BAD_ROW = i64([[0, 1], [9, 0], [2, 0]])

DEVICE_ERRORS = [
    Err("matmul_inner_mismatch", _matmul(False, False), _SP + [_rand([3, 3], 1)], host_only=False),
    Err("matmul_inner_mismatch_static", _matmul(False, True), [_IDX, _VALS, _SHAPE, _rand([3, 3], 1)],
        host_only=False),
    Err("scatter_nd_update_out_of_range", _scatter("scatter_nd_update", False), [i64([[1], [4]]), _rand([2, 3], 2)],
        init=True, host_only=False),
    Err("scatter_nd_add_resource_out_of_range", _scatter("scatter_nd_add", True), [i64([[0, 3]]), f32([1])],
        init=True, host_only=False),
    Err("scatter_nd_update_shape_mismatch", _scatter("scatter_nd_update", True), [i64([[1], [2]]), _rand([2, 2], 3)],
        init=True, host_only=False),
]

HOST_ERRORS = [
    Err("matmul_k_out_of_bounds", _matmul(False, False), [_BAD_IDX, f32([1, 2, 3]), _SHAPE, _rand([4, 3], 1)]),
    Err("matmul_m_out_of_bounds", _matmul(False, False), [_BAD_ROW, f32([1, 2, 3]), _SHAPE, _rand([4, 3], 1)]),
    Err("reduce_sum_bad_axis", _reduce("sparse_reduce_sum", 2), _SP),
    Err("concat_shape_mismatch", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_concat(
        1, [_sp(tf, ai, av, as_), _sp(tf, bi, bv, bs)])), _SP + [_B_IDX, _B_VALS, i64([6, 4])]),
    Err("add_shape_mismatch", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_add(
        _sp(tf, ai, av, as_), _sp(tf, bi, bv, bs))), _SP + [_B_IDX, _B_VALS, i64([5, 5])]),
    Err("add_rank_mismatch", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_add(
        _sp(tf, ai, av, as_), _sp(tf, bi, bv, bs))), _SP + [i64([[0, 1, 0]]), f32([1]), i64([5, 4, 2])]),
    Err("add_dense_shape_mismatch", lambda tf, i, v, s, d: [tf.sparse_add(_sp(tf, i, v, s), d)],
        _SP + [_rand([5, 3], 1)]),
    Err("split_too_many", lambda tf, i, v, s: sum((_parts(p) for p in tf.sparse_split(
        sp_input=_sp(tf, i, v, s), num_split=6, axis=0)), []), _SP),
    Err("split_bad_axis", lambda tf, i, v, s: sum((_parts(p) for p in tf.sparse_split(
        sp_input=_sp(tf, i, v, s), num_split=2, axis=2)), []), _SP),
    Err("softmax_rank1", lambda tf, i, v, s: _parts(tf.sparse_softmax(_sp(tf, i, v, s))),
        [i64([[0], [2]]), f32([1, 2]), i64([4])]),
    Err("maximum_shape_mismatch", lambda tf, ai, av, as_, bi, bv, bs: _parts(tf.sparse_maximum(
        _sp(tf, ai, av, as_), _sp(tf, bi, bv, bs))), _SP + [_B_IDX, _B_VALS, i64([5, 6])]),
    Err("count_up_to_limit", _count(True, 3, 3), [], init=True),
]

FAMILIES = {"sparse_math": (DEVICE_CASES + HOST_CASES, DEVICE_ERRORS + HOST_ERRORS)}


def main(tf=None):
    if tf is None:
        import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
        tf.disable_eager_execution()
    sys.path.insert(0, HERE)
    import record  # noqa: beside this file: its recorder writes <family>.npz the way the tests replay it
    record.FAMILIES.update(FAMILIES)
    record.record(tf, "sparse_math")


if __name__ == "__main__":
    main()
