"""Groups of elementwise ops that run as one kernel, found when a straight-line plan is compiled.

A device kind that offers an elementwise fuser (``kind.fused_kernel(("Elementwise",))``: the CPU's register
machine in :mod:`tagraph.devices.cpu_elementwise`) gets every maximal group of ops it can run whose
intermediate results nobody else sees: each member's output goes only to members of its group, is neither
fed nor fetched, and no op waits on a member through a control edge. The group's root (the one output
that leaves it) becomes one step over the group's leaves (its inputs from outside).

Elementwise ops commute with broadcasting, so computing every member at the broadcast shape of all the
leaves gives the same values as the unfused ops. When a run's values do not fit the machine (shapes that do
not broadcast, an unexpected dtype, too many array leaves), the members run one by one with their own
kernels, so errors and messages are those of the unfused graph. The fuser also says, per run, whether the
machine beats the ops one by one (``fuser.worthwhile``): on large tensors numpy's own loops win.

Fusion is on by default; ``ConfigProto.graph_options.optimizer_options.opt_level = L0`` (TensorFlow's
"no optimisations") turns it off for a session.
"""
import numpy as np

from tagraph.engine.framework.graph import Tensor
from tagraph.engine.runtime.plan import decode_attr

__all__ = ["elementwise_groups", "folded_constants", "fusion_enabled", "group_step"]

_OPT_LEVEL_L0 = -1


def fusion_enabled(config):
    options = getattr(getattr(config, "graph_options", None), "optimizer_options", None)
    return options is None or options.opt_level != _OPT_LEVEL_L0


def _fuser(device):
    return device.kind.fused_kernel(("Elementwise",))


def _is_scalar(t, cache):
    got = cache.get(t)
    if got is None:
        dims = t.shape.as_list() if t.shape.dims is not None else None
        got = cache[t] = dims is not None and all(d == 1 for d in dims)
    return got


def elementwise_groups(ops, placement, feeds, fetch_elems, excluded=()):
    """root op -> its group's members in topological order (root last), for groups of at least two ops and
    the fuser's ``MIN_OPS``."""
    pinned = set(feeds) | {e for e in fetch_elems if isinstance(e, Tensor)}
    in_plan = set(ops)
    consumers = {}
    for op in ops:
        for t in op._inputs:
            consumers.setdefault(t, []).append(op)
    fusers = {}
    scalar = {}

    def candidate(op):
        device = placement[op]
        fuser = fusers.get(device)
        if fuser is None:
            fuser = fusers[device] = _fuser(device) or False
        if not fuser or op.type not in fuser.FUSABLE_OPS or len(op._outputs) != 1 or op in excluded:
            return None
        dtype = op._outputs[0].dtype
        if dtype._enum > 100 or np.dtype(dtype.as_numpy_dtype) not in fuser.FUSABLE_DTYPES:
            return None
        if op._control_inputs or any(c in in_plan for c in op._control_outputs):
            return None
        if any(t.dtype != dtype for t in op._inputs):
            return None
        return fuser

    group_of = {}
    members = {}          # root -> members, in reverse topological order
    leaves = {}           # root -> set of leaf tensors
    arrays = {}           # root -> how many of them may be arrays (not known to hold one element)
    for op in reversed(ops):
        fuser = candidate(op)
        if fuser is None:
            continue
        t = op._outputs[0]
        root = None
        users = consumers.get(t)
        if users and t not in pinned:
            roots = {group_of.get(u) for u in users}
            if len(roots) == 1:
                root = roots.pop()
                if root is not None and placement[root] is not placement[op]:
                    root = None
        if root is not None:
            group_leaves = leaves[root]
            new = {x for x in op._inputs if x not in group_leaves}
            n_arrays = arrays[root] - (not _is_scalar(t, scalar)) + sum(not _is_scalar(x, scalar) for x in new)
            if n_arrays > fuser.MAX_ARRAY_LEAVES:
                root = None
            else:
                group_leaves.discard(t)
                group_leaves.update(new)
                arrays[root] = n_arrays
        if root is None:
            root = op
            members[root] = []
            leaves[root] = set(op._inputs)
            arrays[root] = sum(not _is_scalar(x, scalar) for x in leaves[root])
        group_of[op] = root
        members[root].append(op)
    # A group too small for the machine ever to take it would only add the cost of its fallback.
    return {root: m[::-1] for root, m in members.items()
            if len(m) > 1 and len(m) >= fusers[placement[root]].MIN_OPS}


def group_step(group, resolve, fuser, fed=()):
    """The step kernel of ``group`` (members, topologically ordered) and its leaf tensors, in the order the
    kernel takes them. ``resolve(op)`` compiles a member for running it unfused: only done if a run needs it."""
    index = {}
    leaf_list, leaf_index = [], {}
    program_nodes = []
    for j, op in enumerate(group):
        index[op._outputs[0]] = j
    for op in group:
        refs = []
        for t in op._inputs:
            if t in index and index[t] < len(program_nodes):
                refs.append(("node", index[t]))
                continue
            value = None if t in fed else _scalar_constant(t)
            if value is not None:
                refs.append(("const", value))
                continue
            if t not in leaf_index:
                leaf_index[t] = len(leaf_list)
                leaf_list.append(t)
            refs.append(("leaf", leaf_index[t]))
        program_nodes.append((op.type, *refs))
    program = fuser.compile_program(program_nodes, len(leaf_list))
    dtype = group[-1]._outputs[0].dtype.as_numpy_dtype
    run_program = fuser.run_program
    worthwhile = fuser.worthwhile
    unfused = []

    def kernel(ctx, *values):
        if worthwhile(program, values):
            try:
                return run_program(program, values, dtype)
            except (ValueError, TypeError):
                pass
        if not unfused:
            for op, (_, *refs) in zip(group, program_nodes):
                node = resolve(op)
                unfused.append((node.kernel, node.ctx, [_unfused_ref(r, dtype) for r in refs]))
        return _run_unfused(unfused, values)
    kernel.__name__ = "fused_elementwise_%d" % len(group)
    return kernel, leaf_list


def folded_constants(groups, fed=()):
    """The Const ops whose every use is a group's folded constant: they need no step of their own."""
    uses = {}
    for members in groups.values():
        for op in members:
            for t in op._inputs:
                if t not in fed and _scalar_constant(t) is not None:
                    uses[t.op] = uses.get(t.op, 0) + 1
    return {op for op, n in uses.items() if n == len(op._outputs[0].consumers())}


def _scalar_constant(t):
    """The value of ``t`` if it is a 0-d Const (then the program holds it), else None."""
    op = t.op
    if op.type != "Const" or op._control_inputs or t.shape.dims != []:
        return None
    return float(decode_attr(op._attrs["value"]))


def _unfused_ref(ref, dtype):
    kind, value = ref
    return ("value", np.asarray(value, dtype)) if kind == "const" else ref


def _run_unfused(unfused, leaves):
    """The members one by one, each with its own kernel; a failure names the member's node."""
    results = []
    for fn, ctx, refs in unfused:
        args = [leaves[i] if kind == "leaf" else (results[i] if kind == "node" else i) for kind, i in refs]
        try:
            results.append(fn(ctx, *args))
        except Exception as e:  # noqa: BLE001 - re-raised naming the member, translated by the plan
            e._tagraph_step = (fn, ctx, None, None)
            raise
    return results[-1]
