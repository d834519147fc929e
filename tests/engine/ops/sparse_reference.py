"""The cases and values real TensorFlow recorded for the sparse-gradient tests (tests/data/tf_ops/record_sparse.py),
and the checks that replay them in tagraph. Tests outside this folder import it by its path (importlib)."""
import importlib.util
import pathlib

import numpy as np

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load():
    spec = importlib.util.spec_from_file_location("tf_ops_record_sparse", DATA / "record_sparse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load()
with np.load(DATA / "sparse.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}


def run_gradient_case(name, device=None):
    """Builds GRADIENTS[name] in tagraph (under ``device``), feeds TensorFlow's upstream gradients and
    returns (outputs, the gradient objects, their fetched values)."""
    with tg.Graph().as_default():
        with tg.device(device):
            outs, xs = RECORD.GRADIENTS[name](tg)
        ups = [ARRAYS["grad:%s:up%d" % (name, k)] for k in range(len(outs))]
        with tg.device(device):
            loss = tg.add_n([tg.reduce_sum(o * u) for o, u in zip(outs, ups)])
            grads = tg.gradients(loss, xs)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            return sess.run(outs), grads, sess.run(grads)


def check_gradient_case(name, device=None, rtol=1e-5, atol=1e-6):
    """Asserts that tagraph's outputs and gradients (sparse where TensorFlow's are) match the record."""
    values, grads, gvals = run_gradient_case(name, device)
    for k, v in enumerate(values):
        np.testing.assert_allclose(v, ARRAYS["grad:%s:out%d" % (name, k)], rtol=rtol, atol=atol)
    for j, (gr, gv) in enumerate(zip(grads, gvals)):
        key = "grad:%s:g%d" % (name, j)
        if str(ARRAYS[key + ":kind"]) == "sparse":
            assert isinstance(gr, tg.IndexedSlices), "%s: TensorFlow's gradient %d is an IndexedSlices" % (name, j)
            assert isinstance(gv, tg.IndexedSlicesValue)
            np.testing.assert_array_equal(gv.indices, ARRAYS[key + ":indices"])
            assert gv.indices.dtype == ARRAYS[key + ":indices"].dtype
            np.testing.assert_array_equal(gv.dense_shape, ARRAYS[key + ":dense_shape"])
            np.testing.assert_allclose(gv.values, ARRAYS[key + ":values"], rtol=rtol, atol=atol)
        else:
            assert isinstance(gr, tg.Tensor), "%s: TensorFlow's gradient %d is dense" % (name, j)
            np.testing.assert_allclose(gv, ARRAYS[key], rtol=rtol, atol=atol)


def check_error(name):
    """Runs ERRORS[name] in tagraph; asserts TensorFlow's error class and message."""
    cls, msg = ARRAYS["error:" + name]
    with tg.Graph().as_default():
        try:
            out = RECORD.ERRORS[name](tg)
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                sess.run(out)
        except Exception as e:  # noqa: BLE001 - compared with TensorFlow's below
            assert type(e).__name__ == cls, "%s: %s(%s), TensorFlow raised %s(%s)" % (name, type(e).__name__, e,
                                                                                      cls, msg)
            assert msg in str(e), "%s: %r, TensorFlow said %r" % (name, str(e), msg)
        else:
            raise AssertionError("%s: no error; TensorFlow raised %s(%s)" % (name, cls, msg))
