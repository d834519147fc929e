"""Complex numbers: Complex (a complex tensor from its real and imaginary parts), Real, Imag, Conj,
ComplexAbs and Angle, with TensorFlow's constructors ``complex``, ``real``, ``imag``, ``conj`` and ``angle``.

Each op's kernel (written against ``ctx.xp``, serving CPU and GPU), shape function, gradient and Python
constructor live together. As in TensorFlow, ``real``, ``conj`` and ``angle``/``imag`` of a real tensor
build no op of this family (the tensor itself, or zeros); ``tg.abs`` of a complex tensor builds
ComplexAbs (see math_ops). The gradients are TensorFlow's (math_grad.py): a real loss's gradient with
respect to a complex tensor is ``dL/dRe + i dL/dIm``.

    z = tg.complex([1.0, 0.0], [0.0, 2.0])         # [1+0j, 0+2j], complex64
    tg.real(z), tg.imag(z), tg.conj(z), tg.angle(z), tg.abs(z)
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes, dtypes
from tagraph.engine.framework.graph import _graph_of, control_dependencies, convert_to_tensor, Tensor
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.array_ops import ones_like, reshape, shape, zeros_like
from tagraph.engine.ops.comparison_ops import less
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.op_util import check_broadcast, gen, reduction

__all__ = ["complex", "real", "imag", "conj", "angle", "real_dtype"]

_REAL_OF = {"complex64": dtypes.float32, "complex128": dtypes.float64}


def real_dtype(dtype):
    """The dtype of a complex dtype's parts (float32 for complex64); a real dtype is its own."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    return _REAL_OF.get(dtype.name, dtype)


def _is_numeric(dtype):
    return dtype.is_floating or dtype.is_integer or dtype.is_complex


def _out_dtype(ctx):
    return np.dtype(dtypes.as_dtype(ctx.attrs["Tout"]).as_numpy_dtype)


# --- kernels ------------------------------------------------------------------------------------------

@register_kernel("Complex")
def _complex_kernel(ctx, re, im):
    xp = ctx.xp
    check_broadcast(re, im)
    out = _out_dtype(ctx)
    part = np.float32 if out == np.complex64 else np.float64
    re, im = xp.broadcast_arrays(re.astype(part, copy=False), im.astype(part, copy=False))
    # The parts side by side are the complex number's memory layout: no arithmetic, so inf and nan parts
    # stay what they are (re + 1j * im would turn an infinite imaginary part's real part into nan).
    pairs = xp.stack([re, im], axis=-1)
    return pairs.view(out).reshape(re.shape)


@register_kernel("Real")
def _real_kernel(ctx, x):
    return ctx.xp.real(x).astype(_out_dtype(ctx), copy=True)


@register_kernel("Imag")
def _imag_kernel(ctx, x):
    return ctx.xp.imag(x).astype(_out_dtype(ctx), copy=True)


@register_kernel("Conj")
def _conj_kernel(ctx, x):
    return ctx.xp.conj(x)


@register_kernel("ComplexAbs")
def _complex_abs_kernel(ctx, x):
    return ctx.xp.abs(x).astype(_out_dtype(ctx), copy=False)


@register_kernel("Angle")
def _angle_kernel(ctx, x):
    return ctx.xp.angle(x).astype(_out_dtype(ctx), copy=False)


register_shape("Complex")(common_shapes.broadcast_binary)
register_shape("Real", "Imag", "Conj", "ComplexAbs", "Angle")(common_shapes.unchanged)


# --- constructors -------------------------------------------------------------------------------------

def complex(real, imag, name=None):  # noqa: A001 - TensorFlow's name
    """The complex tensor ``real + i * imag`` (float32 parts give complex64, float64 ones complex128);
    the parts broadcast.

        tg.complex([2.25, 3.25], [4.75, 5.75])        # [2.25+4.75j, 3.25+5.75j]
    """
    real = convert_to_tensor(real, name="real")
    imag = convert_to_tensor(imag, name="imag")
    g = _graph_of([real, imag])
    with g.as_default(), g.name_scope(name or "Complex") as scope:
        types = (real.dtype.base_dtype, imag.dtype.base_dtype)
        if types == (dtypes.float64, dtypes.float64):
            tout = dtypes.complex128
        elif types == (dtypes.float32, dtypes.float32):
            tout = dtypes.complex64
        else:
            raise TypeError("The `real` and `imag` components have incorrect types: %s %s. They must be "
                            "consistent, and one of [tf.float32, tf.float64]" % (types[0].name, types[1].name))
        return make_op("Complex", [real, imag], {"Tout": tout}, name=scope)


