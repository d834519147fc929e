"""Connectionist temporal classification, as TensorFlow 1's tf.nn: CTCGreedyDecoder (the best class per
step, repeats merged, blanks dropped) and CTCLoss (the negative log probability of the label sequence
over all alignments, and its gradient with respect to the logits, in one op), with PreventGradient, which
CTCLoss's gradient puts on that second output.

Inputs are time-major logits ``[max_time, batch, num_classes]``; the blank is the last class. CTCLoss's
kernel is TensorFlow's CTCLossCalculator: the softmax per step, the forward (alpha) and backward (beta)
variables in log space over the label sequence with blanks around each label (Graves' thesis, eq.
7.5-7.15, beta leaving out the current step), the loss from step 0, and the gradient ``y - sum over the
label's positions of exp(alpha + beta - log p)``; steps past a sequence's length get a zero gradient. A label
of the blank or beyond ends a sequence, as TensorFlow reads labels. With
``ctc_merge_repeated`` false a label may not repeat over steps, only the blank; with
``preprocess_collapse_repeated`` repeated labels are merged before. Host kernels only.

    import tagraph.compat.v1 as tf
    loss = tf.nn.ctc_loss(labels_sparse, logits, seq_len)            # [batch]
    (decoded,), log_prob = tf.nn.ctc_greedy_decoder(logits, seq_len)
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.op_util import dbg, gen, gen1, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.ops.sparse_ops import _validate_sorted

__all__ = ["ctc_greedy_decoder", "ctc_loss", "prevent_gradient"]

_HOST = host_kind().device_type


def _dim(shape, i):
    return None if shape.rank is None else shape.dims[i]


def _merge(a, b, what):
    if a is not None and b is not None and a != b:
        raise ValueError("Dimensions must be equal, but are %d and %d for %s" % (a, b, what))
    return a if a is not None else b


def _check_rank(shape, rank, what):
    if shape.rank is not None and shape.rank != rank:
        raise ValueError("Shape must be rank %d but is rank %d for '%s'" % (rank, shape.rank, what))


def _check_inputs(inputs, seq_len, length_error=errors.InvalidArgumentError):
    if inputs.ndim != 3:
        raise invalid("inputs is not a 3-Tensor")
    if seq_len.ndim != 1:
        raise invalid("sequence_length is not a vector")
    max_time, batch_size = inputs.shape[:2]
    if seq_len.shape[0] != batch_size:
        # The decoder's kernel says FailedPrecondition here, the loss's InvalidArgument, as TensorFlow's.
        raise length_error(None, None, "len(sequence_length) != batch_size.  len(sequence_length):  %d batch_size: %d"
                           % (seq_len.shape[0], batch_size))
    return max_time, batch_size


# --- CTCGreedyDecoder ----------------------------------------------------------------------------------

@register_kernel("CTCGreedyDecoder", device_types=_HOST)
def _greedy_decoder_kernel(ctx, inputs, seq_len):
    max_time, batch_size = _check_inputs(inputs, seq_len, errors.FailedPreconditionError)
    num_classes = inputs.shape[2]
    if num_classes == 0:
        raise invalid("num_classes cannot be 0")
    given = ctx.attrs.get("blank_index", -1)
    blank = num_classes + given if given < 0 else given
    if not 0 <= blank < num_classes:
        raise invalid("blank_index expected to be between %d and %d but was %d", -num_classes, num_classes - 1, given)
    merge = ctx.attrs["merge_repeated"]
    lengths = [int(n) for n in seq_len]
    for b, n in enumerate(lengths):
        if n > max_time:
            raise errors.FailedPreconditionError(None, None, "sequence_length(%d) <= %d" % (b, max_time))
    best = np.argmax(inputs, axis=2)          # the first of equal maxima, as TensorFlow's RowMax
    top = np.max(inputs, axis=2)
    log_prob = np.zeros((batch_size, 1), inputs.dtype)
    indices, values, longest = [], [], 0
    for b, n in enumerate(lengths):
        log_prob[b, 0] = -np.sum(top[:n, b], dtype=inputs.dtype) if n > 0 else 0
        seq, prev = [], -1
        for t in range(n):
            c = int(best[t, b])
            if c != blank and not (merge and c == prev):
                seq.append(c)
            prev = c
        indices.extend([b, i] for i in range(len(seq)))
        values.extend(seq)
        longest = max(longest, len(seq))
    return (np.array(indices, np.int64).reshape(-1, 2), np.array(values, np.int64),
            np.array([batch_size, longest], np.int64), log_prob)


@register_shape("CTCGreedyDecoder")
def _greedy_decoder_shape(op):
    inputs, seq_len = op.inputs[0].shape, op.inputs[1].shape
    _check_rank(inputs, 3, "inputs")
    _check_rank(seq_len, 1, "sequence_length")
    batch = _merge(_dim(inputs, 1), _dim(seq_len, 0), "batch_size")
    return [TensorShape([None, 2]), TensorShape([None]), TensorShape([2]), TensorShape([batch, 1])]


not_differentiable("CTCGreedyDecoder")


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """The most likely class at each step of ``inputs`` (time-major logits ``[max_time, batch,
    num_classes]``), repeats merged when ``merge_repeated``, blanks (``blank_index``, by default the last
    class; negative counts from the end) dropped: a list of one
    SparseTensor ``[batch, longest]`` and the negative sum of each sequence's top logits ``[batch, 1]``
    (CTCGreedyDecoder)."""
    attrs = {"merge_repeated": bool(merge_repeated), "blank_index": -1 if blank_index is None else int(blank_index)}
    ix, val, shape, log_prob = gen("CTCGreedyDecoder", [inputs, sequence_length], attrs, None,
                                   "CTCGreedyDecoder").outputs
    return [SparseTensor(ix, val, shape)], log_prob


# --- CTCLoss -------------------------------------------------------------------------------------------

def _ctc_one(logits, labels, merge_repeated, blank):
    """(loss, gradient [T, num_classes]) for one sequence's logits [T, num_classes] and its labels."""
    T, _ = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    y = np.exp(shifted)
    y /= y.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_y = np.log(y)
    l_prime = np.full(2 * len(labels) + 1, blank, np.int64)
    l_prime[1::2] = labels
    U = len(l_prime)
    is_blank = l_prime == blank
    stay = np.ones(U, bool) if merge_repeated else is_blank
    skip = np.zeros(U, bool)
    if U > 2:
        same = l_prime[2:] == l_prime[:-2]
        skip[2:] = ~is_blank[2:] & ~(merge_repeated & same)
    emit = log_y[:, l_prime]                          # [T, U]
    alpha = np.full((T, U), -np.inf)
    alpha[0, 0] = emit[0, 0]
    if U > 1:
        alpha[0, 1] = emit[0, 1]
    for t in range(1, T):
        prev = alpha[t - 1]
        s = np.where(stay, prev, -np.inf)
        s[1:] = np.logaddexp(s[1:], prev[:-1])
        s[2:] = np.where(skip[2:], np.logaddexp(s[2:], prev[:-2]), s[2:])
        alpha[t] = emit[t] + s
    beta = np.full((T, U), -np.inf)
    beta[T - 1, max(U - 2, 0):] = 0.0
    for t in range(T - 2, -1, -1):
        nxt = beta[t + 1] + emit[t + 1]
        s = np.where(stay, nxt, -np.inf)
        s[:-1] = np.logaddexp(s[:-1], nxt[1:])
        s[:-2] = np.where(skip[2:], np.logaddexp(s[:-2], nxt[2:]), s[:-2])
        beta[t] = s
    log_p = np.logaddexp.reduce(alpha[0] + beta[0])
    if log_p == -np.inf:
        return np.inf, y                              # no valid path: TensorFlow's gradient is y
    prob_sum = np.full((T, logits.shape[1]), -np.inf)
    ab = alpha + beta
    for u in range(U):
        prob_sum[:, l_prime[u]] = np.logaddexp(prob_sum[:, l_prime[u]], ab[:, u])
    return -log_p, y - np.exp(prob_sum - log_p)


