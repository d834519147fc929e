"""Function graphs cross between tagraph and TensorFlow: TensorFlow 2's SavedModels, made afresh, run in
tagraph with TensorFlow's outputs; graphs and SavedModels holding tagraph's tg.function calls load and run in
TensorFlow."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model.signature_runner import SignatureRunner

MAKE_MODELS = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf2" / "make_models.py"


def test_tensorflow_2_savedmodels_made_now_give_tensorflows_outputs_in_tagraph(tmp_path, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    subprocess.run([python, str(MAKE_MODELS), str(tmp_path)], check=True, capture_output=True, timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
    expected = json.loads((tmp_path / "expected.json").read_text())
    for model, sigs in expected.items():
        if not (tmp_path / model / "saved_model.pb").exists():
            continue
        with SignatureRunner(str(tmp_path / model), tags=["serve"]) as runner:
            for sig, case in sigs.items():
                inputs = {k: np.asarray(v, dtype=case["dtypes"][k]) for k, v in case["inputs"].items()}
                got = runner.run(inputs, signature_key=sig)
                for key, want in case["outputs"].items():
                    np.testing.assert_allclose(got[key], want, rtol=1e-5, atol=1e-6, err_msg="%s %s" % (model, key))


@tg.function
def _block(x, w):
    h = tg.nn.relu(tg.matmul(x, w))
    return h, tg.reduce_sum(h, axis=1)


def _graph():
    x = tg.placeholder(tg.float32, [None, 3], name="x")
    w = tg.constant(np.arange(9, dtype=np.float32).reshape(3, 3) / 4.0 - 1.0)
    h, s = _block(x, w)
    h2, _ = _block(h, w)
    return x, tg.identity(h2, name="y"), tg.identity(s, name="s")


FEED = np.float32([[1, -2, 3], [0.5, 0.25, -1]])


def test_tensorflow_runs_tagraphs_function_calls(tmp_path, run_tf):
    with tg.Graph().as_default() as g:
        _, y, s = _graph()
        with tg.Session() as sess:
            ours = sess.run([y, s], {"x:0": FEED})
        (tmp_path / "g.pb").write_bytes(g.as_graph_def().SerializeToString())
    theirs = run_tf("""
        gd = tf.GraphDef.FromString(open(sys.argv[1], "rb").read())
        tf.import_graph_def(gd, name="")
        with tf.Session() as s:
            out = s.run(["y:0", "s:0"], {"x:0": np.array(json.loads(sys.argv[2]), np.float32)})
        print(json.dumps([o.tolist() for o in out]))
    """, tmp_path / "g.pb", json.dumps(FEED.tolist()))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


_TF2_LOAD = r"""
import json, sys, numpy as np, tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
out = loaded.signatures["serving_default"](**{sys.argv[2]: tf.constant(np.array(json.loads(sys.argv[3]), np.float32))})
print(json.dumps(out[sys.argv[4]].numpy().tolist()))
"""


def tf2_load_and_call(run_tf, export, input_name, feed, output_name):
    """The serving signature's output in TensorFlow 2's loader (``tf.saved_model.load``, eager)."""
    return run_tf("""
        import subprocess
        proc = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(proc.stderr[-3000:])
        print(proc.stdout.strip().splitlines()[-1])
    """, _TF2_LOAD, export, input_name, json.dumps(feed), output_name)


def test_tensorflow_loads_a_savedmodel_built_with_tg_function(tmp_path, run_tf):
    export = tmp_path / "m" / "1"
    with tg.Graph().as_default(), tg.Session() as sess:
        x, y, _ = _graph()
        v = tg.get_variable("v", initializer=tg.constant([1.0, 2.0, 3.0]))
        out = tg.identity(y * v, name="out")
        sess.run(v.initializer)
        ours = sess.run(out, {x: FEED})
        saved_model.simple_save(sess, str(export), inputs={"x": x}, outputs={"out": out})
    theirs = run_tf("""
        with tf.Session(graph=tf.Graph()) as s:
            mg = tf.saved_model.loader.load(s, ["serve"], sys.argv[1])
            sig = mg.signature_def["serving_default"]
            out = s.run(sig.outputs["out"].name, {sig.inputs["x"].name: np.array(json.loads(sys.argv[2]), np.float32)})
        print(json.dumps(out.tolist()))
    """, export, json.dumps(FEED.tolist()))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(ours, tf2_load_and_call(run_tf, export, "x", FEED.tolist(), "out"), rtol=1e-6)


def test_a_tf2_savedmodel_reexported_by_tagraph_loads_in_tensorflow(tmp_path, run_tf):
    from tagraph.serialization import Saver
    from tagraph.serialization.saved_model.builder import SavedModelBuilder
    src = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf2" / "branches"
    case = json.loads((src.parent / "expected.json").read_text())["branches"]["serving_default"]
    export = tmp_path / "again" / "1"
    with tg.Session(graph=tg.Graph()) as sess:
        mg = saved_model.loader.load(sess, ["serve"], str(src))
        init = mg.signature_def["__saved_model_init_op"].outputs["__saved_model_init_op"].name
        builder = SavedModelBuilder(str(export))
        builder.add_meta_graph_and_variables(
            sess, ["serve"], signature_def_map={k: v for k, v in mg.signature_def.items() if not k.startswith("__")},
            saver=Saver(saver_def=mg.saver_def), main_op=sess.graph.get_operation_by_name(init))
        builder.save()
    theirs = run_tf("""
        x = np.array(json.loads(sys.argv[2]), np.float32)
        with tf.Session(graph=tf.Graph()) as s:
            mg = tf.saved_model.loader.load(s, ["serve"], sys.argv[1])
            sig = mg.signature_def["serving_default"]
            v1 = s.run(sig.outputs["y"].name, {sig.inputs["x"].name: x})
        print(json.dumps(v1.tolist()))
    """, export, json.dumps(case["inputs"]["x"]))
    np.testing.assert_allclose(theirs, case["outputs"]["y"], rtol=1e-5)
    np.testing.assert_allclose(tf2_load_and_call(run_tf, export, "x", case["inputs"]["x"], "y"), case["outputs"]["y"],
                               rtol=1e-5)
