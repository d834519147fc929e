"""NoOp, group, tuple, and control flow: ``cond``, ``case``, ``while_loop``.

    init = tg.group(init_a, init_b, name="init")
    y = tg.cond(x > 0, lambda: x * 2.0, lambda: -x)
    i, acc = tg.while_loop(lambda i, acc: i < 10, lambda i, acc: (i + 1, acc * 2.0), [0, 1.0])

**Representation.** tagraph builds TensorFlow 1's own control-flow ops in the graph, "control flow v1":
a cond is ``Switch`` ops routing each value its branches use to one side (the other side's output is
*dead*) and a ``Merge`` per result taking whichever branch ran; a while loop is ``Enter`` (into the
loop's frame) -> ``Merge`` <- ``NextIteration`` (the back edge) -> ``LoopCond`` / ``Switch`` -> body, with
``Exit`` taking the final values out. Why this and not TensorFlow 2's functional ``If`` / ``While`` ops
with their branches and bodies in a FunctionDefLibrary:

- tagraph's promise is TensorFlow 1's formats: the graphs it must run are TensorFlow 1 graphs, whose
  conds and loops are exactly these ops, so the executor that runs them is needed anyway
  (the runtime's dataflow runner); building the same ops makes one representation and one executor,
  and a GraphDef or SavedModel that tagraph writes reads in TensorFlow as if TensorFlow 1 had built it.
- It needs no function library, no function instantiation, and no second graph per branch: the branch
  and body ops are ordinary ops of the graph, placed, named, exported and differentiated as any other
  (``tg.gradients`` through a cond uses TensorFlow's Switch and Merge gradients).
- Dead-value propagation gives the lazy semantics users expect: ops created inside a branch (side
  effects included) run only when that branch is taken.

What building does, as TensorFlow's CondContext and WhileContext do: the branch (or cond and body)
functions are called, then every op they created is rewritten so it sits in the right place. A tensor
from outside used inside a branch goes through a Switch on the predicate (and outside a loop, through a
constant Enter, a loop invariant); an op with no input from inside (a constant) gets a control input from
the branch's or the loop's pivot, so it runs only when that branch, or that iteration, does; a control
input from outside a loop is replaced by one from inside it, ordered after the original. Nested conds and
loops compose: the inner construct is built first, and the outer one rewrites what the inner one left
outside. Each op built is then marked with its context (control_flow_context.py: the branch or the loop
it belongs to), which the gradients need.

Gradients (engine/train/control_flow_grad.py), as TensorFlow 1 builds them: through a ``cond``, a Switch
and a Merge of the gradients; through a ``while_loop``, a second, backward loop that runs as many
iterations as the forward one did and pops from stacks the forward values it needs, which the forward
loop pushes.
"""
import builtins

import numpy as np

from tagraph.devices.kernel_registry import DEAD, register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import (GraphKeys, Operation, Tensor, _graph_of, convert_to_tensor,
                                            get_default_graph)
from tagraph.engine.framework.op_builder import make_op, register_shape, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape, as_shape
from tagraph.engine.ops.array_ops import identity
from tagraph.engine.ops.comparison_ops import equal, logical_and
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_context import (CondContext, WhileContext, built_outside, current_context,
                                                     set_context, set_current_context, while_context_of,
                                                     update_input as _update_input)
from tagraph.engine.ops.tensor_array_ops import TensorArray

__all__ = ["no_op", "group", "tuple", "cond", "case", "switch_case", "while_loop"]

register_shape("NoOp", "ControlTrigger")(lambda op: [])


@register_kernel("NoOp")
def _no_op(ctx):
    return None


@register_kernel("ControlTrigger")
def _control_trigger(ctx):
    return None


not_differentiable("NoOp", "ControlTrigger")


def no_op(name=None):
    return make_op("NoOp", [], name=name)


