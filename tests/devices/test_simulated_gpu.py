"""The simulated GPU's arrays refuse implicit host conversion as CuPy's do; sim_xp matches numpy."""

import copy
import pickle

import numpy as np
import pytest

from tagraph.devices.simulated_gpu import (SimulatedDeviceArray, SimulatedGPUBackend, sim_xp,
                                           simulated_device_count)

CUPY_MESSAGE = ("Implicit conversion to a NumPy array is not allowed. "
                "Please use `.get()` to construct a NumPy array explicitly.")


@pytest.fixture
def host():
    return np.arange(12, dtype=np.float32).reshape(3, 4) - 5


@pytest.fixture
def dev(host):
    return sim_xp.asarray(host)


# -- refusals -------------------------------------------------------------------------------------

def test_not_an_ndarray(dev):
    assert not isinstance(dev, np.ndarray)
    assert isinstance(dev, sim_xp.ndarray)


@pytest.mark.parametrize("convert", [
    np.asarray, np.array, np.ascontiguousarray, lambda a: np.array([a, a]),
    lambda a: np.asarray(a, dtype=np.float64),
])
def test_numpy_conversion_refused_with_cupys_message(dev, convert):
    with pytest.raises(TypeError) as info:
        convert(dev)
    assert CUPY_MESSAGE in str(info.value)


@pytest.mark.parametrize("call", [
    lambda a: np.add(a, 1),
    lambda a: np.exp(a),
    lambda a: np.maximum(a, 0),
    lambda a: np.sum(a),
    lambda a: np.concatenate([a, a]),
    lambda a: np.reshape(a, (4, 3)),
    lambda a: np.matmul(a, a.T),
    lambda a: np.add.reduce(a),
])
def test_numpy_functions_refuse_device_arrays(dev, call):
    with pytest.raises(TypeError):
        call(dev)


@pytest.mark.parametrize("op", [
    lambda a, h: a + h, lambda a, h: h + a, lambda a, h: a * h, lambda a, h: h - a,
    lambda a, h: a @ h.T, lambda a, h: a == h, lambda a, h: h < a,
    lambda a, h: sim_xp.add(a, h), lambda a, h: sim_xp.add(h, 1),
    lambda a, h: sim_xp.concatenate([a, h]), lambda a, h: sim_xp.where(a > 0, h, a),
    lambda a, h: sim_xp.matmul(h, a.T), lambda a, h: sim_xp.maximum.reduce(h),
])
def test_host_arrays_refused_where_cupy_refuses_them(dev, host, op):
    with pytest.raises(TypeError, match="upload it first"):
        op(dev, host)


def test_inplace_with_host_array_refused(dev, host):
    with pytest.raises(TypeError):
        dev += host


def test_scalar_conversions_like_cupy(dev):
    with pytest.raises(TypeError):
        float(dev)
    with pytest.raises(TypeError):
        int(dev)
    with pytest.raises(ValueError):
        bool(dev)
    one = dev[1, 2]
    assert isinstance(one, SimulatedDeviceArray) and one.shape == ()
    assert float(one) == 1.0 and int(one) == 1 and bool(one) is True
    assert one.item() == 1.0 and isinstance(one.item(), float)
    assert float(sim_xp.sum(dev)) == float(np.arange(12).sum() - 60)
    assert [0, 1, 2][sim_xp.asarray(np.int64(2))] == 2          # __index__ on 0-d integers
    assert f"{one:.2f}" == "1.00"


def test_get_is_an_explicit_copy(dev, host):
    out = dev.get()
    assert type(out) is np.ndarray and out.dtype == np.float32
    np.testing.assert_array_equal(out, host)
    out[0, 0] = 99
    assert float(dev[0, 0]) == -5        # the device array did not change
    buf = np.empty_like(host)
    assert dev.get(out=buf) is buf
    np.testing.assert_array_equal(buf, host)


