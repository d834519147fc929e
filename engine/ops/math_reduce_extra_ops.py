"""Reductions and counts beyond reduction_ops, built as TensorFlow builds them: reduce_logsumexp,
reduce_variance, reduce_std, count_nonzero, cumprod (with Cumprod's gradient), bincount (the DenseBincount and
Bincount ops), confusion_matrix, zero_fraction, and polyval and scalar_mul.

The composite functions write TensorFlow's op types and names (reduce_logsumexp's Max, IsFinite, SelectV2,
StopGradient, Sub, Exp, Sum, Log, AddV2; count_nonzero's NotEqual, Cast, Sum; confusion_matrix's asserts and
ScatterNd), so their gradients are those of the ops they are made of. The bincount kernels run on every device
through ``ctx.xp``.

    lse = tg.reduce_logsumexp(logits, axis=1)                # log(sum(exp(logits))) without overflow
    counts = tg.bincount(ids, minlength=10)
"""
import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import control_dependencies, convert_to_tensor, _graph_of
from tagraph.engine.framework.indexed_slices import IndexedSlices
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import make_op, register_gradient, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.ops import array_ops, check_ops, math_ops, reduction_ops
from tagraph.engine.ops.comparison_ops import greater, is_finite, less_equal, not_equal
from tagraph.engine.ops.constant_op import constant
from tagraph.engine.ops.control_flow_ops import cond
from tagraph.engine.ops.joining_ops import stack
from tagraph.engine.ops.nd_indexing_ops import scatter_nd
from tagraph.engine.ops.op_util import dbg, gen1, invalid, scoped

__all__ = ["reduce_logsumexp", "reduce_variance", "reduce_std", "count_nonzero", "cumprod", "bincount",
           "confusion_matrix", "zero_fraction", "polyval", "scalar_mul"]


def _keep(keepdims, keep_dims):
    if keepdims is not None and keep_dims is not None:
        raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'.")
    return bool(keepdims if keepdims is not None else keep_dims)


def _axis(axis, reduction_indices):
    if axis is not None and reduction_indices is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
    return axis if axis is not None else reduction_indices


# --- reduce_logsumexp, reduce_variance, reduce_std -------------------------------------------------

