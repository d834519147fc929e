"""Records what real TensorFlow computes for tests/engine/ops/test_complex_ops.py, test_fft_ops.py and the
complex-gradient tests of MatMul, BatchMatMulV2, Einsum and MatrixTriangularSolve: Complex, Real, Imag, Conj,
ComplexAbs, Angle, the FFTs (tf.signal, tf.spectral and TensorFlow 1's top-level names), the complex
products, tf.signal's frame, hann_window, hamming_window and stft, their gradients, and the errors of bad
inputs.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_complex_fft.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

The cases are record.py's ``Case``/``Err``; a case's ``build`` takes a TensorFlow-1 namespace
(``tensorflow.compat.v1`` here, ``tagraph.compat.v1`` in the tests). The loss whose gradients are recorded
is real and linear in every output: ``sum(o * up)`` for a real output, ``sum(real(o) * Re(up) + imag(o) *
Im(up))`` for a complex one (``up`` is recorded as ``<case>:up<k>``), so the gradient reaching a complex
output is ``up``. ``complex_fft.npz`` holds every case's inputs, outputs, static output shapes, upstream
gradients and input gradients, and each error case's class and message. Importing this file needs only numpy.
"""
import importlib.util
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record", os.path.join(HERE, "record.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
Case, Err, rand, i32 = RECORD.Case, RECORD.Err, RECORD.rand, RECORD.i32


def crand(shape, dtype=np.complex64, seed=0):
    """Deterministic complex values with both parts uniform in [-3, 3)."""
    part = np.float32 if dtype == np.complex64 else np.float64
    return (rand(shape, part, seed=seed) + 1j * rand(shape, part, seed=seed + 500)).astype(dtype)


def upstream(value, seed):
    """The upstream gradient of an output: random values of its dtype (complex ones with both parts)."""
    value = np.asarray(value)
    if value.dtype.kind == "c":
        return crand(value.shape, value.dtype.type, seed=seed)
    return rand(value.shape, value.dtype, seed=seed)


def linear_loss(tf, outs, ups):
    """The real loss ``sum_k <o_k, up_k>`` (a complex output's real and imaginary parts weighed apart)."""
    terms = []
    for k, up in ups:
        o = outs[k]
        if o.dtype.is_complex:
            terms.append(tf.reduce_sum(tf.real(o) * np.real(up)) + tf.reduce_sum(tf.imag(o) * np.imag(up)))
        else:
            terms.append(tf.reduce_sum(o * up))
    return tf.add_n(terms)


def _differentiable(value):
    return np.asarray(value).dtype.kind in "fc"


_Z64, _Z128 = crand([2, 3], np.complex64, seed=1), crand([2, 3], np.complex128, seed=2)
_WITH_ZEROS = np.array([[0, 3 + 4j, -2j], [1.5, 0, -1 - 1j]], np.complex64)

COMPLEX = [
    Case("complex", lambda tf, a, b: tf.complex(a, b), [rand([2, 3], seed=3), rand([2, 3], seed=4)], grad=[0, 1]),
    Case("complex_f64_broadcast", lambda tf, a, b: tf.complex(a, b),
         [rand([2, 3], np.float64, seed=5), rand([3], np.float64, seed=6)], grad=[0, 1]),
    Case("complex_special_values", lambda tf, a, b: tf.complex(a, b),
         [np.float32([np.inf, -0.0, np.nan, 1]), np.float32([1, np.inf, -2, np.nan])]),
    Case("real_c64", lambda tf, z: tf.real(z), [_Z64], grad=[0]),
    Case("real_c128", lambda tf, z: tf.math.real(z), [_Z128], grad=[0]),
    Case("imag_c64", lambda tf, z: tf.imag(z), [_Z64], grad=[0]),
    Case("imag_c128", lambda tf, z: tf.math.imag(z), [_Z128], grad=[0]),
    Case("conj_c64", lambda tf, z: tf.conj(z), [_Z64], grad=[0]),
    Case("conj_c128", lambda tf, z: tf.math.conj(z), [_Z128], grad=[0]),
    Case("angle_c64", lambda tf, z: tf.angle(z), [_Z64], grad=[0]),
    Case("angle_c128", lambda tf, z: tf.math.angle(z), [_Z128], grad=[0]),
    Case("abs_c64", lambda tf, z: tf.abs(z), [_Z64], grad=[0]),
    Case("abs_c128", lambda tf, z: tf.math.abs(z), [_Z128], grad=[0]),
    Case("abs_zeros", lambda tf, z: tf.abs(z), [_WITH_ZEROS], grad=[0]),
    Case("abs_squared", lambda tf, z: tf.abs(z) ** 2, [_Z128], grad=[0]),
    Case("parts_of_real", lambda tf, x: [tf.real(x), tf.imag(x), tf.conj(x), tf.angle(x)],
         [np.float32([-1.5, 0, 2])], grad=[0]),
    Case("round_trip", lambda tf, z: tf.complex(tf.real(z), tf.imag(tf.conj(z))), [_Z128], grad=[0]),
]

