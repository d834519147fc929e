"""The devices of this process: CPU:0 plus every GPU, real (CuPy) or simulated.

Real GPUs are those CuPy finds; where there are none, ``TAGRAPH_SIMULATED_GPUS=N`` gives N simulated
ones (see :mod:`tagraph.devices.simulated_gpu`). The list is built once and cached.

    >>> [d.name for d in list_devices()]                      # doctest: +SKIP
    ['/job:localhost/replica:0/task:0/device:CPU:0', '/job:localhost/replica:0/task:0/device:GPU:0']
    >>> get_device("/gpu:0").backend.xp                       # doctest: +SKIP
    <module 'cupy' ...>
"""

import dataclasses
import logging
import threading
from typing import Any, Optional

from tagraph.devices.spec import DeviceSpec

__all__ = ["DeviceInfo", "list_devices", "get_device", "find_devices", "gpu_available"]

_log = logging.getLogger(__name__)

LOCAL_JOB, LOCAL_REPLICA, LOCAL_TASK = "localhost", 0, 0
_LOCAL = DeviceSpec(job=LOCAL_JOB, replica=LOCAL_REPLICA, task=LOCAL_TASK)

_lock = threading.Lock()
_devices = None
_probe_real_gpus = True


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    """One device: its full TensorFlow name, kind, index, memory and the backend that runs it."""

    name: str                      # /job:localhost/replica:0/task:0/device:GPU:0
    device_type: str               # "CPU" or "GPU"
    index: int
    memory_limit: Optional[int]    # bytes, None where unknown
    backend: Any = dataclasses.field(repr=False, compare=False)
    physical_description: str = ""

    @property
    def spec(self):
        return DeviceSpec.from_string(self.name)

    @property
    def is_simulated(self):
        return bool(getattr(self.backend, "is_simulated", False))


def _full_name(device_type, index):
    return _LOCAL.replace(device_type=device_type, device_index=index).to_string()


def _discover():
    from tagraph.devices import cpu, gpu, simulated_gpu

    cpu_backend = cpu.CPUBackend(0)
    devices = [DeviceInfo(_full_name("CPU", 0), "CPU", 0, cpu_backend.memory_limit, cpu_backend,
                          "device: 0, name: %s" % cpu_backend.name)]
    simulated = simulated_gpu.simulated_device_count()
    real = gpu.real_gpu_count() if _probe_real_gpus else 0
    if real:
        if simulated:
            _log.info("%s=%d ignored: %d real GPU(s) found", simulated_gpu.ENV_VAR, simulated, real)
        for i in range(real):
            b = gpu.GPUBackend(i)
            devices.append(DeviceInfo(
                _full_name("GPU", i), "GPU", i, b.memory_limit, b,
                "device: %d, name: %s, pci bus id: %s, compute capability: %d.%d"
                % ((i, b.device_name, b.pci_bus_id) + b.compute_capability)))
    elif simulated:
        # Set NUMBA_ENABLE_CUDASIM now, while nothing has imported numba.cuda yet (imports nothing).
        if not simulated_gpu.prepare_cuda_simulator():
            _log.warning("numba.cuda is already loaded for real hardware; Numba kernels will not "
                         "run on the simulated GPUs in this process")
        for i in range(simulated):
            b = simulated_gpu.SimulatedGPUBackend(i)
            devices.append(DeviceInfo(_full_name("GPU", i), "GPU", i, b.memory_limit, b,
                                      "device: %d, name: simulated GPU (Numba CUDA simulator)" % i))
    return tuple(devices)


def list_devices():
    """Every local device, CPU:0 first, as :class:`DeviceInfo` objects (cached)."""
    global _devices
    with _lock:
        if _devices is None:
            _devices = _discover()
            _log.debug("devices: %s", ", ".join(d.name for d in _devices))
        return list(_devices)


def find_devices(spec=None):
    """The local devices a (partial) spec or device string matches, e.g. ``"/gpu:*"``."""
    spec = DeviceSpec.from_string(spec)
    return [d for d in list_devices() if spec.matches(d.name)]


def get_device(name_or_spec):
    """The device a fully specified name designates; job, replica and task may be left out.

        >>> get_device("/cpu:0").name
        '/job:localhost/replica:0/task:0/device:CPU:0'

    Raises ValueError for a malformed string, one that does not name a single device (no type, or
    index ``*``), or one no local device matches; the message lists the devices there are.
    """
    if isinstance(name_or_spec, DeviceInfo):
        return name_or_spec
    spec = DeviceSpec.from_string(name_or_spec)
    devices = list_devices()
    available = ", ".join(d.name for d in devices)
    if spec.device_type is None or spec.device_index is None:
        raise ValueError("Device specification %r does not name a single device (it needs a device "
                         "type and an index); available devices: %s" % (spec.to_string(), available))
    full = _LOCAL.make_merged_spec(spec).to_string()
    for d in devices:
        if d.name == full:
            return d
    raise ValueError("No device matches %r; available devices: %s" % (spec.to_string(), available))


def gpu_available():
    """True when there is at least one GPU, real or simulated."""
    return any(d.device_type == "GPU" for d in list_devices())


def _reset_for_tests(probe_real_gpus=True):
    """Forgets the cached device list so the next call re-reads ``TAGRAPH_SIMULATED_GPUS``.

    ``probe_real_gpus=False`` makes the registry ignore real GPUs, so tests see only simulated
    ones even on a machine with CuPy and a GPU.
    """
    global _devices, _probe_real_gpus
    with _lock:
        _devices = None
        _probe_real_gpus = bool(probe_real_gpus)
