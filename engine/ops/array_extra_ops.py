"""Everyday array ops TensorFlow 1 programs call beside the basic ones: Roll, SpaceToDepth/DepthToSpace,
UnravelIndex, LowerBound/UpperBound (``searchsorted``), Bitcast, EnsureShape, LinSpace and ParallelConcat,
and ``sequence_mask``, ``repeat``, ``meshgrid`` and ``parallel_stack`` built from ops as TensorFlow builds
them (``tf.random_crop`` is image_layout_ops').

Each op's kernel (``ctx.xp``: numpy on the CPU, CuPy on a GPU), shape function and gradient live together,
with TensorFlow's messages.

    tg.sequence_mask([1, 3], 4)            # [[True, False, False, False], [True, True, True, False]]
    tg.roll([1, 2, 3, 4], shift=1, axis=0)   # [4, 1, 2, 3]
    tg.space_to_depth(images, 2)           # [b, h/2, w/2, 4c]
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape, unknown_shape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.comparison_ops import less
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.indexing_ops import boolean_mask
from tagraph.engine.ops.joining_ops import concat, stack, tile
from tagraph.engine.ops.op_util import dbg, gen1, host_ints, invalid, register_folding, shape_str
from tagraph.engine.ops.reduction_ops import reduce_max, reduce_sum

__all__ = ["roll", "space_to_depth", "depth_to_space", "unravel_index", "searchsorted", "bitcast", "ensure_shape",
           "linspace", "lin_space", "parallel_stack", "sequence_mask", "repeat", "meshgrid", "get_static_value"]


# --- Roll -----------------------------------------------------------------------------------------------

@register_kernel("Roll", host_inputs=(1, 2))
def _roll(ctx, x, shift, axis):
    if x.ndim < 1:
        raise invalid("input must be 1-D or higher")
    if np.ndim(shift) > 1:
        raise invalid("shift must be a scalar or a 1-D vector. Found: %s", dbg(np.shape(shift)))
    if np.ndim(axis) > 1:
        raise invalid("axis must be a scalar or a 1-D vector. Found: %s", dbg(np.shape(axis)))
    if np.shape(shift) != np.shape(axis):
        raise invalid("shift and axis must have the same size")
    shifts, axes = host_ints(shift), host_ints(axis)
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise invalid("axis %d is out of range", a)
    return ctx.xp.roll(x, shifts, [a % x.ndim for a in axes]) if axes else x


@register_shape("Roll")
def _roll_shape(op):
    x, shift, axis = (t.shape for t in op.inputs)
    if x.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    for s in (shift, axis):
        if s.rank is not None and s.rank > 1:
            raise ValueError("Shape must be at most rank 1 but is rank %d" % s.rank)
    if shift.rank == 1 and axis.rank == 1 and None not in (shift.dims[0], axis.dims[0]) \
            and shift.dims[0] != axis.dims[0]:
        raise ValueError("Dimension 0 in both shapes must be equal, but are %d and %d. Shapes are [%d] and [%d]."
                         % (shift.dims[0], axis.dims[0], shift.dims[0], axis.dims[0]))
    return [x]


@register_gradient("Roll")
def _roll_grad(op, grad):
    return [roll(grad, math_ops.negative(op.inputs[1]), op.inputs[2]), None, None]


def roll(input, shift, axis, name=None):  # noqa: A002 - TensorFlow's argument name
    """``input`` with the elements along each ``axis`` shifted by ``shift`` places, wrapping round (Roll)."""
    return gen1("Roll", [input, shift, axis], name=name, default_name="Roll")


# --- SpaceToDepth / DepthToSpace ---------------------------------------------------------------------------

def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def _nhwc(ctx, x):
    """``x`` as NHWC and the function that puts a result back in the op's layout."""
    if _text(ctx.attrs.get("data_format", "NHWC")) == "NCHW":
        return x.transpose(0, 2, 3, 1), (lambda y: y.transpose(0, 3, 1, 2))
    return x, (lambda y: y)


def _four_d(x):
    if x.ndim != 4:
        raise invalid("Input rank should be: 4 instead of: %d", x.ndim)


