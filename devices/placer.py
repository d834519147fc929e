"""The placer: which device runs each op of a plan.

Rules, as TensorFlow's placer (``core/common_runtime/placer.cc`` and ``colocation_graph.cc``) has them:

- an op's explicit device (its merged ``tg.device`` scopes) is honoured when that device exists and has
  a kernel for every op that must sit with it;
- ops sit together when they share a colocation group (``_class: loc:@name``), or when one takes a
  reference (an input argument declared ``Ref(T)``) or a resource handle made by the other: a variable,
  its reads and its assignments stay on one device. An op that merely reads a reference as a value (a
  ``SaveV2`` of ``v:0``) does not pull the variable along;
- ops without a device go to the first GPU when every op of their group has a GPU kernel there (no GPU
  kernel handles strings), else the CPU;
- two heuristics of TensorFlow's keep copies away: a "generator" (no inputs, one non-reference output,
  no device asked for, e.g. a Const) sits with its consumers when they all sit on one device, and a
  metadata op (Shape, Size, Rank) sits with its input;
- with ``allow_soft_placement`` a request that cannot be met falls back (to the first device of the
  requested type that has the kernels, as TensorFlow does for ``/gpu:7`` on a one-GPU machine, else the
  CPU) and is logged once per op; without it, :class:`PlacementError` names the op, the device asked
  for and the devices there are;
- ``log_device_placement`` logs ``<node name>: (<op type>): <device>`` for every node, TensorFlow's line.

A placement, once made, holds for the session's life: a variable never moves between runs.

    placer = Placer(tg.ConfigProto(allow_soft_placement=True))
    placement = placer.place(ops, {}, graph)        # op -> DeviceInfo
"""
import logging

from tagraph.devices import kernel_registry
from tagraph.devices.kind import kind_of
from tagraph.devices.registry import list_devices
from tagraph.devices.spec import DeviceSpec

__all__ = ["Placer", "PlacementError", "ref_input_flags"]

logger = logging.getLogger("tagraph.placement")

# Ops that only read their input's metadata (TensorFlow's IsMetadata): placed with that input.
_METADATA_OPS = frozenset(["Shape", "ShapeN", "Size", "Rank"])
_STRING_TYPES = frozenset(["string", "string_ref"])


class PlacementError(ValueError):
    """Raised by the placer; the Session turns it into ``tg.errors.InvalidArgumentError``."""

    def __init__(self, message, op=None):
        super().__init__(message)
        self.message = message
        self.op = op


