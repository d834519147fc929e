"""The shared check of the linear algebra ops (test_linalg_solve_ops.py, test_linalg_eigen_ops.py) against
the values, static shapes and gradients TensorFlow 2.21 recorded (tests/data/tf_ops/record_linalg_solve.py),
built through ``tagraph.compat.v1`` as the recorder built them through ``tensorflow.compat.v1``."""
import importlib.util

import numpy as np

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from tf_reference import DATA as TF_OPS


def _load():
    spec = importlib.util.spec_from_file_location("record_linalg_solve", TF_OPS / "record_linalg_solve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORDER = _load()
with np.load(TF_OPS / "linalg_solve.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}

# Spectral cases: test_linalg_eigen_ops.py's; the others are test_linalg_solve_ops.py's.
EIGEN_PREFIXES = ("eigh", "self_adjoint", "eigvalsh", "svd", "norm_matrix_2")
# tf.norm(ord=2) over two axes finds its permutations with map_fn loops in TensorFlow, so its static
# shape is unknown there; tagraph computes them while building and knows it.
MORE_PRECISE_SHAPES = {"norm_matrix_2", "norm_matrix_2_axes"}


def tolerance(dtype):
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.complex64):
        # Eigen and LAPACK round differently in float32; the gradients chain several factorizations.
        return dict(rtol=1e-4, atol=1e-5)
    if dtype.kind in "fc":
        return dict(rtol=1e-9, atol=1e-10)
    return dict(rtol=0, atol=0)


def check_case(device, case, known, grad_needs_static=False):
    """Builds ``case`` on ``device`` (shapes known while building, or not) through tagraph.compat.v1, runs
    it and its gradients (not with unknown shapes where ``grad_needs_static``: the Svd gradient), and
    compares them with TensorFlow's."""
    inputs = [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), list(a.shape) if known else [None] * a.ndim) for a in inputs]
        out = case.build(tfc, *phs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        ups = {k: DATA["%s:up%d" % (case.name, k)] for k in range(len(outs)) if "%s:up%d" % (case.name, k) in DATA}
        grads = []
        if case.grad and (known or not grad_needs_static):
            loss = tg.add_n([tg.reduce_sum(outs[k] * up) for k, up in ups.items()])
            grads = tg.gradients(loss, [phs[i] for i in case.grad])
        with tg.Session() as sess:
            got, got_grads = sess.run([outs, grads], dict(zip(phs, inputs)))
    for k, (o, g) in enumerate(zip(outs, got)):
        want = DATA["%s:out%d" % (case.name, k)]
        g = np.asarray(g)
        assert g.dtype == want.dtype and g.shape == want.shape, (k, g.dtype, g.shape, want.dtype, want.shape)
        np.testing.assert_allclose(g, want, equal_nan=True, **tolerance(want.dtype))
        recorded = str(DATA["%s:shape%d" % (case.name, k)])
        if known and case.name not in MORE_PRECISE_SHAPES:
            assert RECORDER.RECORD.shape_string(o.shape) == recorded, (k, o.shape, recorded)
        else:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape)
    for i, g in zip(case.grad, got_grads):
        want = DATA["%s:grad%d" % (case.name, i)]
        assert np.asarray(g).shape == want.shape
        np.testing.assert_allclose(g, want, **tolerance(want.dtype))