@register_kernel("SpaceToDepth")
def _space_to_depth(ctx, x):
    _four_d(x)
    x, back = _nhwc(ctx, x)
    bs = int(ctx.attrs["block_size"])
    b, h, w, c = x.shape
    if h % bs or w % bs:
        raise invalid("Image width %d and height %d should be divisible by block_size: %d", w, h, bs)
    y = x.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
    return ctx.xp.ascontiguousarray(back(y.reshape(b, h // bs, w // bs, bs * bs * c)))


@register_kernel("DepthToSpace")
def _depth_to_space(ctx, x):
    _four_d(x)
    x, back = _nhwc(ctx, x)
    bs = int(ctx.attrs["block_size"])
    b, h, w, c = x.shape
    if c % (bs * bs):
        raise invalid("Input depth dimension %d should be divisible by: %d", c, bs * bs)
    y = x.reshape(b, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
    return ctx.xp.ascontiguousarray(back(y.reshape(b, h * bs, w * bs, c // (bs * bs))))


def _depth_shape(to_depth):
    def shape_fn(op):
        s = op.inputs[0].shape
        if s.rank is None:
            return [unknown_shape(4)]
        if s.rank != 4:
            raise ValueError("Shape must be rank 4 but is rank %d" % s.rank)
        bs = op.get_attr("block_size")
        nchw = _text(op.get_attr("data_format")) == "NCHW"
        b, h, w, c = [s.dims[i] for i in ((0, 2, 3, 1) if nchw else (0, 1, 2, 3))]
        if to_depth:
            for d in (h, w):
                if d is not None and d % bs:
                    raise ValueError("Dimension size must be evenly divisible by %d but is %d" % (bs, d))
            h, w, c = (None if h is None else h // bs), (None if w is None else w // bs), \
                (None if c is None else c * bs * bs)
        else:
            if c is not None and c % (bs * bs):
                raise ValueError("Dimension size must be evenly divisible by %d but is %d" % (bs * bs, c))
            h, w, c = (None if h is None else h * bs), (None if w is None else w * bs), \
                (None if c is None else c // (bs * bs))
        return [TensorShape([b, c, h, w] if nchw else [b, h, w, c])]
    return shape_fn


register_shape("SpaceToDepth")(_depth_shape(True))
register_shape("DepthToSpace")(_depth_shape(False))


@register_gradient("SpaceToDepth")
def _space_to_depth_grad(op, grad):
    return [depth_to_space(grad, op.get_attr("block_size"), data_format=op.get_attr("data_format"))]


@register_gradient("DepthToSpace")
def _depth_to_space_grad(op, grad):
    return [space_to_depth(grad, op.get_attr("block_size"), data_format=op.get_attr("data_format"))]


def _block_attrs(block_size, data_format):
    if isinstance(data_format, bytes):
        data_format = data_format.decode()
    return {"block_size": int(block_size), "data_format": data_format}


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Each ``block_size`` x ``block_size`` block of ``input`` moved into the depth (SpaceToDepth)."""
    return gen1("SpaceToDepth", [input], _block_attrs(block_size, data_format), name, "SpaceToDepth")


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """The inverse of :func:`space_to_depth` (DepthToSpace)."""
    return gen1("DepthToSpace", [input], _block_attrs(block_size, data_format), name, "DepthToSpace")


# --- UnravelIndex ------------------------------------------------------------------------------------------

@register_kernel("UnravelIndex", host_inputs=(0, 1))
def _unravel_index(ctx, indices, dims):
    indices, dims = np.asarray(indices), np.asarray(dims)
    if dims.ndim != 1:
        raise invalid("The dims argument must be a 1-D tensor, got shape %s", dbg(dims.shape))
    if indices.ndim > 1:
        raise invalid("The indices argument must be a scalar or a 1-D tensor, got shape %s", dbg(indices.shape))
    if (dims <= 0).any():
        raise invalid("Input dims must be positive integer, got: %s", " ".join(str(int(d)) for d in dims))
    total = int(np.prod(dims.astype(np.int64)))
    if ((indices < 0) | (indices >= total)).any():
        raise invalid("index is out of bound as with dims")
    out = np.stack(np.unravel_index(indices.astype(np.int64), tuple(int(d) for d in dims))).astype(indices.dtype)
    return ctx.xp.asarray(out)


@register_shape("UnravelIndex")
def _unravel_index_shape(op):
    i, d = op.inputs[0].shape, op.inputs[1].shape
    n = d.dims[0] if d.rank == 1 else None
    if i.rank is None:
        return [unknown_shape()]
    return [TensorShape([n] + i.dims)]


not_differentiable("UnravelIndex")
register_folding("UnravelIndex")


def unravel_index(indices, dims, name=None):
    """The coordinates in an array of shape ``dims`` of each flat index in ``indices`` (UnravelIndex)."""
    return gen1("UnravelIndex", [indices, dims], name=name, default_name="UnravelIndex")


# --- LowerBound / UpperBound -----------------------------------------------------------------------------

def _bound(side):
    def kernel(ctx, sorted_inputs, values):
        xp = ctx.xp
        if sorted_inputs.ndim != 2 or values.ndim != 2:
            raise invalid("Input sorted_inputs and values must be rank 2, got ranks %d and %d",
                          sorted_inputs.ndim, values.ndim)
        if sorted_inputs.shape[0] != values.shape[0]:
            raise invalid("Leading dim_size of both tensors must match.")
        out_type = ctx.attrs.get("out_type", dtypes.int32).as_numpy_dtype
        rows = [xp.searchsorted(sorted_inputs[r], values[r], side=side) for r in range(values.shape[0])]
        if not rows:
            return xp.zeros(values.shape, out_type)
        return xp.stack(rows).astype(out_type)
    return kernel


register_kernel("LowerBound")(_bound("left"))
register_kernel("UpperBound")(_bound("right"))


@register_shape("LowerBound", "UpperBound")
def _bound_shape(op):
    s, v = op.inputs[0].shape, op.inputs[1].shape
    for t in (s, v):
        if t.rank not in (None, 2):
            raise ValueError("Shape must be rank 2 but is rank %d" % t.rank)
    if s.rank == 2 and v.rank == 2 and None not in (s.dims[0], v.dims[0]) and s.dims[0] != v.dims[0]:
        raise ValueError("Dimensions must be equal, but are %d and %d" % (s.dims[0], v.dims[0]))
    return [v]


not_differentiable("LowerBound", "UpperBound")


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """For each of ``values``, its index in the last dimension of ``sorted_sequence`` (LowerBound for
    ``side="left"``, UpperBound for "right"), as TensorFlow builds it: both reshaped to 2-D and back."""
    if side not in ("left", "right"):
        raise ValueError("Argument `side` must be either 'right' or 'left'. Received: `side` = '%s'." % side)
    sorted_sequence, values = convert_to_tensor(sorted_sequence), convert_to_tensor(values)
    sequence_size = array_ops.shape(sorted_sequence)[-1]
    values_size = array_ops.shape(values)[-1]
    seq_2d = array_ops.reshape(sorted_sequence, stack([-1, sequence_size]))
    values_2d = array_ops.reshape(values, stack([-1, values_size]))
    op_type = "LowerBound" if side == "left" else "UpperBound"
    out = gen1(op_type, [seq_2d, values_2d], {"out_type": dtypes.as_dtype(out_type)}, name, op_type)
    return array_ops.reshape(out, array_ops.shape(values))


# --- Bitcast ------------------------------------------------------------------------------------------------

def _bitcast_out_shape(shape, in_type, out_type):
    """The shape Bitcast gives ``shape`` (a list, None entries unknown) from dtype ``in_type`` to ``out_type``,
    or TensorFlow's message saying why it cannot."""
    in_size, out_size = in_type.size, out_type.size
    if in_size == out_size:
        return shape, None
    if in_size > out_size:
        if in_size % out_size:
            return None, "cannot convert between datatype %d and %d" % (in_type.as_datatype_enum,
                                                                       out_type.as_datatype_enum)
        return shape + [in_size // out_size], None
    if not shape:
        return None, "Shape must be at least rank 1 but is rank 0"
    if shape[-1] is not None and shape[-1] != out_size // in_size:
        return None, "Cannot bitcast from %d to %d due to shape. %d does not match %d" % (
            in_type.as_datatype_enum, out_type.as_datatype_enum, shape[-1], out_size // in_size)
    return shape[:-1], None


@register_kernel("Bitcast")
def _bitcast(ctx, x):
    out = ctx.attrs["type"]
    shape, error = _bitcast_out_shape(list(x.shape), dtypes.as_dtype(x.dtype), out)
    if error:
        raise invalid(error)
    return ctx.xp.ascontiguousarray(x).view(out.as_numpy_dtype).reshape(shape)


@register_shape("Bitcast")
def _bitcast_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    shape, error = _bitcast_out_shape(list(s.dims), op.get_attr("T"), op.get_attr("type"))
    if error:
        raise ValueError(error)
    return [TensorShape(shape)]


not_differentiable("Bitcast")


def bitcast(input, type, name=None):  # noqa: A002
    """``input``'s bytes read as ``type`` (Bitcast): a last dimension is added or removed where the sizes differ."""
    return gen1("Bitcast", [input], {"type": dtypes.as_dtype(type)}, name, "Bitcast")


# --- EnsureShape --------------------------------------------------------------------------------------------

@register_kernel("EnsureShape")
def _ensure_shape(ctx, x):
    want = ctx.attrs["shape"]
    if not TensorShape(list(x.shape)).is_compatible_with(want):
        name = ctx.op.inputs[0].name if ctx.op is not None else "input"
        name = name[:-2] if name.endswith(":0") else name
        raise invalid("Shape of tensor %s %s is not compatible with expected shape %s.", name, dbg(x.shape),
                      shape_str(want))
    return x


@register_shape("EnsureShape")
def _ensure_shape_shape(op):
    s, want = op.inputs[0].shape, op.get_attr("shape")
    if s.rank is not None and want.rank is not None:
        if s.rank != want.rank:
            raise ValueError("Shapes must be equal rank, but are %d and %d" % (want.rank, s.rank))
        for i, (w, d) in enumerate(zip(want.dims, s.dims)):
            if None not in (w, d) and w != d:
                raise ValueError("Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s."
                                 % (i, w, d, shape_str(want), shape_str(s)))
    return [s.merge_with(want)]


@register_gradient("EnsureShape")
def _ensure_shape_grad(op, grad):
    return [grad]


def ensure_shape(x, shape, name=None):
    """``x``, checked when it runs to have a shape compatible with ``shape`` (EnsureShape)."""
    return gen1("EnsureShape", [x], {"shape": as_shape(shape)}, name, "EnsureShape")


# --- LinSpace -----------------------------------------------------------------------------------------------

@register_kernel("LinSpace", host_inputs=(2,))
def _lin_space(ctx, start, stop, num):
    xp = ctx.xp
    if start.ndim != 0:
        raise invalid("start must be a scalar, not shape %s", dbg(start.shape))
    if stop.ndim != 0:
        raise invalid("stop must be a scalar, not shape %s", dbg(stop.shape))
    if np.ndim(num) != 0:
        raise invalid("num must be a scalar, not shape %s", dbg(np.shape(num)))
    n = int(num)
    if n <= 0:
        raise invalid("Requires num > 0: %d", n)
    if n == 1:
        return xp.reshape(start, [1]).copy()
    step = (stop - start) / start.dtype.type(n - 1)
    out = start + step * xp.arange(n, dtype=start.dtype)
    out[-1] = stop
    return out


@register_shape("LinSpace")
def _lin_space_shape(op):
    n = constant_value(op.inputs[2])
    return [TensorShape([None if n is None else int(n)])]


not_differentiable("LinSpace")
register_folding("LinSpace")


def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from scalar ``start`` to ``stop`` included (TensorFlow 1's LinSpace op;
    TensorFlow 2's ``linspace_nd`` gives the same values for scalars)."""
    if axis != 0:
        raise NotImplementedError("tf.linspace with axis=%r (N-D start and stop) is not supported by tagraph; "
                                  "it builds TensorFlow 1's LinSpace op for scalars" % (axis,))
    return gen1("LinSpace", [start, stop, num], name=name, default_name="LinSpace")


lin_space = linspace


# --- ParallelConcat (parallel_stack) ------------------------------------------------------------------------

@register_kernel("ParallelConcat")
def _parallel_concat(ctx, *values):
    want = ctx.attrs["shape"]
    for v in values:
        if v.shape[:1] != (1,) or tuple(v.shape[1:]) != tuple(values[0].shape[1:]):
            raise invalid("Expected value of shape %s but got %s", dbg([1] + list(values[0].shape[1:])),
                          dbg(v.shape))
    out = ctx.xp.concatenate(values, axis=0)
    if not TensorShape(list(out.shape)).is_compatible_with(want):
        raise invalid("Output shape %s does not match the shape attribute %s", dbg(out.shape), shape_str(want))
    return out


register_shape("ParallelConcat")(lambda op: [op.get_attr("shape")])


def parallel_stack(values, name="parallel_stack"):
    """``values`` (tensors of one known shape) stacked along a new first axis, as TensorFlow builds it:
    each expanded, then ParallelConcat with the output's shape as an attribute."""
    g = get_default_graph()
    with g.name_scope(name):
        values = [convert_to_tensor(v) for v in values]
        value_shape = values[0].shape
        for v in values[1:]:
            value_shape = value_shape.merge_with(v.shape)
        if not value_shape.is_fully_defined():
            raise ValueError("Shapes of all inputs must be fully defined for parallel_stack, got %s" % value_shape)
        out_shape = TensorShape([len(values)] + value_shape.as_list())
        expanded = [array_ops.expand_dims(v, 0) for v in values]
        return gen1("ParallelConcat", [expanded], {"shape": out_shape}, name="ParallelConcat")


# --- built from other ops ------------------------------------------------------------------------------

def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """The mask of the first ``lengths[i]`` positions of each row, ``maxlen`` (max of lengths) wide:
    ``range(maxlen) < expand_dims(lengths, -1)``, as TensorFlow builds it."""
    g = get_default_graph()
    with g.name_scope(name or "SequenceMask"):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduce_max(lengths, list(range(lengths.shape.rank)) if lengths.shape.rank is not None
                                else math_ops.range(array_ops.rank(lengths)), name="Max")
            maxlen = math_ops.maximum(constant(0, maxlen.dtype), maxlen)
        else:
            maxlen = convert_to_tensor(maxlen)
        if maxlen.shape.rank is not None and maxlen.shape.rank != 0:
            raise ValueError("Argument `maxlen` must be scalar for sequence_mask, received `maxlen` = %s." % maxlen)
        row_vector = gen1("Range", [constant(0, maxlen.dtype), maxlen, constant(1, maxlen.dtype)],
                          {"Tidx": maxlen.dtype}, default_name="Range")
        matrix = _cast(array_ops.expand_dims(lengths, -1), maxlen.dtype)
        result = less(row_vector, matrix)
        if dtype is None or dtypes.as_dtype(dtype) == dtypes.bool:
            return result
        return math_ops.cast(result, dtype)


def _cast(x, dtype):
    """A Cast op even to ``x``'s own dtype, as TensorFlow's generated ``cast`` builds it."""
    return gen1("Cast", [x], {"DstT": dtypes.as_dtype(dtype), "Truncate": False}, default_name="Cast")


def _tile_one_dimension(data, axis, multiple):
    multiples = [1] * data.shape.rank
    multiples[axis] = multiple
    return tile(data, multiples)


def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """Each element (or slice along ``axis``) of ``input`` repeated ``repeats`` times (a scalar, or one count
    per element), as TensorFlow's ``repeat_with_axis`` builds it; with no axis ``input`` is flattened first.

        tg.repeat([[1, 2], [3, 4]], [1, 2], axis=0)     # [[1, 2], [3, 4], [3, 4]]
    """
    if axis is None:
        input = array_ops.reshape(input, [-1])  # noqa: A001
        axis = 0
    g = get_default_graph()
    with g.name_scope(name or "Repeat"):
        data = convert_to_tensor(input, name="data")
        repeats = _cast(convert_to_tensor(repeats, name="repeats"), dtypes.int32)
        if repeats.shape.rank is not None and repeats.shape.rank > 1:
            raise ValueError("Shape must be at most rank 1 but is rank %d" % repeats.shape.rank)
        if data.shape.rank is None:
            raise ValueError("repeat needs the rank of `data` known while building")
        if data.shape.rank == 0:
            data = array_ops.reshape(data, [-1])
        rank = data.shape.rank
        if not -rank <= axis < rank:
            raise ValueError("axis=%d out of bounds: expected %d<=axis<%d" % (axis, -rank, rank))
        axis %= rank
        data_shape = array_ops.shape(data)
        if repeats.shape.num_elements() == 1:
            repeats = array_ops.reshape(repeats, np.zeros([0], np.int32))
            tiled = _tile_one_dimension(array_ops.expand_dims(data, axis + 1), axis + 1, repeats)
            result_shape = concat([data_shape[:axis], array_ops.reshape(repeats * data_shape[axis], [1]),
                                   data_shape[axis + 1:]], axis=0)
            return array_ops.reshape(tiled, result_shape)
        if repeats.shape.rank == 1:
            d, r = data.shape.dims[axis], repeats.shape.dims[0]
            if None not in (d, r) and d != r:
                raise ValueError("Dimensions %d and %d are not compatible" % (d, r))
        repeats = array_ops.broadcast_to(repeats, array_ops.reshape(data_shape[axis], [1]))
        repeats_original = repeats
        if axis + 1 != 1:
            repeats = array_ops.broadcast_to(repeats, concat([data_shape[:axis], array_ops.shape(repeats)], axis=0))
            repeats.set_shape(TensorShape([None] * (axis + 1)))
        max_repeat = reduce_max(repeats, list(range(axis + 1)), name="Max")
        max_repeat = math_ops.maximum(constant(0, max_repeat.dtype, name="zero"), max_repeat)
        mask = sequence_mask(repeats, max_repeat)
        tiled = _tile_one_dimension(array_ops.expand_dims(data, axis + 1), axis + 1, max_repeat)
        result = boolean_mask(tiled, mask)
        if axis:
            size = reduce_sum(repeats_original, [0])
            result = array_ops.reshape(result, concat([data_shape[:axis], array_ops.reshape(size, [1]),
                                                       data_shape[axis + 1:]], axis=0))
        known = constant_value(repeats_original)
        # TensorFlow's shape refiner folds the reshape's repeated size when the repeats are constant.
        new_size = int(np.sum(known)) if axis and known is not None else \
            (0 if repeats.shape.dims[0] == 0 else None)
        result.set_shape(TensorShape(data.shape.dims[:axis] + [new_size] + data.shape.dims[axis + 1:]))
        return result


def meshgrid(*args, **kwargs):
    """Coordinate arrays for the grid of the 1-D ``args``: ``indexing="xy"`` (Cartesian, the default) or
    ``"ij"`` (matrix), as TensorFlow builds them: each reshaped and multiplied by ``ones``."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError("'%s' is an invalid keyword argument for this function" % next(iter(kwargs)))
    if indexing not in ("xy", "ij"):
        raise ValueError("Argument `indexing` parameter must be either 'xy' or 'ij', got '%s'" % indexing)
    g = get_default_graph()
    with g.name_scope(name):
        ndim = len(args)
        if not ndim:
            return []
        s0 = (1,) * ndim
        output = [array_ops.reshape(x if isinstance(x, Tensor) else convert_to_tensor(x, name="stack"),
                                    s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(args)]
        shapes = [array_ops.size(x) for x in args]
        dtype = convert_to_tensor(args[0]).dtype.base_dtype
        if indexing == "xy" and ndim > 1:
            output[0] = array_ops.reshape(output[0], (1, -1) + (1,) * (ndim - 2))
            output[1] = array_ops.reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
            shapes[0], shapes[1] = shapes[1], shapes[0]
        mult_fact = array_ops.ones(shapes, dtype)
        return [x * mult_fact for x in output]


def get_static_value(tensor, partial=False):
    """``tensor``'s value when it is known while building (a numpy array), else None; a value that is not
    a tensor is returned as it is. (``partial`` values, with unknown elements, are not computed.)"""
    if not isinstance(tensor, Tensor):
        return tensor
    value = common_shapes.constant_value(tensor)
    return None if value is None else np.asarray(value)