COMPLEX_ERRORS = [
    Err("complex_incompatible_shapes", lambda tf, a, b: tf.complex(a, b),
        [np.float32([1, 2]), np.float32([1, 2, 3])]),
    Err("complex_incompatible_shapes_static", lambda tf, a, b: tf.complex(a, b),
        [np.float32([1, 2]), np.float32([1, 2, 3])], static=True),
    Err("complex_mixed_types", lambda tf, a, b: tf.complex(a, b), [np.float32([1]), np.float64([1])], static=True),
    Err("complex_of_ints", lambda tf, a, b: tf.complex(a, b), [i32([1]), i32([2])], static=True),
    Err("conj_of_strings", lambda tf, s: tf.conj(s), [np.array([b"a"])], static=True),
    Err("real_of_strings", lambda tf, s: tf.real(s), [np.array([b"a"])], static=True),
]


def _fft_cases(dtype, tag, seed):
    part = np.float32 if dtype == np.complex64 else np.float64
    return [
        Case("fft_" + tag, lambda tf, z: tf.signal.fft(z), [crand([3, 8], dtype, seed=seed)], grad=[0]),
        Case("ifft_" + tag, lambda tf, z: tf.signal.ifft(z), [crand([2, 7], dtype, seed=seed + 1)], grad=[0]),
        Case("fft2d_" + tag, lambda tf, z: tf.signal.fft2d(z), [crand([2, 4, 6], dtype, seed=seed + 2)], grad=[0]),
        Case("ifft2d_" + tag, lambda tf, z: tf.signal.ifft2d(z), [crand([3, 5], dtype, seed=seed + 3)], grad=[0]),
        Case("fft3d_" + tag, lambda tf, z: tf.signal.fft3d(z), [crand([2, 3, 4, 5], dtype, seed=seed + 4)],
             grad=[0]),
        Case("ifft3d_" + tag, lambda tf, z: tf.signal.ifft3d(z), [crand([3, 2, 4], dtype, seed=seed + 5)], grad=[0]),
        Case("rfft_" + tag, lambda tf, x: tf.signal.rfft(x), [rand([3, 8], part, seed=seed + 6)], grad=[0]),
        Case("rfft_odd_" + tag, lambda tf, x: tf.signal.rfft(x), [rand([2, 7], part, seed=seed + 7)], grad=[0]),
        Case("rfft_padded_" + tag, lambda tf, x: tf.signal.rfft(x, [12]), [rand([2, 9], part, seed=seed + 8)],
             grad=[0]),
        Case("rfft_cropped_" + tag, lambda tf, x: tf.signal.rfft(x, [5]), [rand([2, 9], part, seed=seed + 9)]),
        Case("irfft_" + tag, lambda tf, z: tf.signal.irfft(z), [crand([3, 5], dtype, seed=seed + 10)], grad=[0]),
        Case("irfft_odd_" + tag, lambda tf, z: tf.signal.irfft(z, [9]), [crand([2, 5], dtype, seed=seed + 11)],
             grad=[0]),
        Case("irfft_padded_" + tag, lambda tf, z: tf.signal.irfft(z, [14]), [crand([2, 5], dtype, seed=seed + 12)],
             grad=[0]),
        Case("irfft_cropped_" + tag, lambda tf, z: tf.signal.irfft(z, [4]), [crand([2, 6], dtype, seed=seed + 13)]),
        Case("rfft2d_" + tag, lambda tf, x: tf.signal.rfft2d(x), [rand([2, 4, 6], part, seed=seed + 14)], grad=[0]),
        Case("rfft2d_odd_" + tag, lambda tf, x: tf.signal.rfft2d(x), [rand([3, 5], part, seed=seed + 15)], grad=[0]),
        Case("rfft2d_padded_" + tag, lambda tf, x: tf.signal.rfft2d(x, [5, 8]), [rand([3, 6], part, seed=seed + 16)],
             grad=[0]),
        Case("rfft2d_cropped_" + tag, lambda tf, x: tf.signal.rfft2d(x, [2, 4]),
             [rand([3, 6], part, seed=seed + 17)]),
        Case("irfft2d_" + tag, lambda tf, z: tf.signal.irfft2d(z), [crand([2, 4, 5], dtype, seed=seed + 18)],
             grad=[0]),
        Case("irfft2d_lengths_" + tag, lambda tf, z: tf.signal.irfft2d(z, [6, 7]),
             [crand([4, 3], dtype, seed=seed + 19)], grad=[0]),
        Case("rfft3d_" + tag, lambda tf, x: tf.signal.rfft3d(x), [rand([2, 3, 4], part, seed=seed + 20)]),
        Case("irfft3d_" + tag, lambda tf, z: tf.signal.irfft3d(z, [2, 3, 5]),
             [crand([2, 3, 3], dtype, seed=seed + 21)]),
    ]


