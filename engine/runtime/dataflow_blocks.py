"""Blocks: runs of plain kernel nodes that the dataflow runner executes as one generated function.

The dataflow runner (:mod:`dataflow`) moves every value between nodes through a worklist, which costs more than
a small kernel does: a loop body of small ops (an LSTM step, its gradient's stack pops and shape arithmetic)
spends most of its time there. A *block* is a set of plain nodes (kernels and transfers; no Switch, Merge,
Enter, Exit, NextIteration or ControlTrigger) of one frame that can run as straight-line code: it waits for
all its inputs from outside (one slot per source), then runs its nodes in the plan's order as one generated
Python function whose values are local variables (as ``codegen`` does for straight-line plans), and hands on
the values that leave it.

Which nodes may share a block: each node gets a *stage*, the largest number of control-flow nodes on a path
to it, so that nodes of one stage joined by edges between plain nodes (a connected set) form a block. No path
leaves such a block and comes back (a node after a control-flow node has a higher stage), so waiting for all
of a block's inputs never waits on the block itself; and a block never holds both a loop's condition and its
body (the Switch between them raises the stage).

Dead values: a block whose inputs are all live runs the generated function (every node in it is then live).
With a dead input it runs node by node, as the worklist would: a node with a dead input, data or control,
does not run, and its outputs are dead.
"""
from tagraph.devices.kernel_registry import DEAD
from tagraph.engine.runtime.codegen import StepFailed

__all__ = ["Block", "make_blocks", "run_block"]


class Block:
    """A block of plain nodes, seen by the runner as one node whose inputs are its slots."""
    __slots__ = ("id", "name", "kind", "members", "frame", "n_in", "n_ctrl", "prep", "slot_of", "ext",
                 "deliveries", "ctrl_deliveries", "run", "member_ins", "member_ctrl", "enter_inputs", "n_inv")

    def __init__(self, kind, members):
        self.kind = kind
        self.members = members           # in the plan's order, which runs each after its inputs
        self.frame = members[0].frame
        self.name = "block:%s..%s" % (members[0].name, members[-1].name)
        self.slot_of = {}                # (source node, port or -1 for a control edge) -> slot
        self.n_in = 0                    # the number of slots, once the edges are rewired
        self.n_inv = 0                   # of them, filled by loop invariants once per frame (the runner's)
        self.n_ctrl = 0
        self.prep = ()
        self.enter_inputs = ()


