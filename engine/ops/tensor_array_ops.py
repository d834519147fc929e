"""TensorArrays as TensorFlow 1 builds and runs them: ``TensorArrayV3`` and its Write / Read / Gather /
Scatter / Concat / Split / Size / Close ops, and :class:`TensorArray`, TensorFlow 1's Python object.

    ta = tg.TensorArray(tg.float32, size=3)
    _, ta = tg.while_loop(lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, tg.cast(i, tg.float32))),
                          [0, ta])
    squares = ta.stack()                        # [0., 1., 2.]

**The array.** ``TensorArrayV3`` outputs a ``resource`` handle and a float32 ``flow`` scalar. The handle's
value is the array itself, an :class:`ArrayStore` the kernel makes each time it runs: a TensorFlow
TensorArray lives for one step, so a second ``Session.run`` (or a second iteration of a loop the array is
made in) starts with a fresh one, and no session state is needed to forget the old. Every op that uses the
array takes the handle, and the flow scalar orders them: a write outputs the flow a later read or write
takes, and a loop carries the flow (not the handle, which enters as a loop invariant) from iteration to
iteration. The kernels check what TensorFlow's do, with its messages: writing an index twice, reading
one cleared by an earlier read (``clear_after_read``), an index past a fixed size, a dtype or an element
shape that disagrees, an array used after ``close``. An index never written reads as zeros when the element
shape is fully known, as TensorFlow's does.

**Gradients** (TensorFlow's tensor_array_grad): the gradient of each op goes through the *gradient array*
of its array, ``TensorArrayGradV3``, one per array and ``tg.gradients`` call (named by the call's scope),
of the array's size, holding the shape of each element written so far: a read's gradient is written to
it, a write's gradient read from it (zeros of the element's shape where no gradient was written), writes
to one index add up. In a loop, the gradient loop runs these in reverse.

The kernels run on the host, as the TensorList ops do: the array holds its items in host memory, and the
values a device computes cross to the host when written and back when read, as explicit transfers.
"""
import contextlib
import itertools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops.array_ops import identity, shape
from tagraph.engine.ops.math_ops import cast, range as _range
from tagraph.engine.ops.op_util import scoped

__all__ = ["TensorArray", "ArrayStore"]

_HOST = host_kind().device_type
# TensorFlow numbers its arrays per process (``TensorArray_7``); its messages carry the number.
_IDS = itertools.count()


def _invalid(fmt, *args):
    return errors.InvalidArgumentError(None, None, fmt % args)


def _shape_str(s):
    """A partial shape as TensorFlow's PartialTensorShape::DebugString writes it."""
    if s is None:
        return "<unknown>"
    return "[%s]" % ",".join("?" if d < 0 else str(d) for d in s)


def _dims(shape):
    """A TensorShape attr as a tuple (-1: unknown dimension), or None for an unknown rank."""
    shape = as_shape(shape) if shape is not None else TensorShape(None)
    if shape.rank is None:
        return None
    return tuple(-1 if d is None else int(d) for d in shape.dims)


def _compatible(partial, concrete):
    return partial is None or (len(partial) == len(concrete) and
                               all(p < 0 or p == c for p, c in zip(partial, concrete)))


def _defined(s):
    return s is not None and all(d >= 0 for d in s)


