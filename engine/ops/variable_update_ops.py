"""Updates of variables by N-d coordinates and counters: ScatterNdUpdate/Add/Sub on reference variables,
ResourceScatterNdUpdate/Add/Sub on resource ones, and CountUpTo/ResourceCountUpTo, with TensorFlow 1's
``scatter_nd_update``, ``scatter_nd_add``, ``scatter_nd_sub`` and ``count_up_to``.

The scatters write into the variable's buffer in place (state_ops.writable_value) and are written against
``ctx.xp``, for every device kind; the counters run on the host, as TensorFlow registers them only for the CPU.

    v = tg.Variable([1, 2, 3, 4, 5, 6, 7, 8])
    tg.scatter_nd_update(v, [[4], [3], [1], [7]], [9, 10, 11, 12])   # [1, 11, 3, 10, 9, 6, 7, 12]
    step = tg.Variable(0, dtype=tg.int64)
    tg.count_up_to(step, 3)     # 0, 1, 2, then OutOfRangeError "Reached limit of 3"
"""
import functools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.nd_indexing_ops import _check_scatter_shapes
from tagraph.engine.ops.op_util import dbg, gen1, invalid
from tagraph.engine.ops.state_ops import _handle_shape, _ref_tensor, read_resource, update_kernels

__all__ = ["scatter_nd_update", "scatter_nd_add", "scatter_nd_sub", "count_up_to"]

_HOST = host_kind().device_type


# --- ScatterNd* on variables ---------------------------------------------------------------------------------

def _scatter_nd_into(kind, xp, params, indices, updates):
    """Applies ``updates`` at the coordinates ``indices`` of ``params`` in place, with TensorFlow's checks."""
    slice_dim = indices.shape[-1] if indices.ndim > 1 else 1
    batch_dim = indices.ndim - 1 if indices.ndim > 1 else 1

    def prefix():
        return invalid("Dimensions [0,%d) of indices[shape=%s] must match dimensions [0,%d) of updates[shape=%s]",
                       batch_dim, dbg(indices.shape), batch_dim, dbg(updates.shape))

    def suffix():
        return invalid("Dimensions [%d,%d) of input[shape=%s] must match dimensions [%d,%d) of updates[shape=%s]",
                       slice_dim, params.ndim, dbg(params.shape), batch_dim, updates.ndim, dbg(updates.shape))
    if updates.ndim < batch_dim:
        raise prefix()
    if params.ndim < slice_dim + (updates.ndim - batch_dim) or updates.ndim != batch_dim + params.ndim - slice_dim:
        raise suffix()
    if tuple(updates.shape[:batch_dim]) != tuple(indices.shape[:batch_dim]):
        raise prefix()
    if tuple(updates.shape[batch_dim:]) != tuple(params.shape[slice_dim:]):
        raise suffix()
    k = slice_dim
    inner = tuple(params.shape[k:])
    if not indices.size or not params.size:
        return
    coords = indices.reshape(-1, k).astype(np.int64)
    limits = xp.asarray(np.array(params.shape[:k], np.int64))
    bad = ((coords < 0) | (coords >= limits)).any(axis=1)
    if bool(bad.any()):
        i = int(xp.argmax(bad))
        raise invalid("indices[%d] = [%s] does not index into shape %s", i,
                      ", ".join(str(int(v)) for v in coords[i]), dbg(params.shape))
    strides = np.cumprod((list(params.shape[1:k]) + [1])[::-1])[::-1].astype(np.int64)
    rows = (coords * xp.asarray(strides)).sum(axis=1) if k else xp.zeros((coords.shape[0],), np.int64)
    table = params.reshape((-1,) + inner)
    upd = updates.reshape((-1,) + inner).astype(params.dtype, copy=False)
    if kind == "Update":
        table[rows] = upd
    else:
        # Subtraction as the addition of the negated updates: ufunc.at on CuPy supports add only.
        xp.add.at(table, rows, upd if kind == "Add" else -upd)


def _ref_scatter_nd_shape(op):
    _check_scatter_shapes(op.inputs[1].shape, op.inputs[2].shape, op.inputs[0].shape)
    return [op.inputs[0].shape]


def _resource_scatter_nd_shape(op):
    _check_scatter_shapes(op.inputs[1].shape, op.inputs[2].shape, _handle_shape(op.inputs[0]))
    return []


