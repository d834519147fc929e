"""LSTM cells found in a plan and run as one step, where the device kind has a fused LSTM cell.

TensorFlow 1's ``BasicLSTMCell`` and ``LSTMCell`` (no peepholes, no cell clipping; ``dynamic_rnn`` puts them in
its loop body, ``static_rnn`` once per step) build, after their matmul::

    gates = BiasAdd(MatMul(...), bias)                  # optional here; MatMul(...) may be an Add of two
                                                        # (Keras), folded in where the kind's cell takes it
    i, j, f, o = Split(axis=1, gates, num_split=4)      # any assignment of the four blocks to the gates
    c = Add(Mul(c_prev, Sigmoid(Add(f, forget_bias))), Mul(Sigmoid(i), Tanh(j)))      # the Add of f optional
    h = Mul(Tanh(c), Sigmoid(o))

(either operand order of each Add and Mul). On a device kind offering ``fused_kernel(("LSTMCell",))`` (the
GPU's, :mod:`tagraph.devices.gpu_lstm_cell`, and the CPU's, :mod:`tagraph.devices.cpu_lstm_cell`) the matched ops become one step producing ``c`` and ``h`` from
the gates (or the BiasAdd's input and bias), ``c_prev`` and the scalar forget bias.

A cell is matched only when nobody else sees its intermediate values: each one goes only to its place in
the pattern, is neither fed nor fetched, and no op of the plan waits on a member through a control edge; the
members have no control inputs and share one device. So a training graph, whose gradient reads the sigmoids,
the tanhs and the split (or, in a loop, pushes them on stacks), keeps its cells unfused; ``c`` and ``h``
themselves may go anywhere. When a run's values do not fit the kernel (``c_prev`` broadcast, an unexpected
dtype), the members run one by one with their own kernels, so results and errors are those of the unfused
graph. ``opt_level = L0`` turns this off with the other fusions.
"""
import numpy as np

from tagraph.engine.framework.graph import Tensor
from tagraph.engine.runtime.elementwise_fusion import fusion_enabled
from tagraph.engine.runtime.plan import decode_attr

__all__ = ["LSTMCellMatch", "lstm_cells", "cells_to_fuse", "cell_step"]

_ADD_OPS = frozenset(["Add", "AddV2"])
_FLOAT_TYPES = frozenset(["float32", "float64"])


class LSTMCellMatch:
    """One matched cell: its member ops (plan order), where the fused step goes (``anchor``: the op making
    ``c``, after every leaf), the leaf tensors, the gate blocks' ``order`` (i, j, f, o) and outputs."""

    __slots__ = ("members", "anchor", "gates", "addend", "bias", "c_prev", "forget_bias", "order", "c", "h",
                 "axis_tensor", "axis")

    def __init__(self, members, gates, addend, bias, c_prev, forget_bias, order, c, h, axis_tensor, axis):
        self.members = members
        self.anchor = c.op
        self.gates, self.addend, self.bias = gates, addend, bias
        self.c_prev, self.forget_bias = c_prev, forget_bias
        self.order, self.c, self.h = order, c, h
        self.axis_tensor, self.axis = axis_tensor, axis     # the split's, given to it when run unfused

    @property
    def leaves(self):
        """The step's inputs, in the order its kernel takes them: gates (the BiasAdd's input when it is a
        member), c_prev, then the forget bias, the bias and the addend where present."""
        return [self.gates, self.c_prev] + [t for t in (self.forget_bias, self.bias, self.addend) if t is not None]

    def __repr__(self):
        return "LSTMCellMatch(%s, order=%s)" % (self.anchor.name, self.order)


def cells_to_fuse(session, ops, placement, feeds, fetch_elems):
    """``({anchor op: LSTMCellMatch}, every member op)`` of the cells a plan runs fused; none at ``L0``."""
    if not fusion_enabled(getattr(session, "_config", None)):
        return {}, set()
    cells = {c.anchor: c for c in lstm_cells(ops, placement, feeds, fetch_elems)}
    return cells, {m for c in cells.values() for m in c.members}


