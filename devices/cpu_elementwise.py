"""Chains of elementwise ops as one CPU kernel: a small register machine compiled once with Numba.

A graph of many small elementwise ops (an unrolled cell, an optimizer's updates, preprocessing) costs its
dispatch, not its arithmetic: each numpy call on a [4] tensor costs about half a microsecond whatever it
computes. The plan compiler hands a fused group here as a list of instructions over its leaves (the
group's inputs); :func:`compile_program` turns it into a register program, and one Numba function (compiled
once per dtype and cached on disk, so no plan pays a compile) runs it in blocks of elements that stay in
the L1 cache, each instruction a tight loop over the block.

Results are bit for bit numpy's: only ops whose result is the correctly rounded value of the same IEEE
operation (``+ - * /``, sqrt, max/min with numpy's NaN and signed-zero rules, abs, neg, floor, ceil,
sign) are taken, each rounded to the dtype as numpy's unfused kernels round it. Transcendental functions
(exp, tanh, ...) differ from numpy's SIMD versions in the last bit and are not fused.

    >>> program = compile_program([("AddV2", ("leaf", 0), ("leaf", 1)), ("Relu", ("node", 0))], 2)
    >>> run_program(program, [np.ones(3, np.float32), np.float32(-2)]).tolist()
    [0.0, 0.0, 0.0]
"""
import numba
import numpy as np

__all__ = ["FUSABLE_OPS", "FUSABLE_DTYPES", "MAX_ARRAY_LEAVES", "compile_program", "run_program", "Program"]

FUSABLE_DTYPES = frozenset([np.dtype(np.float32), np.dtype(np.float64)])
MAX_ARRAY_LEAVES = 4
_BLOCK = 512

# Register machine opcodes: (op, dst, x, y).
_ADD, _SUB, _MUL, _DIV, _MAX, _MIN = 10, 11, 12, 13, 14, 15
_NEG, _ABS, _SQRT, _FLOOR, _CEIL, _SIGN = 20, 21, 22, 23, 24, 25

# TensorFlow op type -> its instructions, as (opcode, operands) over the op's inputs (0, 1), the previous
# instruction's result (-1) and constants ("c:<value>"). Each instruction's result is rounded to the dtype,
# as the unfused kernel's numpy calls round it.
_EXPANSIONS = {
    "Add": [(_ADD, 0, 1)], "AddV2": [(_ADD, 0, 1)], "Sub": [(_SUB, 0, 1)], "Mul": [(_MUL, 0, 1)],
    "RealDiv": [(_DIV, 0, 1)], "Div": [(_DIV, 0, 1)],
    "Maximum": [(_MAX, 0, 1)], "Minimum": [(_MIN, 0, 1)],
    "SquaredDifference": [(_SUB, 0, 1), (_MUL, -1, -1)],
    "Neg": [(_NEG, 0)], "Abs": [(_ABS, 0)], "Square": [(_MUL, 0, 0)], "Sqrt": [(_SQRT, 0)],
    "Rsqrt": [(_SQRT, 0), (_DIV, "c:1", -1)], "Reciprocal": [(_DIV, "c:1", 0)],
    "Floor": [(_FLOOR, 0)], "Ceil": [(_CEIL, 0)], "Sign": [(_SIGN, 0)],
    "Relu": [(_MAX, 0, "c:0")], "Relu6": [(_MAX, 0, "c:0"), (_MIN, -1, "c:6")],
}
FUSABLE_OPS = frozenset(_EXPANSIONS)


class Program:
    """A compiled group: ``code`` (int64 [n, 4]), the register count, constants and which register each
    leaf or constant is loaded into."""

    __slots__ = ("code", "nregs", "constants", "const_regs", "leaf_regs", "result_reg", "n_leaves")

    def __init__(self, code, nregs, constants, const_regs, leaf_regs, result_reg, n_leaves):
        self.code, self.nregs, self.constants, self.const_regs = code, nregs, constants, const_regs
        self.leaf_regs, self.result_reg, self.n_leaves = leaf_regs, result_reg, n_leaves


def compile_program(nodes, n_leaves):
    """A :class:`Program` for ``nodes``, a topologically ordered list of ``(op_type, *inputs)`` where an
    input is ``("leaf", i)``, ``("node", j)`` or ``("const", value)``; the last node is the result."""
    # Expand to basic instructions over values: ("leaf", i), ("const", c) or ("tmp", k).
    values_of_node = []
    tmps = []            # (opcode, operand values...)
    for op_type, *inputs in nodes:
        args = [values_of_node[j] if kind == "node" else _value(kind, j) for kind, j in inputs]
        prev = None
        for opcode, *operands in _EXPANSIONS[op_type]:
            ops = []
            for o in operands:
                if o == -1:
                    ops.append(prev)
                elif isinstance(o, str):
                    ops.append(_value("const", float(o[2:])))
                else:
                    ops.append(args[o])
            tmps.append((opcode, ops))
            prev = ("tmp", len(tmps) - 1)
        values_of_node.append(prev)
    result = values_of_node[-1]

    # Registers: leaves and constants keep theirs for the whole run; temporaries are freed after their
    # last use, so a chain of any length needs a handful.
    last_use = {}
    for i, (_, ops) in enumerate(tmps):
        for o in ops:
            last_use[o] = i
    reg_of = {}
    free = []
    nregs = 0

    def fixed_register(value):
        nonlocal nregs
        if value not in reg_of:
            reg_of[value] = nregs
            nregs += 1
        return reg_of[value]

    constants = []
    for _, ops in tmps:
        for o in ops:
            if o[0] != "tmp":
                if o[0] == "const" and o not in reg_of:
                    constants.append(o)
                fixed_register(o)
    if result[0] != "tmp":
        fixed_register(result)
    code = []
    for i, (opcode, ops) in enumerate(tmps):
        srcs = [reg_of[o] for o in ops]
        for o in ops:
            if o[0] == "tmp" and last_use.get(o) == i and o != result:
                free.append(reg_of[o])
        if free:
            dst = free.pop()
        else:
            dst = nregs
            nregs += 1
        reg_of[("tmp", i)] = dst
        code.append((opcode, dst, srcs[0], srcs[1] if len(srcs) > 1 else 0))
    leaf_regs = np.array([reg_of.get(("leaf", i), -1) for i in range(n_leaves)], np.int64)
    const_regs = np.array([reg_of[c] for c in constants], np.int64)
    const_values = np.frombuffer(b"".join(c[1] for c in constants), np.float64)
    return Program(np.array(code, np.int64).reshape(-1, 4), nregs, const_values, const_regs,
                   leaf_regs, reg_of[result], n_leaves)


