"""String ops of string_ops.py (joins, ReduceJoin, UnsortedSegmentJoin, Substr, StringLength, StringStrip,
StringLower/Upper, base64) against what TensorFlow 2.21 recorded (tests/data/strings/record_strings.py),
through TensorFlow 1's names in tagraph.compat.v1, on the CPU and under a simulated GPU (string ops run on
the host there); plus the namespaces and placement."""
import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.ops import string_ops
from string_reference import cases, check_case, check_error, error_cases

_CASES = ("substr", "length", "strip", "lower", "upper", "string_join", "reduce_join", "unsorted_segment_join",
          "base64")
_ERRORS = ("substr", "length", "lower", "string_join", "reduce_join", "decode_base64")


@pytest.mark.parametrize("case", cases(*_CASES))
def test_matches_tensorflow(device, case):
    check_case(case, device)


@pytest.mark.parametrize("err", error_cases(*_ERRORS))
def test_errors_match_tensorflow(device, err):
    check_error(err, device)


def test_tensorflow_1_names_are_there():
    for name in ("string_join", "reduce_join", "substr", "string_strip", "string_to_number", "as_string",
                 "regex_replace", "string_split", "encode_base64", "decode_base64", "string_to_hash_bucket",
                 "string_to_hash_bucket_fast", "string_to_hash_bucket_strong"):
        assert callable(getattr(tf, name)), name
    for name in ("split", "join", "reduce_join", "regex_replace", "regex_full_match", "substr", "length", "strip",
                 "lower", "upper", "to_number", "as_string", "format", "bytes_split", "ngrams", "to_hash_bucket",
                 "to_hash_bucket_fast", "to_hash_bucket_strong", "unicode_decode", "unicode_decode_with_offsets",
                 "unicode_encode", "unicode_transcode", "unicode_script", "unicode_split",
                 "unicode_split_with_offsets", "unsorted_segment_join"):
        assert getattr(tf.strings, name) is getattr(tg.strings, name), name
    assert tf.io.decode_base64 is string_ops.decode_base64


def test_string_ops_run_on_the_host_even_when_asked_for_a_gpu(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default(), tg.device("/device:GPU:0"):
        x = tg.constant(["ab", "cd"])
        y = tg.strings.substr(tg.strings.upper(x), 0, 1)
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            assert sess.run(y).tolist() == [b"A", b"C"]


def test_substr_bytes_matches_the_kernel_rules():
    # The kernel's rules, spelled out: a negative length runs to the end in bytes, gives nothing in characters.
    assert string_ops.substr_bytes(b"hello", 1, -1, utf8=False) == b"ello"
    assert string_ops.substr_bytes("h\u00e9llo".encode(), 1, -1, utf8=True) == b""
    assert string_ops.substr_bytes(b"hello", 5, 1, utf8=False) == b""
    assert string_ops.substr_bytes(b"hello", 6, 1, utf8=False) is None
    assert string_ops.substr_bytes("\u65e5\u672c".encode(), -1, 1, utf8=True) == "\u672c".encode()


def test_decode_base64_accepts_what_tensorflow_accepts():
    assert string_ops.decode_base64_bytes(b"aGVsbG8") == b"hello"
    assert string_ops.decode_base64_bytes(b"aGVsbG8=") == b"hello"
    assert string_ops.decode_base64_bytes(b"") == b""
    with pytest.raises(tg.errors.InvalidArgumentError, match="Invalid character found in base64"):
        string_ops.decode_base64_bytes(b"aG+s")
    with pytest.raises(tg.errors.InvalidArgumentError, match="Invalid character found in base64"):
        string_ops.decode_base64_bytes(b"aG=sbG8=")


def test_reduce_join_static_shapes():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.string, [2, 3, 4])
        assert tg.reduce_join(x, [0, 2]).shape.as_list() == [3]
        assert tg.reduce_join(x, [0, 2], keep_dims=True).shape.as_list() == [1, 3, 1]
        assert tg.reduce_join(x).shape.as_list() == []
        with pytest.raises(ValueError, match="Invalid reduction dimension 3"):
            tg.reduce_join(x, 3)


def test_big_string_feeds_are_read_in_place():
    words = np.array([("w%d" % i).encode() for i in range(5000)], dtype=object)
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None])
        got = sess.run(tg.strings.length(x), {x: words})
        words[7] = "str, not bytes"
        mixed = sess.run(tg.strings.join([x, "!"]), {x: words})
    np.testing.assert_array_equal(got, [len(("w%d" % i).encode()) for i in range(5000)])
    assert mixed[7] == b"str, not bytes!" and mixed[8] == b"w8!"
