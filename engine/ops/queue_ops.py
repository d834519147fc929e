"""TensorFlow 1's queues, the input pipelines before tf.data: ``FIFOQueueV2``, ``PaddingFIFOQueueV2``,
``RandomShuffleQueueV2``, ``PriorityQueueV2`` and the ``Queue*V2`` ops, their host kernels and shape
functions, and the classes users build with (``tg.FIFOQueue``, ``tg.PaddingFIFOQueue``,
``tg.RandomShuffleQueue``, ``tg.PriorityQueue``), named and behaving as TensorFlow's ``data_flow_ops``.

    q = tg.FIFOQueue(10, [tg.float32], shapes=[[2]])
    enq = q.enqueue([[1., 2.]])
    batch = q.dequeue_many(2)         # blocks until two elements are there, or the queue closes

A queue lives in the session's state (queue_resources holds it), keyed by (container, name) as
TensorFlow's resource manager keys it: the name is the op's ``shared_name``, else one private to the op
(``_0_fifo_queue``, the name TensorFlow's messages show). Enqueue and dequeue runs may come from several
threads at once (a QueueRunner's): they wait on the queue, never on the session. RunOptions'
``timeout_in_ms`` bounds a wait (DeadlineExceededError).
"""
import hashlib
import itertools
import time

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops.op_util import gen
from tagraph.engine.ops.queue_resources import FIFOQueue as _FIFO
from tagraph.engine.ops.queue_resources import PaddingFIFOQueue as _Padding
from tagraph.engine.ops.queue_resources import PriorityQueue as _Priority
from tagraph.engine.ops.queue_resources import RandomShuffleQueue as _Shuffle
from tagraph.engine.ops.queue_resources import run_deadline
from tagraph.engine.ops.random_ops import get_seed

__all__ = ["QueueBase", "FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue", "PriorityQueue", "QUEUE_OPS",
           "wait_deadline"]

_HOST = host_kind().device_type
QUEUE_OPS = ("FIFOQueueV2", "PaddingFIFOQueueV2", "RandomShuffleQueueV2", "PriorityQueueV2")
_PRIVATE_IDS = itertools.count()


def _str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def wait_deadline(ctx):
    """When a wait of the kernel with ``ctx`` ends: the run's deadline or the op's ``timeout_ms``, the earlier."""
    at = run_deadline.current()
    ms = ctx.attrs.get("timeout_ms", -1)
    if ms is not None and ms >= 0:
        own = time.monotonic() + ms / 1000.0
        at = own if at is None else min(at, own)
    return at


# --- handle ops ----------------------------------------------------------------------------------------

def _shapes_attr(ctx):
    shapes = ctx.attrs.get("shapes") or []
    return [None if TensorShape(s).rank is None else tuple(-1 if d is None else d for d in TensorShape(s).dims)
            for s in shapes]


def _queue(ctx, make, skip=0):
    """The queue a handle op names, made by ``make(name, types, shapes)`` the first time."""
    state = ctx.session_state.op_state
    queue = state.get(ctx.op)
    if queue is not None:
        return queue
    a = ctx.attrs
    container = _str(a.get("container", "")) or "localhost"
    name = _str(a.get("shared_name", "")) or "_%d_%s" % (next(_PRIVATE_IDS), ctx.node_name)
    key = ("queue", container, name)
    types = [dtypes.as_dtype(t) for t in a["component_types"]]
    np_types = [np.dtype(object) if t == dtypes.string else np.dtype(t.as_numpy_dtype) for t in types]
    queue = state.get(key)
    if queue is None:
        queue = state[key] = make(name, np_types, _shapes_attr(ctx))
    elif queue.component_types[skip:] != np_types:
        raise errors.InvalidArgumentError(None, None, "Shared queue '%s' has component types %s but requested "
                                          "component types were %s" % (name, queue.component_types, np_types))
    state[ctx.op] = queue
    return queue


@register_kernel("FIFOQueueV2", _HOST)
def _fifo_queue(ctx):
    return _queue(ctx, lambda n, t, s: _FIFO(n, t, s, ctx.attrs.get("capacity", -1)))


@register_kernel("PaddingFIFOQueueV2", _HOST)
def _padding_fifo_queue(ctx):
    return _queue(ctx, lambda n, t, s: _Padding(n, t, s, ctx.attrs.get("capacity", -1)))


