"""``tf.image``'s pixel functions, as TensorFlow 1's image_ops_impl builds them: convert_image_dtype, the
adjustments (brightness, contrast, gamma, hue, saturation, JPEG quality) and their random forms,
per_image_standardization, grey/RGB and RGB/HSV/YIQ/YUV conversions, decode_image, total_variation and
image_gradients.

    image = tg.image.convert_image_dtype(tg.image.decode_jpeg(data, channels=3), tg.float32)   # [0, 1)
    image = tg.image.random_brightness(image, max_delta=32 / 255, seed=1)
    image = tg.image.per_image_standardization(image)

Integer images stand for [0, MAX] of their type, float images for [0, 1]; each adjustment works in float and
converts back as TensorFlow does (saturating where it does), so values are TensorFlow's, random ones too for
the same seeds.
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.clip_ops import saturate_cast
from tagraph.engine.ops.color_ops import (adjust_contrast_op, adjust_hue_op, adjust_saturation_op, hsv_to_rgb,
                                          rgb_to_hsv)
from tagraph.engine.ops.image_checks import (assert_at_least_3d, assert_grayscale, assert_true, is_tensor,
                                             with_dependencies)
from tagraph.engine.ops.image_codec_ops import decode_image_op, decode_jpeg, encode_jpeg_variable_quality
from tagraph.engine.ops.joining_ops import concat, stack, tile, unstack
from tagraph.engine.ops.matmul_ops import tensordot
from tagraph.engine.ops.random_ops import random_uniform
from tagraph.engine.ops.reduction_ops import reduce_mean, reduce_prod, reduce_sum

__all__ = ["convert_image_dtype", "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue",
           "adjust_saturation", "adjust_jpeg_quality", "random_brightness", "random_contrast", "random_hue",
           "random_saturation", "random_jpeg_quality", "per_image_standardization", "rgb_to_grayscale",
           "grayscale_to_rgb", "rgb_to_hsv", "hsv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb",
           "decode_image", "total_variation", "image_gradients"]


def _scope(values, name):
    g = _graph_of([v for v in values if is_tensor(v)])
    return g, g.name_scope(name)


# --- convert_image_dtype -------------------------------------------------------------------------------

def _limits(dtype):
    info = np.finfo(dtype.as_numpy_dtype) if dtype.is_floating else np.iinfo(dtype.as_numpy_dtype)
    return info.min, info.max


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """``image`` in ``dtype``, its values rescaled: integers stand for [0, MAX], floats for [0, 1].

        tg.image.convert_image_dtype(uint8_image, tg.float32)       # x / 255
    """
    image = convert_to_tensor(image, name="image")
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating and not dtype.is_integer:
        raise AttributeError("dtype must be either floating point or integer")
    if not image.dtype.is_floating and not image.dtype.is_integer:
        raise AttributeError("image dtype must be either floating point or integer")
    if dtype == image.dtype:
        return array_ops.identity(image, name=name)
    g, scope = _scope([image], name or "convert_image")
    with g.as_default(), scope as scope_str:
        if image.dtype.is_integer and dtype.is_integer:
            scale_in, scale_out = _limits(image.dtype)[1], _limits(dtype)[1]
            if scale_in > scale_out:
                scaled = math_ops.floordiv(image, (int(scale_in) + 1) // (int(scale_out) + 1))
                return (saturate_cast if saturate else math_ops.cast)(scaled, dtype, name=scope_str)
            cast = saturate_cast(image, dtype) if saturate else math_ops.cast(image, dtype)
            return math_ops.multiply(cast, (int(scale_out) + 1) // (int(scale_in) + 1), name=scope_str)
        if image.dtype.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype, name=scope_str)
        if image.dtype.is_integer:
            cast = math_ops.cast(image, dtype)
            return math_ops.multiply(cast, 1.0 / _limits(image.dtype)[1], name=scope_str)
        scaled = math_ops.multiply(image, float(_limits(dtype)[1]) + 0.5)
        return (saturate_cast if saturate else math_ops.cast)(scaled, dtype, name=scope_str)


def _to_float(image):
    """The image as float: half and float32 images as they are, others converted."""
    return image if image.dtype in (dtypes.float16, dtypes.float32) else convert_image_dtype(image, dtypes.float32)


# --- adjustments ----------------------------------------------------------------------------------------

def adjust_brightness(image, delta):
    """``image`` + ``delta`` (in [0, 1] units), saturated back into the image's type."""
    g, scope = _scope([image, delta], "adjust_brightness")
    with g.as_default(), scope as scope_str:
        image = convert_to_tensor(image, name="image")
        flt = _to_float(image)
        adjusted = math_ops.add(flt, math_ops.cast(delta, flt.dtype), name=scope_str)
        return convert_image_dtype(adjusted, image.dtype, saturate=True)


