"""Inverses, determinants, Cholesky factors and linear solves of batches of square matrices: MatrixInverse,
MatrixDeterminant, LogMatrixDeterminant, Cholesky and MatrixSolve, with TensorFlow's gradients, and the
functions TensorFlow builds from them and from the diagonal ops (cholesky_solve, eye, trace, logdet).

The kernels call ``ctx.xp.linalg`` (numpy's LAPACK on the CPU, CuPy's cuSOLVER on a GPU) on the whole batch
[..., M, M]; half precision is computed in float32, as TensorFlow's Eigen kernels do. Like TensorFlow's, they
refuse a matrix with an exactly zero pivot for the inverse and the solve with InvalidArgumentError; Cholesky
answers a matrix that is not positive definite with NaN, as TensorFlow 2's does.

    tg.matrix_inverse(a)                         # a^-1 for each inner matrix
    tg.matrix_solve(a, b)                        # x with a @ x = b
    tg.cholesky_solve(tg.cholesky(a), b)         # the same for a symmetric positive definite a
"""
import collections

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.linalg_ops import matrix_band_part, matrix_transpose, matrix_triangular_solve, work_dtype
from tagraph.engine.ops.matmul_ops import matmul
from tagraph.engine.ops.matrix_diag_ops import matrix_diag, matrix_diag_part, matrix_set_diag
from tagraph.engine.ops.op_util import dbg, gen, gen1, invalid, no_complex_gradient
from tagraph.engine.ops.reduction_ops import reduce_sum

__all__ = ["matrix_inverse", "matrix_determinant", "log_matrix_determinant", "cholesky", "matrix_solve",
           "cholesky_solve", "eye", "trace", "logdet"]


# --- what the kernels share -----------------------------------------------------------------------------------

def check_square(a):
    """TensorFlow's checks of a batch of square matrices ([..., M, M])."""
    if a.ndim < 2:
        raise invalid("Input tensor 0 must have rank >= 2, got %d", a.ndim)
    if a.shape[-1] != a.shape[-2]:
        raise invalid("Input matrix must be square.")


def is_empty(a):
    return a.size == 0


def device_failed(xp, out, a):
    """On a GPU, cuSOLVER reports no failure: a non-finite result from finite input is one."""
    return xp is not np and not bool(xp.isfinite(out).all()) and bool(xp.isfinite(a).all())


def square_shape(op, index=0):
    """The static [..., M, M] shape of input ``index``, with TensorFlow's build-time errors."""
    s = op.inputs[index].shape
    if s.rank is None:
        return s
    if s.rank < 2:
        raise ValueError("Shape must be at least rank 2 but is rank %d for '{{node %s}}' with input shapes: %s."
                         % (s.rank, op.name, dbg(s.as_list())))
    m, n = s.dims[-2:]
    if m is not None and n is not None and m != n:
        raise ValueError("Dimensions must be equal, but are %d and %d for '{{node %s}}' with input shapes: %s."
                         % (m, n, op.name, _shape_text(s)))
    return TensorShape(s.dims[:-2] + [m if m is not None else n] * 2)


def _shape_text(s):
    return "[%s]" % ",".join("?" if d is None else str(d) for d in s.dims)


# --- MatrixInverse --------------------------------------------------------------------------------------------

@register_kernel("MatrixInverse")
def _matrix_inverse(ctx, a):
    xp = ctx.xp
    check_square(a)
    if is_empty(a):
        return xp.zeros(a.shape, a.dtype)
    work = a.astype(work_dtype(a.dtype), copy=False)
    if ctx.attrs.get("adjoint"):
        work = xp.conj(xp.swapaxes(work, -1, -2))
    try:
        out = xp.linalg.inv(work)
    except np.linalg.LinAlgError:
        raise invalid("Input is not invertible.") from None
    if device_failed(xp, out, work):
        raise invalid("Input is not invertible.")
    return out.astype(a.dtype, copy=False)


@register_shape("MatrixInverse", "Cholesky")
def _square_shape(op):
    return [square_shape(op)]


@register_gradient("MatrixInverse")
def _matrix_inverse_grad(op, grad):
    no_complex_gradient(op)
    ainv = op.outputs[0]
    adjoint = op.get_attr("adjoint")
    return [-matmul(ainv, matmul(grad, ainv, adjoint_a=adjoint, adjoint_b=not adjoint), adjoint_a=not adjoint)]


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002 - TensorFlow's argument name
    """The inverse of each inner matrix of ``input`` ([..., M, M]; of its adjoint with ``adjoint``);
    InvalidArgumentError when one is not invertible.

        tg.matrix_inverse([[2.0, 0.0], [0.0, 4.0]])     # [[0.5, 0], [0, 0.25]]
    """
    return gen1("MatrixInverse", [input], {"adjoint": bool(adjoint)}, name=name, default_name="MatrixInverse")