@register_kernel("PriorityQueueV2", _HOST)
def _priority_queue(ctx):
    # The op's types and shapes are those after the priority; the queue's start with it.
    return _queue(ctx, lambda n, t, s: _Priority(n, t, s, ctx.attrs.get("capacity", -1)), skip=1)


@register_kernel("RandomShuffleQueueV2", _HOST)
def _random_shuffle_queue(ctx):
    a = ctx.attrs
    return _queue(ctx, lambda n, t, s: _Shuffle(n, t, s, a.get("capacity", -1), a.get("min_after_dequeue", 0),
                                                a.get("seed", 0), a.get("seed2", 0)))


# --- queue ops -----------------------------------------------------------------------------------------

def _cast(ctx, queue, values):
    # An enqueued value outlives the run: a fed array (its caller's to change afterwards), or a view of
    # one, is copied (plan.KEEPING_OPS).
    keep = np.array if ctx.attrs.get("_input_is_fed", True) else np.asarray
    return tuple(keep(v, dtype=t) for v, t in zip(values, queue.component_types))


@register_kernel("QueueEnqueueV2", _HOST)
def _enqueue(ctx, queue, *components):
    queue.check_tuple(components)
    queue.enqueue_many([_cast(ctx, queue, components)], wait_deadline(ctx))
    return None


@register_kernel("QueueEnqueueManyV2", _HOST)
def _enqueue_many(ctx, queue, *components):
    queue.enqueue_many(queue.split_many(_cast(ctx, queue, components)), wait_deadline(ctx))
    return None


def _outputs(values):
    return values[0] if len(values) == 1 else tuple(values)


@register_kernel("QueueDequeueV2", _HOST)
def _dequeue(ctx, queue):
    return _outputs(queue.dequeue(wait_deadline(ctx)))


@register_kernel("QueueDequeueManyV2", _HOST)
def _dequeue_many(ctx, queue, n):
    return _outputs(queue.dequeue_many(int(n), wait_deadline(ctx)))


@register_kernel("QueueDequeueUpToV2", _HOST)
def _dequeue_up_to(ctx, queue, n):
    return _outputs(queue.dequeue_many(int(n), wait_deadline(ctx), up_to=True))


@register_kernel("QueueCloseV2", _HOST)
def _close(ctx, queue):
    queue.close(bool(ctx.attrs.get("cancel_pending_enqueues", False)))
    return None


@register_kernel("QueueSizeV2", _HOST)
def _size(ctx, queue):
    return np.int32(queue.size())


@register_kernel("QueueIsClosedV2", _HOST)
def _is_closed(ctx, queue):
    return np.bool_(queue.closed)


for _t in QUEUE_OPS:
    register_shape(_t)(lambda op: [TensorShape([])])
register_shape("QueueEnqueueV2", "QueueEnqueueManyV2", "QueueCloseV2")(lambda op: [])
register_shape("QueueDequeueV2", "QueueDequeueManyV2", "QueueDequeueUpToV2")(
    lambda op: [TensorShape(None) for _ in op.get_attr("component_types")])
register_shape("QueueSizeV2", "QueueIsClosedV2")(lambda op: [TensorShape([])])
not_differentiable(*QUEUE_OPS, "QueueEnqueueV2", "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2",
                   "QueueDequeueUpToV2", "QueueCloseV2", "QueueSizeV2", "QueueIsClosedV2")


# --- the classes, as TensorFlow's data_flow_ops ------------------------------------------------------

def _as_type_list(types):
    if isinstance(types, (list, tuple)):
        return [dtypes.as_dtype(t) for t in types]
    return [dtypes.as_dtype(types)]


def _as_shape_list(shapes, types, unknown_dim_allowed=False):
    if shapes is None:
        return None
    if isinstance(shapes, TensorShape) or (isinstance(shapes, (list, tuple)) and shapes
                                           and all(s is None or isinstance(s, int) for s in shapes)):
        shapes = [shapes]
    shapes = [as_shape(s) for s in shapes]
    if not unknown_dim_allowed and any(not s.is_fully_defined() for s in shapes):
        raise ValueError("All shapes must be fully defined: %s" % shapes)
    if len(shapes) != len(types):
        raise ValueError("shapes must have the same length as dtypes")
    return shapes


