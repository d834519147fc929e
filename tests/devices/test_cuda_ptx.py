"""Every Numba CUDA kernel of devices/cuda_kernels.py compiles to PTX for sm_80 and sm_90, without a GPU.

Numba's CUDA simulator (what tests/ runs the kernels on) executes a kernel as plain Python, so a kernel
that the CUDA target cannot type (a shared array of non-constant shape, a kernel returning a value)
still passes there and only fails on the first real GPU. Here each kernel variant the GPU backend builds goes through ``numba.cuda.compile_ptx``
(Numba's CUDA typing and lowering, then NVVM), for each compute capability of ``CCS``.

How the kernels are found, without repeating their source or their variant tables:

* the public entry points (``fused_bias_activation``, ``softmax``) are called with a host-memory
  stand-in for a real-GPU backend, over every activation, both softmax kinds, every supported dtype
  and a sweep of row lengths (the launch's thread count, a variant, depends on it);
* every ``functools.lru_cache``'d factory of the module that makes CUDA kernels (``cuda.jit`` in its
  source) is wrapped to record what it built and from which arguments (a factory the calls never
  reach fails the enumeration test);
* ``_Launcher.launch`` is replaced by a recorder, so each kernel's argument types are those it would
  be launched with (``numba.typeof`` of the same buffers), and nothing runs.

That needs the real ``numba.cuda``, which this process cannot have (tests/conftest.py turned on the
simulator), so it runs once in a child Python -- this file run as a script -- whose JSON answer the
tests read; under pytest-xdist the workers share one child's answer.

PTX compilation needs NVRTC and NVVM (the ``nvidia-cuda-nvrtc`` and ``nvidia-nvvm`` wheels, in the
``test`` extra). Where they cannot be found, the compile tests are skipped, saying so; the enumeration
test and the simulator check still run.
"""
import fcntl
import itertools
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

CCS = ((8, 0), (9, 0))
CHILD_TIMEOUT_S = 600
# Row lengths for softmax: powers of two and their neighbours, so a thread-count threshold anywhere
# up to 16384 columns is crossed.
COLUMN_COUNTS = sorted({n + d for k in range(15) for n in (2 ** k,) for d in (-1, 0, 1) if n + d > 0})

# ``numba.cuda`` for the kernels of this file: the simulator in the pytest process, the real CUDA
# target in the child. A module global, as the simulator expects (it swaps such globals at launch).
cuda = None


# --- Kernels the CUDA target must reject (and the simulator runs): proof that the harness can fail. ---

def ill_typed_shared_array_shape(x, n):
    buf = cuda.shared.array(n, np.float32)   # a shared array's shape must be a compile-time constant
    buf[0] = x[0]
    x[0] = buf[0] + np.float32(1)


def ill_typed_returns_a_value(x, n):
    x[0] = np.float32(n)
    return x[0] * n                          # a kernel returns nothing


ILL_TYPED = (ill_typed_shared_array_shape, ill_typed_returns_a_value)
ILL_TYPED_SIGNATURE = "void(float32[::1], int64)"


# --- The child: enumerate, compile, answer in JSON. ---

class _HostBackend:
    """Stands in for ``GPUBackend`` (``is_simulated`` False) with numpy arrays; nothing is launched."""

    is_simulated = False
    name = "GPU:0 (host stand-in for PTX compilation)"
    xp = np

    def is_device_array(self, arr):
        return isinstance(arr, np.ndarray)

    def device_context(self):
        import contextlib
        return contextlib.nullcontext()


def _json_value(v):
    return v if isinstance(v, (bool, int, float, str)) or v is None else repr(v)


def _builds_cuda_kernels(obj):
    """Whether ``obj`` is a cached kernel factory that makes Numba CUDA kernels (``cuda.jit`` inside)."""
    import inspect
    fn = getattr(obj, "__wrapped__", None)
    if not (callable(obj) and hasattr(obj, "cache_info") and inspect.isfunction(fn)):
        return False
    try:
        return "cuda.jit" in inspect.getsource(fn)
    except (OSError, TypeError):
        return False


