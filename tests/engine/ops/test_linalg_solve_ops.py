"""MatrixInverse, MatrixDeterminant, LogMatrixDeterminant, Cholesky, MatrixSolve and cholesky_solve, eye,
trace, logdet and tf.norm against TensorFlow 2.21's recorded values, static shapes, gradients and errors
(tests/data/tf_ops/record_linalg_solve.py), on the CPU and a simulated GPU, with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tagraph.engine.ops import linalg_solve_ops
from tagraph.protos import graph_pb2
from gradient_checks import check_gradient
from linalg_reference import DATA, EIGEN_PREFIXES, RECORDER, check_case
from tf_reference import DATA as TF_OPS, check_error

CASES = [c for c in RECORDER.LINALG_SOLVE if not c.name.startswith(EIGEN_PREFIXES)]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


# tagraph's messages where they are its own: the op builder's wording for a dtype not allowed.
MESSAGES = {"inverse_int": r"'T' of int32 is not in the list of allowed values.*float64, float32, float16, "
                           r"complex64, complex128"}


@pytest.mark.parametrize("err", [pytest.param(e, id=e.name) for e in RECORDER.LINALG_SOLVE_ERRORS])
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    wrapped = RECORDER.Err(err.name, lambda _tg, *phs: err.build(tfc, *phs), err.inputs, static=err.static)
    check_error(device, wrapped, DATA, MESSAGES.get(err.name))


_R = np.random.default_rng(11)


def _spd(n, batch=()):
    a = _R.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _invertible(n, batch=()):
    return _R.normal(size=batch + (n, n)) + 3 * np.eye(n)


@pytest.mark.parametrize("build, args", [
    pytest.param(linalg_solve_ops.matrix_inverse, [_invertible(3)], id="inverse"),
    pytest.param(lambda a: linalg_solve_ops.matrix_inverse(a, adjoint=True), [_invertible(3, (2,))],
                 id="inverse_adjoint"),
    pytest.param(linalg_solve_ops.matrix_determinant, [_invertible(3, (2,))], id="det"),
    pytest.param(linalg_solve_ops.matrix_solve, [_invertible(3), _R.normal(size=(3, 2))], id="solve"),
    pytest.param(lambda a, b: linalg_solve_ops.matrix_solve(a, b, adjoint=True),
                 [_invertible(3, (2,)), _R.normal(size=(2, 3, 1))], id="solve_adjoint"),
])
@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_gradients_match_central_differences(device, build, args, dynamic):
    check_gradient(device, build, args, dynamic=dynamic, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("build, args", [
    pytest.param(lambda a: linalg_solve_ops.log_matrix_determinant(a).log_abs_det, [_invertible(4, (2,))],
                 id="slogdet"),
    # Cholesky reads the lower triangle only: perturbing the upper one changes nothing, so the check feeds
    # symmetric perturbations through a symmetrizing wrapper.
    pytest.param(lambda a: linalg_solve_ops.cholesky((a + tfc.linalg.matrix_transpose(a)) / 2), [_spd(3, (2,))],
                 id="cholesky"),
    pytest.param(lambda a: linalg_solve_ops.logdet((a + tfc.linalg.matrix_transpose(a)) / 2), [_spd(3)],
                 id="logdet"),
    pytest.param(lambda c, b: linalg_solve_ops.cholesky_solve(c, b),
                 [np.linalg.cholesky(_spd(3, (2,))), _R.normal(size=(2, 3, 2))], id="cholesky_solve"),
    pytest.param(lambda a: tfc.norm(a, ord=1, axis=[-2, -1]), [_R.normal(size=(2, 3, 4))], id="norm_1"),
    pytest.param(lambda a: tfc.norm(a, ord=3), [_R.normal(size=(5,))], id="norm_3"),
    pytest.param(lambda a: linalg_solve_ops.trace(a), [_R.normal(size=(2, 3, 4))], id="trace"),
])
@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_function_gradients_match_central_differences(device, build, args, dynamic):
    check_composite_gradient(device, build, args, dynamic)


def check_composite_gradient(device, build, args, dynamic):
    """The gradient of sum(up * build(args)) through tg.gradients against central differences."""
    args = [np.asarray(a, np.float64) for a in args]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.float64, [None] * a.ndim if dynamic else a.shape) for a in args]
        y = build(*phs)
        with tg.Session() as sess:
            up = _R.normal(size=sess.run(y, dict(zip(phs, args))).shape)
            loss = tg.reduce_sum(y * up)
            grads = sess.run(tg.gradients(loss, phs), dict(zip(phs, args)))
            for k, a in enumerate(args):
                numeric = np.zeros_like(a)
                for j in range(a.size):
                    plus, minus = [v.copy() for v in args], [v.copy() for v in args]
                    plus[k].flat[j] += 1e-6
                    minus[k].flat[j] -= 1e-6
                    numeric.flat[j] = (sess.run(loss, dict(zip(phs, plus))) -
                                       sess.run(loss, dict(zip(phs, minus)))) / 2e-6
                np.testing.assert_allclose(grads[k], numeric, rtol=1e-5, atol=1e-7)


def test_tensorflow_1_names_build_tensorflows_op_types():
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float32, [3, 3])
        types = {
            "matrix_inverse": tfc.matrix_inverse(a).op.type, "linalg.inv": tfc.linalg.inv(a).op.type,
            "matrix_determinant": tfc.matrix_determinant(a).op.type, "linalg.det": tfc.linalg.det(a).op.type,
            "linalg.slogdet": tfc.linalg.slogdet(a)[0].op.type, "cholesky": tfc.cholesky(a).op.type,
            "linalg.cholesky": tfc.linalg.cholesky(a).op.type, "matrix_solve": tfc.matrix_solve(a, a).op.type,
            "linalg.solve": tfc.linalg.solve(a, a).op.type,
            "cholesky_solve": tfc.cholesky_solve(a, a).op.type, "trace": tfc.trace(a).op.type,
            "eye": tfc.eye(3).op.type, "eye_rectangular": tfc.linalg.eye(2, 3).op.type,
            "logdet": tfc.linalg.logdet(a).op.type, "norm": tfc.norm(a).op.type,
        }
        assert types == {
            "matrix_inverse": "MatrixInverse", "linalg.inv": "MatrixInverse", "matrix_determinant": "MatrixDeterminant",
            "linalg.det": "MatrixDeterminant", "linalg.slogdet": "LogMatrixDeterminant", "cholesky": "Cholesky",
            "linalg.cholesky": "Cholesky", "matrix_solve": "MatrixSolve", "linalg.solve": "MatrixSolve",
            "cholesky_solve": "MatrixTriangularSolve", "trace": "Sum", "eye": "MatrixDiagV3",
            "eye_rectangular": "MatrixSetDiagV3", "logdet": "Mul", "norm": "Squeeze"}
        graph = tg.get_default_graph()
        names = [(op.name, op.type) for op in graph.get_operations()]
        # TensorFlow's op names for the functions it composes
        for name, op_type in [("cholesky_solve/MatrixTriangularSolve", "MatrixTriangularSolve"),
                              ("cholesky_solve/MatrixTriangularSolve_1", "MatrixTriangularSolve"),
                              ("Trace/diag_part", "MatrixDiagPartV3"), ("Trace", "Sum"),
                              ("eye/diag", "MatrixDiagV3"), ("eye_1/set_diag", "MatrixSetDiagV3"),
                              ("logdet/Cholesky", "Cholesky"), ("logdet/diag_part", "MatrixDiagPartV3"),
                              ("logdet/Log", "Log"), ("norm/Sqrt", "Sqrt"), ("norm/Squeeze", "Squeeze")]:
            assert (name, op_type) in names, (name, op_type)


def test_tensorflow_1_names_exist():
    for name in ["matrix_inverse", "matrix_determinant", "matrix_solve", "cholesky", "cholesky_solve", "eye", "trace",
                 "norm", "matrix_diag", "matrix_diag_part", "matrix_set_diag", "self_adjoint_eig",
                 "self_adjoint_eigvals", "svd"]:
        assert callable(getattr(tfc, name)), name
    for name in ["diag", "diag_part", "set_diag", "inv", "det", "slogdet", "logdet", "cholesky", "solve",
                 "cholesky_solve", "eigh", "eigvalsh", "svd", "eye", "trace", "norm"]:
        assert callable(getattr(tfc.linalg, name)), name
    # TensorFlow 1 has no tf.log_matrix_determinant (tf.linalg.slogdet is its name)
    with pytest.raises(AttributeError):
        tfc.log_matrix_determinant  # noqa: B018


def test_cholesky_marks_only_the_failed_matrices(device):
    a = np.stack([np.eye(2) * 4, [[1.0, 2.0], [2.0, 1.0]]])
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float64, [2, 2, 2])
        with tg.Session() as sess:
            got = sess.run(tfc.cholesky(p), {p: a})
    np.testing.assert_array_equal(got[0], 2 * np.eye(2))
    assert np.isnan(got[1][np.tril_indices(2)]).all() and got[1][0, 1] == 0


def test_a_half_done_gpu_factor_counts_as_failed():
    # cuSOLVER leaves the factor of a matrix that is not positive definite half done, finite and unflagged.
    a = np.stack([[[4.0, 2.0], [2.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]])
    half_done = np.stack([[[2.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [2.0, 1.0]]])
    got = linalg_solve_ops._mark_failures(np, half_done, a)
    np.testing.assert_array_equal(got[0], half_done[0])
    assert np.isnan(got[1][np.tril_indices(2)]).all() and got[1][0, 1] == 0


def test_runs_tensorflows_graph_def(device):
    # TensorFlow's own GraphDef of the diagonal, solve and spectral functions gives its numbers in tagraph.
    graph_def = graph_pb2.GraphDef.FromString((TF_OPS / "linalg_graph.pb").read_bytes())
    types = {n.op for n in graph_def.node}
    assert {"MatrixDiagV3", "MatrixDiagPartV3", "MatrixSetDiagV3", "MatrixInverse", "MatrixDeterminant",
            "LogMatrixDeterminant", "Cholesky", "MatrixSolve", "SelfAdjointEigV2", "Svd"} <= types
    with np.load(TF_OPS / "linalg_graph.npz") as f:
        want = {k: f[k] for k in f.files}
    assert set(want) == set(RECORDER.GRAPH_FETCHES)
    with tg.Graph().as_default(), tg.device(device):
        tg.import_graph_def(graph_def, name="")
        with tg.Session() as sess:
            got = sess.run({k: "out_%s:0" % k for k in want})
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-12, err_msg=k)
