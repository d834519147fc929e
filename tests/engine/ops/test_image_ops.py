"""tg.image's resize, colour and geometry functions against TensorFlow's recorded values and errors
(tests/data/image/), on the CPU and a simulated GPU, with numeric gradient checks of the new gradient ops."""
import numpy as np
import pytest

import tagraph.engine as tg
from image_reference import check_case, check_error, family

RESIZE, RESIZE_ERRORS, RESIZE_DATA = family("resize")
COLOR, COLOR_ERRORS, COLOR_DATA = family("color")
LAYOUT, LAYOUT_ERRORS, LAYOUT_DATA = family("layout")
BOXES, BOXES_ERRORS, BOXES_DATA = family("boxes")

# Built of ops whose TensorFlow kernels add in another order (Sum, Mean, the MatMul under tensordot) or use
# another pow: these agree to float rounding; everything else is bit for bit.
_ROUNDING = {"adjust_gamma": 2e-6, "per_image_standardization": 2e-6, "rgb_to_grayscale": 2e-6,
             "total_variation": 2e-6, "total_variation_single": 2e-6}
MESSAGES = {
    # The op builder's own words for an attribute value outside the OpDef's list.
    "crop_bad_method": r"attr 'method' of \"bicubic\" is not in the list of allowed values .* allowed are "
                       r"\"bilinear\", \"nearest\"",
    "flip_zero_dim": r"assertion failed: \[inner 3 dims of \\'image.shape\\' must be > 0.\]",
    "crop_too_far_dynamic": r"assertion failed: \[height must be >= target \+ offset.\]",
    "flip_rank2": r"assertion failed: \[\\'image\\' must be at least three-dimensional.\] "
                  r"\[Condition x >= y did not hold element-wise:\] \[x \(flip_left_right/Rank:0\) = \] \[2\]",
    "pad_too_small_dynamic": r"assertion failed: \[width must be <= target - offset\]",
    "random_crop_too_big": r"assertion failed: \[Need value.shape >= size, got \] \[4 6 2\] \[5 1 1\]",
    "grayscale_to_rgb_three_channels": r"assertion failed: \[Last dimension of a grayscale image should be size 1.\]",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", RESIZE)
def test_resize_matches_tensorflow(device, case, known):
    check_case(device, case, RESIZE_DATA, known)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", COLOR)
def test_colour_matches_tensorflow(device, case, known):
    check_case(device, case, COLOR_DATA, known, rtol=_ROUNDING.get(case.name))


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", LAYOUT)
def test_layout_matches_tensorflow(device, case, known):
    check_case(device, case, LAYOUT_DATA, known, rtol=_ROUNDING.get(case.name))


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", BOXES)
def test_boxes_match_tensorflow(device, case, known):
    check_case(device, case, BOXES_DATA, known)


@pytest.mark.parametrize("err", RESIZE_ERRORS + COLOR_ERRORS + LAYOUT_ERRORS + BOXES_ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    data = {**RESIZE_DATA, **COLOR_DATA, **LAYOUT_DATA, **BOXES_DATA}
    check_error(device, err, data, MESSAGES.get(err.name))


# --- numeric gradient checks of the gradient ops ----------------------------------------------------------

def _numeric_gradient_check(device, build, x, rtol=1e-4, atol=1e-5, eps=None):
    """The registered gradient of ``build``'s op, fed an upstream gradient, against central differences of
    sum(upstream * op(x)). The resize ops give float32 whatever they are fed, but are linear in the pixels:
    a wide step keeps float32's rounding out of the differences and costs nothing in accuracy (``eps`` sets
    it for what is not linear)."""
    rng = np.random.default_rng(3)
    with tg.Graph().as_default(), tg.device(device):
        p = tg.placeholder(tg.as_dtype(x.dtype), x.shape)
        y = build(p)
        up = rng.standard_normal(y.shape.as_list()).astype(np.float32)
        (grad,) = tg.gradients(tg.reduce_sum(tg.cast(y, tg.float64) * up.astype(np.float64)), [p])
        with tg.Session() as sess:
            got = sess.run(grad, {p: x})
            if eps is None:
                eps = 1e-2 if y.dtype == tg.float32 else 1e-6
            numeric = np.zeros(x.shape)
            for j in range(x.size):
                plus, minus = x.copy(), x.copy()
                plus.flat[j] += eps
                minus.flat[j] -= eps
                diff = sess.run(y, {p: plus}).astype(np.float64) - sess.run(y, {p: minus}).astype(np.float64)
                numeric.flat[j] = np.sum(up * diff) / (2 * eps)
    np.testing.assert_allclose(got, numeric, rtol=rtol, atol=atol * max(1.0, np.abs(numeric).max()))


_X = np.random.default_rng(11).uniform(0.05, 0.95, [1, 3, 4, 2])


@pytest.mark.parametrize("convention", [{}, {"align_corners": True}, {"half_pixel_centers": True}],
                         ids=["legacy", "align_corners", "half_pixel_centers"])
@pytest.mark.parametrize("resize", [tg.image.resize_bilinear, tg.image.resize_bicubic], ids=["bilinear", "bicubic"])
@pytest.mark.parametrize("size", [[5, 7], [2, 3]], ids=["up", "down"])
def test_resize_gradients_match_central_differences(device, resize, convention, size):
    _numeric_gradient_check(device, lambda x: resize(x, size, **convention), _X.astype(np.float64))


@pytest.mark.parametrize("convention", [{}, {"align_corners": True}, {"half_pixel_centers": True}],
                         ids=["legacy", "align_corners", "half_pixel_centers"])
def test_nearest_neighbor_gradient_matches_central_differences(device, convention):
    # Piecewise constant: the differences see no jump at a step small enough to stay inside each pixel's cell.
    _numeric_gradient_check(device, lambda x: tg.image.resize_nearest_neighbor(x, [5, 3], **convention),
                            _X.astype(np.float32))


def test_rgb_to_hsv_gradient_matches_central_differences(device):
    # Distinct channels away from ties, where hue and saturation are smooth.
    x = np.array([[0.2, 0.5, 0.9], [0.8, 0.3, 0.1], [0.4, 0.9, 0.6], [0.7, 0.2, 0.5]], np.float64)
    _numeric_gradient_check(device, tg.image.rgb_to_hsv, x, rtol=1e-6, atol=1e-8)



@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize_image_gradient_matches_central_differences(device, method):
    boxes = np.array([[0.1, 0.2, 0.8, 0.7], [0.5, 0.0, 0.2, 0.9]], np.float32)
    _numeric_gradient_check(device, lambda x: tg.image.crop_and_resize(x, boxes, [1, 0], [3, 4], method=method),
                            np.random.default_rng(12).uniform(0, 1, [2, 4, 5, 2]))


def test_crop_and_resize_boxes_gradient_matches_central_differences(device):
    image = np.random.default_rng(13).uniform(0, 1, [1, 5, 6, 2]).astype(np.float32)
    # Corners away from pixel boundaries, so a small step changes no sample's cell.
    boxes = np.array([[0.13, 0.21, 0.71, 0.83], [0.62, 0.07, 0.28, 0.58]], np.float32)
    _numeric_gradient_check(device, lambda b: tg.image.crop_and_resize(image, b, [0, 0], [3, 4]), boxes,
                            rtol=2e-3, atol=2e-3, eps=1e-3)