class ArrayStore:
    """The value of a TensorArray handle: one array of one run."""

    __slots__ = ("name", "dtype", "items", "cleared", "dynamic", "clear_after_read", "identical", "element_shape",
                 "closed", "shapes", "is_grad", "grads")

    def __init__(self, name, dtype, size, dynamic, clear_after_read, identical, element_shape):
        self.name = name
        self.dtype = np.dtype(dtype)
        self.items = [None] * size
        self.cleared = set()
        self.dynamic = dynamic
        self.clear_after_read = clear_after_read
        self.identical = identical
        self.element_shape = element_shape
        self.closed = False
        # The shape of each index written, kept after a read clears it: a gradient array starts with its
        # forward array's, and reads zeros of that shape where no gradient was written.
        self.shapes = {}
        self.is_grad = False
        self.grads = {}           # gradients() call -> this array's gradient array

    def gradient(self, source):
        """The gradient array of this one for the ``tg.gradients`` call ``source``, made on first use: the
        same size, the shapes written so far, and writes to one index summed (TensorArrayGradV3)."""
        g = self.grads.get(source)
        if g is None:
            # Once gradients are computed the forward array may no longer grow.
            self.dynamic = False
            g = ArrayStore("%s@%s" % (self.name, source), self.dtype, len(self.items), False, True, self.identical,
                           self.element_shape)
            g.shapes = dict(self.shapes)
            g.is_grad = True
            self.grads[source] = g
        return g

    def __repr__(self):
        return "<TensorArray %s: %d %s>" % (self.name, len(self.items), self.dtype.name)

    def check_open(self):
        if self.closed:
            raise _invalid("TensorArray %s has already been closed.", self.name)

    def check_dtype(self, dtype, verb):
        if np.dtype(dtype) != self.dtype:
            raise _invalid("TensorArray dtype is %s but Op %s dtype %s.", dtypes.type_string(np.dtype(self.dtype)),
                           verb, dtypes.type_string(np.dtype(dtype)))

    def write(self, index, value):
        n = len(self.items)
        if index < 0 or (index >= n and not self.dynamic):
            raise _invalid("TensorArray %s: Tried to write to index %d but array is not resizeable and size is: %d",
                           self.name, index, n)
        if index >= n:
            self.items.extend([None] * (index + 1 - n))
        if self.is_grad and index not in self.cleared:
            if self.items[index] is not None or index in self.shapes:
                have = self.items[index].shape if self.items[index] is not None else self.shapes[index]
                if tuple(have) != tuple(value.shape):
                    raise _invalid("TensorArray %s: Could not aggregate to TensorArray index %d because the existing "
                                   "shape is %s but the new input shape is %s", self.name, index, _shape_str(have),
                                   _shape_str(value.shape))
            if self.items[index] is not None:
                # Gradients written to one index add up.
                self.items[index] = self.items[index] + value
                return
        elif self.items[index] is not None or index in self.cleared:
            raise _invalid("TensorArray %s: Could not write to TensorArray index %d because it has already been "
                           "written to.", self.name, index)
        if not _compatible(self.element_shape, value.shape):
            raise _invalid("TensorArray %s: Could not write to TensorArray index %d because the value shape is %s "
                           "which is incompatible with the TensorArray's inferred element shape: %s (consider "
                           "setting infer_shape=False).", self.name, index, _shape_str(value.shape),
                           _shape_str(self.element_shape))
        if self.identical:
            self.element_shape = tuple(value.shape)
        # The array keeps the value it was given: kernels never change an input in place.
        self.items[index] = value
        self.shapes[index] = value.shape

    def read(self, index):
        n = len(self.items)
        if self.is_grad and index >= n and _defined(self.element_shape):
            self.items.extend([None] * (index + 1 - n))
            n = index + 1
        if not 0 <= index < n:
            raise _invalid("Tried to read from index %d but array size is: %d", index, n)
        if index in self.cleared:
            raise _invalid("TensorArray %s: Could not read index %d twice because it was cleared after a previous "
                           "read (perhaps try setting clear_after_read = false?).", self.name, index)
        v = self.items[index]
        if v is None and self.is_grad and index in self.shapes:
            # No gradient reached this element: zeros of its forward value's shape.
            v = np.zeros(self.shapes[index], self.dtype)
        elif v is None:
            if not _defined(self.element_shape):
                raise _invalid("TensorArray %s: Could not read from TensorArray index %d.  Furthermore, the element "
                               "shape is not fully defined: %s.  It is possible you are working with a resizeable "
                               "TensorArray and stop_gradients is not allowing the gradients to be written.  If you "
                               "set the full element_shape property on the forward TensorArray, the proper "
                               "all-zeros tensor will be returned instead of incurring this error.",
                               self.name, index, _shape_str(self.element_shape))
            return np.zeros(self.element_shape, self.dtype)
        if self.clear_after_read:
            self.items[index] = None
            self.cleared.add(index)
        return v


