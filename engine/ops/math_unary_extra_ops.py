"""Elementwise functions beyond math_ops: inverse trigonometric and hyperbolic ones, expm1, rint, the special
functions erfc, lgamma, digamma and polygamma, softsign and log_sigmoid.

Each op's shape function, kernel, gradient (TensorFlow's math_grad.py and nn_grad.py) and constructor live
together, as in math_ops. Kernels are written against ``ctx.xp`` and run on the CPU and GPUs; Erfc and Lgamma
take the C library's functions on the CPU and ``cupyx.scipy.special``'s on a GPU. Digamma and Polygamma are
series written with array operations, accurate to float64, the same on every device.

    y = tg.atanh(tg.clip_by_value(x, -0.9, 0.9)) + tg.lgamma(tg.abs(x) + 1.0)
"""
import math

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import common_shapes
from tagraph.engine.framework.graph import convert_to_tensor, _graph_of
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.nn_ops import softplus
from tagraph.engine.ops.op_util import check_broadcast, scoped, unary_kernel, unary_op_function

__all__ = ["acos", "asin", "atan", "sinh", "cosh", "tan", "asinh", "acosh", "atanh", "expm1", "rint", "erfc",
           "lgamma", "digamma", "polygamma", "softsign", "log_sigmoid"]


# --- special functions -----------------------------------------------------------------------------

def _host_map(fn, x):
    """``fn`` of Python's math module over a host array, in float64, rounded back to x's dtype."""
    if not x.size:
        return x.copy()
    return np.vectorize(fn, otypes=[np.float64])(x.astype(np.float64)).astype(x.dtype)


def _lgamma_scalar(v):
    # The C library's lgamma is +inf at the poles (0, -1, -2, ...); Python's raises there instead.
    try:
        return math.lgamma(v)
    except ValueError:
        return math.inf


def _special(host_fn, cupy_name):
    """A kernel body for a function of the C library: Python's math module on the CPU, CuPy's
    ``cupyx.scipy.special`` on a GPU; on the simulated GPU (numpy's buffers under CuPy's rules) the C
    library's function on an explicit copy to the host and back."""
    def fn(xp, x):
        if xp is np:
            return _host_map(host_fn, x)
        if getattr(xp, "__name__", "") == "cupy":  # pragma: no cover - real GPU only
            import cupyx.scipy.special
            return getattr(cupyx.scipy.special, cupy_name)(x)
        return xp.asarray(_host_map(host_fn, x.get()))
    return fn


# Coefficients of the asymptotic series psi(x) ~ log(x) - 1/(2x) - sum_k B_2k / (2k x^2k), B_2k Bernoulli.
_DIGAMMA_SERIES = (1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12)


def _digamma_f64(xp, x):
    """psi(x) in float64: reflected to x >= 0.5, shifted up to x >= 10 by psi(x) = psi(x + 1) - 1/x, then the
    asymptotic series (error below 1e-17 there). NaN at the poles 0, -1, -2, ... and at -inf, as Eigen's."""
    pole = (x <= 0) & (xp.floor(x) == x)
    reflect = x < 0.5
    # psi(x) = psi(1 - x) - pi / tan(pi x); tan has period 1, so its argument is reduced first to the distance
    # from the nearest integer, which x - rint(x) gives exactly.
    with np.errstate(all="ignore"):
        shift = xp.where(reflect, -np.pi / xp.tan(np.pi * (x - xp.rint(x))), 0.0)
    z = xp.where(reflect, 1.0 - x, x)
    acc = xp.zeros_like(z)
    for _ in range(10):
        small = z < 10.0
        acc = acc - xp.where(small, 1.0 / xp.where(small, z, 1.0), 0.0)
        z = xp.where(small, z + 1.0, z)
    inv2 = 1.0 / (z * z)
    series = xp.zeros_like(z)
    for c in reversed(_DIGAMMA_SERIES):
        series = (series + c) * inv2
    out = xp.log(z) - 0.5 / z - series + acc + shift
    out = xp.where(xp.isinf(x) & (x > 0), x, out)
    return xp.where(pole | (xp.isinf(x) & (x < 0)), np.nan, out)


def _digamma(xp, x):
    return _digamma_f64(xp, x.astype(np.float64)).astype(x.dtype)


# Cephes' Euler-Maclaurin coefficients for the Hurwitz zeta function.
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17,
           -7.1661652561756670113e18)


_ZETA_MAX_TERMS = 100000


