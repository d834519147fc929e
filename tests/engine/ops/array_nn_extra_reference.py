"""The shared check of the array, nn and assertion ops of test_array_extra_ops.py, test_space_to_batch_ops.py,
test_nn_extra_ops.py, test_check_ops.py and test_print_ops.py against what TensorFlow 2.21 recorded
(tests/data/tf_ops/record_array_nn_extra.py): values, static shapes, gradients and errors, each case built
through ``tagraph.compat.v1`` as the recorder built it through ``tensorflow.compat.v1``."""
import importlib.util
import json
import re

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tf_reference import DATA as TF_OPS, RECORD
from tf_reference import _ERRORS as ERROR_CLASSES


def _load():
    spec = importlib.util.spec_from_file_location("record_array_nn_extra", TF_OPS / "record_array_nn_extra.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORDER = _load()
with np.load(TF_OPS / "array_nn_extra.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}
with open(TF_OPS / "array_nn_extra.json", encoding="utf-8") as _f:
    EXTRA = json.load(_f)


# Assert, Print and string constants run on the host, as in TensorFlow, which places them there only with
# soft placement too.
SOFT = tg.ConfigProto(allow_soft_placement=True)


def params(cases, prefixes=None):
    """pytest params of ``cases`` (those whose name starts with one of ``prefixes``)."""
    return [pytest.param(c, id=c.name) for c in cases if prefixes is None or c.name.startswith(tuple(prefixes))]


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return dict(rtol=2e-5, atol=2e-6)
    if dtype.kind == "f":
        return dict(rtol=1e-12, atol=1e-12)
    return dict(rtol=0, atol=0)


def _outputs(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_case(device, case, known):
    """Builds ``case`` on ``device`` (shapes known while building, or only when run), runs it and its
    gradients, and compares them with TensorFlow's."""
    inputs = [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        outs = _outputs(case.build(tfc, *phs))
        ups = {k: DATA["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in DATA}
        grads = []
        if case.grad:
            loss = tg.add_n([tg.reduce_sum(outs[k] * up) for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with tg.Session(config=SOFT) as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, inputs)))
    for k, (o, g) in enumerate(zip(outs, got)):
        want = DATA["%s:out%d" % (case.name, k)]
        g = np.asarray(g)
        assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
        np.testing.assert_allclose(g, want, **_tol(want.dtype))
        if known:
            assert RECORD.shape_string(o.shape) == str(DATA["%s:shape%d" % (case.name, k)]), (k, o.shape)
        else:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape)
    for i, g in zip(case.grad, got_grads):
        want = DATA["%s:grad%d" % (case.name, i)]
        assert np.asarray(g).shape == want.shape, (i, np.shape(g), want.shape)
        np.testing.assert_allclose(g, want, **_tol(want.dtype))


def check_error(device, err, message=None):
    """``err`` fails in tagraph with TensorFlow's error class and message (``message``, a regular
    expression, where TensorFlow's names a node tagraph names otherwise)."""
    cls_name, tf_message = (str(v) for v in DATA[err.name + ":error"])
    inputs = [DATA["%s:in%d" % (err.name, i)] for i in range(len(err.inputs))]
    with pytest.raises(ERROR_CLASSES[cls_name]) as info:
        with tg.Graph().as_default(), tg.device(device):
            phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if err.static else None) for a in inputs]
            out = err.build(tfc, *phs)
            with tg.Session(config=SOFT) as sess:
                sess.run(out, dict(zip(phs, inputs)))
    text = getattr(info.value, "message", None) or str(info.value)
    if message is not None:
        assert re.search(message, text), (text, tf_message)
        return
    core = tf_message.split(" for '{{node ")[0]
    assert core in text, (text, core)


def op_types(name):
    """The op types tagraph builds for OP_TYPES[name] and TensorFlow's, as sorted sets."""
    g = tg.Graph()
    with g.as_default():
        RECORDER.OP_TYPES[name](tfc)
    return sorted({op.type for op in g.get_operations()}), EXTRA["op_types"][name]
