"""What every plan shares: compiled kernel steps, host/device transfers, feeds, errors, fusion, pruning.

A plan is what the compiler (``compiler.compile_plan``) makes of a (fetches, feeds) signature: the ops the
fetches need (``prune``), placed, each with its kernel for its device kind (``resolve_kernel``: the kernel,
its context, and which inputs and outputs stay in host memory), explicit transfer steps where an edge
crosses devices (``upload``/``download``, through the host between two devices), and the fusions the
devices offer. Its runner (``straight_line`` or ``dataflow``) decides how the steps run.
"""
import numpy as np

from tagraph.devices import kernel_registry
from tagraph.devices.placer import ref_input_flags
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.attr_value import attr_value_to_python
from tagraph.engine.framework.function import CALL_OPS
from tagraph.engine.framework.graph import Tensor
from tagraph.engine.framework.tensor_util import to_numpy
from tagraph.engine.runtime.step_stats import active_collector, op_label
from tagraph.protos import attr_value_pb2

__all__ = ["Plan", "RunStats", "prune", "resolve_kernel", "fusions", "CONTROL_FLOW_OPS"]


class RunStats:
    """What the last run did: its host->device uploads and device->host downloads (the explicit
    transfer steps of its plan), the devices its ops ran on, and how many fused steps it had.

        sess.run(y, {x: batch})
        sess.last_run_stats.uploads, sess.last_run_stats.downloads     # (1, 1) for a GPU chain

    Constants a GPU kernel uploads once per session (and caches) are not counted: they are not copied
    again on later runs.
    """

    __slots__ = ("uploads", "downloads", "devices", "fused")

    def __init__(self, uploads=0, downloads=0, devices=(), fused=0):
        self.uploads = uploads
        self.downloads = downloads
        self.devices = devices
        self.fused = fused

    def __repr__(self):
        return "RunStats(uploads=%d, downloads=%d, fused=%d, devices=%s)" % (
            self.uploads, self.downloads, self.fused, list(self.devices))


# Ops whose outputs alias state the session keeps; fetched values are copied so users may mutate them.
ALIASING_OPS = frozenset(["Const", "VariableV2", "ReadVariableOp", "Identity", "Assign", "AssignAdd",
                           "AssignSub", "Reshape", "ExpandDims", "Squeeze", "SplitV",
                           "PlaceholderWithDefault", "IdentityN"]) | frozenset(CALL_OPS)


class Plan:
    """A compiled (fetches, feeds) signature; a runner subclass builds its steps and runs them."""

    def __init__(self, session, ops, placement, feeds, fetch_elems, rebuild, sparse_feeds, n_feed_args):
        self.session = session
        self.ops = ops
        self.placement = placement
        self.feeds = feeds
        self.rebuild = rebuild
        self.sparse_feeds = sparse_feeds
        self.n_feed_args = n_feed_args
        self.stats_devices = tuple(sorted({placement[op].name for op in ops}))
        self.build(fetch_elems)

    def build(self, fetch_elems):
        raise NotImplementedError

    def run(self, feed_values, state):
        raise NotImplementedError


class CompiledOp:
    """An op made ready to run on its device: kernel, context, and where each input and output lives."""
    __slots__ = ("kernel", "ctx", "device", "on_host", "host_inputs", "host_outputs", "ref_inputs")

    def __init__(self, kernel, ctx, device, on_host, host_inputs, host_outputs, ref_inputs):
        self.kernel = kernel
        self.ctx = ctx
        self.device = device
        self.on_host = on_host
        self.host_inputs = host_inputs
        self.host_outputs = host_outputs
        self.ref_inputs = ref_inputs

    def input_device(self, i, host):
        return host if (self.on_host or i in self.host_inputs) else self.device

    def output_device(self, i, host):
        return host if (self.on_host or i in self.host_outputs) else self.device


