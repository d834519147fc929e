"""Numbers to strings and back, as TensorFlow's kernels write and read them (CPU only): AsString (C's printf
formats), StringFormat (``tf.strings.format``: tensors summarized as ``tf.print`` shows them) and
StringToNumber (``tf.strings.to_number``, with absl's number grammar).

    tg.as_string([1, 22], width=3, fill="0")                 # [b"001", b"022"]
    tg.strings.format("x = {}", tg.range(5))                 # b"x = [0 1 2 3 4]"
    tg.strings.to_number(["1.5", " 0x1A "], tg.float32)      # [1.5, 26.0]

A string that is no number of ``out_type`` fails with TensorFlow's InvalidArgumentError
``StringToNumberOp could not correctly convert string: <s>``. Floats accept what ``absl::SimpleAtof`` does:
surrounding ASCII whitespace, one leading ``+`` or ``-``, decimal and ``0x`` hexadecimal forms, ``inf``,
``infinity`` and ``nan`` in any case; a value too large for the type becomes infinity, and a float32 is
rounded once, from the decimal text itself. Integers are decimal, with an optional sign (none for unsigned
types), and must fit the type.
"""
import fractions
import re

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops.op_util import gen1, invalid

__all__ = ["as_string", "string_format", "string_to_number"]


# --- AsString -------------------------------------------------------------------------------------------

register_shape("AsString")(common_shapes.unchanged)


def _as_string_format(attrs):
    """The printf format TensorFlow's AsString kernel builds from its attributes (Python's ``%`` formats
    d, e, f and g as C's printf does)."""
    if attrs.get("scientific") and attrs.get("shortest"):
        raise invalid("Cannot select both scientific and shortest notation")
    fill = attrs.get("fill") or b""
    fill = fill.decode() if isinstance(fill, bytes) else fill
    if fill and fill[0] not in " +-0#":
        raise invalid('Fill argument not supported: "%s"', fill)
    fmt = "%" + fill
    if attrs.get("width", -1) > -1:
        fmt += "%d" % attrs["width"]
    if attrs.get("precision", -1) > -1:
        fmt += ".%d" % attrs["precision"]
    return fmt


@register_kernel("AsString", "CPU")
def _as_string(ctx, x):
    fmt = _as_string_format(ctx.attrs)
    kind = x.dtype.kind
    if kind == "b":
        fn = lambda v: b"true" if v else b"false"  # noqa: E731
    elif kind in "iu":
        fn = lambda v: (fmt + "d") % v  # noqa: E731
    elif kind == "f":
        conv = fmt + ("g" if ctx.attrs.get("shortest") else "e" if ctx.attrs.get("scientific") else "f")
        fn = lambda v: conv % float(v)  # noqa: E731
    elif kind == "c":
        conv = fmt + ("g" if ctx.attrs.get("shortest") else "e" if ctx.attrs.get("scientific") else "f")
        fn = lambda v: "(%s,%s)" % (conv % v.real, conv % v.imag)  # noqa: E731
    elif kind in "OSU":
        fn = lambda v: (fmt + "s") % (v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v)  # noqa: E731
    else:
        raise invalid("Type not supported: %s", x.dtype)
    flat = x.reshape(-1)
    out = np.empty(flat.size, dtype=object)
    for i, v in enumerate(flat.tolist() if kind != "c" else flat):
        r = fn(v)
        out[i] = r if isinstance(r, bytes) else r.encode("utf-8", "surrogateescape")
    return out.reshape(x.shape)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):  # noqa: A002
    """Each element as a string (AsString), formatted as C's printf would.

        tg.as_string([1, 22], width=3, fill="0")      # [b"001", b"022"]
    """
    return gen1("AsString", [input], {"precision": precision, "scientific": scientific, "shortest": shortest,
                                     "width": width, "fill": fill}, name, "AsString")


# --- StringFormat ---------------------------------------------------------------------------------------

def _shortest_g(v, digits, more, parse):
    """TensorFlow's FloatToBuffer/DoubleToBuffer: ``%.<digits>g``, or ``%.<more>g`` where that does not
    read back as ``v``."""
    if np.isnan(v):
        return "-nan" if np.signbit(v) else "nan"
    s = "%.*g" % (digits, v)
    return s if parse(s) == v else "%.*g" % (more, v)


def _c_escape(b):
    """absl's Utf8SafeCEscape: C escapes for quotes, backslashes and control bytes; bytes >= 0x80 as they are."""
    out = []
    for c in b:
        e = _ESCAPES.get(c)
        if e is not None:
            out.append(e)
        elif c < 0x20 or c == 0x7F:
            out.append("\\%03o" % c)
        else:
            out.append(chr(c))
    return "".join(out).encode("latin-1")


