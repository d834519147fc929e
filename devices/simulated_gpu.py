"""The simulated GPU: CuPy's rules on numpy's arithmetic, so GPU code paths run without a GPU.

``TAGRAPH_SIMULATED_GPUS=N`` gives N simulated GPU devices. Their arrays are
:class:`SimulatedDeviceArray` objects: numpy buffers in disguise that, like ``cupy.ndarray``, refuse
implicit conversion to host memory (``numpy.asarray(a)``, ``numpy.add(a, 1)``, ``a + host_array``
all raise TypeError), so a transfer the engine forgot fails in tests as it would on hardware. Their
array namespace :data:`sim_xp` mirrors numpy's the way ``cupy`` does: it takes and returns device
arrays. Numba CUDA kernels run on them under Numba's CUDA simulator (see :func:`numba_cuda`).

    >>> import numpy as np
    >>> a = sim_xp.asarray(np.arange(3.0))      # explicit upload
    >>> b = sim_xp.exp(a) + 1                    # stays on the device
    >>> b.get()                                  # explicit download
    array([2.        , 3.71828183, 8.3890561 ])
"""

import contextlib
import functools
import numbers
import operator
import os
import sys
import types

import numpy as np

__all__ = ["SimulatedDeviceArray", "SimulatedGPUBackend", "sim_xp", "simulated_device_count",
           "numba_cuda", "prepare_cuda_simulator"]

ENV_VAR = "TAGRAPH_SIMULATED_GPUS"

# CuPy's own wording, so that messages read the same on the simulator as on hardware.
_IMPLICIT_CONVERSION = ("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")


def _host_array_error(obj):
    return TypeError("Unsupported type %s: a host (numpy) array was given where a GPU array is "
                     "required; upload it first (backend.upload(x) or xp.asarray(x))" % type(obj))


def _new(host):
    # Builds a device array around ``host`` without copying (results and views share buffers).
    arr = object.__new__(SimulatedDeviceArray)
    arr._host = host
    return arr


def _unwrap(obj, strict):
    """Device arrays -> their numpy buffers, through lists and tuples; with ``strict``, numpy
    arrays are refused (CuPy's functions reject them rather than upload them silently)."""
    t = type(obj)
    if t is SimulatedDeviceArray:
        return obj._host
    if t is list or t is tuple:
        return t(_unwrap(o, strict) for o in obj)
    if strict and isinstance(obj, np.ndarray):
        raise _host_array_error(obj)
    return obj


def _wrap(result):
    """numpy results -> device arrays; numpy scalars become 0-d device arrays, as CuPy returns."""
    if isinstance(result, np.ndarray):
        return _new(result)
    if isinstance(result, np.generic):
        return _new(np.asarray(result))
    if isinstance(result, tuple):
        items = [_wrap(r) for r in result]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    if isinstance(result, list):
        return [_wrap(r) for r in result]
    if isinstance(result, (np.random.Generator, np.random.RandomState)):
        return _Namespace(result, type(result).__name__)
    return result


def _call(fn, args, kwargs, host_ok_from=None):
    """Calls numpy's ``fn`` on unwrapped arguments and wraps its result.

    Positional arguments must not be host arrays, except from position ``host_ok_from`` on (shapes,
    axes and indices, which CuPy accepts from the host); keyword arguments may be, except ``out``.
    """
    if host_ok_from is None:
        args = _unwrap(args, True)
    else:
        args = tuple(_unwrap(a, i < host_ok_from) for i, a in enumerate(args))
    out = kwargs.get("out")
    if kwargs:
        kwargs = {k: _unwrap(v, k == "out") for k, v in kwargs.items()}
    result = fn(*args, **kwargs)
    if out is not None:
        # numpy hands back the buffer it wrote into; CuPy hands back the ``out`` array itself.
        if type(out) is SimulatedDeviceArray and result is out._host:
            return out
        if type(out) is tuple and type(result) is tuple and len(out) == len(result):
            return tuple(o if type(o) is SimulatedDeviceArray and r is o._host else _wrap(r)
                         for o, r in zip(out, result))
    return _wrap(result)


def _operand(other):
    """An operator's other operand, unwrapped; None when the operator should defer to ``other``."""
    if type(other) is SimulatedDeviceArray:
        return other._host
    if isinstance(other, np.ndarray):
        raise _host_array_error(other)
    if isinstance(other, (numbers.Number, np.generic, bool)):
        return other
    return None


