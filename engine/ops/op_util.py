"""What every op family shares: building an op the way TensorFlow's generated wrappers name it,
TensorFlow's error messages and shape notation, folding small constant subgraphs while building, and
the marker for the zero gradients ``tg.gradients`` fills in.

A family that needs an op of a family above it only to build it calls :func:`scoped`, :func:`gen1` or
:func:`reduction` with the op type instead of importing that family, as TensorFlow's own modules call
the generated ``gen_*_ops`` wrappers; this keeps the families' imports acyclic.

    y = reduction("Sum", x, [0, 1])          # what reduce_sum(x, [0, 1]) builds
"""
import weakref

import numpy as np

from tagraph.devices.kernel_registry import KernelContext, get_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import errors
from tagraph.engine.framework.attr_value import attr_value_to_python
from tagraph.engine.framework.common_shapes import constant_value, register_constant_value
from tagraph.engine.framework.graph import Tensor, _graph_of
from tagraph.engine.framework.op_builder import make_op

__all__ = ["invalid", "dbg", "shape_str", "host_ints", "scalar_int", "results", "f16_acc", "check_broadcast",
           "binary_kernel", "unary_kernel", "unary_op_function", "flat", "is_tensor_like", "gen", "gen1", "scoped",
           "reduction", "fold",
           "kernel_context", "register_folding", "mark_zeros_gradient", "is_zeros_tensor", "no_complex_gradient"]


# --- messages ---------------------------------------------------------------------------------------

def invalid(fmt, *args):
    """An InvalidArgumentError with ``fmt % args`` (``fmt`` as is without args)."""
    return errors.InvalidArgumentError(None, None, fmt % args if args else fmt)


def dbg(shape):
    """A concrete shape as TensorFlow's TensorShape::DebugString writes it: ``[2,3]``."""
    return "[%s]" % ",".join(str(int(d)) for d in shape)


def shape_str(shape):
    """A partial shape as TensorFlow's shape inference writes it: ``[?,3]``."""
    if shape.rank is None:
        return "<unknown>"
    return "[%s]" % ",".join("?" if d is None else str(d) for d in shape.dims)


# --- kernel helpers ---------------------------------------------------------------------------------

def host_ints(a):
    return [int(v) for v in np.asarray(a).reshape(-1)]


def scalar_int(a, what):
    """A size-1 integer tensor (host or device) as a Python int."""
    if a.size != 1:
        raise invalid("%s must be a scalar, not shape %s", what, dbg(a.shape))
    return int(a.reshape(-1)[0])


def results(values):
    """A kernel's outputs as the session wants them: the array itself for one, a tuple for several."""
    values = list(values)
    return values[0] if len(values) == 1 else tuple(values)


def f16_acc(x):
    """float32 for float16 and bfloat16 arrays (their math accumulates in float32, as TensorFlow's), else None."""
    dtype = x.dtype
    if dtype.itemsize != 2:         # the common case, answered without building the dtype's name
        return None
    return np.float32 if dtype.kind == "f" or dtype.name == "bfloat16" else None


def check_broadcast(x, y):
    """TensorFlow's error for arrays whose shapes do not broadcast."""
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise invalid("Incompatible shapes: %s vs. %s", dbg(x.shape), dbg(y.shape)) from None


# Scalars of these dtypes take Python's operators on numpy scalars, which compute exactly as the ufuncs do
# (numpy's scalar math, in the dtype) at a tenth of a ufunc call's cost: a loop's counter and condition.
_SCALAR_DTYPES = frozenset(np.dtype(t) for t in (np.bool_, np.int32, np.int64, np.float32, np.float64))


def binary_kernel(fn, keep_dtype=True, scalar_fn=None):
    """A kernel of ``fn(xp, x, y)`` broadcasting as TensorFlow does, with its error for shapes that do not;
    the result keeps x's dtype unless ``keep_dtype`` is false. ``scalar_fn(x, y)``, where given, computes
    the same for two host scalars of one of ``_SCALAR_DTYPES``."""
    # Sessions run kernels under np.errstate(all="ignore"); no per-kernel errstate.
    def kernel(ctx, x, y):
        if scalar_fn is not None and not x.shape and not y.shape and x.dtype is y.dtype \
                and x.dtype in _SCALAR_DTYPES and (x.__class__ is np.ndarray or isinstance(x, np.generic)) \
                and (y.__class__ is np.ndarray or isinstance(y, np.generic)):
            return scalar_fn(x[()], y[()])
        try:
            r = fn(ctx.xp, x, y)
        except ValueError:
            check_broadcast(x, y)
            raise
        if keep_dtype and r.dtype != x.dtype:
            r = r.astype(x.dtype)
        return r
    return kernel


def unary_kernel(fn, keep_dtype=True):
    """A kernel of ``fn(xp, x)``; the result keeps x's dtype unless ``keep_dtype`` is false."""
    def kernel(ctx, x):
        r = fn(ctx.xp, x)
        return r.astype(x.dtype) if keep_dtype and r.dtype != x.dtype else r
    return kernel


