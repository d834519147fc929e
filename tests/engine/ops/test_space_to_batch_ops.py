"""SpaceToBatchND and BatchToSpaceND (and TensorFlow 1's space_to_batch/batch_to_space, tf.manip's names)
against TensorFlow 2.21's recorded values, static shapes, gradients, errors and op types
(tests/data/tf_ops/record_array_nn_extra.py), on the CPU and a simulated GPU, with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.engine as tg
from array_nn_extra_reference import RECORDER, check_case, check_error, op_types, params
from gradient_checks import check_gradient


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(RECORDER.SPACE_TO_BATCH))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", params(RECORDER.ERRORS, ["space_to_batch", "batch_to_space"]))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err)


@pytest.mark.parametrize("name", ["space_to_batch_nd", "batch_to_space_nd", "space_to_batch", "batch_to_space"])
def test_builds_tensorflows_op_types(name):
    got, want = op_types(name)
    assert got == want


_R = np.random.default_rng(5)


@pytest.mark.parametrize("build,args", [
    pytest.param(lambda x: tg.space_to_batch_nd(x, [2, 3], [[1, 0], [2, 1]]), [_R.standard_normal([1, 3, 3, 2])],
                 id="space_to_batch_nd"),
    pytest.param(lambda x: tg.batch_to_space_nd(x, [2, 1], [[1, 0], [0, 0]]), [_R.standard_normal([4, 2, 3, 1])],
                 id="batch_to_space_nd"),
])
def test_gradients_match_central_differences(device, build, args):
    check_gradient(device, build, args)


def test_batch_to_space_inverts_space_to_batch(device):
    x = np.arange(2 * 5 * 6 * 3 * 2, dtype=np.float32).reshape(2, 5, 6, 3, 2)
    pads = [[1, 2], [0, 2], [0, 0]]
    with tg.Graph().as_default(), tg.device(device):
        y = tg.space_to_batch_nd(x, [2, 4, 3], pads)
        back = tg.batch_to_space_nd(y, [2, 4, 3], pads)
        with tg.Session() as sess:
            got_y, got = sess.run([y, back])
    assert got_y.shape == (2 * 24, 4, 2, 1, 2)
    np.testing.assert_array_equal(got, x)
