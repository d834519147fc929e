"""The CuPy backend and the Numba CUDA kernels on a real GPU (skipped where there is none).

Run in its own process (``pytest gpu_tests``): numba.cuda cannot serve real hardware in a process
that has already loaded Numba's CUDA simulator for tests/.
"""

import numpy as np
import pytest

from tagraph.devices.gpu import real_gpu_count

if real_gpu_count() == 0:
    pytest.skip("no CUDA GPU: cupy not importable or no device", allow_module_level=True)

import cupy  # noqa: E402

from tagraph.devices import cuda_kernels, registry  # noqa: E402
from tagraph.devices.gpu import GPUBackend  # noqa: E402


@pytest.fixture(scope="module")
def gpu():
    return GPUBackend(0)


@pytest.fixture
def real_registry():
    registry._reset_for_tests(probe_real_gpus=True)
    yield
    registry._reset_for_tests()


def test_registry_lists_real_gpus(real_registry, monkeypatch):
    monkeypatch.setenv("TAGRAPH_SIMULATED_GPUS", "3")       # ignored when real GPUs exist
    registry._reset_for_tests(probe_real_gpus=True)
    listed = registry.list_devices()
    gpus = [d for d in listed if d.device_type == "GPU"]
    assert len(gpus) == cupy.cuda.runtime.getDeviceCount()
    assert gpus[0].name == "/job:localhost/replica:0/task:0/device:GPU:0"
    assert isinstance(gpus[0].backend, GPUBackend) and not gpus[0].is_simulated
    assert gpus[0].memory_limit > 0
    assert "compute capability" in gpus[0].physical_description
    assert registry.get_device("/gpu:0") is gpus[0]


def test_backend_interface(gpu):
    assert gpu.device_type == "GPU" and gpu.xp is cupy and gpu.index == 0
    assert gpu.memory_limit > 0
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    dev = gpu.upload(host)
    assert isinstance(dev, cupy.ndarray) and gpu.is_device_array(dev)
    assert not gpu.is_device_array(host)
    assert gpu.upload(dev) is dev
    back = gpu.download(dev)
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back, host)
    with gpu.device_context():
        total = gpu.xp.sum(dev)
    assert float(gpu.download(total)) == host.sum()
    gpu.synchronize()
    gpu.free_memory()


def test_cupy_refuses_implicit_conversion_as_the_simulator_does(gpu):
    dev = gpu.upload(np.ones(3, np.float32))
    with pytest.raises(TypeError):
        np.asarray(dev)
    with pytest.raises(TypeError):
        dev + np.ones(3, np.float32)


def reference_activation(v, activation):
    return {"none": v, "relu": np.maximum(v, 0), "relu6": np.clip(v, 0, 6),
            "sigmoid": 1 / (1 + np.exp(-v)), "tanh": np.tanh(v)}[activation]


def reference_softmax(x, log):
    shifted = x - x.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted - lse if log else np.exp(shifted - lse)


def tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", cuda_kernels.ACTIVATIONS)
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 4, 5), (1000, 333)])
def test_fused_bias_activation(gpu, dtype, activation, shape):
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    bias = rng.standard_normal(shape[-1]).astype(dtype)
    out = cuda_kernels.fused_bias_activation(gpu, gpu.upload(x), gpu.upload(bias), activation)
    assert isinstance(out, cupy.ndarray) and out.dtype == dtype and out.shape == x.shape
    np.testing.assert_allclose(gpu.download(out), reference_activation(x + bias, activation),
                               **tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape", [(6, 10), (3, 1), (2, 3, 9), (7,), (513, 1000), (4, 5000)])
def test_softmax(gpu, dtype, log, shape):
    rng = np.random.default_rng(sum(shape) + log)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    out = cuda_kernels.softmax(gpu, gpu.upload(x), log=log)
    assert isinstance(out, cupy.ndarray) and out.dtype == dtype and out.shape == x.shape
    np.testing.assert_allclose(gpu.download(out), reference_softmax(x.astype(np.float64), log),
                               **tolerance(dtype))


def test_kernels_on_non_contiguous_input_and_other_streams(gpu):
    x = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)
    with gpu.device_context(), cupy.cuda.Stream(non_blocking=True):
        dx = gpu.upload(x).T
        out = cuda_kernels.softmax(gpu, dx)
        biased = cuda_kernels.fused_bias_activation(gpu, dx, cupy.ones(64, np.float32), "relu")
        cupy.cuda.get_current_stream().synchronize()
    np.testing.assert_allclose(gpu.download(out), reference_softmax(x.T.astype(np.float64), False),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gpu.download(biased), np.maximum(x.T + 1, 0), rtol=1e-6)


def test_kernels_refuse_host_arrays(gpu):
    with pytest.raises(TypeError, match="upload it first"):
        cuda_kernels.softmax(gpu, np.ones((2, 3), np.float32))
