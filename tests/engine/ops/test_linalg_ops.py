"""Qr, DiagPart, Diag, MatrixBandPart, MatrixTriangularSolve, matrix_transpose and tf.orthogonal_initializer
against TensorFlow 2.21's recorded values, gradients and errors (tests/data/tf_ops/record_linalg.py), on the CPU
and a simulated GPU, with numeric gradient checks."""
import importlib.util

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tagraph.engine.keras import initializers as keras_initializers
from tagraph.engine.ops import linalg_ops
from tagraph.engine.variables import init_ops
from tagraph.protos import graph_pb2
from gradient_checks import check_gradient
import complex_reference
from tf_reference import DATA as TF_OPS, check_error


def _load():
    spec = importlib.util.spec_from_file_location("record_linalg", TF_OPS / "record_linalg.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LINALG = _load()
with np.load(TF_OPS / "linalg.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}

TF1 = tfc


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return dict(rtol=2e-3, atol=2e-3)
    if dtype in (np.float32, np.complex64):
        # TensorFlow factors float32 in float32 (Eigen); numpy's LAPACK in float64, then rounds.
        return dict(rtol=1e-5, atol=1e-5)
    if dtype.kind in "fc":
        return dict(rtol=1e-10, atol=1e-10)
    return dict(rtol=0, atol=0)


def _inputs(case):
    return [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in LINALG.LINALG])
def test_matches_tensorflow(device, case, known):
    inputs = _inputs(case)
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        outs = _outputs(case.build(TF1, *phs))
        ups = {k: DATA["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in DATA}
        grads = []
        # TensorFlow's Qr gradient needs static shapes (test_qr_gradient_refuses_what_tensorflows_refuses).
        if case.grad and (known or not case.name.startswith("qr_")):
            loss = tg.add_n([tg.reduce_sum(outs[k] * up) for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with tg.Session() as sess:
            feed = dict(zip(phs, inputs))
            if case.init:
                sess.run(tg.global_variables_initializer(), feed)
            got, got_grads = sess.run([outs, grads], feed)
    for k, (o, g) in enumerate(zip(outs, got)):
        want = DATA["%s:out%d" % (case.name, k)]
        g = np.asarray(g)
        assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
        np.testing.assert_allclose(g, want, **_tol(want.dtype))
        if known:
            assert LINALG.RECORD.shape_string(o.shape) == str(DATA["%s:shape%d" % (case.name, k)]), (k, o.shape)
        else:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape)
    for i, g in zip(case.grad if grads else (), got_grads):
        want = DATA["%s:grad%d" % (case.name, i)]
        assert np.asarray(g).shape == want.shape
        np.testing.assert_allclose(g, want, **_tol(want.dtype))


# tagraph's messages where they are its own: the op builder's wording for a dtype not allowed.
MESSAGES = {"qr_int": r"'T' of int32 is not in the list of allowed values.*float64, float32, float16, complex64, "
                      r"complex128"}


@pytest.mark.parametrize("err", [pytest.param(e, id=e.name) for e in LINALG.LINALG_ERRORS])
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    wrapped = LINALG.Err(err.name, lambda _tg, *phs: err.build(TF1, *phs), err.inputs, static=err.static,
                         init=err.init)
    check_error(device, wrapped, DATA, MESSAGES.get(err.name))


_R = np.random.default_rng(3)


@pytest.mark.parametrize("build, args", [
    pytest.param(linalg_ops.diag_part, [_R.normal(size=(2, 3, 2, 3))], id="diag_part"),
    pytest.param(linalg_ops.diag, [_R.normal(size=(2, 2))], id="diag"),
    pytest.param(lambda a: linalg_ops.matrix_band_part(a, 1, 0), [_R.normal(size=(3, 4))], id="band_part"),
    pytest.param(lambda a, b: linalg_ops.matrix_triangular_solve(a, b),
                 [np.tril(_R.normal(size=(3, 3))) + 3 * np.eye(3), _R.normal(size=(3, 2))], id="triangular_solve"),
    pytest.param(lambda a, b: linalg_ops.matrix_triangular_solve(a, b, lower=False, adjoint=True),
                 [np.triu(_R.normal(size=(2, 3, 3))) + 3 * np.eye(3), _R.normal(size=(3, 1))],
                 id="triangular_solve_broadcast"),
])
def test_gradients_match_central_differences(device, build, args):
    check_gradient(device, build, args, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("used", ["q_and_r", "r"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 3, 2)])
def test_qr_gradient_matches_central_differences(device, shape, used):
    # Qr has two outputs: the gradient of sum(uq * q) + sum(ur * r) (or of the r term alone: q's gradient
    # is then zeros), through tg.gradients.
    a = _R.normal(size=shape)
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.float64, shape)
        q, r = linalg_ops.qr(p)
        uq, ur = _R.normal(size=q.shape.as_list()), _R.normal(size=r.shape.as_list())
        y = tg.reduce_sum(r * ur) + (tg.reduce_sum(q * uq) if used == "q_and_r" else 0.0)
        grad = tg.gradients(y, p)[0]
        with tg.Session() as sess:
            got = sess.run(grad, {p: a})
            numeric = np.zeros_like(a)
            for j in range(a.size):
                plus, minus = a.copy(), a.copy()
                plus.flat[j] += 1e-6
                minus.flat[j] -= 1e-6
                numeric.flat[j] = (sess.run(y, {p: plus}) - sess.run(y, {p: minus})) / 2e-6
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-7)


def test_orthogonal_matrices_are_orthonormal_and_reach_the_variable(device):
    with tg.Graph().as_default(), tg.device(device):
        w = tg.get_variable("w", [3, 3, 4, 16], tg.float64, initializer=init_ops.orthogonal_initializer(gain=3.0))
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            m = sess.run(w).reshape(36, 16)
    np.testing.assert_allclose(m.T @ m, 9.0 * np.eye(16), atol=1e-10)


def test_runs_tensorflows_orthogonal_initializer_graph(device):
    # TensorFlow's own GraphDef (Qr, DiagPart, Sign, Transpose, ...) gives its numbers in tagraph.
    graph_def = graph_pb2.GraphDef.FromString((TF_OPS / "orthogonal_graph.pb").read_bytes())
    assert "Qr" in {n.op for n in graph_def.node}
    with tg.Graph().as_default(), tg.device(device):
        tg.import_graph_def(graph_def, name="")
        with tg.Session() as sess:
            got = sess.run("mul_1:0")
    np.testing.assert_allclose(got, DATA["orthogonal_wide:out0"], **_tol(np.float32))


def test_orthogonal_initializer_names_and_config():
    assert tfc.initializers.orthogonal is init_ops.orthogonal_initializer
    assert keras_initializers.Orthogonal is keras_initializers.orthogonal is init_ops.orthogonal_initializer
    init = keras_initializers.get({"class_name": "Orthogonal", "config": {"gain": 2.0, "seed": 4}})
    assert init.get_config() == {"gain": 2.0, "seed": 4, "dtype": "float32"}
    assert isinstance(keras_initializers.get("orthogonal"), init_ops.orthogonal_initializer)
    with tg.Graph().as_default():
        # the ops TensorFlow 1's Orthogonal builds, with its names
        init_ops.orthogonal_initializer(seed=1)([2, 5])
        assert [(op.name, op.type) for op in tg.get_default_graph().get_operations() if op.type != "Const"] == [
            ("random_normal/RandomStandardNormal", "RandomStandardNormal"), ("random_normal/mul", "Mul"),
            ("random_normal", "AddV2"), ("Qr", "Qr"), ("DiagPart", "DiagPart"), ("Sign", "Sign"), ("mul", "Mul"),
            ("matrix_transpose/transpose", "Transpose"), ("Reshape", "Reshape"), ("mul_1", "Mul")]


def test_qr_gradient_refuses_what_tensorflows_refuses():
    with tg.Graph().as_default():
        a = tg.placeholder(tg.float64, [4, 2])
        q, r = linalg_ops.qr(a, full_matrices=True)
        with pytest.raises(NotImplementedError, match="nrows > ncols and full_matrices is true"):
            tg.gradients(tg.reduce_sum(r), a)
        b = tg.placeholder(tg.float64, [None, None])
        with pytest.raises(NotImplementedError, match="dynamic shapes"):
            tg.gradients(tg.reduce_sum(linalg_ops.qr(b).r), b)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", complex_reference.cases("products", "triangular_solve_"))
def test_complex_gradients_match_tensorflow(device, case, known):
    """MatrixTriangularSolve of complex tensors: values and gradients recorded from TensorFlow
    (tests/data/tf_ops/record_complex_fft.py)."""
    complex_reference.check_case(device, case, known)
