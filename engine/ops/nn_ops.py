"""Neural-network ops: bias add, activations, (log-)softmax, top_k and dropout.

Each op's shape function, kernels, gradient and Python constructor live together. Kernels are written
once against ``ctx.xp``; on GPUs, Softmax, LogSoftmax and BiasAdd use the Numba CUDA kernels of
:mod:`tagraph.devices.cuda_kernels` for float32/float64 and fall back to the array-namespace version
for other dtypes. ``tg.nn`` (engine/ops/nn.py) gathers these with the conv, pooling, batch norm and loss
functions.

    logits = tg.nn.bias_add(tg.matmul(x, w), b)
    probs = tg.nn.softmax(logits)
"""
import collections as _collections

import numpy as np

from tagraph.devices import cuda_kernels
from tagraph.devices.cpu_bias_activation import check_bias_add
from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, _graph_of, get_default_graph
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import array_ops, indexing_ops, joining_ops, math_ops, random_ops
from tagraph.engine.ops.comparison_ops import greater_equal, logical_and
from tagraph.engine.ops.nd_indexing_ops import scatter_nd
from tagraph.engine.ops.op_util import dbg, gen, invalid
from tagraph.engine.ops.reduction_ops import reduce_prod, reduce_sum

__all__ = ["bias_add", "relu", "relu6", "elu", "selu", "leaky_relu", "softplus", "softmax", "log_softmax", "top_k",
           "dropout", "l2_normalize"]


def _scope_graph(*values):
    tensors = [v for v in values if isinstance(v, Tensor) or hasattr(v, "_as_graph_tensor")]
    return _graph_of(tensors) if tensors else get_default_graph()


def _activation(op_type, features, name):
    """One op on ``features``, named and scoped as TensorFlow's generated wrappers do."""
    g = _scope_graph(features)
    with g.as_default(), g.name_scope(name or op_type) as scope:
        return make_op(op_type, [features], name=scope)


# --- BiasAdd ----------------------------------------------------------------------------------------

def _data_format(ctx_or_op):
    fmt = ctx_or_op.attrs.get("data_format", b"NHWC") if hasattr(ctx_or_op, "attrs") \
        else ctx_or_op.get_attr("data_format")
    return fmt.decode() if isinstance(fmt, bytes) else fmt


def _check_bias(value, bias, fmt):
    try:
        check_bias_add(value, bias, 1 if fmt == "NCHW" else -1)
    except ValueError as e:
        raise invalid(str(e)) from None


def _bias_add_xp(xp, value, bias, fmt):
    if fmt == "NCHW":
        # The channel is dimension 1 whatever the rank; bias runs along it.
        bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return xp.add(value, bias)    # under the session's errstate


@register_kernel("BiasAdd")
def _bias_add(ctx, value, bias):
    fmt = _data_format(ctx)
    _check_bias(value, bias, fmt)
    return _bias_add_xp(ctx.xp, value, bias, fmt)


@register_kernel("BiasAdd", "GPU")
def _bias_add_gpu(ctx, value, bias):
    fmt = _data_format(ctx)
    _check_bias(value, bias, fmt)
    if fmt == "NHWC" and value.dtype in cuda_kernels.SUPPORTED_DTYPES:
        return cuda_kernels.fused_bias_activation(ctx.device.backend, value, bias, "none")
    return _bias_add_xp(ctx.xp, value, bias, fmt)


@register_shape("BiasAdd")
def _bias_add_shape(op):
    value = op.inputs[0].shape
    bias = op.inputs[1].shape.with_rank(1)
    if value.rank is None:
        return [unknown_shape()]
    if value.rank < 2:
        raise ValueError("Shape must be at least rank 2 but is rank %d" % value.rank)
    dims = value.dims
    ch = 1 if _data_format(op) == "NCHW" else value.rank - 1
    try:
        dims[ch] = TensorShape([dims[ch]]).merge_with(bias)[0]
    except ValueError:
        raise ValueError("Dimensions must be equal, but are %s and %s for BiasAdd with input shapes %s, %s"
                         % (dims[ch], bias[0], value, bias)) from None
    return [TensorShape(dims)]


def bias_add(value, bias, data_format=None, name=None):
    """``value + bias``, ``bias`` a vector along the channel dimension: the last one (``N...C``, the
    default) or dimension 1 (``NC...``)."""
    if data_format is not None:
        if data_format.startswith("NC"):
            data_format = "NCHW"
        elif data_format.startswith("N") and data_format.endswith("C"):
            data_format = "NHWC"
        else:
            raise ValueError("`data_format` must be of the form `N...C` or `NC...`. Received: data_format=%s"
                             % data_format)
    g = _scope_graph(value, bias)
    with g.as_default(), g.name_scope(name or "BiasAdd") as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias") \
            if not isinstance(bias, Tensor) else bias
        attrs = {"data_format": data_format} if data_format else {}
        return make_op("BiasAdd", [value, bias], attrs, name=scope)


