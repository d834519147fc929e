"""The CPU backend: numpy arrays in host memory; transfers are identities.

    >>> cpu = CPUBackend()
    >>> cpu.xp.add(cpu.upload([1, 2]), 1)
    array([2, 3])
"""

import contextlib
import os

import numpy as np

__all__ = ["CPUBackend"]


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
        self.xp = np
        self.name = "CPU:%d (numpy %s)" % (self.index, np.__version__)
        self.memory_limit = _physical_memory()

    def upload(self, host_array):
        # Host memory is the CPU's memory: nothing to copy. A GPU array is refused here (numpy's
        # conversion raises), so a missing download surfaces instead of being papered over.
        return np.asarray(host_array)

    def download(self, array):
        return np.asarray(array)

    def is_device_array(self, x):
        return isinstance(x, (np.ndarray, np.generic))

    def device_context(self):
        return contextlib.nullcontext()

    def free_memory(self):
        pass

    def synchronize(self):
        pass

    def __repr__(self):
        return "<CPUBackend %s>" % self.name
