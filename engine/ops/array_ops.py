"""Placeholders, identities and the ops that make, reshape, slice and combine arrays.

Each op's shape function, kernel (written once against ``ctx.xp``), gradient where it is cheap, and
Python constructor live together here, with TensorFlow's OpDefs, default node names and messages.

    x = tg.placeholder(tg.float32, [None, 3], name="x")
    z = tg.zeros([2, 3])
    y = tg.concat([x[:, ::-1], tg.expand_dims(x[:, 0], 1)], axis=1)     # shape (?, 4)
"""
import builtins as _builtins
import collections as _collections
import numbers as _numbers

import numpy as np

from tagraph.devices.kernel_registry import KernelContext as _KernelContext, get_kernel as _get_kernel
from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value, constant_shape
from tagraph.engine.framework.common_shapes import register_constant_shape as _register_constant_shape
from tagraph.engine.framework.common_shapes import register_constant_value as _register_constant_value
from tagraph.engine.framework.graph import (Tensor, _graph_of, convert_to_tensor, get_default_graph,
                                            register_tensor_conversion_function, register_tensor_operators)
from tagraph.engine.framework.op_builder import make_op, register_shape, register_gradient, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape, unknown_shape

# This module defines ``range`` and ``slice`` (TensorFlow's names); keep Python's own at hand.
_py_range = _builtins.range
_BaseSlice = _builtins.slice

# Used for slicing to add a dimension of size 1: ``x[:, tg.newaxis]``.
newaxis = None


# --- helpers ------------------------------------------------------------------------------------

def _invalid(fmt, *args):
    return errors.InvalidArgumentError(None, None, fmt % args if args else fmt)


def _dbg(shape):
    """A concrete shape as TensorFlow's TensorShape::DebugString writes it: ``[2,3]``."""
    return "[%s]" % ",".join(str(int(d)) for d in shape)


def _shape_str(shape):
    """A partial shape as TensorFlow's shape inference writes it: ``[?,3]``."""
    if shape.rank is None:
        return "<unknown>"
    return "[%s]" % ",".join("?" if d is None else str(d) for d in shape.dims)


def _host_ints(a):
    return [int(v) for v in np.asarray(a).reshape(-1)]


def _scalar_int(a, what):
    """A size-1 integer tensor (host or device) as a Python int."""
    if a.size != 1:
        raise _invalid("%s must be a scalar, not shape %s", what, _dbg(a.shape))
    return int(a.reshape(-1)[0])


def _results(values):
    """A kernel's outputs as the session wants them: the array itself for one, a tuple for several."""
    values = list(values)
    return values[0] if len(values) == 1 else tuple(values)


def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _gen(op_type, inputs, attrs=None, name=None, default_name=None):
    """Creates ``op_type`` the way TensorFlow's generated wrappers do: inside ``name_scope(name)``, so
    Python inputs become Consts named ``<op>/<input arg>`` and the op takes the scope's name."""
    g = _graph_of(list(_flat(inputs)))
    with g.as_default(), g.name_scope(name or default_name or op_type) as scope:
        return g.create_op(op_type, inputs, attrs or {}, name=scope)


def _gen1(op_type, inputs, attrs=None, name=None, default_name=None):
    return _gen(op_type, inputs, attrs, name, default_name).outputs[0]