# --- MatrixDeterminant and LogMatrixDeterminant ---------------------------------------------------------------

@register_kernel("MatrixDeterminant")
def _matrix_determinant(ctx, a):
    xp = ctx.xp
    check_square(a)
    if is_empty(a):
        return xp.ones(a.shape[:-2], a.dtype)       # the determinant of a 0x0 matrix is 1
    return xp.linalg.det(a.astype(work_dtype(a.dtype), copy=False)).astype(a.dtype, copy=False)


@register_kernel("LogMatrixDeterminant")
def _log_matrix_determinant(ctx, a):
    xp = ctx.xp
    check_square(a)
    if is_empty(a):
        return xp.ones(a.shape[:-2], a.dtype), xp.zeros(a.shape[:-2], a.dtype)
    sign, log_abs_det = xp.linalg.slogdet(a.astype(work_dtype(a.dtype), copy=False))
    return sign.astype(a.dtype, copy=False), log_abs_det.astype(a.dtype, copy=False)


@register_shape("MatrixDeterminant")
def _determinant_shape(op):
    s = square_shape(op)
    return [unknown_shape() if s.rank is None else s[:-2]]


@register_shape("LogMatrixDeterminant")
def _log_determinant_shape(op):
    s = square_shape(op)
    batch = unknown_shape() if s.rank is None else s[:-2]
    return [batch, batch]


def _batch_multipliers(grad, c):
    """``grad`` reshaped to [..., 1, 1] to scale each matrix of a batch."""
    return array_ops.reshape(grad, concat([array_ops.shape(c), [1, 1]], 0))


@register_gradient("MatrixDeterminant")
def _matrix_determinant_grad(op, grad):
    no_complex_gradient(op)
    a, c = op.inputs[0], op.outputs[0]
    a_adj_inv = matrix_inverse(a, adjoint=True)
    return [_batch_multipliers(grad * c, c) * a_adj_inv]


@register_gradient("LogMatrixDeterminant")
def _log_matrix_determinant_grad(op, _, grad_b):
    no_complex_gradient(op)
    a, c = op.inputs[0], op.outputs[1]
    a_adj_inv = matrix_inverse(a, adjoint=True)
    return [_batch_multipliers(grad_b, c) * a_adj_inv]


def matrix_determinant(input, name=None):  # noqa: A002
    """The determinant of each inner matrix of ``input`` ([..., M, M] -> [...]).

        tg.matrix_determinant([[1.0, 2.0], [3.0, 4.0]])     # -2.0
    """
    return gen1("MatrixDeterminant", [input], name=name, default_name="MatrixDeterminant")


LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_det"])


def log_matrix_determinant(input, name=None):  # noqa: A002
    """``(sign, log_abs_det)`` of the determinant of each inner matrix of ``input`` (tf.linalg.slogdet):
    the determinant is ``sign * exp(log_abs_det)``, without overflow for large matrices.

        sign, log_abs_det = tg.log_matrix_determinant([[1.0, 2.0], [3.0, 4.0]])     # -1, log(2)
    """
    op = gen("LogMatrixDeterminant", [input], name=name, default_name="LogMatrixDeterminant")
    return LogMatrixDeterminant(*op.outputs)


# --- Cholesky -------------------------------------------------------------------------------------------------

@register_kernel("Cholesky")
def _cholesky(ctx, a):
    # A matrix that is not positive definite gets NaN in its lower triangle, as TensorFlow 2's kernels give
    # (the other matrices of the batch are factored).
    xp = ctx.xp
    check_square(a)
    if is_empty(a):
        return xp.zeros(a.shape, a.dtype)
    work = a.astype(work_dtype(a.dtype), copy=False)
    try:
        out = xp.linalg.cholesky(work)
    except np.linalg.LinAlgError:
        out = _cholesky_each(xp, work)
    else:
        if xp is not np:
            out = _mark_failures(xp, out, work)
    return out.astype(a.dtype, copy=False)


def _cholesky_each(xp, work):
    n = work.shape[-1]
    flat = work.reshape((-1, n, n))
    failed = xp.tril(xp.full((n, n), np.nan, dtype=work.dtype))
    outs = []
    for m in flat:
        try:
            outs.append(xp.linalg.cholesky(m))
        except np.linalg.LinAlgError:
            outs.append(failed)
    return xp.stack(outs).reshape(work.shape)


