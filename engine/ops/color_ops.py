"""Colour ops: RGBToHSV and HSVToRGB (with RGBToHSV's gradient), AdjustContrastv2, AdjustHue and
AdjustSaturation, and ``tf.image.rgb_to_hsv`` / ``hsv_to_rgb`` that build the first two.

    hsv = tg.image.rgb_to_hsv(rgb)          # [..., 3] floats in [0, 1]: hue, saturation, value

The values are TensorFlow's CPU kernels', to the bit: RGBToHSV and HSVToRGB are TensorFlow's Eigen
expressions in the image's own type; AdjustHue and AdjustSaturation are its per-pixel float loops (the hue
range trick of adjust_hue_op.cc, the HSV round trip of adjust_saturation_op.cc with its double-precision
constants), vectorized over the pixels; AdjustContrastv2 takes each channel's mean by TensorFlow's folding
sum (the plane halved and added onto itself until one row is left), so its rounding is TensorFlow's too.
TensorFlow's CPU runs the adjustments in float only; here half images are adjusted in float and rounded back,
as its GPU kernels do. The kernels are written against ``ctx.xp`` and serve every device.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import errors
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import unknown_shape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.image_ops import shape_error
from tagraph.engine.ops.joining_ops import stack
from tagraph.engine.ops.op_util import dbg, gen1, invalid

__all__ = ["rgb_to_hsv", "hsv_to_rgb"]

_F32 = np.float32


def _channels(images):
    if images.ndim < 1:
        raise invalid("input must be at least 1D%s", dbg(images.shape))
    if images.shape[-1] != 3:
        raise errors.FailedPreconditionError(None, None, "input must have 3 channels but input only has %d channels."
                                             % images.shape[-1])


# --- RGBToHSV and HSVToRGB ------------------------------------------------------------------------------

@register_kernel("RGBToHSV")
def _rgb_to_hsv(ctx, images):
    xp = ctx.xp
    _channels(images)
    t = images.dtype.type
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    v = xp.maximum(xp.maximum(r, g), b)
    spread = v - xp.minimum(xp.minimum(r, g), b)
    s = xp.where(v > 0, spread / v, t(0))
    norm = (t(1) / spread) * (t(1) / t(6))
    h = xp.where(r == v, norm * (g - b), xp.where(g == v, norm * (b - r) + t(2) / t(6), norm * (r - g) + t(4) / t(6)))
    h = xp.where(spread > 0, h, t(0))
    h = xp.where(h < 0, h + t(1), h)
    return xp.stack([h, s, v], axis=-1).astype(images.dtype, copy=False)


@register_kernel("HSVToRGB")
def _hsv_to_rgb(ctx, images):
    xp = ctx.xp
    _channels(images)
    t = images.dtype.type
    h, s, v = images[..., 0], images[..., 1], images[..., 2]
    dh = h * t(6)
    dr = xp.clip(xp.abs(dh - t(3)) - t(1), t(0), t(1))
    dg = xp.clip(-xp.abs(dh - t(2)) + t(2), t(0), t(1))
    db = xp.clip(-xp.abs(dh - t(4)) + t(2), t(0), t(1))
    one_s = -s + t(1)
    return xp.stack([(one_s + s * dr) * v, (one_s + s * dg) * v, (one_s + s * db) * v], axis=-1).astype(
        images.dtype, copy=False)


@register_shape("RGBToHSV", "HSVToRGB")
def _colorspace_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    if s.rank < 1:
        raise shape_error(op, "Shape must be at least rank 1 but is rank %d" % s.rank)
    if s.dims[-1] is not None and s.dims[-1] != 3:
        raise shape_error(op, "Dimension must be 3 but is %d" % s.dims[-1])
    return [s.__class__(s.dims[:-1] + [3])]


def rgb_to_hsv(images, name=None):
    """``images`` ([..., 3] RGB in [0, 1]) as HSV: hue, saturation and value, each in [0, 1] (RGBToHSV)."""
    return gen1("RGBToHSV", [images], None, name, "RGBToHSV")


def hsv_to_rgb(images, name=None):
    """``images`` ([..., 3] HSV) as RGB (HSVToRGB)."""
    return gen1("HSVToRGB", [images], None, name, "HSVToRGB")


def _reciprocal(x):
    """div_no_nan(1, x): 0 where x is 0."""
    return math_ops.div_no_nan(math_ops.cast(1.0, x.dtype), x)


@register_gradient("RGBToHSV")
def _rgb_to_hsv_gradient(op, grad):
    """TensorFlow's _RGBToHSVGrad: each channel's partial derivatives, piece by piece."""
    images = op.inputs[0]
    reds, greens, blues = images[..., 0], images[..., 1], images[..., 2]
    saturation, value = op.outputs[0][..., 1], op.outputs[0][..., 2]
    dtype = images.dtype

    def flag(x):
        return math_ops.cast(x, dtype)

    red_biggest = flag((reds >= blues) & (reds >= greens))
    green_biggest = flag((greens > reds) & (greens >= blues))
    blue_biggest = flag((blues > reds) & (blues > greens))
    red_smallest = flag((reds < blues) & (reds < greens))
    green_smallest = flag((greens <= reds) & (greens < blues))
    blue_smallest = flag((blues <= reds) & (blues <= greens))

    dv_dr, dv_dg, dv_db = red_biggest, green_biggest, blue_biggest
    ds_dr = flag(reds > 0) * math_ops.add(
        red_biggest * math_ops.add(green_smallest * greens, blue_smallest * blues) *
        _reciprocal(math_ops.square(reds)), red_smallest * -1 *
        _reciprocal((green_biggest * greens) + (blue_biggest * blues)))
    ds_dg = flag(greens > 0) * math_ops.add(
        green_biggest * math_ops.add(red_smallest * reds, blue_smallest * blues) *
        _reciprocal(math_ops.square(greens)), green_smallest * -1 *
        _reciprocal((red_biggest * reds) + (blue_biggest * blues)))
    ds_db = flag(blues > 0) * math_ops.add(
        blue_biggest * math_ops.add(green_smallest * greens, red_smallest * reds) *
        _reciprocal(math_ops.square(blues)), blue_smallest * -1 *
        _reciprocal((green_biggest * greens) + (red_biggest * reds)))

    dh_dr_1 = 60 * (flag(reds > 0) * red_biggest * -1 * (greens - blues) *
                    _reciprocal(math_ops.square(saturation)) * _reciprocal(math_ops.square(value)))
    dh_dr_2 = 60 * (flag(greens > 0) * green_biggest * red_smallest * (blues - greens) *
                    _reciprocal(math_ops.square(reds - greens)))
    dh_dr_3 = 60 * (flag(greens > 0) * green_biggest * blue_smallest * -1 * _reciprocal(greens - blues))
    dh_dr_4 = 60 * (flag(blues > 0) * blue_biggest * red_smallest * (blues - greens) *
                    _reciprocal(math_ops.square(blues - reds)))
    dh_dr_5 = 60 * (flag(blues > 0) * blue_biggest * green_smallest * _reciprocal(blues - greens))
    dh_dr = (dh_dr_1 + dh_dr_2 + dh_dr_3 + dh_dr_4 + dh_dr_5) / 360

    dh_dg_1 = 60 * (flag(greens > 0) * green_biggest * -1 * (blues - reds) *
                    _reciprocal(math_ops.square(saturation)) * _reciprocal(math_ops.square(value)))
    dh_dg_2 = 60 * (flag(reds > 0) * red_biggest * green_smallest * (reds - blues) *
                    _reciprocal(math_ops.square(reds - greens)))
    dh_dg_3 = 60 * (flag(reds > 0) * red_biggest * blue_smallest * _reciprocal(reds - blues))
    dh_dg_4 = 60 * (flag(blues > 0) * blue_biggest * green_smallest * (reds - blues) *
                    _reciprocal(math_ops.square(blues - greens)))
    dh_dg_5 = 60 * (flag(blues > 0) * blue_biggest * red_smallest * -1 * _reciprocal(blues - reds))
    dh_dg = (dh_dg_1 + dh_dg_2 + dh_dg_3 + dh_dg_4 + dh_dg_5) / 360

    dh_db_1 = 60 * (flag(blues > 0) * blue_biggest * -1 * (reds - greens) *
                    _reciprocal(math_ops.square(saturation)) * _reciprocal(math_ops.square(value)))
    dh_db_2 = 60 * (flag(reds > 0) * red_biggest * blue_smallest * (greens - reds) *
                    _reciprocal(math_ops.square(reds - blues)))
    dh_db_3 = 60 * (flag(reds > 0) * red_biggest * green_smallest * -1 * _reciprocal(reds - greens))
    dh_db_4 = 60 * (flag(greens > 0) * green_biggest * blue_smallest * (greens - reds) *
                    _reciprocal(math_ops.square(greens - blues)))
    dh_db_5 = 60 * (flag(greens > 0) * green_biggest * red_smallest * _reciprocal(greens - reds))
    dh_db = (dh_db_1 + dh_db_2 + dh_db_3 + dh_db_4 + dh_db_5) / 360

    dv_drgb = stack([grad[..., 2] * dv_dr, grad[..., 2] * dv_dg, grad[..., 2] * dv_db], axis=-1)
    ds_drgb = stack([grad[..., 1] * ds_dr, grad[..., 1] * ds_dg, grad[..., 1] * ds_db], axis=-1)
    dh_drgb = stack([grad[..., 0] * dh_dr, grad[..., 0] * dh_dg, grad[..., 0] * dh_db], axis=-1)
    return [math_ops.add(math_ops.add(dv_drgb, ds_drgb), dh_drgb)]


not_differentiable("HSVToRGB")


# --- the adjustments ---------------------------------------------------------------------------------

def _adjust_checks(images, scalar, what):
    if images.ndim < 3:
        raise invalid("input must be at least 3-D, got shape%s", dbg(images.shape))
    if scalar.ndim != 0:
        raise invalid("%s must be scalar: %s", what, dbg(scalar.shape))


def _float_pixels(images):
    """The image as float32 pixels [n, 3] (half images are adjusted in float)."""
    return images.reshape(-1, 3).astype(_F32, copy=False)


@register_kernel("AdjustContrastv2", host_inputs=(1,))
def _adjust_contrast(ctx, images, contrast_factor):
    xp = ctx.xp
    _adjust_checks(images, np.asarray(contrast_factor), "contrast_factor")
    if images.size == 0:
        return images.copy()
    h, w, c = images.shape[-3:]
    planes = images.reshape(-1, h * w, c).astype(_F32, copy=False)
    total, n = planes, h * w
    while True:
        # ReduceMeanAcrossImage: fold the plane's second half onto its first until one row is left.
        right = n // 2
        left = n - right
        total = xp.concatenate([total[:, :right] + total[:, left:left + right], total[:, right:left]], axis=1)
        n = left
        if n <= 1:
            break
    mean = total[:, :1] * (_F32(1) / _F32(h * w))
    out = mean + _F32(np.asarray(contrast_factor)) * (planes - mean)
    return out.reshape(images.shape).astype(images.dtype, copy=False)


def _hue_range(xp, r, g, b):
    """adjust_hue_op's rgb_to_hv_range: hue in [0, 6), the smallest and the largest component."""
    rg, bl_r, bg_g, bl_g, bg_r = r < g, b < r, b > g, b < g, b > r
    v_max = xp.where(rg, xp.where(bl_r, g, xp.where(bg_g, b, g)), xp.where(bl_g, r, xp.where(bg_r, b, r)))
    v_mid = xp.where(rg, xp.where(bl_r, r, xp.where(bg_g, g, b)), xp.where(bl_g, g, xp.where(bg_r, r, b)))
    v_min = xp.where(rg, xp.where(bl_r, b, r), xp.where(bl_g, b, g))
    category = xp.where(rg, xp.where(bl_r, 1, xp.where(bg_g, 3, 2)), xp.where(bl_g, 0, xp.where(bg_r, 4, 5)))
    flat = v_max == v_min
    ratio = (v_mid - v_min) / xp.where(flat, _F32(1), v_max - v_min)
    h = category.astype(_F32) + xp.where(category % 2 == 0, ratio, _F32(1) - ratio)
    return xp.where(flat, _F32(0), h), v_min, v_max


