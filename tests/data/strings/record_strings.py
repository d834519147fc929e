"""Records what real TensorFlow computes for tests/engine/ops/test_string_ops.py, test_regex_ops.py,
test_string_split_ops.py, test_unicode_ops.py and test_string_hash_ops.py: every string op, through TensorFlow
1's names (``tf.string_split``, ``tf.substr``, ``tf.strings.*``, ...), on a corpus of ASCII, multi-byte UTF-8,
empty and invalid UTF-8 strings; the errors TensorFlow raises for bad input; and the hash buckets of 100,000
strings.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/strings/record_strings.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead: the interop test compares a fresh recording with the stored one)

A case's ``build(tf)`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here,
``tagraph.compat.v1`` in the tests) and returns the fetches to run (a SparseTensor counts as its three
parts). ``strings.npz`` holds each fetch's value (strings as their bytes and lengths, so no byte is lost),
its static shape, the sorted op types of the graph, and for each ``Err`` the error class and message.
``hash_buckets.npz`` holds TensorFlow's buckets of :func:`hash_corpus`'s strings, which the tests
regenerate with numpy alone. Importing this file needs only numpy.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class Case:
    """``build(tf)`` -> fetches; ``same_ops`` false where tagraph builds the result from other ops than
    TensorFlow's Python does (TensorFlow goes through RaggedTensor there)."""

    def __init__(self, name, build, same_ops=True):
        self.name, self.build, self.same_ops = name, build, same_ops


class Err:
    """``build(tf)`` (or running its fetches) must fail as TensorFlow's does."""

    def __init__(self, name, build):
        self.name, self.build = name, build


# --- the corpus -----------------------------------------------------------------------------------------

WORDS = ["hello world", "", " lead and trail ", "a,b,,c", "h\u00e9llo w\u00f6rld",
         "\u65e5\u672c\u8a9e \u30c6\u30ad\u30b9\u30c8",
         "emoji \U0001f389 party", "tab\tsep\nline", "MiXeD CaSe 123", "\u00c0\u00c9\u00ce\u00d5\u00dc stra\u00dfe",
         "\u03a3\u0391\u03a3 \u039f\u0394\u039f\u03a3", "\u0130stanbul", "x" * 40, "1<>2<><>3", "a  b   c\u00a0d"]
INVALID = [b"\xff\xfeabc", b"ab\xc3", b"\xed\xa0\x80z", b"\xc0\x80", b"\xf4\x90\x80\x80!", b"ok\x00nul"]
CORPUS = [w.encode("utf-8") for w in WORDS] + INVALID


def _s(tf, values):
    return tf.constant(np.array(values, dtype=object), tf.string)


def _unknown(tf, value, dtype=None):
    """``value`` behind a placeholder of unknown shape (so checks happen when the graph runs)."""
    t = tf.constant(value, dtype) if dtype is not None else value
    return tf.placeholder_with_default(t, shape=None)


# --- cases ------------------------------------------------------------------------------------------------

def _split_cases():
    words = lambda tf: _s(tf, CORPUS)  # noqa: E731
    return [
        Case("string_split_default", lambda tf: [tf.string_split(words(tf))]),
        Case("string_split_keep_empty", lambda tf: [tf.string_split(words(tf), skip_empty=False)]),
        Case("string_split_comma", lambda tf: [tf.string_split(words(tf), ",", skip_empty=False)]),
        Case("string_split_char_set", lambda tf: [tf.string_split(words(tf), delimiter=", \t")]),
        Case("string_split_bytes", lambda tf: [tf.string_split(_s(tf, ["ab", "", "\u00e9"]), "")]),
        Case("string_split_unknown_shape", lambda tf: [tf.string_split(_unknown(tf, _s(tf, ["a b", "c"])), "x")]),
        Case("strings_split_whitespace", lambda tf: [tf.strings.split(words(tf))]),
        Case("strings_split_sep", lambda tf: [tf.strings.split(words(tf), sep=",")]),
        Case("strings_split_multichar", lambda tf: [tf.strings.split(words(tf), sep="<>")]),
        Case("strings_split_maxsplit", lambda tf: [tf.strings.split(words(tf), maxsplit=1),
                                                   tf.strings.split(words(tf), sep=",", maxsplit=2)]),
        Case("strings_split_maxsplit_trailing", lambda tf: [tf.strings.split(_s(tf, ["a b ", " c  d  e "]),
                                                                             maxsplit=2)]),
        Case("strings_split_maxsplit_zero", lambda tf: [tf.strings.split(_s(tf, ["a b", ""]), maxsplit=0)]),
        Case("strings_split_scalar", lambda tf: [tf.strings.split(tf.constant("a b c"))]),
        Case("strings_split_sparse_explicit", lambda tf: [tf.strings.split(input=words(tf), sep=" ",
                                                                           result_type="SparseTensor")]),
        Case("strings_split_matrix", lambda tf: [tf.strings.split(_s(tf, [["a b", "c"], ["", "d e f"]]))],
             same_ops=False),
        Case("bytes_split_scalar", lambda tf: [tf.strings.bytes_split(tf.constant("h\u00e9!"))], same_ops=False),
    ]


