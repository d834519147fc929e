"""2-D convolution and pooling, with their gradient ops, on CPU and GPU.

    y = tg.nn.conv2d(x, w, strides=[1, 2, 2, 1], padding="SAME")      # x: NHWC, w: [kh, kw, in, out]
    p = tg.nn.max_pool(y, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")

Kernels are written once against ``ctx.xp``. A convolution is an im2col (one strided slice per filter
tap, copied into a [N, OH, OW, KH, KW, C] block) followed by one matrix product; its input gradient is
the transposed product scattered back tap by tap (col2im). Padding follows TensorFlow exactly: SAME gives
``ceil(in / stride)`` outputs and pads ``max((out - 1) * stride + k_eff - in, 0)`` in total, the smaller
half before; VALID pads nothing; EXPLICIT takes ``explicit_paddings``. NCHW is computed by transposing
to NHWC and back.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, _graph_of
from tagraph.engine.framework.op_builder import make_op, register_shape, register_gradient
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.op_util import invalid

__all__ = ["output_size_and_padding", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "conv2d_transpose",
           "max_pool", "avg_pool", "max_pool2d", "avg_pool2d"]


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


# --- geometry ----------------------------------------------------------------------------------------

def output_size_and_padding(in_size, k, stride, dilation, padding, explicit=(0, 0)):
    """(out, pad_before, pad_after) for one spatial dimension, by TensorFlow's rules
    (GetWindowedOutputSizeVerbose)."""
    k_eff = (k - 1) * dilation + 1
    if padding == "VALID":
        out = (in_size - k_eff + stride) // stride
        return max(out, 0), 0, 0
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
        total = max((out - 1) * stride + k_eff - in_size, 0)
        return out, total // 2, total - total // 2
    if padding == "EXPLICIT":
        before, after = explicit
        out = (in_size + before + after - k_eff + stride) // stride
        return max(out, 0), before, after
    raise invalid("Unknown padding %r (SAME, VALID or EXPLICIT)" % padding)


def _attrs4(attrs, name, fmt):
    v = list(attrs[name]) if attrs.get(name) is not None else [1, 1, 1, 1]
    if len(v) != 4:
        raise invalid("%s must have 4 elements, got %d" % (name, len(v)))
    return (v[1], v[2], v[0], v[3]) if fmt == "NHWC" else (v[2], v[3], v[0], v[1])


def _explicit(attrs, fmt):
    e = list(attrs.get("explicit_paddings") or [])
    if not e:
        return (0, 0), (0, 0)
    if len(e) != 8:
        raise invalid("explicit_paddings must have 8 elements, got %d" % len(e))
    pairs = [(e[2 * i], e[2 * i + 1]) for i in range(4)]
    return (pairs[1], pairs[2]) if fmt == "NHWC" else (pairs[2], pairs[3])


class _Geom:
    """Everything a conv/pool kernel needs about its window, from the op's attributes."""

    def __init__(self, attrs, in_h, in_w, kh, kw, window_attr=None):
        self.fmt = _s(attrs.get("data_format", "NHWC"))
        self.padding = _s(attrs["padding"])
        sh, sw, sn, sc = _attrs4(attrs, "strides", self.fmt)
        if sn != 1 or sc != 1:
            raise invalid("Current implementation does not yet support strides in the batch and depth dimensions.")
        if window_attr is not None:
            kh, kw, kn, kc = _attrs4(attrs, window_attr, self.fmt)
            if kn != 1 or kc != 1:
                raise invalid("Pooling is not yet supported on the batch dimension.")
        dh, dw, dn, dc = _attrs4(attrs, "dilations", self.fmt) if "dilations" in attrs else (1, 1, 1, 1)
        if dn != 1 or dc != 1:
            raise invalid("Current implementation does not yet support dilations in the batch and depth dimensions.")
        if sh < 1 or sw < 1 or dh < 1 or dw < 1:
            raise invalid("Strides and dilations must be >= 1")
        eh, ew = _explicit(attrs, self.fmt)
        self.kh, self.kw, self.sh, self.sw, self.dh, self.dw = kh, kw, sh, sw, dh, dw
        self.oh, self.pt, self.pb = output_size_and_padding(in_h, kh, sh, dh, self.padding, eh)
        self.ow, self.pl, self.pr = output_size_and_padding(in_w, kw, sw, dw, self.padding, ew)
        self.in_h, self.in_w = in_h, in_w

    def tap(self, i, j):
        """The slice of the padded input that filter tap (i, j) sees at every output position."""
        h0, w0 = i * self.dh, j * self.dw
        return (slice(None), slice(h0, h0 + self.sh * (self.oh - 1) + 1, self.sh),
                slice(w0, w0 + self.sw * (self.ow - 1) + 1, self.sw), slice(None))