def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) over ``axis``, computed as max + log(sum(exp(x - max))) so that it does not overflow;
    an infinite max is replaced by 0 first (all -inf gives -inf, not NaN).

        tg.reduce_logsumexp([[1000.0, 1000.0]], axis=1)   # [1000.6931]
    """
    axis, keep = _axis(axis, reduction_indices), _keep(keepdims, keep_dims)
    g = _graph_of([input_tensor])
    with g.as_default(), g.name_scope(name or "ReduceLogSumExp") as scope:
        x = convert_to_tensor(input_tensor)
        raw_max = reduction_ops.reduce_max(x, axis=axis, keepdims=True)
        my_max = array_ops.stop_gradient(math_ops.where_v2(is_finite(raw_max), raw_max, 0))
        result = math_ops.log(reduction_ops.reduce_sum(math_ops.exp(math_ops.subtract(x, my_max)), axis=axis,
                                                       keepdims=keep))
        if not keep:
            my_max = array_ops.reshape(my_max, gen1("Shape", [result], {"out_type": dtypes.int32}))
        result = math_ops.add(result, my_max, name=scope)
        if axis is None and not keep:
            result.set_shape([])
        return result


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The mean squared deviation from the mean over ``axis`` (|x - mean|**2 for complex x); integers are
    refused, as TensorFlow refuses them.

        tg.math.reduce_variance([[1.0, 2.0], [3.0, 4.0]], axis=0)   # [1.0, 1.0]
    """
    g = _graph_of([input_tensor])
    with g.as_default(), g.name_scope(name or "reduce_variance"):
        x = convert_to_tensor(input_tensor)
        means = reduction_ops.reduce_mean(x, axis=axis, keepdims=True)
        if means.dtype.is_integer:
            raise TypeError("Input must be either real or complex. Received integer type <dtype: '%s'>."
                            % means.dtype.base_dtype.name)
        diff = x - means
        if diff.dtype.is_complex:
            real = dtypes.float32 if diff.dtype.base_dtype == dtypes.complex64 else dtypes.float64
            squared = make_op("Real", [make_op("Mul", [make_op("Conj", [diff]), diff])], {"Tout": real})
        else:
            squared = math_ops.square(diff)
        return reduction_ops.reduce_mean(squared, axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The standard deviation over ``axis``: sqrt(reduce_variance(x)).

        tg.math.reduce_std([[1.0, 2.0], [3.0, 4.0]])   # 1.118034
    """
    g = _graph_of([input_tensor])
    with g.as_default(), g.name_scope(name or "reduce_std"):
        x = convert_to_tensor(input_tensor)
        return math_ops.sqrt(reduce_variance(x, axis=axis, keepdims=keepdims))


# --- count_nonzero, zero_fraction -----------------------------------------------------------------

def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002 - TensorFlow's name
    """How many elements are not zero (not "" for strings) over ``axis``, as ``dtype``.

        tg.count_nonzero([[0, 1], [2, 0]], axis=1)   # [1, 1] (int64)
    """
    if input is not None:
        if input_tensor is not None:
            raise ValueError("Cannot specify both 'input' and 'input_tensor'.")
        input_tensor = input
    axis, keep = _axis(axis, reduction_indices), _keep(keepdims, keep_dims)
    g = _graph_of([input_tensor])
    with g.as_default(), g.name_scope(name or "count_nonzero"):
        x = convert_to_tensor(input_tensor, name="input")
        zero = array_ops.zeros([], dtype=x.dtype.base_dtype)
        counts = reduction_ops.reduce_sum(math_ops.cast(not_equal(x, zero), dtypes.int64), axis=axis,
                                          keepdims=keep)
        return math_ops.cast(counts, dtype)


def _count_nonzero(x, dtype):
    with x.graph.name_scope("count_nonzero"):
        zero = array_ops.zeros([], dtype=x.dtype.base_dtype)
        return reduction_ops.reduce_sum(math_ops.cast(not_equal(x, zero), dtype), name="nonzero_count")


def zero_fraction(value, name=None):
    """The fraction of ``value``'s elements that are zero, as a float32 scalar (counted in int32 when the
    size allows, as TensorFlow does).

        tg.nn.zero_fraction([0.0, 1.0, 0.0, 3.0])   # 0.5
    """
    g = _graph_of([value])
    with g.as_default(), g.name_scope(name or "zero_fraction"):
        value = convert_to_tensor(value, name="value")
        size = array_ops.size(value, out_type=dtypes.int64)
        num_nonzero = cond(less_equal(size, np.iinfo(np.int32).max),
                           lambda: math_ops.cast(_count_nonzero(value, dtypes.int32), dtypes.int64),
                           lambda: _count_nonzero(value, dtypes.int64))
        with g.name_scope("counts_to_fraction"):
            num_zero = size - num_nonzero
            fraction = math_ops.cast(num_zero, dtypes.float32) / math_ops.cast(size, dtypes.float32)
        return array_ops.identity(fraction, name="fraction")


# --- cumprod ---------------------------------------------------------------------------------------

def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along ``axis``; ``exclusive`` leaves each element out of its own product,
    ``reverse`` multiplies from the end.

        tg.cumprod([1.0, 2.0, 3.0], exclusive=True)   # [1.0, 1.0, 2.0]
    """
    g = _graph_of([x])
    with g.as_default(), g.name_scope(name or "Cumprod") as scope:
        x = convert_to_tensor(x, name="x")
        return make_op("Cumprod", [x, axis], {"exclusive": bool(exclusive), "reverse": bool(reverse)}, name=scope)


@register_gradient("Cumprod")
def _cumprod_grad(op, grad):
    # TensorFlow's: the cumulative sum, the other way, of prod * grad, divided by x (0 where x is 0).
    x, axis = op.inputs
    exclusive, reverse = op.get_attr("exclusive"), op.get_attr("reverse")
    prod = cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = reduction_ops.cumsum(prod * grad, axis, exclusive=exclusive, reverse=not reverse)
    return [math_ops.div_no_nan(out, x), None]


# --- Bincount, DenseBincount, bincount -------------------------------------------------------------

def _bin_counts(xp, arr, size, weights, binary, out_dtype):
    """Per-row counts (or weight sums) of the values of a 1-D or 2-D ``arr`` in [0, size)."""
    if arr.size and bool((arr < 0).any()):
        raise invalid("Input arr must be non-negative!")
    if weights.size and weights.shape != arr.shape:
        raise invalid("`weights` must be the same shape as `arr` or a length-0 `Tensor`, in which case it acts "
                      "as all weights equal to 1. Received %s", dbg(weights.shape))
    rows = 1 if arr.ndim < 2 else arr.shape[0]
    flat = arr.reshape(rows, -1).astype(np.int64)
    keep = flat < size
    cells = (xp.arange(rows, dtype=np.int64)[:, None] * size + flat)[keep]
    w = None if binary or not weights.size else weights.reshape(rows, -1)[keep].astype(np.float64)
    counts = xp.bincount(cells, weights=w, minlength=rows * size) if cells.size else \
        xp.zeros(rows * size, np.float64 if w is not None else np.int64)
    if binary:
        counts = counts > 0
    counts = counts.astype(out_dtype)
    return counts.reshape((rows, size) if arr.ndim == 2 else (size,))


