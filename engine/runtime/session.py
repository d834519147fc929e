"""Session: prune the graph to what the fetches need, place it, compile a plan once, run it.

    with tg.Session() as sess:
        sess.run(tg.global_variables_initializer())
        print(sess.run(y, feed_dict={x: [[1.0, 2.0]]}))

A plan is compiled once per (fetches, feed keys) signature and reused: a flat list of kernel calls over
numbered value slots, with explicit host<->device transfer steps where an edge crosses devices.
"""
import collections
import logging
import threading

import numpy as np

from tagraph.devices import kernel_registry
from tagraph.devices.placer import ref_input_flags as _ref_input_flags
from tagraph.engine.framework import dtypes
from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import (Graph, Operation, Tensor, default_session_stack, get_default_graph,
                                            get_default_session)

logger = logging.getLogger("tagraph.session")



class SessionState:
    """What outlives a single run: variable values and per-op state (random generators, tables)."""

    def __init__(self):
        self.variables = {}      # variable key -> device array
        self.op_state = {}       # node name -> anything a kernel keeps between runs


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
_ALIASING_OPS = frozenset(["Const", "VariableV2", "ReadVariableOp", "Identity", "Assign", "AssignAdd",
                           "AssignSub", "Reshape", "ExpandDims", "Squeeze",
                           "PlaceholderWithDefault", "IdentityN"])


class BaseSession:
    def __init__(self, target="", graph=None, config=None):
        if target:
            raise errors.UnimplementedError(None, None, "tagraph runs in process; target must be '' (got %r)"
                                            % target)
        self._graph = graph if graph is not None else get_default_graph()
        if not isinstance(self._graph, Graph):
            raise TypeError("graph must be a tg.Graph, got %r" % (self._graph,))
        self._config = config
        self._state = SessionState()
        self._plans = {}
        self._closed = False
        self._lock = threading.RLock()
        self.last_run_stats = RunStats()
        from tagraph.devices.placer import Placer
        self._placer = Placer(config)
        self._placement = {}    # op -> Device, fixed for the session's life once chosen
        if self._placer.log_device_placement:
            # TensorFlow's DirectSession prints this when the session is made.
            logging.getLogger("tagraph.placement").info("%s", self._placer.device_mapping())

    graph = property(lambda self: self._graph)
    graph_def = property(lambda self: self._graph.as_graph_def())
    sess_str = property(lambda self: "")

    def list_devices(self):
        return list(self._placer.devices)

    # --- context management -------------------------------------------------------------------------

    def as_default(self):
        return _DefaultSessionContext(self)

    def __enter__(self):
        self._default_ctx = self.as_default()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        self._default_ctx.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._default_ctx.__exit__(exc_type, exc, tb)
        self._graph_ctx.__exit__(exc_type, exc, tb)
        self.close()

    def close(self):
        """Releases the session's variables and every device's memory pool."""
        if self._closed:
            return
        self._closed = True
        self._state = SessionState()
        self._plans.clear()
        for dev in self._placer.devices:
            try:
                dev.backend.free_memory()
            except Exception:  # noqa: BLE001 - freeing memory must never raise from close()
                logger.debug("freeing memory of %s failed", dev.name, exc_info=True)

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    # --- running ------------------------------------------------------------------------------------

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs what ``fetches`` need and returns their values in the same structure.

        ``fetches``: a Tensor, Operation, name, SparseTensor (giving a SparseTensorValue), or nested
        lists/tuples/dicts/namedtuples of them.
        ``feed_dict``: tensors (or names) -> values replacing them for this run; a SparseTensor key takes a
        SparseTensorValue (or an ``(indices, values, dense_shape)`` triple).
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if feed_dict:
            key = (_structure_key(fetches), tuple(feed_dict))
        else:
            key = (_structure_key(fetches), ())
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(fetches, list(feed_dict) if feed_dict else [])
            self._plans[key] = plan
        return plan.run(feed_dict.values() if feed_dict else (), self._state)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function taking the values of ``feed_list`` positionally and returning ``fetches``' values."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        plan = self._compile(fetches, list(feed_list or []))
        state_ref = self

        def call(*feed_values, **kwargs):
            if len(feed_values) != plan.n_feed_args:
                raise TypeError("Callable takes %d feed values, got %d" % (plan.n_feed_args, len(feed_values)))
            return plan.run(feed_values, state_ref._state)
        return call

    def _compile(self, fetches, feed_keys):
        from tagraph.devices.placer import PlacementError
        with self._lock:
            try:
                return _Plan(self, fetches, feed_keys)
            except PlacementError as e:
                raise errors.InvalidArgumentError(None, e.op, e.message) from None


