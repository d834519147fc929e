"""Loops in MetaGraphDefs between tagraph and TensorFlow: TensorFlow imports a meta graph tagraph wrote (its
``while_context`` collection: a loop reading a variable, with a cond and a loop inside) and takes
gradients and trains through the loop, as tagraph does; tagraph imports the meta graphs TensorFlow writes
now (tests/data/serialization/record_while_context.py, re-run) and gives TensorFlow's gradients."""
import pathlib

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import export_meta_graph, import_meta_graph

RECORDER = pathlib.Path(__file__).parents[1] / "data" / "serialization"
FEED = np.array([1.0, -2.0, 0.5], np.float32)


def _build(use_resource):
    x = tg.placeholder(tg.float32, [3], name="x")
    w = tg.get_variable("w", initializer=tg.constant([0.7, -0.4, 0.2]), use_resource=use_resource)

    def body(i, a):
        b = tg.cond(tg.reduce_sum(a) > 0.0, lambda: tg.tanh(a * w), lambda: a + w)
        _, b = tg.while_loop(lambda j, c: j < 2, lambda j, c: (j + 1, c * 0.5 + w), [0, b])
        return i + 1, b
    _, y = tg.while_loop(lambda i, a: i < 3, body, [tg.constant(0), x * 2.0])
    return x, w, tg.reduce_sum(y * y, name="loss")


def test_tensorflow_takes_gradients_through_tagraph_loop(run_tf, tmp_path):
    for use_resource in (True, False):
        path = tmp_path / ("loop_%d.meta" % use_resource)
        with tg.Graph().as_default():
            x, w, loss = _build(use_resource)
            export_meta_graph(str(path))
            grads = tg.gradients(loss, [x, w])
            train = tg.train.GradientDescentOptimizer(0.05).minimize(loss)
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                ours = [np.asarray(v).tolist() for v in sess.run([loss] + grads, {x: FEED})]
                ours_losses = [float(sess.run([loss, train], {x: FEED})[0]) for _ in range(5)]
        theirs = run_tf("""
            feed = np.array(json.loads(sys.argv[2]), np.float32)
            with tf.Graph().as_default() as g:
                tf.train.import_meta_graph(sys.argv[1])
                x, loss = g.get_tensor_by_name("x:0"), g.get_tensor_by_name("loss:0")
                grads = tf.gradients(loss, [x, tf.global_variables()[0]])
                train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    values = [np.asarray(v).tolist() for v in sess.run([loss] + grads, {x: feed})]
                    losses = [float(sess.run([loss, train], {x: feed})[0]) for _ in range(5)]
            print(json.dumps({"values": values, "losses": losses}))
        """, path, FEED.tolist())
        for a, b in zip(ours, theirs["values"]):
            np.testing.assert_allclose(a, b, rtol=1e-5, err_msg="use_resource=%s" % use_resource)
        np.testing.assert_allclose(ours_losses, theirs["losses"], rtol=1e-4)


def test_tagraph_takes_gradients_through_meta_graphs_tensorflow_writes_now(run_tf, tmp_path):
    run_tf("""
        import os
        os.environ["TAGRAPH_RECORD_DIR"] = sys.argv[2]
        sys.path.insert(0, sys.argv[1])
        import record_while_context
        record_while_context.main()
        print(json.dumps({"ok": True}))
    """, RECORDER, tmp_path)
    rec = np.load(tmp_path / "while_context.npz")
    for name in ("loop_var", "loop_cond", "nested", "lstm"):
        with tg.Graph().as_default() as g:
            import_meta_graph(str(tmp_path / (name + ".meta")))
            x, loss = g.get_collection("x")[0], g.get_collection("loss")[0]
            grads = tg.gradients(loss, [x] + tg.trainable_variables())
            with tg.Session() as sess:
                sess.run(tg.global_variables_initializer())
                for op in g.get_collection("init_bias"):
                    sess.run(op)
                values = sess.run([loss] + grads, {x: rec[name + ":feed"]})
        np.testing.assert_allclose(values[0], rec[name + ":loss"], rtol=1e-5)
        for k, v in enumerate(values[1:]):
            np.testing.assert_allclose(v, rec["%s:grad%d" % (name, k)], rtol=1e-5, atol=1e-6, err_msg=name)
