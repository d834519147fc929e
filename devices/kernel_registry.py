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


_LAZY_PROVIDERS = {}  # op_type -> module that registers its kernels when imported


def register_lazy_kernels(op_types, module):
    """Names ``module`` as the home of ``op_types``' kernels, imported the first time one is asked for.

    A layer above the engine (the saver's ops live in tagraph.serialization) registers its kernels this
    way, so importing the layer stays cheap and a graph holding those ops still finds them.
    """
    for t in op_types:
        _LAZY_PROVIDERS[t] = module


def _load_provider(op_type):
    module = _LAZY_PROVIDERS.pop(op_type, None)
    if module is None:
        return False
    import importlib
    importlib.import_module(module)
    for t in [t for t, m in _LAZY_PROVIDERS.items() if m == module]:
        del _LAZY_PROVIDERS[t]
    return True


def get_kernel(op_type, device_type):
    """The kernel for ``op_type`` on ``device_type``, or None."""
    k = _KERNELS.get((op_type, device_type))
    if k is None and op_type in _LAZY_PROVIDERS and _load_provider(op_type):
        k = _KERNELS.get((op_type, device_type))
    return k


def has_kernel(op_type, device_type):
    return get_kernel(op_type, device_type) is not None


def host_memory_inputs(op_type, device_type):
    return _HOST_INPUTS.get((op_type, device_type), frozenset())


def host_memory_outputs(op_type, device_type):
    return _HOST_OUTPUTS.get((op_type, device_type), frozenset())


def device_types_with_kernel(op_type):
    return [d for d in ALL_DEVICE_TYPES if has_kernel(op_type, d)]


def registered_op_types():
    for t in list(_LAZY_PROVIDERS):
        _load_provider(t)
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