class QueueBase:
    """What every queue offers: enqueue, dequeue, close, size (TensorFlow's ``tf.QueueBase``)."""

    def __init__(self, dtypes_, shapes, names, queue_ref):
        self._dtypes = dtypes_
        self._shapes = shapes if shapes is not None else [TensorShape(None) for _ in dtypes_]
        if names is not None:
            names = list(names) if isinstance(names, (list, tuple)) else [names]
            if len(names) != len(dtypes_):
                raise ValueError("Queue names must have the same length as dtypes")
        self._names = names
        self._queue_ref = queue_ref
        self._name = queue_ref.op.name.split("/")[-1]

    queue_ref = property(lambda self: self._queue_ref)
    name = property(lambda self: self._queue_ref.op.name)
    dtypes = property(lambda self: self._dtypes)
    shapes = property(lambda self: self._shapes)
    names = property(lambda self: self._names)

    def _check_enqueue_dtypes(self, vals):
        if isinstance(vals, dict):
            if not self._names:
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(self._names, key=str) != sorted(vals.keys(), key=str):
                raise ValueError("Keys in dictionary to enqueue do not match names of Queue.  Dictionary: (%s),"
                                 "Queue: (%s)" % (sorted(vals.keys()), sorted(self._names)))
            vals = [vals[k] for k in self._names]
        else:
            if self._names:
                raise ValueError("You must enqueue a dictionary in a Queue with names")
            if not isinstance(vals, (list, tuple)):
                vals = [vals]
        tensors = []
        for i, (val, dtype) in enumerate(zip(vals, self._dtypes)):
            tensors.append(convert_to_tensor(val, dtype=dtype, name="component_%d" % i))
        return tensors

    def _scope(self, name, suffix):
        return name or "%s_%s" % (self._name, suffix)

    def _enqueue(self, op_type, vals, name, rows):
        # As TensorFlow's: the values become tensors inside the op's name scope (``<op>/component_0``).
        g = self._queue_ref.graph
        with g.as_default(), g.name_scope(name) as scope:
            vals = self._check_enqueue_dtypes(vals)
            for val, shape in zip(vals, self._shapes):
                if rows and val.shape.rank == 0:
                    raise ValueError("Shape must be at least rank 1 but is rank 0")
                _assert_compatible(val.shape[1:] if rows else val.shape, shape)
            return g.create_op(op_type, [self._queue_ref, vals], {"Tcomponents": [v.dtype for v in vals],
                                                                  "timeout_ms": -1}, name=scope)

    def enqueue(self, vals, name=None):
        """Adds one element (a tensor, a list of them, or a dict by name); waits while the queue is full."""
        return self._enqueue("QueueEnqueueV2", vals, self._scope(name, "enqueue"), rows=False)

    def enqueue_many(self, vals, name=None):
        """Adds the slices of ``vals`` along their first dimension, one element each."""
        return self._enqueue("QueueEnqueueManyV2", vals, self._scope(name, "EnqueueMany"), rows=True)

    def _result(self, op, batch=()):
        outs = op.outputs
        for out, shape in zip(outs, self._shapes):
            if batch == ():
                out.set_shape(shape)
            elif shape.rank is not None:
                out.set_shape(TensorShape(list(batch) + list(shape.dims)))
        if self._names:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else list(outs)

    def dequeue(self, name=None):
        """One element; waits for it. Once the queue is closed and empty: OutOfRangeError."""
        op = gen("QueueDequeueV2", [self._queue_ref], {"component_types": self._dtypes, "timeout_ms": -1},
                 self._scope(name, "Dequeue"))
        return self._result(op)

    def dequeue_many(self, n, name=None):
        """``n`` elements, stacked along a new first dimension; waits for them."""
        op = gen("QueueDequeueManyV2", [self._queue_ref, n],
                 {"component_types": self._dtypes, "timeout_ms": -1}, self._scope(name, "DequeueMany"))
        return self._result(op, [_constant_int(op.inputs[1])])

    def dequeue_up_to(self, n, name=None):
        """As :meth:`dequeue_many`, but once the queue is closed gives what is left (at least one)."""
        op = gen("QueueDequeueUpToV2", [self._queue_ref, n],
                 {"component_types": self._dtypes, "timeout_ms": -1}, self._scope(name, "DequeueUpTo"))
        return self._result(op, [None])

    def close(self, cancel_pending_enqueues=False, name=None):
        """Closes the queue: later enqueues fail; dequeues take what is left, then fail."""
        return gen("QueueCloseV2", [self._queue_ref], {"cancel_pending_enqueues": bool(cancel_pending_enqueues)},
                   self._scope(name, "Close"))

    def is_closed(self, name=None):
        return gen("QueueIsClosedV2", [self._queue_ref], {}, self._scope(name, "IsClosed")).outputs[0]

    def size(self, name=None):
        """The number of elements in the queue (an int32 scalar)."""
        return gen("QueueSizeV2", [self._queue_ref], {}, self._scope(name, "Size")).outputs[0]


