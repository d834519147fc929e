"""CropAndResize with its two gradient ops (CropAndResizeGradImage, CropAndResizeGradBoxes), and TensorFlow 1's
``tf.image.crop_and_resize``.

    crops = tg.image.crop_and_resize(images, boxes, box_ind, [14, 14])     # boxes: [n, 4] y1, x1, y2, x2 in [0, 1]

The crops are TensorFlow's CPU kernel's, to the bit: each box's sampling rows and columns worked out in float32
as TensorFlow does (the middle of the box for a crop one pixel tall or wide, in double as there), samples
outside the image set to ``extrapolation_value``, bilinear samples combined with compute_lerp's operations in
the same order, nearest ones rounded half away from zero. The gradients scatter (image) and sum (boxes) the
same terms as TensorFlow, added in another order. Written against ``ctx.xp`` for every device.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape, constant_value
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.image_ops import shape_error
from tagraph.engine.ops.op_util import dbg, gen1, host_ints, invalid

__all__ = ["crop_and_resize"]

_F32 = np.float32


def _method(ctx, allowed=("bilinear", "nearest")):
    method = ctx.attrs.get("method", b"bilinear")
    method = method.decode() if isinstance(method, bytes) else method
    if method not in allowed:
        raise invalid("method must be %s%s", " or ".join("'%s'" % m for m in allowed), method)
    return method


def _check_boxes(xp, boxes, box_index, batch_size):
    """ParseAndCheckBoxSizes and RunIfBoxIndexIsValid: the number of boxes."""
    if boxes.size == 0 and box_index.size == 0:
        return 0
    if boxes.ndim != 2:
        raise invalid("boxes must be 2-D%s", dbg(boxes.shape))
    if boxes.shape[1] != 4:
        raise invalid("boxes must have 4 columns")
    if box_index.ndim != 1:
        raise invalid("box_index must be 1-D%s", dbg(box_index.shape))
    if box_index.shape[0] != boxes.shape[0]:
        raise invalid("box_index has incompatible shape")
    if bool(xp.any((box_index < 0) | (box_index >= batch_size))):
        raise errors.OutOfRangeError(None, None, "box_index has values outside [0, batch_size)")
    return boxes.shape[0]


def _samples(xp, low, high, size, out_size, ratio_first=False):
    """Where each box samples one axis: ([n, out] float32 coordinates, [n, out] inside the image). The gradient
    of the boxes scales by (size - 1) / (out - 1) first, the crop itself by (high - low) * (size - 1) first."""
    last = _F32(size - 1)
    if out_size > 1:
        if ratio_first:
            scale = (high - low) * (last / _F32(out_size - 1))
        else:
            scale = ((high - low) * last) / _F32(out_size - 1)
        steps = xp.asarray(np.arange(out_size, dtype=_F32))
        where = low[:, None] * last + steps[None, :] * scale[:, None]
    else:
        where = (0.5 * (low + high).astype(np.float64) * (size - 1)).astype(_F32)[:, None]
    return where, ~((where < 0) | (where > last))


def _corners(xp, where, size):
    """floor and ceil (kept inside the image for the gathers) and the weight of the ceil."""
    low = xp.floor(where)
    return (xp.clip(low, 0, size - 1).astype(np.int64), xp.clip(xp.ceil(where), 0, size - 1).astype(np.int64),
            where - low)


def _roundf(xp, v):
    t = xp.trunc(v)
    return t + xp.sign(v) * (xp.abs(v - t) >= _F32(0.5))


@register_kernel("CropAndResize", host_inputs=(3,))
def _crop_and_resize(ctx, image, boxes, box_index, crop_size):
    xp = ctx.xp
    method = _method(ctx)
    if image.ndim != 4:
        raise invalid("input image must be 4-D%s", dbg(image.shape))
    batch, h, w, depth = image.shape
    if h <= 0 or w <= 0:
        raise invalid("image dimensions must be positive")
    if boxes.ndim != 2:
        raise invalid("boxes must be 2-D, got: %s", dbg(boxes.shape))
    if box_index.ndim != 1:
        raise invalid("box_indices must be rank 1 but is shape %s", dbg(box_index.shape))
    n = _check_boxes(xp, boxes, box_index, batch)
    crop_size = np.asarray(crop_size)
    if crop_size.ndim != 1:
        raise invalid("crop_size must be 1-D%s", dbg(crop_size.shape))
    if crop_size.shape[0] != 2:
        raise invalid("crop_size must have two elements%s", dbg(crop_size.shape))
    ch, cw = host_ints(crop_size)
    if ch <= 0 or cw <= 0:
        raise invalid("crop dimensions must be positive")
    if n == 0:
        return xp.zeros((0, ch, cw, depth), _F32)
    if not bool(xp.all(xp.isfinite(boxes))):
        raise invalid("Boxes contains at least one element that is not finite")
    in_y, valid_y = _samples(xp, boxes[:, 0], boxes[:, 2], h, ch)
    in_x, valid_x = _samples(xp, boxes[:, 1], boxes[:, 3], w, cw)
    b = box_index.astype(np.int64)[:, None, None]
    if method == "bilinear":
        top, bottom, y_lerp = _corners(xp, in_y, h)
        left, right, x_lerp = _corners(xp, in_x, w)

        def at(rows, cols):
            return image[b, rows[:, :, None], cols[:, None, :]].astype(_F32, copy=False)
        x_lerp = x_lerp[:, None, :, None]
        top_left, bottom_left = at(top, left), at(bottom, left)
        upper = top_left + (at(top, right) - top_left) * x_lerp
        lower = bottom_left + (at(bottom, right) - bottom_left) * x_lerp
        crops = upper + (lower - upper) * y_lerp[:, :, None, None]
    else:
        rows = xp.clip(_roundf(xp, in_y), 0, h - 1).astype(np.int64)
        cols = xp.clip(_roundf(xp, in_x), 0, w - 1).astype(np.int64)
        crops = image[b, rows[:, :, None], cols[:, None, :]].astype(_F32, copy=False)
    inside = (valid_y[:, :, None] & valid_x[:, None, :])[:, :, :, None]
    return xp.where(inside, crops, _F32(ctx.attrs.get("extrapolation_value", 0.0)))


@register_kernel("CropAndResizeGradImage", host_inputs=(3,))
def _crop_and_resize_grad_image(ctx, grads, boxes, box_index, image_size):
    xp = ctx.xp
    method = _method(ctx)
    if grads.ndim != 4:
        raise invalid("grads image must be 4-D%s", dbg(grads.shape))
    n, ch, cw, depth = grads.shape
    if ch <= 0 or cw <= 0:
        raise invalid("grads dimensions must be positive")
    image_size = np.asarray(image_size)
    if image_size.ndim != 1:
        raise invalid("image_size must be 1-D%s", dbg(image_size.shape))
    if image_size.shape[0] != 4:
        raise invalid("image_size must have 4 elements%s", dbg(image_size.shape))
    batch, h, w, image_depth = host_ints(image_size)
    if h <= 0 or w <= 0:
        raise invalid("image dimensions must be positive")
    if image_depth != depth:
        raise invalid("image_size and grads are incompatible")
    if _check_boxes(xp, boxes, box_index, batch) != n:
        raise invalid("boxes and grads have incompatible shape")
    t = np.dtype(dtypes.as_dtype(ctx.attrs.get("T", dtypes.float32)).as_numpy_dtype)
    out = xp.zeros((batch, h, w, depth), t)
    if n == 0:
        return out
    in_y, valid_y = _samples(xp, boxes[:, 0], boxes[:, 2], h, ch)
    in_x, valid_x = _samples(xp, boxes[:, 1], boxes[:, 3], w, cw)
    inside = (valid_y[:, :, None] & valid_x[:, None, :])
    b = xp.broadcast_to(box_index.astype(np.int64)[:, None, None], inside.shape)[inside]
    if method == "nearest":
        rows = xp.broadcast_to(_roundf(xp, in_y).astype(np.int64)[:, :, None], inside.shape)[inside]
        cols = xp.broadcast_to(_roundf(xp, in_x).astype(np.int64)[:, None, :], inside.shape)[inside]
        xp.add.at(out, (b, rows, cols), grads[inside].astype(t))
        return out
    top, bottom, y_lerp = _corners(xp, in_y, h)
    left, right, x_lerp = _corners(xp, in_x, w)
    g = grads[inside]                                                     # [k, depth]
    y_lerp = xp.broadcast_to(y_lerp[:, :, None], inside.shape)[inside][:, None]
    x_lerp = xp.broadcast_to(x_lerp[:, None, :], inside.shape)[inside][:, None]
    one = _F32(1)
    d_top, d_bottom = (one - y_lerp) * g, y_lerp * g
    for rows, part in ((top, d_top), (bottom, d_bottom)):
        r = xp.broadcast_to(rows[:, :, None], inside.shape)[inside]
        for cols, weight in ((left, one - x_lerp), (right, x_lerp)):
            c = xp.broadcast_to(cols[:, None, :], inside.shape)[inside]
            xp.add.at(out, (b, r, c), (weight * part).astype(t))
    return out


@register_kernel("CropAndResizeGradBoxes")
def _crop_and_resize_grad_boxes(ctx, grads, image, boxes, box_index):
    xp = ctx.xp
    _method(ctx, ("bilinear",))
    if grads.ndim != 4:
        raise invalid("grads image must be 4-D%s", dbg(grads.shape))
    n, ch, cw, depth = grads.shape
    if ch <= 0 or cw <= 0:
        raise invalid("grads dimensions must be positive")
    if image.ndim != 4:
        raise invalid("input image must be 4-D%s", dbg(image.shape))
    batch, h, w, image_depth = image.shape
    if h <= 0 or w <= 0:
        raise invalid("image dimensions must be positive")
    if image_depth != depth:
        raise invalid("image, grads depth differ")
    if _check_boxes(xp, boxes, box_index, batch) != n:
        raise invalid("boxes and grads have incompatible shape")
    if n == 0:
        return xp.zeros((0, 4), _F32)
    in_y, valid_y = _samples(xp, boxes[:, 0], boxes[:, 2], h, ch, ratio_first=True)
    in_x, valid_x = _samples(xp, boxes[:, 1], boxes[:, 3], w, cw, ratio_first=True)
    top, bottom, y_lerp = _corners(xp, in_y, h)
    left, right, x_lerp = _corners(xp, in_x, w)
    b = box_index.astype(np.int64)[:, None, None]

    def at(rows, cols):
        return image[b, rows[:, :, None], cols[:, None, :]].astype(_F32, copy=False)
    top_left, top_right, bottom_left, bottom_right = at(top, left), at(top, right), at(bottom, left), at(bottom, right)
    one = _F32(1)
    yl, xl = y_lerp[:, :, None, None], x_lerp[:, None, :, None]
    inside = (valid_y[:, :, None] & valid_x[:, None, :])[:, :, :, None]
    grad_y = xp.where(inside, ((one - xl) * (bottom_left - top_left) + xl * (bottom_right - top_right)) * grads, 0)
    grad_x = xp.where(inside, ((one - yl) * (top_right - top_left) + yl * (bottom_right - bottom_left)) * grads, 0)

    def spread(grad, out_size, size, axis):
        """(d low, d high): the image gradient along one axis times each sample's share of each box edge."""
        if out_size > 1:
            ratio = _F32(size - 1) / _F32(out_size - 1)
            steps = xp.asarray(np.arange(out_size, dtype=_F32)) * ratio
            shape = [1, 1, 1, 1]
            shape[axis] = out_size
            low, high = (_F32(size - 1) - steps).reshape(shape), steps.reshape(shape)
        else:
            low = high = _F32(0.5 * (size - 1))
        return (grad * low).sum(axis=(1, 2, 3)), (grad * high).sum(axis=(1, 2, 3))

    dy1, dy2 = spread(grad_y, ch, h, 1)
    dx1, dx2 = spread(grad_x, cw, w, 2)
    return xp.stack([dy1, dx1, dy2, dx2], axis=1).astype(_F32)


