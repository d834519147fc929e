"""The shared checks of the math_*_extra_ops tests against what TensorFlow 2.21 recorded
(tests/data/tf_ops/record_math_extra.py): values and static shapes, gradients, errors, and op types."""
import importlib.util
import json

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
import tf_reference
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


def params(cases):
    return [pytest.param(c, id=c.name) for c in cases]


def _tol(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return dict(rtol=2e-6, atol=1e-6)
    if dtype.kind == "f":
        return dict(rtol=1e-12, atol=1e-13)
    return dict(rtol=0, atol=0)


def _config(case_name):
    return tg.ConfigProto(allow_soft_placement=True) if case_name.startswith(HOST_ONLY) else None


def check_case(device, case, known):
    """``case`` built with tagraph.compat.v1 on ``device`` (shapes known while building, or not) gives
    TensorFlow's values, static shapes and gradients (:func:`tf_reference.check_case`)."""
    tf_reference.check_case(device, case, DATA, known, namespace=tfc, config=_config(case.name), tol=_tol)


def check_error(device, err, message=None):
    """``err`` fails with TensorFlow's error class and the part of its message that says what was wrong."""
    tf_reference.check_error(device, err, DATA, message, namespace=tfc, config=_config(err.name))


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
