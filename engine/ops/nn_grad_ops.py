"""Kernels of the gradient ops TensorFlow's backward passes use, and the OpDefs tagraph's table lacks.

BroadcastGradientArgs gives the axes to sum a broadcast gradient over; ReluGrad, SigmoidGrad, TanhGrad,
BiasAddGrad and the rest compute an activation's backward step in one kernel, as TensorFlow's do, so a
gradient graph written by TensorFlow runs here unchanged.

    rx, ry = make_op("BroadcastGradientArgs", [shape(x), shape(y)])
"""
import numpy as np

from tagraph.devices.kernel_registry import has_kernel, register_kernel as _register_kernel
from tagraph.engine.framework import common_shapes, errors
from tagraph.engine.framework.op_builder import register_shape, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape

# Op types whose kernels this module supplied (others may already have been registered next to the
# forward ops, e.g. ReluGrad in nn_ops.py; those are left as they are).
REGISTERED = []


def register_kernel(op_type, *args, **kwargs):
    """register_kernel for op types that have no kernel yet; a no-op decorator otherwise."""
    if has_kernel(op_type, "CPU"):
        return lambda fn: fn
    REGISTERED.append(op_type)
    return _register_kernel(op_type, *args, **kwargs)


def _shape_if_missing(op_type, fn):
    from tagraph.engine.framework.op_builder import get_shape_fn
    if get_shape_fn(op_type) is None:
        register_shape(op_type)(fn)


# --- BroadcastGradientArgs -------------------------------------------------------------------------

def broadcast_gradient_args(s0, s1):
    """The axes to reduce the gradient of a broadcast over, for each of two shapes (TensorFlow's BCast
    without its dimension-merging optimisation): an output axis is reduced for an input whose
    (1-padded) dimension there is 1 while the output's is not."""
    s0 = [int(d) for d in s0]
    s1 = [int(d) for d in s1]
    n = max(len(s0), len(s1))
    p0 = [1] * (n - len(s0)) + s0
    p1 = [1] * (n - len(s1)) + s1
    r0, r1 = [], []
    for i, (a, b) in enumerate(zip(p0, p1)):
        if a == b:
            continue
        if a == 1:
            r0.append(i)
        elif b == 1:
            r1.append(i)
        else:
            raise errors.InvalidArgumentError(None, None, "Incompatible shapes: [%s] vs. [%s]"
                                              % (",".join(map(str, s0)), ",".join(map(str, s1))))
    return r0, r1


@register_kernel("BroadcastGradientArgs", host_inputs=(0, 1), host_outputs=(0, 1))
def _broadcast_gradient_args(ctx, s0, s1):
    r0, r1 = broadcast_gradient_args(np.asarray(s0).reshape(-1), np.asarray(s1).reshape(-1))
    dt = ctx.attrs["T"].as_numpy_dtype
    return np.array(r0, dtype=dt), np.array(r1, dtype=dt)


def _bga_shape(op):
    return [TensorShape([None]), TensorShape([None])]


_shape_if_missing("BroadcastGradientArgs", _bga_shape)


# --- elementwise backward steps ---------------------------------------------------------------------

def _like(fn):
    def kernel(ctx, a, b, *rest):
        r = fn(ctx.xp, a, b, *rest, ctx.attrs)
        return r if r.dtype == a.dtype else r.astype(a.dtype)
    return kernel


_GRAD_KERNELS = {
    # (y, dy) pairs, y being the forward output
    "SigmoidGrad": lambda xp, y, dy, a: dy * (y * (1 - y)),
    "TanhGrad": lambda xp, y, dy, a: dy * (1 - y * y),
    "SqrtGrad": lambda xp, y, dy, a: dy * 0.5 / y,
    "RsqrtGrad": lambda xp, y, dy, a: dy * (-0.5) * (y * y * y),
    "ReciprocalGrad": lambda xp, y, dy, a: -dy * (y * y),
    # (gradients, features-or-outputs) pairs
    "ReluGrad": lambda xp, g, f, a: g * (f > 0),
    "Relu6Grad": lambda xp, g, f, a: g * ((f > 0) & (f < 6)),
    "EluGrad": lambda xp, g, y, a: xp.where(y > 0, g, g * (y + 1)),
    "SeluGrad": lambda xp, g, y, a: xp.where(y > 0, g * 1.0507009873554804934193349852946,
                                             g * (y + 1.7580993408473768599402175208123)),
    "LeakyReluGrad": lambda xp, g, f, a: xp.where(f > 0, g, g * a.get("alpha", 0.2)),
    "SoftplusGrad": lambda xp, g, f, a: g / (1 + xp.exp(-f)),
}

