"""Kernels of the gradient ops TensorFlow's backward passes use, and the OpDefs tagraph's table lacks.

BroadcastGradientArgs gives the axes to sum a broadcast gradient over; ReluGrad, SigmoidGrad, TanhGrad,
BiasAddGrad and the rest compute an activation's backward step in one kernel, as TensorFlow's do, so a
gradient graph written by TensorFlow runs here unchanged.

    rx, ry = make_op("BroadcastGradientArgs", [shape(x), shape(y)])

The OpDefs below are TensorFlow 2.21's own (``op_def_registry.get(name)``), for ops the shipped
``op_defs.pbtxt`` does not have; they are added to the registry when this module is imported.
"""
import numpy as np

from tagraph.devices.kernel_registry import has_kernel, register_kernel as _register_kernel
from tagraph.engine import common_shapes, errors
from tagraph.engine.op_builder import op_defs, register_op_def, register_shape, not_differentiable
from tagraph.engine.tensor_shape import TensorShape, unknown_shape

_EXTRA_OP_DEFS = r'''
op {
  name: "FusedBatchNormGradV3"
  input_arg {
    name: "y_backprop"
    type_attr: "T"
  }
  input_arg {
    name: "x"
    type_attr: "T"
  }
  input_arg {
    name: "scale"
    type: DT_FLOAT
  }
  input_arg {
    name: "reserve_space_1"
    type_attr: "U"
  }
  input_arg {
    name: "reserve_space_2"
    type_attr: "U"
  }
  input_arg {
    name: "reserve_space_3"
    type_attr: "U"
  }
  output_arg {
    name: "x_backprop"
    type_attr: "T"
  }
  output_arg {
    name: "scale_backprop"
    type_attr: "U"
  }
  output_arg {
    name: "offset_backprop"
    type_attr: "U"
  }
  output_arg {
    name: "reserve_space_4"
    type_attr: "U"
  }
  output_arg {
    name: "reserve_space_5"
    type_attr: "U"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_HALF
        type: DT_BFLOAT16
        type: DT_FLOAT
      }
    }
  }
  attr {
    name: "U"
    type: "type"
    allowed_values {
      list {
        type: DT_FLOAT
      }
    }
  }
  attr {
    name: "epsilon"
    type: "float"
    default_value {
      f: 0.0001
    }
  }
  attr {
    name: "data_format"
    type: "string"
    default_value {
      s: "NHWC"
    }
    allowed_values {
      list {
        s: "NHWC"
        s: "NCHW"
        s: "NDHWC"
        s: "NCDHW"
      }
    }
  }
  attr {
    name: "is_training"
    type: "bool"
    default_value {
      b: true
    }
  }
}
op {
  name: "SqrtGrad"
  input_arg {
    name: "y"
    type_attr: "T"
  }
  input_arg {
    name: "dy"
    type_attr: "T"
  }
  output_arg {
    name: "z"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_BFLOAT16
        type: DT_HALF
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_COMPLEX64
        type: DT_COMPLEX128
      }
    }
  }
}
op {
  name: "RsqrtGrad"
  input_arg {
    name: "y"
    type_attr: "T"
  }
  input_arg {
    name: "dy"
    type_attr: "T"
  }
  output_arg {
    name: "z"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_BFLOAT16
        type: DT_HALF
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_COMPLEX64
        type: DT_COMPLEX128
      }
    }
  }
}
op {
  name: "ReciprocalGrad"
  input_arg {
    name: "y"
    type_attr: "T"
  }
  input_arg {
    name: "dy"
    type_attr: "T"
  }
  output_arg {
    name: "z"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_BFLOAT16
        type: DT_HALF
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_COMPLEX64
        type: DT_COMPLEX128
      }
    }
  }
}
op {
  name: "ApplyCenteredRMSProp"
  input_arg {
    name: "var"
    type_attr: "T"
    is_ref: true
  }
  input_arg {
    name: "mg"
    type_attr: "T"
    is_ref: true
  }
  input_arg {
    name: "ms"
    type_attr: "T"
    is_ref: true
  }
  input_arg {
    name: "mom"
    type_attr: "T"
    is_ref: true
  }
  input_arg {
    name: "lr"
    type_attr: "T"
  }
  input_arg {
    name: "rho"
    type_attr: "T"
  }
  input_arg {
    name: "momentum"
    type_attr: "T"
  }
  input_arg {
    name: "epsilon"
    type_attr: "T"
  }
  input_arg {
    name: "grad"
    type_attr: "T"
  }
  output_arg {
    name: "out"
    type_attr: "T"
    is_ref: true
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_INT32
        type: DT_UINT8
        type: DT_INT16
        type: DT_INT8
        type: DT_COMPLEX64
        type: DT_INT64
        type: DT_QINT8
        type: DT_QUINT8
        type: DT_QINT32
        type: DT_BFLOAT16
        type: DT_QINT16
        type: DT_QUINT16
        type: DT_UINT16
        type: DT_COMPLEX128
        type: DT_HALF
        type: DT_UINT32
        type: DT_UINT64
      }
    }
  }
  attr {
    name: "use_locking"
    type: "bool"
    default_value {
      b: false
    }
  }
}
op {
  name: "ResourceApplyCenteredRMSProp"
  input_arg {
    name: "var"
    type: DT_RESOURCE
  }
  input_arg {
    name: "mg"
    type: DT_RESOURCE
  }
  input_arg {
    name: "ms"
    type: DT_RESOURCE
  }
  input_arg {
    name: "mom"
    type: DT_RESOURCE
  }
  input_arg {
    name: "lr"
    type_attr: "T"
  }
  input_arg {
    name: "rho"
    type_attr: "T"
  }
  input_arg {
    name: "momentum"
    type_attr: "T"
  }
  input_arg {
    name: "epsilon"
    type_attr: "T"
  }
  input_arg {
    name: "grad"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_INT32
        type: DT_UINT8
        type: DT_INT16
        type: DT_INT8
        type: DT_COMPLEX64
        type: DT_INT64
        type: DT_QINT8
        type: DT_QUINT8
        type: DT_QINT32
        type: DT_BFLOAT16
        type: DT_QINT16
        type: DT_QUINT16
        type: DT_UINT16
        type: DT_COMPLEX128
        type: DT_HALF
        type: DT_UINT32
        type: DT_UINT64
      }
    }
  }
  attr {
    name: "use_locking"
    type: "bool"
    default_value {
      b: false
    }
  }
  is_stateful: true
}
op {
  name: "UnsortedSegmentSum"
  input_arg {
    name: "data"
    type_attr: "T"
  }
  input_arg {
    name: "segment_ids"
    type_attr: "Tindices"
  }
  input_arg {
    name: "num_segments"
    type_attr: "Tnumsegments"
  }
  output_arg {
    name: "output"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_INT32
        type: DT_UINT8
        type: DT_INT16
        type: DT_INT8
        type: DT_COMPLEX64
        type: DT_INT64
        type: DT_QINT8
        type: DT_QUINT8
        type: DT_QINT32
        type: DT_BFLOAT16
        type: DT_QINT16
        type: DT_QUINT16
        type: DT_UINT16
        type: DT_COMPLEX128
        type: DT_HALF
        type: DT_UINT32
        type: DT_UINT64
      }
    }
  }
  attr {
    name: "Tindices"
    type: "type"
    allowed_values {
      list {
        type: DT_INT16
        type: DT_INT32
        type: DT_INT64
      }
    }
  }
  attr {
    name: "Tnumsegments"
    type: "type"
    default_value {
      type: DT_INT32
    }
    allowed_values {
      list {
        type: DT_INT32
        type: DT_INT64
      }
    }
  }
}
op {
  name: "EluGrad"
  input_arg {
    name: "gradients"
    type_attr: "T"
  }
  input_arg {
    name: "outputs"
    type_attr: "T"
  }
  output_arg {
    name: "backprops"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_HALF
        type: DT_BFLOAT16
        type: DT_FLOAT
        type: DT_DOUBLE
      }
    }
  }
}
op {
  name: "LeakyReluGrad"
  input_arg {
    name: "gradients"
    type_attr: "T"
  }
  input_arg {
    name: "features"
    type_attr: "T"
  }
  output_arg {
    name: "backprops"
    type_attr: "T"
  }
  attr {
    name: "alpha"
    type: "float"
    default_value {
      f: 0.2
    }
  }
  attr {
    name: "T"
    type: "type"
    default_value {
      type: DT_FLOAT
    }
    allowed_values {
      list {
        type: DT_HALF
        type: DT_BFLOAT16
        type: DT_FLOAT
        type: DT_DOUBLE
      }
    }
  }
}
op {
  name: "Relu6Grad"
  input_arg {
    name: "gradients"
    type_attr: "T"
  }
  input_arg {
    name: "features"
    type_attr: "T"
  }
  output_arg {
    name: "backprops"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_INT32
        type: DT_UINT8
        type: DT_INT16
        type: DT_INT8
        type: DT_INT64
        type: DT_BFLOAT16
        type: DT_UINT16
        type: DT_HALF
        type: DT_UINT32
        type: DT_UINT64
      }
    }
  }
}
op {
  name: "SeluGrad"
  input_arg {
    name: "gradients"
    type_attr: "T"
  }
  input_arg {
    name: "outputs"
    type_attr: "T"
  }
  output_arg {
    name: "backprops"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_HALF
        type: DT_BFLOAT16
        type: DT_FLOAT
        type: DT_DOUBLE
      }
    }
  }
}
op {
  name: "SoftplusGrad"
  input_arg {
    name: "gradients"
    type_attr: "T"
  }
  input_arg {
    name: "features"
    type_attr: "T"
  }
  output_arg {
    name: "backprops"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_HALF
        type: DT_BFLOAT16
        type: DT_FLOAT
        type: DT_DOUBLE
      }
    }
  }
}
op {
  name: "PreventGradient"
  input_arg {
    name: "input"
    type_attr: "T"
  }
  output_arg {
    name: "output"
    type_attr: "T"
  }
  attr {
    name: "T"
    type: "type"
  }
  attr {
    name: "message"
    type: "string"
    default_value {
      s: ""
    }
  }
}
op {
  name: "ConcatOffset"
  input_arg {
    name: "concat_dim"
    type: DT_INT32
  }
  input_arg {
    name: "shape"
    type_attr: "shape_type"
    number_attr: "N"
  }
  output_arg {
    name: "offset"
    type_attr: "shape_type"
    number_attr: "N"
  }
  attr {
    name: "N"
    type: "int"
    has_minimum: true
    minimum: 2
  }
  attr {
    name: "shape_type"
    type: "type"
    default_value {
      type: DT_INT32
    }
    allowed_values {
      list {
        type: DT_INT32
        type: DT_INT64
      }
    }
  }
}
op {
  name: "Cumprod"
  input_arg {
    name: "x"
    type_attr: "T"
  }
  input_arg {
    name: "axis"
    type_attr: "Tidx"
  }
  output_arg {
    name: "out"
    type_attr: "T"
  }
  attr {
    name: "exclusive"
    type: "bool"
    default_value {
      b: false
    }
  }
  attr {
    name: "reverse"
    type: "bool"
    default_value {
      b: false
    }
  }
  attr {
    name: "T"
    type: "type"
    allowed_values {
      list {
        type: DT_FLOAT
        type: DT_DOUBLE
        type: DT_INT32
        type: DT_UINT8
        type: DT_INT16
        type: DT_INT8
        type: DT_COMPLEX64
        type: DT_INT64
        type: DT_QINT8
        type: DT_QUINT8
        type: DT_QINT32
        type: DT_BFLOAT16
        type: DT_QINT16
        type: DT_QUINT16
        type: DT_UINT16
        type: DT_COMPLEX128
        type: DT_HALF
        type: DT_UINT32
        type: DT_UINT64
      }
    }
  }
  attr {
    name: "Tidx"
    type: "type"
    default_value {
      type: DT_INT32
    }
    allowed_values {
      list {
        type: DT_INT32
        type: DT_INT64
      }
    }
  }
}
'''


