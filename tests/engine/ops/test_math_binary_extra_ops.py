"""Atan2, Xlogy, Xdivy, MulNoNan, TruncateDiv, TruncateMod and reciprocal_no_nan against TensorFlow 2.21's
recorded values (edge values, integer dtypes), static shapes, gradients and errors, on the CPU and a simulated
GPU, with numeric gradient checks and the op types TensorFlow 1's names build."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from gradient_checks import check_gradient
from math_extra_reference import GRAPHS, RECORDER, check_case, check_error, params, tagraph_op_types
from tagraph.engine.ops import math_binary_extra_ops as binary

CASES = [c for c in RECORDER.BINARY if not c.name.startswith("polygamma")]


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(CASES))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", params(RECORDER.BINARY_ERRORS))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    # tagraph's conversion error lacks TensorFlow's "y: " prefix naming the argument
    wording = r"Tensor conversion requested dtype float32 for Tensor with dtype float64"
    check_error(device, err, wording if err.name == "multiply_no_nan_dtypes" else None)


_R = np.random.default_rng(3)


@pytest.mark.parametrize("build, args", [
    pytest.param(binary.atan2, [_R.normal(size=(2, 3)), _R.normal(size=(3,))], id="atan2"),
    pytest.param(binary.xlogy, [_R.normal(size=(2, 3)), _R.uniform(0.5, 2.0, size=(2, 1))], id="xlogy"),
    pytest.param(binary.xdivy, [_R.normal(size=(3,)), _R.uniform(0.5, 2.0, size=(2, 3))], id="xdivy"),
    pytest.param(binary.multiply_no_nan, [_R.normal(size=(2, 3)), _R.normal(size=(2, 3))], id="multiply_no_nan"),
    pytest.param(lambda x, y: binary.multiply_no_nan(x, y), [_R.normal(size=(2, 3)), _R.normal(size=(1, 3))],
                 id="multiply_no_nan_broadcast"),
])
@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_gradients_match_central_differences(device, build, args, dynamic):
    check_gradient(device, build, args, dynamic=dynamic)


def test_truncatediv_has_no_gradient():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [2])
        assert tg.gradients(tg.reduce_sum(binary.truncatediv(x, 2.0)), [x]) == [None]


@pytest.mark.parametrize("name", ["xlogy", "xdivy", "multiply_no_nan", "reciprocal_no_nan", "truncatediv",
                                  "truncatemod", "atan2"])
def test_tensorflow_1_names_build_tensorflows_op_types(name):
    got = tagraph_op_types(RECORDER.GRAPH_BUILDS[name])
    assert got == GRAPHS[name]


def test_names_in_the_tensorflow_1_namespaces():
    assert tfc.atan2 is tfc.math.atan2 is binary.atan2
    assert tfc.truncatediv is binary.truncatediv and tfc.truncatemod is binary.truncatemod
    for name in ("xlogy", "xdivy", "multiply_no_nan", "reciprocal_no_nan"):
        assert getattr(tfc.math, name) is getattr(binary, name)
