"""Records what real TensorFlow computes for tests/engine/ops/test_matrix_diag_ops.py: MatrixDiag,
MatrixDiagPart, MatrixSetDiag and their V2/V3 forms (bands ``k``, ``num_rows``/``num_cols``,
``padding_value`` and the four alignments), their gradients and their errors, into ``matrix_diag.npz``.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_matrix_diag.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

The cases are record.py's ``Case``/``Err``; a case's ``build`` takes a TensorFlow-1 namespace
(``tensorflow.compat.v1`` here, ``tagraph.compat.v1`` in the tests). The V1 and V2 ops, which no public
TensorFlow 2.21 function builds, are built through ``tf.raw_ops`` here and tagraph's op builder there.
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
ALIGNS = ("RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT")


def raw(tf, op_type, **inputs):
    """``op_type`` built from its inputs by name: ``tf.raw_ops`` in TensorFlow, the op builder in tagraph."""
    if tf.__name__.startswith("tensorflow"):
        return getattr(tf.raw_ops, op_type)(**inputs)
    from tagraph.engine.framework.op_builder import get_op_def  # noqa: only the tagraph side needs it
    from tagraph.engine.ops.op_util import gen1
    op_def = get_op_def(op_type)
    attrs = {k: v for k, v in inputs.items() if k not in {a.name for a in op_def.input_arg}}
    return gen1(op_type, [inputs[a.name] for a in op_def.input_arg], attrs)


def _diag(**kw):
    return lambda tf, d: tf.linalg.diag(d, **kw)


def _diag_part(**kw):
    return lambda tf, a: tf.linalg.diag_part(a, **kw)


def _set_diag(**kw):
    return lambda tf, a, d: tf.linalg.set_diag(a, d, **kw)


MATRIX_DIAG = [
    # TensorFlow 1's names
    Case("matrix_diag", lambda tf, d: tf.matrix_diag(d), [rand([2, 3], seed=1)], grad=[0]),
    Case("matrix_diag_part", lambda tf, a: tf.matrix_diag_part(a), [rand([2, 3, 3], seed=2)], grad=[0]),
    Case("matrix_diag_part_wide", lambda tf, a: tf.matrix_diag_part(a), [rand([3, 5], np.float64, seed=3)], grad=[0]),
    Case("matrix_set_diag", lambda tf, a, d: tf.matrix_set_diag(a, d), [rand([2, 4, 3], seed=4), rand([2, 3], seed=5)],
         grad=[0, 1]),
    # tf.linalg.diag: offsets, bands, sizes, padding, alignments
    Case("diag_k1", _diag(k=1), [rand([3], np.float64, seed=6)], grad=[0]),
    Case("diag_k_neg2_rows", _diag(k=-2, num_rows=5), [rand([2, 3], seed=7)], grad=[0]),
    Case("diag_k0_cols", _diag(num_cols=4), [rand([3], seed=8)], grad=[0]),
    Case("diag_padding", _diag(k=1, padding_value=9), [rand([2], np.float64, seed=9)], grad=[0]),
    Case("diag_int", _diag(k=-1, padding_value=-1), [rand([2, 3], np.int32, seed=10, low=-9, high=9)]),
    Case("diag_bool", _diag(), [np.array([True, False, True])]),
    Case("diag_empty", _diag(), [np.zeros([2, 0], np.float32)]),
] + [
    Case("diag_band_%s" % a.lower(), _diag(k=(-1, 2), align=a), [rand([2, 4, 3], np.float64, seed=11)], grad=[0])
    for a in ALIGNS
] + [
    Case("diag_band_wide_%s" % a.lower(), _diag(k=(0, 2), num_rows=3, num_cols=5, padding_value=-2.0, align=a),
         [rand([3, 3], seed=12)], grad=[0])
    for a in ALIGNS
] + [
    # tf.linalg.diag_part
    Case("diag_part_k1", _diag_part(k=1), [rand([4, 3], seed=13)], grad=[0]),
    Case("diag_part_k_neg1", _diag_part(k=-1, padding_value=5), [rand([2, 3, 4], np.float64, seed=14)], grad=[0]),
    Case("diag_part_int", _diag_part(k=(-1, 0)), [rand([3, 3], np.int64, seed=15, low=-9, high=9)]),
    Case("diag_part_bool", _diag_part(), [np.array([[True, False], [False, False]])]),
    Case("diag_part_empty", _diag_part(), [np.zeros([0, 3, 2], np.float32)]),
] + [
    Case("diag_part_band_%s" % a.lower(), _diag_part(k=(-2, 1), padding_value=0.5, align=a),
         [rand([2, 3, 5], np.float64, seed=16)], grad=[0])
    for a in ALIGNS
] + [
    Case("diag_part_band_tall_%s" % a.lower(), _diag_part(k=(-3, -1), align=a), [rand([5, 3], seed=17)], grad=[0])
    for a in ALIGNS
] + [
    # tf.linalg.set_diag
    Case("set_diag_k2", _set_diag(k=2), [rand([3, 4], seed=18), rand([2], seed=19)], grad=[0, 1]),
    Case("set_diag_int", _set_diag(k=-1), [rand([2, 3, 3], np.int32, seed=20, low=-9, high=9),
                                          rand([2, 2], np.int32, seed=21, low=-9, high=9)]),
] + [
    Case("set_diag_band_%s" % a.lower(), _set_diag(k=(-1, 1), align=a),
         [rand([2, 4, 3], np.float64, seed=22), rand([2, 3, 3], np.float64, seed=23)], grad=[0, 1])
    for a in ALIGNS
] + [
    # The ops no public function builds in TensorFlow 2.21, and k fed at run time.
    Case("raw_matrix_diag", lambda tf, d: raw(tf, "MatrixDiag", diagonal=d), [rand([2, 3], seed=24)], grad=[0]),
    Case("raw_matrix_diag_part", lambda tf, a: raw(tf, "MatrixDiagPart", input=a), [rand([3, 4], seed=25)],
         grad=[0]),
    Case("raw_matrix_set_diag", lambda tf, a, d: raw(tf, "MatrixSetDiag", input=a, diagonal=d),
         [rand([2, 2, 3], seed=26), rand([2, 2], seed=27)], grad=[0, 1]),
    Case("raw_matrix_diag_v2", lambda tf, d: raw(tf, "MatrixDiagV2", diagonal=d, k=i32([-1, 1]), num_rows=i32(-1),
                                                 num_cols=i32(-1), padding_value=np.float32(3)),
         [rand([3, 3], seed=28)], grad=[0]),
    Case("raw_matrix_diag_part_v2", lambda tf, a: raw(tf, "MatrixDiagPartV2", input=a, k=i32([-1, 1]),
                                                      padding_value=np.float32(0)),
         [rand([4, 3], seed=29)], grad=[0]),
    Case("raw_matrix_set_diag_v2", lambda tf, a, d: raw(tf, "MatrixSetDiagV2", input=a, diagonal=d, k=i32(1)),
         [rand([3, 3], seed=30), rand([2], seed=31)], grad=[0, 1]),
    Case("raw_matrix_diag_part_v3_k_fed", lambda tf, a, k: raw(tf, "MatrixDiagPartV3", input=a, k=k,
                                                               padding_value=np.float32(0), align="LEFT_RIGHT"),
         [rand([3, 4], seed=32), i32([-1, 2])]),
    Case("raw_matrix_diag_v3_rows_fed", lambda tf, d, r: raw(tf, "MatrixDiagV3", diagonal=d, k=i32(1), num_rows=r,
                                                             num_cols=i32(-1), padding_value=np.float32(0)),
         [rand([2], seed=33), i32(3)]),
]

MATRIX_DIAG_ERRORS = [
    Err("diag_part_band_reversed", _diag_part(k=(1, 0)), [np.zeros([3, 3], np.float32)], static=True),
    Err("diag_part_k_out_of_bound", _diag_part(k=3), [np.zeros([3, 3], np.float32)], static=True),
    Err("diag_part_k_out_of_bound_run", _diag_part(k=-3), [np.zeros([3, 3], np.float32)]),
    Err("diag_part_k_three", _diag_part(k=(0, 1, 2)), [np.zeros([3, 3], np.float32)], static=True),
    Err("diag_part_k_three_run", lambda tf, a, k: raw(tf, "MatrixDiagPartV3", input=a, k=k,
                                                     padding_value=np.float32(0)),
        [np.zeros([3, 3], np.float32), i32([0, 1, 2])]),
    Err("diag_part_vector", _diag_part(), [np.zeros([3], np.float32)], static=True),
    Err("diag_part_vector_run", _diag_part(), [np.zeros([3], np.float32)]),
    Err("diag_bad_align", _diag(align="MIDDLE"), [np.zeros([3], np.float32)], static=True),
    Err("diag_rows_too_small", _diag(num_rows=2), [np.zeros([3], np.float32)], static=True),
    Err("diag_rows_too_small_run", lambda tf, d, r: raw(tf, "MatrixDiagV3", diagonal=d, k=i32(0), num_rows=r,
                                                       num_cols=i32(-1), padding_value=np.float32(0)),
        [np.zeros([3], np.float32), i32(2)]),
    Err("diag_band_count", _diag(k=(0, 2)), [np.zeros([2, 3], np.float32)], static=True),
    Err("diag_band_count_run", _diag(k=(0, 2)), [np.zeros([2, 3], np.float32)]),
    Err("diag_inconsistent_size", _diag(num_rows=4, num_cols=5), [np.zeros([3], np.float32)], static=True),
    Err("set_diag_wrong_length", _set_diag(), [np.zeros([3, 3], np.float32), np.zeros([2], np.float32)]),
    Err("set_diag_wrong_rank", _set_diag(k=(0, 1)), [np.zeros([3, 3], np.float32), np.zeros([3], np.float32)],
        static=True),
    Err("set_diag_k_out_of_bound", _set_diag(k=4), [np.zeros([3, 3], np.float32), np.zeros([3], np.float32)],
        static=True),
]


def main(tf):
    RECORD.FAMILIES["matrix_diag"] = (MATRIX_DIAG, MATRIX_DIAG_ERRORS)
    RECORD.record(tf, "matrix_diag")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    main(tf)