# Methods of cupy.ndarray that SimulatedDeviceArray delegates to the numpy buffer.
_DELEGATED_METHODS = frozenset("""
    all any argmax argmin argpartition argsort astype choose clip compress conj conjugate cumprod
    cumsum diagonal dot fill flatten item max mean min nonzero partition prod ptp put ravel repeat
    reshape round sort squeeze std sum swapaxes take tobytes tolist trace transpose var view
""".split())
# Which of them take host data (shapes, axes, indices) as CuPy does, and from which argument on.
_HOST_OK_METHOD_ARGS = {"reshape": 0, "transpose": 0, "take": 0, "repeat": 0, "squeeze": 0,
                        "swapaxes": 0}


class SimulatedDeviceArray:
    """An array in a simulated GPU's memory; behaves as ``cupy.ndarray`` does.

    It is deliberately not an ndarray subclass: numpy cannot reach its buffer, so host code that
    forgets the explicit ``.get()`` (or ``backend.download``) fails with CuPy's TypeError. Size-1
    arrays convert to Python scalars (``float(a)``, ``bool(a)``, ``a.item()``), as on CuPy.
    """

    __slots__ = ("_host", "__weakref__")
    __array_ufunc__ = None          # numpy ufuncs refuse us; numpy's operators defer to ours
    __hash__ = None

    def __init__(self, host):
        if not isinstance(host, np.ndarray):
            raise TypeError("SimulatedDeviceArray wraps a numpy.ndarray; use sim_xp.asarray() to "
                            "upload other data")
        self._host = host

    # -- refusals ---------------------------------------------------------------------------------

    def __array__(self, *args, **kwargs):
        raise TypeError(_IMPLICIT_CONVERSION)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError("%s; numpy.%s cannot take a GPU array" % (
            _IMPLICIT_CONVERSION, getattr(func, "__name__", func)))

    # -- explicit transfers -----------------------------------------------------------------------

    def get(self, stream=None, order="C", out=None, blocking=True):
        """A numpy copy in host memory (CuPy's explicit download)."""
        if out is not None:
            np.copyto(out, self._host)
            return out
        return np.array(self._host, order=order, copy=True)

    def set(self, arr, stream=None):
        """Copies the host array ``arr`` into this array (CuPy's explicit upload in place)."""
        if not isinstance(arr, np.ndarray):
            raise TypeError("Only numpy.ndarray can be set to a GPU array, got %s" % type(arr))
        if arr.shape != self._host.shape:
            raise ValueError("Shape mismatch: %s cannot be set to %s" % (arr.shape,
                                                                         self._host.shape))
        if arr.dtype != self._host.dtype:
            raise TypeError("%s array cannot be set to %s array" % (arr.dtype, self._host.dtype))
        np.copyto(self._host, arr)

    def copy(self, order="C"):
        return _new(self._host.copy(order=order))

    # -- attributes -------------------------------------------------------------------------------

    shape = property(lambda self: self._host.shape)
    dtype = property(lambda self: self._host.dtype)
    ndim = property(lambda self: self._host.ndim)
    size = property(lambda self: self._host.size)
    nbytes = property(lambda self: self._host.nbytes)
    itemsize = property(lambda self: self._host.itemsize)
    strides = property(lambda self: self._host.strides)
    flags = property(lambda self: self._host.flags)
    T = property(lambda self: _new(self._host.T))
    # Settable, as CuPy's: assigning writes that part of every element in place.
    real = property(lambda self: _new(self._host.real),
                    lambda self, value: setattr(self._host, "real", _unwrap(value, False)))
    imag = property(lambda self: _new(self._host.imag),
                    lambda self, value: setattr(self._host, "imag", _unwrap(value, False)))

    def __getattr__(self, name):
        if name in _DELEGATED_METHODS:
            method = getattr(self._host, name)
            host_ok_from = _HOST_OK_METHOD_ARGS.get(name)
            return functools.wraps(method)(
                lambda *args, **kwargs: _call(method, args, kwargs, host_ok_from))
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    # -- sequence protocol ------------------------------------------------------------------------

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        if self._host.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._host)))

    def __getitem__(self, key):
        return _wrap(self._host[_unwrap(key, False)])

    def __setitem__(self, key, value):
        # CuPy uploads a host value assigned into a device array; so do we.
        self._host[_unwrap(key, False)] = _unwrap(value, False)

    # -- scalars (synchronising on CuPy; allowed for size-1 arrays) -------------------------------

    def __bool__(self):
        return bool(self._host)

    def __float__(self):
        return float(self._host)

    def __int__(self):
        return int(self._host)

    def __complex__(self):
        return complex(self._host)

    def __index__(self):
        return operator.index(self._host)

    def __format__(self, spec):
        return format(self._host, spec)

    # -- printing, copying, pickling --------------------------------------------------------------

    def __repr__(self):
        return "SimulatedDeviceArray(%s)" % np.array2string(self._host, separator=", ")

    def __str__(self):
        return str(self._host)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_new, (self._host.copy(),))

    # -- operators --------------------------------------------------------------------------------

    def __neg__(self):
        return _new(-self._host)

    def __pos__(self):
        return _new(+self._host)

    def __abs__(self):
        return _new(abs(self._host))

    def __invert__(self):
        return _new(~self._host)


