"""TensorProto <-> numpy for requests and responses, as TensorFlow Serving encodes them.

Requests are decoded with the engine's ``make_ndarray`` (``tensor_content`` or the typed ``*_val``
fields, a short value list repeated to fill the shape). Responses are written as TensorFlow Serving
writes them by default (``Tensor::AsProtoField``): the typed ``*_val`` fields, not ``tensor_content``;
``--enable_serialization_as_tensor_content`` switches to ``tensor_content`` (``AsProtoTensorContent``).

    >>> proto = ndarray_to_proto(np.float32([[1, 2]]))
    >>> list(proto.float_val), [d.size for d in proto.tensor_shape.dim]
    ([1.0, 2.0], [1, 2])
"""
import numpy as np

from tagraph.engine.framework import dtypes, errors as tf_errors, tensor_util
from tagraph.engine.framework.allocation_limits import allocation_limit
from tagraph.protos import tensor_pb2
from tagraph.serving.status import ServingError

_FIELD_BY_NAME = {
    "float32": "float_val", "float64": "double_val", "int32": "int_val", "int16": "int_val", "int8": "int_val",
    "uint8": "int_val", "uint16": "int_val", "int64": "int64_val", "uint32": "uint32_val",
    "uint64": "uint64_val", "bool": "bool_val", "string": "string_val",
}

_CONTENT_KINDS = frozenset("fiu")


_DTYPE_BY_NUMPY = {}


def dtype_of(arr):
    """The TensorFlow DType of a numpy array (object and bytes arrays are strings)."""
    np_dtype = arr.dtype
    dt = _DTYPE_BY_NUMPY.get(np_dtype)
    if dt is None:
        dt = dtypes.string if np_dtype.kind in ("O", "S", "U") else dtypes.as_dtype(np_dtype)
        _DTYPE_BY_NUMPY[np_dtype] = dt
    return dt


# DataType enum -> (numpy dtype, typed value field) for the values a client most often sends.
_FAST_FIELDS = {1: (np.float32, "float_val"), 2: (np.float64, "double_val"), 3: (np.int32, "int_val"),
                9: (np.int64, "int64_val"), 10: (np.bool_, "bool_val")}
_CONTENT_DTYPES = {1: np.dtype("<f4"), 2: np.dtype("<f8"), 3: np.dtype("<i4"), 9: np.dtype("<i8")}


def dtype_name(enum):
    """TensorFlow's short name of a DataType enum (``float``, ``string``, ``int64``), as in its messages."""
    try:
        name = dtypes.as_dtype(enum).name
    except (TypeError, ValueError, KeyError):
        return "type %d" % enum
    return {"float32": "float", "float64": "double"}.get(name, name)


_EXPANSION_FACTOR = 16
_EXPANSION_ALLOWANCE = 16 << 20


def proto_to_ndarray(proto, alias):
    """Decode one request tensor; a malformed one is INVALID_ARGUMENT naming ``alias``."""
    try:
        fast = _FAST_FIELDS.get(proto.dtype)
        if fast is not None:
            # The common cases of a client's make_tensor_proto, without the generic path's copies.
            shape = [d.size for d in proto.tensor_shape.dim]
            size = 1
            for d in shape:
                size *= d
            if min(shape, default=0) >= 0:
                content = proto.tensor_content
                if content:
                    dt = _CONTENT_DTYPES.get(proto.dtype)
                    if dt is not None and len(content) == dt.itemsize * size:
                        return np.frombuffer(content, dtype=dt).reshape(shape)
                else:
                    values = getattr(proto, fast[1])
                    if len(values) == size:
                        return np.array(values, dtype=fast[0]).reshape(shape)
        # A proto may give fewer values than its shape (the last one repeats); bound what a request can
        # expand to by its own size, so 20 bytes cannot claim a 256 MiB tensor.
        with allocation_limit(_EXPANSION_FACTOR * proto.ByteSize() + _EXPANSION_ALLOWANCE):
            return tensor_util.make_ndarray(proto)
    except tf_errors.ResourceExhaustedError as e:
        raise ServingError.invalid_argument("tensor parsing error: %s (%s)" % (alias, e.message)) from None
    except (tf_errors.OpError, ValueError, TypeError, KeyError) as e:
        detail = e.message if isinstance(e, tf_errors.OpError) else str(e)
        raise ServingError.invalid_argument("tensor parsing error: %s (%s)" % (alias, detail)) from None


def ndarray_to_proto(arr, proto=None, as_content=False):
    """Encode an output array into ``proto`` (a new TensorProto if None), as TensorFlow Serving does."""
    if proto is None:
        proto = tensor_pb2.TensorProto()
    arr = np.asarray(arr)
    dt = dtype_of(arr)
    proto.dtype = dt.as_datatype_enum
    shape = proto.tensor_shape
    for d in arr.shape:
        shape.dim.add(size=int(d))
    if arr.size == 0:
        return proto
    name = dt.name
    if as_content and arr.dtype.kind in _CONTENT_KINDS:
        proto.tensor_content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
        return proto
    flat = arr.reshape(-1)
    field = _FIELD_BY_NAME.get(name)
    if field == "string_val":
        proto.string_val.extend([v if isinstance(v, bytes) else str(v).encode("utf-8") for v in flat])
    elif field is not None:
        getattr(proto, field).extend(flat.tolist())
    elif name in ("float16", "bfloat16"):
        proto.half_val.extend(flat.view(np.uint16).astype(np.int32).tolist())
    elif name in ("complex64", "complex128"):
        pairs = np.empty(2 * flat.size, dtype=np.float64)
        pairs[0::2], pairs[1::2] = flat.real, flat.imag
        (proto.scomplex_val if name == "complex64" else proto.dcomplex_val).extend(pairs.tolist())
    else:
        raise ServingError.internal("Cannot encode an output tensor of dtype %s" % name)
    return proto
