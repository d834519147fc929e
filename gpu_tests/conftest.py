"""gpu_tests/: tests/' device checks on a real GPU through CuPy (and Numba CUDA on hardware).

    pytest gpu_tests            # in its own process, on a machine with a CUDA GPU and CuPy

Everything here is skipped, with the reason, where no GPU can be used: CuPy missing, no CUDA device, or
this process already runs Numba's CUDA simulator (``tests/`` collected in the same run, or
``NUMBA_ENABLE_CUDASIM=1``): one process cannot drive both.

The fixtures have the names tests/ uses, so its test functions run here unchanged:

- ``device``: ``"/device:GPU:0"`` only (tests/ already covers the CPU), the registry seeing real GPUs;
- ``simulated_gpus(n)``: n real GPUs (the test is skipped where the machine has fewer), or the CPU
  alone for n = 0.
"""
import os
import pathlib

import pytest

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"


def _gpu_count():
    from tagraph.devices.gpu import real_gpu_count
    return real_gpu_count()


def _why_no_gpu():
    try:
        import cupy  # noqa: F401
    except Exception as e:  # ImportError, or a CuPy built for another CUDA
        return "no GPU to test on: CuPy is not importable (%s: %s)" % (type(e).__name__, e)
    if _gpu_count() == 0:
        return "no GPU to test on: CuPy finds no CUDA device (no driver, or no device visible)"
    return None


SKIP_REASON = _why_no_gpu()


def pytest_collection_modifyitems(config, items):
    reason = SKIP_REASON
    mixed = any(HERE not in pathlib.Path(str(item.path)).resolve().parents for item in items)
    if reason is None and (mixed or os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"):
        reason = ("gpu_tests must run in their own process ('pytest gpu_tests'): this one runs Numba's CUDA "
                  "simulator for tests/ (or NUMBA_ENABLE_CUDASIM=1 is set), and numba.cuda cannot serve "
                  "both the simulator and real hardware")
    if reason is None:
        return
    marker = pytest.mark.skip(reason=reason)
    for item in items:
        if HERE in pathlib.Path(str(item.path)).resolve().parents:
            item.add_marker(marker)


def _use_real_gpus(monkeypatch, n):
    """The registry lists the CPU and the first ``n`` real GPUs (skips when there are fewer)."""
    from tagraph.devices import gpu, registry
    monkeypatch.delenv("TAGRAPH_SIMULATED_GPUS", raising=False)
    have = _gpu_count()
    if have < n:
        pytest.skip("needs %d GPUs; this machine has %d" % (n, have))
    monkeypatch.setattr(gpu, "real_gpu_count", lambda: min(n, have))
    registry._reset_for_tests(probe_real_gpus=n > 0)


def _restore():
    from tagraph.devices import registry
    registry._reset_for_tests(probe_real_gpus=True)


@pytest.fixture
def tf_data():
    return TESTS / "data" / "tf"


@pytest.fixture(params=["GPU"])
def device(request, monkeypatch):
    """The device string tests/' op reference tests build under: the real GPU:0 here."""
    _use_real_gpus(monkeypatch, 1)
    yield "/device:GPU:0"
    monkeypatch.undo()
    _restore()


@pytest.fixture
def simulated_gpus(monkeypatch):
    """tests/' fixture on hardware: ``make(n)`` gives n real GPUs (0: the CPU alone)."""
    yield lambda n: _use_real_gpus(monkeypatch, n)
    monkeypatch.undo()
    _restore()


@pytest.fixture
def real_gpus(monkeypatch):
    """Like ``simulated_gpus``, named for the tests written for this folder."""
    yield lambda n: _use_real_gpus(monkeypatch, n)
    monkeypatch.undo()
    _restore()
