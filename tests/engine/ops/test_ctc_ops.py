"""tf.nn.ctc_greedy_decoder (CTCGreedyDecoder) and tf.nn.ctc_loss (CTCLoss, its gradient through the op's
second output) against TensorFlow 2.21's recorded values (tests/data/tf_ops/record_tf1_misc.py builds the
same graphs with tagraph's namespace), central differences of the loss, and TensorFlow's messages. Both ops
have host kernels only."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
from tagraph.engine.framework import errors

HERE = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("record_tf1_misc", HERE / "record_tf1_misc.py")
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)
META = json.loads((HERE / "tf1_misc.json").read_text())
with np.load(HERE / "tf1_misc.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}
LOGITS, SEQ_LEN, LABELS = R.ctc_inputs()


@pytest.mark.parametrize("merge", [True, False])
def test_greedy_decoder_matches_tensorflow(merge):
    with tf.Graph().as_default():
        (dec,), log_prob = tf.nn.ctc_greedy_decoder(tf.constant(LOGITS), SEQ_LEN, merge_repeated=merge)
        assert dec.indices.shape.as_list() == [None, 2] and log_prob.shape.as_list() == [3, 1]
        with tf.Session() as s:
            got = s.run([dec.indices, dec.values, dec.dense_shape, log_prob])
    for key, value in zip(("indices", "values", "shape"), got):
        np.testing.assert_array_equal(value, DATA["greedy_%s_%s" % (merge, key)])
        assert value.dtype == np.int64
    np.testing.assert_allclose(got[3], DATA["greedy_%s_log_prob" % merge], rtol=1e-6)


def test_greedy_decoder_blank_index_matches_tensorflow():
    with tf.Graph().as_default():
        (dec,), log_prob = tf.nn.ctc_greedy_decoder(tf.constant(LOGITS), SEQ_LEN, blank_index=1)
        with tf.Session() as s:
            got = s.run([dec.indices, dec.values, dec.dense_shape, log_prob])
            for key, value in zip(("indices", "values", "shape", "log_prob"), got):
                np.testing.assert_allclose(value, DATA["greedy_blank1_" + key], rtol=1e-6)
            (_,), bad = tf.nn.ctc_greedy_decoder(tf.constant(LOGITS), SEQ_LEN, blank_index=-6)
            with pytest.raises(errors.InvalidArgumentError, match="blank_index expected to be between -5 and 4 but "
                                                                  "was -6"):
                s.run(bad)


@pytest.mark.parametrize("option", sorted(R.CTC_LOSS_OPTIONS))
def test_loss_and_gradient_match_tensorflow(option):
    with tf.Graph().as_default():
        loss, grad = R.build_ctc(tf, LOGITS, SEQ_LEN, LABELS, **R.CTC_LOSS_OPTIONS[option])
        assert loss.shape.as_list() == [3] and grad.shape.as_list() == [6, 3, 5]
        with tf.Session() as s:
            got_loss, got_grad = s.run([loss, grad])
    np.testing.assert_allclose(got_loss, DATA["ctc_loss_" + option], rtol=1e-5)
    np.testing.assert_allclose(got_grad, DATA["ctc_grad_" + option], atol=2e-6)
    assert not got_grad[4:, 1].any()        # past batch 1's length of 4: no gradient


def test_a_label_of_the_blank_or_beyond_ends_the_sequence_as_in_tensorflow():
    with tf.Graph().as_default():
        loss, grad = R.build_ctc(tf, LOGITS, SEQ_LEN, (LABELS[0], [1, 1, 9, 3, 0, 2, 2, 1], LABELS[2]))
        with tf.Session() as s:
            got_loss, got_grad = s.run([loss, grad])
    np.testing.assert_allclose(got_loss, DATA["ctc_loss_label_end"], rtol=1e-5)
    np.testing.assert_allclose(got_grad, DATA["ctc_grad_label_end"], atol=2e-6)


def test_batch_major_logits_give_the_same_loss():
    with tf.Graph().as_default():
        sp = tf.SparseTensor(np.int64(LABELS[0]), np.int32(LABELS[1]), np.int64(LABELS[2]))
        loss = tf.nn.ctc_loss(sp, logits=tf.constant(LOGITS.transpose(1, 0, 2)), sequence_length=SEQ_LEN,
                              time_major=False)
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(loss), DATA["ctc_loss_default"], rtol=1e-5)


def test_ignore_longer_outputs_than_inputs_matches_tensorflow():
    with tf.Graph().as_default():
        loss, grad = R.build_ctc(tf, LOGITS, np.int32([1, 4, 5]), LABELS, ignore_longer_outputs_than_inputs=True)
        with tf.Session() as s:
            got_loss, got_grad = s.run([loss, grad])
    np.testing.assert_allclose(got_loss, DATA["ctc_loss_ignore"], rtol=1e-5)
    np.testing.assert_allclose(got_grad, DATA["ctc_grad_ignore"], atol=2e-6)


def test_loss_gradient_matches_central_differences():
    rng = np.random.RandomState(3)
    logits = rng.randn(5, 2, 4)
    labels = ([[0, 0], [0, 1], [1, 0]], [1, 1, 2], [2, 2])
    seq_len = np.int32([5, 3])
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [5, 2, 4])
        sp = tf.SparseTensor(np.int64(labels[0]), np.int32(labels[1]), np.int64(labels[2]))
        total = tf.reduce_sum(tf.nn.ctc_loss(sp, x, seq_len))
        (grad,) = tf.gradients(total, [x])
        with tf.Session() as s:
            analytic = s.run(grad, {x: logits})
            numeric = np.zeros_like(logits)
            for i in np.ndindex(*logits.shape):
                d = np.zeros_like(logits)
                d[i] = 1e-6
                numeric[i] = (s.run(total, {x: logits + d}) - s.run(total, {x: logits - d})) / 2e-6
    np.testing.assert_allclose(analytic, numeric, atol=1e-6)


def test_second_derivative_is_refused_as_tensorflow_refuses_it():
    with tf.Graph().as_default():
        x = tf.constant(LOGITS)
        sp = tf.SparseTensor(np.int64(LABELS[0]), np.int32(LABELS[1]), np.int64(LABELS[2]))
        (grad,) = tf.gradients(tf.reduce_sum(tf.nn.ctc_loss(sp, x, SEQ_LEN)), [x])
        with pytest.raises(LookupError, match="Gradient explicitly disabled"):
            tf.gradients(tf.reduce_sum(grad), [x])


def test_errors_match_tensorflow():
    kind, message = META["ctc_errors"]["too_long"]
    with tf.Graph().as_default():
        loss, _ = R.build_ctc(tf, LOGITS, np.int32([1, 4, 5]), LABELS)
        with tf.Session() as s:
            with pytest.raises(getattr(errors, kind)) as info:
                s.run(loss)
    assert info.value.message.split("\n")[0] == message
    for name, values in (("label_after_blank", [1, 4, 2, 3, 0, 2, 2, 1]),
                         ("label_negative", [1, 1, 2, 3, 0, 2, -1, 1])):
        kind, message = META["ctc_errors"][name]
        with tf.Graph().as_default():
            loss, _ = R.build_ctc(tf, LOGITS, SEQ_LEN, (LABELS[0], values, LABELS[2]))
            with tf.Session() as s:
                with pytest.raises(getattr(errors, kind)) as info:
                    s.run(loss)
        assert info.value.message.split("\n")[0] == message
    kind, message = META["ctc_errors"]["greedy_seq_len"]
    with tf.Graph().as_default():
        (_,), log_prob = tf.nn.ctc_greedy_decoder(tf.constant(LOGITS), np.int32([7, 1, 1]))
        with tf.Session() as s:
            with pytest.raises(getattr(errors, kind)) as info:
                s.run(log_prob)
    assert info.value.message.split("\n")[0] == message


def _fed(v, dtype):
    return tf.placeholder_with_default(np.asarray(v, dtype), [None] * np.ndim(v))


def _sparse(indices, values, shape):
    return tf.SparseTensor(np.int64(indices), np.int32(values), np.int64(shape))


BAD = {   # the same graphs as record_tf1_misc.py's
    "loss_seq_len": lambda: R.build_ctc(tf, LOGITS, np.int32([7, 1, 1]), LABELS)[0],
    "loss_batch": lambda: tf.nn.ctc_loss(_sparse(*LABELS), tf.constant(LOGITS), _fed([1, 1], np.int32)),
    "loss_label_bounds": lambda: tf.nn.ctc_loss(_sparse([[5, 0]], [1], [6, 1]), tf.constant(LOGITS), SEQ_LEN),
    "loss_label_order": lambda: tf.nn.ctc_loss(_sparse([[0, 1], [0, 0], [1, 0], [2, 0]], [1, 2, 1, 1], [3, 2]),
                                               tf.constant(LOGITS), SEQ_LEN),
    "loss_no_labels": lambda: tf.nn.ctc_loss(_sparse([[0, 0]], [1], [1, 1]), tf.constant(LOGITS), SEQ_LEN),
    "greedy_batch": lambda: tf.nn.ctc_greedy_decoder(tf.constant(LOGITS), _fed([1, 1], np.int32))[1],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_inputs_raise_tensorflows_errors(name):
    kind, message = META["ctc_errors"][name]
    with tf.Graph().as_default():
        t = BAD[name]()
        with tf.Session() as s:
            with pytest.raises(getattr(errors, kind)) as info:
                s.run(t)
    assert info.value.message.split("\n")[0] == message


def test_bad_arguments():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="Expected argument `labels` to be a SparseTensor"):
            tf.nn.ctc_loss(tf.constant([[1]]), tf.constant(LOGITS), SEQ_LEN)
        with pytest.raises(ValueError, match="rank 3"):
            tf.nn.ctc_greedy_decoder(tf.constant(LOGITS[0]), SEQ_LEN)
        x = tf.constant(LOGITS)
        _, log_prob = tf.nn.ctc_greedy_decoder(x, SEQ_LEN)
        assert tf.gradients(log_prob, [x]) == [None]          # CTCGreedyDecoder has no gradient
