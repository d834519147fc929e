"""The guide's "Manually build a SavedModel": SavedModelBuilder with two MetaGraphDefs, assets, and
forward compatibility through ``strip_default_attrs=True``.

    python examples/saved_model_builder.py [DIR]      # writes DIR/builder/ (and DIR/builder_unstripped/)

A linear model y = x @ w + b. The first MetaGraphDef, tagged ``train``, is the training graph (loss,
gradient-descent train op, a vocabulary file as an asset, a main op run on load); adding it saves the
variables. The second, tagged ``serve``, is an inference graph built in a fresh graph with the same
variable names, with Predict, Regress and Classify signatures (the last two parse serialized
tf.Examples). Both share the one ``variables/`` checkpoint and the one ``assets/`` folder.

Then the forward-compatibility section: the same serving graph written with and without
``strip_default_attrs``; attributes equal to their OpDef's default (``MatMul``'s ``transpose_a`` and
``transpose_b``) are left out of the stripped NodeDefs, so an older consumer that lacks a newer default
attribute can still load the model.
"""
import os

import numpy as np

import tagraph.engine as tg
from tagraph.serialization.saved_model import builder as saved_model_builder
from tagraph.serialization.saved_model import constants, loader, signature_constants, signature_def_utils, tag_constants

from _guide import section, tree, workdir

W0 = [[0.5], [-1.0]]
B0 = [2.0]


def linear_model(x):
    """y = x @ w + b, with variables "w" and "b" (the same names in every graph, so one checkpoint serves both)."""
    w = tg.get_variable("w", [2, 1], initializer=tg.constant_initializer(np.array(W0, np.float32)))
    b = tg.get_variable("b", [1], initializer=tg.constant_initializer(np.array(B0, np.float32)))
    return tg.add(tg.matmul(x, w), b, name="y")


def training_graph(directory):
    """The training graph's pieces: signatures, assets, main op."""
    x = tg.placeholder(tg.float32, [None, 2], name="x")
    labels = tg.placeholder(tg.float32, [None, 1], name="labels")
    y = linear_model(x)
    loss = tg.reduce_mean(tg.square(y - labels), name="loss")
    train_op = tg.train.GradientDescentOptimizer(0.1).minimize(loss, name="train_op")
    tg.add_to_collection(constants.TRAIN_OP_KEY, train_op)
    # An asset: a file the graph refers to by path. The builder copies it into assets/; on load, the
    # main op is fed its new path (here it is stored in a local variable so that one can look).
    vocab = os.path.join(directory, "vocab.txt")
    with open(vocab, "w") as f:
        f.write("negative\npositive\n")
    vocab_file = tg.constant(vocab, name="vocab_file")
    tg.add_to_collection(tg.GraphKeys.ASSET_FILEPATHS, vocab_file)
    vocab_path = tg.Variable("", name="vocab_path", trainable=False, collections=[tg.GraphKeys.LOCAL_VARIABLES])
    tg.identity(vocab_path, name="vocab_path_value")
    main_op = tg.group(tg.local_variables_initializer(), vocab_path.assign(vocab_file), name="main_op")
    foo_signatures = {
        "train_loss": signature_def_utils.predict_signature_def({"x": x, "labels": labels}, {"loss": loss}),
    }
    foo_assets = tg.get_collection(tg.GraphKeys.ASSET_FILEPATHS)
    return foo_signatures, foo_assets, main_op


def serving_graph():
    """The inference graph's signatures: Predict on raw x, Regress and Classify on tf.Examples."""
    x = tg.placeholder(tg.float32, [None, 2], name="x")
    y = linear_model(x)
    serialized = tg.placeholder(tg.string, [None], name="tf_example")
    parsed = tg.parse_example(serialized, {"x": tg.FixedLenFeature([2], tg.float32)})
    with tg.variable_scope("", reuse=True):
        y_from_examples = tg.identity(linear_model(parsed["x"]), name="y_from_examples")
    probability = tg.sigmoid(y_from_examples, name="probability")
    return {
        signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY:
            signature_def_utils.predict_signature_def({"x": x}, {"y": y}),
        "regress_x_to_y": signature_def_utils.regression_signature_def(serialized, y_from_examples),
        "classify_x_to_y": signature_def_utils.classification_signature_def(serialized, None, probability),
    }


def build(directory, export_name="builder", strip_default_attrs=True, quiet=False):
    """Writes the two-MetaGraphDef SavedModel to DIR/<export_name>; returns its path."""
    export_dir = os.path.join(directory, export_name)
    builder = saved_model_builder.SavedModelBuilder(export_dir)
    with tg.Session(graph=tg.Graph()) as sess:
        foo_signatures, foo_assets, main_op = training_graph(directory)
        sess.run(tg.global_variables_initializer())
        builder.add_meta_graph_and_variables(sess,
                                             [tag_constants.TRAINING],
                                             signature_def_map=foo_signatures,
                                             assets_collection=foo_assets,
                                             main_op=main_op,
                                             strip_default_attrs=strip_default_attrs)
    # Add a second MetaGraphDef for inference.
    with tg.Session(graph=tg.Graph()) as sess:
        signatures = serving_graph()
        builder.add_meta_graph([tag_constants.SERVING], signature_def_map=signatures,
                               strip_default_attrs=strip_default_attrs)
    path = builder.save()
    if not quiet:
        print("SavedModel written: %s" % path)
    return export_dir


def matmul_attrs(export_dir, tags):
    """The attribute names of the first MatMul NodeDef in the MetaGraphDef tagged ``tags``."""
    mg = loader.SavedModelLoader(export_dir).get_meta_graph_def_from_tags(tags)
    node = next(n for n in mg.graph_def.node if n.op == "MatMul")
    return sorted(k for k in node.attr if not k.startswith("_"))


def main(argv=None):
    directory = workdir(argv)
    section("SavedModelBuilder: add_meta_graph_and_variables(['train']) then add_meta_graph(['serve'])")
    export_dir = build(directory)
    ld = loader.SavedModelLoader(export_dir)
    for mg in ld.saved_model.meta_graphs:
        print("tag-set %s: signatures %s, %d nodes, assets %s" % (
            list(mg.meta_info_def.tags), sorted(mg.signature_def), len(mg.graph_def.node),
            sorted(os.path.basename(p.decode()) for p in loader.get_asset_tensors(export_dir, mg).values())))

    section("Structure of the SavedModel directory (one variables/ and one assets/ for both graphs)")
    tree(export_dir)

    section("Forward compatibility via strip_default_attrs=True")
    unstripped = build(directory, "builder_unstripped", strip_default_attrs=False, quiet=True)
    stripped_attrs = matmul_attrs(export_dir, ["serve"])
    full_attrs = matmul_attrs(unstripped, ["serve"])
    print("MatMul attributes, strip_default_attrs=False: %s" % full_attrs)
    print("MatMul attributes, strip_default_attrs=True:  %s" % stripped_attrs)
    print("left out (equal to the OpDef's defaults): %s" % sorted(set(full_attrs) - set(stripped_attrs)))
    return export_dir


if __name__ == "__main__":
    main()