def lstm_cells(ops, placement, feeds, fetch_elems):
    """The fusable LSTM cells among ``ops`` (pruned, placed, in plan order), as :class:`LSTMCellMatch`."""
    splits = [op for op in ops if op._type == "Split" and len(op._outputs) == 4
              and placement[op].kind.fused_kernel(("LSTMCell",)) is not None]
    if not splits:
        return []
    in_plan = set(ops)
    users = {}
    for op in ops:
        for t in op._inputs:
            users.setdefault(t, []).append(op)
    fed = set(feeds)
    pinned = fed | {e for e in fetch_elems if isinstance(e, Tensor)}
    position = {op: k for k, op in enumerate(ops)}
    matches = []
    taken = set()
    for split in splits:
        m = _match(split, placement, in_plan, users, pinned)
        if m is not None and taken.isdisjoint(m.members) and m.c not in fed and m.h not in fed:
            m.members.sort(key=position.__getitem__)
            taken.update(m.members)
            matches.append(m)
    return matches


def _match(split, placement, in_plan, users, pinned):
    device = placement[split]

    def sole_user(t, *types):
        """The one op of the plan reading ``t`` (once), if it is of ``types``, on the device, without control
        edges, and ``t`` is neither fed nor fetched."""
        got = users.get(t)
        if t in pinned or not got or len(got) != 1:
            return None
        op = got[0]
        return op if op._type in types and _plain(op, device, placement, in_plan) else None

    def other(op, t):
        a, b = op._inputs
        return b if a is t else (a if b is t else None)

    axis_t, gates = split._inputs
    axis = _constant(axis_t)
    dims = gates.shape.dims
    if axis is None or axis.size != 1 or dims is None or len(dims) != 2 or int(axis.reshape(-1)[0]) not in (1, -1):
        return None
    if not _plain(split, device, placement, in_plan) or gates.dtype.name not in _FLOAT_TYPES:
        return None
    dtype = gates.dtype
    blocks = split._outputs
    members = [split]
    sigmoid_of = {}      # block -> its Sigmoid (i, o, or f without a forget bias)
    tanh_of = {}         # block -> its Tanh (j)
    biased = {}          # block -> (Add with the forget bias, its Sigmoid, the forget bias)
    for k, t in enumerate(blocks):
        op = sole_user(t, "Sigmoid", "Tanh", *_ADD_OPS)
        if op is None:
            return None
        if op._type == "Sigmoid":
            sigmoid_of[k] = op
        elif op._type == "Tanh":
            tanh_of[k] = op
        else:
            fb = other(op, t)
            sf = sole_user(op._outputs[0], "Sigmoid")
            if fb is None or sf is None or fb.shape.dims != [] or fb.dtype != dtype:
                return None
            biased[k] = (op, sf, fb)
    if len(tanh_of) != 1 or len(biased) > 1:
        return None
    (j, tj), = tanh_of.items()
    mi = sole_user(tj._outputs[0], "Mul")
    if mi is None:
        return None
    i = next((k for k, s in sigmoid_of.items() if other(mi, tj._outputs[0]) is s._outputs[0]), None)
    if i is None:
        return None
    c_op = sole_user(mi._outputs[0], *_ADD_OPS)
    if c_op is None:
        return None
    mf = other(c_op, mi._outputs[0])
    mf = mf.op if mf is not None and mf.op._type == "Mul" and mf.op in in_plan else None
    if mf is None or sole_user(mf._outputs[0], *_ADD_OPS) is not c_op:
        return None
    if biased:
        (f, (add_f, sf, fb)), = biased.items()
    else:
        f, sf, add_f, fb = None, None, None, None
    c_prev = None
    for k, s in list(sigmoid_of.items()) if f is None else [(f, sf)]:
        if k != i and sole_user(s._outputs[0], "Mul") is mf:
            f, sf, c_prev = k, s, other(mf, s._outputs[0])
            break
    if c_prev is None:
        return None
    c = c_op._outputs[0]
    rest = [k for k in sigmoid_of if k not in (i, f)]
    if len(rest) != 1:
        return None
    o, so = rest[0], sigmoid_of[rest[0]]
    mh = sole_user(so._outputs[0], "Mul")
    if mh is None:
        return None
    tc = other(mh, so._outputs[0])
    if tc is None or tc.op._type != "Tanh" or tc.op._inputs[0] is not c or sole_user(tc, "Mul") is not mh \
            or not _plain(tc.op, device, placement, in_plan):
        return None
    members += [sigmoid_of[i], tj, mi, sf, mf, c_op, tc.op, so, mh] + ([add_f] if add_f is not None else [])
    if any(op._outputs[0].dtype != dtype for op in members[1:]) \
            or not _plain(c_op, device, placement, in_plan) or not _plain(mh, device, placement, in_plan):
        return None
    made_here = {t for op in members for t in op._outputs}
    if any(t in made_here or t.dtype._enum > 100 for t in (c_prev, fb) if t is not None):
        return None
    bias = None
    bias_add = gates.op
    consumer = split
    if bias_add._type == "BiasAdd" and sole_user(gates, "Split") is split and _nhwc(bias_add) \
            and _plain(bias_add, device, placement, in_plan) \
            and all(t.dtype == dtype for t in bias_add._inputs):
        members.append(bias_add)
        gates, bias = bias_add._inputs
        consumer = bias_add
    addend = None
    add = gates.op
    if add._type in _ADD_OPS and getattr(device.kind.fused_kernel(("LSTMCell",)), "takes_addend", False) \
            and sole_user(gates, consumer._type) is consumer and _plain(add, device, placement, in_plan) \
            and all(t.dtype == dtype for t in add._inputs) and not made_here.intersection(add._inputs):
        members.append(add)
        gates, addend = add._inputs
    return LSTMCellMatch(members, gates, addend, bias, c_prev, fb, (i, j, f, o), c, mh._outputs[0], axis_t, axis)


