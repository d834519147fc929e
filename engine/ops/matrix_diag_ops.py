"""The diagonals of batches of matrices: MatrixDiag, MatrixDiagPart, MatrixSetDiag and their V2/V3 forms,
which take a band of diagonals ``k`` (a scalar, or ``[lo, hi]``), the output's ``num_rows``/``num_cols``,
a ``padding_value`` and (V3) an ``align`` saying which end of the matrix a diagonal shorter than the longest
one starts at: ``RIGHT_LEFT`` (superdiagonals against the right, subdiagonals against the left; the
default of tf.linalg.diag), ``LEFT_RIGHT``, ``LEFT_LEFT`` (V1 and V2's only one) or ``RIGHT_RIGHT``.

A band of diagonals is stored top diagonal first: ``diagonals[..., hi - d, :]`` holds diagonal ``d``
(element ``(i, i + d)``). The kernels gather and scatter through index arrays built on the host, so the
same code serves the CPU and the GPUs.

    tg.matrix_diag([1, 2])                              # [[1, 0], [0, 2]]
    tg.matrix_diag_part(a, k=(-1, 1))                   # [..., 3, max_len]: diagonals 1, 0, -1
    tg.matrix_set_diag(a, tg.zeros([3]))                # a with its main diagonal zeroed
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.array_ops import zeros_like
from tagraph.engine.ops.op_util import dbg, gen1, invalid

__all__ = ["matrix_diag", "matrix_diag_part", "matrix_set_diag"]

ALIGNMENTS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


# --- the band's geometry ------------------------------------------------------------------------------

def _read_k(k):
    """(lo, hi) of a ``k`` input (host array), with the kernel's checks."""
    k = np.asarray(k)
    if k.ndim > 1:
        raise invalid("diag_index must be a scalar or vector, received shape: %s", dbg(k.shape))
    if k.ndim == 1 and not 0 < k.size <= 2:
        raise invalid("diag_index must have only one or two elements, received %d elements.", k.size)
    flat = k.reshape(-1)
    return int(flat[0]), int(flat[-1])


def _alignment(ctx):
    align = ctx.attrs.get("align")
    align = align.decode() if isinstance(align, bytes) else align
    if align is None:           # V1 and V2 ops: both ends left
        return True, True
    return align in ("LEFT_LEFT", "LEFT_RIGHT"), align in ("LEFT_LEFT", "RIGHT_LEFT")


def _layout(lo, hi, rows, cols, max_len, left_super, left_sub):
    """Where each stored element of a band lies: for stored index (diag i, position n) the matrix row and
    column, and whether it is a real element (not padding); arrays of shape [num_diags, max_len]."""
    d = hi - np.arange(hi - lo + 1)[:, None]                       # the diagonal of each stored row
    length = np.minimum(rows + np.minimum(d, 0), cols - np.maximum(d, 0))
    left = ((d >= 0) & left_super) | ((d <= 0) & left_sub)
    offset = np.where(left, 0, max_len - length)
    j = np.arange(max_len)[None, :] - offset                       # position along the diagonal
    valid = (j >= 0) & (j < length)
    return j + np.maximum(-d, 0), j + np.maximum(d, 0), valid


def _check_band(lo, hi, rows, cols):
    if not ((-rows < lo < cols) or lo == 0):
        raise invalid("lower_diag_index is out of bound: %d. It must be between %d and %d", lo, -rows, cols)
    if not ((-rows < hi < cols) or hi == 0):
        raise invalid("upper_diag_index is out of bound: %d It must be between %d and %d", hi, -rows, cols)
    if lo > hi:
        raise invalid("lower_diag_index must not be larger than upper_diag_index: %d > %d", lo, hi)


# --- kernels ----------------------------------------------------------------------------------------------