def _value(kind, j):
    # A constant is known by its bits, so 0.0 and -0.0 (and NaNs) stay apart.
    return ("const", np.float64(j).tobytes()) if kind == "const" else (kind, j)


def run_program(program, leaves, dtype=None):
    """Runs ``program`` on ``leaves`` (arrays or scalars of one float dtype, broadcasting as numpy does);
    returns the result array. Raises ValueError for shapes that do not broadcast, TypeError for leaves
    of another dtype or more array leaves than the machine takes: the caller then runs the ops unfused."""
    dtype = np.dtype(dtype or leaves[0].dtype)
    shapes = []
    for v in leaves:
        if v.dtype != dtype:
            raise TypeError("leaf dtype %s, expected %s" % (v.dtype, dtype))
        shapes.append(v.shape)
    shape = np.broadcast_shapes(*shapes)
    arrays = []
    scalar_regs, scalars = [], []
    load_regs = []
    for reg, v in zip(program.leaf_regs, leaves):
        if reg < 0:
            continue
        if v.size == 1:
            scalar_regs.append(reg)
            scalars.append(v.reshape(-1)[0])
            continue
        if v.shape != shape:
            v = np.broadcast_to(v, shape)
        arrays.append(np.ascontiguousarray(v).reshape(-1))
        load_regs.append(reg)
    if len(arrays) > MAX_ARRAY_LEAVES:
        raise TypeError("%d array leaves, the machine takes %d" % (len(arrays), MAX_ARRAY_LEAVES))
    out = np.empty(shape, dtype)
    empty = np.empty(0, dtype)
    arrays += [empty] * (MAX_ARRAY_LEAVES - len(arrays))
    pre_regs = np.concatenate([program.const_regs, np.array(scalar_regs, np.int64)])
    pre_values = np.concatenate([program.constants, np.array(scalars, np.float64)]).astype(dtype)
    _execute(program.code, program.nregs, np.array(load_regs, np.int64), arrays[0], arrays[1], arrays[2],
             arrays[3], pre_regs, pre_values, program.result_reg, out.reshape(-1))
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")   # x / 0 is inf, sqrt(-1) NaN, as numpy
def _execute(code, nregs, load_regs, a0, a1, a2, a3, pre_regs, pre_values, result_reg, out):
    n = out.size
    block = min(_BLOCK, max(n, 1))
    regs = np.empty((nregs, block), out.dtype)
    for k in range(pre_regs.size):
        regs[pre_regs[k], :] = pre_values[k]
    for start in range(0, n, block):
        m = min(block, n - start)
        for k in range(load_regs.size):
            src = a0 if k == 0 else (a1 if k == 1 else (a2 if k == 2 else a3))
            r = load_regs[k]
            for j in range(m):
                regs[r, j] = src[start + j]
        for i in range(code.shape[0]):
            op = code[i, 0]
            d = code[i, 1]
            x = code[i, 2]
            y = code[i, 3]
            if op == _ADD:
                for j in range(m):
                    regs[d, j] = regs[x, j] + regs[y, j]
            elif op == _MUL:
                for j in range(m):
                    regs[d, j] = regs[x, j] * regs[y, j]
            elif op == _SUB:
                for j in range(m):
                    regs[d, j] = regs[x, j] - regs[y, j]
            elif op == _DIV:
                for j in range(m):
                    regs[d, j] = regs[x, j] / regs[y, j]
            elif op == _MAX:
                # numpy's maximum: the first operand if greater or NaN, else the second (so max(0, -0) is -0).
                for j in range(m):
                    a = regs[x, j]
                    b = regs[y, j]
                    regs[d, j] = a if (a > b or a != a) else b
            elif op == _MIN:
                for j in range(m):
                    a = regs[x, j]
                    b = regs[y, j]
                    regs[d, j] = a if (a < b or a != a) else b
            elif op == _NEG:
                for j in range(m):
                    regs[d, j] = -regs[x, j]
            elif op == _ABS:
                for j in range(m):
                    regs[d, j] = np.abs(regs[x, j])
            elif op == _SQRT:
                for j in range(m):
                    regs[d, j] = np.sqrt(regs[x, j])
            elif op == _FLOOR:
                for j in range(m):
                    regs[d, j] = np.floor(regs[x, j])
            elif op == _CEIL:
                for j in range(m):
                    regs[d, j] = np.ceil(regs[x, j])
            elif op == _SIGN:
                for j in range(m):
                    a = regs[x, j]
                    regs[d, j] = 1.0 if a > 0 else (-1.0 if a < 0 else (0.0 if a == 0 else a))
        for j in range(m):
            out[start + j] = regs[result_reg, j]