def _to_nhwc(xp, x, fmt):
    return x if fmt == "NHWC" else xp.transpose(x, (0, 2, 3, 1))


def _from_nhwc(xp, x, fmt):
    return x if fmt == "NHWC" else xp.ascontiguousarray(xp.transpose(x, (0, 3, 1, 2)))


def _pad(xp, x, g, value=0):
    if not (g.pt or g.pb or g.pl or g.pr):
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + g.pt + g.pb, w + g.pl + g.pr, c), value, dtype=x.dtype)
    out[:, g.pt:g.pt + h, g.pl:g.pl + w, :] = x
    return out


def _im2col(xp, xpad, g):
    n, c = xpad.shape[0], xpad.shape[3]
    cols = xp.empty((n, g.oh, g.ow, g.kh, g.kw, c), dtype=xpad.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            cols[:, :, :, i, j, :] = xpad[g.tap(i, j)]
    return cols


def _col2im(xp, cols, g, n, c, dtype):
    hp, wp = g.in_h + g.pt + g.pb, g.in_w + g.pl + g.pr
    out = xp.zeros((n, hp, wp, c), dtype=dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            out[g.tap(i, j)] += cols[:, :, :, i, j, :]
    return out[:, g.pt:g.pt + g.in_h, g.pl:g.pl + g.in_w, :]


def _nhwc_dims(shape, fmt):
    n, a, b, c = shape
    return (n, a, b, c) if fmt == "NHWC" else (n, b, c, a)


# --- Conv2D and its two gradient ops ------------------------------------------------------------------

def _check_conv(x, w):
    if x.ndim != 4:
        raise invalid("input must be 4-dimensional%s" % (list(x.shape),))
    if w.ndim != 4:
        raise invalid("filter must be 4-dimensional: %s" % (list(w.shape),))


def _conv_forward(xp, x, w, attrs):
    _check_conv(x, w)
    fmt = _s(attrs.get("data_format", "NHWC"))
    xn = _to_nhwc(xp, x, fmt)
    n, h, wd, c = xn.shape
    kh, kw, ci, co = w.shape
    if c % ci or c != ci:
        if c % ci == 0 and c != ci:
            raise errors.UnimplementedError(None, None, "Grouped convolutions (input depth %d, filter depth %d) "
                                            "are not supported" % (c, ci))
        raise invalid("input depth must be evenly divisible by filter depth: %d vs %d" % (c, ci))
    g = _Geom(attrs, h, wd, kh, kw)
    if g.oh <= 0 or g.ow <= 0:
        raise invalid("Computed output size would be negative: %d [input_size: %d, effective_filter_size: %d, "
                      "stride: %d]" % (min(g.oh, g.ow), min(h, wd), (kh - 1) * g.dh + 1, g.sh))
    cols = _im2col(xp, _pad(xp, xn, g), g)
    out = xp.matmul(cols.reshape(n * g.oh * g.ow, kh * kw * c), w.reshape(kh * kw * ci, co))
    return _from_nhwc(xp, out.reshape(n, g.oh, g.ow, co), fmt)


@register_kernel("Conv2D")
def _conv2d(ctx, x, w):
    return _conv_forward(ctx.xp, x, w, ctx.attrs)


@register_kernel("Conv2DBackpropInput", host_inputs=(0,))
def _conv2d_backprop_input(ctx, input_sizes, w, dy):
    xp = ctx.xp
    fmt = _s(ctx.attrs.get("data_format", "NHWC"))
    sizes = [int(v) for v in np.asarray(input_sizes).reshape(-1)]
    if len(sizes) != 4:
        raise invalid("input_sizes must be 4-dimensional, got %s" % sizes)
    n, h, wd, c = _nhwc_dims(sizes, fmt)
    kh, kw, ci, co = w.shape
    g = _Geom(ctx.attrs, h, wd, kh, kw)
    dyn = _to_nhwc(xp, dy, fmt)
    if tuple(dyn.shape) != (n, g.oh, g.ow, co):
        raise invalid("Conv2DBackpropInput: out_backprop shape %s does not match the computed output %s"
                      % (list(dyn.shape), [n, g.oh, g.ow, co]))
    dcols = xp.matmul(dyn.reshape(n * g.oh * g.ow, co), w.reshape(kh * kw * ci, co).T)
    dx = _col2im(xp, dcols.reshape(n, g.oh, g.ow, kh, kw, ci), g, n, ci, dy.dtype)
    return _from_nhwc(xp, xp.ascontiguousarray(dx), fmt)


@register_kernel("Conv2DBackpropFilter", host_inputs=(1,))
def _conv2d_backprop_filter(ctx, x, filter_sizes, dy):
    xp = ctx.xp
    fmt = _s(ctx.attrs.get("data_format", "NHWC"))
    kh, kw, ci, co = [int(v) for v in np.asarray(filter_sizes).reshape(-1)]
    xn = _to_nhwc(xp, x, fmt)
    n, h, wd, c = xn.shape
    g = _Geom(ctx.attrs, h, wd, kh, kw)
    dyn = _to_nhwc(xp, dy, fmt)
    cols = _im2col(xp, _pad(xp, xn, g), g).reshape(n * g.oh * g.ow, kh * kw * c)
    dw = xp.matmul(cols.T, dyn.reshape(n * g.oh * g.ow, co))
    return dw.reshape(kh, kw, ci, co)


def _spatial(shape, fmt):
    if shape.rank is None:
        return None, None, None, None
    d = shape.dims
    return (d[0], d[1], d[2], d[3]) if fmt == "NHWC" else (d[0], d[2], d[3], d[1])


def _out_shape(n, oh, ow, c, fmt):
    return TensorShape([n, oh, ow, c] if fmt == "NHWC" else [n, c, oh, ow])


def _static_out(op, in_h, in_w, kh, kw, window_attr=None):
    attrs = {k: op.get_attr(k) for k in op.attr_names if not k.startswith("_")}
    fmt = _s(attrs.get("data_format", "NHWC"))
    if window_attr is not None:
        kh, kw, _, _ = _attrs4(attrs, window_attr, fmt)
    if in_h is None or in_w is None or kh is None or kw is None:
        sh, sw, _, _ = _attrs4(attrs, "strides", fmt)
        pad = _s(attrs["padding"])

        def one(i, k, s):
            if i is None:
                return None
            if pad == "SAME":
                return (i + s - 1) // s
            return None
        return one(in_h, kh, sh), one(in_w, kw, sw)
    try:
        g = _Geom(attrs, in_h, in_w, kh, kw)
    except errors.OpError as e:
        raise ValueError(e.message) from None
    if g.oh <= 0 or g.ow <= 0:
        raise ValueError("Negative dimension size caused by subtracting %d from %d" % (kh, in_h))
    return g.oh, g.ow


@register_shape("Conv2D")
def _conv2d_shape(op):
    fmt = _s(op.get_attr("data_format"))
    x, w = op.inputs[0].shape, op.inputs[1].shape
    if x.rank is not None and x.rank != 4:
        raise ValueError("Shape must be rank 4 but is rank %d for input" % x.rank)
    if w.rank is not None and w.rank != 4:
        raise ValueError("Shape must be rank 4 but is rank %d for filter" % w.rank)
    n, h, wd, c = _spatial(x, fmt)
    kh, kw, ci, co = (w.dims if w.rank is not None else [None] * 4)
    if c is not None and ci is not None and c != ci:
        raise ValueError("Depth of input (%d) is not a multiple of input depth of filter (%d)" % (c, ci))
    oh, ow = _static_out(op, h, wd, kh, kw)
    return [_out_shape(n, oh, ow, co, fmt)]


# --- DepthwiseConv2dNative: each input channel convolved with its own channel_multiplier filters ------------

@register_kernel("DepthwiseConv2dNative")
def _depthwise_conv2d(ctx, x, w):
    xp = ctx.xp
    _check_conv(x, w)
    fmt = _s(ctx.attrs.get("data_format", "NHWC"))
    xn = _to_nhwc(xp, x, fmt)
    n, h, wd, c = xn.shape
    kh, kw, ci, m = w.shape
    if c != ci:
        raise invalid("input and filter must have the same depth: %d vs %d" % (c, ci))
    g = _Geom(ctx.attrs, h, wd, kh, kw)
    if g.oh <= 0 or g.ow <= 0:
        raise invalid("Computed output size would be negative: %d" % min(g.oh, g.ow))
    xpad = _pad(xp, xn, g)
    out = xp.zeros((n, g.oh, g.ow, c, m), dtype=xn.dtype)
    for i in range(kh):
        for j in range(kw):
            out += xpad[g.tap(i, j)][..., None] * w[i, j]
    return _from_nhwc(xp, out.reshape(n, g.oh, g.ow, c * m), fmt)


@register_shape("DepthwiseConv2dNative")
def _depthwise_conv2d_shape(op):
    fmt = _s(op.get_attr("data_format"))
    x, w = op.inputs[0].shape, op.inputs[1].shape
    n, h, wd, c = _spatial(x, fmt)
    kh, kw, ci, m = (w.dims if w.rank is not None else [None] * 4)
    if c is not None and ci is not None and c != ci:
        raise ValueError("Depth of input (%d) does not match the filter's input depth (%d)" % (c, ci))
    oh, ow = _static_out(op, h, wd, kh, kw)
    depth = ci * m if ci is not None and m is not None else None
    return [_out_shape(n, oh, ow, depth, fmt)]


@register_shape("Conv2DBackpropInput")
def _conv2d_backprop_input_shape(op):
    return [constant_shape(op.inputs[0])]


@register_shape("Conv2DBackpropFilter")
def _conv2d_backprop_filter_shape(op):
    return [constant_shape(op.inputs[1])]


def _conv_attrs(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "explicit_paddings", "use_cudnn_on_gpu",
                                        "data_format", "dilations")}


@register_gradient("Conv2D")
def _conv2d_grad(op, grad):
    attrs = _conv_attrs(op)
    shape_0, shape_1 = array_ops.shape_n([op.inputs[0], op.inputs[1]])
    return [make_op("Conv2DBackpropInput", [shape_0, op.inputs[1], grad], attrs, name="Conv2DBackpropInput"),
            make_op("Conv2DBackpropFilter", [op.inputs[0], shape_1, grad], attrs, name="Conv2DBackpropFilter")]


@register_gradient("Conv2DBackpropInput")
def _conv2d_backprop_input_grad(op, grad):
    attrs = _conv_attrs(op)
    return [None,
            make_op("Conv2DBackpropFilter", [grad, array_ops.shape(op.inputs[1]), op.inputs[2]], attrs,
                    name="Conv2DBackpropFilter"),
            make_op("Conv2D", [grad, op.inputs[1]], attrs, name="Conv2D")]


@register_gradient("Conv2DBackpropFilter")
def _conv2d_backprop_filter_grad(op, grad):
    attrs = _conv_attrs(op)
    return [make_op("Conv2DBackpropInput", [array_ops.shape(op.inputs[0]), grad, op.inputs[2]], attrs,
                    name="Conv2DBackpropInput"),
            None,
            make_op("Conv2D", [op.inputs[0], grad], attrs, name="Conv2D")]


# --- pooling --------------------------------------------------------------------------------------

def _pool_geom(attrs, x_shape):
    fmt = _s(attrs.get("data_format", "NHWC"))
    if len(x_shape) != 4:
        raise invalid("input must be 4-dimensional")
    n, h, w, c = _nhwc_dims(x_shape, fmt)
    g = _Geom(attrs, h, w, 1, 1, window_attr="ksize")
    if g.oh <= 0 or g.ow <= 0:
        raise invalid("Computed output size would be negative: the window (%d, %d) is larger than the input "
                      "(%d, %d)" % (g.kh, g.kw, h, w))
    return fmt, n, c, g


def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


@register_kernel("MaxPool")
def _max_pool(ctx, x):
    xp = ctx.xp
    fmt, n, c, g = _pool_geom(ctx.attrs, x.shape)
    xpad = _pad(xp, _to_nhwc(xp, x, fmt), g, _lowest(x.dtype))
    out = None
    for i in range(g.kh):
        for j in range(g.kw):
            t = xpad[g.tap(i, j)]
            out = t.copy() if out is None else xp.maximum(out, t)
    return _from_nhwc(xp, out, fmt)


@register_kernel("MaxPoolGrad")
def _max_pool_grad(ctx, orig_input, orig_output, grad):
    # The gradient goes to the first maximum of each window in row-major order, as TensorFlow's CPU
    # kernel (SpatialMaxPoolWithArgMaxHelper) routes it.
    xp = ctx.xp
    fmt, n, c, g = _pool_geom(ctx.attrs, orig_input.shape)
    xpad = _pad(xp, _to_nhwc(xp, orig_input, fmt), g, _lowest(orig_input.dtype))
    gy = _to_nhwc(xp, grad, fmt)
    best = None
    taken = xp.zeros(gy.shape, dtype=bool)
    out = xp.zeros(xpad.shape, dtype=grad.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            best = xpad[g.tap(i, j)] if best is None else xp.maximum(best, xpad[g.tap(i, j)])
    for i in range(g.kh):
        for j in range(g.kw):
            hit = (xpad[g.tap(i, j)] == best) & ~taken
            taken |= hit
            out[g.tap(i, j)] += xp.where(hit, gy, xp.zeros_like(gy))
    out = out[:, g.pt:g.pt + g.in_h, g.pl:g.pl + g.in_w, :]
    return _from_nhwc(xp, xp.ascontiguousarray(out), fmt)


def _avg_counts(xp, g, dtype):
    """How many real (unpadded) input elements each output window covers."""
    hp, wp = g.in_h + g.pt + g.pb, g.in_w + g.pl + g.pr
    ones = np.zeros((1, hp, wp, 1), dtype=dtype)
    ones[:, g.pt:g.pt + g.in_h, g.pl:g.pl + g.in_w, :] = 1
    count = np.zeros((1, g.oh, g.ow, 1), dtype=dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            count += ones[g.tap(i, j)]
    return count if xp is np else xp.asarray(count)


@register_kernel("AvgPool")
def _avg_pool(ctx, x):
    xp = ctx.xp
    fmt, n, c, g = _pool_geom(ctx.attrs, x.shape)
    xpad = _pad(xp, _to_nhwc(xp, x, fmt), g, 0)
    total = None
    for i in range(g.kh):
        for j in range(g.kw):
            t = xpad[g.tap(i, j)]
            total = t.copy() if total is None else total + t
    return _from_nhwc(xp, (total / _avg_counts(xp, g, x.dtype)).astype(x.dtype, copy=False), fmt)


@register_kernel("AvgPoolGrad", host_inputs=(0,))
def _avg_pool_grad(ctx, orig_input_shape, grad):
    xp = ctx.xp
    shape = [int(v) for v in np.asarray(orig_input_shape).reshape(-1)]
    fmt, n, c, g = _pool_geom(ctx.attrs, shape)
    gy = _to_nhwc(xp, grad, fmt) / _avg_counts(xp, g, grad.dtype)
    out = xp.zeros((n, g.in_h + g.pt + g.pb, g.in_w + g.pl + g.pr, c), dtype=grad.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            out[g.tap(i, j)] += gy
    out = out[:, g.pt:g.pt + g.in_h, g.pl:g.pl + g.in_w, :]
    return _from_nhwc(xp, xp.ascontiguousarray(out).astype(grad.dtype, copy=False), fmt)


@register_shape("MaxPool", "AvgPool")
def _pool_shape(op):
    fmt = _s(op.get_attr("data_format"))
    x = op.inputs[0].shape
    if x.rank is not None and x.rank != 4:
        raise ValueError("Shape must be rank 4 but is rank %d" % x.rank)
    n, h, w, c = _spatial(x, fmt)
    oh, ow = _static_out(op, h, w, None, None, window_attr="ksize")
    return [_out_shape(n, oh, ow, c, fmt)]


register_shape("MaxPoolGrad")(lambda op: [op.inputs[0].shape])
register_shape("AvgPoolGrad")(lambda op: [constant_shape(op.inputs[0])])


def _pool_attrs(op):
    return {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "data_format")}


@register_gradient("MaxPool")
def _max_pool_grad_fn(op, grad):
    attrs = _pool_attrs(op)
    attrs["explicit_paddings"] = op.get_attr("explicit_paddings")
    return [make_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], attrs, name="MaxPoolGrad")]


@register_gradient("AvgPool")
def _avg_pool_grad_fn(op, grad):
    return [make_op("AvgPoolGrad", [array_ops.shape(op.inputs[0]), grad], _pool_attrs(op), name="AvgPoolGrad")]


@register_gradient("AvgPoolGrad")
def _avg_pool_grad_grad(op, grad):
    return [array_ops.stop_gradient(op.inputs[0]), make_op("AvgPool", [grad], _pool_attrs(op), name="AvgPool")]


# --- tg.nn functions ---------------------------------------------------------------------------------

def _list4(v, name, fmt, default=1):
    """An int or a list of 1, 2 or 4 ints as the 4-element attribute TensorFlow's wrappers make."""
    if v is None:
        v = default
    if isinstance(v, (int, np.integer)):
        v = [int(v)]
    v = [int(i) for i in v]
    if len(v) == 1:
        v = v * 2
    if len(v) == 2:
        return [1, v[0], v[1], 1] if fmt == "NHWC" else [1, 1, v[0], v[1]]
    if len(v) == 4:
        return v
    raise ValueError("%s should be of length 1, 2 or 4, got %d" % (name, len(v)))


def _padding_attrs(padding, fmt):
    if isinstance(padding, (list, tuple)):
        flat = [int(p) for pair in padding for p in pair]
        if len(flat) != 8:
            raise ValueError("explicit padding must be 4 pairs, got %r" % (padding,))
        return "EXPLICIT", flat
    if isinstance(padding, bytes):
        padding = padding.decode()
    padding = padding.upper()
    if padding not in ("SAME", "VALID", "EXPLICIT"):
        raise ValueError("padding must be SAME, VALID or a list of pairs, got %r" % padding)
    return padding, []


def _scope(values, name, default):
    g = _graph_of([v for v in values if isinstance(v, Tensor) or hasattr(v, "_as_graph_tensor")])
    return g, g.name_scope(name or default)


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",  # noqa: A002
           dilations=None, name=None, filters=None):
    """2-D convolution of NHWC ``input`` with ``filter`` of shape [kh, kw, in_channels, out_channels]."""
    if filter is None:
        filter = filters  # noqa: A001
    if filter is None or padding is None:
        raise ValueError("conv2d needs filter and padding")
    data_format = data_format or "NHWC"
    pad, explicit = _padding_attrs(padding, data_format)
    attrs = {"strides": _list4(strides, "strides", data_format), "padding": pad, "explicit_paddings": explicit,
             "use_cudnn_on_gpu": bool(use_cudnn_on_gpu), "data_format": data_format,
             "dilations": _list4(dilations, "dilations", data_format)}
    g, cm = _scope([input, filter], name, "Conv2D")
    with g.as_default(), cm as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        return make_op("Conv2D", [x, w], attrs, name=scope)


def conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                          data_format="NHWC", dilations=None, name=None):
    pad, explicit = _padding_attrs(padding, data_format)
    attrs = {"strides": _list4(strides, "strides", data_format), "padding": pad, "explicit_paddings": explicit,
             "use_cudnn_on_gpu": bool(use_cudnn_on_gpu), "data_format": data_format,
             "dilations": _list4(dilations, "dilations", data_format)}
    sizes = input_sizes if isinstance(input_sizes, Tensor) else convert_to_tensor(input_sizes, dtype=dtypes.int32)
    return make_op("Conv2DBackpropInput", [sizes, filter, out_backprop], attrs, name=name or "Conv2DBackpropInput")


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                           data_format="NHWC", dilations=None, name=None):
    pad, explicit = _padding_attrs(padding, data_format)
    attrs = {"strides": _list4(strides, "strides", data_format), "padding": pad, "explicit_paddings": explicit,
             "use_cudnn_on_gpu": bool(use_cudnn_on_gpu), "data_format": data_format,
             "dilations": _list4(dilations, "dilations", data_format)}
    sizes = filter_sizes if isinstance(filter_sizes, Tensor) else convert_to_tensor(filter_sizes, dtype=dtypes.int32)
    return make_op("Conv2DBackpropFilter", [input, sizes, out_backprop], attrs, name=name or "Conv2DBackpropFilter")


