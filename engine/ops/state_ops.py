"""The ops of both TensorFlow variable kinds, with their kernels and shape functions.

Resource variables: ``VarHandleOp`` makes a handle; ``ReadVariableOp`` / ``AssignVariableOp`` /
``AssignAddVariableOp`` / ``AssignSubVariableOp`` / ``VarIsInitializedOp`` use it.
Reference variables: ``VariableV2`` outputs a reference; ``Assign`` / ``AssignAdd`` / ``AssignSub`` /
``IsVariableInitialized`` take it. A consumer that reads a reference as a plain value gets the current
value through a read step the runtime's plan inserts, as TensorFlow dereferences ref edges.

Rows: ``ResourceGather`` reads rows of a resource variable (its gradient is an IndexedSlices);
``Scatter{Update,Add,Sub,Mul,Div,Min,Max}`` and their ``ResourceScatter*`` forms update rows.

Values live in the session (``SessionState.variables``), on the variable's device, keyed by
(container, shared name); assignment stores a new array, so a value handed out earlier never changes.
Row updates (scatters, the sparse optimizer updates) write into the variable's buffer, in time
proportional to the rows named, when nothing else holds it, and into a copy otherwise
(:func:`writable_value`), which keeps that promise.

    tg.scatter_add(v, [0, 2], [[1.0, 1.0], [2.0, 2.0]])     # rows 0 and 2 of v grow
"""
import functools
import sys

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.framework.op_builder import register_shape, not_differentiable, register_gradient
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.framework.op_builder import make_op
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.indexing_ops import _gather, _rows_gradient
from tagraph.engine.ops.op_util import gen1

__all__ = ["ResourceHandle", "VarRef", "read_resource", "assign", "assign_add", "assign_sub", "variable_shape",
           "writable_value", "check_rows", "scatter_update", "scatter_add", "scatter_sub", "scatter_mul",
           "scatter_div", "scatter_min", "scatter_max"]


class ResourceHandle:
    """What a VarHandleOp outputs: the name of a variable in the session's state."""

    __slots__ = ("container", "name", "dtype", "shape", "device", "key")

    def __init__(self, container, name, dtype, shape, device):
        self.container = container
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.device = device
        self.key = (container, name)

    def __repr__(self):
        return "<ResourceHandle %s/%s on %s>" % (self.container or "localhost", self.name, self.device)


class VarRef:
    """What a VariableV2 outputs: a mutable reference to a variable's value."""

    __slots__ = ("key", "name", "state", "dtype", "shape")

    def __init__(self, key, name, state, dtype, shape):
        self.key = key
        self.name = name
        self.state = state
        self.dtype = dtype
        self.shape = shape

    def read(self):
        v = self.state.variables.get(self.key)
        if v is None:
            raise errors.FailedPreconditionError(
                None, None, "Attempting to use uninitialized value %s" % self.name)
        return v


def _str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


# --- resource variables --------------------------------------------------------------------------

@register_shape("VarHandleOp")
def _var_handle_shape(op):
    return [TensorShape([])]


@register_kernel("VarHandleOp")
def _var_handle(ctx):
    handle = ctx.session_state.op_state.get(ctx.op)
    if handle is None:
        a = ctx.attrs
        # TensorFlow uses the node name when shared_name is empty (a private variable of this graph).
        name = _str(a["shared_name"]) or ctx.node_name
        handle = ResourceHandle(_str(a["container"]), name, a["dtype"], a["shape"], ctx.device)
        ctx.session_state.op_state[ctx.op] = handle
    return handle


def read_resource(state, handle):
    """The value of the resource variable ``handle`` in the session ``state`` (FailedPreconditionError
    when it is not initialized)."""
    v = state.variables.get(handle.key)
    if v is None:
        raise errors.FailedPreconditionError(
            None, None, "Error while reading resource variable %s from Container: %s. This could mean that the "
            "variable was uninitialized. Not found: Resource %s/%s/N10tensorflow3VarE does not exist."
            % (handle.name, handle.container or "localhost", handle.container or "localhost", handle.name))
    return v


@register_shape("ReadVariableOp")
def _read_shape(op):
    handle_op = op.inputs[0].op
    if handle_op.type == "VarHandleOp":
        return [handle_op.get_attr("shape")]
    return [TensorShape(None)]


@register_kernel("ReadVariableOp")
def _read_variable(ctx, handle):
    return read_resource(ctx.session_state, handle)


