"""The DataType enum <-> numpy dtype table used by the checkpoint reader and writer.

This is deliberately local to the serialization layer (it may not import the engine). Element
bytes in a checkpoint are little-endian, so every numpy dtype here is spelled little-endian.

``bfloat16`` (and the float8 types) map to ``ml_dtypes`` types when ``ml_dtypes`` is importable (it is
imported when such a tensor is first met: loading it takes most of a second);
without it a bfloat16 tensor reads back as a ``uint16`` array holding the raw bit patterns
(``bits.astype(np.uint32) << 16`` viewed as float32 gives the values), and writing one needs an
explicit ``dtype="bfloat16"`` on a ``uint16`` array. The quantized types read back as their
storage integers (``qint8`` as int8, ``quint8`` as uint8, ...).

Example::

    >>> from tagraph.serialization.bundle_dtypes import numpy_dtype, datatype_of
    >>> from tagraph.protos import types_pb2
    >>> numpy_dtype(types_pb2.DT_FLOAT), datatype_of(numpy_dtype(types_pb2.DT_HALF)) == types_pb2.DT_HALF
    (dtype('float32'), True)
"""

import importlib.util

import numpy as np

from tagraph.protos import types_pb2

DT_STRING = types_pb2.DT_STRING
DT_BFLOAT16 = types_pb2.DT_BFLOAT16
HAVE_ML_DTYPES = importlib.util.find_spec("ml_dtypes") is not None

# DataType name -> numpy storage dtype (little-endian). Only "memcpy-able" types and DT_STRING.
_STORAGE = {
    "DT_FLOAT": "<f4",
    "DT_DOUBLE": "<f8",
    "DT_INT32": "<i4",
    "DT_UINT8": "|u1",
    "DT_INT16": "<i2",
    "DT_INT8": "|i1",
    "DT_COMPLEX64": "<c8",
    "DT_INT64": "<i8",
    "DT_BOOL": "|b1",
    "DT_QINT8": "|i1",
    "DT_QUINT8": "|u1",
    "DT_QINT32": "<i4",
    "DT_BFLOAT16": "<u2",
    "DT_QINT16": "<i2",
    "DT_QUINT16": "<u2",
    "DT_UINT16": "<u2",
    "DT_COMPLEX128": "<c16",
    "DT_HALF": "<f2",
    "DT_UINT32": "<u4",
    "DT_UINT64": "<u8",
}

_NUMPY_FOR_DATATYPE = {}
for _name, _spec in _STORAGE.items():
    _NUMPY_FOR_DATATYPE[types_pb2.DataType.Value(_name)] = np.dtype(_spec)

# Types only ml_dtypes can represent; without it they read as their raw bits.
_ML_TYPES = {"DT_BFLOAT16": "bfloat16", "DT_FLOAT8_E5M2": "float8_e5m2", "DT_FLOAT8_E4M3FN": "float8_e4m3fn"}
_ML_DATATYPES = {types_pb2.DataType.Value(n): attr for n, attr in _ML_TYPES.items() if n in types_pb2.DataType.keys()}
if not HAVE_ML_DTYPES and "DT_FLOAT8_E5M2" in types_pb2.DataType.keys():
    _NUMPY_FOR_DATATYPE[types_pb2.DT_FLOAT8_E5M2] = np.dtype("|u1")
    _NUMPY_FOR_DATATYPE[types_pb2.DT_FLOAT8_E4M3FN] = np.dtype("|u1")


def _load_ml_dtypes():
    """Adds ml_dtypes' types to both tables, the first time one is asked for."""
    ml_dtypes = importlib.import_module("ml_dtypes")
    for datatype, attr in list(_ML_DATATYPES.items()):
        if hasattr(ml_dtypes, attr):
            _NUMPY_FOR_DATATYPE[datatype] = np.dtype(getattr(ml_dtypes, attr))
            _DATATYPE_FOR_NUMPY[np.dtype(getattr(ml_dtypes, attr))] = datatype
    _ML_DATATYPES.clear()


# The DataType a numpy array of a given kind is written as (one per numpy type).
_DATATYPE_FOR_NUMPY = {
    np.dtype(np.float16): types_pb2.DT_HALF,
    np.dtype(np.float32): types_pb2.DT_FLOAT,
    np.dtype(np.float64): types_pb2.DT_DOUBLE,
    np.dtype(np.int8): types_pb2.DT_INT8,
    np.dtype(np.int16): types_pb2.DT_INT16,
    np.dtype(np.int32): types_pb2.DT_INT32,
    np.dtype(np.int64): types_pb2.DT_INT64,
    np.dtype(np.uint8): types_pb2.DT_UINT8,
    np.dtype(np.uint16): types_pb2.DT_UINT16,
    np.dtype(np.uint32): types_pb2.DT_UINT32,
    np.dtype(np.uint64): types_pb2.DT_UINT64,
    np.dtype(np.bool_): types_pb2.DT_BOOL,
    np.dtype(np.complex64): types_pb2.DT_COMPLEX64,
    np.dtype(np.complex128): types_pb2.DT_COMPLEX128,
}

def datatype_name(datatype):
    """``DT_FLOAT`` for 1; ``DataType(<n>)`` for a value the enum does not name."""
    try:
        return types_pb2.DataType.Name(int(datatype))
    except ValueError:
        return "DataType(%d)" % int(datatype)


def is_valid_datatype(datatype):
    """Whether ``datatype`` is a value TensorFlow's DataType enum names."""
    try:
        types_pb2.DataType.Name(int(datatype))
    except ValueError:
        return False
    return True


def numpy_dtype(datatype):
    """The numpy dtype a tensor of ``datatype`` is read into (``object`` for DT_STRING).

    Returns None for types a checkpoint cannot hold as plain bytes (DT_VARIANT, DT_RESOURCE, ...).
    """
    datatype = int(datatype)
    if datatype == DT_STRING:
        return np.dtype(object)
    if datatype in _ML_DATATYPES and HAVE_ML_DTYPES:
        _load_ml_dtypes()
    return _NUMPY_FOR_DATATYPE.get(datatype)


def datatype_of(np_dtype):
    """The DataType a numpy array of ``np_dtype`` is written as, or None if it has none.

    Strings (``object``, ``bytes_`` and ``str_`` arrays) are DT_STRING; byte order is ignored.
    """
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in ("O", "S", "U"):
        return DT_STRING
    if np_dtype.byteorder not in ("=", "|"):
        np_dtype = np_dtype.newbyteorder("=")
    if np_dtype.kind == "V" and _ML_DATATYPES and HAVE_ML_DTYPES:
        _load_ml_dtypes()      # an array of an ml_dtypes type: ml_dtypes is loaded already
    return _DATATYPE_FOR_NUMPY.get(np_dtype)


def parse_datatype(spec):
    """A DataType enum value from an int, ``"DT_BFLOAT16"`` or ``"bfloat16"``; None if unknown."""
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return int(spec) if is_valid_datatype(spec) else None
    if isinstance(spec, str):
        name = spec.upper()
        aliases = {"FLOAT16": "HALF", "FLOAT32": "FLOAT", "FLOAT64": "DOUBLE"}
        name = name[3:] if name.startswith("DT_") else name
        name = "DT_" + aliases.get(name, name)
        if name in types_pb2.DataType.keys() and not name.endswith("_REF"):
            return types_pb2.DataType.Value(name)
    return None
