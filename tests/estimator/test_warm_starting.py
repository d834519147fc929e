"""warm_start, WarmStartSettings and VocabInfo against TensorFlow: the cases of
tests/data/estimator/record_warm_starting.py, from a checkpoint TensorFlow wrote, must give the values
TensorFlow's ``tf.train.warm_start`` gave (warm_starting.npz), or fail where it failed; and an
Estimator's ``warm_start_from`` initializes a new model_dir from them.
"""
import os
import sys

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.estimator import (Estimator, EstimatorSpec, ModeKeys, RunConfig, VocabInfo, WarmStartSettings,
                               warm_start)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "estimator")
sys.path.insert(0, DATA)
import record_warm_starting as recorder  # noqa: E402

FOLDER = os.path.join(DATA, recorder.FOLDER)
RECORDED = np.load(os.path.join(DATA, "warm_starting.npz"))
CASES = sorted(recorder.cases(tf, FOLDER))


@pytest.mark.parametrize("case", CASES)
def test_warm_start_as_tensorflow(case):
    got = recorder.run_case(tf, FOLDER, case)
    if case + ":error" in RECORDED:
        assert got == {"error": str(RECORDED[case + ":error"])}
        return
    want = {k.split("/", 1)[1]: RECORDED[k] for k in RECORDED if k.startswith(case + "/")}
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-6, err_msg=name)


def test_error_messages_name_the_problem():
    ckpt = os.path.join(FOLDER, "old", "model.ckpt-3")
    with tg.Graph().as_default():
        recorder.build_new(tf)
        with pytest.raises(ValueError, match=r"var_name_to_prev_var_name that were not used: \{'model/nope'\}"):
            warm_start(ckpt, vars_to_warm_start="model/dense/bias", var_name_to_prev_var_name={"model/nope": "x"})
        with pytest.raises(ValueError, match="Tensor model/fresh is not found in"):
            warm_start(ckpt, vars_to_warm_start="model/fresh")
        with pytest.raises(ValueError, match=r"Shape of variable model/embedding:0 \(\(7, 3\)\) doesn't match|"
                                             r"Shape of variable model/embedding:0 .* doesn't match"):
            warm_start(ckpt, vars_to_warm_start="model/emb.*")
        with pytest.raises(ValueError, match="`vars_to_warm_start must be a `list` or `str`"):
            warm_start(ckpt, vars_to_warm_start=3)
        with pytest.raises(ValueError, match="it must be all `Variable` or all `str`"):
            warm_start(ckpt, vars_to_warm_start=["model/counts", 3])
    with pytest.raises(ValueError, match="The only supported values for the axis argument are 0 and 1"):
        VocabInfo("a", 1, 0, "b", axis=2)
    with pytest.raises(ValueError, match="`ckpt_to_initialize_from` MUST be set in WarmStartSettings"):
        WarmStartSettings("")


def test_the_initializers_read_the_checkpoint_only_when_they_run(tmp_path):
    """warm_start changes initializers; the values come from the checkpoint as it is when they run."""
    import shutil
    old = str(tmp_path / "old")
    shutil.copytree(os.path.join(FOLDER, "old"), old)
    with tg.Graph().as_default():
        v = recorder.build_new(tf)[4]          # model/counts
        warm_start(os.path.join(old, "model.ckpt-3"), vars_to_warm_start=["model/counts"])
        for f in os.listdir(old):
            os.remove(os.path.join(old, f))
        with tg.Session() as sess:
            with pytest.raises(tg.errors.NotFoundError):
                sess.run(v.initializer)


def model_fn(features, labels, mode):
    with tg.variable_scope("model"):
        emb = tg.get_variable("embedding", [len(recorder.NEW_WORDS) + 2, 3], initializer=tg.constant_initializer(-1.0))
        bias = tg.get_variable("dense/bias", [3], initializer=tg.constant_initializer(-3.0))
    pred = tg.reduce_sum(tg.gather(emb, features["ids"]), axis=1) + bias
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions={"pred": pred, "emb": tg.identity(emb) + 0 * tg.reduce_sum(pred)})
    loss = tg.reduce_mean(tg.square(pred - labels))
    step = tg.train.get_global_step()
    # A learning rate of 0: training leaves the warm-started values as they are.
    train_op = tg.train.GradientDescentOptimizer(0.0).minimize(loss, global_step=step)
    return EstimatorSpec(mode, loss=loss, train_op=train_op)


