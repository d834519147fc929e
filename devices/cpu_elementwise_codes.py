"""The register machine's opcodes and block size, shared by the program compiler (:mod:`cpu_elementwise`)
and the Numba machine (:mod:`cpu_elementwise_machine`). An instruction is (opcode, destination register,
first operand register, second operand register)."""

ADD, SUB, MUL, DIV, MAX, MIN = 10, 11, 12, 13, 14, 15
NEG, ABS, SQRT, FLOOR, CEIL, SIGN = 20, 21, 22, 23, 24, 25

# Elements per block: 512 float64s per register stay in the L1 cache for a handful of registers.
BLOCK = 512