def test_asarray_uploads_a_copy(host):
    dev = sim_xp.asarray(host)
    host[0, 0] = 100
    assert float(dev[0, 0]) == -5
    assert sim_xp.asarray(dev) is dev
    assert sim_xp.asarray(dev, dtype=np.float64).dtype == np.float64
    assert sim_xp.asarray([[1, 2], [3, 4]]).shape == (2, 2)
    assert sim_xp.array(dev) is not dev
    np.testing.assert_array_equal(sim_xp.array([dev[0], dev[1]]).get(), dev.get()[:2])


def test_set_copies_host_data_in(dev, host):
    dev.set(host * 2)
    np.testing.assert_array_equal(dev.get(), host * 2)
    with pytest.raises(ValueError):
        dev.set(np.zeros((2, 2), np.float32))
    with pytest.raises(TypeError):
        dev.set(np.zeros((3, 4), np.float64))


# -- array behaviour ------------------------------------------------------------------------------

def test_attributes(dev, host):
    assert dev.shape == (3, 4) and dev.ndim == 2 and dev.size == 12 and len(dev) == 3
    assert dev.dtype == np.float32 and dev.nbytes == host.nbytes and dev.itemsize == 4
    assert dev.strides == host.strides
    assert isinstance(dev.T, SimulatedDeviceArray) and dev.T.shape == (4, 3)


def test_real_and_imaginary_parts_read_and_write_in_place_as_on_cupy():
    z = sim_xp.asarray(np.complex64([1 + 2j, -3 - 4j]))
    assert isinstance(z.real, SimulatedDeviceArray) and z.real.get().tolist() == [1, -3]
    z.real = sim_xp.asarray(np.float32([5, 6]))
    z.imag = sim_xp.maximum(z.imag, sim_xp.asarray(np.float32(0)))
    np.testing.assert_array_equal(z.get(), np.complex64([5 + 2j, 6 + 0j]))


def test_indexing_wraps_and_views_share_memory(dev, host):
    row = dev[1]
    assert isinstance(row, SimulatedDeviceArray)
    row[0] = 42                                   # a view, as on CuPy
    assert float(dev[1, 0]) == 42
    dev[0] = np.float32(7)
    dev[2, :2] = np.array([8, 9], np.float32)     # host values are uploaded on assignment
    dev[dev < 0] = 0                              # device boolean mask
    expected = host.copy()
    expected[1, 0] = 42
    expected[0] = 7
    expected[2, :2] = [8, 9]
    expected[expected < 0] = 0
    np.testing.assert_array_equal(dev.get(), expected)
    picked = dev[sim_xp.asarray(np.array([2, 0]))]
    np.testing.assert_array_equal(picked.get(), expected[[2, 0]])
    np.testing.assert_array_equal(dev[np.array([2, 0])].get(), expected[[2, 0]])


def test_iteration_yields_device_arrays(dev, host):
    rows = list(dev)
    assert len(rows) == 3 and all(isinstance(r, SimulatedDeviceArray) for r in rows)
    np.testing.assert_array_equal(rows[2].get(), host[2])
    with pytest.raises(TypeError):
        iter(dev[0, 0])


@pytest.mark.parametrize("op", [
    lambda a: a + 1, lambda a: 1 + a, lambda a: a - 2.5, lambda a: 3 - a, lambda a: a * a,
    lambda a: a / 2, lambda a: 2 / (a + 10), lambda a: a // 3, lambda a: a % 3, lambda a: a ** 2,
    lambda a: 2 ** (a / 4), lambda a: a @ a.T, lambda a: -a, lambda a: +a, lambda a: abs(a),
    lambda a: a > 0, lambda a: a <= 1, lambda a: a == 2, lambda a: a != 2, lambda a: 3 >= a,
    lambda a: (a > 0) & (a < 4), lambda a: (a > 0) | (a < -4), lambda a: ~(a > 0),
    lambda a: np.float32(2) * a, lambda a: a * np.float64(0.5), lambda a: np.int32(1) + a,
    lambda a: divmod(a, 4)[1],
])
def test_operators_match_numpy(dev, host, op):
    result = op(dev)
    assert isinstance(result, SimulatedDeviceArray)
    expected = op(host)
    assert result.dtype == expected.dtype
    np.testing.assert_allclose(result.get(), expected, rtol=1e-6)