def _zeta_f64(xp, s, q):
    """The Hurwitz zeta function sum_k (k + q)^-s as Cephes and Eigen compute it (s > 1): nine terms or more,
    until q + terms > 9, then the Euler-Maclaurin tail. +inf for s == 1; at the poles q = 0, -1, ... +inf for
    an even s, else NaN; NaN for s < 1 and for q < 0 with a fractional s; 0 for q = +inf."""
    with np.errstate(all="ignore"):
        total = xp.power(q, -s)
        a = q
        b = xp.zeros_like(total)
        terms = 0
        # Non-finite q never passes 9; a q far below 0 would take more terms than are worth summing.
        climbing = xp.isfinite(a) & (a > -_ZETA_MAX_TERMS)
        while terms < 9 or bool(xp.any(climbing & (a <= 9.0))):
            terms += 1
            grow = (climbing & (a <= 9.0)) | (terms <= 9)
            a = xp.where(grow, a + 1.0, a)
            b = xp.where(grow, xp.power(a, -s), b)
            total = xp.where(grow, total + b, total)
        w = a
        total = total + b * w / (s - 1.0) - 0.5 * b
        fac = xp.ones_like(total)
        k = 0.0
        for coeff in _ZETA_A:
            fac = fac * (s + k)
            b = b / w
            total = total + fac * b / coeff
            k += 1.0
            fac = fac * (s + k)
            b = b / w
            k += 1.0
    total = xp.where(xp.isnan(s) | xp.isnan(q) | (q <= -_ZETA_MAX_TERMS), np.nan, total)
    total = xp.where(xp.isinf(q) & (q > 0), 0.0, total)
    total = xp.where((q <= 0) & (xp.floor(s) != s), np.nan, total)
    # At a pole q = 0, -1, ... the sum diverges to +inf for an even s; Eigen gives NaN for an odd one.
    pole = (q <= 0) & (xp.floor(q) == q)
    total = xp.where(pole, xp.where(xp.remainder(s, 2.0) == 0.0, np.inf, np.nan), total)
    total = xp.where(s < 1.0, np.nan, total)
    return xp.where(s == 1.0, np.inf, total)


def _polygamma(ctx, a, x):
    xp = ctx.xp
    check_broadcast(a, x)
    a, x = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    order = xp.where(xp.floor(a) == a, xp.maximum(a, 0.0), 1.0)   # other orders are NaN below
    # psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x)
    sign = xp.where(xp.remainder(order, 2.0) == 0.0, -1.0, 1.0)
    with np.errstate(all="ignore"):
        out = sign * _factorial(xp, order) * _zeta_f64(xp, order + 1.0, x)
    out = xp.where(a == 0, _digamma_f64(xp, x), out)
    return xp.where((xp.floor(a) != a) | (a < 0), np.nan, out).astype(ctx.attrs["T"].as_numpy_dtype)


def _factorial(xp, n):
    """n! for whole numbers n >= 0 as a product (the orders of Polygamma are small)."""
    out = xp.ones_like(n)
    top = int(float(xp.max(n))) if n.size else 0
    for k in range(2, min(top, 170) + 1):
        out = xp.where(n >= k, out * k, out)
    return xp.where(n > 170, np.inf, out)


def _softsign(xp, x):
    return x / (xp.abs(x) + x.dtype.type(1))


_UNARY = {
    "Acos": lambda xp, x: xp.arccos(x), "Asin": lambda xp, x: xp.arcsin(x), "Atan": lambda xp, x: xp.arctan(x),
    "Sinh": lambda xp, x: xp.sinh(x), "Cosh": lambda xp, x: xp.cosh(x), "Tan": lambda xp, x: xp.tan(x),
    "Asinh": lambda xp, x: xp.arcsinh(x), "Acosh": lambda xp, x: xp.arccosh(x),
    "Atanh": lambda xp, x: xp.arctanh(x), "Expm1": lambda xp, x: xp.expm1(x),
    "Rint": lambda xp, x: xp.rint(x),   # halves to even, as C's rint
    "Digamma": _digamma, "Softsign": _softsign,
    "Erfc": _special(math.erfc, "erfc"), "Lgamma": _special(_lgamma_scalar, "gammaln"),
}
for _t, _fn in _UNARY.items():
    register_kernel(_t)(unary_kernel(_fn))
    register_shape(_t)(common_shapes.unchanged)

register_kernel("Polygamma")(_polygamma)
register_shape("Polygamma")(common_shapes.broadcast_binary)


@register_kernel("SoftsignGrad")
def _softsign_grad_kernel(ctx, dy, x):
    d = ctx.xp.abs(x) + x.dtype.type(1)
    return (dy / (d * d)).astype(x.dtype)


register_shape("SoftsignGrad")(common_shapes.broadcast_binary)


# --- constructors ----------------------------------------------------------------------------------

