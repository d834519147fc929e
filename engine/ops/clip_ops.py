"""Clipping: clip_by_value, clip_by_norm, clip_by_average_norm, global_norm and clip_by_global_norm, built
from elementwise ops and reductions as TensorFlow builds them, the ClipByValue op that graphs written by
other TensorFlow code carry (``tf.clip_by_value`` itself builds Minimum and Maximum), and saturate_cast, a
cast clamped with it.

Each op's kernel, shape function, gradient and Python constructor live together. This family builds on the
elementwise, reduction, joining and loss families.

    g = tg.clip_by_value(g, -1.0, 1.0)
    grads, norm = tg.clip_by_global_norm(grads, 5.0)
"""
import collections.abc
import logging

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.ops import array_ops, complex_ops, math_ops
from tagraph.engine.ops.comparison_ops import greater, less, logical_or
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.joining_ops import stack
from tagraph.engine.ops.loss_ops import l2_loss
from tagraph.engine.ops.op_util import dbg, invalid, is_tensor_like
from tagraph.engine.ops.reduction_ops import reduce_sum

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_average_norm", "global_norm", "clip_by_global_norm",
           "saturate_cast"]

logger = logging.getLogger("tagraph.engine")


# --- ClipByValue ----------------------------------------------------------------------------------------

@register_kernel("ClipByValue")
def _clip_by_value_kernel(ctx, t, lo, hi):
    for bound in (lo, hi):
        if bound.ndim and bound.shape != t.shape:
            raise invalid("clip_value_min and clip_value_max must be either of the same shape as input, or a "
                          "scalar. input shape: %sclip_value_min shape: %sclip_value_max shape: %s", dbg(t.shape),
                          dbg(lo.shape), dbg(hi.shape))
    xp = ctx.xp
    if t.dtype.kind == "c":
        # TensorFlow clamps a complex value's real and imaginary parts each within the bounds' parts (numpy's
        # minimum would order whole complex numbers, real part first).
        out = xp.empty(t.shape, t.dtype)
        out.real = xp.maximum(xp.minimum(t.real, hi.real), lo.real)
        out.imag = xp.maximum(xp.minimum(t.imag, hi.imag), lo.imag)
        return out
    return xp.maximum(xp.minimum(t, hi), lo).astype(t.dtype, copy=False)


@register_shape("ClipByValue")
def _clip_by_value_shape(op):
    return common_shapes.unchanged(op)


@register_gradient("ClipByValue")
def _clip_by_value_grad(op, grad):
    # TensorFlow's (clip_ops.py): the gradient passes where t is inside the bounds, else goes to the bound.
    x, y, z = op.inputs
    gdtype = grad.dtype.base_dtype
    sx, sy, sz = array_ops.shape(x), array_ops.shape(y), array_ops.shape(z)
    zeros = array_ops.zeros(array_ops.shape(grad), gdtype)
    xymask = less(x, y)
    xzmask = greater(x, z)
    _, ry = make_op("BroadcastGradientArgs", [sx, sy])
    _, rz = make_op("BroadcastGradientArgs", [sx, sz])
    xgrad = math_ops.where(logical_or(xymask, xzmask), zeros, grad)
    ygrad = math_ops.where(xymask, grad, zeros)
    zgrad = math_ops.where(xzmask, grad, zeros)
    gy = array_ops.reshape(reduce_sum(ygrad, ry), sy)
    gz = array_ops.reshape(reduce_sum(zgrad, rz), sz)
    return [xgrad, gy, gz]


# --- the clipping functions --------------------------------------------------------------------------------

def _scope_graph(*values):
    tensors = [v for v in values if is_tensor_like(v)]
    return _graph_of(tensors) if tensors else get_default_graph()