def _binary(op):
    def method(self, other):
        value = _operand(other)
        return NotImplemented if value is None else _wrap(op(self._host, value))
    return method


def _reflected(op):
    def method(self, other):
        value = _operand(other)
        return NotImplemented if value is None else _wrap(op(value, self._host))
    return method


def _inplace(op):
    def method(self, other):
        value = _operand(other)
        if value is None:
            return NotImplemented
        op(self._host, value)
        return self
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
              "xor", "lshift", "rshift"):
    _op = getattr(operator, _name + "_" if _name in ("and", "or") else _name)
    setattr(SimulatedDeviceArray, "__%s__" % _name, _binary(_op))
    setattr(SimulatedDeviceArray, "__r%s__" % _name, _reflected(_op))
    setattr(SimulatedDeviceArray, "__i%s__" % _name, _inplace(getattr(operator, "i" + _name)))
for _name in ("lt", "le", "eq", "ne", "gt", "ge"):
    setattr(SimulatedDeviceArray, "__%s__" % _name, _binary(getattr(operator, _name)))
SimulatedDeviceArray.__divmod__ = _binary(divmod)
SimulatedDeviceArray.__rdivmod__ = _reflected(divmod)
del _name, _op


# -- the array namespace ---------------------------------------------------------------------------

# numpy functions whose positional arguments from this index on may be host data (shapes, axes,
# indices, pad widths), which CuPy accepts; everywhere else a host array is refused.
_HOST_OK_ARGS = {"reshape": 1, "transpose": 1, "broadcast_to": 1, "tile": 1, "pad": 1, "take": 1,
                 "expand_dims": 1, "moveaxis": 1, "squeeze": 1, "repeat": 1, "roll": 1,
                 "zeros": 0, "ones": 0, "empty": 0, "full": 0}


class _Ufunc:
    """A numpy ufunc taking and returning device arrays (``__call__``, ``reduce``, ``outer``...)."""

    __slots__ = ("_ufunc",)

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, args, kwargs)

    def __getattr__(self, name):
        value = getattr(self._ufunc, name)
        if name in ("reduce", "accumulate", "reduceat", "outer", "at"):
            return lambda *args, **kwargs: _call(value, args, kwargs)
        return value

    def __repr__(self):
        return "<simulated GPU ufunc %r>" % self._ufunc.__name__


class _Namespace:
    """A module (or object) seen through device arrays: its functions unwrap device-array arguments
    and wrap array results; types and constants (``float32``, ``newaxis``, ``pi``) pass through."""

    def __init__(self, target, name):
        self._target = target
        self.__name__ = name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self._target, name)
        if isinstance(value, type):
            wrapped = value
        elif isinstance(value, np.ufunc):
            wrapped = _Ufunc(value)
        elif isinstance(value, types.ModuleType):
            wrapped = _Namespace(value, "%s.%s" % (self.__name__, name))
        elif callable(value):
            host_ok_from = _HOST_OK_ARGS.get(name)
            wrapped = functools.wraps(value)(
                lambda *args, **kwargs: _call(value, args, kwargs, host_ok_from))
        else:
            wrapped = value
        self.__dict__[name] = wrapped
        return wrapped

    def __dir__(self):
        return sorted(set(dir(self._target)) | set(self.__dict__))

    def __repr__(self):
        return "<simulated GPU namespace %s>" % self.__name__


