"""The CPU's threads: how many the process may use, and how many the kernels and BLAS get.

One place decides it. The CPUs a process may use are its affinity mask, cut down to its cgroup's CPU
quota (a Kubernetes CPU limit): a container on a 64-core node with a limit of 2 CPUs sees 64 cores but
gets 2 CPUs' time, and 64 BLAS threads spinning on 2 CPUs' time run many times slower than 2.

``ConfigProto.intra_op_parallelism_threads`` (the threads one kernel may use: BLAS's, here) and
``inter_op_parallelism_threads`` (independent ops run at once; input pipelines' workers) mean what they
mean in TensorFlow; 0 is the process default, the usable CPUs. BLAS's threads are set through threadpoolctl,
which reaches the BLAS numpy loaded whatever it is (OpenBLAS, MKL, BLIS), after it loaded.

The pools are the process's, as TensorFlow's global pools are: a session created with explicit counts sets
them (the last such session wins); a session created with zeros leaves what is set.

When nothing set the intra-op count, it follows the machine's load (:func:`adapt`, called by each
Session.run, samples at most once a second): BLAS splits a product evenly over its threads, so with
another process busy on one of two CPUs the half on the shared CPU takes twice as long, and the threads
spinning while they wait slow the other process and this one further (an MLP at batch 256: 3.2x slower
with two BLAS threads, about 2x with one). The threads left to BLAS are the usable CPUs minus what other
processes use, at least one. Not inside a cgroup with a CPU quota, where /proc/stat shows the host.

    >>> settings = configure(intra_op=1)      # one BLAS thread from now on
    >>> settings.intra_op
    1
"""
import ctypes
import dataclasses
import functools
import logging
import math
import os
import threading
import time

__all__ = ["ThreadSettings", "usable_cpus", "cgroup_cpu_quota", "configure", "configure_from", "settings", "adapt",
           "blas_thread_setter"]

logger = logging.getLogger("tagraph.devices")

_CGROUP_ROOT = "/sys/fs/cgroup"


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _own_cgroup_dirs(root):
    """The folders of this process's cgroup under ``root`` (v2 unified path, and v1's cpu controller)."""
    text = _read("/proc/self/cgroup") or ""
    dirs = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        path = path.lstrip("/")
        if controllers == "":
            dirs.append(("v2", os.path.join(root, path)))
        elif "cpu" in controllers.split(","):
            dirs.append(("v1", os.path.join(root, "cpu", path)))
            dirs.append(("v1", os.path.join(root, "cpu,cpuacct", path)))
    # Inside a container the process's cgroup is usually the namespace's root.
    dirs += [("v2", root), ("v1", os.path.join(root, "cpu")), ("v1", os.path.join(root, "cpu,cpuacct"))]
    return dirs


def cgroup_cpu_quota(root=_CGROUP_ROOT):
    """The CPUs' worth of time this process's cgroup allows (a float, e.g. 1.5), or None if unlimited.

    cgroup v2: ``cpu.max`` holds "<quota> <period>" or "max <period>"; v1: ``cpu.cfs_quota_us`` (-1:
    unlimited) over ``cpu.cfs_period_us``.
    """
    for version, folder in _own_cgroup_dirs(root):
        if version == "v2":
            text = _read(os.path.join(folder, "cpu.max"))
            if text is None:
                continue
            fields = text.split()
            if len(fields) != 2 or fields[0] == "max":
                return None
            quota, period = fields
        else:
            quota = _read(os.path.join(folder, "cpu.cfs_quota_us"))
            period = _read(os.path.join(folder, "cpu.cfs_period_us"))
            if quota is None or period is None:
                continue
            if quota.startswith("-"):
                return None
        try:
            quota, period = int(quota), int(period)
        except ValueError:
            return None
        return quota / period if quota > 0 and period > 0 else None
    return None


def _affinity_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):        # not on Linux
        return os.cpu_count() or 1


def usable_cpus(affinity=None, quota=None):
    """The CPUs this process may actually use: its affinity mask, cut to its cgroup quota (rounded up: a
    quota of 1.5 CPUs keeps 2 threads busy half the time rather than 1 all of it). At least 1."""
    affinity = _affinity_cpus() if affinity is None else affinity
    quota = cgroup_cpu_quota() if quota is None else quota
    n = affinity
    if quota:
        n = min(n, math.ceil(quota))
    return max(1, int(n))


@dataclasses.dataclass(frozen=True)
class ThreadSettings:
    """The process's thread counts: ``intra_op`` (threads inside one kernel: BLAS), ``inter_op`` (ops or
    pipeline elements worked on at once) and the ``usable`` CPUs they were chosen from; ``explicit``: the
    intra-op count was asked for (it then never follows the load)."""

    intra_op: int
    inter_op: int
    usable: int
    explicit: bool = False


_lock = threading.Lock()
_current = None


def _blas_limit(n):
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:          # threadpoolctl is a core dependency; an odd install still runs
        logger.warning("threadpoolctl is not installed: BLAS keeps its own thread count")
        return
    # Not used as a context manager: the limit holds for the process until set again.
    ThreadpoolController().limit(limits=n, user_api="blas")