FFT = _fft_cases(np.complex64, "c64", 100) + _fft_cases(np.complex128, "c128", 200) + [
    Case("tf1_names", lambda tf, z, x: [tf.fft(z), tf.ifft(z), tf.fft2d(z), tf.ifft2d(z), tf.spectral.fft(z),
                                        tf.spectral.rfft(x), tf.spectral.irfft(z), tf.spectral.rfft2d(x)],
         [crand([2, 4], seed=300), rand([2, 4], seed=301)], grad=[0, 1]),
    Case("power_spectrum", lambda tf, x: tf.abs(tf.signal.rfft(x, [16])) ** 2, [rand([3, 10], seed=302)], grad=[0]),
    Case("fft_of_complex", lambda tf, a, b: tf.signal.fft(tf.complex(a, b)),
         [rand([2, 6], np.float64, seed=303), rand([2, 6], np.float64, seed=304)], grad=[0, 1]),
    Case("empty_fft", lambda tf, z: tf.signal.fft(z), [np.zeros([0, 4], np.complex64)]),
]

FFT_ERRORS = [
    Err("fft2d_rank_too_small_static", lambda tf, z: tf.signal.fft2d(z), [crand([4], seed=400)], static=True),
    Err("fft2d_rank_too_small", lambda tf, z: tf.signal.fft2d(z), [crand([4], seed=401)]),
    Err("fft_of_floats", lambda tf, x: tf.signal.fft(x), [rand([4], seed=402)], static=True),
    Err("rfft_of_complex", lambda tf, z: tf.signal.rfft(z), [crand([4], seed=403)], static=True),
    Err("irfft_of_floats", lambda tf, x: tf.signal.irfft(x), [rand([4], seed=404)], static=True),
    Err("rfft_negative_length", lambda tf, x, n: tf.signal.rfft(x, n), [rand([4], seed=405), i32([-1])]),
    Err("irfft_negative_length", lambda tf, z, n: tf.signal.irfft(z, n), [crand([4], seed=406), i32([-2])]),
    Err("rfft_negative_length_constant", lambda tf, x: tf.signal.rfft(x, [-1]), [rand([4], seed=407)], static=True),
    Err("rfft_length_of_wrong_size", lambda tf, x: tf.signal.rfft(x, [4, 4]), [rand([3, 8], seed=408)], static=True),
]

_A64, _B64 = crand([2, 3], seed=500), crand([3, 4], seed=501)


def _lower(n, dtype, seed):
    """A well-conditioned lower triangular complex matrix (noise above the diagonal, which is not read)."""
    a = crand([n, n], dtype, seed=seed) * 0.3
    return (a + 2 * np.eye(n)).astype(dtype)