def adjust_contrast(images, contrast_factor):
    """Each channel of each image moved away from its mean: (x - mean) * contrast_factor + mean."""
    g, scope = _scope([images, contrast_factor], "adjust_contrast")
    with g.as_default(), scope as scope_str:
        images = convert_to_tensor(images, name="images")
        adjusted = adjust_contrast_op(_to_float(images), contrast_factor, name=scope_str)
        return convert_image_dtype(adjusted, images.dtype, saturate=True)


def adjust_gamma(image, gamma=1, gain=1):
    """gain * image ** gamma, in [0, 1] units."""
    g, scope = _scope([image, gamma, gain], "adjust_gamma")
    with g.as_default(), scope:
        image = convert_to_tensor(image, name="image")
        flt = _to_float(image)
        checks = assert_true(gamma >= 0, ValueError, "Gamma should be a non-negative real number.")
        if checks:
            gamma = with_dependencies(checks, gamma)
        return convert_image_dtype(gain * flt ** gamma, image.dtype, saturate=True)


def adjust_hue(image, delta, name=None):
    """RGB ``image`` with its hue turned by ``delta`` (in [-1, 1], a fraction of the colour wheel)."""
    g, scope = _scope([image], name or "adjust_hue")
    with g.as_default(), scope:
        image = convert_to_tensor(image, name="image")
        return convert_image_dtype(adjust_hue_op(_to_float(image), delta), image.dtype)


def adjust_saturation(image, saturation_factor, name=None):
    """RGB ``image`` with its saturation multiplied by ``saturation_factor`` (and clipped to [0, 1])."""
    g, scope = _scope([image], name or "adjust_saturation")
    with g.as_default(), scope:
        image = convert_to_tensor(image, name="image")
        return convert_image_dtype(adjust_saturation_op(_to_float(image), saturation_factor), image.dtype)


def adjust_jpeg_quality(image, jpeg_quality, dct_method="", name=None):
    """``image`` after a round trip through JPEG at ``jpeg_quality`` (0-100)."""
    g, scope = _scope([image], name or "adjust_jpeg_quality")
    with g.as_default(), scope:
        image = convert_to_tensor(image, name="image")
        channels = image.shape.as_list()[-1] if image.shape.rank is not None else None
        orig_dtype = image.dtype
        image = convert_image_dtype(image, dtypes.uint8, saturate=True)
        if not is_tensor(jpeg_quality):
            jpeg_quality = convert_to_tensor(jpeg_quality, dtype=dtypes.int32)
        image = encode_jpeg_variable_quality(image, jpeg_quality)
        image = decode_jpeg(image, channels=channels or 0, dct_method=dct_method)
        return convert_image_dtype(image, orig_dtype, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, random_uniform([], -max_delta, max_delta, seed=seed))


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_contrast(image, random_uniform([], lower, upper, seed=seed))


