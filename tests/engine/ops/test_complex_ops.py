"""Complex, Real, Imag, Conj, ComplexAbs and Angle against TensorFlow 2.21's recorded values, gradients and
errors (tests/data/tf_ops/record_complex_fft.py), on the CPU and a simulated GPU, and the graphs their
constructors build."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from complex_reference import check_case, check_error, cases, error_cases

MESSAGES = {"conj_of_strings": r"Expected numeric or variant tensor, got dtype .*string"}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", cases("complex"))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", error_cases("complex"))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, MESSAGES.get(err.name))


def test_constructors_build_tensorflows_ops():
    with tg.Graph().as_default() as g:
        z = tfc.complex([1.0, 2.0], [3.0, 4.0])
        parts = [tfc.real(z), tfc.imag(z), tfc.conj(z), tfc.angle(z), tfc.abs(z), abs(z)]
        x = tfc.constant([1.0, -2.0])
        assert tfc.real(x) is x and tfc.conj(x) is x
    assert (z.op.name, z.op.type, z.dtype) == ("Complex", "Complex", tg.complex64)
    assert z.op.get_attr("Tout") == tg.complex64
    # As TensorFlow names them: "Real" is taken by the Const "real" (names are unique case-blind).
    assert [(t.op.name, t.op.type) for t in parts] == [
        ("Real_1", "Real"), ("Imag_1", "Imag"), ("Conj", "Conj"), ("Angle", "Angle"), ("Abs", "ComplexAbs"),
        ("Abs_1", "ComplexAbs")]
    assert [t.dtype for t in parts] == [tg.float32, tg.float32, tg.complex64, tg.float32, tg.float32, tg.float32]
    assert parts[0].op.get_attr("Tout") == tg.float32
    assert [n.name for n in g.as_graph_def().node][:2] == ["real", "imag"]


def test_gradient_graph_conjugates():
    with tg.Graph().as_default():
        z = tfc.placeholder(tg.complex128, [2])
        (gz,) = tg.gradients(tfc.real(tfc.reduce_sum(tfc.conj(z))), [z])
        assert gz.op.type == "Conj"


_R = np.random.default_rng(5)


def check_chain_gradient(device, build, values, eps=1e-6):
    """tg.gradients of ``sum(up * build(*xs))`` (real float64 xs, through complex intermediates) against
    central differences."""
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.float64, v.shape) for v in values]
        y = build(*phs)
        up = _R.standard_normal(y.shape.as_list())
        loss = tg.reduce_sum(y * up)
        grads = tg.gradients(loss, phs)
        with tg.Session() as sess:
            got = sess.run(grads, dict(zip(phs, values)))
            for k, v in enumerate(values):
                numeric = np.zeros_like(v)
                for j in range(v.size):
                    plus, minus = [a.copy() for a in values], [a.copy() for a in values]
                    plus[k].flat[j] += eps
                    minus[k].flat[j] -= eps
                    diff = sess.run(loss, dict(zip(phs, plus))) - sess.run(loss, dict(zip(phs, minus)))
                    numeric.flat[j] = diff / (2 * eps)
                np.testing.assert_allclose(got[k], numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("build", [
    pytest.param(lambda a, b: tfc.abs(tfc.complex(a, b)), id="abs"),
    pytest.param(lambda a, b: tfc.angle(tfc.complex(a, b)), id="angle"),
    pytest.param(lambda a, b: tfc.real(tfc.conj(tfc.complex(a, b))) * tfc.imag(tfc.complex(b, a)), id="parts"),
    pytest.param(lambda a, b: tfc.abs(tfc.matmul(tfc.complex(a, b), tfc.complex(b, a), adjoint_b=True)), id="matmul"),
])
def test_gradients_match_central_differences(device, build):
    values = [_R.uniform(0.5, 2.0, [3, 3]) * _R.choice([-1, 1], [3, 3]) for _ in range(2)]
    check_chain_gradient(device, build, values)
