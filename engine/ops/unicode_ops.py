"""Unicode: UnicodeDecode, UnicodeDecodeWithOffsets, UnicodeEncode, UnicodeTranscode and UnicodeScript, as
TensorFlow's ICU-based kernels compute them (CPU only).

    tg.strings.unicode_decode("G\u00f6\u00f6d", "UTF-8")               # [71, 246, 246, 100]
    tg.strings.unicode_encode([[104, 105], [233, 33]], "UTF-8")       # [b"hi", b"\xc3\xa9!"]
    tg.strings.unicode_transcode(["h\u00e9"], "UTF-8", "UTF-16-BE")     # [b"\x00h\x00\xe9"]

Malformed input is handled as ICU's converters do: each maximal ill-formed subsequence is one error, which
``errors`` turns into ``replacement_char`` (``"replace"``), drops (``"ignore"``) or reports
(``"strict"``: InvalidArgumentError "Invalid formatting on input string"). Decoding reads UTF-8, UTF-16 and
UTF-32 (either byte order) and ISO-8859-1; encoding writes UTF-8, UTF-16-BE and UTF-32-BE (TensorFlow's
list). The scripts are ICU's ``UScriptCode`` numbers, from a table recorded from TensorFlow's ICU
(``tools/record_unicode_scripts.py``).

TensorFlow returns the decodings of a non-scalar input as RaggedTensors, which tagraph does not have:
``unicode_decode``, ``unicode_decode_with_offsets``, ``unicode_split`` and ``unicode_split_with_offsets``
take scalars (their results are plain tensors there) and raise NotImplementedError naming RaggedTensor for
other ranks; ``unicode_encode`` takes dense tensors of any rank >= 1.
"""
import codecs
import functools
import os

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.graph import convert_to_tensor, name_scope
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.array_ops import expand_dims, reshape, shape as shape_of
from tagraph.engine.ops.joining_ops import stack
from tagraph.engine.ops.math_ops import range as range_
from tagraph.engine.ops.op_util import invalid
from tagraph.engine.ops.reduction_ops import reduce_prod

__all__ = ["unicode_decode", "unicode_decode_with_offsets", "unicode_encode", "unicode_transcode", "unicode_script",
           "unicode_split", "unicode_split_with_offsets"]

_MAX = 0x10FFFF


def _ragged(what):
    return NotImplementedError("%s of a non-scalar input returns a RaggedTensor, which tagraph does not have; "
                               "pass a scalar string" % what)


# --- decoding -------------------------------------------------------------------------------------------

# Second-byte ranges of the well-formed UTF-8 sequences (the Unicode Standard's table 3-7), by lead byte.
_SECOND = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}


def _utf8_length(cp):
    return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4


