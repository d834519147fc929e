"""Gradients of the activation ops (nn_ops.py) that their module does not register yet.

TensorFlow's formulas and gradient op types (ReluGrad, EluGrad, BiasAddGrad, ...); the kernels of those
gradient ops are in nn_grad_ops.py. Each is registered only where the op has no gradient when this
module is imported, so the owner's own registration wins; the lead moves them next to their ops later.
"""
from tagraph.engine.op_builder import get_gradient_fn, is_not_differentiable, make_op, register_gradient
from tagraph.engine.ops import nn_grad_ops  # noqa: F401  (kernels and OpDefs of the *Grad ops)

REGISTERED = []


def _pending(*op_types):
    def decorate(fn):
        todo = [t for t in op_types if get_gradient_fn(t) is None and not is_not_differentiable(t)]
        if todo:
            register_gradient(*todo)(fn)
            REGISTERED.extend(todo)
        return fn
    return decorate


@_pending("Relu")
def _relu_grad(op, grad):
    return [make_op("ReluGrad", [grad, op.outputs[0]], name="ReluGrad")]


@_pending("Relu6")
def _relu6_grad(op, grad):
    return [make_op("Relu6Grad", [grad, op.outputs[0]], name="Relu6Grad")]


@_pending("Elu")
def _elu_grad(op, grad):
    return [make_op("EluGrad", [grad, op.outputs[0]], name="EluGrad")]


@_pending("Selu")
def _selu_grad(op, grad):
    return [make_op("SeluGrad", [grad, op.outputs[0]], name="SeluGrad")]


@_pending("LeakyRelu")
def _leaky_relu_grad(op, grad):
    return [make_op("LeakyReluGrad", [grad, op.inputs[0]], {"alpha": op.get_attr("alpha")},
                    name="LeakyReluGrad")]


@_pending("Softplus")
def _softplus_grad(op, grad):
    return [make_op("SoftplusGrad", [grad, op.inputs[0]], name="SoftplusGrad")]


@_pending("BiasAdd")
def _bias_add_grad(op, grad):
    fmt = op.get_attr("data_format")
    fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
    return [grad, make_op("BiasAddGrad", [grad], {"data_format": fmt}, name="BiasAddGrad")]


@_pending("Softmax")
def _softmax_grad(op, grad):
    from tagraph.engine.ops import math_ops
    softmax = op.outputs[0]
    sum_channels = math_ops.reduce_sum(grad * softmax, -1, keepdims=True)
    return [(grad - sum_channels) * softmax]


@_pending("LogSoftmax")
def _log_softmax_grad(op, grad):
    from tagraph.engine.ops import math_ops
    softmax = math_ops.exp(op.outputs[0])
    return [grad - math_ops.reduce_sum(grad, -1, keepdims=True) * softmax]
