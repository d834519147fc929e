"""tf.pad's REFLECT and SYMMETRIC modes (MirrorPad, and MirrorPadGrad for its gradient) against TensorFlow's
recorded values, gradients and errors, on the CPU and a simulated GPU; both ops' numeric gradient checks are
in tests/engine/train/test_gradients.py."""
import numpy as np
import pytest

import tagraph.engine as tg
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("mirror_pad")


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA)




def test_an_unknown_mode_is_refused():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="Unknown padding mode: WRAP"):
            tg.pad(tg.constant([1.0, 2.0]), [[1, 1]], mode="WRAP")


@pytest.mark.parametrize("mode, paddings, message", [
    ("REFLECT", [[2, 0]], "paddings must be less than the output dimension size: 2, 0 not less than 2"),
    ("SYMMETRIC", [[3, 0]], "paddings must be no greater than the output dimension size: 3, 0 greater than 1"),
    ("REFLECT", [[-1, 0]], "Paddings must be non-negative: -1, 0"),
    ("REFLECT", [[0, 0], [0, 0]], r"The first dimension of paddings must be the rank of inputs\[2,2\] \[4\]"),
])
def test_the_gradient_op_refuses_what_tensorflows_refuses(mode, paddings, message):
    # MirrorPadGrad's own checks, for graphs that build it directly: sizes are of the unpadded output.
    with tg.Graph().as_default():
        g = tg.make_op("MirrorPadGrad", [tg.placeholder(tg.float32), tg.constant(paddings)], {"mode": mode})
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match=message):
                sess.run(g, {g.op.inputs[0]: np.ones(4, np.float32)})
