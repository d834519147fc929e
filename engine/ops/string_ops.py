"""String ops (CPU only, as in TensorFlow): StringJoin, StaticRegexFullMatch, AsString, StringToNumber, and
the ``tg.strings`` namespace (with string_hash_ops' hash buckets).

    path = tg.strings.join([prefix, "_temp/part"])
"""
import re

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, errors
from tagraph.engine.framework.op_builder import make_op, register_shape, not_differentiable
from tagraph.engine.ops.op_util import gen1, invalid
from tagraph.engine.ops.string_hash_ops import (string_to_hash_bucket, string_to_hash_bucket_fast,
                                                string_to_hash_bucket_strong)

__all__ = ["string_join", "regex_full_match", "as_string", "strings"]


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
    shapes = {x.shape for x in inputs if x.ndim}
    if len(shapes) > 1:
        raise errors.InvalidArgumentError(None, None, "StringJoin inputs must be scalars or of one shape, got %s"
                                          % sorted(shapes))
    shape = shapes.pop() if shapes else ()
    cols = [np.broadcast_to(x, shape).reshape(-1) for x in inputs]
    out = np.empty(int(np.prod(shape)), dtype=object)
    for i in range(out.size):
        out[i] = sep.join(c[i] for c in cols)
    return out.reshape(shape)


def string_join(inputs, separator="", name=None):
    return make_op("StringJoin", [list(inputs)], {"separator": separator}, name=name or "StringJoin")


register_shape("StaticRegexFullMatch")(common_shapes.unchanged)


@register_kernel("StaticRegexFullMatch", "CPU")
def _static_regex_full_match(ctx, x):
    pattern = re.compile(ctx.attrs["pattern"])
    flat = x.reshape(-1)
    return np.array([pattern.fullmatch(v) is not None for v in flat], dtype=bool).reshape(x.shape)


def regex_full_match(input, pattern, name=None):  # noqa: A002
    return make_op("StaticRegexFullMatch", [input], {"pattern": pattern}, name=name)


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


not_differentiable("StringJoin", "StaticRegexFullMatch", "AsString", "StringToNumber")


class strings:  # noqa: N801 - the tf.strings namespace
    join = staticmethod(string_join)
    regex_full_match = staticmethod(regex_full_match)
    as_string = staticmethod(as_string)
    to_hash_bucket = staticmethod(string_to_hash_bucket)
    to_hash_bucket_fast = staticmethod(string_to_hash_bucket_fast)
    to_hash_bucket_strong = staticmethod(string_to_hash_bucket_strong)
