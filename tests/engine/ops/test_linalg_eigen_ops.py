"""SelfAdjointEigV2 and Svd, tf.linalg.eigh/eigvalsh, tf.svd and tf.norm(ord=2) over two axes against
TensorFlow 2.21's recorded values, static shapes, gradients and errors (tests/data/tf_ops/record_linalg_solve.py),
on the CPU and a simulated GPU: what does not depend on the vectors' signs (values, squared vectors,
reconstructions) as TensorFlow's own tests compare them, with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tagraph.engine.ops import linalg_eigen_ops
from linalg_reference import EIGEN_PREFIXES, RECORDER, check_case

CASES = [c for c in RECORDER.LINALG_SOLVE if c.name.startswith(EIGEN_PREFIXES)]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_matches_tensorflow(device, case, known):
    # TensorFlow's Svd gradient needs the inner matrix shape while building (test_svd_gradient_refuses_...).
    check_case(device, case, known, grad_needs_static=case.name.startswith(("svd", "norm")))


_R = np.random.default_rng(17)


def _run(device, build, *args):
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), a.shape) for a in args]
        with tg.Session() as sess:
            return sess.run(build(*phs), dict(zip(phs, args)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_eigh_decomposes(device, dtype):
    a = _R.normal(size=(2, 4, 4)) + (1j * _R.normal(size=(2, 4, 4)) if np.dtype(dtype).kind == "c" else 0)
    a = (a + np.conj(np.swapaxes(a, -1, -2))).astype(dtype)
    e, v = _run(device, linalg_eigen_ops.self_adjoint_eig, a)
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10
    assert e.dtype == dtype and v.dtype == dtype
    np.testing.assert_allclose(e, np.linalg.eigvalsh(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(v @ (e[..., :, None] * np.conj(np.swapaxes(v, -1, -2))), a, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.conj(np.swapaxes(v, -1, -2)) @ v, np.broadcast_to(np.eye(4), a.shape), atol=tol)


@pytest.mark.parametrize("full", [False, True], ids=["reduced", "full"])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (2, 4, 4)])
def test_svd_decomposes(device, shape, full):
    a = _R.normal(size=shape)
    s, u, v = _run(device, lambda p: linalg_eigen_ops.svd(p, full_matrices=full), a)
    m, n = shape[-2:]
    k = min(m, n)
    assert u.shape == shape[:-2] + (m, m if full else k) and v.shape == shape[:-2] + (n, n if full else k)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-10)
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ np.swapaxes(v[..., :k], -1, -2), a, atol=1e-10)
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u, np.broadcast_to(np.eye(u.shape[-1]), u.shape[:-2] +
                                                                            (u.shape[-1],) * 2), atol=1e-10)
    np.testing.assert_allclose(np.swapaxes(v, -1, -2) @ v, np.broadcast_to(np.eye(v.shape[-1]), v.shape[:-2] +
                                                                            (v.shape[-1],) * 2), atol=1e-10)


def _sym(a):
    return (a + tfc.linalg.matrix_transpose(a)) / 2


@pytest.mark.parametrize("build, args", [
    # The ops read the lower triangle only: symmetric perturbations through a symmetrizing wrapper.
    pytest.param(lambda a: [tg.square(t) for t in linalg_eigen_ops.self_adjoint_eig(_sym(a))],
                 [_R.normal(size=(2, 3, 3)) + np.diag([0.0, 3.0, 6.0])], id="eigh"),
    pytest.param(lambda a: linalg_eigen_ops.self_adjoint_eigvals(_sym(a)), [_R.normal(size=(4, 4))], id="eigvalsh"),
    pytest.param(lambda a: [tg.square(t) for t in linalg_eigen_ops.svd(a)], [_R.normal(size=(3, 5))], id="svd_wide"),
    pytest.param(lambda a: [tg.square(t) for t in linalg_eigen_ops.svd(a)], [_R.normal(size=(2, 4, 3))],
                 id="svd_tall"),
    pytest.param(lambda a: [tg.square(t) for t in linalg_eigen_ops.svd(a)], [_R.normal(size=(3, 3))],
                 id="svd_square"),
    pytest.param(lambda a: [tg.square(t[..., :2]) for t in linalg_eigen_ops.svd(a, full_matrices=True)],
                 [_R.normal(size=(2, 3))], id="svd_full"),
    pytest.param(lambda a: linalg_eigen_ops.svd(a, compute_uv=False), [_R.normal(size=(2, 3, 4))], id="svd_values"),
    pytest.param(lambda a: linalg_eigen_ops.norm(a, ord=2, axis=[0, 2]), [_R.normal(size=(3, 2, 4))], id="norm_2"),
])
def test_gradients_match_central_differences(device, build, args):
    args = [np.asarray(a, np.float64) for a in args]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.float64, a.shape) for a in args]
        out = build(*phs)
        outs = out if isinstance(out, list) else [out]
        with tg.Session() as sess:
            values = sess.run(outs, dict(zip(phs, args)))
            loss = tg.add_n([tg.reduce_sum(o * _R.normal(size=v.shape)) for o, v in zip(outs, values)])
            grads = sess.run(tg.gradients(loss, phs), dict(zip(phs, args)))
            for k, a in enumerate(args):
                numeric = np.zeros_like(a)
                for j in range(a.size):
                    plus, minus = [v.copy() for v in args], [v.copy() for v in args]
                    plus[k].flat[j] += 1e-6
                    minus[k].flat[j] -= 1e-6
                    numeric.flat[j] = (sess.run(loss, dict(zip(phs, plus))) -
                                       sess.run(loss, dict(zip(phs, minus)))) / 2e-6
                np.testing.assert_allclose(grads[k], numeric, rtol=1e-5, atol=1e-6)


def test_svd_gradient_refuses_what_tensorflows_refuses():
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float64, [None, None])
        with pytest.raises(NotImplementedError, match="unknown inner matrix shape"):
            tg.gradients(tg.reduce_sum(linalg_eigen_ops.svd(a)[1]), a)
        b = tg.placeholder(tg.float64, [2, 5])
        with pytest.raises(NotImplementedError, match=r"abs\(m - n\) > 1 when full_matrices is True"):
            tg.gradients(tg.reduce_sum(linalg_eigen_ops.svd(b, full_matrices=True)[1]), b)


def test_tensorflow_1_names_build_tensorflows_op_types():
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float32, [3, 3])
        ops = {
            "self_adjoint_eig": tfc.self_adjoint_eig(a)[0].op, "linalg.eigh": tfc.linalg.eigh(a)[1].op,
            "self_adjoint_eigvals": tfc.self_adjoint_eigvals(a).op, "linalg.eigvalsh": tfc.linalg.eigvalsh(a).op,
            "svd": tfc.svd(a)[0].op,
            "linalg.svd_values": tfc.linalg.svd(a, compute_uv=False).op,
        }
        assert {k: op.type for k, op in ops.items()} == {k: ("Svd" if "svd" in k else "SelfAdjointEigV2")
                                                         for k in ops}
        assert ops["self_adjoint_eig"].get_attr("compute_v") and not ops["linalg.eigvalsh"].get_attr("compute_v")
        assert not ops["linalg.svd_values"].get_attr("compute_uv")
        assert not ops["svd"].get_attr("full_matrices")