def _is_tensor_like(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_tensor")


# Kernels of this module run at graph-building time too, on values known then (TensorFlow's shape
# refiner folds small constant subgraphs the same way); inputs or outputs larger than this are left alone.
_FOLD_LIMIT = 1000


def _fold(tensor):
    """The value of ``tensor`` from its op's CPU kernel when every input's value is known, else None."""
    op = tensor.op
    kernel = _get_kernel(op.type, "CPU")
    n = tensor.shape.num_elements()
    if kernel is None or n is None or n > _FOLD_LIMIT:
        return None
    vals = []
    for t in op.inputs:
        v = constant_value(t)
        if v is None:
            return None
        v = np.asarray(v)
        if v.size > _FOLD_LIMIT or v.dtype == object:
            return None
        vals.append(v)
    from tagraph.engine.framework.attr_value import attr_value_to_python
    attrs = {k: attr_value_to_python(av) for k, av in op._attrs.items() if not k.startswith("_")}
    ctx = _KernelContext(attrs, np, None, op.name, op, None)
    try:
        out = kernel(ctx, *vals)
    except (errors.OpError, ValueError, TypeError, IndexError):
        return None
    if isinstance(out, tuple):
        out = out[tensor.value_index]
    return np.asarray(out)


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
    if np.ndim(dims) != 1:
        raise _invalid("dims must be a vector, got shape %s", _dbg(np.shape(dims)))
    if value.ndim != 0:
        raise _invalid("value must be a scalar, got shape %s", _dbg(value.shape))
    dims = _host_ints(dims)
    if any(d < 0 for d in dims):
        raise errors.InvalidArgumentError(None, None, "Fill dimensions must be >= 0, got %s" % dims)
    from tagraph.engine.framework.allocation_limits import check_shape
    check_shape(dims, value.dtype.itemsize, "Fill")  # refuse a hostile size before allocating
    out = ctx.xp.empty(dims, dtype=value.dtype)
    out[...] = value
    return out


@register_shape("Fill")
def _fill_shape(op):
    dims_t, value_t = op.inputs
    if dims_t.shape.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d" % dims_t.shape.rank)
    if value_t.shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d" % value_t.shape.rank)
    v = constant_value(dims_t)
    if v is not None and (np.asarray(v) < 0).any():
        raise ValueError("Fill dimensions must be >= 0")
    return [constant_shape(dims_t)]


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with the scalar ``value``: ``tg.fill([2, 3], 9)``."""
    return _gen1("Fill", [_shape_arg(dims), value], name=name, default_name="Fill")


def _shape_arg(shape):
    """A shape argument for a generated op: TensorShapes become lists, converted inside the op's scope."""
    return shape.as_list() if isinstance(shape, TensorShape) else shape


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


def _zero_of(dtype):
    dtype = dtypes.as_dtype(dtype)
    return b"" if dtype == dtypes.string else (False if dtype == dtypes.bool else 0)


def zeros(shape, dtype=dtypes.float32, name=None):
    return _constant_if_small(_zero_of(dtype), shape, dtype, name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _constant_if_small(True if dtypes.as_dtype(dtype) == dtypes.bool else 1, shape, dtype,
                              name or "ones")


@register_kernel("ZerosLike")
def _zeros_like(ctx, x):
    return ctx.xp.zeros_like(x) if x.dtype != object else np.full(x.shape, b"", dtype=object)


@register_kernel("OnesLike")
def _ones_like(ctx, x):
    return ctx.xp.ones_like(x)


register_shape("ZerosLike", "OnesLike")(common_shapes.unchanged)
not_differentiable("ZerosLike", "OnesLike", "Fill", "Shape", "ShapeN", "Size", "Rank")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros shaped like ``tensor``: a Const when its shape is known, else ZerosLike (or Fill for a
    new ``dtype``), as TensorFlow builds it."""
    g = _graph_of([tensor])
    with g.as_default(), g.name_scope(name or "zeros_like") as scope:
        x = convert_to_tensor(tensor, name="tensor")
        dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        if optimize and x.shape.is_fully_defined():
            return zeros(x.shape, dtype=dtype or x.dtype.base_dtype, name=scope)
        if dtype is not None and dtype != x.dtype.base_dtype:
            return zeros(_shape_internal(x, None, optimize), dtype, name=scope)
        return make_op("ZerosLike", [x], name=scope)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones shaped like ``tensor``: ``ones(shape(tensor))``, as TensorFlow builds it."""
    g = _graph_of([tensor])
    with g.as_default(), g.name_scope(name or "ones_like") as scope:
        x = convert_to_tensor(tensor, name="tensor")
        ones_shape = _shape_internal(x, None, optimize)
        ret = ones(ones_shape, dtype=dtype or x.dtype.base_dtype, name=scope)
        ret.set_shape(x.shape)
        return ret


# --- shapes -----------------------------------------------------------------------------------------

@register_kernel("Shape", host_outputs=(0,))
def _shape(ctx, x):
    return np.array(x.shape, dtype=ctx.attrs["out_type"].as_numpy_dtype)


def _shape_of_input(op):
    r = op.inputs[0].shape.rank
    return [TensorShape([r])]


register_shape("Shape")(_shape_of_input)


@register_kernel("ShapeN")
def _shape_n(ctx, *xs):
    np_type = ctx.attrs["out_type"].as_numpy_dtype
    # TensorFlow keeps ShapeN's outputs in host memory; their number varies, so they are uploaded here.
    return _results(ctx.xp.asarray(np.array(x.shape, dtype=np_type)) for x in xs)


@register_shape("ShapeN")
def _shape_n_shape(op):
    return [TensorShape([t.shape.rank]) for t in op.inputs]


@register_kernel("Size", host_outputs=(0,))
def _size(ctx, x):
    return np.array(x.size, dtype=ctx.attrs["out_type"].as_numpy_dtype)


@register_kernel("Rank", host_outputs=(0,))
def _rank(ctx, x):
    return np.array(x.ndim, dtype=np.int32)


register_shape("Size", "Rank")(common_shapes.scalar)


def _shape_internal(input, name=None, optimize=True, out_type=dtypes.int32):  # noqa: A002
    from tagraph.engine.ops.constant_op import constant
    g = _graph_of([input])
    with g.as_default(), g.name_scope(name or "Shape") as scope:
        x = convert_to_tensor(input)
        if optimize and x.shape.is_fully_defined():
            return constant(x.shape.as_list(), out_type, name=scope)
        return make_op("Shape", [x], {"out_type": out_type}, name=scope)


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The shape of ``input`` as a 1-D tensor; a Const when it is known while building (TensorFlow's
    ``optimize``), else a Shape op."""
    return _shape_internal(input, name, True, out_type)


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shapes of a list of tensors: one ShapeN op with one output per input."""
    return list(_gen("ShapeN", [list(input)], {"out_type": out_type}, name, "ShapeN").outputs)


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    from tagraph.engine.ops.constant_op import constant
    g = _graph_of([input])
    with g.as_default(), g.name_scope(name or "Size") as scope:
        x = convert_to_tensor(input)
        s = x.shape
        if s.is_fully_defined():
            return constant(s.num_elements(), out_type, name=scope)
        if s.rank and any(d == 0 for d in s.dims):
            return constant(0, out_type, name=scope)
        return make_op("Size", [x], {"out_type": out_type}, name=scope)


def rank(input, name=None):  # noqa: A002
    from tagraph.engine.ops.constant_op import constant
    g = _graph_of([input])
    with g.as_default(), g.name_scope(name or "Rank") as scope:
        x = convert_to_tensor(input)
        if x.shape.rank is not None:
            return constant(x.shape.rank, dtypes.int32, name=scope)
        return make_op("Rank", [x], name=scope)


# --- reshaping ----------------------------------------------------------------------------------

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


def _count_known(shape):
    """(product of the known dims, index of the one unknown dim or -1, more than one unknown?)."""
    known, unknown_idx = 1, -1
    for i, d in enumerate(shape.dims):
        if d is None:
            if unknown_idx >= 0:
                return known, unknown_idx, True
            unknown_idx = i
        else:
            known *= d
    return known, unknown_idx, False


@register_shape("Reshape")
def _reshape_shape(op):
    # TensorFlow's SetOutputShapeForReshape: infer the one missing dimension from the other side.
    if op.inputs[1].shape.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d" % op.inputs[1].shape.rank)
    out = constant_shape(op.inputs[1])
    v = constant_value(op.inputs[1])
    if v is not None and np.count_nonzero(np.asarray(v) == -1) > 1:
        raise ValueError("Cannot infer multiple unknown dimensions in shape %s" % list(np.reshape(v, [-1])))
    in_shape = op.inputs[0].shape
    if out.rank is None or in_shape.rank is None:
        return [out]
    known_out, out_idx, many_out = _count_known(out)
    known_in, in_idx, many_in = _count_known(in_shape)
    if many_out or many_in:
        return [out]
    dims = out.dims
    if in_idx < 0 and out_idx < 0:
        if known_in != known_out:
            raise ValueError("Cannot reshape a tensor with %d elements to shape %s (%d elements)"
                             % (known_in, _shape_str(out), known_out))
    elif in_idx < 0 <= out_idx and known_out > 0:
        if known_in % known_out:
            raise ValueError("Cannot reshape a tensor with %d elements to shape %s: the known dimensions "
                             "(%d elements) must divide it evenly" % (known_in, _shape_str(out), known_out))
        dims[out_idx] = known_in // known_out
    elif out_idx < 0 <= in_idx and known_in != 0:
        if known_out % known_in:
            raise ValueError("Cannot reshape a tensor of shape %s to shape %s (%d elements)"
                             % (_shape_str(in_shape), _shape_str(out), known_out))
    elif in_idx >= 0 and out_idx >= 0 and known_in == known_out:
        dims[out_idx] = in_shape.dims[in_idx]
    return [TensorShape(dims)]


@register_gradient("Reshape")
def _reshape_grad(op, grad):
    return [reshape(grad, shape(op.inputs[0])), None]


def reshape(tensor, shape, name=None):  # noqa: F811 - TensorFlow's argument name
    return _gen1("Reshape", [tensor, _shape_arg(shape)], name=name, default_name="Reshape")


@register_kernel("Squeeze")
def _squeeze(ctx, x):
    rank_ = x.ndim
    wanted = set()
    for d in ctx.attrs.get("squeeze_dims") or []:
        if d < -rank_ or d >= rank_:
            raise _invalid("Tried to squeeze dim index %d for tensor with %d dimensions.", d, rank_)
        wanted.add(d + rank_ if d < 0 else d)
    dims = []
    for i, n in enumerate(x.shape):
        if wanted:
            if i in wanted:
                if n != 1:
                    raise _invalid("Can not squeeze dim[%d], expected a dimension of 1, got %d", i, n)
                continue
        elif n == 1:
            continue
        dims.append(n)
    return x.reshape(dims).copy()


@register_shape("Squeeze")
def _squeeze_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    r = s.rank
    wanted = []
    for i, d in enumerate(op.get_attr("squeeze_dims")):
        if d < -r or d >= r:
            raise ValueError("squeeze_dims[%d] not in [%d,%d)." % (i, -r, r))
        wanted.append(d + r if d < 0 else d)
    dims = []
    for i, d in enumerate(s.dims):
        explicit = i in wanted
        if d is None:
            if explicit:
                continue  # assumed to be 1 at run time
            if not wanted:
                return [unknown_shape()]
        elif d == 1:
            if explicit or not wanted:
                continue
        elif explicit:
            raise ValueError("Can not squeeze dim[%d], expected a dimension of 1, got %d" % (i, d))
        dims.append(d)
    return [TensorShape(dims)]


@register_gradient("Squeeze", "ExpandDims")
def _reshape_back_grad(op, grad):
    return [reshape(grad, shape(op.inputs[0]))] + [None] * (len(op.inputs) - 1)


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """Removes dimensions of size 1 (only those in ``axis`` when given)."""
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'squeeze_dims'.")
        axis = squeeze_dims
    if axis is None:
        axis = []
    elif np.isscalar(axis):
        axis = [axis]
    return _gen1("Squeeze", [input], {"squeeze_dims": [int(a) for a in axis]}, name, "Squeeze")


@register_kernel("ExpandDims", host_inputs=(1,))
def _expand_dims(ctx, x, dim):
    if np.size(dim) != 1:
        raise _invalid("'dim' must be a tensor with a single value")
    d = _host_ints(dim)[0]
    if d < -1 - x.ndim or d > x.ndim:
        raise _invalid("Tried to expand dim index %d for tensor with %d dimensions.", d, x.ndim)
    if d < 0:
        d += x.ndim + 1
    dims = list(x.shape)
    dims.insert(d, 1)
    return x.reshape(dims).copy()


@register_shape("ExpandDims")
def _expand_dims_shape(op):
    v = constant_value(op.inputs[1])
    if v is not None and np.size(v) != 1:
        raise ValueError("'dim' input must be a tensor with a single value")
    s = op.inputs[0].shape
    if v is None or s.rank is None:
        return [unknown_shape()]
    d = int(np.reshape(v, [-1])[0])
    r = s.rank
    if d < -r - 1 or d > r:
        raise ValueError("dim %d not in the interval [%d, %d]." % (d, -r - 1, r))
    if d < 0:
        d += r + 1
    dims = s.dims
    dims.insert(d, 1)
    return [TensorShape(dims)]


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """Inserts a dimension of size 1 at ``axis`` (in ``[-rank-1, rank]``)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return _gen1("ExpandDims", [input, axis], name=name, default_name="ExpandDims")


@register_kernel("Transpose", host_inputs=(1,))
def _transpose(ctx, x, perm):
    if np.ndim(perm) != 1:
        raise _invalid("perm must be rank 1, got shape %s", _dbg(np.shape(perm)))
    p = _host_ints(perm)
    n = x.ndim
    if len(p) != n:
        raise _invalid("transpose expects a vector of size %d. But input(1) is a vector of size %d", n, len(p))
    seen = [False] * n
    for d in p:
        if not 0 <= d < n:
            raise _invalid("%d is out of range [0 .. %d)", d, n)
        seen[d] = True
    for i in _py_range(n):
        if not seen[i]:
            raise _invalid("%d is missing from {%s}.", i, ",".join(str(d) for d in p))
    return ctx.xp.transpose(x, p).copy()


@register_shape("Transpose")
def _transpose_shape(op):
    s = op.inputs[0].shape
    perm_shape = op.inputs[1].shape
    perm = constant_value(op.inputs[1])
    n_perm = perm_shape.num_elements()
    if s.rank is None and n_perm is None and perm is None:
        return [unknown_shape()]
    if s.rank is not None:
        r = s.rank
    elif n_perm is not None:
        r = n_perm
    else:
        r = int(np.size(perm))
    if s.rank is None and r < 2:
        # One permutation entry fits both a scalar and a vector; both come back unchanged.
        return [s]
    if s.rank is not None and perm_shape.rank is not None and (perm_shape.rank != 1 or
                                                               (n_perm is not None and n_perm != r)):
        raise ValueError("Dimension must be %d but is %s for 'perm' of shape %s"
                         % (r, n_perm, _shape_str(perm_shape)))
    if perm is None:
        return [unknown_shape(r)]
    p = [int(d) for d in np.reshape(perm, [-1])]
    if len(p) != r:
        raise ValueError("Dimension must be %d but is %d for 'perm'" % (r, len(p)))
    dims = s.dims if s.rank is not None else [None] * r
    for d in p:
        if d >= r or d < 0:
            raise ValueError("perm dim %d is out of range of input rank %d" % (d, r))
    return [TensorShape([dims[d] for d in p])]


@register_gradient("Transpose")
def _transpose_grad(op, grad):
    return [transpose(grad, invert_permutation(op.inputs[1])), None]


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permutes the dimensions of ``a``; ``perm`` defaults to reversing them."""
    g = _graph_of([a])
    with g.as_default(), g.name_scope(name or "transpose") as scope:
        if not _is_tensor_like(a):
            a = convert_to_tensor(a, name="a")
        a = convert_to_tensor(a)
        if conjugate and a.dtype.is_complex:
            raise ValueError("transpose(conjugate=True) of a complex tensor needs ConjugateTranspose, "
                             "which is not among tagraph's op definitions")
        if perm is None:
            r = a.shape.rank
            if r is None:
                perm = _gen1("Range", [rank(a) - 1, -1, -1])
            else:
                perm = np.arange(r - 1, -1, -1, dtype=np.int32)
        return make_op("Transpose", [a, perm], name=scope)


@register_kernel("InvertPermutation", host_inputs=(0,), host_outputs=(0,))
def _invert_permutation(ctx, x):
    x = np.asarray(x)
    if x.ndim != 1:
        raise _invalid("invert_permutation expects a 1D vector.")
    n = x.shape[0]
    if n > np.iinfo(np.int32).max:
        raise _invalid("permutation of nonnegative int32s must have <= int32 max elements")
    y = np.full(n, -1, dtype=x.dtype)
    for i, d in enumerate(x.tolist()):
        if not 0 <= d < n:
            raise _invalid("%d is not between 0 and %d", d, n)
        if y[d] != -1:
            raise _invalid("%d is duplicated in the input.", d)
        y[d] = i
    return y


@register_shape("InvertPermutation")
def _invert_permutation_shape(op):
    return [op.inputs[0].shape.with_rank(1)]


def invert_permutation(x, name=None):
    """The inverse permutation: ``y[x[i]] = i``."""
    return _gen1("InvertPermutation", [x], name=name, default_name="InvertPermutation")


# --- combining and splitting --------------------------------------------------------------------

@register_kernel("Pack")
def _pack(ctx, *xs):
    axis = ctx.attrs["axis"]
    r = xs[0].ndim + 1
    if axis < -r or axis >= r:
        raise _invalid("axis = %d not in [%d, %d)", axis, -r, r)
    for i, x in enumerate(xs[1:], 1):
        if x.shape != xs[0].shape:
            raise _invalid("Shapes of all inputs must match: values[0].shape = %s != values[%d].shape = %s",
                           _dbg(xs[0].shape), i, _dbg(x.shape))
    return ctx.xp.stack(xs, axis=axis)


def _merge_all(shapes, what):
    s = unknown_shape()
    for i, t in enumerate(shapes):
        try:
            s = s.merge_with(t)
        except ValueError:
            raise ValueError("Shapes of all inputs must match: %s %s is not compatible with %s"
                             % (what, _shape_str(t), _shape_str(s))) from None
    return s


@register_shape("Pack")
def _pack_shape(op):
    s = _merge_all([t.shape for t in op.inputs], "values shape")
    if s.rank is None:
        return [unknown_shape()]
    axis = op.get_attr("axis")
    r = s.rank + 1
    if axis < -r or axis >= r:
        raise ValueError("Invalid axis: %d; must be in [%d,%d)" % (axis, -r, r))
    dims = s.dims
    dims.insert(axis % r, len(op.inputs))
    return [TensorShape(dims)]


@register_gradient("Pack")
def _pack_grad(op, grad):
    return unstack(grad, num=op.get_attr("N"), axis=op.get_attr("axis"))


def stack(values, axis=0, name="stack"):
    """Stacks rank-R tensors into one rank-(R+1) tensor along ``axis``; a list of Python values
    becomes one Const, as in TensorFlow."""
    from tagraph.engine.ops.constant_op import constant
    values = list(values)
    has_tensor = any(_is_tensor_like(v) for v in _flat(values))
    if axis == 0 and not has_tensor:
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError):
            pass
    if values:
        first = values[0]
        if _is_tensor_like(first):
            r0 = first.get_shape().rank
        elif not any(_is_tensor_like(v) for v in _flat([first])):
            r0 = np.ndim(first)
        else:
            r0 = None
        if r0 is not None and not -r0 - 1 <= axis < r0 + 1:
            raise ValueError("axis = %d not in [%d, %d)" % (axis, -r0 - 1, r0 + 1))
    if axis == 0 and has_tensor:
        # TensorFlow's autopacking: Python elements become Consts of the tensors' dtype named by position.
        g = _graph_of(list(_flat(values)))
        dtype = next(v.dtype.base_dtype for v in _flat(values) if _is_tensor_like(v))
        with g.as_default(), g.name_scope(name or "stack") as scope:
            elems = [convert_to_tensor(v) if _is_tensor_like(v) or isinstance(v, (list, tuple))
                     else constant(v, dtype=dtype, name=str(i)) for i, v in enumerate(values)]
            return make_op("Pack", [elems], {"axis": axis}, name=scope)
    return _gen1("Pack", [values], {"axis": axis}, name, "stack")


@register_kernel("Unpack")
def _unpack(ctx, x):
    num, axis = ctx.attrs["num"], ctx.attrs["axis"]
    r = x.ndim
    if axis < -r or axis >= r:
        raise _invalid("axis = %d not in [%d, %d)", axis, -r, r)
    if axis < 0:
        axis += r
    if x.shape[axis] != num:
        raise _invalid("Input shape axis %d must equal %d, got shape %s", axis, num, _dbg(x.shape))
    lead = (_BaseSlice(None),) * axis
    return _results(x[lead + (i,)].copy() for i in _py_range(num)) if num else None


@register_shape("Unpack")
def _unpack_shape(op):
    s = op.inputs[0].shape
    n = op.get_attr("num")
    if s.rank is None:
        return [unknown_shape()] * n
    r = s.rank
    axis = op.get_attr("axis")
    if axis < -r or axis >= r:
        raise ValueError("Invalid axis: %d; must be in [%d,%d)" % (axis, -r, r))
    axis %= r
    if s.dims[axis] is not None and s.dims[axis] != n:
        raise ValueError("Dimension must be %d but is %d" % (n, s.dims[axis]))
    dims = s.dims
    del dims[axis]
    return [TensorShape(dims)] * n


@register_gradient("Unpack")
def _unpack_grad(op, *grads):
    grads = [zeros_like(o) if g is None else g for o, g in zip(op.outputs, grads)]
    return [stack(grads, axis=op.get_attr("axis"))]


def unstack(value, num=None, axis=0, name="unstack"):
    """Unpacks the ``axis`` dimension of a rank-R tensor into a list of rank-(R-1) tensors."""
    if num is None:
        value = convert_to_tensor(value)
        value_shape = value.get_shape()
        if value_shape.rank is not None:
            if axis < -value_shape.rank or axis >= value_shape.rank:
                raise ValueError("axis = %d not in [%d, %d)" % (axis, -value_shape.rank, value_shape.rank))
            num = value_shape.dims[axis]
        if num is None:
            raise ValueError("Cannot infer num from shape %s" % (value_shape,))
    return list(_gen("Unpack", [value], {"num": num, "axis": axis}, name, "unstack").outputs)


@register_kernel("ConcatV2")
def _concat_v2(ctx, *args):
    values, axis = args[:-1], args[-1]
    if axis.ndim != 0:
        raise _invalid("Concat dim tensor should be a scalar integer, but got shape %s", _dbg(axis.shape))
    a = int(axis)
    r = values[0].ndim
    if not -r <= a < r:
        raise _invalid("ConcatOp : Expected concatenating dimensions in the range [%d, %d), but got %d", -r, r, a)
    ax = a % r
    for i, v in enumerate(values[1:], 1):
        if v.ndim != r:
            raise _invalid("ConcatOp : Ranks of all input tensors should match: shape[0] = %s vs. shape[%d] = %s",
                           _dbg(values[0].shape), i, _dbg(v.shape))
        for j in _py_range(r):
            if j != ax and v.shape[j] != values[0].shape[j]:
                raise _invalid("ConcatOp : Dimension %d in both shapes must be equal: shape[0] = %s vs. "
                               "shape[%d] = %s", j, _dbg(values[0].shape), i, _dbg(v.shape))
    return ctx.xp.concatenate(values, axis=ax)


@register_shape("ConcatV2")
def _concat_v2_shape(op):
    shapes = [t.shape for t in op.inputs[:-1]]
    if op.inputs[-1].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for the concat axis" % op.inputs[-1].shape.rank)
    ranks = {s.rank for s in shapes if s.rank is not None}
    if len(ranks) > 1:
        first = next(s.rank for s in shapes if s.rank is not None)
        other = next(s.rank for s in shapes if s.rank is not None and s.rank != first)
        raise ValueError("Shape must be rank %d but is rank %d for concatenated inputs %s"
                         % (first, other, ", ".join(_shape_str(s) for s in shapes)))
    if not ranks:
        return [unknown_shape()]
    r = ranks.pop()
    axis = constant_value(op.inputs[-1])
    if axis is None:
        return [unknown_shape(r)]
    a = int(axis)
    if not -r <= a < r:
        raise ValueError("Expected concatenating dimensions in the range [%d, %d), but got %d" % (-r, r, a))
    a %= r
    dims = [None] * r
    total = 0
    for s in shapes:
        sd = s.dims if s.rank is not None else [None] * r
        for j in _py_range(r):
            if j == a:
                continue
            if dims[j] is not None and sd[j] is not None and dims[j] != sd[j]:
                raise ValueError("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s "
                                 "and %s." % (j, dims[j], sd[j], _shape_str(shapes[0]), _shape_str(s)))
            if dims[j] is None:
                dims[j] = sd[j]
        total = None if total is None or sd[a] is None else total + sd[a]
    dims[a] = total
    return [TensorShape(dims)]


@_register_constant_shape("ConcatV2")
def _concat_partial_shape(tensor):
    # TensorFlow's constant_value_as_shape: a concatenation of (partly known) shape vectors.
    axis = constant_value(tensor.op.inputs[-1])
    if axis is None or int(axis) not in (0, -1):
        return None
    dims = []
    for t in tensor.op.inputs[:-1]:
        s = constant_shape(t)
        if s.rank is None:
            return None
        dims.extend(s.dims)
    return TensorShape(dims)


@register_gradient("ConcatV2")
def _concat_v2_grad(op, grad):
    values = op.inputs[:-1]
    axis = op.inputs[-1]
    sizes = stack([gather(shape(v), _normalized_axis(axis, v)) for v in values])
    return split(grad, sizes, axis=axis, num=len(values)) + [None]


def _normalized_axis(axis, like):
    a = constant_value(axis)
    if a is not None and like.shape.rank is not None:
        return int(a) % like.shape.rank
    from tagraph.engine.ops import math_ops
    return math_ops.floormod(axis, rank(like))


def concat(values, axis, name="concat"):
    """Joins tensors along ``axis``; a single tensor comes back through an Identity."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        g = _graph_of(list(values) + [axis])
        with g.as_default(), g.name_scope(name or "concat") as scope:
            t = convert_to_tensor(axis, name="concat_dim", dtype=dtypes.int32)
            if t.shape.rank not in (None, 0):
                raise ValueError("Shape %s must have rank 0" % (t.shape,))
            return identity(values[0], name=scope)
    return _gen1("ConcatV2", [list(values), axis], name=name, default_name="concat")


@register_kernel("Split", host_inputs=(0,))
def _split(ctx, split_dim, value):
    n = ctx.attrs["num_split"]
    d = _scalar_int(np.asarray(split_dim), "split_dim")
    r = value.ndim
    if not -r <= d < r:
        raise _invalid("-input rank(-%d) <= split_dim < input rank (%d), but got %d", r, r, d)
    if d < 0:
        d += r
    size_ = value.shape[d]
    if size_ % n:
        raise _invalid("Number of ways to split should evenly divide the split dimension, but got split_dim %d "
                       "(size = %d) and num_split %d", d, size_, n)
    step = size_ // n
    lead = (_BaseSlice(None),) * d
    return _results(value[lead + (_BaseSlice(i * step, (i + 1) * step),)].copy() for i in _py_range(n))


def _axis_of(t, r, what):
    """The static value of the scalar axis tensor ``t`` for a rank-``r`` input, normalized, or None."""
    v = constant_value(t)
    if v is None:
        return None
    a = int(np.reshape(v, [-1])[0])
    if r is not None and not -r <= a < r:
        raise ValueError("%s %d is out of range: must be in [%d, %d)" % (what, a, -r, r))
    return a % r if r else a


@register_shape("Split")
def _split_shape(op):
    s = op.inputs[1].shape
    n = op.get_attr("num_split")
    d = _axis_of(op.inputs[0], s.rank, "split_dim")
    if d is None or s.rank is None:
        return [unknown_shape(s.rank)] * n
    dims = s.dims
    if dims[d] is not None:
        if dims[d] % n:
            raise ValueError("Number of ways to split should evenly divide the split dimension, but got "
                             "split_dim %d (size = %d) and num_split %d" % (d, dims[d], n))
        dims[d] //= n
    return [TensorShape(dims)] * n


@register_gradient("Split")
def _split_grad(op, *grads):
    grads = [zeros_like(o) if g is None else g for o, g in zip(op.outputs, grads)]
    return [None, concat(grads, op.inputs[0])]


@register_kernel("SplitV", host_inputs=(1, 2))
def _split_v(ctx, value, size_splits, split_dim):
    n = ctx.attrs["num_split"]
    d = _scalar_int(np.asarray(split_dim), "split_dim")
    r = value.ndim
    if not -r <= d < r:
        raise _invalid("-input rank(-%d) <= split_dim < input rank (%d), but got %d", r, r, d)
    if d < 0:
        d += r
    sizes = np.asarray(size_splits)
    if sizes.ndim != 1 or sizes.size != n:
        raise _invalid("size of the split_tensor must be 1-D and have the same elements as outputs got %d -D and "
                       "%d elements", sizes.ndim, sizes.size)
    sizes = _host_ints(sizes)
    total = value.shape[d]
    neg = [i for i, s in enumerate(sizes) if s == -1]
    if len(neg) > 1:
        raise _invalid("There can only be one -1 in the input.")
    for i, s in enumerate(sizes):
        if s < -1:
            raise _invalid("Split size at index %d must be >= 0. Got: %d", i, s)
    determined = sum(s for s in sizes if s != -1)
    if (not neg and determined != total) or (neg and determined > total):
        raise _invalid("Determined shape must either match input shape along split_dim exactly if fully "
                       "specified, or be less than the size of the input along split_dim if not fully "
                       "specified.  Got: %d", determined)
    if neg:
        sizes[neg[0]] = total - determined
    lead = (_BaseSlice(None),) * d
    outs, start = [], 0
    for s in sizes:
        outs.append(value[lead + (_BaseSlice(start, start + s),)].copy())
        start += s
    return _results(outs)


@register_shape("SplitV")
def _split_v_shape(op):
    s = op.inputs[0].shape
    n = op.get_attr("num_split")
    if s.rank is None:
        return [unknown_shape()] * n
    if s.rank == 0:
        raise ValueError("Can't split scalars")
    d = _axis_of(op.inputs[2], s.rank, "split_dim")
    sizes = constant_value(op.inputs[1])
    if sizes is None:
        if d is None:
            return [unknown_shape(s.rank)] * n
        dims = s.dims
        dims[d] = None
        return [TensorShape(dims)] * n
    sizes = [int(v) for v in np.reshape(sizes, [-1])]
    if d is None:
        return [unknown_shape(s.rank)] * n
    if len(sizes) != n:
        raise ValueError("Length of size_splits should be equal to num_outputs")
    if sizes.count(-1) > 1:
        raise ValueError("size_splits can only have one -1")
    total = sum(v for v in sizes if v != -1)
    dim = s.dims[d]
    if dim is not None and (total > dim if -1 in sizes else total != dim):
        raise ValueError("can't split axis of size %d into pieces of size [%s]"
                         % (dim, ",".join(str(v) for v in sizes)))
    outs = []
    for v in sizes:
        dims = s.dims
        dims[d] = (dim - total if dim is not None else None) if v == -1 else v
        outs.append(TensorShape(dims))
    return outs


@register_gradient("SplitV")
def _split_v_grad(op, *grads):
    grads = [zeros_like(o) if g is None else g for o, g in zip(op.outputs, grads)]
    return [concat(grads, op.inputs[2]), None, None]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits ``value`` along ``axis`` into ``num_or_size_splits`` equal pieces (Split) or pieces of the
    given sizes (SplitV, one size may be -1); returns a list."""
    if isinstance(num_or_size_splits, (_numbers.Integral, np.integer)) and \
            not isinstance(num_or_size_splits, bool):
        return list(_gen("Split", [axis, value], {"num_split": int(num_or_size_splits)}, name,
                         "split").outputs)
    size_splits = convert_to_tensor(num_or_size_splits)
    if size_splits.shape.rank == 0:
        raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument to split. "
                         "Argument provided: %s" % (num_or_size_splits,))
    if num is None:
        if size_splits.shape.rank is not None:
            num = size_splits.shape[0]
        if num is None:
            raise ValueError("Cannot infer num from shape %s" % (num_or_size_splits,))
    return list(_gen("SplitV", [value, size_splits, axis], {"num_split": num}, name, "split").outputs)