def _index(v):
    return int(np.asarray(v))


# --- kernels ---------------------------------------------------------------------------------------------

@register_kernel("TensorArrayV3", _HOST)
def _tensor_array(ctx, size):
    a = ctx.attrs
    n = _index(size)
    if n < 0:
        raise _invalid("Size should be >= 0.")
    name = a.get("tensor_array_name", b"")
    name = (name.decode("utf-8") if isinstance(name, bytes) else name) or ctx.node_name
    store = ArrayStore("%s_%d" % (name, next(_IDS)), dtypes.as_dtype(a["dtype"]).as_numpy_dtype, n,
                       bool(a.get("dynamic_size", False)), bool(a.get("clear_after_read", True)),
                       bool(a.get("identical_element_shapes", False)), _dims(a.get("element_shape")))
    return store, np.float32(0.0)


@register_kernel("TensorArrayWriteV3", _HOST)
def _write(ctx, store, index, value, flow_in):
    store.check_open()
    value = np.asarray(value)
    store.check_dtype(value.dtype, "is trying to write")
    store.write(_index(index), value)
    return flow_in


@register_kernel("TensorArrayReadV3", _HOST)
def _read(ctx, store, index, flow_in):
    store.check_open()
    store.check_dtype(dtypes.as_dtype(ctx.attrs["dtype"]).as_numpy_dtype, "requested")
    return store.read(_index(index))


def _stacked(values):
    for i, v in enumerate(values[1:], 1):
        if v.shape != values[0].shape:
            raise _invalid("TensorArray has inconsistent shapes.  Index 0 has shape: %s but index %d has shape: %s",
                           _shape_str(values[0].shape), i, _shape_str(v.shape))
    return np.stack(values)


@register_kernel("TensorArrayGatherV3", _HOST)
def _gather(ctx, store, indices, flow_in):
    store.check_open()
    store.check_dtype(dtypes.as_dtype(ctx.attrs["dtype"]).as_numpy_dtype, "requested")
    idx = [int(i) for i in np.asarray(indices).reshape(-1)]
    if not idx:
        shape = store.element_shape
        attr = _dims(ctx.attrs.get("element_shape"))
        if not _defined(shape):
            shape = attr
        if not _defined(shape):
            raise errors.UnimplementedError(
                None, None, "TensorArray has size zero, but element shape %s is not fully defined. Currently only "
                "static shapes are supported when packing zero-size TensorArrays." % _shape_str(store.element_shape))
        return np.zeros((0,) + tuple(shape), store.dtype)
    return _stacked([store.read(i) for i in idx])


@register_kernel("TensorArrayScatterV3", _HOST)
def _scatter(ctx, store, indices, value, flow_in):
    store.check_open()
    value = np.asarray(value)
    store.check_dtype(value.dtype, "is trying to write")
    idx = [int(i) for i in np.asarray(indices).reshape(-1)]
    if value.ndim < 1 or value.shape[0] != len(idx):
        raise _invalid("Expected len(indices) == values.shape[0], but saw: %d vs. %d", len(idx),
                       value.shape[0] if value.ndim else 0)
    if idx and not store.dynamic and max(idx) >= len(store.items):
        raise _invalid("Max scatter index must be < array size (%d vs. %d)", max(idx), len(store.items))
    for row, i in enumerate(idx):
        store.write(i, value[row])
    return flow_in


@register_kernel("TensorArrayConcatV3", _HOST)
def _concat(ctx, store, flow_in):
    store.check_open()
    store.check_dtype(dtypes.as_dtype(ctx.attrs["dtype"]).as_numpy_dtype, "requested")
    if not store.items:
        rest = _dims(ctx.attrs.get("element_shape_except0"))
        if not _defined(rest):
            raise errors.UnimplementedError(
                None, None, "TensorArray has size zero, but element_shape_except0 %s is not fully defined. Currently "
                "only static shapes are supported when concatenating zero-size TensorArrays." % _shape_str(rest))
        return np.zeros((0,) + tuple(rest), store.dtype), np.zeros([0], np.int64)
    values = [store.read(i) for i in range(len(store.items))]
    for i, v in enumerate(values):
        if v.ndim == 0:
            raise _invalid("Concat saw a scalar shape at index %d but requires at least vectors.", i)
        if v.shape[1:] != values[0].shape[1:]:
            raise _invalid("TensorArray has inconsistent shapes.  Index 0 has (excepting dimension 0) shape: %s but "
                           "index %d has (excepting dimension 0) shape: %s", _shape_str(values[0].shape[1:]), i,
                           _shape_str(v.shape[1:]))
    return np.concatenate(values, axis=0), np.array([v.shape[0] for v in values], np.int64)