def group(*inputs, name=None):
    """One op that runs after all of ``inputs`` (ops or tensors)."""
    ops = []
    for i in inputs:
        for x in (i if isinstance(i, (list, builtins.tuple)) else [i]):
            if isinstance(x, Tensor):
                x = x.op
            elif hasattr(x, "_as_graph_element") and not isinstance(x, Operation):
                x = x._as_graph_element()
                x = x.op if isinstance(x, Tensor) else x
            ops.append(x)
    g = ops[0].graph if ops else get_default_graph()
    with g.control_dependencies(ops):
        return g.create_op("NoOp", [], {}, name=name or "group_deps")


def tuple(tensors, name=None, control_inputs=None):
    """Identity of each tensor, all gated on every tensor (and ``control_inputs``) being computed."""
    g = get_default_graph()
    with g.name_scope(name or "tuple"):
        gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            # Each identity sits with its input, as TensorFlow's with_dependencies puts it: a gradient
            # computed on one device is not copied to another just to pass the gate.
            with g.colocate_with(t.op), g.control_dependencies([gate]):
                out.append(identity(t))
        return out


# --- the control-flow ops: kernels (run by the runtime's dataflow runner), shapes, gradients --------------

# Kernels for every device kind: they only forward what they are given (a device array stays where it
# is), so placing them on a GPU costs nothing; the predicate lives in host memory, as in TensorFlow.

def _scalar_pred(pred, what):
    if pred.__class__ is np.bool_:
        return bool(pred)
    if np.ndim(pred) != 0:
        raise errors.InvalidArgumentError(None, None, "%s must be a scalar, but it has shape %s"
                                          % (what, list(np.shape(pred))))
    return bool(pred)


@register_kernel("Switch", host_inputs=(1,))
@register_kernel("RefSwitch", host_inputs=(1,))
def _switch(ctx, data, pred):
    if _scalar_pred(pred, "The second input of Switch (pred)"):
        return DEAD, data
    return data, DEAD


@register_kernel("Merge", host_outputs=(1,))
@register_kernel("RefMerge", host_outputs=(1,))
def _merge(ctx, *inputs):
    # The executor fires a Merge on its first live input without calling this; run directly (all inputs
    # present), it takes the first.
    return inputs[0], np.int32(0)


def _forward(ctx, x):
    return x


for _t in ("Enter", "RefEnter", "Exit", "RefExit", "NextIteration", "RefNextIteration"):
    register_kernel(_t)(_forward)


@register_kernel("LoopCond", host_inputs=(0,), host_outputs=(0,))
def _loop_cond(ctx, pred):
    _scalar_pred(pred, "The input of LoopCond")
    return pred


@register_shape("Switch", "RefSwitch")
def _switch_shape(op):
    if op.inputs[1].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for the predicate of %s"
                         % (op.inputs[1].shape.rank, op.name))
    s = op.inputs[0].shape
    return [s, s]


@register_shape("Merge", "RefMerge")
def _merge_shape(op):
    # TensorFlow's MergeShape: the dimensions all inputs agree on, unknown where they differ.
    out = op.inputs[0].shape
    for t in op.inputs[1:]:
        s = t.shape
        if out.rank is None or s.rank is None or s.rank != out.rank:
            out = TensorShape(None)
            break
        out = TensorShape([a if a == b else None for a, b in zip(out.as_list(), s.as_list())])
    return [out, TensorShape([])]


@register_shape("Enter", "RefEnter", "Exit", "RefExit", "NextIteration", "RefNextIteration")
def _forward_shape(op):
    return [op.inputs[0].shape]


@register_shape("LoopCond")
def _loop_cond_shape(op):
    if op.inputs[0].shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for LoopCond %s"
                         % (op.inputs[0].shape.rank, op.name))
    return [TensorShape([])]


not_differentiable("LoopCond")


# Their gradients (and those of Enter, Exit and NextIteration) are in engine/train/control_flow_grad.py:
# through a loop they build a second, backward loop.


# --- nested structures (lists, tuples, namedtuples, dicts) ----------------------------------------

def _is_nested(x):
    return isinstance(x, (list, builtins.tuple, dict))


def _flatten(x):
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in _flatten(x[k])]
    if isinstance(x, (list, builtins.tuple)):
        return [y for v in x for y in _flatten(v)]
    return [x]


