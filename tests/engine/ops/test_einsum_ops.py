"""Einsum and tensordot against TensorFlow's recorded values and errors, on the CPU and a simulated GPU,
their gradients against central differences, and the graphs they build."""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
import complex_reference
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("einsum")

# TensorFlow's message shows the tensor's repr, which is tagraph's here; the dtype check is the op builder's.
MESSAGES = {"tensordot_too_many_axes": r"`axes` must not be larger than the number of dimensions of tensor .*"
                                       r"Received 3, vs tensor dimensions 2\.",
            "dtype_mismatch": r"Input 'inputs' of 'Einsum' Op has type float64 that does not match .*float32"}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name))


_R = np.random.default_rng(3)


@pytest.mark.parametrize("build, shapes", [
    pytest.param(lambda a, b: tg.einsum("ij,jk->ik", a, b), [(2, 3), (3, 2)], id="matmul"),
    pytest.param(lambda a, b: tg.einsum("...ij,jk->...ik", a, b), [(2, 2, 3), (3, 2)], id="ellipsis"),
    pytest.param(lambda a, b: tg.einsum("...ij,...jk->...ik", a, b), [(2, 1, 2, 3), (3, 3, 2)], id="broadcast"),
    pytest.param(lambda a: tg.einsum("ii->i", a), [(3, 3)], id="diagonal"),
    pytest.param(lambda a: tg.einsum("iij->ji", a), [(2, 2, 3)], id="diagonal_transpose"),
    pytest.param(lambda a: tg.einsum("ijk->ki", a), [(2, 3, 2)], id="reduce_transpose"),
    pytest.param(lambda a, b: tg.einsum("abc,cd->ad", a, b), [(2, 3, 2), (2, 3)], id="reduced_label"),
    pytest.param(lambda a, b: tg.einsum("ij,ij->", a, b), [(2, 3), (2, 3)], id="dot"),
])
def test_gradients_match_central_differences(device, build, shapes):
    check_gradient(device, build, [_R.standard_normal(s) for s in shapes])


def test_einsum_builds_tensorflows_ops():
    with tg.Graph().as_default():
        a, b = tg.placeholder(tg.float32, [2, 3]), tg.placeholder(tg.float32, [3, 4])
        e = tg.einsum("ij,jk", a, b)
        assert (e.op.name, e.op.type, e.op.get_attr("equation")) in [("einsum/Einsum", "Einsum", b"ij,jk->ik"),
                                                                       ("einsum/Einsum", "Einsum", "ij,jk->ik")]
        three = tg.einsum("ij,jk,kl->il", a, b, tg.transpose(b))
        assert [op.type for op in (three.op, three.op.inputs[0].op)] == ["Einsum", "Einsum"]


def test_tensordot_builds_tensorflows_graph():
    with tg.Graph().as_default() as g:
        a, b = tg.placeholder(tg.float32, [2, 3, 5]), tg.placeholder(tg.float32, [5, 3, 4])
        t = tg.tensordot(a, b, [[1, 2], [1, 0]])
        assert t.op.name == "Tensordot/MatMul" and t.shape == tg.TensorShape([2, 4])
        assert sorted(op.type for op in g.get_operations() if op.name.startswith("Tensordot")) == sorted(
            ["Const", "Reshape", "Const", "Transpose", "Const", "Reshape", "MatMul"])
    with tg.Graph().as_default() as g:
        a, b = tg.placeholder(tg.float32, None), tg.placeholder(tg.float32, None)
        t = tg.tensordot(a, b, 1)
        types = {op.type for op in g.get_operations()}
        assert {"ListDiff", "GatherV2", "Prod", "Transpose", "MatMul", "Rank", "Range"} <= types
        assert t.op.type == "Reshape" and t.op.name == "Tensordot"
        with tg.Session() as sess:
            x, y = _R.standard_normal((2, 3)).astype(np.float32), _R.standard_normal((3, 4)).astype(np.float32)
            np.testing.assert_allclose(sess.run(t, {a: x, b: y}), x @ y, rtol=1e-5)


def test_setdiff1d_is_tensorflows_list_diff(device):
    with tg.Graph().as_default(), tg.device(device):
        x, y = tg.placeholder(tg.int32, None), tg.placeholder(tg.int32, None)
        out, idx = tg.setdiff1d(x, y)
        assert out.op.type == "ListDiff" and out.shape.as_list() == [None] and idx.dtype == tg.int32
        with tg.Session() as sess:
            got = sess.run([out, idx], {x: [4, 1, 4, 3, 7], y: [1, 7, 9]})
            with pytest.raises(tg.errors.InvalidArgumentError, match="x should be a 1D vector."):
                sess.run(out, {x: [[1]], y: [1]})
    np.testing.assert_array_equal(got[0], [4, 4, 3])
    np.testing.assert_array_equal(got[1], [0, 2, 3])


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", complex_reference.cases("products", "einsum_"))
def test_complex_gradients_match_tensorflow(device, case, known):
    """Einsum of complex tensors: values and gradients recorded from TensorFlow
    (tests/data/tf_ops/record_complex_fft.py)."""
    complex_reference.check_case(device, case, known)
