"""Image resizing ops: ResizeBilinear, ResizeNearestNeighbor, ResizeBicubic and ResizeArea, the gradient ops
of the first three, and TensorFlow 1's ``tf.image.resize_bilinear``, ``resize_nearest_neighbor``,
``resize_bicubic`` and ``resize_area`` that build them.

    y = tg.image.resize_bilinear(images, [299, 299])                       # [batch, h, w, c] -> float32
    y = tg.image.resize_nearest_neighbor(images, [64, 64], half_pixel_centers=True)

The values are TensorFlow's CPU kernels', to the bit. Each kernel works out, once per axis and in float32 as
TensorFlow does, where every output row and column samples the input (TensorFlow's legacy scaler, its
``align_corners`` scale, or its ``half_pixel_centers`` one) and with what weights, then gathers whole rows
and columns and combines them with the same float32 operations in the same order as TensorFlow's loops; the
bicubic weights come from TensorFlow's 1025-entry coefficient table (Keys' a = -0.5 with half-pixel centers,
a = -0.75 without). The kernels are written against ``ctx.xp`` and serve every device; on the CPU the
bilinear resize runs as a compiled loop (Numba, resize_kernels_cpu) over the same tables, its output rows
shared out over the intra-op threads.

The gradient ops scatter each output pixel's gradient back with the forward weights (``add.at``): the sums
are TensorFlow's, added in another order. ResizeArea, as in TensorFlow, has no gradient.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.op_util import dbg, gen1, host_ints, invalid

__all__ = ["resize_bilinear", "resize_nearest_neighbor", "resize_bicubic", "resize_area", "shape_error"]

_F32 = np.float32
_HALF = _F32(0.5)


# --- where each output pixel samples the input --------------------------------------------------------

def _resize_scale(in_size, out_size, align_corners):
    """TensorFlow's CalculateResizeScale, in float32."""
    if align_corners and out_size > 1:
        return _F32(in_size - 1) / _F32(out_size - 1)
    return _F32(in_size) / _F32(out_size)


def _source(out_size, scale, half_pixel_centers):
    """The input coordinate of each output index: TensorFlow's HalfPixelScaler or LegacyScaler."""
    i = np.arange(out_size, dtype=_F32)
    return (i + _HALF) * scale - _HALF if half_pixel_centers else i * scale


def _linear_table(out_size, in_size, scale, half_pixel_centers):
    """(lower index, upper index, float32 weight of the upper) per output index (CachedInterpolation)."""
    src = _source(out_size, scale, half_pixel_centers)
    low = np.floor(src)
    return (np.maximum(low.astype(np.int64), 0), np.minimum(np.ceil(src).astype(np.int64), in_size - 1),
            (src - low).astype(_F32))


def _roundf(v):
    """C's roundf (halves away from zero), exactly: ``floor(v + 0.5)`` rounds 0.49999997 up."""
    t = np.trunc(v)
    return t + np.sign(v) * (np.abs(v - t) >= _HALF)


def _nearest_table(out_size, in_size, scale, half_pixel_centers, align_corners):
    """The input index each output index copies (ResizeNearestNeighbor's compute_indices)."""
    i = np.arange(out_size, dtype=_F32)
    src = (i + _HALF) * scale if half_pixel_centers else i * scale
    idx = np.minimum((_roundf(src) if align_corners else np.floor(src)).astype(np.int64), in_size - 1)
    return np.maximum(idx, 0) if half_pixel_centers else idx


def _coefficients(a):
    """TensorFlow's bicubic table: for 1025 offsets in [0, 1], the weights of the near and the far tap,
    computed in double and kept as float."""
    x = np.arange(1025, dtype=np.float64) / 1024
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x = x + 1.0
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return near.astype(_F32), far.astype(_F32)


_COEFFICIENTS = {True: _coefficients(-0.5), False: _coefficients(-0.75)}
_TINY_WEIGHT_SUM = _F32(1000) * np.finfo(_F32).tiny


def _cubic_table(out_size, limit, scale, half_pixel_centers):
    """([4, out] input indices, [4, out] float32 weights) per output index (GetWeightsAndIndices). With
    half-pixel centers (Keys' cubic) a tap outside the image gets no weight and the rest are renormalized;
    without, the edge pixel takes the outside taps' weights."""
    near, far = _COEFFICIENTS[bool(half_pixel_centers)]
    src = _source(out_size, scale, half_pixel_centers)
    loc = np.floor(src).astype(np.int64)
    offset = np.rint((src - loc.astype(_F32)) * _F32(1024)).astype(np.int64)
    weights = np.stack([far[offset], near[offset], near[1024 - offset], far[1024 - offset]])
    taps = loc + np.arange(-1, 3)[:, None]
    index = np.clip(taps, 0, limit - 1)
    if half_pixel_centers:
        weights = np.where(index == taps, weights, _F32(0))
        total = ((weights[0] + weights[1]) + weights[2]) + weights[3]
        ok = np.abs(total) >= _TINY_WEIGHT_SUM
        with np.errstate(divide="ignore"):
            inverse = _F32(1) / np.where(ok, total, _F32(1))
        weights = np.where(ok, weights * inverse, weights)
    return index, weights.astype(_F32)


