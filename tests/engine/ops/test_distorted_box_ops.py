"""sample_distorted_bounding_box (SampleDistortedBoundingBoxV2 and the first op) against TensorFlow's recorded
crops, bit for bit (TensorFlow's Philox numbers and float32 arithmetic), and its errors; on the CPU and a
simulated GPU (the op runs on the host there, as TensorFlow's)."""
import numpy as np
import pytest

import tagraph.compat.v1 as tf1
import tagraph.engine as tg
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("distorted_box")
SOFT = tg.ConfigProto(allow_soft_placement=True)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known, config=SOFT)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, config=SOFT)


def test_crops_stay_inside_the_image_and_cover_the_object_run_after_run():
    with tg.Graph().as_default():
        begin, size, box = tg.image.sample_distorted_bounding_box(
            [240, 320, 3], [[[0.4, 0.4, 0.6, 0.6]]], seed=7, min_object_covered=0.5, area_range=[0.05, 0.5])
        image = tg.zeros([240, 320, 3])
        crop = tg.slice(image, begin, size)
        with tg.Session() as sess:
            seen = set()
            for _ in range(20):
                b, s, bx, c = sess.run([begin, size, box, crop])
                y0, x0, h, w = b[0], b[1], s[0], s[1]
                assert 0 <= y0 and y0 + h <= 240 and 0 <= x0 and x0 + w <= 320 and s[2] == -1
                assert c.shape == (h, w, 3)
                np.testing.assert_allclose(bx[0, 0], [y0 / 240, x0 / 320, (y0 + h) / 240, (x0 + w) / 320], rtol=1e-6)
                # At least half of the object (rows and columns 96..144 by 128..192) inside the crop.
                inter = max(0, min(y0 + h, 144) - max(y0, 96)) * max(0, min(x0 + w, 192) - max(x0, 128))
                assert inter >= 0.5 * 48 * 64
                seen.add((y0, x0, h, w))
    assert len(seen) > 10


def test_the_compat_namespace_has_it_under_tensorflow_1s_name():
    assert tf1.image.sample_distorted_bounding_box is tg.image.sample_distorted_bounding_box