def _pack_as(structure, flat):
    it = iter(flat)

    def pack(s):
        if isinstance(s, dict):
            return type(s)((k, pack(s[k])) for k in sorted(s))
        if isinstance(s, builtins.tuple) and hasattr(s, "_fields"):
            return type(s)(*[pack(v) for v in s])
        if isinstance(s, (list, builtins.tuple)):
            return type(s)(pack(v) for v in s)
        return next(it)
    return pack(structure)


def _pack_loop_vars(structure, flat):
    """``flat`` packed as ``structure``, each TensorArray of it rebuilt around its new flow."""
    flat = [v._with_flow(t) if isinstance(v, TensorArray) else t for v, t in zip(_flatten(structure), flat)]
    return _pack_as(structure, flat)


def _same_structure(a, b):
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b) and \
            all(_same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, builtins.tuple)) or isinstance(b, (list, builtins.tuple)):
        return isinstance(a, (list, builtins.tuple)) and isinstance(b, (list, builtins.tuple)) and \
            len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    return True


def _unpack_if_singleton(x):
    if isinstance(x, (list, builtins.tuple)) and len(x) == 1:
        return x[0]
    return x


def _as_value_tensor(v):
    """A branch or body result as a tensor (variables are read; Python values become constants; a
    TensorArray is its flow, which a loop carries in its place, as TensorFlow's does)."""
    if isinstance(v, TensorArray):
        return v.flow
    if isinstance(v, Tensor):
        return v
    return convert_to_tensor(v)


# --- rewriting what a branch or a body created ------------------------------------------------------

def _remove_control_input(op, c):
    op._control_inputs.remove(c)
    try:
        c._control_outputs.remove(op)
    except ValueError:
        pass


class _CondBranches:
    """What one ``cond`` shares between its branches: the predicate, the Switch of each outside value,
    and the context of each branch (false, true), recorded on the ops built in it."""

    def __init__(self, graph, pred, contexts):
        self.graph = graph
        self.pred = pred
        self.contexts = contexts
        self.switches = {}     # (outside tensor, branch or None when shared) -> Switch op

    def switched(self, t, branch):
        # In a loop each branch has a Switch of its own, as in TensorFlow, whose importer puts the op in one
        # branch: its loop gradient saves the values of the branch the op is in. Elsewhere one Switch serves
        # both branches.
        key = (t, branch) if while_context_of(self.contexts[0]) is not None else (t, None)
        sw = self.switches.get(key)
        if sw is None:
            with self.graph.control_dependencies(None):
                # A reference stays one (RefSwitch), as in TensorFlow: it is read, or assigned, where used.
                sw = self.graph.create_op("RefSwitch" if t.dtype._enum > 100 else "Switch", [t, self.pred], {},
                                          name="Switch")
            # Each output is in the context of the branch it is live in.
            set_context(sw, self.contexts[0].outer_context)
            sw._cond_branch_contexts = self.contexts
            self.switches[key] = sw
        return sw.outputs[branch]

    def build(self, fn, pivot, branch, which):
        g = self.graph
        start = len(g._ops)
        outer = current_context(g)
        set_current_context(g, self.contexts[branch])
        try:
            result = fn()
        finally:
            set_current_context(g, outer)
        if result is None:
            raise ValueError("'%s' must have a return value." % which)
        if isinstance(result, Operation):
            with g.control_dependencies([result]):
                flat = [make_op("Identity", [pivot], name="Identity")]
            structure = flat[0]
        else:
            structure = result
            flat = []
            for v in _flatten(result):
                if isinstance(v, Operation):
                    with g.control_dependencies([v]):
                        v = make_op("Identity", [pivot], name="Identity")
                flat.append(_as_value_tensor(v))
        created = [op for op in g._ops[start:] if not built_outside(op)]
        inside = set(created)
        for op in created:
            conditional = False
            for i, t in enumerate(op._inputs):
                if t.op in inside or t.op is pivot.op:
                    conditional = True
                    continue
                if t.op is self.pred.op or (op.type in _MERGES and t.op.type in _NEXT_ITERATIONS):
                    continue
                _update_input(op, i, self.switched(t, branch))
                conditional = True
            if not conditional and not any(c in inside or c is pivot.op for c in op._control_inputs):
                op._add_control_input(pivot.op)
            if not hasattr(op, "_control_flow_context"):
                set_context(op, self.contexts[branch])
        # A result from outside the branch (``lambda: x``) is switched too, so the Merge sees it only
        # when this branch is taken.
        flat = [v if v.op in inside or v.op is pivot.op else self.switched(v, branch) for v in flat]
        return structure, flat


