"""Shape functions shared by many ops (each op registers its own in its module)."""
import numpy as np

from tagraph.engine.framework.attr_value import attr_value_to_python
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape

__all__ = ["unchanged", "scalar", "unknown", "no_outputs", "broadcast_shapes", "broadcast_binary",
           "register_constant_value", "register_constant_shape", "constant_value", "constant_shape"]


def unchanged(op):
    """One output shaped like the first input."""
    return [op.inputs[0].shape]


def scalar(op):
    return [TensorShape([])] * len(op.outputs)


def unknown(op):
    return [unknown_shape()] * len(op.outputs)


def no_outputs(op):
    return []


def broadcast_shapes(a, b):
    """Static numpy-style broadcast of two TensorShapes; raises ValueError when they cannot broadcast."""
    if a.rank is None or b.rank is None:
        return unknown_shape()
    x, y = list(a.dims), list(b.dims)
    n = max(len(x), len(y))
    x = [1] * (n - len(x)) + x
    y = [1] * (n - len(y)) + y
    out = []
    for p, q in zip(x, y):
        if p == 1:
            out.append(q)
        elif q == 1:
            out.append(p)
        elif p is None or q is None:
            out.append(p if q is None else q)
        elif p == q:
            out.append(p)
        else:
            raise ValueError("Dimensions must be equal, but are %d and %d for shapes %s and %s" % (p, q, a, b))
    return TensorShape(out)


def broadcast_binary(op):
    return [broadcast_shapes(op.inputs[0].shape, op.inputs[1].shape)]


# Further rules registered by the modules that own the ops (e.g. StridedSlice of a Shape in slicing_ops):
# op type -> fn(tensor) returning the value (constant_value) or a partial TensorShape (constant_shape), or None.
_VALUE_FNS = {}
_SHAPE_VALUE_FNS = {}


def register_constant_value(*op_types):
    """Registers ``fn(tensor) -> numpy value or None`` as ``constant_value``'s rule for ``op_types``."""
    def decorate(fn):
        for t in op_types:
            _VALUE_FNS[t] = fn
        return fn
    return decorate


def register_constant_shape(*op_types):
    """Registers ``fn(tensor) -> TensorShape or None`` as ``constant_shape``'s rule for ``op_types``."""
    def decorate(fn):
        for t in op_types:
            _SHAPE_VALUE_FNS[t] = fn
        return fn
    return decorate


def constant_value(tensor):
    """The value of ``tensor`` when it can be computed while building the graph (Consts, Shape of a
    known shape, a few simple ops), else None. Shape functions use it for shape and axis arguments."""
    op = tensor.op
    if op.type == "Const":
        return attr_value_to_python(op._attrs["value"])
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=tensor.dtype.as_numpy_dtype)
    if op.type == "Size" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.num_elements(), dtype=tensor.dtype.as_numpy_dtype)
    if op.type == "Rank" and op.inputs[0].shape.rank is not None:
        return np.array(op.inputs[0].shape.rank, dtype=np.int32)
    if op.type in ("Identity", "StopGradient"):
        return constant_value(op.inputs[0])
    if op.type == "Pack":
        vals = [constant_value(t) for t in op.inputs]
        if any(v is None for v in vals):
            return None
        return np.stack(vals, axis=op.get_attr("axis"))
    if op.type == "ConcatV2":
        vals = [constant_value(t) for t in op.inputs[:-1]]
        axis = constant_value(op.inputs[-1])
        if axis is None or any(v is None for v in vals):
            return None
        return np.concatenate(vals, axis=int(axis))
    if op.type == "Cast":
        v = constant_value(op.inputs[0])
        return None if v is None else v.astype(tensor.dtype.as_numpy_dtype)
    fn = _VALUE_FNS.get(op.type)
    return None if fn is None else fn(tensor)


def constant_shape(tensor):
    """A TensorShape from a 1-D shape tensor whose value is (partly) known while building."""
    v = constant_value(tensor)
    if v is not None:
        return TensorShape([int(d) if d >= 0 else None for d in np.reshape(v, [-1])])
    op = tensor.op
    if op.type == "Pack":
        dims = []
        for t in op.inputs:
            c = constant_value(t)
            dims.append(None if c is None else int(c))
        return TensorShape(dims)
    if op.type == "Shape":
        return op.inputs[0].shape
    fn = _SHAPE_VALUE_FNS.get(op.type)
    s = None if fn is None else fn(tensor)
    if s is not None:
        return s
    if tensor.shape.rank == 1 and tensor.shape[0] is not None:
        return unknown_shape(tensor.shape[0])
    return unknown_shape()
