"""A tf.layers CNN's checkpoint written by TensorFlow (tests/data/layers/cnn/, record_layers.py) restores into
the same program built with tg.layers: same variable names and shapes, same logits; and tagraph's own
checkpoint of it restores into a fresh graph. (tests/interop/test_layers_interop.py hands checkpoints to a
running TensorFlow both ways.)"""
import numpy as np

import tagraph.engine as tg
from layers_reference import ARRAYS, DATA, META, RECORD
from tagraph.serialization import Saver, load_checkpoint


def _cnn():
    x = tg.placeholder(tg.float32, RECORD.CNN_INPUT, name="x")
    labels = tg.placeholder(tg.int32, [None], name="labels")
    training = tg.placeholder_with_default(False, [], name="training")
    logits = RECORD.cnn(tg, x, training)
    loss, train_op = RECORD.cnn_train_op(tg, logits, labels)
    return x, labels, training, logits, loss, train_op


def test_tensorflows_cnn_checkpoint_restores_with_the_same_logits(device):
    with tg.Graph().as_default(), tg.device(device):
        x, labels, _, logits, loss, _ = _cnn()
        assert [[v.name, v.shape.as_list()] for v in tg.global_variables()] == META["cnn"]["variables"]
        reader = load_checkpoint(str(DATA / "cnn" / "model.ckpt"))
        assert sorted(reader.get_variable_to_shape_map()) == sorted(n[:-2] for n, _ in META["cnn"]["variables"])
        with tg.Session() as sess:
            Saver().restore(sess, str(DATA / "cnn" / "model.ckpt"))
            got = sess.run(logits, {x: RECORD.cnn_eval_input()})
            xb, yb = RECORD.cnn_train_batch(99)
            got_loss = sess.run(loss, {x: xb, labels: yb})
            moving_mean = sess.run(tg.global_variables()[4])
    np.testing.assert_allclose(got, ARRAYS["cnn:eval_logits"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_loss, ARRAYS["cnn:eval_loss"], rtol=1e-5)
    np.testing.assert_array_equal(moving_mean, reader.get_tensor("batch_normalization/moving_mean"))
    assert np.abs(moving_mean).max() > 0          # TensorFlow's training steps moved it


def test_tagraphs_cnn_checkpoint_restores_into_a_fresh_graph(tmp_path):
    with tg.Graph().as_default():
        x, labels, training, logits, _, train_op = _cnn()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for step in range(2):
                xb, yb = RECORD.cnn_train_batch(step)
                sess.run(train_op, {x: xb, labels: yb, training: True})
            path = Saver().save(sess, str(tmp_path / "model.ckpt"))
            want = sess.run(logits, {x: RECORD.cnn_eval_input()})
    with tg.Graph().as_default():
        x, _, _, logits, _, _ = _cnn()
        with tg.Session() as sess:
            Saver().restore(sess, path)
            np.testing.assert_array_equal(sess.run(logits, {x: RECORD.cnn_eval_input()}), want)
