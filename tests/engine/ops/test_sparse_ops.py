"""SparseReshape, SparseFillEmptyRows, SparseToDense, SparseSlice, sparse_retain, sparse_merge and
safe_embedding_lookup_sparse against TensorFlow's recorded values, gradients and errors, on the CPU and a
simulated GPU (SparseSlice on the host only, as TensorFlow's)."""
import numpy as np
import pytest

import tagraph.engine as tg
from sparse_ops_reference import check_case, check_error, family

CASES, ERRORS = family("sparse", host_only=False)
HOST_CASES, HOST_ERRORS = family("sparse", host_only=True)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", HOST_CASES)
def test_host_ops_match_tensorflow(case, known):
    check_case("/device:CPU:0", case, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err)


@pytest.mark.parametrize("err", HOST_ERRORS)
def test_bad_inputs_of_host_ops_fail_as_in_tensorflow(err):
    check_error("/device:CPU:0", err)


def test_a_sparse_tensor_takes_python_values_and_knows_its_shape():
    with tg.Graph().as_default():
        sp = tg.SparseTensor([[0, 1], [2, 0]], [5, 7], [3, 2])
        assert sp.indices.dtype == tg.int64 and sp.dense_shape.dtype == tg.int64
        assert sp.shape.as_list() == [3, 2]
        sp2 = tg.SparseTensor.from_value(tg.SparseTensorValue([[1]], [2.0], [4]))
        with tg.Session() as sess:
            np.testing.assert_array_equal(sess.run(tg.sparse_tensor_to_dense(sp)), [[0, 5], [0, 0], [7, 0]])
            np.testing.assert_array_equal(sess.run(tg.sparse_tensor_to_dense(sp2)), [0, 2, 0, 0])


def test_string_rows_are_filled_on_the_host():
    with tg.Graph().as_default():
        sp = tg.SparseTensor([[1, 0]], ["b"], [3, 2])
        filled, empty = tg.sparse_fill_empty_rows(sp, "")
        with tg.Session() as sess:
            got, got_empty = sess.run([filled, empty])
    np.testing.assert_array_equal(got.indices, [[0, 0], [1, 0], [2, 0]])
    assert list(got.values) == [b"", b"b", b""] and list(got_empty) == [True, False, True]


def test_the_tf_sparse_namespace_has_the_ops():
    import tagraph.compat.v1 as tf
    assert tf.sparse.reshape is tg.sparse_reshape and tf.sparse.to_dense is tg.sparse_tensor_to_dense
    assert tf.sparse_fill_empty_rows is tg.sparse_fill_empty_rows and tf.sparse.cross_hashed is tg.sparse_cross_hashed