def enumerate_kernels():
    """({"factory", "args", "kernel", "signature"} per kernel variant and launch signature, problems)."""
    import numba
    from tagraph.devices import cuda_kernels as ck

    factories = {name: f for name, f in vars(ck).items() if _builds_cuda_kernels(f)}
    built = {}      # id(kernel) -> (factory name, args)
    launched = {}   # (id(kernel), signature) -> (kernel, signature)

    def recording(name, factory):
        def build(*args, **kwargs):
            kernel = factory(*args, **kwargs)
            built[id(kernel)] = (name, list(args) + sorted(kwargs.items()), kernel)
            return kernel
        return build

    def launch(self, kernel, blocks, threads, *args):
        signature = tuple(numba.typeof(a) for a in args)
        launched.setdefault((id(kernel), signature), (kernel, signature))

    saved_launch = ck._Launcher.launch
    try:
        for name, factory in factories.items():
            setattr(ck, name, recording(name, factory))
        ck._Launcher.launch = launch
        backend = _HostBackend()
        for dtype in ck.SUPPORTED_DTYPES:
            x = np.ones((3, 4), dtype)
            for activation in ck.ACTIVATIONS:
                ck.fused_bias_activation(backend, x, np.ones(4, dtype), activation)
            for log in (False, True):
                for cols in COLUMN_COUNTS:
                    ck.softmax(backend, np.ones((2, cols), dtype), log=log)
    finally:
        ck._Launcher.launch = saved_launch
        for name, factory in factories.items():
            setattr(ck, name, factory)

    variants = []
    for kernel, signature in launched.values():
        name, args, _ = built.get(id(kernel), ("(not from a factory)", [], None))
        variants.append({"factory": name, "args": args, "kernel": kernel, "signature": signature})
    problems = []
    used = {name for name, _, _ in built.values()}
    problems += ["factory %s built no kernel: enumerate_kernels() in %s does not reach it; add the "
                 "calls that do" % (name, pathlib.Path(__file__).name) for name in sorted(set(factories) - used)]
    launched_ids = {id(k) for k, _ in launched.values()}
    problems += ["%s%r built a kernel that was never launched" % (name, tuple(args))
                 for kid, (name, args, _) in built.items() if kid not in launched_ids]
    variants.sort(key=lambda v: (v["factory"], repr(v["args"]), str(v["signature"])))
    return variants, problems


def _compile(cuda_module, pyfunc, signature, cc):
    try:
        ptx, _ = cuda_module.compile_ptx(pyfunc, signature, cc=cc)
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
        lines = str(e).strip().splitlines()
        return {"ok": False, "error_type": type(e).__name__,
                "error": "\n".join(lines[:25] + (["... (%d more lines)" % (len(lines) - 25)]
                                                 if len(lines) > 25 else []))}
    targets = [line.split()[1] for line in ptx.splitlines() if line.startswith(".target")]
    return {"ok": True, "target": targets[0] if targets else None, "ptx_chars": len(ptx)}


def _toolkit_missing(cuda_module):
    """Why NVRTC/NVVM cannot be used here, or None: a trivial kernel is compiled to find out."""
    def trivial(x):
        x[0] = 1.0
    try:
        cuda_module.compile_ptx(trivial, "void(float32[::1])", cc=CCS[0])
    except Exception as e:  # noqa: BLE001 - classified below
        text = "%s: %s" % (type(e).__name__, e)
        missing = (type(e).__name__ in ("DynamicLibNotFoundError", "NvvmSupportError", "NvrtcSupportError")
                   or (isinstance(e, (ImportError, OSError))
                       and any(w in text.lower() for w in ("nvvm", "nvrtc", "libdevice"))))
        if missing:
            return text.strip().splitlines()[0]
        raise
    return None


def child_main(out_path):
    global cuda
    started = time.perf_counter()
    from numba import cuda as cuda_module
    from tagraph.devices.simulated_gpu import _is_simulator
    if _is_simulator(cuda_module):
        raise SystemExit("the child got Numba's CUDA simulator; NUMBA_ENABLE_CUDASIM must be unset")
    cuda = cuda_module
    try:
        from importlib.metadata import version
        numba_cuda_version = version("numba-cuda")
    except Exception:  # noqa: BLE001 - only reported
        numba_cuda_version = "?"
    answer = {"numba_cuda": numba_cuda_version, "toolkit_missing": None,
              "ccs": ["%d.%d" % cc for cc in CCS]}
    variants, answer["problems"] = enumerate_kernels()
    answer["toolkit_missing"] = _toolkit_missing(cuda_module)
    for v in variants:
        v["ptx"] = {}
        if answer["toolkit_missing"] is None:
            for cc in CCS:
                v["ptx"]["%d.%d" % cc] = _compile(cuda_module, v["kernel"].py_func, v["signature"], cc)
        del v["kernel"]
        v["args"] = [_json_value(a) for a in v["args"]]
        v["signature"] = "(%s)" % ", ".join(map(str, v["signature"]))
    answer["variants"] = variants
    answer["ill_typed"] = {}
    if answer["toolkit_missing"] is None:
        for fn in ILL_TYPED:
            answer["ill_typed"][fn.__name__] = {"%d.%d" % cc: _compile(cuda_module, fn, ILL_TYPED_SIGNATURE, cc)
                                                for cc in CCS}
    answer["seconds"] = round(time.perf_counter() - started, 2)
    pathlib.Path(out_path).write_text(json.dumps(answer, indent=1))


