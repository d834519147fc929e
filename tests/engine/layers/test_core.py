"""tg.layers dense, dropout and flatten against TensorFlow's recorded values, on the CPU and a simulated GPU."""
import numpy as np
import pytest

import tagraph.engine as tg
from layers_reference import cases, check_error, errors, replay


@pytest.mark.parametrize("case", cases("dense", "dropout", "flatten"))
def test_matches_tensorflow(device, case):
    replay(case, device)


@pytest.mark.parametrize("name,shape,build", errors("dense"))
def test_bad_input_gets_tensorflows_error(name, shape, build):
    check_error(name, shape, build)


def test_dropout_with_a_training_tensor_drops_only_when_true():
    x = np.ones((200, 10), np.float32)
    with tg.Graph().as_default():
        training = tg.placeholder(tg.bool, [])
        y = tg.layers.dropout(tg.constant(x), rate=0.5, training=training)
        assert y.op.type == "Merge"
        with tg.Session() as sess:
            kept = sess.run(y, {training: False})
            dropped = sess.run(y, {training: True})
    np.testing.assert_array_equal(kept, x)
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0.3 < (dropped == 0).mean() < 0.7


def test_flatten_channels_first_and_unknown_dims():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)
    with tg.Graph().as_default():
        p = tg.placeholder(tg.float32, [None, 3, None, 2])
        a = tg.layers.flatten(p)
        b = tg.layers.flatten(tg.constant(x), data_format="channels_first")
        assert a.shape.as_list() == [None, None] and b.shape.as_list() == [2, 12]
        with tg.Session() as sess:
            av, bv = sess.run([a, b], {p: x})
    np.testing.assert_array_equal(av, x.reshape(2, -1))
    np.testing.assert_array_equal(bv, x.transpose(0, 2, 3, 1).reshape(2, -1))
