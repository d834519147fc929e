"""``tg.gradients``: symbolic differentiation that adds the backward pass to the graph.

    x = tg.placeholder(tg.float32, [None, 3])
    w = tg.get_variable("w", [3, 1])
    loss = tg.reduce_sum(tg.square(tg.matmul(x, w)))
    dw, = tg.gradients(loss, [w])          # ops under "gradients/", e.g. gradients/MatMul_grad/MatMul

TensorFlow's algorithm (gradients_util._GradientsHelper): mark the ops reachable from ``xs`` through
differentiable (floating, complex, resource) tensors, keep those on a path to ``ys``, count each op's
pending consumers, and walk back from ``ys`` in that order, summing each output's incoming gradients
with AddN before calling the op's registered gradient function inside ``gradients/<op>_grad``.
Integer tensors carry no gradient, so an ``x`` reached only through them gets None, as does one not
connected to ``ys`` at all. A resource variable in ``xs`` stands for its handle (its reads'
ReadVariableOp gradients flow into it); a reference variable for its ``VariableV2`` output.
"""
import collections

from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Operation, Tensor, convert_to_tensor, _graph_of
from tagraph.engine.framework.indexed_slices import IndexedSlices, aggregate_gradients
from tagraph.engine.framework.op_builder import get_gradient_fn, is_not_differentiable
from tagraph.engine.ops import array_ops, control_flow_ops, math_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.op_util import is_zeros_tensor, mark_zeros_gradient
from tagraph.engine.train import control_flow_grad  # noqa: F401  (registers the control-flow gradients)
from tagraph.engine.train import control_flow_state
from tagraph.engine.variables.variables import Variable

__all__ = ["gradients", "AggregationMethod", "UnconnectedGradients", "is_zeros_tensor"]

_TRAINABLE = frozenset([dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128,
                        dtypes.resource, dtypes.variant, dtypes.bfloat16])


class AggregationMethod:
    """How gradients arriving at one tensor are summed (all of them give AddN here)."""
    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def _gradient_type(op):
    """The name ``op``'s gradient is registered under: its type, or what gradient_override_map gave it."""
    if "_gradient_op_type" in op._attrs:
        name = op.get_attr("_gradient_op_type")
        return name.decode() if isinstance(name, bytes) else name
    return op.type


def _is_trainable(t):
    return t.dtype.base_dtype in _TRAINABLE


def _as_x(x):
    if isinstance(x, Variable):
        return x.handle if x.is_resource() else x._ref()
    if isinstance(x, (Tensor,)):
        return x
    if isinstance(x, Operation):
        raise TypeError("gradients: xs must be Tensors or Variables, got Operation %s" % x.name)
    return convert_to_tensor(x)


def _as_y(y):
    if isinstance(y, Tensor):
        return y
    return convert_to_tensor(y)