@register_kernel("Tile", host_inputs=(1,))
def _tile(ctx, x, multiples):
    if np.ndim(multiples) != 1:
        raise _invalid("Expected multiples argument to be a vector of length %d but got shape %s",
                       x.ndim, _dbg(np.shape(multiples)))
    m = _host_ints(multiples)
    if len(m) != x.ndim:
        raise _invalid("Expected multiples argument to be a vector of length %d but got length %d", x.ndim, len(m))
    for i, v in enumerate(m):
        if v < 0:
            raise _invalid("Expected multiples[%d] >= 0, but got %d", i, v)
    return ctx.xp.tile(x, m) if x.ndim else x.copy()


@register_shape("Tile")
def _tile_shape(op):
    s = op.inputs[0].shape
    mshape = op.inputs[1].shape
    if mshape.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d for 'multiples'" % mshape.rank)
    m = constant_shape(op.inputs[1])
    if s.rank is not None:
        if m.rank is not None and m.rank != s.rank:
            raise ValueError("Shape must be rank %d but is rank %d: 'multiples' %s has %d entries for an input "
                             "of shape %s" % (s.rank, m.rank, _shape_str(m), m.rank, _shape_str(s)))
        if m.rank is None:
            m = unknown_shape(s.rank)
    if m.rank is None:
        return [unknown_shape()]
    dims = s.dims if s.rank is not None else [None] * m.rank
    out = []
    for d, k in zip(dims, m.dims):
        out.append(0 if d == 0 or k == 0 else (None if d is None or k is None else d * k))
    return [TensorShape(out)]


