"""Python functions as graph ops: ``tf.py_func``, ``tf.numpy_function`` and ``tf.py_function``.

    def clip(x):
        return np.clip(x, 0, 1).astype(np.float32)
    y = tg.py_func(clip, [x], tg.float32)          # a PyFunc op; runs `clip` on numpy arrays

As in TensorFlow, the function is kept in a per-process registry under a token (``"pyfunc_0"``, ...) and
the op carries only the token: a GraphDef exported with a PyFunc names a function that only this process
has, and running it elsewhere fails with TensorFlow's "Could not find callback" error. ``py_func`` and
``numpy_function`` (PyFunc, or PyFuncStateless when not stateful) hand the function numpy arrays (numpy
scalars for 0-d tensors) and want numpy values back of exactly the types in ``Tout``. ``py_function``
(EagerPyFunc) converts what the function returns to ``Tout``; with no eager mode in tagraph, the function
receives numpy arrays that also answer ``.numpy()``, and TensorFlow ops cannot be called on them. An
exception the function raises becomes TensorFlow's error: ValueError and TypeError an InvalidArgumentError,
StopIteration an OutOfRangeError, MemoryError ResourceExhausted, NotImplementedError Unimplemented, any
other an UnknownError, its message the exception and its traceback.
"""
import functools
import threading
import traceback
import weakref

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import convert_to_tensor, get_default_graph
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.framework.tensor_util import to_numpy

__all__ = ["py_func", "numpy_function", "py_function"]


class _FuncRegistry:
    """TensorFlow's FuncRegistry: token -> function, held weakly (the graph that uses one keeps it alive)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next = 0
        self._funcs = weakref.WeakValueDictionary()

    def insert(self, func):
        with self._lock:
            token = "pyfunc_%d" % self._next
            self._next += 1
        self._funcs[token] = func
        return token

    def get(self, token):
        return self._funcs.get(token)


_registry = _FuncRegistry()


class _Registered:
    """A registered function; the wrapper can be weakly referenced where the function (a ufunc) cannot."""

    def __init__(self, func):
        self.func = func

    def __call__(self, *args):
        return self.func(*args)


class _EagerArgument(np.ndarray):
    """An input of a py_function: a numpy array that also has EagerTensor's ``.numpy()``."""

    def numpy(self):
        return np.asarray(self)


# Python exception -> TensorFlow error class, as the PyFunc kernel maps them.
_ERRORS = ((ValueError, errors.InvalidArgumentError), (TypeError, errors.InvalidArgumentError),
           (StopIteration, errors.OutOfRangeError), (MemoryError, errors.ResourceExhaustedError),
           (NotImplementedError, errors.UnimplementedError))


def _error_for(e):
    cls = next((tf_cls for py_cls, tf_cls in _ERRORS if isinstance(e, py_cls)), errors.UnknownError)
    message = "%s: %s\n%s\n" % (type(e).__name__, e, "\n".join(traceback.format_exception(type(e), e,
                                                                                          e.__traceback__)))
    return cls(None, None, message)


def _numpy_arg(x, eager):
    x = np.asarray(x)
    if eager:
        return x.view(_EagerArgument)
    return x[()] if x.ndim == 0 else x       # a 0-d tensor arrives as a numpy scalar


def _registry_convert(value):
    # FuncRegistry._convert: numpy values, with strings as object arrays of bytes.
    result = np.asarray(value, order="C")
    if result.dtype.char == "S" and result is not value:
        return np.asarray(value, order="C", dtype=object)
    if result.dtype.char == "U":
        return np.asarray(np.vectorize(lambda s: s.encode("utf8"), otypes=[object])(value), order="C", dtype=object)
    return result