class Session(BaseSession):
    """A TensorFlow 1 session over a graph (the default graph unless given)."""


class InteractiveSession(BaseSession):
    """A session that makes itself the default on creation."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()

    def close(self):
        if not self._closed and getattr(self, "_default_ctx", None) is not None:
            try:
                self._default_ctx.__exit__(None, None, None)
            except (IndexError, ValueError):
                pass
        super().close()


class _DefaultSessionContext:
    def __init__(self, sess):
        self._sess = sess

    def __enter__(self):
        default_session_stack().append(self._sess)
        return self._sess

    def __exit__(self, *exc):
        default_session_stack().remove(self._sess)


# --- fetch structures ---------------------------------------------------------------------------------

def _structure_key(f):
    t = type(f)
    if t is Tensor or t is Operation or t is str:
        return f
    if t is list:
        return ("l",) + tuple(_structure_key(x) for x in f)
    if t is tuple:
        return ("t",) + tuple(_structure_key(x) for x in f)
    if isinstance(f, dict):
        return ("d", t) + tuple((k, _structure_key(v)) for k, v in f.items())
    if isinstance(f, tuple) and hasattr(f, "_fields"):
        return ("n", t) + tuple(_structure_key(x) for x in f)
    if hasattr(f, "_as_graph_element"):
        return f
    if f is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    return ("o", id(f))


def _flatten_fetches(f, out):
    """Appends fetch leaves to ``out``; returns a function rebuilding the structure from values."""
    if getattr(type(f), "_tg_sparse_tensor", False):
        # A SparseTensor is fetched as its three components and comes back as a SparseTensorValue.
        from tagraph.engine.ops.parsing_ops import SparseTensorValue
        builders = [_flatten_fetches(x, out) for x in f]
        return lambda vals: SparseTensorValue(*[b(vals) for b in builders])
    if isinstance(f, (list,)) or (type(f) is tuple):
        builders = [_flatten_fetches(x, out) for x in f]
        kind = type(f)
        return lambda vals: kind(b(vals) for b in builders)
    if isinstance(f, tuple) and hasattr(f, "_fields"):
        builders = [_flatten_fetches(x, out) for x in f]
        kind = type(f)
        return lambda vals: kind(*[b(vals) for b in builders])
    if isinstance(f, dict):
        items = [(k, _flatten_fetches(v, out)) for k, v in f.items()]
        kind = type(f)
        if kind is collections.defaultdict:
            factory = f.default_factory

            def build_dd(vals):
                d = collections.defaultdict(factory)
                d.update((k, b(vals)) for k, b in items)
                return d
            return build_dd
        return lambda vals: kind((k, b(vals)) for k, b in items)
    i = len(out)
    out.append(f)
    return lambda vals: vals[i]


class _Plan:
    """A compiled (fetches, feeds) signature: value slots, kernel steps, transfers, result rebuild."""

    def __init__(self, session, fetches, feed_keys):
        graph = session.graph
        leaves = []
        self.rebuild = _flatten_fetches(fetches, leaves)
        fetch_elems = []
        for leaf in leaves:
            try:
                elem = graph.as_graph_element(leaf, allow_tensor=True, allow_operation=True)
            except (KeyError, ValueError, TypeError) as e:
                raise type(e)("Fetch argument %r cannot be interpreted as a Tensor. (%s)" % (leaf, e)) from None
            fetch_elems.append(elem)

        feeds = []
        self.n_feed_args = len(feed_keys)
        # A SparseTensor key feeds its three components: feed i of the caller is split into these.
        self.sparse_feeds = None
        if any(getattr(type(k), "_tg_sparse_tensor", False) for k in feed_keys):
            self.sparse_feeds = [getattr(type(k), "_tg_sparse_tensor", False) for k in feed_keys]
            feed_keys = [part for k in feed_keys
                         for part in (tuple(k) if getattr(type(k), "_tg_sparse_tensor", False) else (k,))]
        for k in feed_keys:
            try:
                t = graph.as_graph_element(k, allow_tensor=True, allow_operation=False)
            except (KeyError, ValueError) as e:
                raise type(e)("Cannot interpret feed_dict key as Tensor: %s" % (e,)) from None
            except TypeError as e:
                raise TypeError("Cannot interpret feed_dict key as Tensor: %s" % (e,)) from None
            feeds.append(t)
        self.feeds = feeds
        fed = set(feeds)

        targets = [e for e in fetch_elems if isinstance(e, Operation)]
        fetch_tensors = [e for e in fetch_elems if isinstance(e, Tensor)]
        ops = _prune(fetch_tensors, targets, fed)

        placement = session._placer.place(ops, session._placement, graph)
        # --- control flow (issue 7): a graph with Switch/Merge/Enter/Exit/NextIteration runs in the
        # dataflow executor of engine/control_flow_executor.py, which sets this plan's run(). ---
        if _CONTROL_FLOW_OPS.isdisjoint([op._type for op in ops]):
            self._build(session, ops, placement, feeds, fetch_elems)
        else:
            from tagraph.engine.runtime.dataflow import build_plan
            build_plan(self, session, ops, placement, feeds, fetch_elems)
        # --- end control flow ---

    def _build(self, session, ops, placement, feeds, fetch_elems):
        fed_set = set(feeds)
        slots = {}           # (tensor, device name) -> slot
        home = {}            # tensor -> device it is produced on
        initial = {}         # slot -> value known when compiling (host copies of constants)

        def new_slot(key):
            slots[key] = len(slots)
            return slots[key]

        cpu = session._placer.cpu
        # Feeds arrive in host memory.
        self.feed_plan = []
        for t in feeds:
            s = new_slot((t, cpu.name))
            home[t] = cpu
            np_dtype = t.dtype.base_dtype.as_numpy_dtype
            self.feed_plan.append((s, t, np_dtype, t.shape))

        steps = []
        uploads = downloads = 0

        def slot_on(t, device):
            nonlocal uploads, downloads
            key = (t, device.name)
            if key in slots:
                return slots[key]
            src = home[t]
            src_slot = slots[(t, src.name)]
            if t.dtype.name == "resource":
                dst_slot = new_slot(key)
                steps.append((_identity_step, None, (src_slot,), dst_slot))
                return dst_slot
            if device.device_type == "CPU" and t.__class__ is Tensor and t.op.type == "Const":
                # A constant wanted in host memory (a shape, an axis) is read from the graph, never
                # copied back from the GPU it was placed on: TensorFlow's HostMemory Const.
                dst_slot = new_slot(key)
                initial[dst_slot] = _decode_attr(t.op._attrs["value"])
                return dst_slot
            dst_slot = new_slot(key)
            # A cross-device edge: an explicit transfer, through the host between two GPUs.
            if src.device_type == "CPU":
                steps.append((_upload, device, (src_slot,), dst_slot))
                uploads += 1
            elif device.device_type == "CPU":
                steps.append((_download, src, (src_slot,), dst_slot))
                downloads += 1
            else:
                host_key = (t, cpu.name)
                if host_key not in slots:
                    host_slot = new_slot(host_key)
                    steps.append((_download, src, (src_slot,), host_slot))
                    downloads += 1
                steps.append((_upload, device, (slots[host_key],), dst_slot))
                uploads += 1
            return dst_slot

        derefs = {}

        def value_slot(t, device):
            # A reference edge read as a value: read the variable where it lives, then move the value.
            if t.dtype._enum > 100:
                d = derefs.get(t)
                if d is None:
                    d = derefs[t] = _Deref(t)
                    src = home[t]
                    home[d] = src
                    steps.append((_deref_step, None, (slots[(t, src.name)],), new_slot((d, src.name))))
                t = d
            return slot_on(t, device)

        fused = _fusions(ops, placement, feeds, fetch_elems)
        fused_bias = set(fused.values())

        for op in ops:
            if op in fused_bias:
                continue     # computed by its activation's fused step
            dev = placement[op]
            if dev.device_type != "CPU" and _int32_in_host_memory(op):
                # TensorFlow keeps int32 GPU kernels' tensors in host memory (shape arithmetic): the
                # op stays placed on the GPU, its kernel runs on host data, and nothing is copied.
                dev = cpu
            on_host = dev.device_type == "CPU"
            bias_op = fused.get(op)
            if bias_op is not None:
                kernel = _fused_bias_activation_kernel(_FUSABLE_ACTIVATIONS[op.type])
                inputs, ref_inputs = bias_op._inputs, (False, False)
                host_in = host_out = frozenset()
            else:
                kernel = kernel_registry.get_kernel(op.type, dev.device_type)
                if kernel is None:
                    raise errors.NotFoundError(None, op, "No registered '%s' OpKernel for %s devices "
                                               "compatible with node %s" % (op.type, dev.device_type, op.name))
                host_in = kernel_registry.host_memory_inputs(op.type, dev.device_type)
                host_out = kernel_registry.host_memory_outputs(op.type, dev.device_type)
                inputs, ref_inputs = op._inputs, _ref_input_flags(op)
            in_slots = tuple((slot_on if ref_inputs[i] else value_slot)(
                t, cpu if (on_host or i in host_in) else dev) for i, t in enumerate(inputs))
            if not on_host and not dev.backend.is_simulated:
                # CuPy works on its current device: enter this op's device around the kernel.
                kernel = _on_device(kernel, dev.backend)
            attrs = {k: _decode_attr(v) for k, v in op._attrs.items()}
            if op.type in _ASSIGN_OPS:
                attrs["_value_is_shared"] = _value_is_shared(op._inputs[1], fed_set)
            ctx = kernel_registry.KernelContext(attrs, dev.backend.xp, dev, op.name, op, session._state)
            out_slots = []
            for i, t in enumerate(op._outputs):
                where = cpu if (on_host or i in host_out) else dev
                if t in home:
                    out_slots.append(None)  # fed: the kernel's value is not used
                    continue
                home[t] = where
                out_slots.append(new_slot((t, where.name)))
            n = len(out_slots)
            target = out_slots[0] if n == 1 else (tuple(out_slots) if n else None)
            if op.type == "Const" and target.__class__ is int and not op._control_inputs:
                # A constant is the same every run: made now (uploaded once on a GPU, where the
                # session's state keeps it), it costs no step.
                initial[target] = kernel(ctx)
                continue
            steps.append((kernel, ctx, in_slots, target))

        self.fetch_slots = []
        aliasing = []
        fed = set(feeds)
        for e in fetch_elems:
            if isinstance(e, Operation):
                self.fetch_slots.append(None)
                aliasing.append(False)
                continue
            if e not in home:
                raise errors.InvalidArgumentError(None, None, "Fetch %s is not computed by this plan" % e.name)
            # Every fetched value comes back to host memory: numpy, never a device array.
            self.fetch_slots.append(value_slot(e, cpu))
            aliasing.append(e.op.type in _ALIASING_OPS or e in fed)
        self.aliasing = aliasing
        self.steps = steps
        self.nslots = len(slots)
        self.initial_values = [initial.get(i) for i in range(self.nslots)]
        self.stats = RunStats(uploads, downloads, tuple(sorted({placement[op].name for op in ops})),
                              len(fused))
        self.session = session
        self.ops = ops
        self.placement = placement

    def run(self, feed_values, state):
        if self.sparse_feeds is not None:
            feed_values = _split_sparse_feeds(self.sparse_feeds, feed_values)
        vals = self.initial_values.copy()
        for (slot, t, np_dtype, shape), v in zip(self.feed_plan, feed_values):
            vals[slot] = _convert_feed(v, t, np_dtype, shape)
        step = None
        # Kernels compute as TensorFlow's do: overflow, 0/0 and the like give inf/nan, never a warning.
        # One errstate per run, rather than one per kernel, keeps the per-op cost down.
        errstate = np.errstate(all="ignore")
        errstate.__enter__()
        try:
            for step in self.steps:
                fn, ctx, ins, out = step
                if out.__class__ is int:
                    vals[out] = fn(ctx, *[vals[i] for i in ins])
                elif out is None:
                    fn(ctx, *[vals[i] for i in ins])
                else:
                    r = fn(ctx, *[vals[i] for i in ins])
                    for o, v in zip(out, r):
                        if o is not None:
                            vals[o] = v
        except errors.OpError as e:
            raise _with_node(e, step) from None
        # AttributeError: a kernel handed a value of the wrong kind (a resource handle where an array
        # belongs, in a hostile GraphDef) is reported as bad input naming the node, not a crash.
        except (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError, KeyError,
                AttributeError) as e:
            raise _with_node(errors.InvalidArgumentError(None, None, str(e)), step) from e
        except MemoryError as e:
            raise _with_node(errors.ResourceExhaustedError(None, None, "OOM: %s" % e), step) from e
        finally:
            errstate.__exit__(None, None, None)
        self.session.last_run_stats = self.stats
        results = [None if s is None else vals[s] for s in self.fetch_slots]
        for i, v in enumerate(results):
            if v.__class__ is np.ndarray:
                if v.ndim == 0:
                    results[i] = v[()]     # a scalar comes back as numpy's scalar (bytes for strings), as in TF
                elif self.aliasing[i]:
                    results[i] = v.copy()
        return self.rebuild(results)


def _split_sparse_feeds(is_sparse, feed_values):
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


def _with_node(e, step):
    if step is None or step[1] is None or not hasattr(step[1], "node_name"):
        return e
    name = step[1].node_name
    if "[[" not in e.message:
        e._message = "%s\n\t [[node %s]]" % (e.message, name)
        e.args = (e._message,)
    if e.op is None:
        e._op = step[1].op
    return e


class _Deref:
    """Stands for the value read through a reference edge, as a slot key beside real tensors."""
    __slots__ = ("tensor", "dtype")

    def __init__(self, tensor):
        self.tensor = tensor
        self.dtype = tensor.dtype.base_dtype


def _int32_in_host_memory(op):
    outputs = op._outputs
    if not outputs:
        return False
    for t in op._inputs:
        if t._dtype._enum != _INT32:
            return False
    for t in outputs:
        if t._dtype._enum != _INT32:
            return False
    return kernel_registry.get_kernel(op.type, "CPU") is not None


_INT32 = dtypes.int32.as_datatype_enum


# --- fusion ---------------------------------------------------------------------------------------

# Activations a GPU BiasAdd folds into (cuda_kernels.fused_bias_activation's names).
_FUSABLE_ACTIVATIONS = {"Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh"}
_FUSABLE_TYPES = frozenset(["float32", "float64"])


def _fusions(ops, placement, feeds, fetch_elems):
    """activation op -> the BiasAdd it absorbs, where one fused kernel pays on a GPU.

    A BiasAdd qualifies when it runs on a GPU in NHWC, on float32/float64, and its output goes only to
    one Relu/Relu6/Sigmoid/Tanh on the same device: neither fetched, nor fed, nor used by another op
    of this plan, nor a control input of one.
    """
    candidates = [op for op in ops if op.type in _FUSABLE_ACTIVATIONS and op._inputs
                  and op._inputs[0].op.type == "BiasAdd" and placement[op].device_type == "GPU"]
    if not candidates:
        return {}
    in_plan = set(ops)
    uses = {}
    for op in ops:
        for t in op._inputs:
            uses[t] = uses.get(t, 0) + 1
    pinned = set(feeds) | {e for e in fetch_elems if isinstance(e, Tensor)}
    fused = {}
    for act in candidates:
        t = act._inputs[0]
        bias = t.op
        fmt = bias._attrs.get("data_format")
        if (bias in in_plan and placement.get(bias) is placement[act] and uses.get(t) == 1
                and t not in pinned and t.dtype.name in _FUSABLE_TYPES
                and (fmt is None or fmt.s in (b"NHWC", b""))
                and not any(c in in_plan for c in bias._control_outputs)
                and all(x.dtype._enum < 100 for x in bias._inputs)):
            fused[act] = bias
    return fused


def _fused_bias_activation_kernel(activation):
    kernel = _FUSED_KERNELS.get(activation)
    if kernel is None:
        def kernel(ctx, x, bias):
            from tagraph.devices import cuda_kernels
            _check_bias_add(x, bias)
            return cuda_kernels.fused_bias_activation(ctx.device.backend, x, bias, activation)
        kernel.__name__ = "fused_bias_%s" % activation
        _FUSED_KERNELS[activation] = kernel
    return kernel


_FUSED_KERNELS = {}


def _check_bias_add(x, bias):
    # BiasAdd's own checks (TensorFlow's messages): the fused step must refuse what BiasAdd refuses.
    def show(shape):
        return "[%s]" % ",".join(str(d) for d in shape)
    if x.ndim < 2:
        raise errors.InvalidArgumentError(None, None, "Input tensor must be at least 2D: %s" % show(x.shape))
    if bias.ndim != 1:
        raise errors.InvalidArgumentError(None, None, "Biases must be 1D: %s" % show(bias.shape))
    if bias.shape[0] != x.shape[-1]:
        raise errors.InvalidArgumentError(
            None, None, "Must provide as many biases as the last dimension of the input tensor: %s vs. %s"
            % (show(bias.shape), show(x.shape)))


def _on_device(kernel, backend):
    def run(ctx, *args):
        with backend.device_context():
            return kernel(ctx, *args)
    run.__name__ = getattr(kernel, "__name__", "kernel")
    return run


def _deref_step(ctx, ref):
    return ref.read()


_ASSIGN_OPS = frozenset(["AssignVariableOp", "Assign"])


def _value_is_shared(t, fed):
    """Whether an assigned value may be held by someone else: a fed array (the caller's) or a Const.

    Kernels never change an array in place, so a value computed in the run (a restored tensor, a sum)
    can become the variable's storage without a copy; restoring a checkpoint then costs no memcpy.
    """
    while t not in fed and t.op.type in ("Identity", "StopGradient") and t.op._inputs:
        t = t.op._inputs[0]
    return t in fed or t.op.type in ("Const", "Placeholder", "PlaceholderWithDefault")


def _identity_step(ctx, x):
    return x


def _upload(device, x):
    return device.backend.upload(x)


def _download(device, x):
    return device.backend.download(x)


def _decode_attr(av):
    from tagraph.engine.framework.attr_value import attr_value_to_python
    return attr_value_to_python(av)


def _convert_feed(v, t, np_dtype, shape):
    if np_dtype is object:
        if t.dtype.name == "resource":
            return v
        from tagraph.engine.framework.tensor_util import to_numpy
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


# Control flow (issue 7): plans holding these ops run in engine/control_flow_executor.py.
_MERGE_OPS = frozenset(["Merge", "RefMerge"])
_NEXT_ITERATION_OPS = frozenset(["NextIteration", "RefNextIteration"])
_CONTROL_FLOW_OPS = frozenset(["Switch", "RefSwitch", "Enter", "RefEnter", "Exit", "RefExit", "LoopCond"]) \
    | _MERGE_OPS | _NEXT_ITERATION_OPS


def _prune(fetch_tensors, targets, fed):
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
        for c in reversed(op._control_inputs):
            cs = state.get(c)
            if cs == 1:
                raise errors.InvalidArgumentError(None, op, "Graph has a cycle: %s depends on %s, which is "
                                                  "already on the path to it (control dependency cycle)."
                                                  % (op.name, c.name))
            if cs is None:
                stack.append((c, False))
        loop_merge = op._type in _MERGE_OPS
        for t in reversed(op._inputs):
            if t in fed:
                continue
            if loop_merge and t.op._type in _NEXT_ITERATION_OPS:
                deferred.append(t.op)
                continue
            ts = state.get(t.op)
            if ts == 1:
                raise errors.InvalidArgumentError(None, op, "Graph has a cycle: %s and %s depend on each other."
                                                  % (op.name, t.op.name))
            if ts is None:
                stack.append((t.op, False))
    return needed