# --- shapes and gradients --------------------------------------------------------------------------

def _rank(op, i, rank):
    s = op.inputs[i].shape
    if s.rank is None:
        return unknown_shape(rank)
    if s.rank != rank:
        raise shape_error(op, "Shape must be rank %d but is rank %d" % (rank, s.rank))
    return s


@register_shape("CropAndResize")
def _crop_and_resize_shape(op):
    image, boxes, box_index = _rank(op, 0, 4), _rank(op, 1, 2), _rank(op, 2, 1)
    a, c = boxes.dims[0], box_index.dims[0]
    if a is not None and c is not None and a != c:
        raise shape_error(op, "Dimensions must be equal, but are %d and %d" % (a, c))
    if boxes.dims[1] is not None and boxes.dims[1] != 4:
        raise shape_error(op, "Dimension must be 4 but is %d" % boxes.dims[1])
    size = _rank(op, 3, 1)
    if size.dims[0] is not None and size.dims[0] != 2:
        raise shape_error(op, "Dimension must be 2 but is %d" % size.dims[0])
    v = constant_value(op.inputs[3])
    height, width = (None, None) if v is None else (int(v[0]), int(v[1]))
    return [TensorShape([a if a is not None else c, height, width, image.dims[3]])]


@register_shape("CropAndResizeGradImage")
def _crop_and_resize_grad_image_shape(op):
    s = constant_shape(op.inputs[3])
    if s.rank is not None and s.rank != 4:
        raise shape_error(op, "Shape must be rank 4 but is rank %d" % s.rank)
    return [s if s.rank is not None else unknown_shape(4)]


