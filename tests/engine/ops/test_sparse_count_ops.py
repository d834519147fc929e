"""tf.sparse.bincount (DenseCountSparseOutput, SparseCountSparseOutput) and SparseBincount against real
TensorFlow (recorded by tests/data/tf_ops/record_sets_sparse.py): whole-tensor and per-row counts, weights,
binary output, minlength and maxlength, dense and sparse inputs, and TensorFlow's errors."""
import importlib.util
import json
import pathlib

import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_sets_sparse", DATA / "record_sets_sparse.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
RECORDED = json.loads((DATA / "sets_sparse.json").read_text())


@pytest.mark.parametrize("name", RECORD.BINCOUNT_CASES)
def test_bincount_matches_tensorflow(name):
    RECORD.check(tf, name, RECORDED)


def test_ops_and_attrs_are_tensorflows():
    g = tg.Graph()
    with g.as_default():
        dense = tf.sparse.bincount(tg.constant([[1, 2]], tg.int64), axis=-1, minlength=4, maxlength=9)
        sparse = tf.sparse.bincount(tg.SparseTensor([[0, 1]], [3], [2, 2]), axis=-1, binary_output=True)
    op = dense.values.op
    assert (op.type, op.name) == ("DenseCountSparseOutput", "count/DenseCountSparseOutput")
    assert (op.get_attr("minlength"), op.get_attr("maxlength"), op.get_attr("output_type")) == (4, 9, tg.int64)
    assert dense.indices.shape.as_list() == [None, 2]
    assert sparse.values.op.type == "SparseCountSparseOutput" and sparse.values.op.get_attr("binary_output")


def test_counts_have_no_gradient_as_in_tensorflow():
    with tg.Graph().as_default():
        w = tg.constant([1.0, 2.0])
        counts = tf.sparse.bincount(tg.constant([1, 2]), weights=w)
        with pytest.raises(LookupError, match="DenseCountSparseOutput"):
            tg.gradients(tg.reduce_sum(counts.values), w)


def test_sparse_bincount_shape_is_static():
    with tg.Graph().as_default():
        out = tg.make_op("SparseBincount", [tg.constant([[0, 1]], tg.int64), tg.constant([2]),
                                            tg.constant([3, 4], tg.int64), tg.constant(5), tg.constant([], tg.float32)])
        assert out.shape.as_list() == [3, 5]


def test_empty_input_counts_nothing():
    with tg.Graph().as_default(), tg.Session() as sess:
        out = sess.run(tf.sparse.bincount(tg.zeros([0], tg.int64), minlength=3))
    assert out.indices.shape == (0, 1) and out.values.tolist() == [] and out.dense_shape.tolist() == [3]


def test_bad_inputs():
    with tg.Graph().as_default(), tg.Session() as sess:
        sp = tg.SparseTensor([[0, 0], [1, 1]], tg.constant([1, 2], tg.int64), [2, 2])
        with pytest.raises(ValueError, match="`weights` must be a SparseTensor"):
            tf.sparse.bincount(sp, weights=[1.0, 2.0])
        other = tg.SparseTensor([[0, 0], [1, 0]], [1.0, 2.0], [2, 2])
        with pytest.raises(tg.errors.InvalidArgumentError, match="must have the same indices"):
            sess.run(tf.sparse.bincount(sp, weights=other, axis=-1).values)
        with pytest.raises(tg.errors.InvalidArgumentError, match="Weights and values must have the same shape"):
            sess.run(tf.sparse.bincount(tg.constant([1, 2]), weights=tg.constant([1.0])).values)
        with pytest.raises(tg.errors.InvalidArgumentError, match="1 or 2-dimensional"):
            sess.run(tf.sparse.bincount(tg.constant([[[1]]]), axis=-1).values)
