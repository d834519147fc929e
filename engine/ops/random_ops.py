"""Random ops with TensorFlow's seeding rules: graph seed + op seed give a repeatable stream per op.

    tg.set_random_seed(1)
    r = tg.random_uniform([2, 2])   # the same values in every new session

The streams are numpy's Philox generator keyed by (seed, seed2), not TensorFlow's bit-exact streams.
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.framework.op_builder import make_op, register_shape, not_differentiable
from tagraph.engine.ops.array_ops import shape_tensor
from tagraph.engine.ops.constant_op import constant

__all__ = ["random_uniform", "random_normal", "truncated_normal"]

_RANDOM = ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt")


def _generator(ctx):
    # One generator per op per session: successive runs continue the stream, as TensorFlow's kernels do.
    state = ctx.session_state.op_state
    gen = state.get(ctx.op)
    if gen is None:
        seed, seed2 = ctx.attrs.get("seed", 0), ctx.attrs.get("seed2", 0)
        key = None if seed == 0 and seed2 == 0 else [seed & 0xFFFFFFFFFFFFFFFF, seed2 & 0xFFFFFFFFFFFFFFFF]
        gen = state[ctx.op] = np.random.Generator(np.random.Philox(key=key) if key else np.random.Philox())
    return gen


def _dims(shape):
    dims = [int(d) for d in np.asarray(shape).reshape(-1)]
    if any(d < 0 for d in dims):
        raise errors.InvalidArgumentError(None, None, "Random shape must be non-negative, got %s" % dims)
    return dims


def _to_device(ctx, host):
    return host if ctx.device.host_memory else ctx.device.backend.upload(host)


@register_kernel("RandomUniform", host_inputs=(0,))
def _random_uniform(ctx, shape):
    np_type = ctx.attrs["dtype"].as_numpy_dtype
    return _to_device(ctx, _generator(ctx).random(_dims(shape), dtype=np.float64).astype(np_type))


@register_kernel("RandomStandardNormal", host_inputs=(0,))
def _random_normal(ctx, shape):
    np_type = ctx.attrs["dtype"].as_numpy_dtype
    return _to_device(ctx, _generator(ctx).standard_normal(_dims(shape)).astype(np_type))


@register_kernel("TruncatedNormal", host_inputs=(0,))
def _truncated_normal(ctx, shape):
    gen = _generator(ctx)
    dims = _dims(shape)
    n = int(np.prod(dims))
    out = np.empty(n)
    filled = 0
    while filled < n:  # resample values beyond two standard deviations, as TensorFlow does
        draw = gen.standard_normal(max(16, 2 * (n - filled)))
        draw = draw[np.abs(draw) <= 2.0][: n - filled]
        out[filled:filled + draw.size] = draw
        filled += draw.size
    return _to_device(ctx, out.reshape(dims).astype(ctx.attrs["dtype"].as_numpy_dtype))


@register_kernel("RandomUniformInt", host_inputs=(0, 1, 2))
def _random_uniform_int(ctx, shape, minval, maxval):
    lo, hi = int(minval), int(maxval)
    if lo >= hi:
        raise errors.InvalidArgumentError(None, None, "Need minval < maxval: %d >= %d" % (lo, hi))
    return _to_device(ctx, _generator(ctx).integers(lo, hi, _dims(shape)).astype(ctx.attrs["Tout"].as_numpy_dtype))


@register_shape(*_RANDOM)
def _random_shape(op):
    return [constant_shape(op.inputs[0])]


not_differentiable(*_RANDOM)


def _seeds(seed):
    return get_default_graph()._get_op_seed(seed)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval)."""
    dtype = dtypes.as_dtype(dtype)
    g = get_default_graph()
    s1, s2 = _seeds(seed)
    with g.name_scope(name or "random_uniform") as scope:
        shape_t = shape_tensor(shape)
        if dtype.is_integer:
            if maxval is None:
                raise ValueError("Must specify maxval for integer dtype %s" % dtype.name)
            return make_op("RandomUniformInt", [shape_t, _const(minval, dtype, "min"),
                                                _const(maxval, dtype, "max")],
                           {"seed": s1, "seed2": s2}, name=scope)
        maxval = 1 if maxval is None else maxval
        rnd = make_op("RandomUniform", [shape_t], {"dtype": dtype, "seed": s1, "seed2": s2}, name="RandomUniform")
        lo = _const(minval, dtype, "min")
        hi = _const(maxval, dtype, "max")
        return make_op("AddV2", [make_op("Mul", [rnd, make_op("Sub", [hi, lo], name="sub")], name="mul"), lo],
                       name=scope)


def _const(value, dtype, name):
    return constant(value, dtype=dtype, name=name)


def _scaled(op_type, default_name):
    def build(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
        dtype = dtypes.as_dtype(dtype)
        g = get_default_graph()
        s1, s2 = _seeds(seed)
        with g.name_scope(name or default_name) as scope:
            shape_t = shape_tensor(shape)
            m = _const(mean, dtype, "mean")
            sd = _const(stddev, dtype, "stddev")
            rnd = make_op(op_type, [shape_t], {"dtype": dtype, "seed": s1, "seed2": s2}, name=op_type)
            return make_op("AddV2", [make_op("Mul", [rnd, sd], name="mul"), m], name=scope)
    return build


random_normal = _scaled("RandomStandardNormal", "random_normal")
truncated_normal = _scaled("TruncatedNormal", "truncated_normal")
