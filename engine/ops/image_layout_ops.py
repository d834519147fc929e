"""``tf.image``'s geometry, as TensorFlow 1's image_ops_impl builds it from other ops: flips (fixed and random),
rot90, transpose, crops and pads to a bounding box, central and random crops, resize_images (the four resize
methods, aspect ratio kept or not), resize_image_with_crop_or_pad and resize_image_with_pad.

    image = tg.image.random_flip_left_right(image, seed=1)
    image = tg.image.resize_images(image, [224, 224], method=tg.image.ResizeMethod.BICUBIC)
    patch = tg.image.crop_to_bounding_box(image, 10, 20, 64, 64)

The functions take a [height, width, channels] image or a [batch, height, width, channels] batch. They build
the graphs TensorFlow builds (ReverseV2, Slice, Pad, the resize ops, cond and case where the rank is known
only when run), so values, gradients and static shapes are TensorFlow's, and bad arguments fail as there: a
ValueError while building when the static shape or a Python argument is wrong, an InvalidArgumentError from
an Assert when the graph runs otherwise.
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_shape, constant_value
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.comparison_ops import equal, greater, greater_equal, less, less_equal, logical_or
from tagraph.engine.ops.control_flow_ops import case, cond
from tagraph.engine.ops.image_checks import (assert_at_least_3d, assert_true, check_at_least_3d, image_dimensions,
                                             is_tensor, shape_text, with_dependencies)
from tagraph.engine.ops.image_ops import resize_area, resize_bicubic, resize_bilinear, resize_nearest_neighbor
from tagraph.engine.ops.joining_ops import pad, reverse, stack
from tagraph.engine.ops.logging_ops import Assert
from tagraph.engine.ops.random_ops import random_uniform
from tagraph.engine.ops.reduction_ops import reduce_all
from tagraph.engine.ops.slicing_ops import slice as slice_

__all__ = ["flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down", "rot90", "transpose",
           "transpose_image", "central_crop", "pad_to_bounding_box", "crop_to_bounding_box",
           "resize_image_with_crop_or_pad", "resize_with_crop_or_pad", "ResizeMethod", "resize_images", "resize",
           "resize_image_with_pad", "random_crop"]


def _scope(values, name):
    g = _graph_of([v for v in values if is_tensor(v)])
    return g, g.name_scope(name)


def _rank_error(shape, extra=""):
    # TensorFlow's flips leave out the space before "must".
    return ValueError("'image' (shape %s)%smust have either 3 or 4 dimensions." % (shape_text(shape), extra))


# --- flips, rotations, transposes -----------------------------------------------------------------------

def _fix_flip_shape(image, result):
    result.set_shape([None, None, None] if image.shape.rank is None else image.shape)
    return result


def _flip(image, flip_index, scope_name):
    g, scope = _scope([image], scope_name)
    with g.as_default(), scope:
        image = assert_at_least_3d(convert_to_tensor(image, name="image"))
        rank = image.shape.rank

        def rank3():
            return _fix_flip_shape(image, reverse(image, [flip_index]))

        def rank4():
            return reverse(image, [flip_index + 1])

        if rank is None:
            return cond(equal(array_ops.rank(image), 3), rank3, rank4)
        if rank == 3:
            return rank3()
        if rank == 4:
            return rank4()
        raise _rank_error(image.shape)


def flip_left_right(image):
    """The image (or each image of a batch) mirrored left to right.

        tg.image.flip_left_right(image)
    """
    return _flip(image, 1, "flip_left_right")


def flip_up_down(image):
    """The image (or each image of a batch) mirrored top to bottom."""
    return _flip(image, 0, "flip_up_down")


def _random_flip(image, flip_index, seed, scope_name):
    g, scope = _scope([image], scope_name)
    with g.as_default(), scope as scope_str:
        image = assert_at_least_3d(convert_to_tensor(image, name="image"))
        rank = image.shape.rank

        def rank3():
            mirror = less(random_uniform([], 0, 1.0, seed=seed), 0.5)
            result = cond(mirror, lambda: reverse(image, [flip_index]), lambda: image, name=scope_str)
            return _fix_flip_shape(image, result)

        def rank4():
            batch_size = array_ops.shape(image)[0]
            uniform = random_uniform(stack([batch_size]), 0, 1.0, seed=seed)
            flips = math_ops.cast(math_ops.round(array_ops.reshape(uniform, stack([batch_size, 1, 1, 1]))),
                                  image.dtype)
            flipped = reverse(image, [flip_index + 1])
            return flips * flipped + (1 - flips) * image

        if rank is None:
            return cond(equal(array_ops.rank(image), 3), rank3, rank4)
        if rank == 3:
            return rank3()
        if rank == 4:
            return rank4()
        raise _rank_error(image.shape, extra=" ")


def random_flip_left_right(image, seed=None):
    """The image mirrored left to right with probability 1/2 (each image of a batch on its own draw)."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """The image mirrored top to bottom with probability 1/2 (each image of a batch on its own draw)."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def rot90(image, k=1, name=None):
    """The image (or batch) turned counter-clockwise by ``k`` quarter turns (``k`` may be a tensor).

        tg.image.rot90(image, k=3)
    """
    g, scope = _scope([image, k], name or "rot90")
    with g.as_default(), scope as scope_str:
        image = assert_at_least_3d(convert_to_tensor(image, name="image"))
        k = convert_to_tensor(k, dtype=dtypes.int32, name="k")
        if k.shape.rank not in (None, 0):
            raise ValueError("Shape %s must have rank 0" % shape_text(k.shape))
        k = math_ops.floormod(k, 4)
        rank = image.shape.rank
        if rank is None:
            return cond(equal(array_ops.rank(image), 3), lambda: _rot90_3d(image, k, scope_str),
                        lambda: _rot90_4d(image, k, scope_str))
        if rank == 3:
            return _rot90_3d(image, k, scope_str)
        if rank == 4:
            return _rot90_4d(image, k, scope_str)
        raise _rank_error(image.shape, extra=" ")