@register_gradient("Tile")
def _tile_grad(op, grad):
    from tagraph.engine.ops import math_ops
    input_shape = shape(op.inputs[0], out_type=op.inputs[1].dtype.base_dtype)
    split_shape = reshape(transpose(stack([op.inputs[1], input_shape])), [-1])
    axes = _gen1("Range", [0, size(split_shape), 2])
    g = math_ops.reduce_sum(reshape(grad, split_shape), axes)
    g.set_shape(op.inputs[0].shape)
    return [g, None]


def tile(input, multiples, name=None):  # noqa: A002
    """``input`` repeated ``multiples[i]`` times along each dimension i."""
    return _gen1("Tile", [input, multiples], name=name, default_name="Tile")


@register_kernel("BroadcastTo", host_inputs=(1,))
def _broadcast_to(ctx, x, target):
    if np.ndim(target) != 1:
        raise _invalid("shape must be a vector, got shape %s", _dbg(np.shape(target)))
    out = _host_ints(target)
    for d in out:
        if d < 0:
            raise _invalid("Dimension %d must be >= 0", d)
    if x.ndim > len(out):
        raise _invalid("Rank of input (%d) must be no greater than rank of output shape (%d).", x.ndim, len(out))
    for i, d in zip(_py_range(-1, -x.ndim - 1, -1), reversed(x.shape)):
        o = out[i]
        if d != o and d != 1:
            if o == 1:
                raise _invalid("Unable to broadcast tensor of shape %s to tensor of shape %s",
                               _dbg(x.shape), _dbg(out))
            raise _invalid("Incompatible shapes: %s vs. %s", _dbg(x.shape), _dbg(out))
    return ctx.xp.broadcast_to(x, out).copy()


@register_shape("BroadcastTo")
def _broadcast_to_shape(op):
    if op.inputs[1].shape.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d for 'shape'" % op.inputs[1].shape.rank)
    out = constant_shape(op.inputs[1])
    s = op.inputs[0].shape
    if out.rank is None or s.rank is None:
        return [out]
    if s.rank > out.rank:
        raise ValueError("Shape must be at most rank %d but is rank %d" % (out.rank, s.rank))
    dims = out.dims
    for i in _py_range(1, s.rank + 1):
        d = s.dims[-i]
        if d is not None and d > 1:
            o = dims[-i]
            if o is not None and o != d:
                raise ValueError("Dimensions must be equal, but are %d and %d: cannot broadcast a tensor of "
                                 "shape %s to shape %s" % (d, o, _shape_str(s), _shape_str(out)))
            dims[-i] = d
    return [TensorShape(dims)]


def broadcast_to(input, shape, name=None):  # noqa: A002,F811
    """``input`` broadcast (numpy rules) to ``shape``."""
    return _gen1("BroadcastTo", [input, shape], name=name, default_name="BroadcastTo")


def _broadcast_dims(a, b, fmt):
    n = max(len(a), len(b))
    x = [1] * (n - len(a)) + list(a)
    y = [1] * (n - len(b)) + list(b)
    out = []
    for p, q in zip(x, y):
        if p == q or q == 1:
            out.append(p)
        elif p == 1:
            out.append(q)
        else:
            raise fmt()
    return out


@register_kernel("BroadcastArgs", host_inputs=(0, 1), host_outputs=(0,))
def _broadcast_args(ctx, s0, s1):
    for i, s in enumerate((s0, s1)):
        if np.ndim(s) != 1:
            raise _invalid("In[%d] must be a vector.%s", i, _dbg(np.shape(s)))
    a, b = _host_ints(s0), _host_ints(s1)
    out = _broadcast_dims(a, b, lambda: _invalid("Incompatible shapes: %s vs. %s", _dbg(a), _dbg(b)))
    return np.array(out, dtype=np.asarray(s0).dtype)


