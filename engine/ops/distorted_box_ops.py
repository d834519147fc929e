"""SampleDistortedBoundingBox and its V2: a random crop of an image that still covers enough of an object, the
first step of Inception-style training augmentation, with TensorFlow's numbers bit for bit.

    begin, size, box = tg.image.sample_distorted_bounding_box(
        tg.shape(image), bounding_boxes=boxes, min_object_covered=0.1, seed=1)
    crop = tg.slice(image, begin, size)

The kernel follows TensorFlow's (sample_distorted_bounding_box_op.cc): each run reserves ``max_attempts``
Philox calls from the op's generator and draws from them as SimplePhilox does; each attempt draws an aspect
ratio in ``aspect_ratio_range``, a height between those giving the smallest and largest area of
``area_range`` (rounded as lrintf rounds, half to even), then the crop's offsets, and keeps the first crop
that covers at least ``min_object_covered`` of one of the boxes; after ``max_attempts`` misses the crop is the
whole image. Arithmetic is float32 where TensorFlow's is. The ops have no gradient and run on the host.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import philox, random_ops
from tagraph.engine.ops.op_util import invalid

__all__ = ["sample_distorted_bounding_box"]

_F = np.float32


def _lrintf(x):
    return int(np.rint(_F(x)))


def _area(r):
    """A rectangle's (x0, y0, x1, y1) area, as a float32 of the int product."""
    return _F((r[2] - r[0]) * (r[3] - r[1]))


def _intersect(a, b):
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (0, 0, 0, 0) if x0 > x1 or y0 > y1 else (x0, y0, x1, y1)


def _covers(crop, min_covered, boxes):
    if _area(crop) < _F(1):
        return False
    for box in boxes:
        area = _area(box)
        if area >= _F(1) and _F(_area(_intersect(crop, box)) / area) >= min_covered:
            return True
    return False


def _random_crop(width, height, min_rel, max_rel, aspect, bits):
    """GenerateRandomCrop: (x0, y0, x1, y1), or None when the constraints cannot be met."""
    if max_rel <= 0 or aspect <= 0 or width <= 0 or height <= 0 or min_rel > max_rel:
        return None
    min_area = _F(_F(min_rel * _F(width)) * _F(height))
    max_area = _F(_F(max_rel * _F(width)) * _F(height))
    h = _lrintf(np.sqrt(_F(min_area / aspect)))
    max_h = _lrintf(np.sqrt(_F(max_area / aspect)))
    if _lrintf(_F(max_h) * aspect) > width:
        # The largest height whose width rounds to at most the image's (kEps: a float32 1e-7, in double).
        max_h = int((width + 0.5 - float(_F(1e-7))) / float(aspect))
        if _lrintf(_F(max_h) * aspect) > width:
            max_h -= 1
    max_h = min(max_h, height)
    h = min(h, max_h)
    if h < max_h:
        h += bits.uniform(max_h - h + 1)
    w = _lrintf(_F(h) * aspect)
    area = _F(w * h)
    if area < min_area:
        h += 1
        w = _lrintf(_F(h) * aspect)
        area = _F(w * h)
    if area > max_area:
        h -= 1
        w = _lrintf(_F(h) * aspect)
        area = _F(w * h)
    if area < min_area or area > max_area or w > width or h > height or w <= 0 or h <= 0:
        return None
    y = bits.uniform(height - h) if h < height else 0
    x = bits.uniform(width - w) if w < width else 0
    return (x, y, x + w, y + h)


def _check_attrs(attrs):
    aspect, area = [_F(v) for v in attrs["aspect_ratio_range"]], [_F(v) for v in attrs["area_range"]]
    if len(aspect) != 2:
        raise invalid("Aspect ratio range field must specify 2 dimensions")
    if not (aspect[0] > 0 and aspect[1] > 0):
        raise invalid("Aspect ratio range must be non-negative: [%g, %g]" % tuple(aspect))
    if len(area) != 2:
        raise invalid("Area range field must specify 2 dimensions")
    if not (area[0] > 0 and area[1] > 0):
        raise invalid("Area range must be non-negative: [%g, %g]" % tuple(area))
    if not (area[0] <= 1 and area[1] <= 1):
        raise invalid("Area range must be less then or equal to 1.0: [%g, %g]" % tuple(area))
    if int(attrs["max_attempts"]) <= 0:
        raise invalid("Max attempts must be non-negative: %d" % int(attrs["max_attempts"]))
    return aspect, area


