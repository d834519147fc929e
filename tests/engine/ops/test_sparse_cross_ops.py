"""SparseCross (strings and FingerprintCat64 hashes), SparseCrossV2 and SparseCrossHashed against TensorFlow's
recorded values and errors (host kernels, as TensorFlow's)."""
import pytest

from sparse_ops_reference import check_case, check_error, family
from tagraph.engine.ops.sparse_cross_ops import fingerprint_cat64

CASES, ERRORS = family("cross", host_only=True)


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(case, known):
    check_case("/device:CPU:0", case, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(err):
    check_error("/device:CPU:0", err)


def test_fingerprint_cat64_mixes_both_halves():
    a, b = fingerprint_cat64(0xDECAFCAFFE, 1), fingerprint_cat64(0xDECAFCAFFE, 2)
    assert a != b and 0 <= a < 2 ** 64 and fingerprint_cat64(0xDECAFCAFFE, 1) == a
    assert fingerprint_cat64(1, 0xDECAFCAFFE) != a
