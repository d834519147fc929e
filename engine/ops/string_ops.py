"""String ops (CPU only, as in TensorFlow): StringJoin, ReduceJoin, UnsortedSegmentJoin, StringLength,
StringStrip, StringLower, StringUpper, Substr, EncodeBase64 and DecodeBase64; and the ``tg.strings``
namespace, which gathers them with the other string families (regex_ops, string_split_ops, unicode_ops,
string_format_ops, string_hash_ops) under TensorFlow 1's names.

    path = tg.strings.join([prefix, "_temp/part"])
    tg.strings.substr(["h\u00e9llo"], 1, 2, unit="UTF8_CHAR")       # [b"\xc3\xa9l"]
    tg.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=" ")   # [b"a b", b"c d"]

Strings are bytes; ``unit="UTF8_CHAR"`` counts UTF-8 characters (every byte that does not continue a
character starts one, so invalid UTF-8 counts byte by byte, as in TensorFlow).
"""
import base64
import binascii

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import string_split_ops, unicode_ops
from tagraph.engine.ops.array_ops import rank as rank_of
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.math_ops import range as range_
from tagraph.engine.ops.op_util import dbg, gen1, invalid
from tagraph.engine.ops.string_format_ops import as_string, string_format, string_to_number
from tagraph.engine.ops.regex_ops import regex_full_match, regex_replace
from tagraph.engine.ops.string_hash_ops import (string_to_hash_bucket, string_to_hash_bucket_fast,
                                                string_to_hash_bucket_strong)
from tagraph.engine.ops.string_split_ops import string_split

__all__ = ["string_join", "reduce_join", "substr", "string_strip", "string_to_number", "as_string",
           "regex_replace", "regex_full_match", "string_split", "encode_base64", "decode_base64", "strings"]


def _as_bytes(v):
    return v if isinstance(v, bytes) else str(v).encode("utf-8")


def _map(x, fn):
    """``fn`` of each string of ``x``, an array of the same shape."""
    flat = x.reshape(-1)
    out = np.empty(flat.size, dtype=object)
    for i, s in enumerate(flat.tolist()):
        out[i] = fn(_as_bytes(s))
    return out.reshape(x.shape)


# --- joining --------------------------------------------------------------------------------------------

def _join_shape(op):
    s = op.inputs[0].shape
    for t in op.inputs[1:]:
        if t.shape.rank != 0:
            s = t.shape if s.rank == 0 else s.merge_with(t.shape)
    return [s]


register_shape("StringJoin")(_join_shape)


@register_kernel("StringJoin", "CPU")
def _string_join(ctx, *inputs):
    sep = ctx.attrs.get("separator", b"")
    shape = None
    for x in inputs:
        if x.ndim:
            if shape is None:
                shape = x.shape
            elif x.shape != shape:
                raise invalid("Input shapes do not match: %s vs. %s", dbg(shape), dbg(x.shape))
    shape = shape or ()
    cols = [np.broadcast_to(x, shape).reshape(-1) for x in inputs]
    out = np.empty(int(np.prod(shape)), dtype=object)
    for i in range(out.size):
        out[i] = sep.join(_as_bytes(c[i]) for c in cols)
    return out.reshape(shape)


def string_join(inputs, separator="", name=None):
    """The strings of ``inputs`` (tensors of one shape, or scalars) joined element by element (StringJoin).

        tg.strings.join([["a", "b"], "-", ["c", "d"]])      # [b"a-c", b"b-d"]
    """
    return make_op("StringJoin", [list(inputs)], {"separator": separator}, name=name or "StringJoin")


def _reduce_join_axes(axes, ndim):
    seen = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise errors.OutOfRangeError(None, None, "Invalid reduction dimension %d for input with %d "
                                                     "dimension(s)" % (a, ndim))
        if a % ndim in seen:
            raise invalid("Duplicate reduction dimension %d", a)
        seen.append(a % ndim)
    return seen


