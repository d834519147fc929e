"""Records what real TensorFlow computes for tests/engine/ops/test_linalg_solve_ops.py and
test_linalg_eigen_ops.py: MatrixInverse, MatrixDeterminant, LogMatrixDeterminant, Cholesky, MatrixSolve,
SelfAdjointEigV2 and Svd, the functions built from them (cholesky_solve, eye, trace, norm, logdet, slogdet,
eigvalsh), their gradients and their errors, into ``linalg_solve.npz``; and TensorFlow's GraphDef of them
(``linalg_graph.pb``) with its values (``linalg_graph.npz``).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_linalg_solve.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

Eigenvectors and singular vectors are unique only up to each column's sign, which TensorFlow's Eigen and
LAPACK choose differently: the cases record what does not depend on it (values, squared vectors,
reconstructions), whose gradients do not either. Importing this file needs only numpy.
"""
import importlib.util
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record", os.path.join(HERE, "record.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
Case, Err, rand, i32 = RECORD.Case, RECORD.Err, RECORD.rand, RECORD.i32


def spd(shape, dtype=np.float64, seed=0):
    """Symmetric positive definite matrices [..., n, n], well conditioned."""
    a = rand(shape, np.float64, seed=seed, low=-1.0, high=1.0)
    n = shape[-1]
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def invertible(shape, dtype=np.float64, seed=0):
    """Matrices [..., n, n] with a dominant diagonal of both signs."""
    a = rand(shape, np.float64, seed=seed, low=-1.0, high=1.0)
    n = shape[-1]
    return (a + np.diag(np.where(np.arange(n) % 2, -1.0, 1.0) * n)).astype(dtype)


def symmetric(shape, dtype=np.float64, seed=0):
    """Symmetric matrices with well separated eigenvalues (and noise above the diagonal, which the op does
    not read)."""
    a = rand(shape, np.float64, seed=seed, low=-1.0, high=1.0)
    n = shape[-1]
    s = (a + np.swapaxes(a, -1, -2)) / 2 + np.diag(3.0 * np.arange(n))
    return (s + np.triu(rand(shape, np.float64, seed=seed + 500), 1)).astype(dtype)


def _complex(shape, seed, dtype=np.complex64):
    return (rand(shape, seed=seed) + 1j * rand(shape, seed=seed + 1)).astype(dtype)


def _eigh(tf, a):
    e, v = tf.linalg.eigh(a)
    return [e, tf.square(v)]


def _self_adjoint_eig(tf, a):
    e, v = tf.self_adjoint_eig(a)
    return [e, tf.matmul(v * tf.expand_dims(e, -2), v, transpose_b=True)]


def _svd(full_p=None):
    """s, and the squares of u and v (of their first ``full_p`` columns, the ones that are unique, with
    full_matrices)."""
    def build(tf, a):
        if full_p is None:
            s, u, v = tf.linalg.svd(a)
            return [s, tf.square(u), tf.square(v)]
        s, u, v = tf.linalg.svd(a, full_matrices=True)
        return [s, tf.square(u[..., :full_p]), tf.square(v[..., :full_p])]
    return build


def _svd_reconstruct(tf, a):
    s, u, v = tf.svd(a)
    return tf.matmul(u * tf.expand_dims(s, -2), v, adjoint_b=True)


def _norm(**kw):
    return lambda tf, a: tf.norm(a, **kw)


