"""SparseTensor components of dataset elements (SerializeSparse/DeserializeSparse with variants, as TensorFlow
carries them): the ops' kernels against numpy, their errors, and the pipelines' structure. The pipelines'
elements against TensorFlow's are the ``sparse_*`` cases of tests/data/data/record_datasets.py, replayed by
test_dataset_ops.py."""
import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.data import sparse_elements, structure
from tagraph.engine.framework import errors
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.serialization import export_meta_graph, import_meta_graph
from dataset_reference import RECORD

SP = dict(indices=[[0, 1], [0, 3], [2, 0], [3, 2], [3, 3]], values=np.arange(5, dtype=np.float32), dense_shape=[4, 5])


def _run(fetch, feed=None):
    with tg.Session() as sess:
        return sess.run(fetch, feed)


@pytest.mark.parametrize("out_type", [tg.variant, tg.string])
def test_serialize_then_deserialize_gives_the_sparse_tensor_back(out_type):
    with tg.Graph().as_default():
        sp = SparseTensor(**SP)
        s = sparse_elements.serialize_sparse(sp, out_type)
        back = sparse_elements.deserialize_sparse(s, tg.float32)
        assert s.shape.as_list() == [3] and s.dtype == out_type
        got = _run(back)
    np.testing.assert_array_equal(got.indices, SP["indices"])
    np.testing.assert_array_equal(got.values, SP["values"])
    np.testing.assert_array_equal(got.dense_shape, SP["dense_shape"])


@pytest.mark.parametrize("out_type", [tg.variant, tg.string])
def test_deserializing_a_stack_puts_the_position_first_and_takes_the_largest_shape(out_type):
    with tg.Graph().as_default():
        a = sparse_elements.serialize_sparse(SparseTensor([[0], [2]], [1, 2], [3]), out_type)
        b = sparse_elements.serialize_sparse(SparseTensor([[4]], [7], [5]), out_type)
        got = _run(sparse_elements.deserialize_sparse(tg.stack([a, b]), tg.int32))
    np.testing.assert_array_equal(got.indices, [[0, 0], [0, 2], [1, 4]])
    np.testing.assert_array_equal(got.values, [1, 2, 7])
    np.testing.assert_array_equal(got.dense_shape, [2, 5])


def test_serialize_many_slices_the_first_dimension():
    with tg.Graph().as_default():
        rows = sparse_elements.serialize_many_sparse(SparseTensor(**SP))
        one = sparse_elements.deserialize_sparse(rows[3], tg.float32)
        empty = sparse_elements.deserialize_sparse(rows[1], tg.float32)
        got_one, got_empty = _run([one, empty])
    np.testing.assert_array_equal(got_one.indices, [[2], [3]])
    np.testing.assert_array_equal(got_one.values, [3.0, 4.0])
    np.testing.assert_array_equal(got_one.dense_shape, [5])
    assert got_empty.indices.shape == (0, 1) and got_empty.values.shape == (0,)


def test_deserialize_errors_are_invalid_argument():
    with tg.Graph().as_default():
        a = sparse_elements.serialize_sparse(SparseTensor([[0]], [1.0], [3]))
        b = sparse_elements.serialize_sparse(SparseTensor([[0, 0]], [1.0], [3, 3]))
        with pytest.raises(errors.InvalidArgumentError, match="Inconsistent shape across SparseTensors"):
            _run(sparse_elements.deserialize_sparse(tg.stack([a, b]), tg.float32))
        with pytest.raises(errors.InvalidArgumentError, match="Requested SparseTensor of type int64"):
            _run(sparse_elements.deserialize_sparse(a, tg.int64))
        bad = tg.placeholder(tg.string, [None])
        with pytest.raises(errors.InvalidArgumentError, match="3 as the last dimension"):
            _run(sparse_elements.deserialize_sparse(bad, tg.float32), {bad: np.array([b"x", b"y"], dtype=object)})
        with pytest.raises(errors.InvalidArgumentError, match="Could not parse"):
            _run(sparse_elements.deserialize_sparse(bad, tg.float32), {bad: np.array([b"\xff"] * 3, dtype=object)})


def test_get_next_gives_a_sparse_tensor_with_the_specs_static_shape():
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(RECORD._varlen_examples(tf)).map(
            lambda r: tf.parse_single_example(r, RECORD._varlen(tf))).batch(2, drop_remainder=True)
        assert ds.element_spec["tags"] == structure.SparseTensorSpec([2, None], tf.string)
        assert tf.data.get_output_classes(ds)["tags"] is SparseTensor
        nxt = tf.data.make_one_shot_iterator(ds).get_next()
        assert isinstance(nxt["tags"], SparseTensor) and nxt["tags"].get_shape().as_list() == [2, None]
        op = nxt["id"].op
        assert [t.name for t in op.get_attr("output_types")] == ["int64", "variant", "variant"]
        with tf.Session() as sess:
            first = sess.run(nxt)
    np.testing.assert_array_equal(first["tags"].indices, [[0, 0], [1, 0], [1, 1], [1, 2]])
    np.testing.assert_array_equal(first["tags"].dense_shape, [2, 3])
    assert first["tags"].values.tolist() == [b"zero", b"one", b"two", b"three"]


def test_iterator_from_structure_takes_sparse_output_classes():
    with tf.Graph().as_default():
        a = tf.data.Dataset.from_tensor_slices(SparseTensor(**SP))
        it = tf.data.Iterator.from_structure(a.output_types, a.output_shapes, output_classes=a.output_classes)
        init = it.make_initializer(a)
        nxt = it.get_next()
        assert isinstance(nxt, SparseTensor)
        dense = tf.data.Dataset.from_tensor_slices(np.zeros((4, 5), np.float32))
        with pytest.raises(TypeError):
            it.make_initializer(dense)
        with tf.Session() as sess:
            sess.run(init)
            got = [sess.run(nxt) for _ in range(4)]
    assert [g.values.tolist() for g in got] == [[0.0, 1.0], [], [2.0], [3.0, 4.0]]


def test_padded_batch_refuses_sparse_elements():
    # As TensorFlow's (test_sparse_batching.py replays its messages); unbatch takes them.
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(SparseTensor(**SP))
        with pytest.raises(TypeError, match="padded_batch"):
            ds.padded_batch(2)
        assert ds.batch(2).unbatch().element_spec == ds.element_spec


def test_a_sparse_pipeline_exports_and_imports(tmp_path):
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(RECORD._varlen_examples(tf)).map(
            lambda r: tf.parse_single_example(r, RECORD._varlen(tf))).batch(2)
        nxt = tf.data.make_one_shot_iterator(ds).get_next()
        tf.add_to_collection("tags", nxt["tags"].values)
        export_meta_graph(str(tmp_path / "sparse.meta"))
    with tf.Graph().as_default():
        import_meta_graph(str(tmp_path / "sparse.meta"))
        values = tf.get_collection("tags")[0]
        with tf.Session() as sess:
            assert sess.run(values).tolist() == [b"zero", b"one", b"two", b"three"]