def resolve_kernel(op, device, host, state, fed=(), host_types=None, fused=None):
    """The one place a kernel is looked up for an op on its device, with its context and host memory.

    ``host_types``: dtype enums that stay in host memory on a device without host memory: an op whose
    inputs and outputs are all of them runs its host kernel there (TensorFlow keeps int32 shape arithmetic,
    and a loop's counters and predicates, in host memory), with nothing copied. ``fused``: (bias op,
    fused kernel, in place) when this activation absorbs its BiasAdd.
    """
    if not device.host_memory and host_types is not None and _all_in(op, host_types) \
            and kernel_registry.get_kernel(op.type, host.device_type) is not None:
        device = host
    on_host = device.host_memory
    if fused is not None:
        bias_op, kernel, inplace = fused
        inputs, ref_inputs = bias_op._inputs, (False, False)
        host_in = host_out = frozenset()
    else:
        kernel = kernel_registry.get_kernel(op.type, device.device_type)
        call = kernel is None and _calls_library_function(op)
        if call:
            # A direct call of a library function by name runs as the call op TensorFlow lowers it to.
            kernel = kernel_registry.get_kernel("StatefulPartitionedCall", device.device_type)
        if kernel is None:
            raise errors.NotFoundError(None, op, "No registered '%s' OpKernel for %s devices compatible with "
                                       "node %s" % (op.type, device.device_type, op.name))
        host_in = kernel_registry.host_memory_inputs(op.type, device.device_type)
        host_out = kernel_registry.host_memory_outputs(op.type, device.device_type)
        inputs, ref_inputs = op._inputs, ref_input_flags(op)
    if not on_host and not device.backend.is_simulated:
        # CuPy works on its current device: enter this op's device around the kernel.
        kernel = on_device(kernel, device.backend)
    attrs = {k: decode_attr(v) for k, v in op._attrs.items()}
    if fused is None and call:
        attrs["f"] = attr_value_pb2.NameAttrList(name=op.type)
    if op.type in ASSIGN_OPS:
        attrs["_value_is_shared"] = value_is_shared(op._inputs[1], fed)
    elif op.type in KEEPING_OPS:
        attrs["_input_is_fed"] = any(_memory_of(t, fed) in fed for t in op._inputs)
    if fused is not None:
        attrs["_inplace_input"] = inplace
    ctx = kernel_registry.KernelContext(attrs, device.backend.xp, device, op.name, op, state)
    collector = active_collector()
    if collector is not None:
        kernel = collector.wrap(kernel, op_label(op), device.name)
    return CompiledOp(kernel, ctx, device, on_host, host_in, host_out, ref_inputs), inputs


def _calls_library_function(op):
    library = op.graph._library
    return library is not None and op.op_def.name == op.type and any(
        f.signature.name == op.type for f in library.function)


def _all_in(op, host_types):
    outputs = op._outputs
    if not outputs:
        return False
    for t in op._inputs:
        if t._dtype._enum not in host_types:
            return False
    for t in outputs:
        if t._dtype._enum not in host_types:
            return False
    return True


INT32_IN_HOST = frozenset([dtypes.int32.as_datatype_enum])


def transfer_steps(src, dst, host):
    """The steps moving a value from device ``src`` to ``dst``: (function, device, direction), direction 1
    for an upload and 2 for a download; between two devices without host memory, through the host."""
    if src.host_memory:
        return [(upload, dst, 1)]
    if dst.host_memory:
        return [(download, src, 2)]
    return [(download, src, 2), (upload, dst, 1)]


def split_sparse_feeds(is_sparse, feed_values):
    out = []
    for sparse, v in zip(is_sparse, feed_values):
        if not sparse:
            out.append(v)
            continue
        if getattr(type(v), "_tg_sparse_tensor", False):
            raise TypeError("A SparseTensor is fed a SparseTensorValue (or an (indices, values, dense_shape) "
                            "triple), not another SparseTensor")
        try:
            indices, values, dense_shape = v
        except (TypeError, ValueError):
            raise TypeError("A SparseTensor is fed a SparseTensorValue or an (indices, values, dense_shape) "
                            "triple, got %r" % (type(v).__name__,)) from None
        out.extend((indices, values, dense_shape))
    return out


def with_node(e, step):
    if step is None or step[1] is None or not hasattr(step[1], "node_name"):
        return e
    name = step[1].node_name
    if "[[" not in e.message:
        e._message = "%s\n\t [[node %s]]" % (e.message, name)
        e.args = (e._message,)
    if e.op is None:
        e._op = step[1].op
    return e


class Deref:
    """Stands for the value read through a reference edge, as a slot key beside real tensors."""
    __slots__ = ("tensor", "dtype")

    def __init__(self, tensor):
        self.tensor = tensor
        self.dtype = tensor.dtype.base_dtype


