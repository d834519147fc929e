"""The fused LSTM cell kernel (devices/gpu_lstm_cell.py) against numpy on the simulated GPU, its refusals, and
its compilation for real GPUs (PTX for sm_80 and sm_90, in a child Python without the simulator)."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tagraph.devices import cpu, gpu, gpu_lstm_cell
from tagraph.devices.simulated_gpu import SimulatedGPUBackend

BACKEND = SimulatedGPUBackend(0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference(gates, c_prev, forget_bias=None, bias=None, order=(0, 1, 2, 3)):
    """The cell as TensorFlow's ops compute it, in the gates' dtype."""
    if bias is not None:
        gates = gates + bias
    blocks = np.split(gates, 4, axis=1)
    i, j, f, o = (blocks[k] for k in order)
    if forget_bias is not None:
        f = f + forget_bias
    with np.errstate(over="ignore"):
        c = c_prev * sigmoid(f) + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
    return c, h


def values(dtype, batch=3, units=5, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    gates = (rng.standard_normal((batch, 4 * units)) * scale).astype(dtype)
    c_prev = rng.standard_normal((batch, units)).astype(dtype)
    bias = rng.uniform(-1, 1, 4 * units).astype(dtype)
    return gates, c_prev, np.asarray([0.5], dtype), bias


def tolerance(dtype):
    return dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)


def up(*arrays):
    return [None if a is None else BACKEND.upload(a) for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [False, True], ids=["gates", "gates+bias"])
@pytest.mark.parametrize("with_forget_bias", [False, True], ids=["no_forget_bias", "forget_bias"])
@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 2, 1, 3), (3, 2, 1, 0)], ids=["ijfo", "ifjo", "ofji"])
def test_matches_numpy(dtype, with_bias, with_forget_bias, order):
    gates, c_prev, fb, bias = values(dtype)
    fb = fb if with_forget_bias else None
    bias = bias if with_bias else None
    c, h = gpu_lstm_cell.lstm_cell(BACKEND, *up(gates, c_prev, fb, bias), order=order)
    assert BACKEND.is_device_array(c) and BACKEND.is_device_array(h)
    want_c, want_h = reference(gates, c_prev, fb, bias, order)
    for got, want in ((c, want_c), (h, want_h)):
        got = BACKEND.download(got)
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, **tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_gates_give_no_nan(dtype):
    gates, c_prev, fb, _ = values(dtype, scale=400.0)     # exp(400) overflows even float64
    gates[0, :4] = [np.inf, -np.inf, 0.0, -0.0]
    c, h = gpu_lstm_cell.lstm_cell(BACKEND, *up(gates, c_prev, fb))
    want_c, want_h = reference(gates, c_prev, fb)
    np.testing.assert_allclose(BACKEND.download(c), want_c, **tolerance(dtype))
    np.testing.assert_allclose(BACKEND.download(h), want_h, **tolerance(dtype))
    assert not np.isnan(BACKEND.download(h)).any()


def test_an_empty_batch_gives_empty_states():
    gates, c_prev, fb, bias = values(np.float32, batch=0)
    c, h = gpu_lstm_cell.lstm_cell(BACKEND, *up(gates, c_prev, fb, bias))
    assert BACKEND.download(c).shape == (0, 5) and BACKEND.download(h).shape == (0, 5)


def refusals():
    g, c, fb, b = values(np.float32)
    return {
        "c_prev broadcast": (g, c[:1], fb, b),
        "c_prev of other units": (g, c[:, :4], fb, b),
        "gates not 4 blocks": (g[:, :-1], c, fb, b),
        "gates rank 3": (g[None], c, fb, b),
        "float64 c_prev": (g, c.astype(np.float64), fb, b),
        "float16 gates": (g.astype(np.float16), c.astype(np.float16), fb.astype(np.float16), b.astype(np.float16)),
        "int32": (g.astype(np.int32), c.astype(np.int32), None, None),
        "forget bias of two": (g, c, np.float32([0.5, 0.5]), b),
        "forget bias float64": (g, c, fb.astype(np.float64), b),
        "bias too short": (g, c, fb, b[:-1]),
        "bias 2-D": (g, c, fb, b[None]),
    }


@pytest.mark.parametrize("case", sorted(refusals()))
def test_values_the_kernel_does_not_take_are_refused(case):
    args = up(*refusals()[case])
    assert not gpu_lstm_cell.lstm_cell_fits(BACKEND, *args)
    with pytest.raises(ValueError, match="gates .*c_prev"):
        gpu_lstm_cell.lstm_cell(BACKEND, *args)


def test_host_arrays_are_refused():
    g, c, fb, b = values(np.float32)
    assert not gpu_lstm_cell.lstm_cell_fits(BACKEND, g, BACKEND.upload(c))
    assert not gpu_lstm_cell.lstm_cell_fits(BACKEND, BACKEND.upload(g), BACKEND.upload(c), fb)
    assert gpu_lstm_cell.lstm_cell_fits(BACKEND, *up(g, c, fb, b))


def test_order_must_be_a_permutation():
    with pytest.raises(ValueError, match="permutation"):
        gpu_lstm_cell.lstm_cell(BACKEND, *up(*values(np.float32)), order=(0, 1, 1, 3))


class _Ctx:
    class device:
        backend = BACKEND


def test_the_gpu_kind_offers_its_own_plan_step():
    step = gpu.KIND.fused_kernel(("LSTMCell",))
    assert step is gpu_lstm_cell.lstm_cell_step
    assert cpu.KIND.fused_kernel(("LSTMCell",)) is not step
    g, c, fb, b = values(np.float64)
    got = step(_Ctx, (0, 1, 2, 3), *up(g, c, fb, b))
    want = reference(g, c, fb, b)
    for x, y in zip(got, want):
        np.testing.assert_allclose(BACKEND.download(x), y, **tolerance(np.float64))
    assert step(_Ctx, (0, 1, 2, 3), *up(g, c[:1], fb, b)) is None       # the plan runs the ops unfused then


# --- PTX: the kernel types and compiles for the CUDA target, which the simulator does not check. ---

_CHILD = textwrap.dedent("""
    import json, sys
    import numba
    import numpy as np
    from numba import cuda
    from tagraph.devices import gpu_lstm_cell
    out = {}
    try:
        cuda.compile_ptx(lambda x: None, "void(float32[::1])", cc=(8, 0))
    except Exception as e:
        print(json.dumps({"toolkit_missing": "%s: %s" % (type(e).__name__, str(e).splitlines()[0])}))
        sys.exit(0)
    for dtype in ("float32", "float64"):
        kernel = gpu_lstm_cell._lstm_cell_kernel(False, dtype)
        flat = np.zeros(8, dtype)
        args = (flat,) * 6 + (8, 2, 0, 1, 2, 3, 1, 1)
        sig = tuple(numba.typeof(a) for a in args)
        for cc in ((8, 0), (9, 0)):
            try:
                ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=cc)
                out["%s sm_%d%d" % (dtype, cc[0], cc[1])] = "ok" if ".target sm_%d%d" % cc in ptx else ptx[:400]
            except Exception as e:
                out["%s sm_%d%d" % (dtype, cc[0], cc[1])] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps({"compiled": out}))
""")


@pytest.fixture(scope="module")
def ptx_answer():
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env.pop("TAGRAPH_SIMULATED_GPUS", None)
    proc = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_kernel_compiles_to_ptx_for_sm80_and_sm90(ptx_answer):
    if "toolkit_missing" in ptx_answer:
        pytest.skip("PTX compilation needs NVRTC and NVVM (the test extra): %s" % ptx_answer["toolkit_missing"])
    assert ptx_answer["compiled"] == {"%s sm_%s" % (d, cc): "ok" for d in ("float32", "float64")
                                      for cc in ("80", "90")}
