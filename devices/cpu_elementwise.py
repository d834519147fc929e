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
import numpy as np

from tagraph.devices.cpu_elementwise_codes import ABS, ADD, CEIL, DIV, FLOOR, MAX, MIN, MUL, NEG, SIGN, SQRT, SUB

__all__ = ["FUSABLE_OPS", "FUSABLE_DTYPES", "MAX_ARRAY_LEAVES", "compile_program", "run_program", "worthwhile",
           "Program"]

FUSABLE_DTYPES = frozenset([np.dtype(np.float32), np.dtype(np.float64)])
MAX_ARRAY_LEAVES = 4
# Where the machine pays (measured on a 2-core x86 machine): a run costs about 5 us more than a numpy call,
# which costs about 0.6 us plus its memory passes; the machine's own passes are no faster than numpy's SIMD
# loops. So it takes groups of several ops on tensors small enough that dispatch, not arithmetic, is the cost.
MIN_OPS = 6
MAX_ELEMENTS = 8192


# TensorFlow op type -> its instructions, as (opcode, operands) over the op's inputs (0, 1), the previous
# instruction's result (-1) and constants ("c:<value>"). Each instruction's result is rounded to the dtype,
# as the unfused kernel's numpy calls round it.
_EXPANSIONS = {
    "Add": [(ADD, 0, 1)], "AddV2": [(ADD, 0, 1)], "Sub": [(SUB, 0, 1)], "Mul": [(MUL, 0, 1)],
    "RealDiv": [(DIV, 0, 1)], "Div": [(DIV, 0, 1)],
    "Maximum": [(MAX, 0, 1)], "Minimum": [(MIN, 0, 1)],
    "SquaredDifference": [(SUB, 0, 1), (MUL, -1, -1)],
    "Neg": [(NEG, 0)], "Abs": [(ABS, 0)], "Square": [(MUL, 0, 0)], "Sqrt": [(SQRT, 0)],
    "Rsqrt": [(SQRT, 0), (DIV, "c:1", -1)], "Reciprocal": [(DIV, "c:1", 0)],
    "Floor": [(FLOOR, 0)], "Ceil": [(CEIL, 0)], "Sign": [(SIGN, 0)],
    "Relu": [(MAX, 0, "c:0")], "Relu6": [(MAX, 0, "c:0"), (MIN, -1, "c:6")],
}
FUSABLE_OPS = frozenset(_EXPANSIONS)


class Program:
    """A compiled group: its register count, instructions, constants, and the register each leaf is loaded
    into (every leaf is read: a group's leaves are its members' inputs)."""

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
            got = self._fast[dtype] = (self.code(self.leaf_regs, self.const_regs), self.constants.astype(dtype))
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
        # Once per temporary: Square reads its operand twice (x * x), and a register freed twice would be
        # handed to two live temporaries.
        for o in dict.fromkeys(ops):
            if o[0] == "tmp" and last_use.get(o) == i and o != result:
                free.append(reg_of[o])
        if free:
            dst = free.pop()
        else:
            dst = nregs
            nregs += 1
        reg_of[("tmp", i)] = dst
        code.append((opcode, dst, srcs[0], srcs[1] if len(srcs) > 1 else 0))
    leaf_regs = np.array([reg_of[("leaf", i)] for i in range(n_leaves)], np.int64)
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
        arrays = [v.reshape(-1) if v.flags.c_contiguous else np.ascontiguousarray(v).reshape(-1) for v in leaves]
    else:
        shape = np.broadcast_shapes(*[v.shape for v in leaves])
        arrays, load_regs, scalar_regs, scalars = [], [], [], []
        for reg, v in zip(program.leaf_regs, leaves):
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
    _machine().execute(code, arrays[0], arrays[1], arrays[2], arrays[3], presets, out.reshape(-1))
    return out


def _machine():
    # The Numba function loads with the first group the machine runs, not with the plan compiler: a plan
    # without a group worth fusing never pays numba's import (a quarter of a second or more).
    from tagraph.devices import cpu_elementwise_machine  # lazy: numba
    return cpu_elementwise_machine
