"""TensorFlow Serving's REST JSON requests -> numpy arrays and tf.Examples (``util/json_tensor.cc``).

Predict requests come in the row format ``{"instances": [...]}`` (one list element per batch row; with
several inputs each element is an object keyed by input name) or the columnar format
``{"inputs": value-or-object}``; an optional ``"signature_name"`` picks the signature. Binary strings are
written ``{"b64": "..."}``. Classify and regress requests carry ``"examples"`` (and optionally
``"context"``), each a JSON object of features. Every malformed request is INVALID_ARGUMENT with
TensorFlow Serving's wording; rows are checked in its order (row by row, each row's values before its
shape), so the first error it would report is the one reported.

A document may be Python values or, for a large body, lazy nodes (:mod:`tagraph.serving.json_body`):
rows and elements are then converted a batch at a time into a tensor allocated once, after its element
count is checked against the body's size (a dense tensor cannot hold more values than its text has
bytes, so a request whose first row claims more is refused before anything that size is allocated).

    doc = parse_json(body)
    inputs, fmt = predict_inputs_from_json(doc, signature.inputs, body_size=len(body))
"""
import base64
import binascii
import json
import math

import numpy as np

from tagraph.protos import example_pb2
from tagraph.serving import json_body, json_scan
from tagraph.serving.json_body import LazyArray, LazyObject, elements, first_element, is_array
from tagraph.serving.json_output import COLUMNAR, ROW
from tagraph.serving.status import ServingError
from tagraph.serving.tensors import dtype_name

__all__ = ["parse_json", "signature_name_of", "value_to_array", "predict_inputs_from_json", "example_from_json",
           "examples_from_json", "maybe_has_bools"]

_DT_FLOAT, _DT_DOUBLE, _DT_INT32, _DT_UINT8, _DT_INT16, _DT_INT8, _DT_STRING, _DT_INT64, _DT_BOOL = \
    1, 2, 3, 4, 5, 6, 7, 9, 10
_DT_UINT32, _DT_UINT64, _DT_UINT16, _DT_HALF = 22, 23, 17, 19

_NUMPY = {_DT_FLOAT: np.float32, _DT_DOUBLE: np.float64, _DT_INT32: np.int32, _DT_UINT8: np.uint8,
          _DT_INT16: np.int16, _DT_INT8: np.int8, _DT_INT64: np.int64, _DT_BOOL: np.bool_,
          _DT_UINT32: np.uint32, _DT_UINT64: np.uint64, _DT_HALF: np.float16, _DT_STRING: object}
# rapidjson's IsInt / IsInt64 / IsUint / IsUint64 ranges, per dtype.
_INT_RANGE = {_DT_INT32: (-2**31, 2**31 - 1), _DT_INT16: (-2**31, 2**31 - 1), _DT_INT8: (-2**31, 2**31 - 1),
              _DT_UINT8: (-2**31, 2**31 - 1), _DT_INT64: (-2**63, 2**63 - 1), _DT_UINT32: (0, 2**32 - 1),
              _DT_UINT64: (0, 2**64 - 1)}

_MAX_DEBUG = 256
_TOO_DEEP = "JSON Value: nested too deeply"


def _debug(val):
    if isinstance(val, (LazyArray, LazyObject)):
        return val.compact(_MAX_DEBUG)
    text = json.dumps(val, separators=(",", ":"), allow_nan=True, default=lambda v: v.compact(_MAX_DEBUG))
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
    if is_array(val):
        return "Array"
    if isinstance(val, str):
        return "String"
    return "Number"


def parse_json(body):
    """The request body as a JSON object (TensorFlow Serving reads NaN and Infinity too)."""
    doc = json_body.parse(body)
    if not isinstance(doc, dict):
        raise ServingError.invalid_argument("JSON Value: %s Is not object" % _debug(doc))
    return doc


def maybe_has_bools(body):
    """False when the body cannot hold a JSON true / false (so no value needs checking for one)."""
    if len(body) <= json_body.SMALL_BODY:
        return b"true" in body or b"false" in body
    json_scan.warm_up()
    return bool(json_scan.has_bool_literal(np.frombuffer(body, np.uint8)))   # without holding the GIL


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


def _is_object(val):
    return isinstance(val, dict) and not _is_b64(val)