def configure(intra_op=0, inter_op=0, usable=None):
    """Sets the process's thread counts (0: the usable CPUs) and BLAS's threads; returns the settings."""
    global _current
    for name, value in (("intra_op_parallelism_threads", intra_op), ("inter_op_parallelism_threads", inter_op)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError("%s must be a non-negative integer, got %r" % (name, value))
    usable = usable_cpus() if usable is None else usable
    new = ThreadSettings(intra_op or usable, inter_op or usable, usable, bool(intra_op))
    with _lock:
        if new != _current:
            # Only the intra-op count reaches BLAS; setting it costs a few hundred microseconds.
            if _current is None or new.intra_op != _current.intra_op or _load.blas != new.intra_op:
                _blas_limit(new.intra_op)
                _load.blas = new.intra_op
            _current = new
            logger.debug("CPU threads: %d intra-op (BLAS), %d inter-op, of %d usable CPUs",
                         new.intra_op, new.inter_op, usable)
    return new


def configure_from(config):
    """Applies a session's ``ConfigProto`` (or None): explicit counts set the process's pools; zeros
    leave them, setting the defaults the first time."""
    intra = int(getattr(config, "intra_op_parallelism_threads", 0) or 0)
    inter = int(getattr(config, "inter_op_parallelism_threads", 0) or 0)
    if intra < 0 or inter < 0:
        # TensorFlow's meaning of a negative count (run ops in the caller's thread) is what tagraph's
        # sequential runner does anyway; BLAS keeps one thread per usable CPU.
        intra, inter = max(intra, 0), max(inter, 0)
    current = _current
    if current is not None and not intra and not inter:
        return current
    if current is not None:
        intra = intra or (current.intra_op if current.explicit else 0)
        inter = inter or current.inter_op
    return configure(intra, inter)


def settings():
    """The process's thread settings (the defaults, set now, if nothing set them yet)."""
    return _current or configure()


class _LoadState:
    """What :func:`adapt` last saw: the time, /proc/stat's busy and total ticks, this process's CPU time,
    the threads that sample asked for, and the BLAS threads in force."""

    def __init__(self):
        self.next_sample = 0.0
        self.sample = None
        self.target = None
        self.blas = None


_load = _LoadState()
_SAMPLE_EVERY = 1.0          # seconds
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_ticks(stat_path="/proc/stat"):
    """(busy, total) CPU ticks of the whole machine, or None where /proc/stat cannot be read."""
    text = _read(stat_path)
    if not text or not text.startswith("cpu "):
        return None
    fields = [int(v) for v in text.split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def blas_threads_for_load(usable, others, limit):
    """The BLAS threads to use when other processes keep ``others`` CPUs busy: the CPUs they leave, counting
    one they use less than three quarters of as free (bursts of other work share a CPU well enough), 1 to
    ``limit``."""
    return max(1, min(limit, usable - int(others + 0.25)))


def adapt(now=None, machine_ticks=_machine_ticks, own_seconds=time.process_time):
    """Follows the machine's load with BLAS's threads, where the intra-op count was not asked for. Cheap
    between samples (a clock read); returns the BLAS threads now in force."""
    now = time.monotonic() if now is None else now
    if now < _load.next_sample:
        return _load.blas
    _load.next_sample = now + _SAMPLE_EVERY
    current = _current
    if current is None or current.explicit or current.usable < 2 or cgroup_cpu_quota() is not None:
        return _load.blas
    ticks = machine_ticks()
    if ticks is None:
        return _load.blas
    sample = (now, ticks[0], ticks[1], own_seconds())
    previous, _load.sample = _load.sample, sample
    if previous is None or sample[2] <= previous[2]:
        return _load.blas
    elapsed = sample[0] - previous[0]
    busy = (sample[1] - previous[1]) / _CLOCK_TICKS
    own = sample[3] - previous[3]
    others = max(0.0, busy - own) / max(elapsed, 1e-3)
    target = blas_threads_for_load(current.usable, others, current.intra_op)
    previous_target, _load.target = _load.target, target
    if _load.blas is not None and target < _load.blas and (previous_target is None or previous_target > target):
        return _load.blas       # fewer threads only when two samples in a row (over a second apart) ask for it
    if target != _load.blas:
        with _lock:
            _blas_limit(target)
            logger.debug("BLAS threads: %d (other processes busy on %.1f of %d CPUs)", target, others,
                         current.usable)
            _load.blas = target
    return target


# OpenBLAS's (0.3.27 and later) "local" setter; the scipy-openblas builds numpy ships keep this one symbol
# unprefixed. Measured: it sets the count every thread's calls read, not the calling thread's alone.
_LOCAL_SETTERS = ("openblas_set_num_threads_local", "scipy_openblas_set_num_threads_local64_",
                  "scipy_openblas_set_num_threads_local")


@functools.lru_cache(maxsize=None)
def blas_thread_setter():
    """A function ``set(n) -> previous`` setting OpenBLAS's thread count for the calls that follow, in every
    thread (the count is the process's, whatever the symbol's name says), cheaper than threadpoolctl; None
    where the BLAS numpy loaded has no such call (MKL, BLIS, an old OpenBLAS). Kernels that split their work
    over threads use it (through host_threads) so that each piece runs single-threaded."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for info in threadpool_info():
        if info.get("internal_api") != "openblas":
            continue
        try:
            lib = ctypes.CDLL(info["filepath"])
        except OSError:
            continue
        for symbol in _LOCAL_SETTERS:
            setter = getattr(lib, symbol, None)
            if setter is not None:
                setter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                return setter
    return None