@register_shape("BroadcastArgs")
def _broadcast_args_shape(op):
    a, b = op.inputs[0].shape, op.inputs[1].shape
    for s in (a, b):
        if s.rank not in (None, 1):
            raise ValueError("Shape must be rank 1 but is rank %d" % s.rank)
    if a.rank is None or b.rank is None or a[0] is None or b[0] is None:
        return [TensorShape([None])]
    return [TensorShape([max(a[0], b[0])])]


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape (a 1-D tensor) of broadcasting tensors of shapes ``shape_x`` and ``shape_y``."""
    return _gen1("BroadcastArgs", [shape_x, shape_y], default_name="BroadcastArgs")


def broadcast_static_shape(shape_x, shape_y):
    """The TensorShape of broadcasting two TensorShapes; ValueError when they cannot broadcast."""
    return common_shapes.broadcast_shapes(as_shape(shape_x), as_shape(shape_y))


@register_kernel("ReverseV2", host_inputs=(1,))
def _reverse_v2(ctx, x, axis):
    if np.ndim(axis) != 1:
        raise _invalid("'dims' must be 1-dimension, not %d", np.ndim(axis))
    r = x.ndim
    seen = []
    for i, a in enumerate(_host_ints(axis)):
        c = a + r if a < 0 else a
        if not 0 <= c < r:
            raise _invalid("'axis'[%d] = %d is out of valid range [0, %d", i, a, r - 1)
        if c in seen:
            raise _invalid("axis %d specified more than once.", c)
        seen.append(c)
    return ctx.xp.flip(x, axis=tuple(seen)).copy() if seen else x.copy()


@register_shape("ReverseV2")
def _reverse_v2_shape(op):
    s = op.inputs[0].shape
    if op.inputs[1].shape.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d for 'axis'" % op.inputs[1].shape.rank)
    v = constant_value(op.inputs[1])
    if v is not None and s.rank is not None:
        r = s.rank
        seen = set()
        for i, a in enumerate(int(a) for a in np.reshape(v, [-1])):
            c = a + r if a < 0 else a
            if not 0 <= c < r:
                raise ValueError("'axis'[%d] = %d is out of valid range [0, %d" % (i, a, r - 1))
            if c in seen:
                raise ValueError("axis %d specified more than once." % c)
            seen.add(c)
    return [s]


@register_gradient("ReverseV2")
def _reverse_v2_grad(op, grad):
    return [reverse(grad, op.inputs[1]), None]


def reverse(tensor, axis, name=None):
    """``tensor`` with the dimensions in ``axis`` reversed (ReverseV2)."""
    return _gen1("ReverseV2", [tensor, axis], name=name, default_name="ReverseV2")


reverse_v2 = reverse


# --- slicing ------------------------------------------------------------------------------------

@register_kernel("Slice", host_inputs=(1, 2))
def _slice(ctx, x, begin, size_):
    r = x.ndim
    if np.ndim(begin) != 1 or np.ndim(size_) != 1 or np.size(begin) != r or np.size(size_) != r:
        raise _invalid("Expected begin and size arguments to be 1-D tensors of size %d, but got shapes %s and %s "
                       "instead.", r, _dbg(np.shape(begin)), _dbg(np.shape(size_)))
    index = []
    for i, (b, s) in enumerate(zip(_host_ints(begin), _host_ints(size_))):
        n = x.shape[i]
        if s == -1:
            s = n - b
        if not 0 <= b <= n:
            raise _invalid("Expected begin[%d] in [0, %d], but got %d", i, n, b)
        if not (0 <= s and b + s <= n):
            raise _invalid("Expected size[%d] in [0, %d], but got %d", i, n - b, s)
        index.append(_BaseSlice(b, b + s))
    return x[tuple(index)].copy()


@register_shape("Slice")
def _slice_shape(op):
    s = op.inputs[0].shape
    for t, what in ((op.inputs[1], "begin"), (op.inputs[2], "size")):
        if t.shape.rank not in (None, 1):
            raise ValueError("Shape must be rank 1 but is rank %d for '%s'" % (t.shape.rank, what))
    try:
        n = op.inputs[1].shape.merge_with(op.inputs[2].shape)
    except ValueError:
        raise ValueError("begin and size must have the same length, got shapes %s and %s"
                         % (_shape_str(op.inputs[1].shape), _shape_str(op.inputs[2].shape))) from None
    if n.rank is not None and n[0] is not None and s.rank is not None and s.rank != n[0]:
        raise ValueError("Shape must be rank %d but is rank %d for the sliced input" % (n[0], s.rank))
    begin = constant_shape(op.inputs[1])   # partly known values; a negative begin is refused at run time
    sizes = constant_value(op.inputs[2])
    if sizes is not None:
        sizes = [int(v) for v in np.reshape(sizes, [-1])]
        dims = s.dims if s.rank is not None else [None] * len(sizes)
        bdims = begin.dims if begin.rank is not None else [None] * len(sizes)
        out = []
        for i, v in enumerate(sizes):
            if v == -1:
                if dims[i] is None or bdims[i] is None:
                    out.append(None)
                else:
                    if dims[i] - bdims[i] < 0:
                        raise ValueError("Negative dimension size caused by subtracting %d from %d"
                                         % (bdims[i], dims[i]))
                    out.append(dims[i] - bdims[i])
            elif v < 0:
                raise ValueError("Out of bounds slicing on dimension %d of length %s: sizes vector cannot be < -1, "
                                 "but was %d" % (i, dims[i], v))
            else:
                if dims[i] is not None and bdims[i] is not None and bdims[i] + v > dims[i]:
                    raise ValueError("Expected size[%d] in [0, %d], but got %d" % (i, dims[i] - bdims[i], v))
                out.append(v)
        return [TensorShape(out)]
    partial = constant_shape(op.inputs[2])
    if partial.rank is not None:
        return [partial]
    return [unknown_shape(s.rank)]


@register_gradient("Slice")
def _slice_grad(op, grad):
    from tagraph.engine.ops import math_ops
    x, begin = op.inputs[0], op.inputs[1]
    r = rank(x)
    before = reshape(begin, stack([r, 1]))
    after = reshape(math_ops.subtract(math_ops.subtract(shape(x, out_type=begin.dtype),
                                                        shape(op.outputs[0], out_type=begin.dtype)), begin),
                    stack([r, 1]))
    return [pad(grad, concat([before, after], 1)), None, None]


def slice(input_, begin, size, name=None):  # noqa: A001 - TensorFlow's name
    """The block of ``input_`` starting at ``begin`` with ``size`` (-1: to the end) in each dimension."""
    return _gen1("Slice", [input_, begin, size], name=name, default_name="Slice")


_NEW_AXIS, _SHRINK_AXIS = -2, -1


def _strided_slice_plan(shape_, begin, end, strides, begin_mask, end_mask, ellipsis_mask, new_axis_mask,
                        shrink_axis_mask):
    """TensorFlow's ValidateStridedSliceOp on Python lists.

    ``shape_`` has -1 for unknown dimensions; ``begin``/``end`` are None when unknown. Returns
    (dense begin, end, strides, shrink flags, processing shape, final shape) with -1 for unknown sizes;
    raises ValueError with TensorFlow's message for an invalid spec.
    """
    n = len(strides)
    if (begin is not None and len(begin) != n) or (end is not None and len(end) != n) or n >= 32:
        if begin is not None and end is not None:
            raise ValueError("Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
                             "[%d], [%d], and [%d] instead." % (len(begin), len(end), n))
        raise ValueError("Expected begin, end, and strides to be 1D equal size tensors, but got shape [%d] for "
                         "strides." % n)
    if ellipsis_mask & (ellipsis_mask - 1):
        raise ValueError("Multiple ellipses in slice spec not allowed")
    # Step 1: account for the ellipsis (an implicit one at the end) and new axes after it.
    ellipsis_seen, new_after_ellipsis = False, 0
    for i in _py_range(n):
        if ellipsis_seen and (1 << i) & new_axis_mask:
            new_after_ellipsis += 1
        if (1 << i) & ellipsis_mask:
            ellipsis_seen = True
    sparse_dims = n
    if not ellipsis_seen:
        ellipsis_mask |= 1 << n
        sparse_dims += 1
    # Step 2: the sparse spec to one entry per input dimension.
    dims = len(shape_)
    d_begin, d_end, d_strides = [0] * dims, [0] * dims, [1] * dims
    d_bmask = d_emask = d_shrink = 0
    gather_idx = []
    full = 0
    for i in _py_range(sparse_dims):
        bit = 1 << i
        if bit & ellipsis_mask:
            nxt = min(dims - (sparse_dims - i) + 1 + new_after_ellipsis, dims)
            while full < nxt:
                d_begin[full] = d_end[full] = 0
                d_strides[full] = 1
                d_bmask |= 1 << full
                d_emask |= 1 << full
                gather_idx.append(full)
                full += 1
        elif bit & new_axis_mask:
            gather_idx.append(_NEW_AXIS)
        else:
            if full == dims:
                raise ValueError("Index out of range using input dim %d; input has only %d dims" % (full, dims))
            if begin is not None:
                d_begin[full] = begin[i]
            if end is not None:
                d_end[full] = end[i]
            d_strides[full] = strides[i]
            if begin_mask & bit:
                d_bmask |= 1 << full
            if end_mask & bit:
                d_emask |= 1 << full
            if shrink_axis_mask & bit:
                gather_idx.append(_SHRINK_AXIS)
                d_shrink |= 1 << full
            else:
                gather_idx.append(full)
            full += 1
    # Step 3: explicit ranges, bounds checks, and the shape of the strided region.
    known = begin is not None and end is not None
    processing = []
    shrink = []
    for i in _py_range(dims):
        b, e, s = d_begin[i], d_end[i], d_strides[i]
        dim = shape_[i]
        if s == 0:
            raise ValueError("strides[%d] must be non-zero" % i)
        shrink_i = bool(d_shrink & (1 << i))
        shrink.append(shrink_i)
        if dim == -1:
            processing.append(1 if shrink_i else -1)
            continue
        masks = (d_bmask & (1 << i), d_emask & (1 << i))
        valid = (0, dim) if s > 0 else (-1, dim - 1)

        def canonical(x, c, s=s, dim=dim, masks=masks, valid=valid):
            if masks[c]:
                return valid[c] if s > 0 else valid[(c + 1) & 1]
            x_fwd = dim + x if x < 0 else x
            return valid[0] if x_fwd < valid[0] else (valid[1] if x_fwd > valid[1] else x_fwd)

        if shrink_i and s <= 0:
            raise ValueError("only stride 1 allowed on non-range indexing.")
        both_masked = bool(masks[0] and masks[1])
        if known:
            if shrink_i:
                x_fwd = dim + b if b < 0 else b
                b, e = x_fwd, x_fwd + 1
                if x_fwd < 0 or x_fwd >= dim:
                    raise ValueError("slice index %d of dimension %d out of bounds." % (x_fwd, i))
            else:
                b, e = canonical(b, 0), canonical(e, 1)
            d_begin[i], d_end[i] = b, e
        interval = None
        if known:
            interval = e - b
        elif shrink_i:
            interval = 1
        elif both_masked and dim > 0:
            interval = -dim if s < 0 else dim
        if interval is None:
            processing.append(-1)
        elif interval == 0 or ((interval < 0) != (s < 0)):
            processing.append(0)
        else:
            processing.append(interval // s + (1 if interval % s else 0))
    # Step 4: the final shape (new axes add a 1, shrunk axes go).
    final = []
    for gi in gather_idx:
        if gi >= 0:
            final.append(processing[gi])
        elif gi == _NEW_AXIS:
            final.append(1)
    return d_begin, d_end, d_strides, shrink, processing, final


_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


@register_kernel("StridedSlice", host_inputs=(1, 2, 3))
def _strided_slice(ctx, x, begin, end, strides):
    for t in (begin, end, strides):
        if np.ndim(t) != 1:
            raise _invalid("Expected begin, end, and strides to be 1D equal size tensors, but got shapes %s, %s, "
                           "and %s instead.", _dbg(np.shape(begin)), _dbg(np.shape(end)), _dbg(np.shape(strides)))
    try:
        b, e, s, shrink, processing, final = _strided_slice_plan(
            list(x.shape), _host_ints(begin), _host_ints(end), _host_ints(strides),
            *[ctx.attrs.get(m, 0) for m in _MASKS])
    except ValueError as err:
        raise _invalid(str(err)) from None
    index = []
    for bi, ei, si, sh, n in zip(b, e, s, shrink, processing):
        if sh:
            index.append(_BaseSlice(bi, bi + 1))
        elif n == 0:
            index.append(_BaseSlice(0, 0))
        else:
            index.append(_BaseSlice(bi, ei if ei >= 0 else None, si))
    return x[tuple(index)].reshape(final).copy()


@register_shape("StridedSlice")
def _strided_slice_shape(op):
    s = op.inputs[0].shape
    n = unknown_shape(1)
    for t in op.inputs[1:]:
        if t.shape.rank not in (None, 1):
            raise ValueError("Shape must be rank 1 but is rank %d for begin, end and strides" % t.shape.rank)
        try:
            n = n.merge_with(t.shape.with_rank(1) if t.shape.rank is not None else unknown_shape(1))
        except ValueError:
            raise ValueError("begin, end and strides must have the same length, got shapes %s"
                             % ", ".join(_shape_str(u.shape) for u in op.inputs[1:])) from None
    strides = constant_value(op.inputs[3])
    if s.rank is None or n[0] is None or strides is None:
        return [unknown_shape()]
    begin = constant_value(op.inputs[1])
    end = constant_value(op.inputs[2])
    _, _, _, _, _, final = _strided_slice_plan(
        [-1 if d is None else d for d in s.dims],
        None if begin is None else [int(v) for v in np.reshape(begin, [-1])],
        None if end is None else [int(v) for v in np.reshape(end, [-1])],
        [int(v) for v in np.reshape(strides, [-1])], *[op.get_attr(m) for m in _MASKS])
    return [TensorShape([None if d < 0 else d for d in final])]


def _partial_shape_vector(t):
    """A 1-D shape tensor's value with -1 for unknown entries (Shape of a partly known shape), or None."""
    v = constant_value(t)
    if v is not None:
        return np.asarray(v)
    ps = constant_shape(t)
    if ps.rank is None or t.op.type not in ("Shape", "ConcatV2", "Pack"):
        return None
    return np.array([-1 if d is None else d for d in ps.dims], dtype=t.dtype.as_numpy_dtype)


@_register_constant_value("StridedSlice")
def _strided_slice_value(tensor):
    v = _fold(tensor)
    if v is not None or tensor.op.inputs[0].op.type != "Shape":
        return v
    # shape(x)[i] is known when dimension i of x is, as TensorFlow's shape refiner finds.
    partial = _partial_shape_vector(tensor.op.inputs[0])
    spec = [constant_value(t) for t in tensor.op.inputs[1:]]
    if partial is None or any(p is None for p in spec):
        return None
    from tagraph.engine.framework.attr_value import attr_value_to_python
    attrs = {m: attr_value_to_python(tensor.op._attrs[m]) for m in _MASKS}
    try:
        out = _strided_slice(_KernelContext(attrs, np, None, tensor.op.name, tensor.op, None), partial,
                             *[np.asarray(p) for p in spec])
    except (errors.OpError, ValueError):
        return None
    return None if (out < 0).any() else out


@_register_constant_shape("StridedSlice")
def _strided_slice_partial_shape(tensor):
    # TensorFlow's constant_value_as_shape: shape(x)[a:b:c] keeps what is known of x's shape.
    op = tensor.op
    spec = [constant_value(t) for t in op.inputs[1:]]
    if any(p is None for p in spec) or any(np.size(p) != 1 for p in spec):
        return None
    b, e, s = (int(np.reshape(p, [-1])[0]) for p in spec)
    bm, em = op.get_attr("begin_mask"), op.get_attr("end_mask")
    if op.get_attr("ellipsis_mask") or op.get_attr("new_axis_mask") or op.get_attr("shrink_axis_mask") or \
            bm not in (0, 1) or em not in (0, 1):
        return None
    prev = constant_shape(op.inputs[0])
    if prev.rank is None:
        return None
    return TensorShape(prev.dims[None if bm else b:None if em else e:s])