def _reduce_join_shape(op):
    x = op.inputs[0].shape
    keep = op.get_attr("keep_dims")
    axes = constant_value(op.inputs[1])
    if axes is None or x.rank is None:
        return [TensorShape([None] * x.rank) if keep and x.rank is not None else unknown_shape()]
    axes = [int(a) for a in np.asarray(axes).reshape(-1)]
    try:
        reduced = set(_reduce_join_axes(axes, x.rank))
    except errors.OpError as e:
        raise ValueError(e.message) from None
    dims = [1 if i in reduced else d for i, d in enumerate(x.dims)] if keep else \
        [d for i, d in enumerate(x.dims) if i not in reduced]
    return [TensorShape(dims)]


register_shape("ReduceJoin")(_reduce_join_shape)


@register_kernel("ReduceJoin", "CPU")
def _reduce_join(ctx, x, reduction_indices):
    sep = ctx.attrs.get("separator", b"")
    axes = _reduce_join_axes([int(a) for a in np.asarray(reduction_indices).reshape(-1)], x.ndim)
    keep = [i for i in range(x.ndim) if i not in axes]
    # TensorFlow joins with the first listed axis varying fastest.
    moved = np.transpose(x, keep + axes[::-1]) if x.ndim else x
    out_shape = [x.shape[i] for i in keep]
    rows = moved.reshape(int(np.prod(out_shape, dtype=np.int64)), -1) if x.size else \
        np.empty((int(np.prod(out_shape, dtype=np.int64)), 0), dtype=object)
    out = np.empty(rows.shape[0], dtype=object)
    for i in range(rows.shape[0]):
        out[i] = sep.join(_as_bytes(s) for s in rows[i])
    if ctx.attrs.get("keep_dims", False):
        out_shape = [1 if i in axes else d for i, d in enumerate(x.shape)]
    return out.reshape(out_shape)


def reduce_join(inputs, axis=None, keep_dims=None, separator="", name=None, reduction_indices=None,
                keepdims=None):
    """The strings of ``inputs`` joined along ``axis`` (all axes by default, row-major), with ``separator``
    (ReduceJoin).

        tg.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=" ")   # [b"a b", b"c d"]
    """
    if keepdims is not None and keep_dims is not None:
        raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    if axis is not None and reduction_indices is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_indices'")
    axis = reduction_indices if axis is None else axis
    with name_scope(None, "ReduceJoin", [inputs, axis]):
        x = convert_to_tensor(inputs)
        if axis is None:
            if x.shape.rank is not None:
                axis = constant(np.arange(x.shape.rank - 1, -1, -1), dtype=dtypes.int32)
            else:
                axis = range_(rank_of(x) - 1, -1, -1)
        return gen1("ReduceJoin", [x, axis], {"keep_dims": keep, "separator": separator}, name, "ReduceJoin")


def _segment_join_shape(op):
    data, ids, n = op.inputs[0].shape, op.inputs[1].shape, constant_value(op.inputs[2])
    if data.rank is None or ids.rank is None:
        return [unknown_shape()]
    head = [None if n is None else int(n)]
    return [TensorShape(head + list(data.dims[ids.rank:]))]


register_shape("UnsortedSegmentJoin")(_segment_join_shape)


@register_kernel("UnsortedSegmentJoin", "CPU")
def _unsorted_segment_join(ctx, data, ids, num_segments):
    sep = ctx.attrs.get("separator", b"")
    n = int(np.asarray(num_segments).reshape(-1)[0])
    if data.shape[:ids.ndim] != ids.shape:
        raise invalid("segment_ids should be the same shape as the prefix of input, got %s and %s",
                      dbg(ids.shape), dbg(data.shape))
    inner = data.shape[ids.ndim:]
    rows = data.reshape((ids.size,) + inner).reshape(ids.size, -1)
    parts = [[[] for _ in range(rows.shape[1])] for _ in range(n)]
    for r, seg in enumerate(ids.reshape(-1).tolist()):
        if not 0 <= seg < n:
            raise invalid("segment_ids are not allowed to exceed num_segments or be negative.")
        for c in range(rows.shape[1]):
            parts[seg][c].append(_as_bytes(rows[r, c]))
    out = np.empty((n, rows.shape[1]), dtype=object)
    for s in range(n):
        for c in range(rows.shape[1]):
            out[s, c] = sep.join(parts[s][c])
    return out.reshape((n,) + inner)


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """The strings of ``inputs`` joined per segment (UnsortedSegmentJoin), in row-major order.

        tg.strings.unsorted_segment_join(["this", "a", "test", "is"], [0, 1, 1, 0], 2, " ")  # [b"this is", b"a test"]
    """
    return gen1("UnsortedSegmentJoin", [inputs, segment_ids, num_segments], {"separator": separator}, name,
                "UnsortedSegmentJoin")