def _substr_cases():
    words = lambda tf: _s(tf, ["hello", "h\u00e9llo", "\u65e5\u672c\u8a9e", "ab", "\U0001f389x"])  # noqa: E731
    return [
        Case("substr_byte", lambda tf: [tf.substr(words(tf), 0, 3), tf.substr(words(tf), 1, 100),
                                        tf.substr(words(tf), 0, 0), tf.substr(_s(tf, ["", "a"]), 0, 2),
                                        tf.substr(_s(tf, ["", "ab"]), tf.constant(0, tf.int64),
                                                  tf.constant(1, tf.int64), unit="UTF8_CHAR")]),
        Case("substr_byte_negative", lambda tf: [tf.strings.substr(words(tf)[:2], -3, 2),
                                                 tf.strings.substr(words(tf), 0, -1)]),
        Case("substr_utf8", lambda tf: [tf.strings.substr(words(tf), 1, 2, unit="UTF8_CHAR"),
                                        tf.strings.substr(words(tf), 0, 100, unit="UTF8_CHAR"),
                                        tf.strings.substr(words(tf), 0, -1, unit="UTF8_CHAR")]),
        Case("substr_utf8_negative", lambda tf: [tf.strings.substr(words(tf)[:3], -2, 1, unit="UTF8_CHAR"),
                                                 tf.strings.substr(words(tf)[:3], -3, 5, unit="UTF8_CHAR")]),
        Case("substr_elementwise", lambda tf: [tf.substr(words(tf), [0, 1, 2, 0, 1], [1, 2, 3, 4, 5]),
                                               tf.substr(words(tf), tf.constant([0, -2, 1, 0, 0], tf.int64),
                                                         tf.constant([2, 2, 1, 0, 1], tf.int64), unit="UTF8_CHAR")]),
        Case("substr_broadcast_1d", lambda tf: [tf.substr(tf.constant("abcdef"), [0, 2, 4], [2, 2, 2])]),
        Case("substr_broadcast_2d", lambda tf: [tf.substr(_s(tf, [["abc", "defg"], ["h", "ijklm"]])[:, :1],
                                                          [[0, 1]], [[1, 1]]),
                                                tf.substr(_s(tf, [["abcd"], ["efgh"]]), [0, 1, 2], [2, 1, 2])]),
        Case("length", lambda tf: [tf.strings.length(_s(tf, CORPUS)), tf.strings.length(_s(tf, CORPUS[:15]),
                                                                                          unit="UTF8_CHAR"),
                                   tf.strings.length(tf.constant([["ab"], ["\u00e9"]]))]),
    ]


def _case_cases():
    words = lambda tf: _s(tf, CORPUS)  # noqa: E731
    return [
        Case("strip", lambda tf: [tf.strings.strip(words(tf)),
                                  tf.string_strip(_s(tf, [" \t\n\v\f\rx\r\n", "\u00a0y "]))]),
        Case("lower_ascii", lambda tf: [tf.strings.lower(words(tf))]),
        Case("upper_ascii", lambda tf: [tf.strings.upper(words(tf))]),
        Case("lower_utf8", lambda tf: [tf.strings.lower(_s(tf, CORPUS[:15]), encoding="utf-8"),
                                       tf.strings.lower(_s(tf, [b"\xff\xfeABC", b"AB\xc3", b"\xed\xa0\x80Z"]),
                                                        encoding="utf-8")]),
        Case("upper_utf8", lambda tf: [tf.strings.upper(_s(tf, CORPUS[:15] + ["\u01c6 \u1f80 \ufb01"]),
                                                        encoding="utf-8")]),
    ]


FLOATS = ["1.5", " 2 ", "-3e2", "inf", "-INF", "nan", "-NaN", "0x1A", "-0X1f", ".5", "5.", "1e-50", "3.4e39", "+7",
          "1" * 40, "0.1", "1e+2", "\t4\n", "00012", "-0", "1.17549435e-38", "3.40282347e+38", "123456789",
          "infinity", "-Infinity", "nan(123)", "+nan", "0x1.8p1", "0x1p3", "\x0b5", "1e5000", "-1e-50", "1.",
          "16777217", "0.1000000000000000055511151231257827", "4e-45", "1e-46",
          # Just past, just short of and exactly at float32 ties that float64 rounds onto.
          "1.00000005960464477539930365276048", "1.0000000596046447753906250", "1.00000017881393432617187499",
          "3.4028235677973366e38", "340282356779733661637539395458142568448", "3.40282356779733661637539395458143e38"]
