"""3-D pooling: MaxPool3D and AvgPool3D over [batch, depth, height, width, channels] (NDHWC), with their
gradients MaxPool3DGrad and AvgPool3DGrad, as ``tf.nn.max_pool3d`` and ``tf.nn.avg_pool3d`` build them.

    y = tg.nn.max_pool3d(volume, ksize=2, strides=2, padding="VALID")

The kernels (``ctx.xp``) visit each of the window's offsets once, over every output position together: a
maximum, or a sum and the count of the window's positions inside the input (SAME windows at the border
average over fewer values, as TensorFlow's). MaxPool3DGrad gives each window's gradient to every position
holding the window's maximum, as TensorFlow's CPU kernel does with its mask.
"""
import itertools

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.conv_ops import avg_pool, avg_pool1d, max_pool, max_pool1d, output_size_and_padding
from tagraph.engine.ops.op_util import f16_acc, gen1, host_ints, invalid

__all__ = ["max_pool3d", "avg_pool3d", "max_pool_v2", "avg_pool_v2"]


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def _geometry(attrs, spatial):
    """(window, strides, output sizes, leading pads) of the three spatial dimensions."""
    ksize, strides = list(attrs["ksize"]), list(attrs["strides"])
    if len(ksize) != 5 or len(strides) != 5:
        raise invalid("Sliding window ksize and strides fields must specify 5 dimensions")
    if _text(attrs.get("data_format", "NDHWC")) == "NCDHW":
        ksize, strides = [ksize[i] for i in (0, 2, 3, 4, 1)], [strides[i] for i in (0, 2, 3, 4, 1)]
    if ksize[0] != 1 or ksize[4] != 1 or strides[0] != 1 or strides[4] != 1:
        raise invalid("Pooling is not yet supported on the batch nor channel dimension.")
    geo = [output_size_and_padding(spatial[i], ksize[1 + i], strides[1 + i], 1, _text(attrs["padding"]))
           for i in range(3)]
    return ksize[1:4], strides[1:4], [g[0] for g in geo], [g[1] for g in geo]


def _ndhwc(ctx, x):
    if _text(ctx.attrs.get("data_format", "NDHWC")) == "NCDHW":
        return x.transpose(0, 2, 3, 4, 1), (lambda y: y.transpose(0, 4, 1, 2, 3))
    return x, (lambda y: y)


def _offsets(xp, spatial, window, strides, out, pads):
    """For each offset in the window: (index arrays into the input, in-input mask [1, od, oh, ow, 1])."""
    for offset in itertools.product(*[range(k) for k in window]):
        index, valid = [], None
        for d in range(3):
            pos = xp.arange(out[d]) * strides[d] - pads[d] + offset[d]
            inside = (pos >= 0) & (pos < spatial[d])
            shape = [1, 1, 1]
            shape[d] = out[d]
            index.append(xp.clip(pos, 0, spatial[d] - 1).reshape(shape))
            valid = inside.reshape(shape) if valid is None else valid & inside.reshape(shape)
        yield tuple(index), valid.reshape((1,) + tuple(out) + (1,))


def _pool(kind):
    def kernel(ctx, x):
        if x.ndim != 5:
            raise invalid("tensor_in must be 5-dimensional")
        xp = ctx.xp
        x, back = _ndhwc(ctx, x)
        window, strides, out, pads = _geometry(ctx.attrs, x.shape[1:4])
        shape = (x.shape[0],) + tuple(out) + (x.shape[4],)
        acc = f16_acc(x) or x.dtype
        result = xp.full(shape, -np.inf if kind == "max" else 0, dtype=acc)
        count = xp.zeros((1,) + tuple(out) + (1,), dtype=acc)
        for (i, j, k), valid in _offsets(xp, x.shape[1:4], window, strides, out, pads):
            vals = x[:, i, j, k, :].astype(acc)
            if kind == "max":
                result = xp.where(valid, xp.maximum(result, vals), result)
            else:
                result = result + xp.where(valid, vals, 0)
                count = count + valid
        if kind == "avg":
            result = result / xp.maximum(count, 1)
        return xp.ascontiguousarray(back(result.astype(x.dtype)))
    return kernel