def _size_of(size):
    if np.ndim(size) != 0:
        raise invalid("Shape must be rank 0 but is rank %d", np.ndim(size))
    n = int(np.asarray(size))
    if n < 0:
        raise invalid("size (%d) must be non-negative", n)
    return n


@register_kernel("DenseBincount", host_inputs=(1,))
def _dense_bincount(ctx, arr, size, weights):
    if arr.ndim > 2:
        raise invalid("Input must be a 1 or 2-dimensional tensor. Got: %d", arr.ndim)
    return _bin_counts(ctx.xp, arr, _size_of(size), weights, bool(ctx.attrs.get("binary_output")),
                       ctx.attrs["T"].as_numpy_dtype)


@register_kernel("Bincount", host_inputs=(1,))
def _bincount(ctx, arr, size, weights):
    # The first bincount op: any rank of arr, counted as one flat vector.
    flat = arr.reshape(-1)
    return _bin_counts(ctx.xp, flat, _size_of(size), weights.reshape(-1) if weights.size else weights, False,
                       ctx.attrs["T"].as_numpy_dtype)


def _size_dim(op):
    size = op.inputs[1]
    if size.shape.rank not in (None, 0):
        raise ValueError("Shape must be rank 0 but is rank %d for '{{node %s}}'" % (size.shape.rank, op.name))
    v = constant_value(size)
    if v is not None and int(v) < 0:
        raise ValueError("Invalid argument: size (%d) must be non-negative" % int(v))
    return None if v is None else int(v)


@register_shape("DenseBincount")
def _dense_bincount_shape(op):
    n = _size_dim(op)
    s = op.inputs[0].shape
    if s.rank is None:
        return [TensorShape(None)]
    if s.rank > 2:
        raise ValueError("Shape must be at most rank 2 but is rank %d" % s.rank)
    if n is None:
        return [TensorShape([None] * s.rank)]   # TensorFlow's: not even the batch size without the size
    if s.rank == 1:
        return [TensorShape([n])]
    return [TensorShape([s.dims[0], n])]


@register_shape("Bincount")
def _bincount_shape(op):
    return [TensorShape([_size_dim(op)])]


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None, axis=None,
             binary_output=False):
    """How often each value in [0, max(arr)] occurs in ``arr`` (the sums of ``weights`` there, if given):
    at least ``minlength`` and at most ``maxlength`` bins (values beyond are dropped). ``axis=-1`` counts
    each row of a 2-D ``arr``. Negative values are an InvalidArgumentError.

        tg.bincount([1, 1, 3], minlength=5)   # [0, 2, 0, 1, 0]
    """
    g = _graph_of([arr, weights])
    with g.as_default(), g.name_scope(name or "bincount"):
        arr = convert_to_tensor(arr, name="arr")
        if weights is not None:
            weights = convert_to_tensor(weights, name="weights")
            if binary_output:
                raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive. Please specify "
                                 "only one.")
        if not arr.dtype.is_integer:
            arr = math_ops.cast(arr, dtypes.int32)
        if axis is None:
            axis = 0
        if axis not in (0, -1):
            raise ValueError("Unsupported value for argument axis=%s. Only 0 and -1 are currently supported."
                             % (axis,))
        nonempty = greater(array_ops.size(arr), 0)
        output_size = math_ops.cast(nonempty, arr.dtype) * (reduction_ops.reduce_max(arr) + 1)
        if minlength is not None:
            minlength = convert_to_tensor(minlength, name="minlength", dtype=arr.dtype)
            output_size = math_ops.maximum(minlength, output_size)
        if maxlength is not None:
            maxlength = convert_to_tensor(maxlength, name="maxlength", dtype=arr.dtype)
            output_size = math_ops.minimum(maxlength, output_size)
        if axis == 0:
            if weights is not None:
                weights = array_ops.reshape(weights, [-1])
            arr = array_ops.reshape(arr, [-1])
        if weights is None:
            weights = constant([], dtype=dtype or arr.dtype)
        return make_op("DenseBincount", [arr, output_size, weights], {"binary_output": bool(binary_output)},
                       name="DenseBincount")


