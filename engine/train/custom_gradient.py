"""``tf.custom_gradient`` in a graph: a function that gives its result and the gradient to use for it.

    @tg.custom_gradient
    def clip_gradient(x):
        def grad(dy):
            return tg.clip_by_norm(dy, 1.0)
        return tg.identity(x), grad

As TensorFlow builds it: the results, the inputs and the variables the function read pass through one
IdentityN whose gradient (``gradient_override_map``) is a function registered for that call: it calls
``grad`` on the results' gradients, and gives nothing to the results, ``grad``'s values to the inputs and,
when the function read variables, ``grad``'s second list to them (``grad`` then takes ``variables=``).
"""
import functools
import inspect
import itertools

from tagraph.engine.framework.graph import GraphKeys, convert_to_tensor, get_default_graph
from tagraph.engine.framework.nest import flatten, pack_sequence_as
from tagraph.engine.framework.op_builder import register_gradient
from tagraph.engine.ops.array_ops import identity_n
from tagraph.engine.variables.variables import Variable

__all__ = ["custom_gradient"]

_uids = itertools.count()


def _variables_between(inputs, outputs):
    """The variables whose values ``outputs`` depend on other than through ``inputs``, by name."""
    graph = get_default_graph()
    by_op = {}
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + graph.get_collection(GraphKeys.LOCAL_VARIABLES):
        if isinstance(v, Variable):
            by_op[v.op] = v
    stop = {t.op for t in inputs}
    seen, found, todo = set(), {}, [t.op for t in outputs]
    while todo:
        op = todo.pop()
        if op in seen or op in stop:
            continue
        seen.add(op)
        if op in by_op:
            found[by_op[op].name] = by_op[op]
            continue
        todo.extend(t.op for t in op.inputs)
        todo.extend(op.control_inputs)
    return [found[name] for name in sorted(found)]


def _takes_variables(fn):
    spec = inspect.getfullargspec(fn)
    return "variables" in spec.args or "variables" in spec.kwonlyargs or spec.varkw is not None


def custom_gradient(f=None):
    """Decorates ``f(*tensors) -> (result, grad)`` so that gradients through ``result`` are ``grad(*dys)``
    (plus, for the variables ``f`` read, ``grad(*dys, variables=...) -> (input grads, variable grads)``)."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        if kwargs:
            raise ValueError("The custom_gradient decorator currently supports keywords arguments only when "
                             "eager execution is enabled.")
        args = [convert_to_tensor(a) for a in args]
        result, grad_fn = f(*args)
        flat_result = [convert_to_tensor(t) for t in flatten(result)]
        variables = _variables_between(args, flat_result)
        takes_variables = _takes_variables(grad_fn)
        if variables and not takes_variables:
            raise TypeError("@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function "
                            "uses variables: {}".format(variables))
        n_result = len(flat_result)

        def gradient(unused_op, *result_grads):
            result_grads = result_grads[:n_result]
            if variables:
                input_grads, variable_grads = grad_fn(*result_grads, variables=variables)
                if len(variable_grads) != len(variables):
                    raise ValueError("Must return gradient for each variable from @custom_gradient grad_fn.")
            else:
                input_grads, variable_grads = grad_fn(*result_grads), []
            return [None] * n_result + flatten(input_grads) + list(variable_grads)

        name = "CustomGradient-%d" % next(_uids)
        register_gradient(name)(gradient)
        graph = get_default_graph()
        with graph.gradient_override_map({"IdentityN": name}):
            passed = identity_n(flat_result + args + [convert_to_tensor(v) for v in variables])
        return pack_sequence_as(result, list(passed[:n_result]))
    return decorated
