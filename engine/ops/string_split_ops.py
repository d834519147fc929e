"""Splitting strings into tokens: StringSplit (TensorFlow 1's ``tf.string_split``), StringSplitV2
(``tf.strings.split``), ``tf.strings.bytes_split`` and StringNGrams (``tf.strings.ngrams``); CPU only, as in
TensorFlow.

    sp = tg.string_split(["hello world", "a b c"])        # SparseTensor: 5 tokens, dense_shape [2, 3]
    sp = tg.strings.split(["1<>2<><>3"], sep="<>")          # tokens "1", "2", "", "3"

The splits come back as a SparseTensor, which is what TensorFlow 1 returns. tagraph has no RaggedTensor:
``result_type="RaggedTensor"``, and the functions that return a RaggedTensor for every non-scalar input
(``bytes_split``), raise NotImplementedError naming RaggedTensor; their scalar forms, which TensorFlow returns
as plain tensors, work.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.array_ops import expand_dims, reshape, shape as shape_of
from tagraph.engine.ops.joining_ops import concat, stack
from tagraph.engine.ops.math_ops import floordiv, floormod, range as range_
from tagraph.engine.ops.op_util import dbg, invalid
from tagraph.engine.ops.parsing_ops import SparseTensor
from tagraph.engine.ops.reduction_ops import reduce_prod

__all__ = ["string_split", "string_split_v2", "strings_split", "bytes_split", "ngrams"]

_WHITESPACE = b" \t\n\v\f\r"


def _ragged(what):
    return NotImplementedError("%s returns a RaggedTensor, which tagraph does not have; TensorFlow 1's "
                               "SparseTensor forms work (result_type='SparseTensor')" % what)


# --- the kernels ----------------------------------------------------------------------------------------

def split_on(text, delimiter, skip_empty):
    """StringSplit's tokens of ``text``: each byte of ``delimiter`` splits (an empty one splits into bytes)."""
    if not text:
        return []
    if not delimiter:
        return [text[i:i + 1] for i in range(len(text))]
    if len(delimiter) > 1:
        text = text.translate(bytes.maketrans(delimiter[1:], delimiter[:1] * (len(delimiter) - 1)))
    parts = text.split(delimiter[:1])
    return [p for p in parts if p] if skip_empty else parts


def split_v2(text, sep, maxsplit):
    """StringSplitV2's tokens of ``text`` (Python's ``str.split`` but for a ``maxsplit`` reached at trailing
    whitespace, which leaves an empty last token as TensorFlow's does)."""
    if maxsplit == 0:
        return [text]
    if sep:
        return text.split(sep, maxsplit if maxsplit > 0 else -1)
    if maxsplit < 0:
        return text.split()
    out = []
    rest = text.lstrip(_WHITESPACE)
    while rest:
        end = 0
        while end < len(rest) and rest[end] not in _WHITESPACE:
            end += 1
        out.append(rest[:end])
        rest = rest[end:].lstrip(_WHITESPACE)
        if len(out) == maxsplit:
            out.append(rest)
            break
    return out


def _sparse_result(rows):
    n = sum(len(r) for r in rows)
    indices = np.zeros((n, 2), np.int64)
    values = np.empty(n, dtype=object)
    k = 0
    for i, r in enumerate(rows):
        indices[k:k + len(r), 0] = i
        indices[k:k + len(r), 1] = np.arange(len(r))
        values[k:k + len(r)] = r
        k += len(r)
    dense_shape = np.array([len(rows), max((len(r) for r in rows), default=0)], np.int64)
    return indices, values, dense_shape


def _vector_input(x):
    if x.ndim != 1:
        raise invalid("input must be a vector, got shape: %s", dbg(x.shape))
    return [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in x.tolist()]


def _scalar_arg(x, what):
    if x.ndim != 0:
        raise invalid("%s must be a scalar, got shape: %s", what, dbg(x.shape))
    v = x.reshape(-1)[0]
    return v if isinstance(v, bytes) else str(v).encode("utf-8")


def _split_shape(op):
    for t, rank in ((op.inputs[0], 1), (op.inputs[1], 0)):
        if t.shape.rank is not None and t.shape.rank != rank:
            raise ValueError("Shape must be rank %d but is rank %d for '%s' (op: '%s') with input shapes: %s, %s"
                             % (rank, t.shape.rank, op.name, op.type, op.inputs[0].shape, op.inputs[1].shape))
    return [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])]


register_shape("StringSplit", "StringSplitV2")(_split_shape)


@register_kernel("StringSplit", "CPU")
def _string_split(ctx, x, delimiter):
    texts = _vector_input(x)
    d = _scalar_arg(delimiter, "delimiter")
    skip = ctx.attrs.get("skip_empty", True)
    return _sparse_result([split_on(t, d, skip) for t in texts])


@register_kernel("StringSplitV2", "CPU")
def _string_split_v2(ctx, x, sep):
    texts = _vector_input(x)
    s = _scalar_arg(sep, "sep")
    maxsplit = ctx.attrs.get("maxsplit", -1)
    return _sparse_result([split_v2(t, s, maxsplit) for t in texts])


