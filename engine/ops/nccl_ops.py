"""GPU collectives as TensorFlow's ``nccl_ops`` builds them: ``NcclAllReduce`` and ``all_sum``, ``all_prod``,
``all_min``, ``all_max``.

    with tg.device("/gpu:0"):
        g0 = ...
    with tg.device("/gpu:1"):
        g1 = ...
    s0, s1 = all_sum([g0, g1])        # g0 + g1, once on GPU:0 and once on GPU:1

``all_sum`` puts one ``NcclAllReduce`` op on each tensor's device, all sharing one ``shared_name``, as
TensorFlow does. TensorFlow's executor runs the instances concurrently and they meet in NCCL; a tagraph plan
runs its kernels one after another, so the instances meet differently: each one leaves its input and an
output buffer of the input's shape with the collective (kept per session, per running thread), and the last
one to run reduces every input and fills every buffer. ``all_sum`` hands back each buffer through an
``Identity`` that has every instance as a control input, so nothing reads a buffer before it is filled. As
in TensorFlow, every instance of a collective must run in the same step (TensorFlow hangs otherwise; here the
next step that meets the unfinished collective raises ``InternalError``).

On CuPy GPUs the reduction is one NCCL group call (``ncclCommInitAll`` communicators, one ``ncclAllReduce``
per device on its current stream, between ``ncclGroupStart`` and ``ncclGroupEnd``): asynchronous, like every
other kernel launch, so the towers' work keeps overlapping. Where NCCL is missing (and on the simulated GPUs)
the inputs are reduced in host memory and copied back to each device, TensorFlow's ReductionToOneDevice.

The gradient of ``all_sum`` is the ``all_sum`` of the outputs' gradients; as in TensorFlow each output's
gradient must be on its op's device (``tg.gradients(..., colocate_gradients_with_ops=True)``).
"""
import functools
import itertools
import threading
import weakref

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import registered_kinds
from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework import common_shapes, errors
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.ops import array_ops

__all__ = ["all_sum", "all_prod", "all_min", "all_max"]

# NCCL runs on devices with memory of their own (GPUs); TensorFlow registers no CPU kernel.
_DEVICE_TYPES = tuple(k.device_type for k in registered_kinds() if not k.host_memory)
_HOST_REDUCE = {"sum": np.add, "prod": np.multiply, "min": np.minimum, "max": np.maximum}

_names = itertools.count()
_names_lock = threading.Lock()


def _shared_name():
    # TensorFlow numbers its collectives per process: c0, c1, ...
    with _names_lock:
        return "c%d" % next(_names)


# --- the kernel -----------------------------------------------------------------------------------------