class Placer:
    """Places ops on the devices a session may use (``ConfigProto.device_count`` limits them)."""

    def __init__(self, config=None):
        self.allow_soft_placement = bool(getattr(config, "allow_soft_placement", False))
        self.log_device_placement = bool(getattr(config, "log_device_placement", False))
        counts = dict(getattr(config, "device_count", {}) or {})
        devices = []
        seen = {}
        for d in list_devices():
            limit = counts.get(d.device_type)
            n = seen.get(d.device_type, 0)
            # The CPU is always there: host memory, feeds and fetches need it.
            if limit is not None and n >= limit and not d.host_memory:
                continue
            seen[d.device_type] = n + 1
            devices.append(d)
        self.devices = devices
        self.cpu = next(d for d in devices if d.host_memory)
        self._logged_fallback = set()
        if self.log_device_placement:
            _ensure_visible(logger)

    def soft(self):
        """This placer with soft placement on (over the same devices): function bodies are placed so, as
        TensorFlow places them."""
        if self.allow_soft_placement:
            return self
        other = getattr(self, "_soft", None)
        if other is None:
            other = self._soft = Placer.__new__(Placer)
            other.__dict__.update({k: v for k, v in self.__dict__.items() if k != "_soft"})
            other.allow_soft_placement = True
            other._logged_fallback = set()
        return other

    def available(self):
        return ", ".join(d.name for d in self.devices)

    def device_mapping(self):
        """TensorFlow's "Device mapping:" text: each accelerator and its physical description."""
        lines = ["%s -> %s" % (d.name, d.physical_description) for d in self.devices
                 if not d.host_memory and d.physical_description]
        return "Device mapping:\n%s" % "\n".join(lines) if lines else "Device mapping: no known devices."

    def place(self, ops, placement, graph=None):
        """Fills ``placement`` (op -> DeviceInfo) for every op of ``ops`` not yet placed; returns it.

        ``ops`` must come in an order that has every op after its inputs (the session's pruned order).
        Ops outside ``ops`` that share a group with one of them are placed too, as TensorFlow places a
        whole colocation group at once.
        """
        todo = [op for op in ops if op not in placement]
        if not todo:
            return placement
        # All or nothing: a placement that fails leaves the session's placement as it was.
        committed, placement = placement, dict(placement)
        before = set(committed) if self.log_device_placement else ()
        order = {op: i for i, op in enumerate(todo)}
        deferred = []
        for members in self._groups(todo, placement, order):
            already = [placement[m] for m in members if m in placement]
            if already:
                self._check_joins(members, already[0], placement)
                self._assign(members, already[0], placement)
                continue
            if len(members) == 1 and not members[0].device:
                op = members[0]
                if _is_generator(op):
                    deferred.append(op)          # placed once its consumers are (heuristic A)
                    continue
                if op.type in _METADATA_OPS and op._inputs:
                    src = placement.get(op._inputs[0].op)
                    if src is not None and _has_kernel(op, src.device_type):
                        self._assign(members, src, placement)    # heuristic B
                        continue
            self._assign(members, self._choose(members), placement)
        for op in deferred:
            self._assign([op], self._generator_device(op, placement), placement)
        committed.update(placement)
        if self.log_device_placement:
            for op in placement:
                if op not in before:
                    logger.info("%s: (%s): %s", op.name, op.type, placement[op].name)
        return committed

    def _assign(self, members, device, placement):
        for m in members:
            if m in placement:
                continue
            dev = device
            if not _has_kernel(m, device.device_type) and _has_kernel(m, self.cpu.device_type):
                # Only reachable through an earlier placement of the group; the plan reports a missing
                # kernel, so keep the op where it can run.
                dev = self.cpu
            placement[m] = dev

    # --- grouping ---------------------------------------------------------------------------------

    def _groups(self, ops, placement, order):
        """Colocation groups over ``ops`` (union-find), each in graph order, the groups in plan order."""
        parent = {}

        def find(x):
            root = x
            while parent.setdefault(root, root) is not root:
                root = parent[root]
            while parent[x] is not root:
                parent[x], x = root, parent[x]
            return root

        def union(a, b):
            ra, rb = find(a), find(b)
            if ra is not rb:
                parent[rb] = ra

        by_group = {}
        graph_ops = None
        for op in ops:
            find(op)
            if "_class" in op._attrs:
                if graph_ops is None:
                    graph_ops = op.graph._ops_by_name
                for g in op.colocation_groups():
                    by_group.setdefault(g, []).append(op)
                    owner = graph_ops.get(g[len("loc:@"):])
                    if owner is not None:
                        union(owner, op)
            anywhere = kernel_registry.takes_resources_anywhere(op.type)
            for t, is_ref in zip(op._inputs, ref_input_flags(op)):
                if is_ref or (t._dtype.name == "resource" and not anywhere):
                    union(t.op, op)
        for members in by_group.values():
            for m in members[1:]:
                union(members[0], m)
        groups = {}
        for op in list(parent):
            groups.setdefault(find(op), []).append(op)
        big = len(order)
        result = [sorted(m, key=lambda o: o._id) for m in groups.values()]
        # A group is placed when its first op in the plan comes up, so inputs are placed first.
        result.sort(key=lambda m: min(order.get(o, big) for o in m))
        return result

    # --- choosing a device ------------------------------------------------------------------------

    def _requested(self, members):
        """The merged explicit request of a group and the first op making it; None if none asks."""
        requested = None
        asked_by = None
        for m in members:
            if not m.device:
                continue
            spec = DeviceSpec.from_string(m.device)
            if requested is None:
                requested, asked_by = spec, m
                continue
            if _conflict(requested, spec):
                if not self.allow_soft_placement:
                    raise PlacementError(
                        "Cannot colocate nodes {{colocation_node %s}} and {{colocation_node %s}}: Cannot "
                        "merge devices with incompatible ids: '%s' and '%s' (ops %s and %s must sit "
                        "together); available devices: [ %s ]"
                        % (asked_by.name, m.name, asked_by.device, m.device, asked_by.type, m.type,
                           self.available()), m)
                continue
            requested = requested.make_merged_spec(spec)
        return requested, asked_by

    def _choose(self, members):
        requested, asked_by = self._requested(members)
        # An op with no kernel anywhere is not a placement problem: the plan reports it (NotFoundError).
        runnable = [m for m in members if kernel_registry.device_types_with_kernel(m.type)] or members
        types_ok = [d for d in self.devices if all(_has_kernel(m, d.device_type) for m in runnable)]
        if asked_by is None:
            return min(types_ok, key=_preference) if types_ok else self.cpu
        matching = [d for d in self.devices if _matches(requested, d)]
        usable = [d for d in matching if d in types_ok]
        if usable:
            # A partial request ("/job:localhost") takes the preferred kind: GPUs before the CPU.
            return min(usable, key=_preference)
        if not self.allow_soft_placement:
            raise PlacementError(self._strict_message(members, requested, asked_by, matching), asked_by)
        same_type = [d for d in types_ok if requested.device_type is not None
                     and d.device_type == requested.device_type.upper()]
        fallback = same_type[0] if same_type else (
            self.cpu if self.cpu in types_ok or not types_ok else types_ok[0])
        why = ("no such device is registered in this process" if not matching else
               "there is no supported kernel for %s devices" % matching[0].device_type)
        for m in members:
            if m.device and m not in self._logged_fallback:
                self._logged_fallback.add(m)
                logger.warning("Soft placement: %s (%s) asked for %s, but %s; placed on %s instead.",
                               m.name, m.type, m.device, why, fallback.name)
        return fallback

    def _strict_message(self, members, requested, asked_by, matching):
        head = ("Cannot assign a device for operation %s (%s): Could not satisfy explicit device "
                "specification '%s' because " % (asked_by.name, asked_by.type, asked_by.device))
        if not matching:
            why = "no devices matching that specification are registered in this process"
        else:
            dtype = matching[0].device_type
            missing = [m for m in members if not _has_kernel(m, dtype)
                       and kernel_registry.device_types_with_kernel(m.type)]
            kinds = sorted({d for m in missing for d in kernel_registry.device_types_with_kernel(m.type)
                            if _has_kernel(m, d)})
            why = ("no supported kernel for %s devices is available for %s; %s kernels for: %s"
                   % (dtype, ", ".join("%s (%s)" % (m.name, m.type) for m in missing),
                      "they have" if len(missing) > 1 else "it has", ", ".join(kinds) or "no device"))
            if any(m is not asked_by for m in missing):
                why += " (they are colocated with %s)" % asked_by.name
            if any(t.dtype.name in _STRING_TYPES for m in missing for t in list(m._inputs) + m._outputs):
                why += "; string tensors live in host memory only"
        return "%s%s. Available devices: [ %s ]. Set allow_soft_placement=True in the ConfigProto to fall " \
               "back to a device that can run it." % (head, why, self.available())

    def _check_joins(self, members, device, placement):
        """An op joining a group placed earlier must not ask for another device (unless soft)."""
        for m in members:
            if m in placement or not m.device:
                continue
            spec = DeviceSpec.from_string(m.device)
            if _matches(spec, device):
                continue
            if not self.allow_soft_placement:
                raise PlacementError(
                    "Cannot assign a device for operation %s (%s): Could not satisfy explicit device "
                    "specification '%s' because it is colocated with ops already placed on %s. Available "
                    "devices: [ %s ]" % (m.name, m.type, m.device, device.name, self.available()), m)
            if m not in self._logged_fallback:
                self._logged_fallback.add(m)
                logger.warning("Soft placement: %s (%s) asked for %s, but it is colocated with ops on %s; "
                               "placed there instead.", m.name, m.type, m.device, device.name)

    def _generator_device(self, op, placement):
        devices = {placement[c] for c in op._outputs[0]._consumers if c in placement}
        if len(devices) == 1:
            d = next(iter(devices))
            if _has_kernel(op, d.device_type):
                return d
        return self._choose([op])


