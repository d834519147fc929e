"""Gathering rows of a host array (Gather and GatherNd along the first axis, embedding lookups) with a loop
compiled by Numba that asks for the next rows' memory while it copies the current one, shared out over the
intra-op threads as TensorFlow's gather kernels are.

    out = take_rows(table, rows)        # == np.take(table, rows, axis=0), for valid row numbers

Rows picked at random from a table bigger than the caches each wait on memory, and neither the hardware
prefetcher (no pattern to follow) nor the out-of-order core (a few rows ahead at most) hides that: with
``llvm.prefetch`` for the rows 16 cache lines ahead, 100,000 rows of 64 or 256 bytes from a 64 or 256 MB table
come in 0.45-0.7x the time of ``np.take`` on this machine's two cores, and a million 4-byte values in 0.65x.
"""
import numpy as np

from tagraph.devices.host_threads import shards

__all__ = ["take_rows"]

_LINE = 64
# Cache lines asked for ahead of the copy (measured: 8 to 64 all gain, 16 the most over row sizes).
_LINES_AHEAD = 16
# Rows longer than this are copied as streams, which the hardware prefetcher follows on its own.
_MAX_PREFETCHED_ROW = 1024
# Gathers of fewer bytes than this come mostly from the caches: np.take, and Numba is not even loaded (a
# serving model's few embedding rows do not pay its import and compilation at start-up).
MIN_PREFETCHED_BYTES = 1 << 20


def _words(a, row_bytes):
    """``a`` as a 2-D array of the widest unsigned words that tile a row (the copy moves bits, not values)."""
    for word in (np.uint64, np.uint32, np.uint16, np.uint8):
        size = np.dtype(word).itemsize
        if row_bytes % size == 0 and a.ctypes.data % size == 0:
            return a.reshape(a.shape[0], -1).view(np.uint8).view(word)
    raise AssertionError("a byte always tiles")


def take_rows(table, rows):
    """``np.take(table, rows, axis=0)`` for a host array and valid int row numbers, on the intra-op threads."""
    if type(table) is not np.ndarray or table.dtype.hasobject or table.ndim == 0:
        return np.take(table, rows, axis=0)       # Python objects: the GIL serialises the copy anyway
    out = np.empty(rows.shape + table.shape[1:], table.dtype)
    row_bytes = table.itemsize * int(np.prod(table.shape[1:], dtype=np.int64))
    flat_rows = rows.reshape(-1)
    flat_out = out.reshape((flat_rows.shape[0],) + table.shape[1:])
    min_per_shard = max(1, (1 << 18) // max(row_bytes, 1))
    if (row_bytes == 0 or row_bytes > _MAX_PREFETCHED_ROW or not table.flags.c_contiguous
            or flat_rows.dtype not in (np.int32, np.int64) or flat_rows.shape[0] * row_bytes < MIN_PREFETCHED_BYTES):
        # mode="clip": the rows are checked already, and "raise" would copy the output through a buffer.
        shards(lambda start, stop: np.take(table, flat_rows[start:stop], axis=0, out=flat_out[start:stop],
                                           mode="clip"),
               total=flat_rows.shape[0], min_per_shard=min_per_shard)
        return out
    if not flat_rows.shape[0]:
        return out
    src = _words(table, row_bytes)
    dst = flat_out.reshape(flat_out.shape[0], -1).view(np.uint8).view(src.dtype)
    lines_per_row = -(-row_bytes // _LINE)
    ahead = max(1, _LINES_AHEAD // lines_per_row)
    line_words = max(1, _LINE // src.itemsize)
    rows_c = np.ascontiguousarray(flat_rows)
    from tagraph.engine.ops.gather_rows_numba import copy_rows   # loads Numba: only when a gather needs it
    shards(lambda start, stop: copy_rows(src, rows_c, dst, start, stop, ahead, line_words),
           total=flat_rows.shape[0], min_per_shard=min_per_shard)
    return out
