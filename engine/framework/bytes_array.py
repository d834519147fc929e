"""Reading an object array of Python ``bytes`` in place, at C speed: what string kernels over millions of
strings (hash buckets) and string feeds need, where a Python loop per element would cost more than the work.

A string tensor's value is a numpy object array whose elements are ``bytes``. Its buffer holds one pointer
per element, and CPython lays a ``bytes`` object out as a fixed header (type pointer, length) followed by its
characters. :func:`layout` finds those offsets once by probing a known object, and only where they read back
right (CPython's usual builds) do :func:`pointers` and the Numba functions here read elements through them;
anywhere else (PyPy, a build with another object header) :func:`layout` is None and callers take their
per-element path. Elements of any other type than ``bytes`` itself (``str``, ``np.bytes_``) are reported, not
read. The array keeps its elements alive while a kernel reads them, and they are immutable.

    if bytes_array.all_bytes(arr):      # every element an exact bytes object
        ...
"""
import ctypes
import functools
import sys

import numpy as np

__all__ = ["layout", "pointers", "all_bytes", "MIN_SIZE"]

# Below this many elements a Python loop is as quick as calling into Numba (and compiles nothing).
MIN_SIZE = 2048


@functools.lru_cache(maxsize=1)
def layout():
    """``(type offset, length offset, data offset)`` of CPython's bytes objects, or None where they cannot
    be confirmed on this interpreter (or Numba is missing)."""
    if sys.implementation.name != "cpython":
        return None
    try:
        import numba  # noqa: F401 - the readers below are Numba functions
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    word = ctypes.sizeof(ctypes.c_void_p)
    type_off, size_off, data_off = word, 2 * word, bytes.__basicsize__ - 1
    probe = b"tagraph-probe\x00\xff"
    addr = id(probe)
    try:
        ok = (ctypes.c_void_p.from_address(addr + type_off).value == id(bytes)
              and ctypes.c_ssize_t.from_address(addr + size_off).value == len(probe)
              and ctypes.string_at(addr + data_off, len(probe)) == probe)
    except (ValueError, OSError):  # pragma: no cover - an interpreter that refuses raw reads
        return None
    return (type_off, size_off, data_off) if ok else None


def pointers(arr):
    """The element pointers of the object array ``arr`` (C-contiguous), as an intp array sharing its buffer."""
    if arr.dtype != object or not arr.flags.c_contiguous:
        raise ValueError("pointers() needs a C-contiguous object array")
    if arr.size == 0:
        return np.empty(0, np.intp)
    buf = (ctypes.c_ssize_t * arr.size).from_address(arr.ctypes.data)
    return np.ctypeslib.as_array(buf)


def _readers():
    from tagraph.engine.framework import bytes_array_numba as kernels  # loads Numba: only when first needed
    return kernels


def readers():
    """The Numba building blocks (module ``bytes_array_numba``): ``u8_at(addr)`` (a uint8 pointer),
    ``word_at(addr)`` (the little-endian uint64 there), ``first_not_bytes(ptrs, id(bytes), type offset)``."""
    return _readers()


def all_bytes(arr):
    """Whether every element of the object array ``arr`` is a ``bytes`` object (not a subclass); None where
    this cannot be told quickly (small arrays, no confirmed layout), for the caller's own loop."""
    lay = layout()
    if lay is None or arr.dtype != object or arr.size < MIN_SIZE:
        return None
    arr = np.ascontiguousarray(arr)
    return _readers().first_not_bytes(pointers(arr), np.uint64(id(bytes)), lay[0]) < 0
