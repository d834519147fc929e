"""The state of one ``tg.gradients`` call through while loops: for each forward loop, the backward loop
that differentiates it and the stacks between them (TensorFlow 1's control_flow_state).

    _, y = tg.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * w), [0, x])
    dx, dw = tg.gradients(y, [x, w])

TensorFlow 1's algorithm, built with the same ops and names (``gradients/f_count``, ``.../f_acc``,
``gradients/b_count``, ``.../b_acc``, frame ``gradients/while/while_context``):

- The forward loop gets a counter (``f_count``), added to it after it was built; its Exit is the number
  of iterations, which the backward loop counts down (``b_count``), so both run as often.
- Each forward value the gradient needs (``x`` in ``d(x * w)/dw``) is pushed, every iteration, onto a
  stack made outside the loop (``f_acc``, a StackPushV2 in the forward loop); the backward loop pops
  it, last value first (``GradLoopState.get_real_value``). A value in a cond's branch is pushed only
  when the branch runs and popped only when it ran, guarded by the predicate's own history. Constants
  are copied and loop invariants entered, not stacked.
- The gradient of a loop variable goes around the backward loop: Exit -> Enter (``b_exit``), Switch ->
  Merge (``b_switch``, whose back edge is added when the body's gradient reaches the Switch again),
  Merge -> Switch on the backward loop's predicate, Enter -> Exit.
- The gradient of a loop invariant sums its per-iteration gradients in an accumulator loop (``b_acc``).
- Pushes are ordered before the forward counter's next iteration, pops before the backward counter's
  (``f_sync``, ``b_sync``), so that each iteration's values go on and come off in order.

The gradient walk (gradients.py) calls this module at a few points: :func:`maybe_create_state` once
its between-ops are known, :meth:`ControlFlowState.process_unused_loop_exits` for its first ready ops,
:func:`phases` around each op's gradient (the backward loop's context, see control_flow_context.py),
:meth:`ControlFlowState.zeros_like` for missing gradients, :meth:`ControlFlowState.enqueue_ready_inputs`
instead of its pending counts, and :meth:`ControlFlowState.post_processing` at the end.
"""
import numpy as np

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.op_builder import make_op
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.comparison_ops import greater_equal
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_context import (WhileContext, context_of, current_context, entered,
                                                     is_loop_exit, is_loop_switch, is_switch, loop_constant_enter,
                                                     output_context, set_context, update_input, while_context_of)
from tagraph.engine.ops.stack_ops import stack_pop_v2, stack_push_v2, stack_v2

__all__ = ["ControlFlowState", "GradLoopState", "maybe_create_state", "phases"]


def _enter(ctxt, t, name):
    """A (non-constant) Enter of ``t`` from outside into loop ``ctxt``, which takes ``t`` as is."""
    ctxt.add_name(t)
    return ctxt.enter(t, False, name=name)


def _merge(a, b, name="Merge"):
    return make_op("Merge", [[a, b]], name=name)[0]


def _switch(x, pred, name="Switch"):
    return make_op("RefSwitch" if x.dtype._enum > 100 else "Switch", [x, pred], name=name)


def _next_iteration(x):
    return make_op("NextIteration", [x], name="NextIteration")


def _exit(x, name="Exit"):
    return make_op("Exit", [x], name=name)


def _shape_of(t):
    return array_ops._shape_internal(t, optimize=False)


def _zeros(shape, dtype):
    """Zeros of a static shape (a Const, as TensorFlow's ``constant(0, shape=...)``) or of a shape tensor."""
    if isinstance(shape, Tensor):
        return array_ops.zeros(shape, dtype.base_dtype)
    return constant(np.zeros(shape.as_list(), dtype.base_dtype.as_numpy_dtype), dtype=dtype.base_dtype)


# --- the loops the gradient adds ------------------------------------------------------------------------

def add_forward_loop_counter(forward, outer_grad_state):
    """Adds ``n = 0; while (pivot) n++`` to the built loop ``forward``; returns (its Exit: the number of
    iterations, its NextIteration: the op each iteration's pushes are ordered before)."""
    g = forward.graph
    n = constant(0, name="f_count")
    if outer_grad_state is not None:
        # Each outer iteration's count starts after the outer counter moved on.
        n.op._add_control_input(outer_grad_state.forward_index.op._inputs[0].op)
    with entered(g, forward):
        enter_n = _enter(forward, n, "f_count")
        forward.loop_enters.append(enter_n)
        merge_n = _merge(enter_n, enter_n)
        switch_n = _switch(merge_n, forward.pivot)
        index = math_ops.add(switch_n[1], 1, name="Add")
        next_n = _next_iteration(index)
        update_input(merge_n.op, 1, next_n)
        total = _exit(switch_n[0], name="f_count")
        forward.loop_exits.append(total)
    return total, next_n


