"""ExponentialMovingAverage against TensorFlow 1's: the averages over 100 updates, the shadow variables'
names, variables_to_restore(), and a checkpoint that carries TensorFlow's names and restores the averages
into the model (tests/data/tf_ops/record_training.py recorded TensorFlow's side)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver, load_checkpoint
from training_record import ARRAYS, GRAPHS, RECORD


def _train(sess, m, steps=RECORD.STEPS):
    ws, bs = [], []
    for i in range(steps):
        sess.run(m["set_vars"], {m["w_new"]: RECORD.EMA_W[i], m["b_new"]: RECORD.EMA_B[i]})
        sess.run(m["update"])
        ws.append(sess.run(m["ema"].average(m["w"])))
        bs.append(sess.run(m["ema"].average(m["b"])))
    return np.array(ws), np.array(bs)


@pytest.mark.parametrize("name", sorted(RECORD.EMAS))
def test_averages_equal_tensorflows_over_100_steps(name):
    with tg.Graph().as_default():
        m = RECORD.ema_graph(tg, *RECORD.EMAS[name])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            ws, bs = _train(sess, m)
    np.testing.assert_allclose(ws, ARRAYS["ema:%s:w" % name], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(bs, ARRAYS["ema:%s:b" % name], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(RECORD.EMAS))
def test_names_equal_tensorflows(name):
    with tg.Graph().as_default():
        m = RECORD.ema_graph(tg, *RECORD.EMAS[name])
        ema = m["ema"]
        assert [v.op.name for v in tg.global_variables()] == GRAPHS[name]["variables"]
        assert sorted(ema.variables_to_restore()) == GRAPHS[name]["restore"]
        assert ema.average_name(m["w"]) == "w/ExponentialMovingAverage"
        assert ema.average(m["b"]).op.name == "layer/b/ExponentialMovingAverage"
        assert ema.variables_to_restore()["layer/b/ExponentialMovingAverage"] is m["b"]
        assert not ema.average(m["w"]).trainable
        assert m["update"].name == "ExponentialMovingAverage"
        assert tg.get_collection(tg.GraphKeys.MOVING_AVERAGE_VARIABLES) == [m["w"], m["b"]]


def test_checkpoint_has_tensorflows_names_and_restores_the_averages(tmp_path):
    path = str(tmp_path / "model.ckpt")
    with tg.Graph().as_default():
        m = RECORD.ema_graph(tg, *RECORD.EMAS["ema_num_updates"])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            _train(sess, m, steps=20)
            Saver().save(sess, path)
    names = set(load_checkpoint(path).get_variable_to_shape_map())
    assert names == {"global_step", "w", "layer/b", "w/ExponentialMovingAverage",
                     "layer/b/ExponentialMovingAverage"}
    # TensorFlow 1's guide: an evaluation graph restores the averages into the plain variables.
    with tg.Graph().as_default():
        w = tg.get_variable("w", shape=[2, 3])
        with tg.variable_scope("layer"):
            b = tg.get_variable("b", shape=[])
        ema = tg.train.ExponentialMovingAverage(0.99)
        with tg.Session() as sess:
            Saver(ema.variables_to_restore()).restore(sess, path)
            np.testing.assert_allclose(sess.run(w), ARRAYS["ema:ema_num_updates:w"][19], rtol=1e-6)
            assert sess.run(b) == pytest.approx(ARRAYS["ema:ema_num_updates:b"][19], rel=1e-6)


def test_non_float_variables_are_refused():
    with tg.Graph().as_default():
        v = tg.Variable(np.int32(1), name="n")
        with pytest.raises(TypeError, match="half, float, or double"):
            tg.train.ExponentialMovingAverage(0.9).apply([v])