def test_inplace_operators_keep_identity(dev, host):
    alias = dev
    dev += 1
    dev *= sim_xp.asarray(np.full((3, 4), 2, np.float32))
    dev -= np.float32(1)
    assert dev is alias
    np.testing.assert_array_equal(dev.get(), (host + 1) * 2 - 1)


@pytest.mark.parametrize("method, args", [
    ("sum", ()), ("sum", (0,)), ("max", ()), ("min", (1,)), ("mean", ()), ("std", ()),
    ("argmax", ()), ("argmin", (1,)), ("cumsum", (1,)), ("prod", (0,)), ("any", ()), ("all", ()),
    ("astype", (np.int32,)), ("reshape", (4, 3)), ("reshape", ((2, 6),)), ("transpose", ()),
    ("transpose", ((1, 0),)), ("ravel", ()), ("flatten", ()), ("copy", ()), ("clip", (-1, 2)),
    ("squeeze", ()), ("swapaxes", (0, 1)), ("take", ([0, 2],)), ("repeat", (2,)),
    ("var", ()), ("round", ()), ("view", (np.int32,)), ("dot", ()),
])
def test_methods_match_numpy(dev, host, method, args):
    if method == "dot":
        result, expected = dev.dot(dev.T), host.dot(host.T)
    else:
        result, expected = getattr(dev, method)(*args), getattr(host, method)(*args)
    assert isinstance(result, SimulatedDeviceArray)      # numpy scalars come back as 0-d arrays
    np.testing.assert_allclose(result.get(), expected, rtol=1e-6)
    assert result.dtype == np.asarray(expected).dtype


def test_host_shapes_accepted_where_cupy_accepts_them(dev, host):
    shape = np.array([4, 3])                  # e.g. a Reshape kernel's host-memory shape input
    np.testing.assert_array_equal(dev.reshape(shape).get(), host.reshape(4, 3))
    np.testing.assert_array_equal(sim_xp.reshape(dev, shape).get(), host.reshape(4, 3))
    np.testing.assert_array_equal(sim_xp.transpose(dev, np.array([1, 0])).get(), host.T)
    np.testing.assert_array_equal(sim_xp.zeros(np.array([2, 3])).get(), np.zeros((2, 3)))


def test_tolist_item_and_unknown_attributes(dev, host):
    assert dev.tolist() == host.tolist()
    assert dev.tobytes() == host.tobytes()
    with pytest.raises(AttributeError):
        dev.ctypes
    with pytest.raises(AttributeError):
        dev.__array_interface__


def test_copy_pickle_repr(dev, host):
    for clone in (copy.copy(dev), copy.deepcopy(dev), pickle.loads(pickle.dumps(dev)), dev.copy()):
        assert isinstance(clone, SimulatedDeviceArray) and clone is not dev
        np.testing.assert_array_equal(clone.get(), host)
        clone[0, 0] = 123
        assert float(dev[0, 0]) == -5
    assert repr(dev).startswith("SimulatedDeviceArray(") and str(dev) == str(host)
    with pytest.raises(TypeError):
        hash(dev)


def test_constructor_wants_ndarray():
    with pytest.raises(TypeError):
        SimulatedDeviceArray([1, 2])


# -- the namespace --------------------------------------------------------------------------------

