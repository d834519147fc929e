"""The guide's "Loading a SavedModel in Python": loader.load(sess, tags, export_dir), per tag-set.

    python examples/load_saved_model.py [DIR]

Continues from saved_model_builder.py (DIR/builder is written first if it is not there). Loading the
``train`` MetaGraphDef restores the variables and runs its main op, fed the asset's path inside the
SavedModel; its train op then runs as in any session. Loading the ``serve`` MetaGraphDef from the same
folder gives the inference graph with the same variable values; its signatures are run by the tensor
names they record: Predict on raw x, Regress and Classify on serialized tf.Examples.
``SignatureRunner`` does the same lookups for you.
"""
import os

import numpy as np

import tagraph.engine as tg
from tagraph.protos import example_pb2
from tagraph.serialization.saved_model import SignatureRunner, loader, tag_constants

from _guide import section, workdir
import saved_model_builder


def example(x0, x1):
    ex = example_pb2.Example()
    ex.features.feature["x"].float_list.value.extend([x0, x1])
    return ex.SerializeToString()


def main(argv=None):
    directory = workdir(argv)
    export_dir = os.path.join(directory, "builder")
    if not os.path.exists(os.path.join(export_dir, "saved_model.pb")):
        saved_model_builder.build(directory)

    section("with tg.Session(graph=tg.Graph()) as sess: loader.load(sess, [tag_constants.TRAINING], export_dir)")
    with tg.Session(graph=tg.Graph()) as sess:
        meta_graph_def = loader.load(sess, [tag_constants.TRAINING], export_dir)
        print("loaded tag-set %s; signatures %s" % (list(meta_graph_def.meta_info_def.tags),
                                                    sorted(meta_graph_def.signature_def)))
        path = sess.run("vocab_path_value:0").decode()
        print("the main op was fed the asset's new path: %s" % os.path.relpath(path, directory))
        values = {v.op.name: sess.run(v).ravel().tolist() for v in tg.global_variables()}
        print("variables restored (from the graph's collections): %s" % values)
        train_op = loader.get_train_op(meta_graph_def)
        rng = np.random.RandomState(0)
        xs = rng.randn(64, 2).astype(np.float32)
        labels = xs @ np.array([[3.0], [1.0]], np.float32) - 1.0
        feed = {"x:0": xs, "labels:0": labels}
        losses = []
        for _ in range(50):
            sess.run(train_op, feed)
            losses.append(float(sess.run("loss:0", feed)))
        print("50 steps of its train op: loss %.4f -> %.4f" % (losses[0], losses[-1]))
        assert losses[-1] < losses[0]

    section("loader.load(sess, [tag_constants.SERVING], export_dir): the inference graph, same variables")
    with tg.Session(graph=tg.Graph()) as sess:
        meta_graph_def = loader.load(sess, [tag_constants.SERVING], export_dir)
        sig = meta_graph_def.signature_def["serving_default"]
        x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
        y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: x})
        print("serving_default (%s): x = %s -> y = %s" % (sig.method_name, x.tolist(), y.tolist()))
        sig = meta_graph_def.signature_def["regress_x_to_y"]
        out = sess.run(sig.outputs["outputs"].name, {sig.inputs["inputs"].name: [example(1, 2), example(3, 4)]})
        print("regress_x_to_y (%s), on tf.Examples: %s" % (sig.method_name, out.ravel().tolist()))
        assert y.ravel().tolist() == out.ravel().tolist() == [0.5, -0.5]

    section("SignatureRunner: call the signatures by key")
    with SignatureRunner(export_dir, tags=["serve"]) as runner:
        print("signatures: %s" % runner.signature_keys)
        print("serving_default(x=[[1, 2]]) = %s" % runner.run({"x": [[1.0, 2.0]]}))
        print("classify_x_to_y(inputs=[Example(x=[3, 4])]) = %s"
              % runner.run({"inputs": [example(3, 4)]}, "classify_x_to_y"))


if __name__ == "__main__":
    main()
