"""The straight-line runner: an acyclic plan as one flat list of kernel calls over numbered value slots.

The fast path (a Session.run of a plain graph costs a few microseconds): each step is (kernel, context,
input slots, output slot or slots); constants are made when the plan is compiled; a cross-device edge is
an explicit transfer step, counted in ``RunStats``.
"""
import numpy as np

from tagraph.devices.kernel_registry import KernelContext
from tagraph.engine.framework import errors
from tagraph.engine.framework.graph import Operation, Tensor
from tagraph.engine.runtime.codegen import StepFailed, compile_steps
from tagraph.engine.runtime.step_stats import active_collector
from tagraph.engine.runtime.elementwise_fusion import (elementwise_groups, folded_constants, fusion_enabled,
                                                       group_step)
from tagraph.engine.runtime.list_matmul_fusion import list_matmul_kernel, list_matmuls
from tagraph.engine.runtime.lstm_fusion import cell_step, cells_to_fuse
from tagraph.engine.runtime.plan import (ALIASING_OPS, INT32_IN_HOST, Deref, Plan, RunStats, convert_feed,
                                         decode_attr, deref_step, fusions, identity_step, resolve_kernel,
                                         split_sparse_feeds, transfer_steps, with_node)

__all__ = ["StraightLinePlan"]

# Ops whose output is their input, made no step of the plan.
_PASS_THROUGH = frozenset(["Identity", "StopGradient"])
# Handles and variants (resources, TensorLists) are host objects that any device's kernels take as they are.
_HANDLE_TYPES = frozenset(["resource", "variant"])