def _to_tensor_value(arr):
    """NdarrayToTensor: a numpy array as a tensor value, or an InternalError for what has no TensorFlow type."""
    if arr.dtype == object:
        for v in arr.reshape(-1):
            if not isinstance(v, (bytes, str)):
                raise errors.InternalError(None, None, "Unsupported object type %s" % type(v).__name__)
    if arr.dtype.kind in "OSU":
        return to_numpy(arr, dtypes.string), dtypes.string
    try:
        return arr, dtypes.as_dtype(arr.dtype)
    except TypeError:
        raise errors.InternalError(None, None, "Unsupported numpy type %s" % arr.dtype) from None


def _numpy_outputs(token, ret, tout):
    if isinstance(ret, bytes):
        ret = [ret]
    arrays = [_registry_convert(x) for x in ret] if isinstance(ret, (tuple, list)) else [_registry_convert(ret)]
    if len(arrays) == 1 and not isinstance(ret, (tuple, list)) and arrays[0].dtype == object \
            and arrays[0].ndim == 0 and arrays[0][()] is None:
        arrays = []          # a lone None: no outputs
    values = [_to_tensor_value(arr) for arr in arrays]
    if len(values) != len(tout):
        raise errors.InvalidArgumentError(None, None, "%s returns %d values, but expects to see %d values."
                                          % (token, len(values), len(tout)))
    out = []
    for i, ((value, dtype), want) in enumerate(zip(values, tout)):
        if dtype != want:
            raise errors.InvalidArgumentError(None, None, "%d-th value returned by %s is %s, but expects %s"
                                              % (i, token, dtypes.type_string(dtype), dtypes.type_string(want)))
        out.append(value)
    return out


def _eager_outputs(token, ret, tout):
    # EagerFunc._call: each value converted to its Tout, as convert_to_tensor would.
    if ret is None:
        values = []
    elif isinstance(ret, (tuple, list)):
        values = [_eager_convert(x, t) for x, t in zip(ret, tout)]
    else:
        values = [_eager_convert(ret, tout[0])]
    if len(values) != len(tout):
        raise errors.InvalidArgumentError(None, None, "%s returns %d values, but expects to see %d values."
                                          % (token, len(values), len(tout)))
    return values


def _eager_convert(value, dtype):
    arr = np.asarray(value)
    if dtype == dtypes.string:
        return to_numpy(value, dtypes.string)
    np_type = dtype.as_numpy_dtype
    if arr.dtype.kind == "f" and np.dtype(np_type).kind in "iub" and not np.array_equal(arr, np.trunc(arr)):
        raise TypeError("Cannot convert %r to EagerTensor of dtype %s" % (value, dtype.name))
    if arr.dtype.kind in "iuf" and np.dtype(np_type).kind in "iu":
        info = np.iinfo(np_type)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise TypeError("Cannot convert %r to EagerTensor of dtype %s" % (value, dtype.name))
    if arr.dtype.kind in "OSU":
        raise TypeError("Cannot convert %r to EagerTensor of dtype %s" % (value, dtype.name))
    return arr.astype(np_type)


def _py_func_kernel(ctx, *args):
    token = ctx.attrs["token"]
    token = token.decode("utf-8") if isinstance(token, bytes) else token
    tout = list(ctx.attrs.get("Tout") or [])
    func = _registry.get(token)
    if func is None:
        raise errors.InvalidArgumentError(None, None, "ValueError: Could not find callback with key=%s in the "
                                          "registry." % token)
    eager = ctx.op.type == "EagerPyFunc"
    try:
        ret = func(*[_numpy_arg(a, eager) for a in args])
        out = _eager_outputs(token, ret, tout) if eager else _numpy_outputs(token, ret, tout)
    except errors.OpError:
        raise
    except Exception as e:  # noqa: BLE001 - every Python failure becomes TensorFlow's error for it
        raise _error_for(e) from None
    if not out:
        return None
    return out[0] if len(out) == 1 else tuple(out)


for _op_type in ("PyFunc", "PyFuncStateless", "EagerPyFunc"):
    register_kernel(_op_type, "CPU")(_py_func_kernel)


@register_shape("PyFunc", "PyFuncStateless", "EagerPyFunc")
def _unknown_shapes(op):
    return [TensorShape(None) for _ in op.outputs]