# --- confusion_matrix ------------------------------------------------------------------------------

def _squeezed(labels, predictions):
    # TensorFlow's remove_squeezable_dimensions where both ranks are known while building.
    lr, pr = labels.shape.rank, predictions.shape.rank
    if lr is not None and pr is not None:
        if pr - lr == 1 and predictions.shape.dims[-1] in (None, 1):
            predictions = array_ops.squeeze(predictions, [-1])
        elif pr - lr == -1 and labels.shape.dims[-1] in (None, 1):
            labels = array_ops.squeeze(labels, [-1])
    return labels, predictions


def _checked(x, check):
    """``x`` passed on after ``check`` (an assertion op), as TensorFlow's ``with_dependencies``."""
    with control_dependencies([check]):
        return array_ops.identity(x, name="control_dependency")


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32, name=None):
    """The ``[num_classes, num_classes]`` matrix counting (or summing ``weights`` of) each (label,
    prediction) pair: rows are labels, columns predictions. Negative ids, and ids not below
    ``num_classes`` when it is given, fail the run with InvalidArgumentError.

        tg.confusion_matrix([1, 2, 2], [1, 2, 0], num_classes=3)   # [[0,0,0],[0,1,0],[1,0,1]]
    """
    g = _graph_of([labels, predictions, num_classes, weights])
    with g.as_default(), g.name_scope(name or "confusion_matrix"):
        labels, predictions = _squeezed(convert_to_tensor(labels, name="labels"),
                                        convert_to_tensor(predictions, name="predictions"))
        predictions = math_ops.cast(predictions, dtypes.int64)
        labels = math_ops.cast(labels, dtypes.int64)
        labels = _checked(labels, check_ops.assert_non_negative(labels, message="`labels` contains negative values"))
        predictions = _checked(predictions, check_ops.assert_non_negative(
            predictions, message="`predictions` contains negative values"))
        if num_classes is None:
            num_classes = math_ops.maximum(reduction_ops.reduce_max(predictions),
                                           reduction_ops.reduce_max(labels)) + 1
        else:
            n64 = math_ops.cast(num_classes, dtypes.int64)
            labels = _checked(labels, check_ops.assert_less(labels, n64, message="`labels` out of bound"))
            predictions = _checked(predictions, check_ops.assert_less(predictions, n64,
                                                                      message="`predictions` out of bound"))
        if weights is not None:
            weights = convert_to_tensor(weights, name="weights")
            if not predictions.shape.is_compatible_with(weights.shape):
                raise ValueError("Shapes %s and %s are incompatible" % (predictions.shape, weights.shape))
            weights = math_ops.cast(weights, dtype)
        shape = stack([num_classes, num_classes])
        indices = stack([labels, predictions], axis=1)
        values = array_ops.ones_like(predictions, dtype) if weights is None else weights
        return scatter_nd(indices, values, math_ops.cast(shape, dtypes.int64))


# --- polyval, scalar_mul ---------------------------------------------------------------------------

def polyval(coeffs, x, name=None):
    """The polynomial coeffs[0] * x**(n-1) + ... + coeffs[n-1] at x, by Horner's rule.

        tg.math.polyval([1.0, 2.0, 3.0], 2.0)   # 11.0
    """
    if not isinstance(coeffs, list):
        raise ValueError("Argument coeffs must be list type. Received type %s." % type(coeffs))
    g = _graph_of(list(coeffs) + [x])
    with g.as_default(), g.name_scope(name or "polyval"):
        x = convert_to_tensor(x, name="x")
        if not coeffs:
            return array_ops.zeros_like(x, name=name)
        coeffs = [convert_to_tensor(c, name="coeff_%d" % i) for i, c in enumerate(coeffs)]
        p = coeffs[0]
        for c in coeffs[1:]:
            p = c + p * x
        return p


def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a 0-D ``scalar``; an IndexedSlices ``x`` stays one (its values are scaled).

        tg.scalar_mul(2.0, x)
    """
    base = x.dtype.base_dtype
    scalar = convert_to_tensor(scalar, dtype=base, name="scalar")
    if scalar.shape.rank != 0:
        raise ValueError("The input scalar must be a 0-D value. Received shape %s." % scalar.shape)
    if isinstance(x, IndexedSlices):
        return IndexedSlices(scoped("Mul", "Mul", [scalar, x.values], name=name), x.indices, x.dense_shape)
    return scoped("Mul", "Mul", [scalar, x], name=name)

