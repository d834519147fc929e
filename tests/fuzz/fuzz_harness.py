"""What every fuzz target checks, and how long it runs.

A fuzz target hands each generated input to :func:`check`, which runs the parser and enforces the
hardening contract:

* the call ends with a result or with one of the exception types the API documents (``tg.errors.*`` by
  default; a target adds ValueError/TypeError only where its API documents them) -- anything else fails
  the example and hypothesis shrinks it;
* it takes under a second of CPU time (a call over a second is run again and fails only if it is slow
  twice; CPU time, not wall time, so that other work on the machine does not count); over
  :data:`CPU_HANG_SECONDS` of CPU, or :data:`HANG_SECONDS` of wall time (``SIGALRM``: a call blocked for
  good), it is a :class:`Hang`;
* it allocates, as ``tracemalloc`` sees it (Python objects and numpy buffers, traced only during the call),
  at most ``MEMORY_FACTOR * input size + MEMORY_ALLOWANCE`` bytes at its peak, and it runs inside
  ``allocation_limit(MEMORY_ALLOWANCE)``, so a shape that claims more than the input holds must be
  refused (ResourceExhaustedError / InvalidArgumentError) before memory is taken. Under all of it, the
  process' address space is capped a few GiB above its size for the call, so a missing guard shows up as
  a MemoryError finding instead of the OOM killer.

Known findings in modules owned by others (not fixed yet) are listed in :data:`KNOWN_FINDINGS`: an
exception matching one is counted, not failed, and the concrete regression test for it is an
``xfail(strict=True)`` that turns red the day the bug is fixed, so the entry gets removed.

Sizes: the suite runs each target ``max_examples`` times (derandomized, so it is reproducible and fast);
``TAGRAPH_FUZZ_SCALE=N`` multiplies that (``benchmarks/fuzz_long.py`` uses it, with random seeds), and
``TAGRAPH_FUZZ_STATS=DIR`` makes each process write its per-parser case counts there as JSON.
"""
import atexit
import collections
import contextlib
import json
import os
import signal
import threading
import time
import tracemalloc

from hypothesis import HealthCheck, settings

from tagraph.engine.framework import errors
from tagraph.engine.framework.allocation_limits import allocation_limit

HANG_SECONDS = float(os.environ.get("TAGRAPH_FUZZ_HANG_SECONDS", "30"))   # wall clock: stuck, whatever the load
CPU_HANG_SECONDS = 10.0                                                       # CPU time of the calling thread
DEADLINE_MS = 1000
MEMORY_ALLOWANCE = 64 << 20
ADDRESS_SPACE_HEADROOM = 3 << 30  # see _address_space_cap
MEMORY_FACTOR = 16  # protobuf/numpy objects of a decoded input can be several times its bytes
SCALE = float(os.environ.get("TAGRAPH_FUZZ_SCALE", "1"))
LONG = SCALE > 1

CASES = collections.Counter()
FINDINGS = collections.Counter()


class Hang(Exception):
    """A parser ran longer than HANG_SECONDS on one input."""


class TooSlow(Exception):
    """A parser took over a second on one input, twice in a row."""


class MemoryBoundExceeded(Exception):
    """A parser allocated more than its input's size implies plus the fixed allowance."""


class UndocumentedException(Exception):
    """A parser raised an exception type its API does not document."""


# (target, exception type name, substring of the message) -> note for the lead. See the module docstring.
KNOWN_FINDINGS = {}  # every finding so far is fixed, each with its regression test in tests/fuzz/


def fuzz_settings(max_examples, **kwargs):
    """Hypothesis settings of a fuzz target: ``max_examples`` scaled, one-second deadline."""
    return settings(
        max_examples=max(1, int(max_examples * SCALE)),
        deadline=None,  # the one-second bound is check()'s (confirmed by a second run: no flaky failures)
        derandomize=not LONG,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                               HealthCheck.large_base_example],
        print_blob=LONG,
        **kwargs)