def _diag_part(ctx, x, k=0, padding=None):
    xp = ctx.xp
    lo, hi = _read_k(k)
    if x.ndim < 2:
        raise invalid("input must be at least 2-dim, received shape: %s", dbg(x.shape))
    rows, cols = x.shape[-2:]
    _check_band(lo, hi, rows, cols)
    max_len = max(0, min(rows + min(hi, 0), cols - max(lo, 0)))
    r, c, valid = _layout(lo, hi, rows, cols, max_len, *_alignment(ctx))
    pad = np.zeros((), x.dtype) if padding is None else np.asarray(padding).reshape(-1)[0].astype(x.dtype)
    batch = x.shape[:-2]
    if x.size == 0 or valid.size == 0:
        out = xp.full(batch + valid.shape, pad, dtype=x.dtype)
    else:
        out = x[..., xp.asarray(np.where(valid, r, 0)), xp.asarray(np.where(valid, c, 0))]
        out = xp.where(xp.asarray(valid), out, xp.asarray(pad))
    return out.reshape(batch + (max_len,)) if lo == hi else out


def _diag(ctx, diagonal, k=0, num_rows=-1, num_cols=-1, padding=None):
    xp = ctx.xp
    lo, hi = _read_k(k)
    num_rows, num_cols = int(np.asarray(num_rows).reshape(-1)[0]), int(np.asarray(num_cols).reshape(-1)[0])
    num_diags = hi - lo + 1
    if diagonal.ndim < 1:
        raise invalid("diagonal must be at least 1-dim, received shape: %s", dbg(diagonal.shape))
    if lo > hi:
        raise invalid("lower_diag_index must not be larger than upper_diag_index: %d > %d", lo, hi)
    if lo != hi and (diagonal.ndim < 2 or diagonal.shape[-2] != num_diags):
        raise invalid("The number of diagonals provided in the input does not match the lower_diag_index and "
                      "upper_diag_index range.")
    max_len = diagonal.shape[-1]
    min_rows, min_cols = max_len - min(hi, 0), max_len + max(lo, 0)
    if num_rows != -1 and num_rows < min_rows:
        raise invalid("The number of rows is too small.")
    if num_cols != -1 and num_cols < min_cols:
        raise invalid("The number of columns is too small.")
    if num_rows == -1 and num_cols == -1:
        num_rows = num_cols = max(min_rows, min_cols)
    elif num_rows == -1:
        num_rows = min_rows
    elif num_cols == -1:
        num_cols = min_cols
    if num_rows != min_rows and num_cols != min_cols:
        raise invalid("The number of rows or columns is not consistent with the specified d_lower, d_upper, and "
                      "diagonal.")
    batch = diagonal.shape[:-1] if lo == hi else diagonal.shape[:-2]
    pad = np.zeros((), diagonal.dtype) if padding is None \
        else np.asarray(padding).reshape(-1)[0].astype(diagonal.dtype)
    # For each output element: its diagonal, and where that diagonal stores it.
    d = np.arange(num_cols)[None, :] - np.arange(num_rows)[:, None]
    left_super, left_sub = _alignment(ctx)
    length = np.minimum(num_rows + np.minimum(d, 0), num_cols - np.maximum(d, 0))
    left = ((d >= 0) & left_super) | ((d <= 0) & left_sub)
    n = np.minimum(np.arange(num_rows)[:, None], np.arange(num_cols)[None, :]) \
        + np.where(left, 0, max_len - length)
    inside = (d >= lo) & (d <= hi)
    flat_index = np.where(inside, (hi - d) * max_len + n, 0)
    if diagonal.size == 0 or not inside.any():
        return xp.full(batch + (num_rows, num_cols), pad, dtype=diagonal.dtype)
    flat = diagonal.reshape(batch + (-1,))
    out = flat[..., xp.asarray(flat_index)]
    return xp.where(xp.asarray(inside), out, xp.asarray(pad))


