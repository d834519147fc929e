"""tests/' device checks, unchanged, on a real GPU: the op reference tests and the placement tests.

Every test function of the modules below that takes the ``device`` or ``simulated_gpus`` fixture is
collected again here, as ``test_<module>__<test>``; this folder's conftest gives those fixtures real
GPUs. Their parametrized case tables come along with the functions, so a case added to tests/ runs
here too. Fixtures the modules define themselves are brought along.
"""
import importlib.util
import inspect
import pathlib
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parent.parent / "tests"
SOURCES = ("engine/ops/test_*.py", "engine/test_placement.py", "engine/test_transfers.py",
           "devices/test_placer.py", "engine/test_control_flow.py", "engine/train/test_towers.py")
DEVICE_FIXTURES = frozenset(["device", "simulated_gpus"])


def _is_fixture(obj):
    return type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")


def _uses_devices(fn):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return bool(DEVICE_FIXTURES & set(params))


def _load(path):
    # A test module may import a helper beside it (gradient_checks.py), as pytest's rootdir import allows.
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    name = "tagraph_gpu_tests.%s.%s" % (path.parent.name, path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _import_failure(path, error):
    def test(self=None):
        pytest.fail("could not import %s to run it on the GPU: %s: %s"
                    % (path.relative_to(TESTS.parent), type(error).__name__, error))
    return test


def _collect():
    found = {}
    paths = sorted({p for pattern in SOURCES for p in TESTS.glob(pattern)})
    for path in paths:
        prefix = path.stem[len("test_"):]
        try:
            module = _load(path)
        except Exception as e:  # noqa: BLE001 - reported as a failing test, not a collection crash
            found["test_%s__import" % prefix] = _import_failure(path, e)
            continue
        for name, obj in vars(module).items():
            if _is_fixture(obj) and name not in found and name not in DEVICE_FIXTURES:
                found[name] = obj
            elif name.startswith("test_") and inspect.isfunction(obj) and _uses_devices(obj):
                found["test_%s__%s" % (prefix, name[len("test_"):])] = obj
    return found


globals().update(_collect())