def _as_list(v):
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """The symbolic derivatives of ``sum(ys)`` with respect to each of ``xs``.

    Returns a list as long as ``xs``: a Tensor, or None where ``x`` is not connected to ``ys`` through
    differentiable tensors (zeros instead with ``unconnected_gradients="zero"``). ``grad_ys`` gives the
    initial gradient of each y (ones by default); ``stop_gradients`` are tensors treated as constants.

        a = tg.constant(0.); b = 2 * a
        tg.gradients(a + b, [a, b], stop_gradients=[a, b])    # [1.0, 1.0]
    """
    ys = [_as_y(y) for y in _as_list(ys)]
    xs = [_as_x(x) for x in _as_list(xs)]
    stop_gradients = [_as_y(s) for s in _as_list(stop_gradients)]
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    else:
        grad_ys = _as_list(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError("Passed %d grad_ys for %d ys" % (len(grad_ys), len(ys)))
    if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
        raise ValueError("Unknown value for unconnected_gradients: %r" % (unconnected_gradients,))
    graph = _graph_of(ys + xs + stop_gradients)
    with graph.as_default(), graph.name_scope(name or "gradients"):
        return _gradients_helper(graph, ys, xs, grad_ys, colocate_gradients_with_ops, gate_gradients,
                                 stop_gradients, unconnected_gradients)


def _default_grad_ys(graph, ys, grad_ys, colocate):
    out = []
    for i, (y, gy) in enumerate(zip(ys, grad_ys)):
        with _maybe_colocate(graph, y.op, colocate):
            if gy is None:
                if y.dtype.is_complex:
                    raise TypeError("Gradients of complex tensors (%s) must set grad_ys (y.dtype = %s)"
                                    % (y.name, y.dtype.name))
                if not y.dtype.base_dtype.is_floating:
                    raise TypeError("Gradients of non-floating tensors need grad_ys: %s has dtype %s"
                                    % (y.name, y.dtype.name))
                shape = array_ops.shape(y)
                with graph.name_scope("grad_ys_%d" % i) as scope:
                    one = constant(1, dtype=y.dtype.base_dtype, name="Const")
                    out.append(graph.create_op("Fill", [shape, one], {}, name=scope).outputs[0])
                continue
            gy = gy if isinstance(gy, Tensor) else convert_to_tensor(gy, dtype=y.dtype.base_dtype,
                                                                     name="grad_ys_%d" % i)
            if y.dtype.is_floating and not gy.dtype.base_dtype.is_floating:
                raise TypeError("Gradient type %s generated for real or integer-valued tensor %s with type "
                                "%s must be real" % (gy.dtype.name, y.name, y.dtype.name))
            if y.dtype.base_dtype.is_floating and gy.dtype.base_dtype != y.dtype.base_dtype:
                raise TypeError("grad_ys[%d] has dtype %s, but y %s has dtype %s"
                                % (i, gy.dtype.name, y.name, y.dtype.name))
            out.append(gy)
    return out


class _NullContext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _maybe_colocate(graph, op, colocate):
    if colocate:
        return graph.colocate_with(op)
    return _NullContext()


def _pending_count(to_ops, from_ops):
    reached = set()
    queue = collections.deque(from_ops)
    while queue:
        op = queue.popleft()
        if op in reached:
            continue
        reached.add(op)
        for out in op._outputs:
            if _is_trainable(out):
                queue.extend(out._consumers)
    reachable_to_ops = {op for op in to_ops if op in reached}

    between = set()
    between_list = []
    queue = collections.deque(to_ops)
    while queue:
        op = queue.popleft()
        if op in reached:
            between.add(op)
            between_list.append(op)
            reached.discard(op)
            queue.extend(t.op for t in op._inputs)

    pending = collections.defaultdict(int)
    for op in between_list:
        for t in op._inputs:
            if t.op in between:
                pending[t.op] += 1
    return reachable_to_ops, pending, between


def _stop_ops(from_ops, stop_gradient_ops, pending):
    stop = set()
    for op in from_ops:
        if all(pending[t.op] <= 0 for t in op._inputs):
            stop.add(op)
    stop.update(stop_gradient_ops)
    return stop


def _zeros_like_output(op, i):
    t = op._outputs[i]
    if t.dtype.base_dtype == dtypes.resource:
        return None
    # Marked, so that gradient functions may skip the terms it scales (see op_util.is_zeros_tensor).
    return mark_zeros_gradient(array_ops.zeros_like(t))


def _aggregate(grads, op):
    """Sums each output's incoming gradients in place (AddN where there are several)."""
    out_grads = grads.get(op)
    if out_grads is None:
        out_grads = grads[op] = [[] for _ in op._outputs]
    for i, gs in enumerate(out_grads):
        if isinstance(gs, list):
            gs = [g for g in gs if g is not None]
            if not gs:
                out_grads[i] = None
            elif len(gs) == 1:
                out_grads[i] = gs[0]
            else:
                if len({g.dtype.base_dtype for g in gs}) > 1:
                    raise TypeError("Gradients of %s:%d have different dtypes: %s"
                                    % (op.name, i, ", ".join(g.dtype.name for g in gs)))
                if any(isinstance(g, IndexedSlices) for g in gs):
                    out_grads[i] = aggregate_gradients(gs)
                else:
                    out_grads[i] = math_ops.add_n(gs, name="AddN")
    return out_grads


def _set_grad(grads, t, g):
    op_grads = grads.get(t.op)
    if op_grads is None:
        op_grads = grads[t.op] = [[] for _ in t.op._outputs]
    slot = op_grads[t.value_index]
    if isinstance(slot, list):
        slot.append(g)
    else:
        op_grads[t.value_index] = [slot, g] if slot is not None else [g]


def _gradients_helper(graph, ys, xs, grad_ys, colocate, gate_gradients, stop_gradients, unconnected):
    grad_ys = _default_grad_ys(graph, ys, grad_ys, colocate)

    to_ops = [t.op for t in ys]
    from_ops = [t.op for t in xs]
    stop_gradient_ops = [t.op for t in stop_gradients]
    reachable_to_ops, pending, between = _pending_count(to_ops, from_ops)
    # Through while loops: the backward loops' state (None when there are none).
    loop_state = control_flow_state.maybe_create_state(graph, between, pending, _set_grad, _is_trainable)

    grads = {}
    for y, gy in zip(ys, grad_ys):
        _set_grad(grads, y, gy)

    queue = collections.deque()
    queued = set()
    for op in to_ops:
        if pending[op] == 0 and op not in queued and op in reachable_to_ops:
            queued.add(op)
            queue.append(op)
    if loop_state is not None:
        loop_state.process_unused_loop_exits(grads, pending, queued, queue)

    stop_ops = _stop_ops(from_ops, stop_gradient_ops, pending)
    while queue:
        op = queue.popleft()
        with _maybe_colocate(graph, op, colocate), control_flow_state.phases(loop_state, op) as phase:
            out_grads = _aggregate(grads, op)
            phase.aggregated()
            has_out_grads = any(g is not None for g in out_grads)
            grad_fn = None
            if has_out_grads and op not in stop_ops:
                grad_fn = get_gradient_fn(_gradient_type(op))
                if grad_fn is None and not is_not_differentiable(op.type):
                    raise LookupError(
                        "No gradient defined for operation '%s' (op type: %s). In general every operation "
                        "must have an associated gradient function (tg.RegisterGradient) for correct "
                        "autodiff; if you want to pretend this operation is a constant in your program, "
                        "you may insert tg.stop_gradient." % (op.name, op.type))
            if grad_fn is not None and has_out_grads:
                for i, g in enumerate(out_grads):
                    if g is None and _is_trainable(op._outputs[i]):
                        out_grads[i] = (_zeros_like_output(op, i) if loop_state is None
                                        else loop_state.zeros_like(op, i, _zeros_like_output))
                with graph.name_scope(op.name + "_grad"):
                    in_grads = grad_fn(op, *out_grads)
                    in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
                    if len(in_grads) != len(op._inputs):
                        raise ValueError("Num gradients %d generated for op %s do not match num inputs %d"
                                         % (len(in_grads), op.name, len(op._inputs)))
                    # A gradient no path to xs needs (the input's op is not between xs and ys) is left
                    # out: nothing consumes it, so the session prunes it. TensorFlow's gating would make
                    # it run anyway (e.g. the gradient of a first layer with respect to its fed input).
                    in_grads = [g if g is None or t.op in between else None for g, t in zip(in_grads, op._inputs)]
                    if gate_gradients and len([g for g in in_grads if g is not None]) > 1:
                        with graph.device(None), graph.colocate_with(None, ignore_existing=True):
                            in_grads = control_flow_ops.tuple(in_grads)
            else:
                in_grads = [None] * len(op._inputs)
            for t_in, g in zip(op._inputs, in_grads):
                if g is None:
                    continue
                if not isinstance(g, (Tensor, IndexedSlices)):
                    g = convert_to_tensor(g)
                if t_in.dtype.base_dtype != dtypes.resource and isinstance(g, Tensor):
                    try:
                        g.set_shape(t_in.shape)
                    except ValueError:
                        raise ValueError("Incompatible shapes between op input and calculated input gradient. "
                                         "Forward operation: %s. Input index: %d. Original input shape: %s. "
                                         "Calculated input gradient shape: %s"
                                         % (op.name, op._inputs.index(t_in), t_in.shape, g.shape)) from None
                _set_grad(grads, t_in, g)
        if loop_state is not None:
            loop_state.enqueue_ready_inputs(grads, op, queue, pending)
            continue
        for t in op._inputs:
            pending[t.op] -= 1
            if pending[t.op] == 0:
                queue.append(t.op)
    if loop_state is not None:
        loop_state.post_processing()

    results = []
    for x in xs:
        op_grads = grads.get(x.op)
        g = None
        if op_grads is not None:
            g = op_grads[x.value_index]
            if isinstance(g, list):  # x's op was never processed (e.g. reached only as a y)
                gs = [v for v in g if v is not None]
                g = aggregate_gradients(gs)
        if g is None and unconnected == UnconnectedGradients.ZERO:
            if x.dtype.base_dtype == dtypes.resource:
                raise ValueError("unconnected_gradients='zero' needs the shape of resource %s" % x.name)
            g = array_ops.zeros_like(x)
        results.append(g)
    return results
