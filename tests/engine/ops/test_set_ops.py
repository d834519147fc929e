"""tf.sets (SetSize and the Dense/SparseToSparseSetOperation ops) against real TensorFlow's results, recorded by
tests/data/tf_ops/record_sets_sparse.py: sorted values per group, int and string sets, dense and sparse
operands, and TensorFlow's errors for bad inputs."""
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


@pytest.mark.parametrize("name", RECORD.SET_CASES)
def test_set_ops_match_tensorflow(name):
    RECORD.check(tf, name, RECORDED)


def test_tf_sets_names():
    assert tf.sets.intersection is tf.sets.set_intersection is tg.set_intersection
    assert tf.sets.union is tf.sets.set_union and tf.sets.difference is tf.sets.set_difference
    assert tf.sets.size is tf.sets.set_size
    with pytest.raises(AttributeError):
        tf.sets.symmetric_difference   # noqa: B018 - TensorFlow has no such name


def test_ops_and_attrs_are_tensorflows():
    g = tg.Graph()
    with g.as_default():
        a = tg.constant([[1, 2]], tg.int64)
        sp = tg.SparseTensor([[0, 0]], tg.constant([1], tg.int64), [1, 2])
        tf.sets.union(a, a, validate_indices=False)
        tf.sets.difference(a, sp, aminusb=False)
        tf.sets.intersection(sp, sp)
        tf.sets.size(sp)
    ops = {op.type: op for op in g.get_operations()}
    assert ops["DenseToDenseSetOperation"].get_attr("set_operation") in ("union", b"union")
    assert ops["DenseToDenseSetOperation"].get_attr("validate_indices") is False
    assert ops["DenseToSparseSetOperation"].get_attr("set_operation") in ("b-a", b"b-a")
    assert ops["SparseToSparseSetOperation"].get_attr("T") == tg.int64
    assert ops["SetSize"].outputs[0].dtype == tg.int32


def test_validate_indices_false_accepts_unsorted_indices():
    with tg.Graph().as_default(), tg.Session() as sess:
        sp = tg.SparseTensor([[1, 0], [0, 0], [0, 1]], [1, 2, 2], [2, 2])
        assert sess.run(tf.sets.size(sp, validate_indices=False)).tolist() == [1, 1]


def test_dense_sparse_order_flips():
    # A sparse first operand with a dense second swaps them: a-b becomes b-a of the swapped pair.
    with tg.Graph().as_default(), tg.Session() as sess:
        sp = tg.SparseTensor([[0, 0], [0, 1]], [1, 2], [1, 2])
        out = sess.run(tf.sets.difference(sp, [[2, 3]]))
        assert out.values.tolist() == [1]


def test_runtime_group_shape_mismatch():
    with tg.Graph().as_default(), tg.Session() as sess:
        a = tg.placeholder(tg.int32, [None, 2])
        out = tf.sets.union(a, a[:1])
        with pytest.raises(tg.errors.InvalidArgumentError, match=r"Mismatched shapes \[2\] vs \[1\]"):
            sess.run(out.values, {a: [[1, 2], [3, 4]]})
