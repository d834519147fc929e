"""TensorFlow 1's learning-rate schedules: functions of the global step that build the same ops, under the
same names, as ``tf.compat.v1.train.*_decay`` build in graph mode.

    step = tg.train.get_or_create_global_step()
    lr = tg.train.exponential_decay(0.1, step, decay_steps=1000, decay_rate=0.96, staircase=True)
    train_op = tg.train.GradientDescentOptimizer(lr).minimize(loss, global_step=step)

The arithmetic follows TensorFlow's ``LearningRateSchedule`` classes step for step (the learning rate's
dtype throughout, the same order of operations), so the values agree with TensorFlow's to float rounding.
"""
import math

from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op
from tagraph.engine.ops import math_ops
from tagraph.engine.ops.comparison_ops import equal, greater, less_equal, logical_and
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import case, cond
from tagraph.engine.ops.random_ops import random_normal

__all__ = ["exponential_decay", "piecewise_constant", "piecewise_constant_decay", "polynomial_decay", "cosine_decay",
           "cosine_decay_restarts", "linear_cosine_decay", "noisy_linear_cosine_decay", "inverse_time_decay",
           "natural_exp_decay"]


def _check_step(global_step, what):
    if global_step is None:
        raise ValueError("global_step is required for %s." % what)


def _cast(x, dtype):
    # TensorFlow's math_ops.cast opens its "Cast" scope before reading a variable, so the read lands at
    # "<scope>/Cast_2/ReadVariableOp"; tagraph's cast reads first, hence this local form.
    if isinstance(x, Tensor) and x.dtype.base_dtype == dtype:
        return x
    g = get_default_graph()
    with g.name_scope("Cast") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype == dtype:
            return x
        return make_op("Cast", [x], {"DstT": dtype, "Truncate": False}, name=scope)


def _const_left(fn, scope_name, x, y):
    # ``1 - p`` in TensorFlow converts the Python number inside the operator's scope ("sub/x"); tagraph's
    # reflected operators convert it outside, so the schedules spell these operators out.
    with get_default_graph().name_scope(scope_name) as scope:
        return fn(convert_to_tensor(x, dtype=y.dtype.base_dtype, name="x"), y, name=scope)


def _lr(learning_rate):
    lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
    return lr, lr.dtype.base_dtype