def _labels_by_batch(indices, values, batch_size):
    if indices.ndim != 2:
        raise invalid("labels_indices is not a matrix")
    if indices.shape[1] < 2:
        raise invalid("labels_indices second dimension must be >= 1. Received %d", indices.shape[1])
    if values.ndim != 1:
        raise invalid("labels_values is not a vector")
    if indices.shape[0] != values.shape[0]:
        raise invalid("labels_indices and labels_values must contain the same number of rows, but saw shapes: "
                      "%s vs. %s", dbg(indices.shape), dbg(values.shape))
    # TensorFlow checks the labels as a SparseTensor [batch_size, longest label]: in bounds and in order.
    dims = [batch_size, int(indices[:, 1].max()) + 1 if indices.shape[0] else 0]
    try:
        _validate_sorted(np, indices[:, :2], dims)
    except errors.InvalidArgumentError as e:
        raise invalid("label SparseTensor is not valid: %s", e.message) from None
    labels = [[] for _ in range(batch_size)]
    for row, v in zip(indices, values):
        b = int(row[0])
        if not 0 <= b < batch_size:
            raise invalid("labels batch index must be between 0 and %d but saw: %d", batch_size, b)
        labels[b].append(int(v))
    return labels


def _prepare_labels(b, label, num_classes, collapse):
    """Batch ``b``'s labels as TensorFlow's CTCLossCalculator takes them: repeats merged when ``collapse``,
    and the sequence ended by a label of the blank or beyond, which no other label may follow."""
    out, finished = [], False
    for i, v in enumerate(label):
        if i == 0 or not collapse or v != label[i - 1]:
            if v >= num_classes - 1:
                finished = True
            elif finished:
                raise invalid("Saw a non-null label (index >= num_classes - 1) following a null label, batch: %d "
                              "num_classes: %d labels: %s labels seen so far: %s", b, num_classes,
                              ",".join(map(str, label)), ",".join(map(str, out)))
            else:
                out.append(v)
    for v in out:
        if v < 0:
            raise invalid("All labels must be nonnegative integers, batch: %d labels: %s", b, ",".join(map(str, out)))
    return out


