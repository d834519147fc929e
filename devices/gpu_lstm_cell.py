"""An LSTM cell's elementwise part as one Numba CUDA kernel: gates in, new cell state and output out.

TensorFlow 1's LSTM cells (``BasicLSTMCell``, ``LSTMCell`` without peepholes or clipping) compute, after the
matmul and the bias, ten elementwise ops per step on four column blocks of the gate pre-activations::

    i, j, f, o = split(gates, 4, axis=1)
    c = sigmoid(f + forget_bias) * c_prev + sigmoid(i) * tanh(j)
    h = tanh(c) * sigmoid(o)

On a GPU each is a kernel launch (sigmoid several, the split four copies). Here one launch reads each gate
once and writes ``c`` and ``h``; the BiasAdd before the split can come along (``bias``). ``order`` says which
column block holds which gate, as ``(i, j, f, o)`` block indices: TensorFlow's cells use ``(0, 1, 2, 3)``,
Keras' ``(0, 2, 1, 3)`` (i, f, c, o).

The arithmetic is the unfused GPU kernels' (sigmoid split by sign so that ``exp`` never overflows); the CUDA
compiler may contract ``c_prev * sf + si * tj`` into fused multiply-adds, so ``c`` can differ from the unfused
ops' in its last bit.

    >>> from tagraph.devices.simulated_gpu import SimulatedGPUBackend
    >>> gpu = SimulatedGPUBackend(0)
    >>> c, h = lstm_cell(gpu, gpu.upload(np.zeros((1, 4), np.float32)), gpu.upload(np.ones((1, 1), np.float32)))
    >>> gpu.download(c)         # sigmoid(0) * 1 + sigmoid(0) * tanh(0)
    array([[0.5]], dtype=float32)
"""
import functools
import math

import numpy as np

from tagraph.devices import cuda_kernels
from tagraph.devices.cuda_kernels import SUPPORTED_DTYPES

__all__ = ["TF_GATE_ORDER", "lstm_cell", "lstm_cell_fits", "lstm_cell_step"]

TF_GATE_ORDER = (0, 1, 2, 3)    # i, j, f, o: the column blocks of TensorFlow 1's LSTM cells

# ``numba.cuda``, bound on first use; a module global, as the simulator expects of a kernel's references.
cuda = None


def _cuda(simulated):
    global cuda
    cuda = cuda_kernels._cuda(simulated)
    return cuda


@functools.lru_cache(maxsize=None)
def _lstm_cell_kernel(simulated, dtype_name):
    _cuda(simulated)
    ftype = getattr(np, dtype_name)   # typed constants keep float32 math in float32

    # The sigmoids are written out: a device function would be compiled for the current GPU when the kernel
    # is, which ahead-of-time compilation (PTX for a given architecture, without a GPU) cannot do.
    @cuda.jit
    def kernel(gates, bias, c_prev, forget_bias, c_out, h_out, n, units, pi, pj, pf, po, has_bias,
               has_forget_bias):
        zero, one = ftype(0), ftype(1)
        idx = cuda.grid(1)
        stride = cuda.gridsize(1)
        while idx < n:
            row = idx // units
            k = idx - row * units
            base = row * 4 * units + k
            xi = gates[base + pi * units]
            xj = gates[base + pj * units]
            xf = gates[base + pf * units]
            xo = gates[base + po * units]
            if has_bias:
                xi = xi + bias[pi * units + k]
                xj = xj + bias[pj * units + k]
                xf = xf + bias[pf * units + k]
                xo = xo + bias[po * units + k]
            if has_forget_bias:
                xf = xf + forget_bias[0]
            # sigmoid(x) split by sign, so that exp() never overflows
            e = math.exp(-abs(xf))
            sf = one / (one + e) if xf >= zero else e / (one + e)
            e = math.exp(-abs(xi))
            si = one / (one + e) if xi >= zero else e / (one + e)
            e = math.exp(-abs(xo))
            so = one / (one + e) if xo >= zero else e / (one + e)
            c = c_prev[idx] * sf + si * math.tanh(xj)
            c_out[idx] = c
            h_out[idx] = math.tanh(c) * so
            idx += stride

    return kernel


