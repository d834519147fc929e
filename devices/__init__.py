"""Devices: names and specs in TensorFlow's grammar, the device registry, backends and kernels.

Importing this package is cheap: numpy only; CuPy and numba.cuda load when first needed.

    >>> from tagraph.devices import DeviceSpec, list_devices
    >>> DeviceSpec.from_string("/gpu:0").to_string()
    '/device:GPU:0'
"""

from tagraph.devices.kernel_registry import KernelContext, get_kernel, register_kernel
from tagraph.devices.registry import (DeviceInfo, find_devices, get_device, gpu_available,
                                      list_devices)
from tagraph.devices.spec import DeviceSpec, canonical_device_name

__all__ = ["DeviceSpec", "canonical_device_name", "DeviceInfo", "list_devices", "get_device",
           "find_devices", "gpu_available", "register_kernel", "get_kernel", "KernelContext"]
