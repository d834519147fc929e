"""tf.nn.max_pool_v2 and avg_pool_v2 (pooling of any spatial rank, dispatched to the 1-D, 2-D and 3-D ops)
against TensorFlow's recorded values, gradients and errors, on the CPU and a simulated GPU."""
import pytest

import tagraph.compat.v1 as tf1
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("pool_v2")
MESSAGES = {
    # tagraph prints a static shape as TensorShape does.
    "pool_v2_rank_2": r"`input.shape.rank` must be 3, 4 or 5. Received: input.shape=\(4, 4\) of rank 2\.",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known, namespace=tf1)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name), namespace=tf1)
