"""Random ops with TensorFlow's seeds and TensorFlow's numbers: the same seeds give the same values, bit for bit.

    tg.set_random_seed(1)
    r = tg.random_uniform([2, 2])   # TensorFlow's values for this graph, in every new session

Each kernel keeps TensorFlow's per-session generator (GuardedPhiloxRandom): Philox keyed by the op's
``seed`` attribute, its counter started from ``seed2``; every run takes its numbers from the current
counter and moves it on, so successive runs give TensorFlow's successive values. Both seeds 0 means fresh
random seeds, as in TensorFlow. The numbers themselves come from ``philox`` (TensorFlow's distributions).
GPU kernels draw on the host and upload, so a GPU gives the CPU's values.
"""
import os
import threading

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_shape, constant_value
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, register_shape, not_differentiable
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops, philox
from tagraph.engine.ops.array_ops import shape_tensor

__all__ = ["random_uniform", "random_normal", "truncated_normal", "random_shuffle", "multinomial", "categorical",
           "random_gamma", "get_seed"]

_RANDOM = ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt")
_FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)


class _Generator:
    """TensorFlow's GuardedPhiloxRandom: one per kernel per session, shared by concurrent runs."""

    def __init__(self, seed, seed2):
        if seed == 0 and seed2 == 0:
            seed, seed2 = (int.from_bytes(os.urandom(8), "little") for _ in range(2))
        self._gen = philox.PhiloxRandom(seed, seed2)
        self._lock = threading.Lock()

    def reserve(self, samples):
        with self._lock:
            return self._gen.reserve(samples)


def op_generator(ctx):
    """The generator of the kernel running in ``ctx`` in this session (made on its first run from the op's
    ``seed`` and ``seed2``): random kernels of other families draw from it too."""
    state = ctx.session_state.op_state
    gen = state.get(ctx.op)
    if gen is None:
        gen = state.setdefault(ctx.op, _Generator(ctx.attrs.get("seed", 0), ctx.attrs.get("seed2", 0)))
    return gen


def _output_shape(shape):
    shape = np.asarray(shape)
    if shape.ndim != 1:
        raise errors.InvalidArgumentError(None, None, "shape must be a vector of {int32,int64}, got shape [%s]"
                                          % ",".join(str(d) for d in shape.shape))
    dims = [int(d) for d in shape]
    for d in dims:
        if d < 0:
            raise errors.InvalidArgumentError(None, None, "Dimension %d must be >= 0" % d)
    return dims


def _to_device(ctx, host):
    return host if ctx.device.host_memory else ctx.device.backend.upload(host)


def _fill(ctx, shape, draw):
    dims = _output_shape(shape)
    n = int(np.prod(dims, dtype=np.int64))
    run = op_generator(ctx).reserve(n * philox.RESERVED_SAMPLES_PER_OUTPUT)
    return _to_device(ctx, draw(run, n).reshape(dims))


def _float_type(ctx):
    dtype = ctx.attrs["dtype"]
    if dtype not in (dtypes.float16, dtypes.float32, dtypes.float64):
        raise errors.UnimplementedError(None, None, "%s: no kernel for dtype %s" % (ctx.op.type, dtype.name))
    return dtype.as_numpy_dtype


@register_kernel("RandomUniform", host_inputs=(0,))
def _random_uniform(ctx, shape):
    np_type = _float_type(ctx)
    return _fill(ctx, shape, lambda gen, n: philox.uniform(gen, n, np_type))


@register_kernel("RandomStandardNormal", host_inputs=(0,))
def _random_normal(ctx, shape):
    np_type = _float_type(ctx)
    return _fill(ctx, shape, lambda gen, n: philox.normal(gen, n, np_type))


@register_kernel("TruncatedNormal", host_inputs=(0,))
def _truncated_normal(ctx, shape):
    np_type = _float_type(ctx)
    return _fill(ctx, shape, lambda gen, n: philox.truncated_normal(gen, n, np_type))


def _scalar_bound(value, what):
    value = np.asarray(value)
    if value.ndim != 0:
        raise errors.InvalidArgumentError(None, None, "%s must be 0-D, got shape [%s]"
                                          % (what, ",".join(str(d) for d in value.shape)))
    return int(value)


@register_kernel("RandomUniformInt", host_inputs=(0, 1, 2))
def _random_uniform_int(ctx, shape, minval, maxval):
    lo, hi = _scalar_bound(minval, "minval"), _scalar_bound(maxval, "maxval")
    dims = _output_shape(shape)
    if 0 in dims:           # nothing to draw: TensorFlow returns before it checks the bounds
        return _to_device(ctx, np.zeros(dims, ctx.attrs["Tout"].as_numpy_dtype))
    if lo >= hi:
        raise errors.InvalidArgumentError(None, None, "Need minval < maxval, got %d >= %d" % (lo, hi))
    np_type = ctx.attrs["Tout"].as_numpy_dtype
    return _fill(ctx, shape, lambda gen, n: philox.uniform_int(gen, n, lo, hi, np_type))


