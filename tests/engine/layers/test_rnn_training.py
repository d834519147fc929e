"""TensorFlow's own RNN training graphs run in tagraph, and tagraph's RNN models train as TensorFlow's do.

tests/data/rnn/record_rnn.py wrote three classifiers (a dynamic_rnn LSTM, a dynamic_rnn stacked GRU, a
bidirectional LSTM/GRU) as TensorFlow built them with their Adam train ops: the meta graph (with the backward
loops, stacks and TensorArray gradients TensorFlow made) and the checkpoint before training, the logits on an
evaluation batch and the losses of 5 training steps. tagraph imports each meta graph, restores the checkpoint
and gives TensorFlow's logits and losses; the same models built with tagraph's own API (its gradients, its
Adam) restore TensorFlow's checkpoint and train to the same losses.
"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import Saver, import_meta_graph

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "rnn"


def _load_record():
    spec = importlib.util.spec_from_file_location("rnn_record", DATA / "record_rnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "rnn.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
META = json.loads((DATA / "rnn.json").read_text())
MODELS = sorted(META["models"])


def _train(sess, fetch, step):
    x, seq_len, labels = step
    losses = []
    for k in range(RECORD.TRAIN_STEPS):
        xb, lb, yb = RECORD.model_batch(k)
        loss, _ = sess.run(fetch, {x: xb, seq_len: lb, labels: yb})
        losses.append(loss)
    return np.array(losses)


@pytest.mark.parametrize("name", MODELS)
def test_tensorflows_training_graph_runs_with_its_losses(device, name):
    meta = META["models"][name]
    t = meta["tensors"]
    with tg.Graph().as_default() as g:
        with tg.device(device):
            saver = import_meta_graph(str(DATA / meta["meta_graph"]))
        assert {"StackPushV2", "StackPopV2", "Enter", "Exit", "NextIteration", "ApplyAdam"} <= \
            {op.type for op in g.get_operations()}
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            saver.restore(sess, str(DATA / meta["checkpoint"]))
            xe, le, _ = RECORD.model_eval_batch()
            logits = sess.run(t["logits"], {t["x"]: xe, t["seq_len"]: le})
            np.testing.assert_allclose(logits, ARRAYS[name + ":eval_logits"], rtol=1e-5, atol=1e-6)
            losses = _train(sess, [t["loss"], meta["train_op"]], (t["x"], t["seq_len"], t["labels"]))
            np.testing.assert_allclose(losses, ARRAYS[name + ":losses"], rtol=1e-4)
            trained = sess.run(t["logits"], {t["x"]: xe, t["seq_len"]: le})
            np.testing.assert_allclose(trained, ARRAYS[name + ":trained_logits"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("resource", [True, False], ids=["resource_variables", "reference_variables"])
@pytest.mark.parametrize("name", MODELS)
def test_tagraphs_model_restores_tensorflows_checkpoint_and_trains_alike(name, resource):
    if not resource:
        tg.disable_resource_variables()
    meta = META["models"][name]
    with tg.Graph().as_default():
        m = RECORD.model_graph(tg, RECORD.MODELS[name])
        assert [[v.name, v.shape.as_list()] for v in tg.global_variables()] == meta["variables"]
        assert [v.name for v in tg.trainable_variables()] == meta["trainable"]
        with tg.Session() as sess:
            Saver().restore(sess, str(DATA / meta["checkpoint"]))
            xe, le, _ = RECORD.model_eval_batch()
            logits = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
            np.testing.assert_allclose(logits, ARRAYS[name + ":eval_logits"], rtol=1e-5, atol=1e-6)
            losses = _train(sess, [m["loss"], m["train_op"]], (m["x"], m["seq_len"], m["labels"]))
            np.testing.assert_allclose(losses, ARRAYS[name + ":losses"], rtol=1e-4)
            trained = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
            np.testing.assert_allclose(trained, ARRAYS[name + ":trained_logits"], rtol=1e-4, atol=1e-5)