def _register_extra_op_defs():
    from google.protobuf import text_format
    from tagraph.protos import op_def_pb2
    op_list = op_def_pb2.OpList()
    text_format.Parse(_EXTRA_OP_DEFS, op_list)
    known = op_defs()
    for od in op_list.op:
        if od.name not in known:
            register_op_def(od)


_register_extra_op_defs()

# Op types whose kernels this module supplied (others may already have been registered next to the
# forward ops, e.g. ReluGrad in nn_ops.py; those are left as they are).
REGISTERED = []


def register_kernel(op_type, *args, **kwargs):
    """register_kernel for op types that have no kernel yet; a no-op decorator otherwise."""
    if has_kernel(op_type, "CPU"):
        return lambda fn: fn
    REGISTERED.append(op_type)
    return _register_kernel(op_type, *args, **kwargs)


def _shape_if_missing(op_type, fn):
    from tagraph.engine.op_builder import get_shape_fn
    if get_shape_fn(op_type) is None:
        register_shape(op_type)(fn)


# --- BroadcastGradientArgs -------------------------------------------------------------------------

def broadcast_gradient_args(s0, s1):
    """The axes to reduce the gradient of a broadcast over, for each of two shapes (TensorFlow's BCast
    without its dimension-merging optimisation): an output axis is reduced for an input whose
    (1-padded) dimension there is 1 while the output's is not."""
    s0 = [int(d) for d in s0]
    s1 = [int(d) for d in s1]
    n = max(len(s0), len(s1))
    p0 = [1] * (n - len(s0)) + s0
    p1 = [1] * (n - len(s1)) + s1
    r0, r1 = [], []
    for i, (a, b) in enumerate(zip(p0, p1)):
        if a == b:
            continue
        if a == 1:
            r0.append(i)
        elif b == 1:
            r1.append(i)
        else:
            raise errors.InvalidArgumentError(None, None, "Incompatible shapes: [%s] vs. [%s]"
                                              % (",".join(map(str, s0)), ",".join(map(str, s1))))
    return r0, r1