def _mark_failures(xp, out, work):
    """cuSOLVER leaves a failed factorization half done without saying so: a factor that does not give
    the matrix back (its lower triangle, mirrored) failed."""
    lower = xp.tril(work)
    full = lower + xp.conj(xp.swapaxes(xp.tril(work, -1), -1, -2))
    back = out @ xp.conj(xp.swapaxes(out, -1, -2))
    scale = xp.max(xp.abs(full), axis=(-2, -1), keepdims=True)
    eps = np.finfo(work.dtype).eps
    bad = ~(xp.max(xp.abs(back - full), axis=(-2, -1), keepdims=True) <= 100 * work.shape[-1] * eps * scale)
    nan_lower = xp.tril(xp.full(work.shape[-2:], np.nan, dtype=work.dtype))
    return xp.where(bad, nan_lower, out)


@register_gradient("Cholesky")
def _cholesky_grad(op, grad):
    # l^-H @ ((l^H @ grad) * (tril(ones) - eye / 2)) @ l^-1, symmetrized
    no_complex_gradient(op)
    l = op.outputs[0]  # noqa: E741 - the factor's usual name
    num_rows = array_ops.shape(l)[-1]
    batch_shape = array_ops.shape(l)[:-2]
    l_inverse = matrix_triangular_solve(l, eye(num_rows, batch_shape=batch_shape, dtype=l.dtype))
    middle = matmul(l, grad, adjoint_a=True)
    middle = matrix_set_diag(middle, 0.5 * matrix_diag_part(middle))
    middle = matrix_band_part(middle, -1, 0)
    grad_a = matmul(matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    grad_a += matrix_transpose(grad_a, conjugate=True)
    return [grad_a * 0.5]


def cholesky(input, name=None):  # noqa: A002
    """The lower triangular Cholesky factor ``l`` of each inner matrix of ``input`` (``input = l @ l^H``;
    only its lower triangle is read); NaN in the lower triangle of a matrix that is not positive definite.

        tg.cholesky([[4.0, 2.0], [2.0, 2.0]])       # [[2, 0], [1, 1]]
    """
    return gen1("Cholesky", [input], name=name, default_name="Cholesky")


# --- MatrixSolve ----------------------------------------------------------------------------------------------

@register_kernel("MatrixSolve")
def _matrix_solve(ctx, matrix, rhs):
    xp = ctx.xp
    if matrix.ndim < 2:
        raise invalid("Input tensor 0 must have rank >= 2, got %d", matrix.ndim)
    if rhs.ndim < 2:
        raise invalid("Input tensor 1 must have rank >= 2, got %d", rhs.ndim)
    if matrix.ndim != rhs.ndim or matrix.shape[:-2] != rhs.shape[:-2]:
        raise invalid("All input tensors must have the same outer dimensions.")
    if matrix.shape[-1] != matrix.shape[-2]:
        raise invalid("Input matrix must be square.")
    if matrix.shape[-2] != rhs.shape[-2]:
        raise invalid("Input matrix and rhs are incompatible.")
    if is_empty(matrix) or is_empty(rhs):
        return xp.zeros(rhs.shape, rhs.dtype)
    work = work_dtype(rhs.dtype)
    a = matrix.astype(work, copy=False)
    if ctx.attrs.get("adjoint"):
        a = xp.conj(xp.swapaxes(a, -1, -2))
    b = rhs.astype(work, copy=False)
    try:
        out = xp.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise invalid("Input matrix is not invertible.") from None
    if device_failed(xp, out, a):
        raise invalid("Input matrix is not invertible.")
    return out.astype(rhs.dtype, copy=False)


@register_shape("MatrixSolve")
def _matrix_solve_shape(op):
    a = square_shape(op, 0)
    b = op.inputs[1].shape
    if b.rank is not None and b.rank < 2:
        raise ValueError("Shape must be at least rank 2 but is rank %d for '{{node %s}}'" % (b.rank, op.name))
    if a.rank is None or b.rank is None:
        return [unknown_shape() if a.rank is None and b.rank is None else unknown_shape(a.rank or b.rank)]
    if a.rank != b.rank:
        raise ValueError("Shape must be rank %d but is rank %d for '{{node %s}}'" % (a.rank, b.rank, op.name))
    batch = []
    for x, y in zip(a.dims[:-2], b.dims[:-2]):
        if x is not None and y is not None and x != y:
            raise ValueError("Dimensions must be equal, but are %d and %d for '{{node %s}}'" % (x, y, op.name))
        batch.append(x if x is not None else y)
    m, rows = a.dims[-2], b.dims[-2]
    if m is not None and rows is not None and m != rows:
        raise ValueError("Dimensions must be equal, but are %d and %d for '{{node %s}}'" % (m, rows, op.name))
    return [TensorShape(batch + [m if m is not None else rows, b.dims[-1]])]


@register_gradient("MatrixSolve")
def _matrix_solve_grad(op, grad):
    no_complex_gradient(op)
    a = op.inputs[0]
    adjoint = op.get_attr("adjoint")
    c = op.outputs[0]
    grad_b = matrix_solve(a, grad, adjoint=not adjoint)
    grad_a = -(matmul(c, grad_b, adjoint_b=True) if adjoint else matmul(grad_b, c, adjoint_b=True))
    return [grad_a, grad_b]


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """``x`` with ``matrix @ x = rhs`` (``adjoint(matrix) @ x = rhs`` with ``adjoint``) for each inner
    matrix ([..., M, M]) and right-hand side ([..., M, K]); the leading dimensions must be equal.

        tg.matrix_solve([[2.0, 0.0], [0.0, 4.0]], [[2.0], [4.0]])      # [[1], [1]]
    """
    return gen1("MatrixSolve", [matrix, rhs], {"adjoint": bool(adjoint)}, name=name, default_name="MatrixSolve")


# --- functions of the ops above -------------------------------------------------------------------------------

def cholesky_solve(chol, rhs, name=None):
    """``x`` with ``a @ x = rhs`` given ``chol = cholesky(a)``: two triangular solves.

        tg.cholesky_solve(tg.cholesky(a), b)
    """
    g = _graph_of([chol, rhs])
    with g.as_default(), g.name_scope(name or "cholesky_solve"):
        y = matrix_triangular_solve(chol, rhs, adjoint=False, lower=True)
        return matrix_triangular_solve(chol, y, adjoint=True, lower=True)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """The identity matrix [num_rows, num_columns] (square by default), or a batch of them
    [*batch_shape, num_rows, num_columns].

        tg.eye(2)                                   # [[1, 0], [0, 1]]
        tg.eye(2, 3, batch_shape=[4])               # [4, 2, 3]
    """
    tensors = [v for v in (num_rows, num_columns, batch_shape) if hasattr(v, "op")]
    g = _graph_of(tensors)
    with g.as_default(), g.name_scope(name or "eye"):
        is_square = num_columns is None
        batch_shape = [] if batch_shape is None else batch_shape
        num_columns = num_rows if num_columns is None else num_columns
        if hasattr(num_rows, "op") or hasattr(num_columns, "op"):
            diag_size = math_ops.minimum(num_rows, num_columns)
        else:
            if not isinstance(num_rows, (int, np.integer)) or not isinstance(num_columns, (int, np.integer)):
                raise TypeError("Arguments `num_rows` and `num_columns` must be positive integer values. Received: "
                                "num_rows=%s, num_columns=%s" % (num_rows, num_columns))
            is_square = num_rows == num_columns
            diag_size = int(np.minimum(num_rows, num_columns))
        if hasattr(batch_shape, "op") or hasattr(diag_size, "op"):
            batch_shape = convert_to_tensor(batch_shape, dtype=dtypes.int32, name="shape")
            diag_shape = concat((batch_shape, [diag_size]), axis=0)
            if not is_square:
                shape = concat((batch_shape, [num_rows, num_columns]), axis=0)
        else:
            batch_shape = list(batch_shape)
            diag_shape = batch_shape + [diag_size]
            if not is_square:
                shape = batch_shape + [num_rows, num_columns]
        diag_ones = array_ops.ones(diag_shape, dtype=dtype)
        if is_square:
            return matrix_diag(diag_ones)
        return matrix_set_diag(array_ops.zeros(shape, dtype=dtype), diag_ones)


def trace(x, name=None):
    """The sum of the diagonal of each inner matrix of ``x`` ([..., M, N] -> [...]).

        tg.trace([[1.0, 2.0], [3.0, 4.0]])          # 5.0
    """
    g = _graph_of([x])
    with g.as_default(), g.name_scope(name or "Trace") as scope:
        x = convert_to_tensor(x, name="x")
        return reduce_sum(matrix_diag_part(x), [-1], name=scope)


def logdet(matrix, name=None):
    """The log of the determinant of each inner matrix of a Hermitian positive definite ``matrix``, from its
    Cholesky factor (``2 * sum(log(diag(cholesky(matrix))))``).

        tg.logdet([[4.0, 0.0], [0.0, 1.0]])         # log(4)
    """
    g = _graph_of([matrix])
    with g.as_default(), g.name_scope(name or "logdet"):
        chol = cholesky(matrix)
        if chol.dtype.is_complex:
            raise NotImplementedError("tf.linalg.logdet of complex matrices needs tf.math.real, which tagraph "
                                      "does not have")
        return 2.0 * reduce_sum(math_ops.log(matrix_diag_part(chol)), axis=[-1])
