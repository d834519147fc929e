"""Kernels registered per (op type, device type).

A kernel is a plain function ``kernel(ctx, *inputs)``: ``ctx`` is a :class:`KernelContext`, the
inputs are arrays of the device's kind (numpy on the CPU, CuPy or simulated device arrays on a GPU),
and it returns the op's only output, or a tuple when the op has several (``None`` for none). An output
that carries no value (the untaken side of a Switch) is :data:`DEAD`; the dataflow runner does not run
the ops it reaches.

Most kernels are written once against the array namespace ``ctx.xp`` and registered for every device
type; a device-specific kernel registered later for one device type replaces it there.

    @register_kernel("Square")
    def _square(ctx, x):
        return ctx.xp.square(x)
"""

from tagraph.devices.kind import kind_of, registered_kinds

__all__ = ["DEAD", "register_kernel", "takes_resources_anywhere", "get_kernel", "has_kernel", "host_memory_inputs", "host_memory_outputs",
           "device_types_with_kernel", "registered_op_types", "KernelContext", "set_registration_loader"]

class _Dead:
    __slots__ = ()

    def __repr__(self):
        return "<dead>"


DEAD = _Dead()

# Kernels registered without device types are written against ``xp``: every kind that takes generic
# kernels runs them (the None entry); a kernel registered for one device type replaces it there.
_KERNELS = {}        # (op_type, device_type or None) -> kernel function
_HOST_INPUTS = {}    # (op_type, device_type or None) -> indices of inputs that stay in host memory
_HOST_OUTPUTS = {}   # (op_type, device_type or None) -> indices of outputs produced in host memory


_RESOURCES_ANYWHERE = set()   # op types whose kernels take resource handles living on any device


def register_kernel(op_type, device_types=None, host_inputs=(), host_outputs=(), resources_anywhere=False):
    """Registers the decorated function as ``op_type``'s kernel on each of ``device_types`` (every
    device kind when None).

    ``host_inputs`` lists the inputs a device kernel wants in host memory (shapes, sizes, axes), as
    TensorFlow's HostMemory() does; ``host_outputs`` the outputs it leaves there. ``resources_anywhere``:
    the kernel only passes resource handles on (a function call), so the placer need not put it where
    the resources live.
    """
    if isinstance(device_types, str):
        device_types = (device_types,)
    if resources_anywhere:
        _RESOURCES_ANYWHERE.add(op_type)

    def decorate(fn):
        for device_type in (None,) if device_types is None else device_types:
            _KERNELS[(op_type, device_type)] = fn
            _HOST_INPUTS[(op_type, device_type)] = frozenset(host_inputs)
            _HOST_OUTPUTS[(op_type, device_type)] = frozenset(host_outputs)
        return fn
    return decorate


# The engine imports an op's family on first need; this layer is below it, so the engine installs the hook
# (tagraph.engine.op_loader): load_op(op_type) -> whether modules registering it exist, load_all().
_LOADER = []


def set_registration_loader(load_op, load_all):
    """Installs the engine's loaders: a look-up that finds no kernel for an op type calls ``load_op(op_type)``
    and looks again when it returns True; listing every op type calls ``load_all()`` first."""
    _LOADER[:] = [(load_op, load_all)]


def _registered_key(op_type, device_type):
    key = (op_type, device_type)
    if key in _KERNELS:
        return key
    kind = kind_of(device_type)
    if kind is not None and kind.generic_kernels and (op_type, None) in _KERNELS:
        return (op_type, None)
    return None


def _key(op_type, device_type):
    key = _registered_key(op_type, device_type)
    if key is None and _LOADER and _LOADER[0][0](op_type):
        key = _registered_key(op_type, device_type)
    return key


def get_kernel(op_type, device_type):
    """The kernel for ``op_type`` on ``device_type``, or None."""
    key = _key(op_type, device_type)
    return None if key is None else _KERNELS[key]


def has_kernel(op_type, device_type):
    return _key(op_type, device_type) is not None


def host_memory_inputs(op_type, device_type):
    key = _key(op_type, device_type)
    return frozenset() if key is None else _HOST_INPUTS[key]


def host_memory_outputs(op_type, device_type):
    key = _key(op_type, device_type)
    return frozenset() if key is None else _HOST_OUTPUTS[key]


def takes_resources_anywhere(op_type):
    if op_type not in _RESOURCES_ANYWHERE and _LOADER:
        _LOADER[0][0](op_type)
    return op_type in _RESOURCES_ANYWHERE


def device_types_with_kernel(op_type):
    return [k.device_type for k in registered_kinds() if has_kernel(op_type, k.device_type)]


def registered_op_types():
    if _LOADER:
        _LOADER[0][1]()
    return sorted({op for op, _ in _KERNELS})


class KernelContext:
    """What a kernel sees besides its inputs; built once per node when a plan is compiled."""

    __slots__ = ("attrs", "xp", "device", "node_name", "op", "session_state")

    def __init__(self, attrs, xp, device, node_name, op, session_state):
        self.attrs = attrs
        self.xp = xp
        self.device = device
        self.node_name = node_name
        self.op = op
        self.session_state = session_state
