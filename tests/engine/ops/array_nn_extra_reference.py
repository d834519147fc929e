"""The shared check of the array, nn and assertion ops of test_array_extra_ops.py, test_space_to_batch_ops.py,
test_nn_extra_ops.py, test_check_ops.py and test_print_ops.py against what TensorFlow 2.21 recorded
(tests/data/tf_ops/record_array_nn_extra.py): values, static shapes, gradients and errors, each case built
through ``tagraph.compat.v1`` as the recorder built it through ``tensorflow.compat.v1``."""
import importlib.util
import json

import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
import tf_reference
from tf_reference import DATA as TF_OPS


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


def check_case(device, case, known):
    """Builds ``case`` on ``device`` (shapes known while building, or only when run), runs it and its
    gradients, and compares them with TensorFlow's (:func:`tf_reference.check_case`)."""
    tf_reference.check_case(device, case, DATA, known, namespace=tfc, config=SOFT)


def check_error(device, err, message=None):
    """``err`` fails in tagraph with TensorFlow's error class and message (``message``, a regular
    expression, where TensorFlow's names a node tagraph names otherwise)."""
    tf_reference.check_error(device, err, DATA, message, namespace=tfc, config=SOFT)


def op_types(name):
    """The op types tagraph builds for OP_TYPES[name] and TensorFlow's, as sorted sets."""
    g = tg.Graph()
    with g.as_default():
        RECORDER.OP_TYPES[name](tfc)
    return sorted({op.type for op in g.get_operations()}), EXTRA["op_types"][name]