@register_shape("CropAndResizeGradBoxes")
def _crop_and_resize_grad_boxes_shape(op):
    return [op.inputs[2].shape]


@register_gradient("CropAndResize")
def _crop_and_resize_gradient(op, grad):
    """TensorFlow's _CropAndResizeGrad: to the image when it is float, always to the boxes."""
    image = op.inputs[0]
    image_shape = image.shape.as_list() if image.shape.is_fully_defined() else array_ops.shape(image)
    grad_image = None
    if image.dtype.base_dtype in (dtypes.float16, dtypes.float32, dtypes.float64):
        grad_image = gen1("CropAndResizeGradImage", [grad, op.inputs[1], op.inputs[2], image_shape],
                          {"T": image.dtype.base_dtype, "method": op.get_attr("method")},
                          default_name="CropAndResizeGradImage")
    grad_boxes = gen1("CropAndResizeGradBoxes", [grad, op.inputs[0], op.inputs[1], op.inputs[2]], None,
                      default_name="CropAndResizeGradBoxes")
    return [grad_image, grad_boxes, None, None]


def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear", extrapolation_value=0,
                    name=None, box_indices=None):
    """Crops of ``image`` ([batch, h, w, c]) at ``boxes`` ([n, 4]: y1, x1, y2, x2, normalized), each from the
    image ``box_ind`` names, resized to ``crop_size`` ([crop_h, crop_w]), as float32 (CropAndResize).

        tg.image.crop_and_resize(images, [[0.1, 0.2, 0.6, 0.9]], [0], [7, 7])
    """
    if box_ind is not None and box_indices is not None:
        raise ValueError("Cannot specify both 'box_indices' and 'box_ind'")
    box_ind = box_indices if box_ind is None else box_ind
    return gen1("CropAndResize", [image, boxes, box_ind, crop_size],
                {"method": method, "extrapolation_value": float(extrapolation_value)}, name, "CropAndResize")