@register_gradient("StridedSlice")
def _strided_slice_grad(op, grad):
    begin, end, strides = op.inputs[1:]
    x_shape = shape(op.inputs[0], out_type=begin.dtype.base_dtype)
    return [_gen1("StridedSliceGrad", [x_shape, begin, end, strides, grad],
                  {m: op.get_attr(m) for m in _MASKS}, default_name="StridedSliceGrad"), None, None, None]


@register_kernel("StridedSliceGrad", host_inputs=(0, 1, 2, 3))
def _strided_slice_grad_kernel(ctx, x_shape, begin, end, strides, dy):
    dims = _host_ints(x_shape)
    try:
        b, e, s, shrink, processing, final = _strided_slice_plan(
            dims, _host_ints(begin), _host_ints(end), _host_ints(strides), *[ctx.attrs.get(m, 0) for m in _MASKS])
    except ValueError as err:
        raise _invalid(str(err)) from None
    if list(dy.shape) != final:
        raise _invalid("shape of dy was %s instead of %s", _dbg(dy.shape), _dbg(final))
    out = ctx.xp.zeros(dims, dtype=dy.dtype)
    index = []
    for bi, ei, si, sh, n in zip(b, e, s, shrink, processing):
        if sh:
            index.append(_BaseSlice(bi, bi + 1))
        elif n == 0:
            index.append(_BaseSlice(0, 0))
        else:
            index.append(_BaseSlice(bi, ei if ei >= 0 else None, si))
    out[tuple(index)] = dy.reshape(processing)
    return out


@register_shape("StridedSliceGrad")
def _strided_slice_grad_shape(op):
    return [constant_shape(op.inputs[0])]