def _b64decode(val):
    if not _is_b64(val):
        raise ServingError.invalid_argument("JSON Value: %s not formatted correctly for base64 data" % _debug(val))
    try:
        return base64.b64decode(val["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise ServingError.invalid_argument("Unable to base64 decode") from None


def _dense_shape(val):
    """TensorFlow Serving's GetDenseTensorShape: the sizes along the chain of first elements."""
    shape = []
    while is_array(val):
        n = len(val)
        shape.append(n)
        if not n:
            break
        val = first_element(val)
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
    """TensorFlow Serving's FillTensorProto: checks ``val`` against ``shape`` depth first, appending its
    leaves to ``out`` (a list; None only checks)."""
    rank = len(shape)
    if not is_array(val):
        if level != rank:
            raise ServingError.invalid_argument(
                "JSON Value: %s found at incorrect level: %d in the JSON DOM. Expected at level: %d"
                % (_debug(val), level + 1, rank))
        leaf = _leaf(val, dtype)
        if out is not None:
            out.append(leaf)
        return
    if level >= rank:
        raise ServingError.invalid_argument("Encountered list at unexpected level: %d expected < %d"
                                            % (level, rank))
    if len(val) != shape[level]:
        raise ServingError.invalid_argument("Encountered list at unexpected size: %d at level: %d expected size: %d"
                                            % (len(val), level, shape[level]))
    for _, batch in elements(val):
        for v in batch:
            _fill(v, level + 1, shape, dtype, out)


def _numpy_type(dtype):
    t = _NUMPY.get(dtype)
    if t is None:
        raise ServingError.unimplemented("Conversion of JSON values to type: %s" % dtype_name(dtype))
    return t


def _fast_numeric(val, dtype, shape, maybe_bool=True):
    """np.asarray for well-formed numeric input, or None to take the checking path (for its messages)."""
    if dtype == _DT_STRING or not isinstance(val, list):
        return None
    if (_has_bool(val) if maybe_bool else False) != (dtype == _DT_BOOL):
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
    elif dtype in _INT_RANGE:
        lo, hi = _INT_RANGE[dtype]
        ok = kind == "i" and (arr.size == 0 or (arr.min() >= lo and arr.max() <= hi))
    else:
        return None
    return arr.astype(_numpy_type(dtype), copy=False) if ok else None


def _has_bool(values):
    """Whether nested lists hold a JSON true/false anywhere (type checks at C speed, list by list)."""
    types = set(map(type, values))
    if bool in types:
        return True
    return list in types and any(_has_bool(v) for v in values if type(v) is list)


def _from_leaves(flat, dtype, shape):
    if dtype == _DT_STRING:
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(shape)
    return np.array(flat, dtype=_numpy_type(dtype)).reshape(shape)


class _Limits:
    """What a request's size allows: at most ``max_elements`` values; ``maybe_bool``: whether its text has
    a true / false at all (if not, no value needs the per-list check for one)."""

    __slots__ = ("max_elements", "maybe_bool")

    def __init__(self, max_elements=None, maybe_bool=True):
        self.max_elements = max_elements
        self.maybe_bool = maybe_bool

    def allows(self, count):
        return self.max_elements is None or count <= self.max_elements


def _to_array(val, dtype, limits):
    shape = _dense_shape(val)
    np_type = _numpy_type(dtype)
    if not limits.allows(math.prod(shape)):
        _fill(val, 0, shape, dtype, None)          # the first row's shape cannot be the tensor's: find the error
        raise ServingError.invalid_argument("JSON Value: %s has more values than its text" % _debug(val))
    if isinstance(val, LazyArray):
        out = np.empty(shape, dtype=np_type)
        _fill_lazy(val, 0, shape, dtype, out, limits)
        return out
    arr = _fast_numeric(val, dtype, shape, limits.maybe_bool)
    if arr is not None:
        return arr
    flat = []
    _fill(val, 0, shape, dtype, flat)
    return _from_leaves(flat, dtype, shape)


def _fill_lazy(val, level, shape, dtype, out, limits):
    """_fill for a LazyArray at ``level`` of ``shape``, converting a batch of elements at a time into ``out``
    (the array of shape[level:])."""
    rank = len(shape)
    if level >= rank:
        raise ServingError.invalid_argument("Encountered list at unexpected level: %d expected < %d"
                                            % (level, rank))
    if len(val) != shape[level]:
        raise ServingError.invalid_argument("Encountered list at unexpected size: %d at level: %d expected size: %d"
                                            % (len(val), level, shape[level]))
    inner = shape[level + 1:]
    for i0, batch in val.batches():
        if LazyArray not in set(map(type, batch)):
            arr = _fast_numeric(batch, dtype, [len(batch)] + inner, limits.maybe_bool)
            if arr is not None:
                out[i0:i0 + len(batch)] = arr
                continue
        for j, v in enumerate(batch):
            if isinstance(v, LazyArray):
                _fill_lazy(v, level + 1, shape, dtype, out[i0 + j], limits)
            else:
                flat = []
                _fill(v, level + 1, shape, dtype, flat)
                out[i0 + j] = _from_leaves(flat, dtype, inner) if inner else flat[0]


def value_to_array(val, dtype):
    """One JSON value (scalar or nested lists) as a numpy array of TensorFlow dtype enum ``dtype``."""
    try:
        return _to_array(val, dtype, _Limits())
    except RecursionError:
        raise ServingError.invalid_argument(_TOO_DEEP) from None


class _Rows:
    """The tensors of the row format, filled row by row in TensorFlow Serving's order."""

    def __init__(self, n, infos, limits):
        self.n = n
        self.infos = infos
        self.limits = limits
        self.shapes = {}
        self.outs = {}

    def start(self, name, shape):
        self.shapes[name] = shape
        count = self.n * math.prod(shape)
        # None: the first row claims more values than the body has; some later row must fail its check.
        self.outs[name] = (np.empty([self.n] + shape, dtype=_numpy_type(self.infos[name].dtype))
                           if self.limits.allows(count) else None)

    def add(self, i, name, value, where):
        """TensorFlow Serving's AddInstanceItem for row ``i``."""
        dtype = self.infos[name].dtype
        try:
            shape = _dense_shape(value)
            if name in self.shapes and shape == self.shapes[name] and isinstance(value, LazyArray) \
                    and self.outs[name] is not None:
                _fill_lazy(value, 0, shape, dtype, self.outs[name][i], self.limits)
                return
            arr = _to_array(value, dtype, self.limits)
        except ServingError as e:
            raise ServingError.invalid_argument("Failed to process element: %s of 'instances' list. Error: %s: %s"
                                                % (where, e.code_name, e.message)) from None
        if name not in self.shapes:
            self.start(name, shape)
        elif shape != self.shapes[name]:
            size, expected = math.prod(shape), math.prod(self.shapes[name])
            detail = ("Expecting tensor size: %d but got: %d" % (expected, size) if size != expected else
                      "Expecting shape [%s] but got: [%s]" % (",".join(map(str, self.shapes[name])),
                                                             ",".join(map(str, shape))))
            raise ServingError.invalid_argument("Failed to process element: %s of 'instances' list. Error: "
                                                "INVALID_ARGUMENT: %s" % (where, detail))
        out = self.outs[name]
        if out is not None:
            out[i] = arr[()] if arr.ndim == 0 else arr     # a 0-d object array would be stored as an object

    def add_batch(self, i0, columns):
        """The fast path: a batch whose every column converts at once; False to check it row by row."""
        arrays = {}
        for name, column in columns.items():
            if name not in self.shapes:
                if isinstance(column[0], LazyArray):
                    return False
                self.start(name, _dense_shape(column[0]))
            arr = _fast_numeric(column, self.infos[name].dtype, [len(column)] + self.shapes[name],
                                self.limits.maybe_bool)
            if arr is None:
                return False
            arrays[name] = arr
        for name, arr in arrays.items():
            if len(arr) == self.n:
                self.outs[name] = arr               # the whole column at once: no copy
            elif self.outs[name] is not None:
                self.outs[name][i0:i0 + len(arr)] = arr
        return True


_LAZY_OR_OBJECT = frozenset([dict, LazyArray, LazyObject])


def _instances(instances, infos, limits):
    names = sorted(infos)
    name_set = set(names)
    first = first_element(instances)
    if not isinstance(first, dict) and len(infos) > 1:
        raise ServingError.invalid_argument(
            "instances is a plain list, but expecting list of objects as multiple input tensors required as "
            "per tensorinfo_map")
    objects = _is_object(first)
    rows = _Rows(len(instances), infos, limits)
    for i0, batch in elements(instances):
        if objects:
            if all(type(e) is dict and e.keys() == name_set for e in batch) and \
                    rows.add_batch(i0, {n: [e[n] for e in batch] for n in names}):
                continue
        elif not _LAZY_OR_OBJECT & set(map(type, batch)) and rows.add_batch(i0, {names[0]: batch}):
            continue
        for i, elem in enumerate(batch, i0):
            if objects:
                if not _is_object(elem):
                    raise ServingError.invalid_argument("Expecting object but got list at item %d of input list"
                                                        % i)
                for key, value in elem.items():
                    if key not in infos:
                        raise ServingError.invalid_argument(
                            "Failed to process element: %d key: %s of 'instances' list. Error: INVALID_ARGUMENT: "
                            "JSON object: does not have named input: %s" % (i, key, key))
                    rows.add(i, key, value, "%d key: %s" % (i, key))
                if elem.keys() != name_set:
                    raise ServingError.invalid_argument(
                        "Failed to process element: %d of 'instances' list. JSON object: %s keys must be equal "
                        "to: %s" % (i, _debug(elem), ",".join(names)))
            else:
                if _is_object(elem):
                    raise ServingError.invalid_argument(
                        "Expecting value/list but got object at item %d of input list" % i)
                rows.add(i, names[0], elem, "%d" % i)
    if any(out is None for out in rows.outs.values()):
        raise ServingError.invalid_argument("Failed to process 'instances' list: its rows claim more values than "
                                            "the request holds")
    return {name: rows.outs[name] for name in names}


def _columnar(val, infos, limits):
    if not isinstance(val, dict) or _is_b64(val):
        if len(infos) > 1:
            raise ServingError.invalid_argument(
                "inputs is a plain value/list, but expecting an object as multiple input tensors required as per "
                "tensorinfo_map")
        name = next(iter(infos))
        return {name: _to_array(val, infos[name].dtype, limits)}
    inputs = {}
    for name in sorted(infos):
        if name not in val:
            raise ServingError.invalid_argument("Missing named input: %s in 'inputs' object." % name)
        inputs[name] = _to_array(val[name], infos[name].dtype, limits)
    return inputs


def predict_inputs_from_json(doc, infos, signature_label="", body_size=None, maybe_bool=True):
    """(inputs {name: array}, format) of a predict request; ``infos``: the signature's TensorInfo map.

    ``body_size``: the body's length, which bounds the element count of every tensor; ``maybe_bool``: see
    :func:`maybe_has_bools`."""
    if not infos:
        raise ServingError.invalid_argument("Failed to get input map for signature: %s"
                                            % (signature_label or "DEFAULT"))
    limits = _Limits(body_size, maybe_bool)
    has_instances, has_inputs = "instances" in doc, "inputs" in doc
    if has_instances and has_inputs:
        raise ServingError.invalid_argument(
            "JSON Value: %s Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "
            % _debug(doc))
    try:
        if has_instances:
            instances = doc["instances"]
            if not is_array(instances):
                raise ServingError.invalid_argument("JSON Value: %s Expecting 'instances' to be an list/array"
                                                    % _debug(doc))
            if not len(instances):
                raise ServingError.invalid_argument("JSON Value: %s No values in 'instances' array" % _debug(doc))
            return _instances(instances, infos, limits), ROW
        if has_inputs:
            return _columnar(doc["inputs"], infos, limits), COLUMNAR
    except RecursionError:
        raise ServingError.invalid_argument(_TOO_DEEP) from None
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
    if val is None or is_array(val) or (isinstance(val, dict) and not _is_b64(val)):
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
        for _, batch in (elements(content) if is_array(content) else [(0, [content])]):
            for v in batch:
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
    if not is_array(examples):
        raise ServingError.invalid_argument("JSON Value: %s Expecting 'examples' value to be an list/array"
                                            % _debug(doc))
    if not len(examples):
        raise ServingError.invalid_argument("JSON Value: %s 'examples' value is an empty array" % _debug(doc))
    serialized = []
    for _, batch in elements(examples):
        serialized.extend((context or b"") + example_from_json(e).SerializeToString() for e in batch)
    out = np.empty(len(serialized), dtype=object)
    out[:] = serialized
    return out