def add_backprop_loop_counter(grad, count, outer_grad_state):
    """Builds ``n = count; while (n >= 1) n--``, the backward loop ``grad``'s own iterations; returns its
    NextIteration (the op each iteration's pops are ordered before)."""
    g = grad.graph
    one = constant(1, name="b_count")
    with entered(g, grad):
        enter_count = _enter(grad, count, "b_count")
        grad.loop_enters.append(enter_count)
        merge_count = _merge(enter_count, enter_count)
        grad.pivot_for_pred = merge_count
    with entered(g, grad):
        pred = greater_equal(merge_count, one)
        grad.pivot = make_op("LoopCond", [pred], name="b_count")
        switch_count = _switch(merge_count, grad.pivot)
        index = math_ops.subtract(switch_count[1], one, name="Sub")
        grad.pivot_for_body = index
    with entered(g, grad):
        next_count = _next_iteration(index)
        update_input(merge_count.op, 1, next_count)
        final_zero = _exit(switch_count[0], name="b_count")
        grad.loop_exits.append(final_zero)
    if outer_grad_state is not None:
        # The outer backward iteration goes on only once this loop is done with its pops.
        outer_grad_state.grad_sync._add_control_input(final_zero.op)
    return next_count


def add_backprop_accumulator(grad, op, value_grad):
    """``acc = 0; while (pivot) acc += value_grad``: the gradient of the loop invariant ``op`` (a constant
    Enter), summed over the backward loop ``grad``'s iterations; returns its Exit."""
    g = grad.graph
    shape = value_grad.shape
    if shape.is_fully_defined():
        with entered(g, grad.outer_context):
            acc = constant(np.zeros(shape.as_list(), value_grad.dtype.base_dtype.as_numpy_dtype),
                           dtype=value_grad.dtype.base_dtype, name="b_acc")
    else:
        # The zeros' shape matters only for a loop that runs no iteration.
        value = op._inputs[0]
        state = grad.grad_state
        outer = grad.outer_context
        if isinstance(outer, WhileContext) and outer.grad_state is not None:
            with entered(g, state.forward_context.outer_context):
                zeros_shape = _invariant_shape(value)
            history = state.outer_grad_state.add_forward_accumulator(zeros_shape)
            with entered(g, outer):
                real_shape = state.outer_grad_state.add_backprop_accumulated_value(history, zeros_shape)
                acc = array_ops.zeros(real_shape, value_grad.dtype.base_dtype)
        else:
            with entered(g, outer):
                acc = array_ops.zeros(_invariant_shape(value), value_grad.dtype.base_dtype)
    with entered(g, grad):
        enter_acc = _enter(grad, acc, "b_acc")
        grad.loop_enters.append(enter_acc)
        merge_acc = _merge(enter_acc, enter_acc, name="b_acc")
        switch_false, switch_true = _switch(merge_acc, grad.pivot)
        add_acc = math_ops.add(switch_true, value_grad, name="Add")
        next_acc = _next_iteration(add_acc)
        update_input(merge_acc.op, 1, next_acc)
        result = _exit(switch_false, name="b_acc")
        grad.loop_exits.append(result)
    return result


