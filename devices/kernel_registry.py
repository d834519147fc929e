"""Kernels registered per (op type, device type).

A kernel is a plain function ``kernel(ctx, *inputs)``: ``ctx`` is a :class:`KernelContext`, the
inputs are arrays of the device's kind (numpy on the CPU, CuPy or simulated device arrays on a GPU),
and it returns the op's only output, or a tuple when the op has several (``None`` for none).

Most kernels are written once against the array namespace ``ctx.xp`` and registered for every device
type; a device-specific kernel registered later for one device type replaces it there.

    @register_kernel("Square")
    def _square(ctx, x):
        return ctx.xp.square(x)
"""

ALL_DEVICE_TYPES = ("CPU", "GPU")

_KERNELS = {}        # (op_type, device_type) -> kernel function
_HOST_INPUTS = {}    # (op_type, device_type) -> indices of inputs that stay in host memory
_HOST_OUTPUTS = {}   # (op_type, device_type) -> indices of outputs produced in host memory


def register_kernel(op_type, device_types=ALL_DEVICE_TYPES, host_inputs=(), host_outputs=()):
    """Registers the decorated function as ``op_type``'s kernel on each of ``device_types``.

    ``host_inputs`` lists the inputs a GPU kernel wants in host memory (shapes, sizes, axes), as
    TensorFlow's HostMemory() does; ``host_outputs`` the outputs it leaves there.
    """
    if isinstance(device_types, str):
        device_types = (device_types,)

    def decorate(fn):
        for device_type in device_types:
            _KERNELS[(op_type, device_type)] = fn
            _HOST_INPUTS[(op_type, device_type)] = frozenset(host_inputs)
            _HOST_OUTPUTS[(op_type, device_type)] = frozenset(host_outputs)
        return fn
    return decorate


def get_kernel(op_type, device_type):
    """The kernel for ``op_type`` on ``device_type``, or None."""
    return _KERNELS.get((op_type, device_type))


def has_kernel(op_type, device_type):
    return (op_type, device_type) in _KERNELS


def host_memory_inputs(op_type, device_type):
    return _HOST_INPUTS.get((op_type, device_type), frozenset())


def host_memory_outputs(op_type, device_type):
    return _HOST_OUTPUTS.get((op_type, device_type), frozenset())


def device_types_with_kernel(op_type):
    return [d for d in ALL_DEVICE_TYPES if (op_type, d) in _KERNELS]


def registered_op_types():
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