def _check_compatible(a, b):
    if not a.is_compatible_with(b):
        raise ValueError("Shapes %s and %s are incompatible" % (a, b))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """``t`` with values below ``clip_value_min`` raised to it and above ``clip_value_max`` lowered to it
    (the bounds are scalars or broadcast to t's shape, never beyond it).

        tg.clip_by_value([[-10., -1., 0.], [0., 2., 10.]], -1, 1)   # [[-1, -1, 0], [0, 1, 1]]
    """
    g = _scope_graph(t, clip_value_min, clip_value_max)
    with g.as_default(), g.name_scope(name or "clip_by_value") as scope:
        values = convert_to_tensor(t, name="t")
        t_min = math_ops.minimum(values, clip_value_max)
        # Bounds must not broadcast t to a larger shape.
        _check_compatible(values.shape, t_min.shape)
        t_max = math_ops.maximum(t_min, clip_value_min, name=scope)
        _check_compatible(values.shape, t_max.shape)
        return t_max


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(l2norm(t), clip_norm)``, the L2 norm taken over ``axes`` (all by default):
    t scaled down to norm ``clip_norm`` where its norm is larger (a negative clip_norm counts as 0)."""
    g = _scope_graph(t, clip_norm)
    with g.as_default(), g.name_scope(name or "clip_by_norm") as scope:
        values = convert_to_tensor(t, name="t")
        if np.isscalar(clip_norm):
            clip_norm = max(clip_norm, 0)
        else:
            clip_norm = math_ops.cast(math_ops.maximum(clip_norm, 0), dtype=values.dtype.base_dtype)
        l2sum = reduce_sum(math_ops.multiply(values, values), axes, keepdims=True)
        pred = greater(l2sum, 0)
        # Two Selects keep the gradient finite where the norm is 0.
        l2sum_safe = math_ops.where(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = math_ops.where(pred, math_ops.sqrt(l2sum_safe), l2sum)
        intermediate = math_ops.multiply(values, clip_norm)
        _check_compatible(values.shape, intermediate.shape)
        return array_ops.identity(math_ops.truediv(intermediate, math_ops.maximum(l2norm, clip_norm)), name=scope)


def clip_by_average_norm(t, clip_norm, name=None):
    """``t * clip_norm * min(size(t) / l2norm(t), 1 / clip_norm)``: t scaled down where its L2 norm per
    element exceeds ``clip_norm`` (TensorFlow 1's, deprecated there in favour of clip_by_norm).

        g = tg.clip_by_average_norm(g, 0.5)
    """
    g = _scope_graph(t, clip_norm)
    with g.as_default(), g.name_scope(name or "clip_by_average_norm") as scope:
        t = convert_to_tensor(t, name="t")
        n_element = math_ops.cast(array_ops.size(t), dtypes.float32)
        l2norm_inv = math_ops.rsqrt(reduce_sum(t * t, math_ops.range(array_ops.rank(t))))
        return array_ops.identity(t * clip_norm * math_ops.minimum(l2norm_inv * n_element, constant(1.0) / clip_norm),
                                  name=scope)


def _check_sequence(t_list):
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError("`t_list` should be a sequence of tensors. Received %s." % type(t_list))
    return list(t_list)


def global_norm(t_list, name=None):
    """``sqrt(sum(l2norm(t) ** 2 for t in t_list))``, None entries ignored: a scalar."""
    t_list = _check_sequence(t_list)
    g = _scope_graph(*t_list)
    with g.as_default(), g.name_scope(name or "global_norm"):
        values = [convert_to_tensor(t, name="t_%d" % i) if t is not None else None for i, t in enumerate(t_list)]
        half_squared_norms = []
        for v in values:
            if v is not None:
                with g.colocate_with(v.op):
                    half_squared_norms.append(l2_loss(v))
        half_squared_norm = reduce_sum(stack(half_squared_norms))
        return math_ops.sqrt(math_ops.multiply(half_squared_norm, constant(2.0, dtype=half_squared_norm.dtype)),
                             name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``(clipped, norm)``: each tensor of ``t_list`` times ``clip_norm / max(norm, clip_norm)``, where
    ``norm`` is their global norm (``use_norm`` when given); an infinite or NaN norm makes every value NaN.
    None entries stay None."""
    t_list = _check_sequence(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    g = _scope_graph(*(t_list + [clip_norm, use_norm]))
    with g.as_default(), g.name_scope(name or "clip_by_global_norm") as scope:
        scale_for_finite = math_ops.multiply(clip_norm, math_ops.minimum(
            math_ops.truediv(1.0, use_norm), math_ops.truediv(constant(1.0, dtype=use_norm.dtype), clip_norm)))
        # use_norm - use_norm is 0 for a finite norm and NaN for an infinite or NaN one.
        scale = math_ops.add(scale_for_finite, math_ops.subtract(use_norm, use_norm))
        values = [convert_to_tensor(t, name="t_%d" % i) if t is not None else None for i, t in enumerate(t_list)]
        clipped = []
        for i, v in enumerate(values):
            if v is None:
                clipped.append(None)
                continue
            with g.colocate_with(v.op):
                # TensorFlow names these "<scope>/<scope>/_<i>" (a name inside its own scope); a name
                # ending in "/" is taken verbatim, the scope already being unique.
                clipped.append(array_ops.identity(math_ops.multiply(v, math_ops.cast(scale, v.dtype.base_dtype)),
                                                  name="%s%s/_%d/" % (scope, scope[:-1], i)))
        return clipped, use_norm


# --- saturate_cast ---------------------------------------------------------------------------------------

def _inside(limit, bound, in_np, promoted, outward):
    """``limit`` (of the input's numpy type) moved one step toward zero where it lies beyond ``bound`` once
    both are compared in ``promoted``: the output's bound may not be representable in the input's type
    (float32 cannot hold 2**31 - 1), and a value cast from beyond it overflows."""
    pair = np.array([limit, bound], dtype=promoted)
    if outward(pair[0], pair[1]):
        limit = np.nextafter(limit, in_np(0), dtype=in_np)
    return limit


def saturate_cast(value, dtype, name=None):
    """``value`` cast to ``dtype``, clamped first to the range ``dtype`` holds, as TensorFlow's (a ClipByValue
    then a Cast). A complex value cast to a real dtype keeps its real part; a complex one clamps its parts.

        tg.saturate_cast(tg.constant([-1.0, 100.0, 300.0]), tg.uint8)     # [0, 100, 255]
    """
    g = _scope_graph(value)
    with g.as_default(), g.name_scope(name or "saturate_cast") as scope:
        value = convert_to_tensor(value, name="value")
        dtype = dtypes.as_dtype(dtype).base_dtype
        in_dtype = value.dtype.base_dtype
        if in_dtype.is_complex:
            if dtype.is_complex:
                real_in, real_out = in_dtype.real_dtype, dtype.real_dtype
                if real_in.min < real_out.min or real_in.max > real_out.max:
                    value = make_op("ClipByValue", [
                        value, constant(complex(real_out.min, real_out.min), dtype=in_dtype),
                        constant(complex(real_out.max, real_out.max), dtype=in_dtype)], name="clamp")
                return math_ops.cast(value, dtype, name=scope)
            logger.warning("Casting complex to real discards imaginary part.")
            value = complex_ops.real(value)
            in_dtype = in_dtype.real_dtype
        out_real = dtype.real_dtype
        in_np = in_dtype.as_numpy_dtype
        try:
            promoted = np.promote_types(in_np, out_real.as_numpy_dtype)
        except TypeError:                        # bfloat16 has no numpy promotion: compare as Python floats
            promoted = float
        lo = _inside(in_np(np.maximum(in_dtype.min, out_real.min)), out_real.min, in_np, promoted, np.less)
        hi = _inside(in_np(np.minimum(float(in_dtype.max), float(out_real.max))), out_real.max, in_np, promoted,
                     np.greater)
        value = make_op("ClipByValue", [value, constant(lo, dtype=in_dtype), constant(hi, dtype=in_dtype)],
                        name="clamp")
        return math_ops.cast(value, dtype, name=scope)