def _area_taps(out_size, in_size, scale):
    """([K, out] input indices, [K, out] float32 weights, [K, out] whether the tap exists) per output index:
    the input cells each output cell covers, weighted by the part covered (ResizeArea's CachedInterpolation)."""
    i = np.arange(out_size, dtype=_F32)
    start, stop = i * scale, (i + 1) * scale
    first = np.floor(start).astype(np.int64)
    end = np.ceil(stop).astype(np.int64)
    count = int((end - first).max())
    cell = first + np.arange(count)[:, None]
    lo, hi = cell.astype(_F32), (cell + 1).astype(_F32)
    weight = np.where(lo < start, np.where(hi > stop, scale, hi - start), np.where(hi > stop, stop - lo, _F32(1)))
    return np.clip(cell, 0, in_size - 1), weight.astype(_F32), cell < end


# --- checks ------------------------------------------------------------------------------------------

def _flags(ctx):
    align, half = bool(ctx.attrs.get("align_corners", False)), bool(ctx.attrs.get("half_pixel_centers", False))
    if half and align:
        raise invalid("If half_pixel_centers is True, align_corners must be False.")
    return align, half


def _new_size(size, what="shape_t"):
    size = np.asarray(size)
    if size.ndim != 1:
        raise invalid("%s must be 1-dimensional%s", what, dbg(size.shape))
    if size.size != 2:
        raise invalid("%s must have two elements%s", what, dbg(size.shape))
    return host_ints(size)


def _check_resize(ctx, images, size):
    """ImageResizerState's checks: (align_corners, half_pixel_centers, out_height, out_width)."""
    align, half = _flags(ctx)
    if images.ndim != 4:
        raise invalid("input must be 4-dimensional%s", dbg(images.shape))
    if images.shape[3] <= 0:
        raise invalid("image must have at least one channel")
    if images.shape[1] <= 0 or images.shape[2] <= 0:
        raise invalid("input image must be of non-zero size")
    out_h, out_w = _new_size(size)
    if out_h <= 0 or out_w <= 0:
        raise invalid("output dimensions must be positive")
    return align, half, out_h, out_w


def _check_gradient(ctx, grads, original_shape):
    """ImageResizerGradientState's checks: (align_corners, half_pixel_centers)."""
    align, half = _flags(ctx)
    if grads.ndim != 4:
        raise invalid("input_grad must be 4-dimensional%s", dbg(grads.shape))
    if grads.dtype != np.float32:
        raise invalid("input_grad must be of type float%s", dtypes.as_dtype(grads.dtype).name)
    if grads.shape[1] <= 0 or grads.shape[2] <= 0:
        raise invalid("resized dimensions must be positive")
    if len(original_shape) != 4:
        raise invalid("original_image must be 4-dimensional%s", dbg(original_shape))
    if original_shape[1] <= 0 or original_shape[2] <= 0:
        raise invalid("original dimensions must be positive")
    return align, half


def _as_f32(xp, x):
    return x if x.dtype == np.float32 else x.astype(_F32)


def _column(xp, table):
    """A per-output-row table shaped to broadcast over [batch, rows, cols, channels]."""
    return xp.asarray(table)[None, :, None, None]


def _row(xp, table):
    return xp.asarray(table)[None, None, :, None]


# --- ResizeBilinear --------------------------------------------------------------------------------

def _bilinear(xp, images, ys, xs):
    """compute_lerp on whole rows: top = tl + (tr - tl) * xl, bottom likewise, top + (bottom - top) * yl."""
    y_low, y_high, y_lerp = ys
    x_low, x_high, x_lerp = (xp.asarray(t) for t in xs)
    upper = _as_f32(xp, xp.take(images, xp.asarray(y_low), axis=1))
    lower = _as_f32(xp, xp.take(images, xp.asarray(y_high), axis=1))
    x_lerp = x_lerp[None, None, :, None]
    top_left = xp.take(upper, x_low, axis=2)
    top = top_left + (xp.take(upper, x_high, axis=2) - top_left) * x_lerp
    bottom_left = xp.take(lower, x_low, axis=2)
    bottom = bottom_left + (xp.take(lower, x_high, axis=2) - bottom_left) * x_lerp
    return top + (bottom - top) * _column(xp, y_lerp)


