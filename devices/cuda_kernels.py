"""Numba CUDA kernels where fusing pays: bias-add + activation, and row (log-)softmax.

Each function takes the backend and its device arrays and returns a device array of the same kind:

* on a real GPU (``GPUBackend``) CuPy arrays go straight to the Numba kernel through
  ``__cuda_array_interface__``, outputs are allocated by CuPy, and the launch is on CuPy's current
  stream of the backend's device;
* on a simulated GPU (``SimulatedGPUBackend``) the same kernels run under Numba's CUDA simulator on
  the numpy buffers behind the :class:`~tagraph.devices.simulated_gpu.SimulatedDeviceArray` objects.

``numba.cuda`` is imported on the first call, not with this module. One process runs either the
simulator or real hardware, whichever it asks for first.

    >>> from tagraph.devices.simulated_gpu import SimulatedGPUBackend
    >>> gpu = SimulatedGPUBackend(0)
    >>> x = gpu.upload(np.array([[-1.0, 2.0]], np.float32))
    >>> gpu.download(fused_bias_activation(gpu, x, gpu.upload(np.float32([0.5, 0.5])), "relu"))
    array([[0. , 2.5]], dtype=float32)
"""

import functools
import math
import sys
import threading

import numpy as np

from tagraph.devices.cpu_bias_activation import check_bias_add
from tagraph.devices.simulated_gpu import SimulatedDeviceArray, _is_simulator, numba_cuda

__all__ = ["ACTIVATIONS", "SUPPORTED_DTYPES", "fused_bias_activation", "fused_bias_activation_kernel", "softmax"]

ACTIVATIONS = ("none", "relu", "relu6", "sigmoid", "tanh")
SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Launch shapes. The simulator runs every CUDA thread as a Python thread, so it gets few of them;
# the kernels loop over their work (grid-stride), so any grid computes the same result.
_REAL_THREADS, _REAL_MAX_BLOCKS = 256, 65535
_SIM_THREADS, _SIM_MAX_BLOCKS = 8, 2
# One thread per block on the simulator: with several, Numba's simulated syncthreads() occasionally
# let a thread read the shared buffer early on a heavily loaded machine (about 1 run in 130 gave inf),
# which made CI flaky. The reduction itself is exercised on real GPUs (gpu_tests/).
_SIM_SOFTMAX_THREADS = 1
_SIM_SOFTMAX_ROWS_MULTITHREAD = 64  # beyond this many rows, one thread per block (faster)
# The simulator's block manager polls its threads at each syncthreads(), so a barrier costs one GIL
# switch interval (5 ms by default); launches shorten it, one at a time.
_SIM_SWITCH_INTERVAL = 1e-5
_sim_launch_lock = threading.Lock()

# ``numba.cuda``, bound on first use. The kernels must reach it as a module global: the simulator
# swaps the globals of a kernel that refer to numba.cuda for its fake module when it launches it.
cuda = None


def _cuda(simulated):
    """``numba.cuda``: the simulator for simulated GPUs, the real target otherwise."""
    global cuda
    if simulated:
        module = numba_cuda()
    else:
        from numba import cuda as module
        if _is_simulator(module):
            raise RuntimeError("numba.cuda is running its CUDA simulator in this process (a "
                               "simulated GPU was used first); real-GPU kernels need a separate "
                               "process")
    cuda = module
    return module


@functools.lru_cache(maxsize=None)
def _bias_activation_kernel(simulated, activation, dtype_name):
    _cuda(simulated)
    act = ACTIVATIONS.index(activation)
    ftype = getattr(np, dtype_name)   # typed constants keep float32 math in float32

    @cuda.jit
    def kernel(x, bias, out, n, channels):
        zero, one, six = ftype(0), ftype(1), ftype(6)
        i = cuda.grid(1)
        stride = cuda.gridsize(1)
        while i < n:
            v = x[i] + bias[i % channels]
            if act == 1:
                if v < zero:
                    v = zero
            elif act == 2:
                if v < zero:
                    v = zero
                elif v > six:
                    v = six
            elif act == 3:
                v = one / (one + math.exp(-v))
            elif act == 4:
                v = math.tanh(v)
            out[i] = v
            i += stride

    return kernel


@functools.lru_cache(maxsize=None)
def _softmax_kernel(simulated, log, dtype_name, threads):
    _cuda(simulated)
    ftype = getattr(np, dtype_name)
    # One block per row (grid-stride over rows); the block's threads stride over the row's columns
    # and combine their partial max and sum through a shared-memory tree reduction.

    @cuda.jit
    def kernel(x, out, n_rows, n_cols):
        buf = cuda.shared.array(threads, ftype)
        tid = cuda.threadIdx.x
        row = cuda.blockIdx.x
        while row < n_rows:
            m = ftype(-math.inf)
            j = tid
            while j < n_cols:
                if x[row, j] > m:
                    m = x[row, j]
                j += threads
            buf[tid] = m
            cuda.syncthreads()
            step = threads // 2
            while step > 0:
                if tid < step and buf[tid + step] > buf[tid]:
                    buf[tid] = buf[tid + step]
                cuda.syncthreads()
                step //= 2
            m = buf[0]
            cuda.syncthreads()

            total = ftype(0)
            j = tid
            while j < n_cols:
                total += math.exp(x[row, j] - m)
                j += threads
            buf[tid] = total
            cuda.syncthreads()
            step = threads // 2
            while step > 0:
                if tid < step:
                    buf[tid] += buf[tid + step]
                cuda.syncthreads()
                step //= 2
            total = buf[0]
            cuda.syncthreads()

            j = tid
            if log:
                log_total = math.log(total)
                while j < n_cols:
                    out[row, j] = x[row, j] - m - log_total
                    j += threads
            else:
                while j < n_cols:
                    out[row, j] = math.exp(x[row, j] - m) / total
                    j += threads
            row += cuda.gridDim.x

    return kernel


