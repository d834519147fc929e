"""REST bodies: TensorFlow Serving's (rapidjson's) syntax errors, and the piecewise decoding of large bodies,
which must answer exactly as the whole-body path does."""
import math

import numpy as np
import pytest

from tagraph.serving import json_body, json_codec, json_output, json_scan
from tagraph.serving.status import ServingError


class _Info:
    def __init__(self, dtype):
        self.dtype = dtype


def _validate(text):
    code, offset, flags, _ = json_scan.validate(np.frombuffer(text, np.uint8))
    return json_scan.ERROR_MESSAGES.get(code, "OK"), offset, flags


@pytest.mark.parametrize("text, message, offset", [
    (b'{"a": 1e400}', "Number too big to be stored in double.", 6),
    (b'{"a": -' + b"9" * 401 + b"}", "Number too big to be stored in double.", 6),
    (b"0e309", "Number too big to be stored in double.", 0),          # rapidjson refuses the exponent itself
    (b'["\\ud800"]', "The surrogate pair in string is invalid.", 2),
    (b'["\\udc00x"]', "The surrogate pair in string is invalid.", 2),
    (b'["\\ud800\\u0041"]', "The surrogate pair in string is invalid.", 2),
    (b'["\\u12G4"]', "Incorrect hex digit after \\u escape in string.", 2),
    (b'["\\q"]', "Invalid escape character in string.", 2),
    (b'["a\x01"]', "Invalid encoding in string.", 3),
    (b'["\xed\xa0\x80"]', "Invalid encoding in string.", 2),                    # a surrogate in UTF-8
    (b'["abc', "Missing a closing quotation mark in string.", 5),
    (b"{not json", "Missing a name for object member.", 1),
    (b'{"a" 1}', "Missing a colon after a name of object member.", 5),
    (b'{"a": 1 "b": 2}', "Missing a comma or '}' after an object member.", 8),
    (b"[1 2]", "Missing a comma or ']' after an array element.", 3),
    (b"[1,]", "Invalid value.", 3),
    (b'{"a": 1,}', "Missing a name for object member.", 8),
    (b"[1.]", "Miss fraction part in number.", 3),
    (b"[1e+]", "Miss exponent in number.", 4),
    (b"[tru]", "Invalid value.", 4),
    (b"[Infinit]", "Invalid value.", 8),
    (b"  ", "The document is empty.", 2),
    (b"[" * 600, "The document is nested more than 512 levels deep.", 512),
])
def test_syntax_errors_are_rapidjsons(text, message, offset):
    assert _validate(text)[:2] == (message, offset)


def test_what_rapidjson_accepts_and_orjson_does_not():
    assert _validate(b"[NaN, -NaN, Inf, -Infinity]") == ("OK", 0, json_scan.HAS_SPECIALS)
    assert _validate(b'{"a": 1} trailing') == ("OK", 0, json_scan.HAS_TRAILING)
    doc = json_body.parse(b'{"x": [NaN, -Inf, Infinity, 18446744073709551616]} tail')
    assert math.isnan(doc["x"][0]) and doc["x"][1:3] == [-math.inf, math.inf] and doc["x"][3] == 2.0 ** 64
    with pytest.raises(ServingError, match=r"^JSON Parse error: The document is empty$"):
        json_body.parse(b"")


_F, _I64 = {"x": _Info(1)}, {"x": _Info(9)}
_CASES = [
    (b'{"instances": [[1.0, 2.0], [3, 4]]}', _F),
    (b'{"instances": [[1.0, 2.0], [3]]}', _F),
    (b'{"instances": [[1.0, "a"], [3, 4]]}', _F),
    (b'{"instances": [[1.0, 2.0], [3, true]]}', _F),
    (b'{"instances": [[[1.0], [2.0]], [[3], [4, 5]]]}', _F),
    (b'{"inputs": [[1.0, 2.0], [3, [4]]]}', _F),
    (b'{"inputs": {"x": [[1, 2]]}}', _F),
    (b'{"instances": [{"x": [1.0], "y": [2]}, {"x": [3.0], "y": [4.5]}]}', {"x": _Info(1), "y": _Info(9)}),
    (b'{"instances": [{"x": [1.0], "y": [2]}, {"x": [3.0], "z": 1}]}', {"x": _Info(1), "y": _Info(9)}),
    (b'{"instances": [[3000000000]]}', {"x": _Info(3)}),
    (b'{"instances": ["a", {"b64": "AAE="}]}', {"x": _Info(7)}),
    (b'{"instances": [true, false]}', {"x": _Info(10)}),
    (b'{"instances": [' + b"[0.5]," * 5000 + b"[0.25]]}", _F),
    (b'{"instances": [' + b"[0.5]," * 5000 + b"[0.25, 1]]}", _F),
    (b'{"instances": [' + b"[0.5]," * 5000 + b'["x"]]}', _F),
    # The first row claims 3,001 values per row: more than the body holds, so nothing that size is allocated.
    (b'{"instances": [[' + b"0.5," * 3000 + b"0.5]" + b",[]" * 100 + b"]}", _F),
    (b'{"inputs": [' + b"[1,2]," * 3000 + b"[1,2,3]]}", _F),
    (b'{"inputs": [[' + b"1," * 3000 + b"2]]}", _I64),
    (b'{"instances": 5}', _F),
]


def _decode(body, infos):
    try:
        doc = json_codec.parse_json(body)
        inputs, fmt = json_codec.predict_inputs_from_json(doc, infos, body_size=len(body),
                                                          maybe_bool=json_codec.maybe_has_bools(body))
        return "ok", fmt, {k: (v.dtype.str, v.shape, v.tolist()) for k, v in inputs.items()}
    except ServingError as e:
        return "error", e.message


@pytest.mark.parametrize("body, infos", _CASES)
def test_large_bodies_decode_piecewise_exactly_as_small_ones(monkeypatch, body, infos):
    whole = _decode(body, infos)
    monkeypatch.setattr(json_body, "SMALL_BODY", 0)       # every body goes through the scans ...
    monkeypatch.setattr(json_body, "BATCH_BYTES", 64)     # ... in batches of a few rows
    assert _decode(body, infos) == whole


def test_large_outputs_are_written_in_pieces_with_tensorflow_servings_floats():
    arr = np.float32(np.random.default_rng(0).random((10000, 2)) * 1e4)
    arr[0] = [np.nan, np.inf]
    arr[1] = [5000002, 0.2]
    parts = json_output.outputs_to_json_parts({"y": arr}, json_output.ROW)
    assert len(parts) > 3
    text = b"".join(parts).decode()
    assert text.startswith('{"predictions": [[NaN, Infinity], [5000002.0, 0.2], [')
    expected = ", ".join("[%s]" % ", ".join(json_output.format_decimal(float(v)) for v in row) for row in arr)
    assert text == '{"predictions": [%s]}' % expected
