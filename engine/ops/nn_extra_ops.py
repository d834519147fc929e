"""``tf.nn`` functions TensorFlow 1 programs call beside the basic layers: local response normalization
(LRN, LRNGrad), max pooling with the argmax (MaxPoolWithArgmax, MaxPoolGradWithArgmax), dilated
convolution (``convolution``/``atrous_conv2d`` as SpaceToBatchND, Conv2D, BatchToSpaceND), and the
functions TensorFlow builds from other ops: swish, crelu, xw_plus_b, relu_layer, weighted_moments,
normalize_moments and sufficient_statistics.

    y = tg.nn.lrn(x, depth_radius=2, bias=1.0, alpha=1e-4, beta=0.75)
    pooled, argmax = tg.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    h = tg.nn.atrous_conv2d(x, filters, rate=2, padding="SAME")

Each op's kernel (``ctx.xp``), shape function and gradient live together, with TensorFlow's messages.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.conv3d_ops import conv3d
from tagraph.engine.ops.conv_ops import conv1d, conv2d, output_size_and_padding
from tagraph.engine.ops.indexing_ops import gather
from tagraph.engine.ops.joining_ops import concat, stack
from tagraph.engine.ops.nn_ops import bias_add, relu
from tagraph.engine.ops.matmul_ops import matmul
from tagraph.engine.ops.op_util import dbg, f16_acc, gen, gen1, invalid
from tagraph.engine.ops.reduction_ops import reduce_prod, reduce_sum
from tagraph.engine.ops.space_to_batch_ops import batch_to_space_nd, space_to_batch_nd

__all__ = ["lrn", "local_response_normalization", "max_pool_with_argmax", "swish", "silu", "crelu", "xw_plus_b",
           "relu_layer", "weighted_moments", "normalize_moments", "sufficient_statistics", "convolution",
           "atrous_conv2d"]


# --- LRN ----------------------------------------------------------------------------------------------------

def _window_sum(xp, v, r):
    """The sum of ``v`` over the depth window [d - r, d + r] (clipped) at each depth d of the last axis."""
    depth = v.shape[-1]
    c = xp.cumsum(xp.pad(v, [(0, 0)] * (v.ndim - 1) + [(r + 1, r)]), axis=-1)
    return c[..., 2 * r + 1:2 * r + 1 + depth] - c[..., :depth]


def _lrn_attrs(attrs):
    return int(attrs.get("depth_radius", 5)), float(attrs.get("bias", 1.0)), float(attrs.get("alpha", 1.0)), \
        float(attrs.get("beta", 0.5))


@register_kernel("LRN")
def _lrn(ctx, x):
    if x.ndim != 4:
        raise invalid("input must be 4-dimensional")
    r, bias, alpha, beta = _lrn_attrs(ctx.attrs)
    v = x.astype(f16_acc(x)) if f16_acc(x) else x
    norm = bias + alpha * _window_sum(ctx.xp, v * v, r)
    return (v * norm ** -beta).astype(x.dtype)


@register_kernel("LRNGrad")
def _lrn_grad(ctx, grads, image, output):
    if grads.ndim != 4 or image.ndim != 4 or output.ndim != 4:
        raise invalid("input_grads, input_image, and out_image should have the same shape")
    if grads.shape != image.shape or image.shape != output.shape:
        raise invalid("input_grads, input_image, and out_image should have the same shape")
    xp = ctx.xp
    r, bias, alpha, beta = _lrn_attrs(ctx.attrs)
    acc = f16_acc(image)
    g, x = (grads.astype(acc), image.astype(acc)) if acc else (grads, image)
    norm = bias + alpha * _window_sum(xp, x * x, r)
    # d out_j / d x_i = [i == j] norm_j^-beta - 2 alpha beta x_i x_j norm_j^(-beta-1), for i in j's window
    spread = _window_sum(xp, g * x * norm ** (-beta - 1), r)
    return (g * norm ** -beta - 2 * alpha * beta * x * spread).astype(image.dtype)


register_shape("LRN")(common_shapes.unchanged)


@register_shape("LRNGrad")
def _lrn_grad_shape(op):
    s = op.inputs[0].shape
    for t in op.inputs[1:]:
        s = s.merge_with(t.shape)
    return [s]


@register_gradient("LRN")
def _lrn_gradient(op, grad):
    attrs = {k: op.get_attr(k) for k in ("depth_radius", "bias", "alpha", "beta")}
    return [gen1("LRNGrad", [grad, op.inputs[0], op.outputs[0]], attrs, default_name="LRNGrad")]


def lrn(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002 - TensorFlow's argument name
    """Local response normalization over the last axis (LRN): ``x / (bias + alpha * sum(x^2 over
    [d - depth_radius, d + depth_radius])) ** beta``."""
    attrs = {"depth_radius": int(depth_radius), "bias": float(bias), "alpha": float(alpha), "beta": float(beta)}
    return gen1("LRN", [input], attrs, name, "LRN")


local_response_normalization = lrn


# --- MaxPoolWithArgmax -------------------------------------------------------------------------------------

def _pool_geometry(attrs, shape):
    """((kh, kw), (sh, sw), (oh, ow), (pad_top, pad_left)) of a NHWC pooling of ``shape``."""
    ksize, strides = list(attrs["ksize"]), list(attrs["strides"])
    padding = attrs["padding"]
    padding = padding.decode() if isinstance(padding, bytes) else padding
    if len(ksize) != 4 or len(strides) != 4:
        raise invalid("Sliding window ksize field must specify 4 dimensions")
    if ksize[0] != 1 or ksize[3] != 1 or strides[0] != 1 or strides[3] != 1:
        raise invalid("Pooling is not yet supported on the batch nor channel dimension.")
    geo = [output_size_and_padding(shape[1 + i], ksize[1 + i], strides[1 + i], 1, padding) for i in range(2)]
    return ((ksize[1], ksize[2]), (strides[1], strides[2]), (geo[0][0], geo[1][0]), (geo[0][1], geo[1][1]))


@register_kernel("MaxPoolWithArgmax")
def _max_pool_with_argmax(ctx, x):
    xp = ctx.xp
    if x.ndim != 4:
        raise invalid("tensor_in must be 4-dimensional")
    (kh, kw), (sh, sw), (oh, ow), (pt, pl) = _pool_geometry(ctx.attrs, x.shape)
    b, h, w, c = x.shape
    with_batch = bool(ctx.attrs.get("include_batch_in_index", False))
    out = xp.full((b, oh, ow, c), -np.inf, dtype=x.dtype)
    arg = xp.full((b, oh, ow, c), -1, dtype=np.int64)
    ys0, xs0 = xp.arange(oh) * sh - pt, xp.arange(ow) * sw - pl
    bs, cs = xp.arange(b).reshape(b, 1, 1, 1), xp.arange(c).reshape(1, 1, 1, c)
    for dy in range(kh):
        ys = ys0 + dy
        yin = (ys >= 0) & (ys < h)
        yc = xp.clip(ys, 0, h - 1)
        for dx in range(kw):
            xs = xs0 + dx
            valid = (yin[:, None] & ((xs >= 0) & (xs < w))[None, :]).reshape(1, oh, ow, 1)
            xc = xp.clip(xs, 0, w - 1)
            vals = x[:, yc[:, None], xc[None, :], :]
            # The window's first maximum in row-major order wins, as in TensorFlow's kernel.
            better = valid & ((vals > out) | (arg < 0))
            out = xp.where(better, vals, out)
            flat = (yc[:, None] * w + xc[None, :]).reshape(1, oh, ow, 1) * c + cs
            if with_batch:
                flat = flat + bs * (h * w * c)
            arg = xp.where(better, flat, arg)
    return out, arg.astype(ctx.attrs.get("Targmax", dtypes.int64).as_numpy_dtype)


@register_shape("MaxPoolWithArgmax")
def _max_pool_with_argmax_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape(4), unknown_shape(4)]
    if s.rank != 4:
        raise ValueError("Shape must be rank 4 but is rank %d" % s.rank)
    b, h, w, c = s.dims
    attrs = {k: op.get_attr(k) for k in ("ksize", "strides", "padding")}
    dims = []
    for i, d in enumerate((h, w)):
        if d is None:
            dims.append(None)
        else:
            padding = attrs["padding"].decode() if isinstance(attrs["padding"], bytes) else attrs["padding"]
            dims.append(output_size_and_padding(d, attrs["ksize"][1 + i], attrs["strides"][1 + i], 1, padding)[0])
    out = TensorShape([b] + dims + [c])
    return [out, out]


@register_kernel("MaxPoolGradWithArgmax")
def _max_pool_grad_with_argmax(ctx, x, grad, argmax):
    xp = ctx.xp
    if grad.shape[0] != x.shape[0] or argmax.shape != grad.shape:
        raise invalid("Expected grad shape to be %s, but got %s", dbg(argmax.shape), dbg(grad.shape))
    b = x.shape[0]
    per_image = int(np.prod(x.shape[1:]))
    index = argmax.reshape(b, -1).astype(np.int64)
    if not ctx.attrs.get("include_batch_in_index", False):
        index = index + xp.arange(b, dtype=np.int64).reshape(b, 1) * per_image
    index = index.reshape(-1)
    if index.size and bool(((index < 0) | (index >= b * per_image)).any()):
        raise invalid("Invalid argmax index: out of range [0, %d)", b * per_image)
    out = xp.zeros(b * per_image, dtype=f16_acc(grad) or grad.dtype)
    xp.add.at(out, index, grad.reshape(-1).astype(out.dtype))
    return out.astype(x.dtype).reshape(x.shape)


register_shape("MaxPoolGradWithArgmax")(lambda op: [op.inputs[0].shape])


@register_gradient("MaxPoolWithArgmax")
def _max_pool_with_argmax_grad(op, grad, unused_argmax_grad=None):
    attrs = {k: op.get_attr(k) for k in ("ksize", "strides", "padding", "include_batch_in_index")}
    return [gen1("MaxPoolGradWithArgmax", [op.inputs[0], grad, op.outputs[1]], attrs,
                 default_name="MaxPoolGradWithArgmax")]


def _ints4(v, what):
    if isinstance(v, int):
        raise TypeError("Expected list for '%s' argument to 'max_pool_with_argmax' Op, not %d." % (what, v))
    return [int(i) for i in v]


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None, name=None,  # noqa: A002,N803
                         output_dtype=None, include_batch_in_index=False):
    """Max pooling (NHWC) and the flat index of each maximum: ``(y * width + x) * channels + c``, with
    ``b * height * width * channels`` added when ``include_batch_in_index`` (MaxPoolWithArgmax)."""
    if data_format != "NHWC":
        raise ValueError("Data formats other than 'NHWC' are not yet supported")
    targmax = dtypes.as_dtype(Targmax or output_dtype or dtypes.int64)
    attrs = {"ksize": _ints4(ksize, "ksize"), "strides": _ints4(strides, "strides"),
             "padding": padding.decode() if isinstance(padding, bytes) else padding, "Targmax": targmax,
             "include_batch_in_index": bool(include_batch_in_index)}
    op = gen("MaxPoolWithArgmax", [input], attrs, name, "MaxPoolWithArgmax")
    return op.outputs[0], op.outputs[1]


# --- built from other ops ------------------------------------------------------------------------------

def swish(features, beta=1.0):
    """``features * sigmoid(beta * features)`` (also ``silu``)."""
    g = get_default_graph()
    features = convert_to_tensor(features, name="features")
    beta = math_ops.cast(convert_to_tensor(beta, name="beta"), features.dtype)
    with g.as_default():
        return features * math_ops.sigmoid(beta * features)


silu = swish


def crelu(features, name=None, axis=-1):
    """``relu(concat([features, -features], axis))``: the positive and negative parts, side by side."""
    g = get_default_graph()
    with g.name_scope(name or "CRelu") as scope:
        features = convert_to_tensor(features, name="features")
        c = concat([features, math_ops.negative(features)], axis, name=scope)
        return relu(c)


def xw_plus_b(x, weights, biases, name=None):
    """``matmul(x, weights) + biases`` (MatMul, BiasAdd)."""
    g = get_default_graph()
    with g.name_scope(name or "xw_plus_b") as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights")
        biases = convert_to_tensor(biases, name="biases")
        return bias_add(matmul(x, weights), biases, name=scope)


def relu_layer(x, weights, biases, name=None):
    """``relu(matmul(x, weights) + biases)`` (MatMul, BiasAdd, Relu)."""
    g = get_default_graph()
    with g.name_scope(name or "relu_layer") as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights")
        biases = convert_to_tensor(biases, name="biases")
        return relu(bias_add(matmul(x, weights), biases), name=scope)


def _keep_dims(keep_dims, keepdims):
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    return bool(keepdims if keepdims is not None else keep_dims)


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """(count, sum of ``x - shift``, sum of ``(x - shift)^2``, shift) over ``axes``, for moments."""
    axes = sorted(set(axes))
    keep_dims = _keep_dims(keep_dims, keepdims)
    g = get_default_graph()
    with g.name_scope(name or "sufficient_statistics"):
        x = convert_to_tensor(x, name="x")
        s = x.shape
        if s.rank is not None and all(s.dims[d] is not None for d in axes):
            counts = constant(float(np.prod([s.dims[d] for d in axes])), dtype=x.dtype)
        else:
            rank = array_ops.rank(x)
            positive = [a + rank if a < 0 else a for a in axes]
            dims = gather(math_ops.cast(array_ops.shape(x), x.dtype), stack(positive) if any(
                not isinstance(a, int) for a in positive) else positive)
            counts = reduce_prod(dims, name="count")
        if shift is not None:
            shift = convert_to_tensor(shift, name="shift")
            m_ss, v_ss = math_ops.subtract(x, shift), math_ops.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, math_ops.square(x)
        m_ss = reduce_sum(m_ss, axes, keepdims=keep_dims, name="mean_ss")
        v_ss = reduce_sum(v_ss, axes, keepdims=keep_dims, name="var_ss")
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from :func:`sufficient_statistics`' sums."""
    g = get_default_graph()
    with g.name_scope(name or "normalize"):
        divisor = math_ops.reciprocal(counts, name="divisor")
        if shift is not None:
            shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean")
            mean = math_ops.add(shifted_mean, shift, name="mean")
        else:
            shifted_mean = math_ops.multiply(mean_ss, divisor, name="mean")
            mean = shifted_mean
        variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor), math_ops.square(shifted_mean),
                                     name="variance")
    return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """The ``frequency_weights``-weighted mean and variance of ``x`` over ``axes`` (two passes, 0 where the
    weights sum to 0)."""
    keep_dims = _keep_dims(keep_dims, keepdims)
    g = get_default_graph()
    with g.name_scope(name or "weighted_moments"):
        x = convert_to_tensor(x, name="x")
        w = convert_to_tensor(frequency_weights, name="frequency_weights")
        needs_cast = x.dtype == dtypes.float16
        if needs_cast:
            x = math_ops.cast(x, dtypes.float32)
        if w.dtype != x.dtype:
            w = math_ops.cast(w, x.dtype)
        weighted_input_sum = reduce_sum(w * x, axes, name="weighted_input_sum", keepdims=True)
        broadcasted_weights = w + array_ops.zeros_like(x)
        sum_of_weights = reduce_sum(broadcasted_weights, axes, name="sum_of_weights", keepdims=True)
        mean = math_ops.div_no_nan(weighted_input_sum, sum_of_weights)
        distsq = reduce_sum(w * math_ops.squared_difference(x, mean), axes, name="weighted_distsq", keepdims=True)
        variance = math_ops.div_no_nan(distsq, sum_of_weights)
        if not keep_dims:
            mean = array_ops.squeeze(mean, axis=axes)
            variance = array_ops.squeeze(variance, axis=axes)
        if needs_cast:
            mean, variance = math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


