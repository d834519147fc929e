"""histogram_fixed_width (HistogramFixedWidth), histogram_fixed_width_bins and tg.nn.log_poisson_loss against
TensorFlow's recorded values and errors, on the CPU and a simulated GPU."""
import pytest

import tagraph.compat.v1 as tf1
import tagraph.engine as tg
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("histogram")
# histogram_fixed_width_bins asserts with a string message, which stays on the host.
SOFT = tg.ConfigProto(allow_soft_placement=True)

MESSAGES = {
    # tagraph prints shapes as TensorShape does.
    "log_poisson_loss_shapes": r"`log_input` and `targets` must have the same shape, received \(\(3,?\) vs \(2,?\)\)\.",
    # The op builder's own wording for an operand of another dtype.
    "histogram_bins_int": r"Mul.*float64.*int32|int32.*float64",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known, config=SOFT)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name), config=SOFT)


def test_the_names_stand_where_tensorflow_1_has_them():
    assert tf1.histogram_fixed_width is tg.histogram_fixed_width
    assert tf1.histogram_fixed_width_bins is tg.histogram_fixed_width_bins
    assert tf1.nn.log_poisson_loss is tg.nn.log_poisson_loss
