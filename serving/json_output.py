"""numpy arrays and results -> TensorFlow Serving's REST JSON (``util/json_tensor.cc``).

Predict responses use ``"predictions"`` (row format) or ``"outputs"`` (columnar); a string output whose
name ends in ``_bytes`` is written base64-encoded as ``{"b64": ...}``; floats are written as TensorFlow
Serving's WriteDecimal writes them (``%g`` when it reads back to the same value, else full precision, a
trailing ``.0`` on whole numbers, ``NaN`` / ``Infinity``). Classify and regress answer ``{"results": ...}``;
errors are ``{"error": message}``.

    body = outputs_to_json({"y": np.float32([[2.5], [3.0]])}, ROW)    # '{"predictions": [[2.5], [3.0]]}'
"""
import base64
import json
import math
import time

import numpy as np

from tagraph.serving.status import ServingError

__all__ = ["ROW", "COLUMNAR", "format_decimal", "outputs_to_json", "outputs_to_json_parts", "classification_to_json",
           "regression_to_json", "error_json"]

ROW, COLUMNAR = "row", "columnar"


def format_decimal(value, double=False):
    """A float as TensorFlow Serving's WriteDecimal writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    text = "%g" % value
    back = float(text)
    if (back != value) if double else (np.float32(back) != np.float32(value)):
        text = "%.17g" % value if double else "%.9g" % value
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def _format_floats(arr):
    """format_decimal of every value of a float array, a list of texts (vectorized where it counts)."""
    flat = arr.reshape(-1)
    texts = list(map("%g".__mod__, flat.tolist()))
    back = np.fromiter(map(float, texts), np.float64, len(texts))
    if flat.dtype == np.float64:
        exact = back == flat
        precise = "%.17g"
    else:                        # float32 and float16 are checked in float32, as WriteDecimal's float does
        exact = back.astype(np.float32) == flat.astype(np.float32)
        precise = "%.9g"
    finite = np.isfinite(flat)
    for i in np.flatnonzero(~(exact & finite)).tolist():
        v = float(flat[i])
        texts[i] = format_decimal(v, flat.dtype == np.float64) if not finite[i] else precise % v
    for i in np.flatnonzero(finite & (np.trunc(flat) == flat)).tolist():
        t = texts[i]
        if "." not in t and "e" not in t:
            texts[i] = t + ".0"
    return texts


def _as_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    return bytes(v)


def _texts(arr, as_b64):
    kind = arr.dtype.kind
    if kind == "f":
        return _format_floats(arr)
    flat = arr.reshape(-1)
    if kind == "b":
        return ["true" if v else "false" for v in flat.tolist()]
    if kind in "iu":
        return list(map(str, flat.tolist()))
    if kind in ("O", "S", "U"):
        if as_b64:
            return ['{"b64": "%s"}' % base64.b64encode(_as_bytes(v)).decode("ascii") for v in flat]
        return [json.dumps(_as_bytes(v).decode("utf-8", "replace"), ensure_ascii=False) for v in flat]
    raise ServingError.invalid_argument("Failed to write JSON value for tensor type: %s" % arr.dtype)


def _nest(texts, shape):
    """JSON text of flat value texts laid out as nested lists of ``shape``."""
    if not shape:
        return texts[0]
    level = texts
    for k in range(len(shape) - 1, -1, -1):
        d = shape[k]
        groups = math.prod(shape[:k])
        if d == 0:
            level = ["[]"] * groups
        elif d == 1:
            level = list(map("[%s]".__mod__, level))
        else:
            level = ["[" + ", ".join(level[i:i + d]) + "]" for i in range(0, groups * d, d)]
    return level[0]


def _array_json(arr, name):
    arr = np.asarray(arr)
    return _nest(_texts(arr, arr.dtype.kind in ("O", "S", "U") and name.endswith("_bytes")), list(arr.shape))


_CHUNK_VALUES = 4096             # values written per step: a step holds the GIL a millisecond or two


def _rows_json_parts(arr, name):
    """The JSON list of ``arr``'s rows, as UTF-8 chunks: rows are written a chunk at a time, so a large
    output never exists as millions of small strings at once, and no single step holds the GIL long."""
    arr = np.asarray(arr)
    as_b64 = arr.dtype.kind in ("O", "S", "U") and name.endswith("_bytes")
    if arr.ndim == 0 or arr.shape[0] == 0:
        return [_nest(_texts(arr, as_b64), list(arr.shape)).encode("utf-8")]
    per_row = max(1, math.prod(arr.shape[1:]))  # an empty row costs as much as a value
    step = max(1, _CHUNK_VALUES // per_row)
    parts = []
    for i in range(0, arr.shape[0], step):
        if i:
            time.sleep(0)            # hands the GIL to any thread waiting for it (the event loop)
        chunk = arr[i:i + step]
        text = _nest(_texts(chunk, as_b64), list(chunk.shape))
        parts.append(((", " if i else "[") + text[1:-1]).encode("utf-8"))
    parts.append(b"]")
    return parts


def outputs_to_json(outputs, fmt):
    """``{"predictions": ...}`` (row format) or ``{"outputs": ...}`` (columnar) for a predict response."""
    return b"".join(outputs_to_json_parts(outputs, fmt)).decode("utf-8")


def outputs_to_json_parts(outputs, fmt):
    """:func:`outputs_to_json` as a list of UTF-8 chunks (a large single output is written in pieces)."""
    if not outputs:
        raise ServingError.invalid_argument("Cannot convert empty tensor map to JSON")
    names = sorted(outputs)
    if fmt == COLUMNAR:
        if len(names) == 1:
            arr = np.asarray(outputs[names[0]])
            if arr.ndim == 0:
                return [('{"outputs": %s}' % _array_json(arr, names[0])).encode("utf-8")]
            return [b'{"outputs": '] + _rows_json_parts(arr, names[0]) + [b"}"]
        return [('{"outputs": {%s}}' % ", ".join("%s: %s" % (json.dumps(n), _array_json(outputs[n], n))
                                                for n in names)).encode("utf-8")]
    batch = None
    for n in names:
        arr = outputs[n]
        if arr.ndim == 0:
            raise ServingError.invalid_argument("Tensor name: %s has no shape information " % n)
        if batch is not None and arr.shape[0] != batch:
            raise ServingError.invalid_argument("Tensor name: %s has inconsistent batch size: %d expecting: %d"
                                                % (n, arr.shape[0], batch))
        batch = arr.shape[0]
    if len(names) == 1:
        # One output: its rows, as a list, are the array itself.
        return [b'{"predictions": '] + _rows_json_parts(outputs[names[0]], names[0]) + [b"}"]
    rows = ["{%s}" % ", ".join("%s: %s" % (json.dumps(n), _array_json(outputs[n][i, ...], n)) for n in names)
            for i in range(batch)]
    return [('{"predictions": [%s]}' % ", ".join(rows)).encode("utf-8")]


def classification_to_json(result):
    if not result.classifications:
        raise ServingError.invalid_argument("Cannot convert empty ClassificationResults to JSON")
    rows = []
    for classifications in result.classifications:
        rows.append("[%s]" % ", ".join("[%s, %s]" % (json.dumps(c.label, ensure_ascii=False),
                                                     format_decimal(c.score)) for c in classifications.classes))
    return '{"results": [%s]}' % ", ".join(rows)


def regression_to_json(result):
    if not result.regressions:
        raise ServingError.invalid_argument("Cannot convert empty RegressionResults to JSON")
    return '{"results": [%s]}' % ", ".join(format_decimal(r.value) for r in result.regressions)


def error_json(message):
    return json.dumps({"error": message}, ensure_ascii=False)
