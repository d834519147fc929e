"""The device registry: CPU:0 plus TAGRAPH_SIMULATED_GPUS simulated GPUs (real GPUs ignored here)."""

import numpy as np
import pytest

import tagraph.devices as devices
from tagraph.devices import registry
from tagraph.devices.cpu import CPUBackend
from tagraph.devices.simulated_gpu import SimulatedGPUBackend, sim_xp

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


@pytest.fixture
def simulated(monkeypatch):
    """Sets TAGRAPH_SIMULATED_GPUS and re-reads it, ignoring any real GPU; restores afterwards."""
    def use(count):
        if count is None:
            monkeypatch.delenv("TAGRAPH_SIMULATED_GPUS", raising=False)
        else:
            monkeypatch.setenv("TAGRAPH_SIMULATED_GPUS", str(count))
        registry._reset_for_tests(probe_real_gpus=False)
    yield use
    registry._reset_for_tests(probe_real_gpus=False)


def test_two_simulated_gpus(simulated):
    simulated(2)
    listed = devices.list_devices()
    assert [d.name for d in listed] == [CPU0, GPU0, GPU1]
    assert [(d.device_type, d.index) for d in listed] == [("CPU", 0), ("GPU", 0), ("GPU", 1)]
    cpu, gpu0, gpu1 = listed
    assert isinstance(cpu.backend, CPUBackend) and cpu.backend.xp is np and not cpu.is_simulated
    assert isinstance(gpu0.backend, SimulatedGPUBackend) and gpu0.backend.xp is sim_xp
    assert gpu0.is_simulated and gpu1.backend.index == 1 and gpu0.backend is not gpu1.backend
    assert "simulated GPU (Numba CUDA simulator)" in gpu0.physical_description
    assert gpu0.memory_limit is None
    assert cpu.memory_limit is None or cpu.memory_limit > 0
    assert gpu1.spec == devices.DeviceSpec.from_string(GPU1)
    assert devices.gpu_available()


@pytest.mark.parametrize("count", [None, 0])
def test_no_gpus(simulated, count):
    simulated(count)
    assert [d.name for d in devices.list_devices()] == [CPU0]
    assert not devices.gpu_available()


def test_list_is_cached_until_reset(simulated, monkeypatch):
    simulated(1)
    first = devices.list_devices()
    monkeypatch.setenv("TAGRAPH_SIMULATED_GPUS", "3")
    assert devices.list_devices() == first
    assert devices.list_devices()[1].backend is first[1].backend
    registry._reset_for_tests(probe_real_gpus=False)
    assert len(devices.list_devices()) == 4


def test_bad_environment_value(simulated):
    with pytest.raises(ValueError, match="TAGRAPH_SIMULATED_GPUS"):
        simulated("lots")
        devices.list_devices()


@pytest.mark.parametrize("name, expected", [
    ("/gpu:1", GPU1), ("/GPU:0", GPU0), ("GPU:1", GPU1), ("/device:GPU:0", GPU0),
    ("/device:gpu:1", GPU1), (GPU1, GPU1), ("/job:localhost/gpu:0", GPU0), ("/cpu:0", CPU0),
    ("/job:localhost/replica:0/task:0/device:CPU:0", CPU0),
])
def test_get_device(simulated, name, expected):
    simulated(2)
    assert devices.get_device(name).name == expected
    assert devices.get_device(devices.DeviceSpec.from_string(name)).name == expected


def test_get_device_accepts_device_info(simulated):
    simulated(1)
    info = devices.list_devices()[1]
    assert devices.get_device(info) is info


@pytest.mark.parametrize("name, message", [
    ("/gpu:2", "No device matches"),
    ("/device:TPU:0", "No device matches"),
    ("/job:worker/gpu:0", "No device matches"),
    ("/replica:1/cpu:0", "No device matches"),
    ("/gpu:*", "does not name a single device"),
    ("/job:localhost", "does not name a single device"),
    ("", "does not name a single device"),
    ("/gpu:zero", "Invalid device specification"),
])
def test_get_device_errors(simulated, name, message):
    simulated(2)
    with pytest.raises(ValueError, match=message) as info:
        devices.get_device(name)
    if "Invalid" not in message:
        assert GPU1 in str(info.value)          # the message lists what there is


def test_find_devices(simulated):
    simulated(2)
    assert [d.name for d in devices.find_devices("/gpu:*")] == [GPU0, GPU1]
    assert [d.name for d in devices.find_devices("/device:CPU:*")] == [CPU0]
    assert [d.name for d in devices.find_devices("/job:localhost")] == [CPU0, GPU0, GPU1]
    assert [d.name for d in devices.find_devices(None)] == [CPU0, GPU0, GPU1]
    assert devices.find_devices("/job:ps") == []


def test_simulated_gpu_round_trip_through_registry(simulated):
    simulated(1)
    gpu = devices.get_device("/gpu:0").backend
    x = gpu.upload(np.arange(6.0).reshape(2, 3))
    y = gpu.xp.tanh(x) * 2
    np.testing.assert_allclose(gpu.download(y), np.tanh(np.arange(6.0).reshape(2, 3)) * 2)


def test_package_exports():
    for name in ("DeviceSpec", "list_devices", "get_device", "gpu_available", "register_kernel",
                 "get_kernel", "KernelContext", "canonical_device_name", "find_devices"):
        assert hasattr(devices, name), name


def test_importing_the_package_is_cheap():
    import os
    import subprocess
    import sys
    code = ("import sys, tagraph.devices as d; loaded = set(sys.modules); d.list_devices(); "
            "print(sorted(m for m in loaded if m.startswith(('numba', 'cupy'))), "
            "'numba.cuda' in sys.modules)")
    env = dict(os.environ, TAGRAPH_SIMULATED_GPUS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.split() == ["[]", "False"], out.stdout + out.stderr
