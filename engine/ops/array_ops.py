"""Placeholders, identities and the ops that make, reshape, slice and combine arrays.

    x = tg.placeholder(tg.float32, [None, 3], name="x")
    z = tg.zeros([2, 3])
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine import common_shapes, dtypes, errors
from tagraph.engine.common_shapes import constant_value, constant_shape
from tagraph.engine.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.op_builder import make_op, register_shape, register_gradient, not_differentiable
from tagraph.engine.tensor_shape import TensorShape, as_shape, unknown_shape


# --- placeholders and identities ----------------------------------------------------------------

@register_shape("Placeholder")
def _placeholder_shape(op):
    return [op.get_attr("shape")]


@register_kernel("Placeholder")
def _placeholder(ctx):
    shape = ctx.attrs.get("shape")
    dims = "unknown" if shape is None or shape.rank is None else \
        "[%s]" % ",".join("?" if d is None else str(d) for d in shape.dims)
    raise errors.InvalidArgumentError(
        None, None, "You must feed a value for placeholder tensor '%s' with dtype %s and shape %s"
        % (ctx.node_name, _dtype_word(ctx.attrs["dtype"]), dims))


def _dtype_word(dt):
    return {"float32": "float", "float64": "double", "float16": "half"}.get(dt.name, dt.name)


def placeholder(dtype, shape=None, name=None):
    """A value that must be fed: ``sess.run(y, {x: value})``."""
    return make_op("Placeholder", [], {"dtype": dtypes.as_dtype(dtype), "shape": as_shape(shape)},
                   name=name or "Placeholder")


@register_kernel("PlaceholderWithDefault")
def _identity_kernel(ctx, x):
    return x


@register_shape("PlaceholderWithDefault")
def _pwd_shape(op):
    return [op.get_attr("shape")]


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    return make_op("PlaceholderWithDefault", [x], {"shape": as_shape(shape)}, name=name or "PlaceholderWithDefault")


register_kernel("Identity")(_identity_kernel)
register_kernel("StopGradient")(_identity_kernel)
register_shape("Identity", "StopGradient")(common_shapes.unchanged)


@register_gradient("Identity")
def _identity_grad(op, grad):
    return [grad]


@register_gradient("PlaceholderWithDefault")
def _pwd_grad(op, grad):
    return [grad]


not_differentiable("StopGradient", "Placeholder")


@register_kernel("IdentityN")
def _identity_n(ctx, *xs):
    return tuple(xs)


@register_shape("IdentityN")
def _identity_n_shape(op):
    return [t.shape for t in op.inputs]


@register_gradient("IdentityN")
def _identity_n_grad(op, *grads):
    return list(grads)


def identity(input, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    return make_op("Identity", [x], name=name or "Identity")


def identity_n(input, name=None):  # noqa: A002
    return make_op("IdentityN", [list(input)], name=name or "IdentityN")


def stop_gradient(input, name=None):  # noqa: A002
    return make_op("StopGradient", [input], name=name or "StopGradient")


# --- making arrays ------------------------------------------------------------------------------

@register_kernel("Fill", host_inputs=(0,))
def _fill(ctx, dims, value):
    dims = [int(d) for d in np.asarray(dims).reshape(-1)]
    if any(d < 0 for d in dims):
        raise errors.InvalidArgumentError(None, None, "Fill dimensions must be >= 0, got %s" % dims)
    out = ctx.xp.empty(dims, dtype=value.dtype)
    out[...] = value
    return out


@register_shape("Fill")
def _fill_shape(op):
    return [constant_shape(op.inputs[0])]


def fill(dims, value, name=None):
    return make_op("Fill", [_shape_tensor(dims), value], name=name or "Fill")


def _shape_tensor(shape):
    if isinstance(shape, Tensor):
        return shape
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    return convert_to_tensor(shape, dtype=dtypes.int32 if all(
        int(d) < 2**31 for d in np.reshape(shape, [-1])) else dtypes.int64, name="shape")


def _constant_if_small(value, shape, dtype, name):
    """TensorFlow's zeros/ones: a Const when small and fully known, else Fill."""
    from tagraph.engine.ops.constant_op import constant
    dtype = dtypes.as_dtype(dtype)
    g = get_default_graph()
    with g.name_scope(name) as scope:
        if not isinstance(shape, Tensor):
            s = as_shape(shape if not isinstance(shape, TensorShape) else shape)
            if s.is_fully_defined() and s.num_elements() < 1000:
                return constant(value, dtype=dtype, shape=s.as_list(), name=scope)
        return make_op("Fill", [_shape_tensor(shape), constant(value, dtype=dtype)], name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    return _constant_if_small(b"" if dtypes.as_dtype(dtype) == dtypes.string else 0, shape, dtype,
                              name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _constant_if_small(1, shape, dtype, name or "ones")


@register_kernel("ZerosLike")
def _zeros_like(ctx, x):
    return ctx.xp.zeros_like(x) if x.dtype != object else np.full(x.shape, b"", dtype=object)


@register_kernel("OnesLike")
def _ones_like(ctx, x):
    return ctx.xp.ones_like(x)


register_shape("ZerosLike", "OnesLike")(common_shapes.unchanged)
not_differentiable("ZerosLike", "OnesLike", "Fill", "Shape", "Size", "Rank")


def zeros_like(tensor, dtype=None, name=None):
    x = convert_to_tensor(tensor)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype.base_dtype:
        return zeros(shape(x), dtype, name)
    return make_op("ZerosLike", [x], name=name or "zeros_like")


def ones_like(tensor, dtype=None, name=None):
    x = convert_to_tensor(tensor)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype.base_dtype:
        return ones(shape(x), dtype, name)
    return make_op("OnesLike", [x], name=name or "ones_like")


# --- shapes -----------------------------------------------------------------------------------------

@register_kernel("Shape", host_outputs=(0,))
def _shape(ctx, x):
    return np.array(x.shape, dtype=ctx.attrs["out_type"].as_numpy_dtype)


@register_shape("Shape")
def _shape_shape(op):
    r = op.inputs[0].shape.rank
    return [TensorShape([r])]


@register_kernel("Size", host_outputs=(0,))
def _size(ctx, x):
    return np.array(x.size, dtype=ctx.attrs["out_type"].as_numpy_dtype)


@register_kernel("Rank", host_outputs=(0,))
def _rank(ctx, x):
    return np.array(x.ndim, dtype=np.int32)


register_shape("Size", "Rank")(common_shapes.scalar)


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    return make_op("Shape", [input], {"out_type": out_type}, name=name or "Shape")


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    return make_op("Size", [input], {"out_type": out_type}, name=name or "Size")


def rank(input, name=None):  # noqa: A002
    return make_op("Rank", [input], name=name or "Rank")


@register_kernel("Reshape", host_inputs=(1,))
def _reshape(ctx, x, new_shape):
    dims = [int(d) for d in np.asarray(new_shape).reshape(-1)]
    known = 1
    for d in dims:
        if d != -1:
            known *= d
    if dims.count(-1) > 1 or (-1 not in dims and known != x.size) or \
            (-1 in dims and (known == 0 or x.size % known)):
        raise errors.InvalidArgumentError(None, None, "Input to reshape is a tensor with %d values, but the "
                                          "requested shape has %d" % (x.size, known))
    return x.reshape(dims)


@register_shape("Reshape")
def _reshape_shape(op):
    target = constant_shape(op.inputs[1])
    v = constant_value(op.inputs[1])
    in_shape = op.inputs[0].shape
    if v is not None and in_shape.is_fully_defined():
        dims = [int(d) for d in np.reshape(v, [-1])]
        if dims.count(-1) == 1:
            known = int(np.prod([d for d in dims if d != -1]))
            n = in_shape.num_elements()
            if known == 0 or n % known:
                raise ValueError("Cannot reshape a tensor with %d elements to shape %s" % (n, dims))
            dims[dims.index(-1)] = n // known
        elif int(np.prod(dims)) != in_shape.num_elements():
            raise ValueError("Cannot reshape a tensor with %d elements to shape %s (%d elements)"
                             % (in_shape.num_elements(), dims, int(np.prod(dims))))
        return [TensorShape(dims)]
    return [target]


def reshape(tensor, shape, name=None):
    return make_op("Reshape", [tensor, _shape_tensor(shape)], name=name or "Reshape")


# --- combining ----------------------------------------------------------------------------------

@register_kernel("Pack")
def _pack(ctx, *xs):
    return ctx.xp.stack(xs, axis=ctx.attrs["axis"])


@register_shape("Pack")
def _pack_shape(op):
    s = op.inputs[0].shape
    for t in op.inputs[1:]:
        s = s.merge_with(t.shape)
    if s.rank is None:
        return [unknown_shape()]
    axis = op.get_attr("axis")
    dims = s.dims
    axis = axis % (len(dims) + 1)
    dims.insert(axis, len(op.inputs))
    return [TensorShape(dims)]


def stack(values, axis=0, name="stack"):
    values = [convert_to_tensor(v) for v in values]
    return make_op("Pack", [values], {"axis": axis}, name=name)


@register_kernel("Where", host_outputs=(0,))
def _where(ctx, x):
    idx = ctx.xp.argwhere(x)
    return ctx.device.backend.download(idx).astype(np.int64) if ctx.xp is not np else idx.astype(np.int64)


@register_shape("Where")
def _where_shape(op):
    r = op.inputs[0].shape.rank
    return [TensorShape([None, r])]


not_differentiable("Where")


def boolean_mask(tensor, mask, name="boolean_mask"):
    """The elements of ``tensor`` where ``mask`` (a bool vector over the first axis) is true."""
    g = get_default_graph()
    with g.name_scope(name):
        idx = make_op("Where", [mask])
        idx = reshape(idx, [-1])
        return make_op("GatherV2", [tensor, idx, convert_to_tensor(0, dtype=dtypes.int32)], {"batch_dims": 0})


@register_kernel("GatherV2", host_inputs=(2,))
def _gather_v2(ctx, params, indices, axis):
    xp = ctx.xp
    a = int(np.asarray(axis))
    batch_dims = ctx.attrs.get("batch_dims", 0)
    if a < 0:
        a += params.ndim
    if batch_dims:
        raise errors.UnimplementedError(None, None, "GatherV2 with batch_dims=%d" % batch_dims)
    n = params.shape[a]
    if indices.size and (bool((indices < 0).any()) or bool((indices >= n).any())):
        bad = indices[(indices < 0) | (indices >= n)].reshape(-1)[:1]
        raise errors.InvalidArgumentError(None, None, "indices = %s is not in [0, %d)" % (
            int(bad[0]) if xp is np else "out of range", n))
    if params.dtype == object:
        return np.take(params, indices, axis=a)
    return xp.take(params, indices, axis=a)


@register_shape("GatherV2")
def _gather_v2_shape(op):
    p, i = op.inputs[0].shape, op.inputs[1].shape
    axis = constant_value(op.inputs[2])
    if p.rank is None or i.rank is None or axis is None:
        return [unknown_shape()]
    a = int(axis) % p.rank
    return [TensorShape(p.dims[:a] + i.dims + p.dims[a + 1:])]
