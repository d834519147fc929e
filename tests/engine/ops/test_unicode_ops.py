"""UnicodeDecode(WithOffsets), UnicodeEncode, UnicodeTranscode and UnicodeScript against what TensorFlow 2.21
recorded (tests/data/strings/record_strings.py): ICU's handling of malformed UTF-8/16/32, the error policies,
and the scalar forms of the functions that return RaggedTensors for other ranks."""
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.ops import unicode_ops
from string_reference import cases, check_case, check_error, error_cases


@pytest.mark.parametrize("case", cases("unicode_"))
def test_matches_tensorflow(device, case):
    check_case(case, device)


@pytest.mark.parametrize("err", error_cases("unicode_"))
def test_errors_match_tensorflow(device, err):
    check_error(err, device)


@pytest.mark.parametrize("fn", [tf.strings.unicode_decode, tf.strings.unicode_decode_with_offsets,
                                tf.strings.unicode_split, tf.strings.unicode_split_with_offsets])
def test_decoding_a_vector_names_raggedtensor(fn):
    with tg.Graph().as_default():
        with pytest.raises(NotImplementedError, match="RaggedTensor"):
            fn(["ab", "c"], "UTF-8")


def test_malformed_utf8_is_one_replacement_per_maximal_subpart():
    chars = unicode_ops.decode_utf8(b"a\xe2\x82\xf0\x9f\x98\xed\xa0\x80\xc3")
    assert [(c, n) for c, n, _ in chars] == [(97, 1), (0xFFFD, 2), (0xFFFD, 3), (0xFFFD, 1), (0xFFFD, 1),
                                            (0xFFFD, 1), (0xFFFD, 1)]


def test_an_encoding_icu_knows_but_tagraph_does_not_is_named():
    with tg.Graph().as_default(), tg.Session() as sess:
        y = tf.strings.unicode_transcode(["a"], "Shift_JIS", "UTF-8")
        with pytest.raises(NotImplementedError, match="Decoding Shift_JIS is not supported by tagraph"):
            sess.run(y)
