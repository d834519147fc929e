"""Horovod's collectives as graph ops: ``allreduce``, ``allgather``, ``broadcast``, ``broadcast_variables``,
``broadcast_global_variables``, and the reduction ops ``Average``, ``Sum``, ``Min``, ``Max``, ``Product``.

    mean = hvd.allreduce(loss)                         # CollectiveReduceV2: Add, then Div by size()
    rows = hvd.allgather(predictions)                  # CollectiveGatherV2 along the first dimension
    w0 = hvd.broadcast(w, root_rank=0)                 # CollectiveBcastSendV2 on rank 0, ...RecvV2 elsewhere
    sess.run(hvd.broadcast_global_variables(0))

They build TensorFlow's collective ops (tagraph.engine.ops.collective_ops) with one group for the job
(group key 1, group size ``size()``) and instance keys numbered in the order they are built, so every
process must build them in the same order, as Horovod's own ops must be. ``init()`` comes first.
"""
import contextlib
import os

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.ops import array_ops, collective_ops, math_ops
from tagraph.engine.ops.control_flow_ops import group
from tagraph.engine.variables.variables import global_variables
from tagraph.distribute import basics
from tagraph.distribute.fusion import fused

__all__ = ["Average", "Sum", "Adasum", "Min", "Max", "Product", "Compression", "allreduce", "allgather", "broadcast",
           "broadcast_variables", "broadcast_global_variables", "grouped_allreduce", "fusion_threshold"]

# Horovod's reduction ops.
Average, Sum, Adasum, Min, Max, Product = "Average", "Sum", "Adasum", "Min", "Max", "Product"
_MERGE = {Average: "Add", Sum: "Add", Min: "Min", Max: "Max", Product: "Mul"}
GROUP_KEY = 1
_DEFAULT_FUSION_THRESHOLD = 64 * 1024 * 1024


def fusion_threshold():
    """Bytes per fused all-reduce buffer: HOROVOD_FUSION_THRESHOLD, 64 MiB unless set; 0 turns fusion off."""
    value = os.environ.get("HOROVOD_FUSION_THRESHOLD")
    return _DEFAULT_FUSION_THRESHOLD if value in (None, "") else int(value)


class _NoCompression:
    """Gradients travel as they are."""

    @staticmethod
    def compress(tensor):
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor


class _FP16Compression:
    """Floating-point tensors travel as float16 and come back in their own dtype."""

    @staticmethod
    def compress(tensor):
        if tensor.dtype.is_floating and tensor.dtype.base_dtype != dtypes.float16:
            return math_ops.cast(tensor, dtypes.float16), tensor.dtype
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor if ctx is None else math_ops.cast(tensor, ctx)


class Compression:
    """Horovod's gradient compression: ``Compression.none`` or ``Compression.fp16``."""
    none = _NoCompression
    fp16 = _FP16Compression


@contextlib.contextmanager
def _scope(graph, name, device=""):
    """Builds in ``graph`` under ``name`` (and on ``device`` when given)."""
    with graph.as_default(), graph.name_scope(name):
        if device:
            with graph.device(device):
                yield
        else:
            yield


def _reduce_op(average, op):
    if average is not None and op is not None:
        raise ValueError("The op parameter supersedes average; give only one of them.")
    if op is None:
        op = Average if average is None or average else Sum
    if op == Adasum:
        raise NotImplementedError("tagraph.distribute does not implement the Adasum reduction; use Average or Sum")
    if op not in _MERGE:
        raise ValueError("op must be one of Average, Sum, Min, Max, Product, not %r" % (op,))
    return op


def _reduce(tensor, op, instance_key=None, name=None):
    size = basics.size()
    key = instance_key or collective_ops.next_instance_key(tensor.graph)
    return collective_ops.all_reduce_v2(tensor, size, GROUP_KEY, key, merge_op=_MERGE[op],
                                        final_op="Div" if op == Average else "Id", name=name)


def _scaled(tensor, factor):
    if factor == 1.0:
        return tensor
    if tensor.dtype.is_integer:
        raise ValueError("prescale_factor and postscale_factor need a floating-point tensor, not %s"
                         % tensor.dtype.name)
    return tensor * math_ops.cast(factor, tensor.dtype)