# --- activations ------------------------------------------------------------------------------------

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


def _relu(ctx, x):
    return ctx.xp.maximum(x, x.dtype.type(0))   # NaN propagates, as TensorFlow's cwiseMax<PropagateNaN>


def _relu6(ctx, x):
    xp = ctx.xp
    return xp.minimum(xp.maximum(x, x.dtype.type(0)), x.dtype.type(6))


def _elu(ctx, x):
    xp = ctx.xp
    with np.errstate(all="ignore"):
        return xp.where(x < 0, xp.exp(x) - x.dtype.type(1), x)


def _selu(ctx, x):
    xp = ctx.xp
    t = x.dtype.type
    with np.errstate(all="ignore"):
        return xp.where(x < 0, t(_SELU_SCALE_ALPHA) * (xp.exp(x) - t(1)), t(_SELU_SCALE) * x)


def _leaky_relu(ctx, x):
    alpha = x.dtype.type(ctx.attrs.get("alpha", 0.2))
    # alpha may exceed 1 or be negative, so this is a select, not a maximum.
    return ctx.xp.where(x > 0, x, x * alpha)


def _softplus(ctx, x):
    xp = ctx.xp
    t = x.dtype.type
    # TensorFlow's thresholds: beyond them exp(x) (small x) or x (large x) is softplus within epsilon.
    threshold = t(np.log(np.finfo(x.dtype).eps) + 2)
    with np.errstate(all="ignore"):
        e = xp.exp(x)
        return xp.where(x > -threshold, x, xp.where(x < threshold, e, xp.log1p(e)))


_ACTIVATIONS = {"Relu": _relu, "Relu6": _relu6, "Elu": _elu, "Selu": _selu, "LeakyRelu": _leaky_relu,
                "Softplus": _softplus}
for _t, _fn in _ACTIVATIONS.items():
    register_kernel(_t)(_fn)
    register_shape(_t)(common_shapes.unchanged)


def relu(features, name=None):
    """max(features, 0)."""
    return _activation("Relu", features, name)


def relu6(features, name=None):
    """min(max(features, 0), 6)."""
    return _activation("Relu6", features, name)


def elu(features, name=None):
    """exp(features) - 1 where features < 0, else features."""
    return _activation("Elu", features, name)


def selu(features, name=None):
    """scale * elu with alpha, scale = 1.0507..., alpha = 1.6732... (self-normalising)."""
    return _activation("Selu", features, name)


def leaky_relu(features, alpha=0.2, name=None):
    """features where features > 0, else alpha * features; integer features are cast to float32 first."""
    g = _scope_graph(features)
    with g.as_default(), g.name_scope(name or "LeakyRelu") as scope:
        features = convert_to_tensor(features, name="features")
        if features.dtype.is_integer:
            features = math_ops.cast(features, "float32")
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return make_op("LeakyRelu", [features], {"alpha": float(alpha)}, name=scope)


def softplus(features, name=None):
    """log(exp(features) + 1), computed without overflow or underflow."""
    return _activation("Softplus", features, name)


# --- Softmax, LogSoftmax ----------------------------------------------------------------------------

def _softmax_xp(xp, x, log):
    if x.size == 0:
        return x.copy()
    z = x.astype(np.float32) if x.dtype == np.float16 else x   # half accumulates in float
    with np.errstate(all="ignore"):
        shifted = z - xp.max(z, axis=-1, keepdims=True)
        if log:
            r = shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))
        else:
            e = xp.exp(shifted)
            r = e / xp.sum(e, axis=-1, keepdims=True)
    return r.astype(x.dtype, copy=False)


def _check_logits(x):
    if x.ndim < 1:
        raise invalid("logits must have >= 1 dimension, got %s" % dbg(x.shape))


def _softmax_kernel(log):
    def kernel(ctx, x):
        _check_logits(x)
        return _softmax_xp(ctx.xp, x, log)
    return kernel


def _softmax_gpu_kernel(log):
    def kernel(ctx, x):
        _check_logits(x)
        if x.dtype in cuda_kernels.SUPPORTED_DTYPES:
            return cuda_kernels.softmax(ctx.device.backend, x, log=log)
        return _softmax_xp(ctx.xp, x, log)
    return kernel