def _sample(ctx, image_size, boxes, covered_input=None):
    """The kernel of either op: V2 takes ``min_object_covered`` as an input (``covered_input``), the first
    op as an attribute; checks run in TensorFlow's order (attributes, then the inputs in turn)."""
    attrs = ctx.attrs
    if covered_input is None:
        min_covered = _F(attrs.get("min_object_covered", 0.1))
        if min_covered < 0:
            raise invalid("Min object covered must be non-negative: %g" % min_covered)
    aspect, area = _check_attrs(attrs)
    size = np.asarray(image_size)
    if size.ndim != 1:
        raise invalid("image_size must be 1-dimensional%s" % _shape(size))
    if size.shape[0] != 3:
        raise invalid("image_size must contain 3 elements%s" % _shape(size))
    height, width = int(size[0]), int(size[1])
    for dim, what in ((height, "height"), (width, "width")):
        if not 0 <= dim < 2 ** 31 - 1:
            raise invalid("image %s cannot be >= int32 max" % what)
    boxes = np.asarray(boxes)
    if boxes.ndim != 3:
        raise invalid("input boxes must be 3-dimensional [batch, num_boxes, coords]: %s" % _shape(boxes))
    if boxes.shape[-1] != 4:
        raise invalid("bounding boxes must have shape [4] or [*, 4], got %s" % _shape(boxes))
    if covered_input is not None:
        covered = np.asarray(covered_input)
        if covered.ndim != 0:
            raise invalid("min_object_covered must be 0-D, got shape %s" % _shape(covered))
        min_covered = _F(covered)
        if min_covered < 0:
            raise invalid("Min object covered must be non-negative: %g" % min_covered)
    rects = []
    for b in boxes.reshape(-1, 4).astype(np.float32):
        for v in b:
            if not 0.0 <= v <= 1.0:
                raise invalid("All bounding box coordinates must be in [0.0, 1.0]: %g" % v)
        rects.append((int(_F(b[1] * _F(width))), int(_F(b[0] * _F(height))), int(_F(b[3] * _F(width))),
                      int(_F(b[2] * _F(height)))))
    image = (0, 0, width, height)
    if not rects:
        if not attrs.get("use_image_if_no_bounding_boxes", False):
            raise invalid("No bounding boxes provided as input. One must enable use_image_if_no_bounding_boxes "
                          "if you wish to not provide any bounding boxes.")
        rects.append(image)
    attempts = int(attrs["max_attempts"])
    bits = philox.SimplePhilox(random_ops.op_generator(ctx).reserve((4 * attempts + 3) // 4))
    crop = None
    for _ in range(attempts):
        ratio = _F(_F(bits.rand_float() * _F(aspect[1] - aspect[0])) + aspect[0])
        crop = _random_crop(width, height, area[0], area[1], ratio, bits)
        if crop is not None and _covers(crop, min_covered, rects):
            break
        crop = None
    x0, y0, x1, y1 = crop or image
    dtype = size.dtype
    # T(-1): "all channels", which an unsigned T holds as its largest value, as C++'s conversion wraps it.
    return (np.array([y0, x0, 0]).astype(dtype), np.array([y1 - y0, x1 - x0, -1]).astype(dtype),
            np.array([[[_F(y0) / _F(height), _F(x0) / _F(width), _F(y1) / _F(height), _F(x1) / _F(width)]]],
                     np.float32))


def _shape(a):
    return "[%s]" % ",".join(str(d) for d in a.shape)


@register_kernel("SampleDistortedBoundingBox", device_types=host_kind().device_type)
def _sample_distorted_bounding_box(ctx, image_size, bounding_boxes):
    return _sample(ctx, image_size, bounding_boxes)


@register_kernel("SampleDistortedBoundingBoxV2", device_types=host_kind().device_type)
def _sample_distorted_bounding_box_v2(ctx, image_size, bounding_boxes, min_object_covered):
    return _sample(ctx, image_size, bounding_boxes, min_object_covered)


@register_shape("SampleDistortedBoundingBox", "SampleDistortedBoundingBoxV2")
def _sample_distorted_bounding_box_shape(op):
    op.inputs[0].shape.with_rank(1)
    op.inputs[1].shape.with_rank(3)
    return [TensorShape([3]), TensorShape([3]), TensorShape([1, 1, 4])]


not_differentiable("SampleDistortedBoundingBox", "SampleDistortedBoundingBoxV2")


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=None, seed2=None, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """(begin, size, bboxes): a random crop of an image of ``image_size`` ([height, width, channels]) that
    covers at least ``min_object_covered`` of one of ``bounding_boxes`` ([batch, N, 4] of [y0, x0, y1, x1]
    in [0, 1]), as ``tg.slice`` arguments and as a [1, 1, 4] box. TensorFlow 1's form: ``seed`` and
    ``seed2`` go to the op as given (both None: fresh random seeds, whatever the graph's seed)."""
    tensors = [t for t in (image_size, bounding_boxes, min_object_covered) if hasattr(t, "graph")]
    g = _graph_of(tensors) if tensors else get_default_graph()
    attrs = {"seed": seed or 0, "seed2": seed2 or 0}
    for key, value in (("aspect_ratio_range", aspect_ratio_range), ("area_range", area_range),
                       ("max_attempts", max_attempts),
                       ("use_image_if_no_bounding_boxes", use_image_if_no_bounding_boxes)):
        if value is not None:
            attrs[key] = [float(v) for v in value] if key.endswith("range") else value
    with g.as_default(), g.name_scope(name or "sample_distorted_bounding_box"):
        image_size = convert_to_tensor(image_size, name="image_size")
        bounding_boxes = convert_to_tensor(bounding_boxes, dtype=dtypes.float32, name="bounding_boxes")
        covered = convert_to_tensor(min_object_covered, dtype=dtypes.float32, name="min_object_covered")
        return tuple(make_op("SampleDistortedBoundingBoxV2", [image_size, bounding_boxes, covered], attrs,
                             name=name or "SampleDistortedBoundingBoxV2"))