def _ngrams_of(row, width, sep, left, right, pad_width, count=None):
    """StringNGrams' n-grams of one row (``count`` of them, by default all there are): TensorFlow's
    CreateNgrams."""
    pad = min(width - 1 if pad_width < 0 else pad_width, width - 1)
    if count is None:
        count = max(0, len(row) + 2 * pad - width + 1)
    out = []
    for k in range(count):
        lpad = max(0, pad - k)
        rpad = max(0, pad - (count - (k + 1)))
        ntok = width - (lpad + rpad)
        start = 0 if lpad > 0 else k - pad
        items = [left] * lpad + row[start:start + max(ntok, 0)] + [right] * rpad
        out.append(sep.join(items))
    return out


def _ngrams_shape(op):
    return [TensorShape([None]), op.inputs[1].shape]


register_shape("StringNGrams")(_ngrams_shape)


@register_kernel("StringNGrams", "CPU")
def _string_ngrams(ctx, data, splits):
    a = ctx.attrs
    widths, sep, left, right = list(a["ngram_widths"]), a["separator"], a["left_pad"], a["right_pad"]
    pad_width, preserve = a["pad_width"], a["preserve_short_sequences"]
    values = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in data.reshape(-1).tolist()]
    bounds = [int(s) for s in splits.reshape(-1)]
    if bounds and (bounds[0] != 0 or bounds[-1] != len(values) or any(b > c for b, c in zip(bounds, bounds[1:]))):
        raise invalid("Invalid split values: data_splits must start at 0, end at the number of values (%d) and "
                      "never decrease, got %s", len(values), bounds)
    out, out_splits = [], [0]
    for lo, hi in zip(bounds, bounds[1:]):
        row = values[lo:hi]
        grams = []
        for w in widths:
            grams += _ngrams_of(row, w, sep, left, right, pad_width)
        if preserve and not grams and row:
            grams = _ngrams_of(row, len(row) + 2 * pad_width, sep, left, right, pad_width, count=1)
        out += grams
        out_splits.append(len(out))
    result = np.empty(len(out), dtype=object)
    result[:] = out
    return result, np.array(out_splits, dtype=splits.dtype)


not_differentiable("StringSplit", "StringSplitV2", "StringNGrams")


# --- building -------------------------------------------------------------------------------------------

def _sparse(op_type, inputs, attrs, name):
    indices, values, dense_shape = make_op(op_type, inputs, attrs, name=name)
    return SparseTensor(indices, values, dense_shape)