def add_backprop_indexed_slices_accumulator(grad, op, value_grad):
    """The sparse version: the rows and indices of each iteration's IndexedSlices gradient concatenated
    (a loop variable growing along axis 0), the dense shape their maximum."""
    g = grad.graph
    values, indices, dense_shape = value_grad.values, value_grad.indices, value_grad.dense_shape
    with entered(g, grad.outer_context):
        if values.shape.is_fully_defined():
            values_acc = constant(np.zeros([1] + values.shape.as_list()[1:], values.dtype.base_dtype.as_numpy_dtype),
                                  dtype=values.dtype.base_dtype, name="b_acc")
        else:
            rest = _invariant_shape(op._inputs[0])[1:]
            values_acc = array_ops.zeros(concat([[1], rest], 0), values.dtype.base_dtype)
        indices_acc = constant([0], dtype=indices.dtype.base_dtype)
        shape_acc = None
        if dense_shape is not None:
            if dense_shape.shape.is_fully_defined():
                shape_acc = constant(np.zeros(dense_shape.shape.as_list(), dense_shape.dtype.as_numpy_dtype),
                                     dtype=dense_shape.dtype)
            else:
                shape_acc = array_ops.zeros_like(_invariant_shape(op._inputs[0]), optimize=False)
    init = [indices_acc, values_acc] + ([shape_acc] if shape_acc is not None else [])
    with entered(g, grad):
        enters = [_enter(grad, x, "b_acc") for x in init]
        # They grow: only their later dimensions are known.
        enters[0]._shape = TensorShape([None])
        if values_acc.shape.rank is not None:
            enters[1]._shape = TensorShape([None] + values_acc.shape.as_list()[1:])
        grad.loop_enters.extend(enters)
        merges = [_merge(x, x, name="b_acc") for x in enters]
        switches = [_switch(m, grad.pivot) for m in merges]
        grown = [concat([sw[1], x], 0) for sw, x in zip(switches[:2], [indices, values])]
        if shape_acc is not None:
            grown.append(math_ops.maximum(dense_shape, switches[2][1]))
        for m, x in zip(merges, grown):
            update_input(m.op, 1, _next_iteration(x))
        exits = [_exit(sw[0], name="b_acc") for sw in switches]
        grad.loop_exits.extend(exits)
    return IndexedSlices(exits[1], exits[0], exits[2] if shape_acc is not None else None)


def _invariant_shape(t):
    """The shape of ``t``, or of the variable a resource handle ``t`` stands for."""
    if t.dtype.base_dtype == dtypes.resource:
        src = t
        while src.op._inputs:
            src = src.op._inputs[0]
        shape = src.op.get_attr("shape")
        return constant(list(shape.as_list() if hasattr(shape, "as_list") else shape), dtype=dtypes.int32)
    return _shape_of(t)


# --- one forward loop and its backward loop --------------------------------------------------------------

