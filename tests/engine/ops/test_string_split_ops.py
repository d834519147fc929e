"""StringSplit (tf.string_split), StringSplitV2 (tf.strings.split), bytes_split and StringNGrams (ngrams)
against what TensorFlow 2.21 recorded (tests/data/strings/record_strings.py), as SparseTensors; and the
clear errors for the RaggedTensor results tagraph does not have."""
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.ops import string_split_ops
from string_reference import cases, check_case, check_error, error_cases


@pytest.mark.parametrize("case", cases("string_split", "strings_split", "bytes_split", "ngrams"))
def test_matches_tensorflow(device, case):
    check_case(case, device)


@pytest.mark.parametrize("err", error_cases("string_split", "strings_split"))
def test_errors_match_tensorflow(device, err):
    check_error(err, device)


@pytest.mark.parametrize("build", [
    lambda: tf.string_split(["a b"], result_type="RaggedTensor"),
    lambda: tf.strings.split(["a b"], result_type="RaggedTensor"),
    lambda: tf.strings.bytes_split(["ab"]),
])
def test_ragged_results_name_raggedtensor(build):
    with tg.Graph().as_default():
        with pytest.raises(NotImplementedError, match="RaggedTensor"):
            build()


def test_split_v2_follows_tensorflow_not_python_at_trailing_whitespace():
    assert string_split_ops.split_v2(b"a b ", b"", 2) == [b"a", b"b", b""]
    assert b"a b ".split(None, 2) == [b"a", b"b"]
    assert string_split_ops.split_v2(b"1<>2<><>3", b"<>", -1) == [b"1", b"2", b"", b"3"]
    assert string_split_ops.split_on(b"a,b;;c", b",;", True) == [b"a", b"b", b"c"]


def test_sparse_result_fetches_as_a_sparse_tensor_value():
    with tg.Graph().as_default(), tg.Session() as sess:
        sp = tg.string_split(["hello world", "a b c"])
        value = sess.run(sp)
    assert value.indices.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]
    assert value.values.tolist() == [b"hello", b"world", b"a", b"b", b"c"]
    assert value.dense_shape.tolist() == [2, 3]
