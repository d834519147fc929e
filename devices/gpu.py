"""The GPU backend on CuPy: one backend object per CUDA device.

CuPy is imported when a backend is created, never when this module is, so CPU-only use pays
nothing. Every operation runs inside ``cupy.cuda.Device(index)``; callers that run kernels on the
backend's arrays should do the same with :meth:`GPUBackend.device_context`.

    >>> gpu = GPUBackend(0)                                   # doctest: +SKIP
    >>> with gpu.device_context():                            # doctest: +SKIP
    ...     y = gpu.xp.exp(gpu.upload(np.ones(3)))
    >>> gpu.download(y)                                       # doctest: +SKIP
    array([2.71828183, 2.71828183, 2.71828183])
"""

import logging

from tagraph.devices.kind import DeviceKind, register_device_kind

__all__ = ["GPUBackend", "real_gpu_count", "KIND"]

_log = logging.getLogger(__name__)


def real_gpu_count():
    """How many CUDA devices CuPy sees; 0 when CuPy is missing or no driver or device is present."""
    try:
        import cupy
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # ImportError, CUDARuntimeError (no driver), a broken install...
        return 0


class GPUBackend:
    """Backend of CUDA device ``index`` through CuPy (``xp`` is cupy)."""

    device_type = "GPU"
    is_simulated = False

    def __init__(self, index=0):
        import cupy
        self._cupy = cupy
        self.index = int(index)
        self.xp = cupy
        props = cupy.cuda.runtime.getDeviceProperties(self.index)
        name = props.get("name", b"CUDA GPU")
        self.device_name = name.decode(errors="replace") if isinstance(name, bytes) else str(name)
        self.compute_capability = (int(props.get("major", 0)), int(props.get("minor", 0)))
        self.pci_bus_id = "%04x:%02x:%02x.0" % (props.get("pciDomainID", 0),
                                                props.get("pciBusID", 0),
                                                props.get("pciDeviceID", 0))
        self.name = "GPU:%d (%s, CuPy %s)" % (self.index, self.device_name, cupy.__version__)
        self.memory_limit = int(cupy.cuda.Device(self.index).mem_info[1])

    def device_context(self):
        # A fresh Device object per use: CuPy keeps the previous-device stack on the object.
        return self._cupy.cuda.Device(self.index)

    def upload(self, host_array):
        """Copies host data into a new array on this GPU (an array already here is returned)."""
        cupy = self._cupy
        if isinstance(host_array, cupy.ndarray):
            if host_array.device.id == self.index:
                return host_array
            with self.device_context():
                return cupy.array(host_array, copy=True)   # peer copy onto this device
        with self.device_context():
            return cupy.asarray(host_array)

    def download(self, array):
        """A numpy array in host memory holding ``array``'s values (host data passes through)."""
        cupy = self._cupy
        if isinstance(array, cupy.ndarray):
            with cupy.cuda.Device(array.device.id):
                return array.get()
        return cupy.asnumpy(array)

    def is_device_array(self, x):
        return isinstance(x, self._cupy.ndarray)

    def free_memory(self):
        """Returns the free blocks of CuPy's memory pools for this device to the driver."""
        with self.device_context():
            self._cupy.get_default_memory_pool().free_all_blocks()
        self._cupy.get_default_pinned_memory_pool().free_all_blocks()

    def synchronize(self):
        self._cupy.cuda.Device(self.index).synchronize()

    def __repr__(self):
        return "<GPUBackend %s>" % self.name


# Which probing the registry does: tests turn real GPUs off to see only simulated ones.
PROBE_REAL_GPUS = [True]


def _discover():
    """CuPy's GPUs; where there are none, ``TAGRAPH_SIMULATED_GPUS=N`` simulated ones."""
    from tagraph.devices import simulated_gpu  # lazy: numpy loads when devices are listed, not on import
    simulated = simulated_gpu.simulated_device_count()
    real = real_gpu_count() if PROBE_REAL_GPUS[0] else 0
    if real:
        if simulated:
            _log.info("%s=%d ignored: %d real GPU(s) found", simulated_gpu.ENV_VAR, simulated, real)
        return [GPUBackend(i) for i in range(real)]
    if simulated and not simulated_gpu.prepare_cuda_simulator():
        # NUMBA_ENABLE_CUDASIM must be set before anything imports numba.cuda.
        _log.warning("numba.cuda is already loaded for real hardware; Numba kernels will not "
                     "run on the simulated GPUs in this process")
    return [simulated_gpu.SimulatedGPUBackend(i) for i in range(simulated)]


def _describe(backend):
    if backend.is_simulated:
        return "device: %d, name: simulated GPU (Numba CUDA simulator)" % backend.index
    return ("device: %d, name: %s, pci bus id: %s, compute capability: %d.%d"
            % ((backend.index, backend.device_name, backend.pci_bus_id) + backend.compute_capability))


# Activations a BiasAdd folds into on a GPU: one Numba kernel instead of two passes over memory. An LSTM cell's
# split, gates and state update (``("LSTMCell",)``) are one kernel too: one launch instead of 39.
_FUSABLE_ACTIVATIONS = {"Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh"}


def _fused_kernel(pattern):
    if pattern == ("LSTMCell",):
        from tagraph.devices import gpu_lstm_cell  # lazy, as below
        return gpu_lstm_cell.lstm_cell_step
    if len(pattern) != 2 or pattern[0] != "BiasAdd" or pattern[1] not in _FUSABLE_ACTIVATIONS:
        return None
    from tagraph.devices import cuda_kernels  # lazy: numpy and Numba load when a plan first fuses
    return cuda_kernels.fused_bias_activation_kernel(_FUSABLE_ACTIVATIONS[pattern[1]])


KIND = register_device_kind(DeviceKind(
    device_type="GPU", host_memory=False, priority=210, discover=_discover, describe=_describe,
    export_tags=("gpu",), fused_kernel=_fused_kernel))
