"""tf.print (StringFormat, PrintV2) and TensorFlow 1's tf.Print (the Print op) against what TensorFlow 2.21
wrote to stderr and stdout, run by run (tests/data/tf_ops/record_array_nn_extra.py), and the op types they
build."""
import numpy as np
import pytest

import tagraph.compat.v1 as tfc
import tagraph.engine as tg
from array_nn_extra_reference import EXTRA, RECORDER, SOFT, op_types


@pytest.mark.parametrize("name", sorted(RECORDER.PRINTS))
def test_prints_what_tensorflow_prints(name, capfd, device):
    with tg.Graph().as_default(), tg.device(device):
        op = RECORDER.PRINTS[name](tfc)
        with tg.Session(config=SOFT) as sess:
            capfd.readouterr()
            for _ in range(RECORDER.PRINT_RUNS):
                sess.run(op)
            out, err = capfd.readouterr()
    assert (out, err) == (EXTRA["prints"][name]["stdout"], EXTRA["prints"][name]["stderr"])


@pytest.mark.parametrize("name", ["print", "Print"])
def test_builds_tensorflows_op_types(name):
    got, want = op_types(name)
    assert got == want


def test_print_passes_its_input_and_its_gradient_through(capfd):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [3])
        y = tfc.Print(x, [x], "x: ") * 3.0
        (grad,) = tg.gradients(tg.reduce_sum(y), x)
        with tg.Session() as sess:
            got, g = sess.run([y, grad], {x: [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(got, [3.0, 6.0, 9.0])
    np.testing.assert_array_equal(g, [3.0, 3.0, 3.0])
    assert capfd.readouterr().err == "x: [1 2 3]\n"


def test_print_to_a_file(tmp_path):
    path = tmp_path / "log.txt"
    with tg.Graph().as_default():
        op = tfc.print("step", tg.constant(3), output_stream="file://%s" % path)
        with tg.Session() as sess:
            sess.run(op)
            sess.run(op)
    assert path.read_text() == "step 3\nstep 3\n"


def test_unknown_streams_and_keywords_are_refused():
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="Unsupported output stream"):
            tfc.print("a", output_stream="nowhere")
        with pytest.raises(ValueError, match="Unrecognized keyword arguments for tf.print"):
            tfc.print("a", colour="red")
