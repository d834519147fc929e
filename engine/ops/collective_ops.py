"""Collectives across the processes of a data-parallel job, with TensorFlow's op types:
``CollectiveReduceV2`` (all-reduce), ``CollectiveGatherV2`` (all-gather along the first dimension),
``CollectiveBcastSendV2`` and ``CollectiveBcastRecvV2`` (broadcast from the one process that sends).

    s = all_reduce_v2(x, group_size=2, group_key=1, instance_key=1)           # sum over the processes
    m = all_reduce_v2(x, 2, 1, 2, merge_op="Add", final_op="Div")              # their mean

Every process of the group builds the same collectives with the same keys and runs them in the same order.
The kernels do not talk to the network themselves: they reach the job's communicator through
:func:`set_communicator`, which ``tagraph.distribute.init()`` fills (the engine cannot import the layer
that owns MPI). Without one, they raise FailedPreconditionError naming ``init``.

A communicator has ``rank``, ``size`` and these methods, on contiguous numpy arrays:
``exchange_headers(header, timeout)`` (an all-gather of a small int64 vector: returns ``[size, len]``),
``allreduce(send, recv, merge_op)``, ``allgather(send, recv, counts)`` (rows per process) and
``broadcast(buf, root)`` (in place); and ``device_collectives(device)``, which returns an object with the
same three data methods on that device's arrays (NCCL on CUDA) and ``supports(dtype)``, or None to have the
kernels copy through host memory.

Before moving any data, each kernel exchanges a header (the collective's kind, keys, dtype and shape)
with every process, and every process checks the same table: members that disagree (a shape that differs
across processes, collectives run in different orders) fail with InvalidArgumentError on every process
at once instead of hanging in the transport or mixing up data. ``timeout_seconds`` bounds that wait.

TensorFlow registers no gradient for these ops. The gradient of an ``Add`` all-reduce is Horovod's (the
op is what ``hvd.allreduce`` builds): the all-reduce of the incoming gradient, with the same final op.
All-gather accepts a first dimension that differs across processes (Horovod's allgather; TensorFlow's
needs equal shapes); the other dimensions must agree.
"""
import sys
import threading
import weakref
import zlib

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.op_util import dbg, gen1, invalid

__all__ = ["set_communicator", "get_communicator", "next_instance_key", "all_reduce_v2", "all_gather_v2",
           "broadcast_send_v2", "broadcast_recv_v2"]

_COMMUNICATOR = [None]
_LOCK = threading.Lock()


def set_communicator(communicator):
    """Makes ``communicator`` the one the collective kernels of this process use (None: no job)."""
    _COMMUNICATOR[0] = communicator


def get_communicator():
    """The job's communicator; FailedPreconditionError when ``tagraph.distribute.init()`` has not run."""
    comm = _COMMUNICATOR[0]
    if comm is None:
        raise errors.FailedPreconditionError(
            None, None, "Collective ops need the job's communicator: call tagraph.distribute.init() (hvd.init()) "
            "in every process before running them")
    return comm


_INSTANCE_KEYS = weakref.WeakKeyDictionary()    # graph -> the last instance key handed out in it


def next_instance_key(graph):
    """A fresh instance key in ``graph``: 1, 2, ... in the order collectives are built, so that processes
    building the same graph number its collectives alike."""
    with _LOCK:
        key = _INSTANCE_KEYS.get(graph, 0) + 1
        _INSTANCE_KEYS[graph] = key
        return key


# --- the header every member checks before data moves ------------------------------------------------------

_REDUCE, _GATHER, _SEND, _RECV = 1, 2, 3, 4
_KIND_NAMES = {_REDUCE: "CollectiveReduceV2", _GATHER: "CollectiveGatherV2", _SEND: "CollectiveBcastSendV2",
               _RECV: "CollectiveBcastRecvV2"}
_MERGE_OPS = ("Add", "Min", "Max", "Mul")
_FINAL_OPS = ("Id", "Div")
_MAX_DIMS = 8
# kind, merge/final op, group size, group key, instance key, dtype, rank, crc of the dims after the first, dims
# (the first _MAX_DIMS), whether this member rejected its own input, and whether its data is on a device.
_DIMS = slice(8, 8 + _MAX_DIMS)
_TRAILING_DIMS = slice(9, 8 + _MAX_DIMS)
_REJECTED, _ON_DEVICE = 8 + _MAX_DIMS, 9 + _MAX_DIMS
_HEADER_LEN = 10 + _MAX_DIMS