register_kernel("MaxPool3D")(_pool("max"))
register_kernel("AvgPool3D")(_pool("avg"))


@register_shape("MaxPool3D", "AvgPool3D")
def _pool3d_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape(5)]
    if s.rank != 5:
        raise ValueError("Shape must be rank 5 but is rank %d" % s.rank)
    ncdhw = _text(op.get_attr("data_format")) == "NCDHW"
    dims = s.dims
    b, c, spatial = dims[0], dims[1 if ncdhw else 4], dims[2:5] if ncdhw else dims[1:4]
    ksize, strides, padding = op.get_attr("ksize"), op.get_attr("strides"), _text(op.get_attr("padding"))
    first = 2 if ncdhw else 1
    out = [None if d is None else output_size_and_padding(d, ksize[first + i], strides[first + i], 1, padding)[0]
           for i, d in enumerate(spatial)]
    return [TensorShape([b, c] + out if ncdhw else [b] + out + [c])]


@register_kernel("MaxPool3DGrad")
def _max_pool3d_grad(ctx, orig_input, orig_output, grad):
    for t, what in ((orig_input, "tensor_in"), (orig_output, "tensor_out"), (grad, "out_backprop")):
        if t.ndim != 5:
            raise invalid("%s must be 5-dimensional", what)
    xp = ctx.xp
    x, back = _ndhwc(ctx, orig_input)
    y, _ = _ndhwc(ctx, orig_output)
    g, _ = _ndhwc(ctx, grad)
    window, strides, out, pads = _geometry(ctx.attrs, x.shape[1:4])
    acc = f16_acc(g) or g.dtype
    dx = xp.zeros(x.shape, dtype=acc)
    b_idx = xp.arange(x.shape[0]).reshape(-1, 1, 1, 1, 1)
    c_idx = xp.arange(x.shape[4]).reshape(1, 1, 1, 1, -1)
    for (i, j, k), valid in _offsets(xp, x.shape[1:4], window, strides, out, pads):
        hit = valid & (x[:, i, j, k, :] == y)
        full = [a[None, ..., None] for a in (i, j, k)]
        xp.add.at(dx, (b_idx, full[0], full[1], full[2], c_idx), xp.where(hit, g, 0).astype(acc))
    return xp.ascontiguousarray(back(dx.astype(orig_input.dtype)))


@register_kernel("AvgPool3DGrad", host_inputs=(0,))
def _avg_pool3d_grad(ctx, orig_input_shape, grad):
    xp = ctx.xp
    shape = host_ints(orig_input_shape)
    if len(shape) != 5:
        raise invalid("orig_input_shape must have 5 elements")
    if grad.ndim != 5:
        raise invalid("out_backprop must be 5-dimensional")
    ncdhw = _text(ctx.attrs.get("data_format", "NDHWC")) == "NCDHW"
    if ncdhw:
        shape = [shape[0], shape[2], shape[3], shape[4], shape[1]]
    g, back = _ndhwc(ctx, grad)
    window, strides, out, pads = _geometry(ctx.attrs, shape[1:4])
    acc = f16_acc(g) or g.dtype
    count = xp.zeros((1,) + tuple(out) + (1,), dtype=acc)
    offsets = list(_offsets(xp, shape[1:4], window, strides, out, pads))
    for _, valid in offsets:
        count = count + valid
    share = g.astype(acc) / xp.maximum(count, 1)
    dx = xp.zeros(shape, dtype=acc)
    b_idx = xp.arange(shape[0]).reshape(-1, 1, 1, 1, 1)
    c_idx = xp.arange(shape[4]).reshape(1, 1, 1, 1, -1)
    for (i, j, k), valid in offsets:
        full = [a[None, ..., None] for a in (i, j, k)]
        xp.add.at(dx, (b_idx, full[0], full[1], full[2], c_idx), xp.where(valid, share, 0))
    return xp.ascontiguousarray(back(dx.astype(grad.dtype)))


register_shape("MaxPool3DGrad")(lambda op: [op.inputs[0].shape])


