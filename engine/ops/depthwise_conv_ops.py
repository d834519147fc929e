"""Depthwise convolution (DepthwiseConv2dNative) and its two gradient ops, on CPU and GPU, and the
``tg.nn`` functions built on it: ``depthwise_conv2d`` and ``separable_conv2d``.

    y = tg.nn.depthwise_conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")     # w: [kh, kw, in, multiplier]
    z = tg.nn.separable_conv2d(x, dw, pw, strides=[1, 1, 1, 1], padding="VALID")  # pw: [1, 1, in * m, out]

Each input channel ``c`` is convolved with its own ``multiplier`` filters ``w[:, :, c, :]``; output channel
``c * multiplier + k`` is filter ``k`` of channel ``c``. The kernels walk the filter taps as the 2-D
convolution does (``conv_ops.Geom``: TensorFlow's SAME/VALID/EXPLICIT padding, strides, dilations).
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import Tensor, convert_to_tensor
from tagraph.engine.framework.op_builder import make_op, register_shape, register_gradient
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.conv_ops import (Geom, attr_str, check_conv, from_nhwc, list4, nhwc_dims, out_shape,
                                         pad_nhwc, padding_attrs, rank_error, scope_of, spatial_dims, static_out,
                                         to_nhwc)
from tagraph.engine.ops.op_util import invalid

__all__ = ["depthwise_conv2d", "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter", "separable_conv2d"]


def _fmt(attrs):
    return attr_str(attrs.get("data_format", "NHWC")) or "NHWC"


@register_kernel("DepthwiseConv2dNative")
def _depthwise_conv2d(ctx, x, w):
    xp = ctx.xp
    check_conv(x, w)
    fmt = _fmt(ctx.attrs)
    xn = to_nhwc(xp, x, fmt)
    n, h, wd, c = xn.shape
    kh, kw, ci, m = w.shape
    if c != ci:
        raise invalid("input and filter must have the same depth: %d vs %d" % (c, ci))
    g = Geom(ctx.attrs, h, wd, kh, kw)
    if g.oh <= 0 or g.ow <= 0:
        raise invalid("Computed output size would be negative: %d" % min(g.oh, g.ow))
    xpad = pad_nhwc(xp, xn, g)
    out = xp.zeros((n, g.oh, g.ow, c, m), dtype=xn.dtype)
    for i in range(kh):
        for j in range(kw):
            out += xpad[g.tap(i, j)][..., None] * w[i, j]
    return from_nhwc(xp, out.reshape(n, g.oh, g.ow, c * m), fmt)


def _sizes(v, what):
    sizes = [int(i) for i in np.asarray(v).reshape(-1)]
    if len(sizes) != 4:
        raise invalid("%s must be 4-dimensional, got %s" % (what, sizes))
    return sizes


@register_kernel("DepthwiseConv2dNativeBackpropInput", host_inputs=(0,))
def _depthwise_backprop_input(ctx, input_sizes, w, dy):
    xp = ctx.xp
    fmt = _fmt(ctx.attrs)
    n, h, wd, c = nhwc_dims(_sizes(input_sizes, "input_sizes"), fmt)
    kh, kw, ci, m = w.shape
    if c != ci:
        raise invalid("input and filter must have the same depth: %d vs %d" % (c, ci))
    g = Geom(ctx.attrs, h, wd, kh, kw)
    dyn = to_nhwc(xp, dy, fmt)
    if tuple(dyn.shape) != (n, g.oh, g.ow, c * m):
        raise invalid("DepthwiseConv2dNativeBackpropInput: out_backprop shape %s does not match the computed "
                      "output %s" % (list(dyn.shape), [n, g.oh, g.ow, c * m]))
    dy5 = dyn.reshape(n, g.oh, g.ow, c, m)
    out = xp.zeros((n, h + g.pt + g.pb, wd + g.pl + g.pr, c), dtype=dy.dtype)
    for i in range(kh):
        for j in range(kw):
            out[g.tap(i, j)] += (dy5 * w[i, j]).sum(axis=-1)
    return from_nhwc(xp, xp.ascontiguousarray(out[:, g.pt:g.pt + h, g.pl:g.pl + wd, :]), fmt)


@register_kernel("DepthwiseConv2dNativeBackpropFilter", host_inputs=(1,))
def _depthwise_backprop_filter(ctx, x, filter_sizes, dy):
    xp = ctx.xp
    fmt = _fmt(ctx.attrs)
    kh, kw, ci, m = _sizes(filter_sizes, "filter_sizes")
    xn = to_nhwc(xp, x, fmt)
    n, h, wd, c = xn.shape
    if c != ci:
        raise invalid("input and filter must have the same depth: %d vs %d" % (c, ci))
    g = Geom(ctx.attrs, h, wd, kh, kw)
    dy5 = to_nhwc(xp, dy, fmt).reshape(n, g.oh, g.ow, c, m)
    xpad = pad_nhwc(xp, xn, g)
    dw = xp.empty((kh, kw, c, m), dtype=dy.dtype)
    for i in range(kh):
        for j in range(kw):
            dw[i, j] = xp.einsum("nhwc,nhwcm->cm", xpad[g.tap(i, j)], dy5)
    return dw


@register_shape("DepthwiseConv2dNative")
def _depthwise_conv2d_shape(op):
    fmt = attr_str(op.get_attr("data_format"))
    x, w = op.inputs[0].shape, op.inputs[1].shape
    for s in (x, w):
        if s.rank is not None and s.rank != 4:
            raise rank_error(op, 4, s.rank)
    n, h, wd, c = spatial_dims(x, fmt)
    kh, kw, ci, m = (w.dims if w.rank is not None else [None] * 4)
    if c is not None and ci is not None and c != ci:
        raise ValueError("Depth of input (%d) does not match the filter's input depth (%d)" % (c, ci))
    oh, ow = static_out(op, h, wd, kh, kw)
    depth = ci * m if ci is not None and m is not None else None
    return [out_shape(n, oh, ow, depth, fmt)]


register_shape("DepthwiseConv2dNativeBackpropInput")(lambda op: [constant_shape(op.inputs[0])])
register_shape("DepthwiseConv2dNativeBackpropFilter")(lambda op: [constant_shape(op.inputs[1])])


def _grad_attrs(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "explicit_paddings", "data_format", "dilations")}


@register_gradient("DepthwiseConv2dNative")
def _depthwise_conv2d_grad(op, grad):
    attrs = _grad_attrs(op)
    return [make_op("DepthwiseConv2dNativeBackpropInput", [array_ops.shape(op.inputs[0]), op.inputs[1], grad], attrs,
                    name="DepthwiseConv2dNativeBackpropInput"),
            make_op("DepthwiseConv2dNativeBackpropFilter", [op.inputs[0], array_ops.shape(op.inputs[1]), grad],
                    attrs, name="DepthwiseConv2dNativeBackpropFilter")]


@register_gradient("DepthwiseConv2dNativeBackpropInput")
def _depthwise_backprop_input_grad(op, grad):
    attrs = _grad_attrs(op)
    return [None,
            make_op("DepthwiseConv2dNativeBackpropFilter", [grad, array_ops.shape(op.inputs[1]), op.inputs[2]],
                    attrs, name="DepthwiseConv2dNativeBackpropFilter"),
            make_op("DepthwiseConv2dNative", [grad, op.inputs[1]], attrs, name="DepthwiseConv2dNative")]


@register_gradient("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_backprop_filter_grad(op, grad):
    attrs = _grad_attrs(op)
    return [make_op("DepthwiseConv2dNativeBackpropInput", [array_ops.shape(op.inputs[0]), grad, op.inputs[2]],
                    attrs, name="DepthwiseConv2dNativeBackpropInput"),
            None,
            make_op("DepthwiseConv2dNative", [op.inputs[0], grad], attrs, name="DepthwiseConv2dNative")]


# --- tg.nn functions ---------------------------------------------------------------------------------

def _attrs(strides, padding, data_format, dilations):
    data_format = data_format or "NHWC"
    pad, explicit = padding_attrs(padding, data_format)
    return {"strides": list4(strides, "strides", data_format), "padding": pad, "explicit_paddings": explicit,
            "data_format": data_format, "dilations": list4(dilations, "dilations", data_format)}


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
                            name=None):
    """The DepthwiseConv2dNative op: ``filter`` is [kh, kw, in_channels, channel_multiplier]."""
    attrs = _attrs(strides, padding, data_format, dilations)
    g, cm = scope_of([input, filter], name, "DepthwiseConv2dNative")
    with g.as_default(), cm as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        return make_op("DepthwiseConv2dNative", [x, w], attrs, name=scope)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,  # noqa: A002
                     dilations=None):
    """Depthwise 2-D convolution, ``rate`` (or ``dilations``) its dilation.

        y = tg.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", rate=[2, 2])
    """
    if rate is not None and dilations is not None:
        raise ValueError("Cannot specify both 'dilations' and 'rate'")
    rate = dilations if rate is None else rate
    g, cm = scope_of([input, filter], name, "depthwise")
    with g.as_default(), cm as scope:
        x = convert_to_tensor(input, name="tensor_in")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter_in")
        return make_op("DepthwiseConv2dNative", [x, w], _attrs(strides, padding, data_format, rate), name=scope)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 convolution mixing its channels (``pointwise_filter`` is
    [1, 1, in_channels * channel_multiplier, out_channels]).

        y = tg.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME")
    """
    if rate is not None and dilations is not None:
        raise ValueError("Cannot specify both 'dilations' and 'rate'")
    rate = dilations if rate is None else rate
    data_format = data_format or "NHWC"
    g, cm = scope_of([input, depthwise_filter, pointwise_filter], name, "separable_conv2d")
    with g.as_default(), cm as scope:
        x = convert_to_tensor(input, name="tensor_in")
        dw = convert_to_tensor(depthwise_filter, dtype=x.dtype.base_dtype, name="depthwise_filter")
        pw = convert_to_tensor(pointwise_filter, dtype=x.dtype.base_dtype, name="pointwise_filter")
        if pw.shape.rank is not None:
            pw.shape.with_rank(4)
            if pw.shape[0] not in (None, 1) or pw.shape[1] not in (None, 1):
                raise ValueError("Pointwise filter must be 1x1, got %s" % pw.shape)
        depthwise = make_op("DepthwiseConv2dNative", [x, dw], _attrs(strides, padding, data_format, rate),
                            name="depthwise")
        attrs = {"strides": [1, 1, 1, 1], "padding": "VALID", "explicit_paddings": [],
                 "use_cudnn_on_gpu": True, "data_format": data_format, "dilations": [1, 1, 1, 1]}
        return make_op("Conv2D", [depthwise, pw], attrs, name=scope)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                                           data_format="NHWC", dilations=None, name=None):
    """The gradient of the depthwise convolution with respect to its input, of shape ``input_sizes``."""
    sizes = input_sizes if isinstance(input_sizes, Tensor) else convert_to_tensor(input_sizes, dtype=dtypes.int32)
    return make_op("DepthwiseConv2dNativeBackpropInput", [sizes, filter, out_backprop],
                   _attrs(strides, padding, data_format, dilations), name=name or "DepthwiseConv2dNativeBackpropInput")


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                                            data_format="NHWC", dilations=None, name=None):
    """The gradient of the depthwise convolution with respect to its filter, of shape ``filter_sizes``."""
    sizes = filter_sizes if isinstance(filter_sizes, Tensor) else convert_to_tensor(filter_sizes, dtype=dtypes.int32)
    return make_op("DepthwiseConv2dNativeBackpropFilter", [input, sizes, out_backprop],
                   _attrs(strides, padding, data_format, dilations),
                   name=name or "DepthwiseConv2dNativeBackpropFilter")
