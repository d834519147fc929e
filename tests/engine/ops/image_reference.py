"""The shared check of tg.image against the values real TensorFlow recorded (tests/data/image/).

tests/data/image/record_image.py defines each family's cases once; TensorFlow 2.21 ran them into
``<family>.npz`` and the tests here build the same graphs with ``tagraph.engine`` in place of
``tensorflow.compat.v1``, on the CPU and a simulated GPU (soft placement: the codecs run on the CPU, as in
TensorFlow), with shapes known while building (TensorFlow's static shapes must match too) and with shapes
known only when run.
"""
import importlib.util
import pathlib
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "image"


def _load_record():
    spec = importlib.util.spec_from_file_location("image_record", DATA / "record_image.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
_ERRORS = {"InvalidArgumentError": errors.InvalidArgumentError, "ValueError": ValueError, "TypeError": TypeError,
           "FailedPreconditionError": errors.FailedPreconditionError, "InternalError": errors.InternalError,
           "OutOfRangeError": errors.OutOfRangeError}


def family(name):
    """(case params, error-case params, recorded arrays) of a family of record_image.py."""
    with np.load(DATA / (name + ".npz")) as f:
        data = {k: f[k] for k in f.files}
    return ([pytest.param(c, id=c.name) for c in RECORD.cases(name)],
            [pytest.param(e, id=e.name) for e in RECORD.errors(name)], data)


def _value(data, key):
    """A recorded value: bytes for a string, an object array for strings (see record_image.as_array)."""
    v = data[key]
    if key + ":bytes" in data:
        return v.tobytes()
    if key + ":strings" in data:
        raw, ends = v.tobytes(), np.cumsum(data[key + ":lengths"])
        items = [raw[e - n:e] for e, n in zip(ends, data[key + ":lengths"])]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(tuple(data[key + ":strings"]))
    return v


def inputs(case, data):
    return [_value(data, "%s:in%d" % (case.name, i)) for i in range(len(case.inputs))]


def _placeholder(a, known):
    if isinstance(a, bytes):
        return tg.placeholder(tg.string, [])
    dtype = tg.string if a.dtype.kind in "SO" else tg.as_dtype(a.dtype)
    return tg.placeholder(dtype, list(a.shape) if known else [None] * a.ndim)


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _session():
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True))


def check_case(device, case, data, known, rtol=None, atol=0.0):
    """Builds ``case`` on ``device``, runs it and its gradients and compares them with TensorFlow's: outputs
    exactly (to ``rtol``/``atol`` where given), gradients to float rounding."""
    values = inputs(case, data)
    with tg.Graph().as_default(), tg.device(device):
        phs = [_placeholder(a, known) for a in values]
        outs = _as_list(case.build(tg, *phs))
        ups = {k: data["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in data}
        grads = []
        if case.grad:
            loss = tg.add_n([tg.reduce_sum(tg.cast(outs[k], tg.float64) * up.astype(np.float64))
                             for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with _session() as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, values)))
    for k, (o, g) in enumerate(zip(outs, got)):
        key = "%s:out%d" % (case.name, k)
        want = _value(data, key)
        if isinstance(want, bytes):
            assert isinstance(g, bytes) and g == want, (k, len(g), len(want))
        elif want.dtype == object:
            assert np.asarray(g).shape == want.shape and all(a == b for a, b in zip(np.ravel(g), want.ravel())), k
        else:
            g = np.asarray(g)
            assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
            if rtol is None:
                np.testing.assert_array_equal(g, want, err_msg="output %d" % k)
            else:
                np.testing.assert_allclose(g, want, rtol=rtol, atol=atol, equal_nan=True, err_msg="output %d" % k)
        if known:
            assert RECORD.shape_string(o.shape) == str(data["%s:shape%d" % (case.name, k)]), (k, o.shape)
        else:
            assert o.shape.is_compatible_with(np.shape(want) if not isinstance(want, bytes) else []), (k, o.shape)
    for i, g in zip(case.grad, got_grads):
        want = data["%s:grad%d" % (case.name, i)]
        assert np.asarray(g).shape == want.shape and np.asarray(g).dtype == want.dtype, (i, np.shape(g), want.shape)
        tol = dict(rtol=2e-3, atol=2e-3) if want.dtype == np.float16 else dict(
            rtol=1e-5, atol=1e-6 * max(1.0, float(np.abs(want).max())))
        np.testing.assert_allclose(g, want, **tol, err_msg="gradient %d" % i)


def check_error(device, err, data, message=None):
    """``err`` fails in tagraph with TensorFlow's error class and message (the part that says what was
    wrong; ``message``, a regular expression, where tagraph's wording differs)."""
    cls_name, tf_message = (str(v) for v in data[err.name + ":error"])
    values = [_value(data, "%s:in%d" % (err.name, i)) for i in range(len(err.inputs))]
    with pytest.raises(_ERRORS[cls_name]) as info:
        with tg.Graph().as_default(), tg.device(device):
            phs = [_placeholder(a, True) if err.static or isinstance(a, bytes) else
                   tg.placeholder(tg.string if a.dtype.kind in "SO" else tg.as_dtype(a.dtype), None) for a in values]
            out = err.build(tg, *phs)
            with _session() as sess:
                sess.run(out, dict(zip(phs, values)))
    text = getattr(info.value, "message", None) or str(info.value)
    if message is not None:
        assert re.search(message, text), (text, tf_message)
        return
    core = tf_message.split(" for '{{node ")[0]
    assert core in text, (text, core)