for _t, _fn in _GRAD_KERNELS.items():
    register_kernel(_t)(_like(_fn))
    _shape_if_missing(_t, common_shapes.unchanged)


@register_kernel("BiasAddGrad")
def _bias_add_grad(ctx, g):
    fmt = ctx.attrs.get("data_format", b"NHWC")
    fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
    if g.ndim < 2:
        raise errors.InvalidArgumentError(None, None, "Input tensor must be at least 2D: %s" % list(g.shape))
    channel = 1 if fmt.startswith("NC") else g.ndim - 1
    axes = tuple(i for i in range(g.ndim) if i != channel)
    return ctx.xp.sum(g, axis=axes, dtype=g.dtype)


def _bias_add_grad_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape(1)]
    fmt = op.get_attr("data_format")
    fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
    return [TensorShape([s[1] if fmt.startswith("NC") else s[-1]])]


_shape_if_missing("BiasAddGrad", _bias_add_grad_shape)


from tagraph.engine.framework.op_builder import get_gradient_fn as _ggf  # noqa: E402
if _ggf("BroadcastGradientArgs") is None:
    not_differentiable("BroadcastGradientArgs")


# --- ops tagraph's table lacks that gradients need ------------------------------------------------

@register_kernel("Cumprod", host_inputs=(1,))
def _cumprod(ctx, x, axis):
    xp = ctx.xp
    ax = int(np.asarray(axis)) % max(x.ndim, 1)
    exclusive, reverse = ctx.attrs.get("exclusive", False), ctx.attrs.get("reverse", False)
    if reverse:
        x = xp.flip(x, axis=ax)
    out = xp.cumprod(x, axis=ax, dtype=x.dtype)
    if exclusive:
        idx = [slice(None)] * x.ndim
        idx[ax] = slice(0, x.shape[ax] - 1)
        head_shape = list(x.shape)
        head_shape[ax] = 1
        out = xp.concatenate([xp.ones(head_shape, dtype=x.dtype), out[tuple(idx)]], axis=ax)
    if reverse:
        out = xp.flip(out, axis=ax)
    return out


_shape_if_missing("Cumprod", common_shapes.unchanged)


@register_kernel("UnsortedSegmentSum", host_inputs=(2,))
def _unsorted_segment_sum(ctx, data, segment_ids, num_segments):
    xp = ctx.xp
    n = int(np.asarray(num_segments))
    ids_shape = segment_ids.shape
    if tuple(data.shape[:len(ids_shape)]) != tuple(ids_shape):
        raise errors.InvalidArgumentError(None, None, "data.shape = %s does not start with segment_ids.shape = %s"
                                          % (list(data.shape), list(ids_shape)))
    rest = data.shape[len(ids_shape):]
    flat_ids = segment_ids.reshape(-1)
    flat = data.reshape((-1,) + tuple(rest))
    out = xp.zeros((n,) + tuple(rest), dtype=data.dtype)
    # Ids outside [0, n) are dropped, as TensorFlow's kernel does.
    keep = (flat_ids >= 0) & (flat_ids < n)
    xp.add.at(out, flat_ids[keep], flat[keep])
    return out


def _unsorted_segment_sum_shape(op):
    from tagraph.engine.framework.common_shapes import constant_value
    d, i = op.inputs[0].shape, op.inputs[1].shape
    n = constant_value(op.inputs[2])
    if d.rank is None or i.rank is None:
        return [unknown_shape()]
    return [TensorShape([None if n is None else int(n)] + d.dims[i.rank:])]


_shape_if_missing("UnsortedSegmentSum", _unsorted_segment_sum_shape)