@contextlib.contextmanager
def _alarm(seconds):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise Hang("no result after %.0f s" % seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _virtual_size():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def _address_space_cap(headroom):
    """A safety net under the checks: within the block, the process cannot map more than ``headroom`` bytes
    beyond what it has now, so an unguarded multi-GiB allocation is a MemoryError here rather than the OOM
    killer ending the test run (or another process on the machine)."""
    try:
        import resource
    except ImportError:
        resource = None
    size = _virtual_size() if resource is not None else None
    if size is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + headroom
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _known(target, exc):
    for (t, name, text), note in KNOWN_FINDINGS.items():
        if t == target and type(exc).__name__ == name and text in str(exc):
            return note
    return None


def check(target, fn, *args, input_size=0, allowed=(errors.OpError,), memory=True, _retrying=False, **kwargs):
    """Runs ``fn(*args, **kwargs)`` under the contract above; returns its result, or the allowed exception."""
    CASES[target] += 1
    # Traced only around the call: tracing all of hypothesis' own work would triple the run time.
    measure = memory and TRACE
    owner = measure and not tracemalloc.is_tracing()
    if owner:
        tracemalloc.start(1)
    if measure:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
    result = exc = None
    peak = 0
    started = time.thread_time()   # CPU time: a machine loaded by other work must not make inputs "slow"
    from tagraph.engine.framework import allocation_limits as _limits
    depth = len(getattr(_limits._local, "stack", None) or [])
    try:
        with _alarm(HANG_SECONDS), allocation_limit(MEMORY_ALLOWANCE), _address_space_cap(ADDRESS_SPACE_HEADROOM):
            result = fn(*args, **kwargs)
    except Hang:
        raise
    except allowed as e:
        exc = e
    except Exception as e:  # noqa: BLE001 - the point of the harness
        note = _known(target, e)
        if note is None:
            raise UndocumentedException("%s raised %s: %s" % (target, type(e).__name__, e)) from e
        FINDINGS["%s: %s" % (target, note)] += 1
        exc = e
    finally:
        if measure:
            peak = tracemalloc.get_traced_memory()[1] - base
        if owner:
            tracemalloc.stop()
        stack = getattr(_limits._local, "stack", None)
        if stack is not None:
            del stack[depth:]   # a SIGALRM landing inside allocation_limit's own exit must not leak a limit
    elapsed = time.thread_time() - started
    if elapsed > CPU_HANG_SECONDS:
        _fail(target, Hang("%s took %.1f s of CPU" % (target, elapsed)))
    elif elapsed > DEADLINE_MS / 1000.0 and not _retrying:
        # Over a second of CPU: run it again before calling it slow (caches, the GC and neighbours vary).
        again = time.thread_time()
        try:
            check(target, fn, *args, input_size=input_size, allowed=allowed, memory=False, _retrying=True,
                  **kwargs)
        except (UndocumentedException, MemoryBoundExceeded):
            pass
        CASES[target] -= 1
        second = time.thread_time() - again
        if second > DEADLINE_MS / 1000.0:
            _fail(target, TooSlow("%s took %.2f s of CPU, then %.2f s again (bound %.1f s)"
                                  % (target, elapsed, second, DEADLINE_MS / 1000.0)))
    bound = MEMORY_FACTOR * input_size + MEMORY_ALLOWANCE
    if peak > bound and not _refused_by_allocator(exc if exc is not None else result):
        _fail(target, MemoryBoundExceeded("%s allocated %d bytes at its peak on an input of %d bytes (bound %d)"
                                          % (target, peak, input_size, bound)))
    return exc if exc is not None else result


def _refused_by_allocator(outcome, depth=0):
    """Whether ``outcome`` (an exception, or results holding exceptions) comes from a refused allocation.

    numpy reports an allocation to tracemalloc before it knows whether the allocation succeeded, and keeps
    the trace when it fails: a MemoryError (turned into ResourceExhaustedError by the session) therefore
    shows a phantom peak of the refused size. Nothing was allocated (the address-space cap ensures it).
    """
    if depth > 4:
        return False
    if isinstance(outcome, BaseException):
        seen = set()
        while outcome is not None and id(outcome) not in seen:
            seen.add(id(outcome))
            if isinstance(outcome, MemoryError) or "Unable to allocate" in str(outcome):
                return True
            outcome = outcome.__cause__ or outcome.__context__
        return False
    if isinstance(outcome, dict):
        outcome = list(outcome.values())
    if isinstance(outcome, (list, tuple)):
        return any(_refused_by_allocator(o, depth + 1) for o in outcome)
    return False


def _fail(target, exc):
    note = _known(target, exc)
    if note is None:
        raise exc
    FINDINGS["%s: %s" % (target, note)] += 1


TRACE = os.environ.get("TAGRAPH_FUZZ_TRACEMALLOC", "1") != "0"


def work_dir(prefix):
    """A temporary directory for a fuzz module, removed when the process exits (every xdist worker imports
    the module at collection, not only the one that runs its tests)."""
    import shutil
    import tempfile
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def _write_stats():
    directory = os.environ.get("TAGRAPH_FUZZ_STATS")
    if not directory or not CASES:
        return
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "cases-%d.json" % os.getpid())
    with open(path, "w") as f:
        json.dump({"cases": dict(CASES), "known_findings": dict(FINDINGS)}, f)


atexit.register(_write_stats)


# --------------------------------------------------------------------------------------- mutations

def mutate(data, ops):
    """Applies hypothesis-drawn mutations to ``data``: ``ops`` is a list of (kind, position, payload)."""
    buf = bytearray(data)
    for kind, pos, payload in ops:
        n = len(buf)
        at = pos % (n + 1) if n else 0
        if kind == "flip" and n:
            buf[at % n] ^= 1 << (payload[0] % 8 if payload else 0)
        elif kind == "set" and n:
            for i, b in enumerate(payload):
                if at + i < n:
                    buf[at + i] = b
        elif kind == "insert":
            buf[at:at] = payload
        elif kind == "delete":
            del buf[at:at + 1 + (payload[0] if payload else 0)]
        elif kind == "truncate":
            del buf[at:]
        elif kind == "duplicate" and n:
            buf[at:at] = buf[at:at + 1 + (payload[0] if payload else 0) * 4]
    return bytes(buf)


def mutations(st, max_ops=4):
    """A hypothesis strategy for :func:`mutate`'s ``ops``."""
    op = st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "duplicate"]),
                   st.integers(0, 1 << 20), st.binary(min_size=0, max_size=16))
    return st.lists(op, min_size=1, max_size=max_ops)