def _rot90_cases(k, images, spatial, perm, name):
    a, b = spatial
    cases = [(equal(k, 1), lambda: array_ops.transpose(reverse(images, [b]), perm)),
             (equal(k, 2), lambda: reverse(images, [a, b])),
             (equal(k, 3), lambda: reverse(array_ops.transpose(images, perm), [b]))]
    # The predicates exclude each other: TensorFlow's exclusive=True only asserts what cannot happen.
    return case(cases, default=lambda: images, exclusive=False, name=name)


def _rot90_3d(image, k, name):
    result = _rot90_cases(k, image, (0, 1), [1, 0, 2], name)
    result.set_shape([None, None, image.shape.dims[2] if image.shape.rank is not None else None])
    return result


def _rot90_4d(images, k, name):
    result = _rot90_cases(k, images, (1, 2), [0, 2, 1, 3], name)
    shape = result.shape
    result.set_shape([shape.dims[0] if shape.rank is not None else None, None, None,
                      shape.dims[3] if shape.rank is not None else None])
    return result


def transpose(image, name=None):
    """The image (or batch) with height and width swapped."""
    g, scope = _scope([image], name or "transpose")
    with g.as_default(), scope:
        image = assert_at_least_3d(convert_to_tensor(image, name="image"))
        rank = image.shape.rank
        if rank is None:
            return cond(equal(array_ops.rank(image), 3), lambda: array_ops.transpose(image, [1, 0, 2], name=name),
                        lambda: array_ops.transpose(image, [0, 2, 1, 3], name=name))
        if rank == 3:
            return array_ops.transpose(image, [1, 0, 2], name=name or "transpose")
        if rank == 4:
            return array_ops.transpose(image, [0, 2, 1, 3], name=name or "transpose")
        raise _rank_error(image.shape, extra=" ")


transpose_image = transpose


# --- crops and pads ------------------------------------------------------------------------------------

def _batched(image):
    """(the image as a batch, whether it was one)."""
    shape = image.shape
    if shape.rank == 3:
        return array_ops.expand_dims(image, 0), False
    if shape.rank is None:
        batch = array_ops.expand_dims(image, 0)
        batch.set_shape([None] * 4)
        return batch, False
    if shape.rank != 4:
        raise _rank_error(shape, extra=" ")
    return image, True