def _wrap(xp, h, low, high, step):
    """TensorFlow's while loops that bring a value into [low, high) by whole steps."""
    while bool(xp.any(h < low)):
        h = xp.where(h < low, h + step, h)
    while bool(xp.any(h >= high)):
        h = xp.where(h >= high, h - step, h)
    return h


@register_kernel("AdjustHue", host_inputs=(1,))
def _adjust_hue(ctx, images, delta):
    xp = ctx.xp
    _adjust_checks(images, np.asarray(delta), "delta")
    if images.shape[-1] != 3:
        raise invalid("input must have 3 channels but instead has %d channels.", images.shape[-1])
    p = _float_pixels(images)
    h, v_min, v_max = _hue_range(xp, p[:, 0], p[:, 1], p[:, 2])
    h = _wrap(xp, h + _F32(np.asarray(delta)) * _F32(6), _F32(0), _F32(6), _F32(6))
    # hv_range_to_rgb
    category = h.astype(np.int32)
    ratio = h - category.astype(_F32)
    ratio = xp.where(category % 2 == 0, ratio, _F32(1) - ratio)
    v_mid = v_min + ratio * (v_max - v_min)
    table = {0: (v_max, v_mid, v_min), 1: (v_mid, v_max, v_min), 2: (v_min, v_max, v_mid),
             3: (v_min, v_mid, v_max), 4: (v_mid, v_min, v_max)}
    out = [v_max, v_min, v_mid]                      # category 5 (and any other)
    for cat, values in table.items():
        out = [xp.where(category == cat, new, old) for new, old in zip(values, out)]
    return xp.stack(out, axis=-1).reshape(images.shape).astype(images.dtype, copy=False)


