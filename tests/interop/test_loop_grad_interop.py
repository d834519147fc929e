"""Loop gradients between tagraph and TensorFlow: the gradient graph tagraph builds for a while loop (an
LSTM-like loop over TensorArrays, a cond in a loop, nested loops) runs in TensorFlow 1 to tagraph's
values, and a fresh recording of tests/data/tf_ops/record_loop_grads.py gives the values stored there."""
import importlib.util
import json
import pathlib

import numpy as np

import tagraph.engine as tg

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_loop_grads", DATA / "record_loop_grads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()


def test_tagraph_loop_gradient_graphs_run_in_tensorflow(run_tf, tmp_path):
    with tg.Graph().as_default() as g:
        x = tg.placeholder(tg.float32, RECORD._SEQ.shape, name="x")
        loss, wrt = RECORD.lstm_loss(tg, x)
        tg.identity(loss, name="loss")
        for k, grad in enumerate(tg.gradients(loss, wrt)):
            tg.identity(grad, name="grad%d" % k)
        y = tg.placeholder(tg.float64, [3], name="y")
        for name in ("cond_in_loop", "nested"):
            outs, _ = RECORD.CASES[name][0](tg, y)
            tg.identity(tg.gradients(outs, [y])[0], name=name)
        init = tg.global_variables_initializer()
        (tmp_path / "graph.pb").write_bytes(g.as_graph_def().SerializeToString())
        fetches = ["loss:0", "grad0:0", "grad1:0", "cond_in_loop:0", "nested:0"]
        feed = {"x:0": RECORD._SEQ.tolist(), "y:0": RECORD._X3.tolist()}
        with tg.Session() as sess:
            sess.run(init)
            ours = sess.run(fetches, feed)
    theirs = run_tf("""
        tf.disable_control_flow_v2()
        gd = tf.GraphDef()
        gd.ParseFromString(open(sys.argv[1], "rb").read())
        init, fetches, feed = sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
        with tf.Graph().as_default() as g:
            tf.import_graph_def(gd, name="")
            with tf.Session(graph=g) as sess:
                sess.run(init)
                print(json.dumps([np.asarray(v).tolist() for v in sess.run(fetches, feed)]))
    """, tmp_path / "graph.pb", init.name, json.dumps(fetches), json.dumps(feed))
    for name, a, b in zip(fetches, ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)


def test_a_fresh_recording_matches_the_stored_one(run_tf, tmp_path):
    run_tf("""
        import os
        os.environ["TAGRAPH_RECORD_DIR"] = sys.argv[2]
        sys.path.insert(0, sys.argv[1])
        import record_loop_grads
        record_loop_grads.main()
        print(json.dumps({"ok": True}))
    """, DATA, tmp_path)
    with np.load(tmp_path / "loop_grads.npz") as fresh, np.load(DATA / "loop_grads.npz") as stored:
        assert sorted(fresh.files) == sorted(stored.files)
        for k in stored.files:
            if k.endswith(":error"):
                # Stack numbers in messages count the process's stacks.
                continue
            if stored[k].dtype.kind in "US":
                assert str(fresh[k]) == str(stored[k]), k
            else:
                np.testing.assert_allclose(fresh[k], stored[k], rtol=1e-6, err_msg=k)