def _is_generator(op):
    return (not op._inputs and len(op._outputs) == 1 and not op._outputs[0]._dtype.name.endswith("_ref")
            and op._outputs[0]._dtype.name != "resource" and "_class" not in op._attrs)


def _conflict(a, b):
    if a.device_type and b.device_type and a.device_type.upper() != b.device_type.upper():
        return True
    return a.device_index is not None and b.device_index is not None and a.device_index != b.device_index


def ref_input_flags(op):
    """Per input: whether its OpDef argument is a reference (``Ref(T)``)."""
    flags = []
    for arg in op._op_def.input_arg:
        if arg.number_attr:
            n = op._attrs[arg.number_attr].i
        elif arg.type_list_attr:
            n = len(op._attrs[arg.type_list_attr].list.type)
        else:
            n = 1
        flags.extend([arg.is_ref] * n)
    return flags


def _preference(device):
    """Sort key: the kind of highest priority first (GPUs before the CPU), then the lowest index."""
    return (-device.kind.priority, device.index)


def _has_kernel(op, device_type):
    """A kernel exists, and (as TensorFlow's device kernels are registered) only host memory holds strings."""
    if kernel_registry.get_kernel(op.type, device_type) is None:
        return False
    if not kind_of(device_type).host_memory:
        for t in op._inputs:
            if t._dtype.name in _STRING_TYPES:
                return False
        for t in op._outputs:
            if t._dtype.name in _STRING_TYPES:
                return False
    return True


def _matches(spec, device):
    if spec.job not in (None, "localhost") or spec.replica not in (None, 0) or spec.task not in (None, 0):
        return False
    if spec.device_type is not None and spec.device_type.upper() != device.device_type:
        return False
    if spec.device_index is not None and spec.device_index != device.index:
        return False
    return True


def _ensure_visible(log):
    """``log_device_placement`` asks to see the lines: make INFO reach a handler if none is set up."""
    root = logging.getLogger("tagraph")
    if not root.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
