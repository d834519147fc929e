"""The guide's "run" command of the SavedModel CLI: inputs from .npy, .npz and pickle files, from Python
expressions, and from tf.Examples; outputs printed or saved with --outdir.

    python examples/saved_model_cli_run.py [DIR]

The model is the guide's: y = x1 + x2, every tensor of shape (-1, 1), signature ``x1_x2_to_y``, tag-set
``serve``. The data files are the guide's: ``my_data1.npy`` holds [[1], [2], [3]] and ``my_data2.npy``
holds [[0.5], [0.5], [0.5]] (and the same in ``my_data1.npz`` under key ``x`` and in the pickle
``my_data2.pkl``). The last command passes tf.Examples to half_plus_two's ``regress_x_to_y`` (from
saved_model_cli_show.py).

One departure from TensorFlow, on purpose: loading a pickle can run arbitrary code, so tagraph's CLI
refuses a pickle file unless ``--allow_pickle`` is given.
"""
import os
import pickle

import numpy as np

import tagraph.engine as tg
from tagraph.serialization.saved_model import builder, signature_def_utils, tag_constants

from _guide import run_cli, section, workdir
import saved_model_cli_show


def build_x1_x2_to_y(export_dir):
    with tg.Graph().as_default():
        x1 = tg.placeholder(tg.float32, [None, 1], name="x1")
        x2 = tg.placeholder(tg.float32, [None, 1], name="x2")
        y = tg.add(x1, x2, name="y")
        with tg.Session() as sess:
            b = builder.SavedModelBuilder(export_dir)
            b.add_meta_graph_and_variables(
                sess, [tag_constants.SERVING],
                signature_def_map={"x1_x2_to_y": signature_def_utils.predict_signature_def({"x1": x1, "x2": x2},
                                                                                          {"y": y})})
            b.save()


def main(argv=None):
    directory = workdir(argv)
    build_x1_x2_to_y(os.path.join(directory, "saved_model_dir"))
    np.save(os.path.join(directory, "my_data1.npy"), np.array([[1], [2], [3]], np.float32))
    np.save(os.path.join(directory, "my_data2.npy"), np.array([[0.5], [0.5], [0.5]], np.float32))
    np.savez(os.path.join(directory, "my_data1.npz"), x=np.array([[1], [2], [3]], np.float32))
    with open(os.path.join(directory, "my_data2.pkl"), "wb") as f:
        pickle.dump(np.array([[0.5], [0.5], [0.5]], np.float32), f)
    cli = "tagraph-saved-model-cli"
    common = ["run", "--dir", "saved_model_dir", "--tag_set", "serve", "--signature_def", "x1_x2_to_y"]

    section("show the signature to run")
    run_cli(cli, ["show", "--dir", "saved_model_dir", "--tag_set", "serve", "--signature_def", "x1_x2_to_y"],
            directory)

    section("--inputs from two .npy files, outputs saved to --outdir")
    run_cli(cli, common + ["--inputs", "x1=my_data1.npy;x2=my_data2.npy", "--outdir", "out"], directory)
    print("out/ holds %s; out/y.npy = %s" % (sorted(os.listdir(os.path.join(directory, "out"))),
                                             np.load(os.path.join(directory, "out", "y.npy")).tolist()))

    section("--inputs from an .npz (key x) and a pickle, --overwrite the output file")
    run_cli(cli, common + ["--inputs", "x1=my_data1.npz[x];x2=my_data2.pkl", "--outdir", "out", "--overwrite",
                           "--allow_pickle"], directory)

    section("--input_exprs: x2 as a Python expression")
    run_cli(cli, common + ["--inputs", "x1=my_data1.npz[x]", "--input_exprs", "x2=np.ones((3,1))"], directory)

    section("--input_examples: tf.Examples for a regress signature (half_plus_two, y = 0.5 x + 2)")
    saved_model_cli_show.build(directory, "half_plus_two")
    run_cli(cli, ["run", "--dir", "half_plus_two", "--tag_set", "serve", "--signature_def", "regress_x_to_y",
                  "--input_examples", 'inputs=[{"x":[1.0]},{"x":[4.0]}]'], directory)

    section("a mistake is one line on stderr and exit status 1 (here: an input key the signature lacks)")
    run_cli(cli, common + ["--input_exprs", "x3=[[1]]"], directory, check=False)


if __name__ == "__main__":
    main()
