"""SavedModels cross between tagraph and TensorFlow: each loads the other's and computes the same outputs.

TensorFlow runs in its own Python (TAGRAPH_TF_PYTHON); these tests skip without it.
"""
import base64
import json
import os

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.protos import example_pb2
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import device_export, signature_def_utils

_DECODE = """
import base64
def decode(v):
    if isinstance(v, dict) and "b64" in v:
        return np.array([base64.b64decode(s) for s in v["b64"]], dtype=object)
    return np.array(v, dtype=np.float32)
def encode(v):
    if isinstance(v, bytes):
        return {"b64": [base64.b64encode(v).decode()]}
    if hasattr(v, "indices") and hasattr(v, "dense_shape"):
        return {"indices": v.indices.tolist(), "values": v.values.tolist(), "dense_shape": v.dense_shape.tolist()}
    if isinstance(v, np.ndarray) and v.dtype == object:
        return {"b64": [base64.b64encode(s).decode() for s in v.reshape(-1)]}
    return np.asarray(v).tolist()
"""


def _example(**features):
    ex = example_pb2.Example()
    for key, values in features.items():
        f = ex.features.feature[key]
        if isinstance(values[0], float):
            f.float_list.value.extend(values)
        elif isinstance(values[0], int):
            f.int64_list.value.extend(values)
        else:
            f.bytes_list.value.extend(v.encode() for v in values)
    return ex.SerializeToString()


EXAMPLES = [_example(x=[1.0], ids=[1, 2]), _example(x=[2.0], x2=[7.0]), _example(x=[-3.5], ids=[9])]


def _b64(values):
    return {"b64": [base64.b64encode(v).decode() for v in values]}


def _decode(v):
    if isinstance(v, dict) and "b64" in v:
        return np.array([base64.b64decode(s) for s in v["b64"]], dtype=object)
    return np.array(v, dtype=np.float32)


def _encode(v):
    if isinstance(v, tuple) and hasattr(v, "dense_shape"):
        return {"indices": v.indices.tolist(), "values": v.values.tolist(), "dense_shape": v.dense_shape.tolist()}
    if isinstance(v, np.ndarray) and v.dtype == object:
        return {"b64": [base64.b64encode(s).decode() for s in v.reshape(-1)]}
    return np.asarray(v).tolist()


def _assert_same(ours, theirs, where):
    assert set(ours) == set(theirs), where
    for k in ours:
        a, b = ours[k], theirs[k]
        if isinstance(a, dict):
            assert a == b, (where, k)
        else:
            np.testing.assert_allclose(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64), rtol=1e-6,
                                       err_msg="%s %s" % (where, k))


def _build_tagraph_models(tmp_path, use_resource):
    """A device-tagged SavedModel with predict/classify/regress signatures, an asset and a main op."""
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a\nb\n")
    export_dir = str(tmp_path / ("tagraph_%s" % ("resource" if use_resource else "ref")))
    with tg.Graph().as_default():
        serialized = tg.placeholder(tg.string, [None], name="tf_example")
        feats = tg.parse_example(serialized, {"x": tg.FixedLenFeature([1], tg.float32),
                                              "x2": tg.FixedLenFeature([1], tg.float32, default_value=[3.0]),
                                              "ids": tg.VarLenFeature(tg.int64)})
        x = tg.identity(feats["x"], name="x")
        x2 = tg.identity(feats["x2"], name="x2")
        a = tg.get_variable("a", initializer=tg.constant(0.5), use_resource=use_resource)
        b = tg.get_variable("b", initializer=tg.constant(2.0), use_resource=use_resource)
        w = tg.get_variable("w", initializer=tg.constant([[1.0, -1.0]]), use_resource=use_resource)
        y = tg.add(a * x, b, name="y")
        y3 = tg.add(a * x2, 3.0, name="y3")
        z = tg.matmul(y, w, name="z")
        path = tg.constant(str(vocab), name="vocab_filename")
        tg.add_to_collection(tg.GraphKeys.ASSET_FILEPATHS, path)
        seen = tg.Variable(tg.constant(""), name="seen", trainable=False, collections=[tg.GraphKeys.LOCAL_VARIABLES],
                           use_resource=use_resource)
        main_op = tg.group(seen.assign(path), name="main_op")
        sigs = {
            "serving_default": signature_def_utils.predict_signature_def({"x": x}, {"y": y, "z": z}),
            "regress_x_to_y": signature_def_utils.regression_signature_def(serialized, y),
            "classify_x_to_y": signature_def_utils.classification_signature_def(serialized, None, y),
            "predict_x2_to_y3": signature_def_utils.predict_signature_def({"x2": x2}, {"y3": y3}),
            "sparse_ids": signature_def_utils.predict_signature_def({"examples": serialized}, {"ids": feats["ids"]}),
        }
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            device_export.export_for_devices(sess, export_dir, signature_def_map=sigs, main_op=main_op)
    return export_dir


