"""The float32 LSTM cell of :mod:`tagraph.devices.cpu_lstm_cell` as one Numba loop, vectorised.

numpy's float32 ``exp`` and ``tanh`` are calls into libm-like loops (on CPUs without AVX-512, ``tanh`` is
scalar): at batch 32 and 64 units the cell's dozen numpy passes cost more than the two matmuls before it.
Here each element's five transcendental values (three sigmoids, two tanh) come from one exp written as a
polynomial that LLVM turns into AVX2 code: Cephes' ``expf`` (range reduction by ln 2 split in two
constants, a degree-6 polynomial, the power of two built in the exponent bits, in two factors so that
results down to the smallest denormal are right). Its error is within 2 ulp of the true exp; ``tanh`` is
Cephes' odd polynomial below 0.625 and ``1 - 2 / (exp(2|x|) + 1)`` above. So ``c`` and ``h`` agree with
the unfused numpy ops to a few float32 ulp, not bit for bit; inf saturates and NaN propagates as there.

Imported when a float32 cell first runs, so that loading the device module does not load Numba.
"""
import numpy as np
from numba import njit

__all__ = ["lstm_cell", "lstm_cell_sum"]

_F = np.float32
_LOG2E = _F(1.44269504088896341)
_LN2_HI, _LN2_LO = _F(0.693359375), _F(-2.12194440e-4)
_E0, _E1, _E2, _E3, _E4, _E5 = (_F(1.9875691500e-4), _F(1.3981999507e-3), _F(8.3334519073e-3),
                                _F(4.1665795894e-2), _F(1.6666665459e-1), _F(5.0000001201e-1))
_T0, _T1, _T2, _T3, _T4 = (_F(-5.70498872745e-3), _F(2.06390887954e-2), _F(-5.37397155531e-2),
                           _F(1.33314422036e-1), _F(-3.33332819422e-1))
_EXP_MAX = _F(88.72283935546875)      # exp overflows float32 above this
_EXP_MIN = _F(-103.97)                # and is 0 below this
_TANH_POLY = _F(0.625)
_HALF, _ONE, _TWO, _INF = _F(0.5), _F(1.0), _F(2.0), _F(np.inf)

# error_model="numpy": a division by zero gives inf instead of raising, which keeps the loops vectorisable.
# The fast-math flags let LLVM fuse multiply-adds and reorder sums (a third faster, within an ulp or two);
# never "nnan" or "ninf", under which the NaN and overflow selects below would be folded away.
_FAST = {"contract", "reassoc", "nsz", "arcp", "afn"}
_INLINE = dict(inline="always", error_model="numpy", fastmath=_FAST)


@njit(**_INLINE)
def _exp(x):
    r = min(max(x, _EXP_MIN), _EXP_MAX)
    n = np.floor(r * _LOG2E + _HALF)
    r = r - n * _LN2_HI
    r = r - n * _LN2_LO
    p = (((((_E0 * r + _E1) * r + _E2) * r + _E3) * r + _E4) * r + _E5) * r * r + r + _ONE
    k = np.int32(n)
    half = k >> 1
    v = p * np.int32((half + 127) << 23).view(np.float32) * np.int32((k - half + 127) << 23).view(np.float32)
    v = _INF if x > _EXP_MAX else v
    return x if x != x else v


@njit(**_INLINE)
def _sigmoid(x):
    return _ONE / (_ONE + _exp(-x))


@njit(**_INLINE)
def _tanh(x):
    ax = abs(x)
    z = x * x
    small = ((((_T0 * z + _T1) * z + _T2) * z + _T3) * z + _T4) * z * x + x
    large = _ONE - _TWO / (_exp(_TWO * ax) + _ONE)
    large = large if x >= 0 else -large
    return small if ax < _TANH_POLY else large


@njit(**_INLINE)
def _step(zi, zj, zf, zo, c_prev):
    c = _sigmoid(zf) * c_prev + _sigmoid(zi) * _tanh(zj)
    return c, _tanh(c) * _sigmoid(zo)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FAST)
def lstm_cell(gates, bias, c_prev, forget_bias, i, j, f, o, c_out, h_out):
    """``c_out``, ``h_out`` [batch, units] of one step from ``gates`` [batch, 4 * units] plus ``bias``
    [4 * units], ``c_prev`` and the scalar ``forget_bias``; ``i, j, f, o``: the gates' column blocks.
    Every array float32 and C-contiguous."""
    batch, units = c_prev.shape
    bi, bj = bias[i * units:(i + 1) * units], bias[j * units:(j + 1) * units]
    bf, bo = bias[f * units:(f + 1) * units], bias[o * units:(o + 1) * units]
    for b in range(batch):
        gi, gj = gates[b, i * units:(i + 1) * units], gates[b, j * units:(j + 1) * units]
        gf, go = gates[b, f * units:(f + 1) * units], gates[b, o * units:(o + 1) * units]
        cp, co, ho = c_prev[b], c_out[b], h_out[b]
        for u in range(units):
            co[u], ho[u] = _step(gi[u] + bi[u], gj[u] + bj[u], gf[u] + bf[u] + forget_bias, go[u] + bo[u], cp[u])


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FAST)
def lstm_cell_sum(gates, addend, bias, c_prev, forget_bias, i, j, f, o, c_out, h_out):
    """:func:`lstm_cell` of the gates ``gates + addend`` (Keras' ``x @ kernel + h @ recurrent_kernel``),
    added here as the unfused Add would, before the bias."""
    batch, units = c_prev.shape
    bi, bj = bias[i * units:(i + 1) * units], bias[j * units:(j + 1) * units]
    bf, bo = bias[f * units:(f + 1) * units], bias[o * units:(o + 1) * units]
    for b in range(batch):
        gi, gj = gates[b, i * units:(i + 1) * units], gates[b, j * units:(j + 1) * units]
        gf, go = gates[b, f * units:(f + 1) * units], gates[b, o * units:(o + 1) * units]
        ai, aj = addend[b, i * units:(i + 1) * units], addend[b, j * units:(j + 1) * units]
        af, ao = addend[b, f * units:(f + 1) * units], addend[b, o * units:(o + 1) * units]
        cp, co, ho = c_prev[b], c_out[b], h_out[b]
        for u in range(units):
            co[u], ho[u] = _step((gi[u] + ai[u]) + bi[u], (gj[u] + aj[u]) + bj[u],
                                 (gf[u] + af[u]) + bf[u] + forget_bias, (go[u] + ao[u]) + bo[u], cp[u])
