"""Non-maximum suppression: NonMaxSuppression, NonMaxSuppressionV2 and NonMaxSuppressionV3 (CPU), and
``tf.image.non_max_suppression`` (V3).

    keep = tg.image.non_max_suppression(boxes, scores, max_output_size=10, iou_threshold=0.5)

TensorFlow's greedy selection: boxes above ``score_threshold`` taken by score (the lower index first among
equal scores), each kept unless its intersection over union with a box kept before it exceeds
``iou_threshold``, until ``max_output_size`` are kept. The overlaps are TensorFlow's float32 IOU (corners in
either order, 0 for an empty box).
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.image_ops import shape_error
from tagraph.engine.ops.op_util import dbg, gen1, invalid

__all__ = ["non_max_suppression"]

_F32 = np.float32


def _iou(boxes):
    """[n, n] float32 intersection over union, as TensorFlow's IOU computes each pair."""
    b = boxes.astype(_F32)
    y_min, x_min = np.minimum(b[:, 0], b[:, 2]), np.minimum(b[:, 1], b[:, 3])
    y_max, x_max = np.maximum(b[:, 0], b[:, 2]), np.maximum(b[:, 1], b[:, 3])
    area = (y_max - y_min) * (x_max - x_min)
    height = np.maximum(np.minimum(y_max[:, None], y_max[None]) - np.maximum(y_min[:, None], y_min[None]), _F32(0))
    width = np.maximum(np.minimum(x_max[:, None], x_max[None]) - np.maximum(x_min[:, None], x_min[None]), _F32(0))
    inter = height * width
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (area[:, None] + area[None] - inter)
    return np.where((area[:, None] <= 0) | (area[None] <= 0), _F32(0), iou)


def _scalar(value, what):
    value = np.asarray(value)
    if value.ndim != 0:
        raise invalid("%s must be 0-D, got shape %s", what, dbg(value.shape))
    return value.item()


def _suppress(boxes, scores, max_output_size, iou_threshold, score_threshold=-np.inf):
    boxes, scores = np.asarray(boxes), np.asarray(scores)
    if boxes.ndim != 2:
        raise invalid("boxes must be 2-D%s", dbg(boxes.shape))
    if boxes.shape[1] != 4:
        raise invalid("boxes must have 4 columns%s", dbg(boxes.shape))
    if scores.ndim != 1:
        raise invalid("scores must be 1-D%s", dbg(scores.shape))
    if scores.shape[0] != boxes.shape[0]:
        raise invalid("scores has incompatible shape (Dimensions must be equal, but are %d and %d)",
                      boxes.shape[0], scores.shape[0])
    output_size = int(_scalar(max_output_size, "max_output_size"))
    if output_size < 0:
        raise invalid("output size must be non-negative")
    t = scores.dtype.type
    iou_threshold, score_threshold = t(iou_threshold), t(score_threshold)
    if not 0 <= iou_threshold <= 1:
        raise invalid("iou_threshold must be in [0, 1]")
    candidates = np.flatnonzero(scores > score_threshold)
    order = candidates[np.lexsort((candidates, -scores[candidates].astype(np.float64)))]
    iou = _iou(boxes).astype(t) if len(order) else None
    selected = []
    for i in order:
        if len(selected) >= output_size:
            break
        if not selected or not (iou[i, selected] > iou_threshold).any():
            selected.append(int(i))
    return np.array(selected, np.int32)


_HOST = host_kind().device_type


@register_kernel("NonMaxSuppression", _HOST)
def _nms_v1(ctx, boxes, scores, max_output_size):
    return _suppress(boxes, scores, max_output_size, ctx.attrs.get("iou_threshold", 0.5))


@register_kernel("NonMaxSuppressionV2", _HOST)
def _nms_v2(ctx, boxes, scores, max_output_size, iou_threshold):
    return _suppress(boxes, scores, max_output_size, _scalar(iou_threshold, "iou_threshold"))


@register_kernel("NonMaxSuppressionV3", _HOST)
def _nms_v3(ctx, boxes, scores, max_output_size, iou_threshold, score_threshold):
    return _suppress(boxes, scores, max_output_size, _scalar(iou_threshold, "iou_threshold"),
                     _scalar(score_threshold, "score_threshold"))


@register_shape("NonMaxSuppression", "NonMaxSuppressionV2", "NonMaxSuppressionV3")
def _nms_shape(op):
    ranks = [2, 1, 0, 0, 0][:len(op.inputs)]
    for i, rank in enumerate(ranks):
        s = op.inputs[i].shape
        if s.rank is not None and s.rank != rank:
            raise shape_error(op, "Shape must be rank %d but is rank %d" % (rank, s.rank))
    boxes, scores = op.inputs[0].shape, op.inputs[1].shape
    if boxes.rank == 2 and scores.rank == 1:
        a, b = boxes.dims[0], scores.dims[0]
        if a is not None and b is not None and a != b:
            raise shape_error(op, "Dimensions must be equal, but are %d and %d" % (a, b))
    if boxes.rank == 2 and boxes.dims[1] is not None and boxes.dims[1] != 4:
        raise shape_error(op, "Dimension must be 4 but is %d" % boxes.dims[1])
    return [TensorShape([None])]


not_differentiable("NonMaxSuppression", "NonMaxSuppressionV2", "NonMaxSuppressionV3")


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"),
                        name=None):
    """The indices of at most ``max_output_size`` boxes ([n, 4] corners) kept by greedy non-maximum suppression
    over ``scores`` ([n]): by score, each dropped when it overlaps a kept one by more than ``iou_threshold``
    (NonMaxSuppressionV3).

        keep = tg.image.non_max_suppression(boxes, scores, 10, iou_threshold=0.5)
        kept_boxes = tg.gather(boxes, keep)
    """
    g = _graph_of([boxes, scores, max_output_size])
    with g.as_default(), g.name_scope(name or "non_max_suppression"):
        iou_threshold = convert_to_tensor(iou_threshold, name="iou_threshold")
        score_threshold = convert_to_tensor(score_threshold, name="score_threshold")
        return gen1("NonMaxSuppressionV3", [boxes, scores, max_output_size, iou_threshold, score_threshold], None,
                    None, "NonMaxSuppressionV3")
