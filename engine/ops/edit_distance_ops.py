"""EditDistance: the Levenshtein distance between the sequences of two SparseTensors, one distance per index
of their leading dimensions (the last dimension runs along each sequence).

The kernel follows TensorFlow's: it checks the parts' ranks and sizes with its messages, groups each
tensor's entries by their leading indices in the order they stand (runs of equal leading indices, as
TensorFlow's SparseTensor::group, which does not sort), and walks both groupings together. The output has
the larger of the two shapes' leading dimensions; a position neither tensor has a sequence for stays 0; a
hypothesis with no truth gives its length (inf when normalized), a truth with no hypothesis its length (1
when normalized). Normalizing divides by the truth's length. The op has no gradient.

    hyp = tg.SparseTensor([[0, 0], [0, 1]], ["a", "b"], [1, 2])
    truth = tg.SparseTensor([[0, 0]], ["a"], [1, 1])
    tg.edit_distance(hyp, truth)          # [1.0]: one insertion over a truth of length 1
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops.op_util import dbg, gen1, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor, SparseTensorValue

__all__ = ["edit_distance"]


def levenshtein(a, b):
    """The number of insertions, deletions and substitutions that turn sequence ``a`` into ``b``."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _groups(indices, values):
    """[(leading index tuple, [values...])] for each run of entries with equal leading indices."""
    out = []
    lead = [tuple(int(v) for v in row[:-1]) for row in indices]
    for key, value in zip(lead, values):
        if out and out[-1][0] == key:
            out[-1][1].append(value)
        else:
            out.append((key, [value]))
    return out


def _check_parts(h_ind, h_val, h_shape, t_ind, t_val, t_shape):
    for name, a in (("hypothesis_indices", h_ind), ("truth_indices", t_ind)):
        if a.ndim != 2:
            raise invalid("%s should be a matrix, but got shape: %s", name, dbg(a.shape))
    for name, a in (("hypothesis_values", h_val), ("truth_values", t_val), ("hypothesis_shape", h_shape),
                    ("truth_shape", t_shape)):
        if a.ndim != 1:
            raise invalid("%s should be a vector, but got shape: %s", name, dbg(a.shape))
    for which, ind, val, shape in (("hypothesis", h_ind, h_val, h_shape), ("truth", t_ind, t_val, t_shape)):
        if val.shape[0] != ind.shape[0]:
            raise invalid("Expected %s_values.NumElements == #rows(%s_indices), their shapes are: %s and %s",
                          which, which, dbg(val.shape), dbg(ind.shape))
        if shape.shape[0] != ind.shape[1]:
            raise invalid("Expected %s_shape.NumElements == #cols(%s_indices), their shapes are: %s and %s",
                          which, which, dbg(shape.shape), dbg(ind.shape))
    if t_shape.shape[0] < 2:
        raise invalid("Input SparseTensors must have rank at least 2, but truth_shape rank is: %d", t_shape.shape[0])
    if h_shape.shape[0] != t_shape.shape[0]:
        raise invalid("Expected truth and hypothesis to have matching ranks, but their shapes are: %s and %s",
                      dbg(t_shape.shape), dbg(h_shape.shape))


@register_kernel("EditDistance", device_types=host_kind().device_type)   # host only, as TensorFlow's
def _edit_distance_kernel(ctx, h_ind, h_val, h_shape, t_ind, t_val, t_shape):
    _check_parts(h_ind, h_val, h_shape, t_ind, t_val, t_shape)
    normalize = ctx.attrs["normalize"]
    out_shape = tuple(max(int(a), int(b)) for a, b in zip(h_shape[:-1], t_shape[:-1]))
    out = np.zeros(out_shape, np.float32)

    strides = [int(np.prod(out_shape[i + 1:], dtype=np.int64)) for i in range(len(out_shape))]

    def put(key, value):
        loc = sum(k * st for k, st in zip(key, strides))
        if not 0 <= loc < out.size:
            raise errors.InternalError(None, None, "Got an inner product %d which would require writing to outside "
                                       "of the buffer for the output tensor (max elements %d)" % (loc, out.size))
        out.reshape(-1)[loc] = value

    hyp, truth = _groups(h_ind, h_val.tolist()), _groups(t_ind, t_val.tolist())
    i = j = 0
    while i < len(hyp) or j < len(truth):
        if i < len(hyp) and j < len(truth) and hyp[i][0] == truth[j][0]:
            d = float(levenshtein(truth[j][1], hyp[i][1]))
            put(truth[j][0], np.float32(d) / np.float32(len(truth[j][1])) if normalize else d)
            i, j = i + 1, j + 1
        elif j == len(truth) or i < len(hyp) and truth[j][0] > hyp[i][0]:
            n = float(len(hyp[i][1]))        # no truth for this hypothesis
            put(hyp[i][0], np.inf if normalize and n else n)
            i += 1
        else:
            put(truth[j][0], 1.0 if normalize else float(len(truth[j][1])))   # no hypothesis
            j += 1
    return out


@register_shape("EditDistance")
def _edit_distance_shape(op):
    ins = [t.shape for t in op.inputs]
    for k, base in ((0, 0), (3, 3)):
        ind, val, shape = ins[base], ins[base + 1], ins[base + 2]
        for t, rank, what in ((ind, 2, "indices"), (val, 1, "values"), (shape, 1, "shape")):
            if t.rank not in (None, rank):
                raise ValueError("Shape must be rank %d but is rank %d for sparse %s" % (rank, t.rank, what))
    h_shape, t_shape = constant_value(op.inputs[2]), constant_value(op.inputs[5])
    if h_shape is None or t_shape is None:
        return [unknown_shape()]
    h_shape, t_shape = np.asarray(h_shape).reshape(-1), np.asarray(t_shape).reshape(-1)
    if h_shape.size != t_shape.size:
        raise ValueError("Num elements of hypothesis_shape does not match truth_shape: %d vs. %d"
                         % (h_shape.size, t_shape.size))
    return [TensorShape([max(int(a), int(b)) for a, b in zip(h_shape[:-1], t_shape[:-1])])]


not_differentiable("EditDistance")


def edit_distance(hypothesis, truth, normalize=True, name="edit_distance"):
    """The Levenshtein distance between each sequence of ``hypothesis`` and of ``truth`` (SparseTensors of
    equal rank, sequences along the last dimension), divided by the truth's length when ``normalize``
    (EditDistance); float32, shaped like the two tensors' leading dimensions."""
    if isinstance(hypothesis, SparseTensorValue):
        hypothesis = SparseTensor.from_value(hypothesis)
    if isinstance(truth, SparseTensorValue):
        truth = SparseTensor.from_value(truth)
    if not isinstance(hypothesis, SparseTensor):
        raise TypeError("Hypothesis must be a SparseTensor.")
    if not isinstance(truth, SparseTensor):
        raise TypeError("Truth must be a SparseTensor.")
    return gen1("EditDistance", [hypothesis.indices, hypothesis.values, hypothesis.dense_shape, truth.indices,
                                 truth.values, truth.dense_shape], {"normalize": bool(normalize)}, name, "EditDistance")
