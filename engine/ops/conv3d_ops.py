"""3-D convolution (Conv3D) and its two gradient ops (Conv3DBackpropInputV2, Conv3DBackpropFilterV2), on CPU
and GPU.

    y = tg.nn.conv3d(x, w, strides=[1, 1, 2, 2, 1], padding="SAME")   # x: NDHWC, w: [kd, kh, kw, in, out]

The kernels follow the 2-D ones of ``conv_ops``: an im2col over the three spatial dimensions (one strided
slice per filter tap into a [N, OD, OH, OW, KD, KH, KW, C] block) and one matrix product; the input
gradient scatters the transposed product back tap by tap. Padding is TensorFlow's per dimension
(``conv_ops.output_size_and_padding``); NCDHW is computed by transposing to NDHWC and back.
"""
import itertools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import Tensor, convert_to_tensor
from tagraph.engine.framework.op_builder import make_op, register_shape, register_gradient
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.conv_ops import output_size_and_padding, rank_error, scope_of
from tagraph.engine.ops.op_util import invalid

__all__ = ["conv3d", "conv3d_backprop_input_v2", "conv3d_backprop_filter_v2", "conv3d_transpose"]

_SPATIAL = 3


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _fmt(attrs):
    return _s(attrs.get("data_format", "NDHWC")) or "NDHWC"


def _split5(v, name, fmt):
    """(spatial triple, batch, channel) of a 5-element attribute in ``fmt``'s order."""
    v = [1] * 5 if v is None else list(v)
    if len(v) != 5:
        raise invalid("%s must have 5 elements, got %d" % (name, len(v)))
    return (tuple(v[1:4]), v[0], v[4]) if fmt == "NDHWC" else (tuple(v[2:5]), v[0], v[1])


class _Geom3:
    """The window of a Conv3D: per spatial dimension its size, stride, dilation, output size and padding."""

    def __init__(self, attrs, in_sizes, ksizes):
        fmt = _fmt(attrs)
        self.strides, sn, sc = _split5(attrs.get("strides"), "strides", fmt)
        if sn != 1 or sc != 1:
            raise invalid("Current implementation does not yet support strides in the batch and depth dimensions.")
        self.dilations, dn, dc = _split5(attrs.get("dilations"), "dilations", fmt)
        if dn != 1 or dc != 1:
            raise invalid("Current implementation does not yet support dilations in the batch and depth dimensions.")
        if min(self.strides) < 1 or min(self.dilations) < 1:
            raise invalid("Strides and dilations must be >= 1")
        padding = _s(attrs["padding"])
        self.in_sizes, self.ksizes = tuple(in_sizes), tuple(ksizes)
        dims = [output_size_and_padding(i, k, s, d, padding)
                for i, k, s, d in zip(in_sizes, ksizes, self.strides, self.dilations)]
        self.out_sizes = tuple(d[0] for d in dims)
        self.pads = tuple((d[1], d[2]) for d in dims)
        if min(self.out_sizes) <= 0:
            raise invalid("Computed output size would be negative: %d [input_size: %d, effective_filter_size: %d, "
                          "stride: %d]" % (min(self.out_sizes), min(in_sizes),
                                           max((k - 1) * d + 1 for k, d in zip(ksizes, self.dilations)),
                                           max(self.strides)))

    def taps(self):
        """Each filter tap's index and the slice of the padded input it sees at every output position."""
        for tap in itertools.product(*(range(k) for k in self.ksizes)):
            yield tap, (slice(None),) + tuple(
                slice(t * d, t * d + s * (o - 1) + 1, s)
                for t, d, s, o in zip(tap, self.dilations, self.strides, self.out_sizes)) + (slice(None),)

    def padded_shape(self, n, c):
        return (n,) + tuple(i + a + b for i, (a, b) in zip(self.in_sizes, self.pads)) + (c,)

    def interior(self):
        return (slice(None),) + tuple(slice(a, a + i) for i, (a, _) in zip(self.in_sizes, self.pads)) + (slice(None),)