acos = unary_op_function("Acos", "arccos(x) elementwise (NaN outside [-1, 1]).")
asin = unary_op_function("Asin", "arcsin(x) elementwise (NaN outside [-1, 1]).")
atan = unary_op_function("Atan", "arctan(x) elementwise.")
sinh = unary_op_function("Sinh", "Hyperbolic sine elementwise.")
cosh = unary_op_function("Cosh", "Hyperbolic cosine elementwise.")
tan = unary_op_function("Tan", "Tangent elementwise.")
asinh = unary_op_function("Asinh", "Inverse hyperbolic sine elementwise.")
acosh = unary_op_function("Acosh", "Inverse hyperbolic cosine elementwise (NaN below 1).")
atanh = unary_op_function("Atanh", "Inverse hyperbolic tangent elementwise (+-inf at +-1, NaN beyond).")
expm1 = unary_op_function("Expm1", "exp(x) - 1 elementwise, accurate for small x.")
rint = unary_op_function("Rint", "x rounded to the nearest integer, halves to even: rint(2.5) == 2.0.")
erfc = unary_op_function("Erfc", "1 - erf(x) elementwise, accurate for large x.")
lgamma = unary_op_function("Lgamma", "log|Gamma(x)| elementwise (+inf at 0, -1, -2, ...).")
digamma = unary_op_function("Digamma", "psi(x) = d/dx lgamma(x) elementwise (NaN at 0, -1, -2, ...).")
softsign = unary_op_function("Softsign", "x / (|x| + 1) elementwise: ``tf.nn.softsign``.")


def polygamma(a, x, name=None):
    """The polygamma function psi^(a)(x), the a-th derivative of digamma; a whole number a >= 0 (NaN else).

        tg.polygamma(1.0, [1.0])   # [pi**2 / 6]
    """
    return scoped("Polygamma", "Polygamma", [a, x], name=name)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) as TensorFlow builds it, -softplus(-x), without overflow.

        tg.log_sigmoid([-100.0, 0.0])   # [-100.0, -0.6931472]
    """
    g = _graph_of([x])
    with g.as_default(), g.name_scope(name or "LogSigmoid") as scope:
        x = convert_to_tensor(x, name="x")
        return make_op("Neg", [softplus(-x)], name=scope)


# --- gradients (TensorFlow's math_grad.py) ----------------------------------------------------------

def _conj(t):
    # TensorFlow's gradients take the conjugate of x (or y) first; a no-op for real tensors.
    return make_op("Conj", [t]) if t.dtype.is_complex else t


def _unary_grad(op_type, fn):
    register_gradient(op_type)(lambda op, grad: [fn(_conj(op.inputs[0]), _conj(op.outputs[0]), grad)])


def _one(grad):
    return constant(1, dtype=grad.dtype.base_dtype)


_unary_grad("Acos", lambda x, y, g: -g * math_ops.reciprocal(math_ops.sqrt(_one(g) - math_ops.square(x))))
_unary_grad("Asin", lambda x, y, g: g * math_ops.reciprocal(math_ops.sqrt(_one(g) - math_ops.square(x))))
_unary_grad("Atan", lambda x, y, g: g * math_ops.reciprocal(_one(g) + math_ops.square(x)))
_unary_grad("Sinh", lambda x, y, g: g * cosh(x))
_unary_grad("Cosh", lambda x, y, g: g * sinh(x))
_unary_grad("Tan", lambda x, y, g: math_ops.square(math_ops.reciprocal(math_ops.cos(x))) * g)
_unary_grad("Asinh", lambda x, y, g: g / cosh(y))
_unary_grad("Acosh", lambda x, y, g: g / sinh(y))
_unary_grad("Atanh", lambda x, y, g: g * math_ops.reciprocal(_one(g) - math_ops.square(x)))
_unary_grad("Expm1", lambda x, y, g: g * math_ops.exp(x))
_unary_grad("Erfc", lambda x, y, g: g * constant(-2 / np.sqrt(np.pi), dtype=g.dtype.base_dtype)
            * math_ops.exp(-math_ops.square(x)))
_unary_grad("Lgamma", lambda x, y, g: g * digamma(x))
_unary_grad("Digamma", lambda x, y, g: g * polygamma(constant(1, dtype=x.dtype.base_dtype), x))
_unary_grad("Softsign", lambda x, y, g: make_op("SoftsignGrad", [g, x]))
register_gradient("Rint")(lambda op, grad: [None])


@register_gradient("Polygamma")
def _polygamma_grad(op, grad):
    # No derivative in the order a, as TensorFlow.
    a, x = op.inputs
    return [None, math_ops._sum_to(grad * polygamma(a + 1, x), x, op.outputs[0])]