def _check_assign(handle, value, node_name):
    shape = handle.shape
    if shape is not None and shape.rank is not None and (
            len(value.shape) != shape.rank or any(d is not None and d != v for d, v in zip(shape.dims, value.shape))):
        raise errors.InvalidArgumentError(
            None, None, "Trying to assign to variable with tensor with wrong shape. Expected %s got %s"
            % (list(shape.dims), list(value.shape)))


def _stored(ctx, value):
    """The array a variable keeps for an assigned ``value``: the value itself where the run made it (a
    restored tensor costs no copy), a copy where someone else may hold it: a fed array or a constant, or
    a view of one (``_value_is_shared``, decided when the plan is built)."""
    return ctx.xp.array(value, copy=True) if ctx.attrs.get("_value_is_shared", True) else value


@register_kernel("AssignVariableOp")
def _assign_variable(ctx, handle, value):
    _check_assign(handle, value, ctx.node_name)
    ctx.session_state.variables[handle.key] = _stored(ctx, value)


def _read_for_update(state, handle, value):
    old = read_resource(state, handle)
    if old.shape != value.shape:
        raise errors.InvalidArgumentError(
            None, None, "Cannot update variable with shape %s using a Tensor with shape %s, shapes must be equal."
            % ("[%s]" % ",".join(map(str, old.shape)), "[%s]" % ",".join(map(str, value.shape))))
    return old


@register_kernel("AssignAddVariableOp")
def _assign_add_variable(ctx, handle, value):
    ctx.session_state.variables[handle.key] = _read_for_update(ctx.session_state, handle, value) + value


@register_kernel("AssignSubVariableOp")
def _assign_sub_variable(ctx, handle, value):
    ctx.session_state.variables[handle.key] = _read_for_update(ctx.session_state, handle, value) - value


@register_kernel("VarIsInitializedOp", host_outputs=(0,))
def _var_is_initialized(ctx, handle):
    return np.bool_(handle.key in ctx.session_state.variables)


@register_kernel("DestroyResourceOp")
def _destroy_resource(ctx, handle):
    if handle.key not in ctx.session_state.variables and not ctx.attrs.get("ignore_lookup_error", True):
        raise errors.NotFoundError(None, None, "Resource %s does not exist." % handle.name)
    ctx.session_state.variables.pop(handle.key, None)


register_shape("AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp", "DestroyResourceOp")(
    lambda op: [])
register_shape("VarIsInitializedOp", "IsVariableInitialized")(lambda op: [TensorShape([])])


@register_gradient("ReadVariableOp")
def _read_grad(op, grad):
    return [grad]


not_differentiable("VarHandleOp", "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp",
                   "VarIsInitializedOp", "DestroyResourceOp", "VariableV2", "Assign", "AssignAdd",
                   "AssignSub", "IsVariableInitialized")


# --- reference variables -------------------------------------------------------------------------

@register_shape("VariableV2")
def _variable_v2_shape(op):
    return [op.get_attr("shape")]


@register_kernel("VariableV2")
def _variable_v2(ctx):
    ref = ctx.session_state.op_state.get(ctx.op)
    if ref is None:
        a = ctx.attrs
        key = (_str(a["container"]), _str(a["shared_name"]) or ctx.node_name)
        ref = VarRef(key, ctx.node_name, ctx.session_state, a["dtype"], a["shape"])
        ctx.session_state.op_state[ctx.op] = ref
    return ref


@register_shape("Assign")
def _assign_shape(op):
    a, b = op.inputs[0].shape, op.inputs[1].shape
    if op.get_attr("validate_shape") is False:
        return [b]
    if a.rank is not None and b.rank is not None:
        # TensorFlow's shape inference messages for shapes that do not merge.
        if a.rank != b.rank:
            raise ValueError("Shapes must be equal rank, but are %d and %d" % (a.rank, b.rank))
        for n, (x, y) in enumerate(zip(a.dims, b.dims)):
            if x is not None and y is not None and x != y:
                raise ValueError("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
                                 % (n, x, y, _shape_text(a), _shape_text(b)))
    return [a.merge_with(b)]


def _shape_text(s):
    return "[%s]" % ",".join("?" if d is None else str(d) for d in s.dims)


register_shape("AssignAdd", "AssignSub")(lambda op: [op.inputs[0].shape])


