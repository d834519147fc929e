"""Bucketize against TensorFlow's recorded values and errors, on the CPU and a simulated GPU."""
import pytest

from sparse_ops_reference import check_case, check_error, family

CASES, ERRORS = family("bucketize", host_only=False)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err)
