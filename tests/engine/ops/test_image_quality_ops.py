"""tf.image.psnr, ssim and sobel_edges against TensorFlow's recorded values, gradients and errors, on the CPU
and a simulated GPU."""
import pytest

import tagraph.compat.v1 as tf1
import tagraph.engine as tg
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("image_quality")
# The shape checks assert with string messages, which stay on the host.
SOFT = tg.ConfigProto(allow_soft_placement=True)

MESSAGES = {
    # tagraph's shape inference names the node in its own words.
    "psnr_shapes": r"Dimensions must be equal, but are 4 and 5",
    "ssim_smaller_than_window": r"assertion failed: \[1 8 8 1\] \[11\]",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known, config=SOFT)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name), config=SOFT)


def test_the_compat_namespace_has_them():
    assert (tf1.image.psnr, tf1.image.ssim, tf1.image.sobel_edges) == (tg.image.psnr, tg.image.ssim,
                                                                        tg.image.sobel_edges)