# --- length, strip, case ------------------------------------------------------------------------------

def _is_trail(b):
    return 0x80 <= b <= 0xBF


def _utf8_chars(s):
    return sum(1 for b in s if not _is_trail(b))


register_shape("StringLength", "StringStrip", "StringLower", "StringUpper", "EncodeBase64",
               "DecodeBase64")(common_shapes.unchanged)


@register_kernel("StringLength", "CPU")
def _string_length(ctx, x):
    utf8 = ctx.attrs.get("unit", b"BYTE") == b"UTF8_CHAR"
    count = _utf8_chars if utf8 else len
    flat = x.reshape(-1)
    return np.fromiter((count(_as_bytes(s)) for s in flat.tolist()), np.int32, count=flat.size).reshape(x.shape)


def string_length(input, name=None, unit="BYTE"):  # noqa: A002 - TensorFlow's argument name
    """The length of each string in bytes, or with ``unit="UTF8_CHAR"`` in UTF-8 characters (StringLength).

        tg.strings.length(["hi", "\U0001f642"], unit="UTF8_CHAR")      # [2, 1]
    """
    return gen1("StringLength", [input], {"unit": unit}, name, "StringLength")


_ASCII_SPACE = b" \t\n\v\f\r"


@register_kernel("StringStrip", "CPU")
def _string_strip(ctx, x):
    return _map(x, lambda s: s.strip(_ASCII_SPACE))


def string_strip(input, name=None):  # noqa: A002
    """Each string without its leading and trailing ASCII whitespace (StringStrip).

        tg.strings.strip(["  a b \\n"])      # [b"a b"]
    """
    return gen1("StringStrip", [input], None, name, "StringStrip")


def _case_kernel(ascii_fn, unicode_fn):
    def kernel(ctx, x):
        encoding = ctx.attrs.get("encoding", b"")
        if encoding not in (b"", b"utf-8"):
            raise invalid("only utf-8 or '' (no encoding) is supported, received %s", encoding.decode("utf-8",
                                                                                                      "replace"))
        if not encoding:
            return _map(x, ascii_fn)
        # ICU reads the string as C does (up to its first NUL); malformed UTF-8 becomes U+FFFD.
        return _map(x, lambda s: unicode_fn(s.split(b"\0", 1)[0].decode("utf-8", "replace")).encode("utf-8"))
    return kernel


register_kernel("StringLower", "CPU")(_case_kernel(bytes.lower, str.lower))
register_kernel("StringUpper", "CPU")(_case_kernel(bytes.upper, str.upper))


def lower(input, encoding="", name=None):  # noqa: A002
    """Each string in lower case: ASCII letters, or with ``encoding="utf-8"`` all of Unicode's (StringLower).

        tg.strings.lower(["\u00c0B"], encoding="utf-8")      # [b"\xc3\xa0b"]
    """
    return gen1("StringLower", [input], {"encoding": encoding}, name, "StringLower")


def upper(input, encoding="", name=None):  # noqa: A002
    """Each string in upper case: ASCII letters, or with ``encoding="utf-8"`` all of Unicode's (StringUpper).

        tg.strings.upper(["stra\u00dfe"], encoding="utf-8")      # [b"STRASSE"]
    """
    return gen1("StringUpper", [input], {"encoding": encoding}, name, "StringUpper")


# --- Substr ---------------------------------------------------------------------------------------------