def conv2d_transpose(value, filter, output_shape, strides, padding="SAME", data_format="NHWC", name=None,  # noqa: A002
                     dilations=None):
    """The gradient of conv2d with respect to its input, as a layer ("deconvolution")."""
    g, cm = _scope([value, filter], name, "conv2d_transpose")
    with g.as_default(), cm as scope:
        return conv2d_backprop_input(output_shape, filter, value, strides, padding, data_format=data_format,
                                     dilations=dilations, name=scope)


def _pool(op_type, value, ksize, strides, padding, data_format, name, default):
    data_format = data_format or "NHWC"
    if isinstance(padding, bytes):
        padding = padding.decode()
    attrs = {"ksize": _list4(ksize, "ksize", data_format), "strides": _list4(strides, "strides", data_format),
             "padding": padding.upper(), "data_format": data_format}
    g, cm = _scope([value], name, default)
    with g.as_default(), cm as scope:
        x = convert_to_tensor(value, name="input")
        return make_op(op_type, [x], attrs, name=scope)


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None):  # noqa: A002
    """The maximum of each ``ksize`` window, moved by ``strides``."""
    return _pool("MaxPool", value if value is not None else input, ksize, strides, padding, data_format, name,
                 "MaxPool")


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None):  # noqa: A002
    """The mean of each ``ksize`` window over its real (unpadded) elements."""
    return _pool("AvgPool", value if value is not None else input, ksize, strides, padding, data_format, name,
                 "AvgPool")


max_pool2d = max_pool
avg_pool2d = avg_pool