def _header(ctx, kind, op_code, group_size, group_key, instance_key, dtype, shape):
    h = np.zeros(_HEADER_LEN, np.int64)
    h[:7] = (kind, op_code, group_size, group_key, instance_key, dtypes.as_dtype(dtype).as_datatype_enum,
             len(shape))
    h[7] = zlib.crc32(np.asarray(shape[1:], np.int64).tobytes())
    n = min(len(shape), _MAX_DIMS)
    h[8:8 + n] = shape[:n]
    h[_ON_DEVICE] = not _on_host(ctx)
    return h


def _shape_of(row):
    rank = int(row[6])
    if rank > _MAX_DIMS:
        return "a rank-%d shape" % rank
    return dbg(row[8:8 + rank])


def _agree(node, table, me, kind, first_dim_may_differ=False):
    """Checks that every member runs the same collective on data that fits; the same verdict on every member."""
    mine = table[me]
    for r, row in enumerate(table):
        if row[0] != kind and not (kind in (_SEND, _RECV) and row[0] in (_SEND, _RECV)):
            raise invalid("Collective instance %d of node %s: process %d runs %s but process %d runs %s, "
                          "instance %d. The processes must build the same collectives and run them in the same "
                          "order.", mine[4], node, me, _KIND_NAMES.get(int(mine[0]), "?"), r,
                          _KIND_NAMES.get(int(row[0]), "?"), row[4])
        if tuple(row[2:5]) != tuple(mine[2:5]) or row[1] != mine[1]:
            raise invalid("Collective parameters of node %s differ across processes: process %d has group_size %d, "
                          "group_key %d, instance_key %d; process %d has group_size %d, group_key %d, instance_key "
                          "%d. The processes must build the same collectives and run them in the same order.",
                          node, me, mine[2], mine[3], mine[4], r, row[2], row[3], row[4])
        if row[5] != mine[5]:
            raise invalid("Collective instance %d: process %d has dtype %s but process %d has dtype %s", mine[4], me,
                          dtypes.as_dtype(int(mine[5])).name, r, dtypes.as_dtype(int(row[5])).name)
        dims = _TRAILING_DIMS if first_dim_may_differ else _DIMS
        same = row[6] == mine[6] and row[7] == mine[7] and tuple(row[dims]) == tuple(mine[dims])
        if not same:
            raise invalid("Shape mismatch in the collective instance %d. Op at process %d expected shape %s but "
                          "process %d expected shape %s.%s This is likely due to different input shapes at "
                          "different members of the collective op.", mine[4], me, _shape_of(mine), r,
                          _shape_of(row), " The dimensions after the first must agree." if first_dim_may_differ
                          else "")


def _check_group(ctx, comm, group_size, group_key, instance_key):
    """The group's size and keys, and the error for a group_size that is not the job's (raised by _exchange)."""
    size, key, instance = int(group_size), int(group_key), int(instance_key)
    error = None
    if size != comm.size:
        error = invalid("Collective %s: group_size %d does not match the %d processes of the job", ctx.node_name,
                        size, comm.size)
    return size, key, instance, error


def _exchange(ctx, comm, header, error=None):
    """Every member's header, after every member has sent its own. A member that rejects its own input (``error``)
    still takes part, and raises it; the others raise too, so that none waits for it in the data's transfer."""
    header[_REJECTED] = error is not None
    timeout = float(ctx.attrs.get("timeout_seconds", 0.0) or 0.0)
    table = comm.exchange_headers(header, timeout)
    if error is not None:
        raise error
    rejected = [r for r, row in enumerate(table) if row[_REJECTED]]
    if rejected:
        raise invalid("Collective %s (instance %d): process %s rejected its input (its error says why)",
                      ctx.node_name, header[4], ", ".join(map(str, rejected)))
    return table


# --- moving data: on the device through the communicator's device collectives, else through the host ------

def _on_host(ctx):
    return ctx.device.host_memory


def _device_ops(ctx, comm, table, reduce_dtype=None):
    """The communicator's collectives on this device's arrays, when every member's data is on a device (and
    its reductions take ``reduce_dtype``, for an all-reduce); else None (copies through host memory)."""
    if not bool(table[:, _ON_DEVICE].all()):
        return None
    ops = comm.device_collectives(ctx.device)
    if ops is None or (reduce_dtype is not None and not ops.supports(reduce_dtype)):
        return None
    return ops