# --- dilated convolution -----------------------------------------------------------------------------------

def _dilation_paddings(x, w, n, rate, padding):
    """TensorFlow's ``required_space_to_batch_paddings`` for a dilated convolution: (paddings, crops) that
    pad by the dilated filter's reach (SAME) and make the padded spatial shape a multiple of ``rate``;
    numpy values when the shapes are known while building, else tensors computed when it runs."""
    k = w.shape.dims[:n] if w.shape.rank is not None else [None] * n
    spatial = x.shape.dims[1:1 + n]
    if None not in k and None not in spatial:
        pad = np.array([(ki - 1) * ri for ki, ri in zip(k, rate)] if padding == "SAME" else [0] * n, np.int32)
        start, end = pad // 2, pad - pad // 2
        extra = (rate - (np.asarray(spatial) + start + end) % rate) % rate
        return np.stack([start, end + extra], 1), np.stack([np.zeros_like(extra), extra], 1)
    rate_t = constant(np.asarray(rate, np.int32))
    if padding == "SAME":
        pad = (array_ops.shape(w)[:n] - 1) * rate_t
        start = pad // 2
        end = pad - start
    else:
        start = end = constant(np.zeros(n, np.int32))
    extra = (rate_t - (array_ops.shape(x)[1:1 + n] + start + end) % rate_t) % rate_t
    return stack([start, end + extra], axis=1), stack([array_ops.zeros_like(extra), extra], axis=1)


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None, name=None,  # noqa: A002
                data_format=None, filters=None, dilations=None):
    """An N-D convolution (1-D, 2-D or 3-D, channels last), dilated by ``dilation_rate`` as TensorFlow
    builds it: with a rate above 1, SpaceToBatchND, a VALID convolution, then BatchToSpaceND."""
    filter = filter if filter is not None else filters  # noqa: A001
    rate = dilation_rate if dilation_rate is not None else dilations
    g = get_default_graph()
    with g.name_scope(name or "convolution") as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, name="filter")
        if x.shape.rank is None:
            raise ValueError("convolution needs the rank of `input` known while building")
        n = x.shape.rank - 2
        if n not in (1, 2, 3):
            raise ValueError("`input` rank must be 3, 4 or 5 (1-D, 2-D or 3-D convolution); got %d" % x.shape.rank)
        if data_format not in (None, "NWC", "NHWC", "NDHWC"):
            raise ValueError("convolution supports channels-last data formats (NWC, NHWC, NDHWC), not %r"
                             % data_format)
        rate = np.ones(n, np.int32) if rate is None else np.broadcast_to(np.asarray(rate, np.int32), [n])
        strides = np.ones(n, np.int32) if strides is None else np.broadcast_to(np.asarray(strides, np.int32), [n])
        if (rate < 1).any():
            raise ValueError("dilation_rate must be positive")
        if (strides > 1).any() and (rate > 1).any():
            raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1")
        padding = padding.decode() if isinstance(padding, bytes) else padding
        if padding not in ("SAME", "VALID"):
            raise ValueError("padding must be either VALID or SAME: %r" % padding)

        def conv(inp, pad, op_name):
            if n == 1:
                return conv1d(inp, w, int(strides[0]), pad, name=op_name)
            if n == 2:
                return conv2d(inp, w, [1] + strides.tolist() + [1], pad, name=op_name)
            return conv3d(inp, w, [1] + strides.tolist() + [1], pad, name=op_name)

        if (rate == 1).all():
            return conv(x, padding, scope)
        if n != 2:
            raise ValueError("tagraph's convolution supports dilation_rate > 1 for 2-D inputs only, got %d-D" % n)
        paddings, crops = _dilation_paddings(x, w, n, rate, padding)
        y = space_to_batch_nd(x, rate, paddings)
        y = conv(y, "VALID", None)
        return batch_to_space_nd(y, rate, crops, name=scope)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """A 2-D convolution with the filter dilated ``rate`` times (``convolution`` with ``dilation_rate``)."""
    return convolution(value, filters, padding, dilation_rate=[rate, rate], name=name)
