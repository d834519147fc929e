"""MatrixDiag, MatrixDiagPart, MatrixSetDiag and their V2/V3 forms against TensorFlow 2.21's recorded values,
static shapes, gradients and errors (tests/data/tf_ops/record_matrix_diag.py), on the CPU and a simulated GPU,
with numeric gradient checks and the op types TensorFlow 1's names build."""
import importlib.util

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tagraph.engine.ops import matrix_diag_ops
from tagraph.engine.ops.op_util import gen1
from gradient_checks import check_gradient
from tf_reference import DATA as TF_OPS, check_error


def _load():
    spec = importlib.util.spec_from_file_location("record_matrix_diag", TF_OPS / "record_matrix_diag.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DIAG = _load()
with np.load(TF_OPS / "matrix_diag.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in DIAG.MATRIX_DIAG])
def test_matches_tensorflow(device, case, known):
    inputs = [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        outs = _outputs(case.build(tfc, *phs))
        ups = {k: DATA["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in DATA}
        grads = []
        if case.grad:
            loss = tg.add_n([tg.reduce_sum(outs[k] * up) for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with tg.Session() as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, inputs)))
    for k, (o, g) in enumerate(zip(outs, got)):
        want = DATA["%s:out%d" % (case.name, k)]
        g = np.asarray(g)
        assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
        np.testing.assert_array_equal(g, want)         # moving values: exact
        if known:
            assert DIAG.RECORD.shape_string(o.shape) == str(DATA["%s:shape%d" % (case.name, k)]), (k, o.shape)
        else:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape)
    for i, g in zip(case.grad, got_grads):
        want = DATA["%s:grad%d" % (case.name, i)]
        assert np.asarray(g).shape == want.shape
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("err", [pytest.param(e, id=e.name) for e in DIAG.MATRIX_DIAG_ERRORS])
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    wrapped = DIAG.Err(err.name, lambda _tg, *phs: err.build(tfc, *phs), err.inputs, static=err.static)
    check_error(device, wrapped, DATA)


_R = np.random.default_rng(5)


@pytest.mark.parametrize("align", DIAG.ALIGNS)
@pytest.mark.parametrize("build, args", [
    pytest.param(lambda align: lambda d: matrix_diag_ops.matrix_diag(d, k=(-1, 1), num_cols=4, align=align),
                 [_R.normal(size=(2, 3, 3))], id="diag_band"),
    pytest.param(lambda align: lambda a: matrix_diag_ops.matrix_diag_part(a, k=(-2, 0), align=align),
                 [_R.normal(size=(4, 3))], id="diag_part_band"),
    pytest.param(lambda align: lambda a, d: matrix_diag_ops.matrix_set_diag(a, d, k=(0, 1), align=align),
                 [_R.normal(size=(2, 3, 4)), _R.normal(size=(2, 2, 3))], id="set_diag_band"),
])
def test_gradients_match_central_differences(device, build, args, align):
    check_gradient(device, build(align), args)


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_v1_gradients_match_central_differences(device, dynamic):
    check_gradient(device, lambda d: gen1("MatrixDiag", [d]), [_R.normal(size=(2, 3))], dynamic=dynamic)
    check_gradient(device, lambda a: gen1("MatrixDiagPart", [a]), [_R.normal(size=(3, 2))], dynamic=dynamic)
    check_gradient(device, lambda a, d: gen1("MatrixSetDiag", [a, d]), [_R.normal(size=(3, 2)), _R.normal(size=2)],
                   dynamic=dynamic)


def test_tensorflow_1_names_build_tensorflows_op_types():
    with tg.Graph().as_default() as g:
        a = tg.placeholder(tg.float32, [3, 3])
        d = tg.placeholder(tg.float32, [3])
        built = {
            "matrix_diag": tfc.matrix_diag(d), "linalg.diag": tfc.linalg.diag(d),
            "matrix_diag_part": tfc.matrix_diag_part(a), "linalg.diag_part": tfc.linalg.diag_part(a),
            "matrix_set_diag": tfc.matrix_set_diag(a, d), "linalg.set_diag": tfc.linalg.set_diag(a, d),
        }
        types = {k: v.op.type for k, v in built.items()}
        assert types == {"matrix_diag": "MatrixDiagV3", "linalg.diag": "MatrixDiagV3",
                         "matrix_diag_part": "MatrixDiagPartV3", "linalg.diag_part": "MatrixDiagPartV3",
                         "matrix_set_diag": "MatrixSetDiagV3", "linalg.set_diag": "MatrixSetDiagV3"}
        # TensorFlow's names and attributes: diag/k, diag/num_rows, ..., align RIGHT_LEFT
        op = built["matrix_diag"].op
        assert [t.op.name for t in op.inputs] == ["Placeholder_1", "diag/k", "diag/num_rows", "diag/num_cols",
                                                  "diag/padding_value"]
        assert op.get_attr("align") in ("RIGHT_LEFT", b"RIGHT_LEFT")
        assert g.as_graph_def().node[-1].attr["align"].s == b"RIGHT_LEFT"
    # tf.diag stays the tensor diagonal (Diag), tf.linalg.diag the matrix one
    assert tfc.diag is not tfc.linalg.diag


def test_graph_def_crosses_and_runs():
    with tg.Graph().as_default() as g:
        d = tg.placeholder(tg.float64, [2, 3], name="d")
        tfc.linalg.diag(d, k=(0, 1), num_cols=4, align="LEFT_RIGHT", name="out")
        graph_def = g.as_graph_def()
    value = np.arange(6.0).reshape(2, 3)
    with tg.Graph().as_default():
        tg.import_graph_def(graph_def, name="")
        with tg.Session() as sess:
            got = sess.run("out:0", {"d:0": value})
    # diagonals 1 and 0 of a 3x4 matrix, both of length 3: stored top diagonal first, nothing else set
    assert got.shape == (3, 4)
    np.testing.assert_array_equal(np.triu(got, 2) + np.tril(got, -1), np.zeros((3, 4)))
    np.testing.assert_array_equal(np.diagonal(got), value[1])
    np.testing.assert_array_equal(np.diagonal(got, 1), value[0])
