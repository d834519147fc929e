"""Set operations over the last dimension of tensors (``tf.sets``): SetSize, DenseToDenseSetOperation,
DenseToSparseSetOperation and SparseToSparseSetOperation, as TensorFlow's CPU kernels compute them.

Each group of the inputs' leading dimensions is a set: the distinct values of a dense row, or of a
SparseTensor's entries that share their leading indices. The operations give a SparseTensor with one row
per group holding the result's values sorted (numbers by value, strings by bytes), its last dimension the
largest result; SetSize gives each group's count. Elements are integers or strings; the ops have no gradient.

    a = tg.constant([[1, 2, 3], [4, 5, 6]])
    b = tg.constant([[3, 2, 2], [4, 7, 7]])
    tg.sets.intersection(a, b)        # SparseTensor: [0, 0] = 2, [0, 1] = 3, [1, 0] = 4; dense_shape [2, 2]
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.op_util import dbg, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor, SparseTensorValue
from tagraph.engine.ops.sparse_ops import _validate_sorted

__all__ = ["set_size", "set_intersection", "set_union", "set_difference"]

_SET_DTYPES = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.string)
_OPS = ("a-b", "b-a", "intersection", "union")
_HOST = host_kind().device_type


# --- kernels ------------------------------------------------------------------------------------------------

def _dense_groups(x):
    """{group index tuple: set of the row's values} of a dense ``[..., n]`` array."""
    if x.ndim < 2:
        raise invalid("Invalid input rank %d.", x.ndim)
    rows = x.reshape(-1, x.shape[-1])
    lead = x.shape[:-1]
    groups = {}
    for k, pos in enumerate(np.ndindex(*lead)):
        groups[pos] = set(rows[k].tolist())
    return lead, groups


def _sparse_groups(indices, values, shape, validate):
    """{group index tuple: set of its values} of a SparseTensor's parts, and its group shape."""
    indices, shape = np.asarray(indices, np.int64), np.asarray(shape, np.int64)
    if indices.ndim != 2 or np.asarray(values).ndim != 1 or shape.ndim != 1:
        raise invalid("Invalid sparse tensor: indices %s, values %s, shape %s", dbg(indices.shape),
                      dbg(np.shape(values)), dbg(shape.shape))
    if shape.shape[0] < 2:
        raise invalid("Invalid input rank %d.", shape.shape[0])
    if indices.shape[0] != np.shape(values)[0] or indices.shape[1] != shape.shape[0]:
        raise invalid("Invalid sparse tensor: indices %s, values %s, shape %s", dbg(indices.shape),
                      dbg(np.shape(values)), dbg(shape.shape))
    if validate:
        _validate_sorted(np, indices, tuple(int(d) for d in shape))
    groups = {}
    for pos, v in zip(map(tuple, indices[:, :-1].tolist()), np.asarray(values).tolist()):
        groups.setdefault(pos, set()).add(v)
    return tuple(int(d) for d in shape[:-1]), groups


def _check_group_shapes(a, b):
    if tuple(a) != tuple(b):
        raise invalid("Mismatched shapes %s vs %s", dbg(a), dbg(b))


def _combine(op, a, b):
    if op == "a-b":
        return a - b
    if op == "b-a":
        return b - a
    return a & b if op == "intersection" else a | b


def _set_result(ctx, lead, ga, gb, dtype):
    op = ctx.attrs["set_operation"].decode() if isinstance(ctx.attrs["set_operation"], bytes) \
        else ctx.attrs["set_operation"]
    if op not in _OPS:
        raise invalid("Invalid set_operation %s.", op)
    empty = set()
    results = []
    for pos in sorted(set(ga) | set(gb)):
        values = sorted(_combine(op, ga.get(pos, empty), gb.get(pos, empty)))
        if values:
            results.append((pos, values))
    width = max((len(v) for _, v in results), default=0)
    indices = [list(pos) + [k] for pos, values in results for k in range(len(values))]
    flat = [v for _, values in results for v in values]
    out_indices = np.array(indices, np.int64).reshape(len(flat), len(lead) + 1)
    out_values = np.array(flat, dtype=object) if dtype == np.dtype(object) else np.array(flat, dtype=dtype)
    return out_indices, out_values.reshape(len(flat)), np.array(list(lead) + [width], np.int64)


@register_kernel("DenseToDenseSetOperation", device_types=_HOST)
def _dense_to_dense(ctx, a, b):
    a, b = np.asarray(a), np.asarray(b)
    lead, ga = _dense_groups(a)
    lead_b, gb = _dense_groups(b)
    _check_group_shapes(lead, lead_b)
    return _set_result(ctx, lead, ga, gb, a.dtype)


@register_kernel("DenseToSparseSetOperation", device_types=_HOST)
def _dense_to_sparse(ctx, a, indices, values, shape):
    a = np.asarray(a)
    lead, ga = _dense_groups(a)
    lead_b, gb = _sparse_groups(indices, values, shape, ctx.attrs.get("validate_indices", True))
    _check_group_shapes(lead, lead_b)
    return _set_result(ctx, lead, ga, gb, a.dtype)


@register_kernel("SparseToSparseSetOperation", device_types=_HOST)
def _sparse_to_sparse(ctx, a_indices, a_values, a_shape, b_indices, b_values, b_shape):
    validate = ctx.attrs.get("validate_indices", True)
    lead, ga = _sparse_groups(a_indices, a_values, a_shape, validate)
    lead_b, gb = _sparse_groups(b_indices, b_values, b_shape, validate)
    _check_group_shapes(lead, lead_b)
    return _set_result(ctx, lead, ga, gb, np.asarray(a_values).dtype)


@register_kernel("SetSize", device_types=_HOST)
def _set_size(ctx, indices, values, shape):
    lead, groups = _sparse_groups(indices, values, shape, ctx.attrs.get("validate_indices", True))
    out = np.zeros(lead, np.int32)
    for pos, members in groups.items():
        out[pos] = len(members)
    return out


# --- shapes -------------------------------------------------------------------------------------------------

def _rank_error(want, got, at_least=False):
    return ValueError("Shape must be %srank %d but is rank %d" % ("at least " if at_least else "", want, got))


def _sparse_rank(op, first):
    """The rank of the SparseTensor whose parts start at input ``first`` (None when unknown)."""
    for k, rank in ((0, 2), (1, 1), (2, 1)):
        r = op.inputs[first + k].shape.rank
        if r is not None and r != rank:
            raise _rank_error(rank, r)
    return op.inputs[first + 2].shape.dims[0] if op.inputs[first + 2].shape.rank == 1 else None


def _outputs(rank):
    return [TensorShape([None, rank]), TensorShape([None]), TensorShape([rank])]


@register_shape("DenseToDenseSetOperation")
def _dense_to_dense_shape(op):
    a, b = op.inputs[0].shape, op.inputs[1].shape
    if a.rank is None or b.rank is None:
        return _outputs(a.rank if b.rank is None else b.rank)
    if a.rank < 2:
        raise _rank_error(2, a.rank, at_least=True)
    if b.rank != a.rank:
        raise _rank_error(a.rank, b.rank)
    for k, (x, y) in enumerate(zip(a.dims[:-1], b.dims[:-1])):
        if x is not None and y is not None and x != y:
            raise ValueError("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
                             % (k, x, y, _dims(a.dims[:-1]), _dims(b.dims[:-1])))
    return _outputs(a.rank)


def _dims(dims):
    return "[%s]" % ",".join("?" if d is None else str(d) for d in dims)


@register_shape("DenseToSparseSetOperation")
def _dense_to_sparse_shape(op):
    a = op.inputs[0].shape
    rank = _sparse_rank(op, 1)
    if a.rank is not None and a.rank < 2:
        raise _rank_error(2, a.rank, at_least=True)
    return _outputs(a.rank if a.rank is not None else rank)


@register_shape("SparseToSparseSetOperation")
def _sparse_to_sparse_shape(op):
    ra, rb = _sparse_rank(op, 0), _sparse_rank(op, 3)
    return _outputs(ra if ra is not None else rb)


@register_shape("SetSize")
def _set_size_shape(op):
    _sparse_rank(op, 0)
    return [TensorShape(None)]


not_differentiable("SetSize", "DenseToDenseSetOperation", "DenseToSparseSetOperation", "SparseToSparseSetOperation")


# --- Python functions (TensorFlow's tf.sets) ------------------------------------------------------------------

def _is_sparse(x):
    return isinstance(x, SparseTensorValue) or getattr(type(x), "_tg_sparse_tensor", False)


def _dtype(x):
    return (x.values if _is_sparse(x) else x).dtype.base_dtype


def _as_tensor(x, what):
    if isinstance(x, SparseTensorValue):
        return SparseTensor.from_value(x)
    return x if _is_sparse(x) else convert_to_tensor(x, name=what)


def _check_dtype(x, what):
    dtype = _dtype(x)
    if dtype not in _SET_DTYPES:
        raise TypeError("'%s' has invalid dtype `<dtype: '%s'>` not in supported dtypes: `%s`." % (
            what, dtype.name, "frozenset({%s})" % ", ".join("tf.%s" % d.name for d in _SET_DTYPES)))


def _parts(sp):
    return [sp.indices, sp.values, sp.dense_shape]


def set_size(a, validate_indices=True):
    """The number of distinct values in each last-dimension set of the SparseTensor ``a`` (SetSize, int32).

        tg.sets.size(tg.sparse.from_dense([[1, 1, 2], [3, 0, 0]]))      # [2, 1] (zeros are not entries)
    """
    a = _as_tensor(a, "a")
    _check_dtype(a, "a")
    if not _is_sparse(a):
        raise TypeError("Expected `SparseTensor`, got %s." % a)
    op = get_default_graph().create_op("SetSize", _parts(a), {"validate_indices": bool(validate_indices),
                                                             "T": a.values.dtype.base_dtype}, name="SetSize")
    return op.outputs[0]


def _set_operation(a, b, set_operation, validate_indices=True):
    if _is_sparse(a) and not _is_sparse(b):
        raise ValueError("Sparse,Dense is not supported, but Dense,Sparse is. Please flip order.")
    a, b = _as_tensor(a, "a"), _as_tensor(b, "b")
    if _dtype(a) != _dtype(b):
        raise TypeError("Types don't match, <dtype: '%s'> vs <dtype: '%s'>." % (_dtype(a).name, _dtype(b).name))
    _check_dtype(a, "a")
    _check_dtype(b, "b")
    dtype = _dtype(a)
    attrs = {"set_operation": set_operation, "validate_indices": bool(validate_indices), "T": dtype}
    if _is_sparse(a):
        op_type, inputs = "SparseToSparseSetOperation", _parts(a) + _parts(b)
    elif _is_sparse(b):
        op_type, inputs = "DenseToSparseSetOperation", [a] + _parts(b)
    else:
        op_type, inputs = "DenseToDenseSetOperation", [a, b]
    op = get_default_graph().create_op(op_type, inputs, attrs, name=op_type)
    return SparseTensor(*op.outputs)


def _flip(a, b):
    # TensorFlow's sets take (dense, sparse) only: a sparse ``a`` with a dense ``b`` swaps them, which
    # intersection and union allow and difference answers by reversing its direction.
    if _is_sparse(a) and not _is_sparse(b) and b is not None:
        return b, a, True
    return a, b, False


def set_intersection(a, b, validate_indices=True):
    """The values in both ``a``'s and ``b``'s last-dimension sets, per group, sorted, as a SparseTensor
    (a Tensor or SparseTensor each; Dense/SparseToSparseSetOperation).

        tg.sets.intersection([[1, 2, 3]], [[3, 2, 7]])     # SparseTensor with values [2, 3]
    """
    a, b, _ = _flip(a, b)
    return _set_operation(a, b, "intersection", validate_indices)


def set_union(a, b, validate_indices=True):
    """The values in ``a``'s or ``b``'s last-dimension sets, per group, sorted, as a SparseTensor."""
    a, b, _ = _flip(a, b)
    return _set_operation(a, b, "union", validate_indices)


def set_difference(a, b, aminusb=True, validate_indices=True):
    """The values of ``a``'s sets not in ``b``'s (``b``'s not in ``a``'s with ``aminusb=False``), per group,
    sorted, as a SparseTensor."""
    a, b, flipped = _flip(a, b)
    if flipped:
        aminusb = not aminusb
    return _set_operation(a, b, "a-b" if aminusb else "b-a", validate_indices)