INTS = ["0", "-12", " 42 ", "2147483647", "-2147483648", "007", "\t5\n", "+5", "-0", "5\x0b"]


def _number_cases():
    return [
        Case("to_number_float32", lambda tf: [tf.strings.to_number(_s(tf, FLOATS))]),
        Case("to_number_float64", lambda tf: [tf.string_to_number(_s(tf, FLOATS), tf.float64)]),
        Case("to_number_int32", lambda tf: [tf.strings.to_number(_s(tf, INTS), out_type=tf.int32)]),
        Case("to_number_int64", lambda tf: [tf.strings.to_number(_s(tf, INTS + ["9223372036854775807",
                                                                                "-9223372036854775808"]),
                                                                 out_type=tf.int64)]),
        Case("to_number_uint", lambda tf: [tf.strings.to_number(_s(tf, ["0", "4294967295", " 7"]), tf.uint32),
                                           tf.strings.to_number(_s(tf, ["18446744073709551615", "3"]), tf.uint64)]),
        Case("to_number_matrix", lambda tf: [tf.string_to_number(string_tensor=_s(tf, [["1", "2"], ["3", "4.5"]]))]),
    ]


def _bad_number(name, value, out_type):
    return Err(name, lambda tf: [tf.strings.to_number(_s(tf, ["1", value]), getattr(tf, out_type))])


NUMBER_ERRORS = [
    _bad_number("to_number_letters", "abc", "float32"),
    _bad_number("to_number_trailing_junk", "1.5x", "float32"),
    _bad_number("to_number_empty", "", "float32"),
    _bad_number("to_number_exponent_without_digits", "1e", "float64"),
    _bad_number("to_number_partial_infinity", "inFin", "float32"),
    _bad_number("to_number_underscore", "1_0", "float32"),
    _bad_number("to_number_plus_minus", "+-1", "float32"),
    _bad_number("to_number_hex_sign_inside", "0x-1", "float32"),
    _bad_number("to_number_hex_no_digits", "0x", "float64"),
    _bad_number("to_number_double_zero_hex", "00x1", "float32"),
    _bad_number("to_number_suffix", "1d", "float32"),
    _bad_number("to_number_nul", "1\x002", "float32"),
    _bad_number("to_number_space_after_sign", "- 1", "float32"),
    _bad_number("to_number_int32_overflow", "2147483648", "int32"),
    _bad_number("to_number_int32_hex", "0x10", "int32"),
    _bad_number("to_number_int32_plus_minus", "+-5", "int32"),
    _bad_number("to_number_int32_decimal", "1.0", "int32"),
    _bad_number("to_number_int32_blank", "  ", "int32"),
    _bad_number("to_number_int64_overflow", "9223372036854775808", "int64"),
    _bad_number("to_number_uint32_negative", "-1", "uint32"),
    _bad_number("to_number_uint64_negative_zero", "-0", "uint64"),
    _bad_number("to_number_uint64_overflow", "18446744073709551616", "uint64"),
]


REGEX_WORDS = ["hello world", "", "abxd", "a1b22c333", "\u65e5\u672c\u8a9e", "h\u00e9llo", "foo.bar", "AbC",
               "line1\nline2", "aaa"]