def central_crop(image, central_fraction):
    """The central ``central_fraction`` (in (0, 1]) of the image's height and width.

        tg.image.central_crop(image, 0.875)
    """
    g, scope = _scope([image], "central_crop")
    with g.as_default(), scope:
        image = convert_to_tensor(image, name="image")
        fraction = constant_value(central_fraction) if is_tensor(central_fraction) else central_fraction
        if fraction is not None:
            fraction = float(fraction)
            if fraction <= 0.0 or fraction > 1.0:
                raise ValueError("central_fraction must be within (0, 1]")
            if fraction == 1.0:
                return image
        else:
            image = with_dependencies(assert_true(
                logical_or(greater(central_fraction, 0.0), less_equal(central_fraction, 1.0)), ValueError,
                "central_fraction must be within (0, 1]"), image)
        assert_at_least_3d(image)
        rank = image.shape.rank
        if rank not in (3, 4):
            raise ValueError("`image` should either be a Tensor with rank = 3 or rank = 4. Had rank = %s." % rank)

        def dim(i):
            static = image.shape.dims[i]
            return (static, False) if static is not None else (array_ops.shape(image)[i], True)

        off = 0 if rank == 3 else 1
        img_h, dynamic_h = dim(off)
        img_w, dynamic_w = dim(off + 1)
        dynamic_h = dynamic_h or fraction is None
        dynamic_w = dynamic_w or fraction is None

        def start(size, dynamic):
            if dynamic:
                sized = math_ops.cast(size, dtypes.float64)
                return math_ops.cast((sized - sized * math_ops.cast(central_fraction, dtypes.float64)) / 2,
                                     dtypes.int32)
            return int((float(size) - float(size) * fraction) / 2)

        h_start, w_start = start(img_h, dynamic_h), start(img_w, dynamic_w)
        h_size, w_size = img_h - h_start * 2, img_w - w_start * 2
        if rank == 3:
            begin, size = stack([h_start, w_start, 0]), stack([h_size, w_size, -1])
        else:
            begin, size = stack([0, h_start, w_start, 0]), stack([-1, h_size, w_size, -1])
        image_out = slice_(image, begin, size)
        spatial = [None if dynamic_h else h_size, None if dynamic_w else w_size]
        if rank == 3:
            image_out.set_shape(spatial + [image.shape.dims[2]])
        else:
            image_out.set_shape([image.shape.dims[0]] + spatial + [image.shape.dims[3]])
        return image_out


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The image zero-padded to ``target_height`` x ``target_width``, placed ``offset_height`` rows down and
    ``offset_width`` columns across.

        tg.image.pad_to_bounding_box(image, 2, 4, 32, 32)
    """
    g, scope = _scope([image], "pad_to_bounding_box")
    with g.as_default(), scope:
        image, is_batch = _batched(convert_to_tensor(image, name="image"))
        batch, height, width, depth = image_dimensions(image, rank=4)
        after_width = target_width - offset_width - width
        after_height = target_height - offset_height - height
        checks = check_at_least_3d(image, require_static=False)
        checks += assert_true(offset_height >= 0, ValueError, "offset_height must be >= 0")
        checks += assert_true(offset_width >= 0, ValueError, "offset_width must be >= 0")
        checks += assert_true(after_width >= 0, ValueError, "width must be <= target - offset")
        checks += assert_true(after_height >= 0, ValueError, "height must be <= target - offset")
        image = with_dependencies(checks, image)
        paddings = array_ops.reshape(stack([0, 0, offset_height, after_height, offset_width, after_width, 0, 0]),
                                     [4, 2])
        padded = pad(image, paddings)
        padded.set_shape([None if is_tensor(d) else d for d in (batch, target_height, target_width, depth)])
        return padded if is_batch else array_ops.squeeze(padded, axis=[0])


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The ``target_height`` x ``target_width`` window of the image whose top-left corner is at
    (``offset_height``, ``offset_width``).

        tg.image.crop_to_bounding_box(image, 10, 20, 64, 64)
    """
    g, scope = _scope([image], "crop_to_bounding_box")
    with g.as_default(), scope:
        image, is_batch = _batched(convert_to_tensor(image, name="image"))
        checks = check_at_least_3d(image, require_static=False)
        batch, height, width, depth = image_dimensions(image, rank=4)
        checks += assert_true(offset_width >= 0, ValueError, "offset_width must be >= 0.")
        checks += assert_true(offset_height >= 0, ValueError, "offset_height must be >= 0.")
        checks += assert_true(target_width > 0, ValueError, "target_width must be > 0.")
        checks += assert_true(target_height > 0, ValueError, "target_height must be > 0.")
        checks += assert_true(width >= (target_width + offset_width), ValueError, "width must be >= target + offset.")
        checks += assert_true(height >= (target_height + offset_height), ValueError,
                              "height must be >= target + offset.")
        image = with_dependencies(checks, image)
        cropped = slice_(image, stack([0, offset_height, offset_width, 0]),
                         stack([array_ops.shape(image)[0], target_height, target_width, array_ops.shape(image)[3]]))
        cropped.set_shape([None if is_tensor(d) else d for d in (batch, target_height, target_width, depth)])
        return cropped if is_batch else array_ops.squeeze(cropped, axis=[0])


