"""clip_by_value, the ClipByValue op, clip_by_norm, global_norm, clip_by_global_norm and tg.assign /
assign_add / assign_sub against TensorFlow's recorded values and errors, on the CPU and a simulated GPU."""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("clip")

# Where tagraph's wording is its own: the op builder's dtype checks, and its class names in messages.
MESSAGES = {
    "clip_by_value_int_with_float_bounds": r"Expected int32 passed to parameter 'y' of op 'Minimum', got 3\.1",
    "clip_by_norm_int": r"'T' of int32 is not in the list of allowed values",
    "global_norm_not_a_list": r"`t_list` should be a sequence of tensors\. Received <class '.*Tensor'>\.",
    "clip_by_global_norm_not_a_list": r"`t_list` should be a sequence of tensors\. Received <class '.*Tensor'>\.",
    "global_norm_mixed_dtypes": r"'Pack' Op has type float64 that does not match .*float32",
    "assign_dtype": r"Input 'value' of 'Assign' Op has type int32 that does not match .*float32",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name))


def test_clip_by_value_op_gradient_matches_central_differences(device):
    t = np.array([[-2.0, -0.25, 0.3], [0.9, 1.7, -0.8]])
    lo = np.array([[-1.0, -0.5, 0.0], [0.0, -1.0, -0.5]])
    check_gradient(device, lambda a, b, c: tg.make_op("ClipByValue", [a, b, c]), [t, lo, np.array(1.2)])


def test_clipping_builds_tensorflows_graph():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2, 3], name="x")
        y = tg.clip_by_value(x, -1.0, 1.0)
        assert (y.op.name, y.op.type, y.op.inputs[0].op.name) == ("clip_by_value", "Maximum", "clip_by_value/Minimum")
        n = tg.clip_by_norm(x, 1.0)
        assert (n.op.name, n.op.type) == ("clip_by_norm", "Identity")
        clipped, norm = tg.clip_by_global_norm([x, None, x], 1.0)
        assert clipped[1] is None and norm.op.name == "global_norm/global_norm"
        assert [c.op.name for c in clipped[::2]] == ["clip_by_global_norm/clip_by_global_norm/_0",
                                                     "clip_by_global_norm/clip_by_global_norm/_2"]
        assert sorted(op.name for op in g.get_operations() if op.type == "L2Loss") == [
            "global_norm/L2Loss", "global_norm/L2Loss_1"]


def test_assign_functions_build_tensorflows_ops():
    with tg.Graph().as_default():
        v = tg.Variable([1.0, 2.0], use_resource=False)
        a, add = tg.assign(v, [3.0, 4.0]), tg.assign_add(v, [1.0, 1.0], name="inc")
        sub = tg.assign_sub(v._ref(), [1, 1])
        assert [(t.op.type, t.op.name) for t in (a, add, sub)] == [("Assign", "Assign"), ("AssignAdd", "inc"),
                                                                 ("AssignSub", "AssignSub")]
        assert a.op.get_attr("use_locking") and a.op.get_attr("validate_shape") and not add.op.get_attr("use_locking")
        assert not tg.assign(v, [1.0, 2.0], validate_shape=False, use_locking=False).op.get_attr("validate_shape")
        r = tg.Variable([1.0, 2.0])
        assert tg.assign_add(r, [1.0, 1.0]).op.inputs[0].op.type == "VarHandleOp"