@register_kernel("BroadcastGradientArgs", host_inputs=(0, 1), host_outputs=(0, 1))
def _broadcast_gradient_args(ctx, s0, s1):
    r0, r1 = broadcast_gradient_args(np.asarray(s0).reshape(-1), np.asarray(s1).reshape(-1))
    dt = ctx.attrs["T"].as_numpy_dtype
    return np.array(r0, dtype=dt), np.array(r1, dtype=dt)


def _bga_shape(op):
    return [TensorShape([None]), TensorShape([None])]


_shape_if_missing("BroadcastGradientArgs", _bga_shape)


# --- elementwise backward steps ---------------------------------------------------------------------

def _like(fn):
    def kernel(ctx, a, b, *rest):
        r = fn(ctx.xp, a, b, *rest, ctx.attrs)
        return r if r.dtype == a.dtype else r.astype(a.dtype)
    return kernel


_GRAD_KERNELS = {
    # (y, dy) pairs, y being the forward output
    "SigmoidGrad": lambda xp, y, dy, a: dy * (y * (1 - y)),
    "TanhGrad": lambda xp, y, dy, a: dy * (1 - y * y),
    "SqrtGrad": lambda xp, y, dy, a: dy * 0.5 / y,
    "RsqrtGrad": lambda xp, y, dy, a: dy * (-0.5) * (y * y * y),
    "ReciprocalGrad": lambda xp, y, dy, a: -dy * (y * y),
    # (gradients, features-or-outputs) pairs
    "ReluGrad": lambda xp, g, f, a: g * (f > 0),
    "Relu6Grad": lambda xp, g, f, a: g * ((f > 0) & (f < 6)),
    "EluGrad": lambda xp, g, y, a: xp.where(y > 0, g, g * (y + 1)),
    "SeluGrad": lambda xp, g, y, a: xp.where(y > 0, g * 1.0507009873554804934193349852946,
                                             g * (y + 1.7580993408473768599402175208123)),
    "LeakyReluGrad": lambda xp, g, f, a: xp.where(f > 0, g, g * a.get("alpha", 0.2)),
    "SoftplusGrad": lambda xp, g, f, a: g / (1 + xp.exp(-f)),
}

