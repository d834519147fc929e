"""Function calls and functional control flow: PartitionedCall, StatefulPartitionedCall, If, StatelessIf,
While, StatelessWhile, Case, StatelessCase.

Each names library functions in its attributes. The first time a session runs such an op, the function's
body is instantiated (:mod:`tagraph.engine.framework.function`) and compiled through the plan compiler into
a sub-plan, with the session's placer, placement and state: its variables and resources are the session's,
and its ops are placed like any others, with soft placement as TensorFlow places function bodies. The
sub-plan is kept in the session's state and reused. A body's arguments arrive and its results leave in
host memory: a call placed on another device moves them there and back; the body's own ops run wherever
they are placed.

TensorFlow's semantics: If and Case run one branch (a Case index out of range runs the last, default
branch); If's predicate is a scalar bool, or any other tensor read as TensorFlow reads it (a number is true
when non-zero, a string when non-empty, a tensor of rank > 0 when it has elements); While runs ``body``
while ``cond`` holds on the loop variables, whose dtypes the body must keep.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import errors
from tagraph.engine.framework.function import CALL_OPS, FunctionLibrary, instantiate
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.runtime.compiler import compile_plan

__all__ = ["CompiledFunction", "compiled_function"]


class _BodyScope:
    """What the plan compiler asks of a session, for a function body run inside one."""
    __slots__ = ("graph", "_placer", "_placement", "_state", "_config", "last_run_stats")

    def __init__(self, graph, state):
        self.graph = graph
        self._placer = state.placer.soft()
        self._placement = state.placement
        self._state = state
        self._config = state.config           # its optimizer options: opt_level L0 holds in bodies too
        self.last_run_stats = None


class CompiledFunction:
    """A function body compiled for one session: ``fn(args) -> [results]``, arrays in host memory.

    ``resource_devices``: per argument, the device of the resource handle passed there (None for values).
    The argument sits there, and so do the ops that read or write it, as TensorFlow places a function's
    resource arguments where their resources live."""

    def __init__(self, body, state, resource_devices=()):
        self.body = body
        self.n_in = len(body.inputs)
        self.n_out = len(body.outputs)
        for t, device in zip(body.inputs, resource_devices):
            if device is not None:
                t.op._set_device(device)
        scope = _BodyScope(body.graph, state)
        self._plan = compile_plan(scope, list(body.outputs) + list(body.targets), list, list(body.inputs))
        self.unchecked = self._runner()

    def __call__(self, args):
        if len(args) != self.n_in:
            raise errors.InvalidArgumentError(None, None, "Function '%s' takes %d arguments, the call gives %d"
                                              % (self.body.name, self.n_in, len(args)))
        return self.unchecked(args)

    def _runner(self):
        """``run(args) -> [results]`` without the argument count's check (``unchecked``: a loop's calls after
        the first)."""
        nested = getattr(self._plan, "run_nested", None)
        n_out = self.n_out
        if nested is not None:
            return lambda args: nested(args)[:n_out]
        plan = self._plan
        return lambda args: [_as_array(v) for v in plan.run(args, plan.session._state)[:n_out]]


def compiled_function(ctx, name, args):
    """The compiled body of library function ``name`` of the graph ``ctx``'s op belongs to, for ``args``
    (cached in the session's state, per the devices of the resources among the arguments)."""
    state = ctx.session_state
    graph = ctx.op.graph
    devices = tuple([None if a.__class__ is np.ndarray else _resource_device(a) for a in args])
    key = ("function", id(graph), name, devices)
    fn = state.op_state.get(key)
    if fn is None:
        if state.placer is None:
            raise errors.FailedPreconditionError(None, ctx.op, "Functions run only inside a Session")
        library = state.op_state.get(("library", id(graph)))
        if library is None or library.proto is not graph._library or name not in library:
            library = state.op_state[("library", id(graph))] = FunctionLibrary(graph._library)
        fn = state.op_state[key] = CompiledFunction(instantiate(library, name), state, devices)
    return fn


def _resource_device(value):
    # Resource handles (variables, tables) carry the device their resource lives on.
    device = getattr(value, "device", None)
    return device.name if hasattr(value, "key") and device is not None and hasattr(device, "name") else None


def _as_array(v):
    # A sub-plan hands scalars back as numpy scalars (bytes for strings), as fetches are; kernels pass arrays.
    # Handles and TensorLists pass as they are.
    if isinstance(v, np.generic):
        return np.asarray(v)
    if isinstance(v, bytes):
        return np.array(v, dtype=object)
    return v


def _on_host(ctx, args):
    # A call placed off the host gets its arguments there; the body takes them in host memory.
    if ctx.device.host_memory:
        return list(args)
    backend = ctx.device.backend
    return [backend.download(a) if backend.is_device_array(a) else a for a in args]


def _results(ctx, values):
    if not ctx.device.host_memory:
        backend = ctx.device.backend
        values = [backend.upload(v) if isinstance(v, (np.ndarray, np.generic)) else v for v in values]
    n = len(ctx.op._outputs)
    if n == 0:
        return None
    return values[0] if n == 1 else tuple(values)


def _truthy(x):
    if x.__class__ is np.bool_:
        return bool(x)
    x = np.asarray(x)
    if x.ndim:
        return x.size > 0
    v = x[()]
    return bool(v) if not isinstance(v, (bytes, str)) else len(v) > 0


def _check_signature(ctx, fn, dtypes_in, role):
    want = [a.type for a in fn.body.signature.input_arg]
    if want != list(dtypes_in):
        raise errors.InvalidArgumentError(None, ctx.op, "%s '%s' of node %s takes %d arguments of types %s; the "
                                          "node gives %s" % (role, fn.body.name, ctx.node_name, len(want), want,
                                                             list(dtypes_in)))


def _call(ctx, *args):
    args = _on_host(ctx, args)
    return _results(ctx, compiled_function(ctx, ctx.attrs["f"].name, args)(args))


def _if(ctx, cond, *args):
    cond, *args = _on_host(ctx, (cond,) + args)
    branch = ctx.attrs["then_branch"] if _truthy(cond) else ctx.attrs["else_branch"]
    return _results(ctx, compiled_function(ctx, branch.name, args)(args))


def _case(ctx, index, *args):
    index, *args = _on_host(ctx, (index,) + args)
    branches = ctx.attrs["branches"]
    i = int(np.asarray(index))
    if not 0 <= i < len(branches):
        i = len(branches) - 1       # out of range: the default branch, the last
    return _results(ctx, compiled_function(ctx, branches[i].name, args)(args))


def _while(ctx, *args):
    values = _on_host(ctx, args)
    cond = compiled_function(ctx, ctx.attrs["cond"].name, values)
    body = compiled_function(ctx, ctx.attrs["body"].name, values)
    types = [t.dtype.as_datatype_enum for t in ctx.op.inputs]
    for fn, role in ((cond, "While cond"), (body, "While body")):
        _check_signature(ctx, fn, types, role)
    out_types = [a.type for a in body.body.signature.output_arg]
    if out_types != types:
        raise errors.InvalidArgumentError(None, ctx.op, "While body '%s' of node %s changes the loop variables' "
                                          "types: it takes %s and returns %s" % (body.body.name, ctx.node_name,
                                                                                  types, out_types))
    if len(values) != cond.n_in:
        cond(values)                   # raises the count's error
    cond, body = cond.unchecked, body.unchecked
    while _truthy(cond(values)[0]):
        values = body(values)
    return _results(ctx, values)


_KERNELS = {"PartitionedCall": _call, "StatefulPartitionedCall": _call, "If": _if, "StatelessIf": _if,
            "Case": _case, "StatelessCase": _case, "While": _while, "StatelessWhile": _while}
for _op_type, _kernel in _KERNELS.items():
    register_kernel(_op_type, resources_anywhere=True)(_kernel)
not_differentiable(*CALL_OPS)


@register_shape(*CALL_OPS)
def _call_shapes(op):
    # The shapes TensorFlow recorded (While's output_shapes, or _output_shapes on imported nodes), else unknown.
    for key in ("output_shapes", "_output_shapes"):
        av = op._attrs.get(key)
        if av is not None and len(av.list.shape) == len(op.outputs):
            return [TensorShape(None) if s.unknown_rank else TensorShape([d.size if d.size >= 0 else None
                                                                          for d in s.dim])
                    for s in av.list.shape]
    return [TensorShape(None)] * len(op.outputs)