def _set_diag(ctx, x, diagonal, k=0):
    xp = ctx.xp
    lo, hi = _read_k(k)
    if x.ndim < 2:
        raise invalid("input must be at least 2-dim, received shape: %s", dbg(x.shape))
    if diagonal.ndim < 1:
        raise invalid("diagonal must be at least 1-dim, received shape: %s", dbg(diagonal.shape))
    rows, cols = x.shape[-2:]
    if not ((-rows < lo < cols) or lo == 0):
        raise invalid("lower_diag_index is out of bound: %d It must be between %d and %d", lo, -rows, cols)
    if not ((-rows < hi < cols) or hi == 0):
        raise invalid("upper_diag_index is out of bound: %d It must be between %d and %d", hi, -rows, cols)
    if lo > hi:
        raise invalid("lower_diag_index must not be larger than upper_diag_index: %d > %d", lo, hi)
    num_diags = hi - lo + 1
    if lo != hi and (diagonal.ndim < x.ndim - 1 or diagonal.shape[x.ndim - 2] != num_diags):
        raise invalid("The number of diagonals provided in `diag` is not consistent with `lower_diag_index` and "
                      "`upper_diag_index`")
    max_len = min(rows + min(hi, 0), cols - max(lo, 0))
    expected = x.shape[:-2] + ((num_diags,) if num_diags > 1 else ()) + (max_len,)
    if tuple(diagonal.shape) != expected:
        raise invalid("Either first dimensions of diagonal don't match input.shape[:-2], or diagonal.shape[:-1] is "
                      "not equal to the longests diagonal in range [lower_diag_index:upper_diag_index].\nInput "
                      "shape: %s\nDiagonal shape: %s\nExpected diagonal shape: %s", dbg(x.shape),
                      dbg(diagonal.shape), dbg(expected))
    out = x.copy()
    if x.size == 0:
        return out
    r, c, valid = _layout(lo, hi, rows, cols, max_len, *_alignment(ctx))
    i, n = np.nonzero(valid)
    stored = diagonal.reshape(x.shape[:-2] + (num_diags, max_len))
    out[..., xp.asarray(r[i, n]), xp.asarray(c[i, n])] = stored[..., xp.asarray(i), xp.asarray(n)]
    return out


register_kernel("MatrixDiagPart")(lambda ctx, x: _diag_part(ctx, x))
register_kernel("MatrixDiagPartV2", host_inputs=(1, 2))(_diag_part)
register_kernel("MatrixDiagPartV3", host_inputs=(1, 2))(_diag_part)
register_kernel("MatrixDiag")(lambda ctx, d: _diag(ctx, d))
register_kernel("MatrixDiagV2", host_inputs=(1, 2, 3, 4))(_diag)
register_kernel("MatrixDiagV3", host_inputs=(1, 2, 3, 4))(_diag)
register_kernel("MatrixSetDiag")(lambda ctx, x, d: _set_diag(ctx, x, d))
register_kernel("MatrixSetDiagV2", host_inputs=(2,))(_set_diag)
register_kernel("MatrixSetDiagV3", host_inputs=(2,))(_set_diag)


# --- shape functions --------------------------------------------------------------------------------------

def _rank_error(op, s, least, most=False):
    return ValueError("Shape must be at %s rank %d but is rank %d for '{{node %s}}'"
                      % ("most" if most else "least", least, s.rank, op.name))


def _known_k(op, index):
    """(lo, hi) of input ``index`` where known while building, else None; TensorFlow's build-time checks."""
    s = op.inputs[index].shape
    if s.rank is not None and s.rank > 1:
        raise _rank_error(op, s, 1, most=True)
    v = constant_value(op.inputs[index])
    if v is None:
        return None
    v = np.asarray(v)
    if v.ndim == 1 and not 0 < v.size <= 2:
        raise ValueError("diag_index must be a vector with one or two elements. It has %d elements." % v.size)
    lo, hi = int(v.reshape(-1)[0]), int(v.reshape(-1)[-1])
    if lo > hi:
        raise ValueError("lower_diag_index is greater than upper_diag_index")
    return lo, hi


def _check_known_band(lo, hi, rows, cols):
    if rows is None or cols is None:
        return
    if lo != 0 and (-rows >= lo or lo >= cols):
        raise ValueError("lower_diag_index is out of bound.")
    if hi != 0 and (-rows >= hi or hi >= cols):
        raise ValueError("upper_diag_index is out of bound.")


