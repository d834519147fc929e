"""The CPU backend: numpy arrays in host memory; transfers are identities.

    >>> cpu = CPUBackend()
    >>> cpu.xp.add(cpu.upload([1, 2]), 1)
    array([2, 3])
"""

import contextlib
import os

from tagraph.devices.cpu_threads import adapt, configure_from
from tagraph.devices.kind import DeviceKind, register_device_kind

__all__ = ["CPUBackend", "KIND"]


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


class CPUBackend:
    """Backend of the host CPU (``xp`` is numpy)."""

    device_type = "CPU"
    is_simulated = False

    def __init__(self, index=0):
        self.index = int(index)
        # numpy loads with the first backend, not with this module: the command-line tools import the
        # kernel registry (and so the device kinds) without running anything.
        import numpy as np
        self.xp = np
        self.name = "CPU:%d (numpy %s)" % (self.index, np.__version__)
        self.memory_limit = _physical_memory()

    def upload(self, host_array):
        # Host memory is the CPU's memory: nothing to copy. A GPU array is refused here (numpy's
        # conversion raises), so a missing download surfaces instead of being papered over.
        return self.xp.asarray(host_array)

    def download(self, array):
        return self.xp.asarray(array)

    def is_device_array(self, x):
        return isinstance(x, (self.xp.ndarray, self.xp.generic))

    def device_context(self):
        return contextlib.nullcontext()

    def free_memory(self):
        pass

    def synchronize(self):
        pass

    def __repr__(self):
        return "<CPUBackend %s>" % self.name


# Activations a BiasAdd folds into on the CPU (cpu_bias_activation.ACTIVATIONS).
_BIAS_ACTIVATIONS = frozenset(["Relu", "Relu6", "Tanh"])


def _fused_kernel(pattern):
    # The fused kernels' modules load with the first plan that asks, not with the package: the command-line
    # tools import the registry, and numpy and numba take a while to load.
    if len(pattern) == 2 and pattern[0] == "BiasAdd" and pattern[1] in _BIAS_ACTIVATIONS:
        from tagraph.devices.cpu_bias_activation import bias_activation_kernel  # lazy: numpy
        return bias_activation_kernel(pattern[1])
    # Chains of elementwise ops run on the register machine (one Numba function for every chain).
    if pattern == ("Elementwise",):
        from tagraph.devices import cpu_elementwise  # lazy: numba, see above
        return cpu_elementwise
    if pattern == ("LSTMCell",):
        from tagraph.devices.cpu_lstm_cell import lstm_cell_step  # lazy, see above
        return lstm_cell_step
    return None


# The host: feeds arrive and fetches leave in its memory; the lowest placement priority, as in TensorFlow.
KIND = register_device_kind(DeviceKind(
    device_type="CPU", host_memory=True, priority=50, discover=lambda: [CPUBackend(0)],
    describe=lambda backend: "device: %d, name: %s" % (backend.index, backend.name),
    fused_kernel=_fused_kernel, configure_threads=configure_from, adapt_threads=adapt))
