"""The row copy of :mod:`tagraph.engine.ops.gather_rows_cpu`, compiled by Numba: ``out[i] = table[rows[i]]``,
asking for the row ``ahead`` places on (``llvm.prefetch``) while copying the current one. Imported when a
gather first needs it, so that importing the gather ops does not load Numba.
"""
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["copy_rows"]


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


@njit(cache=True, nogil=True)
def copy_rows(table, rows, out, start, stop, ahead, line_words):
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