def _bilinear_tables(images, align, half, out_h, out_w):
    _, h, w, _ = images.shape
    return (_linear_table(out_h, h, _resize_scale(h, out_h, align), half),
            _linear_table(out_w, w, _resize_scale(w, out_w, align), half))


@register_kernel("ResizeBilinear", host_inputs=(1,))
def _resize_bilinear(ctx, images, size):
    align, half, out_h, out_w = _check_resize(ctx, images, size)
    if (out_h, out_w) == tuple(images.shape[1:3]):
        return _as_f32(ctx.xp, images).copy()
    return _bilinear(ctx.xp, images, *_bilinear_tables(images, align, half, out_h, out_w))


@register_kernel("ResizeBilinear", host_kind().device_type, host_inputs=(1,))
def _resize_bilinear_cpu(ctx, images, size):
    align, half, out_h, out_w = _check_resize(ctx, images, size)
    if (out_h, out_w) == tuple(images.shape[1:3]):
        return images.astype(_F32)
    ys, xs = _bilinear_tables(images, align, half, out_h, out_w)
    if images.dtype.kind not in "iuf" or images.dtype == np.float16:
        return _bilinear(np, images, ys, xs)
    from tagraph.engine.ops import resize_kernels_cpu     # Numba loads on the first resize, not on import
    return resize_kernels_cpu.resize_bilinear(images, ys, xs)


@register_kernel("ResizeBilinearGrad")
def _resize_bilinear_grad(ctx, grads, original_image):
    xp = ctx.xp
    align, half = _check_gradient(ctx, grads, original_image.shape)
    b, h, w, c = original_image.shape
    _, gh, gw, _ = grads.shape
    y_low, y_high, y_lerp = (xp.asarray(t) for t in _linear_table(gh, h, _resize_scale(h, gh, align), half))
    x_low, x_high, x_lerp = (xp.asarray(t) for t in _linear_table(gw, w, _resize_scale(w, gw, align), half))
    one = _F32(1)
    # Each term as TensorFlow rounds it, in float: (grad * y weight) * x weight; half and bfloat16 add in float.
    acc = np.float64 if original_image.dtype == np.float64 else _F32
    out = xp.zeros((b, h, w, c), acc)
    up, down = grads * (one - y_lerp)[None, :, None, None], grads * y_lerp[None, :, None, None]
    left, right = (one - x_lerp)[None, None, :, None], x_lerp[None, None, :, None]
    for rows, part in ((y_low, up), (y_high, down)):
        for cols, weight in ((x_low, left), (x_high, right)):
            xp.add.at(out, (slice(None), rows[:, None], cols[None, :]), (part * weight).astype(acc))
    return out.astype(original_image.dtype, copy=False)


# --- ResizeNearestNeighbor --------------------------------------------------------------------------

@register_kernel("ResizeNearestNeighbor", host_inputs=(1,))
def _resize_nearest(ctx, images, size):
    xp = ctx.xp
    align, half, out_h, out_w = _check_resize(ctx, images, size)
    _, h, w, _ = images.shape
    if h >= 1 << 24 or w >= 1 << 24:
        raise invalid("nearest neighbor requires max height & width of 2^24")
    ys = _nearest_table(out_h, h, _resize_scale(h, out_h, align), half, align)
    xs = _nearest_table(out_w, w, _resize_scale(w, out_w, align), half, align)
    return xp.take(xp.take(images, xp.asarray(ys), axis=1), xp.asarray(xs), axis=2)


@register_kernel("ResizeNearestNeighborGrad", host_inputs=(1,))
def _resize_nearest_grad(ctx, grads, size):
    xp = ctx.xp
    align, half = _flags(ctx)
    if grads.ndim != 4:
        raise invalid("input must be 4-dimensional%s", dbg(grads.shape))
    out_h, out_w = _new_size(size)
    if out_h <= 0 or out_w <= 0:
        raise invalid("shape_t's elements must be positive")
    b, gh, gw, c = grads.shape
    # The scales map gradient positions to the original ones, as the forward op mapped them.
    ys = xp.asarray(_nearest_table(gh, out_h, _resize_scale(out_h, gh, align), half, align))
    xs = xp.asarray(_nearest_table(gw, out_w, _resize_scale(out_w, gw, align), half, align))
    rows = xp.zeros((b, out_h, gw, c), grads.dtype)
    xp.add.at(rows, (slice(None), ys), grads)
    out = xp.zeros((b, out_h, out_w, c), grads.dtype)
    xp.add.at(out, (slice(None), slice(None), xs), rows)
    return out