class _Launcher:
    """Moves between the backend's arrays and the buffers a kernel takes, and launches."""

    def __init__(self, backend):
        self.backend = backend
        self.simulated = bool(getattr(backend, "is_simulated", False))
        self.cuda = _cuda(self.simulated)

    def buffer(self, arr, what):
        if not self.backend.is_device_array(arr):
            raise TypeError("%s must be an array on %s, got %s; upload it first"
                            % (what, self.backend.name, type(arr).__name__))
        if arr.dtype not in SUPPORTED_DTYPES:
            raise TypeError("%s has dtype %s; the CUDA kernels take float32 or float64"
                            % (what, arr.dtype))
        if self.simulated:
            return np.ascontiguousarray(arr._host)
        return self.backend.xp.ascontiguousarray(arr)

    def empty_like(self, buf):
        return np.empty_like(buf) if self.simulated else self.backend.xp.empty_like(buf)

    def result(self, buf):
        if self.simulated:
            return SimulatedDeviceArray(buf)
        return buf

    def launch(self, kernel, blocks, threads, *args):
        if self.simulated:
            with _sim_launch_lock:
                saved = sys.getswitchinterval()
                sys.setswitchinterval(min(saved, _SIM_SWITCH_INTERVAL))
                try:
                    kernel[blocks, threads](*args)
                finally:
                    sys.setswitchinterval(saved)
            return
        import cupy
        cuda = self.cuda
        stream = cuda.external_stream(cupy.cuda.get_current_stream().ptr)
        # The kernel runs on the stream CuPy's arrays were made on, so the host need not wait
        # for that stream first (numba would, by default, on every __cuda_array_interface__).
        args = [cuda.as_cuda_array(a, sync=False) if isinstance(a, cupy.ndarray) else a
                for a in args]
        kernel[blocks, threads, stream](*args)

    def blocks(self, work_items, threads):
        limit = _SIM_MAX_BLOCKS if self.simulated else _REAL_MAX_BLOCKS
        return max(1, min(limit, -(-work_items // threads)))


def fused_bias_activation(backend, x, bias, activation="none"):
    """``activation(x + bias)`` in one pass; ``bias`` runs along ``x``'s last axis (NHWC).

    ``activation`` is one of ``none``, ``relu``, ``relu6``, ``sigmoid``, ``tanh``; ``x`` and ``bias``
    are float32 or float64 arrays of the same dtype on ``backend``'s device.
    """
    if activation not in ACTIVATIONS:
        raise ValueError("Unknown activation %r; expected one of %s"
                         % (activation, ", ".join(ACTIVATIONS)))
    launcher = _Launcher(backend)
    with backend.device_context():
        xb = launcher.buffer(x, "x")
        bb = launcher.buffer(bias, "bias")
        if x.ndim < 1 or bias.ndim != 1 or bias.shape[0] != x.shape[-1]:
            raise ValueError("bias of shape %s must be 1-D and match the last dimension of x, "
                             "of shape %s" % (tuple(bias.shape), tuple(x.shape)))
        if xb.dtype != bb.dtype:
            raise TypeError("x (%s) and bias (%s) must have the same dtype" % (xb.dtype, bb.dtype))
        out = launcher.empty_like(xb)
        if xb.size:
            threads = _SIM_THREADS if launcher.simulated else _REAL_THREADS
            kernel = _bias_activation_kernel(launcher.simulated, activation, xb.dtype.name)
            launcher.launch(kernel, launcher.blocks(xb.size, threads), threads,
                            xb.reshape(-1), bb, out.reshape(-1), xb.size, xb.shape[-1])
        return launcher.result(out)


@functools.lru_cache(maxsize=None)
def fused_bias_activation_kernel(activation):
    """A plan kernel ``kernel(ctx, x, bias)`` for BiasAdd followed by ``activation``, on ctx's device.

    It refuses what BiasAdd refuses, with TensorFlow's messages (the plan reports a ValueError as
    InvalidArgumentError naming the node).
    """
    def kernel(ctx, x, bias):
        check_bias_add(x, bias)
        return fused_bias_activation(ctx.device.backend, x, bias, activation)
    kernel.__name__ = "fused_bias_%s" % activation
    return kernel


def softmax(backend, x, log=False):
    """Softmax (or log-softmax with ``log=True``) over the last axis of a float32/float64 array."""
    launcher = _Launcher(backend)
    with backend.device_context():
        xb = launcher.buffer(x, "x")
        if x.ndim < 1:
            raise ValueError("softmax needs an array of rank 1 or more, got a scalar")
        out = launcher.empty_like(xb)
        if xb.size:
            n_cols = xb.shape[-1]
            n_rows = xb.size // n_cols
            if launcher.simulated:
                threads = _SIM_SOFTMAX_THREADS if n_rows <= _SIM_SOFTMAX_ROWS_MULTITHREAD else 1
                blocks = min(n_rows, _SIM_MAX_BLOCKS)
            else:
                threads = 32 if n_cols <= 32 else 128 if n_cols <= 1024 else 256
                blocks = min(n_rows, _REAL_MAX_BLOCKS)
            kernel = _softmax_kernel(launcher.simulated, bool(log), xb.dtype.name, threads)
            launcher.launch(kernel, blocks, threads, xb.reshape(n_rows, n_cols),
                            out.reshape(n_rows, n_cols), n_rows, n_cols)
        return launcher.result(out)
