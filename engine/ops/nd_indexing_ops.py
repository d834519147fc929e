"""N-dimensional indexing: GatherNd, ScatterNd and TensorScatterUpdate / TensorScatterAdd / TensorScatterSub.

Each op's kernel, shape function, gradient and Python constructor live together. The last dimension of
``indices`` holds coordinates into the leading dimensions of ``params`` (or of the output); the kernels
flatten those coordinates to row numbers of a ``[rows, slice]`` view and move whole slices. Out-of-range
coordinates raise TensorFlow's InvalidArgumentError on every device (TensorFlow checks only on the CPU;
a GPU kernel here pays one device-to-host check rather than silently dropping updates), unless the op's
``bad_indices_policy`` is ``"IGNORE"``: then gathers give zeros and scatters skip them. This family builds
on array_ops, math_ops and joining_ops.

    picked = tg.gather_nd(params, [[0, 1], [2, 0]])
    dense = tg.scatter_nd([[1], [3]], updates, [4, 3])
    y = tg.tensor_scatter_nd_update(x, [[0]], [[9.0, 9.0, 9.0]])
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.array_ops import expand_dims, identity, ones, rank, reshape, shape, zeros_like
from tagraph.engine.ops.gather_rows_cpu import take_rows
from tagraph.engine.ops.joining_ops import concat, stack, tile
from tagraph.engine.ops.math_ops import negative
from tagraph.engine.ops.op_util import dbg, gen1, host_ints, invalid, reduction, shape_str

__all__ = ["gather_nd", "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add", "tensor_scatter_nd_sub",
           "tensor_scatter_update", "tensor_scatter_add", "tensor_scatter_sub"]

_POLICIES = ("", "DEFAULT", "ERROR", "IGNORE")


# --- shared kernel steps ----------------------------------------------------------------------------

def _policy(ctx):
    p = ctx.attrs.get("bad_indices_policy", b"")
    p = p.decode() if isinstance(p, bytes) else p
    if p not in _POLICIES:
        raise invalid("bad_indices_policy must be one of DEFAULT, ERROR or IGNORE (or empty), got %r", p)
    return p


def _rows(xp, indices, dims):
    """(flat row numbers, bad-row mask or None) of the coordinates in ``indices`` (last axis) into
    ``dims``, as int64 device arrays."""
    k = len(dims)
    n = int(np.prod(indices.shape[:-1], dtype=np.int64))
    if not k or not n:
        return xp.zeros((n,), np.int64), None
    flat = indices.reshape(n, k)
    # Column by column: numpy's reductions along a short last axis are many times slower than whole columns.
    columns = [flat[:, j] for j in range(k)]
    in_range = all(int(c.min()) >= 0 and int(c.max()) < d for c, d in zip(columns, dims))
    bad = None
    if not in_range:
        bad = xp.zeros((n,), bool)
        for c, d in zip(columns, dims):
            bad |= (c < 0) | (c >= d)
    rows = columns[k - 1].astype(np.int64)
    stride = 1
    for j in range(k - 2, -1, -1):
        stride *= int(dims[j + 1])
        rows += columns[j].astype(np.int64) * stride
    return rows, bad


def _bad_position(xp, indices, bad):
    """TensorFlow's ``indices[i,j] = [a, b]`` for the first bad coordinate row."""
    pos = int(xp.argmax(bad))
    batch = indices.shape[:-1]
    where = "[%s]" % ",".join(str(int(i)) for i in np.unravel_index(pos, batch)) if batch else ""
    row = indices.reshape(-1, indices.shape[-1])[pos]
    return "indices%s = [%s]" % (where, ", ".join(str(int(v)) for v in row))


# --- GatherNd -----------------------------------------------------------------------------------------

