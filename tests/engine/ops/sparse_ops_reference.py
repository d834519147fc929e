"""The cases and values real TensorFlow recorded for the sparse ops (tests/data/sparse_ops/record_sparse_ops.py),
and the checks that replay them in tagraph: tf_reference.py's, with gradients that are IndexedSlices summed into
their dense shape and string outputs compared with the texts TensorFlow gave."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
import tf_reference

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "sparse_ops"


def _load():
    spec = importlib.util.spec_from_file_location("sparse_ops_record", DATA / "record_sparse_ops.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load()
with np.load(DATA / "sparse_ops.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
TEXTS = json.loads((DATA / "sparse_ops.json").read_text())["strings"]


def family(name, host_only):
    """(case params, error params) of a family: its host-only cases, or the others."""
    cases, errs = RECORD.FAMILIES[name]
    return ([pytest.param(c, id=c.name) for c in cases if c.host_only == host_only],
            [pytest.param(e, id=e.name) for e in errs if e.host_only == host_only])


def check_case(device, case, known):
    """Builds ``case`` on ``device`` (shapes known while building, or not), runs it and its gradients, and
    compares them with TensorFlow's."""
    inputs = [ARRAYS["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        outs = case.build(tg, *phs)
        ups = {k: ARRAYS["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in ARRAYS}
        grads = []
        if case.grad:
            loss = tg.add_n([tg.reduce_sum(outs[k] * up) for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with tg.Session() as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, inputs)))
    for k, (o, g) in enumerate(zip(outs, got)):
        key = "%s:out%d" % (case.name, k)
        if key in TEXTS:
            assert [v.decode() for v in np.asarray(g).reshape(-1)] == TEXTS[key]
            continue
        want = ARRAYS[key]
        g = np.asarray(g)
        assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
        np.testing.assert_allclose(g, want, rtol=2e-6, atol=1e-6)
        shape = str(ARRAYS["%s:shape%d" % (case.name, k)])
        if known:
            assert RECORD.shape_string(o.shape) == shape, (k, o.shape, shape)
        else:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape)
    for i, g in zip(case.grad, got_grads):
        want = ARRAYS["%s:grad%d" % (case.name, i)]
        np.testing.assert_allclose(RECORD.dense(g), want, rtol=2e-6, atol=1e-6)


def check_error(device, err):
    """``err`` fails in tagraph with TensorFlow's error class and message."""
    tf_reference.check_error(device, err, ARRAYS)