def _to_last(xp, x, fmt):
    return x if fmt == "NDHWC" else xp.transpose(x, (0, 2, 3, 4, 1))


def _from_last(xp, x, fmt):
    return x if fmt == "NDHWC" else xp.ascontiguousarray(xp.transpose(x, (0, 4, 1, 2, 3)))


def _last_dims(shape, fmt):
    return tuple(shape) if fmt == "NDHWC" else (shape[0], shape[2], shape[3], shape[4], shape[1])


def _pad(xp, x, g):
    if not any(a or b for a, b in g.pads):
        return x
    out = xp.zeros(g.padded_shape(x.shape[0], x.shape[-1]), dtype=x.dtype)
    out[g.interior()] = x
    return out


def _im2col(xp, xpad, g):
    n, c = xpad.shape[0], xpad.shape[-1]
    cols = xp.empty((n,) + g.out_sizes + g.ksizes + (c,), dtype=xpad.dtype)
    for tap, window in g.taps():
        cols[(slice(None),) * 4 + tap] = xpad[window]
    return cols


def _col2im(xp, cols, g, n, c, dtype):
    out = xp.zeros(g.padded_shape(n, c), dtype=dtype)
    for tap, window in g.taps():
        out[window] += cols[(slice(None),) * 4 + tap]
    return xp.ascontiguousarray(out[g.interior()])


def _rows(g, n):
    return n * int(np.prod(g.out_sizes))


@register_kernel("Conv3D")
def _conv3d(ctx, x, w):
    xp = ctx.xp
    if x.ndim != 5:
        raise invalid("input must be 5-dimensional%s" % (list(x.shape),))
    if w.ndim != 5:
        raise invalid("filter must be 5-dimensional: %s" % (list(w.shape),))
    fmt = _fmt(ctx.attrs)
    xn = _to_last(xp, x, fmt)
    n, c = xn.shape[0], xn.shape[-1]
    ci, co = w.shape[3], w.shape[4]
    if c != ci:
        if ci and c % ci == 0:
            raise errors.UnimplementedError(None, None, "Grouped convolutions (input depth %d, filter depth %d) "
                                            "are not supported" % (c, ci))
        raise invalid("Input depth must be evenly divisible by filter depth: %d vs %d" % (c, ci))
    g = _Geom3(ctx.attrs, xn.shape[1:4], w.shape[:3])
    cols = _im2col(xp, _pad(xp, xn, g), g)
    out = xp.matmul(cols.reshape(_rows(g, n), -1), w.reshape(-1, co))
    return _from_last(xp, out.reshape((n,) + g.out_sizes + (co,)), fmt)


def _host_sizes(v, what):
    sizes = [int(i) for i in np.asarray(v).reshape(-1)]
    if len(sizes) != 5:
        raise invalid("%s must be 5-dimensional, got %s" % (what, sizes))
    return sizes


@register_kernel("Conv3DBackpropInputV2", host_inputs=(0,))
def _conv3d_backprop_input(ctx, input_sizes, w, dy):
    xp = ctx.xp
    fmt = _fmt(ctx.attrs)
    n, d, h, wd, c = _last_dims(_host_sizes(input_sizes, "input_sizes"), fmt)
    co = w.shape[4]
    g = _Geom3(ctx.attrs, (d, h, wd), w.shape[:3])
    dyn = _to_last(xp, dy, fmt)
    if tuple(dyn.shape) != (n,) + g.out_sizes + (co,):
        raise invalid("Conv3DBackpropInputV2: out_backprop shape %s does not match the computed output %s"
                      % (list(dyn.shape), [n, *g.out_sizes, co]))
    dcols = xp.matmul(dyn.reshape(_rows(g, n), co), w.reshape(-1, co).T)
    dx = _col2im(xp, dcols.reshape((n,) + g.out_sizes + tuple(w.shape[:4])), g, n, c, dy.dtype)
    return _from_last(xp, dx, fmt)