def allreduce(tensor, average=None, device_dense="", device_sparse="", compression=Compression.none, op=None,
              prescale_factor=1.0, postscale_factor=1.0, name=None):
    """``tensor`` reduced over every process by ``op`` (Average unless given; ``average=False`` means Sum).
    An IndexedSlices is all-gathered (its values averaged for Average), as Horovod does.

        avg_loss = hvd.allreduce(loss)
        total = hvd.allreduce(count, op=hvd.Sum)
    """
    op = _reduce_op(average, op)
    if isinstance(tensor, IndexedSlices):
        if op not in (Average, Sum):
            raise ValueError("an IndexedSlices can only be all-reduced with Average or Sum, not %s" % op)
        with _scope(tensor.values.graph, name or "HorovodAllreduce", device_sparse):
            values, indices = allgather(tensor.values), allgather(tensor.indices)
            if op == Average:
                values = values / math_ops.cast(basics.size(), values.dtype)
        return IndexedSlices(values, indices, dense_shape=tensor.dense_shape)
    tensor = convert_to_tensor(tensor)
    with _scope(tensor.graph, name or "HorovodAllreduce", device_dense):
        wire, ctx = compression.compress(_scaled(tensor, prescale_factor))
        reduced = compression.decompress(_reduce(wire, op), ctx)
        return _scaled(reduced, postscale_factor)


def grouped_allreduce(tensors, average=None, device_dense="", compression=Compression.none, op=None,
                      prescale_factor=1.0, postscale_factor=1.0, threshold=None):
    """Every tensor of ``tensors`` reduced as :func:`allreduce` does, with tensor fusion: tensors of one dtype
    and device travel packed into buffers of at most ``threshold`` bytes (:func:`fusion_threshold`), one
    all-reduce per buffer.

        g1, g2, g3 = hvd.grouped_allreduce([g1, g2, g3])
    """
    op = _reduce_op(average, op)
    tensors = [convert_to_tensor(t) for t in tensors]
    if not tensors:
        return []
    threshold = fusion_threshold() if threshold is None else threshold
    with _scope(tensors[0].graph, "HorovodGroupedAllreduce", device_dense):
        wires, ctxs = zip(*(compression.compress(_scaled(t, prescale_factor)) for t in tensors))
        reduced = fused(list(wires), threshold, lambda buf: _reduce(buf, op))
        return [_scaled(compression.decompress(r, c), postscale_factor) for r, c in zip(reduced, ctxs)]


def allgather(tensor, name=None):
    """Every process's ``tensor`` concatenated along the first dimension, in rank order (the first
    dimension may differ across processes).

        all_labels = hvd.allgather(labels)
    """
    tensor = convert_to_tensor(tensor)
    key = collective_ops.next_instance_key(tensor.graph)
    with tensor.graph.as_default():
        return collective_ops.all_gather_v2(tensor, basics.size(), GROUP_KEY, key, name=name or "HorovodAllgather")


def broadcast(tensor, root_rank, name=None):
    """``root_rank``'s ``tensor`` on every process (each passes a tensor of the same shape and dtype).

        w = hvd.broadcast(w, root_rank=0)
    """
    tensor = convert_to_tensor(tensor)
    return _broadcast(tensor, root_rank, collective_ops.next_instance_key(tensor.graph), name)


def _broadcast(tensor, root_rank, key, name=None):
    size = basics.size()
    if not 0 <= root_rank < size:
        raise ValueError("root_rank %d is not a rank of this job of %d processes" % (root_rank, size))
    with _scope(tensor.graph, name or "HorovodBroadcast"):
        if basics.rank() == root_rank:
            return collective_ops.broadcast_send_v2(tensor, size, GROUP_KEY, key)
        shape = tensor.shape
        dims = shape.as_list() if shape.is_fully_defined() else array_ops.shape(tensor)
        out = collective_ops.broadcast_recv_v2(dims, tensor.dtype.base_dtype, size, GROUP_KEY, key)
        out.set_shape(shape)
        return out


def broadcast_variables(variables, root_rank, threshold=None):
    """An op assigning ``root_rank``'s values to ``variables`` on every process (fused, as gradients are).

        sess.run(hvd.broadcast_variables(tg.trainable_variables(), 0))
    """
    variables = list(variables)
    if not variables:
        return group()
    graph = variables[0].graph
    threshold = fusion_threshold() if threshold is None else threshold
    with _scope(graph, "HorovodBroadcastVariables"):
        values = [v.value() if hasattr(v, "value") else convert_to_tensor(v) for v in variables]
        received = fused(values, threshold,
                         lambda buf: _broadcast(buf, root_rank, collective_ops.next_instance_key(graph)))
        return group(*[v.assign(r) for v, r in zip(variables, received)])


def broadcast_global_variables(root_rank):
    """An op assigning ``root_rank``'s values to every global variable of the default graph.

        bcast = hvd.broadcast_global_variables(0)
        sess.run(tg.global_variables_initializer()); sess.run(bcast)
    """
    with get_default_graph().as_default():
        return broadcast_variables(global_variables(), root_rank)