for _t, _fn in _GRAD_KERNELS.items():
    register_kernel(_t)(_like(_fn))
    _shape_if_missing(_t, common_shapes.unchanged)


@register_kernel("BiasAddGrad")
def _bias_add_grad(ctx, g):
    fmt = ctx.attrs.get("data_format", b"NHWC")
    fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
    if g.ndim < 2:
        raise errors.InvalidArgumentError(None, None, "Input tensor must be at least 2D: %s" % list(g.shape))
    channel = 1 if fmt.startswith("NC") else g.ndim - 1
    axes = tuple(i for i in range(g.ndim) if i != channel)
    return ctx.xp.sum(g, axis=axes, dtype=g.dtype)


def _bias_add_grad_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape(1)]
    fmt = op.get_attr("data_format")
    fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
    return [TensorShape([s[1] if fmt.startswith("NC") else s[-1]])]


_shape_if_missing("BiasAddGrad", _bias_add_grad_shape)


from tagraph.engine.op_builder import get_gradient_fn as _ggf  # noqa: E402
if _ggf("BroadcastGradientArgs") is None:
    not_differentiable("BroadcastGradientArgs")


# --- ops tagraph's table lacks that gradients need ------------------------------------------------

@register_kernel("Cumprod", host_inputs=(1,))
def _cumprod(ctx, x, axis):
    xp = ctx.xp
    ax = int(np.asarray(axis)) % max(x.ndim, 1)
    exclusive, reverse = ctx.attrs.get("exclusive", False), ctx.attrs.get("reverse", False)
    if reverse:
        x = xp.flip(x, axis=ax)
    out = xp.cumprod(x, axis=ax, dtype=x.dtype)
    if exclusive:
        idx = [slice(None)] * x.ndim
        idx[ax] = slice(0, x.shape[ax] - 1)
        head_shape = list(x.shape)
        head_shape[ax] = 1
        out = xp.concatenate([xp.ones(head_shape, dtype=x.dtype), out[tuple(idx)]], axis=ax)
    if reverse:
        out = xp.flip(out, axis=ax)
    return out


