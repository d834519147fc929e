"""TensorFlow Serving's REST JSON formats <-> numpy arrays and tf.Examples (``util/json_tensor.cc``).

Predict requests come in the row format ``{"instances": [...]}`` (one list element per batch row; with
several inputs each element is an object keyed by input name) or the columnar format
``{"inputs": value-or-object}``; an optional ``"signature_name"`` picks the signature. Binary strings are
written ``{"b64": "..."}``. Responses use ``"predictions"`` (row) or ``"outputs"`` (columnar); a string
output whose name ends in ``_bytes`` is written base64-encoded as ``{"b64": ...}``; floats are written
as TensorFlow Serving writes them (shortest of ``%g`` that reads back exactly, else full precision, a
trailing ``.0`` on whole numbers, ``NaN`` / ``Infinity``). Classify and regress requests carry
``"examples"`` (and optionally ``"context"``), each a JSON object of features; they answer
``{"results": ...}``. Every malformed request is INVALID_ARGUMENT with TensorFlow Serving's wording.

    inputs, fmt = predict_inputs_from_json(doc, signature.inputs)
    body = outputs_to_json(outputs, fmt)
"""
import base64
import binascii
import json
import math

import numpy as np

from tagraph.protos import example_pb2
from tagraph.serving.status import ServingError
from tagraph.serving.tensors import dtype_name

ROW, COLUMNAR = "row", "columnar"

_DT_FLOAT, _DT_DOUBLE, _DT_INT32, _DT_UINT8, _DT_INT16, _DT_INT8, _DT_STRING, _DT_INT64, _DT_BOOL = \
    1, 2, 3, 4, 5, 6, 7, 9, 10
_DT_UINT32, _DT_UINT64, _DT_UINT16, _DT_HALF = 22, 23, 17, 19

_NUMPY = {_DT_FLOAT: np.float32, _DT_DOUBLE: np.float64, _DT_INT32: np.int32, _DT_UINT8: np.uint8,
          _DT_INT16: np.int16, _DT_INT8: np.int8, _DT_INT64: np.int64, _DT_BOOL: np.bool_,
          _DT_UINT32: np.uint32, _DT_UINT64: np.uint64}
# rapidjson's IsInt / IsInt64 / IsUint / IsUint64 ranges, per dtype.
_INT_RANGE = {_DT_INT32: (-2**31, 2**31 - 1), _DT_INT16: (-2**31, 2**31 - 1), _DT_INT8: (-2**31, 2**31 - 1),
              _DT_UINT8: (-2**31, 2**31 - 1), _DT_INT64: (-2**63, 2**63 - 1), _DT_UINT32: (0, 2**32 - 1),
              _DT_UINT64: (0, 2**64 - 1)}

_MAX_DEBUG = 256


def _debug(val):
    text = json.dumps(val, separators=(",", ":"), allow_nan=True)
    return text if len(text) <= _MAX_DEBUG else text[:_MAX_DEBUG]


def _json_type(val):
    if val is None:
        return "Null"
    if val is True:
        return "True"
    if val is False:
        return "False"
    if isinstance(val, dict):
        return "Object"
    if isinstance(val, list):
        return "Array"
    if isinstance(val, str):
        return "String"
    return "Number"


def parse_json(body):
    """The request body as a JSON object (TensorFlow Serving reads NaN and Infinity too)."""
    if not body:
        raise ServingError.invalid_argument("JSON Parse error: The document is empty")
    try:
        doc = json.loads(body)
    except UnicodeDecodeError as e:
        raise ServingError.invalid_argument("JSON Parse error: Invalid encoding in string. at offset: %d"
                                            % e.start) from None
    except json.JSONDecodeError as e:
        raise ServingError.invalid_argument("JSON Parse error: %s at offset: %d" % (e.msg, e.pos)) from None
    except RecursionError:
        raise ServingError.invalid_argument("JSON Parse error: document nested too deeply") from None
    if not isinstance(doc, dict):
        raise ServingError.invalid_argument("JSON Value: %s Is not object" % _debug(doc))
    return doc


def signature_name_of(doc):
    name = doc.get("signature_name")
    if name is None:
        return ""
    if not isinstance(name, str):
        raise ServingError.invalid_argument(
            "JSON Value: %s not formatted correctly. 'signature_name' key must be a string value." % _debug(doc))
    return name


# --- JSON values -> numpy -------------------------------------------------------------------------

def _is_b64(val):
    return isinstance(val, dict) and len(val) == 1 and isinstance(val.get("b64"), str)