def _contiguous(xp, x):
    # ascontiguousarray makes a scalar a vector of one.
    return xp.ascontiguousarray(x).reshape(x.shape)


def _to_host(ctx, x):
    return x if _on_host(ctx) else ctx.device.backend.download(x)


def _to_device(ctx, x):
    return x if _on_host(ctx) else ctx.device.backend.upload(x)


class _HostBuffers:
    """Host output buffers of large collectives, reused once nothing holds them any more.

    A fresh 64 MiB array costs 16384 page faults on first touch, a few percent of an all-reduce of it on
    one host; TensorFlow's allocator reuses freed memory, numpy's returns it to the system. An output is a
    view of a kept buffer, so the buffer's reference count tells whether the output, or any view of it,
    is still alive anywhere (a fetched result, a later kernel's input); only then is a new one made.
    """

    MIN_BYTES = 1 << 20
    KEEP = 4

    def __init__(self):
        self._buffers = []
        self._lock = threading.Lock()
        self._free_refs = None

    def _unheld_refs(self):
        # The count a buffer shows here when only this list holds it (the loop variable and getrefcount's
        # argument add theirs): measured the same way, so it holds on every CPython version.
        for probe in [np.empty(0, np.uint8)]:
            return sys.getrefcount(probe)

    def empty(self, shape, dtype):
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes < self.MIN_BYTES:
            return np.empty(shape, dtype)
        with self._lock:
            if self._free_refs is None:
                self._free_refs = self._unheld_refs()
            for buf in self._buffers:
                if buf.nbytes == nbytes and sys.getrefcount(buf) <= self._free_refs:
                    return buf.view(dtype).reshape(shape)
            buf = np.empty(nbytes, np.uint8)
            self._buffers.append(buf)
            del self._buffers[:-self.KEEP]
            return buf.view(dtype).reshape(shape)


_HOST_BUFFERS = _HostBuffers()


# MPI's reductions have no half types: they add in float32, as TensorFlow's kernels accumulate halves.
def _wire_dtype(dtype):
    return np.dtype(np.float32) if dtype.kind == "V" or dtype == np.float16 or dtype.name == "bfloat16" else dtype