def _assert_compatible(got, want):
    if not got.is_compatible_with(want):
        raise ValueError("Shapes %s and %s are incompatible" % (got, want))


def _constant_int(t):
    op = t.op
    if op.type == "Const":
        return int(np.asarray(op.get_attr("value")))
    return None


def _handle(op_type, attrs, name, default):
    return gen(op_type, [], attrs, name, default).outputs[0]


def _attrs(types, shapes, capacity, shared_name, **more):
    a = {"component_types": types, "shapes": [s for s in shapes] if shapes else [], "capacity": int(capacity),
         "container": "", "shared_name": shared_name or ""}
    a.update(more)
    return a


class FIFOQueue(QueueBase):
    """A queue whose elements leave in the order they came.

        q = tg.FIFOQueue(3, [tg.int32], shapes=[[]])
    """

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):  # noqa: A002
        types = _as_type_list(dtypes)
        shapes = _as_shape_list(shapes, types)
        ref = _handle("FIFOQueueV2", _attrs(types, shapes, capacity, shared_name), name, "fifo_queue")
        super().__init__(types, shapes, names, ref)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose ``dequeue_many`` pads components of unknown dimensions (None in ``shapes``)
    with zeros to the longest element of the batch.

        q = tg.PaddingFIFOQueue(5, [tg.int32], shapes=[[None]])
    """

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None,  # noqa: A002
                 name="padding_fifo_queue"):
        types = _as_type_list(dtypes)
        shapes = _as_shape_list(shapes, types, unknown_dim_allowed=True)
        if len(types) != len(shapes):
            raise ValueError("Shapes must be provided for all components, but received %d dtypes and %d shapes."
                             % (len(types), len(shapes)))
        ref = _handle("PaddingFIFOQueueV2", _attrs(types, shapes, capacity, shared_name), name, "padding_fifo_queue")
        super().__init__(types, shapes, names, ref)


class RandomShuffleQueue(QueueBase):
    """A queue whose dequeues take random elements; while open it keeps ``min_after_dequeue`` of them.

        q = tg.RandomShuffleQueue(100, 10, [tg.float32], shapes=[[]], seed=1)
    """

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None,  # noqa: A002
                 shared_name=None, name="random_shuffle_queue"):
        types = _as_type_list(dtypes)
        shapes = _as_shape_list(shapes, types)
        seed1, seed2 = get_seed(seed)
        if seed1 is None and seed2 is None:
            seed1, seed2 = 0, 0
        elif seed is None and shared_name is not None:
            seed2 = int(hashlib.md5((str(seed1) + shared_name).encode("utf-8")).hexdigest()[:8], 16) & 0x7FFFFFFF
        ref = _handle("RandomShuffleQueueV2", _attrs(types, shapes, capacity, shared_name,
                                                     min_after_dequeue=int(min_after_dequeue), seed=int(seed1),
                                                     seed2=int(seed2)), name, "random_shuffle_queue")
        super().__init__(types, shapes, names, ref)


class PriorityQueue(QueueBase):
    """A queue whose dequeues take the element of the smallest priority: each element's first component,
    an int64 scalar, before the components of ``types``.

        q = tg.PriorityQueue(10, [tg.string], shapes=[[]])
        q.enqueue([tg.constant(2, tg.int64), "b"])
    """

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None, name="priority_queue"):
        types = _as_type_list(types)
        shapes = _as_shape_list(shapes, types)
        ref = _handle("PriorityQueueV2", _attrs(types, shapes, capacity, shared_name), name, "priority_queue")
        super().__init__([dtypes.int64] + types, [TensorShape([])] + shapes if shapes else None, names, ref)