def _b64decode(val):
    if not _is_b64(val):
        raise ServingError.invalid_argument("JSON Value: %s not formatted correctly for base64 data" % _debug(val))
    try:
        return base64.b64decode(val["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise ServingError.invalid_argument("Unable to base64 decode") from None


def _dense_shape(val):
    shape = []
    while isinstance(val, list):
        shape.append(len(val))
        if not val:
            break
        val = val[0]
    return shape


def _type_error(val, dtype):
    return ServingError.invalid_argument("JSON Value: %s Type: %s is not of expected type: %s"
                                         % (_debug(val), _json_type(val), dtype_name(dtype)))


def _leaf(val, dtype):
    if dtype == _DT_STRING:
        if isinstance(val, dict):
            return _b64decode(val)
        if not isinstance(val, str):
            raise _type_error(val, dtype)
        return val.encode("utf-8")
    if isinstance(val, dict):
        raise _type_error(val, dtype)
    if dtype in (_DT_FLOAT, _DT_DOUBLE, _DT_HALF):
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            raise _type_error(val, dtype)
        return val
    if dtype == _DT_BOOL:
        if not isinstance(val, bool):
            raise _type_error(val, dtype)
        return val
    if dtype in _INT_RANGE:
        lo, hi = _INT_RANGE[dtype]
        if isinstance(val, bool) or not isinstance(val, int) or not lo <= val <= hi:
            raise _type_error(val, dtype)
        return val
    raise ServingError.unimplemented("Conversion of JSON Value: %s to type: %s" % (_debug(val), dtype_name(dtype)))


def _fill(val, level, shape, dtype, out):
    rank = len(shape)
    if not isinstance(val, list):
        if level != rank:
            raise ServingError.invalid_argument(
                "JSON Value: %s found at incorrect level: %d in the JSON DOM. Expected at level: %d"
                % (_debug(val), level + 1, rank))
        out.append(_leaf(val, dtype))
        return
    if level >= rank:
        raise ServingError.invalid_argument("Encountered list at unexpected level: %d expected < %d"
                                            % (level, rank))
    if len(val) != shape[level]:
        raise ServingError.invalid_argument("Encountered list at unexpected size: %d at level: %d expected size: %d"
                                            % (len(val), level, shape[level]))
    for v in val:
        _fill(v, level + 1, shape, dtype, out)


def _numpy_type(dtype):
    if dtype == _DT_HALF:
        return np.float16
    if dtype == _DT_STRING:
        return object
    t = _NUMPY.get(dtype)
    if t is None:
        raise ServingError.unimplemented("Conversion of JSON values to type: %s" % dtype_name(dtype))
    return t


def _fast_numeric(val, dtype, shape):
    """np.asarray for well-formed numeric input, or None to take the checking path (for its messages)."""
    if dtype in (_DT_STRING,) or not isinstance(val, list):
        return None
    if _has_bool(val) != (dtype == _DT_BOOL):
        return None              # numpy would read true as 1 (or 1 as true); JSON Serving's types would not
    try:
        arr = np.asarray(val)
    except (ValueError, TypeError, OverflowError):
        return None
    if list(arr.shape) != shape:
        return None
    kind = arr.dtype.kind
    if dtype in (_DT_FLOAT, _DT_DOUBLE, _DT_HALF):
        ok = kind in "if"
    elif dtype == _DT_BOOL:
        ok = kind == "b"
    else:
        lo, hi = _INT_RANGE[dtype]
        ok = kind == "i" and (arr.size == 0 or (arr.min() >= lo and arr.max() <= hi))
    return arr.astype(_numpy_type(dtype), copy=False) if ok else None


def _has_bool(values):
    """Whether nested lists hold a JSON true/false anywhere (type checks at C speed, list by list)."""
    types = set(map(type, values))
    if bool in types:
        return True
    return list in types and any(_has_bool(v) for v in values if type(v) is list)


def value_to_array(val, dtype):
    """One JSON value (scalar or nested lists) as a numpy array of TensorFlow dtype enum ``dtype``."""
    shape = _dense_shape(val)
    np_type = _numpy_type(dtype)
    arr = _fast_numeric(val, dtype, shape)
    if arr is not None:
        return arr
    flat = []
    _fill(val, 0, shape, dtype, flat)
    if dtype == _DT_STRING:
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(shape)
    return np.array(flat, dtype=np_type).reshape(shape)


def _instances(instances, infos):
    names = sorted(infos)
    first = instances[0]
    if not isinstance(first, dict) and len(infos) > 1:
        raise ServingError.invalid_argument(
            "instances is a plain list, but expecting list of objects as multiple input tensors required as "
            "per tensorinfo_map")

    def is_object(v):
        return isinstance(v, dict) and not _is_b64(v)

    objects = is_object(first)
    columns = {n: [] for n in names}
    shapes = {}
    for i, elem in enumerate(instances):
        if objects:
            if not is_object(elem):
                raise ServingError.invalid_argument("Expecting object but got list at item %d of input list" % i)
            for key in elem:
                if key not in infos:
                    raise ServingError.invalid_argument(
                        "Failed to process element: %d key: %s of 'instances' list. Error: INVALID_ARGUMENT: JSON "
                        "object: does not have named input: %s" % (i, key, key))
            if set(elem) != set(names):
                raise ServingError.invalid_argument(
                    "Failed to process element: %d of 'instances' list. JSON object: %s keys must be equal to: %s"
                    % (i, _debug(elem), ",".join(names)))
            items = elem.items()
        else:
            if is_object(elem):
                raise ServingError.invalid_argument(
                    "Expecting value/list but got object at item %d of input list" % i)
            items = ((names[0], elem),)
        for name, value in items:
            shape = _dense_shape(value)
            if name not in shapes:
                shapes[name] = shape
            elif shapes[name] != shape:
                size, expected = int(np.prod(shape)), int(np.prod(shapes[name]))
                detail = ("Expecting tensor size: %d but got: %d" % (expected, size) if size != expected else
                          "Expecting shape [%s] but got: [%s]" % (",".join(map(str, shapes[name])),
                                                                 ",".join(map(str, shape))))
                where = ("%d key: %s" % (i, name)) if objects else ("%d" % i)
                raise ServingError.invalid_argument("Failed to process element: %s of 'instances' list. Error: "
                                                    "INVALID_ARGUMENT: %s" % (where, detail))
            columns[name].append(value)
    inputs = {}
    for name in names:
        dtype = infos[name].dtype
        column = columns[name]
        arr = _fast_numeric(column, dtype, [len(column)] + shapes[name])
        if arr is None:
            rows = []
            for i, value in enumerate(column):
                try:
                    rows.append(value_to_array(value, dtype))
                except ServingError as e:
                    where = ("%d key: %s" % (i, name)) if objects else ("%d" % i)
                    raise ServingError.invalid_argument(
                        "Failed to process element: %s of 'instances' list. Error: %s: %s"
                        % (where, e.code_name, e.message)) from None
            arr = np.stack(rows) if rows else np.empty([0], dtype=_numpy_type(dtype))
        inputs[name] = arr
    return inputs


def _columnar(val, infos):
    if not isinstance(val, dict) or _is_b64(val):
        if len(infos) > 1:
            raise ServingError.invalid_argument(
                "inputs is a plain value/list, but expecting an object as multiple input tensors required as per "
                "tensorinfo_map")
        name = next(iter(infos))
        return {name: value_to_array(val, infos[name].dtype)}
    inputs = {}
    for name in sorted(infos):
        if name not in val:
            raise ServingError.invalid_argument("Missing named input: %s in 'inputs' object." % name)
        inputs[name] = value_to_array(val[name], infos[name].dtype)
    return inputs


def predict_inputs_from_json(doc, infos, signature_label=""):
    """(inputs {name: array}, format) of a predict request; ``infos``: the signature's TensorInfo map."""
    if not infos:
        raise ServingError.invalid_argument("Failed to get input map for signature: %s"
                                            % (signature_label or "DEFAULT"))
    has_instances, has_inputs = "instances" in doc, "inputs" in doc
    if has_instances and has_inputs:
        raise ServingError.invalid_argument(
            "JSON Value: %s Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "
            % _debug(doc))
    if has_instances:
        instances = doc["instances"]
        if not isinstance(instances, list):
            raise ServingError.invalid_argument("JSON Value: %s Expecting 'instances' to be an list/array"
                                                % _debug(doc))
        if not instances:
            raise ServingError.invalid_argument("JSON Value: %s No values in 'instances' array" % _debug(doc))
        return _instances(instances, infos), ROW
    if has_inputs:
        return _columnar(doc["inputs"], infos), COLUMNAR
    raise ServingError.invalid_argument("Missing 'inputs' or 'instances' key")


# --- tf.Examples ----------------------------------------------------------------------------------

def _feature_kind_error(name, feature):
    kind = {"bytes_list": "bytes", "float_list": "float", "int64_list": "int64"}.get(feature.WhichOneof("kind"),
                                                                                     "UNKNOWN")
    return ServingError.invalid_argument("Unexpected element type in feature: %s expecting type: %s"
                                         % (name, kind))


def _add_feature_value(val, name, feature):
    kind = feature.WhichOneof("kind")

    def want(k):
        if kind not in (None, k):
            raise _feature_kind_error(name, feature)
    if val is None or isinstance(val, list) or (isinstance(val, dict) and not _is_b64(val)):
        raise ServingError.invalid_argument("Feature: %s has element with unexpected JSON type: %s"
                                            % (name, _json_type(val)))
    if isinstance(val, bool):
        want("int64_list")
        feature.int64_list.value.append(1 if val else 0)
    elif isinstance(val, dict):
        want("bytes_list")
        feature.bytes_list.value.append(_b64decode(val))
    elif isinstance(val, str):
        want("bytes_list")
        feature.bytes_list.value.append(val.encode("utf-8"))
    elif isinstance(val, float):
        want("float_list")
        feature.float_list.value.append(val)
    else:
        want("int64_list")
        if val > 2**63 - 1:
            raise ServingError.invalid_argument("Feature: %s has uint64_t element. Only int64_t is supported." % name)
        if val < -2**63:
            raise ServingError.invalid_argument("Feature: %s has element with unexpected JSON type: Number" % name)
        feature.int64_list.value.append(val)


def example_from_json(obj):
    """A tf.Example from a JSON object of features (ints -> int64, decimals -> float, strings -> bytes)."""
    if not isinstance(obj, dict):
        raise ServingError.invalid_argument("Example must be JSON object but got JSON %s" % _json_type(obj))
    example = example_pb2.Example()
    for name, content in obj.items():
        feature = example.features.feature[name]
        for v in (content if isinstance(content, list) else [content]):
            _add_feature_value(v, name, feature)
    return example


def examples_from_json(doc, method):
    """The serialized Examples of a classify / regress request (a context is merged into each)."""
    context = None
    if "context" in doc:
        context = example_from_json(doc["context"]).SerializeToString()
    if "examples" not in doc:
        raise ServingError.invalid_argument("JSON Value: %s When method is %s, key 'examples' is expected and was "
                                            "not found" % (_debug(doc), method))
    examples = doc["examples"]
    if not isinstance(examples, list):
        raise ServingError.invalid_argument("JSON Value: %s Expecting 'examples' value to be an list/array"
                                            % _debug(doc))
    if not examples:
        raise ServingError.invalid_argument("JSON Value: %s 'examples' value is an empty array" % _debug(doc))
    serialized = [example_from_json(e).SerializeToString() for e in examples]
    if context is not None:
        serialized = [context + s for s in serialized]
    out = np.empty(len(serialized), dtype=object)
    out[:] = serialized
    return out


# --- numpy -> JSON --------------------------------------------------------------------------------

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


def _writer(arr, as_b64):
    kind = arr.dtype.kind
    if kind == "f":
        double = arr.dtype == np.float64
        return lambda v: format_decimal(v, double)
    if kind == "b":
        return lambda v: "true" if v else "false"
    if kind in "iu":
        return str
    if kind in ("O", "S", "U"):
        if as_b64:
            return lambda v: '{"b64": "%s"}' % base64.b64encode(_as_bytes(v)).decode("ascii")
        return lambda v: json.dumps(_as_bytes(v).decode("utf-8", "replace"), ensure_ascii=False)
    raise ServingError.invalid_argument("Failed to write JSON value for tensor type: %s" % arr.dtype)


def _as_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    return bytes(v)


def _nested(values, shape, write):
    """JSON text of a flat list of Python values laid out as nested lists of ``shape``."""
    if not shape:
        return write(values[0])
    if len(shape) == 1:
        return "[" + ", ".join(write(v) for v in values) + "]"
    step = len(values) // shape[0] if shape[0] else 0
    return "[" + ", ".join(_nested(values[i * step:(i + 1) * step], shape[1:], write)
                           for i in range(shape[0])) + "]"


def _array_json(arr, name):
    arr = np.asarray(arr)
    write = _writer(arr, arr.dtype.kind in ("O", "S", "U") and name.endswith("_bytes"))
    values = arr.reshape(-1).tolist() if arr.dtype.kind != "O" else list(arr.reshape(-1))
    return _nested(values, list(arr.shape), write)


def outputs_to_json(outputs, fmt):
    """``{"predictions": ...}`` (row format) or ``{"outputs": ...}`` (columnar) for a predict response."""
    if not outputs:
        raise ServingError.invalid_argument("Cannot convert empty tensor map to JSON")
    names = sorted(outputs)
    if fmt == COLUMNAR:
        if len(names) == 1:
            return '{"outputs": %s}' % _array_json(outputs[names[0]], names[0])
        return '{"outputs": {%s}}' % ", ".join("%s: %s" % (json.dumps(n), _array_json(outputs[n], n))
                                              for n in names)
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
        arr = outputs[names[0]]
        rows = [_array_json(arr[i, ...], names[0]) for i in range(batch)]
    else:
        rows = ["{%s}" % ", ".join("%s: %s" % (json.dumps(n), _array_json(outputs[n][i, ...], n)) for n in names)
                for i in range(batch)]
    return '{"predictions": [%s]}' % ", ".join(rows)


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