class GradLoopState:
    """A forward loop, the backward loop built for it, and the stacks and maps between them."""

    def __init__(self, forward, outer_grad_state):
        g = forward.graph
        self.forward_context = forward
        self.outer_grad_state = outer_grad_state
        self.history_map = {}       # forward tensor -> its value in the backward loop
        self.switch_map = {}        # forward loop Switch -> the backward Merge of its gradient
        self.unused_exits = []
        self.deferred_exits = []
        self.forward_loop_exits = list(forward.loop_exits)
        self.pending_exits_count = len(forward.loop_exits)
        self._forward_sync = None
        self._grad_sync = None

        outer_forward = outer_grad_state.forward_context if outer_grad_state else forward.outer_context
        with entered(g, outer_forward):
            count, self.forward_index = add_forward_loop_counter(forward, outer_grad_state)
        name = g.unique_name(forward.name)
        if outer_grad_state is not None:
            outer_forward.add_name(count)
            history_count = outer_grad_state.add_forward_accumulator(count)
            outer_grad = outer_grad_state.grad_context
            with entered(g, outer_grad):
                self.grad_context = self._new_grad_context(name, outer_grad)
                real_count = outer_grad_state.add_backprop_accumulated_value(history_count, count)
                self.grad_index = add_backprop_loop_counter(self.grad_context, real_count, outer_grad_state)
        else:
            with entered(g, outer_forward):
                self.grad_context = self._new_grad_context(name, outer_forward)
                self.grad_index = add_backprop_loop_counter(self.grad_context, count, None)

    def _new_grad_context(self, name, outer):
        f = self.forward_context
        return WhileContext(f.graph, name, f.parallel_iterations, f.back_prop, f.swap_memory, f.maximum_iterations,
                            outer, grad_state=self)

    @property
    def forward_sync(self):
        """A ControlTrigger ordering the pushes made in a cond's branch before the next iteration."""
        if self._forward_sync is None:
            g = self.forward_context.graph
            with g.control_dependencies(None), entered(g, self.forward_context, adopt=False):
                self._forward_sync = make_op("ControlTrigger", [], name="f_sync")
            self.forward_index.op._add_control_input(self._forward_sync)
        return self._forward_sync

    @property
    def grad_sync(self):
        """A ControlTrigger ordering each iteration's pops before the next backward iteration."""
        if self._grad_sync is None:
            g = self.forward_context.graph
            with g.control_dependencies(None), entered(g, self.grad_context, adopt=False):
                self._grad_sync = make_op("ControlTrigger", [], name="b_sync")
            self.grad_index.op._add_control_input(self._grad_sync)
        return self._grad_sync

    def add_forward_accumulator(self, value, dead_branch=False):
        """A stack made outside the loops that the forward loop pushes ``value`` onto, every iteration
        (every iteration its branch runs, for a value in a cond); returns the stack."""
        g = value.graph
        forward = self.forward_context
        with g.control_dependencies(None), entered(g, None):
            acc = stack_v2(constant(-1, dtype=dtypes.int32, name="Const"), value.dtype.base_dtype, name="f_acc")
            enter_acc = forward.add_value(acc)
            value_ctxt = output_context(value)
            if value_ctxt is forward:
                with entered(g, forward):
                    push = stack_push_v2(enter_acc, value, swap_memory=forward.swap_memory)
                self.forward_index.op._add_control_input(push.op)
            else:
                if value_ctxt is None or value_ctxt.is_while:
                    raise TypeError("value_ctxt is not a CondContext: %s" % value_ctxt)
                if dead_branch:
                    with entered(g, value_ctxt.outer_context):
                        push = stack_push_v2(enter_acc, value, swap_memory=forward.swap_memory)
                    set_context(push.op, value_ctxt)
                else:
                    with entered(g, value_ctxt):
                        push = stack_push_v2(enter_acc, value, swap_memory=forward.swap_memory)
                self.forward_sync._add_control_input(push.op)
            # After this iteration's counter moved on, before the next iteration.
            push.op._add_control_input(self.forward_index.op._inputs[0].op)
        return acc

    def add_backprop_accumulated_value(self, history, value, dead_branch=False):
        """The pop, in the backward loop, of the stack ``history`` of ``value``: guarded by the history of
        its cond's predicate when ``value`` is in a branch."""
        g = value.graph
        history_ctxt = context_of(history.op)
        cond = None
        ctxt = output_context(value)
        while ctxt is not None and ctxt is not history_ctxt:
            if not ctxt.is_while:
                cond = ctxt
                break
            ctxt = ctxt.outer_context
        with g.control_dependencies(None), entered(g, self.grad_context):
            if cond is not None:
                state, pred = self, None
                while pred is None and state is not None:
                    pred = state.history_map.get(cond.pred)
                    state = state.outer_grad_state
                if pred is None:
                    pred = cond.pred
                branch = (1 - cond.branch) if dead_branch else cond.branch
                history = _switch(history, pred)[branch]
            pop = stack_pop_v2(history, value.dtype.base_dtype)
            pop.set_shape(value.shape)
        if self.grad_context.parallel_iterations > 1:
            self.grad_sync._add_control_input(pop.op)
        return pop

    def get_real_value(self, value):
        """The value, in the backward loop, of the forward loop's ``value`` (TensorFlow's GetRealValue):
        popped from its history, entered when it is a loop invariant, copied when it is a constant."""
        real = self.history_map.get(value)
        if real is not None:
            return real
        g = value.graph
        cur_value, cur_state, history = value, self, None
        while True:
            enter_op = loop_constant_enter(cur_value)
            if enter_op is not None:
                cur_value = enter_op._inputs[0]
                cur_state = cur_state.outer_grad_state
                if cur_state is None:
                    # Outside all the loops of this gradient: entered, no history needed.
                    real = self.grad_context.add_value(cur_value)
                    break
            elif cur_value.op.type == "Const":
                with entered(g, self.grad_context):
                    real = constant(constant_value(cur_value), dtype=cur_value.dtype.base_dtype)
                break
            else:
                history = cur_state.add_forward_accumulator(cur_value)
                break
        if real is None:
            real = cur_state.add_backprop_accumulated_value(history, cur_value)
            if cur_state is not self:
                real = self.grad_context.add_value(real)
        self.history_map[value] = real
        return real


# --- every loop of one gradients() call ------------------------------------------------------------------

