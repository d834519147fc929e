"""tf.pad's REFLECT and SYMMETRIC modes (MirrorPad, and MirrorPadGrad for its gradient) against TensorFlow's
recorded values, gradients and errors, on the CPU and a simulated GPU; both ops' numeric gradient checks are
in tests/engine/train/test_gradients.py."""
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