@register_kernel("CTCLoss", device_types=_HOST)
def _ctc_loss_kernel(ctx, inputs, labels_indices, labels_values, seq_len):
    max_time, batch_size = _check_inputs(inputs, seq_len)
    num_classes = inputs.shape[2]
    if batch_size == 0:
        raise invalid("batch_size must not be 0")
    labels = _labels_by_batch(labels_indices, labels_values, batch_size)
    lengths = [int(n) for n in seq_len]
    for b, n in enumerate(lengths):
        if n > max_time:
            raise invalid("sequence_length(%d) <= %d", b, max_time)
    for b, label in enumerate(labels):
        if not label:
            raise invalid("Labels length is zero in batch %d", b)
    collapse, merge = ctx.attrs["preprocess_collapse_repeated"], ctx.attrs["ctc_merge_repeated"]
    ignore_longer = ctx.attrs["ignore_longer_outputs_than_inputs"]
    prepared = []
    for b, label in enumerate(labels):
        prepared.append(_prepare_labels(b, label, num_classes, collapse))
        if not ignore_longer and len(label) > lengths[b]:
            raise invalid("Not enough time for target transition sequence (required: %d, available: %d)%d"
                          "You can turn this error into a warning by using the flag "
                          "ignore_longer_outputs_than_inputs", len(label), lengths[b], b)
    loss = np.zeros(batch_size, inputs.dtype)
    grad = np.zeros_like(inputs)
    for b, label in enumerate(prepared):
        n = lengths[b]
        if n == 0 or ignore_longer and len(labels[b]) > n:
            continue                                  # TensorFlow leaves these at zero loss and gradient
        value, g = _ctc_one(inputs[:n, b, :].astype(np.float64), np.array(label, np.int64), merge,
                            num_classes - 1)
        loss[b] = value
        grad[:n, b, :] = g
    return loss, grad