@register_kernel("TensorArraySplitV3", _HOST)
def _split(ctx, store, value, lengths, flow_in):
    store.check_open()
    value = np.asarray(value)
    store.check_dtype(value.dtype, "is trying to write")
    lengths = [int(n) for n in np.asarray(lengths).reshape(-1)]
    if value.ndim < 1:
        raise _invalid("Expected value to be at least a vector, but received shape: %s", _shape_str(value.shape))
    if any(n < 0 for n in lengths):
        raise _invalid("Expected lengths to be non-negative, but saw: %s", lengths)
    if sum(lengths) != value.shape[0]:
        raise _invalid("Expected sum of lengths to be equal to values.shape[0], but sum of lengths is %d and value's "
                       "shape is: %s", sum(lengths), _shape_str(value.shape))
    if len(lengths) != len(store.items) and not store.dynamic:
        raise _invalid("TensorArray's size is not equal to the size of lengths (%d vs. %d), and the TensorArray is "
                       "not marked as dynamically resizeable", len(store.items), len(lengths))
    start = 0
    for i, n in enumerate(lengths):
        store.write(i, value[start:start + n])
        start += n
    return flow_in


@register_kernel("TensorArraySizeV3", _HOST)
def _size(ctx, store, flow_in):
    store.check_open()
    return np.int32(len(store.items))


@register_kernel("TensorArrayGradV3", _HOST)
def _grad(ctx, store, flow_in):
    store.check_open()
    return store.gradient(_source(ctx)), flow_in


@register_kernel("TensorArrayGradWithShape", _HOST)
def _grad_with_shape(ctx, store, flow_in, shape_to_prepend):
    store.check_open()
    prefix = tuple(int(d) for d in np.asarray(shape_to_prepend).reshape(-1))
    key = "%s:%s" % (_source(ctx), prefix)
    g = store.grads.get(key)
    if g is None:
        g = store.gradient(key)
        g.shapes = {i: prefix + tuple(s) for i, s in g.shapes.items()}
        g.element_shape = None if store.element_shape is None else prefix + tuple(store.element_shape)
        g.identical = False
    return g, flow_in


def _source(ctx):
    source = ctx.attrs["source"]
    return source.decode("utf-8") if isinstance(source, bytes) else source


@register_kernel("TensorArrayCloseV3", _HOST)
def _close(ctx, store):
    store.check_open()
    store.closed = True
    store.items = []
    return None


# --- static shapes ---------------------------------------------------------------------------------------

register_shape("TensorArrayV3", "TensorArrayGradV3", "TensorArrayGradWithShape")(
    lambda op: [TensorShape([2]), TensorShape([])])
register_shape("TensorArrayWriteV3", "TensorArrayScatterV3", "TensorArraySplitV3")(lambda op: [TensorShape([])])
register_shape("TensorArraySizeV3")(lambda op: [TensorShape([])])
register_shape("TensorArrayCloseV3")(lambda op: [])
register_shape("TensorArrayReadV3")(lambda op: [TensorShape(None)])


@register_shape("TensorArrayGatherV3")
def _gather_shape(op):
    element = as_shape(op.get_attr("element_shape"))
    return [TensorShape(None) if element.rank is None else TensorShape([None] + list(element.dims))]


@register_shape("TensorArrayConcatV3")
def _concat_shape(op):
    rest = as_shape(op.get_attr("element_shape_except0"))
    return [TensorShape(None) if rest.rank is None else TensorShape([None] + list(rest.dims)), TensorShape([None])]


