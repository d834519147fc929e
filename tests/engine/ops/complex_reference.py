"""Replays the cases of tests/data/tf_ops/record_complex_fft.py (complex numbers, FFTs and the complex
gradients of the matrix products) in tagraph, against the values, gradients and errors TensorFlow 2.21
recorded into ``complex_fft.npz``.

A case is built with ``tagraph.compat.v1`` in place of ``tensorflow.compat.v1``, with shapes known while
building (whose static shapes must be TensorFlow's) or known only when run; its gradients are those of the
recorder's real linear loss.
"""
import importlib.util
import re

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tagraph.engine.framework import errors
from tf_reference import DATA as TF_OPS


def _load():
    spec = importlib.util.spec_from_file_location("record_complex_fft", TF_OPS / "record_complex_fft.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORDER = _load()
with np.load(TF_OPS / "complex_fft.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}

_ERRORS = {"InvalidArgumentError": errors.InvalidArgumentError, "ValueError": ValueError, "TypeError": TypeError}


def cases(family, prefix=""):
    return [pytest.param(c, id=c.name) for c in RECORDER.FAMILIES[family][0] if c.name.startswith(prefix)]


def error_cases(family):
    return [pytest.param(e, id=e.name) for e in RECORDER.FAMILIES[family][1]]


def _close(got, want):
    """Single-precision results within float32 rounding of sums of a few dozen terms (TensorFlow's
    kernels and numpy's sum in other orders); double precision ones to 1e-10, relative to the largest."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    scale = max(1.0, float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)))
    tol = 2e-6 if want.dtype in (np.float32, np.complex64) else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol * 10, atol=tol * scale * 10, equal_nan=True)


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_case(device, case, known, gradients=True):
    inputs = [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tfc.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        outs = _outputs(case.build(tfc, *phs))
        ups = [(k, DATA["%s:up%d" % (case.name, k)]) for k in range(len(outs)) if "%s:up%d" % (case.name, k) in DATA]
        wanted = case.grad if gradients else ()
        grads = tg.gradients(RECORDER.linear_loss(tfc, outs, ups), [phs[i] for i in wanted]) if wanted else []
        with tg.Session() as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, inputs)))
    for k, (o, g) in enumerate(zip(outs, got)):
        _close(g, DATA["%s:out%d" % (case.name, k)])
        if known:
            assert RECORDER.RECORD.shape_string(o.shape) == str(DATA["%s:shape%d" % (case.name, k)]), (k, o.shape)
        else:
            assert o.shape.is_compatible_with(DATA["%s:out%d" % (case.name, k)].shape), (k, o.shape)
    assert len(got_grads) == len(wanted)
    for i, g in zip(wanted, got_grads):
        _close(g, DATA["%s:grad%d" % (case.name, i)])


def check_error(device, err, message=None):
    """``err`` fails with TensorFlow's error class and message (``message``, a regular expression, where
    tagraph's wording of a Python object differs)."""
    cls_name, tf_message = (str(v) for v in DATA[err.name + ":error"])
    inputs = [DATA["%s:in%d" % (err.name, i)] for i in range(len(err.inputs))]
    with pytest.raises(_ERRORS[cls_name]) as info:
        with tg.Graph().as_default(), tg.device(device):
            phs = [tfc.placeholder(tg.as_dtype(a.dtype), list(a.shape) if err.static else None) for a in inputs]
            out = err.build(tfc, *phs)
            with tg.Session() as sess:
                sess.run(out, dict(zip(phs, inputs)))
    text = getattr(info.value, "message", None) or str(info.value)
    if message is not None:
        assert re.search(message, text), (text, tf_message)
        return
    core = tf_message.split(" for '{{node ")[0]
    assert core in text, (text, core)