_SWITCHES = frozenset(["Switch", "RefSwitch"])
_MERGES = frozenset(["Merge", "RefMerge"])
_NEXT_ITERATIONS = frozenset(["NextIteration", "RefNextIteration"])
_ENTERS = frozenset(["Enter", "RefEnter"])


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """``true_fn()`` if ``pred`` is true else ``false_fn()``; only the ops of the branch taken run.

    Both functions take no arguments and return the same structure of tensors (of the same dtypes);
    a singleton list comes back as its element unless ``strict``. Tensors made outside the functions
    are computed whichever branch is taken; ops made inside run only with their branch.

        x = tg.placeholder(tg.float32, [])
        y = tg.cond(x > 0, lambda: tg.sqrt(x), lambda: tg.zeros([]))
    """
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): true_fn and fn1 may not be set simultaneously.")
        true_fn = fn1
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): false_fn and fn2 may not be set simultaneously.")
        false_fn = fn2
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    if isinstance(pred, (bool, np.bool_)):
        raise TypeError("'pred' must not be a Python bool.")
    g = _graph_of([pred]) if isinstance(pred, Tensor) else get_default_graph()
    with g.as_default(), g.name_scope(name or "cond"):
        pred = convert_to_tensor(pred)
        if pred.dtype.base_dtype != dtypes.bool:
            raise TypeError("'pred' must be a bool tensor, got %s (%s)" % (pred.name, pred.dtype.name))
        if pred.shape.rank not in (None, 0):
            raise ValueError("'pred' must be a scalar, got shape %s (%s)" % (pred.shape, pred.name))
        with g.control_dependencies(None):
            p_f, p_t = make_op("Switch", [pred, pred], name="Switch")
        pivot_t = make_op("Identity", [p_t], name="switch_t")
        pivot_f = make_op("Identity", [p_f], name="switch_f")
        pred_id = make_op("Identity", [pred], name="pred_id")
        outer = current_context(g)
        # Named as TensorFlow names them (the true branch's first), for the cond_context collection.
        name_t, name_f = g.unique_name("cond_text"), g.unique_name("cond_text")
        branches = _CondBranches(g, pred_id, (CondContext(g, pred_id, pivot_f, 0, outer, name=name_f),
                                              CondContext(g, pred_id, pivot_t, 1, outer, name=name_t)))
        orig_t, res_t = branches.build(true_fn, pivot_t, 1, "true_fn")
        orig_f, res_f = branches.build(false_fn, pivot_f, 0, "false_fn")
        if not strict:
            orig_t = _unpack_if_singleton(orig_t)
            orig_f = _unpack_if_singleton(orig_f)
        if not _same_structure(orig_t, orig_f) or len(res_t) != len(res_f):
            raise ValueError("Incompatible return values of 'true_fn' and 'false_fn': they must return the "
                             "same structure, got %r and %r" % (orig_t, orig_f))
        if not res_t:
            raise ValueError("'true_fn' and 'false_fn' must return at least one result.")
        for x, y in zip(res_t, res_f):
            if x.dtype.base_dtype != y.dtype.base_dtype:
                raise ValueError("Outputs of 'true_fn' and 'false_fn' must have the same type(s). Received "
                                 "%s from 'true_fn' and %s from 'false_fn'."
                                 % (x.dtype.base_dtype.name, y.dtype.base_dtype.name))
        with g.control_dependencies(None):
            merges = [make_op("Merge", [[f, t]], name="Merge")[0] for f, t in zip(res_f, res_t)]
        if outer is None:
            # Only outermost conds: a nested one is written inside its outer context (nested_contexts).
            g.add_to_collection(GraphKeys.COND_CONTEXT, branches.contexts[1])
            g.add_to_collection(GraphKeys.COND_CONTEXT, branches.contexts[0])
        if isinstance(orig_t, (Tensor, Operation)) or not _is_nested(orig_t):
            out = merges[0]
        else:
            out = _pack_as(orig_t, merges)
        if not strict:
            out = _unpack_if_singleton(out)
        return out


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The result of the function of the first pair whose predicate is true, else of ``default``.

    TensorFlow 1's ``case``, as a chain of conds (the last pair's function is the default when none is
    given). ``exclusive=True`` is refused: checking it at run time needs TensorFlow's Assert op, which
    tagraph does not have.

        r = tg.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)], default=lambda: x)
    """
    if exclusive:
        raise NotImplementedError("case(exclusive=True) needs an Assert op, which tagraph does not have; "
                                  "order the predicates and use exclusive=False")
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    pairs = list(pred_fn_pairs)
    for p in pairs:
        if not isinstance(p, builtins.tuple) or len(p) != 2:
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple, got %r" % (p,))
        if not callable(p[1]):
            raise TypeError("fn for pred %s must be callable." % getattr(p[0], "name", p[0]))
    if default is None:
        if not pairs:
            raise ValueError("case() needs at least one (pred, fn) pair or a default")
        pairs, (_, default) = pairs[:-1], pairs[-1]
    if not callable(default):
        raise TypeError("default must be callable.")
    g = get_default_graph()
    with g.name_scope(name or "case"):
        preds = [convert_to_tensor(p) for p, _ in pairs]

        def chain(i):
            if i == len(pairs):
                return default()
            return cond(preds[i], pairs[i][1], lambda: chain(i + 1), strict=strict, name="If_%d" % i)
        return chain(0)


def _switch_case_branches(branch_index, branch_fns, default):
    """TensorFlow's checks of switch_case's arguments; the branch functions in key order, ``default`` last."""
    if not isinstance(branch_index, Tensor):
        raise TypeError("'branch_index' must be a Tensor, got {}".format(type(branch_index)))
    if not branch_index.dtype.is_integer:
        raise TypeError("'branch_index' must be an integer Tensor, got <dtype: '{}'>".format(branch_index.dtype.name))
    if not branch_fns:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    if not isinstance(branch_fns, (list, builtins.tuple, dict)):
        raise TypeError("branch_fns must be a list, tuple, or dict")
    if isinstance(branch_fns, dict):
        branch_fns = list(branch_fns.items())
    if all(callable(fn) for fn in branch_fns):
        branch_fns = list(enumerate(branch_fns))
    for pair in branch_fns:
        if not isinstance(pair, builtins.tuple) or len(pair) != 2:
            raise TypeError("Each entry in branch_fns must be a 2-tuple. Received {}.".format(pair))
        key, fn = pair
        if not isinstance(key, int):
            raise TypeError("key must be a Python `int`, got {}".format(type(key)))
        if not callable(fn):
            raise TypeError("fn for key {} must be callable.".format(key))
    keys = [key for key, _ in branch_fns]
    if min(keys) < 0 or max(keys) >= len(keys) or len(set(keys)) != len(keys):
        raise ValueError("branch indices (keys) must form contiguous range of [0 to {}) but found {{{}}}".format(
            len(keys), ",".join(map(str, sorted(keys)))))
    return [fn for _, fn in sorted(branch_fns, key=lambda pair: pair[0])] + ([default] if default is not None else [])


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """The result of ``branch_fns[branch_index]``; an index with no branch runs ``default`` (the last branch
    when there is none). ``branch_fns``: functions, or (key, function) pairs or a dict with keys 0..n-1.

        r = tg.switch_case(i, [lambda: a, lambda: b], default=lambda: c)

    Built as a chain of TensorFlow 1 conds on ``branch_index == key`` (TensorFlow builds one Case op over
    function branches); the values are the same.
    """
    actions = _switch_case_branches(branch_index, branch_fns, default)
    if branch_index.dtype.base_dtype != dtypes.int32:
        # TensorFlow's Case op takes int32 indices only.
        raise TypeError("Input 'branch_index' of 'StatelessCase' Op has type %s that does not match expected type "
                        "of int32." % branch_index.dtype.base_dtype.name)
    g = get_default_graph()
    with g.name_scope(name or "switch_case"):
        index = convert_to_tensor(branch_index)
        preds = [equal(index, constant(key, dtype=index.dtype.base_dtype)) for key in range(len(actions) - 1)]

        def chain(i):
            if i == len(preds):
                return actions[-1]()
            return cond(preds[i], actions[i], lambda: chain(i + 1), name="If_%d" % i)
        return chain(0)


# --- while_loop ------------------------------------------------------------------------------------

def _shape_less_or_equal(a, b):
    """Whether ``a`` is at least as specific as ``b`` (TensorFlow's _ShapeLessThanOrEqual)."""
    if b.rank is None:
        return True
    if a.rank != b.rank:
        return False
    return all(db is None or da == db for da, db in zip(a.as_list(), b.as_list()))


class _Loop:
    """Rewrites what a loop's cond and body functions created so that it runs inside the loop's frame."""

    def __init__(self, graph, frame_name, parallel_iterations):
        self.graph = graph
        self.frame_name = frame_name
        self.parallel_iterations = parallel_iterations
        self.invariants = {}      # outside tensor -> constant Enter output
        self.ordered = {}         # outside op -> constant Enter op ordered after it
        self.inside = set()
        self.outside = set()      # ops made while building the loop that run outside it

    def enter(self, t, is_constant):
        # A reference stays one (RefEnter), as in TensorFlow: it is read, or assigned, where used.
        op_type = "RefEnter" if t.dtype._enum > 100 else "Enter"
        with self.graph.control_dependencies(None):
            return self.graph.create_op(op_type, [t], {"frame_name": self.frame_name, "is_constant": is_constant,
                                                       "parallel_iterations": self.parallel_iterations},
                                        name="Enter").outputs[0]

    def invariant(self, t):
        e = self.invariants.get(t)
        if e is None:
            e = self.invariants[t] = self.enter(t, True)
        return e

    def after(self, c):
        """A constant Enter that carries the ordering of an outside control input into the loop."""
        e = self.ordered.get(c)
        if e is None:
            g = self.graph
            with g.control_dependencies(None), g.control_dependencies([c]):
                z = constant(False, name="control_input")
            self.outside.add(z.op)
            e = self.ordered[c] = self.enter(z, True).op
        return e

    def adopt(self, ops, pivot):
        inside = self.inside
        for op in ops:
            for i, t in enumerate(op._inputs):
                if t.op in inside or (op.type in _MERGES and t.op.type in _NEXT_ITERATIONS):
                    continue
                _update_input(op, i, self.invariant(t))
            outside = [c for c in op._control_inputs if c not in inside]
            for c in outside:
                _remove_control_input(op, c)
            free = not op._control_inputs and all(
                t.op.type in _ENTERS and t.op.get_attr("is_constant") for t in op._inputs)
            for c in outside:
                op._add_control_input(self.after(c))
            if free:
                # Only loop invariants feed it: without the pivot it would also run in the iteration
                # that ends the loop.
                op._add_control_input(pivot.op)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """Repeats ``body`` while ``cond`` is true; returns the loop variables' final values.

    ``cond(*vars)`` returns a scalar bool tensor, ``body(*vars)`` the next values, in the structure of
    ``loop_vars`` (a list or tuple, whose entries may nest lists, tuples, namedtuples and dicts of
    tensors). Each variable keeps its shape across iterations unless ``shape_invariants`` (the same
    structure, of shapes) gives a less specific one. ``maximum_iterations`` stops the loop after that many
    iterations. A single loop variable comes back as a tensor unless ``return_same_structure``.
    ``tg.gradients`` differentiates the loop (as TensorFlow 1 does: engine/train/control_flow_grad.py)
    unless ``back_prop`` is false; then the loop's values get no gradient. (``swap_memory`` is accepted
    for TensorFlow's signature: saved values always stay in host memory.)

        i, total = tg.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + i), [0, 0])
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if not isinstance(parallel_iterations, (int, np.integer)) or parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if not isinstance(loop_vars, (list, builtins.tuple)):
        loop_vars = [loop_vars]
    if not loop_vars or not _flatten(loop_vars):
        raise ValueError("'loop_vars' must be provided.")
    if shape_invariants is not None and not isinstance(loop_vars, (list, builtins.tuple)):
        shape_invariants = [shape_invariants]
    g = _graph_of([v for v in _flatten(loop_vars) if isinstance(v, Tensor)])
    with g.as_default(), g.name_scope(name or "while") as scope:
        if maximum_iterations is not None:
            max_iter = convert_to_tensor(maximum_iterations, name="maximum_iterations")
            if max_iter.shape.rank not in (None, 0):
                raise ValueError("'maximum_iterations' must be a scalar, got shape %s" % max_iter.shape)
            if not max_iter.dtype.is_integer:
                raise TypeError("'maximum_iterations' must be an integer, got %s" % max_iter.dtype.name)
            counter = constant(0, dtype=max_iter.dtype.base_dtype, name="iteration_counter")
            orig_cond, orig_body = cond, body
            if len(loop_vars) == 1 and not return_same_structure:
                loop_vars = (counter, loop_vars[0])
                if shape_invariants is not None:
                    shape_invariants = (TensorShape([]), _unpack_if_singleton(list(shape_invariants)))

                def cond(i, lv):  # noqa: F811
                    return logical_and(i < max_iter, orig_cond(lv))

                def body(i, lv):  # noqa: F811
                    return i + 1, orig_body(lv)
            else:
                loop_vars = (counter, loop_vars)
                if shape_invariants is not None:
                    shape_invariants = (TensorShape([]), shape_invariants)

                def cond(i, lv):  # noqa: F811
                    return logical_and(i < max_iter, orig_cond(*lv))

                def body(i, lv):  # noqa: F811
                    return i + 1, orig_body(*lv)

        flat_vars = [_as_value_tensor(v) for v in _flatten(loop_vars)]
        if shape_invariants is None:
            flat_inv = [v.shape for v in flat_vars]
        else:
            flat_inv = _flatten_shapes_as(loop_vars, shape_invariants)
        loop = _Loop(g, scope + "while_context", parallel_iterations)
        outer = current_context(g)
        ctxt = WhileContext(g, loop.frame_name, parallel_iterations, back_prop, swap_memory,
                            max_iter if maximum_iterations is not None else None, outer)
        loop_start = len(g._ops)
        enters = []
        for v, inv in zip(flat_vars, flat_inv):
            if not _shape_less_or_equal(v.shape, inv):
                raise ValueError("The shape invariant specified for %s is not compatible with the initial shape "
                                 "of the loop variable. It enters the loop with shape %s, but the specified "
                                 "shape invariant is %s." % (v.name, v.shape, inv))
            # The loop starts after the control dependencies in force here, as TensorFlow's Enters do.
            e = g.create_op("Enter", [v], {"frame_name": loop.frame_name, "is_constant": False,
                                           "parallel_iterations": parallel_iterations}, name="Enter").outputs[0]
            e._shape = inv
            enters.append(e)
        with g.control_dependencies(None):
            merges = [make_op("Merge", [[e, e]], name="Merge")[0] for e in enters]
        pivot_for_pred = merges[0]
        loop.inside.update(m.op for m in merges)
        loop.inside.update(e.op for e in enters)

        start = len(g._ops)
        set_current_context(g, ctxt)
        try:
            c = convert_to_tensor(cond(*_pack_loop_vars(loop_vars, merges)))
        finally:
            set_current_context(g, outer)
        if c.dtype.base_dtype != dtypes.bool:
            raise TypeError("'cond' must return a bool tensor, got %s (%s)" % (c.name, c.dtype.name))
        with g.control_dependencies(None):
            loop_cond = make_op("LoopCond", [c], name="LoopCond")
        cond_ops = [op for op in g._ops[start:] if not built_outside(op)]
        loop.inside.update(cond_ops)
        loop.adopt(cond_ops, pivot_for_pred)

        with g.control_dependencies(None):
            switches = [make_op("Switch", [m, loop_cond], name="Switch") for m in merges]
            body_vars = [make_op("Identity", [s[1]], name="Identity") for s in switches]
        pivot_for_body = body_vars[0]
        loop.inside.update(s[0].op for s in switches)
        loop.inside.update(b.op for b in body_vars)

        start = len(g._ops)
        packed = _pack_loop_vars(loop_vars, body_vars)
        set_current_context(g, ctxt)
        try:
            result = body(*packed)
        finally:
            set_current_context(g, outer)
        if not _is_nested(result):
            result = [result]
        if not _same_structure(list(packed), list(result)):
            raise ValueError("The body of a while_loop must return the structure of 'loop_vars' (%d entries), "
                             "got %r" % (len(packed), result))
        flat_result = [_as_value_tensor(v) for v in _flatten(result)]
        if len(flat_result) != len(merges):
            raise ValueError("Number of inputs and outputs of 'body' must match 'loop_vars'. Got %d for the "
                             "number of inputs/outputs, and %d for 'loop_vars'." % (len(flat_result), len(merges)))
        with g.control_dependencies(None):
            nexts = []
            for m, v in zip(merges, flat_result):
                if v.dtype.base_dtype != m.dtype.base_dtype:
                    raise TypeError("The body of a while_loop returned %s (%s) for a loop variable of dtype %s"
                                    % (v.name, v.dtype.base_dtype.name, m.dtype.base_dtype.name))
                nexts.append(make_op("NextIteration", [v], name="NextIteration"))
        body_ops = [op for op in g._ops[start:] if not built_outside(op)]
        loop.inside.update(body_ops)
        loop.adopt(body_ops, pivot_for_body)
        for m, n in zip(merges, nexts):
            if not _shape_less_or_equal(n.shape, m.shape):
                src = m.op.inputs[0].op.inputs[0]
                raise ValueError("Input tensor '%s' enters the loop with shape %s, but has shape %s after one "
                                 "iteration. To allow the shape to vary across iterations, use the "
                                 "`shape_invariants` argument of tf.while_loop to specify a less-specific "
                                 "shape." % (src.name, src.shape, n.shape))
            _update_input(m.op, 1, n)
        with g.control_dependencies(None):
            exits = [make_op("Exit", [s[0]], name="Exit") for s in switches]
        for x, inv in zip(exits, flat_inv):
            x._shape = inv
        ctxt.pivot, ctxt.pivot_for_pred, ctxt.pivot_for_body = loop_cond, pivot_for_pred, pivot_for_body
        ctxt.loop_enters, ctxt.loop_exits = enters, exits
        if outer is None:
            # Only outermost loops: a nested one is written inside its outer context (nested_contexts).
            g.add_to_collection(GraphKeys.WHILE_CONTEXT, ctxt)
        for op in g._ops[loop_start:]:
            if op not in loop.outside and not hasattr(op, "_control_flow_context"):
                set_context(op, ctxt)
        packed_exits = _pack_loop_vars(result, exits)
        if not return_same_structure and maximum_iterations is None:
            packed_exits = packed_exits[0] if len(exits) == 1 else packed_exits
        if maximum_iterations is not None:
            return packed_exits[1]
        return packed_exits


def _flatten_shapes_as(structure, shapes):
    """The shapes of ``shapes`` for each tensor of ``structure`` (a shape may be a TensorShape, a list of
    dimensions, or None for an unknown shape)."""
    out = []

    def walk(s, sh):
        if isinstance(s, dict):
            if not isinstance(sh, dict) or sorted(s) != sorted(sh):
                raise ValueError("'shape_invariants' must have the structure of 'loop_vars'")
            for k in sorted(s):
                walk(s[k], sh[k])
        elif isinstance(s, (list, builtins.tuple)):
            if not isinstance(sh, (list, builtins.tuple)) or len(sh) != len(s):
                raise ValueError("'shape_invariants' must have the structure of 'loop_vars': %r for %r"
                                 % (shapes, structure))
            for a, b in zip(s, sh):
                walk(a, b)
        else:
            out.append(as_shape(sh) if sh is not None else TensorShape(None))
    walk(structure, shapes)
    return out
