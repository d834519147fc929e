"""The gradients of the control-flow ops (Switch, Merge, Enter, Exit, NextIteration), as TensorFlow 1's
control_flow_grad defines them.

    y = tg.cond(p, lambda: x * x, lambda: tg.sin(x))
    _, z = tg.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, x])
    dy, dz = tg.gradients(y, x)[0], tg.gradients(z, x)[0]

Through a cond, a Switch's gradient is a Merge of its two sides' gradients and a Merge's gradient a
Switch on the same predicate: the gradient takes the branch that ran. Through a while loop each op has
its mirror image in the backward loop that ``tg.gradients`` builds (control_flow_state.py): an Exit's
gradient enters it (``b_exit``), a loop Switch's is the backward Merge (``b_switch``, its back edge added
on the second visit, from the body), a loop Merge's a Switch on the backward loop's predicate, an
Enter's leaves it (an Exit) or, for a loop invariant, sums its gradient over the iterations (``b_acc``),
and a NextIteration's is the gradient itself. A cond inside a loop switches its gradients on the
predicate's history. ``back_prop=False`` loops give no gradient, and a gradient of a gradient through a
loop is refused, as in TensorFlow.
"""
import numpy as np

from tagraph.engine.framework.graph import convert_to_tensor
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.op_builder import make_op, register_gradient
from tagraph.engine.ops.comparison_ops import equal
from tagraph.engine.ops.control_flow_context import (context_of, current_context, entered, is_loop_switch,
                                                     output_context, update_input)
from tagraph.engine.train.control_flow_state import (add_backprop_accumulator,
                                                      add_backprop_indexed_slices_accumulator)

__all__ = []


def _dense(g):
    return convert_to_tensor(g) if isinstance(g, IndexedSlices) else g


def _switch(x, pred, name="Switch"):
    return make_op("RefSwitch" if x.dtype._enum > 100 else "Switch", [x, pred], name=name)


def _merge(inputs, name="Merge"):
    return make_op("Merge", [list(inputs)], name=name)[0]


def _grad_state(graph):
    """The state of the backward loop being built (None outside every one)."""
    ctxt = current_context(graph)
    return ctxt.grad_state if ctxt is not None else None


@register_gradient("Switch", "RefSwitch")
def _switch_grad(op, *grad):
    grad = [_dense(g) for g in grad]
    state = _grad_state(op.graph)
    if is_loop_switch(op):
        if state is None:
            raise ValueError("tg.gradients reached the loop Switch %s outside the loop's gradient" % op.name)
        merge_grad = state.switch_map.get(op)
        if merge_grad is not None:
            # The second visit, from the body: the backward Merge's back edge.
            if grad[1] is not None:
                update_input(merge_grad.op, 1, make_op("NextIteration", [grad[1]], name="NextIteration"))
            return None, None
        if grad[0] is not None:
            # The first visit, from the Exit: its gradient for both inputs until the body's comes.
            merge_grad = _merge([grad[0], grad[0]], name="b_switch")
            state.switch_map[op] = merge_grad
            return merge_grad, None
        return None, None
    if state is not None:
        # A cond's Switch in a loop: each side's gradient is live only when its branch ran (the zeros of a
        # side with none are switched on the predicate's history), so the Merge takes the one that ran.
        if grad[0] is None or grad[1] is None:
            g = grad[1] if grad[0] is None else grad[0]
            if g is None or op.inputs[0].dtype.base_dtype.name != "resource":
                return None, None
            return _merge([g, g], name="cond_resource_grad"), None
        return _merge(grad, name="cond_grad"), None
    # Outside loops: each side's gradient is switched on the same predicate (so a gradient that is live
    # regardless, such as a constant zero, counts only when its side ran), and the Merge takes the side
    # that ran. tg.gradients fills a missing side with zeros.
    pred = op.inputs[1]
    if grad[0] is None or grad[1] is None:
        # A resource handle (no zeros for it): the gradient exists only when its side ran.
        g = grad[1] if grad[0] is None else grad[0]
        return (None if g is None else make_op("Identity", [g], name="cond_grad")), None
    with op.graph.control_dependencies(None):
        false_grad = make_op("Switch", [grad[0], pred], name="Switch")[0]
        true_grad = make_op("Switch", [grad[1], pred], name="Switch_1")[1]
        return make_op("Merge", [[false_grad, true_grad]], name="cond_grad")[0], None


@register_gradient("Merge", "RefMerge")
def _merge_grad(op, grad, _):
    grad = _dense(grad)
    g = op.graph
    state = _grad_state(g)
    ctxt = output_context(op.inputs[0])
    if ctxt is not None and ctxt.is_while:
        if state is None:
            raise ValueError("tg.gradients reached the loop Merge %s outside the loop's gradient" % op.name)
        # A loop's Merge: the backward loop's Switch sends the gradient on (output 1, to the
        # NextIteration) or out of the loop (output 0, to the Enter).
        return _switch(grad, current_context(g).pivot)
    if ctxt is not None and not ctxt.is_while and state is not None:
        # A cond's Merge in a loop: switched on the history of its predicate.
        pred = state.history_map.get(ctxt.pred)
        if pred is None:
            history = state.add_forward_accumulator(ctxt.pred)
            pred = state.add_backprop_accumulated_value(history, ctxt.pred)
            state.history_map[ctxt.pred] = pred
        return _switch(grad, pred, name="cond_grad")
    # Outside loops, the gradient goes back to the input the Merge forwarded: switched on its value_index.
    out = []
    with g.control_dependencies(None):
        for i in range(len(op.inputs)):
            taken = equal(op.outputs[1], np.int32(i), name="cond_%d" % i)
            out.append(make_op("Switch", [grad, taken], name="Switch_%d" % i)[1])
    return out


@register_gradient("Exit", "RefExit")
def _exit_grad(op, grad):
    g = op.graph
    grad_ctxt = current_context(g)
    if grad_ctxt is None or grad_ctxt.grad_state is None:
        raise ValueError("tg.gradients reached the loop Exit %s outside the loop's gradient" % op.name)
    if not grad_ctxt.back_prop:
        # The loop was built with back_prop=False: its values get no gradient.
        return None
    if context_of(op).grad_state is not None:
        raise TypeError("Second-order gradient for while loops not supported.")
    grad = _dense(grad)
    grad_ctxt.add_name(grad)
    with entered(g, grad_ctxt):
        result = grad_ctxt.enter(grad, False, name="b_exit")
    grad_ctxt.loop_enters.append(result)
    return result


@register_gradient("NextIteration", "RefNextIteration")
def _next_iteration_grad(op, grad):
    # The backward NextIteration is added by the Switch's gradient.
    return grad


@register_gradient("Enter", "RefEnter")
def _enter_grad(op, grad):
    g = op.graph
    grad_ctxt = current_context(g)
    if grad_ctxt is None or grad_ctxt.grad_state is None or not grad_ctxt.back_prop:
        return grad
    if op.get_attr("is_constant"):
        # A loop invariant: its gradients of every iteration, summed.
        if isinstance(grad, IndexedSlices):
            return add_backprop_indexed_slices_accumulator(grad_ctxt, op, grad)
        return add_backprop_accumulator(grad_ctxt, op, grad)
    with entered(g, grad_ctxt):
        result = make_op("Exit", [_dense(grad)], name="Exit")
    grad_ctxt.loop_exits.append(result)
    return result