def _forward(s, n, pos):
    """TensorFlow's ForwardNUTF8CharPositions: ``(new pos, whether n characters were there)``."""
    counted = 0
    while counted < n and pos < len(s):
        pos += 1
        while pos < len(s) and _is_trail(s[pos]):
            pos += 1
        counted += 1
    return pos, counted == n


def _back(s, n, pos):
    """TensorFlow's BackNUTF8CharPositions."""
    counted = 0
    while counted < n and pos > 0:
        pos -= 1
        while _is_trail(s[pos]) and pos > 0:
            pos -= 1
        counted += 1
    return pos, counted == n


def substr_bytes(s, pos, length, utf8):
    """``s[pos:pos+length]`` as TensorFlow's Substr kernel takes it, or None where ``pos`` is out of range."""
    if utf8:
        if pos >= 0:
            start, ok = _forward(s, pos, 0)
            if not ok:
                return None
            end, _ = _forward(s, length, start)
            return s[start:max(end, start)]
        skip = max(0, -pos - length)
        end, ok = _back(s, skip, len(s))
        if not ok:
            return None
        start, ok = _back(s, -pos - skip, end)
        return s[start:end] if ok else None
    start = len(s) + pos if pos < 0 else pos
    if not 0 <= start <= len(s):
        return None
    # A negative length is a huge unsigned one to TensorFlow: the rest of the string.
    return s[start:] if length < 0 else s[start:start + length]


def _substr_shape(op):
    x, pos, length = (t.shape for t in op.inputs)
    if pos.rank is not None and length.rank is not None and pos.rank != length.rank:
        raise ValueError("Shapes must be equal rank, but are %d and %d for '%s' (op: 'Substr')"
                         % (pos.rank, length.rank, op.name))
    return [common_shapes.broadcast_shapes(x, pos.merge_with(length) if pos.rank is not None else length)]


register_shape("Substr")(_substr_shape)


@register_kernel("Substr", "CPU")
def _substr(ctx, x, pos, length):
    utf8 = ctx.attrs.get("unit", b"BYTE") == b"UTF8_CHAR"
    if pos.shape != length.shape:
        raise invalid("pos and len should have the same shape, got: %s vs. %s", dbg(pos.shape), dbg(length.shape))
    if pos.size == 0:
        raise invalid("received empty tensor pos_tensor: %s", dbg(pos.shape))
    if pos.ndim == 0 or pos.shape == x.shape:
        shape = x.shape
    else:
        try:
            shape = np.broadcast_shapes(x.shape, pos.shape)
        except ValueError:
            raise invalid("Incompatible shapes: %s vs. %s", dbg(x.shape), dbg(pos.shape)) from None
        if len(shape) > 2:
            raise errors.UnimplementedError(None, None, "Substr broadcast not implemented for %d dimensions"
                                            % len(shape))
    xs, ps, ls = (np.broadcast_to(a, shape) for a in (x, pos, length))
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        s, p = _as_bytes(xs[index]), int(ps[index])
        r = substr_bytes(s, p, int(ls[index]), utf8)
        if r is None:
            elementwise = pos.ndim == 0 or pos.shape == x.shape
            flat_i = int(np.ravel_multi_index(index, shape)) if shape else 0
            if utf8:
                at = flat_i if elementwise or len(shape) < 2 else index[0]
                raise invalid("pos %d out of range for string at index %d", p, at)
            where = "%d" % flat_i if elementwise or len(shape) < 2 else "(%s)" % ", ".join(map(str, index))
            raise invalid("pos %d out of range for string b'%s' at index %s", p,
                          s.decode("utf-8", "backslashreplace"), where)
        out[index] = r
    return out


def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002 - TensorFlow's argument names
    """``len`` bytes (or UTF-8 characters, ``unit="UTF8_CHAR"``) of each string from ``pos`` (from the end
    where negative); ``pos`` and ``len`` are scalars or broadcast against ``input`` (Substr).

        tg.strings.substr(["hello", "world"], [1, 2], [3, 2])      # [b"ell", b"rl"]
    """
    return gen1("Substr", [input, pos, len], {"unit": unit}, name, "Substr")


# --- base64 -------------------------------------------------------------------------------------------

