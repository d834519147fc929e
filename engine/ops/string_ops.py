"""String ops (CPU only, as in TensorFlow): StringJoin, StaticRegexFullMatch, AsString, StringToNumber.

    path = tg.strings.join([prefix, "_temp/part"])
"""
import re

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, errors
from tagraph.engine.framework.op_builder import make_op, register_shape, not_differentiable

__all__ = ["string_join", "regex_full_match", "strings"]


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


not_differentiable("StringJoin", "StaticRegexFullMatch", "AsString", "StringToNumber")


class strings:  # noqa: N801 - the tf.strings namespace
    join = staticmethod(string_join)
    regex_full_match = staticmethod(regex_full_match)