@register_shape("CTCLoss")
def _ctc_loss_shape(op):
    inputs, ind, val, seq_len = (t.shape for t in op.inputs)
    _check_rank(inputs, 3, "inputs")
    _check_rank(ind, 2, "labels_indices")
    _check_rank(val, 1, "labels_values")
    _check_rank(seq_len, 1, "sequence_length")
    _merge(_dim(ind, 0), _dim(val, 0), "labels")
    batch = _merge(_dim(inputs, 1), _dim(seq_len, 0), "batch_size")
    grad = unknown_shape(3) if inputs.rank is None else TensorShape([inputs.dims[0], batch, inputs.dims[2]])
    return [TensorShape([batch]), grad]


@register_gradient("CTCLoss")
def _ctc_loss_grad(op, grad_loss, _):
    # The op's second output is the gradient; it has no gradient of its own (TensorFlow's fused kernel).
    grad = prevent_gradient(op.outputs[1], message="Currently there is no way to take the second  derivative of "
                            "ctc_loss due to the fused implementation's interaction  with tf.gradients()")
    return [math_ops.multiply(array_ops.expand_dims(grad_loss, -1), grad), None, None, None]


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False, ctc_merge_repeated=True,
             ignore_longer_outputs_than_inputs=False, time_major=True, logits=None):
    """The CTC loss of each sequence (TensorFlow 1's signature): ``labels`` a SparseTensor of int32 class ids
    (``[batch, max_label]``), ``inputs`` logits ``[max_time, batch, num_classes]`` (``[batch, max_time, ...]``
    when not ``time_major``), the blank being the last class (CTCLoss)."""
    if not isinstance(labels, SparseTensor):
        raise TypeError("Expected argument `labels` to be a SparseTensor. Received labels=%s of type: %s"
                        % (labels, type(labels).__name__))
    if inputs is not None and logits is not None:
        raise ValueError("Cannot specify both 'logits' and 'inputs'")
    inputs = convert_to_tensor(logits if inputs is None else inputs, name="logits")
    if not time_major:
        inputs = array_ops.transpose(inputs, [1, 0, 2])
    orig_dtype = inputs.dtype.base_dtype
    if orig_dtype in (dtypes.float16, dtypes.bfloat16):
        inputs = math_ops.cast(inputs, dtypes.float32)
    loss = gen("CTCLoss", [inputs, labels.indices, labels.values, sequence_length],
               {"preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
                "ctc_merge_repeated": bool(ctc_merge_repeated),
                "ignore_longer_outputs_than_inputs": bool(ignore_longer_outputs_than_inputs)},
               None, "CTCLoss").outputs[0]
    if orig_dtype in (dtypes.float16, dtypes.bfloat16):
        loss = math_ops.cast(loss, orig_dtype)
    return loss


# --- PreventGradient -----------------------------------------------------------------------------------

@register_kernel("PreventGradient")
def _prevent_gradient_kernel(ctx, x):
    return x


@register_shape("PreventGradient")
def _prevent_gradient_shape(op):
    return [op.inputs[0].shape]


@register_gradient("PreventGradient")
def _prevent_gradient_grad(op, _):
    raise LookupError("Gradient explicitly disabled. Reason: %s" % op.get_attr("message"))


def prevent_gradient(input, message="", name=None):   # noqa: A002 (TensorFlow's argument name)
    """``input`` as is; asking for its gradient raises LookupError naming ``message`` (PreventGradient)."""
    return gen1("PreventGradient", [input], {"message": message}, name, "PreventGradient")
