"""An Estimator's export in real TensorFlow: TensorFlow loads it and classifies the same serialized
tf.Examples with the same classes and scores; tagraph's parsing graphs (SparseFeature included) run there.

TensorFlow runs in its own Python (TAGRAPH_TF_PYTHON); these tests skip without it.
"""
import base64

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig, export, inputs
from tagraph.protos import example_pb2
from tagraph.serialization.saved_model import signature_constants
from tagraph.serialization.saved_model.signature_runner import SignatureRunner

CLASSES = ["neg", "zero", "pos"]


def mlp_model_fn(features, labels, mode):
    h = tg.layers.dense(features["x"], 12, activation=tg.nn.relu, name="hidden")
    logits = tg.layers.dense(h, 3, name="logits")
    probs = tg.nn.softmax(logits)
    ids = tg.argmax(logits, 1)
    if mode == ModeKeys.PREDICT:
        names = tg.tile(tg.expand_dims(tg.constant(CLASSES), 0), tg.stack([tg.shape(logits)[0], 1]))
        value = tg.reduce_sum(probs * tg.constant([-1.0, 0.0, 1.0]), axis=1)
        return EstimatorSpec(mode, predictions={"class_ids": ids, "probabilities": probs}, export_outputs={
            signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: export.ClassificationOutput(probs, names),
            "regress": export.RegressionOutput(value),
            "predict": export.PredictOutput({"class_ids": ids, "probabilities": probs})})
    loss = tg.losses.sparse_softmax_cross_entropy(labels, logits)
    if mode == ModeKeys.EVAL:
        return EstimatorSpec(mode, loss=loss, eval_metric_ops={"accuracy": tg.metrics.accuracy(labels, ids)})
    train_op = tg.train.AdamOptimizer(0.03).minimize(loss, global_step=tg.train.get_global_step())
    return EstimatorSpec(mode, loss=loss, train_op=train_op)


def serialize(rows):
    out = []
    for r in rows:
        ex = example_pb2.Example()
        ex.features.feature["x"].float_list.value.extend(float(v) for v in r)
        out.append(ex.SerializeToString())
    return out


def b64(values):
    return [base64.b64encode(v).decode() for v in values]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.RandomState(0)
    x = rng.randn(300, 3).astype(np.float32)
    y = np.digitize(x[:, 0] - x[:, 2], [-0.4, 0.4]).astype(np.int64)
    est = Estimator(mlp_model_fn, model_dir=str(tmp_path_factory.mktemp("model")),
                    config=RunConfig(tf_random_seed=2, log_step_count_steps=0))
    est.train(inputs.numpy_input_fn({"x": x}, y, batch_size=50, num_epochs=None, shuffle=True, seed=0), steps=80)
    spec = {"x": tg.FixedLenFeature([3], tg.float32)}
    base = str(tmp_path_factory.mktemp("export"))
    path = est.export_saved_model(base, export.build_parsing_serving_input_receiver_fn(spec),
                                  export_gpu_meta_graph=True).decode()
    test_x = rng.randn(16, 3).astype(np.float32)
    preds = list(est.predict(inputs.numpy_input_fn({"x": test_x}, batch_size=16, shuffle=False)))
    return {"est": est, "path": path, "x": test_x, "preds": preds}