def test_non_callables_and_types_pass_through():
    assert sim_xp.float32 is np.float32 and sim_xp.int64 is np.int64 and sim_xp.bool_ is np.bool_
    assert sim_xp.newaxis is None and sim_xp.pi == np.pi and sim_xp.inf == np.inf
    assert sim_xp.dtype is np.dtype and sim_xp.finfo is np.finfo
    assert sim_xp.ndarray is SimulatedDeviceArray
    with pytest.raises(AttributeError):
        sim_xp.no_such_function


X = np.linspace(-3, 3, 24, dtype=np.float64).reshape(4, 6)
Y = np.linspace(1, 2, 24, dtype=np.float64).reshape(4, 6)


@pytest.mark.parametrize("name, fn", [
    ("exp", lambda xp, x, y: xp.exp(x)),
    ("add", lambda xp, x, y: xp.add(x, y)),
    ("add.out", lambda xp, x, y: xp.add(x, y, out=xp.empty_like(x))),
    ("maximum", lambda xp, x, y: xp.maximum(x, 0)),
    ("where", lambda xp, x, y: xp.where(x > 0, x, y)),
    ("sum", lambda xp, x, y: xp.sum(x, axis=1, keepdims=True)),
    ("mean", lambda xp, x, y: xp.mean(x)),
    ("max", lambda xp, x, y: xp.max(x, axis=0)),
    ("argmax", lambda xp, x, y: xp.argmax(x, axis=-1)),
    ("matmul", lambda xp, x, y: xp.matmul(x, y.T)),
    ("dot", lambda xp, x, y: xp.dot(x, y.T)),
    ("tensordot", lambda xp, x, y: xp.tensordot(x, y, axes=([1], [1]))),
    ("einsum", lambda xp, x, y: xp.einsum("ij,kj->ik", x, y)),
    ("concatenate", lambda xp, x, y: xp.concatenate([x, y], axis=1)),
    ("stack", lambda xp, x, y: xp.stack((x, y, x))),
    ("reshape", lambda xp, x, y: xp.reshape(x, (3, 8))),
    ("transpose", lambda xp, x, y: xp.transpose(x)),
    ("expand_dims", lambda xp, x, y: xp.expand_dims(x, 0)),
    ("broadcast_to", lambda xp, x, y: xp.broadcast_to(x[0], (3, 6))),
    ("clip", lambda xp, x, y: xp.clip(x, -1, 1)),
    ("take", lambda xp, x, y: xp.take(x, xp.asarray(np.array([3, 0])), axis=0)),
    ("zeros_like", lambda xp, x, y: xp.zeros_like(x)),
    ("ones", lambda xp, x, y: xp.ones((2, 3), dtype=xp.float32)),
    ("arange", lambda xp, x, y: xp.arange(10)),
    ("astype", lambda xp, x, y: x.astype(xp.int32)),
    ("pad", lambda xp, x, y: xp.pad(x, ((1, 0), (0, 2)))),
    ("tanh", lambda xp, x, y: xp.tanh(x)),
    ("logaddexp", lambda xp, x, y: xp.logaddexp(x, y)),
    ("add.reduce", lambda xp, x, y: xp.add.reduce(x, axis=0)),
    ("maximum.accumulate", lambda xp, x, y: xp.maximum.accumulate(x, axis=1)),
    ("multiply.outer", lambda xp, x, y: xp.multiply.outer(x[0], y[0])),
    ("linalg.norm", lambda xp, x, y: xp.linalg.norm(x)),
    ("linalg.inv", lambda xp, x, y: xp.linalg.inv(xp.matmul(x, x.T) + xp.eye(4))),
    ("isfinite", lambda xp, x, y: xp.isfinite(x / y)),
    ("newaxis", lambda xp, x, y: x[:, xp.newaxis] * xp.float32(2)),
    ("float32 cast", lambda xp, x, y: xp.asarray(x, dtype=xp.float32)),
])
def test_sim_xp_matches_numpy(name, fn):
    expected = fn(np, X, Y)
    result = fn(sim_xp, sim_xp.asarray(X), sim_xp.asarray(Y))
    assert isinstance(result, SimulatedDeviceArray), name
    assert result.dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(result.get(), expected, rtol=1e-12)


