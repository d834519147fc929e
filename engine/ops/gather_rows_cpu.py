"""Gathering rows of a host array (Gather and GatherNd along the first axis, embedding lookups) with a loop
compiled by Numba that asks for the next rows' memory while it copies the current one, shared out over the
intra-op threads as TensorFlow's gather kernels are.

    out = take_rows(table, rows)        # == np.take(table, rows, axis=0), for valid row numbers

Rows picked at random from a table bigger than the caches each wait on memory, and neither the hardware
prefetcher (no pattern to follow) nor the out-of-order core (a few rows ahead at most) hides that: with
``llvm.prefetch`` for the rows 16 cache lines ahead, 100,000 rows of 64 or 256 bytes from a 64 or 256 MB table
come in 0.45-0.7x the time of ``np.take`` on this machine's two cores, and a million 4-byte values in 0.65x.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from tagraph.devices.host_threads import shards

__all__ = ["take_rows"]

_LINE = 64
# Cache lines asked for ahead of the copy (measured: 8 to 64 all gain, 16 the most over row sizes).
_LINES_AHEAD = 16
# Rows longer than this are copied as streams, which the hardware prefetcher follows on its own.
_MAX_PREFETCHED_ROW = 1024


@intrinsic
def _prefetch(typingctx, flat, index):
    """Asks for the cache line holding ``flat[index]`` (a read, kept in all cache levels)."""
    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn_type = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = builder.module.globals.get("llvm.prefetch.p0i8")
        if fn is None:
            fn = ir.Function(builder.module, fn_type, name="llvm.prefetch.p0i8")
        address = builder.bitcast(builder.gep(array.data, [args[1]]), byte_ptr)
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return types.void(flat, index), codegen


@numba.njit(cache=True, nogil=True)
def _copy_rows(table, rows, out, start, stop, ahead, line_words):
    """``out[i] = table[rows[i]]`` for ``i`` in ``[start, stop)``, prefetching the row ``ahead`` places on."""
    width = table.shape[1]
    flat = table.reshape(-1)
    for i in range(start, stop):
        j = i + ahead
        if j < stop:
            first = np.int64(rows[j]) * width
            for w in range(0, width, line_words):
                _prefetch(flat, first + w)
        r = rows[i]
        for w in range(width):
            out[i, w] = table[r, w]


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
            or flat_rows.dtype not in (np.int32, np.int64)):
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
    shards(lambda start, stop: _copy_rows(src, rows_c, dst, start, stop, ahead, line_words),
           total=flat_rows.shape[0], min_per_shard=min_per_shard)
    return out