def decode_utf8(data):
    """``[(code point, bytes consumed, malformed)]`` of ``data``; a maximal ill-formed subsequence is one
    U+FFFD, as ICU's UTF-8 converter reads it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return [(ord(c), _utf8_length(ord(c)), False) for c in text]
    out, i, n = [], 0, len(data)
    while i < n:
        b = data[i]
        need = 0 if b < 0x80 else 1 if 0xC2 <= b <= 0xDF else 2 if 0xE0 <= b <= 0xEF else 3 if 0xF0 <= b <= 0xF4 \
            else -1
        if need == 0:
            out.append((b, 1, False))
            i += 1
            continue
        if need < 0:
            out.append((0xFFFD, 1, True))
            i += 1
            continue
        j, cp = i + 1, b & (0x3F >> need)
        ok = True
        for k in range(need):
            lo, hi = _SECOND.get(b, (0x80, 0xBF)) if k == 0 else (0x80, 0xBF)
            if j >= n or not lo <= data[j] <= hi:
                ok = False
                break
            cp = (cp << 6) | (data[j] & 0x3F)
            j += 1
        out.append((cp, j - i, False) if ok else (0xFFFD, j - i, True))
        i = j
    return out


def _decode_utf16(data, order):
    out, i, n = [], 0, len(data)
    while i + 1 < n:
        u = int.from_bytes(data[i:i + 2], order)
        if 0xD800 <= u <= 0xDBFF and i + 3 < n:
            v = int.from_bytes(data[i + 2:i + 4], order)
            if 0xDC00 <= v <= 0xDFFF:
                out.append((0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00), 4, False))
                i += 4
                continue
        if 0xD800 <= u <= 0xDFFF:
            out.append((0xFFFD, 2, True))
        else:
            out.append((u, 2, False))
        i += 2
    if i < n:
        out.append((0xFFFD, n - i, True))
    return out


def _decode_utf32(data, order):
    out, i, n = [], 0, len(data)
    while i + 3 < n:
        u = int.from_bytes(data[i:i + 4], order)
        out.append((0xFFFD, 4, True) if u > _MAX or 0xD800 <= u <= 0xDFFF else (u, 4, False))
        i += 4
    if i < n:
        out.append((0xFFFD, n - i, True))
    return out


_DECODERS = {"utf8": decode_utf8, "utf16be": lambda d: _decode_utf16(d, "big"),
             "utf16le": lambda d: _decode_utf16(d, "little"), "utf32be": lambda d: _decode_utf32(d, "big"),
             "utf32le": lambda d: _decode_utf32(d, "little"), "iso88591": lambda d: [(b, 1, False) for b in d],
             "latin1": lambda d: [(b, 1, False) for b in d]}


def _decoder(name):
    """The decoder of the encoding ``name`` (bytes; ICU matches names ignoring case, ``-`` and ``_``)."""
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    key = "".join(c for c in text.lower() if c.isalnum())
    if key in _DECODERS:
        return _DECODERS[key]
    try:
        codecs.lookup(text)
    except LookupError:
        raise invalid("Could not create converter for input encoding: %s", text) from None
    raise NotImplementedError("Decoding %s is not supported by tagraph (it reads UTF-8, UTF-16-BE/LE, "
                              "UTF-32-BE/LE and ISO-8859-1)" % text)


def _error_options(attrs):
    policy = attrs.get("errors", b"replace")
    policy = policy.decode() if isinstance(policy, bytes) else policy
    if policy not in ("strict", "replace", "ignore"):
        raise invalid("errors policy must be one of 'strict', 'replace', or 'ignore'")
    subst = attrs.get("replacement_char", 0xFFFD)
    if not 0 <= subst <= _MAX:
        raise invalid("replacement_char out of unicode codepoint range")
    return policy, subst, attrs.get("replace_control_characters", False)


def _handled(chars, policy, subst, replace_controls):
    """The decoded characters after the error policy: ``[(code point, byte offset)]`` and whether any was
    malformed."""
    out, offset, malformed = [], 0, False
    for cp, n, bad in chars:
        malformed |= bad
        if bad or (replace_controls and cp <= 0x1F):
            if policy == "ignore":
                offset += n
                continue
            cp = subst
        out.append((cp, offset))
        offset += n
    return out, malformed


def _as_bytes(v):
    return v if isinstance(v, bytes) else str(v).encode("utf-8")


def _decode_shape(op):
    n = op.inputs[0].shape.num_elements()
    return [TensorShape([None if n is None else n + 1])] + [TensorShape([None])] * (len(op.outputs) - 1)


register_shape("UnicodeDecode", "UnicodeDecodeWithOffsets")(_decode_shape)


def _decode_kernel(with_offsets):
    def kernel(ctx, x):
        policy, subst, controls = _error_options(ctx.attrs)
        decode = _decoder(ctx.attrs["input_encoding"])
        split_type = dtypes.as_dtype(ctx.attrs.get("Tsplits", dtypes.int64)).as_numpy_dtype
        splits, values, offsets = [0], [], []
        for s in x.reshape(-1).tolist():
            chars, malformed = _handled(decode(_as_bytes(s)), policy, subst, controls)
            if malformed and policy == "strict":
                raise invalid("Invalid formatting on input string")
            values += [c for c, _ in chars]
            offsets += [o for _, o in chars]
            splits.append(len(values))
        out = [np.array(splits, split_type), np.array(values, np.int32)]
        if with_offsets:
            out.append(np.array(offsets, split_type))
        return tuple(out)
    return kernel


register_kernel("UnicodeDecode", "CPU")(_decode_kernel(False))
register_kernel("UnicodeDecodeWithOffsets", "CPU")(_decode_kernel(True))


# --- encoding -------------------------------------------------------------------------------------------

def _valid(cp):
    return 0 <= cp <= _MAX and not 0xD800 <= cp <= 0xDFFF


def encode_code_points(cps, encoding):
    """The valid code points ``cps`` in ``encoding`` (bytes: UTF-8, UTF-16-BE or UTF-32-BE)."""
    text = "".join(map(chr, cps))
    name = encoding.decode() if isinstance(encoding, bytes) else encoding
    return text.encode({"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}[name])


def _fix_code_points(cps, policy, subst):
    out = []
    for cp in cps:
        if not _valid(cp):
            if policy == "strict":
                raise invalid("Code point is out of range for Unicode, or is a surrogate.")
            if policy == "ignore":
                continue
            cp = subst
        out.append(cp)
    return out


def _encode_shape(op):
    n = op.inputs[1].shape.num_elements()
    return [TensorShape([None if n is None else n - 1])]


register_shape("UnicodeEncode")(_encode_shape)


@register_kernel("UnicodeEncode", "CPU")
def _unicode_encode(ctx, values, splits):
    policy, subst, _ = _error_options(ctx.attrs)
    encoding = ctx.attrs["output_encoding"]
    cps, bounds = values.reshape(-1).tolist(), [int(s) for s in splits.reshape(-1)]
    if not bounds or bounds[0] != 0 or bounds[-1] != len(cps) or any(a > b for a, b in zip(bounds, bounds[1:])):
        raise invalid("Invalid input_splits: they must start at 0, end at the number of code points (%d) and "
                      "never decrease, got %s", len(cps), bounds)
    out = np.empty(len(bounds) - 1, dtype=object)
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
        out[i] = encode_code_points(_fix_code_points(cps[lo:hi], policy, subst), encoding)
    return out


register_shape("UnicodeTranscode")(common_shapes.unchanged)


@register_kernel("UnicodeTranscode", "CPU")
def _unicode_transcode(ctx, x):
    policy, subst, controls = _error_options(ctx.attrs)
    decode = _decoder(ctx.attrs["input_encoding"])
    encoding = ctx.attrs["output_encoding"]
    flat = x.reshape(-1)
    out = np.empty(flat.size, dtype=object)
    any_malformed = False
    for i, s in enumerate(flat.tolist()):
        chars, malformed = _handled(decode(_as_bytes(s)), policy, subst, controls)
        any_malformed |= malformed
        # A replacement that is itself no scalar value (a surrogate) comes out as U+FFFD, as ICU writes it.
        out[i] = encode_code_points([c if _valid(c) else 0xFFFD for c, _ in chars], encoding)
    if any_malformed and policy == "strict":
        raise invalid("Invalid formatting on input string")
    return out.reshape(x.shape)


# --- scripts --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _script_table():
    with np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "unicode_scripts.npz")) as f:
        return f["starts"], f["codes"].astype(np.int32)


register_shape("UnicodeScript")(common_shapes.unchanged)


@register_kernel("UnicodeScript", "CPU")
def _unicode_script(ctx, x):
    starts, codes = _script_table()
    cps = np.asarray(x, np.int64)
    out = codes[np.clip(np.searchsorted(starts, cps, side="right") - 1, 0, None)]
    return np.where((cps < 0) | (cps > _MAX), np.int32(-1), out).astype(np.int32)


not_differentiable("UnicodeDecode", "UnicodeDecodeWithOffsets", "UnicodeEncode", "UnicodeTranscode", "UnicodeScript")


# --- building -------------------------------------------------------------------------------------------

def _decode_attrs(input_encoding, errors, replacement_char, replace_control_characters):
    return {"input_encoding": input_encoding, "errors": errors, "replacement_char": replacement_char,
            "replace_control_characters": replace_control_characters}


def _decode_scalar(what, input, input_encoding, errors, replacement_char, replace_control_characters,  # noqa: A002
                   with_offsets):
    input = convert_to_tensor(input, dtype=dtypes.string, name="input")  # noqa: A001
    if input.shape.rank is None:
        raise ValueError("Rank of `input` must be statically known.")
    if input.shape.rank != 0:
        raise _ragged(what)
    op_type = "UnicodeDecodeWithOffsets" if with_offsets else "UnicodeDecode"
    outs = make_op(op_type, [reshape(input, [-1])],
                   _decode_attrs(input_encoding, errors, replacement_char, replace_control_characters))
    return (outs[1], outs[2]) if with_offsets else outs[1]


def unicode_decode(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                   replace_control_characters=False, name=None):
    """The code points of a scalar string (UnicodeDecode), an int32 vector.

        tg.strings.unicode_decode("G\u00f6\u00f6d", "UTF-8")      # [71, 246, 246, 100]
    """
    with name_scope(name, "UnicodeDecode", [input]):
        return _decode_scalar("tf.strings.unicode_decode", input, input_encoding, errors, replacement_char,
                              replace_control_characters, False)


def unicode_decode_with_offsets(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                                replace_control_characters=False, name=None):
    """The code points of a scalar string and the byte offset each starts at (UnicodeDecodeWithOffsets).

        cps, starts = tg.strings.unicode_decode_with_offsets("G\u00f6d", "UTF-8")  # [71, 246, 100], [0, 1, 3]
    """
    with name_scope(name, "UnicodeDecodeWithOffsets", [input]):
        return _decode_scalar("tf.strings.unicode_decode_with_offsets", input, input_encoding, errors,
                              replacement_char, replace_control_characters, True)


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """Each row of code points (the last axis of a dense int32 tensor of rank >= 1) as one string in
    ``output_encoding`` (UnicodeEncode); the result has one rank less.

        tg.strings.unicode_encode([[104, 105], [233, 33]], "UTF-8")      # [b"hi", b"\xc3\xa9!"]
    """
    with name_scope(name, "UnicodeEncode", [input]):
        input = convert_to_tensor(input, name="input")  # noqa: A001
        rank = input.shape.rank
        if rank is None:
            raise ValueError("Rank of input_tensor must be statically known.")
        if rank == 0:
            raise ValueError("input_tensor's rank must be at least 1.")
        attrs = {"output_encoding": output_encoding, "errors": errors, "replacement_char": replacement_char}
        if rank == 1:
            splits = stack([0, shape_of(input, out_type=dtypes.int32)[0]])
            return reshape(make_op("UnicodeEncode", [input, splits], attrs), np.zeros([0], np.int32))
        dims = shape_of(input, out_type=dtypes.int64)
        rows = reduce_prod(dims[:-1])
        splits = range_(0, rows + 1, dtype=dtypes.int64) * dims[-1]
        out = make_op("UnicodeEncode", [reshape(input, [-1]), splits], attrs)
        if rank > 2:
            out = reshape(out, dims[:-1])
        out.set_shape(input.shape[:-1])
        return out


def unicode_transcode(input, input_encoding, output_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                      replace_control_characters=False, name=None):
    """Each string re-encoded from ``input_encoding`` to ``output_encoding`` (UnicodeTranscode).

        tg.strings.unicode_transcode(["h\u00e9"], "UTF-8", "UTF-16-BE")     # [b"\x00h\x00\xe9"]
    """
    attrs = dict(_decode_attrs(input_encoding, errors, replacement_char, replace_control_characters),
                 output_encoding=output_encoding)
    with name_scope(name, "UnicodeTranscode", [input]) as scope:
        return make_op("UnicodeTranscode", [convert_to_tensor(input, dtype=dtypes.string, name="input")], attrs,
                       name=scope)


def unicode_script(input, name=None):  # noqa: A002
    """ICU's script code (``UScriptCode``) of each int32 code point, -1 for a value that is none
    (UnicodeScript).

        tg.strings.unicode_script([65, 0x3b1, 0x4e00])      # [25, 14, 17]: Latin, Greek, Han
    """
    with name_scope(name, "UnicodeScript", [input]) as scope:
        return make_op("UnicodeScript", [convert_to_tensor(input, dtype=dtypes.int32, name="input")], name=scope)


def _split_scalar(what, input, input_encoding, errors, replacement_char, with_offsets):  # noqa: A002
    decoded = _decode_scalar(what, input, input_encoding, errors, replacement_char, False, with_offsets)
    cps = decoded[0] if with_offsets else decoded
    chars = unicode_encode(expand_dims(cps, -1), output_encoding=input_encoding, errors=errors,
                           replacement_char=replacement_char)
    return (chars, decoded[1]) if with_offsets else chars


def unicode_split(input, input_encoding, errors="replace", replacement_char=0xFFFD, name=None):  # noqa: A002
    """The characters of a scalar string, each a string in ``input_encoding``.

        tg.strings.unicode_split("h\u00e9", "UTF-8")      # [b"h", b"\xc3\xa9"]
    """
    with name_scope(name, "UnicodeSplit", [input]):
        return _split_scalar("tf.strings.unicode_split", input, input_encoding, errors, replacement_char, False)


def unicode_split_with_offsets(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                               name=None):
    """The characters of a scalar string and the byte offset each starts at.

        chars, starts = tg.strings.unicode_split_with_offsets("h\u00e9!", "UTF-8")  # [h, \xc3\xa9, !], [0, 1, 3]
    """
    with name_scope(name, "UnicodeSplitWithOffsets", [input]):
        return _split_scalar("tf.strings.unicode_split_with_offsets", input, input_encoding, errors,
                             replacement_char, True)

