"""tf.signal's frame, hann_window, hamming_window and stft against TensorFlow 2.21's recorded values and
gradients (tests/data/tf_ops/record_complex_fft.py), on the CPU and a simulated GPU."""
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from complex_reference import cases, check_case


@pytest.mark.parametrize("case", cases("signal"))
def test_matches_tensorflow(device, case):
    check_case(device, case, known=True)


@pytest.mark.parametrize("case", cases("signal"))
def test_matches_tensorflow_with_shapes_known_when_run(device, case):
    # Values only: with the signal's shape unknown, frame gathers along an axis computed in the graph, and
    # tagraph's GatherV2 gradient needs a constant axis.
    check_case(device, case, known=False, gradients=False)


def test_fed_lengths_build_tensorflows_control_flow():
    with tg.Graph().as_default() as g:
        n = tfc.placeholder(tg.int32, [])
        frames = tfc.signal.frame(tfc.placeholder(tg.float32, [2, 16]), n, 3)
        window = tfc.signal.hann_window(n)
    types = {op.type for op in g.get_operations()}
    assert {"Enter", "Exit", "LoopCond", "Switch", "Merge", "GatherV2"} <= types   # gcd's loop, the window's cond
    assert frames.shape.as_list() == [2, None, None] and window.shape.rank == 1