class StraightLinePlan(Plan):
    """Value slots, kernel steps in one fixed order, transfers, result rebuild."""

    def build(self, fetch_elems):
        session, ops, placement, feeds = self.session, self.ops, self.placement, self.feeds
        fed_set = set(feeds)
        slots = {}           # (tensor, device name) -> slot
        home = {}            # tensor -> device it is produced on
        initial = {}         # slot -> value known when compiling (host copies of constants)

        def new_slot(key):
            slots[key] = len(slots)
            return slots[key]

        host = session._placer.cpu
        # Feeds arrive in host memory.
        self.feed_plan = []
        for t in feeds:
            s = new_slot((t, host.name))
            home[t] = host
            np_dtype = t.dtype.base_dtype.as_numpy_dtype
            self.feed_plan.append((s, t, np_dtype, t.shape))

        steps = []
        moves = [0, 0, 0]    # -, uploads, downloads

        def slot_on(t, device):
            key = (t, device.name)
            if key in slots:
                return slots[key]
            src = home[t]
            src_slot = slots[(t, src.name)]
            if t.dtype.name in _HANDLE_TYPES:
                dst_slot = new_slot(key)
                steps.append((identity_step, None, (src_slot,), dst_slot))
                return dst_slot
            if device.host_memory and t.__class__ is Tensor and t.op.type == "Const":
                # A constant wanted in host memory (a shape, an axis) is read from the graph, never
                # copied back from the device it was placed on: TensorFlow's HostMemory Const.
                dst_slot = new_slot(key)
                initial[dst_slot] = decode_attr(t.op._attrs["value"])
                return dst_slot
            # A cross-device edge: explicit transfers, one download per tensor whatever its host consumers.
            for fn, dev, direction in transfer_steps(src, device, host):
                to = device if direction == 1 else host
                to_key = (t, to.name)
                if to_key not in slots:
                    steps.append((fn, dev, (src_slot,), new_slot(to_key)))
                    moves[direction] += 1
                src_slot = slots[to_key]
            return slots[key]

        derefs = {}

        def value_slot(t, device):
            # A reference edge read as a value: read the variable where it lives, then move the value.
            if t.dtype._enum > 100:
                d = derefs.get(t)
                if d is None:
                    d = derefs[t] = Deref(t)
                    src = home[t]
                    home[d] = src
                    steps.append((deref_step, None, (slots[(t, src.name)],), new_slot((d, src.name))))
                t = d
            return slot_on(t, device)

        fused = fusions(ops, placement, feeds, fetch_elems)
        optimize = fusion_enabled(getattr(session, "_config", None))
        cells, in_cell = cells_to_fuse(session, ops, placement, feeds, fetch_elems)
        fused = {act: f for act, f in fused.items() if act not in in_cell and f[0] not in in_cell}
        fused_bias = {bias for bias, _, _ in fused.values()}
        groups = {}
        if optimize:
            groups = elementwise_groups(ops, placement, feeds, fetch_elems, set(fused) | fused_bias | in_cell)
        in_group = {m for members in groups.values() for m in members[:-1]}
        if groups:
            in_group |= folded_constants(groups, fed_set) - {e.op for e in fetch_elems if isinstance(e, Tensor)}
        list_mm = list_matmuls(session, ops, placement, feeds, fetch_elems)
        in_group |= set(list_mm.values())

        tracing = active_collector() is not None
        for op in ops:
            if op._type == "NoOp" and not tracing:
                continue         # the plan's order already honours the control edges it carries
            if op in in_cell:
                if op in cells:
                    steps.append(self._cell_step(cells[op], host, value_slot, new_slot, home))
                continue
            if op in fused_bias or op in in_group:
                continue     # computed by a fused step
            if op in groups:
                steps.append(self._group_step(groups[op], host, value_slot, new_slot, home))
                continue
            if op in list_mm:
                steps.append(self._list_matmul_step(op, list_mm[op], host, value_slot, new_slot, home))
                continue
            node, inputs = resolve_kernel(op, placement[op], host, session._state, fed_set, INT32_IN_HOST,
                                          fused.get(op))
            in_slots = tuple((slot_on if node.ref_inputs[i] else value_slot)(t, node.input_device(i, host))
                             for i, t in enumerate(inputs))
            if op._type in _PASS_THROUGH and not tracing and op._outputs[0] not in home \
                    and not node.ref_inputs[0] and node.input_device(0, host) is node.output_device(0, host):
                # Its output is its input's value: the same slot, no step.
                where = home[op._outputs[0]] = node.output_device(0, host)
                slots[(op._outputs[0], where.name)] = in_slots[0]
                continue
            out_slots = []
            for i, t in enumerate(op._outputs):
                if t in home:
                    out_slots.append(None)  # fed: the kernel's value is not used
                    continue
                where = home[t] = node.output_device(i, host)
                out_slots.append(new_slot((t, where.name)))
            n = len(out_slots)
            target = out_slots[0] if n == 1 else (tuple(out_slots) if n else None)
            if op.type == "Const" and target.__class__ is int and not op._control_inputs:
                # A constant is the same every run: made now (uploaded once on a device, where the
                # session's state keeps it), it costs no step.
                initial[target] = node.kernel(node.ctx)
                continue
            steps.append((node.kernel, node.ctx, in_slots, target))

        self.fetch_slots = []
        aliasing = []
        for e in fetch_elems:
            if isinstance(e, Operation):
                self.fetch_slots.append(None)
                aliasing.append(False)
                continue
            if e not in home:
                raise errors.InvalidArgumentError(None, None, "Fetch %s is not computed by this plan" % e.name)
            # Every fetched value comes back to host memory: numpy, never a device array.
            self.fetch_slots.append(value_slot(e, host))
            aliasing.append(e.op.type in ALIASING_OPS or e in fed_set)
        self.aliasing = aliasing
        self.steps = steps
        self._generated = compile_steps(steps, self.fetch_slots)
        self.nslots = len(slots)
        self.initial_values = [initial.get(i) for i in range(self.nslots)]
        self.stats = RunStats(moves[1], moves[2], self.stats_devices,
                              len(fused) + len(groups) + len(cells) + len(list_mm))

    def _group_step(self, group, host, value_slot, new_slot, home):
        """One step computing a group of elementwise ops (:mod:`elementwise_fusion`) on its device."""
        session, placement = self.session, self.placement
        device = placement[group[-1]]
        kernel, leaves = group_step(group, lambda op: resolve_kernel(op, device, host, session._state, (),
                                                                     INT32_IN_HOST)[0],
                                    device.kind.fused_kernel(("Elementwise",)), self.feeds)
        in_slots = tuple(value_slot(t, device) for t in leaves)
        out = group[-1]._outputs[0]
        home[out] = device
        ctx = KernelContext({}, device.backend.xp, device, group[-1].name, group[-1], session._state)
        collector = active_collector()
        if collector is not None:
            kernel = collector.wrap(kernel, "%s = FusedElementwise(%s)" % (
                group[-1].name, ", ".join(op.name for op in group)), device.name)
        return (kernel, ctx, in_slots, new_slot((out, device.name)))

    def _list_matmul_step(self, matmul, get_item, host, value_slot, new_slot, home):
        """One step computing ``MatMul(TensorListGetItem(...), weight)`` (:mod:`list_matmul_fusion`)."""
        state, placement = self.session._state, self.placement
        get_node, get_inputs = resolve_kernel(get_item, placement[get_item], host, state, (), INT32_IN_HOST)
        mm_node, mm_inputs = resolve_kernel(matmul, placement[matmul], host, state, (), INT32_IN_HOST)
        kernel = list_matmul_kernel((get_node.kernel, get_node.ctx), (mm_node.kernel, mm_node.ctx))
        in_slots = tuple(value_slot(t, get_node.input_device(i, host)) for i, t in enumerate(get_inputs)) + \
            (value_slot(mm_inputs[1], mm_node.input_device(1, host)),)
        out = matmul._outputs[0]
        home[out] = placement[matmul]
        collector = active_collector()
        if collector is not None:
            kernel = collector.wrap(kernel, "%s = ListItemMatMul(%s, %s)" % (out.op.name, get_item.name,
                                                                           matmul.name), placement[matmul].name)
        return (kernel, mm_node.ctx, in_slots, new_slot((out, placement[matmul].name)))

    def _cell_step(self, match, host, value_slot, new_slot, home):
        """One step computing an LSTM cell (:mod:`lstm_fusion`) on its device: its ``c`` and ``h``."""
        session = self.session
        device = self.placement[match.anchor]
        kernel = cell_step(match, device, lambda op: resolve_kernel(op, device, host, session._state, (),
                                                                    INT32_IN_HOST)[0])
        in_slots = tuple(value_slot(t, device) for t in match.leaves)
        home[match.c] = home[match.h] = device
        ctx = KernelContext({}, device.backend.xp, device, match.anchor.name, match.anchor, session._state)
        collector = active_collector()
        if collector is not None:
            kernel = collector.wrap(kernel, "%s, %s = FusedLSTMCell(%s)" % (
                match.c.op.name, match.h.op.name, ", ".join(op.name for op in match.members)), device.name)
        return (kernel, ctx, in_slots, (new_slot((match.c, device.name)), new_slot((match.h, device.name))))

    def run(self, feed_values, state):
        if self.sparse_feeds is not None:
            feed_values = split_sparse_feeds(self.sparse_feeds, feed_values)
        vals = self.initial_values.copy()
        for (slot, t, np_dtype, shape), v in zip(self.feed_plan, feed_values):
            vals[slot] = convert_feed(v, t, np_dtype, shape)
        # Kernels compute as TensorFlow's do: overflow, 0/0 and the like give inf/nan, never a warning.
        # One errstate per run, rather than one per kernel, keeps the per-op cost down.
        with np.errstate(all="ignore"):
            results = self._execute(vals)
        self.session.last_run_stats = self.stats
        for i, v in enumerate(results):
            if v.__class__ is np.ndarray:
                if v.ndim == 0:
                    results[i] = v[()]     # a scalar comes back as numpy's scalar (bytes for strings), as in TF
                elif self.aliasing[i]:
                    results[i] = v.copy()
        return self.rebuild(results)

    def run_nested(self, args):
        """A function body's run inside a kernel: its arguments are kernel values of the right types
        already, its results go to kernels (which never change an array in place, so nothing is copied),
        and the calling run's errstate holds."""
        # Feeds hold the first slots (build makes them first): the arguments, then the constants.
        vals = list(args)
        vals += self.initial_values[len(vals):]
        return self._execute(vals)

    def _execute(self, vals):
        """Runs the steps over the slot list ``vals``; returns the fetched values."""
        if self._generated is None:
            _interpret(self.steps, vals)
            return [None if s is None else vals[s] for s in self.fetch_slots]
        try:
            return self._generated(vals)
        except StepFailed as failed:
            _raise_for(failed.error, self.steps[failed.index] if failed.index >= 0 else None)


def _interpret(steps, vals):
    step = None
    try:
        for step in steps:
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
    except Exception as e:  # noqa: BLE001 - _raise_for re-raises what it does not translate
        _raise_for(e, step)


def _raise_for(e, step):
    """Raises ``e``, a kernel's failure in ``step``, as TensorFlow's error naming the node (the member's,
    for a fused group run unfused)."""
    step = getattr(e, "_tagraph_step", None) or step
    if isinstance(e, errors.OpError):
        raise with_node(e, step) from None
    # AttributeError: a kernel handed a value of the wrong kind (a resource handle where an array
    # belongs, in a hostile GraphDef) is reported as bad input naming the node, not a crash.
    if isinstance(e, (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError, KeyError, AttributeError)):
        raise with_node(errors.InvalidArgumentError(None, None, str(e)), step) from e
    if isinstance(e, MemoryError):
        raise with_node(errors.ResourceExhaustedError(None, None, "OOM: %s" % e), step) from e
    raise e