LINALG_SOLVE = [
    # MatrixInverse
    Case("inverse", lambda tf, a: tf.matrix_inverse(a), [invertible([3, 3], np.float32, 1)], grad=[0]),
    Case("inverse_batch", lambda tf, a: tf.linalg.inv(a), [invertible([2, 2, 4, 4], seed=2)], grad=[0]),
    Case("inverse_adjoint", lambda tf, a: tf.linalg.inv(a, adjoint=True), [invertible([2, 3, 3], seed=3)], grad=[0]),
    Case("inverse_complex", lambda tf, a: tf.linalg.inv(a), [_complex([3, 3], 4) + 3 * np.eye(3, dtype=np.complex64)]),
    Case("inverse_empty_batch", lambda tf, a: tf.linalg.inv(a), [np.zeros([0, 3, 3], np.float32)]),
    Case("inverse_0x0", lambda tf, a: tf.linalg.inv(a), [np.zeros([2, 0, 0], np.float64)]),
    # MatrixDeterminant and LogMatrixDeterminant
    Case("det", lambda tf, a: tf.matrix_determinant(a), [invertible([3, 3], np.float32, 5)], grad=[0]),
    Case("det_batch", lambda tf, a: tf.linalg.det(a), [invertible([2, 3, 4, 4], seed=6)], grad=[0]),
    Case("det_singular", lambda tf, a: tf.linalg.det(a), [np.float64([[1, 2], [2, 4]])]),
    Case("det_complex", lambda tf, a: tf.linalg.det(a), [_complex([2, 3, 3], 7, np.complex128)]),
    Case("det_0x0", lambda tf, a: tf.linalg.det(a), [np.zeros([3, 0, 0], np.float32)]),
    Case("slogdet", lambda tf, a: list(tf.linalg.slogdet(a)), [invertible([3, 3, 3], seed=8)], grad=[0]),
    Case("slogdet_f32", lambda tf, a: list(tf.linalg.slogdet(a)), [invertible([4, 4], np.float32, 9)], grad=[0]),
    Case("slogdet_singular", lambda tf, a: list(tf.linalg.slogdet(a)), [np.float64([[1, 2], [2, 4]])]),
    Case("logdet", lambda tf, a: tf.linalg.logdet(a), [spd([2, 3, 3], seed=10)], grad=[0]),
    # Cholesky and its solve
    Case("cholesky", lambda tf, a: tf.cholesky(a), [spd([4, 4], np.float32, 11)], grad=[0]),
    Case("cholesky_batch", lambda tf, a: tf.linalg.cholesky(a), [spd([2, 3, 3], seed=12)], grad=[0]),
    Case("cholesky_upper_ignored", lambda tf, a: tf.linalg.cholesky(a),
         [np.tril(spd([3, 3], seed=13)) + np.triu(np.full([3, 3], 7.0), 1)]),
    Case("cholesky_complex", lambda tf, a: tf.linalg.cholesky(a),
         [(lambda z: (z @ z.conj().T + 3 * np.eye(3)).astype(np.complex64))(_complex([3, 3], 14))]),
    # The strict upper triangle of a matrix whose factorization failed is whatever TensorFlow's buffer held
    # (it differs from run to run): only the lower one, NaN there, is compared.
    Case("cholesky_not_positive_definite", lambda tf, a: tf.linalg.band_part(tf.cholesky(a), -1, 0),
         [np.float64([[[4, 2], [2, 2]], [[1, 2], [2, 1]], [[-1, 0], [0, 1]]])]),
    Case("cholesky_empty", lambda tf, a: tf.linalg.cholesky(a), [np.zeros([2, 0, 0], np.float32)]),
    Case("cholesky_solve", lambda tf, c, b: tf.cholesky_solve(c, b),
         [np.linalg.cholesky(spd([2, 3, 3], seed=15)), rand([2, 3, 2], np.float64, seed=16)], grad=[0, 1]),
    Case("cholesky_solve_composed", lambda tf, a, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(a), b),
         [spd([3, 3], seed=17), rand([3, 1], np.float64, seed=18)], grad=[0, 1]),
    # MatrixSolve
    Case("solve", lambda tf, a, b: tf.matrix_solve(a, b), [invertible([3, 3], np.float32, 19), rand([3, 2], seed=20)],
         grad=[0, 1]),
    Case("solve_adjoint_batch", lambda tf, a, b: tf.linalg.solve(a, b, adjoint=True),
         [invertible([2, 4, 4], seed=21), rand([2, 4, 3], np.float64, seed=22)], grad=[0, 1]),
    Case("solve_complex", lambda tf, a, b: tf.linalg.solve(a, b),
         [_complex([3, 3], 23) + 4 * np.eye(3, dtype=np.complex64), _complex([3, 1], 25)]),
    # eye, trace
    Case("eye", lambda tf: tf.eye(3), []),
    Case("eye_rectangular_batch", lambda tf: tf.linalg.eye(2, 4, batch_shape=[3], dtype=tf.float64), []),
    Case("eye_int", lambda tf: tf.eye(2, dtype=tf.int32), []),
    Case("eye_batch_square", lambda tf: tf.eye(2, batch_shape=[2, 1]), []),
    Case("eye_tensor_rows", lambda tf, n: tf.eye(n, 3), [i32(2)]),
    Case("trace", lambda tf, a: tf.trace(a), [rand([3, 3], seed=26)], grad=[0]),
    Case("trace_batch_wide", lambda tf, a: tf.linalg.trace(a), [rand([2, 3, 5], np.float64, seed=27)], grad=[0]),
    Case("trace_int", lambda tf, a: tf.linalg.trace(a), [rand([2, 2], np.int32, seed=28, low=-9, high=9)]),
    # norm
    Case("norm_default", _norm(), [rand([3, 4], seed=29)], grad=[0]),
    Case("norm_axis", _norm(axis=1), [rand([3, 4], np.float64, seed=30)], grad=[0]),
    Case("norm_keepdims", _norm(axis=-1, keepdims=True), [rand([2, 3], seed=31)], grad=[0]),
    Case("norm_vector_1", _norm(ord=1), [rand([5], np.float64, seed=32)], grad=[0]),
    Case("norm_vector_inf", _norm(ord=np.inf, axis=0), [rand([4, 2], np.float64, seed=33)], grad=[0]),
    Case("norm_vector_3", _norm(ord=3, axis=-1), [rand([2, 4], np.float64, seed=34)], grad=[0]),
    Case("norm_vector_half", _norm(ord=0.5), [rand([3], np.float64, seed=35, low=0.5, high=2.0)], grad=[0]),
    Case("norm_fro", _norm(ord="fro", axis=[-2, -1]), [rand([2, 3, 3], seed=36)], grad=[0]),
    Case("norm_matrix_1", _norm(ord=1, axis=[0, 1]), [rand([3, 4], np.float64, seed=37)], grad=[0]),
    Case("norm_matrix_inf", _norm(ord=np.inf, axis=(1, 2)), [rand([2, 3, 4], np.float64, seed=38)], grad=[0]),
    Case("norm_matrix_2", _norm(ord=2, axis=[-2, -1]), [rand([2, 3, 4], np.float64, seed=39)], grad=[0]),
    Case("norm_matrix_2_axes", _norm(ord=2, axis=[0, 2], keepdims=True), [rand([3, 2, 4], np.float64, seed=40)],
         grad=[0]),
    # SelfAdjointEigV2
    Case("eigh", _eigh, [symmetric([4, 4], seed=41)], grad=[0]),
    Case("eigh_f32_batch", _eigh, [symmetric([2, 3, 3], np.float32, 42)], grad=[0]),
    Case("self_adjoint_eig", _self_adjoint_eig, [symmetric([2, 4, 4], seed=43)], grad=[0]),
    Case("eigvalsh", lambda tf, a: tf.linalg.eigvalsh(a), [symmetric([3, 3], seed=44)], grad=[0]),
    Case("self_adjoint_eigvals", lambda tf, a: tf.self_adjoint_eigvals(a), [symmetric([2, 4, 4], np.float32, 45)],
         grad=[0]),
    Case("eigvalsh_complex", lambda tf, a: tf.linalg.eigvalsh(a),
         [(lambda z: (z + z.conj().T).astype(np.complex128))(_complex([3, 3], 54, np.complex128))]),
    Case("eigvalsh_empty", lambda tf, a: tf.linalg.eigvalsh(a), [np.zeros([2, 0, 0], np.float32)]),
    # Svd
    Case("svd_square", _svd(), [rand([4, 4], np.float64, seed=46)], grad=[0]),
    Case("svd_wide", _svd(), [rand([2, 3, 5], np.float64, seed=47)], grad=[0]),
    Case("svd_tall", _svd(), [rand([5, 3], np.float64, seed=48)], grad=[0]),
    Case("svd_f32", _svd(), [rand([3, 4], seed=49)], grad=[0]),
    Case("svd_full_tall", _svd(full_p=3), [rand([4, 3], np.float64, seed=50)], grad=[0]),
    Case("svd_full_wide", _svd(full_p=2), [rand([2, 3], np.float64, seed=51)], grad=[0]),
    Case("svd_values", lambda tf, a: tf.svd(a, compute_uv=False), [rand([2, 3, 4], np.float64, seed=52)], grad=[0]),
    Case("svd_reconstruct", _svd_reconstruct, [rand([3, 5], np.float64, seed=53)], grad=[0]),
]