# --- ResizeBicubic ---------------------------------------------------------------------------------

def _cubic_sum(terms):
    """Interpolate1D: v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3, added left to right."""
    return ((terms[0] + terms[1]) + terms[2]) + terms[3]


@register_kernel("ResizeBicubic", host_inputs=(1,))
def _resize_bicubic(ctx, images, size):
    xp = ctx.xp
    align, half, out_h, out_w = _check_resize(ctx, images, size)
    _, h, w, _ = images.shape
    y_index, y_weight = _cubic_table(out_h, h, _resize_scale(h, out_h, align), half)
    x_index, x_weight = _cubic_table(out_w, w, _resize_scale(w, out_w, align), half)
    # TensorFlow interpolates down the columns first, then across: every input column's vertical value,
    # then four of them per output pixel.
    columns = _cubic_sum([_as_f32(xp, xp.take(images, xp.asarray(y_index[k]), axis=1)) * _column(xp, y_weight[k])
                          for k in range(4)])
    return _cubic_sum([xp.take(columns, xp.asarray(x_index[k]), axis=2) * _row(xp, x_weight[k]) for k in range(4)])


@register_kernel("ResizeBicubicGrad")
def _resize_bicubic_grad(ctx, grads, original_image):
    xp = ctx.xp
    align, half = _check_gradient(ctx, grads, original_image.shape)
    b, h, w, c = original_image.shape
    _, gh, gw, _ = grads.shape
    y_index, y_weight = _cubic_table(gh, h, _resize_scale(h, gh, align), half)
    x_index, x_weight = _cubic_table(gw, w, _resize_scale(w, gw, align), half)
    t = original_image.dtype.type
    g = grads.astype(t, copy=False)
    out = xp.zeros((b, h, w, c), t)
    for k in range(4):
        part = g * _column(xp, y_weight[k].astype(t))
        rows = xp.asarray(y_index[k])[:, None]
        for j in range(4):
            xp.add.at(out, (slice(None), rows, xp.asarray(x_index[j])[None, :]), part * _row(xp, x_weight[j].astype(t)))
    return out


# --- ResizeArea ------------------------------------------------------------------------------------

@register_kernel("ResizeArea", host_inputs=(1,))
def _resize_area(ctx, images, size):
    xp = ctx.xp
    align, _, out_h, out_w = _check_resize(ctx, images, size)     # no half_pixel_centers: always centred
    _, h, w, _ = images.shape
    h_scale, w_scale = _resize_scale(h, out_h, align), _resize_scale(w, out_w, align)
    y_index, y_weight, y_valid = _area_taps(out_h, h, h_scale)
    x_index, x_weight, x_valid = _area_taps(out_w, w, w_scale)
    # Each output pixel: the covered cells of each covered row summed with their weights, left to right,
    # then the rows summed with theirs, top to bottom, then scaled by 1 / (height scale * width scale).
    total = None
    for k in range(len(y_index)):
        rows = _as_f32(xp, xp.take(images, xp.asarray(y_index[k]), axis=1))
        row_sum = None
        for j in range(len(x_index)):
            term = xp.take(rows, xp.asarray(x_index[j]), axis=2) * _row(xp, x_weight[j])
            row_sum = term if row_sum is None else xp.where(_row(xp, x_valid[j]), row_sum + term, row_sum)
        term = row_sum * _column(xp, y_weight[k])
        total = term if total is None else xp.where(_column(xp, y_valid[k]), total + term, total)
    return total * _F32(1.0 / np.float64(h_scale * w_scale))


# --- shapes ----------------------------------------------------------------------------------------

def shape_error(op, message):
    """A shape-inference ValueError worded as TensorFlow's: ``message`` for node ``op``."""
    def dims(s):
        return "?" if s.rank is None else "[%s]" % ",".join("?" if d is None else str(d) for d in s.dims)
    inputs = ", ".join(t.op.name for t in op.inputs)
    shapes = ", ".join(dims(t.shape) for t in op.inputs)
    return ValueError("%s for '{{node %s}} = %s(%s)' with input shapes: %s." % (message, op.name, op.type, inputs,
                                                                                 shapes))


def _with_rank(op, i, rank):
    s = op.inputs[i].shape
    if s.rank is None:
        return unknown_shape(rank)
    if s.rank != rank:
        raise shape_error(op, "Shape must be rank %d but is rank %d" % (rank, s.rank))
    return s