def random_hue(image, max_delta, seed=None):
    """adjust_hue by a delta drawn uniformly from [-max_delta, max_delta) (max_delta at most 0.5)."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, random_uniform([], -max_delta, max_delta, seed=seed))


def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_saturation(image, random_uniform([], lower, upper, seed=seed))


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None):
    """adjust_jpeg_quality at a quality drawn uniformly from [min_jpeg_quality, max_jpeg_quality)."""
    if (min_jpeg_quality < 0 or max_jpeg_quality < 0 or min_jpeg_quality > 100 or max_jpeg_quality > 100):
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if min_jpeg_quality >= max_jpeg_quality:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    quality = random_uniform([], min_jpeg_quality, max_jpeg_quality, seed=seed, dtype=dtypes.int32)
    return adjust_jpeg_quality(image, quality)


def per_image_standardization(image):
    """Each image scaled to mean 0 and variance 1: (x - mean) / max(stddev, 1 / sqrt(pixels)), as float32."""
    g, scope = _scope([image], "per_image_standardization")
    with g.as_default(), scope as scope_str:
        image = assert_at_least_3d(convert_to_tensor(image, name="image"))
        image = math_ops.cast(image, dtype=dtypes.float32)
        num_pixels = reduce_prod(array_ops.shape(image)[-3:])
        mean = reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        with g.name_scope("reduce_std"), g.name_scope("reduce_variance"):
            variance = reduce_mean(math_ops.square(image - reduce_mean(image, axis=[-1, -2, -3], keepdims=True)),
                                   axis=[-1, -2, -3], keepdims=True)
        stddev = math_ops.sqrt(variance)
        min_stddev = math_ops.rsqrt(math_ops.cast(num_pixels, dtypes.float32))
        adjusted_stddev = math_ops.maximum(stddev, min_stddev)
        image = image - mean
        return math_ops.divide(image, adjusted_stddev, name=scope_str)


# --- colour spaces --------------------------------------------------------------------------------------

def rgb_to_grayscale(images, name=None):
    """RGB ``images`` ([..., 3]) as grey ([..., 1]): 0.2989 R + 0.5870 G + 0.1140 B, in their dtype."""
    g, scope = _scope([images], name or "rgb_to_grayscale")
    with g.as_default(), scope as scope_str:
        images = convert_to_tensor(images, name="images")
        flt = convert_image_dtype(images, dtypes.float32)
        gray = array_ops.expand_dims(tensordot(flt, [0.2989, 0.5870, 0.1140], [-1, -1]), -1)
        return convert_image_dtype(gray, images.dtype, name=scope_str)


def grayscale_to_rgb(images, name=None):
    """Grey ``images`` ([..., 1]) as RGB ([..., 3]), the value repeated."""
    g, scope = _scope([images], name or "grayscale_to_rgb")
    with g.as_default(), scope as scope_str:
        images = assert_grayscale(convert_to_tensor(images, name="images"))
        rank_1 = array_ops.expand_dims(array_ops.rank(images) - 1, 0)
        multiples = concat([array_ops.ones(rank_1, dtype=dtypes.int32), array_ops.expand_dims(3, 0)], 0)
        rgb = tile(images, multiples, name=scope_str)
        if images.shape.rank is not None:
            rgb.set_shape(images.shape.dims[:-1] + [3])
        return rgb


_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617], [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021], [0.6208248, -0.64720424, 1.70423049]]
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512], [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _linear_colour(kernel):
    def convert(images):
        images = convert_to_tensor(images, name="images")
        k = convert_to_tensor(kernel, dtype=images.dtype, name="kernel")
        return tensordot(images, k, axes=[[images.shape.rank - 1], [0]])
    return convert


rgb_to_yiq = _linear_colour(_RGB_TO_YIQ)
rgb_to_yiq.__name__, rgb_to_yiq.__doc__ = "rgb_to_yiq", "RGB ``images`` ([..., 3] floats) as YIQ."
yiq_to_rgb = _linear_colour(_YIQ_TO_RGB)
yiq_to_rgb.__name__, yiq_to_rgb.__doc__ = "yiq_to_rgb", "YIQ ``images`` as RGB."
rgb_to_yuv = _linear_colour(_RGB_TO_YUV)
rgb_to_yuv.__name__, rgb_to_yuv.__doc__ = "rgb_to_yuv", "RGB ``images`` ([..., 3] floats) as YUV."
yuv_to_rgb = _linear_colour(_YUV_TO_RGB)
yuv_to_rgb.__name__, yuv_to_rgb.__doc__ = "yuv_to_rgb", "YUV ``images`` as RGB."


# --- decoding any image ---------------------------------------------------------------------------------

def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """The image a BMP, GIF, JPEG or PNG string holds (DecodeImage): [height, width, channels], or for a GIF
    with ``expand_animations`` [frames, height, width, 3]; in ``dtype`` (uint8, uint16 and float32 directly,
    others converted as convert_image_dtype converts).

        image = tg.image.decode_image(tg.read_file(path), channels=3, expand_animations=False)
    """
    g, scope = _scope([contents], name or "decode_image")
    with g.as_default(), scope:
        channels = 0 if channels is None else channels
        dtype = dtypes.as_dtype(dtype)
        decode_dtype = dtype if dtype in (dtypes.float32, dtypes.uint8, dtypes.uint16) else dtypes.uint16
        image = decode_image_op(contents, channels, decode_dtype, expand_animations)
        if decode_dtype != dtype:
            image = convert_image_dtype(image, dtype)
        if not expand_animations:
            image.set_shape([None, None, channels or None])
        return image


# --- measures -------------------------------------------------------------------------------------------

def total_variation(images, name=None):
    """The sum of absolute differences between neighbouring pixels: a scalar for one image, [batch] for a
    batch."""
    g, scope = _scope([images], name or "total_variation")
    with g.as_default(), scope:
        rank = images.shape.rank
        if rank == 3:
            dif1 = images[1:, :, :] - images[:-1, :, :]
            dif2 = images[:, 1:, :] - images[:, :-1, :]
            axis = None
        elif rank == 4:
            dif1 = images[:, 1:, :, :] - images[:, :-1, :, :]
            dif2 = images[:, :, 1:, :] - images[:, :, :-1, :]
            axis = [1, 2, 3]
        else:
            raise ValueError("'images' must be either 3 or 4-dimensional.")
        return reduce_sum(math_ops.abs(dif1), axis=axis) + reduce_sum(math_ops.abs(dif2), axis=axis)


def image_gradients(image):
    """(dy, dx): each pixel's difference to the one below and the one to the right (0 on the last row and
    column), for a [batch, h, w, d] image."""
    if image.shape.rank != 4:
        raise ValueError("image_gradients expects a 4D tensor [batch_size, h, w, d], not {}.".format(
            image.shape))
    image_shape = array_ops.shape(image)
    batch_size, height, width, depth = unstack(image_shape)
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = array_ops.reshape(concat([dy, array_ops.zeros(stack([batch_size, 1, width, depth]), image.dtype)], 1),
                           image_shape)
    dx = array_ops.reshape(concat([dx, array_ops.zeros(stack([batch_size, height, 1, depth]), image.dtype)], 2),
                           image_shape)
    return dy, dx