def _regex_cases():
    words = lambda tf: _s(tf, REGEX_WORDS)  # noqa: E731
    return [
        Case("regex_full_match_static", lambda tf: [
            tf.strings.regex_full_match(words(tf), r"[a-z ]+"),
            tf.strings.regex_full_match(words(tf), r"\p{Han}+"),
            tf.strings.regex_full_match(words(tf), r"h.llo"),
            tf.strings.regex_full_match(words(tf), r"(?i)abc"),
            tf.strings.regex_full_match(words(tf), r"line1$"),
            tf.strings.regex_full_match(words(tf), r"(?s)line1.line2"),
            tf.strings.regex_full_match(words(tf), "")]),
        Case("regex_full_match_tensor_pattern", lambda tf: [
            tf.strings.regex_full_match(words(tf), tf.constant(r"\w+")),
            tf.strings.regex_full_match(_s(tf, [["ab", "a"], ["", "b"]]), _unknown(tf, tf.constant("a*")))]),
        Case("regex_full_match_invalid_utf8", lambda tf: [
            tf.strings.regex_full_match(_s(tf, INVALID), r".*"),
            tf.strings.regex_full_match(_s(tf, INVALID), r"(?s).*")]),
        Case("regex_replace_static", lambda tf: [
            tf.strings.regex_replace(words(tf), r"[aeiou]", "_"),
            tf.strings.regex_replace(words(tf), r"[aeiou]", "_", replace_global=False),
            tf.strings.regex_replace(words(tf), r"(\d)(\d*)", r"<\2|\1>"),
            tf.strings.regex_replace(words(tf), r"(o)|(l)", r"[\1\2]"),
            tf.strings.regex_replace(words(tf), r"\w+", r"\0\0"),
            tf.strings.regex_replace(words(tf), r"^", ">"),
            tf.strings.regex_replace(words(tf), r"$", "<"),
            tf.strings.regex_replace(words(tf), r"\b", "|"),
            tf.strings.regex_replace(words(tf), r"x*", "-"),
            tf.strings.regex_replace(words(tf), r"a*?", "-"),
            tf.strings.regex_replace(words(tf), r"\p{Han}", "\u00b7"),
            tf.regex_replace(words(tf), r"o", r"\\")]),
        Case("regex_replace_rewrite_errors", lambda tf: [
            tf.strings.regex_replace(words(tf), r"(o)", r"\2"),
            tf.strings.regex_replace(words(tf), r"(o)", r"\2", replace_global=False),
            tf.strings.regex_replace(words(tf), r"(l)", r"a\qb"),
            tf.strings.regex_replace(words(tf), r"(l)", r"a\qb", replace_global=False),
            tf.strings.regex_replace(words(tf), r"l", "x\\")]),
        Case("regex_replace_tensor", lambda tf: [
            tf.strings.regex_replace(words(tf), tf.constant("l+"), "L"),
            tf.strings.regex_replace(words(tf), "o", tf.constant("0"), replace_global=False),
            tf.strings.regex_replace(_unknown(tf, _s(tf, [["a.b"], ["c"]])), _unknown(tf, tf.constant(r"\.")),
                                     _unknown(tf, tf.constant("!")))]),
        Case("regex_replace_invalid_utf8", lambda tf: [
            tf.strings.regex_replace(_s(tf, INVALID), r"", "|"),
            tf.strings.regex_replace(_s(tf, INVALID), r".", "_")]),
    ]


BAD_PATTERNS = [("backreference", r"(a)\1"), ("lookahead", r"a(?=b)"), ("negative_lookahead", r"a(?!b)"),
                ("lookbehind", r"(?<=a)b"), ("atomic_group", r"(?>a+)b"), ("possessive", r"a++"),
                ("unbalanced", r"(ab"), ("bad_repeat", r"**"), ("bad_class", r"[z-a]"),
                ("bad_escape", r"\8"), ("bad_repeat_count", r"a{2,1}"), ("named_backreference", r"(?P<x>a)(?P=x)")]


def _regex_errors():
    out = []
    for name, p in BAD_PATTERNS:
        out.append(Err("full_match_" + name, lambda tf, p=p: [tf.strings.regex_full_match(_s(tf, ["a"]), p)]))
    out += [
        Err("full_match_tensor_backreference", lambda tf: [tf.strings.regex_full_match(_s(tf, ["a"]),
                                                                                       tf.constant(r"(a)\1"))]),
        Err("replace_static_lookahead", lambda tf: [tf.strings.regex_replace(_s(tf, ["a"]), r"a(?=b)", "x")]),
        Err("replace_tensor_backreference", lambda tf: [tf.strings.regex_replace(_s(tf, ["a"]), tf.constant(r"(a)\1"),
                                                                                 "x")]),
        Err("replace_pattern_not_scalar", lambda tf: [tf.strings.regex_replace(
            _s(tf, ["a"]), _unknown(tf, _s(tf, ["a", "b"])), "x")]),
        Err("replace_rewrite_not_scalar", lambda tf: [tf.strings.regex_replace(
            _s(tf, ["a"]), "a", _unknown(tf, _s(tf, ["a", "b"])))]),
    ]
    return out


def _join_cases():
    m = lambda tf: _s(tf, [["a", "b", "c"], ["d", "\u00e9", ""]])  # noqa: E731
    return [
        Case("string_join", lambda tf: [tf.string_join([m(tf), "-", m(tf)]),
                                        tf.strings.join([tf.constant("x"), tf.constant("y")], separator="/"),
                                        tf.strings.join([_s(tf, ["a", "b"]), _s(tf, ["c", "d"])], separator=", ")]),
        Case("reduce_join_all", lambda tf: [tf.reduce_join(m(tf)), tf.strings.reduce_join(m(tf), separator="|")]),
        Case("reduce_join_axes", lambda tf: [tf.reduce_join(m(tf), 0), tf.reduce_join(m(tf), 1, separator=","),
                                             tf.reduce_join(m(tf), -1, keep_dims=True),
                                             tf.strings.reduce_join(m(tf), axis=[0, 1], keepdims=True),
                                             tf.strings.reduce_join(m(tf), axis=[1, 0], separator="."),
                                             tf.reduce_join(m(tf), axis=[])]),
        Case("reduce_join_3d", lambda tf: [tf.reduce_join(tf.reshape(_s(tf, list("abcdefghijkl")), [2, 3, 2]), 1,
                                                          separator=" "),
                                           tf.reduce_join(tf.reshape(_s(tf, list("abcdefghijkl")), [2, 3, 2]),
                                                          [0, 2], separator=" ")]),
        Case("reduce_join_empty_dim", lambda tf: [tf.reduce_join(tf.zeros([2, 0], tf.string), 1),
                                                  tf.reduce_join(tf.zeros([2, 0], tf.string), 0)]),
        Case("reduce_join_unknown_axis", lambda tf: [tf.reduce_join(m(tf), _unknown(tf, tf.constant(1)),
                                                                    separator="+")]),
        Case("unsorted_segment_join", lambda tf: [tf.strings.unsorted_segment_join(
            _s(tf, ["this", "a", "test", "is"]), [0, 1, 1, 0], 3, separator=" "),
            tf.strings.unsorted_segment_join(_s(tf, [["Y", "q"], ["Y", "6"], ["p", "G"]]), [1, 0, 1], 2,
                                             separator=":")]),
    ]