def _size_dims(op, i, what="size"):
    s = _with_rank(op, i, 1)
    if s.dims[0] is not None and s.dims[0] != 2:
        raise shape_error(op, "Dimension must be 2 but is %d" % s.dims[0])
    v = constant_value(op.inputs[i])
    return [None, None] if v is None else [int(d) for d in np.reshape(v, [-1])]


@register_shape("ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea")
def _resize_shape(op):
    images = _with_rank(op, 0, 4)
    height, width = _size_dims(op, 1)
    return [TensorShape([images.dims[0], height, width, images.dims[3]])]


@register_shape("ResizeNearestNeighborGrad")
def _resize_nearest_grad_shape(op):
    grads = _with_rank(op, 0, 4)
    height, width = _size_dims(op, 1)
    return [TensorShape([grads.dims[0], height, width, grads.dims[3]])]


@register_shape("ResizeBilinearGrad", "ResizeBicubicGrad")
def _resize_grad_shape(op):
    return [op.inputs[1].shape]


# --- gradients (TensorFlow's image_grad.py) ---------------------------------------------------------

def _corner_attrs(op):
    return {"align_corners": op.get_attr("align_corners"), "half_pixel_centers": op.get_attr("half_pixel_centers")}


@register_gradient("ResizeNearestNeighbor")
def _resize_nearest_gradient(op, grad):
    image = op.inputs[0]
    known = image.shape.rank is not None and image.shape.dims[1] is not None and image.shape.dims[2] is not None
    image_shape = image.shape.dims[1:3] if known else array_ops.shape(image)[1:3]
    return [gen1("ResizeNearestNeighborGrad", [grad, image_shape], _corner_attrs(op),
                 default_name="ResizeNearestNeighborGrad"), None]


@register_gradient("ResizeBilinear")
def _resize_bilinear_gradient(op, grad):
    return [gen1("ResizeBilinearGrad", [grad, op.inputs[0]], _corner_attrs(op), default_name="ResizeBilinearGrad"),
            None]


@register_gradient("ResizeBicubic")
def _resize_bicubic_gradient(op, grad):
    if op.inputs[0].dtype.base_dtype not in (dtypes.float32, dtypes.float64):
        return [None, None]
    return [gen1("ResizeBicubicGrad", [grad, op.inputs[0]], _corner_attrs(op), default_name="ResizeBicubicGrad"),
            None]


not_differentiable("ResizeBilinearGrad")


# --- constructors (TensorFlow 1's tf.image functions of these names) ----------------------------------

def _resizer(op_type, half_pixel=True):
    if half_pixel:
        def build(images, size, align_corners=False, name=None, half_pixel_centers=False):
            return gen1(op_type, [images, size], {"align_corners": align_corners,
                                                  "half_pixel_centers": half_pixel_centers}, name, op_type)
    else:
        def build(images, size, align_corners=False, name=None):
            return gen1(op_type, [images, size], {"align_corners": align_corners}, name, op_type)
    return build


resize_bilinear = _resizer("ResizeBilinear")
resize_bilinear.__name__ = "resize_bilinear"
resize_bilinear.__doc__ = """``images`` ([batch, height, width, channels]) resized to ``size`` ([new_height,
new_width]) by bilinear interpolation, as float32 (ResizeBilinear). ``align_corners`` maps the corner pixels onto
each other; ``half_pixel_centers`` samples at pixel centres (what tf.image.resize does in TensorFlow 2).

    tg.image.resize_bilinear(images, [224, 224], half_pixel_centers=True)
"""
resize_nearest_neighbor = _resizer("ResizeNearestNeighbor")
resize_nearest_neighbor.__name__ = "resize_nearest_neighbor"
resize_nearest_neighbor.__doc__ = """``images`` resized to ``size`` by copying the nearest pixel, in their own dtype
(ResizeNearestNeighbor); ``align_corners`` and ``half_pixel_centers`` as in resize_bilinear."""
resize_bicubic = _resizer("ResizeBicubic")
resize_bicubic.__name__ = "resize_bicubic"
resize_bicubic.__doc__ = """``images`` resized to ``size`` by bicubic interpolation, as float32 (ResizeBicubic); with
``half_pixel_centers``, Keys' cubic kernel (a = -0.5) and no weight outside the image."""
resize_area = _resizer("ResizeArea", half_pixel=False)
resize_area.__name__ = "resize_area"
resize_area.__doc__ = """``images`` resized to ``size`` by area averaging, as float32 (ResizeArea): each output pixel is
the mean of the input area it covers."""