def test_tensorflow_classifies_like_predict(exported, run_tf):
    serialized = serialize(exported["x"])
    with SignatureRunner(exported["path"]) as runner:
        ours = runner.run({"inputs": serialized})
        ours_regress = runner.run({"inputs": serialized}, signature_key="regress")["outputs"]
    theirs = run_tf("""
        import base64
        path, examples = sys.argv[1], [base64.b64decode(s) for s in json.loads(sys.argv[2])]
        out = {}
        for tags in (["serve"], ["serve", "gpu"]):
            with tf.Session(graph=tf.Graph(), config=tf.ConfigProto(allow_soft_placement=True)) as sess:
                mg = tf.saved_model.loader.load(sess, tags, path)
                res = {}
                for key in ("serving_default", "regress", "predict"):
                    sig = mg.signature_def[key]
                    feed = {sig.inputs[k].name: examples for k in sig.inputs}
                    names = sorted(sig.outputs)
                    vals = sess.run([sig.outputs[k].name for k in names], feed)
                    res[key] = {k: ([[c.decode() for c in row] for row in v] if v.dtype == object else v.tolist())
                                for k, v in zip(names, vals)}
                    res[key + "_method"] = sig.method_name
                out[",".join(tags)] = res
        print(json.dumps(out))
    """, exported["path"], __import__("json").dumps(b64(serialized)))
    preds = exported["preds"]
    want_scores = np.stack([p["probabilities"] for p in preds])
    for tags, res in theirs.items():
        assert res["serving_default_method"] == "tensorflow/serving/classify"
        scores = np.array(res["serving_default"]["scores"], np.float32)
        np.testing.assert_allclose(scores, ours["scores"], rtol=1e-5, atol=1e-6, err_msg=tags)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-6, err_msg=tags)
        classes = res["serving_default"]["classes"]
        assert classes == [[c.decode() for c in row] for row in ours["classes"]]
        best = [classes[i][j] for i, j in enumerate(scores.argmax(1))]
        assert best == [CLASSES[p["class_ids"]] for p in preds]
        np.testing.assert_allclose(res["regress"]["outputs"], ours_regress, rtol=1e-5, atol=1e-6)
        assert res["predict"]["class_ids"] == [int(p["class_ids"]) for p in preds]


def test_tensorflow_reads_the_estimators_checkpoint(exported, run_tf):
    est = exported["est"]
    theirs = run_tf("""
        reader = tf.train.load_checkpoint(sys.argv[1])
        print(json.dumps({"step": int(reader.get_tensor("global_step")),
                          "kernel": reader.get_tensor("hidden/kernel").tolist()}))
    """, est.model_dir)
    assert theirs["step"] == 80
    np.testing.assert_array_equal(np.float32(theirs["kernel"]), est.get_variable_value("hidden/kernel"))


def test_tagraph_parsing_graph_runs_in_tensorflow(run_tf):
    def example(**kw):
        ex = example_pb2.Example()
        for k, v in kw.items():
            f = ex.features.feature[k]
            (f.float_list if isinstance(v[0], float) else f.int64_list if isinstance(v[0], int)
             else f.bytes_list).value.extend(v)
        return ex.SerializeToString()
    batch = [example(x=[1.0, 2.0], ix=[3, 0], val=[0.5, 1.5], tags=[b"a"]),
             example(x=[3.0, 4.0], n=[5]),
             example(x=[5.0, 6.0], ix=[1], val=[2.5], tags=[b"b", b"c"])]
    with tg.Graph().as_default() as g:
        s = tg.placeholder(tg.string, [None], name="serialized")
        out = tg.parse_example(s, {"x": tg.FixedLenFeature([2], tg.float32),
                                   "n": tg.FixedLenFeature([1], tg.int64, default_value=[-1]),
                                   "tags": tg.VarLenFeature(tg.string),
                                   "sp": tg.SparseFeature("ix", "val", tg.float32, 4)})
        fetch = {"x": out["x"].name, "n": out["n"].name, "tags_indices": out["tags"].indices.name,
                 "sp_indices": out["sp"].indices.name, "sp_values": out["sp"].values.name,
                 "sp_shape": out["sp"].dense_shape.name}
        with tg.Session() as sess:
            ours = sess.run(fetch, {s: batch})
        graph_def = g.as_graph_def().SerializeToString()
    import json
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "graph.pb")
        with open(path, "wb") as f:
            f.write(graph_def)
        theirs = run_tf("""
            import base64
            gd = tf.GraphDef.FromString(open(sys.argv[1], "rb").read())
            fetch = json.loads(sys.argv[2])
            with tf.Graph().as_default():
                tf.import_graph_def(gd, name="")
                with tf.Session() as sess:
                    vals = sess.run(fetch, {"serialized:0": [base64.b64decode(b) for b in json.loads(sys.argv[3])]})
            print(json.dumps({k: v.tolist() for k, v in vals.items()}))
        """, path, json.dumps(fetch), json.dumps(b64(batch)))
    for k, v in ours.items():
        np.testing.assert_array_equal(np.asarray(theirs[k]), v, err_msg=k)
