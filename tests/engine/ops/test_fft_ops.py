"""FFT, IFFT, FFT2D, IFFT2D, FFT3D, IFFT3D, RFFT, IRFFT, RFFT2D, IRFFT2D, RFFT3D, IRFFT3D against TensorFlow
2.21's recorded values, gradients and errors (tests/data/tf_ops/record_complex_fft.py), on the CPU and a
simulated GPU; the graphs tf.signal's functions build; the kernels' own checks."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from complex_reference import check_case, check_error, cases, error_cases
from tagraph.engine.framework import errors

# TensorFlow's messages show the tensor's repr, which is tagraph's here.
MESSAGES = {"rfft_of_complex": r"^RFFT requires tf.float32 or tf.float64 inputs, got: .*complex64",
            "irfft_of_floats": r"^IRFFT requires tf.complex64 or tf.complex128 inputs, got: .*float32",
            # The dtype check is the op builder's, in its own words.
            "fft_of_floats": r"float32 is not in the list of allowed values .*complex64, complex128"}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", cases("fft"))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", error_cases("fft"))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, MESSAGES.get(err.name))


def test_builds_tensorflows_graph():
    # The nodes TensorFlow 2.21 builds for these lines (a dangling Const of fft_length included).
    with tg.Graph().as_default() as g:
        a, b = tfc.placeholder(tg.complex64, [2, 3]), tfc.placeholder(tg.complex64, [4, 3])
        tfc.matmul(a, b, adjoint_b=True)
        x = tfc.placeholder(tg.float32, [3, 8])
        r = tfc.signal.rfft(x, [10])
        ir = tfc.signal.irfft(r)
    assert [(n.name, n.op) for n in g.as_graph_def().node] == [
        ("Placeholder", "Placeholder"), ("Placeholder_1", "Placeholder"), ("MatMul/Conj", "Conj"),
        ("MatMul", "MatMul"), ("Placeholder_2", "Placeholder"), ("rfft/Const", "Const"),
        ("rfft/Pad/paddings", "Const"), ("rfft/Pad", "Pad"), ("rfft/fft_length", "Const"), ("rfft", "RFFT"),
        ("irfft/Const", "Const"), ("irfft/fft_length", "Const"), ("irfft", "IRFFT")]
    assert (r.op.get_attr("Tcomplex"), ir.op.get_attr("Treal")) == (tg.complex64, tg.float32)
    assert r.shape.as_list() == [3, 6] and ir.shape.as_list() == [3, 10]


def test_shapes_with_unknown_lengths():
    with tg.Graph().as_default():
        n = tfc.placeholder(tg.int32, [2])
        y = tfc.signal.rfft2d(tfc.placeholder(tg.float64, [5, 4, 6]), n)
        # The input is padded by lengths known only when run: no dimension is known after it, as in TensorFlow.
        assert y.dtype == tg.complex128 and y.shape.as_list() == [None, None, None]
        z = tfc.signal.fft2d(tfc.placeholder(tg.complex64, [5, None, 6]))
        assert z.shape.as_list() == [5, None, 6]
        with pytest.raises(ValueError, match="Shape must be at least rank 3 but is rank 2"):
            tfc.signal.fft3d(tfc.placeholder(tg.complex64, [4, 4]))


def _run_raw(device, op_type, x, fft_length):
    with tg.Graph().as_default(), tg.device(device):
        xt = tfc.placeholder(tg.as_dtype(x.dtype))
        n = tfc.placeholder(tg.int32)
        attrs = {"Tcomplex": tg.complex64} if op_type.startswith("R") else {"Treal": tg.float32}
        y = tg.make_op(op_type, [xt, n], attrs)
        with tg.Session() as sess:
            return sess.run(y, {xt: x, n: fft_length})


def test_kernels_check_lengths_as_tensorflows(device):
    # TensorFlow 2.21's messages, from its kernels (tf.raw_ops, which tagraph.compat.v1 does not have).
    x = np.ones([3], np.float32)
    with pytest.raises(errors.InvalidArgumentError, match=r"^Input dimension 0 must have length of at least 5 "
                                                          r"but got: 3\n"):
        _run_raw(device, "RFFT", x, np.int32([5]))
    with pytest.raises(errors.InvalidArgumentError, match=r"^Input dimension 0 must have length of at least 5 "
                                                          r"but got: 3\n"):
        _run_raw(device, "IRFFT", x.astype(np.complex64), np.int32([8]))
    with pytest.raises(errors.InvalidArgumentError, match=r"^fft_length must have shape \[1\]\n"):
        _run_raw(device, "RFFT", x, np.int32([3, 3]))
    np.testing.assert_allclose(_run_raw(device, "RFFT", np.float32([1, 2, 3, 4]), np.int32([2])), [3, -1])