def test_sequences_of_results_are_wrapped():
    parts = sim_xp.split(sim_xp.asarray(X), 2, axis=1)
    assert isinstance(parts, list) and all(isinstance(p, SimulatedDeviceArray) for p in parts)
    rows, cols = sim_xp.nonzero(sim_xp.asarray(X) > 0)
    np.testing.assert_array_equal(rows.get(), np.nonzero(X > 0)[0])
    svd = sim_xp.linalg.svd(sim_xp.asarray(X), full_matrices=False)
    assert isinstance(svd.S, SimulatedDeviceArray)
    np.testing.assert_allclose(svd.S.get(), np.linalg.svd(X, full_matrices=False).S)


def test_out_argument_returns_the_same_array():
    x = sim_xp.asarray(X)
    out = sim_xp.empty_like(x)
    assert sim_xp.exp(x, out=out) is out
    np.testing.assert_allclose(out.get(), np.exp(X))
    with pytest.raises(TypeError):
        sim_xp.exp(x, out=np.empty_like(X))      # writing into host memory from the device


def test_random_is_wrapped():
    rng = sim_xp.random.default_rng(0)
    sample = rng.standard_normal((3, 2))
    assert isinstance(sample, SimulatedDeviceArray) and sample.shape == (3, 2)
    np.testing.assert_array_equal(sample.get(), np.random.default_rng(0).standard_normal((3, 2)))
    assert isinstance(sim_xp.random.rand(2), SimulatedDeviceArray)


def test_asnumpy_and_get_array_module():
    x = sim_xp.asarray(X)
    np.testing.assert_array_equal(sim_xp.asnumpy(x), X)
    assert sim_xp.get_array_module(x) is sim_xp
    assert sim_xp.get_array_module(X) is np


# -- backend --------------------------------------------------------------------------------------

def test_backend_interface(host):
    gpu = SimulatedGPUBackend(1)
    assert gpu.device_type == "GPU" and gpu.index == 1 and gpu.xp is sim_xp
    assert gpu.is_simulated and gpu.memory_limit is None and "simulated" in gpu.name
    dev = gpu.upload(host)
    assert gpu.is_device_array(dev) and not gpu.is_device_array(host)
    host[0, 0] = 1000                        # the upload was a copy
    assert float(dev[0, 0]) == -5
    assert gpu.upload(dev) is dev
    back = gpu.download(dev)
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back[1:], host[1:])
    np.testing.assert_array_equal(gpu.download(host), host)     # host data passes through
    scalar = gpu.download(gpu.xp.sum(dev))
    assert type(scalar) is np.ndarray and scalar.shape == ()
    with gpu.device_context():
        gpu.synchronize()
        gpu.free_memory()


def test_cpu_backend_refuses_device_arrays(dev):
    from tagraph.devices.cpu import CPUBackend
    cpu = CPUBackend()
    assert cpu.xp is np and cpu.device_type == "CPU"
    with pytest.raises(TypeError):
        cpu.upload(dev)
    with pytest.raises(TypeError):
        cpu.download(dev)
    assert cpu.is_device_array(np.zeros(2)) and not cpu.is_device_array(dev)


@pytest.mark.parametrize("value, count", [(None, 0), ("", 0), ("0", 0), ("2", 2), (" 3 ", 3)])
def test_simulated_device_count(value, count):
    env = {} if value is None else {"TAGRAPH_SIMULATED_GPUS": value}
    assert simulated_device_count(env) == count


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_simulated_device_count_rejects_garbage(value):
    with pytest.raises(ValueError, match="TAGRAPH_SIMULATED_GPUS"):
        simulated_device_count({"TAGRAPH_SIMULATED_GPUS": value})
