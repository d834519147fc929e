"""An LSTM cell's elementwise part as one CPU step: gates in, new cell state and output out.

The cells of TensorFlow 1 (``BasicLSTMCell``, ``LSTMCell``) and of Keras compute, after the matmul, about ten
elementwise ops per step on the four column blocks of the gate pre-activations (see
:mod:`tagraph.engine.runtime.lstm_fusion`)::

    c = sigmoid(f + forget_bias) * c_prev + sigmoid(i) * tanh(j)
    h = tanh(c) * sigmoid(o)

In a loop of small steps (Keras' LSTM(64) at batch 32: 2,048 values a gate) each op costs more in dispatch
than in arithmetic. float32 cells run as one vectorised Numba loop (:mod:`cpu_lstm_cell_numba`, within a
few ulp of the unfused ops); float64 ones as a few numpy calls, the same calls as the unfused kernels' on
the same values (math_ops' sigmoid is ``1 / (1 + exp(-x))`` in one buffer), so bit for bit theirs.

    c, h = lstm_cell_step(ctx, (0, 1, 2, 3), gates, c_prev, None, None)
"""
import numpy as np

__all__ = ["lstm_cell_step"]

_F32 = np.dtype(np.float32)
_DTYPES = (_F32, np.dtype(np.float64))
_ZERO = _F32.type(0)
_zero_bias = {}      # width -> zeros, the bias of a cell without one


def _fits(gates, c_prev, forget_bias, bias, addend):
    if gates.__class__ is not np.ndarray or c_prev.__class__ is not np.ndarray or gates.dtype not in _DTYPES:
        return False
    if gates.ndim != 2 or gates.shape[1] % 4 or c_prev.dtype != gates.dtype:
        return False
    if c_prev.shape != (gates.shape[0], gates.shape[1] // 4):
        return False
    if addend is not None and (addend.__class__ is not np.ndarray or addend.dtype != gates.dtype
                               or addend.shape != gates.shape):
        return False
    if forget_bias is not None and (np.asarray(forget_bias).dtype != gates.dtype or np.size(forget_bias) != 1):
        return False
    return bias is None or (bias.__class__ is np.ndarray and bias.dtype == gates.dtype
                            and bias.shape == (gates.shape[1],))


def lstm_cell_step(ctx, order, gates, c_prev, forget_bias, bias, addend=None):
    """``(c, h)`` of one LSTM step from the gate pre-activations ``gates`` [batch, 4 * units] (plus
    ``addend``, the same shape, where the gates are a sum: Keras' two matmuls; plus ``bias`` [4 * units]: the
    BiasAdd before the split, when given), ``c_prev`` [batch, units] and a one-element ``forget_bias`` (or
    None); ``order``: the column blocks of the i, j, f, o gates. None when the values are not what this step
    takes (the plan then runs the cell's ops one by one, with their errors)."""
    if not _fits(gates, c_prev, forget_bias, bias, addend):
        return None
    units = gates.shape[1] // 4
    if gates.dtype == _F32:
        return _numba_step(order, gates, c_prev, forget_bias, bias, addend)
    i, j, f, o = (slice(k * units, (k + 1) * units) for k in order)
    if addend is not None:
        z = np.add(gates, addend)
        if bias is not None:
            z += bias
    else:
        z = np.add(gates, bias) if bias is not None else gates.copy()
    tanh_j = np.tanh(z[:, j])
    if forget_bias is not None:
        np.add(z[:, f], np.asarray(forget_bias).reshape(()), out=z[:, f])
    # Every block's sigmoid (j's is not used): one pass over contiguous memory beats three over strided blocks.
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)
    c = np.multiply(c_prev, z[:, f])
    c += np.multiply(z[:, i], tanh_j)
    h = np.tanh(c)
    h *= z[:, o]
    return c, h


lstm_cell_step.takes_addend = True      # lstm_fusion folds the Add of two gate matmuls into this step


def _contiguous(a):
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


_numba = []       # the kernels' module once a float32 cell has run: importing it loads Numba


def _numba_step(order, gates, c_prev, forget_bias, bias, addend):
    if not _numba:
        from tagraph.devices import cpu_lstm_cell_numba   # lazy: it loads Numba
        _numba.append(cpu_lstm_cell_numba)
    kernels = _numba[0]
    width = gates.shape[1]
    if bias is None:
        bias = _zero_bias.get(width)
        if bias is None:
            bias = _zero_bias[width] = np.zeros(width, _F32)
    fb = _ZERO if forget_bias is None else _F32.type(np.asarray(forget_bias).reshape(()))
    c = np.empty(c_prev.shape, _F32)
    h = np.empty(c_prev.shape, _F32)
    if addend is None:
        kernels.lstm_cell(_contiguous(gates), _contiguous(bias), _contiguous(c_prev), fb, *order, c, h)
    else:
        kernels.lstm_cell_sum(_contiguous(gates), _contiguous(addend), _contiguous(bias), _contiguous(c_prev), fb,
                              *order, c, h)
    return c, h