class ControlFlowState:
    """The GradLoopState of each forward loop one ``tg.gradients`` call goes through."""

    def __init__(self, graph, set_grad, is_trainable):
        self.graph = graph
        self._map = {}
        self._set_grad = set_grad
        self._is_trainable = is_trainable

    def get_grad_state(self, op, before):
        """The state of the loop ``op`` is in; an Exit's gradients are summed (``before``) outside it."""
        if before and is_loop_exit(op):
            outer = context_of(op).outer_context
            forward = while_context_of(outer) if outer is not None else None
        else:
            forward = while_context_of(op)
        return self._map.get(forward) if forward is not None else None

    def add_while_context(self, op, between, pending):
        """The GradLoopState of the loop of Exit ``op``; its other Exits join the between-ops."""
        forward = while_context_of(op)
        if forward is None:
            raise ValueError("tg.gradients cannot go through the while loop of %s: it was not built by "
                             "tg.while_loop in this process (a loop read from a GraphDef has no loop context)"
                             % op.name)
        if forward.grad_state is not None:
            raise TypeError("Second-order gradient for while loops not supported.")
        state = self._map.get(forward)
        if state is not None:
            return
        outer = while_context_of(forward.outer_context) if forward.outer_context is not None else None
        state = self._map[forward] = GradLoopState(forward, self._map.get(outer) if outer is not None else None)
        for x in state.forward_loop_exits:
            e = x.op
            if e in between:
                continue
            between.add(e)
            for t in e._inputs:
                if t.op in between:
                    pending[t.op] += 1
            for out in e._outputs:
                for c in out._consumers:
                    if c in between:
                        pending[e] += 1

    def process_unused_loop_exits(self, grads, pending, to_ops, queue):
        """Queues the Exits no y depends on whose loop has all its Exits accounted for (with zeros where
        their values are differentiable: the loop's other values may depend on them)."""
        for state in self._map.values():
            for y in state.forward_loop_exits:
                if pending[y.op] == 0:
                    state.pending_exits_count -= 1
                    if y.op not in to_ops:
                        state.unused_exits.append(y)
                    if state.pending_exits_count == 0:
                        for u in state.unused_exits:
                            if self._is_trainable(u):
                                self._set_grad(grads, u, self.zeros_like_for_exit(u))
                                queue.append(u.op)
            for y in state.forward_context.loop_enters:
                if pending[y.op] == 0:
                    pending[y.op] = 1

    def enqueue_ready_inputs(self, grads, op, queue, pending):
        """After ``op``'s gradient: queues each input op now ready. A loop's Switch is visited twice (from
        its Exit, then from its body); a loop's Exits wait for each other."""
        for x in op._inputs:
            pending[x.op] -= 1
            ready = pending[x.op] == 0
            if not ready:
                ready = pending[x.op] > 0 and is_loop_switch(x.op)
            if not ready:
                continue
            if not is_loop_exit(x.op):
                queue.append(x.op)
                continue
            state = self.get_grad_state(x.op, before=False)
            state.deferred_exits.append(x)
            state.pending_exits_count -= 1
            if state.pending_exits_count != 0:
                continue
            used = False
            for y in state.deferred_exits:
                if _has_any_grad(grads, y.op):
                    used = True
                    queue.append(y.op)
                else:
                    state.unused_exits.append(y)
            for y in state.unused_exits:
                if used and self._is_trainable(y):
                    self._set_grad(grads, y, self.zeros_like_for_exit(y))
                queue.append(y.op)

    def zeros_like(self, op, index, default):
        """The zero gradient of ``op``'s output ``index`` where none arrived. In a loop being differentiated
        it is made in the backward loop (its shape from the forward value's history when not static), and
        for a cond's Switch guarded by the predicate's history so that it is live only when its branch
        ran; elsewhere ``default(op, index)``."""
        if is_loop_switch(op):
            return None
        state = self._map.get(while_context_of(op))
        if state is None:
            return default(op, index)
        g = self.graph
        val = op._outputs[index]
        if val.dtype.base_dtype == dtypes.resource and is_switch(op):
            # A cond's Switch of a variable's handle: zeros of the variable (TensorFlow's ZerosLike), so
            # that the branch that did not read it still gives a live gradient.
            var = _variable_of(val)
            if var is None:
                return None
            return _switch(_zeros(var[0], var[1]), state.get_real_value(op._inputs[1]))[index]
        if val.dtype.base_dtype in (dtypes.resource, dtypes.variant):
            return None
        if val.shape.is_fully_defined():
            result = _zeros(val.shape, val.dtype)
            if is_switch(op):
                result = _switch(result, state.get_real_value(op._inputs[1]))[index]
            return result
        # The shape's history, taken where the value lives (for a cond's Switch: in its branch).
        with entered(g, output_context(val) if is_switch(op) else context_of(op)):
            zeros_shape = _shape_of(val)
        history = state.add_forward_accumulator(zeros_shape)
        shape = state.add_backprop_accumulated_value(history, zeros_shape)
        return array_ops.zeros(shape, val.dtype.base_dtype)

    def zeros_like_for_exit(self, val):
        """Zeros for the Exit ``val`` of a loop variable no y uses but others may depend on."""
        g = self.graph
        forward = context_of(val.op)
        outer = while_context_of(forward.outer_context) if forward.outer_context is not None else None
        outer_state = self._map.get(outer) if outer is not None else None
        if outer_state is None:
            if val.shape.is_fully_defined():
                return _zeros(val.shape, val.dtype)
            return array_ops.zeros_like(val, optimize=False)
        if val.shape.is_fully_defined():
            with entered(g, outer_state.grad_context):
                return _zeros(val.shape, val.dtype)
        with entered(g, forward.outer_context):
            shape = _shape_of(val)
        history = outer_state.add_forward_accumulator(shape)
        with entered(g, outer_state.grad_context):
            real_shape = outer_state.add_backprop_accumulated_value(history, shape)
            return array_ops.zeros(real_shape, val.dtype.base_dtype)

    def post_processing(self):
        """A backward Merge whose back edge never came (the loop variable's next value does not depend
        on it) gets zeros as its next value."""
        g = self.graph
        for state in self._map.values():
            for b_merge in state.switch_map.values():
                m = b_merge.op
                if m._inputs[0] is not m._inputs[1]:
                    continue
                first = m._inputs[0]
                if first.shape.is_fully_defined():
                    with entered(g, state.grad_context):
                        next_grad = _next_iteration(_zeros(first.shape, first.dtype))
                else:
                    with entered(g, state.grad_context.outer_context):
                        grad_val = array_ops.zeros(_shape_of(first.op._inputs[0]), first.dtype.base_dtype)
                    with entered(g, state.grad_context):
                        next_grad = _next_iteration(grad_val)
                update_input(m, 1, next_grad)