@register_shape(*_RANDOM)
def _random_shape(op):
    return [constant_shape(op.inputs[0])]


@register_kernel("RandomShuffle", "CPU")
def _random_shuffle(ctx, value):
    value = np.asarray(value)
    if value.size <= 1 or value.shape[0] <= 1:
        return value
    size = value.shape[0]
    run = op_generator(ctx).reserve((size - 1 + 3) // 4)   # ReserveSamples32(size - 1)
    return value[philox.shuffle_permutation(run, size)]


@register_shape("RandomShuffle")
def _shuffle_shape(op):
    return [op.inputs[0].shape]


def _intra_op_threads():
    # TensorFlow's default intra-op pool: one thread per CPU this process may run on. Its Multinomial kernel
    # splits the rows by it, and each shard reads its own stream.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:        # not on Linux
        return os.cpu_count() or 1


def _shape_string(shape):
    return "[%s]" % ",".join(str(d) for d in shape)


@register_kernel("Multinomial", host_inputs=(0, 1))
def _multinomial(ctx, logits, num_samples):
    logits = np.asarray(logits)
    num_samples = np.asarray(num_samples)
    if logits.ndim != 2:
        raise errors.InvalidArgumentError(None, None, "logits should be a matrix, got shape %s"
                                          % _shape_string(logits.shape))
    if num_samples.ndim != 0:
        raise errors.InvalidArgumentError(None, None, "num_samples should be a scalar, got shape %s"
                                          % _shape_string(num_samples.shape))
    ns = int(num_samples)
    if ns < 0:
        raise errors.InvalidArgumentError(None, None, "num_samples should be non-negative, got %d" % ns)
    batch, classes = logits.shape
    if classes <= 0:
        raise errors.InvalidArgumentError(None, None, "num_classes should be positive, got %d" % classes)
    out_type = ctx.attrs["output_dtype"].as_numpy_dtype
    if batch * ns == 0:
        return _to_device(ctx, np.zeros((batch, ns), out_type))
    # Two uint32 per sample (a double); 256 calls reserved per output, as the CPU kernel does.
    run = op_generator(ctx).reserve(batch * ((ns + 3) // 4 * 4) * 2 * philox.RESERVED_SAMPLES_PER_OUTPUT)
    return _to_device(ctx, philox.multinomial(run, logits, ns, _intra_op_threads()).astype(out_type))


@register_shape("Multinomial")
def _multinomial_shape(op):
    ns = constant_value(op.inputs[1])
    return [TensorShape([op.inputs[0].shape[0] if op.inputs[0].shape.rank else None,
                         None if ns is None else int(ns)])]


@register_kernel("RandomGamma", host_inputs=(0, 1))
def _random_gamma(ctx, shape, alpha):
    alpha = np.asarray(alpha)
    dims = _output_shape(shape)
    samples_per_alpha = int(np.prod(dims, dtype=np.int64))
    out_type = ctx.attrs["T"].as_numpy_dtype
    if samples_per_alpha * alpha.size == 0:
        return _to_device(ctx, np.zeros(dims + list(alpha.shape), out_type))
    run = op_generator(ctx).reserve(samples_per_alpha * alpha.size * philox.RESERVED_SAMPLES_PER_OUTPUT)
    res = philox.gamma(run, alpha, samples_per_alpha)
    # static_cast<T>(double): a half goes through float, as Eigen's half(double) does.
    res = res.astype(np.float32).astype(out_type) if out_type == np.float16 else res.astype(out_type)
    return _to_device(ctx, res.reshape(dims + list(alpha.shape)))


@register_shape("RandomGamma")
def _gamma_shape(op):
    samples, alpha = constant_shape(op.inputs[0]), op.inputs[1].shape
    if samples.rank is None or alpha.rank is None:
        return [TensorShape(None)]
    return [TensorShape(samples.dims + alpha.dims)]


not_differentiable(*_RANDOM, "RandomShuffle", "Multinomial")


def _seeds(seed):
    return get_default_graph()._get_op_seed(seed)


def get_seed(op_seed):
    """TensorFlow's ``tf.get_seed``: the (seed, seed2) a random op built now with ``op_seed`` gets; (None, None)
    when neither the graph nor the op has a seed.

        tg.set_random_seed(1); tg.get_seed(None)    # (1, 0), then (1, 1), ...
    """
    seeds = _seeds(op_seed)
    return (None, None) if seeds == (0, 0) else seeds


def _check_dtype(dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _FLOATS + (dtypes.int32, dtypes.int64):
        raise ValueError("Argument `dtype` got invalid value <dtype: '%s'>. Accepted dtypes are (tf.float16, "
                         "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)." % dtype.name)
    return dtype


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval), TensorFlow's for the same seeds.

        tg.random_uniform([2, 3], -1.0, 1.0, seed=7)
    """
    dtype = _check_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError("Must specify maxval for integer dtype tf.%s" % dtype.name)
        maxval = 1
    g = get_default_graph()
    with g.name_scope(name or "random_uniform") as scope:
        shape_t = shape_tensor(shape)
        # [0, 1) needs no arithmetic after the draw: TensorFlow tests for the Python ints 0 and 1.
        minval_is_zero = isinstance(minval, int) and minval == 0
        maxval_is_one = isinstance(maxval, int) and maxval == 1
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        s1, s2 = _seeds(seed)
        if dtype.is_integer:
            return make_op("RandomUniformInt", [shape_t, minval, maxval], {"seed": s1, "seed2": s2}, name=scope)
        rnd = make_op("RandomUniform", [shape_t], {"dtype": dtype, "seed": s1, "seed2": s2}, name="RandomUniform")
        if minval_is_zero:
            return rnd if maxval_is_one else make_op("Mul", [rnd, maxval], name="Mul")
        return make_op("AddV2", [make_op("Mul", [rnd, make_op("Sub", [maxval, minval], name="sub")], name="mul"),
                                 minval], name=scope)


def _scaled(op_type, default_name, doc):
    def build(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
        dtype = dtypes.as_dtype(dtype)
        g = get_default_graph()
        with g.name_scope(name or default_name) as scope:
            shape_t = shape_tensor(shape)
            m = convert_to_tensor(mean, dtype=dtype, name="mean")
            sd = convert_to_tensor(stddev, dtype=dtype, name="stddev")
            s1, s2 = _seeds(seed)
            rnd = make_op(op_type, [shape_t], {"dtype": dtype, "seed": s1, "seed2": s2}, name=op_type)
            return make_op("AddV2", [make_op("Mul", [rnd, sd], name="mul"), m], name=scope)
    build.__name__ = default_name
    build.__doc__ = doc
    return build


random_normal = _scaled("RandomStandardNormal", "random_normal", """Normal values, TensorFlow's for the same seeds.

        tg.random_normal([784, 10], stddev=0.1, seed=1)
    """)
truncated_normal = _scaled("TruncatedNormal", "truncated_normal", """Normal values within two standard deviations of
    the mean (others are drawn again), TensorFlow's for the same seeds.

        tg.truncated_normal([784, 10], stddev=0.1, seed=1)
    """)


def random_shuffle(value, seed=None, name=None):
    """``value`` with its rows (first dimension) in a random order, TensorFlow's for the same seeds.

        tg.random_shuffle(tg.range(10), seed=3)
    """
    s1, s2 = _seeds(seed)
    return make_op("RandomShuffle", [value], {"seed": s1, "seed2": s2}, name=name or "RandomShuffle")


def _categorical(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits, name="logits")
    dtype = dtypes.as_dtype(dtype) if dtype else dtypes.int64
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError("Argument `dtype` got invalid value <dtype: '%s'>. Accepted dtypes are (tf.int32, tf.int64)."
                         % dtype.name)
    s1, s2 = _seeds(seed)
    return make_op("Multinomial", [logits, num_samples], {"seed": s1, "seed2": s2, "output_dtype": dtype},
                   name="Multinomial")


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """``num_samples`` class indices per row of ``logits`` (unnormalized log-probabilities), TensorFlow's for the
    same seeds.

        tg.multinomial([[0.0, 1.0, 2.0]], 5, seed=1)    # int64 [1, 5]
    """
    with get_default_graph().name_scope(name or "multinomial"):
        return _categorical(logits, num_samples, output_dtype, seed)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """``tf.random.categorical``: :func:`multinomial` with ``dtype`` for the indices."""
    with get_default_graph().name_scope(name or "categorical"):
        return _categorical(logits, num_samples, dtype, seed)


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """``shape`` samples from each Gamma(alpha, beta) distribution, TensorFlow's for the same seeds; the result
    has shape ``shape + broadcast(alpha, beta).shape``.

        tg.random_gamma([10], [0.5, 1.5], seed=1)    # [10, 2]
    """
    with get_default_graph().name_scope(name or "random_gamma"):
        shape = convert_to_tensor(shape, dtype=dtypes.int32, name="shape")
        alpha = convert_to_tensor(alpha, dtype=dtype, name="alpha")
        beta = convert_to_tensor(beta if beta is not None else 1, dtype=dtype, name="beta")
        broadcast_shape = array_ops.broadcast_dynamic_shape(array_ops.shape(alpha), array_ops.shape(beta))
        alpha_broadcast = array_ops.broadcast_to(alpha, broadcast_shape)
        s1, s2 = _seeds(seed)
        sample = make_op("RandomGamma", [shape, alpha_broadcast], {"seed": s1, "seed2": s2}, name="RandomGamma")
        return math_ops.maximum(np.finfo(alpha.dtype.as_numpy_dtype).tiny, math_ops.truediv(sample, beta))