@register_shape("Softmax", "LogSoftmax")
def _softmax_shape(op):
    s = op.inputs[0].shape
    if s.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    return [s]


for _t, _log in (("Softmax", False), ("LogSoftmax", True)):
    register_kernel(_t)(_softmax_kernel(_log))
    # Registered after the generic kernel: a device-specific kernel replaces it on GPUs.
    register_kernel(_t, "GPU")(_softmax_gpu_kernel(_log))


def _softmax(op_type, logits, axis, name, dim):
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    if axis is None:
        axis = -1
    logits = convert_to_tensor(logits)
    rank = logits.shape.rank
    if isinstance(axis, Tensor):
        value = constant_value(axis)
        if value is None:
            raise ValueError("%s: axis must be known while building the graph" % op_type)
        axis = value
    axis = int(axis)
    if axis == -1 or (rank is not None and axis == rank - 1):
        return make_op(op_type, [logits], name=name)
    if rank is None:
        raise ValueError("%s over axis %d needs logits of known rank" % (op_type, axis))
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, "`dim` must be in the range [%d, %d) where %d is the number of dimensions in the "
            "input. Received: dim=%d" % (-rank, rank, rank, axis))
    axis %= rank
    # TensorFlow's _wrap_2d_function: swap the axis with the last one, apply, swap back.
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    with logits.graph.as_default():
        out = make_op(op_type, [array_ops.transpose(logits, perm)])
        out = array_ops.transpose(out, perm, name=name)
    out.set_shape(logits.shape)
    return out


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits)) along ``axis`` (the last one when None), computed stably."""
    return _softmax("Softmax", logits, axis, name, dim)


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(sum(exp(logits))) along ``axis`` (the last one when None), computed stably."""
    return _softmax("LogSoftmax", logits, axis, name, dim)


# --- gradients --------------------------------------------------------------------------------------
# TensorFlow's (nn_grad.py). Relu and BiasAdd differentiate through the ReluGrad and BiasAddGrad ops; the
# other activations build the formula of TensorFlow's Relu6Grad, EluGrad, SeluGrad, LeakyReluGrad or
# SoftplusGrad from math ops (those ops' kernels follow, for gradient graphs TensorFlow wrote).

@register_kernel("ReluGrad")
def _relu_grad_kernel(ctx, gradients, features):
    # A multiply, not a select, as TensorFlow's: a NaN gradient stays NaN even where features <= 0.
    return gradients * (features > 0).astype(gradients.dtype)


register_shape("ReluGrad")(common_shapes.unchanged)


_BLAS_SUM_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_BLAS_SUM_MIN = 1 << 19


