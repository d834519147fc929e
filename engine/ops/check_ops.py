"""TensorFlow 1's assertions (``tf.assert_equal``, ``tf.assert_rank``, ... ``tf.debugging.*``), built as
TensorFlow builds them in graph mode: checked while building where the values (or ranks, or dtypes) are
known, raising TensorFlow's errors then; otherwise an Assert op that fails the run with TensorFlow's data.

    check = tg.assert_equal(x, y, message="shapes drifted")
    with tg.control_dependencies([check]):
        z = x - y

An Assert whose data are all strings and int32 is built as it is; otherwise, as TensorFlow 1's
``tf.Assert``, it is guarded by a cond (``AssertGuard``: Switch, NoOp, Assert, Merge), so the data are
formatted only when the condition is false. When it fails, the message is
``assertion failed: [Condition x == y did not hold element-wise:] [x (x:0) = ] [1 2 3] [y (y:0) = ] [1 2 4]``.
"""
import numpy as np

from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.graph import Tensor, convert_to_tensor, get_default_graph
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, math_ops
from tagraph.engine.ops.comparison_ops import (equal, greater, greater_equal, less, less_equal, logical_or,
                                               not_equal)
from tagraph.engine.ops.control_flow_ops import cond, no_op
from tagraph.engine.ops.logging_ops import Assert, check_numerics
from tagraph.engine.ops.reduction_ops import reduce_all
from tagraph.engine.ops.slicing_ops import strided_slice

__all__ = ["assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
           "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative",
           "assert_non_positive", "assert_near", "assert_rank", "assert_rank_at_least", "assert_rank_in",
           "assert_type", "assert_integer", "assert_scalar", "assert_same_float_dtype", "assert_proper_iterable",
           "verify_tensor_all_finite", "is_non_decreasing", "is_strictly_increasing", "is_numeric_tensor"]


# --- how TensorFlow writes things into its messages ----------------------------------------------------

def _shape_text(shape):
    """A static shape as TensorFlow 2's TensorShape prints it: ``(2, None)``, ``(3,)``, ``<unknown>``."""
    shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    if shape.rank is None:
        return "<unknown>"
    dims = ["None" if d is None else str(d) for d in shape.dims]
    return "(%s,)" % dims[0] if len(dims) == 1 else "(%s)" % ", ".join(dims)


def _tensor_text(t):
    """A tensor as TensorFlow's graph tensors print: ``Tensor("x:0", shape=(3,), dtype=float32)``."""
    return 'Tensor("%s", shape=%s, dtype=%s)' % (t.name, _shape_text(t.shape), t.dtype.name)


def _static_text(t):
    if not isinstance(t, Tensor):
        return str(t)
    value = constant_value(t)
    return _tensor_text(t) if value is None else str(np.asarray(value))


def _assert_static(condition, data):
    if not condition:
        raise errors.InvalidArgumentError(None, None, "\n".join(_static_text(d) for d in data))


def _message_prefix(message):
    return "%s.  " % message if message else ""


def _guarded_assert(condition, data, summarize=None, name=None):
    """TensorFlow 1's ``tf.Assert``: the Assert op as it is when its data are strings and int32 (kept on
    the host), else inside a cond so the data move only when the condition is false."""
    g = get_default_graph()
    with g.name_scope(name or "Assert"):
        xs = [convert_to_tensor(d) for d in data]
        if all(x.dtype in (dtypes.string, dtypes.int32) for x in xs):
            return Assert(condition, xs, summarize, name="Assert")
        condition = convert_to_tensor(condition, name="Condition")
        guarded = cond(condition, no_op, lambda: Assert(condition, xs, summarize, name="Assert"),
                       name="AssertGuard")
        return guarded.op


# --- element-wise comparisons ---------------------------------------------------------------------------