def _format_cases():
    return [
        Case("as_string", lambda tf: [tf.as_string(tf.constant([1, -22, 333])),
                                      tf.as_string(tf.constant([1, -22], tf.int64), width=5, fill="0"),
                                      tf.as_string(tf.constant([3.14159, -2.5e-7, 1e20])),
                                      tf.as_string(tf.constant([3.14159, -2.5e-7]), precision=2),
                                      tf.as_string(tf.constant([3.14159, -2.5e-7], tf.float64), scientific=True),
                                      tf.as_string(tf.constant([3.14159, 1e20, 0.0001]), shortest=True),
                                      tf.as_string(tf.constant([7, 8]), width=4),
                                      tf.as_string(tf.constant([7, -8]), width=4, fill="-"),
                                      tf.as_string(tf.constant([True, False])),
                                      tf.as_string(tf.constant([float("nan"), float("inf")]))]),
        Case("string_format", lambda tf: [
            tf.strings.format("tensor: {}, suffix", tf.range(5)),
            tf.strings.format("a: {}, b: {}", (tf.range(2), tf.range(1, 4, 2))),
            tf.strings.format("{}", tf.constant([1.5, 0.1, 1e20, float("nan"), -float("inf"), 1.0 / 3])),
            tf.strings.format("{}", tf.constant([1.0 / 3, 1e-300], tf.float64)),
            tf.strings.format("{}", tf.constant([True, False])),
            tf.strings.format("{}", tf.constant([["a\n\"\u00e9", "\x01\\"], ["'", "\x7f"]])),
            tf.strings.format("{}", tf.reshape(tf.range(40), [2, 4, 5])),
            tf.strings.format("{}", tf.reshape(tf.range(40), [8, 5]), summarize=2),
            tf.strings.format("{}", tf.range(10), summarize=-1),
            tf.strings.format("{}", tf.range(10), summarize=0),
            tf.strings.format("[[x]] and [[x]]", [tf.constant(7), tf.constant("s")], placeholder="[[x]]"),
            tf.strings.format("no placeholders", []),
            tf.strings.format("{}", tf.zeros([0, 3])),
            tf.strings.format("{}", tf.constant([1, 2], tf.uint8)),
            tf.strings.format("{}", tf.constant([0.5, 2.0], tf.float16))]),
        Case("base64", lambda tf: [tf.io.encode_base64(_s(tf, CORPUS)),
                                   tf.encode_base64(_s(tf, CORPUS), pad=True),
                                   tf.io.decode_base64(tf.io.encode_base64(_s(tf, CORPUS))),
                                   tf.decode_base64(_s(tf, ["aGVsbG8", "aGVsbG8=", "", "-_8", "a-_b", "YQ=="]))]),
    ]