_ESCAPES = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: '\\"', 0x27: "\\'", 0x5C: "\\\\"}


def _element_formatter(dtype):
    kind = dtype.kind
    if kind == "b":
        return lambda v: b"1" if v else b"0"
    if kind in "iu":
        return lambda v: b"%d" % int(v)
    if dtype in (np.float16, np.float32):
        return lambda v: _shortest_g(float(v), 6, 9, lambda s: np.float32(float(s))).encode()
    if kind == "f":
        return lambda v: _shortest_g(float(v), 15, 17, float).encode()
    if kind in "OSU":
        return lambda v: b'"' + _c_escape(v if isinstance(v, bytes) else str(v).encode("utf-8")) + b'"'
    return None


def _dim_spacing(dim, ndims, out):
    out.append(b" " if dim == ndims - 1 else b"\n" * (ndims - dim - 1) + b" " * (dim + 1))


def _print_dims(dim, shape, ends, flat, index, fmt, out):
    """TensorFlow's PrintOneDimV2: ``ends`` items at each end of every axis, ``...`` between."""
    if dim == len(shape):
        out.append(fmt(flat[index]))
        return
    out.append(b"[")
    count = shape[dim]
    per = int(np.prod(shape[dim + 1:], dtype=np.int64))
    for i in range(min(ends, count)):
        if i > 0:
            _dim_spacing(dim, len(shape), out)
        _print_dims(dim + 1, shape, ends, flat, index + per * i, fmt, out)
    if count > 2 * ends:
        _dim_spacing(dim, len(shape), out)
        out.append(b"...")
    for i in range(max(ends, count - ends), count):
        _dim_spacing(dim, len(shape), out)
        _print_dims(dim + 1, shape, ends, flat, index + per * i, fmt, out)
    out.append(b"]")


def summarize_value(x, summarize):
    """A tensor as TensorFlow's ``Tensor::SummarizeValue(summarize, print_v2=true)`` writes it."""
    x = np.asarray(x)
    n = x.size
    limit = min(n if summarize < 0 else summarize, n)
    fmt = _element_formatter(x.dtype)
    flat = x.reshape(-1)
    if fmt is None:
        body = b" ".join([b"?"] * limit) + (b"..." if summarize < n and summarize >= 0 else b"")
        return b"[" + body + b"]" if x.ndim else body
    if x.ndim == 0:
        return b" ".join(fmt(flat[i]) for i in range(limit)) + (b"..." if n > limit else b"")
    out = []
    _print_dims(0, list(x.shape), limit, flat, 0, fmt, out)
    return b"".join(out)


register_shape("StringFormat")(lambda op: [TensorShape([])])


@register_kernel("StringFormat", "CPU")
def _string_format(ctx, *inputs):
    template, placeholder = ctx.attrs["template"], ctx.attrs["placeholder"]
    pieces = template.split(placeholder) if placeholder else [template]
    if len(pieces) - 1 != len(inputs):
        raise invalid("num placeholders in template and num inputs must match: %d vs. %d", len(pieces) - 1,
                      len(inputs))
    n = ctx.attrs.get("summarize", 3)
    out = [pieces[0]]
    for x, piece in zip(inputs, pieces[1:]):
        out += [summarize_value(x, n), piece]
    return np.array(b"".join(out), dtype=object)


def string_format(template, inputs, placeholder="{}", summarize=3, name=None):
    """``template`` with each ``placeholder`` replaced by the next tensor of ``inputs``, summarized to
    ``summarize`` items at each end of each axis (-1: all), as ``tf.print`` shows tensors (StringFormat).

        tg.strings.format("x = {}, y = {}", [tg.range(3), tg.constant("a")])   # b'x = [0 1 2], y = "a"'
    """
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    if template.count(placeholder) != len(inputs):
        raise ValueError("The template expects %d tensors, but the inputs only has %d. Please ensure the number "
                         "of placeholders in template matches inputs length." % (template.count(placeholder),
                                                                                 len(inputs)))
    return gen1("StringFormat", [list(inputs)], {"template": template, "placeholder": placeholder,
                                                 "summarize": summarize}, name, "StringFormat")


# --- StringToNumber -------------------------------------------------------------------------------------

