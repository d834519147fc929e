"""sort/argsort (built on TopKV2), in_top_k (InTopKV2), unique_with_counts and reverse_sequence against
TensorFlow's recorded values and errors, on the CPU and a simulated GPU, with numeric gradient checks."""
import numpy as np
import pytest

import tagraph.engine as tg
from gradient_checks import check_gradient
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("sort")

# Where tagraph's wording is its own: the op builder's dtype checks, Tensor's repr, the StridedSlice
# shape function's message.
MESSAGES = {
    "sort_axis_tensor": r"Argument `axis` must be a constant scalar\. Received: axis=",
    "sort_bool": r"'T' of bool is not in the list of allowed values",
    "sort_axis_out_of_range": r"slice index 2 of dimension 0 out of bounds",
    "reverse_sequence_float_lengths": r"'Tlen' of float32 is not in the list of allowed values",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", CASES)
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name))


_R = np.random.default_rng(5)


@pytest.mark.parametrize("build, args", [
    pytest.param(lambda x: tg.nn.top_k(x, 2).values, [_R.permutation(12).reshape(3, 4) * 0.5], id="top_k"),
    pytest.param(lambda x: tg.reverse_sequence(x, [3, 0, 2], seq_axis=1), [_R.standard_normal((3, 4))],
                 id="reverse_sequence"),
    pytest.param(lambda x: tg.reverse_sequence(x, [1, 2], seq_axis=0, batch_axis=2), [_R.standard_normal((2, 2, 2))],
                 id="reverse_sequence_3d"),
])
def test_gradients_match_central_differences(device, build, args):
    check_gradient(device, build, args)


def test_sort_builds_tensorflows_graph():
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, [2, 3])
        s = tg.sort(x, axis=0)
        assert (s.op.type, s.op.name, s.op.inputs[0].op.name) == ("Neg", "sort/Neg_1", "sort/transpose_1")
        assert [op.type for op in g.get_operations() if op.type in ("Neg", "Transpose", "TopKV2")] == [
            "Neg", "Transpose", "TopKV2", "Transpose", "Neg"]
        hit = tg.nn.in_top_k(x, [0, 1], 1)
        assert (hit.op.name, hit.op.inputs[2].op.name, hit.dtype) == ("in_top_k/InTopKV2", "in_top_k/InTopKV2/k",
                                                                       tg.bool)
        y, idx, count = tg.unique_with_counts([1, 1, 2])
        assert y.op.type == "UniqueWithCounts" and count.dtype == tg.int32


def test_sort_with_unknown_rank(device):
    with tg.Graph().as_default(), tg.device(device):
        x = tg.placeholder(tg.float32, None)
        s, a = tg.sort(x, axis=0), tg.argsort(x, axis=-3, direction="DESCENDING")
        v = _R.standard_normal((3, 2, 4)).astype(np.float32)
        with tg.Session() as sess:
            got_s, got_a = sess.run([s, a], {x: v})
    np.testing.assert_array_equal(got_s, np.sort(v, axis=0))
    np.testing.assert_array_equal(got_a, np.argsort(-v, axis=0, kind="stable"))