@register_kernel("GatherNd")
def _gather_nd(ctx, params, indices):
    xp = ctx.xp
    policy = _policy(ctx)
    if params.ndim < 1:
        raise invalid("params must be at least a vector")
    if indices.ndim < 1:
        raise invalid("indices must be at least a vector")
    k = indices.shape[-1]
    if k > params.ndim:
        raise invalid("index innermost dimension length must be <= params rank; saw: %d vs. %d", k, params.ndim)
    batch, inner = tuple(indices.shape[:-1]), tuple(params.shape[k:])
    n = int(np.prod(batch, dtype=np.int64))
    if n and params.size == 0:
        raise invalid("Requested more than 0 entries, but params is empty.  Params shape: %s", dbg(params.shape))
    rows, bad = _rows(xp, indices, params.shape[:k])
    if bad is not None and policy != "IGNORE":
        raise invalid("%s does not index into param shape %s, node name: %s", _bad_position(xp, indices, bad),
                      dbg(params.shape), ctx.node_name)
    table = params.reshape((-1,) + inner)
    if bad is not None:
        rows = xp.where(bad, 0, rows)
    if not n:
        out = xp.zeros((0,) + inner, params.dtype)
    else:
        out = take_rows(table, rows) if xp is np else xp.take(table, rows, axis=0)
    if bad is not None:
        out[bad] = 0
    return out.reshape(batch + inner)


@register_shape("GatherNd")
def _gather_nd_shape(op):
    p, i = op.inputs[0].shape, op.inputs[1].shape
    if p.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'params'")
    if i.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'indices'")
    if i.rank is None or i.dims[-1] is None:
        return [unknown_shape()]
    k = i.dims[-1]
    if p.rank is not None and k > p.rank:
        raise ValueError("indices.shape[-1] must be <= params.rank, but saw indices shape: %s and params shape: %s"
                         % (shape_str(i), shape_str(p)))
    if p.rank is None:
        return [unknown_shape()]
    return [TensorShape(i.dims[:-1] + p.dims[k:])]


def gather_nd(params, indices, name=None, batch_dims=0, bad_indices_policy=""):
    """Slices of ``params`` at the coordinates in the last dimension of ``indices`` (GatherNd): the
    result has shape ``indices.shape[:-1] + params.shape[indices.shape[-1]:]``.

        tg.gather_nd([[1, 2], [3, 4]], [[1, 0]])   # [3]
    """
    if isinstance(batch_dims, int) and batch_dims == 0:
        return gen1("GatherNd", [params, indices], {"bad_indices_policy": bad_indices_policy}, name, "GatherNd")
    return _batch_gather_nd(params, indices, batch_dims, name, bad_indices_policy)


def _batch_gather_nd(params, indices, batch_dims, name, bad_indices_policy):
    """gather_nd with ``batch_dims`` leading batch dimensions, as TensorFlow's ``batch_gather_nd``: each
    index gets its batch element's coordinates prepended, and one GatherNd reads them all."""
    g = _graph_of([params, indices])
    with g.as_default(), g.name_scope(name or "BatchGatherND"):
        indices = convert_to_tensor(indices, name="indices")
        params = convert_to_tensor(params, name="params")
        if not isinstance(batch_dims, int):
            raise TypeError(f"Argument `batch_dims` must be an int; got {batch_dims}")
        if batch_dims < 0:
            raise ValueError("tf.gather_nd does not allow negative batch_dims.")
        for t, what in ((indices, "indices"), (params, "params")):
            if t.shape.rank is not None and batch_dims >= t.shape.rank:
                raise ValueError(f"Argument `batch_dims` = {batch_dims} must be less than rank(`{what}`) = "
                                 f"{t.shape.rank}")
        params_shape, indices_shape = shape(params), shape(indices)
        batch_shape = params_shape[:batch_dims]
        batch_size = reduction("Prod", batch_shape, [0])
        index_internal_ndims = math_ops.subtract(rank(indices), batch_dims + 1)
        # The coordinates of each batch element, row-major (TensorFlow builds the same grid with meshgrid).
        position = math_ops.cast(math_ops.range(0, batch_size), indices.dtype.base_dtype)
        coordinates = []
        for j in range(batch_dims):
            stride = math_ops.cast(reduction("Prod", batch_shape[j + 1:], [0]), indices.dtype.base_dtype)
            size = math_ops.cast(batch_shape[j], indices.dtype.base_dtype)
            coordinates.append(math_ops.floormod(math_ops.floordiv(position, stride), size))
        index_grid = stack(coordinates, axis=1)
        index_grid_shape = shape(index_grid)
        index_grid = reshape(index_grid, concat([index_grid_shape[:1],
                                                 ones(stack([index_internal_ndims]), dtype=index_grid_shape.dtype),
                                                 index_grid_shape[1:]], axis=0))
        index_grid = tile(index_grid, concat(([1], indices_shape[batch_dims:-1], [1]), axis=0))
        flat_indices = reshape(indices, concat((stack([batch_size]), indices_shape[batch_dims:]), axis=0))
        out = gen1("GatherNd", [params, concat((index_grid, flat_indices), axis=-1)],
                   {"bad_indices_policy": bad_indices_policy}, None, "GatherNd")
        result = reshape(out, concat((batch_shape, shape(out)[1:]), axis=0))
        p, i = params.shape, indices.shape
        if p.rank is not None and i.rank is not None and i.dims[-1] is not None:
            # What TensorFlow's shape inference gets by evaluating the shape arithmetic above.
            batch = [a if a is not None else b for a, b in zip(p.dims[:batch_dims], i.dims[:batch_dims])]
            result.set_shape(batch + i.dims[batch_dims:-1] + p.dims[batch_dims + i.dims[-1]:])
        return result