_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def decode_base64_bytes(data):
    """Web-safe base64 ``data`` decoded as TensorFlow's Base64Decode reads it (padding optional)."""
    if not data:
        return b""
    body = len(data) - (len(data) - 1) % 4 - 1
    tail = data[body:]
    if len(tail) == 4 and tail[2:] == b"==":
        tail = tail[:2]
    elif len(tail) == 4 and tail[3:] == b"=":
        tail = tail[:3]
    chars = data[:body] + tail
    if any(c not in _B64 for c in chars):
        raise invalid("Invalid character found in base64.")
    if len(tail) == 1:
        raise invalid("Base64 string length cannot be 1 modulo 4.")
    full = base64.urlsafe_b64decode(data[:body] + tail + b"A" * (4 - len(tail)))
    return full[:len(full) - 3 + len(tail) - 1]


@register_kernel("EncodeBase64", "CPU")
def _encode_base64(ctx, x):
    pad = ctx.attrs.get("pad", False)
    return _map(x, lambda s: base64.urlsafe_b64encode(s) if pad else base64.urlsafe_b64encode(s).rstrip(b"="))


@register_kernel("DecodeBase64", "CPU")
def _decode_base64(ctx, x):
    try:
        return _map(x, decode_base64_bytes)
    except binascii.Error as e:  # pragma: no cover - the checks above leave nothing binascii rejects
        raise invalid("Invalid character found in base64: %s", e) from None


def encode_base64(input, pad=False, name=None):  # noqa: A002
    """Each string in web-safe base64 (``-`` and ``_``), ``=``-padded only with ``pad`` (EncodeBase64).

        tg.io.encode_base64(["hello"])      # [b"aGVsbG8"]
    """
    return gen1("EncodeBase64", [input], {"pad": pad}, name, "EncodeBase64")


def decode_base64(input, name=None):  # noqa: A002
    """Each web-safe base64 string decoded, with or without padding (DecodeBase64).

        tg.io.decode_base64(["aGVsbG8"])      # [b"hello"]
    """
    return gen1("DecodeBase64", [input], None, name, "DecodeBase64")


not_differentiable("StringJoin", "ReduceJoin", "UnsortedSegmentJoin", "StringLength", "StringStrip", "StringLower",
                   "StringUpper", "Substr", "EncodeBase64", "DecodeBase64")


class strings:  # noqa: N801 - the tf.strings namespace
    """TensorFlow 1's ``tf.strings``.

        tg.strings.split(["a b"])            # SparseTensor
        tg.strings.to_hash_bucket_fast(["a"], 10)
    """
    as_string = staticmethod(as_string)
    bytes_split = staticmethod(string_split_ops.bytes_split)
    format = staticmethod(string_format)
    join = staticmethod(string_join)
    length = staticmethod(string_length)
    lower = staticmethod(lower)
    ngrams = staticmethod(string_split_ops.ngrams)
    reduce_join = staticmethod(reduce_join)
    regex_full_match = staticmethod(regex_full_match)
    regex_replace = staticmethod(regex_replace)
    split = staticmethod(string_split_ops.strings_split)
    strip = staticmethod(string_strip)
    substr = staticmethod(substr)
    to_hash_bucket = staticmethod(string_to_hash_bucket)
    to_hash_bucket_fast = staticmethod(string_to_hash_bucket_fast)
    to_hash_bucket_strong = staticmethod(string_to_hash_bucket_strong)
    to_number = staticmethod(string_to_number)
    unicode_decode = staticmethod(unicode_ops.unicode_decode)
    unicode_decode_with_offsets = staticmethod(unicode_ops.unicode_decode_with_offsets)
    unicode_encode = staticmethod(unicode_ops.unicode_encode)
    unicode_script = staticmethod(unicode_ops.unicode_script)
    unicode_split = staticmethod(unicode_ops.unicode_split)
    unicode_split_with_offsets = staticmethod(unicode_ops.unicode_split_with_offsets)
    unicode_transcode = staticmethod(unicode_ops.unicode_transcode)
    unsorted_segment_join = staticmethod(unsorted_segment_join)
    upper = staticmethod(upper)