@register_kernel("Assign")
def _assign(ctx, ref, value):
    if ctx.attrs.get("validate_shape", True):
        shape = as_shape(ref.shape)
        if shape.rank is not None and not shape.is_compatible_with(value.shape):
            raise errors.InvalidArgumentError(
                None, None, "Assign requires shapes of both tensors to match. lhs shape= %s rhs shape= %s"
                % (list(shape.dims), list(value.shape)))
    ref.state.variables[ref.key] = _stored(ctx, value)
    return ref


def _check_update(old, value):
    if old.shape != value.shape:
        raise errors.InvalidArgumentError(None, None, "Parameters and update must be the same size")


@register_kernel("AssignAdd")
def _assign_add(ctx, ref, value):
    old = ref.read()
    _check_update(old, value)
    ref.state.variables[ref.key] = old + value
    return ref


@register_kernel("AssignSub")
def _assign_sub(ctx, ref, value):
    old = ref.read()
    _check_update(old, value)
    ref.state.variables[ref.key] = old - value
    return ref


@register_kernel("IsVariableInitialized", host_outputs=(0,))
def _is_variable_initialized(ctx, ref):
    return np.bool_(ref.key in ref.state.variables)


# --- tg.assign, tg.assign_add, tg.assign_sub ---------------------------------------------------------
# TensorFlow's state_ops functions: a reference variable (or ref tensor) gets the Assign op itself, anything
# else (a resource variable) its own assign method.