@register_kernel("BiasAddGrad")
def _bias_add_grad_kernel(ctx, out_backprop):
    if out_backprop.ndim < 2:
        raise invalid("Input tensor must be at least 2D: %s" % dbg(out_backprop.shape))
    channel = 1 if _data_format(ctx) == "NCHW" else out_backprop.ndim - 1
    if ctx.xp is np and out_backprop.dtype in _BLAS_SUM_DTYPES and out_backprop.size >= _BLAS_SUM_MIN:
        # A product with a vector of ones: BLAS's threads read the gradient once, where numpy's sum over
        # every axis but one walks it several times slower (a [64, 28, 28, 32] gradient: 0.12 ms against
        # 0.83). Only for large ones: a small one gains a few microseconds, and it would wait for BLAS
        # while another op's product holds it (an LSTM's gradient loop: 0.3 ms a step).
        x = np.ascontiguousarray(out_backprop)
        if channel == 1:                                    # NCHW: each image's channels by positions
            per_image = x.reshape(x.shape[0], x.shape[1], -1)
            return np.matmul(per_image, np.ones(per_image.shape[2], x.dtype)).sum(axis=0)
        return np.matmul(np.ones(x.size // x.shape[-1], x.dtype), x.reshape(-1, x.shape[-1]))
    axes = tuple(i for i in range(out_backprop.ndim) if i != channel)
    acc = np.float32 if out_backprop.dtype == np.float16 else out_backprop.dtype
    with np.errstate(all="ignore"):
        return ctx.xp.sum(out_backprop, axis=axes, dtype=acc).astype(out_backprop.dtype, copy=False)


@register_shape("BiasAddGrad")
def _bias_add_grad_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape(1)]
    if s.rank < 2:
        raise ValueError("Shape must be at least rank 2 but is rank %d" % s.rank)
    return [TensorShape([s[1] if _data_format(op) == "NCHW" else s[-1]])]


@register_gradient("BiasAdd")
def _bias_add_grad(op, grad):
    return [grad, make_op("BiasAddGrad", [grad], {"data_format": _data_format(op)})]


@register_gradient("Relu")
def _relu_grad(op, grad):
    return [make_op("ReluGrad", [grad, op.outputs[0]])]


@register_gradient("Relu6")
def _relu6_grad(op, grad):
    x = op.inputs[0]
    inside = logical_and(x > 0, x < 6)
    return [grad * math_ops.cast(inside, grad.dtype.base_dtype)]


@register_gradient("Elu")
def _elu_grad(op, grad):
    y = op.outputs[0]
    return [math_ops.where_v2(y < 0, grad * (y + 1), grad)]


@register_gradient("Selu")
def _selu_grad(op, grad):
    y = op.outputs[0]
    return [math_ops.where_v2(y < 0, grad * (y + _SELU_SCALE_ALPHA), grad * _SELU_SCALE)]


@register_gradient("LeakyRelu")
def _leaky_relu_grad(op, grad):
    x = op.inputs[0]
    return [math_ops.where_v2(x > 0, grad, grad * op.get_attr("alpha"))]


@register_gradient("Softplus")
def _softplus_grad(op, grad):
    # SoftplusGrad: grad / (exp(-x) + 1), which is grad * sigmoid(x).
    return [grad * math_ops.sigmoid(op.inputs[0])]


@register_gradient("Softmax")
def _softmax_grad(op, grad):
    y = op.outputs[0]
    return [(grad - reduce_sum(grad * y, axis=-1, keepdims=True)) * y]


@register_gradient("LogSoftmax")
def _log_softmax_grad(op, grad):
    y = op.outputs[0]
    return [grad - reduce_sum(grad, axis=-1, keepdims=True) * math_ops.exp(y)]


# Kernels of the backward steps TensorFlow's gradient graphs use for the activations above, so that a
# gradient graph written by TensorFlow runs here unchanged.

def _grad_kernel(fn):
    def kernel(ctx, g, f):
        r = fn(ctx.xp, g, f, ctx.attrs)
        return r if r.dtype == g.dtype else r.astype(g.dtype)
    return kernel


_GRAD_KERNELS = {
    "Relu6Grad": lambda xp, g, f, a: g * ((f > 0) & (f < 6)),
    "EluGrad": lambda xp, g, y, a: xp.where(y > 0, g, g * (y + 1)),
    "SeluGrad": lambda xp, g, y, a: xp.where(y > 0, g * _SELU_SCALE, g * (y + _SELU_SCALE_ALPHA)),
    "LeakyReluGrad": lambda xp, g, f, a: xp.where(f > 0, g, g * a.get("alpha", 0.2)),
    "SoftplusGrad": lambda xp, g, f, a: g / (1 + xp.exp(-f)),
}
for _t, _fn in _GRAD_KERNELS.items():
    register_kernel(_t)(_grad_kernel(_fn))
    register_shape(_t)(common_shapes.unchanged)


# --- top_k -------------------------------------------------------------------------------------------


_TopKResult = _collections.namedtuple("TopKV2", ["values", "indices"])



def _top_k_host():
    from tagraph.engine.ops import top_k_host  # on first use: importing Numba takes most of a second
    return top_k_host


@register_kernel("TopKV2", host_inputs=(1,))
def _top_k(ctx, x, k):
    xp = ctx.xp
    if np.ndim(k) != 0:
        raise invalid("k must be scalar, got shape %s", dbg(np.shape(k)))
    k = int(np.asarray(k))
    if k < 0:
        raise invalid("Need k >= 0, got %d", k)
    if x.ndim < 1:
        raise invalid("input must be >= 1-D, got shape %s", dbg(x.shape))
    if x.shape[-1] < k:
        raise invalid("input must have at least k columns. Had %d, needed %d", x.shape[-1], k)
    idx = _top_k_host().top_k_indices(x, k) if xp is np and x.ndim else None
    if idx is None:
        # A stable ascending sort of an order-reversing key keeps equal values in index order, as TensorFlow.
        key = ~x if x.dtype.kind in "iu" else -x
        idx = xp.argsort(key, axis=-1, kind="stable")[..., :k]
    return xp.take_along_axis(x, idx, axis=-1), idx.astype(ctx.attrs["index_type"].as_numpy_dtype)


@register_shape("TopKV2")
def _top_k_shape(op):
    s = op.inputs[0].shape
    if s.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    if op.inputs[1].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for 'k'" % op.inputs[1].shape.rank)
    k = constant_value(op.inputs[1])
    if k is not None:
        k = int(k)
        if k < 0:
            raise ValueError("Dimension size, given by scalar input 1, must be non-negative but is %d" % k)
    if s.rank is None:
        return [unknown_shape()] * 2
    last = s.dims[-1]
    if last is not None and k is not None and last < k:
        raise ValueError("input must have last dimension >= k = %d but is %d" % (k, last))
    out = TensorShape(s.dims[:-1] + [k])
    return [out, out]


def top_k(input, k=1, sorted=True, name=None, index_type=dtypes.int32):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest entries along the last dimension (nn.top_k); equal
    values keep the lower index first."""
    op = gen("TopKV2", [input, k], {"sorted": bool(sorted), "index_type": index_type}, name, "TopKV2")
    return _TopKResult(*op.outputs)


@register_gradient("TopKV2")
def _top_k_grad(op, grad, _=None):
    # TensorFlow's (nn_grad.py): the values' gradient scattered back to the positions they were taken
    # from, through indices flattened over the leading dimensions.
    in_shape = array_ops.shape(op.inputs[0])
    ind_shape = array_ops.shape(op.outputs[1])
    ind_lastdim = indexing_ops.gather(math_ops.cast(ind_shape, dtypes.int64),
                                      math_ops.subtract(array_ops.size(ind_shape), 1))
    ind_2d = array_ops.reshape(op.outputs[1], joining_ops.stack([-1, ind_lastdim]))
    in_lastdim = indexing_ops.gather(math_ops.cast(in_shape, dtypes.int64),
                                     math_ops.subtract(array_ops.size(in_shape), 1))
    outerdim = array_ops.shape(ind_2d)[0]
    offsets = math_ops.range(0, math_ops.multiply(math_ops.cast(outerdim, dtypes.int64), in_lastdim), in_lastdim)
    ind = array_ops.reshape(math_ops.add(ind_2d, math_ops.cast(array_ops.expand_dims(offsets, -1), dtypes.int32)),
                            [-1])
    flat = scatter_nd(array_ops.expand_dims(ind, -1), array_ops.reshape(grad, [-1]),
                      joining_ops.stack([reduce_prod(in_shape)]))
    return [array_ops.reshape(flat, in_shape), array_ops.zeros([], dtype=dtypes.int32)]


# --- dropout -----------------------------------------------------------------------------------------

def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability ``rate`` (``1 - keep_prob``) and scales the rest by
    ``1 / (1 - rate)``; the mask is drawn from random_uniform with TensorFlow's seeding rules.

        tg.set_random_seed(1)
        h = tg.nn.dropout(h, rate=0.5)
    """
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both keep_prob and rate")
        rate = 1 - keep_prob if not isinstance(keep_prob, Tensor) else math_ops.subtract(1.0, keep_prob)
    if rate is None:
        raise ValueError("dropout needs rate (or keep_prob)")
    g = _scope_graph(x)
    with g.as_default(), g.name_scope(name or "dropout"):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError("x has to be a floating point tensor since it's going to be scaled. Got a %s tensor "
                             "instead." % x.dtype.name)
        if not isinstance(rate, Tensor):
            if not 0 <= rate < 1:
                raise ValueError("rate must be a scalar tensor or a float in the range [0, 1), got %g" % rate)
            if rate == 0:
                return x
            scale = convert_to_tensor(1 / (1 - rate), dtype=x.dtype.base_dtype)
            x_scale = make_op("Mul", [x, scale], name="Mul")
            rate_t = rate
        else:
            rate_t = math_ops.cast(rate, x.dtype.base_dtype, name="rate")
            one = convert_to_tensor(1, dtype=x.dtype.base_dtype)
            x_scale = math_ops.truediv(x, math_ops.subtract(one, rate_t))
        shape = noise_shape if noise_shape is not None else (
            x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x))
        random_tensor = random_ops.random_uniform(shape, seed=seed, dtype=x.dtype.base_dtype)
        keep_mask = greater_equal(random_tensor, rate_t)
        # As TensorFlow 2's dropout (which tf.compat.v1's calls): a select, so that kept inf/nan stay as they are
        # and dropped ones become 0; the output is named <scope>/SelectV2.
        zero = convert_to_tensor(0, dtype=x.dtype.base_dtype)
        ret = math_ops.where_v2(keep_mask, x_scale, zero)
        ret.set_shape(x.shape)
        return ret


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))``, built as TensorFlow builds it.

        unit = tg.nn.l2_normalize(embeddings, axis=1)
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    g = _scope_graph(x)
    with g.as_default(), g.name_scope(name or "l2_normalize") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype.is_complex:
            raise NotImplementedError("tg.nn.l2_normalize of complex tensors is not supported by tagraph yet")
        square_sum = reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)
