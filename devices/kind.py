"""Device kinds: what the engine asks of a kind of device, declared once by the module that implements it.

A kind module (``cpu``, ``gpu``, or a test's own) builds one :class:`DeviceKind` and registers it; the
registry lists the devices every registered kind finds, the kernel registry lets kernels written against
the array namespace ``xp`` serve every kind, the placer prefers kinds by priority, the plan compiler asks a
kind for its fused kernels, and the SavedModel exporter for the MetaGraphDef tags it exports under. Nothing
outside ``tagraph.devices`` needs to know a kind by its name.

    register_device_kind(DeviceKind(device_type="CPU", host_memory=True, priority=50,
                                    discover=lambda: [CPUBackend(0)]))
"""
import dataclasses
from typing import Callable, Optional, Tuple

__all__ = ["DeviceKind", "register_device_kind", "registered_kinds", "kind_of", "host_kind", "export_kinds",
           "kind_for_tags"]


@dataclasses.dataclass(frozen=True, eq=False)
class DeviceKind:
    """One kind of device.

    ``device_type``: the type in TensorFlow's device names (``CPU``, ``GPU``).
    ``host_memory``: its arrays are numpy arrays in host memory (feeds arrive and fetches leave there;
    exactly one registered kind has it).
    ``priority``: ops placed by no one go to the highest-priority kind that has kernels for them
    (TensorFlow's device factory priorities: GPUs before the CPU).
    ``discover``: a function returning one backend per device of this kind present in the process, index
    order. A backend has ``xp`` (its array namespace), ``upload``/``download`` (to and from host memory),
    ``is_device_array``, ``device_context``, ``free_memory``, ``synchronize``, ``memory_limit``, ``name``.
    ``describe``: a backend's physical description (``log_device_placement``'s device mapping).
    ``export_tags``: tags a SavedModel MetaGraphDef for this kind carries beside ``serve`` (``("gpu",)``).
    ``fused_kernel``: ``fused_kernel(pattern)`` returns a kernel running a fused pattern on this kind, or
    None; the plan compiler asks it for ``("BiasAdd", activation op type)``, ``("Elementwise",)`` and
    ``("LSTMCell",)`` (``cell(ctx, order, gates, c_prev, forget_bias, bias)`` -> ``(c, h)``, or None for values
    it does not take: :mod:`tagraph.devices.gpu_lstm_cell`).
    ``generic_kernels``: kernels registered for every kind (written against ``xp``) run here.
    ``configure_threads``: ``configure_threads(config)`` applies a session's ``ConfigProto`` thread counts
    to this kind's pools (the CPU's intra-op and BLAS threads).
    ``adapt_threads``: called before each Session.run, cheaply, to follow the machine's load, or None.
    """

    device_type: str
    host_memory: bool
    priority: int
    discover: Callable[[], list]
    describe: Callable[[object], str] = lambda backend: ""
    export_tags: Tuple[str, ...] = ()
    fused_kernel: Callable[[tuple], Optional[Callable]] = lambda pattern: None
    generic_kernels: bool = True
    configure_threads: Callable[[object], object] = lambda config: None
    adapt_threads: Optional[Callable[[], object]] = None


_KINDS = {}     # device type -> DeviceKind, in registration order


def register_device_kind(kind):
    """Adds (or replaces) the kind for ``kind.device_type``; the next device listing includes it."""
    _KINDS[kind.device_type] = kind
    return kind


def unregister_device_kind(device_type):
    _KINDS.pop(device_type, None)


def registered_kinds():
    """Every registered kind, the host-memory kind first, then by falling priority."""
    return sorted(_KINDS.values(), key=lambda k: (not k.host_memory, -k.priority))


def kind_of(device_type):
    """The registered kind of ``device_type`` ("GPU"), or None."""
    return _KINDS.get(device_type)


def host_kind():
    """The kind whose memory is the host's (the CPU)."""
    return next(k for k in registered_kinds() if k.host_memory)


def export_kinds():
    """The kinds a SavedModel gets a MetaGraphDef of its own for (those with export tags), by falling priority."""
    return [k for k in registered_kinds() if k.export_tags and not k.host_memory]


def kind_for_tags(tags):
    """The kind a MetaGraphDef tagged ``tags`` is for: the first whose export tags it carries, or None (the
    host's)."""
    for kind in export_kinds():
        if set(kind.export_tags) <= set(tags):
            return kind
    return None
