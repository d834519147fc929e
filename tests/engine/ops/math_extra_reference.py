"""The shared checks of the math_*_extra_ops tests against what TensorFlow 2.21 recorded
(tests/data/tf_ops/record_math_extra.py): values and static shapes, gradients, errors, and op types."""
import importlib.util
import json
import re

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tagraph.engine.framework import errors
from tf_reference import DATA as TF_OPS


def _load():
    spec = importlib.util.spec_from_file_location("record_math_extra", TF_OPS / "record_math_extra.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORDER = _load()
with np.load(TF_OPS / "math_extra.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}
GRAPHS = json.loads((TF_OPS / "math_extra_graphs.json").read_text())

# confusion_matrix's assertions carry strings, which live on the host: the CPU runs those ops, whatever
# device the graph asks for (under soft placement).
HOST_ONLY = ("confusion_matrix",)
_ERRORS = {"InvalidArgumentError": errors.InvalidArgumentError, "InternalError": errors.InternalError,
           "ValueError": ValueError, "TypeError": TypeError}


def params(cases):
    return [pytest.param(c, id=c.name) for c in cases]


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return dict(rtol=2e-6, atol=1e-6)
    if dtype.kind == "f":
        return dict(rtol=1e-12, atol=1e-13)
    return dict(rtol=0, atol=0)


def _session(case_name):
    soft = case_name.startswith(HOST_ONLY)
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) if soft else tg.Session()


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_case(device, case, known):
    """``case`` built with tagraph.compat.v1 on ``device`` (shapes known while building, or not) gives
    TensorFlow's values, static shapes and gradients."""
    inputs = [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        outs = _outputs(case.build(tfc, *phs))
        ups = {k: DATA["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in DATA}
        grads = []
        if case.grad:
            loss = tg.add_n([tg.reduce_sum(outs[k] * up) for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with _session(case.name) as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, inputs)))
    for k, (o, g) in enumerate(zip(outs, got)):
        want = DATA["%s:out%d" % (case.name, k)]
        g = np.asarray(g)
        assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
        np.testing.assert_allclose(g, want, equal_nan=True, **_tol(want.dtype))
        if known:
            assert RECORDER.RECORD.shape_string(o.shape) == str(DATA["%s:shape%d" % (case.name, k)]), (k, o.shape)
        else:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape)
    for i, g in zip(case.grad, got_grads):
        want = DATA["%s:grad%d" % (case.name, i)]
        assert np.asarray(g).shape == want.shape, (i, np.shape(g), want.shape)
        np.testing.assert_allclose(g, want, equal_nan=True, **_tol(want.dtype))


def check_error(device, err, message=None):
    """``err`` fails with TensorFlow's error class and the part of its message that says what was wrong."""
    cls_name, tf_message = (str(v) for v in DATA[err.name + ":error"])
    inputs = [DATA["%s:in%d" % (err.name, i)] for i in range(len(err.inputs))]
    with pytest.raises(_ERRORS[cls_name]) as info:
        with tg.Graph().as_default(), tg.device(device):
            phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if err.static else None) for a in inputs]
            out = err.build(tfc, *phs)
            with _session(err.name) as sess:
                sess.run(out, dict(zip(phs, inputs)))
    text = getattr(info.value, "message", None) or str(info.value)
    if message is not None:
        assert re.search(message, text), (text, tf_message)
        return
    core = tf_message.split(" for '{{node ")[0]
    assert core in text, (text, core)


# Ops that differ only in how a graph guards an assertion or wires a cond: TensorFlow wraps each Assert in a
# cond of its own (AssertGuard) and passes a cond's outputs through Identity ops.
_PLUMBING = {"Switch", "Merge", "Identity", "NoOp", "Assert"}


def core_op_types(ops):
    return [t for t, name in ops if t not in _PLUMBING and "/AssertGuard/" not in name and "/Assert/" not in name]


def tagraph_op_types(build):
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2, 3], name="x")
        i = tg.placeholder(tg.int32, [5], name="i")
        build(tfc, x, i)
    return [[op.type, op.name] for op in g.get_operations() if op.name not in ("x", "i")]