def _part(op_type, default_name, input, name, other):  # noqa: A002
    g = _graph_of([input])
    with g.as_default(), g.name_scope(name or default_name) as scope:
        x = convert_to_tensor(input, name="input")
        if x.dtype.is_complex:
            return make_op(op_type, [x], {"Tout": real_dtype(x.dtype)}, name=scope)
        return other(x)


def real(input, name=None):  # noqa: A002 - TensorFlow's argument name
    """The real part of a complex tensor (float32 or float64); a real tensor is returned as is.

        tg.real(tg.constant([-2.25 + 4.75j]))          # [-2.25]
    """
    def of_real(x):
        if not _is_numeric(x.dtype):
            raise TypeError("input must be a numeric tensor, but got tensor with dtype %s" % x.dtype)
        return x
    return _part("Real", "Real", input, name, of_real)


def imag(input, name=None):  # noqa: A002
    """The imaginary part of a complex tensor (float32 or float64); zeros for a real tensor.

        tg.imag(tg.constant([-2.25 + 4.75j]))          # [4.75]
    """
    return _part("Imag", "Imag", input, name, zeros_like)


def angle(input, name=None):  # noqa: A002
    """The argument ``atan2(imag, real)`` of each element; for a real tensor pi where it is negative,
    else 0.

        tg.angle(tg.constant([-2.25 + 4.75j]))         # [2.0131705]
    """
    def of_real(x):
        return math_ops.where(less(x, 0), np.pi * ones_like(x), zeros_like(x))
    return _part("Angle", "Angle", input, name, of_real)


def conj(x, name=None):
    """The complex conjugate ``a - bi`` of each element; a real tensor is returned as is.

        tg.conj(tg.constant([-2.25 + 4.75j]))          # [-2.25-4.75j]
    """
    if isinstance(x, Tensor) and (x.dtype.is_floating or x.dtype.is_integer):
        return x
    g = _graph_of([x])
    with g.as_default(), g.name_scope(name or "Conj") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype.is_complex:
            return make_op("Conj", [x], name=scope)
        if x.dtype.is_floating or x.dtype.is_integer:
            return x
        if x.dtype.base_dtype == dtypes.variant:
            raise TypeError("tagraph conjugates numeric tensors only; Conj of a variant tensor (a list of "
                            "tensors) is not supported")
        raise TypeError("Expected numeric or variant tensor, got dtype %r." % x.dtype)


# --- gradients (TensorFlow's, math_grad.py) -------------------------------------------------------------

def _reduce_pair(x, y, gx, gy):
    """``gx`` and ``gy`` summed over the axes along which ``x`` and ``y`` were broadcast."""
    sx, sy = x.shape, y.shape
    if sx.is_fully_defined() and sy.is_fully_defined() and sx == sy:
        return gx, gy
    tx, ty = shape(x), shape(y)
    rx, ry = gen("BroadcastGradientArgs", [tx, ty]).outputs
    return reshape(reduction("Sum", gx, rx), tx), reshape(reduction("Sum", gy, ry), ty)


@register_gradient("Complex")
def _complex_grad(op, grad):
    x, y = op.inputs
    return list(_reduce_pair(x, y, real(grad), imag(grad)))


@register_gradient("Real")
def _real_grad(op, grad):
    zero = constant(0, dtype=grad.dtype)
    return [complex(grad, zero)]


@register_gradient("Imag")
def _imag_grad(op, grad):
    zero = constant(0, dtype=grad.dtype)
    return [complex(zero, grad)]


@register_gradient("Angle")
def _angle_grad(op, grad):
    x = op.inputs[0]
    with control_dependencies([grad]):
        re = real(x)
        im = imag(x)
        z = math_ops.reciprocal(complex(im, re))
        zero = constant(0, dtype=grad.dtype)
        complex_grad = complex(grad, zero)
        return [math_ops.multiply(-complex_grad, z, name="mul")]


@register_gradient("Conj")
def _conj_grad(op, grad):
    return [conj(grad)]


@register_gradient("ComplexAbs")
def _complex_abs_grad(op, grad):
    return [math_ops.div_no_nan(math_ops.multiply(complex(grad, zeros_like(grad)), op.inputs[0], name="mul"),
                                complex(op.outputs[0], zeros_like(op.outputs[0])))]