not_differentiable("PyFunc", "PyFuncStateless")


def _internal_py_func(func, inp, Tout, stateful=True, eager=False, name=None):  # noqa: N803 - TensorFlow's name
    if not callable(func):
        raise ValueError("Expected func to be callable. Received func=%s of type %s." % (func, type(func)))
    is_list = isinstance(Tout, (list, tuple))
    tout = [dtypes.as_dtype(t) for t in (Tout if is_list else [Tout])]
    inp = [convert_to_tensor(x) for x in (inp if isinstance(inp, (list, tuple)) else [inp])]
    registered = _Registered(func)
    token = _registry.insert(registered)
    graph = get_default_graph()
    outer = getattr(graph, "outer_graph", None)
    while outer is not None:          # a function body's py funcs live as long as the outermost graph
        graph, outer = outer, getattr(outer, "outer_graph", None)
    if not hasattr(graph, "_py_funcs_used_in_graph"):
        graph._py_funcs_used_in_graph = []
    graph._py_funcs_used_in_graph.append(registered)
    if eager:
        op_type, attrs = "EagerPyFunc", {"token": token, "is_async": False, "Tout": tout}
    else:
        op_type, attrs = ("PyFunc" if stateful else "PyFuncStateless"), {"token": token, "Tout": tout}
    out = make_op(op_type, [inp], attrs, name=name or op_type)
    if not tout:
        return out            # the Operation, as TensorFlow returns for no outputs
    outputs = [out] if len(tout) == 1 else out
    return outputs if is_list else outputs[0]


def _decorator_or_none(script_op, script_op_name, func, inp, Tout, **kwargs):  # noqa: N803
    if Tout is None:
        raise TypeError("Missing required argument: 'Tout'\n  If using %s as a decorator, set `Tout`\n"
                        "  **by name** above the function:\n  `@%s(Tout=tout)`" % (script_op_name, script_op_name))
    if func is None:
        if inp is not None:
            raise TypeError("Don't set the `inp` argument when using %s as a decorator (`func=None`)."
                            % script_op_name)

        def decorator(fun):
            @functools.wraps(fun)
            def wrapper(*args):
                return script_op(fun, inp=args, Tout=Tout, **kwargs)
            return wrapper
        return decorator
    if inp is None:
        raise TypeError("Missing argument `inp`:\n  You must set the `inp` argument (the list of arguments to the\n"
                        "  function), unless you use `%s` as a decorator(`func=None`)." % script_op_name)
    return None


def py_func(func, inp, Tout, stateful=True, name=None):  # noqa: N803
    """``tf.py_func``: an op that calls ``func`` on numpy arrays; ``Tout`` the types it returns (a list, or one
    type for a single output).

        y = tg.py_func(lambda x: np.sinh(x), [x], tg.float32)
    """
    return _internal_py_func(func, inp, Tout, stateful=stateful, name=name)


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):  # noqa: N803
    """``tf.numpy_function``: :func:`py_func`, also usable as a decorator with ``Tout`` set.

        y = tg.numpy_function(lambda x: x + 1, [x], tg.int32)
    """
    decorator = _decorator_or_none(numpy_function, "tf.numpy_function", func, inp, Tout, stateful=stateful,
                                   name=name)
    if decorator is not None:
        return decorator
    return _internal_py_func(func, inp, Tout, stateful=stateful, name=name)


def py_function(func=None, inp=None, Tout=None, name=None):  # noqa: N803
    """``tf.py_function``: an EagerPyFunc op; ``func``'s results are converted to ``Tout`` (its inputs are numpy
    arrays with ``.numpy()``: tagraph has no eager tensors).

        y = tg.py_function(lambda x: x.numpy() * 2, [x], tg.float32)
    """
    decorator = _decorator_or_none(py_function, "tf.py_function", func, inp, Tout, name=name)
    if decorator is not None:
        return decorator
    return _internal_py_func(func, inp, Tout, eager=True, name=name)
