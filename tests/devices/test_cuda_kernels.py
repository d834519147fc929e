"""The Numba CUDA kernels, run on the simulated GPU under Numba's CUDA simulator, against numpy."""

import numpy as np
import pytest

from tagraph.devices import cuda_kernels
from tagraph.devices.simulated_gpu import (SimulatedDeviceArray, SimulatedGPUBackend,
                                           prepare_cuda_simulator)


@pytest.fixture(scope="module")
def gpu():
    if not prepare_cuda_simulator():
        pytest.skip("numba.cuda was already loaded for real hardware in this process, so Numba's "
                    "CUDA simulator cannot be enabled; run tests/devices in its own process")
    return SimulatedGPUBackend(0)


def reference_activation(v, activation):
    if activation == "relu":
        return np.maximum(v, 0)
    if activation == "relu6":
        return np.minimum(np.maximum(v, 0), 6)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-v))
    if activation == "tanh":
        return np.tanh(v)
    return v


def reference_softmax(x, log):
    shifted = x - x.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted - lse if log else np.exp(shifted - lse)


def tolerance(dtype):
    return dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", cuda_kernels.ACTIVATIONS)
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 4, 5)])       # 2-D and NHWC
def test_fused_bias_activation_matches_numpy(gpu, dtype, activation, shape):
    rng = np.random.default_rng(cuda_kernels.ACTIVATIONS.index(activation) * 100 + sum(shape))
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    bias = rng.standard_normal(shape[-1]).astype(dtype)
    out = cuda_kernels.fused_bias_activation(gpu, gpu.upload(x), gpu.upload(bias), activation)
    assert isinstance(out, SimulatedDeviceArray)
    assert out.shape == x.shape and out.dtype == dtype
    np.testing.assert_allclose(out.get(), reference_activation(x + bias, activation),
                               **tolerance(dtype))


def test_relu6_saturates(gpu):
    x = np.array([[-10.0, -0.5, 0.0, 3.0, 6.0, 7.5, 100.0]], np.float32)
    bias = np.zeros(7, np.float32)
    out = cuda_kernels.fused_bias_activation(gpu, gpu.upload(x), gpu.upload(bias), "relu6")
    np.testing.assert_array_equal(out.get(), [[0, 0, 0, 3, 6, 6, 6]])


def test_fused_bias_activation_non_contiguous_and_empty(gpu):
    x = np.arange(24, dtype=np.float32).reshape(4, 6) - 12
    bias = np.linspace(-1, 1, 4).astype(np.float32)
    xt = gpu.upload(x).T                                   # a non-contiguous view, shape (6, 4)
    out = cuda_kernels.fused_bias_activation(gpu, xt, gpu.upload(bias), "relu")
    np.testing.assert_allclose(out.get(), np.maximum(x.T + bias, 0))
    empty = gpu.upload(np.zeros((0, 4), np.float32))
    assert cuda_kernels.fused_bias_activation(gpu, empty, gpu.upload(bias), "tanh").shape == (0, 4)


def test_fused_bias_activation_leaves_inputs_alone(gpu):
    x = np.ones((2, 3), np.float32)
    dx = gpu.upload(x)
    cuda_kernels.fused_bias_activation(gpu, dx, gpu.upload(np.ones(3, np.float32)), "none")
    np.testing.assert_array_equal(dx.get(), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape", [(6, 10), (3, 1), (2, 3, 9), (7,), (80, 3)])
def test_softmax_matches_numpy(gpu, dtype, log, shape):
    rng = np.random.default_rng(sum(shape) + log)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    out = cuda_kernels.softmax(gpu, gpu.upload(x), log=log)
    assert isinstance(out, SimulatedDeviceArray) and out.shape == x.shape and out.dtype == dtype
    np.testing.assert_allclose(out.get(), reference_softmax(x.astype(np.float64), log),
                               **tolerance(dtype))


def test_softmax_is_stable_and_handles_infinities(gpu):
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -np.inf], [0.0, 0.0, 0.0]],
                 np.float32)
    out = cuda_kernels.softmax(gpu, gpu.upload(x)).get()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, reference_softmax(x.astype(np.float64), False), rtol=1e-6)
    assert out[1, 2] == 0
    log_out = cuda_kernels.softmax(gpu, gpu.upload(x), log=True).get()
    assert log_out[1, 2] == -np.inf
    np.testing.assert_allclose(log_out[0], reference_softmax(x[0].astype(np.float64), True),
                               rtol=1e-6)


def test_softmax_rows_sum_to_one(gpu):
    x = np.random.default_rng(1).standard_normal((4, 37)).astype(np.float32)  # > threads per row
    out = cuda_kernels.softmax(gpu, gpu.upload(x)).get()
    np.testing.assert_allclose(out.sum(axis=-1), 1, rtol=1e-6)


def test_softmax_empty(gpu):
    assert cuda_kernels.softmax(gpu, gpu.upload(np.zeros((0, 5), np.float32))).shape == (0, 5)
    assert cuda_kernels.softmax(gpu, gpu.upload(np.zeros((3, 0), np.float64))).shape == (3, 0)


def test_kernels_refuse_host_arrays_and_bad_arguments(gpu):
    x = np.ones((2, 3), np.float32)
    bias = np.ones(3, np.float32)
    with pytest.raises(TypeError, match="upload it first"):
        cuda_kernels.fused_bias_activation(gpu, x, gpu.upload(bias), "relu")
    with pytest.raises(TypeError, match="upload it first"):
        cuda_kernels.softmax(gpu, x)
    with pytest.raises(ValueError, match="activation"):
        cuda_kernels.fused_bias_activation(gpu, gpu.upload(x), gpu.upload(bias), "gelu")
    with pytest.raises(ValueError, match="last dimension"):
        cuda_kernels.fused_bias_activation(gpu, gpu.upload(x), gpu.upload(bias[:2]), "relu")
    with pytest.raises(TypeError, match="same dtype"):
        cuda_kernels.fused_bias_activation(gpu, gpu.upload(x), gpu.upload(bias.astype(np.float64)),
                                           "relu")
    with pytest.raises(TypeError, match="float32 or float64"):
        cuda_kernels.softmax(gpu, gpu.upload(np.ones((2, 3), np.int32)))
    with pytest.raises(ValueError, match="rank"):
        cuda_kernels.softmax(gpu, gpu.upload(np.float32(1)))
