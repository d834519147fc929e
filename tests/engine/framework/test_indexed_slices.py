"""IndexedSlices: its parts, its dense form, fetching it, and how tg.gradients sums sparse gradients (concatenated
when all are IndexedSlices, one dense AddN when mixed), against TensorFlow's values."""
import importlib.util
import logging
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.indexed_slices import aggregate_gradients, convert_to_tensor_or_indexed_slices


def _sparse_reference():
    path = pathlib.Path(__file__).resolve().parents[1] / "ops" / "sparse_reference.py"
    spec = importlib.util.spec_from_file_location("sparse_reference_for_indexed_slices", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SPARSE = _sparse_reference()


def _slices(values, indices, dense_shape=(4, 2)):
    return tg.IndexedSlices(tg.constant(np.asarray(values, np.float32)), tg.constant(np.asarray(indices)),
                            None if dense_shape is None else tg.constant(np.asarray(dense_shape, np.int32)))


def test_parts_and_static_shape():
    with tg.Graph().as_default() as g:
        s = _slices([[1, 2], [3, 4]], np.int32([3, 1]))
        assert s.dtype == tg.float32 and s.graph is g and s.op is s.values.op and s.name == s.values.name
        assert s.shape.as_list() == [4, 2]
        assert s.indices.dtype == tg.int32 and s.dense_shape.dtype == tg.int32
        unknown = tg.IndexedSlices(s.values, s.indices, tg.placeholder(tg.int32, [2]))
        assert unknown.shape.as_list() == [None, 2]
        assert tg.IndexedSlices(s.values, s.indices).shape.rank is None
        neg = -s
        assert isinstance(neg, tg.IndexedSlices) and neg.indices is s.indices
        assert "IndexedSlices(indices=" in str(s)


def test_dense_form_adds_repeated_rows():
    with tg.Graph().as_default():
        s = _slices([[1, 2], [3, 4], [10, 20]], np.int64([3, 1, 3]))
        dense = tg.convert_to_tensor(s)
        assert dense.op.type == "UnsortedSegmentSum" and dense.shape.as_list() == [4, 2]
        doubled = s.values * 2.0 + tg.reduce_sum(s)        # ops take it as its dense form
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(dense), [[0, 0], [3, 4], [0, 0], [11, 22]])
            assert sess.run(doubled).shape == (3, 2)


def test_conversion_errors():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="Incompatible tensor conversion requested to `dtype` float64"):
            tg.convert_to_tensor(_slices([[1, 2]], [0]), dtype=tg.float64)
        with pytest.raises(ValueError, match="without dense_shape"):
            tg.convert_to_tensor(_slices([[1, 2]], [0], dense_shape=None))
        s = _slices([[1, 2]], [0])
        assert convert_to_tensor_or_indexed_slices(s) is s
        assert isinstance(convert_to_tensor_or_indexed_slices([1.0, 2.0]), tg.Tensor)


def test_a_large_dense_form_is_logged(caplog):
    with tg.Graph().as_default():
        big = _slices([[1, 2]], [0], dense_shape=(100000000, 2))
        with caplog.at_level(logging.WARNING, logger="tagraph.engine.framework.indexed_slices"):
            tg.convert_to_tensor(big)
        assert "Converting sparse IndexedSlices to a dense Tensor with 200000000 elements" in caplog.text


def test_fetching_gives_an_indexed_slices_value():
    with tg.Graph().as_default():
        s = _slices([[1, 2]], np.int32([2]))
        with tg.Session() as sess:
            got = sess.run({"g": s, "again": [s]})
            no_shape = sess.run(_slices([[5, 6]], [1], dense_shape=None))
    assert isinstance(got["g"], tg.IndexedSlicesValue)
    np.testing.assert_array_equal(got["g"].values, [[1, 2]])
    np.testing.assert_array_equal(got["again"][0].indices, [2])
    np.testing.assert_array_equal(got["g"].dense_shape, [4, 2])
    assert no_shape.dense_shape is None


def test_aggregation_concatenates_sparse_and_adds_dense():
    with tg.Graph().as_default():
        a, b = _slices([[1, 2]], np.int32([0])), _slices([[3, 4], [5, 6]], np.int64([0, 3]))
        both = aggregate_gradients([a, None, b])
        assert isinstance(both, tg.IndexedSlices) and both.indices.dtype == tg.int64
        assert both.values.op.type == "ConcatV2"
        mixed = aggregate_gradients([a, tg.ones([4, 2])])
        assert isinstance(mixed, tg.Tensor) and mixed.op.type == "AddN"
        assert aggregate_gradients([a]) is a and aggregate_gradients([None]) is None
        with pytest.raises(TypeError, match="different dtypes"):
            aggregate_gradients([a, tg.ones([4, 2], tg.float64)])
        with tg.Session() as sess:
            got, dense = sess.run([both, mixed])
    np.testing.assert_array_equal(got.indices, [0, 0, 3])
    np.testing.assert_array_equal(dense, [[2, 3], [1, 1], [1, 1], [1, 1]])


@pytest.mark.parametrize("name", ["gather_tensor", "gather_2d_ids_int64", "gather_resource_variable",
                                  "gather_ref_variable", "gather_axis1", "two_lookups", "lookup_and_dense_use"])
def test_gather_gradients_are_tensorflows(device, name):
    # IndexedSlices for a gather along axis 0 (of a tensor, a resource or a reference variable), summed across
    # uses as TensorFlow sums them; dense along another axis.
    SPARSE.check_gradient_case(name, device)


def test_gradient_of_a_variable_read_in_two_places_sums_sparse_parts():
    with tg.Graph().as_default():
        v = tg.Variable(np.arange(8, dtype=np.float32).reshape(4, 2))
        loss = tg.reduce_sum(tg.gather(v, [0, 2])) + tg.reduce_sum(tg.nn.embedding_lookup(v, [2]))
        g, = tg.gradients(loss, [v])
        assert isinstance(g, tg.IndexedSlices)
        with tg.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(tg.convert_to_tensor(g)), [[1, 1], [0, 0], [2, 2], [0, 0]])
