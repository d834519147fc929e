"""Records what real TensorFlow computes for tests/engine/ops/test_linalg_ops.py: Qr, DiagPart, Diag,
MatrixBandPart, MatrixTriangularSolve and their gradients, and tf.orthogonal_initializer (and the GraphDef
TensorFlow builds for it, ``orthogonal_graph.pb``).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_linalg.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

The cases are record.py's ``Case``/``Err`` and are written into ``linalg.npz`` by its ``record``; a case's
``build`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.compat.v1`` in the tests).
Importing this file needs only numpy.
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
Case, Err, rand, i32, i64 = RECORD.Case, RECORD.Err, RECORD.rand, RECORD.i32, RECORD.i64


def _upper(n, dtype, seed):
    """A well-conditioned upper triangular matrix (diagonal away from zero) with noise below it."""
    a = rand([n, n], dtype, seed=seed, low=-1.0, high=1.0)
    return (a + np.diag(np.where(np.diag(a) < 0, -2.0, 2.0))).astype(dtype)


def _qr(full=False):
    return lambda tf, a: list(tf.linalg.qr(a, full_matrices=full))


def _orth(shape, **kwargs):
    return lambda tf: tf.orthogonal_initializer(**kwargs)(shape)


def _graph_seeded(tf):
    tf.set_random_seed(7)
    return tf.orthogonal_initializer()([5, 3])


def _orth_variable(tf):
    v = tf.get_variable("w", [2, 3, 4], initializer=tf.orthogonal_initializer(gain=0.5, seed=11))
    return tf.identity(v)


LINALG = [
    Case("qr_square", _qr(), [rand([4, 4], seed=1)]),
    Case("qr_tall", _qr(), [rand([6, 3], seed=2)]),
    Case("qr_wide", _qr(), [rand([3, 5], seed=3)]),
    Case("qr_full_tall", _qr(True), [rand([5, 3], np.float64, seed=4)]),
    Case("qr_full_wide", _qr(True), [rand([2, 4], np.float64, seed=5)], grad=[0]),
    Case("qr_batch", _qr(), [rand([2, 3, 4, 3], np.float64, seed=6)], grad=[0]),
    Case("qr_square_grad", _qr(), [rand([4, 4], np.float64, seed=7)], grad=[0]),
    Case("qr_tall_grad", _qr(), [rand([5, 2], np.float64, seed=8)], grad=[0]),
    Case("qr_wide_grad", _qr(), [rand([2, 5], np.float64, seed=9)], grad=[0]),
    Case("qr_f32_grad", _qr(), [rand([3, 3], seed=10) + 3 * np.eye(3, dtype=np.float32)], grad=[0]),
    Case("qr_signs", _qr(), [np.float32([[-2, 1, 0], [0, 3, 1], [0, 0, -1]])]),
    Case("qr_zero_column", _qr(), [np.float64([[0, 1], [0, 3], [0, -2]])]),
    Case("qr_half", _qr(), [rand([3, 2], np.float16, seed=11)]),
    Case("qr_complex", _qr(), [(rand([3, 3], seed=12) + 1j * rand([3, 3], seed=13)).astype(np.complex64)]),
    Case("qr_empty_batch", _qr(), [np.zeros([2, 0, 3], np.float32)]),
    Case("qr_full_no_columns", _qr(True), [np.zeros([3, 0], np.float32)]),
    Case("diag_part", lambda tf, a: tf.linalg.tensor_diag_part(a), [rand([3, 3], seed=14)], grad=[0]),
    Case("diag_part_rank4", lambda tf, a: tf.diag_part(a), [rand([2, 3, 2, 3], np.int64, seed=15, low=-9, high=9)]),
    Case("diag", lambda tf, d: tf.linalg.tensor_diag(d), [rand([2, 2], np.float64, seed=16)], grad=[0]),
    Case("band_part_lower", lambda tf, a: tf.linalg.band_part(a, -1, 0), [rand([2, 3, 4], seed=17)], grad=[0]),
    Case("band_part_band", lambda tf, a: tf.matrix_band_part(a, 1, 2), [rand([5, 4], np.float64, seed=18)], grad=[0]),
    Case("band_part_int64_counts", lambda tf, a, lo, up: tf.linalg.band_part(a, lo, up),
         [rand([4, 4], np.int32, seed=19, low=-9, high=9), i64(0), i64(-1)]),
    Case("triangular_solve_lower", lambda tf, a, b: tf.linalg.triangular_solve(a, b),
         [_upper(3, np.float64, 20).T.copy(), rand([3, 2], np.float64, seed=21)], grad=[0, 1]),
    Case("triangular_solve_upper_adjoint", lambda tf, a, b: tf.matrix_triangular_solve(a, b, lower=False,
                                                                                       adjoint=True),
         [_upper(4, np.float64, 22), rand([2, 4, 3], np.float64, seed=23)], grad=[0, 1]),
    Case("triangular_solve_f32", lambda tf, a, b: tf.linalg.triangular_solve(a, b, lower=False),
         [np.stack([_upper(3, np.float32, 24), _upper(3, np.float32, 25)]), rand([2, 3, 1], seed=26)], grad=[0, 1]),
    Case("matrix_transpose", lambda tf, a: tf.linalg.matrix_transpose(a), [rand([2, 3, 4], seed=27)], grad=[0]),
    Case("orthogonal_wide", _orth([4, 6], seed=3), []),
    Case("orthogonal_tall", _orth([6, 4], seed=3), []),
    Case("orthogonal_square_gain", _orth([5, 5], gain=2.5, seed=1), []),
    Case("orthogonal_conv", _orth([3, 3, 2, 5], seed=4), []),
    Case("orthogonal_conv_wide", _orth([1, 2, 3, 8], seed=9), []),
    Case("orthogonal_f64", _orth([7, 3], seed=5, dtype=np.float64), []),
    Case("orthogonal_graph_seed", _graph_seeded, []),
    Case("orthogonal_variable", _orth_variable, [], init=True),
]

LINALG_ERRORS = [
    Err("qr_vector", lambda tf, a: tf.linalg.qr(a), [np.float32([1, 2])], static=True),
    Err("qr_int", lambda tf, a: tf.linalg.qr(a), [i32([[1, 2], [3, 4]])], static=True),
    Err("diag_part_odd_rank", lambda tf, a: tf.diag_part(a), [np.zeros([2, 3, 2], np.float32)], static=True),
    Err("diag_part_mismatch", lambda tf, a: tf.diag_part(a), [np.zeros([2, 3], np.float32)], static=True),
    Err("diag_part_mismatch_run", lambda tf, a: tf.diag_part(a), [np.zeros([2, 3], np.float32)]),
    Err("diag_scalar", lambda tf, d: tf.diag(d), [np.float32(1)], static=True),
    Err("band_part_too_many_lower", lambda tf, a, lo: tf.linalg.band_part(a, lo, -1), [np.zeros([2, 3]), i64(3)]),
    Err("band_part_vector", lambda tf, a: tf.linalg.band_part(a, 0, 0), [np.zeros([3], np.float32)], static=True),
    Err("triangular_solve_not_square", lambda tf, a, b: tf.linalg.triangular_solve(a, b),
        [np.ones([2, 3]), np.ones([2, 1])]),
    Err("triangular_solve_rows", lambda tf, a, b: tf.linalg.triangular_solve(a, b),
        [np.eye(3), np.ones([2, 1])]),
    Err("orthogonal_vector", lambda tf: tf.orthogonal_initializer()([3]), [], static=True),
    Err("orthogonal_int_dtype", lambda tf: tf.orthogonal_initializer(dtype=tf.int32), [], static=True),
]


def write_orthogonal_graph(tf, out_dir):
    """``orthogonal_graph.pb``: TensorFlow's GraphDef of case orthogonal_wide (its value is the case's output,
    fetched as ``mul_1:0``)."""
    with tf.Graph().as_default() as g:
        _orth([4, 6], seed=3)(tf)
        tf.train.write_graph(g.as_graph_def(), out_dir, "orthogonal_graph.pb", as_text=False)


def main(tf):
    RECORD.FAMILIES["linalg"] = (LINALG, LINALG_ERRORS)
    RECORD.record(tf, "linalg")
    write_orthogonal_graph(tf, os.environ.get("TAGRAPH_RECORD_DIR", HERE))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    main(tf)