@register_gradient("GatherNd")
def _gather_nd_grad(op, grad):
    # TensorFlow returns IndexedSlices for [N, 1] indices; tagraph's gradients are dense, and scatter_nd
    # gives the same values (repeated coordinates accumulate) in every case.
    ref, indices = op.inputs
    ref_shape = shape(ref, out_type=indices.dtype.base_dtype)
    if indices.shape.rank == 1:
        # A single coordinate gathers one slice (a scalar when it is complete), which ScatterNd cannot
        # scatter back (TensorFlow's gradient fails here); as a batch of one it scatters the same values.
        indices, grad = expand_dims(indices, 0), expand_dims(grad, 0)
    return [scatter_nd(indices, grad, ref_shape, bad_indices_policy=op.get_attr("bad_indices_policy")), None]


# --- scatters ---------------------------------------------------------------------------------------

def _check_scatter(indices, updates, out_shape):
    """TensorFlow's first checks of a TensorScatter* op's arguments: ranks, and no updates into nothing."""
    if indices.ndim < 1:
        raise invalid("Indices shape must have rank at least one. Found:%s", dbg(indices.shape))
    if updates.ndim < 1:
        raise invalid("Updates shape must have rank at least one. Found:%s", dbg(updates.shape))
    n_out = int(np.prod(out_shape, dtype=np.int64))
    if (indices.size or updates.size) and not (n_out and indices.size and updates.size):
        raise invalid("Indices and updates specified for empty output shape")


def _scatter_rows(xp, indices, updates, out_shape, policy):
    """(rows, updates as [rows, slice]) of a scatter into ``out_shape``, bad rows dropped under IGNORE."""
    k = indices.shape[-1]
    rows, bad = _rows(xp, indices, out_shape[:k])
    inner = tuple(out_shape[k:])
    upd = updates.reshape((-1,) + inner)
    if bad is not None:
        if policy != "IGNORE":
            raise invalid("%s does not index into shape %s", _bad_position(xp, indices, bad), dbg(out_shape))
        keep = ~bad
        rows, upd = rows[keep], upd[keep]
    return rows, upd, inner


