"""The guide's "CLI to inspect and execute SavedModel": the ``show`` command, every form the guide shows.

    python examples/saved_model_cli_show.py [DIR]      # writes DIR/saved_model_dir, then runs the CLI on it

The SavedModel is the guide's: y = 0.5 * x + 2 ("half plus two"), with the signatures the guide lists
(``serving_default``, ``classify_x_to_y``, ``regress_x_to_y``, ``regress_x_to_y2``, ``classify_x2_to_y3``,
``regress_x2_to_y3``; the classify and regress ones read serialized tf.Examples) and two tag-sets, ``serve``
and ``serve, gpu``, written in one call by ``export_for_devices`` (they share one variables checkpoint).
Then ``tagraph-saved-model-cli show`` (TensorFlow's ``saved_model_cli``, same flags, same output) lists the
tag-sets, the signatures of a tag-set, one signature, and everything (``--all``).
"""
import os

import tagraph.engine as tg
from tagraph.serialization.saved_model import device_export, signature_constants, signature_def_utils
from tagraph.serialization.saved_model.utils import build_tensor_info as info

from _guide import run_cli, section, workdir


def half_plus_two_signatures():
    """The guide's model; returns its signature_def_map. Built in the default graph."""
    a = tg.get_variable("a", [], initializer=tg.constant_initializer(0.5))
    b = tg.get_variable("b", [], initializer=tg.constant_initializer(2.0))
    c = tg.get_variable("c", [], initializer=tg.constant_initializer(3.0))
    serialized = tg.placeholder(tg.string, [None], name="tf_example")
    parsed = tg.parse_example(serialized, {"x": tg.FixedLenFeature([1], tg.float32),
                                           "x2": tg.FixedLenFeature([1], tg.float32, default_value=[0.0])})
    x = tg.identity(parsed["x"], name="x")
    x2 = tg.identity(parsed["x2"], name="x2")
    y = tg.add(a * x, b, name="y")
    y2 = tg.add(a * x, c, name="y2")
    y3 = tg.add(a * x2, c, name="y3")
    predict = signature_def_utils.predict_signature_def
    return {
        "serving_default": predict({"x": x}, {"y": y}),
        "classify_x_to_y": signature_def_utils.classification_signature_def(serialized, None, y),
        "regress_x_to_y": signature_def_utils.regression_signature_def(serialized, y),
        "regress_x_to_y2": signature_def_utils.regression_signature_def(serialized, y2),
        # The x2 ones take the float tensor x2 itself, which the helpers above refuse (they want
        # serialized tf.Examples); build_signature_def takes any TensorInfos and a method name.
        "regress_x2_to_y3": signature_def_utils.build_signature_def(
            {"inputs": info(x2)}, {"outputs": info(y3)}, signature_constants.REGRESS_METHOD_NAME),
        "classify_x2_to_y3": signature_def_utils.build_signature_def(
            {"inputs": info(x2)}, {"scores": info(y3)}, signature_constants.CLASSIFY_METHOD_NAME),
    }


def build(directory, name="saved_model_dir"):
    """Writes the SavedModel with tag-sets {serve} and {serve, gpu}; returns its folder."""
    export_dir = os.path.join(directory, name)
    with tg.Graph().as_default():
        signatures = half_plus_two_signatures()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            device_export.export_for_devices(sess, export_dir, signature_def_map=signatures)
    return export_dir


def main(argv=None):
    directory = workdir(argv)
    export_dir = build(directory)
    print("SavedModel written to %s" % export_dir)
    d = os.path.basename(export_dir)
    cli = "tagraph-saved-model-cli"

    section("show: the tag-sets")
    run_cli(cli, ["show", "--dir", d], directory)
    section("show --tag_set serve: the SignatureDef keys of one MetaGraphDef")
    run_cli(cli, ["show", "--dir", d, "--tag_set", "serve"], directory)
    section("show --tag_set serve,gpu: several tags, comma-separated")
    run_cli(cli, ["show", "--dir", d, "--tag_set", "serve,gpu"], directory)
    section("show --signature_def serving_default: one signature's inputs and outputs")
    run_cli(cli, ["show", "--dir", d, "--tag_set", "serve", "--signature_def", "serving_default"], directory)
    section("show --all: everything")
    run_cli(cli, ["show", "--dir", d, "--all"], directory)


if __name__ == "__main__":
    main()
