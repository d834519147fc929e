"""Printing from a running graph: ``tg.print`` (StringFormat and PrintV2, TensorFlow 2's ``tf.print``)
and ``tg.Print`` (TensorFlow 1's Print op, an identity that prints as a side effect).

    p = tg.print("loss:", loss, output_stream=sys.stdout)     # an op: run it, or make others depend on it
    with tg.control_dependencies([p]):
        train = optimizer.minimize(loss)

    x = tg.Print(x, [x, tg.shape(x)], message="x is ", first_n=5, summarize=10)   # x, printing as it flows

Both print from the host, as TensorFlow's kernels do: PrintV2 writes its string and ``end`` to the stream its
``output_stream`` names (stderr, stdout, a logging level or ``file://path``); Print writes
``message[summary of data 0][summary of data 1]...`` and a newline to stderr, at most ``first_n`` times per
session (-1: always), each tensor summarized to its first ``summarize`` values.
"""
import logging
import os
import pprint
import random
import sys

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import not_differentiable, register_gradient, register_shape
from tagraph.engine.ops.logging_ops import summarize as summarize_flat
from tagraph.engine.ops.op_util import gen, invalid
from tagraph.engine.ops.string_format_ops import string_format

__all__ = ["print_v2", "Print"]

_LOGGERS = {"log(info)": logging.INFO, "log(warning)": logging.WARNING, "log(error)": logging.ERROR}


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


@register_kernel("PrintV2", host_kind().device_type)
def _print_v2(ctx, value):
    if getattr(value, "shape", ()) != ():
        raise invalid("Input is expected to be scalar, but got %s", "[%s]" % ",".join(str(d) for d in value.shape))
    text = _text(value.reshape(-1)[0] if hasattr(value, "reshape") else value) + _text(ctx.attrs.get("end", "\n"))
    stream = _text(ctx.attrs.get("output_stream", "stderr"))
    if stream in ("stderr", "stdout"):
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(text)
        out.flush()
    elif stream in _LOGGERS:
        logging.getLogger("tagraph").log(_LOGGERS[stream], text.rstrip("\n"))
    elif stream.startswith("file://"):
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
    else:
        raise invalid("%s is not a valid output_stream", stream)


register_shape("PrintV2")(lambda op: [])
not_differentiable("PrintV2")


def _output_stream_name(stream):
    if isinstance(stream, str) and stream.startswith("file://"):
        return stream
    names = {id(sys.stdout): "stdout", id(sys.stderr): "stderr", id(sys.__stdout__): "stdout",
             id(sys.__stderr__): "stderr", logging.INFO: "log(info)", logging.WARNING: "log(warning)",
             logging.ERROR: "log(error)", id(logging.info): "log(info)", id(logging.warning): "log(warning)",
             id(logging.error): "log(error)"}
    key = stream if isinstance(stream, int) else id(stream)
    if key not in names:
        raise ValueError("Unsupported output stream, logging level, or file.%s. Supported streams are sys.stdout, "
                         "sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. File needs to be in "
                         "the form of 'file://<filepath>'." % stream)
    return names[key]


def _placeholder_for(template):
    """A placeholder that does not occur in ``template`` (TensorFlow's, from a fixed random sequence)."""
    placeholder, rng = "{}", random.Random(5)
    while placeholder in template:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def print_v2(*inputs, **kwargs):
    """TensorFlow's ``tf.print``: an op printing ``inputs`` (tensors formatted as StringFormat does, other
    values as Python's ``pprint`` writes them) joined by ``sep``, then ``end``, to ``output_stream``.

    Nested structures of tensors (lists, dicts) are not flattened: pass tensors, or strings and numbers.
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    name = kwargs.pop("name", None)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", os.linesep)
    if kwargs:
        raise ValueError("Unrecognized keyword arguments for tf.print: %s" % kwargs)
    stream = _output_stream_name(output_stream)
    if len(inputs) == 1 and isinstance(inputs[0], Tensor) and inputs[0].shape.rank == 0 and \
            inputs[0].dtype == dtypes.string:
        formatted = inputs[0]
    else:
        for x in inputs:
            if isinstance(x, (list, tuple, dict)) and any(isinstance(v, Tensor) for v in
                                                           (x.values() if isinstance(x, dict) else x)):
                raise NotImplementedError("tf.print of tensors nested in a list or dict is not supported by "
                                          "tagraph; pass the tensors as separate arguments")
        tensor_free = " ".join(pprint.pformat("" if isinstance(x, Tensor) else x) for x in inputs)
        placeholder = _placeholder_for(tensor_free)
        tensors, templates = [], []
        for x in inputs:
            if isinstance(x, Tensor):
                tensors.append(x)
                templates.append(placeholder)
            else:
                templates.append(x if isinstance(x, str) else pprint.pformat(x))
        formatted = string_format(sep.join(templates), tensors, placeholder=placeholder, summarize=summarize,
                                  name=name + "_format" if name else None)
    return gen("PrintV2", [formatted], {"output_stream": stream, "end": end}, name, "PrintV2")


# --- TensorFlow 1's Print -----------------------------------------------------------------------------

class _Calls:
    """How many times one Print node has printed in one session."""

    def __init__(self):
        self.n = 0


@register_kernel("Print", host_kind().device_type)
def _print(ctx, x, *data):
    first_n = int(ctx.attrs.get("first_n", -1))
    if first_n >= 0:
        state = ctx.session_state.op_state if ctx.session_state is not None else {}
        calls = state.setdefault((ctx.op, "print_calls"), _Calls())
        if calls.n >= first_n:
            return x
        calls.n += 1
    limit = int(ctx.attrs.get("summarize", 3))
    message = _text(ctx.attrs.get("message", ""))
    sys.stderr.write(message + "".join("[%s]" % summarize_flat(d, limit) for d in data) + "\n")
    sys.stderr.flush()
    return x


register_shape("Print")(lambda op: [op.inputs[0].shape])


@register_gradient("Print")
def _print_grad(op, *grad):
    return list(grad) + [None] * (len(op.inputs) - 1)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 - TensorFlow's name
    """TensorFlow 1's ``tf.Print``: ``input_`` itself, printing ``message`` and ``data`` when it runs."""
    g = get_default_graph()
    with g.as_default():
        x = convert_to_tensor(input_)
        attrs = {"message": "" if message is None else message, "first_n": -1 if first_n is None else int(first_n),
                 "summarize": 3 if summarize is None else int(summarize)}
        return gen("Print", [x, [convert_to_tensor(d) for d in data]], attrs, name, "Print").outputs[0]