PRODUCTS = [
    Case("matmul_c64", lambda tf, a, b: tf.matmul(a, b), [_A64, _B64], grad=[0, 1]),
    Case("matmul_c128_transpose_a", lambda tf, a, b: tf.matmul(a, b, transpose_a=True),
         [crand([3, 2], np.complex128, seed=502), crand([3, 4], np.complex128, seed=503)], grad=[0, 1]),
    Case("matmul_c128_adjoint_b", lambda tf, a, b: tf.matmul(a, b, adjoint_b=True),
         [crand([2, 3], np.complex128, seed=504), crand([4, 3], np.complex128, seed=505)], grad=[0, 1]),
    Case("matmul_c64_adjoint_a_transpose_b", lambda tf, a, b: tf.matmul(a, b, adjoint_a=True, transpose_b=True),
         [crand([3, 2], seed=506), crand([4, 3], seed=507)], grad=[0, 1]),
    Case("batch_matmul_c128", lambda tf, a, b: tf.matmul(a, b),
         [crand([2, 2, 3], np.complex128, seed=508), crand([2, 3, 2], np.complex128, seed=509)], grad=[0, 1]),
    Case("batch_matmul_c64_adjoint_broadcast", lambda tf, a, b: tf.matmul(a, b, adjoint_a=True),
         [crand([2, 1, 3, 2], seed=510), crand([3, 3, 4], seed=511)], grad=[0, 1]),
    Case("batch_matmul_c128_transpose_b", lambda tf, a, b: tf.matmul(a, b, transpose_b=True),
         [crand([2, 2, 3], np.complex128, seed=512), crand([2, 4, 3], np.complex128, seed=513)], grad=[0, 1]),
    Case("einsum_c64", lambda tf, a, b: tf.einsum("ij,jk->ik", a, b), [_A64, _B64], grad=[0, 1]),
    Case("einsum_c128_batch", lambda tf, a, b: tf.einsum("bij,bkj->bik", a, b),
         [crand([2, 2, 3], np.complex128, seed=514), crand([2, 4, 3], np.complex128, seed=515)], grad=[0, 1]),
    Case("einsum_c64_broadcast_reduce", lambda tf, a, b: tf.einsum("...ij,jk->...k", a, b),
         [crand([2, 2, 3], seed=516), crand([3, 4], seed=517)], grad=[0, 1]),
    Case("einsum_c128_unary", lambda tf, a: tf.einsum("ij->ji", a), [crand([2, 3], np.complex128, seed=518)],
         grad=[0]),
    Case("triangular_solve_c128", lambda tf, a, b: tf.linalg.triangular_solve(a, b),
         [_lower(3, np.complex128, 519), crand([3, 2], np.complex128, seed=520)], grad=[0, 1]),
    Case("triangular_solve_c128_adjoint", lambda tf, a, b: tf.linalg.triangular_solve(a, b, adjoint=True),
         [_lower(3, np.complex128, 521), crand([3, 2], np.complex128, seed=522)], grad=[0, 1]),
    Case("triangular_solve_c64_upper_batch", lambda tf, a, b: tf.matrix_triangular_solve(a, b, lower=False),
         [np.swapaxes(np.stack([_lower(3, np.complex64, 523), _lower(3, np.complex64, 524)]), -1, -2).copy(),
          crand([2, 3, 2], seed=525)], grad=[0, 1]),
    Case("triangular_solve_c128_broadcast", lambda tf, a, b: tf.linalg.triangular_solve(a, b),
         [_lower(3, np.complex128, 526), crand([2, 3, 1], np.complex128, seed=527)], grad=[0, 1]),
]

_SIGNAL = rand([2, 40], seed=600)