# --- fusion ---------------------------------------------------------------------------------------

_FUSABLE_TYPES = frozenset(["float32", "float64"])


# Ops whose kernels return a new array each run, which the next step may then change in place.
_FRESH_RESULT_OPS = frozenset(["MatMul", "BatchMatMulV2", "BatchMatMulV3", "Conv2D"])


def fusions(ops, placement, feeds, fetch_elems):
    """activation op -> (the BiasAdd it absorbs, the fused kernel, whether the BiasAdd's input may be
    changed in place), where the device kind has a fused kernel.

    A BiasAdd qualifies when its device's kind offers a kernel for ("BiasAdd", activation type), it is
    in NHWC, on float32/float64, and its output goes only to the activation on the same device: neither
    fetched, nor fed, nor used by another op of this plan, nor a control input of one. Its input may be
    changed in place when it is a matmul's fresh result with the same guarantees.
    """
    candidates = []
    for op in ops:
        if op._inputs and op._inputs[0].op.type == "BiasAdd":
            kernel = placement[op].kind.fused_kernel(("BiasAdd", op.type))
            if kernel is not None:
                candidates.append((op, kernel))
    if not candidates:
        return {}
    in_plan = set(ops)
    uses = {}
    for op in ops:
        for t in op._inputs:
            uses[t] = uses.get(t, 0) + 1
    pinned = set(feeds) | {e for e in fetch_elems if isinstance(e, Tensor)}
    fused = {}
    for act, kernel in candidates:
        t = act._inputs[0]
        bias = t.op
        fmt = bias._attrs.get("data_format")
        if (bias in in_plan and placement.get(bias) is placement[act] and uses.get(t) == 1
                and t not in pinned and t.dtype.name in _FUSABLE_TYPES
                and (fmt is None or fmt.s in (b"NHWC", b""))
                and not any(c in in_plan for c in bias._control_outputs)
                and all(x.dtype._enum < 100 for x in bias._inputs)):
            x = bias._inputs[0]
            inplace = (x.op._type in _FRESH_RESULT_OPS and x.op in in_plan and uses.get(x) == 1
                       and x not in pinned and placement.get(x.op) is placement[act])
            fused[act] = (bias, kernel, inplace)
    return fused


def on_device(kernel, backend):
    def run(ctx, *args):
        with backend.device_context():
            return kernel(ctx, *args)
    run.__name__ = getattr(kernel, "__name__", "kernel")
    return run


def deref_step(ctx, ref):
    return ref.read()


ASSIGN_OPS = frozenset(["AssignVariableOp", "Assign"])
# Ops whose kernels keep an input beyond the run (a queue's elements, a dataset's tensors): they copy it
# only where it is a feed or a view of one (the caller's array, which the caller may change afterwards).
KEEPING_OPS = frozenset(["QueueEnqueueV2", "QueueEnqueueManyV2", "TensorSliceDataset"])


def value_is_shared(t, fed):
    """Whether an assigned value may be held by someone else: a fed array (the caller's) or a Const.

    Kernels never change an array in place, so a value computed in the run (a restored tensor, a sum)
    can become the variable's storage without a copy; restoring a checkpoint then costs no memcpy.
    """
    t = _memory_of(t, fed)
    return t in fed or t.op.type in ("Const", "Placeholder", "PlaceholderWithDefault")


# Kernels that hand on their (first) input's array, or a view of it.
_PASSING_ON = frozenset(["Identity", "StopGradient", "IdentityN", "Reshape", "ExpandDims", "Squeeze", "SplitV"])


def _memory_of(t, fed):
    """The tensor whose array ``t``'s value is, or is a view of."""
    while t not in fed and t.op.type in _PASSING_ON and t.op._inputs:
        t = t.op._inputs[t.value_index if t.op.type == "IdentityN" else 0]
    return t


def identity_step(ctx, x):
    return x


def upload(device, x):
    return device.backend.upload(x)


def download(device, x):
    return device.backend.download(x)


def decode_attr(av):
    return attr_value_to_python(av)