@register_kernel("Conv3DBackpropFilterV2", host_inputs=(1,))
def _conv3d_backprop_filter(ctx, x, filter_sizes, dy):
    xp = ctx.xp
    fmt = _fmt(ctx.attrs)
    kd, kh, kw, ci, co = _host_sizes(filter_sizes, "filter_sizes")
    xn = _to_last(xp, x, fmt)
    n = xn.shape[0]
    g = _Geom3(ctx.attrs, xn.shape[1:4], (kd, kh, kw))
    dyn = _to_last(xp, dy, fmt)
    cols = _im2col(xp, _pad(xp, xn, g), g).reshape(_rows(g, n), -1)
    return xp.matmul(cols.T, dyn.reshape(_rows(g, n), co)).reshape(kd, kh, kw, ci, co)


def _attrs_of(op):
    return {k: op.get_attr(k) for k in op.attr_names if not k.startswith("_")}


@register_shape("Conv3D")
def _conv3d_shape(op):
    fmt = _s(op.get_attr("data_format"))
    x, w = op.inputs[0].shape, op.inputs[1].shape
    for s in (x, w):
        if s.rank is not None and s.rank != 5:
            raise rank_error(op, 5, s.rank)
    xd = _last_dims(x.dims, fmt) if x.rank is not None else (None,) * 5
    wd = w.dims if w.rank is not None else [None] * 5
    if xd[4] is not None and wd[3] is not None and xd[4] != wd[3]:
        raise ValueError("Depth of input (%d) is not a multiple of input depth of filter (%d)" % (xd[4], wd[3]))
    attrs = _attrs_of(op)
    spatial, ks = xd[1:4], wd[:3]
    if None in spatial or None in ks:
        strides, _, _ = _split5(attrs.get("strides"), "strides", fmt)
        same = _s(attrs["padding"]) == "SAME"
        out = tuple((i + s - 1) // s if same and i is not None else None for i, s in zip(spatial, strides))
    else:
        try:
            out = _Geom3(attrs, spatial, ks).out_sizes
        except errors.OpError as e:
            raise ValueError(e.message) from None
    dims = (xd[0],) + tuple(out) + (wd[4],)
    return [TensorShape(list(dims) if fmt == "NDHWC" else [dims[0], dims[4], *dims[1:4]])]


register_shape("Conv3DBackpropInputV2")(lambda op: [constant_shape(op.inputs[0])])
register_shape("Conv3DBackpropFilterV2")(lambda op: [constant_shape(op.inputs[1])])


def _grad_attrs(op):
    return {k: op.get_attr(k) for k in ("strides", "padding", "data_format", "dilations")}


@register_gradient("Conv3D")
def _conv3d_grad(op, grad):
    attrs = _grad_attrs(op)
    shape_0, shape_1 = array_ops.shape_n([op.inputs[0], op.inputs[1]])
    return [make_op("Conv3DBackpropInputV2", [shape_0, op.inputs[1], grad], attrs, name="Conv3DBackpropInputV2"),
            make_op("Conv3DBackpropFilterV2", [op.inputs[0], shape_1, grad], attrs, name="Conv3DBackpropFilterV2")]


@register_gradient("Conv3DBackpropInputV2")
def _conv3d_backprop_input_grad(op, grad):
    attrs = _grad_attrs(op)
    return [None,
            make_op("Conv3DBackpropFilterV2", [grad, array_ops.shape(op.inputs[1]), op.inputs[2]], attrs,
                    name="Conv3DBackpropFilterV2"),
            make_op("Conv3D", [grad, op.inputs[1]], attrs, name="Conv3D")]


@register_gradient("Conv3DBackpropFilterV2")
def _conv3d_backprop_filter_grad(op, grad):
    attrs = _grad_attrs(op)
    return [make_op("Conv3DBackpropInputV2", [array_ops.shape(op.inputs[0]), grad, op.inputs[2]], attrs,
                    name="Conv3DBackpropInputV2"),
            None,
            make_op("Conv3D", [op.inputs[0], grad], attrs, name="Conv3D")]


# --- tg.nn functions ---------------------------------------------------------------------------------

def _list5(v, name, fmt):
    """An int or a list of 1, 3 or 5 ints as the 5-element attribute TensorFlow's wrappers make."""
    if v is None:
        v = 1
    v = [int(v)] if isinstance(v, (int, np.integer)) else [int(i) for i in v]
    if len(v) == 1:
        v = v * _SPATIAL
    if len(v) == _SPATIAL:
        return [1, *v, 1] if fmt == "NDHWC" else [1, 1, *v]
    if len(v) == 5:
        return v
    raise ValueError("%s should be of length 1, 3 or 5, got %d" % (name, len(v)))


def _attrs(strides, padding, data_format, dilations):
    data_format = data_format or "NDHWC"
    if isinstance(padding, bytes):
        padding = padding.decode()
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError("padding must be SAME or VALID for a 3-D convolution, got %r" % (padding,))
    return {"strides": _list5(strides, "strides", data_format), "padding": padding.upper(),
            "data_format": data_format, "dilations": _list5(dilations, "dilations", data_format)}


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC", dilations=None, name=None,  # noqa: A002
           filters=None):
    """3-D convolution of NDHWC ``input`` with ``filter`` of shape [kd, kh, kw, in_channels, out_channels].

        y = tg.nn.conv3d(x, w, strides=[1, 1, 1, 1, 1], padding="VALID")
    """
    if filter is None:
        filter = filters  # noqa: A001
    if filter is None or padding is None:
        raise ValueError("conv3d needs filter and padding")
    attrs = _attrs(strides, padding, data_format, dilations)
    g, cm = scope_of([input, filter], name, "Conv3D")
    with g.as_default(), cm as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        return make_op("Conv3D", [x, w], attrs, name=scope)