def _upload(obj, dtype=None, copy=True, order="C", ndmin=0):
    return _new(np.array(_unwrap(obj, False), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def _asarray(a, dtype=None, order=None):
    """Uploads host data (as ``cupy.asarray``); a device array of the right dtype comes back as is."""
    if type(a) is SimulatedDeviceArray:
        return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    return _upload(a, dtype=dtype, order=order or "K")


def _array(obj, dtype=None, copy=True, order="K", ndmin=0):
    """Copies ``obj`` (host data or device arrays) into a new device array (as ``cupy.array``)."""
    if type(obj) is SimulatedDeviceArray and not copy and (dtype is None or dtype == obj.dtype) \
            and obj.ndim >= ndmin:
        return obj
    return _upload(obj, dtype=dtype, copy=True, order=order, ndmin=ndmin)


def _ascontiguousarray(a, dtype=None):
    if type(a) is SimulatedDeviceArray:
        return _new(np.ascontiguousarray(a._host, dtype=dtype))
    return _upload(a, dtype=dtype)


def _asnumpy(a, stream=None, order="C", out=None):
    """Downloads a device array (as ``cupy.asnumpy``); host data passes through."""
    if type(a) is SimulatedDeviceArray:
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def _get_array_module(*args):
    return sim_xp if any(type(a) is SimulatedDeviceArray for a in args) else np


#: The simulated GPU's array namespace: numpy's functions on :class:`SimulatedDeviceArray`.
sim_xp = _Namespace(np, "tagraph.devices.simulated_gpu.sim_xp")
sim_xp.__dict__.update(
    ndarray=SimulatedDeviceArray, asarray=_asarray, asanyarray=_asarray, array=_array,
    ascontiguousarray=_ascontiguousarray, asnumpy=_asnumpy, get_array_module=_get_array_module)


# -- device count, backend, Numba's CUDA simulator -------------------------------------------------

def simulated_device_count(environ=None):
    """How many simulated GPUs ``TAGRAPH_SIMULATED_GPUS`` asks for (0 when unset)."""
    raw = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not raw:
        return 0
    try:
        count = int(raw)
    except ValueError:
        count = -1
    if count < 0:
        raise ValueError("%s must be a non-negative integer, got %r" % (ENV_VAR, raw))
    return count


def prepare_cuda_simulator():
    """Makes the next ``import numba.cuda`` load Numba's CUDA simulator; cheap (imports nothing).

    Returns False when ``numba.cuda`` is already loaded for real hardware in this process, in which
    case the simulator can no longer be had.
    """
    cuda = sys.modules.get("numba.cuda")
    if cuda is not None:
        return _is_simulator(cuda)
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
    config = sys.modules.get("numba.core.config")
    if config is not None:
        # numba read its environment when it was imported; have it read it again.
        config.reload_config()
    return True


def _is_simulator(cuda_module):
    # Both modes import the numba.cuda.simulator package; only the simulator's jit comes from it.
    return getattr(cuda_module.jit, "__module__", "").startswith("numba.cuda.simulator")


def numba_cuda():
    """``numba.cuda`` running on Numba's CUDA simulator, imported on first use.

    Raises RuntimeError when this process already loaded ``numba.cuda`` for a real GPU: one process
    cannot have both.
    """
    if not prepare_cuda_simulator():
        raise RuntimeError(
            "The simulated GPU needs Numba's CUDA simulator, but numba.cuda was already imported "
            "for real hardware in this process; run simulated-GPU code in a separate process, or "
            "set NUMBA_ENABLE_CUDASIM=1 before anything imports numba.cuda")
    from numba import cuda
    if not _is_simulator(cuda):
        raise RuntimeError("numba.cuda did not load its CUDA simulator although "
                           "NUMBA_ENABLE_CUDASIM=1 was set before importing it")
    return cuda


class SimulatedGPUBackend:
    """Backend of one simulated GPU: arrays are :class:`SimulatedDeviceArray`, ``xp`` is
    :data:`sim_xp`, kernels written for Numba CUDA run on Numba's CUDA simulator.

        >>> gpu = SimulatedGPUBackend(0)
        >>> x = gpu.upload(np.ones(3, np.float32))
        >>> gpu.download(gpu.xp.sum(x))
        array(3., dtype=float32)
    """

    device_type = "GPU"
    is_simulated = True
    memory_limit = None

    def __init__(self, index=0):
        self.index = int(index)
        self.xp = sim_xp
        self.name = "GPU:%d (simulated, Numba CUDA simulator)" % self.index

    def upload(self, host_array):
        """Copies host data into a new device array (a device array is returned unchanged)."""
        if type(host_array) is SimulatedDeviceArray:
            return host_array
        return _new(np.array(host_array, copy=True, order="C"))

    def download(self, array):
        """A numpy array in host memory holding ``array``'s values (host data passes through)."""
        if type(array) is SimulatedDeviceArray:
            return array.get()
        return np.asarray(array)

    def is_device_array(self, x):
        return type(x) is SimulatedDeviceArray

    def device_context(self):
        return contextlib.nullcontext()

    def free_memory(self):
        pass

    def synchronize(self):
        pass

    def __repr__(self):
        return "<SimulatedGPUBackend %s>" % self.name