@register_shape("AvgPool3DGrad")
def _avg_pool3d_grad_shape(op):
    return [constant_shape(op.inputs[0])]


def _pool_attrs(op):
    return {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "data_format")}


@register_gradient("MaxPool3D")
def _max_pool3d_gradient(op, grad):
    return [gen1("MaxPool3DGrad", [op.inputs[0], op.outputs[0], grad], _pool_attrs(op),
                 default_name="MaxPool3DGrad")]


@register_gradient("AvgPool3D")
def _avg_pool3d_gradient(op, grad):
    return [gen1("AvgPool3DGrad", [array_ops.shape(op.inputs[0]), grad], _pool_attrs(op),
                 default_name="AvgPool3DGrad")]


def _list5(v, name, data_format):
    v = [int(v)] if isinstance(v, (int, np.integer)) else [int(i) for i in v]
    if len(v) == 1:
        v = v * 3
    if len(v) == 3:
        return [1] + v + [1] if data_format == "NDHWC" else [1, 1] + v
    if len(v) == 5:
        return v
    raise ValueError("%s should be of length 1, 3 or 5, got %d" % (name, len(v)))


def _pool3d(op_type, default_name, input, ksize, strides, padding, data_format, name):  # noqa: A002
    data_format = data_format or "NDHWC"
    g = get_default_graph()
    with g.name_scope(name or default_name) as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"ksize": _list5(ksize, "ksize", data_format), "strides": _list5(strides, "strides", data_format),
                 "padding": _text(padding).upper(), "data_format": data_format}
        return gen1(op_type, [x], attrs, name=scope)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The maximum of each ``ksize`` window of a 5-D ``input``, moved by ``strides`` (MaxPool3D)."""
    return _pool3d("MaxPool3D", "MaxPool3D", input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The mean of each ``ksize`` window of a 5-D ``input`` (AvgPool3D; SAME border windows average the
    values inside the input)."""
    return _pool3d("AvgPool3D", "AvgPool3D", input, ksize, strides, padding, data_format, name)


# --- the pooling functions of any spatial rank -----------------------------------------------------------

def _sequence(value, n, channel_index, name):
    """``value`` (an int, or 1, N or N + 2 ints) as the N + 2 entries of a window attribute."""
    if value is None:
        return [1] * (n + 2)
    value = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError("%s should be of length 1, %d or %d. Received: %s=%s of length %d"
                         % (name, n, n + 2, name, value, len(value)))
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def _pool_v2(pools, input, ksize, strides, padding, data_format, name):  # noqa: A002
    x = convert_to_tensor(input, name="input")
    if x.shape.rank is not None:
        n = x.shape.rank - 2
    elif data_format is not None:
        n = len(data_format) - 2
    else:
        raise ValueError("`input` must have a static shape or a data format must be given. Received: "
                         "input.shape=%s and data_format=%s" % (x.shape, data_format))
    if not 1 <= n <= 3:
        raise ValueError("`input.shape.rank` must be 3, 4 or 5. Received: input.shape=%s of rank %d."
                         % (x.shape, n + 2))
    channel_index = 1 if data_format is not None and data_format.startswith("NC") else n + 1
    ksize, strides = _sequence(ksize, n, channel_index, "ksize"), _sequence(strides, n, channel_index, "strides")
    extra = {} if data_format is None else {"data_format": data_format}
    return pools[n](x, ksize, strides, padding, name=name, **extra)


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling over the 1, 2 or 3 spatial dimensions of a rank 3, 4 or 5 ``input``; ``ksize`` and
    ``strides`` are an int or one per spatial dimension (or per dimension of ``input``).

        tg.nn.max_pool_v2(images, ksize=2, strides=2, padding="VALID")     # NHWC, 2x2 windows
    """
    return _pool_v2({1: max_pool1d, 2: max_pool, 3: max_pool3d}, input, ksize, strides, padding, data_format, name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling over the spatial dimensions of a rank 3, 4 or 5 ``input``, as :func:`max_pool_v2`."""
    return _pool_v2({1: avg_pool1d, 2: avg_pool, 3: avg_pool3d}, input, ksize, strides, padding, data_format, name)
