"""Assertions: ``tg.Assert`` and the Assert op, ``tg.check_numerics`` and the CheckNumerics op, with
TensorFlow's messages.

    check = tg.Assert(tg.reduce_all(x > 0), ["x must be positive", x], summarize=5)
    with tg.control_dependencies([check]):
        y = tg.log(x)

When the condition is false, the run fails with InvalidArgumentError("assertion failed: [x must be positive]
[1 -2]"): each data tensor summarized as TensorFlow summarizes it (its first ``summarize`` values, flat,
then "..."), in brackets. The kernel runs on the host: it reads its condition and formats its data there.

    y = tg.check_numerics(x, "logits")   # x itself, or InvalidArgumentError("logits : Tensor had NaN values")
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_gradient, register_shape
from tagraph.engine.ops.string_format_ops import _c_escape

__all__ = ["Assert", "check_numerics"]


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TensorFlow's name
    """An op that fails the run with ``data`` summarized when ``condition`` (a scalar bool) is false."""
    graph = get_default_graph()
    with graph.name_scope(name or "Assert") as scope:
        cond = convert_to_tensor(condition, dtype=dtypes.bool, name="condition")
        values = [convert_to_tensor(d, name="data_%d" % i) for i, d in enumerate(data)]
        attrs = {"summarize": 3 if summarize is None else int(summarize)}
        return graph.create_op("Assert", [cond, values], attrs, name=scope)


def _number(v):
    """A number as TensorFlow's StrCat prints it: %.6g (%.15g for doubles), or %.9g (%.17g) where that
    does not read back as the same value."""
    if isinstance(v, (np.floating, float)):
        if not np.isfinite(v):
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        short, full = (6, 9) if isinstance(v, (np.float32, np.float16)) else (15, 17)
        s = "%.*g" % (short, v)
        return s if type(v)(s) == v else "%.*g" % (full, v)
    if isinstance(v, (np.bool_, bool)):
        return "1" if v else "0"
    if isinstance(v, bytes):
        return _c_escape(v).decode("utf-8", "replace")
    return str(v)


def summarize(value, limit):
    """TensorFlow's Tensor::SummarizeValue: the first ``limit`` values, in brackets by row past the first
    dimension (``[1 2][3...]``), "..." after."""
    value = np.asarray(value)
    flat = value.reshape(-1)
    limit = flat.size if limit < 0 else min(limit, flat.size)
    if value.ndim == 0:
        return " ".join(_number(v) for v in flat[:limit]) + ("..." if flat.size > limit else "")
    out, index = [], [0]

    def one_dim(dim):
        # TensorFlow's PrintOneDim.
        if index[0] >= limit:
            return
        if dim == value.ndim - 1:
            for i in range(value.shape[dim]):
                if index[0] >= limit:
                    if dim:
                        out.append("...")
                    return
                out.append((" " if i else "") + _number(flat[index[0]]))
                index[0] += 1
            return
        for _ in range(value.shape[dim]):
            opened = index[0] < limit
            if opened:
                out.append("[")
            one_dim(dim + 1)
            if index[0] < limit or opened:
                out.append("]")

    one_dim(0)
    return "".join(out) + ("..." if flat.size > limit else "")


@register_kernel("Assert", host_kind().device_type)
def _assert(ctx, condition, *data):
    cond = np.asarray(condition)
    if cond.shape != ():
        raise errors.InvalidArgumentError(None, None, "In[0] should be a scalar: %s"
                                          % "[%s]" % ",".join(str(d) for d in cond.shape))
    if not cond[()]:
        limit = ctx.attrs.get("summarize", 3)
        raise errors.InvalidArgumentError(None, None, "assertion failed: %s"
                                          % " ".join("[%s]" % summarize(d, limit) for d in data))


register_shape("Assert")(lambda op: [])
not_differentiable("Assert")


def check_numerics(tensor, message, name=None):
    """``tensor``, checked when it runs: a NaN or an infinity in it fails the run with ``message``."""
    x = convert_to_tensor(tensor)
    return make_op("CheckNumerics", [x], {"message": message, "T": x.dtype}, name=name)


@register_kernel("CheckNumerics")
def _check_numerics(ctx, x):
    xp = ctx.xp
    has_inf, has_nan = bool(xp.isinf(x).any()), bool(xp.isnan(x).any())
    if has_inf or has_nan:
        message = ctx.attrs["message"]
        message = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        raise errors.InvalidArgumentError(None, None, "%s : Tensor had %s values" % (
            message, " and ".join(w for w, bad in (("Inf", has_inf), ("NaN", has_nan)) if bad)))
    return x


register_shape("CheckNumerics")(lambda op: [op.inputs[0].shape])


@register_gradient("CheckNumerics")
def _check_numerics_grad(op, grad):
    # TensorFlow 2's Python formats the message attr (bytes) with %s, so its gradient's message holds b'...'.
    message = op.get_attr("message")
    return check_numerics(grad, "Not a number (NaN) or infinity (Inf) values detected in gradient. %s"
                          % repr(message.encode() if isinstance(message, str) else message))