LINALG_SOLVE_ERRORS = [
    Err("inverse_singular", lambda tf, a: tf.matrix_inverse(a), [np.float32([[1, 2], [2, 4]])]),
    Err("inverse_not_square", lambda tf, a: tf.linalg.inv(a), [np.zeros([2, 3], np.float32)], static=True),
    Err("inverse_not_square_run", lambda tf, a: tf.linalg.inv(a), [np.zeros([2, 3], np.float32)]),
    Err("inverse_vector", lambda tf, a: tf.linalg.inv(a), [np.zeros([3], np.float32)], static=True),
    Err("inverse_vector_run", lambda tf, a: tf.linalg.inv(a), [np.zeros([3], np.float32)]),
    Err("inverse_int", lambda tf, a: tf.linalg.inv(a), [np.eye(2, dtype=np.int32)], static=True),
    Err("det_not_square_run", lambda tf, a: tf.linalg.det(a), [np.zeros([2, 3, 4])]),
    Err("cholesky_not_square", lambda tf, a: tf.cholesky(a), [np.zeros([3, 2])], static=True),
    Err("solve_singular", lambda tf, a, b: tf.matrix_solve(a, b), [np.float64([[1, 2], [2, 4]]), np.ones([2, 1])]),
    Err("solve_rows", lambda tf, a, b: tf.linalg.solve(a, b), [np.eye(3), np.ones([2, 1])], static=True),
    Err("solve_rows_run", lambda tf, a, b: tf.linalg.solve(a, b), [np.eye(3), np.ones([2, 1])]),
    Err("solve_batch_run", lambda tf, a, b: tf.linalg.solve(a, b), [np.ones([2, 3, 3]), np.ones([3, 3, 1])]),
    Err("svd_vector", lambda tf, a: tf.svd(a), [np.zeros([3], np.float32)], static=True),
    Err("eigh_not_square_run", lambda tf, a: tf.linalg.eigh(a), [np.zeros([2, 3])]),
    Err("norm_bad_ord", _norm(ord="nuclear"), [np.zeros([3], np.float32)], static=True),
    Err("norm_bad_matrix_ord", _norm(ord=3, axis=[0, 1]), [np.zeros([3, 3], np.float32)], static=True),
    Err("norm_same_axes", _norm(axis=[1, 1]), [np.zeros([3, 3], np.float32)], static=True),
    Err("eye_float_rows", lambda tf: tf.eye(2.5), [], static=True),
]