def string_split(source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor", name=None):
    """TensorFlow 1's ``tf.string_split``: a SparseTensor of the tokens of each string of the 1-D ``source``,
    split at every byte of ``sep`` (default ``" "``; empty splits into bytes), empty tokens skipped unless
    ``skip_empty`` is false (StringSplit).

        sp = tg.string_split(["hello world", "a,b"], " ,")    # values [hello, world, a, b], dense_shape [2, 2]
    """
    if sep is not None and delimiter is not None:
        raise ValueError("Cannot specify both 'sep' and 'delimiter'")
    sep = delimiter if sep is None else sep
    if result_type not in ("SparseTensor", "RaggedTensor"):
        raise ValueError("result_type must be 'RaggedTensor' or 'SparseTensor'.")
    if result_type == "RaggedTensor":
        raise _ragged("tf.string_split(result_type='RaggedTensor')")
    with name_scope(name, "StringSplit", [source]):
        sep = convert_to_tensor(" " if sep is None else sep, dtype=dtypes.string)
        source = convert_to_tensor(source, dtype=dtypes.string)
        return _sparse("StringSplit", [source, sep], {"skip_empty": skip_empty}, "StringSplit")


def string_split_v2(source, sep=None, maxsplit=-1):
    """``tf.compat.v1.string_split_v2``: the 1-D ``source`` split as Python's ``str.split(sep, maxsplit)``
    would (StringSplitV2), as a SparseTensor."""
    sep = convert_to_tensor("" if sep is None else sep, dtype=dtypes.string)
    source = convert_to_tensor(source, dtype=dtypes.string)
    return _sparse("StringSplitV2", [source, sep], {"maxsplit": maxsplit}, "StringSplitV2")


def _unravel(rows, dims):
    """The columns of the multi-index of flat row numbers ``rows`` in a tensor of shape ``dims`` (int64)."""
    rank = dims.shape[0]
    cols = []
    for j in range(rank):
        stride = reduce_prod(dims[j + 1:]) if j + 1 < rank else None
        q = rows if stride is None else floordiv(rows, stride)
        cols.append(q if j == 0 else floormod(q, dims[j]))
    return cols


def strings_split(input=None, sep=None, maxsplit=-1, result_type="SparseTensor", source=None, name=None):  # noqa: A002
    """TensorFlow 1's ``tf.strings.split``: each string of ``input`` split as Python's ``str.split(sep,
    maxsplit)`` would (StringSplitV2), as a SparseTensor of rank ``rank(input) + 1`` (a scalar counts as a
    vector of one).

        sp = tg.strings.split(["1<>2<><>3"], sep="<>")    # values [1, 2, "", 3], dense_shape [1, 4]
    """
    if input is not None and source is not None:
        raise ValueError("Cannot specify both 'input' and 'source'")
    input = source if input is None else input  # noqa: A001
    if result_type not in ("SparseTensor", "RaggedTensor"):
        raise ValueError("result_type must be 'RaggedTensor' or 'SparseTensor'.")
    if result_type == "RaggedTensor":
        raise _ragged("tf.strings.split(result_type='RaggedTensor')")
    with name_scope(name, "StringSplit", [input]):
        input = convert_to_tensor(input, dtype=dtypes.string, name="input")  # noqa: A001
        rank = input.shape.rank
        if rank == 0:
            input = expand_dims(input, 0)  # noqa: A001
            rank = 1
        if rank is None or rank == 1:
            return string_split_v2(input, sep=sep, maxsplit=maxsplit)
        dims = shape_of(input, out_type=dtypes.int64)
        sp = string_split_v2(reshape(input, [-1]), sep=sep, maxsplit=maxsplit)
        rows = sp.indices[:, 0]
        indices = stack(_unravel(rows, dims) + [sp.indices[:, 1]], axis=1)
        dense_shape = concat([dims, sp.dense_shape[1:]], 0)
        return SparseTensor(indices, sp.values, dense_shape)


def bytes_split(input, name=None):  # noqa: A002
    """``tf.strings.bytes_split`` of a scalar: its bytes, a 1-D tensor (other ranks give a RaggedTensor in
    TensorFlow, which tagraph does not have).

        tg.strings.bytes_split("hi")      # [b"h", b"i"]
    """
    with name_scope(name, "StringsByteSplit", [input]):
        input = convert_to_tensor(input, dtype=dtypes.string, name="input")  # noqa: A001
        if input.shape.rank is None:
            raise ValueError("input must have a statically-known rank.")
        if input.shape.rank != 0:
            raise _ragged("tf.strings.bytes_split of a tensor of rank %d" % input.shape.rank)
        sp = _sparse("StringSplit", [stack([input]), ""], {"skip_empty": False}, "StringSplit")
        return sp.values


def _pad_values(pad_values):
    if pad_values is None:
        return "", ""
    if isinstance(pad_values, (list, tuple)):
        if not all(isinstance(p, (str, bytes)) for p in pad_values[:2]):
            raise TypeError("pad_values must be a string, tuple of strings, or None.")
        return pad_values[0], pad_values[1]
    if not isinstance(pad_values, (str, bytes)):
        raise TypeError("pad_values must be a string, tuple of strings, or None.")
    return pad_values, pad_values


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None, preserve_short_sequences=False,
           name=None):
    """``tf.strings.ngrams`` of a dense tensor: the n-grams of ``ngram_width`` adjacent strings along the last
    axis, joined by ``separator`` (StringNGrams); ``pad_values`` pads both ends, ``padding_width`` times
    (default ``ngram_width - 1``).

        tg.strings.ngrams(["A", "B", "C", "D"], 2)      # [b"A B", b"B C", b"C D"]
    """
    left, right = _pad_values(pad_values)
    if padding_width is not None and padding_width < 1:
        raise ValueError("padding_width must be greater than 0.")
    if padding_width is not None and pad_values is None:
        raise ValueError("pad_values must be provided if padding_width is set.")
    widths = list(ngram_width) if isinstance(ngram_width, (list, tuple)) else [ngram_width]
    for w in widths:
        if w < 1:
            raise ValueError("All ngram_widths must be greater than 0. Got %s" % (ngram_width,))
    pad_width = 0 if pad_values is None else (-1 if padding_width is None else padding_width)
    with name_scope(name, "StringNGrams", [data]):
        data = convert_to_tensor(data, dtype=dtypes.string, name="data")
        rank = data.shape.rank
        if rank is None:
            raise ValueError("Rank of data must be known.")
        if rank == 0:
            raise ValueError("Data must have rank>0")
        dims = shape_of(data, out_type=dtypes.int64)
        row_len = dims[-1]
        values = reshape(data, [-1])
        nrows = reduce_prod(dims[:-1]) if rank > 1 else 1
        # Row starts as multiples of the row length (a range with that step fails for rows of length 0).
        splits = range_(0, nrows + 1, dtype=dtypes.int64) * row_len if rank > 1 else stack([0, row_len])
        out, _ = make_op("StringNGrams", [values, splits],
                         {"separator": separator, "ngram_widths": widths, "left_pad": left, "right_pad": right,
                          "pad_width": pad_width, "preserve_short_sequences": preserve_short_sequences})
        if rank == 1:
            return out
        return reshape(out, concat([dims[:-1], [-1]], 0))