not_differentiable("TensorArrayV3", "TensorArraySizeV3", "TensorArrayCloseV3", "TensorArrayGradV3",
                   "TensorArrayGradWithShape")


# --- gradients: each op's gradient goes through the gradient array of its array -------------------------

def _grad_source(t):
    """Which ``tg.gradients`` call made the gradient ``t`` (the scope up to its last ``gradients``): each
    call gets its own gradient arrays, so two calls on one forward graph do not add into each other."""
    tokens = t.name.split("/")
    at = [i for i, x in enumerate(tokens) if x.startswith("gradients")]
    if not at:
        raise ValueError("Expected op/tensor name to start with gradients (excluding scope), got: %s. This means "
                         "that a tf.gradients op with this op in its dependency path has a custom name that does "
                         "not start with 'gradients'. Please make sure all calls to tf.gradients that have "
                         "non-empty `name` arguments use names that start with 'gradients'." % t.name)
    return "/".join(tokens[:at[-1] + 1])


def _grad_array(op, dtype_attr, flow, source):
    ta = TensorArray(dtype=op.get_attr(dtype_attr), handle=op.inputs[0], flow=flow,
                     colocate_with_first_write_call=False)
    return ta.grad(source=source, flow=flow)


def _barrier(op, flow):
    """``flow``, once ``op`` (a write) has run: the gradient array is made after the last forward write."""
    flow_out = identity(op.outputs[0], name="flow_out")
    with op.graph.control_dependencies([flow_out]):
        return identity(flow, name="write_barrier")


@register_gradient("TensorArrayReadV3")
def _read_grad(op, grad):
    g = _grad_array(op, "dtype", op.inputs[2], _grad_source(grad))
    return [None, None, g.write(op.inputs[1], grad).flow]


@register_gradient("TensorArrayWriteV3")
def _write_grad(op, flow):
    source = _grad_source(flow)
    flow = _barrier(op, flow)
    return [None, None, _grad_array(op, "T", flow, source).read(op.inputs[1]), flow]


@register_gradient("TensorArrayGatherV3")
def _gather_grad(op, grad):
    g = _grad_array(op, "dtype", op.inputs[2], _grad_source(grad))
    return [None, None, g.scatter(op.inputs[1], grad).flow]


@register_gradient("TensorArrayScatterV3")
def _scatter_grad(op, flow):
    source = _grad_source(flow)
    flow = _barrier(op, flow)
    return [None, None, _grad_array(op, "T", flow, source).gather(op.inputs[1]), flow]


@register_gradient("TensorArrayConcatV3")
def _concat_grad(op, grad, _):
    g = _grad_array(op, "dtype", op.inputs[1], _grad_source(grad))
    return [None, g.split(grad, lengths=op.outputs[1]).flow]


@register_gradient("TensorArraySplitV3")
def _split_grad(op, flow):
    source = _grad_source(flow)
    flow = _barrier(op, flow)
    return [None, _grad_array(op, "T", flow, source).concat(), None, flow]


# --- the Python object -----------------------------------------------------------------------------------

