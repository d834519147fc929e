"""``tf.hessians``: the second derivatives of a scalar sum with respect to each tensor, built as TensorFlow
builds them: the gradient flattened, and a while loop differentiating each of its elements again into a
TensorArray, stacked and reshaped to ``x.shape + x.shape``.

    h, = tg.hessians(tg.reduce_sum(x ** 3), [x])       # diag(6 * x) for a vector x
"""
from tagraph.engine.framework import dtypes
from tagraph.engine.ops import array_ops
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import while_loop
from tagraph.engine.ops.joining_ops import concat
from tagraph.engine.ops.tensor_array_ops import TensorArray
from tagraph.engine.train.gradients import gradients

__all__ = ["hessians"]


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """``[d2 sum(ys) / dx dx for x in xs]``, each shaped ``x.shape + x.shape``."""
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    kwargs = {"colocate_gradients_with_ops": colocate_gradients_with_ops, "gate_gradients": gate_gradients,
              "aggregation_method": aggregation_method}
    out = []
    for gradient, x in zip(gradients(ys, xs, **kwargs), xs):
        gradient = array_ops.reshape(gradient, [-1])
        n = array_ops.size(x)
        loop_vars = [constant(0, dtypes.int32), TensorArray(x.dtype, n)]
        _, hessian = while_loop(lambda j, _: j < n,
                                lambda j, result: (j + 1, result.write(j, gradients(gradient[j], x, **kwargs)[0])),
                                loop_vars)
        shape = array_ops.shape(x)
        out.append(array_ops.reshape(hessian.stack(), concat((shape, shape), 0)))
    return out