SIGNAL = [
    Case("frame", lambda tf, x: tf.signal.frame(x, 6, 4), [rand([2, 20], seed=601)], grad=[0]),
    Case("frame_pad_end", lambda tf, x: tf.signal.frame(x, 6, 4, pad_end=True, pad_value=0.5),
         [rand([2, 21], seed=602)], grad=[0]),
    Case("frame_axis0", lambda tf, x: tf.signal.frame(x, 4, 3, axis=0), [rand([10, 3], np.float64, seed=603)],
         grad=[0]),
    Case("frame_coprime", lambda tf, x: tf.signal.frame(x, 5, 3), [rand([15], seed=604)], grad=[0]),
    Case("frame_too_short", lambda tf, x: tf.signal.frame(x, 8, 2), [rand([2, 5], seed=605)]),
    Case("frame_fed_length", lambda tf, x, n: tf.signal.frame(x, n, 3), [rand([2, 16], seed=606), i32(6)]),
    Case("frame_ints", lambda tf, x: tf.signal.frame(x, 3, 3, pad_end=True), [i32(np.arange(10))]),
    Case("windows", lambda tf: [tf.signal.hann_window(8), tf.signal.hann_window(7, periodic=False),
                                tf.signal.hamming_window(6, dtype=tf.float64), tf.signal.hamming_window(1),
                                tf.signal.hann_window(5, periodic=False, dtype=tf.float64)], []),
    Case("window_fed_length", lambda tf, n: [tf.signal.hann_window(n), tf.signal.hamming_window(n, False)],
         [i32(9)]),
    Case("stft", lambda tf, x: tf.signal.stft(x, 16, 8), [_SIGNAL], grad=[0]),
    Case("stft_padded", lambda tf, x: tf.signal.stft(x, 12, 5, fft_length=32, pad_end=True), [_SIGNAL], grad=[0]),
    Case("stft_hamming_f64", lambda tf, x: tf.signal.stft(x, 10, 10, window_fn=tf.signal.hamming_window),
         [rand([3, 30], np.float64, seed=607)], grad=[0]),
    Case("stft_no_window", lambda tf, x: tf.signal.stft(x, 8, 4, window_fn=None), [rand([25], seed=608)], grad=[0]),
    Case("spectrogram", lambda tf, x: tf.abs(tf.signal.stft(x, 16, 8, 16)) ** 2, [_SIGNAL], grad=[0]),
]

FAMILIES = {"complex": (COMPLEX, COMPLEX_ERRORS), "fft": (FFT, FFT_ERRORS), "products": (PRODUCTS, []),
            "signal": (SIGNAL, [])}


def _record_family(tf, name, data):
    cases, errs = FAMILIES[name]
    for c in cases:
        g = tf.Graph()
        with g.as_default():
            phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in c.inputs]
            outs = RECORD._as_list(c.build(tf, *phs))
            feed = dict(zip(phs, c.inputs))
            with tf.Session() as sess:
                values = sess.run(outs, feed)
                ups = [(k, upstream(v, 1000 + k)) for k, v in enumerate(values)
                       if outs[k].dtype.is_floating or outs[k].dtype.is_complex]
                grads = []
                if c.grad:
                    grads = sess.run(tf.gradients(linear_loss(tf, outs, ups), [phs[i] for i in c.grad]), feed)
        for i, a in enumerate(c.inputs):
            data["%s:in%d" % (c.name, i)] = a
        for k, v in enumerate(values):
            data["%s:out%d" % (c.name, k)] = np.asarray(v)
            data["%s:shape%d" % (c.name, k)] = np.array(RECORD.shape_string(outs[k].shape))
        for k, up in ups:
            data["%s:up%d" % (c.name, k)] = up
        for i, v in zip(c.grad, grads):
            data["%s:grad%d" % (c.name, i)] = np.asarray(v)
    for e in errs:
        g = tf.Graph()
        try:
            with g.as_default():
                phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape if e.static else None) for a in e.inputs]
                out = e.build(tf, *phs)
                with tf.Session() as sess:
                    sess.run(out, dict(zip(phs, e.inputs)))
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data["%s:error" % e.name] = np.array([type(ex).__name__, RECORD._error_message(ex)])
        else:
            sys.exit("%s: TensorFlow raised no error" % e.name)
        for i, a in enumerate(e.inputs):
            data["%s:in%d" % (e.name, i)] = a


def main(tf):
    data = {}
    for name in FAMILIES:
        _record_family(tf, name, data)
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "complex_fft.npz")
    np.savez_compressed(path, **data)
    print("wrote %s (%d arrays)" % (path, len(data)))


if __name__ == "__main__":
    import tensorflow.compat.v1 as tf1  # noqa: only the recording needs TensorFlow
    tf1.disable_eager_execution()
    main(tf1)
