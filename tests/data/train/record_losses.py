"""Records what TensorFlow 1's ``tf.losses`` compute, for tests/engine/train/test_losses.py.

    PYTHONPATH= ~/.cache/tagraph-tf-venv/bin/python tests/data/train/record_losses.py

The cases are defined here once; the test imports this file (which needs only numpy) and builds the same
graphs in tagraph. A case's ``build(tf, labels, predictions)`` takes a TensorFlow 1 namespace
(``tensorflow.compat.v1`` here, ``tagraph.engine`` in the test) and two placeholders; every reduction and
each kind of weights (scalar, per example, per element, with zeros, all zero) is exercised. Writes
``losses.npz``: ``value:<case>`` (the loss), ``grad:<case>`` (its gradient with respect to the
predictions) and ``losses.json``: the loss tensor's name and dtype and the number of entries in the
``losses`` collection. Honours TAGRAPH_RECORD_DIR (the output folder; default beside this file).
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_RNG = np.random.default_rng(20)

REG = _RNG.normal(size=(4, 3)).astype(np.float32)                      # regression labels / predictions
REG_P = (REG + _RNG.normal(scale=1.5, size=(4, 3))).astype(np.float32)
PROB_Y = _RNG.integers(0, 2, size=(4, 3)).astype(np.float32)          # binary labels, probabilities
PROB_P = _RNG.uniform(0.02, 0.98, size=(4, 3)).astype(np.float32)
LOGITS = _RNG.normal(scale=2.0, size=(4, 3)).astype(np.float32)
UNIT_Y = REG / np.linalg.norm(REG, axis=1, keepdims=True)
UNIT_P = REG_P / np.linalg.norm(REG_P, axis=1, keepdims=True)
CLASSES = _RNG.integers(0, 3, size=(4,)).astype(np.int64)
ONEHOT = np.eye(3, dtype=np.float32)[CLASSES]
W_ROW = np.array([[1.0], [0.0], [2.5], [0.5]], np.float32)            # one weight per example
W_FULL = _RNG.uniform(0, 2, size=(4, 3)).astype(np.float32) * (_RNG.uniform(size=(4, 3)) > 0.3)
W_BATCH = np.array([0.5, 0.0, 2.0, 1.0], np.float32)
PAIR_Y = _RNG.normal(size=(3, 2, 3)).astype(np.float32)
PAIR_P = (PAIR_Y + _RNG.normal(size=(3, 2, 3))).astype(np.float32)


def _reductions(tf):
    return {"none": tf.losses.Reduction.NONE, "sum": tf.losses.Reduction.SUM,
            "mean": tf.losses.Reduction.MEAN, "batch": tf.losses.Reduction.SUM_OVER_BATCH_SIZE,
            "nonzero": tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS}


def _with_reductions(prefix, fn, labels, preds, weights_list):
    """Cases ``<prefix>:<reduction>:<weights>`` for every reduction and each of ``weights_list``."""
    cases = {}
    for wname, w in weights_list:
        for rname in ("none", "sum", "mean", "batch", "nonzero"):
            cases["%s:%s:%s" % (prefix, rname, wname)] = (
                (lambda fn_, w_, r_: lambda tf, y, p: fn_(tf, y, p, w_, _reductions(tf)[r_]))(fn, w, rname),
                [labels, preds])
    return cases


_WEIGHTS = [("w1", 1.0), ("w3", 3.0), ("wrow", W_ROW), ("wfull", W_FULL), ("wzero", np.zeros((4, 1), np.float32))]

CASES = {}
CASES.update(_with_reductions(
    "huber", lambda tf, y, p, w, r: tf.losses.huber_loss(y, p, weights=w, reduction=r), REG, REG_P, _WEIGHTS))
CASES.update(_with_reductions(
    "log", lambda tf, y, p, w, r: tf.losses.log_loss(y, p, weights=w, reduction=r), PROB_Y, PROB_P, _WEIGHTS))
CASES.update(_with_reductions(
    "hinge", lambda tf, y, p, w, r: tf.losses.hinge_loss(y, p, weights=w, reduction=r), PROB_Y, LOGITS, _WEIGHTS))
CASES.update(_with_reductions(
    "cosine", lambda tf, y, p, w, r: tf.losses.cosine_distance(y, p, axis=1, weights=w, reduction=r), UNIT_Y,
    UNIT_P, [("w1", 1.0), ("wrow", W_ROW)]))
CASES.update(_with_reductions(
    "mse", lambda tf, y, p, w, r: tf.losses.mean_squared_error(y, p, weights=w, reduction=r), REG, REG_P,
    [("wrow", W_ROW), ("wfull", W_FULL)]))
CASES.update(_with_reductions(
    "absdiff", lambda tf, y, p, w, r: tf.losses.absolute_difference(y, p, weights=w, reduction=r), REG, REG_P,
    [("wrow", W_ROW)]))
CASES.update(_with_reductions(
    "sigmoid_ce", lambda tf, y, p, w, r: tf.losses.sigmoid_cross_entropy(y, p, weights=w, label_smoothing=0.1,
                                                                         reduction=r), PROB_Y, LOGITS,
    [("wfull", W_FULL)]))
CASES.update(_with_reductions(
    "softmax_ce", lambda tf, y, p, w, r: tf.losses.softmax_cross_entropy(y, p, weights=w, label_smoothing=0.2,
                                                                         reduction=r), ONEHOT, LOGITS,
    [("wbatch", W_BATCH)]))
CASES.update(_with_reductions(
    "sparse_ce", lambda tf, y, p, w, r: tf.losses.sparse_softmax_cross_entropy(y, p, weights=w, reduction=r),
    CLASSES, LOGITS, [("wbatch", W_BATCH)]))
CASES.update({
    "huber:delta": (lambda tf, y, p: tf.losses.huber_loss(y, p, delta=0.3), [REG, REG_P]),
    "huber:scope": (lambda tf, y, p: tf.losses.huber_loss(y, p, delta=2.0, scope="robust"), [REG, REG_P]),
    "log:epsilon": (lambda tf, y, p: tf.losses.log_loss(y, p, epsilon=1e-3), [PROB_Y, PROB_P]),
    "cosine:dim": (lambda tf, y, p: tf.losses.cosine_distance(y, p, dim=1), [UNIT_Y, UNIT_P]),
    "cosine:axis0": (lambda tf, y, p: tf.losses.cosine_distance(y, p, axis=0), [UNIT_Y, UNIT_P]),
    "pairwise": (lambda tf, y, p: tf.losses.mean_pairwise_squared_error(y, p), [PAIR_Y, PAIR_P]),
    "pairwise:wbatch": (lambda tf, y, p: tf.losses.mean_pairwise_squared_error(
        y, p, weights=np.array([[[1.0]], [[0.0]], [[3.0]]], np.float32)), [PAIR_Y, PAIR_P]),
    "pairwise:wfull": (lambda tf, y, p: tf.losses.mean_pairwise_squared_error(
        y, p, weights=(np.arange(18).reshape(3, 2, 3) % 4 > 0).astype(np.float32)), [PAIR_Y, PAIR_P]),
    "pairwise:2d": (lambda tf, y, p: tf.losses.mean_pairwise_squared_error(y, p, weights=2.0), [REG, REG_P]),
    "pairwise:wzero": (lambda tf, y, p: tf.losses.mean_pairwise_squared_error(y, p, weights=0.0), [REG, REG_P]),
    "compute_weighted": (lambda tf, y, p: tf.losses.compute_weighted_loss(tf.abs(p - y), weights=W_ROW),
                         [REG, REG_P]),
})


def build(tf, case):
    """The case's placeholders and loss in the default graph, and the loss's gradient by the predictions."""
    fn, inputs = CASES[case]
    y = tf.placeholder(tf.as_dtype(inputs[0].dtype), inputs[0].shape, name="labels")
    p = tf.placeholder(tf.as_dtype(inputs[1].dtype), inputs[1].shape, name="predictions")
    loss = fn(tf, y, p)
    grad = tf.gradients(loss, [p])[0]
    return y, p, loss, grad


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    out = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays, meta = {}, {}
    for case in sorted(CASES):
        with tf.Graph().as_default() as g:
            y, p, loss, grad = build(tf, case)
            with tf.Session() as sess:
                feed = dict(zip([y, p], CASES[case][1]))
                arrays["value:" + case], arrays["grad:" + case] = sess.run([loss, grad], feed)
            meta[case] = {"name": loss.name, "dtype": loss.dtype.name,
                          "collection": len(g.get_collection(tf.GraphKeys.LOSSES))}
    np.savez(os.path.join(out, "losses.npz"), **arrays)
    with open(os.path.join(out, "losses.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "cases": meta}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