def _binary_assert(sym, opname, op_func, static_func, x, y, data, summarize, message, name):
    g = get_default_graph()
    with g.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y")
        if data is None:
            data = ["Condition x %s y did not hold element-wise:" % sym, "x (%s) = " % x.name, x,
                    "y (%s) = " % y.name, y]
        if message is not None:
            data = [message] + list(data)
        condition = reduce_all(op_func(x, y))
        x_static, y_static = constant_value(x), constant_value(y)
        if x_static is not None and y_static is not None:
            _assert_static(np.all(static_func(x_static, y_static)), data)
        return _guarded_assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x == y`` everywhere (InvalidArgumentError while building when both
    are known): ``with tg.control_dependencies([tg.assert_equal(a, b)]): ...``."""
    if x is y:
        g = get_default_graph()
        with g.name_scope(name or "assert_equal"):
            return no_op()
    return _binary_assert("==", "assert_equal", equal, np.equal, x, y, data, summarize, message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x != y`` everywhere."""
    return _binary_assert("!=", "assert_none_equal", not_equal, np.not_equal, x, y, data, summarize, message,
                          name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x < y`` everywhere."""
    return _binary_assert("<", "assert_less", less, np.less, x, y, data, summarize, message, name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x <= y`` everywhere."""
    return _binary_assert("<=", "assert_less_equal", less_equal, np.less_equal, x, y, data, summarize, message,
                          name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x > y`` everywhere."""
    return _binary_assert(">", "assert_greater", greater, np.greater, x, y, data, summarize, message, name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x >= y`` everywhere."""
    return _binary_assert(">=", "assert_greater_equal", greater_equal, np.greater_equal, x, y, data, summarize,
                          message, name)


def _sign_assert(opname, sym, compare, zero_first, x, data, summarize, message, name, glued=False):
    message = _message_prefix(message)
    g = get_default_graph()
    with g.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        if data is None:
            condition = "Condition x %s 0 did not hold element-wise:" % sym
            # TensorFlow's assert_non_positive glues its condition and the x line into one string.
            data = [message, condition + "x (%s) = " % x.name, x] if glued else \
                [message, condition, "x (%s) = " % x.name, x]
        zero = convert_to_tensor(0, dtype=x.dtype)
        return compare(zero, x, data=data, summarize=summarize) if zero_first else \
            compare(x, zero, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x > 0`` everywhere."""
    return _sign_assert("assert_positive", ">", assert_less, True, x, data, summarize, message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x < 0`` everywhere."""
    return _sign_assert("assert_negative", "<", assert_less, False, x, data, summarize, message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x >= 0`` everywhere."""
    return _sign_assert("assert_non_negative", ">=", assert_less_equal, True, x, data, summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``x <= 0`` everywhere."""
    return _sign_assert("assert_non_positive", "<=", assert_less_equal, False, x, data, summarize, message, name,
                        glued=True)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """An op failing the run unless ``|x - y| < atol + rtol * |y|`` everywhere (both 10 eps by default)."""
    message = _message_prefix(message)
    g = get_default_graph()
    with g.name_scope(name or "assert_near"):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        dtype = x.dtype.real_dtype if x.dtype.is_complex else x.dtype
        eps = np.finfo(dtype.as_numpy_dtype).eps
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol", dtype=dtype)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol", dtype=dtype)
        if data is None:
            data = [message, "x and y not equal to tolerance rtol = %s, atol = %s" % (_tensor_text(rtol),
                                                                                      _tensor_text(atol)),
                    "x (%s) = " % x.name, x, "y (%s) = " % y.name, y]
        tol = atol + rtol * math_ops.abs(y)
        diff = math_ops.abs(x - y)
        condition = reduce_all(less(diff, tol))
        return _guarded_assert(condition, data, summarize=summarize)


# --- ranks, types, shapes -------------------------------------------------------------------------------

class _StaticRankFailed(Exception):
    def __init__(self, actual, given):
        super().__init__(actual, given)
        self.actual, self.given = actual, given


def _assert_ranks_condition(x, ranks, static_condition, dynamic_condition, data, summarize):
    for rank in ranks:
        assert_type(rank, dtypes.int32)
    ranks_static = [constant_value(r) for r in ranks]
    if all(r is not None for r in ranks_static):
        for r in ranks_static:
            if np.ndim(r) != 0:
                raise ValueError("Rank must be a scalar.")
        x_rank = x.shape.rank
        if x_rank is not None:
            if not static_condition(x_rank, [int(r) for r in ranks_static]):
                raise _StaticRankFailed(x_rank, [int(r) for r in ranks_static])
            return no_op(name="static_checks_determined_all_ok")
    condition = dynamic_condition(array_ops.rank(x), list(ranks))
    g = get_default_graph()
    for rank, static in zip(ranks, ranks_static):
        if static is None:
            rank_check = assert_rank(rank, 0, data=["Rank must be a scalar. Received rank: ", rank])
            with g.control_dependencies([rank_check]):
                condition = array_ops.identity(condition, name="control_dependency")
    return _guarded_assert(condition, data, summarize=summarize)


def _rank_assert(opname, what, static_condition, dynamic_condition, x, ranks, data, summarize, message, name,
                 show):
    g = get_default_graph()
    with g.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        ranks = [convert_to_tensor(r, name="rank") for r in ranks]
        message = _message_prefix(message)
        if data is None:
            data = [message, "Tensor %s must have %s" % (x.name, what)] + ranks + \
                ["Received shape: ", array_ops.shape(x)]
        try:
            return _assert_ranks_condition(x, ranks, static_condition, dynamic_condition, data, summarize)
        except _StaticRankFailed as e:
            raise ValueError("%sTensor %s must have %s %s.  Received rank %d, shape %s"
                             % (message, x.name, what, show(e.given), e.actual, _shape_text(x.shape))) from None


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """``x`` must have rank ``rank``: a ValueError while building when its rank is known, else an op
    failing the run."""
    return _rank_assert("assert_rank", "rank", lambda a, g: a == g[0],
                        lambda r, given: equal(r, given[0]), x, [rank], data, summarize, message, name,
                        lambda given: "%d" % given[0])


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    """``x`` must have rank ``rank`` or more."""
    return _rank_assert("assert_rank_at_least", "rank at least", lambda a, g: a >= g[0],
                        lambda r, given: greater_equal(r, given[0]), x, [rank], data, summarize, message, name,
                        lambda given: "%d" % given[0])


def _dynamic_rank_in(actual, given):
    result = equal(given[0], actual)
    for r in given[1:]:
        result = logical_or(result, equal(r, actual))
    return result


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    """``x`` must have one of ``ranks``."""
    ranks = list(ranks)
    if not ranks:
        raise ValueError("assert_rank_in needs at least one rank")
    return _rank_assert("assert_rank_in", "rank in", lambda a, g: a in g, _dynamic_rank_in, x, ranks, data,
                        summarize, message, name, lambda given: str(tuple(given)))


def assert_type(tensor, tf_type, message=None, name=None):
    """A TypeError unless ``tensor`` has dtype ``tf_type``; otherwise a NoOp."""
    tf_type = dtypes.as_dtype(tf_type)
    g = get_default_graph()
    with g.name_scope(name or "assert_type"):
        tensor = convert_to_tensor(tensor, name="tensor")
        if tensor.dtype != tf_type:
            raise TypeError("%s%s must be of type tf.%s; got tf.%s" % (_message_prefix(message), tensor.name,
                                                                      tf_type.name, tensor.dtype.name))
        return no_op(name="statically_determined_correct_type")


def assert_integer(x, message=None, name=None):
    """A TypeError unless ``x`` has an integer dtype; otherwise a NoOp."""
    g = get_default_graph()
    with g.name_scope(name or "assert_integer"):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_integer:
            raise TypeError("%sExpected \"x\" to be integer type.  Found: %s of dtype <dtype: '%s'>"
                            % (_message_prefix(message), x.name, x.dtype.name))
        return no_op(name="statically_determined_was_integer")


def assert_scalar(tensor, name=None, message=None):
    """``tensor`` when its static shape is a scalar's, else a ValueError."""
    g = get_default_graph()
    with g.name_scope(name or "assert_scalar"):
        tensor = convert_to_tensor(tensor)
        if tensor.shape.rank != 0:
            raise ValueError("%sExpected scalar shape for %s, saw shape: %s."
                             % (_message_prefix(message), tensor.name, _shape_text(tensor.shape)))
        return tensor


def assert_same_float_dtype(tensors=None, dtype=None):
    """The one floating dtype of ``tensors`` (and ``dtype``), float32 when there is none; a ValueError for
    a mismatch or a dtype that is not floating."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if tensors:
        expected = dtype
        first = None
        for t in tensors:
            if t is None:
                continue
            t_type = t.dtype.base_dtype
            if expected is None:
                expected, first = t_type, getattr(t, "name", str(t))
            elif t_type != expected:
                raise ValueError("%s, type=%s, must be of the same type (%s)%s." % (
                    getattr(t, "name", str(t)), _dtype_repr(t_type), _dtype_repr(expected),
                    (" as %s" % first) if first and dtype is None else ""))
        dtype = expected
    if not dtype:
        return dtypes.float32
    if not dtype.is_floating:
        raise ValueError("Expected floating point type, got %s." % _dtype_repr(dtype))
    return dtype


def _dtype_repr(dtype):
    return "<dtype: '%s'>" % dtype.name


def assert_proper_iterable(values):
    """A TypeError unless ``values`` is an iterable of values (a list, tuple, generator), not a tensor,
    array or string."""
    if isinstance(values, (Tensor, np.ndarray, bytes, str)) or type(values).__name__ == "SparseTensor":
        raise TypeError('Expected argument "values" to be a "proper" iterable.  Found: %s' % type(values))
    if not hasattr(values, "__iter__"):
        raise TypeError('Expected argument "values" to be iterable.  Found: %s' % type(values))


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """``t``, checked when it runs (CheckNumerics): a NaN or an infinity fails the run with ``msg``."""
    x = t if x is None else x
    message = msg if message is None else message
    g = get_default_graph()
    with g.name_scope(name or "VerifyFinite"):
        x = convert_to_tensor(x, name="x")
        verify = check_numerics(x, message=message)
        with g.control_dependencies([verify]):
            return array_ops.identity(x, name="control_dependency")


# --- predicates -------------------------------------------------------------------------------------------

def is_numeric_tensor(tensor):
    """Whether ``tensor`` is a tensor of a numeric dtype (integer, floating, complex, quantized)."""
    if not isinstance(tensor, Tensor):
        return False
    d = tensor.dtype.base_dtype
    return d.is_integer or d.is_floating or d.is_complex or d.name.startswith(("qint", "quint")) or \
        d == dtypes.bfloat16


def _monotonic(x, compare):
    x = array_ops.reshape(x, [-1])
    if not is_numeric_tensor(x):
        raise TypeError("Expected x to be numeric, instead found: %s" % _tensor_text(x))
    is_shorter_than_two = less(array_ops.size(x), 2)
    s_len = array_ops.shape(x) - 1
    return cond(is_shorter_than_two, lambda: convert_to_tensor(np.zeros([0], bool)),
                lambda: compare(strided_slice(x, [1], 1 + s_len), strided_slice(x, [0], s_len)))


def is_non_decreasing(x, name=None):
    """A bool scalar: whether ``x`` (flattened) never decreases (true with fewer than two elements)."""
    g = get_default_graph()
    with g.name_scope(name or "is_non_decreasing"):
        return reduce_all(_monotonic(x, greater_equal))


def is_strictly_increasing(x, name=None):
    """A bool scalar: whether ``x`` (flattened) always increases (true with fewer than two elements)."""
    g = get_default_graph()
    with g.name_scope(name or "is_strictly_increasing"):
        return reduce_all(_monotonic(x, greater))