# --- building ops -----------------------------------------------------------------------------------

def flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from flat(v)
        else:
            yield v


def is_tensor_like(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_tensor")


def gen(op_type, inputs, attrs=None, name=None, default_name=None):
    """Creates ``op_type`` the way TensorFlow's generated wrappers do: inside ``name_scope(name)``, so
    Python inputs become Consts named ``<op>/<input arg>`` and the op takes the scope's name."""
    g = _graph_of(list(flat(inputs)))
    with g.as_default(), g.name_scope(name or default_name or op_type) as scope:
        return g.create_op(op_type, inputs, attrs or {}, name=scope)


def gen1(op_type, inputs, attrs=None, name=None, default_name=None):
    """:func:`gen`'s first output."""
    return gen(op_type, inputs, attrs, name, default_name).outputs[0]


def scoped(op_type, default_name, inputs, attrs=None, name=None):
    """Builds ``op_type`` inside ``name_scope(name or default_name)``, the op taking the scope's name, and
    returns what ``make_op`` does (``x + 1`` makes ``add`` and its constant ``add/y``)."""
    g = _graph_of(list(flat(inputs)))
    with g.as_default(), g.name_scope(name or default_name) as scope:
        return make_op(op_type, inputs, attrs, name=scope)


def unary_op_function(op_type, doc):
    """The public function building one-input ``op_type`` (``tg.sinh(x, name=None)``), named and documented."""
    def build(x, name=None):
        return scoped(op_type, op_type, [x], name=name)
    build.__name__ = op_type.lower()
    build.__doc__ = doc
    return build


def reduction(op_type, x, axes, keep_dims=False):
    """``reduce_<op>(x, axes, keepdims=keep_dims)`` with explicit ``axes``, built as reduction_ops builds
    it, for the families reduction_ops builds on (``reduction("Sum", grad, axes)``)."""
    return scoped(op_type, op_type, [x, axes], {"keep_dims": keep_dims})

# --- values known while building --------------------------------------------------------------------

# Kernels run at graph-building time too, on values known then (TensorFlow's shape refiner folds small
# constant subgraphs the same way); inputs or outputs larger than this are left alone.
FOLD_LIMIT = 1000


def fold(tensor):
    """The value of ``tensor`` from its op's host kernel when every input's value is known, else None."""
    op = tensor.op
    kernel = get_kernel(op.type, host_kind().device_type)
    n = tensor.shape.num_elements()
    if kernel is None or n is None or n > FOLD_LIMIT:
        return None
    vals = []
    for t in op.inputs:
        v = constant_value(t)
        if v is None:
            return None
        v = np.asarray(v)
        if v.size > FOLD_LIMIT or v.dtype == object:
            return None
        vals.append(v)
    try:
        # Kernels compute under a session's errstate (overflow gives inf, never a warning); so here.
        with np.errstate(all="ignore"):
            out = kernel(kernel_context(op), *vals)
    except (errors.OpError, ValueError, TypeError, IndexError):
        return None
    if isinstance(out, tuple):
        out = out[tensor.value_index]
    return np.asarray(out)


def kernel_context(op, attr_names=None):
    """A CPU KernelContext for running ``op``'s kernel while building (its attributes, or ``attr_names``)."""
    names = [k for k in op._attrs if not k.startswith("_")] if attr_names is None else attr_names
    attrs = {k: attr_value_to_python(op._attrs[k]) for k in names}
    return KernelContext(attrs, np, None, op.name, op, None)


def register_folding(*op_types):
    """Makes ``constant_value`` fold ``op_types`` through their CPU kernels (see :func:`fold`), so that
    e.g. ``reshape(x, tg.stack([tg.shape(y)[0], 3]))`` gets a static shape."""
    register_constant_value(*op_types)(fold)


# --- zero gradients ---------------------------------------------------------------------------------

# Zeros tg.gradients made for outputs nothing flowed into; gradient functions may skip terms they scale.
_ZERO_GRADIENTS = weakref.WeakSet()


def mark_zeros_gradient(t):
    """Records ``t`` as a zero gradient filled in for an output with no incoming gradient."""
    _ZERO_GRADIENTS.add(t)
    return t


def is_zeros_tensor(t):
    """Whether ``t`` is a zero gradient tg.gradients filled in for an output with no incoming gradient."""
    return t is not None and t in _ZERO_GRADIENTS


def no_complex_gradient(op):
    """Raises NotImplementedError for a complex ``op`` whose gradient tagraph builds for real numbers only
    (TensorFlow's conjugates where the complex gradient needs it; that form is not written yet)."""
    if op.inputs[0].dtype.is_complex:
        raise NotImplementedError("The gradient of %s on complex numbers is not implemented in tagraph yet (its "
                                  "real gradient is)" % op.type)