@register_kernel("AdjustSaturation", host_inputs=(1,))
def _adjust_saturation(ctx, images, scale):
    xp = ctx.xp
    _adjust_checks(images, np.asarray(scale), "scale")
    if images.shape[-1] != 3:
        raise invalid("input must have 3 channels but instead has %d channels.", images.shape[-1])
    p = _float_pixels(images)
    r, g, b = p[:, 0], p[:, 1], p[:, 2]
    # adjust_saturation_op's rgb_to_hsv, its two constants in double as there.
    v = xp.maximum(r, xp.maximum(g, b))
    spread = v - xp.minimum(r, xp.minimum(g, b))
    s = xp.where(v > 0, spread / xp.where(v > 0, v, _F32(1)), _F32(0))
    norm = _F32(1) / (_F32(6) * spread)
    h = xp.where(r == v, norm * (g - b),
                 xp.where(g == v, ((norm * (b - r)).astype(np.float64) + 2.0 / 6.0).astype(_F32),
                          ((norm * (r - g)).astype(np.float64) + 4.0 / 6.0).astype(_F32)))
    h = xp.where(spread <= 0, _F32(0), h)
    h = xp.where(h < 0, h + _F32(1), h)
    s = xp.minimum(_F32(1), xp.maximum(_F32(0), s * _F32(np.asarray(scale))))
    # hsv_to_rgb
    c = s * v
    m = v - c
    dh = h * _F32(6)
    category = dh.astype(np.int32)
    fmodu = _wrap(xp, dh, np.nextafter(_F32(0), _F32(1)), _F32(2), _F32(2))     # while <= 0: += 2; >= 2: -= 2
    x = c * (_F32(1) - xp.abs(fmodu - _F32(1)))
    zero = xp.zeros_like(c)
    table = {0: (c, x, zero), 1: (x, c, zero), 2: (zero, c, x), 3: (zero, x, c), 4: (x, zero, c), 5: (c, zero, x)}
    out = [zero, zero, zero]
    for cat, values in table.items():
        out = [xp.where(category == cat, new, old) for new, old in zip(values, out)]
    return xp.stack([o + m for o in out], axis=-1).reshape(images.shape).astype(images.dtype, copy=False)


@register_shape("AdjustContrastv2", "AdjustHue", "AdjustSaturation")
def _adjust_shape(op):
    s = op.inputs[0].shape
    if op.type == "AdjustContrastv2" and op.inputs[1].shape.rank not in (None, 0):
        raise shape_error(op, "Shape must be rank 0 but is rank %d" % op.inputs[1].shape.rank)
    if s.rank is not None and s.rank < 3:
        raise shape_error(op, "Shape must be at least rank 3 but is rank %d" % s.rank)
    return [s]


def adjust_contrast_op(images, contrast_factor, name=None):
    """The AdjustContrastv2 op: each channel moved away from its mean by ``contrast_factor``."""
    return gen1("AdjustContrastv2", [images, contrast_factor], None, name, "AdjustContrastv2")


def adjust_hue_op(images, delta, name=None):
    """The AdjustHue op: the hue of RGB ``images`` turned by ``delta`` (a fraction of the colour wheel)."""
    return gen1("AdjustHue", [images, delta], None, name, "AdjustHue")


def adjust_saturation_op(images, scale, name=None):
    """The AdjustSaturation op: the saturation of RGB ``images`` multiplied by ``scale``."""
    return gen1("AdjustSaturation", [images, scale], None, name, "AdjustSaturation")