_SPACE = b" \t\n\v\f\r"
_FLOAT = re.compile(rb"(?P<sign>-?)(?:(?P<inf>inf(?:inity)?)|(?P<nan>nan(?:\([0-9A-Za-z_]*\))?)"
                    rb"|0x(?P<hex>(?:[0-9a-f]+(?:\.[0-9a-f]*)?|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?)"
                    rb"|(?P<dec>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?))", re.IGNORECASE)
_INT = re.compile(rb"([+-]?)([0-9]+)")


def _float32_of_decimal(text):
    """The float32 nearest the decimal ``text``, rounded once (through float64, then exactly where float64
    landed on a tie between two float32s)."""
    d = float(text)
    with np.errstate(over="ignore"):
        f = np.float32(d)
    if float(f) == d or np.isnan(d):
        return f
    # The float32 candidates around d: f and its neighbour on d's side (past the largest float32, infinity,
    # standing one float32 step beyond it).
    lo, hi = sorted([f, np.nextafter(f, np.float32(np.inf if float(f) < d else -np.inf))],
                    key=lambda v: float(v))
    exact = [fractions.Fraction(float(v)) if np.isfinite(v) else None for v in (lo, hi)]
    if exact[0] is None or exact[1] is None:
        finite = exact[1] if exact[0] is None else exact[0]
        step = abs(finite - fractions.Fraction(float(np.nextafter(lo if exact[0] is not None else hi,
                                                                   np.float32(0)))))
        exact = [finite - step, finite] if exact[0] is None else [finite, finite + step]
    mid = (exact[0] + exact[1]) / 2
    if fractions.Fraction(d) != mid:
        return f
    value = fractions.Fraction(text.decode("ascii"))
    if value == mid:
        # Ties go to the even bit pattern; infinity counts as even, as IEEE rounding past the largest does.
        return lo if int(np.float32(lo).view(np.uint32)) % 2 == 0 else hi
    return lo if value < mid else hi


def parse_float(text, dtype):
    """``text`` (bytes) as a ``dtype`` float the way absl::SimpleAtof/SimpleAtod read it, else None."""
    s = text.strip(_SPACE)
    if s[:1] == b"+":
        s = s[1:]
        if s[:1] == b"-":
            return None
    m = _FLOAT.fullmatch(s)
    if m is None:
        return None
    sign = -1.0 if m.group("sign") else 1.0
    if m.group("inf"):
        return dtype.type(sign * np.inf)
    if m.group("nan"):
        return dtype.type(np.nan)
    if m.group("hex") is not None:
        v = float.fromhex(m.group("sign").decode() + "0x" + m.group("hex").decode())
        return dtype.type(v)
    if dtype == np.float32:
        return _float32_of_decimal(s)
    return dtype.type(float(s))


def parse_int(text, dtype):
    """``text`` (bytes) as a ``dtype`` integer the way absl::SimpleAtoi reads it, else None."""
    m = _INT.fullmatch(text.strip(_SPACE))
    if m is None:
        return None
    if m.group(1) == b"-" and dtype.kind == "u":
        return None
    v = int(m.group(2)) * (-1 if m.group(1) == b"-" else 1)
    info = np.iinfo(dtype)
    return dtype.type(v) if info.min <= v <= info.max else None


register_shape("StringToNumber")(common_shapes.unchanged)


@register_kernel("StringToNumber", "CPU")
def _string_to_number(ctx, x):
    dtype = np.dtype(dtypes.as_dtype(ctx.attrs.get("out_type", dtypes.float32)).as_numpy_dtype)
    parse = parse_float if dtype.kind == "f" else parse_int
    flat = x.reshape(-1)
    out = np.empty(flat.size, dtype)
    for i, s in enumerate(flat.tolist()):
        b = s if isinstance(s, bytes) else str(s).encode("utf-8")
        v = parse(b, dtype)
        if v is None:
            # TensorFlow prints the string as C does, up to its first NUL.
            shown = b.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")
            raise invalid("StringToNumberOp could not correctly convert string: %s", shown)
        out[i] = v
    return out.reshape(x.shape)


def string_to_number(string_tensor=None, out_type=dtypes.float32, name=None, input=None):  # noqa: A002
    """Each string read as a number of ``out_type`` (StringToNumber): float32/64, int32/64, uint32/64.
    ``input`` is TensorFlow 1's other name for ``string_tensor``.

        tg.strings.to_number(["1.5", " -2 "])      # [1.5, -2.0]
    """
    if string_tensor is None:
        string_tensor = input
    return gen1("StringToNumber", [string_tensor], {"out_type": out_type}, name, "StringToNumber")


not_differentiable("AsString", "StringFormat", "StringToNumber")