def _either(fn_tensor, fn_python):
    def pick(x, y):
        return fn_tensor(x, y) if is_tensor(x) or is_tensor(y) else fn_python(x, y)
    return pick


_max = _either(math_ops.maximum, max)
_min = _either(math_ops.minimum, min)
_equal = _either(equal, lambda x, y: x == y)


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """The image cropped or zero-padded, about its centre, to ``target_height`` x ``target_width``."""
    g, scope = _scope([image], "resize_image_with_crop_or_pad")
    with g.as_default(), scope:
        image, is_batch = _batched(convert_to_tensor(image, name="image"))
        checks = check_at_least_3d(image, require_static=False)
        checks += assert_true(target_width > 0, ValueError, "target_width must be > 0.")
        checks += assert_true(target_height > 0, ValueError, "target_height must be > 0.")
        image = with_dependencies(checks, image)
        # The crop and the pad check the sizes too; these checks run first, for the clearer message.
        if is_tensor(target_height):
            target_height = with_dependencies(checks, target_height)
        if is_tensor(target_width):
            target_width = with_dependencies(checks, target_width)
        _, height, width, _ = image_dimensions(image, rank=4)
        width_diff = target_width - width
        offset_crop_width = _max(-width_diff // 2, 0)
        offset_pad_width = _max(width_diff // 2, 0)
        height_diff = target_height - height
        offset_crop_height = _max(-height_diff // 2, 0)
        offset_pad_height = _max(height_diff // 2, 0)
        cropped = crop_to_bounding_box(image, offset_crop_height, offset_crop_width, _min(target_height, height),
                                       _min(target_width, width))
        resized = pad_to_bounding_box(cropped, offset_pad_height, offset_pad_width, target_height, target_width)
        if resized.shape.rank is None:
            raise ValueError("resized contains no shape.")
        _, resized_height, resized_width, _ = image_dimensions(resized, rank=4)
        checks = assert_true(_equal(resized_height, target_height), ValueError, "resized height is not correct.")
        checks += assert_true(_equal(resized_width, target_width), ValueError, "resized width is not correct.")
        resized = with_dependencies(checks, resized)
        return resized if is_batch else array_ops.squeeze(resized, axis=[0])


resize_with_crop_or_pad = resize_image_with_crop_or_pad


# --- resize_images -------------------------------------------------------------------------------------

class ResizeMethod:
    """TensorFlow 1's resize methods (``tf.image.ResizeMethod``)."""
    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_RESIZERS = {ResizeMethod.BILINEAR: resize_bilinear, "bilinear": resize_bilinear,
             ResizeMethod.NEAREST_NEIGHBOR: resize_nearest_neighbor, "nearest": resize_nearest_neighbor,
             ResizeMethod.BICUBIC: resize_bicubic, "bicubic": resize_bicubic,
             ResizeMethod.AREA: resize_area, "area": resize_area}


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """The image (or batch) resized to ``size`` ([new_height, new_width]) by ``method`` (ResizeMethod), as
    TensorFlow 1's tf.image.resize_images: float32 out except for NEAREST_NEIGHBOR, legacy pixel centres,
    nothing done when the size is already right. ``preserve_aspect_ratio`` fits the image inside ``size``.

        tg.image.resize_images(image, [299, 299])
        tg.image.resize_images(batch, tg.shape(other)[1:3], method=tg.image.ResizeMethod.NEAREST_NEIGHBOR)
    """
    if method not in _RESIZERS:
        raise ValueError("Resize method is not implemented: {}".format(method))
    resizer = _RESIZERS[method]
    g, scope = _scope([images, size], name or "resize")
    with g.as_default(), scope:
        images = convert_to_tensor(images, name="images")
        if images.shape.rank is None:
            raise ValueError("'images' contains no shape.")
        is_batch = True
        if images.shape.rank == 3:
            is_batch = False
            images = array_ops.expand_dims(images, 0)
        elif images.shape.rank != 4:
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        _, height, width, _ = images.shape.as_list()
        try:
            size = convert_to_tensor(size, dtypes.int32, name="size")
        except (TypeError, ValueError):
            raise ValueError("'size' must be a 1-D int32 Tensor") from None
        if not size.shape.is_compatible_with([2]):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        if preserve_aspect_ratio:
            _, current_height, current_width, _ = image_dimensions(images, rank=4)
            scale_h = math_ops.cast(size[0], dtypes.float32) / math_ops.cast(current_height, dtypes.float32)
            scale_w = math_ops.cast(size[1], dtypes.float32) / math_ops.cast(current_width, dtypes.float32)
            scale = math_ops.minimum(scale_h, scale_w)
            new_h = math_ops.cast(math_ops.round(scale * math_ops.cast(current_height, dtypes.float32)), dtypes.int32)
            new_w = math_ops.cast(math_ops.round(scale * math_ops.cast(current_width, dtypes.float32)), dtypes.int32)
            size_value = constant_value(size)
            size = convert_to_tensor(stack([new_h, new_w]), dtypes.int32, name="size")
        known = constant_shape(size)
        new_height, new_width = (known.dims + [None, None])[:2] if known.rank is not None else (None, None)
        if preserve_aspect_ratio and None not in (height, width) and size_value is not None:
            # The static size TensorFlow's shape inference folds out of the small graph above.
            new_height, new_width = _kept_aspect(height, width, size_value)
        if None not in (new_width, width, new_height, height) and (width, height) == (new_width, new_height):
            return images if is_batch else array_ops.squeeze(images, axis=[0])
        images = resizer(images, size, align_corners=align_corners)
        images.set_shape([None, new_height, new_width, None])
        return images if is_batch else array_ops.squeeze(images, axis=[0])


resize = resize_images


def _kept_aspect(height, width, size):
    """The size preserve_aspect_ratio picks, in float32 as its ops compute it (Round halves to even)."""
    f32 = np.float32
    scale = min(f32(size[0]) / f32(height), f32(size[1]) / f32(width))
    return int(np.round(scale * f32(height))), int(np.round(scale * f32(width)))


def resize_image_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR, align_corners=False):
    """The image resized to fit ``target_height`` x ``target_width`` with its aspect ratio kept, then
    zero-padded about its centre to that size."""
    g, scope = _scope([image], "resize_image_with_pad")
    with g.as_default(), scope:
        image, is_batch = _batched(convert_to_tensor(image, name="image"))
        checks = check_at_least_3d(image, require_static=False)
        checks += assert_true(target_width > 0, ValueError, "target_width must be > 0.")
        checks += assert_true(target_height > 0, ValueError, "target_height must be > 0.")
        image = with_dependencies(checks, image)
        _, height, width, _ = image_dimensions(image, rank=4)
        f_height, f_width = math_ops.cast(height, dtypes.float32), math_ops.cast(width, dtypes.float32)
        f_target_height = math_ops.cast(target_height, dtypes.float32)
        f_target_width = math_ops.cast(target_width, dtypes.float32)
        ratio = _max(f_width / f_target_width, f_height / f_target_height)
        resized_height_float, resized_width_float = f_height / ratio, f_width / ratio
        resized_height = math_ops.cast(math_ops.floor(resized_height_float), dtypes.int32)
        resized_width = math_ops.cast(math_ops.floor(resized_width_float), dtypes.int32)
        p_height = _max(0, math_ops.cast(math_ops.floor((f_target_height - resized_height_float) / 2), dtypes.int32))
        p_width = _max(0, math_ops.cast(math_ops.floor((f_target_width - resized_width_float) / 2), dtypes.int32))
        resized = resize_images(image, stack([resized_height, resized_width]), method, align_corners=align_corners)
        padded = pad_to_bounding_box(resized, p_height, p_width, target_height, target_width)
        if padded.shape.rank is None:
            raise ValueError("padded contains no shape.")
        image_dimensions(padded, rank=4)
        return padded if is_batch else array_ops.squeeze(padded, axis=[0])


def random_crop(value, size, seed=None, name=None):
    """A ``size``-shaped slice of ``value`` at a random offset (tf.random_crop).

        tg.image.random_crop(image, [24, 24, 3], seed=1)
    """
    g, scope = _scope([value, size], name or "random_crop")
    with g.as_default(), scope as scope_str:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        shape = array_ops.shape(value)
        check = Assert(reduce_all(greater_equal(shape, size)), ["Need value.shape >= size, got ", shape, size],
                       summarize=1000)
        shape = with_dependencies([check], shape)
        limit = shape - size + 1
        offset = math_ops.floormod(random_uniform(array_ops.shape(shape), dtype=size.dtype,
                                                  maxval=size.dtype.max, seed=seed), limit)
        return slice_(value, offset, size, name=scope_str)
