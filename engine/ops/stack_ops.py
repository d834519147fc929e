"""Stacks, as TensorFlow 1's loop gradients use them: ``StackV2``, ``StackPushV2``, ``StackPopV2`` and
``StackCloseV2``.

    h = stack_v2(-1, tg.float32, stack_name="acc")
    push = stack_push_v2(h, x)
    with tg.control_dependencies([push]):
        top = stack_pop_v2(h, tg.float32)           # x again

The gradient of a while loop (engine/train/control_flow_grad.py) pushes each forward value the backward
pass needs onto a stack inside the forward loop, one push per iteration, and pops them in the backward
loop, last first. A stack is made by ``StackV2`` (output: a ``resource`` handle whose value is a
:class:`Stack`), which the kernel makes anew each time it runs: like TensorFlow's, a stack lives for one
step, so a second ``Session.run`` starts with an empty one. The kernels run on the host and keep the
pushed values in host memory (TensorFlow's ``swap_memory``, always), and check what TensorFlow's do,
with its messages: popping an empty stack, pushing past ``max_size``, using a closed stack.
"""
import itertools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape

__all__ = ["Stack", "stack_v2", "stack_push_v2", "stack_pop_v2", "stack_close_v2"]

_HOST = host_kind().device_type
# TensorFlow numbers its stacks per process (``f_acc_3``); its messages carry the number.
_IDS = itertools.count()


def _invalid(fmt, *args):
    return errors.InvalidArgumentError(None, None, fmt % args)


class Stack:
    """The value of a stack handle: one stack of one run."""

    __slots__ = ("name", "dtype", "max_size", "items", "closed")

    def __init__(self, name, dtype, max_size):
        self.name = name
        self.dtype = np.dtype(dtype)
        self.max_size = max_size
        self.items = []
        self.closed = False

    def __repr__(self):
        return "<Stack %s: %d %s>" % (self.name, len(self.items), self.dtype.name)

    def _check_open(self):
        if self.closed:
            raise _invalid("Stack[%s] has already been closed.", self.name)

    def push(self, value):
        self._check_open()
        if self.max_size >= 0 and len(self.items) >= self.max_size:
            raise _invalid("Stack[%s] overflowed its max_size (%d)", self.name, self.max_size)
        self.items.append(value)

    def pop(self):
        self._check_open()
        if not self.items:
            raise _invalid("Stack[%s] is empty when calling Pop().", self.name)
        return self.items.pop()

    def close(self):
        self.closed = True
        self.items = []


# --- kernels ---------------------------------------------------------------------------------------------

@register_kernel("StackV2", _HOST)
def _stack(ctx, max_size):
    max_size = np.asarray(max_size)
    if max_size.ndim != 0:
        raise _invalid("Stack size must be a scalar, but had shape: [%s]", ",".join(str(d) for d in max_size.shape))
    name = ctx.attrs.get("stack_name", b"")
    name = (name.decode("utf-8") if isinstance(name, bytes) else name) or ctx.node_name
    size = int(max_size)
    return Stack("%s_%d" % (name, next(_IDS)), dtypes.as_dtype(ctx.attrs["elem_type"]).as_numpy_dtype,
                 size if size >= 0 else -1)


@register_kernel("StackPushV2", _HOST)
def _push(ctx, stack, elem):
    # The stack keeps the array it was given: kernels never change an input in place.
    stack.push(elem)
    return elem


@register_kernel("StackPopV2", _HOST)
def _pop(ctx, stack):
    value = stack.pop()
    if value.__class__ is np.ndarray and value.dtype.type is ctx.attrs["elem_type"].as_numpy_dtype \
            and value.dtype.kind != "O":
        return value
    want = dtypes.as_dtype(ctx.attrs["elem_type"])
    if want in (dtypes.resource, dtypes.variant):
        # A handle (an array of a loop iteration) or a list: an object, not an array.
        return value
    got = dtypes.as_dtype(np.asarray(value).dtype)
    if got != want:
        raise errors.InternalError(None, None, "Output 0 of type %s does not match declared output type %s for node "
                                   "{{node %s}}" % (_tf_type(got), _tf_type(want), ctx.node_name))
    return value


@register_kernel("StackCloseV2", _HOST)
def _close(ctx, stack):
    stack.close()
    return None


def _tf_type(dtype):
    return {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)


register_shape("StackV2")(lambda op: [TensorShape([2])])
register_shape("StackPushV2")(lambda op: [op.inputs[1].shape])
register_shape("StackPopV2")(lambda op: [TensorShape(None)])
register_shape("StackCloseV2")(lambda op: [])

not_differentiable("StackV2", "StackPushV2", "StackPopV2", "StackCloseV2")


# --- constructors ----------------------------------------------------------------------------------------

def stack_v2(max_size, elem_type, stack_name="", name=None):
    """A new stack of ``elem_type`` holding at most ``max_size`` values (-1: no limit); its handle."""
    return make_op("StackV2", [max_size], {"elem_type": dtypes.as_dtype(elem_type).base_dtype,
                                           "stack_name": stack_name}, name=name or "StackV2")


def stack_push_v2(handle, elem, swap_memory=False, name=None):
    """Pushes ``elem``; outputs it, once pushed."""
    return make_op("StackPushV2", [handle, elem], {"swap_memory": bool(swap_memory)}, name=name or "StackPushV2")


def stack_pop_v2(handle, elem_type, name=None):
    """The value last pushed, removed from the stack; an empty stack is an InvalidArgumentError."""
    return make_op("StackPopV2", [handle], {"elem_type": dtypes.as_dtype(elem_type).base_dtype},
                   name=name or "StackPopV2")


def stack_close_v2(handle, name=None):
    return make_op("StackCloseV2", [handle], name=name or "StackCloseV2")