FORMAT_ERRORS = [
    Err("format_placeholder_count", lambda tf: [tf.strings.format("{} {}", [tf.constant(1)])]),
    Err("decode_base64_bad_char", lambda tf: [tf.io.decode_base64(_s(tf, ["aGVs", "a!"]))]),
    Err("decode_base64_bad_length", lambda tf: [tf.io.decode_base64(_s(tf, ["aGVsb"]))]),
    Err("as_string_bad_fill", lambda tf: [tf.as_string(tf.constant([1]), width=3, fill="x")]),
    Err("reduce_join_axis_out_of_range", lambda tf: [tf.reduce_join(_s(tf, [["a"]]), _unknown(tf, tf.constant(2)))]),
    Err("reduce_join_duplicate_axis", lambda tf: [tf.reduce_join(_s(tf, [["a"]]), _unknown(tf, tf.constant([1, -1])))]),
    Err("string_join_shapes", lambda tf: [tf.strings.join([_unknown(tf, _s(tf, ["a", "b"])),
                                                           _unknown(tf, _s(tf, ["a", "b", "c"]))])]),
    Err("lower_encoding", lambda tf: [tf.strings.lower(_s(tf, ["A"]), encoding="latin1")]),
    Err("string_split_matrix", lambda tf: [tf.string_split(_unknown(tf, _s(tf, [["a b"]])))]),
    Err("string_split_delimiter_vector", lambda tf: [tf.string_split(_s(tf, ["a b"]), _unknown(tf, _s(tf, [" "])))]),
    Err("string_split_result_type", lambda tf: [tf.string_split(_s(tf, ["a"]), result_type="Dense")]),
    Err("strings_split_result_type", lambda tf: [tf.strings.split(_s(tf, ["a"]), result_type="Dense")]),
    Err("substr_pos_out_of_range", lambda tf: [tf.substr(_s(tf, ["hello", "hi"]), 3, 1)]),
    Err("substr_negative_pos_out_of_range", lambda tf: [tf.substr(_s(tf, ["hello"]), -6, 1)]),
    Err("substr_utf8_pos_out_of_range", lambda tf: [tf.strings.substr(_s(tf, ["h\u00e9", "hello"]), 3, 1,
                                                                      unit="UTF8_CHAR")]),
    Err("substr_utf8_negative_pos_out_of_range", lambda tf: [tf.strings.substr(_s(tf, ["h\u00e9"]), -3, 1,
                                                                               unit="UTF8_CHAR")]),
    Err("substr_2d_pos_out_of_range", lambda tf: [tf.substr(_s(tf, [["abcd"], ["ef"]]), [0, 3], [1, 1])]),
    Err("substr_pos_len_shapes", lambda tf: [tf.substr(_s(tf, ["abc"]), _unknown(tf, tf.constant([1])),
                                                       _unknown(tf, tf.constant([1, 2])))]),
    Err("substr_unit", lambda tf: [tf.strings.substr(_s(tf, ["abc"]), 0, 1, unit="CHAR")]),
    Err("length_unit", lambda tf: [tf.strings.length(_s(tf, ["abc"]), unit="CHAR")]),
]


UNICODE_TEXT = "G\u00f6\u00f6dnight \U0001f60a \u65e5"


def _unicode_cases():
    return [
        Case("unicode_decode_scalar", lambda tf: [
            tf.strings.unicode_decode(tf.constant(UNICODE_TEXT), "UTF-8"),
            tf.strings.unicode_decode(tf.constant(b"a\xffb\x01\xed\xa0\x80c\xc3"), "UTF-8"),
            tf.strings.unicode_decode(tf.constant(b"a\xffb\x01\xed\xa0\x80c\xc3"), "UTF-8", errors="ignore"),
            tf.strings.unicode_decode(tf.constant(b"a\xffb\x01"), "UTF-8", replacement_char=63,
                                      replace_control_characters=True),
            tf.strings.unicode_decode(tf.constant(UNICODE_TEXT.encode("utf-16-be")), "UTF-16-BE"),
            tf.strings.unicode_decode(tf.constant(UNICODE_TEXT.encode("utf-32-be")), "UTF-32-BE"),
            tf.strings.unicode_decode(tf.constant(""), "UTF-8")], same_ops=False),
        Case("unicode_decode_with_offsets_scalar", lambda tf: list(
            tf.strings.unicode_decode_with_offsets(tf.constant(UNICODE_TEXT), "UTF-8")) + list(
            tf.strings.unicode_decode_with_offsets(tf.constant(b"a\xffb\x01\xf0\x9f\x98c"), "UTF-8",
                                                   errors="ignore")) + list(
            tf.strings.unicode_decode_with_offsets(tf.constant(b"a\xffb\x01"), "UTF-8",
                                                   replace_control_characters=True)), same_ops=False),
        Case("unicode_split_scalar", lambda tf: [
            tf.strings.unicode_split(tf.constant(UNICODE_TEXT), "UTF-8"),
            tf.strings.unicode_split(tf.constant(b"a\xffb"), "UTF-8")] + list(
            tf.strings.unicode_split_with_offsets(tf.constant("h\u00e9\U0001f60a"), "UTF-8")), same_ops=False),
        Case("unicode_encode", lambda tf: [
            tf.strings.unicode_encode(tf.constant([71, 246, 246, 100, 128522]), "UTF-8"),
            tf.strings.unicode_encode(tf.constant([[104, 105], [233, 0x65e5]]), "UTF-16-BE"),
            tf.strings.unicode_encode(tf.constant([[[104, 105]], [[0x1f60a, 33]]]), "UTF-32-BE"),
            tf.strings.unicode_encode(tf.constant([65, 0xD800, 0x110000, -5]), "UTF-8"),
            tf.strings.unicode_encode(tf.constant([65, 0xDFFF, 0x110000, -5]), "UTF-8", errors="ignore"),
            tf.strings.unicode_encode(tf.constant([65, 0xD800, 0x110000, -5]), "UTF-16-BE", replacement_char=63),
            tf.strings.unicode_encode(tf.constant([65, 0xD800, 0x110000, -5]), "UTF-32-BE"),
            tf.strings.unicode_encode(tf.zeros([2, 0], tf.int32), "UTF-8")], same_ops=False),
        Case("unicode_transcode", lambda tf: [
            tf.strings.unicode_transcode(_s(tf, CORPUS), "UTF-8", "UTF-16-BE"),
            tf.strings.unicode_transcode(_s(tf, CORPUS), "UTF-8", "UTF-8", errors="ignore"),
            tf.strings.unicode_transcode(_s(tf, CORPUS), "UTF-8", "UTF-32-BE", replacement_char=63,
                                         replace_control_characters=True),
            tf.strings.unicode_transcode(tf.constant(UNICODE_TEXT.encode("utf-16-be")), "UTF-16-BE", "UTF-8"),
            tf.strings.unicode_transcode(tf.constant([b"\x00a\xd8\x00\x00b", b"\x00a\xdc\x00", b"\x00"]),
                                         "UTF-16-BE", "UTF-8")]),
        Case("unicode_script", lambda tf: [tf.strings.unicode_script(tf.constant(
            [65, 0x3b1, -1, 0x110000, 0x378, 0x4e00, 0x300, 0x30a2, 0x0627, 0x1f60a, 0x10ffff, 0x0, 0x2000, 0xD800,
             0xe000, 0x0e01, 0x10400, 0x1d400]))]),
        Case("ngrams", lambda tf: [
            tf.strings.ngrams(_s(tf, ["A", "B", "C", "D"]), 2),
            tf.strings.ngrams(_s(tf, ["A", "B", "C", "D"]), (1, 3), separator="_"),
            tf.strings.ngrams(_s(tf, [["a", "b", "c"], ["d", "e", "f"]]), 2, pad_values="#"),
            tf.strings.ngrams(_s(tf, ["TF", "and", "keras"]), 5, pad_values=("<", ">"), padding_width=1,
                              preserve_short_sequences=True),
            tf.strings.ngrams(_s(tf, ["TF", "and"]), 3)], same_ops=False),
    ]