class _Collectives:
    """The collectives of one session that are waiting for instances, per (shared_name, running thread):
    a plan runs in the thread that called ``Session.run``, so two concurrent runs never mix."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}      # (shared_name, thread id) -> [(op, device, input, output)]

    def join(self, key, member, num_devices):
        """Adds ``member``; returns every member once ``num_devices`` have joined, else None."""
        with self.lock:
            members = self.pending.setdefault(key, [])
            op = member[0]
            if any(m[0] is op for m in members):
                del self.pending[key]
                raise errors.InternalError(
                    None, op, "NcclAllReduce collective %s: the previous step ran only %d of its %d instances; "
                    "every instance of a collective must run in the same step (fetch every output of "
                    "all_sum, or none)" % (key[0], len(members), num_devices))
            members.append(member)
            if len(members) < num_devices:
                return None
            del self.pending[key]
            return members


_STATE_KEY = "NcclAllReduce collectives"
_state_lock = threading.Lock()


def _collectives(session_state):
    with _state_lock:
        c = session_state.op_state.get(_STATE_KEY)
        if c is None:
            c = session_state.op_state[_STATE_KEY] = _Collectives()
        return c


def _check_members(shared_name, members):
    first_dev, first = members[0][1], members[0][2]
    seen = {}
    for op, device, x, _ in members:
        if device.name in seen:
            raise errors.InvalidArgumentError(
                None, op, "NcclAllReduce collective %s has two instances on %s (%s and %s); each device takes "
                "part once" % (shared_name, device.name, seen[device.name], op.name))
        seen[device.name] = op.name
        if x.shape != first.shape or x.dtype != first.dtype:
            raise errors.InvalidArgumentError(
                None, op, "NcclAllReduce collective %s: %s contributes a %s tensor of shape [%s] but %s one of "
                "shape [%s] and type %s" % (shared_name, device.name, x.dtype, ",".join(map(str, x.shape)),
                                            first_dev.name, ",".join(map(str, first.shape)), first.dtype))


def _reduce_through_host(members, reduction):
    """Every input downloaded, reduced in device order, and the result copied into every output."""
    hosts = [device.backend.download(x) for _, device, x, _ in members]
    result = functools.reduce(_HOST_REDUCE[reduction], hosts).astype(hosts[0].dtype, copy=False)
    result = np.ascontiguousarray(result)
    for _, device, _, out in members:
        with device.backend.device_context():
            out.set(result)


_COMMS = {}                    # device indices -> NCCL communicators, one per device, for the process
_comms_lock = threading.Lock()


def _nccl(members):
    """cupy.cuda.nccl when every member is on its own real CUDA device and CuPy was built with NCCL."""
    if any(device.backend.is_simulated for _, device, _, _ in members):
        return None
    import cupy  # loaded only where real GPUs run a collective, as devices/gpu.py loads it
    if not getattr(cupy.cuda, "nccl_enabled", False):
        return None
    from cupy.cuda import nccl
    return nccl


def _reduce_with_nccl(nccl, members, reduction):
    import cupy  # as above: only on real GPUs
    indices = tuple(device.backend.index for _, device, _, _ in members)
    with _comms_lock:
        comms = _COMMS.get(indices)
        if comms is None:
            comms = _COMMS[indices] = nccl.NcclCommunicator.initAll(list(indices))
    dtype = members[0][2].dtype
    nccl_type = {np.dtype(np.float16): nccl.NCCL_FLOAT16, np.dtype(np.float32): nccl.NCCL_FLOAT32,
                 np.dtype(np.float64): nccl.NCCL_FLOAT64, np.dtype(np.int32): nccl.NCCL_INT32,
                 np.dtype(np.int64): nccl.NCCL_INT64}[dtype]
    op = {"sum": nccl.NCCL_SUM, "prod": nccl.NCCL_PROD, "min": nccl.NCCL_MIN, "max": nccl.NCCL_MAX}[reduction]
    nccl.groupStart()
    try:
        for comm, (_, device, x, out) in zip(comms, members):
            with cupy.cuda.Device(device.backend.index):
                x = cupy.ascontiguousarray(x)
                comm.allReduce(x.data.ptr, out.data.ptr, x.size, nccl_type, op,
                               cupy.cuda.get_current_stream().ptr)
    finally:
        nccl.groupEnd()


@register_kernel("NcclAllReduce", _DEVICE_TYPES)
def _nccl_all_reduce(ctx, x):
    attrs = ctx.attrs
    num_devices = attrs["num_devices"]
    shared_name = attrs["shared_name"]
    shared_name = shared_name.decode() if isinstance(shared_name, bytes) else shared_name
    reduction = attrs["reduction"]
    reduction = reduction.decode() if isinstance(reduction, bytes) else reduction
    if num_devices < 1:
        raise errors.InvalidArgumentError(None, None, "NcclAllReduce num_devices must be at least 1, got %d"
                                          % num_devices)
    out = ctx.xp.empty(x.shape, x.dtype)
    members = _collectives(ctx.session_state).join((shared_name, threading.get_ident()),
                                                   (ctx.op, ctx.device, x, out), num_devices)
    if members is not None:
        members.sort(key=lambda m: m[1].index)
        _check_members(shared_name, members)
        nccl = _nccl(members)
        if nccl is not None:
            _reduce_with_nccl(nccl, members, reduction)
        else:
            _reduce_through_host(members, reduction)
    return out


register_shape("NcclAllReduce")(common_shapes.unchanged)


# --- building collectives -------------------------------------------------------------------------------

def _check_device(tensor, expected=None):
    if not tensor.device:
        raise ValueError("Device assignment for tensor=%s required for nccl collective ops" % (tensor,))
    if expected and DeviceSpec.from_string(expected).to_string() != DeviceSpec.from_string(tensor.device).to_string():
        raise ValueError("Expected device %s, got %s for tensor=%s." % (expected, tensor.device, tensor))


def _ready_after(instances):
    """Each instance's output, read through an Identity that runs after every instance (see the module)."""
    results = []
    for inst in instances:
        g = inst.graph
        with g.device(inst.device), g.control_dependencies(instances):
            results.append(array_ops.identity(inst.outputs[0], name=inst.name + "/ready"))
    return results


