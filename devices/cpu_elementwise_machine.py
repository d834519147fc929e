"""The register machine of :mod:`cpu_elementwise`: one Numba function running a program over blocks of
elements (compiled once per dtype, cached on disk). Kept apart so that numba loads only when a group runs."""
import numba
import numpy as np

from tagraph.devices.cpu_elementwise_codes import (ABS, ADD, BLOCK, CEIL, DIV, FLOOR, MAX, MIN, MUL, NEG, SIGN,
                                                   SQRT, SUB)

__all__ = ["execute"]


# error_model="numpy": x / 0 is inf or nan, as numpy gives it, not a ZeroDivisionError.
@numba.njit(cache=True, nogil=True, error_model="numpy")
def execute(code, a0, a1, a2, a3, presets, out):
    nregs, result_reg, n_loads, n_presets = code[0, 0], code[0, 1], code[0, 2], code[0, 3]
    first = 1 + n_loads + n_presets
    n = out.size
    block = min(BLOCK, max(n, 1))
    regs = np.empty((nregs, block), out.dtype)
    for k in range(n_presets):
        regs[code[1 + n_loads + k, 0], :] = presets[k]
    for start in range(0, n, block):
        m = min(block, n - start)
        for k in range(n_loads):
            src = a0 if k == 0 else (a1 if k == 1 else (a2 if k == 2 else a3))
            r = code[1 + k, 0]
            for j in range(m):
                regs[r, j] = src[start + j]
        for i in range(first, code.shape[0]):
            op = code[i, 0]
            d = code[i, 1]
            x = code[i, 2]
            y = code[i, 3]
            rd = regs[d]
            rx = regs[x]
            ry = regs[y]
            if op == ADD:
                for j in range(m):
                    rd[j] = rx[j] + ry[j]
            elif op == MUL:
                for j in range(m):
                    rd[j] = rx[j] * ry[j]
            elif op == SUB:
                for j in range(m):
                    rd[j] = rx[j] - ry[j]
            elif op == DIV:
                for j in range(m):
                    rd[j] = rx[j] / ry[j]
            elif op == MAX:
                # numpy's maximum: the first operand if greater or NaN, else the second (so max(0, -0) is -0).
                for j in range(m):
                    a = rx[j]
                    b = ry[j]
                    rd[j] = a if (a > b or a != a) else b
            elif op == MIN:
                for j in range(m):
                    a = rx[j]
                    b = ry[j]
                    rd[j] = a if (a < b or a != a) else b
            elif op == NEG:
                for j in range(m):
                    rd[j] = -rx[j]
            elif op == ABS:
                for j in range(m):
                    rd[j] = np.abs(rx[j])
            elif op == SQRT:
                for j in range(m):
                    rd[j] = np.sqrt(rx[j])
            elif op == FLOOR:
                for j in range(m):
                    rd[j] = np.floor(rx[j])
            elif op == CEIL:
                for j in range(m):
                    rd[j] = np.ceil(rx[j])
            elif op == SIGN:
                for j in range(m):
                    a = rx[j]
                    rd[j] = 1.0 if a > 0 else (-1.0 if a < 0 else (0.0 if a == 0 else a))
        for j in range(m):
            out[start + j] = regs[result_reg, j]
