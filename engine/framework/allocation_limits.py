"""Refusing allocations that a hostile input asks for before any memory is taken.

A shape in a file or a request is a claim, not a fact: a ``Const`` whose ``tensor_shape`` says 10**12
elements but holds one value, a ``Fill`` whose ``dims`` input is ``[10**6, 10**6]``, a REST body asking for
``np.zeros`` of a huge shape. numpy's ``empty`` would often *succeed* on such a claim (Linux overcommits
virtual memory) and the process would be killed later, while the pages are written. Every path that
allocates memory sized by input it does not hold itself asks :func:`check_allocation` first::

    >>> from tagraph.engine.framework.allocation_limits import check_allocation, num_elements
    >>> check_allocation(num_elements([2, 3]), 4)         # bytes it will take
    24
    >>> check_allocation(10**12, 4)                       # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ResourceExhaustedError: OOM when allocating tensor ...

* a dimension below 0, or a product of dimensions beyond 2**63-1, is ``InvalidArgumentError`` (as
  TensorFlow's ``TensorShape`` reports it);
* more bytes than the limit is ``ResourceExhaustedError`` (what TensorFlow's allocator gives).

The limit is, in order: the innermost :func:`allocation_limit` block of the calling thread (the model
server or a fuzz run narrows it per request), ``TAGRAPH_MAX_ALLOCATION_BYTES`` in the environment, else the
machine's physical memory (no single tensor larger than the RAM can ever be filled).
"""
import contextlib
import functools
import os
import threading

from tagraph.engine.framework import errors

__all__ = ["check_allocation", "check_shape", "num_elements", "max_allocation_bytes", "allocation_limit",
           "INT64_MAX", "ENV_VAR"]

INT64_MAX = (1 << 63) - 1
ENV_VAR = "TAGRAPH_MAX_ALLOCATION_BYTES"
_FALLBACK_LIMIT = 1 << 40  # where the physical memory cannot be asked for

_local = threading.local()


@functools.lru_cache(maxsize=None)
def _physical_memory():
    # Asked once: it does not change while the process runs, and Fill asks on every call.
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
        if pages > 0 and page_size > 0:
            return pages * page_size
    except (AttributeError, ValueError, OSError):
        pass
    return _FALLBACK_LIMIT


def _env_limit():
    text = os.environ.get(ENV_VAR)
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def max_allocation_bytes():
    """The largest single allocation, in bytes, that input may ask for on this thread now."""
    stack = getattr(_local, "stack", None)
    if stack:
        return stack[-1]
    env = _env_limit()
    return env if env is not None else _physical_memory()


@contextlib.contextmanager
def allocation_limit(max_bytes):
    """Within the block, this thread refuses any input-sized allocation above ``max_bytes``.

    Blocks nest; an inner block can only narrow the limit, never widen it.
    """
    max_bytes = int(max_bytes)
    if max_bytes < 0:
        raise ValueError("allocation_limit: max_bytes must be >= 0, got %d" % max_bytes)
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    outer = stack[-1] if stack else max_allocation_bytes()
    stack.append(min(outer, max_bytes))
    try:
        yield
    finally:
        stack.pop()


def num_elements(shape, what="tensor"):
    """The number of elements of ``shape`` (a sequence of ints), overflow-checked.

    Raises InvalidArgumentError for a negative (unknown) dimension or a product beyond 2**63-1.
    """
    n = 1
    for d in shape:
        try:
            d = int(d)
        except (TypeError, ValueError, OverflowError):
            raise errors.InvalidArgumentError(
                None, None, "%s: dimension %r is not an integer (shape %s)" % (what, d, _show(shape))) from None
        if d < 0:
            raise errors.InvalidArgumentError(
                None, None, "%s: dimension %d is negative (shape %s)" % (what, d, _show(shape)))
        n *= d
        if n > INT64_MAX:
            # Keep multiplying only to find a zero dimension, which makes the product 0 after all.
            if any(int(x) == 0 for x in shape):
                return 0
            raise errors.InvalidArgumentError(
                None, None, "%s: encountered overflow when multiplying the dimensions of shape %s (more "
                "than 2**63-1 elements)" % (what, _show(shape)))
    return n


def check_allocation(num_elements, itemsize, what="tensor"):
    """Raises unless ``num_elements`` items of ``itemsize`` bytes may be allocated; returns the bytes.

    ``itemsize`` of an object (string) array is the size of a pointer (8): the elements themselves are
    accounted where they are made.
    """
    num_elements = int(num_elements)
    itemsize = int(itemsize)
    if num_elements < 0 or itemsize < 0:
        raise errors.InvalidArgumentError(
            None, None, "%s: cannot allocate %d elements of %d bytes" % (what, num_elements, itemsize))
    if num_elements > INT64_MAX:
        raise errors.InvalidArgumentError(
            None, None, "%s: %d elements is more than 2**63-1" % (what, num_elements))
    nbytes = num_elements * itemsize
    limit = max_allocation_bytes()
    if nbytes > limit:
        raise errors.ResourceExhaustedError(
            None, None, "OOM when allocating %s of %d elements of %d bytes (%d bytes): more than the %d "
            "bytes one allocation may take (set %s, or allocation_limit(), to change it)"
            % (what, num_elements, itemsize, nbytes, limit, ENV_VAR))
    return nbytes


def check_shape(shape, itemsize, what="tensor"):
    """:func:`num_elements` then :func:`check_allocation`; returns the number of elements."""
    n = num_elements(shape, what)
    check_allocation(n, itemsize, what)
    return n


def _show(shape):
    try:
        dims = list(shape)
    except TypeError:
        return repr(shape)
    if len(dims) > 8:
        return "[%s, ...] (%d dims)" % (", ".join(str(d) for d in dims[:8]), len(dims))
    return "[%s]" % ", ".join(str(d) for d in dims)