def _const_int(t):
    v = constant_value(t)
    return None if v is None else int(np.asarray(v).reshape(-1)[0])


@register_shape("MatrixDiagPart")
def _matrix_diag_part_v1_shape(op):
    s = op.inputs[0].shape
    if s.rank is not None and s.rank < 2:
        raise _rank_error(op, s, 2)
    if s.rank is None:
        return [unknown_shape()]
    rows, cols = s.dims[-2:]
    return [TensorShape(s.dims[:-2] + [None if rows is None or cols is None else min(rows, cols)])]


@register_shape("MatrixDiagPartV2", "MatrixDiagPartV3")
def _matrix_diag_part_shape(op):
    s = op.inputs[0].shape
    if s.rank is not None and s.rank < 2:
        raise _rank_error(op, s, 2)
    band = _known_k(op, 1)
    if s.rank is None or band is None:
        return [unknown_shape()]
    lo, hi = band
    rows, cols = s.dims[-2:]
    _check_known_band(lo, hi, rows, cols)
    max_len = None if rows is None or cols is None else min(rows + min(hi, 0), cols - max(lo, 0))
    return [TensorShape(s.dims[:-2] + ([hi - lo + 1] if lo < hi else []) + [max_len])]


@register_shape("MatrixDiag")
def _matrix_diag_v1_shape(op):
    s = op.inputs[0].shape
    if s.rank is not None and s.rank < 1:
        raise _rank_error(op, s, 1)
    return [unknown_shape() if s.rank is None else TensorShape(s.dims + s.dims[-1:])]


@register_shape("MatrixDiagV2", "MatrixDiagV3")
def _matrix_diag_shape(op):
    s = op.inputs[0].shape
    if s.rank is not None and s.rank < 1:
        raise _rank_error(op, s, 1)
    band = _known_k(op, 1)
    if s.rank is None or band is None:
        return [unknown_shape()]
    lo, hi = band
    if lo < hi:
        num_diags = s.dims[-2] if s.rank >= 2 else None
        if num_diags is not None and num_diags != hi - lo + 1:
            raise ValueError("The number of rows of `diagonal` doesn't match the number of diagonals implied from "
                             "`d_lower` and `d_upper`.\nnum_diags = %d, d_lower = %d, d_upper = %d %d %s"
                             % (num_diags, lo, hi, s.rank, s.dims[-1] if s.dims[-1] is not None else -1))
    num_rows, num_cols = _const_int(op.inputs[2]), _const_int(op.inputs[3])
    num_rows = -1 if num_rows is None else num_rows
    num_cols = -1 if num_cols is None else num_cols
    max_len = s.dims[-1]
    if max_len is None:
        rows = num_rows if num_rows != -1 else None
        cols = num_cols if num_cols != -1 else None
    else:
        min_rows, min_cols = max_len - min(hi, 0), max_len + max(lo, 0)
        if num_rows == -1 and num_cols == -1:
            num_rows = num_cols = max(min_rows, min_cols)
        if num_rows == -1:
            num_rows = min_rows
        elif num_rows < min_rows:
            raise ValueError("num_rows is too small")
        if num_cols == -1:
            num_cols = min_cols
        elif num_cols < min_cols:
            raise ValueError("num_cols is too small.")
        if num_rows != min_rows and num_cols != min_cols:
            raise ValueError("num_rows and num_cols are not consistent with lower_diag_index, upper_diag_index, and "
                             "the length of the given diagonals.\nnum_rows = %d != min_num_rows = %d, num_cols = %d "
                             "!= min_num_cols = %d" % (num_rows, min_rows, num_cols, min_cols))
        rows, cols = num_rows, num_cols
    if lo == hi:
        return [TensorShape(s.dims[:-1] + [rows, cols])]
    return [TensorShape(s.dims[:-2] + [rows, cols])]