CALLS = [
    {"key": "serving_default", "inputs": {"x": [[1.0], [2.0], [3.0]]}},
    {"key": "regress_x_to_y", "inputs": {"inputs": _b64(EXAMPLES)}},
    {"key": "classify_x_to_y", "inputs": {"inputs": _b64(EXAMPLES)}},
    {"key": "predict_x2_to_y3", "inputs": {"x2": [[1.0], [2.0]]}},
    {"key": "sparse_ids", "inputs": {"examples": _b64(EXAMPLES)}},
]

_TF_LOAD = _DECODE + """
spec = json.load(open(sys.argv[1]))
results = []
for item in spec:
    with tf.Session(graph=tf.Graph(), config=tf.ConfigProto(allow_soft_placement=True)) as s:
        mg = tf.saved_model.loader.load(s, item["tags"], item["dir"])
        res = []
        for call in item["calls"]:
            sig = mg.signature_def[call["key"]]
            feed = {sig.inputs[k].name: decode(v) for k, v in call["inputs"].items()}
            names = sorted(sig.outputs)
            fetches = []
            for n in names:
                info = sig.outputs[n]
                if info.WhichOneof("encoding") == "coo_sparse":
                    fetches.append(tf.saved_model.utils.get_tensor_from_tensor_info(info))
                else:
                    fetches.append(info.name)
            vals = s.run(fetches, feed)
            res.append({n: encode(v) for n, v in zip(names, vals)})
        extra = {t: encode(s.run(t)) for t in item.get("fetch", [])}
        results.append({"calls": res, "extra": extra, "tags": sorted(mg.meta_info_def.tags)})
print(json.dumps(results))
"""


@pytest.mark.parametrize("use_resource", [True, False])
def test_tensorflow_loads_tagraph_saved_models(tmp_path, run_tf, use_resource):
    export_dir = _build_tagraph_models(tmp_path, use_resource)
    seen_read = "seen/Read/ReadVariableOp:0" if use_resource else "seen/read:0"
    spec = [{"dir": export_dir, "tags": tags, "calls": CALLS, "fetch": [seen_read]}
            for tags in (["serve"], ["serve", "gpu"])]
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    theirs = run_tf(_TF_LOAD, tmp_path / "spec.json")
    asset = os.path.join(export_dir, "assets", "vocab.txt").encode()
    for tags, got in zip((["serve"], ["serve", "gpu"]), theirs):
        assert got["tags"] == sorted(tags)
        # TensorFlow fed the main op the asset's path inside the export directory.
        assert base64.b64decode(got["extra"][seen_read]["b64"][0]) == asset
        with saved_model.SignatureRunner(export_dir, tags=tags,
                                         config=tg.ConfigProto(allow_soft_placement=True)) as r:
            assert r.session.run(seen_read) == asset
            for call, their in zip(CALLS, got["calls"]):
                ours = r.run({k: _decode(v) for k, v in call["inputs"].items()}, call["key"])
                _assert_same({k: _encode(v) for k, v in ours.items()}, their, call["key"])