def test_estimator_warm_starts_a_new_model_dir_only(tmp_path):
    words = dict(new_vocab=os.path.join(FOLDER, "new_words.txt"), old_vocab=os.path.join(FOLDER, "old_words.txt"))
    ws = WarmStartSettings(os.path.join(FOLDER, "old"), vars_to_warm_start="model/.*", var_name_to_vocab_info={
        "model/embedding": VocabInfo(new_vocab_size=len(recorder.NEW_WORDS), num_oov_buckets=2, **words)})
    est = Estimator(model_fn, model_dir=str(tmp_path / "m"), config=RunConfig(log_step_count_steps=0),
                    warm_start_from=ws)
    batch = lambda: ({"ids": np.array([[0, 1]], np.int64)}, np.zeros([1, 3], np.float32))  # noqa: E731
    est.train(batch, steps=1)
    want = RECORDED["trainable_with_vocabularies_and_a_rename/model/embedding"]
    np.testing.assert_allclose(est.get_variable_value("model/embedding"), want, rtol=1e-6)
    np.testing.assert_allclose(est.get_variable_value("model/dense/bias"),
                               RECORDED["variables_list/model/dense/bias"], rtol=1e-6)
    # With a checkpoint in model_dir, training goes on from it: warm_start_from is not applied again.
    est2 = Estimator(model_fn, model_dir=str(tmp_path / "m"), config=RunConfig(log_step_count_steps=0),
                     warm_start_from=os.path.join(DATA, "does-not-exist"))
    est2.train(batch, steps=1)
    assert est2.get_variable_value("global_step") == 2
    with pytest.raises(ValueError, match="warm_start_from must be a string or a WarmStartSettings"):
        Estimator(model_fn, warm_start_from=3)


def test_estimator_warm_starts_from_a_saved_model(tmp_path):
    from tagraph.estimator import export
    ws = WarmStartSettings(os.path.join(FOLDER, "old"), vars_to_warm_start="model/dense/bias")
    first = Estimator(model_fn, model_dir=str(tmp_path / "first"), config=RunConfig(log_step_count_steps=0),
                      warm_start_from=ws)
    batch = lambda: ({"ids": np.array([[0, 1]], np.int64)}, np.zeros([1, 3], np.float32))  # noqa: E731
    first.train(batch, steps=1)
    receiver = export.build_raw_serving_input_receiver_fn({"ids": tg.placeholder(tg.int64, [None, 2], name="ids")})
    saved = first.export_saved_model(str(tmp_path / "export"), receiver).decode()
    second = Estimator(model_fn, model_dir=str(tmp_path / "second"), config=RunConfig(log_step_count_steps=0),
                       warm_start_from=saved)
    second.train(batch, steps=1)
    np.testing.assert_allclose(second.get_variable_value("model/dense/bias"),
                               RECORDED["variables_list/model/dense/bias"], rtol=1e-6)


def test_warm_start_from_an_object_based_checkpoint():
    """A TensorFlow 2 SavedModel's variables are keyed by object path; its object graph names them."""
    from tagraph.serialization import load_checkpoint
    saved = os.path.join(HERE, "..", "data", "tf2", "keras_conv1d_layernorm", "variables", "variables")
    reader = load_checkpoint(saved)
    with tg.Graph().as_default():
        with tg.variable_scope("sequential_1/dense_2"):
            kernel = tg.get_variable("kernel", [6, 2], initializer=tg.zeros_initializer())
            bias = tg.get_variable("bias", [2], initializer=tg.zeros_initializer())
        warm_start(saved, vars_to_warm_start=["sequential_1/dense_2/.*"])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            got_kernel, got_bias = sess.run([kernel, bias])
    np.testing.assert_array_equal(got_kernel, reader.get_tensor("_layers/4/_kernel/.ATTRIBUTES/VARIABLE_VALUE"))
    np.testing.assert_array_equal(got_bias, reader.get_tensor("_layers/4/bias/.ATTRIBUTES/VARIABLE_VALUE"))
    with tg.Graph().as_default():
        tg.get_variable("not_in_it", [2])
        with pytest.raises(ValueError, match="did not contain values for all variables.*not_in_it"):
            warm_start(saved)
