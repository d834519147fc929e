"""AttrValue protos <-> Python values, guided by the OpDef attribute type.

Python side: str/bytes for "string", int, float, bool, DType for "type", TensorShape for "shape",
numpy arrays for "tensor", NameAttrList for "func", and lists of these for "list(...)".
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework import tensor_util
from tagraph.engine.framework.tensor_shape import as_shape
from tagraph.protos import attr_value_pb2

__all__ = ["python_to_attr_value", "attr_value_to_python", "attr_matches_type"]


def python_to_attr_value(value, attr_type):
    """Builds the AttrValue for ``value`` given the OpDef's ``attr_type`` (e.g. "list(int)")."""
    av = attr_value_pb2.AttrValue()
    if isinstance(value, attr_value_pb2.AttrValue):
        av.CopyFrom(value)
        return av
    if attr_type.startswith("list("):
        inner = attr_type[5:-1]
        av.list.SetInParent()
        for v in value:
            _set_scalar(av.list, inner, v, repeated=True)
        return av
    _set_scalar(av, attr_type, value, repeated=False)
    return av


def _set_scalar(target, attr_type, v, repeated):
    if attr_type == "string":
        v = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        target.s.append(v) if repeated else setattr(target, "s", v)
    elif attr_type == "int":
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError("Expected int, got %r of type '%s' instead." % (v, type(v).__name__))
        target.i.append(int(v)) if repeated else setattr(target, "i", int(v))
    elif attr_type == "float":
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
            raise TypeError("Expected float, got %r of type '%s' instead." % (v, type(v).__name__))
        target.f.append(float(v)) if repeated else setattr(target, "f", float(v))
    elif attr_type == "bool":
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError("Expected bool, got %r of type '%s' instead." % (v, type(v).__name__))
        target.b.append(bool(v)) if repeated else setattr(target, "b", bool(v))
    elif attr_type == "type":
        enum = dtypes.as_dtype(v).as_datatype_enum
        target.type.append(enum) if repeated else setattr(target, "type", enum)
    elif attr_type == "shape":
        p = as_shape(v).as_proto() if not hasattr(v, "unknown_rank") else v
        (target.shape.add() if repeated else target.shape).CopyFrom(p)
    elif attr_type == "tensor":
        p = v if hasattr(v, "tensor_shape") else tensor_util.make_tensor_proto(v)
        (target.tensor.add() if repeated else target.tensor).CopyFrom(p)
    elif attr_type == "func":
        p = v if isinstance(v, attr_value_pb2.NameAttrList) else attr_value_pb2.NameAttrList(name=str(v))
        (target.func.add() if repeated else target.func).CopyFrom(p)
    else:
        raise TypeError("Unsupported attribute type %r" % attr_type)


def attr_value_to_python(av):
    """The Python value of an AttrValue (by whichever field it holds)."""
    kind = av.WhichOneof("value")
    if kind == "list":
        lst = av.list
        if lst.s:
            return list(lst.s)
        if lst.i:
            return list(lst.i)
        if lst.f:
            return list(lst.f)
        if lst.b:
            return list(lst.b)
        if lst.type:
            return [dtypes.as_dtype(t) for t in lst.type]
        if lst.shape:
            return [as_shape(s) for s in lst.shape]
        if lst.tensor:
            return [tensor_util.make_ndarray(t) for t in lst.tensor]
        if lst.func:
            return list(lst.func)
        return []
    if kind == "s":
        return av.s
    if kind == "i":
        return av.i
    if kind == "f":
        return av.f
    if kind == "b":
        return av.b
    if kind == "type":
        return dtypes.as_dtype(av.type)
    if kind == "shape":
        return as_shape(av.shape)
    if kind == "tensor":
        return tensor_util.make_ndarray(av.tensor)
    if kind == "func":
        return av.func
    if kind == "placeholder":
        return av.placeholder
    return None


def attr_matches_type(av, attr_type):
    """Whether the AttrValue holds a value of ``attr_type`` (an empty list fits any list type)."""
    kind = av.WhichOneof("value")
    if attr_type.startswith("list("):
        if kind != "list":
            return False
        inner = attr_type[5:-1]
        field = {"string": "s", "int": "i", "float": "f", "bool": "b", "type": "type", "shape": "shape",
                 "tensor": "tensor", "func": "func"}[inner]
        return all(not getattr(av.list, f) for f in ("s", "i", "f", "b", "type", "shape", "tensor", "func")
                   if f != field)
    field = {"string": "s", "int": "i", "float": "f", "bool": "b", "type": "type", "shape": "shape",
             "tensor": "tensor", "func": "func"}.get(attr_type)
    return kind == field