def _variable_of(handle):
    """(shape, dtype) of the variable a resource handle stands for, when static; else None."""
    src = handle
    while src.op._inputs and src.op.type != "VarHandleOp":
        src = src.op._inputs[0]
    if src.op.type != "VarHandleOp":
        return None
    shape = TensorShape(src.op.get_attr("shape"))
    return (shape, src.op.get_attr("dtype")) if shape.is_fully_defined() else None


def _has_any_grad(grads, op):
    for g in grads.get(op, ()):
        if isinstance(g, (Tensor, IndexedSlices)):
            return True
        if isinstance(g, list) and any(x is not None for x in g):
            return True
    return False


def maybe_create_state(graph, between, pending, set_grad, is_trainable):
    """A ControlFlowState when the between-ops go through while loops (an Exit among them), else None.
    Adds each such loop's other Exits to ``between`` and counts them in ``pending``."""
    exits = [op for op in between if is_loop_exit(op)]
    if not exits:
        return None
    if current_context(graph) is not None:
        raise NotImplementedError("tg.gradients through a while loop must be called outside the cond or "
                                  "while_loop being built")
    state = ControlFlowState(graph, set_grad, is_trainable)
    # Outer loops first: an inner loop's backward loop is built inside its outer loop's.
    exits.sort(key=lambda op: (_depth(op), op._id))
    for op in exits:
        state.add_while_context(op, between, pending)
    return state


def _depth(op):
    n, ctxt = 0, context_of(op)
    while ctxt is not None:
        n += ctxt.is_while
        ctxt = ctxt.outer_context
    return n


class _Phases:
    """The contexts one op's gradient is built in: its gradients are summed outside the loop for an
    Exit (``before``), and the rest is built in the backward loop of the op's loop."""

    def __init__(self, state, op):
        self.state, self.op, self.block = state, op, None

    def _open(self, before):
        gs = self.state.get_grad_state(self.op, before)
        if gs is not None:
            self.block = entered(self.state.graph, gs.grad_context)
            self.block.__enter__()

    def _close(self, exc_type=None):
        block, self.block = self.block, None
        if block is not None:
            block.__exit__(exc_type, None, None)

    def __enter__(self):
        self._open(before=True)
        return self

    def aggregated(self):
        self._close()
        self._open(before=False)

    def __exit__(self, exc_type, exc, tb):
        self._close(exc_type)
        return False


class _NoPhases:
    def __enter__(self):
        return self

    def aggregated(self):
        pass

    def __exit__(self, *exc):
        return False


_NO_PHASES = _NoPhases()


def phases(state, op):
    """``with phases(loop_state, op) as phase: ...aggregate...; phase.aggregated(); ...gradient...``"""
    return _NO_PHASES if state is None else _Phases(state, op)