# --- The tests (pytest process, simulator on). ---

def _child_answer(path):
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", str(path)], env=env,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError("the PTX compilation child failed (exit %d):\n%s%s"
                           % (proc.returncode, proc.stdout[-4000:], proc.stderr[-8000:]))
    return json.loads(path.read_text())


def _shared_dir(tmp_path_factory):
    # Under xdist each worker's basetemp sits in one folder per run, shared by the workers.
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="module")
def answer(tmp_path_factory):
    folder = _shared_dir(tmp_path_factory)
    path = folder / "cuda_ptx_answer.json"
    with open(folder / "cuda_ptx_answer.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                tmp = folder / ("cuda_ptx_answer.%d.json" % os.getpid())
                _child_answer(tmp)
                tmp.replace(path)
            return json.loads(path.read_text())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _need_toolkit(answer):
    if answer["toolkit_missing"]:
        pytest.skip("PTX compilation needs NVRTC and NVVM, not found here (install the test extra: "
                    "nvidia-cuda-nvrtc, nvidia-nvvm): %s" % answer["toolkit_missing"])


def test_enumeration_reaches_every_kernel_variant(answer):
    from tagraph.devices import cuda_kernels as ck
    assert not answer["problems"], "\n".join(answer["problems"])
    by_factory = {}
    for v in answer["variants"]:
        by_factory.setdefault(v["factory"], set()).add(tuple(v["args"]))
    assert "(not from a factory)" not in by_factory, by_factory.get("(not from a factory)")
    dtypes = {d.name for d in ck.SUPPORTED_DTYPES}
    # Every variant the backend builds for real GPUs (simulated=False), and all their combinations.
    assert {(a, d) for s, a, d in by_factory["_bias_activation_kernel"]} == set(
        itertools.product(ck.ACTIVATIONS, dtypes))
    softmax = by_factory["_softmax_kernel"]
    thread_counts = {t for _, _, _, t in softmax}
    assert len(thread_counts) > 1, thread_counts
    assert {args[1:] for args in softmax} == set(itertools.product((False, True), dtypes, thread_counts))
    for name, args in by_factory.items():
        assert all(a[0] is False for a in args), (name, "a simulated variant was enumerated")
        columns = [sorted({a[i] for a in args}, key=repr) for i in range(len(next(iter(args))))]
        assert len(args) == len(set(itertools.product(*columns))), (name, "not every combination")


@pytest.mark.parametrize("cc", CCS, ids=["sm_%d%d" % cc for cc in CCS])
def test_every_kernel_variant_compiles_to_ptx(answer, cc):
    _need_toolkit(answer)
    key = "%d.%d" % cc
    assert answer["variants"]
    failures = []
    for v in answer["variants"]:
        r = v["ptx"][key]
        if not r["ok"]:
            failures.append("%s%s for %s: %s: %s" % (v["factory"], tuple(v["args"]), v["signature"],
                                                    r["error_type"], r["error"]))
        else:
            assert r["target"] == "sm_%d%d" % cc, r
    assert not failures, ("%d of %d kernel variants do not compile for sm_%d%d:\n\n"
                          % (len(failures), len(answer["variants"]), cc[0], cc[1])) + "\n\n".join(failures)


@pytest.mark.parametrize("cc", CCS, ids=["sm_%d%d" % cc for cc in CCS])
@pytest.mark.parametrize("kernel", [f.__name__ for f in ILL_TYPED])
def test_an_ill_typed_kernel_fails_to_compile(answer, kernel, cc):
    _need_toolkit(answer)
    r = answer["ill_typed"][kernel]["%d.%d" % cc]
    assert not r["ok"], "%s compiled to PTX; the harness cannot catch typing errors" % kernel
    assert r["error_type"] == "TypingError", r


@pytest.mark.parametrize("fn", ILL_TYPED, ids=[f.__name__ for f in ILL_TYPED])
def test_the_simulator_runs_the_ill_typed_kernels(fn):
    """Why this file exists: the simulator, which tests/ uses, lets these kernels through."""
    global cuda
    from tagraph.devices.simulated_gpu import numba_cuda
    try:
        cuda = numba_cuda()
    except RuntimeError as e:
        pytest.skip(str(e))
    x = np.zeros(4, np.float32)
    cuda.jit(fn)[1, 1](x, 3)
    assert x[0] != 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["--child"] or len(sys.argv) != 3:
        raise SystemExit("usage: python %s --child OUT.json   (the tests run this themselves)" % sys.argv[0])
    child_main(sys.argv[2])