def _merge_from_diagonal(op, x, diag, band_rank):
    """The output's shape: the input's, with batch dimensions the diagonal knows and the input does not."""
    if diag.rank is None or x.is_fully_defined():
        return x
    guess = TensorShape(diag.dims[:-band_rank] + [None, None])
    if x.rank is not None and x.rank != guess.rank:
        raise ValueError("Shape must be rank %d but is rank %d for '{{node %s}}'" % (x.rank, guess.rank, op.name))
    return x.merge_with(guess)


@register_shape("MatrixSetDiag")
def _matrix_set_diag_v1_shape(op):
    x, diag = op.inputs[0].shape, op.inputs[1].shape
    if x.rank is not None and x.rank < 2:
        raise _rank_error(op, x, 2)
    if diag.rank is not None and diag.rank < 1:
        raise _rank_error(op, diag, 1)
    if x.rank is not None and diag.rank is not None and diag.rank != x.rank - 1:
        raise ValueError("Shape must be rank %d but is rank %d for '{{node %s}}'" % (x.rank - 1, diag.rank, op.name))
    if x.rank is not None and diag.rank is not None:
        rows, cols = x.dims[-2:]
        smallest = None if rows is None or cols is None else min(rows, cols)
        if smallest is not None and diag.dims[-1] is not None and smallest != diag.dims[-1]:
            raise ValueError("Dimensions must be equal, but are %d and %d for '{{node %s}}'"
                             % (smallest, diag.dims[-1], op.name))
    return [_merge_from_diagonal(op, x, diag, 1)]


@register_shape("MatrixSetDiagV2", "MatrixSetDiagV3")
def _matrix_set_diag_shape(op):
    x, diag = op.inputs[0].shape, op.inputs[1].shape
    if x.rank is not None and x.rank < 2:
        raise _rank_error(op, x, 2)
    if diag.rank is not None and diag.rank < 1:
        raise _rank_error(op, diag, 1)
    band = _known_k(op, 2)
    lo, hi = band or (0, 0)
    if x.rank is not None:
        if band is not None:
            want = x.rank - 1 if lo == hi else x.rank
            if diag.rank is not None and diag.rank != want:
                raise ValueError("Shape must be rank %d but is rank %d for '{{node %s}}'" % (want, diag.rank, op.name))
        elif diag.rank is not None and not x.rank - 1 <= diag.rank <= x.rank:
            raise ValueError("Shape must be rank %d but is rank %d for '{{node %s}}'" % (x.rank, diag.rank, op.name))
        _check_known_band(lo, hi, *x.dims[-2:])
    return [_merge_from_diagonal(op, x, diag, 1 if lo == hi else 2)]


# --- gradients ---------------------------------------------------------------------------------------------

def _align_of(op):
    align = op.get_attr("align")
    return align.decode() if isinstance(align, bytes) else align


@register_gradient("MatrixDiag")
def _matrix_diag_v1_grad(op, grad):
    return [matrix_diag_part(grad)]


@register_gradient("MatrixDiagV2")
def _matrix_diag_v2_grad(op, grad):
    return [matrix_diag_part(grad, k=op.inputs[1]), None, None, None, None]


@register_gradient("MatrixDiagV3")
def _matrix_diag_v3_grad(op, grad):
    return [matrix_diag_part(grad, k=op.inputs[1], align=_align_of(op)), None, None, None, None]


@register_gradient("MatrixDiagPart")
def _matrix_diag_part_v1_grad(op, grad):
    m = op.inputs[0].shape[-2:]
    if m.is_fully_defined() and m[0] == m[1]:
        return [matrix_diag(grad)]
    return [matrix_set_diag(zeros_like(op.inputs[0]), grad)]


def _diag_part_grad(op, grad, align):
    m = op.inputs[0].shape[-2:]
    kwargs = {} if align is None else {"align": align}
    if m.is_fully_defined():
        return [matrix_diag(grad, k=op.inputs[1], num_rows=m[0], num_cols=m[1], **kwargs), None, None]
    return [matrix_set_diag(zeros_like(op.inputs[0]), grad, k=op.inputs[1], **kwargs), None, None]