_shape_if_missing("Cumprod", common_shapes.unchanged)


@register_kernel("UnsortedSegmentSum", host_inputs=(2,))
def _unsorted_segment_sum(ctx, data, segment_ids, num_segments):
    xp = ctx.xp
    n = int(np.asarray(num_segments))
    ids_shape = segment_ids.shape
    if tuple(data.shape[:len(ids_shape)]) != tuple(ids_shape):
        raise errors.InvalidArgumentError(None, None, "data.shape = %s does not start with segment_ids.shape = %s"
                                          % (list(data.shape), list(ids_shape)))
    rest = data.shape[len(ids_shape):]
    flat_ids = segment_ids.reshape(-1)
    flat = data.reshape((-1,) + tuple(rest))
    out = xp.zeros((n,) + tuple(rest), dtype=data.dtype)
    # Ids outside [0, n) are dropped, as TensorFlow's kernel does.
    keep = (flat_ids >= 0) & (flat_ids < n)
    xp.add.at(out, flat_ids[keep], flat[keep])
    return out


def _unsorted_segment_sum_shape(op):
    from tagraph.engine.common_shapes import constant_value
    d, i = op.inputs[0].shape, op.inputs[1].shape
    n = constant_value(op.inputs[2])
    if d.rank is None or i.rank is None:
        return [unknown_shape()]
    return [TensorShape([None if n is None else int(n)] + d.dims[i.rank:])]


_shape_if_missing("UnsortedSegmentSum", _unsorted_segment_sum_shape)