def _apply_all_reduce(reduction, tensors):
    if not tensors:
        raise ValueError("Must pass >0 tensors to all reduce operations")
    tensors = [convert_to_tensor(t) for t in tensors]
    shared_name = _shared_name()
    g = _graph_of(tensors)
    instances = []
    with g.as_default():
        for t in tensors:
            _check_device(t)
            if not t.shape.is_compatible_with(tensors[0].shape):
                raise ValueError("all_%s: tensors must have one shape, got %s and %s"
                                 % (reduction, tensors[0].shape, t.shape))
            with g.device(t.device):
                instances.append(make_op("NcclAllReduce", [t], {"reduction": reduction,
                                                                "num_devices": len(tensors),
                                                                "shared_name": shared_name},
                                         name="NcclAllReduce").op)
        return _ready_after(instances)


def all_sum(tensors):
    """The sum of ``tensors`` (each on its own GPU), once on each tensor's device, in its order.

        s0, s1 = all_sum([g0, g1])     # g0 on /gpu:0, g1 on /gpu:1
    """
    return _apply_all_reduce("sum", tensors)


def all_prod(tensors):
    """The elementwise product of ``tensors``, once on each tensor's device."""
    return _apply_all_reduce("prod", tensors)


def all_min(tensors):
    """The elementwise minimum of ``tensors``, once on each tensor's device."""
    return _apply_all_reduce("min", tensors)


def all_max(tensors):
    """The elementwise maximum of ``tensors``, once on each tensor's device."""
    return _apply_all_reduce("max", tensors)


# The gradient of a sum over devices is the sum of the output gradients, on every device: another collective,
# named after the forward one. Its instances are made one gradient call at a time; each is read through an
# Identity that gets every instance as a control input when the last one is made.
_GRAD_GROUPS = weakref.WeakKeyDictionary()      # graph -> shared_name -> [(instance, its reader)]


@register_gradient("NcclAllReduce")
def _all_sum_grad(op, grad):
    if op.get_attr("reduction") not in (b"sum", "sum"):
        raise LookupError('No gradient defined for NcclAllReduce except for reduction="sum".')
    _check_device(grad, expected=op.device)
    num_devices = op.get_attr("num_devices")
    shared_name = op.get_attr("shared_name")
    shared_name = (shared_name.decode() if isinstance(shared_name, bytes) else shared_name) + "_grad"
    g = op.graph
    with g.as_default(), g.device(op.device):
        inst = make_op("NcclAllReduce", [grad], {"reduction": "sum", "num_devices": num_devices,
                                                 "shared_name": shared_name}, name="NcclAllReduce").op
        ready = array_ops.identity(inst.outputs[0], name=inst.name + "/ready")
    groups = _GRAD_GROUPS.setdefault(g, {})
    group = groups.setdefault(shared_name, [])
    group.append((inst, ready.op))
    if len(group) == num_devices:
        del groups[shared_name]
        for _, reader in group:
            for other, _ in group:
                reader._add_control_input(other)
    return [ready]
