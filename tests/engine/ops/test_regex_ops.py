"""RegexFullMatch, StaticRegexFullMatch, RegexReplace and StaticRegexReplace against what TensorFlow 2.21
recorded (tests/data/strings/record_strings.py): RE2's syntax and matching, RE2::Replace/GlobalReplace's
rewrites and empty-match rule, invalid UTF-8, and TensorFlow's InvalidArgumentError for every pattern RE2
rejects (backreferences, lookarounds, possessive repeats, ...)."""
import sys

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.ops import regex_ops
from string_reference import cases, check_case, check_error, error_cases


@pytest.mark.parametrize("case", cases("regex_"))
def test_matches_tensorflow(device, case):
    check_case(case, device)


@pytest.mark.parametrize("err", error_cases("full_match_", "replace_"))
def test_errors_match_tensorflow(device, err):
    check_error(err, device)


@pytest.mark.parametrize("pattern,reason", [(r"(a)\1", r"invalid escape sequence: \1"),
                                            (r"x(?=y)", "invalid perl operator: (?="),
                                            (r"x(?<!y)", "invalid perl operator: (?<!"),
                                            (r"x*+", "bad repetition operator: *+")])
def test_rejected_patterns_say_why(pattern, reason):
    with pytest.raises(tg.errors.InvalidArgumentError) as info:
        regex_ops.compile_pattern(pattern.encode())
    assert info.value.message == "Invalid pattern: %s, error: %s" % (pattern, reason)


def test_global_replace_skips_one_utf8_character_after_an_empty_match():
    regexp = regex_ops.compile_pattern(b"x*")
    assert regex_ops.replace_all(regexp, b"abxd", b"-") == b"-a-b-d-"
    assert regex_ops.replace_all(regexp, "\u65e5\u672c".encode(), b"-") == "-\u65e5-\u672c-".encode()
    # A byte that starts no valid character is skipped alone.
    assert regex_ops.replace_all(regexp, b"\xffa", b"-") == b"-\xff-a-"


def test_a_rewrite_naming_a_missing_group_changes_nothing():
    regexp = regex_ops.compile_pattern(b"(o)")
    assert regex_ops.replace_all(regexp, b"foo", b"\\2") == b"foo"
    assert regex_ops.replace_one(regexp, b"foo", b"[\\1\\0]") == b"f[oo]o"


def test_missing_re2_names_the_extra(monkeypatch):
    regex_ops.compile_pattern.cache_clear()
    monkeypatch.setitem(sys.modules, "re2", None)
    try:
        with pytest.raises(ImportError, match=r"pip install tagraph\[strings\]"):
            regex_ops.compile_pattern(b"a+")
    finally:
        regex_ops.compile_pattern.cache_clear()


def test_a_tensor_pattern_is_compiled_when_the_graph_runs():
    with tg.Graph().as_default(), tg.Session() as sess:
        p = tg.placeholder(tg.string, [])
        y = tg.strings.regex_full_match(["ab", "b"], p)
        assert y.op.type == "RegexFullMatch"
        np.testing.assert_array_equal(sess.run(y, {p: "a.*"}), [True, False])
        with pytest.raises(tg.errors.InvalidArgumentError, match=r"Invalid pattern: a\(, error: missing \)"):
            sess.run(y, {p: "a("})