def conv3d_backprop_input_v2(input_sizes, filter, out_backprop, strides, padding, data_format="NDHWC",  # noqa: A002
                             dilations=None, name=None):
    """The gradient of conv3d with respect to its input, of shape ``input_sizes``."""
    sizes = input_sizes if isinstance(input_sizes, Tensor) else convert_to_tensor(input_sizes, dtype=dtypes.int32)
    return make_op("Conv3DBackpropInputV2", [sizes, filter, out_backprop],
                   _attrs(strides, padding, data_format, dilations), name=name or "Conv3DBackpropInputV2")


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding, data_format="NDHWC",  # noqa: A002
                              dilations=None, name=None):
    """The gradient of conv3d with respect to its filter, of shape ``filter_sizes``."""
    sizes = filter_sizes if isinstance(filter_sizes, Tensor) else convert_to_tensor(filter_sizes, dtype=dtypes.int32)
    return make_op("Conv3DBackpropFilterV2", [input, sizes, out_backprop],
                   _attrs(strides, padding, data_format, dilations), name=name or "Conv3DBackpropFilterV2")


def conv3d_transpose(value, filter=None, output_shape=None, strides=None, padding="SAME",  # noqa: A002
                     data_format="NDHWC", name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """The gradient of conv3d with respect to its input, as a layer ("deconvolution"); ``filter`` is
    [kd, kh, kw, out_channels, in_channels]."""
    value = input if value is None else value
    filter = filters if filter is None else filter  # noqa: A001
    g, cm = scope_of([value, filter], name, "conv3d_transpose")
    with g.as_default(), cm as scope:
        return conv3d_backprop_input_v2(output_shape, filter, value, strides, padding, data_format=data_format,
                                        dilations=dilations, name=scope)