@register_gradient("StridedSliceGrad")
def _strided_slice_grad_grad(op, grad):
    return [None, None, None, None, strided_slice(grad, *op.inputs[1:4], name="StridedSlice",
                                                  **{m: op.get_attr(m) for m in _MASKS})]


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    """Python's extended slicing as an op; ``x[1:, ::-1, tg.newaxis, ..., 0]`` builds one of these."""
    if strides is None:
        strides = ones_like(begin)
    return _gen1("StridedSlice", [input_, begin, end, strides],
                 {"begin_mask": begin_mask, "end_mask": end_mask, "ellipsis_mask": ellipsis_mask,
                  "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask}, name, "StridedSlice")


_SLICE_TYPE_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 "
                     "tensors are valid indices")


def _check_index(idx):
    if isinstance(idx, _numbers.Integral) and not isinstance(idx, bool):
        return
    dtype = getattr(idx, "dtype", None)
    try:
        dt = None if dtype is None else dtypes.as_dtype(dtype).base_dtype
    except TypeError:
        dt = None
    shape_ = getattr(idx, "shape", None)
    r = shape_.rank if isinstance(shape_, TensorShape) else (None if shape_ is None else len(shape_))
    if dt not in (dtypes.int32, dtypes.int64) or r == 1:
        raise TypeError(_SLICE_TYPE_ERROR + ", got {!r}".format(idx))


def _slice_helper(tensor, slice_spec, var=None):
    """``Tensor.__getitem__``: TensorFlow's slicing sugar, one StridedSlice op named ``strided_slice``
    whose begin, end and strides are packed into ``strided_slice/stack``, ``stack_1`` and ``stack_2``."""
    if isinstance(slice_spec, bool) or (isinstance(slice_spec, Tensor) and slice_spec.dtype.base_dtype == dtypes.bool) \
            or (isinstance(slice_spec, np.ndarray) and slice_spec.dtype == bool):
        return boolean_mask(tensor=tensor, mask=slice_spec)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    new_axis_mask = shrink_axis_mask = begin_mask = end_mask = ellipsis_mask = 0
    for index, s in enumerate(slice_spec):
        if isinstance(s, _BaseSlice):
            if s.start is not None:
                _check_index(s.start)
                begin.append(s.start)
            else:
                begin.append(0)
                begin_mask |= 1 << index
            if s.stop is not None:
                _check_index(s.stop)
                end.append(s.stop)
            else:
                end.append(0)
                end_mask |= 1 << index
            if s.step is not None:
                _check_index(s.step)
                strides.append(s.step)
            else:
                strides.append(1)
        elif s is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            ellipsis_mask |= 1 << index
        elif s is newaxis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            new_axis_mask |= 1 << index
        else:
            _check_index(s)
            begin.append(s)
            end.append(s + 1)
            strides.append(1)
            shrink_axis_mask |= 1 << index
    g = tensor.graph
    with g.as_default(), g.name_scope("strided_slice") as name:
        if begin:
            packed = [stack(begin), stack(end), stack(strides)]
            if any(p.dtype.base_dtype == dtypes.int64 for p in packed):
                packed = [p if p.dtype.base_dtype == dtypes.int64 else
                          make_op("Cast", [p], {"DstT": dtypes.int64, "Truncate": False}, name="Cast")
                          for p in packed]
        else:
            from tagraph.engine.ops.constant_op import constant
            empty = constant([], dtype=dtypes.int32)
            packed = [empty, empty, empty]
        return strided_slice(tensor, *packed, begin_mask=begin_mask, end_mask=end_mask,
                             shrink_axis_mask=shrink_axis_mask, new_axis_mask=new_axis_mask,
                             ellipsis_mask=ellipsis_mask, var=var, name=name)


register_tensor_operators(getitem=_slice_helper)


def _flatten(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def _autopacking_conversion(value, dtype=None, name=None, preferred_dtype=None):
    # A list holding tensors becomes one Pack op, as TensorFlow's autopacking does; others are constants.
    if not any(_is_tensor_like(v) for v in _flatten(value)):
        return NotImplemented
    return stack([convert_to_tensor(v, dtype) for v in value], name=name or "packed")


register_tensor_conversion_function((list, tuple), _autopacking_conversion, priority=99)


# --- gathering ----------------------------------------------------------------------------------

def _check_gather_indices(xp, indices, limit):
    if not indices.size:
        return
    bad = (indices < 0) | (indices >= limit)
    if bool(bad.any()):
        pos = int(xp.argmax(bad.reshape(-1)))
        where_ = np.unravel_index(pos, indices.shape) if indices.ndim else ()
        raise _invalid("indices%s = %d is not in [0, %d)", "[%s]" % ",".join(str(int(i)) for i in where_)
                       if indices.ndim else "", int(indices.reshape(-1)[pos]), limit)


def _gather(xp, params, indices, axis, batch_dims):
    if params.ndim < 1:
        raise _invalid("params must be at least 1 dimensional")
    _check_gather_indices(xp, indices, params.shape[axis])
    if not batch_dims:
        return xp.take(params, indices, axis=axis)
    batch = params.shape[:batch_dims]
    nb = int(np.prod(batch, dtype=np.int64))
    out_shape = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]
    if nb == 0:
        return xp.empty(out_shape, dtype=params.dtype)
    p = params.reshape((nb,) + params.shape[batch_dims:])
    i = indices.reshape((nb,) + indices.shape[batch_dims:])
    parts = [xp.take(p[k], i[k], axis=axis - batch_dims) for k in _py_range(nb)]
    return xp.stack(parts).reshape(out_shape)


@register_kernel("GatherV2", host_inputs=(2,))
def _gather_v2(ctx, params, indices, axis):
    a = _scalar_int(np.asarray(axis), "axis")
    r = params.ndim
    if not -r <= a < r:
        raise _invalid("Expected axis in the range [%d, %d), but got %d", -r, r, a)
    if a < 0:
        a += r
    bd = ctx.attrs.get("batch_dims", 0)
    if bd:
        if not -indices.ndim <= bd <= indices.ndim:
            raise _invalid("Expected batch_dims in the range [%d, %d], but got %d", -indices.ndim, indices.ndim, bd)
        if bd < 0:
            bd += indices.ndim
        if bd >= r:
            raise _invalid("batch_dims (%d) must be less than rank(params) (%d).", bd, r)
        if a < bd:
            raise _invalid("batch_dims (%d) must be less than or equal to axis (%d).", bd, a)
        for i in _py_range(bd):
            if params.shape[i] != indices.shape[i]:
                raise _invalid("params.shape[%d]: %d should be equal to indices.shape[%d]: %d",
                               i, params.shape[i], i, indices.shape[i])
    return _gather(ctx.xp, params, indices, a, bd)


@register_shape("GatherV2")
def _gather_v2_shape(op):
    p, i = op.inputs[0].shape, op.inputs[1].shape
    if p.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'params'")
    if op.inputs[2].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for 'axis'" % op.inputs[2].shape.rank)
    axis = constant_value(op.inputs[2])
    if axis is None:
        if p.rank is not None and i.rank is not None:
            return [unknown_shape(p.rank + i.rank - 1 - _batch_dims_of(op, i))]
        return [unknown_shape()]
    a = int(axis)
    if p.rank is not None and not -p.rank <= a < p.rank:
        raise ValueError("Shape must be at least rank %d but is rank %d" % (-a if a < 0 else a + 1, p.rank))
    bd = op.get_attr("batch_dims")
    if i.rank is not None:
        if abs(bd) > i.rank:
            raise ValueError("Shape must be at least rank %d but is rank %d for 'indices'" % (abs(bd), i.rank))
        if bd < 0:
            bd += i.rank
    if p.rank is None or i.rank is None:
        return [unknown_shape()]
    if bd >= p.rank:
        raise ValueError("Shape must be at least rank %d but is rank %d for 'params'" % (bd + 1, p.rank))
    a %= p.rank
    return [TensorShape(p.dims[:a] + i.dims[bd:] + p.dims[a + 1:])]


def _batch_dims_of(op, indices_shape):
    bd = op.get_attr("batch_dims")
    return bd + indices_shape.rank if bd < 0 else bd


@register_kernel("Gather")
def _gather_legacy(ctx, params, indices):
    return _gather(ctx.xp, params, indices, 0, 0)


@register_shape("Gather")
def _gather_legacy_shape(op):
    p, i = op.inputs[0].shape, op.inputs[1].shape
    if p.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'params'")
    if p.rank is None or i.rank is None:
        return [unknown_shape()]
    return [TensorShape(i.dims + p.dims[1:])]


not_differentiable("Where", "Range", "OneHot", "BroadcastArgs", "InvertPermutation", "Unique")


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    """Slices of ``params`` along ``axis`` at ``indices`` (GatherV2; ``batch_dims`` leading dimensions
    of params and indices are batch dimensions)."""
    del validate_indices
    if axis is None:
        axis = batch_dims
    return _gen1("GatherV2", [params, indices, axis], {"batch_dims": batch_dims}, name, "GatherV2")


# --- masks and indices --------------------------------------------------------------------------

@register_kernel("Where", host_outputs=(0,))
def _where(ctx, x):
    idx = ctx.xp.argwhere(x)
    return ctx.device.backend.download(idx).astype(np.int64) if ctx.xp is not np else idx.astype(np.int64)


@register_shape("Where")
def _where_shape(op):
    r = op.inputs[0].shape.rank
    return [TensorShape([None, r])]


def _where_op(condition, name=None):
    """The coordinates of the true elements of ``condition`` (Where); ``tg.where`` lives in math_ops."""
    g = _graph_of([condition])
    with g.as_default(), g.name_scope(name or "Where") as scope:
        c = convert_to_tensor(condition, name="condition", preferred_dtype=dtypes.bool)
        return make_op("Where", [c], name=scope)


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of ``tensor`` where ``mask`` (K-D, matching K dimensions of ``tensor`` from
    ``axis``) is true, flattened over those K dimensions."""
    from tagraph.engine.ops import math_ops

    g = _graph_of([tensor, mask])
    with g.as_default(), g.name_scope(name or "boolean_mask"):
        tensor = convert_to_tensor(tensor, name="tensor")
        mask = convert_to_tensor(mask, name="mask")
        shape_mask = mask.get_shape()
        ndims_mask = shape_mask.rank
        shape_tensor = tensor.get_shape()
        if ndims_mask == 0:
            raise ValueError("mask cannot be scalar.")
        if ndims_mask is None:
            raise ValueError("Number of mask dimensions must be specified, even if some dimensions are None.  "
                             "E.g. shape=[None] is ok, but shape=None is not.")
        axis = 0 if axis is None else axis
        part = shape_tensor[axis:axis + ndims_mask]
        if not part.is_compatible_with(shape_mask):
            raise ValueError("Shapes %s and %s are incompatible" % (part, shape_mask))
        leading_size = math_ops.reduce_prod(shape(tensor)[axis:axis + ndims_mask], [0])
        tensor = reshape(tensor, concat([shape(tensor)[:axis], [leading_size],
                                         shape(tensor)[axis + ndims_mask:]], 0))
        if shape_tensor.rank is not None:
            tensor.set_shape(shape_tensor.dims[:axis] + [part.num_elements()] +
                             shape_tensor.dims[axis + ndims_mask:])
        mask = reshape(mask, [-1])
        indices = squeeze(_where_op(mask), axis=[1])
        return gather(tensor, indices, axis=axis)


@register_kernel("OneHot", host_inputs=(1,))
def _one_hot(ctx, indices, depth, on_value, off_value):
    xp = ctx.xp
    axis = ctx.attrs["axis"]
    out_dims = indices.ndim + 1
    if not (axis == -1 or 0 <= axis < out_dims):
        raise _invalid("Expected axis to be -1 or between [0, %d).  But received: %d", out_dims, axis)
    d = _scalar_int(np.asarray(depth), "depth")
    if d < 0:
        raise _invalid("depth must be non-negative, got: %d", d)
    if on_value.ndim != 0:
        raise _invalid("on_value must be a scalar, but got: %s", _dbg(on_value.shape))
    if off_value.ndim != 0:
        raise _invalid("off_value must be a scalar, but got: %s", _dbg(off_value.shape))
    # Indices outside [0, depth), negative ones included, match no column: their rows are off_value.
    hot = indices[..., None] == xp.arange(d)
    out = xp.where(hot, on_value, off_value)
    if out.dtype != on_value.dtype:
        out = out.astype(on_value.dtype)
    if axis != -1 and axis != out_dims - 1:
        out = xp.moveaxis(out, -1, axis).copy()
    return out


@register_shape("OneHot")
def _one_hot_shape(op):
    axis = op.get_attr("axis")
    if axis < -1:
        raise ValueError("axis must be >= -1")
    for t, what in ((op.inputs[1], "depth"), (op.inputs[2], "on_value"), (op.inputs[3], "off_value")):
        if t.shape.rank not in (None, 0):
            raise ValueError("Shape must be rank 0 but is rank %d for '%s'" % (t.shape.rank, what))
    depth = constant_value(op.inputs[1])
    if depth is not None and int(depth) < 0:
        raise ValueError("Dimension size, given by scalar input 1, must be non-negative but is %d" % int(depth))
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    new_rank = s.rank + 1
    if axis >= new_rank:
        raise ValueError("Expected axis to be -1 or between [0, %d).  But received: %d" % (new_rank, axis))
    at = (axis + new_rank) % new_rank
    dims = s.dims
    dims.insert(at, None if depth is None else int(depth))
    return [TensorShape(dims)]


def _dtype_of_value(v):
    """The dtype ``convert_to_tensor(v)`` would give, without adding a Const to the graph."""
    if _is_tensor_like(v):
        return v.dtype.base_dtype
    from tagraph.engine.framework.tensor_util import to_numpy
    a = to_numpy(v)
    return dtypes.string if a.dtype == object else dtypes.as_dtype(a.dtype)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """A one-hot tensor: ``on_value`` where ``indices[...] == j`` along the new ``axis`` (default last),
    ``off_value`` elsewhere (indices outside ``[0, depth)`` give all-off rows)."""
    g = _graph_of([indices, depth, on_value, off_value])
    with g.as_default(), g.name_scope(name or "one_hot") as scope:
        on_exists, off_exists = on_value is not None, off_value is not None
        on_dtype = _dtype_of_value(on_value) if on_exists else None
        off_dtype = _dtype_of_value(off_value) if off_exists else None
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        if on_exists or off_exists:
            if dtype is not None:
                if on_exists and on_dtype != dtype:
                    raise TypeError("dtype {0} of on_value does not match dtype parameter {1}".format(on_dtype, dtype))
                if off_exists and off_dtype != dtype:
                    raise TypeError("dtype {0} of off_value does not match dtype parameter {1}"
                                    .format(off_dtype, dtype))
            else:
                dtype = on_dtype if on_exists else off_dtype
        elif dtype is None:
            dtype = dtypes.float32
        if not on_exists:
            on_value = convert_to_tensor(1, dtype, name="on_value")
            on_dtype = dtype
        if not off_exists:
            off_value = convert_to_tensor(0, dtype, name="off_value")
            off_dtype = dtype
        if on_dtype != off_dtype:
            raise TypeError("dtype {0} of on_value does not match dtype {1} of off_value".format(on_dtype, off_dtype))
        attrs = {"axis": -1 if axis is None else axis}
        return make_op("OneHot", [indices, depth, on_value, off_value], attrs, name=scope)


# --- padding ------------------------------------------------------------------------------------

def _pad_kernel(ctx, x, paddings, constant_values=None):
    p = np.asarray(paddings)
    if p.ndim != 2 or p.shape[1] != 2:
        raise _invalid("paddings must be a matrix with 2 columns: %s", _dbg(p.shape))
    if p.shape[0] != x.ndim:
        raise _invalid("The first dimension of paddings must be the rank of inputs%s %s", _dbg(p.shape),
                       _dbg(x.shape))
    if constant_values is not None and constant_values.ndim != 0:
        raise _invalid("constant_values must be a scalar. Got: %s", _dbg(constant_values.shape))
    rows = [(int(a), int(b)) for a, b in p.tolist()]
    for a, b in rows:
        if a < 0 or b < 0:
            raise _invalid("Paddings must be non-negative: %d %d", a, b)
    out_shape = [n + a + b for n, (a, b) in zip(x.shape, rows)]
    if x.dtype == object:
        out = np.full(out_shape, b"" if constant_values is None else constant_values[()], dtype=object)
    elif constant_values is None:
        out = ctx.xp.zeros(out_shape, dtype=x.dtype)
    else:
        out = ctx.xp.empty(out_shape, dtype=x.dtype)
        out[...] = constant_values
    out[tuple(_BaseSlice(a, a + n) for n, (a, _) in zip(x.shape, rows))] = x
    return out


register_kernel("Pad", host_inputs=(1,))(_pad_kernel)
register_kernel("PadV2", host_inputs=(1,))(_pad_kernel)


@register_shape("Pad", "PadV2")
def _pad_shape(op):
    s = op.inputs[0].shape
    ps = op.inputs[1].shape
    if ps.rank not in (None, 2):
        raise ValueError("Shape must be rank 2 but is rank %d for 'paddings'" % ps.rank)
    if ps.rank == 2 and ps[1] is not None and ps[1] != 2:
        raise ValueError("Dimension must be 2 but is %d for 'paddings'" % ps[1])
    n = ps[0] if ps.rank == 2 else None
    if n is not None and s.rank is not None and s.rank != n:
        raise ValueError("Shape must be rank %d but is rank %d: the first dimension of paddings must be the "
                         "rank of the input" % (n, s.rank))
    if op.type == "PadV2" and op.inputs[2].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for 'constant_values'" % op.inputs[2].shape.rank)
    p = constant_value(op.inputs[1])
    r = s.rank if s.rank is not None else n
    if p is None:
        return [unknown_shape(r)]
    p = np.asarray(p).reshape(-1, 2)
    if (p < 0).any():
        raise ValueError("Paddings must be non-negative")
    if s.rank is not None and s.rank != p.shape[0]:
        raise ValueError("Shape must be rank %d but is rank %d" % (p.shape[0], s.rank))
    dims = s.dims if s.rank is not None else [None] * p.shape[0]
    return [TensorShape([None if d is None else d + int(a) + int(b) for d, (a, b) in zip(dims, p.tolist())])]


@register_gradient("Pad", "PadV2")
def _pad_grad(op, grad):
    x, paddings = op.inputs[0], op.inputs[1]
    begin = reshape(slice(paddings, [0, 0], stack([rank(x), 1])), [-1])
    g = slice(grad, begin, shape(x, out_type=begin.dtype.base_dtype))
    return [g, None] + ([None] if op.type == "PadV2" else [])


def _paddings_constant(paddings):
    if isinstance(paddings, Tensor):
        v = constant_value(paddings)
        return None if v is None else np.asarray(v).tolist()
    if isinstance(paddings, (list, tuple)):
        return [_paddings_constant(p) for p in paddings]
    if _is_tensor_like(paddings):
        return None
    return paddings


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """``tensor`` padded by ``paddings`` (``[rank, 2]``: before and after each dimension).

    Only ``mode="CONSTANT"`` exists here: REFLECT and SYMMETRIC need TensorFlow's MirrorPad op, which is
    not among tagraph's op definitions.
    """
    mode = mode.upper()
    if mode == "CONSTANT":
        if not _is_tensor_like(constant_values) and np.ndim(constant_values) == 0 and constant_values == 0:
            result = _gen1("Pad", [tensor, paddings], name=name, default_name="Pad")
        else:
            result = _gen1("PadV2", [tensor, paddings, constant_values], name=name, default_name="PadV2")
    elif mode in ("REFLECT", "SYMMETRIC"):
        raise ValueError("Padding mode %s needs the MirrorPad op, which is not among tagraph's op definitions "
                         "(op_defs.pbtxt); only mode='CONSTANT' is supported" % mode)
    else:
        raise ValueError("Unknown padding mode: %s" % mode)
    # Restore what is known of the shape when some paddings are tensors, as TensorFlow does.
    const = _paddings_constant(paddings)
    in_shape = result.op.inputs[0].shape
    if in_shape.rank is not None and not result.shape.is_fully_defined() and isinstance(const, list) \
            and len(const) == in_shape.rank:
        dims = []
        for row, d in zip(const, in_shape.dims):
            if row is None or d is None or not isinstance(row, (list, tuple)) or \
                    any(not isinstance(v, (_numbers.Integral, np.integer)) for v in row):
                dims.append(None)
            else:
                dims.append(d + int(sum(row)))
        result.set_shape(dims)
    return result


# --- sequences, sets, scans and sorting -----------------------------------------------------------

def _num(v):
    """A scalar as TensorFlow's StrCat prints it (``5``, not ``5.0``)."""
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _range_size(start, limit, delta, np_type):
    """The length of Range(start, limit, delta) in ``np_type``; ValueError with TensorFlow's message."""
    if delta == 0:
        raise ValueError("Requires delta != 0: %s" % _num(delta))
    if delta > 0 and start > limit:
        raise ValueError("Requires start <= limit when delta > 0: %s/%s" % (_num(start), _num(limit)))
    if delta < 0 and start < limit:
        raise ValueError("Requires start >= limit when delta < 0: %s/%s" % (_num(start), _num(limit)))
    if np.dtype(np_type).kind in "iu":
        s, l, d = int(start), int(limit), int(delta)
        return (abs(l - s) + abs(d) - 1) // abs(d)
    t = np.dtype(np_type).type
    with np.errstate(all="ignore"):
        n = np.ceil(np.abs((t(limit) - t(start)) / t(delta)))
    if not np.isfinite(n) or n > np.iinfo(np.int64).max:
        raise ValueError("Requires ((limit - start) / delta) <= %d" % np.iinfo(np.int64).max)
    return int(n)


@register_kernel("Range", host_inputs=(0, 1, 2))
def _range_kernel(ctx, start, limit, delta):
    for v, what in ((start, "start"), (limit, "limit"), (delta, "delta")):
        if np.ndim(v) != 0:
            raise _invalid("%s must be a scalar, not shape %s", what, _dbg(np.shape(v)))
    np_type = ctx.attrs["Tidx"].as_numpy_dtype
    s, l, d = (np.asarray(v)[()] for v in (start, limit, delta))
    try:
        n = _range_size(s, l, d, np_type)
    except ValueError as err:
        raise _invalid(str(err)) from None
    xp = ctx.xp
    if np.dtype(np_type).kind in "iu":
        # Exact in int64, as start + i * delta is computed in TensorFlow's kernel.
        return (xp.arange(n, dtype=np.int64) * int(d) + int(s)).astype(np_type)
    t = np.dtype(np_type).type
    return xp.arange(n).astype(np_type) * t(d) + t(s)


@register_shape("Range")
def _range_shape(op):
    for t, what in zip(op.inputs, ("start", "limit", "delta")):
        if t.shape.rank not in (None, 0):
            raise ValueError("Shape must be rank 0 but is rank %d for '%s'" % (t.shape.rank, what))
    vals = [constant_value(t) for t in op.inputs]
    if any(v is None for v in vals):
        return [TensorShape([None])]
    np_type = op.get_attr("Tidx").as_numpy_dtype
    return [TensorShape([_range_size(*[np.asarray(v)[()] for v in vals], np_type=np_type)])]


_RANGE_HIERARCHY = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TensorFlow's name
    """``[start, start + delta, ...)`` up to ``limit``; the dtype is the widest of the arguments'
    (int32 < int64 < float32 < float64) unless ``dtype`` is given."""
    from tagraph.engine.ops import math_ops
    if limit is None:
        start, limit = 0, start
    g = _graph_of([start, limit, delta])
    with g.as_default(), g.name_scope(name or "range") as scope:
        args = []
        for v, what in ((start, "start"), (limit, "limit"), (delta, "delta")):
            args.append(v if isinstance(v, Tensor) else convert_to_tensor(v, dtype=dtype, name=what))
        if dtype is None:
            for a in args:
                if a.dtype.base_dtype not in _RANGE_HIERARCHY:
                    raise TypeError("range() arguments must be int32, int64, float32 or float64 when dtype is "
                                    "not given, got %s for %s" % (a.dtype.base_dtype.name, a.name))
            inferred = max((a.dtype.base_dtype for a in args), key=_RANGE_HIERARCHY.index)
        else:
            inferred = dtypes.as_dtype(dtype)
        args = [math_ops.cast(a, inferred) for a in args]
        return make_op("Range", args, name=scope)


_UniqueResult = _collections.namedtuple("Unique", ["y", "idx"])


@register_kernel("Unique")
def _unique(ctx, x):
    if x.ndim != 1:
        raise _invalid("unique expects a 1D vector.")
    xp = ctx.xp
    out_idx = ctx.attrs["out_idx"].as_numpy_dtype
    if x.size == 0:
        return x.copy(), xp.zeros(0, dtype=out_idx)
    # Unique values in order of first appearance, as TensorFlow's hash-map kernel gives them.
    values, first, inverse = xp.unique(x, return_index=True, return_inverse=True)
    order = xp.argsort(first)
    rank_of = xp.empty(order.shape, dtype=np.int64)
    rank_of[order] = xp.arange(order.shape[0])
    return values[order], rank_of[inverse.reshape(-1)].astype(out_idx)


@register_shape("Unique")
def _unique_shape(op):
    s = op.inputs[0].shape
    if s.rank not in (None, 1):
        raise ValueError("Shape must be rank 1 but is rank %d" % s.rank)
    return [TensorShape([None]), s.with_rank(1) if s.rank is not None else unknown_shape(1)]


def unique(x, out_idx=dtypes.int32, name=None):
    """``(y, idx)``: the distinct values of the 1-D ``x`` in order of appearance, and where each element
    of ``x`` is in ``y``."""
    op = _gen("Unique", [x], {"out_idx": out_idx}, name, "Unique")
    return _UniqueResult(*op.outputs)


@register_kernel("Cumsum", host_inputs=(1,))
def _cumsum(ctx, x, axis):
    xp = ctx.xp
    if np.ndim(axis) != 0:
        raise _invalid("ScanOp: axis must be a scalar, not %s", _dbg(np.shape(axis)))
    a = int(np.asarray(axis))
    r = x.ndim
    if not -r <= a < r:
        raise _invalid("ScanOp: Expected scan axis in the range [%d, %d), but got %d", -r, r, a)
    a %= r
    exclusive, rev = ctx.attrs.get("exclusive", False), ctx.attrs.get("reverse", False)
    if rev:
        x = xp.flip(x, axis=a)
    out = xp.cumsum(x, axis=a, dtype=x.dtype)
    if exclusive:
        shifted = xp.zeros_like(out)
        lead = (_BaseSlice(None),) * a
        shifted[lead + (_BaseSlice(1, None),)] = out[lead + (_BaseSlice(None, -1),)]
        out = shifted
    if rev:
        out = xp.flip(out, axis=a).copy()
    return out


@register_shape("Cumsum")
def _cumsum_shape(op):
    if op.inputs[1].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for 'axis'" % op.inputs[1].shape.rank)
    s = op.inputs[0].shape
    a = constant_value(op.inputs[1])
    if a is not None and s.rank is not None and not -s.rank <= int(a) < s.rank:
        raise ValueError("ScanOp: Expected scan axis in the range [%d, %d), but got %d" % (-s.rank, s.rank, int(a)))
    return [s]


@register_gradient("Cumsum")
def _cumsum_grad(op, grad):
    return [cumsum(grad, op.inputs[1], exclusive=op.get_attr("exclusive"), reverse=not op.get_attr("reverse")),
            None]


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along ``axis``; ``exclusive`` leaves each element out of its own sum, ``reverse``
    sums from the end."""
    g = _graph_of([x])
    with g.as_default(), g.name_scope(name or "Cumsum") as scope:
        x = convert_to_tensor(x, name="x")
        return make_op("Cumsum", [x, axis], {"exclusive": bool(exclusive), "reverse": bool(reverse)}, name=scope)


_TopKResult = _collections.namedtuple("TopKV2", ["values", "indices"])


@register_kernel("TopKV2", host_inputs=(1,))
def _top_k(ctx, x, k):
    xp = ctx.xp
    if np.ndim(k) != 0:
        raise _invalid("k must be scalar, got shape %s", _dbg(np.shape(k)))
    k = int(np.asarray(k))
    if k < 0:
        raise _invalid("Need k >= 0, got %d", k)
    if x.ndim < 1:
        raise _invalid("input must be >= 1-D, got shape %s", _dbg(x.shape))
    if x.shape[-1] < k:
        raise _invalid("input must have at least k columns. Had %d, needed %d", x.shape[-1], k)
    # A stable ascending sort of an order-reversing key keeps equal values in index order, as TensorFlow.
    key = ~x if x.dtype.kind in "iu" else -x
    idx = xp.argsort(key, axis=-1, kind="stable")[..., :k]
    return xp.take_along_axis(x, idx, axis=-1), idx.astype(ctx.attrs["index_type"].as_numpy_dtype)


@register_shape("TopKV2")
def _top_k_shape(op):
    s = op.inputs[0].shape
    if s.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    if op.inputs[1].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for 'k'" % op.inputs[1].shape.rank)
    k = constant_value(op.inputs[1])
    if k is not None:
        k = int(k)
        if k < 0:
            raise ValueError("Dimension size, given by scalar input 1, must be non-negative but is %d" % k)
    if s.rank is None:
        return [unknown_shape()] * 2
    last = s.dims[-1]
    if last is not None and k is not None and last < k:
        raise ValueError("input must have last dimension >= k = %d but is %d" % (k, last))
    out = TensorShape(s.dims[:-1] + [k])
    return [out, out]


def top_k(input, k=1, sorted=True, name=None, index_type=dtypes.int32):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest entries along the last dimension (nn.top_k); equal
    values keep the lower index first."""
    op = _gen("TopKV2", [input, k], {"sorted": bool(sorted), "index_type": index_type}, name, "TopKV2")
    return _TopKResult(*op.outputs)


# --- values known while building ------------------------------------------------------------------

# TensorFlow's shape inference folds these when their inputs are known (small constant subgraphs), so
# that e.g. ``reshape(x, tg.stack([tg.shape(y)[0], 3]))`` gets a static shape.
for _t in ("Slice", "GatherV2", "Gather", "Range", "Fill", "Unpack", "ExpandDims", "Squeeze", "Reshape",
           "Transpose", "ReverseV2", "Tile", "ShapeN", "BroadcastArgs", "Split", "SplitV", "BroadcastTo",
           "InvertPermutation", "Cumsum"):
    _register_constant_value(_t)(_fold)
del _t


# --- gradients of BroadcastTo and GatherV2 -----------------------------------------------------

def _const(v, dtype):
    from tagraph.engine.ops.constant_op import constant
    return constant(v, dtype=dtype.base_dtype)


@register_gradient("BroadcastTo")
def _broadcast_to_grad(op, grad):
    from tagraph.engine.ops import math_ops as m
    x, target = op.inputs
    x_shape = shape(x, out_type=target.dtype)
    v = constant_value(target)
    if v is not None:
        target = _const(np.asarray(v), target.dtype)
    _, reduction_axes = make_op("BroadcastGradientArgs", [target, x_shape])
    g = m.reduce_sum(grad, axis=reduction_axes, keepdims=True)
    return [reshape(g, x_shape), None]


@register_gradient("GatherV2")
def _gather_v2_grad(op, grad):
    # TensorFlow returns IndexedSlices; tagraph has no sparse gradients, so the dense equivalent:
    # UnsortedSegmentSum of the gradient's rows into the gathered positions.
    params, indices, axis = op.inputs
    axis_v = constant_value(axis)
    prank, irank = params.shape.rank, indices.shape.rank
    if axis_v is None or op.get_attr("batch_dims") or prank is None or irank is None:
        raise LookupError("GatherV2's gradient needs a constant axis, batch_dims=0 and known ranks")
    axis_v = int(axis_v) % prank
    params_shape = shape(params)
    n = gather(params_shape, axis_v)
    out_rank = prank + irank - 1
    # Move the gathered axes first: [indices dims..., params dims before axis..., after axis...].
    perm = list(_py_range(axis_v, axis_v + irank)) + list(_py_range(axis_v)) + list(_py_range(axis_v + irank, out_rank))
    g = transpose(grad, perm) if perm != list(_py_range(out_rank)) else grad
    rest = [params.shape[i] for i in _py_range(prank) if i != axis_v]
    if None in rest:
        rest_t = gather(params_shape, [i for i in _py_range(prank) if i != axis_v])
        g = reshape(g, concat([_const(np.array([-1], np.int32), dtypes.int32), rest_t], 0))
    else:
        g = reshape(g, [-1] + rest)
    g = make_op("UnsortedSegmentSum", [g, reshape(indices, [-1]), n], name="UnsortedSegmentSum")
    if axis_v:
        back = list(_py_range(1, axis_v + 1)) + [0] + list(_py_range(axis_v + 1, prank))
        g = transpose(g, back)
    return [g, None, None]
