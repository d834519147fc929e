"""Image quality and edge measures built from ops as TensorFlow builds them: psnr, ssim and sobel_edges.

    tg.image.psnr(restored, original, max_val=1.0)         # [batch] dB
    tg.image.ssim(restored, original, max_val=1.0)         # [batch], 11x11 Gaussian window
    tg.image.sobel_edges(images)                           # [batch, h, w, d, 2]: dy, dx

Images are [..., height, width, channels]; integer images are converted to float32 first
(``convert_image_dtype``), as is ``max_val``. The shapes of two compared images are checked while building
where they are known, and by Assert ops when the graph runs.
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import _graph_of, control_dependencies, convert_to_tensor
from tagraph.engine.ops import array_ops, math_ops, nn_ops
from tagraph.engine.ops.comparison_ops import equal, greater_equal
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.depthwise_conv_ops import depthwise_conv2d
from tagraph.engine.ops.image_adjust_ops import convert_image_dtype
from tagraph.engine.ops.joining_ops import concat, pad, tile
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.reduction_ops import reduce_all, reduce_mean

__all__ = ["psnr", "ssim", "sobel_edges"]


def _compatible_image_shapes(img1, img2):
    """TensorFlow's _verify_compatible_image_shapes: the static check, then the Assert ops."""
    shape1, shape2 = img1.shape, img2.shape
    for s in (shape1, shape2):
        if s.rank is not None and s.rank < 3:
            raise ValueError("Shape must be at least rank 3 but is rank %d" % s.rank)
    if shape1.rank is not None and shape2.rank is not None:
        if not shape1[-3:].is_compatible_with(shape2[-3:]):
            raise ValueError("Shapes %s and %s are incompatible" % (shape1[-3:], shape2[-3:]))
        for d1, d2 in zip(reversed(shape1.dims[:-3]), reversed(shape2.dims[:-3])):
            if not (d1 == 1 or d2 == 1 or d1 is None or d2 is None or d1 == d2):
                raise ValueError("Two images are not compatible: %s and %s" % (shape1, shape2))
    s1, s2 = array_ops.shape_n([img1, img2])
    return [Assert(greater_equal(array_ops.size(s1), 3), [s1, s2], summarize=10),
            Assert(reduce_all(equal(s1[-3:], s2[-3:])), [s1, s2], summarize=10)]


def psnr(a, b, max_val, name=None):
    """The peak signal-to-noise ratio of each image pair, in dB: ``20 log10(max_val) - 10 log10(mse)``."""
    g = _graph_of([v for v in (a, b) if hasattr(v, "graph")])
    with g.as_default(), g.name_scope(name or "PSNR"):
        a, b = convert_to_tensor(a), convert_to_tensor(b)
        max_val = convert_image_dtype(math_ops.cast(max_val, a.dtype), dtypes.float32)
        a = convert_image_dtype(a, dtypes.float32)
        b = convert_image_dtype(b, dtypes.float32)
        mse = reduce_mean(math_ops.squared_difference(a, b), [-3, -2, -1])
        value = math_ops.subtract(20 * math_ops.log(max_val) / math_ops.log(10.0),
                                  np.float32(10 / np.log(10)) * math_ops.log(mse), name="psnr")
        with control_dependencies(_compatible_image_shapes(a, b)):
            return array_ops.identity(value)


def _gaussian(size, sigma):
    """The [size, size, 1, 1] window of MATLAB's fspecial('gaussian'), through a softmax as TensorFlow's."""
    size = convert_to_tensor(size, dtypes.int32)
    sigma = convert_to_tensor(sigma)
    coords = math_ops.cast(math_ops.range(size), sigma.dtype)
    coords -= math_ops.cast(size - 1, sigma.dtype) / 2.0
    g = math_ops.square(coords)
    g *= -0.5 / math_ops.square(sigma)
    g = array_ops.reshape(g, [1, -1]) + array_ops.reshape(g, [-1, 1])
    g = nn_ops.softmax(array_ops.reshape(g, [1, -1]))
    return array_ops.reshape(g, [size, size, 1, 1])


def _ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2, return_index_map):
    filter_size = constant(filter_size, dtype=dtypes.int32)
    filter_sigma = constant(filter_sigma, dtype=img1.dtype)
    shape1, shape2 = array_ops.shape_n([img1, img2])
    checks = [Assert(reduce_all(greater_equal(s[-3:-1], filter_size)), [s, filter_size], summarize=8)
              for s in (shape1, shape2)]
    with control_dependencies(checks):
        img1 = array_ops.identity(img1)
    kernel = tile(_gaussian(filter_size, filter_sigma), [1, 1, shape1[-1], 1])

    def reducer(x):
        shape = array_ops.shape(x)
        x = array_ops.reshape(x, concat([[-1], shape[-3:]], 0))
        y = depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding="VALID")
        return array_ops.reshape(y, concat([shape[:-3], array_ops.shape(y)[1:]], 0))

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = mean0 * mean1 * 2.0
    den0 = math_ops.square(mean0) + math_ops.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(img1 * img2) * 2.0
    den1 = reducer(math_ops.square(img1) + math_ops.square(img2))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    if return_index_map:
        return luminance * cs
    return reduce_mean(luminance * cs, constant([-3, -2], dtype=dtypes.int32))


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, return_index_map=False):
    """The structural similarity of each image pair (Wang et al. 2004; Gaussian window of ``filter_size`` and
    ``filter_sigma``), averaged over channels; with ``return_index_map``, the local SSIM map. Images must be
    at least ``filter_size`` high and wide."""
    g = _graph_of([v for v in (img1, img2) if hasattr(v, "graph")])
    with g.as_default(), g.name_scope("SSIM"):
        img1, img2 = convert_to_tensor(img1, name="img1"), convert_to_tensor(img2, name="img2")
        with control_dependencies(_compatible_image_shapes(img1, img2)):
            img1 = array_ops.identity(img1)
        max_val = convert_image_dtype(math_ops.cast(max_val, img1.dtype), dtypes.float32)
        img1 = convert_image_dtype(img1, dtypes.float32)
        img2 = convert_image_dtype(img2, dtypes.float32)
        per_channel = _ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2, return_index_map)
        return reduce_mean(per_channel, [-1])


def sobel_edges(image):
    """The vertical and horizontal Sobel responses of a [batch, h, w, d] image, [batch, h, w, d, 2] (dy
    first), the image mirrored (REFLECT) one pixel past its edges."""
    image = convert_to_tensor(image)
    static_shape = image.shape
    image_shape = array_ops.shape(image)
    kernels = np.expand_dims(np.transpose(np.asarray([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                                                      [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]), (1, 2, 0)), -2)
    kernels_t = tile(constant(kernels, dtype=image.dtype), [1, 1, image_shape[-1], 1], name="sobel_filters")
    padded = pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    output = depthwise_conv2d(padded, kernels_t, [1, 1, 1, 1], "VALID")
    output = array_ops.reshape(output, concat([image_shape, [2]], 0))
    if static_shape.rank is not None:
        output.set_shape(static_shape.dims + [2])
    return output