def convert_feed(v, t, np_dtype, shape):
    if np_dtype is object:
        if t.dtype.name in ("resource", "variant"):
            return v
        try:
            arr = to_numpy(v, dtypes.string)
        except TypeError as e:
            raise TypeError("Cannot feed value %r for string Tensor '%s': %s" % (v, t.name, e)) from None
    else:
        if type(v) is np.ndarray and v.dtype == np_dtype:
            arr = v
        else:
            arr = np.asarray(v)
            if arr.dtype != np_dtype:
                if arr.dtype.kind in ("U", "S", "O") or not np.can_cast(arr.dtype, np_dtype, "same_kind"):
                    if not (arr.dtype.kind in "iub" and np.dtype(np_dtype).kind in "iu"
                            and arr.size and _ints_fit(arr, np_dtype)):
                        raise TypeError("Cannot feed value of dtype %s for Tensor '%s', which has dtype %s"
                                        % (arr.dtype, t.name, t.dtype.base_dtype.name))
                arr = arr.astype(np_dtype)
    if shape._dims is not None:
        dims = shape._dims
        ashape = arr.shape
        if len(ashape) != len(dims) or any(d is not None and d != a for d, a in zip(dims, ashape)):
            raise ValueError("Cannot feed value of shape %s for Tensor '%s', which has shape '%s'"
                             % (ashape, t.name, shape))
    return arr


def _ints_fit(arr, np_dtype):
    info = np.iinfo(np_dtype)
    return arr.min() >= info.min and arr.max() <= info.max


# Plans holding these ops run in the dataflow runner (loops and conds decide at run time what runs).
SWITCH_OPS = frozenset(["Switch", "RefSwitch"])
MERGE_OPS = frozenset(["Merge", "RefMerge"])
ENTER_OPS = frozenset(["Enter", "RefEnter"])
EXIT_OPS = frozenset(["Exit", "RefExit"])
NEXT_ITERATION_OPS = frozenset(["NextIteration", "RefNextIteration"])
CONTROL_FLOW_OPS = SWITCH_OPS | MERGE_OPS | ENTER_OPS | EXIT_OPS | NEXT_ITERATION_OPS | {"LoopCond"}
# A fed placeholder's control edges count as satisfied by its feed (TensorFlow's subgraph rewrite).
FED_PLACEHOLDER_OPS = frozenset(["Placeholder", "PlaceholderV2"])


def prune(fetch_tensors, targets, fed):
    """The ops the fetches need, in an order that runs every op after its inputs and control inputs."""
    needed = []
    state = {}   # op -> 1 visiting, 2 done
    stack = [(t.op, False) for t in reversed(fetch_tensors) if t not in fed] + \
            [(op, False) for op in reversed(targets)]
    # Iterative depth-first post-order; a cycle through control inputs is an error, as in TensorFlow.
    # A while loop's back edges (NextIteration -> Merge) are followed last, from the deferred list: the
    # order puts each Merge before its loop body, and only those edges may close a cycle.
    deferred = []
    while stack or deferred:
        if not stack:
            stack.append((deferred.pop(), False))
        op, expanded = stack.pop()
        if expanded:
            state[op] = 2
            needed.append(op)
            continue
        s = state.get(op)
        if s == 2:
            continue
        if s == 1:
            continue
        state[op] = 1
        stack.append((op, True))
        loop_merge = op._type in MERGE_OPS
        for t in reversed(op._inputs):
            if t in fed:
                continue
            if loop_merge and t.op._type in NEXT_ITERATION_OPS:
                deferred.append(t.op)
                continue
            ts = state.get(t.op)
            if ts == 1:
                raise errors.InvalidArgumentError(None, op, "Graph has a cycle: %s and %s depend on each other."
                                                  % (op.name, t.op.name))
            if ts is None:
                stack.append((t.op, False))
        # Control inputs go on the stack last, so they run first: an update the op depends on runs before
        # the reads among its data inputs (TensorFlow's reference reads alias the variable, and see it).
        for c in reversed(op._control_inputs):
            if c._type in FED_PLACEHOLDER_OPS and any(t in fed for t in c._outputs):
                continue     # TensorFlow moves a fed placeholder's control edges onto its feed
            cs = state.get(c)
            if cs == 1:
                raise errors.InvalidArgumentError(None, op, "Graph has a cycle: %s depends on %s, which is "
                                                  "already on the path to it (control dependency cycle)."
                                                  % (op.name, c.name))
            if cs is None:
                stack.append((c, False))
    return needed
