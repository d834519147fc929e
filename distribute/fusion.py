"""Tensor fusion: many small tensors travel through one collective.

A collective costs a fixed latency (the header exchange every member checks, the transport's start-up)
plus the time its bytes take; a model's gradients are many small tensors, so Horovod packs those of one
dtype and device, flattened, into buffers of at most HOROVOD_FUSION_THRESHOLD bytes (64 MiB) and runs one
collective per buffer. A tensor larger than the threshold travels alone; 0 turns fusion off.

    reduced = fused([g1, g2, g3], 64 << 20, lambda buf: all_reduce(buf))
"""
import numpy as np

from tagraph.engine.ops import array_ops, joining_ops

__all__ = ["fused", "fusion_buckets"]


def _nbytes(t):
    n = t.shape.num_elements()
    return None if n is None else n * np.dtype(t.dtype.as_numpy_dtype).itemsize


def fusion_buckets(tensors, threshold):
    """Lists of indices into ``tensors``: each list shares a dtype and device and, unless it holds one tensor,
    fits ``threshold`` bytes. Tensors of unknown size travel alone. Built in the tensors' order, so every
    process that passes the same tensors gets the same buckets."""
    buckets, open_bucket = [], {}      # (dtype, device) -> [indices, bytes]
    for i, t in enumerate(tensors):
        size = _nbytes(t)
        if threshold <= 0 or size is None or size >= threshold:
            buckets.append([i])
            continue
        key = (t.dtype.base_dtype, t.device)
        current = open_bucket.get(key)
        if current is None or current[1] + size > threshold:
            current = [[], 0]
            open_bucket[key] = current
            buckets.append(current[0])
        current[0].append(i)
        current[1] += size
    return buckets


def fused(tensors, threshold, collective):
    """``collective`` applied to ``tensors`` through fusion buffers; returns one result per tensor, each with
    its tensor's shape. ``collective(buffer)`` must return a tensor shaped like ``buffer``."""
    results = [None] * len(tensors)
    for bucket in fusion_buckets(tensors, threshold):
        if len(bucket) == 1:
            results[bucket[0]] = collective(tensors[bucket[0]])
            continue
        members = [tensors[i] for i in bucket]
        flat = [array_ops.reshape(t, [-1]) for t in members]
        sizes = [t.shape.num_elements() for t in members]
        buffer = collective(joining_ops.concat(flat, 0))
        for i, t, piece in zip(bucket, members, joining_ops.split(buffer, sizes, 0)):
            results[i] = array_ops.reshape(piece, t.shape.as_list())
    return results