def _is_float_array(backend, a):
    return backend.is_device_array(a) and a.dtype in SUPPORTED_DTYPES


def lstm_cell_fits(backend, gates, c_prev, forget_bias=None, bias=None):
    """Whether the fused kernel takes these values: device arrays of one float dtype, ``gates`` [batch,
    4 * units], ``c_prev`` [batch, units], ``forget_bias`` one element, ``bias`` [4 * units]. Anything else
    (broadcasting, other dtypes) is for the unfused ops, whose errors are TensorFlow's."""
    if not (_is_float_array(backend, gates) and _is_float_array(backend, c_prev)):
        return False
    dtype = gates.dtype
    if gates.ndim != 2 or gates.shape[1] % 4 or c_prev.dtype != dtype:
        return False
    if tuple(c_prev.shape) != (gates.shape[0], gates.shape[1] // 4):
        return False
    if forget_bias is not None and not (_is_float_array(backend, forget_bias) and forget_bias.dtype == dtype
                                        and forget_bias.size == 1):
        return False
    if bias is not None and not (_is_float_array(backend, bias) and bias.dtype == dtype
                                 and tuple(bias.shape) == (gates.shape[1],)):
        return False
    return True


def lstm_cell(backend, gates, c_prev, forget_bias=None, bias=None, order=TF_GATE_ORDER):
    """``(c, h)`` of an LSTM step in one launch, from the gate pre-activations ``gates`` [batch, 4 * units]
    (plus ``bias`` [4 * units] when given: the BiasAdd before the split), ``c_prev`` [batch, units] and the
    one-element ``forget_bias`` added to the forget gate (none when None); ``order``: the column blocks of
    the i, j, f, o gates. Raises ValueError for values :func:`lstm_cell_fits` refuses."""
    if sorted(order) != [0, 1, 2, 3]:
        raise ValueError("order must be a permutation of the gate blocks 0..3, got %r" % (order,))
    if not lstm_cell_fits(backend, gates, c_prev, forget_bias, bias):
        raise ValueError("the fused LSTM cell takes float32 or float64 device arrays of one dtype: gates "
                         "[batch, 4 * units], c_prev [batch, units], a one-element forget_bias and a bias "
                         "[4 * units]; got gates %s, c_prev %s" % (_describe(gates), _describe(c_prev)))
    launcher = cuda_kernels._Launcher(backend)
    with backend.device_context():
        g = launcher.buffer(gates, "gates").reshape(-1)
        cp = launcher.buffer(c_prev, "c_prev")
        c_out = launcher.empty_like(cp)
        h_out = launcher.empty_like(cp)
        n = cp.size
        if n:
            # An absent bias or forget bias is a flag, with the gates standing in as an array of the same type.
            b = g if bias is None else launcher.buffer(bias, "bias")
            fb = g if forget_bias is None else launcher.buffer(forget_bias, "forget_bias").reshape(-1)
            simulated = launcher.simulated
            threads = cuda_kernels._SIM_THREADS if simulated else cuda_kernels._REAL_THREADS
            kernel = _lstm_cell_kernel(simulated, g.dtype.name)
            launcher.launch(kernel, launcher.blocks(n, threads), threads, g, b, cp.reshape(-1), fb,
                            c_out.reshape(-1), h_out.reshape(-1), n, cp.shape[1], *order,
                            int(bias is not None), int(forget_bias is not None))
        return launcher.result(c_out), launcher.result(h_out)


def _describe(a):
    return "%s %s" % (getattr(a, "dtype", type(a).__name__), list(getattr(a, "shape", ())))


def lstm_cell_step(ctx, order, gates, c_prev, forget_bias, bias):
    """The device kind's fused LSTM cell for the plan: ``(c, h)`` on ctx's device, or None when the values
    are not what the kernel takes (the plan then runs the cell's ops one by one)."""
    backend = ctx.device.backend
    if not lstm_cell_fits(backend, gates, c_prev, forget_bias, bias):
        return None
    return lstm_cell(backend, gates, c_prev, forget_bias, bias, order)
