"""TensorFlow's data types, as values that know their numpy dtype and their DataType enum number.

    >>> tg.float32.as_numpy_dtype
    <class 'numpy.float32'>
    >>> tg.as_dtype("int64").as_datatype_enum
    9
"""
import builtins

import importlib

import numpy as np

_FLOATING = frozenset(["float16", "bfloat16", "float32", "float64", "float8_e5m2", "float8_e4m3fn",
                       "float8_e4m3fnuz", "float8_e4m3b11fnuz", "float8_e5m2fnuz"])


class _FromMlDtypes:
    """A numpy type ml_dtypes defines (bfloat16, the float8 types), imported when first used: loading
    ml_dtypes takes most of a second, which a process that never meets these types should not pay."""
    __slots__ = ("attr",)

    def __init__(self, attr):
        self.attr = attr

    def load(self):
        # ml_dtypes gives bfloat16 and the float8 types numpy dtypes, as TensorFlow's own do.
        return getattr(importlib.import_module("ml_dtypes"), self.attr)


class DType:
    __slots__ = ("name", "_enum", "_np_or_lazy")

    def __init__(self, name, enum, np_type):
        self.name = name
        self._enum = enum
        self._np_or_lazy = np_type

    @property
    def _np(self):
        np_type = self._np_or_lazy
        if np_type.__class__ is _FromMlDtypes:
            np_type = self._np_or_lazy = np_type.load()
        return np_type

    @property
    def as_datatype_enum(self):
        return self._enum

    @property
    def as_numpy_dtype(self):
        return self._np

    @property
    def base_dtype(self):
        return self if self._enum < 100 else _BY_ENUM[self._enum - 100]

    @property
    def is_floating(self):
        return self.base_dtype.name in _FLOATING

    @property
    def is_complex(self):
        return self.base_dtype.name in ("complex64", "complex128")

    @property
    def real_dtype(self):
        """The dtype of a complex dtype's parts (float32 for complex64); any other dtype itself."""
        base = self.base_dtype
        return {"complex64": float32, "complex128": float64}.get(base.name, base)

    @property
    def is_integer(self):
        return self.base_dtype.name.startswith(("int", "uint"))

    @property
    def is_bool(self):
        return self.base_dtype.name == "bool"

    @property
    def is_unsigned(self):
        return self.base_dtype.name.startswith("uint")

    @property
    def is_numpy_compatible(self):
        return self._np_or_lazy is not None and self._np_or_lazy is not object

    @property
    def is_differentiable(self):
        return self.is_floating or self.is_complex

    @property
    def size(self):
        """Bytes per element (1 for resource and variant, as TensorFlow says)."""
        if self.base_dtype.name in ("resource", "variant"):
            return 1
        return np.dtype(self._np).itemsize if self._np is not None else 1

    @property
    def min(self):
        return _finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return _finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return self._enum == as_dtype(other)._enum
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return self._enum

    def __repr__(self):
        return "tg." + self.name

    def __str__(self):
        return "<dtype: %r>" % self.name


# (name, DataType enum number, numpy type); numbers are TensorFlow's types.proto.
_TABLE = [
    ("float32", 1, np.float32), ("float64", 2, np.float64), ("int32", 3, np.int32),
    ("uint8", 4, np.uint8), ("int16", 5, np.int16), ("int8", 6, np.int8), ("string", 7, object),
    ("complex64", 8, np.complex64), ("int64", 9, np.int64), ("bool", 10, np.bool_),
    ("qint8", 11, None), ("quint8", 12, None), ("qint32", 13, None),
    ("bfloat16", 14, _FromMlDtypes("bfloat16")), ("qint16", 15, None), ("quint16", 16, None),
    ("uint16", 17, np.uint16), ("complex128", 18, np.complex128), ("float16", 19, np.float16),
    ("resource", 20, object), ("variant", 21, object), ("uint32", 22, np.uint32),
    ("uint64", 23, np.uint64), ("float8_e5m2", 24, _FromMlDtypes("float8_e5m2")),
    ("float8_e4m3fn", 25, _FromMlDtypes("float8_e4m3fn")), ("float8_e4m3fnuz", 26, _FromMlDtypes("float8_e4m3fnuz")),
    ("float8_e4m3b11fnuz", 27, _FromMlDtypes("float8_e4m3b11fnuz")),
    ("float8_e5m2fnuz", 28, _FromMlDtypes("float8_e5m2fnuz")),
]


def _finfo(np_type):
    if np_type in (np.float16, np.float32, np.float64):
        return np.finfo(np_type)
    return importlib.import_module("ml_dtypes").finfo(np_type)

_BY_ENUM = {}
_BY_NAME = {}
for _name, _enum, _np_type in _TABLE:
    _d = DType(_name, _enum, _np_type)
    _BY_ENUM[_enum] = _d
    _BY_NAME[_name] = _d
    _ref = DType(_name + "_ref", _enum + 100, _np_type)
    _BY_ENUM[_enum + 100] = _ref
    _BY_NAME[_name + "_ref"] = _ref
    globals()[_name] = _d
__all__ = ["DType", "as_dtype", "datatype_name", "type_string"] + [name for name, _, _ in _TABLE]
_BY_NAME["half"] = _BY_NAME["float16"]
_BY_NAME["float"] = _BY_NAME["float32"]
_BY_NAME["double"] = _BY_NAME["float64"]

_BY_NUMPY = {np.dtype(n): _BY_NAME[k] for k, _, n in _TABLE
             if n is not None and n is not object and n.__class__ is not _FromMlDtypes}
# ml_dtypes' types by their numpy names: an array of one means ml_dtypes is loaded already.
_ML_DTYPE_NAMES = {n.attr for _, _, n in _TABLE if n.__class__ is _FromMlDtypes}


def as_dtype(value):
    """Converts a DType, a name ("float32"), a DataType enum number or a numpy dtype to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        if value.startswith("DT_"):
            value = value[3:].lower()
            if value.endswith("_ref"):
                pass
        d = _BY_NAME.get(value)
        if d is not None:
            return d
        raise TypeError("Cannot convert %r to a tagraph dtype" % (value,))
    if isinstance(value, (int, np.integer)) and not isinstance(value, builtins.bool):
        d = _BY_ENUM.get(int(value))
        if d is not None:
            return d
        raise TypeError("Unknown DataType enum value %d" % value)
    if value in (bytes, str, object):
        return string
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError("Cannot convert %r to a tagraph dtype" % (value,)) from None
    if npd.kind in ("S", "U", "O"):
        return string
    d = _BY_NUMPY.get(npd)
    if d is None:
        if npd.name in _ML_DTYPE_NAMES and npd == np.dtype(_BY_NAME[npd.name]._np):
            return _BY_NAME[npd.name]
        raise TypeError("Cannot convert numpy dtype %r to a tagraph dtype" % (npd,))
    return d


def type_string(dtype):
    """TensorFlow's DataTypeString, which its error messages use: "float" for float32, "double", "half",
    "int64", "string", ..."""
    name = as_dtype(dtype).name
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


def datatype_name(enum):
    """'DT_FLOAT' for 1, as saved_model_cli prints it."""
    names = {"float32": "FLOAT", "float64": "DOUBLE", "float16": "HALF"}
    d = as_dtype(enum)
    base = names.get(d.base_dtype.name, d.base_dtype.name.upper())
    return "DT_" + base + ("_REF" if d._enum > 100 else "")
