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

from tagraph.devices import cpu, gpu  # noqa: F401  (the built-in device kinds register themselves)
from tagraph.devices.kind import DeviceKind, registered_kinds
from tagraph.devices.spec import DeviceSpec

__all__ = ["DeviceInfo", "list_devices", "get_device", "find_devices", "gpu_available"]

_log = logging.getLogger(__name__)

LOCAL_JOB, LOCAL_REPLICA, LOCAL_TASK = "localhost", 0, 0
_LOCAL = DeviceSpec(job=LOCAL_JOB, replica=LOCAL_REPLICA, task=LOCAL_TASK)

_lock = threading.Lock()
_devices = None


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    """One device: its full TensorFlow name, kind, index, memory and the backend that runs it."""

    name: str                      # /job:localhost/replica:0/task:0/device:GPU:0
    device_type: str               # its kind's type: "CPU", "GPU", ...
    index: int
    memory_limit: Optional[int]    # bytes, None where unknown
    backend: Any = dataclasses.field(repr=False, compare=False)
    physical_description: str = ""
    kind: Optional[DeviceKind] = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def host_memory(self):
        """Whether its arrays live in host memory (the CPU)."""
        return self.kind.host_memory

    @property
    def spec(self):
        return DeviceSpec.from_string(self.name)

    @property
    def is_simulated(self):
        return bool(getattr(self.backend, "is_simulated", False))


def _full_name(device_type, index):
    return _LOCAL.replace(device_type=device_type, device_index=index).to_string()


def _discover():
    devices = []
    for kind in registered_kinds():
        for i, backend in enumerate(kind.discover()):
            devices.append(DeviceInfo(_full_name(kind.device_type, i), kind.device_type, i, backend.memory_limit,
                                      backend, kind.describe(backend), kind))
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
    return any(d.device_type == gpu.KIND.device_type for d in list_devices())


def _reset_for_tests(probe_real_gpus=True):
    """Forgets the cached device list so the next call re-reads ``TAGRAPH_SIMULATED_GPUS``.

    ``probe_real_gpus=False`` makes the registry ignore real GPUs, so tests see only simulated
    ones even on a machine with CuPy and a GPU.
    """
    global _devices
    with _lock:
        _devices = None
        gpu.PROBE_REAL_GPUS[0] = bool(probe_real_gpus)
