"""``tf.linalg``: the matrix products and norms that tagraph has.

Named one by one: in TensorFlow, ``tf.linalg.transpose`` transposes the two innermost dimensions and
``tf.linalg.diag`` takes more arguments than ``tf.diag``, so ``tf``'s ops of the same name are not
``tf.linalg``'s.

    tf.linalg.matmul(a, b, transpose_b=True)
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

einsum = _tg.einsum
global_norm = _tg.global_norm
matmul = _tg.matmul
tensordot = _tg.tensordot

_namespace.install(globals(), "tf.linalg")
