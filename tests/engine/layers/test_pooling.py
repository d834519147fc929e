"""tg.layers pooling (max/average, 1-D and 2-D) against TensorFlow's recorded values and gradients, on the CPU
and a simulated GPU."""
import numpy as np
import pytest

import tagraph.engine as tg
from layers_reference import cases, check_error, errors, replay


@pytest.mark.parametrize("case", cases("max_pooling", "average_pooling"))
def test_matches_tensorflow(device, case):
    replay(case, device)


@pytest.mark.parametrize("name,shape,build", errors("max_pooling"))
def test_bad_input_gets_tensorflows_error(name, shape, build):
    check_error(name, shape, build)


def test_channels_first_and_op_names(device):
    x = np.random.default_rng(1).uniform(-1, 1, (2, 7, 6, 3)).astype(np.float32)
    with tg.Graph().as_default(), tg.device(device):
        last = tg.layers.max_pooling2d(tg.constant(x), 3, 2, padding="same")
        first = tg.layers.MaxPooling2D(3, 2, padding="same", data_format="channels_first")(
            tg.constant(x.transpose(0, 3, 1, 2)))
        avg = tg.layers.average_pooling1d(tg.constant(x[:, 0]), 2, 1)
        assert last.op.name == "max_pooling2d/MaxPool" and first.shape.as_list() == [2, 3, 4, 3]
        assert avg.op.name == "average_pooling1d/Squeeze" and avg.shape.as_list() == [2, 5, 3]
        with tg.Session() as sess:
            a, b = sess.run([last, first])
    np.testing.assert_allclose(b.transpose(0, 2, 3, 1), a)


def test_strides_are_required():
    with pytest.raises(ValueError, match="Argument `strides` must not be None"):
        tg.layers.MaxPooling2D(2, None)
