"""The Numba functions behind :mod:`bytes_array` (imported on first use: Numba takes a while to load).
Their callers check the memory layout first (``bytes_array.layout()``)."""
import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["u8_at", "word_at", "first_not_bytes"]


@intrinsic
def u8_at(typingctx, addr):
    """The uint8* at integer address ``addr``."""
    sig = types.CPointer(types.uint8)(types.intp)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(types.CPointer(types.uint8)))
    return sig, codegen


@numba.njit(cache=True, inline="always")
def word_at(addr):
    """The little-endian uint64 at ``addr`` (byte loads: any alignment; LLVM merges them into one load)."""
    p = u8_at(addr)
    v = np.uint64(0)
    for k in range(8):
        v |= np.uint64(p[k]) << np.uint64(8 * k)
    return v


@numba.njit(cache=True)
def first_not_bytes(ptrs, bytes_type, type_off):
    """The index of the first element whose type is not ``bytes_type`` (its address), -1 if none."""
    for i in range(ptrs.size):
        if word_at(ptrs[i] + type_off) != bytes_type:
            return i
    return -1