for _kind in ("Update", "Add", "Sub"):
    _ref_kernel, _resource_kernel = update_kernels(functools.partial(_scatter_nd_into, _kind),
                                                   "scatter_nd_" + _kind.lower())
    register_kernel("ScatterNd" + _kind)(_ref_kernel)
    register_kernel("ResourceScatterNd" + _kind)(_resource_kernel)
    register_shape("ScatterNd" + _kind)(_ref_scatter_nd_shape)
    register_shape("ResourceScatterNd" + _kind)(_resource_scatter_nd_shape)
    not_differentiable("ScatterNd" + _kind, "ResourceScatterNd" + _kind)


def _scatter_nd_fn(kind, what, default_locking):
    def scatter(ref, indices, updates, use_locking=default_locking, name=None):
        tensor = _ref_tensor(ref)
        if tensor is not None:
            return gen1("ScatterNd" + kind, [tensor, indices, updates], {"use_locking": use_locking}, name,
                        "ScatterNd" + kind)
        # A resource variable: the op, then the variable's value read after it (TensorFlow's _lazy_read).
        g = ref.graph
        with g.as_default(), g.name_scope(name or "ResourceScatterNd" + kind) as scope:
            updates = convert_to_tensor(updates, dtype=ref.dtype.base_dtype, name="updates")
            op = g.create_op("ResourceScatterNd" + kind, [ref.handle, indices, updates],
                             {"use_locking": use_locking}, name=scope)
        with g.control_dependencies([op]):
            return ref.value()
    scatter.__name__ = "scatter_nd_" + kind.lower()
    scatter.__doc__ = ("%s the variable ``ref`` at the N-d coordinates ``indices`` by ``updates`` (ScatterNd%s, or "
                       "ResourceScatterNd%s for a resource variable); returns the variable's new value.\n\n"
                       "        tg.scatter_nd_%s(v, [[1], [3]], [10, 20])" % (what, kind, kind, kind.lower()))
    return scatter


scatter_nd_update = _scatter_nd_fn("Update", "Sets", True)
scatter_nd_add = _scatter_nd_fn("Add", "Adds to", False)
scatter_nd_sub = _scatter_nd_fn("Sub", "Subtracts from", False)


# --- CountUpTo -------------------------------------------------------------------------------------------------

def _count(ctx, values, key):
    limit = ctx.attrs["limit"]
    v = values[key]
    if np.ndim(v) != 0:
        raise invalid("input is not a scalar: %s", dbg(np.shape(v)))
    before = np.asarray(v).copy()
    if int(before) >= limit:
        raise errors.OutOfRangeError(None, None, "Reached limit of %d" % limit)
    values[key] = before + before.dtype.type(1)
    return before


@register_kernel("CountUpTo", _HOST)
def _count_up_to(ctx, ref):
    ref.read()
    return _count(ctx, ref.state.variables, ref.key)


@register_kernel("ResourceCountUpTo", _HOST)
def _resource_count_up_to(ctx, handle):
    read_resource(ctx.session_state, handle)
    return _count(ctx, ctx.session_state.variables, handle.key)


@register_shape("CountUpTo")
def _count_up_to_shape(op):
    s = op.inputs[0].shape
    if s.rank is not None and s.rank != 0:
        raise ValueError("Shape must be rank 0 but is rank %d" % s.rank)
    return [TensorShape([])]


@register_shape("ResourceCountUpTo")
def _resource_count_up_to_shape(op):
    s = _handle_shape(op.inputs[0])
    if s.rank is not None and s.rank != 0:
        raise ValueError("Shape must be rank 0 but is rank %d" % s.rank)
    return [TensorShape([])]


not_differentiable("CountUpTo", "ResourceCountUpTo")


def count_up_to(ref, limit, name=None):
    """Increments the scalar integer variable ``ref`` until it reaches ``limit``; returns its value before
    the increment, and fails with OutOfRangeError once the limit is reached.

        tg.count_up_to(step, 3)     # 0, 1, 2, then "Reached limit of 3"
    """
    tensor = _ref_tensor(ref)
    if tensor is not None:
        return gen1("CountUpTo", [tensor], {"limit": limit}, name, "CountUpTo")
    return gen1("ResourceCountUpTo", [ref.handle], {"limit": limit, "T": ref.dtype.base_dtype}, name,
                "ResourceCountUpTo")


del _kind
