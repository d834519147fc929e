"""NoOp, group, tuple and the ops that order execution.

    init = tg.group(init_a, init_b, name="init")
"""
import builtins

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.graph import Operation, Tensor, get_default_graph
from tagraph.engine.op_builder import make_op, register_shape, not_differentiable

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
    from tagraph.engine.ops.array_ops import identity
    g = get_default_graph()
    with g.name_scope(name or "tuple"):
        gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            with g.control_dependencies([gate]):
                out.append(identity(t))
        return out