def make_blocks(nodes, blockable, is_back_edge, block_kind, first_id):
    """Groups ``nodes`` (the runner's, in plan order) into blocks of two or more and rewires the edges: an
    edge from outside into a block goes to the block's slot for its source; edges inside a block are dropped
    (the generated code carries them). Returns the blocks, with ids from ``first_id``."""
    index = {n: i for i, n in enumerate(nodes)}
    stage = [0] * len(nodes)
    for u in nodes:
        s = stage[index[u]] + (0 if blockable(u) else 1)
        for edges in u.outs:
            for v, _ in edges:
                if not is_back_edge(u, v) and stage[index[v]] < s:
                    stage[index[v]] = s
        for v in u.ctrl_outs:
            if stage[index[v]] < s:
                stage[index[v]] = s
    parent = list(range(len(nodes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for u in nodes:
        if not blockable(u):
            continue
        iu = index[u]
        succ = [v for edges in u.outs for v, _ in edges] + list(u.ctrl_outs)
        for v in succ:
            iv = index[v]
            if blockable(v) and stage[iv] == stage[iu]:
                a, b = find(iu), find(iv)
                if a != b:
                    parent[b] = a
    groups = {}
    for n in nodes:
        if blockable(n):
            groups.setdefault(find(index[n]), []).append(n)
    blocks = []
    owner = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        b = Block(block_kind, members)
        b.id = first_id + len(blocks)
        blocks.append(b)
        for m in members:
            owner[m] = b
    if not blocks:
        return []
    _rewire(nodes, owner)
    for b in blocks:
        b.n_in = len(b.slot_of)
        _compile(b)
    return blocks


def _rewire(nodes, owner):
    """Edges into a block from outside now go to its slots; edges inside it are the block's own business.
    What each member reads is recorded first: ``member_ins[m]`` holds, per input, ("slot", k) or
    ("node", member position, port); ``member_ctrl[m]`` its control inputs the same way."""
    for b in set(owner.values()):
        b.member_ins = {m: [None] * m.n_in for m in b.members}
        b.member_ctrl = {m: [] for m in b.members}
    pos = {}
    for b in set(owner.values()):
        for i, m in enumerate(b.members):
            pos[m] = i
    for u in nodes:
        ub = owner.get(u)
        new_outs = []
        for port, edges in enumerate(u.outs):
            kept = []
            for v, idx in edges:
                vb = owner.get(v)
                if vb is None:
                    kept.append((v, idx))
                    continue
                if vb is ub:
                    vb.member_ins[v][idx] = ("node", pos[u], port)
                    continue
                key = (u, port)
                slot = vb.slot_of.get(key)
                if slot is None:
                    slot = vb.slot_of[key] = len(vb.slot_of)
                    kept.append((vb, slot))
                vb.member_ins[v][idx] = ("slot", slot)
            new_outs.append(tuple(kept))
        u.outs = new_outs
        kept_ctrl = []
        ctrl_slots = list(getattr(u, "ctrl_slots", ()))
        for v in u.ctrl_outs:
            vb = owner.get(v)
            if vb is None:
                kept_ctrl.append(v)
                continue
            if vb is ub:
                vb.member_ctrl[v].append(("node", pos[u]))
                continue
            key = (u, -1)
            slot = vb.slot_of.get(key)
            if slot is None:
                slot = vb.slot_of[key] = len(vb.slot_of)
                ctrl_slots.append((vb, slot))
            vb.member_ctrl[v].append(("slot", slot))
        u.ctrl_outs = tuple(kept_ctrl)
        u.ctrl_slots = tuple(ctrl_slots)


def _compile(b):
    """The block's generated function and what it hands on: ``deliveries`` (output index, edges) and
    ``ctrl_deliveries`` (member position, control edges, control slots)."""
    ext = []                       # (member position, port) whose value leaves the block
    b.deliveries = []
    b.ctrl_deliveries = []
    for i, m in enumerate(b.members):
        for port, edges in enumerate(m.outs):
            if edges:
                b.deliveries.append((len(ext), edges))
                ext.append((i, port))
        if m.ctrl_outs or m.ctrl_slots:
            b.ctrl_deliveries.append((i, m.ctrl_outs, m.ctrl_slots))
    b.ext = ext
    used = set(ext)
    for m in b.members:
        for src in b.member_ins[m]:
            if src[0] == "node":
                used.add((src[1], src[2]))

    def ref(src):
        return "s[%d]" % src[1] if src[0] == "slot" else "v%d_%d" % (src[1], src[2])

    lines = []
    names = {}
    for i, m in enumerate(b.members):
        args = []
        for idx, src in enumerate(b.member_ins[m]):
            arg = ref(src)
            steps = dict(m.prep).get(idx)
            if steps is not None:
                names["p%d_%d" % (i, idx)] = steps
                arg = "_prep(p%d_%d, %s, counts)" % (i, idx, arg)
            args.append(arg)
        names["k%d" % i] = m.fn
        names["c%d" % i] = m.ctx
        call = "k%d(%s)" % (i, ", ".join(["c%d" % i] + args))
        lines.append("        _i = %d" % i)
        n_out = len(m.outs)
        if n_out == 1:
            lines.append("        v%d_0 = %s" % (i, call) if (i, 0) in used else "        %s" % call)
        elif n_out == 0:
            lines.append("        %s" % call)
        else:
            lines.append("        _t = %s" % call)
            for port in range(n_out):
                if (i, port) in used:
                    lines.append("        v%d_%d = _t[%d]" % (i, port, port))
        if m.transfer:
            lines.append("        counts[%d] += 1" % m.transfer)
    src = ["def _make(%s):" % ", ".join(sorted(names) + ["_prep", "StepFailed"]),
           "    def run(s, counts):",
           "        _i = -1",
           "        try:"]
    src += ["    " + line for line in lines]
    src += ["        except Exception as _e:",
            "            raise StepFailed(_i, _e) from None",
            "        return (%s)" % "".join("v%d_%d, " % e for e in ext),
            "    return run"]
    namespace = {}
    exec(compile("\n".join(src), "<tagraph block %s>" % b.name, "exec"), namespace)  # noqa: S102 - generated here
    b.run = namespace["_make"](*[names[k] for k in sorted(names)], _apply_prep, StepFailed)


def _apply_prep(steps, v, counts):
    for fn, c, transfer in steps:
        v = fn(c, v)
        if transfer:
            counts[transfer] += 1
    return v


def run_block(b, slots, dead, counts, runner):
    """The values leaving block ``b`` (DEAD where dead) and, per member, whether it was dead. Sets
    ``runner._current`` to a failing member."""
    if not dead:
        try:
            return b.run(slots, counts), None
        except StepFailed as f:
            runner._current = b.members[f.index]
            raise f.error from None
    # Node by node, as the worklist runs them.
    values = {}
    member_dead = []
    for i, m in enumerate(b.members):
        runner._current = m
        ins = []
        is_dead = False
        for src in b.member_ins[m]:
            v = slots[src[1]] if src[0] == "slot" else values[(src[1], src[2])]
            if v is DEAD:
                is_dead = True
            ins.append(v)
        for where, k in b.member_ctrl[m]:
            if (slots[k] is DEAD) if where == "slot" else member_dead[k]:
                is_dead = True
        member_dead.append(is_dead)
        n_out = len(m.outs)
        if is_dead:
            outs = (DEAD,) * n_out
        else:
            for idx, steps in m.prep:
                ins[idx] = _apply_prep(steps, ins[idx], counts)
            r = m.fn(m.ctx, *ins)
            if m.transfer:
                counts[m.transfer] += 1
            outs = (r,) if n_out == 1 else (() if n_out == 0 else r)
        for port in range(n_out):
            values[(i, port)] = outs[port]
    return tuple(values[e] for e in b.ext), member_dead