_TF_WRITE = _DECODE + """
out_dir, vocab = sys.argv[1], sys.argv[2]
kinds = {"ref": False, "resource": True}
results = {}
for kind, use_resource in kinds.items():
    export_dir = out_dir + "/tf_" + kind
    with tf.Graph().as_default():
        serialized = tf.placeholder(tf.string, [None], name="tf_example")
        feats = tf.parse_example(serialized, {"x": tf.FixedLenFeature([1], tf.float32),
                                              "x2": tf.FixedLenFeature([1], tf.float32, default_value=[3.0]),
                                              "ids": tf.VarLenFeature(tf.int64)})
        x = tf.identity(feats["x"], name="x")
        a = tf.Variable(0.5, name="a", use_resource=use_resource)
        b = tf.Variable([2.0, 1.0], name="b", use_resource=use_resource)
        y = tf.add(a * x, b, name="y")
        path = tf.constant(vocab, name="vocab_filename")
        tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, path)
        seen = tf.Variable("", name="seen", trainable=False, collections=[tf.GraphKeys.LOCAL_VARIABLES],
                           use_resource=use_resource)
        main_op = tf.group(seen.assign(path), name="main_op")
        sigs = {
            "serving_default": tf.saved_model.predict_signature_def({"x": x}, {"y": y}),
            "regress": tf.saved_model.regression_signature_def(serialized, tf.reduce_sum(y, axis=1)),
            "sparse_ids": tf.saved_model.predict_signature_def({"examples": serialized}, {"ids": feats["ids"]}),
        }
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            builder = tf.saved_model.Builder(export_dir)
            builder.add_meta_graph_and_variables(s, ["serve"], signature_def_map=sigs,
                assets_collection=tf.get_collection(tf.GraphKeys.ASSET_FILEPATHS), main_op=main_op,
                strip_default_attrs=True)
            builder.save(as_text=(kind == "ref"))
    with tf.Session(graph=tf.Graph()) as s:
        mg = tf.saved_model.loader.load(s, ["serve"], export_dir)
        res = []
        for call in json.loads(sys.argv[3]):
            sig = mg.signature_def[call["key"]]
            feed = {sig.inputs[k].name: decode(v) for k, v in call["inputs"].items()}
            names = sorted(sig.outputs)
            fetches = [tf.saved_model.utils.get_tensor_from_tensor_info(sig.outputs[n]) for n in names]
            res.append({n: encode(v) for n, v in zip(names, s.run(fetches, feed))})
        results[kind] = {"dir": export_dir, "calls": res,
                         "ops": sorted({n.op for n in mg.graph_def.node})}
print(json.dumps(results))
"""

TF_CALLS = [
    {"key": "serving_default", "inputs": {"x": [[1.0], [2.0]]}},
    {"key": "regress", "inputs": {"inputs": _b64(EXAMPLES)}},
    {"key": "sparse_ids", "inputs": {"examples": _b64(EXAMPLES)}},
]


def test_tagraph_loads_tensorflow_saved_models_both_variable_kinds(tmp_path, run_tf):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("z\n")
    theirs = run_tf(_TF_WRITE, tmp_path, vocab, json.dumps(TF_CALLS))
    assert "VariableV2" in theirs["ref"]["ops"] and "VarHandleOp" in theirs["resource"]["ops"]
    for kind, got in theirs.items():
        export_dir = got["dir"]
        assert os.path.exists(os.path.join(export_dir, "saved_model.pbtxt" if kind == "ref" else "saved_model.pb"))
        with saved_model.SignatureRunner(export_dir) as r:
            seen = r.session.run("seen/Read/ReadVariableOp:0" if kind == "resource" else "seen:0")
            assert seen == os.path.join(export_dir, "assets", "vocab.txt").encode()
            for call, their in zip(TF_CALLS, got["calls"]):
                ours = r.run({k: _decode(v) for k, v in call["inputs"].items()}, call["key"])
                _assert_same({k: _encode(v) for k, v in ours.items()}, their, "%s %s" % (kind, call["key"]))