@register_kernel("ScatterNd", host_inputs=(2,))
def _scatter_nd(ctx, indices, updates, out_shape):
    xp = ctx.xp
    policy = _policy(ctx)
    if np.ndim(out_shape) != 1:
        raise invalid("Shape must be a vector")
    dims = host_ints(out_shape)
    for d in dims:
        if d < 0:
            raise invalid("Dimension %d must be >= 0", d)
    if indices.ndim < 1:
        raise invalid("Indices shape must have rank at least one. Found:%s", dbg(indices.shape))
    if updates.ndim < 1:
        raise invalid("Updates shape must have rank at least one. Found:%s", dbg(updates.shape))
    if (indices.size or updates.size) and not (dims and indices.size and updates.size):
        raise invalid("Indices and updates specified for empty output shape")
    outer, k = indices.ndim - 1, indices.shape[-1]
    if updates.ndim < outer or tuple(updates.shape[:outer]) != tuple(indices.shape[:outer]):
        raise invalid("Dimensions [0,%d) of indices[shape=%s] must match dimensions [0,%d) of updates[shape=%s]",
                      outer, dbg(indices.shape), outer, dbg(updates.shape))
    if k > len(dims) or tuple(updates.shape[outer:]) != tuple(dims[k:]):
        raise invalid("Dimensions [%d,%d) of input[shape=%s] must match dimensions [%d,%d) of updates[shape=%s]",
                      k, len(dims), dbg(dims), outer, updates.ndim, dbg(updates.shape))
    if (indices.size or updates.size) and not int(np.prod(dims, dtype=np.int64)):
        raise invalid("Indices and updates specified for empty output.  indices shape: %s", dbg(indices.shape))
    out = xp.zeros(tuple(dims), dtype=updates.dtype)
    if not updates.size:
        return out
    rows, upd, inner = _scatter_rows(xp, indices, updates, dims, policy)
    table = out.reshape((-1,) + inner)
    xp.add.at(table, rows, upd)       # repeated coordinates accumulate, as TensorFlow's ScatterNd
    return out


@register_shape("ScatterNd")
def _scatter_nd_shape(op):
    indices, updates, s = op.inputs
    if s.shape.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d for 'shape'" % s.shape.rank)
    out = constant_shape(s)
    _check_scatter_shapes(indices.shape, updates.shape, out)
    return [out]


def _check_scatter_shapes(i, u, out):
    """TensorFlow's ScatterNdShapeHelper: the batch dimensions of indices and updates, and the slice
    dimensions of the output and updates, must agree where known."""
    if i.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'indices'")
    if u.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'updates'")
    if i.rank is None or u.rank is None or i.dims[-1] is None:
        return
    outer, k = i.rank - 1, i.dims[-1]
    pi, pu = TensorShape(i.dims[:outer]), TensorShape(u.dims[:outer]) if u.rank >= outer else None
    if pu is None or not pi.is_compatible_with(pu):
        raise ValueError("Dimensions [0,%d) of indices[shape=%s] = %s must match dimensions [0,%d) of "
                         "updates[shape=%s] = %s: %s" % (outer, shape_str(i), shape_str(pi), outer,
                                                         shape_str(u), shape_str(pu) if pu else "?",
                                                         _merge_error(pi, pu)))
    if out.rank is None:
        return
    so, su = TensorShape(out.dims[k:]), TensorShape(u.dims[outer:])
    if k > out.rank or not so.is_compatible_with(su):
        raise ValueError("Dimensions [%d,%d) of input[shape=%s] = %s must match dimensions [%d,%d) of "
                         "updates[shape=%s] = %s: %s" % (k, out.rank, shape_str(out), shape_str(so), outer,
                                                         u.rank, shape_str(u), shape_str(su),
                                                         _merge_error(so, su)))


def _merge_error(a, b):
    """Why TensorFlow's shape inference could not merge shapes ``a`` and ``b``."""
    if b is None or a.rank != b.rank:
        return "Shapes must be equal rank, but are %s and %s" % (a.rank, "?" if b is None else b.rank)
    for n, (x, y) in enumerate(zip(a.dims, b.dims)):
        if x is not None and y is not None and x != y:
            return ("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
                    % (n, x, y, shape_str(a), shape_str(b)))
    return "incompatible shapes"


def scatter_nd(indices, updates, shape, bad_indices_policy="", name=None):  # noqa: F811 - TensorFlow's name
    """A zero tensor of ``shape`` with ``updates`` added at the coordinates in ``indices`` (ScatterNd);
    repeated coordinates accumulate.

        tg.scatter_nd([[1], [3]], [9, 10], [5])   # [0, 9, 0, 10, 0]
    """
    return gen1("ScatterNd", [indices, updates, shape], {"bad_indices_policy": bad_indices_policy}, name,
                "ScatterNd")


