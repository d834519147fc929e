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
    >>> run_program(program, [np.ones(3, np.float32), np.float32(-2)], np.float32).tolist()
    [0.0, 0.0, 0.0]
"""
import numba
import numpy as np

__all__ = ["FUSABLE_OPS", "FUSABLE_DTYPES", "MAX_ARRAY_LEAVES", "compile_program", "run_program", "worthwhile",
           "Program"]

FUSABLE_DTYPES = frozenset([np.dtype(np.float32), np.dtype(np.float64)])
MAX_ARRAY_LEAVES = 4
_BLOCK = 512
# Where the machine pays (measured on a 2-core x86 machine): a run costs about 5 us more than a numpy call,
# which costs about 0.6 us plus its memory passes; the machine's own passes are no faster than numpy's SIMD
# loops. So it takes groups of several ops on tensors small enough that dispatch, not arithmetic, is the cost.
MIN_OPS = 6
MAX_ELEMENTS = 8192

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
    """A compiled group: its register count, instructions, constants, and the register each leaf is loaded
    into (-1: a leaf no instruction reads)."""

    __slots__ = ("nregs", "body", "constants", "const_regs", "leaf_regs", "result_reg", "n_ops", "_fast")

    def __init__(self, nregs, body, constants, const_regs, leaf_regs, result_reg, n_ops):
        self.nregs, self.body, self.constants, self.const_regs = nregs, body, constants, const_regs
        self.leaf_regs, self.result_reg, self.n_ops = leaf_regs, result_reg, n_ops
        self._fast = {}       # dtype -> (code, preset values) when every leaf is an array of the output's shape

    def code(self, load_regs, preset_regs):
        """The machine's whole program: a header (registers, result, loads, presets), the array leaves'
        registers in argument order, the preset registers, then the instructions."""
        header = np.array([[self.nregs, self.result_reg, len(load_regs), len(preset_regs)]], np.int64)
        loads = np.zeros((len(load_regs), 4), np.int64)
        loads[:, 0] = load_regs
        presets = np.zeros((len(preset_regs), 4), np.int64)
        presets[:, 0] = preset_regs
        return np.concatenate([header, loads, presets, self.body])

    def fast(self, dtype):
        got = self._fast.get(dtype)
        if got is None:
            loads = self.leaf_regs[self.leaf_regs >= 0]
            got = self._fast[dtype] = (self.code(loads, self.const_regs), self.constants.astype(dtype))
        return got


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
    return Program(nregs, np.array(code, np.int64).reshape(-1, 4), const_values, const_regs, leaf_regs,
                   reg_of[result], len(nodes))


def _value(kind, j):
    # A constant is known by its bits, so 0.0 and -0.0 (and NaNs) stay apart.
    return ("const", np.float64(j).tobytes()) if kind == "const" else (kind, j)


def worthwhile(program, leaves):
    """Whether running ``program`` on ``leaves`` beats running its ops one by one."""
    if program.n_ops < MIN_OPS:
        return False
    for v in leaves:
        if v.size > MAX_ELEMENTS:
            return False
    return True


def run_program(program, leaves, dtype):
    """Runs ``program`` on ``leaves`` (arrays or scalars of the float ``dtype``, broadcasting as numpy
    does); returns the result array. Raises ValueError for shapes that do not broadcast, TypeError for
    leaves of another dtype or more array leaves than the machine takes: the caller then runs the ops
    unfused."""
    first = leaves[0]
    shape = first.shape
    simple = len(leaves) <= MAX_ARRAY_LEAVES and first.size > 1
    for v in leaves:
        if v.dtype != dtype:
            raise TypeError("leaf dtype %s, expected %s" % (v.dtype, dtype))
        if v.shape != shape:
            simple = False
    if simple:
        # The usual case: every leaf an array of the output's shape.
        code, presets = program.fast(dtype)
        arrays = [v.reshape(-1) if v.flags.c_contiguous else np.ascontiguousarray(v).reshape(-1) for v in leaves
                  if v is not None]
        arrays = [a for a, r in zip(arrays, program.leaf_regs) if r >= 0]
    else:
        shape = np.broadcast_shapes(*[v.shape for v in leaves])
        arrays, load_regs, scalar_regs, scalars = [], [], [], []
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
        code = program.code(np.array(load_regs, np.int64),
                            np.concatenate([program.const_regs, np.array(scalar_regs, np.int64)]))
        presets = np.concatenate([program.constants, np.array(scalars, np.float64)]).astype(dtype)
    out = np.empty(shape, dtype)
    while len(arrays) < MAX_ARRAY_LEAVES:
        arrays.append(presets[:0])
    _execute(code, arrays[0], arrays[1], arrays[2], arrays[3], presets, out.reshape(-1))
    return out


# error_model="numpy": x / 0 is inf or nan, as numpy gives it, not a ZeroDivisionError.
@numba.njit(cache=True, nogil=True, error_model="numpy")
def _execute(code, a0, a1, a2, a3, presets, out):
    nregs, result_reg, n_loads, n_presets = code[0, 0], code[0, 1], code[0, 2], code[0, 3]
    first = 1 + n_loads + n_presets
    n = out.size
    block = min(_BLOCK, max(n, 1))
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
            if op == _ADD:
                for j in range(m):
                    rd[j] = rx[j] + ry[j]
            elif op == _MUL:
                for j in range(m):
                    rd[j] = rx[j] * ry[j]
            elif op == _SUB:
                for j in range(m):
                    rd[j] = rx[j] - ry[j]
            elif op == _DIV:
                for j in range(m):
                    rd[j] = rx[j] / ry[j]
            elif op == _MAX:
                # numpy's maximum: the first operand if greater or NaN, else the second (so max(0, -0) is -0).
                for j in range(m):
                    a = rx[j]
                    b = ry[j]
                    rd[j] = a if (a > b or a != a) else b
            elif op == _MIN:
                for j in range(m):
                    a = rx[j]
                    b = ry[j]
                    rd[j] = a if (a < b or a != a) else b
            elif op == _NEG:
                for j in range(m):
                    rd[j] = -rx[j]
            elif op == _ABS:
                for j in range(m):
                    rd[j] = np.abs(rx[j])
            elif op == _SQRT:
                for j in range(m):
                    rd[j] = np.sqrt(rx[j])
            elif op == _FLOOR:
                for j in range(m):
                    rd[j] = np.floor(rx[j])
            elif op == _CEIL:
                for j in range(m):
                    rd[j] = np.ceil(rx[j])
            elif op == _SIGN:
                for j in range(m):
                    a = rx[j]
                    rd[j] = 1.0 if a > 0 else (-1.0 if a < 0 else (0.0 if a == 0 else a))
        for j in range(m):
            out[start + j] = regs[result_reg, j]