def _final_div(xp, x, n):
    """``x`` (the kernel's own new array, which nothing else holds yet) divided by ``n``."""
    if x.dtype.kind in "iu":
        # C++ integer division truncates toward zero.
        return (xp.sign(x) * (xp.abs(x) // n)).astype(x.dtype)
    # In place: a second array of the size of a fused gradient buffer costs its page faults again.
    return xp.divide(x, x.dtype.type(n), out=x)


# --- CollectiveReduceV2 -------------------------------------------------------------------------------------

def _attr_str(ctx, name, default):
    v = ctx.attrs.get(name, default)
    return v.decode() if isinstance(v, bytes) else v


@register_kernel("CollectiveReduceV2", host_inputs=(1, 2, 3))
def _reduce(ctx, x, group_size, group_key, instance_key, *ordering_token):
    comm = get_communicator()
    size, key, instance, error = _check_group(ctx, comm, group_size, group_key, instance_key)
    merge_op, final_op = _attr_str(ctx, "merge_op", "Add"), _attr_str(ctx, "final_op", "Id")
    code = _MERGE_OPS.index(merge_op) * 2 + _FINAL_OPS.index(final_op)
    table = _exchange(ctx, comm, _header(ctx, _REDUCE, code, size, key, instance, ctx.attrs["T"], x.shape), error)
    _agree(ctx.node_name, table, comm.rank, _REDUCE)
    xp = ctx.xp
    device_ops = _device_ops(ctx, comm, table, x.dtype)
    if device_ops is not None:
        send = _contiguous(xp, x)
        out = xp.empty_like(send)
        device_ops.allreduce(send, out, merge_op)
    else:
        host = _contiguous(np, _to_host(ctx, x))
        wire = _wire_dtype(host.dtype)
        send = host.astype(wire) if wire != host.dtype else host
        out = _HOST_BUFFERS.empty(send.shape, send.dtype)
        comm.allreduce(send, out, merge_op)
        if wire != host.dtype:
            out = out.astype(host.dtype)
        out = _to_device(ctx, out)
    if final_op == "Div":
        out = _final_div(xp, out, size)
    return out


@register_shape("CollectiveReduceV2", "CollectiveBcastSendV2")
def _same_shape(op):
    return [op.inputs[0].shape]


@register_gradient("CollectiveReduceV2")
def _reduce_grad(op, grad):
    merge_op = op.get_attr("merge_op")
    merge_op = merge_op.decode() if isinstance(merge_op, bytes) else merge_op
    if merge_op != "Add":
        raise LookupError("No gradient defined for operation '%s' (op type: CollectiveReduceV2) with merge_op %s; "
                          "an all-reduce with merge_op Add has one" % (op.name, merge_op))
    final_op = op.get_attr("final_op")
    group_size, group_key = op.inputs[1], op.inputs[2]
    g = all_reduce_v2(grad, group_size, group_key, next_instance_key(grad.graph), merge_op="Add",
                      final_op=final_op.decode() if isinstance(final_op, bytes) else final_op,
                      communication_hint=op.get_attr("communication_hint"),
                      timeout=op.get_attr("timeout_seconds"))
    return [g, None, None, None] + [None] * (len(op.inputs) - 4)


# --- CollectiveGatherV2 -------------------------------------------------------------------------------------

@register_kernel("CollectiveGatherV2", host_inputs=(1, 2, 3))
def _gather(ctx, x, group_size, group_key, instance_key, *ordering_token):
    comm = get_communicator()
    size, key, instance, error = _check_group(ctx, comm, group_size, group_key, instance_key)
    if x.ndim == 0:
        error = error or invalid("Collective %s: all-gather needs a tensor of rank 1 or more, not a scalar",
                                 ctx.node_name)
    table = _exchange(ctx, comm, _header(ctx, _GATHER, 0, size, key, instance, ctx.attrs["T"], x.shape), error)
    _agree(ctx.node_name, table, comm.rank, _GATHER, first_dim_may_differ=True)
    counts = [int(r[8]) for r in table]
    shape = (sum(counts),) + tuple(x.shape[1:])
    device_ops = _device_ops(ctx, comm, table)
    if device_ops is not None:
        xp = ctx.xp
        out = xp.empty(shape, x.dtype)
        device_ops.allgather(_contiguous(xp, x), out, counts)
        return out
    host = _contiguous(np, _to_host(ctx, x))
    out = _HOST_BUFFERS.empty(shape, host.dtype)
    comm.allgather(host, out, counts)
    return _to_device(ctx, out)


@register_shape("CollectiveGatherV2")
def _gather_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    if s.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'input'")
    return [TensorShape([None] + s.dims[1:])]


# --- CollectiveBcastSendV2 / CollectiveBcastRecvV2 ------------------------------------------------------------

def _broadcast(ctx, comm, kind, buf_shape, dtype, group_size, group_key, instance_key, bad_shape=None):
    size, key, instance, error = _check_group(ctx, comm, group_size, group_key, instance_key)
    error = error or bad_shape
    table = _exchange(ctx, comm, _header(ctx, kind, 0, size, key, instance, dtype, buf_shape), error)
    _agree(ctx.node_name, table, comm.rank, kind)
    senders = [r for r, row in enumerate(table) if row[0] == _SEND]
    if len(senders) != 1:
        raise invalid("Collective broadcast instance %d needs exactly one sending process, found %d (%s)",
                      instance, len(senders), ", ".join(map(str, senders)) or "none")
    return senders[0], table


def _bcast_data(ctx, comm, x, root, table, shape=None, dtype=None):
    """Broadcasts from ``root`` the sender's data ``x``; on the other members (``x`` None) returns an array of
    ``shape`` and ``dtype`` holding it."""
    device_ops = _device_ops(ctx, comm, table)
    if device_ops is not None:
        buf = x if x is not None else ctx.xp.empty(shape, dtype)
        device_ops.broadcast(buf, root)
        return buf
    if x is not None:
        comm.broadcast(_contiguous(np, _to_host(ctx, x)), root)
        return x
    host = _HOST_BUFFERS.empty(shape, dtype)
    comm.broadcast(host, root)
    return _to_device(ctx, host)


@register_kernel("CollectiveBcastSendV2", host_inputs=(1, 2, 3))
def _bcast_send(ctx, x, group_size, group_key, instance_key):
    comm = get_communicator()
    root, table = _broadcast(ctx, comm, _SEND, x.shape, ctx.attrs["T"], group_size, group_key, instance_key)
    # The sender's buffer is only read: its input is its output.
    return _bcast_data(ctx, comm, _contiguous(ctx.xp, x), root, table)


@register_kernel("CollectiveBcastRecvV2", host_inputs=(0, 1, 2, 3))
def _bcast_recv(ctx, group_size, group_key, instance_key, shape):
    comm = get_communicator()
    bad_shape = None
    if np.ndim(shape) != 1 or bool((np.asarray(shape) < 0).any()):
        bad_shape = invalid("Collective %s: shape must be a vector of non-negative sizes, got %s", ctx.node_name,
                            np.asarray(shape).tolist())
    dims = [int(d) for d in np.asarray(shape).reshape(-1)]
    dtype = ctx.attrs["T"]
    root, table = _broadcast(ctx, comm, _RECV, dims, dtype, group_size, group_key, instance_key, bad_shape)
    return _bcast_data(ctx, comm, None, root, table, dims, dtypes.as_dtype(dtype).as_numpy_dtype)


@register_shape("CollectiveBcastRecvV2")
def _recv_shape(op):
    return [constant_shape(op.inputs[3])]


not_differentiable("CollectiveGatherV2", "CollectiveBcastSendV2", "CollectiveBcastRecvV2")


# --- constructors, as tensorflow/python/ops/collective_ops.py names them ---------------------------------------

def _attrs(communication_hint, timeout):
    hint = communication_hint.decode() if isinstance(communication_hint, bytes) else communication_hint
    return {"communication_hint": hint.lower(), "timeout_seconds": float(timeout)}


def all_reduce_v2(t, group_size, group_key, instance_key, merge_op="Add", final_op="Id", communication_hint="auto",
                  timeout=0, name=None):
    """Reduces ``t`` across the ``group_size`` processes with ``merge_op`` (Add, Min, Max, Mul), then applies
    ``final_op`` (Id, or Div: divided by ``group_size``). Every process gets the result.

        mean = all_reduce_v2(grad, 2, group_key=1, instance_key=7, final_op="Div")
    """
    if merge_op not in _MERGE_OPS:
        raise ValueError("merge_op must be one of %s, not %r" % (", ".join(_MERGE_OPS), merge_op))
    if final_op not in _FINAL_OPS:
        raise ValueError("final_op must be one of %s, not %r" % (", ".join(_FINAL_OPS), final_op))
    attrs = dict(_attrs(communication_hint, timeout), merge_op=merge_op, final_op=final_op)
    return gen1("CollectiveReduceV2", [t, group_size, group_key, instance_key, []], attrs, name=name,
                default_name="CollectiveReduceV2")


def all_gather_v2(t, group_size, group_key, instance_key, communication_hint="auto", timeout=0, name=None):
    """Concatenates every process's ``t`` along the first dimension, in process order.

        rows = all_gather_v2(batch, 2, group_key=1, instance_key=8)
    """
    return gen1("CollectiveGatherV2", [t, group_size, group_key, instance_key, []],
                _attrs(communication_hint, timeout), name=name, default_name="CollectiveGatherV2")


def broadcast_send_v2(t, group_size, group_key, instance_key, communication_hint="auto", timeout=0, name=None):
    """Sends ``t`` to the other processes of the group (their :func:`broadcast_recv_v2`); returns ``t``.

        x = broadcast_send_v2(weights, 2, group_key=1, instance_key=9)        # on the sending process
    """
    return gen1("CollectiveBcastSendV2", [t, group_size, group_key, instance_key],
                _attrs(communication_hint, timeout), name=name, default_name="CollectiveBcastSendV2")


def broadcast_recv_v2(shape, dtype, group_size, group_key, instance_key, communication_hint="auto", timeout=0,
                      name=None):
    """The ``shape``/``dtype`` tensor that the sending process of the group broadcasts.

        w = broadcast_recv_v2([3, 4], tg.float32, 2, group_key=1, instance_key=9)   # on the others
    """
    attrs = dict(_attrs(communication_hint, timeout), T=dtypes.as_dtype(dtype))
    if not hasattr(shape, "dtype"):
        shape = np.asarray(shape, np.int32).reshape(-1)      # [] is a scalar's shape, not a float list
    return gen1("CollectiveBcastRecvV2", [group_size, group_key, instance_key, shape], attrs, name=name,
                default_name="CollectiveBcastRecvV2")