def _ref_tensor(ref):
    """The reference tensor of a reference variable or ref tensor, else None."""
    tensor = ref._ref() if hasattr(ref, "_ref") and not getattr(ref, "is_resource", lambda: False)() else ref
    dtype = getattr(tensor, "dtype", None)
    return tensor if dtype is not None and dtype != dtype.base_dtype else None


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Sets ``ref`` to ``value``; returns the new value (TensorFlow's ``tf.assign``: the Assign op for a
    reference variable, ``ref.assign`` otherwise)."""
    tensor = _ref_tensor(ref)
    if tensor is None:
        return ref.assign(value, name=name)
    attrs = {k: v for k, v in (("validate_shape", validate_shape), ("use_locking", use_locking)) if v is not None}
    return gen1("Assign", [tensor, value], attrs, name, "Assign")


def assign_add(ref, value, use_locking=None, name=None):
    """Adds ``value`` to ``ref``; returns the new value (AssignAdd, or ``ref.assign_add``)."""
    tensor = _ref_tensor(ref)
    if tensor is None:
        return ref.assign_add(value)
    return gen1("AssignAdd", [tensor, value], {} if use_locking is None else {"use_locking": use_locking}, name,
                "AssignAdd")


def assign_sub(ref, value, use_locking=None, name=None):
    """Subtracts ``value`` from ``ref``; returns the new value (AssignSub, or ``ref.assign_sub``)."""
    tensor = _ref_tensor(ref)
    if tensor is None:
        return ref.assign_sub(value)
    return gen1("AssignSub", [tensor, value], {} if use_locking is None else {"use_locking": use_locking}, name,
                "AssignSub")


@register_kernel("DisableCopyOnRead")
def _disable_copy_on_read(ctx, handle):
    # TensorFlow's hint that a variable's reads may share its buffer: tagraph's reads never copy.
    return None


register_shape("DisableCopyOnRead")(lambda op: [])
not_differentiable("DisableCopyOnRead")


@register_kernel("ResourceGather")
def _resource_gather(ctx, handle, indices):
    # Rows of a resource variable's value, as GatherV2 on axis batch_dims would take them.
    params = read_resource(ctx.session_state, handle)
    bd = ctx.attrs.get("batch_dims", 0)
    if bd < 0:
        bd += indices.ndim
    if params.ndim <= bd:
        raise errors.InvalidArgumentError(None, None, "params must be at least %d dimensional but is %d"
                                          % (bd + 1, params.ndim))
    return _gather(ctx.xp, params, indices, bd, bd)


def _handle_shape(handle):
    """The static shape of the variable behind ``handle`` (from its VarHandleOp), else unknown."""
    if handle.op.type == "VarHandleOp":
        return as_shape(handle.op.get_attr("shape"))
    return TensorShape(None)


@register_shape("ResourceGather")
def _resource_gather_shape(op):
    params, indices = _handle_shape(op.inputs[0]), op.inputs[1].shape
    bd = op.get_attr("batch_dims")
    if params.rank is None or indices.rank is None:
        return [TensorShape(None)]
    if bd < 0:
        bd += indices.rank
    return [TensorShape(indices.dims + params.dims[bd + 1:])]


@register_gradient("ResourceGather")
def _resource_gather_grad(op, grad):
    # TensorFlow's: the upstream rows as an IndexedSlices of the variable.
    return [_rows_gradient(variable_shape(op.inputs[0]), op.inputs[1], grad), None]


# --- VariableShape -------------------------------------------------------------------------------

@register_kernel("VariableShape", host_outputs=(0,))
def _variable_shape(ctx, handle):
    value = read_resource(ctx.session_state, handle)
    return np.array(value.shape, dtype=ctx.attrs.get("out_type", dtypes.int32).as_numpy_dtype)


@register_shape("VariableShape")
def _variable_shape_shape(op):
    return [TensorShape([_handle_shape(op.inputs[0]).rank])]


def variable_shape(handle, out_type=dtypes.int32):
    """The shape of the variable behind ``handle``: a constant when its VarHandleOp knows it (as TensorFlow
    takes it from the handle's data), else a VariableShape op."""
    known = _handle_shape(handle)
    if known.is_fully_defined():
        return constant(known.as_list(), dtype=out_type)
    return make_op("VariableShape", [handle], {"out_type": out_type})


not_differentiable("VariableShape")


# --- scatter updates of rows: Scatter* on reference variables, ResourceScatter* on resource ones ---------
# A scatter writes into the variable's buffer, in O(rows named), when nothing else holds that buffer
# (see writable_value); else into a copy, as TensorFlow copies a variable's buffer that a read still shares.

def writable_value(values, key, xp):
    """``values[key]`` (a variable's array), safe to update in place: itself when no one else holds it,
    else a copy put in its place, so that a value handed out before (a read earlier in this run, a fetched
    array) keeps what it was."""
    shared = sys.getrefcount(values[key]) > 2   # the dict's reference and getrefcount's own
    v = values[key]
    if shared or getattr(v, "base", None) is not None or (isinstance(v, np.ndarray) and not v.flags.writeable) \
            or not hasattr(v, "shape") or not v.shape:
        v = xp.array(v, copy=True)
        values[key] = v
    return v


def check_rows(xp, indices, limit, message="indices[%d] = %d is not in [0, %d)"):
    """Raises InvalidArgumentError (TensorFlow's message) for the first index of the flat ``indices``
    outside ``[0, limit)``."""
    if not indices.size:
        return
    bad = (indices < 0) | (indices >= limit)
    if bool(bad.any()):
        pos = int(xp.argmax(bad))
        raise errors.InvalidArgumentError(None, None, message % (pos, int(indices[pos]), limit))


def _scatter_rows(kind, xp, params, indices, updates):
    """Applies ``updates`` to the rows ``indices`` of ``params`` in place (repeated rows combine)."""
    if params.ndim < 1:
        raise errors.InvalidArgumentError(None, None, "params must be at least 1-D, got shape %s" % _dbg(params.shape))
    if updates.ndim != 0 and tuple(updates.shape) != tuple(indices.shape) + tuple(params.shape[1:]):
        raise errors.InvalidArgumentError(
            None, None, "Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = [], got "
            "updates.shape %s, indices.shape %s, params.shape %s"
            % (_dbg(updates.shape), _dbg(indices.shape), _dbg(params.shape)))
    rows = indices.reshape(-1).astype(np.int64, copy=False)
    check_rows(xp, rows, params.shape[0])
    if updates.ndim:
        updates = updates.reshape((rows.shape[0],) + tuple(params.shape[1:]))
    if updates.dtype != params.dtype:
        updates = updates.astype(params.dtype)
    if kind == "Update":
        params[rows] = updates
    else:
        _SCATTER_UFUNCS[kind](xp).at(params, rows, updates)


_SCATTER_UFUNCS = {"Add": lambda xp: xp.add, "Sub": lambda xp: xp.subtract, "Mul": lambda xp: xp.multiply,
                   "Div": lambda xp: xp.true_divide, "Min": lambda xp: xp.minimum, "Max": lambda xp: xp.maximum}


def _dbg(shape):
    return "[%s]" % ",".join(str(int(d)) for d in shape)


def update_kernels(apply, name):
    """The kernels of a variable update in its two forms, (reference, resource):
    ``apply(xp, value, indices, updates)`` changes the variable's ``value`` in place; the reference form
    returns the reference, as TensorFlow's ``Scatter*`` ops output it.

        ref_kernel, resource_kernel = update_kernels(functools.partial(_scatter_rows, "Add"), "scatter_add")
    """
    def ref_kernel(ctx, ref, indices, updates):
        ref.read()    # FailedPreconditionError when uninitialized
        apply(ctx.xp, writable_value(ref.state.variables, ref.key, ctx.xp), indices, updates)
        return ref

    def resource_kernel(ctx, handle, indices, updates):
        state = ctx.session_state
        read_resource(state, handle)
        apply(ctx.xp, writable_value(state.variables, handle.key, ctx.xp), indices, updates)
    ref_kernel.__name__, resource_kernel.__name__ = name, "resource_" + name
    return ref_kernel, resource_kernel


def _check_scatter_shapes(params, indices, updates):
    """TensorFlow's build-time check: updates shaped indices.shape + params.shape[1:], or a scalar."""
    if updates.rank == 0 or params.rank is None or indices.rank is None or updates.rank is None:
        return
    want = TensorShape(indices.dims + params.dims[1:]) if params.rank else None
    if want is None or not updates.is_compatible_with(want):
        raise ValueError("Shapes must be equal rank, but are %d and %d" % (updates.rank, want.rank)
                         if want is not None and updates.rank != want.rank else
                         "Dimensions of updates %s and indices.shape + params.shape[1:] %s must match"
                         % (updates, want))


def _ref_scatter_shape(op):
    _check_scatter_shapes(op.inputs[0].shape, op.inputs[1].shape, op.inputs[2].shape)
    return [op.inputs[0].shape]


def _resource_scatter_shape(op):
    _check_scatter_shapes(_handle_shape(op.inputs[0]), op.inputs[1].shape, op.inputs[2].shape)
    return []


_SCATTER_KINDS = ("Update", "Add", "Sub", "Mul", "Div", "Min", "Max")
for _kind in _SCATTER_KINDS:
    # Multiply and divide have no ``ufunc.at`` in CuPy: those run on the CPU.
    _devices = ("CPU",) if _kind in ("Mul", "Div") else None
    _ref_kernel, _resource_kernel = update_kernels(functools.partial(_scatter_rows, _kind), "scatter_" + _kind.lower())
    register_kernel("Scatter" + _kind, _devices)(_ref_kernel)
    register_kernel("ResourceScatter" + _kind, _devices)(_resource_kernel)
    register_shape("Scatter" + _kind)(_ref_scatter_shape)
    register_shape("ResourceScatter" + _kind)(_resource_scatter_shape)
    not_differentiable("Scatter" + _kind, "ResourceScatter" + _kind)


def _scatter_fn(kind, what):
    def scatter(ref, indices, updates, use_locking=False, name=None):
        tensor = _ref_tensor(ref)
        if tensor is not None:
            return gen1("Scatter" + kind, [tensor, indices, updates], {"use_locking": use_locking}, name,
                        "Scatter" + kind)
        # A resource variable: the op, then the variable's value read after it (TensorFlow's _lazy_read).
        g = ref.graph
        with g.as_default(), g.name_scope(name or "ResourceScatter" + kind) as scope:
            updates = convert_to_tensor(updates, dtype=ref.dtype.base_dtype, name="updates")
            op = g.create_op("ResourceScatter" + kind, [ref.handle, indices, updates], {}, name=scope)
        with g.control_dependencies([op]):
            return ref.value()
    scatter.__name__ = "scatter_" + kind.lower()
    scatter.__doc__ = ("%s the rows ``indices`` of the variable ``ref`` by ``updates`` (Scatter%s, or "
                       "ResourceScatter%s for a resource variable); returns the variable's new value."
                       % (what, kind, kind))
    return scatter


scatter_update = _scatter_fn("Update", "Sets")
scatter_add = _scatter_fn("Add", "Adds to")
scatter_sub = _scatter_fn("Sub", "Subtracts from")
scatter_mul = _scatter_fn("Mul", "Multiplies")
scatter_div = _scatter_fn("Div", "Divides")
scatter_min = _scatter_fn("Min", "Takes the minimum of")
scatter_max = _scatter_fn("Max", "Takes the maximum of")
del _kind, _devices
