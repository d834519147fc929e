"""Records what real TensorFlow computes for tests/engine/ops/test_sparse_reorder.py: tf.sparse.reorder's
outputs and the gradient of its values (TensorFlow's _SparseReorderGrad).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_sparse_reorder.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

The cases are record.py's ``Case``, written into ``sparse_reorder.npz`` by its ``record``; a case's ``build``
takes a TensorFlow-1 namespace. Importing this file needs only numpy.
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
Case, rand, i64 = RECORD.Case, RECORD.rand, RECORD.i64


def _reorder(tf, i, v, s):
    sp = tf.sparse.reorder(tf.SparseTensor(i, v, s))
    return [sp.indices, sp.values]


SPARSE_REORDER = [
    Case("sparse_reorder", _reorder, [i64([[2, 1], [0, 3], [1, 0], [0, 1], [2, 0]]), rand([5], seed=28), i64([3, 4])],
         grad=[1]),
    Case("sparse_reorder_3d_f64", _reorder,
         [i64([[1, 0, 2], [0, 2, 1], [1, 0, 0], [0, 0, 3]]), rand([4], np.float64, seed=29), i64([2, 3, 4])], grad=[1]),
    Case("sparse_reorder_ordered", _reorder, [i64([[0, 0], [0, 2], [1, 1]]), rand([3], seed=30), i64([2, 3])],
         grad=[1]),
    Case("sparse_reorder_empty", _reorder, [np.zeros([0, 2], np.int64), np.zeros([0], np.float32), i64([2, 2])],
         grad=[1]),
    Case("sparse_reorder_one", _reorder, [i64([[1, 2]]), np.float64([3.5]), i64([2, 3])], grad=[1]),
]


def main(tf):
    RECORD.FAMILIES["sparse_reorder"] = (SPARSE_REORDER, [])
    RECORD.record(tf, "sparse_reorder")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    main(tf)