# TensorFlow's GraphDef of these functions on constants (``linalg_graph.pb``), and its values
# (``linalg_graph.npz``, keyed by GRAPH_FETCHES, fetched as out_<key>:0): tagraph must run it as it stands.
GRAPH_FETCHES = {
    "diag_band": lambda tf, a, s: tf.linalg.diag(a[:2], k=(0, 1), num_cols=4, align="LEFT_RIGHT"),
    "diag_part_band": lambda tf, a, s: tf.linalg.diag_part(a, k=(-1, 1), padding_value=-1.0),
    "set_diag": lambda tf, a, s: tf.matrix_set_diag(a, tf.ones([3], tf.float64)),
    "inverse": lambda tf, a, s: tf.matrix_inverse(a),
    "det": lambda tf, a, s: tf.matrix_determinant(a),
    "slogdet": lambda tf, a, s: tf.linalg.slogdet(a)[1],
    "cholesky": lambda tf, a, s: tf.cholesky(s),
    "solve": lambda tf, a, s: tf.matrix_solve(a, s),
    "cholesky_solve": lambda tf, a, s: tf.cholesky_solve(tf.cholesky(s), a),
    "logdet": lambda tf, a, s: tf.linalg.logdet(s),
    "eigvalsh": lambda tf, a, s: tf.linalg.eigvalsh(s),
    "svd_values": lambda tf, a, s: tf.svd(a, compute_uv=False),
    "trace": lambda tf, a, s: tf.trace(a),
    "eye": lambda tf, a, s: tf.eye(2, 3, batch_shape=[2], dtype=tf.float64),
    "norm_inf": lambda tf, a, s: tf.norm(a, ord=np.inf, axis=[0, 1]),
}


def write_graph(tf, out_dir):
    with tf.Graph().as_default() as g:
        a = tf.constant(invertible([3, 3], np.float64, 60), name="a")
        s = tf.constant(spd([3, 3], seed=61), name="s")
        # TensorFlow makes names unique ignoring case: "out_" keeps them clear of the ops' own.
        fetches = {k: tf.identity(build(tf, a, s), name="out_" + k) for k, build in GRAPH_FETCHES.items()}
        with tf.Session() as sess:
            values = sess.run(fetches)
        tf.train.write_graph(g.as_graph_def(), out_dir, "linalg_graph.pb", as_text=False)
    np.savez_compressed(os.path.join(out_dir, "linalg_graph.npz"), **values)


def main(tf):
    RECORD.FAMILIES["linalg_solve"] = (LINALG_SOLVE, LINALG_SOLVE_ERRORS)
    RECORD.record(tf, "linalg_solve")
    write_graph(tf, os.environ.get("TAGRAPH_RECORD_DIR", HERE))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    main(tf)