UNICODE_ERRORS = [
    Err("unicode_decode_strict", lambda tf: [tf.strings.unicode_decode(tf.constant(b"a\xffb"), "UTF-8",
                                                                       errors="strict")]),
    Err("unicode_decode_encoding", lambda tf: [tf.strings.unicode_decode(tf.constant("a"), "UTF-9")]),
    Err("unicode_decode_replacement_char", lambda tf: [tf.strings.unicode_decode(tf.constant("a"), "UTF-8",
                                                                                 replacement_char=0x110000)]),
    Err("unicode_decode_errors_policy", lambda tf: [tf.strings.unicode_decode(tf.constant("a"), "UTF-8",
                                                                              errors="loud")]),
    Err("unicode_encode_strict", lambda tf: [tf.strings.unicode_encode(tf.constant([65, -1]), "UTF-8",
                                                                       errors="strict")]),
    Err("unicode_encode_encoding", lambda tf: [tf.strings.unicode_encode(tf.constant([65]), "latin1")]),
    Err("unicode_transcode_strict", lambda tf: [tf.strings.unicode_transcode(_s(tf, ["a", b"\xff"]), "UTF-8",
                                                                             "UTF-16-BE", errors="strict")]),
    Err("unicode_encode_scalar", lambda tf: [tf.strings.unicode_encode(tf.constant(65), "UTF-8")]),
]


CASES = _split_cases() + _substr_cases() + _case_cases() + _number_cases() + _regex_cases() + _join_cases() + \
    _format_cases() + _unicode_cases()
ERRORS = NUMBER_ERRORS + _regex_errors() + FORMAT_ERRORS + UNICODE_ERRORS


# --- 100,000 strings for the hash buckets ---------------------------------------------------------------

HASH_SEED = 20240611
HASH_COUNT = 100_000
HASH_BUCKETS = {"fast_1000": ("fast", 1000, None), "fast_2pow20": ("fast", 2 ** 20, None),
                "strong_1000": ("strong", 1000, [1, 2]), "strong_2pow20": ("strong", 2 ** 20, [1, 2]),
                "legacy_1000": ("legacy", 1000, None)}
