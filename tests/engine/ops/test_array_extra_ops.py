"""Roll, SpaceToDepth/DepthToSpace, UnravelIndex, searchsorted, Bitcast, EnsureShape, LinSpace, ParallelConcat,
sequence_mask, repeat, meshgrid and random_crop against TensorFlow 2.21's recorded values, static shapes,
gradients, errors and op types (tests/data/tf_ops/record_array_nn_extra.py), on the CPU and a simulated GPU,
with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from array_nn_extra_reference import RECORDER, check_case, check_error, op_types, params
from gradient_checks import check_gradient

MESSAGES = {
    # TensorFlow's message names the placeholder by the argument its executor renamed it to.
    "ensure_shape_mismatch": r"^Shape of tensor Placeholder \[2,4\] is not compatible with expected shape \[\?,3\]\.",
}
# Op types tagraph adds to TensorFlow's where its helpers build a shape or a slice that TensorFlow's
# constant-folds (boolean_mask's Shape, meshgrid's sizes).
MORE_OP_TYPES = {"repeat": {"Shape"}, "meshgrid": {"StridedSlice"}}
ERRORS = ("space_to_depth", "depth_to_space", "roll", "ensure_shape", "bitcast", "searchsorted", "unravel_index",
          "lin_space", "random_crop")


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", params(RECORDER.ARRAY))
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", params(RECORDER.ERRORS, ERRORS))
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, MESSAGES.get(err.name))


@pytest.mark.parametrize("name", ["sequence_mask", "roll", "repeat", "repeat_scalar", "meshgrid", "searchsorted",
                                  "unravel_index", "space_to_depth", "depth_to_space", "bitcast", "ensure_shape",
                                  "random_crop", "parallel_stack"])
def test_builds_tensorflows_op_types(name):
    got, want = op_types(name)
    assert set(got) - MORE_OP_TYPES.get(name, set()) == set(want)


_R = np.random.default_rng(3)


@pytest.mark.parametrize("build,args", [
    pytest.param(lambda x: tg.roll(x, [1, -1], [0, 1]), [_R.standard_normal([3, 4])], id="roll"),
    pytest.param(lambda x: tg.space_to_depth(x, 2), [_R.standard_normal([1, 4, 2, 2])], id="space_to_depth"),
    pytest.param(lambda x: tg.depth_to_space(x, 2), [_R.standard_normal([1, 2, 1, 8])], id="depth_to_space"),
    pytest.param(lambda x: tg.space_to_depth(x, 2, data_format="NCHW"), [_R.standard_normal([1, 2, 4, 2])],
                 id="space_to_depth_nchw"),
    pytest.param(lambda x: tg.ensure_shape(x, [None, 2]), [_R.standard_normal([3, 2])], id="ensure_shape"),
])
def test_gradients_match_central_differences(device, build, args):
    check_gradient(device, build, args)


def test_nchw_blocks_are_the_nhwc_blocks_transposed(device):
    x = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    with tg.Graph().as_default(), tg.device(device):
        nhwc = tg.space_to_depth(x, 2)
        nchw = tg.space_to_depth(np.transpose(x, [0, 3, 1, 2]), 2, data_format="NCHW")
        back = tg.depth_to_space(nchw, 2, data_format="NCHW")
        with tg.Session() as sess:
            a, b, c = sess.run([nhwc, nchw, back])
    np.testing.assert_array_equal(np.transpose(a, [0, 3, 1, 2]), b)
    np.testing.assert_array_equal(c, np.transpose(x, [0, 3, 1, 2]))


def test_random_crop_takes_a_window_of_the_value(device):
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    with tg.Graph().as_default(), tg.device(device):
        crop = tfc.random_crop(x, [2, 3], seed=3)
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            crops = [sess.run(crop) for _ in range(5)]
    for c in crops:
        r, k = divmod(int(c[0, 0]), 5)
        np.testing.assert_array_equal(c, x[r:r + 2, k:k + 3])


def test_get_static_value_knows_what_is_known_while_building():
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [None, 3])
        np.testing.assert_array_equal(tfc.get_static_value(tg.constant([1, 2])), [1, 2])
        np.testing.assert_array_equal(tfc.get_static_value(tg.shape(tg.zeros([2, 3]))), [2, 3])
        assert tfc.get_static_value(p) is None
        assert tfc.get_static_value(7) == 7


def test_linspace_along_another_axis_is_refused_by_name():
    with tg.Graph().as_default(), pytest.raises(NotImplementedError, match="tf.linspace with axis=1"):
        tfc.linspace([0.0, 1.0], [1.0, 2.0], 3, axis=1)
