"""``tf.linalg``: the matrix products, norms and factorizations that tagraph has.

Named one by one: in TensorFlow, ``tf.linalg.transpose`` transposes the two innermost dimensions and
``tf.linalg.diag`` takes more arguments than ``tf.diag``, so ``tf``'s ops of the same name are not
``tf.linalg``'s.

    tf.linalg.matmul(a, b, transpose_b=True)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace
from tagraph.engine.ops import linalg_ops as _linalg_ops

band_part = _linalg_ops.matrix_band_part
einsum = _tg.einsum
global_norm = _tg.global_norm
matmul = _tg.matmul
matrix_transpose = transpose = _linalg_ops.matrix_transpose
qr = _linalg_ops.qr
tensor_diag = _linalg_ops.diag
tensor_diag_part = _linalg_ops.diag_part
tensordot = _tg.tensordot
triangular_solve = _linalg_ops.matrix_triangular_solve

_namespace.install(globals(), "tf.linalg")