_PIECES = [c.encode("utf-8") for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-./:#"] + \
    [c.encode("utf-8") for c in "\u00e9\u00df\u00f6\u00c5\u0430\u0436\u03bb\u05d0\u0628\u4e2d\u6587\u65e5\u3042"
                                 "\u30ab\ud55c\u0301\u200b\U0001f389\U0001f600\U00010348"]


def hash_corpus(n=HASH_COUNT, seed=HASH_SEED):
    """``n`` strings from ``seed``: lengths 0 to 300 pieces (farmhash branches at 16, 32 and 64 bytes), ASCII
    and multi-byte UTF-8 pieces, and one string in eight of random bytes (invalid UTF-8 included)."""
    rng = np.random.default_rng(seed)
    lengths = np.where(rng.random(n) < 0.9, rng.integers(0, 40, n), rng.integers(40, 300, n))
    raw = rng.random(n) < 0.125
    picks = rng.integers(0, len(_PIECES), int(lengths.sum()))
    noise = rng.integers(0, 256, int(lengths.sum()), dtype=np.uint8).tobytes()
    out, k = [], 0
    for i in range(n):
        m = int(lengths[i])
        out.append(noise[k:k + m] if raw[i] else b"".join(_PIECES[j] for j in picks[k:k + m].tolist()))
        k += m
    return out


# --- recording (TensorFlow) --------------------------------------------------------------------------------

def shape_string(s):
    return "?" if s.rank is None else ",".join("?" if d is None else str(d) for d in s.as_list())


def flat_fetches(fetches):
    """The fetches with each SparseTensor as its indices, values and dense_shape."""
    out = []
    for f in fetches:
        if hasattr(f, "indices") and hasattr(f, "dense_shape"):
            out.extend([f.indices, f.values, f.dense_shape])
        else:
            out.append(f)
    return out


def pack(data, key, value):
    """Stores ``value`` under ``key``: numbers as they are; strings as their bytes joined (``key:bytes``),
    lengths (``key:lens``) and shape (``key:shape_of``), so trailing NULs survive."""
    value = np.asarray(value)
    if value.dtype == object or value.dtype.kind == "S":
        flat = [bytes(v) for v in value.reshape(-1).tolist()]
        data[key + ":bytes"] = np.frombuffer(b"".join(flat), np.uint8)
        data[key + ":lens"] = np.array([len(v) for v in flat], np.int64)
        data[key + ":shape_of"] = np.array(value.shape, np.int64)
    else:
        data[key] = value


def unpack(data, key):
    """The value :func:`pack` stored under ``key`` (an object array of bytes for strings)."""
    if key + ":bytes" in data:
        blob, lens = data[key + ":bytes"].tobytes(), data[key + ":lens"]
        ends = np.cumsum(lens)
        out = np.empty(len(lens), dtype=object)
        for i, (e, n) in enumerate(zip(ends.tolist(), lens.tolist())):
            out[i] = blob[e - n:e]
        return out.reshape(tuple(data[key + ":shape_of"]))
    return data[key] if key in data else None


def error_message(e):
    """What an error says was wrong: an OpError's text without its node trace."""
    msg = getattr(e, "message", None) or str(e)
    if "\nNode: '" in msg:
        msg = msg.split("\nNode: '", 1)[1].split("\n", 1)[1]
    return msg.split("\n\t [[")[0].strip()


def record(tf):
    data = {}
    for c in CASES:
        g = tf.Graph()
        with g.as_default():
            fetches = c.build(tf)
            flat = flat_fetches(fetches)
            with tf.Session() as sess:
                values = sess.run(flat)
        for k, (f, v) in enumerate(zip(flat, values)):
            pack(data, "%s:%d" % (c.name, k), v)
            data["%s:%d:static" % (c.name, k)] = np.array(shape_string(f.shape))
        data[c.name + ":ops"] = np.array(sorted(op.type for op in g.get_operations()))
    for e in ERRORS:
        g = tf.Graph()
        try:
            with g.as_default():
                fetches = flat_fetches(e.build(tf))
                with tf.Session() as sess:
                    sess.run(fetches)
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data[e.name + ":error"] = np.array([type(ex).__name__, error_message(ex)])
        else:
            sys.exit("%s: TensorFlow raised no error" % e.name)
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    path = os.path.join(out_dir, "strings.npz")
    np.savez_compressed(path, **data)
    print("wrote %s (%d cases, %d errors)" % (path, len(CASES), len(ERRORS)))

    strings = np.array(hash_corpus(), dtype=object)
    buckets = {}
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.string, [None])
        for name, (kind, n, key) in HASH_BUCKETS.items():
            if kind == "fast":
                t = tf.strings.to_hash_bucket_fast(x, n)
            elif kind == "strong":
                t = tf.strings.to_hash_bucket_strong(x, n, key)
            else:
                t = tf.strings.to_hash_bucket(x, n)
            b = sess.run(t, {x: strings})
            buckets[name] = b.astype(np.uint16 if n <= 2 ** 16 else np.uint32)
    path = os.path.join(out_dir, "hash_buckets.npz")
    np.savez_compressed(path, **buckets)
    print("wrote %s (%d strings)" % (path, len(strings)))


def main():
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    record(tf)


if __name__ == "__main__":
    main()