def _tensor_scatter(op_type):
    def kernel(ctx, tensor, indices, updates):
        xp = ctx.xp
        policy = _policy(ctx)
        _check_scatter(indices, updates, tensor.shape)
        outer = indices.ndim - 1
        k = indices.shape[outer]
        if tuple(updates.shape[:outer]) != tuple(indices.shape[:outer]):
            raise invalid("Outer dimensions of indices and update must match. Indices shape: %s, updates shape:%s",
                          dbg(indices.shape), dbg(updates.shape))
        if updates.ndim - outer != tensor.ndim - k:
            raise invalid("Inner dimensions of output shape must match inner dimensions of updates shape. "
                          "Output: %s updates: %s", dbg(tensor.shape), dbg(updates.shape))
        if tuple(updates.shape[outer:]) != tuple(tensor.shape[k:]):
            raise invalid("The inner %d dimensions of output.shape=%s must match the inner %d dimensions of "
                          "updates.shape=%s", tensor.ndim - k, dbg(tensor.shape), updates.ndim - outer,
                          dbg(updates.shape))
        out = tensor.copy()
        if not updates.size:
            return out
        rows, upd, inner = _scatter_rows(xp, indices, updates, tensor.shape, policy)
        table = out.reshape((-1,) + inner)
        if op_type == "TensorScatterUpdate":
            table[rows] = upd          # a repeated coordinate takes its last update, as TensorFlow's CPU kernel
        else:
            # Subtraction as the addition of the negated updates: ufunc.at on CuPy supports add only.
            xp.add.at(table, rows, upd if op_type == "TensorScatterAdd" else -upd)
        return out
    return kernel


def _tensor_scatter_shape(op):
    tensor, indices, updates = op.inputs
    _check_scatter_shapes(indices.shape, updates.shape, tensor.shape)
    return [tensor.shape]


for _t in ("TensorScatterUpdate", "TensorScatterAdd", "TensorScatterSub"):
    register_kernel(_t)(_tensor_scatter(_t))
    register_shape(_t)(_tensor_scatter_shape)


def _tensor_scatter_fn(op_type, verb):
    def build(tensor, indices, updates, name=None):
        return gen1(op_type, [tensor, indices, updates], None, name, op_type)
    build.__doc__ = "A copy of ``tensor`` with ``updates`` %s at the coordinates in ``indices`` (%s)." % (verb, op_type)
    return build


tensor_scatter_nd_update = tensor_scatter_update = _tensor_scatter_fn("TensorScatterUpdate", "written")
tensor_scatter_nd_add = tensor_scatter_add = _tensor_scatter_fn("TensorScatterAdd", "added")
tensor_scatter_nd_sub = tensor_scatter_sub = _tensor_scatter_fn("TensorScatterSub", "subtracted")
tensor_scatter_nd_update.__name__ = "tensor_scatter_nd_update"
tensor_scatter_nd_add.__name__ = "tensor_scatter_nd_add"
tensor_scatter_nd_sub.__name__ = "tensor_scatter_nd_sub"


# --- gradients (TensorFlow's array_grad.py) ---------------------------------------------------------

@register_gradient("ScatterNd")
def _scatter_nd_grad(op, grad):
    return [None, gather_nd(grad, op.inputs[0]), None]


@register_gradient("TensorScatterUpdate")
def _tensor_scatter_update_grad(op, grad):
    indices = op.inputs[1]
    updates_grad = gather_nd(grad, indices)
    tensor_grad = tensor_scatter_nd_update(identity(grad), indices,
                                           zeros_like(op.inputs[2], dtype=grad.dtype.base_dtype))
    return [tensor_grad, None, updates_grad]


@register_gradient("TensorScatterAdd")
def _tensor_scatter_add_grad(op, grad):
    updates_grad = gather_nd(grad, op.inputs[1])
    return [identity(grad), None, updates_grad]


@register_gradient("TensorScatterSub")
def _tensor_scatter_sub_grad(op, grad):
    updates_grad = gather_nd(grad, op.inputs[1])
    return [identity(grad), None, negative(updates_grad)]


del _t