def _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase, name):
    with get_default_graph().name_scope(name or "ExponentialDecay") as scope:
        lr, dtype = _lr(learning_rate)
        decay_steps = _cast(decay_steps, dtype)
        decay_rate = _cast(decay_rate, dtype)
        p = _cast(global_step, dtype) / decay_steps
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(lr, math_ops.pow(decay_rate, p, name="Pow"), name=scope)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate * decay_rate ** (global_step / decay_steps)``, the exponent floored with ``staircase``.

        lr = tg.train.exponential_decay(0.1, step, 100000, 0.96, staircase=True)
    """
    _check_step(global_step, "exponential decay")
    return _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase, name)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate * exp(-decay_rate * global_step / decay_steps)`` (the ratio floored with ``staircase``),
    built as TensorFlow builds it: an exponential decay with rate ``exp(-decay_rate)``."""
    _check_step(global_step, "natural exp decay")
    rate = math_ops.exp(math_ops.negative(decay_rate))
    return _exponential(learning_rate, global_step, decay_steps, rate, staircase, name)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)``, the ratio floored with ``staircase``."""
    _check_step(global_step, "inverse time decay")
    g = get_default_graph()
    with g.name_scope(name or "InverseTimeDecay") as scope:
        lr, dtype = _lr(learning_rate)
        decay_steps = _cast(decay_steps, dtype)
        decay_rate = _cast(decay_rate, dtype)
        p = _cast(global_step, dtype) / decay_steps
        if staircase:
            p = math_ops.floor(p)
        one = _cast(constant(1), dtype)
        denom = math_ops.add(one, math_ops.multiply(decay_rate, p, name="Mul"), name="Add")
        return math_ops.divide(lr, denom, name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                     name=None):
    """From ``learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along ``(1 - t) ** power``; with
    ``cycle``, the horizon grows to the next multiple of ``decay_steps`` instead of holding at the end.

        lr = tg.train.polynomial_decay(0.1, step, 10000, 0.01, power=0.5, cycle=True)
    """
    _check_step(global_step, "polynomial decay")
    with get_default_graph().name_scope(name or "PolynomialDecay") as scope:
        lr, dtype = _lr(learning_rate)
        end = _cast(end_learning_rate, dtype)
        power = _cast(power, dtype)
        step = _cast(global_step, dtype)
        steps = _cast(decay_steps, dtype)
        if cycle:
            # Step 0 would give a zero multiplier: TensorFlow takes 1 there.
            multiplier = math_ops.where_v2(equal(step, 0), 1.0, math_ops.ceil(step / decay_steps))
            steps = math_ops.multiply(steps, multiplier, name="Mul")
        else:
            step = math_ops.minimum(step, steps, name="Minimum")
        p = math_ops.divide(step, steps)
        span = lr - end
        decayed = math_ops.pow(_const_left(math_ops.subtract, "sub", 1, p), power, name="Pow")
        return math_ops.add(math_ops.multiply(span, decayed, name="Mul"), end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """``learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)``."""
    _check_step(global_step, "cosine decay")
    with get_default_graph().name_scope(name or "CosineDecay"):
        lr, dtype = _lr(learning_rate)
        steps = _cast(decay_steps, dtype)
        step = math_ops.minimum(_cast(global_step, dtype), steps, name="Minimum")
        fraction = step / steps
        cos = math_ops.cos(constant(math.pi, dtype=dtype) * fraction, name="Cos")
        cosine = _const_left(math_ops.multiply, "mul", 0.5, _const_left(math_ops.add, "add", 1.0, cos))
        decayed = _const_left(math_ops.multiply, "mul", 1 - alpha, cosine) + alpha
        return math_ops.multiply(lr, decayed, name="Mul")


def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name=None):
    """Cosine decay with warm restarts (SGDR): a cosine decay over ``first_decay_steps``, then again over
    ``t_mul`` times as many steps from ``m_mul`` times the rate, and so on.

        lr = tg.train.cosine_decay_restarts(0.1, step, 1000)
    """
    _check_step(global_step, "cosine decay restarts")
    with get_default_graph().name_scope(name or "SGDRDecay") as scope:
        lr, dtype = _lr(learning_rate)
        first_decay_steps = _cast(first_decay_steps, dtype)
        alpha = _cast(alpha, dtype)
        t_mul = _cast(t_mul, dtype)
        m_mul = _cast(m_mul, dtype)
        fraction = _cast(global_step, dtype) / first_decay_steps

        def restart(geometric):
            if geometric:
                i_restart = math_ops.floor(math_ops.log(1.0 - fraction * (1.0 - t_mul)) / math_ops.log(t_mul))
                sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
                return i_restart, (fraction - sum_r) / t_mul ** i_restart
            i_restart = math_ops.floor(fraction)
            return i_restart, fraction - i_restart
        i_restart, completed = cond(equal(t_mul, 1.0), lambda: restart(False), lambda: restart(True))
        m_fac = m_mul ** i_restart
        cosine = 0.5 * m_fac * (1.0 + math_ops.cos(constant(math.pi, dtype=dtype) * completed))
        decayed = (1 - alpha) * cosine + alpha
        return math_ops.multiply(lr, decayed, name=scope)


def _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta, noise, default_name, name):
    """Linear cosine decay; ``noise`` (initial_variance, variance_decay) adds TensorFlow's noisy variant's
    normal noise to the linear part."""
    with get_default_graph().name_scope(name or default_name) as scope:
        lr, dtype = _lr(learning_rate)
        decay_steps = _cast(decay_steps, dtype)
        if noise is not None:
            initial_variance, variance_decay = _cast(noise[0], dtype), _cast(noise[1], dtype)
        num_periods = _cast(num_periods, dtype)
        alpha = _cast(alpha, dtype)
        beta = _cast(beta, dtype)
        step = math_ops.minimum(_cast(global_step, dtype), decay_steps)
        linear = (decay_steps - step) / decay_steps
        if noise is not None:
            variance = initial_variance / math_ops.pow(_const_left(math_ops.add, "add", 1.0, step), variance_decay,
                                                       name="Pow")
            linear = linear + random_normal(linear.shape, stddev=math_ops.sqrt(variance))
        completed = step / decay_steps
        fraction = _const_left(math_ops.multiply, "mul", 2.0, num_periods) * completed
        cos = math_ops.cos(constant(math.pi, dtype=dtype) * fraction)
        cosine = _const_left(math_ops.multiply, "mul", 0.5, _const_left(math_ops.add, "add", 1.0, cos))
        return math_ops.multiply(lr, (alpha + linear) * cosine + beta, name=scope)


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0, beta=0.001, name=None):
    """``learning_rate * ((alpha + linear) * cosine + beta)``: a linear decay to 0 over ``decay_steps`` times a
    cosine of ``num_periods`` periods."""
    _check_step(global_step, "linear cosine decay")
    return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta, None,
                          "LinearCosineDecay", name)


def noisy_linear_cosine_decay(learning_rate, global_step, decay_steps, initial_variance=1.0, variance_decay=0.55,
                              num_periods=0.5, alpha=0.0, beta=0.001, name=None):
    """:func:`linear_cosine_decay` with normal noise of variance ``initial_variance / (1 + step) **
    variance_decay`` added to its linear part (a random op: seeded by the graph's seed, as TensorFlow's)."""
    _check_step(global_step, "noisy linear cosine decay")
    return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta,
                          (initial_variance, variance_decay), "NoisyLinearCosineDecay", name)


def piecewise_constant(x, boundaries, values, name=None):
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` for ``boundaries[i-1] < x <= boundaries[i]``,
    ``values[-1]`` after the last boundary.

        lr = tg.train.piecewise_constant(step, [100000, 110000], [1.0, 0.5, 0.1])
    """
    boundaries = [convert_to_tensor(b) for b in boundaries]
    values = [convert_to_tensor(v) for v in values]
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    x_recomp = convert_to_tensor(x)
    # Boundaries take x's dtype (TensorFlow casts them rather than x, so int64 steps compare exactly).
    boundaries = [b if b.dtype.base_dtype == x_recomp.dtype.base_dtype else math_ops.cast(b, x_recomp.dtype)
                  for b in boundaries]
    for v in values[1:]:
        if v.dtype.base_dtype != values[0].dtype.base_dtype:
            raise ValueError("Values must have elements all with the same dtype (%s vs %s)."
                             % (values[0].dtype.base_dtype, v.dtype.base_dtype))
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        x_recomp = convert_to_tensor(x)
        pairs = [(less_equal(x_recomp, boundaries[0]), lambda: values[0]),
                 (greater(x_recomp, boundaries[-1]), lambda: values[-1])]
        for low, high, v in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            pairs.append((logical_and(greater(x_recomp, low), less_equal(x_recomp, high)), lambda v=v: v))
        # The predicates are exclusive by construction; tagraph's case does not check it at run time.
        return case(pairs, lambda: values[0], exclusive=False)


piecewise_constant_decay = piecewise_constant
