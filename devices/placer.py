"""The placer: which device runs each op of a plan.

Rules, as TensorFlow's placer has them:
- an op's explicit device (its merged ``tg.device`` scopes) is honoured when that device exists and has
  a kernel for every op that must sit with it;
- ops sit together when they share a colocation group (``_class: loc:@name``), when one consumes a
  reference variable (``*_ref`` input) or a resource handle made by the other: a variable, its reads and
  its assignments stay on one device;
- ops without a device go to the first GPU when every op of their group has a GPU kernel, else the CPU;
- with ``allow_soft_placement`` a request that cannot be met falls back (to the GPU of that kind's first
  device, else the CPU) and is logged once per op; without it, the error names the op, the device asked
  for and the devices there are.
A placement, once made, holds for the session's life: a variable never moves between runs.
"""
import logging

from tagraph.devices import kernel_registry
from tagraph.devices.spec import DeviceSpec

logger = logging.getLogger("tagraph.placement")


class PlacementError(ValueError):
    """Raised by the placer; the engine turns it into InvalidArgumentError."""


class Placer:
    def __init__(self, config=None):
        from tagraph.devices.registry import list_devices
        self.allow_soft_placement = bool(getattr(config, "allow_soft_placement", False))
        self.log_device_placement = bool(getattr(config, "log_device_placement", False))
        counts = dict(getattr(config, "device_count", {}) or {})
        devices = []
        seen = {}
        for d in list_devices():
            limit = counts.get(d.device_type)
            n = seen.get(d.device_type, 0)
            if limit is not None and n >= limit and d.device_type != "CPU":
                continue
            seen[d.device_type] = n + 1
            devices.append(d)
        self.devices = devices
        self.cpu = next(d for d in devices if d.device_type == "CPU")
        self._by_name = {d.name: d for d in devices}
        self._logged_fallback = set()
        if self.log_device_placement:
            _ensure_visible(logger)

    def place(self, ops, placement, graph):
        """Fills ``placement`` (op -> device) for every op of ``ops`` not yet placed; returns it."""
        todo = [op for op in ops if op not in placement]
        if not todo:
            return placement
        groups = self._groups(todo, placement)
        for members in groups:
            already = {placement[m] for m in members if m in placement}
            if already:
                device = next(iter(already))
            else:
                device = self._choose(members)
            for m in members:
                if m in placement:
                    continue
                if not _has_kernel(m, device.device_type):
                    # A member without a kernel there (a host-only op of the group) runs on the CPU.
                    dev = self.cpu if _has_kernel(m, "CPU") else device
                else:
                    dev = device
                placement[m] = dev
                if self.log_device_placement:
                    logger.info("%s: (%s): %s", m.name, m.type, dev.name)
        return placement

    # --- grouping ---------------------------------------------------------------------------------

    def _groups(self, ops, placement):
        parent = {}

        def find(x):
            while parent.setdefault(x, x) is not x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def union(a, b):
            ra, rb = find(a), find(b)
            if ra is not rb:
                parent[rb] = ra

        by_group = {}
        for op in ops:
            find(op)
            for g in op.colocation_groups():
                by_group.setdefault(g, []).append(op)
            for t in op._inputs:
                if t.dtype.name.endswith("_ref") or t.dtype.name == "resource":
                    union(t.op, op)
        for op in ops:
            for g in op.colocation_groups():
                owner_name = g[len("loc:@"):]
                try:
                    owner = op.graph._ops_by_name[owner_name]
                except KeyError:
                    continue
                union(owner, op)
        for members in by_group.values():
            for m in members[1:]:
                union(members[0], m)
        groups = {}
        for op in list(parent):
            groups.setdefault(find(op), []).append(op)
        # Keep graph order inside each group so logs read naturally.
        return [sorted(m, key=lambda o: o._id) for m in groups.values()]

    # --- choosing a device ------------------------------------------------------------------------

    def _choose(self, members):
        requested = DeviceSpec()
        asked_by = None
        for m in members:
            if m.device:
                spec = DeviceSpec.from_string(m.device)
                if asked_by is not None and spec.device_type and requested.device_type and \
                        (spec.device_type != requested.device_type or
                         (spec.device_index is not None and requested.device_index is not None
                          and spec.device_index != requested.device_index)):
                    if not self.allow_soft_placement:
                        raise PlacementError(
                            "Cannot colocate nodes {{colocation_node %s}} and {{colocation_node %s}}: they "
                            "ask for different devices (%s and %s)" % (asked_by.name, m.name,
                                                                      asked_by.device, m.device))
                    continue
                requested = requested.make_merged_spec(spec)
                asked_by = asked_by or m
        types_ok = [d for d in self.devices
                    if all(_has_kernel(m, d.device_type) for m in members)]
        if asked_by is None:
            gpus = [d for d in types_ok if d.device_type == "GPU"]
            if gpus:
                return gpus[0]
            return self.cpu if self.cpu in types_ok or not types_ok else types_ok[0]
        matching = [d for d in self.devices if _matches(requested, d)]
        usable = [d for d in matching if d in types_ok]
        if usable:
            return usable[0]
        if not self.allow_soft_placement:
            if not matching:
                why = "no such device: %s was explicitly assigned to %s but available devices are [ %s ]. " \
                      "Make sure the device specification refers to a valid device." % (
                          asked_by.name, asked_by.device, ", ".join(d.name for d in self.devices))
            else:
                missing = [m for m in members
                           if not _has_kernel(m, matching[0].device_type)]
                why = "no supported kernel for %s devices is available for %s (op %s). Available devices: " \
                      "[ %s ]" % (matching[0].device_type, ", ".join(m.name for m in missing),
                                  ", ".join(sorted({m.type for m in missing})),
                                  ", ".join(d.name for d in self.devices))
            raise PlacementError("Cannot assign a device for operation %s: Could not satisfy explicit device "
                                 "specification '%s' because %s" % (asked_by.name, asked_by.device, why))
        fallback = self.cpu if self.cpu in types_ok else (types_ok[0] if types_ok else self.cpu)
        for m in members:
            if m.device and m not in self._logged_fallback:
                self._logged_fallback.add(m)
                logger.warning("Soft placement: %s (%s) asked for %s, which %s; placed on %s instead.",
                               m.name, m.type, m.device,
                               "does not exist here" if not matching else "has no kernel for it",
                               fallback.name)
        return fallback


def _has_kernel(op, device_type):
    """A kernel exists, and (as TensorFlow's GPU kernels are registered) a GPU one handles no strings."""
    if kernel_registry.get_kernel(op.type, device_type) is None:
        return False
    if device_type != "CPU":
        for t in list(op._inputs) + op._outputs:
            if t.dtype.name in ("string", "string_ref"):
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
    root = logging.getLogger("tagraph")
    if not root.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