register_gradient("MatrixDiagPartV2")(lambda op, grad: _diag_part_grad(op, grad, None))
register_gradient("MatrixDiagPartV3")(lambda op, grad: _diag_part_grad(op, grad, _align_of(op)))


@register_gradient("MatrixSetDiag")
def _matrix_set_diag_v1_grad(op, grad):
    # A zero diagonal shaped like the one given: the values TensorFlow's shape arithmetic gives.
    return [matrix_set_diag(grad, zeros_like(op.inputs[1])), matrix_diag_part(grad)]


def _set_diag_grad(op, grad, align):
    kwargs = {} if align is None else {"align": align}
    diag = op.inputs[1]
    zeros = array_ops.zeros(diag.shape.as_list(), diag.dtype) if diag.shape.is_fully_defined() else zeros_like(diag)
    return [matrix_set_diag(grad, zeros, k=op.inputs[2], **kwargs), matrix_diag_part(grad, k=op.inputs[2], **kwargs),
            None]


register_gradient("MatrixSetDiagV2")(lambda op, grad: _set_diag_grad(op, grad, None))
register_gradient("MatrixSetDiagV3")(lambda op, grad: _set_diag_grad(op, grad, _align_of(op)))


# --- Python API ---------------------------------------------------------------------------------------------

def _check_align(align, op_type):
    if align not in ALIGNMENTS:
        raise ValueError("Attr 'align' of '%s' Op passed string '%s' not in: %s."
                         % (op_type, align, ", ".join('"%s"' % a for a in ALIGNMENTS)))
    return align


def _padding(x, padding_value):
    """``padding_value`` of ``x``'s dtype where ``x`` is a tensor already (bool for bool, as TensorFlow)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or hasattr(padding_value, "op"):
        return padding_value
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype == dtypes.bool:
        padding_value = bool(padding_value)
    return np.asarray(padding_value, dtype.as_numpy_dtype)


def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """Batched matrices with ``diagonal`` on their diagonal ``k`` (or band ``k = (lo, hi)``: ``diagonal``
    [..., hi - lo + 1, max_len], top diagonal first) and ``padding_value`` elsewhere (a MatrixDiagV3).

        tg.matrix_diag([[1, 2], [3, 4]])                 # [2, 2, 2]: two diagonal matrices
        tg.matrix_diag([1, 2], k=1)                      # [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    padding_value = _padding(diagonal, padding_value)
    return gen1("MatrixDiagV3", [diagonal, _int32(k), _int32(num_rows), _int32(num_cols), padding_value],
                {"align": _check_align(align, "MatrixDiagV3")}, name=name, default_name="diag")


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    """The diagonal ``k`` of each inner matrix of ``input`` ([..., min(M, N)] for k = 0), or the band
    ``k = (lo, hi)`` ([..., hi - lo + 1, max_len], top diagonal first, short ones padded with
    ``padding_value`` on the side ``align`` says) (a MatrixDiagPartV3).

        tg.matrix_diag_part([[1, 2], [3, 4]])            # [1, 4]
        tg.matrix_diag_part([[1, 2], [3, 4]], k=(-1, 0)) # [[1, 4], [3, 0]]
    """
    padding_value = _padding(input, padding_value)
    return gen1("MatrixDiagPartV3", [input, _int32(k), padding_value],
                {"align": _check_align(align, "MatrixDiagPartV3")}, name=name, default_name="diag_part")


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002
    """``input`` with its diagonal ``k`` (or band ``k = (lo, hi)``) replaced by ``diagonal``, shaped as
    :func:`matrix_diag_part` returns it (a MatrixSetDiagV3).

        tg.matrix_set_diag(tg.ones([2, 2]), [5, 6])      # [[5, 1], [1, 6]]
    """
    return gen1("MatrixSetDiagV3", [input, diagonal, _int32(k)], {"align": _check_align(align, "MatrixSetDiagV3")},
                name=name, default_name="set_diag")


def _int32(v):
    return v if hasattr(v, "dtype") and hasattr(v, "op") else np.asarray(v, np.int32)