def _plain(op, device, placement, in_plan):
    """On ``device``, no control inputs, and no op of the plan waits on it."""
    return (op in in_plan and placement[op] is device and not op._control_inputs
            and not any(c in in_plan for c in op._control_outputs))


def _nhwc(op):
    fmt = op._attrs.get("data_format")
    return fmt is None or fmt.s in (b"NHWC", b"")


def _constant(t):
    """The value of ``t`` if a Const makes it (control inputs allowed: a loop body's constants have them)."""
    if t.op._type != "Const":
        return None
    return np.asarray(decode_attr(t.op._attrs["value"]))


def cell_step(match, device, resolve):
    """``kernel(ctx, *match.leaves) -> (c, h)`` running ``match`` on ``device`` with its kind's fused cell;
    ``resolve(op)`` compiles a member for running it unfused, done only if a run's values need it."""
    cell = device.kind.fused_kernel(("LSTMCell",))
    order = match.order
    has_fb, has_bias, has_addend = (t is not None for t in (match.forget_bias, match.bias, match.addend))
    leaf_tensors = match.leaves
    members = match.members
    unfused = []

    at_bias = 1 if has_fb else 0         # where the bias and the addend are in the kernel's *rest

    def kernel(ctx, gates, c_prev, *rest):
        forget_bias = rest[0] if has_fb else None
        bias = rest[at_bias] if has_bias else None
        got = cell(ctx, order, gates, c_prev, forget_bias, bias, rest[-1]) if has_addend else \
            cell(ctx, order, gates, c_prev, forget_bias, bias)
        if got is not None:
            return got
        if not unfused:
            unfused.extend((op, resolve(op)) for op in members)
        values = dict(zip(leaf_tensors, (gates, c_prev) + rest))
        values[match.axis_tensor] = match.axis
        for op, node in unfused:
            try:
                r = node.kernel(node.ctx, *[values[t] for t in op._inputs])
            except Exception as e:  # noqa: BLE001 - re-raised naming the member, translated by the plan
                e._tagraph_step = (node.kernel, node.ctx, None, None)
                raise
            if len(op._outputs) == 1:
                values[op._outputs[0]] = r
            else:
                values.update(zip(op._outputs, r))
        return values[match.c], values[match.h]
    kernel.__name__ = "fused_lstm_cell"
    return kernel
