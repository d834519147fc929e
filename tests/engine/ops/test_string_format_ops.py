"""AsString, StringFormat and StringToNumber against what TensorFlow 2.21 recorded
(tests/data/strings/record_strings.py): printf formats, tf.print's summaries, absl's number grammar and
TensorFlow's error for each kind of bad number."""
import numpy as np
import pytest

from tagraph.engine.ops import string_format_ops
from string_reference import cases, check_case, check_error, error_cases


@pytest.mark.parametrize("case", cases("as_string", "string_format", "to_number"))
def test_matches_tensorflow(device, case):
    check_case(case, device)


@pytest.mark.parametrize("err", error_cases("to_number", "format_", "as_string"))
def test_errors_match_tensorflow(device, err):
    check_error(err, device)


def test_float32_is_rounded_once_from_the_decimal_text():
    # 1 + 2**-24 + 2**-60 lies just above a float32 tie; through float64 it would land on the tie and round
    # to even (1.0); read once it rounds up.
    text = b"1.00000005960464477539930365276048"
    assert string_format_ops.parse_float(text, np.dtype(np.float32)) == np.float32(1.0000001)
    # Past the largest float32 by less than half a step still reads as the largest (the recorded cases hold the
    # tie and beyond).
    assert string_format_ops.parse_float(b"3.4028235677973366e38", np.dtype(np.float32)) == np.finfo(np.float32).max


def test_summaries_follow_print_v2():
    assert string_format_ops.summarize_value(np.arange(10), 2) == b"[0 1 ... 8 9]"
    assert string_format_ops.summarize_value(np.float32(1 / 3), 3) == b"0.333333343"
    assert string_format_ops.summarize_value(np.array([b"a\tb"], dtype=object), 3) == b'["a\\tb"]'