class TensorArray:
    """TensorFlow 1's TensorArray: a list of tensors of one dtype, written and read by index in a graph.

    Each ``write``, ``scatter``, ``unstack`` and ``split`` returns a new TensorArray with the new ``flow``
    (use it, as in TensorFlow: the old one does not see the write); ``read``, ``gather``, ``stack`` and
    ``concat`` read through the flow they are given. Inside ``tg.while_loop`` a TensorArray is a loop
    variable like any other: its flow is what the loop carries.

        ta = tg.TensorArray(tg.float32, size=2).write(0, [1.0, 2.0]).write(1, [3.0, 4.0])
        both = ta.stack()                       # [[1, 2], [3, 4]]
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None, colocate_with_first_write_call=True,
                 name=None):
        if handle is not None and tensor_array_name:
            raise ValueError("Cannot provide both `handle` and `tensor_array_name` arguments at the same time.")
        if handle is not None and not isinstance(handle, Tensor):
            raise TypeError("Expected `handle` to be a Tensor, but got `%s` of type `%s` instead."
                            % (handle, type(handle)))
        if handle is None and size is None:
            raise ValueError("Argument `size` must be provided if handle is not provided.")
        if handle is not None and size is not None:
            raise ValueError("Cannot provide both a `handle` and `size` arguments at the same time.")
        if handle is not None and (element_shape is not None or dynamic_size is not None or
                                   clear_after_read is not None):
            raise ValueError("Cannot provide both `handle` and `element_shape`, `dynamic_size` or "
                             "`clear_after_read` arguments at the same time.")
        self._dtype = dtypes.as_dtype(dtype).base_dtype
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = [as_shape(element_shape) if element_shape is not None else TensorShape(None)]
        self._infer_shape = infer_shape
        self._size = size
        self._colocate_with_first_write_call = colocate_with_first_write_call
        g = _graph_of_any([handle, size, flow])
        with g.as_default(), g.name_scope(name or "TensorArray") as scope:
            if handle is not None:
                if flow is None:
                    raise ValueError("flow must not be None if handle is not None.")
                self._handle, self._flow = handle, flow
            else:
                attrs = {"dtype": self._dtype, "element_shape": self._element_shape[0],
                         "dynamic_size": self._dynamic_size,
                         "clear_after_read": True if clear_after_read is None else bool(clear_after_read),
                         "identical_element_shapes": bool(infer_shape),
                         "tensor_array_name": tensor_array_name or ""}
                size_t = size if isinstance(size, Tensor) else convert_to_tensor(size, dtype=dtypes.int32,
                                                                                 name="size")
                # TensorFlow makes the array outside any device scope and colocation (it sits with its first
                # write); tagraph's placer puts the host kernels' group on the CPU whatever the scope says.
                self._handle, self._flow = make_op("TensorArrayV3", [size_t], attrs, name=scope)

    flow = property(lambda self: self._flow)
    dtype = property(lambda self: self._dtype)
    handle = property(lambda self: self._handle)
    dynamic_size = property(lambda self: self._dynamic_size)
    element_shape = property(lambda self: self._element_shape[0])

    def _with_flow(self, flow):
        """A TensorArray on the same handle with a new flow (TensorFlow's build_ta_with_new_flow): the
        element shape it has inferred is shared, as in TensorFlow."""
        ta = TensorArray(self._dtype, handle=self._handle, flow=flow, infer_shape=self._infer_shape,
                         colocate_with_first_write_call=self._colocate_with_first_write_call)
        ta._dynamic_size = self._dynamic_size
        ta._size = self._size
        ta._element_shape = self._element_shape
        return ta

    def _check_element_shape(self, shape):
        if not shape.is_compatible_with(self.element_shape):
            raise ValueError("Inconsistent shapes: saw %s but expected %s " % (shape, self.element_shape))
        if self._infer_shape:
            self._element_shape[0] = self.element_shape.merge_with(shape)

    def _value(self, value, dtype=None):
        if isinstance(value, Tensor):
            return value
        return convert_to_tensor(value, dtype=dtype or self._dtype, name="value")

    def identity(self):
        return self._with_flow(identity(self._flow))

    def read(self, index, name=None):
        value = scoped("TensorArrayReadV3", "TensorArrayReadV3", [self._handle, index, self._flow],
                       {"dtype": self._dtype}, name=name)
        if self.element_shape.rank is not None:
            value.set_shape(self.element_shape)
        return value

    def write(self, index, value, name=None):
        g = self._handle.graph
        with g.as_default(), g.name_scope(name or "TensorArrayWrite"):
            value = self._value(value)
            self._check_element_shape(value.shape)
            flow = scoped("TensorArrayWriteV3", "TensorArrayWriteV3", [self._handle, index, value, self._flow],
                          name=name)
        return self._with_flow(flow)

    def stack(self, name=None):
        g = self._handle.graph
        with g.as_default(), _colocated(g, self._handle), g.name_scope(name or "TensorArrayStack"):
            value = self.gather(_range(0, self.size()), name=name)
            if self.element_shape.rank is not None and not self._dynamic_size and self._size is not None:
                n = self._size if not isinstance(self._size, Tensor) else constant_value(self._size)
                value.set_shape([None if n is None else int(n)] + list(self.element_shape.dims))
            return value

    def gather(self, indices, name=None):
        value = scoped("TensorArrayGatherV3", "TensorArrayGatherV3", [self._handle, indices, self._flow],
                        {"dtype": self._dtype, "element_shape": self.element_shape}, name=name)
        if self.element_shape.rank is not None:
            value.set_shape([None] + list(self.element_shape.dims))
        return value

    def concat(self, name=None):
        rest = self.element_shape[1:]
        value, _ = scoped("TensorArrayConcatV3", "TensorArrayConcatV3", [self._handle, self._flow],
                           {"dtype": self._dtype, "element_shape_except0": rest}, name=name)
        if self.element_shape.rank is not None and self.element_shape.rank >= 1:
            dim0 = None
            if self._infer_shape and self.element_shape.dims[0] is not None:
                size = constant_value(self.size())
                dim0 = None if size is None else int(size) * self.element_shape.dims[0]
            value.set_shape([dim0] + list(self.element_shape.dims[1:]))
        return value

    def unstack(self, value, name=None):
        g = self._handle.graph
        with g.as_default(), g.name_scope(name or "TensorArrayUnstack"):
            value = self._value(value)
            num_elements = shape(value)[0]
            return self.scatter(indices=_range(0, num_elements), value=value, name=name)

    def scatter(self, indices, value, name=None):
        g = self._handle.graph
        with g.as_default(), g.name_scope(name or "TensorArrayScatter"):
            value = self._value(value)
            if value.shape.rank is not None:
                self._check_element_shape(value.shape[1:])
            flow = scoped("TensorArrayScatterV3", "TensorArrayScatterV3",
                          [self._handle, indices, value, self._flow], name=name)
        return self._with_flow(flow)

    def split(self, value, lengths, name=None):
        g = self._handle.graph
        with g.as_default(), g.name_scope(name or "TensorArraySplit"):
            value = self._value(value)
            lengths_64 = cast(lengths, dtypes.int64)
            clengths = constant_value(lengths_64)
            if value.shape.rank is not None and clengths is not None:
                clengths = np.asarray(clengths)
                if clengths.ndim and clengths.size and clengths.max() == clengths.min():
                    self._check_element_shape(TensorShape([int(clengths[0])] + list(value.shape.dims[1:])))
            flow = scoped("TensorArraySplitV3", "TensorArraySplitV3", [self._handle, value, lengths_64, self._flow],
                          name=name)
        return self._with_flow(flow)

    def size(self, name=None):
        if not self._dynamic_size and self._size is not None:
            return self._size if isinstance(self._size, Tensor) else convert_to_tensor(self._size, dtype=dtypes.int32)
        return scoped("TensorArraySizeV3", "TensorArraySizeV3", [self._handle, self._flow], name=name)

    def close(self, name=None):
        return scoped("TensorArrayCloseV3", "TensorArrayCloseV3", [self._handle], name=name)

    def grad(self, source, flow=None, name=None):
        """The gradient array of this one for the ``tg.gradients`` call ``source`` (TensorArrayGradV3): made
        once ``flow`` (this array's, by default) is, of the array's size then, and the same array each time
        it is asked for in a run."""
        flow = self._flow if flow is None else flow
        g = self._handle.graph
        with g.as_default(), g.name_scope(name or "TensorArrayGrad"), _colocated(g, self._handle):
            handle, _ = make_op("TensorArrayGradV3", [self._handle, flow], {"source": source},
                                name="TensorArrayGradV3")
            with g.control_dependencies([handle.op]):
                flow = identity(flow, name="gradient_flow")
            ta = TensorArray(self._dtype, handle=handle, flow=flow, infer_shape=self._infer_shape,
                             colocate_with_first_write_call=False)
            ta._element_shape = self._element_shape
            return ta


def _graph_of_any(values):
    for v in values:
        if isinstance(v, Tensor):
            return v.graph
    return get_default_graph()


@contextlib.contextmanager
def _colocated(g, t):
    with g.colocate_with(t.op):
        yield
