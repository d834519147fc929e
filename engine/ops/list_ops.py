"""TensorLists: the list values TensorFlow 2 graphs carry through loops (a Keras RNN's inputs and outputs).

A TensorList is a ``variant`` scalar: a :class:`TensorList` value, a tuple of items with an element dtype
and an element shape (``None`` for an unknown rank, ``-1`` for an unknown dimension). Every op returns a
new list and leaves its input as it was, as TensorFlow's do for a list that is still read elsewhere. An
item never set (a reserved slot) reads as zeros of the element shape, which must then be fully known.

The kernels run on the host: a list holds its items in host memory, so the values a device computes cross
to the host when set and back when read, as explicit transfers of the plan.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape

__all__ = ["TensorList"]

_HOST = host_kind().device_type


class TensorList:
    """The value of a TensorList tensor. ``source``: the array whose rows the items are, for a list made
    by TensorListFromTensor and not changed since (a matmul of every item can use it whole)."""

    __slots__ = ("items", "element_dtype", "element_shape", "source")

    def __init__(self, items, element_dtype, element_shape, source=None):
        self.items = tuple(items)
        self.element_dtype = element_dtype
        self.element_shape = element_shape
        self.source = source

    def __len__(self):
        return len(self.items)

    def __repr__(self):
        return "<TensorList of %d %s %s>" % (len(self.items), np.dtype(self.element_dtype).name,
                                             "?" if self.element_shape is None else list(self.element_shape))

    def replace(self, items):
        return TensorList(items, self.element_dtype, self.element_shape)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _shape_from(value):
    """An element_shape input: -1 as a scalar is an unknown rank, -1 in a vector an unknown dimension."""
    v = np.asarray(value)
    if v.ndim == 0:
        if int(v) != -1:
            raise _invalid("element_shape must be a vector, or -1 for an unknown rank; got %d" % int(v))
        return None
    return tuple(int(d) for d in v.reshape(-1))


def _merge(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        raise _invalid("Incompatible ranks during merge: %d vs. %d" % (len(a), len(b)))
    out = []
    for x, y in zip(a, b):
        if x >= 0 and y >= 0 and x != y:
            raise _invalid("Incompatible shapes during merge: %s vs. %s" % (list(a), list(b)))
        out.append(x if x >= 0 else y)
    return tuple(out)


def _check_item(lst, item):
    item = np.asarray(item)
    if item.dtype.type is lst.element_dtype and item.shape == lst.element_shape:
        return item                  # the common case: the item is what the list was made for
    if item.dtype != np.dtype(lst.element_dtype):
        raise _invalid("Invalid data types; list elements %s but tried to add %s"
                       % (np.dtype(lst.element_dtype).name, item.dtype.name))
    if lst.element_shape is not None:
        _merge(lst.element_shape, tuple(item.shape))
    return item


def _zeros(lst, shape, what):
    shape = _merge(lst.element_shape, shape)
    if shape is None or any(d < 0 for d in shape):
        raise _invalid("Trying to read an uninitialized tensor with a partially defined element_shape %s (%s)"
                       % ("unknown" if shape is None else list(shape), what))
    return np.zeros(shape, dtype=lst.element_dtype)


def _items(lst, shape, what):
    return [_zeros(lst, shape, what) if x is None else x for x in lst.items]


def _index(lst, index):
    i = int(np.asarray(index))
    if not 0 <= i < len(lst.items):
        raise _invalid("Trying to access element %d in a list with %d elements." % (i, len(lst.items)))
    return i


def _np_dtype(attr):
    return dtypes.as_dtype(attr).as_numpy_dtype


@register_kernel("EmptyTensorList", _HOST)
def _empty(ctx, element_shape, max_num_elements):
    return TensorList((), _np_dtype(ctx.attrs["element_dtype"]), _shape_from(element_shape))


@register_kernel("TensorListReserve", _HOST)
def _reserve(ctx, element_shape, num_elements):
    n = int(np.asarray(num_elements))
    if n < 0:
        raise _invalid("The num_elements to reserve must be a non negative number, but got %d" % n)
    return TensorList((None,) * n, _np_dtype(ctx.attrs["element_dtype"]), _shape_from(element_shape))


@register_kernel("TensorListFromTensor", _HOST)
def _from_tensor(ctx, tensor, element_shape):
    t = np.asarray(tensor)
    if t.ndim < 1:
        raise _invalid("Tensor must be at least a vector, but saw shape: %s" % list(t.shape))
    shape = _merge(_shape_from(element_shape), tuple(t.shape[1:]))
    return TensorList(list(t), t.dtype.type, shape, t)       # the rows, as views


@register_kernel("TensorListGetItem", _HOST)
def _get_item(ctx, lst, index, element_shape):
    i = _index(lst, index)
    item = lst.items[i]
    return _zeros(lst, _shape_from(element_shape), "TensorListGetItem") if item is None else item


@register_kernel("TensorListSetItem", _HOST)
def _set_item(ctx, lst, index, item):
    i = int(index)
    items = list(lst.items)
    if i >= len(items) and ctx.attrs.get("resize_if_index_out_of_bounds"):
        items.extend([None] * (i + 1 - len(items)))
    if not 0 <= i < len(items):
        raise _invalid("Trying to modify element %d in a list with %d elements." % (i, len(items)))
    items[i] = _check_item(lst, item)
    return lst.replace(items)


@register_kernel("TensorListPushBack", _HOST)
def _push_back(ctx, lst, tensor):
    return lst.replace(lst.items + (_check_item(lst, tensor),))


@register_kernel("TensorListPopBack", _HOST)
def _pop_back(ctx, lst, element_shape):
    if not lst.items:
        raise _invalid("Trying to pop from an empty list.")
    item = lst.items[-1]
    if item is None:
        item = _zeros(lst, _shape_from(element_shape), "TensorListPopBack")
    return lst.replace(lst.items[:-1]), item


@register_kernel("TensorListLength", _HOST)
def _length(ctx, lst):
    return np.int32(len(lst.items))


@register_kernel("TensorListElementShape", _HOST)
def _element_shape(ctx, lst):
    out = _np_dtype(ctx.attrs["shape_type"])
    if lst.element_shape is None:
        return np.array(-1, dtype=out)
    return np.array(lst.element_shape, dtype=out)


def _stacked(lst, items, shape):
    if items:
        return np.stack(items)
    shape = _merge(lst.element_shape, shape)
    if shape is None or any(d < 0 for d in shape):
        raise _invalid("Tried to stack elements of an empty list with non-fully-defined element_shape: %s"
                       % ("unknown" if shape is None else list(shape)))
    return np.zeros((0,) + shape, dtype=lst.element_dtype)


@register_kernel("TensorListStack", _HOST)
def _stack(ctx, lst, element_shape):
    n = ctx.attrs.get("num_elements", -1)
    if n != -1 and n != len(lst.items):
        raise _invalid("Operation expected a list with %d elements but got a list with %d elements."
                       % (n, len(lst.items)))
    shape = _shape_from(element_shape)
    return _stacked(lst, _items(lst, shape, "TensorListStack"), shape)


@register_kernel("TensorListGather", _HOST)
def _gather(ctx, lst, indices, element_shape):
    shape = _shape_from(element_shape)
    items = _items(lst, shape, "TensorListGather")
    picked = [items[_index(lst, i)] for i in np.asarray(indices).reshape(-1)]
    return _stacked(lst, picked, shape)


@register_kernel("TensorListScatterIntoExistingList", _HOST)
def _scatter(ctx, lst, tensor, indices):
    t = np.asarray(tensor)
    idx = np.asarray(indices).reshape(-1)
    if t.ndim < 1 or t.shape[0] != idx.size:
        raise _invalid("Invalid number of rows in input tensor. Expected: %d Actual: %s"
                       % (idx.size, t.shape[0] if t.ndim else "a scalar"))
    items = list(lst.items)
    for row, i in enumerate(idx):
        i = int(i)
        if i < 0:
            raise _invalid("Indices in TensorListScatter must all be non-negative.")
        if i >= len(items):
            items.extend([None] * (i + 1 - len(items)))
        items[i] = _check_item(lst, t[row])
    return lst.replace(items)


@register_kernel("TensorListConcatV2", _HOST, host_inputs=(2,))
def _concat(ctx, lst, element_shape, leading_dims):
    shape = _shape_from(element_shape)
    if not lst.items:
        rest = _merge(lst.element_shape, shape)
        if rest is None or any(d < 0 for d in rest[1:]):
            raise _invalid("All except the first dimension must be fully defined when concatenating an empty "
                           "tensor list.")
        return np.zeros((0,) + rest[1:], dtype=lst.element_dtype), np.zeros([0], np.int64)
    items = _items(lst, shape, "TensorListConcatV2")
    if any(np.ndim(x) == 0 for x in items):
        raise _invalid("Concat saw a scalar shape at index 0 but requires at least vectors.")
    return np.concatenate(items, axis=0), np.array([x.shape[0] for x in items], np.int64)


# --- static shapes ---------------------------------------------------------------------------------------

_LIST_MAKERS = ("EmptyTensorList", "TensorListReserve", "TensorListFromTensor", "TensorListSetItem",
                "TensorListPushBack", "TensorListScatterIntoExistingList")


@register_shape(*_LIST_MAKERS)
def _list_shape(op):
    return [TensorShape([])]


def _element_shape_of(op, input_index):
    v = constant_value(op.inputs[input_index])
    if v is None:
        return TensorShape(None)
    v = np.asarray(v)
    if v.ndim == 0:
        return TensorShape(None)
    return TensorShape([int(d) if d >= 0 else None for d in v.reshape(-1)])


@register_shape("TensorListGetItem")
def _get_item_shape(op):
    return [_element_shape_of(op, 2)]


@register_shape("TensorListPopBack")
def _pop_back_shape(op):
    return [TensorShape([]), _element_shape_of(op, 1)]


@register_shape("TensorListStack", "TensorListGather")
def _stack_shape(op):
    element = _element_shape_of(op, 2 if op.type == "TensorListGather" else 1)
    n = op.get_attr("num_elements") if op.type == "TensorListStack" else None
    lead = None if n is None or n < 0 else n
    return [TensorShape([lead] + list(element.dims)) if element.rank is not None else TensorShape(None)]


@register_shape("TensorListLength")
def _length_shape(op):
    return [TensorShape([])]


@register_shape("TensorListElementShape")
def _element_shape_shape(op):
    return [TensorShape(None)]


@register_shape("TensorListConcatV2")
def _concat_shape(op):
    return [TensorShape(None), TensorShape([None])]


not_differentiable("TensorListLength", "TensorListElementShape")
