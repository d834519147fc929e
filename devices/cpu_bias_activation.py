"""BiasAdd followed by an activation, as one CPU step: the bias and the activation applied in place.

A dense layer's ``MatMul -> BiasAdd -> Relu`` costs, unfused, two more full-size arrays than the matmul's:
each a fresh allocation (large ones are fresh pages from the OS, faulted in one by one) and a pass over
memory. Fused, the activation runs in place on the sum, and when the plan says the BiasAdd's input is a
fresh array nobody else reads (a MatMul's or a Conv2D's result used only here:
``ctx.attrs["_inplace_input"]``), the bias is added in place too, so the layer allocates only the product's
result. The values are the unfused kernels' bit for bit: the same numpy calls, only with ``out=``.

    kernel = bias_activation_kernel("Relu")
    y = kernel(ctx, x, bias)        # max(x + bias, 0)
"""
import functools

import numpy as np

__all__ = ["ACTIVATIONS", "bias_activation_kernel", "check_bias_add"]


def _relu(y):
    np.maximum(y, y.dtype.type(0), out=y)


def _relu6(y):
    np.maximum(y, y.dtype.type(0), out=y)
    np.minimum(y, y.dtype.type(6), out=y)


def _tanh(y):
    np.tanh(y, out=y)


ACTIVATIONS = {"Relu": _relu, "Relu6": _relu6, "Tanh": _tanh}


def check_bias_add(x, bias, channel_axis=-1):
    """Raises ValueError with TensorFlow's message where BiasAdd refuses ``x`` and ``bias`` (``channel_axis``:
    1 for NCHW)."""
    def show(shape):
        return "[%s]" % ",".join(str(d) for d in shape)
    if x.ndim < 2:
        raise ValueError("Input tensor must be at least 2D: %s" % show(x.shape))
    if bias.ndim != 1:
        raise ValueError("Biases must be 1D: %s" % show(bias.shape))
    if bias.shape[0] != x.shape[channel_axis]:
        raise ValueError("Must provide as many biases as the last dimension of the input tensor: %s vs. %s"
                         % (show(bias.shape), show(x.shape)))


@functools.lru_cache(maxsize=None)
def bias_activation_kernel(activation):
    """A plan kernel ``kernel(ctx, x, bias)`` for BiasAdd (NHWC) followed by ``activation``, on the CPU."""
    apply = ACTIVATIONS[activation]

    def kernel(ctx, x, bias):
        check_bias_add(x, bias)
        if x.dtype != bias.dtype:
            raise TypeError("x (%s) and bias (%s) must have the same dtype" % (x.dtype, bias.dtype))
        if ctx.attrs.get("_inplace_input") and x.__class__ is np.ndarray and x.flags.writeable:
            y = np.add(x, bias, out=x)
        else:
            y = np.add(x, bias)
        apply(y)
        return y
    kernel.__name__ = "fused_bias_%s" % activation.lower()
    return kernel
