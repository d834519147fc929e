"""The guide's "Simple save": one call writes a SavedModel that a model server can load.

    python examples/simple_save.py [DIR]          # writes DIR/simple_save/

``simple_save(session, export_dir, inputs={"x": x, "y": y}, outputs={"z": z})`` writes one MetaGraphDef
tagged ``serve`` with a ``serving_default`` signature of the Predict API, and the session's variables.
The model here: z = x * w + y, with the variable w = 2. The folder is then listed (the guide's
"Structure of a SavedModel directory") and loaded back to run the signature.
"""
import os

import numpy as np

import tagraph.engine as tg
from tagraph.serialization.saved_model import loader, signature_constants, simple_save, tag_constants

from _guide import section, tree, workdir


def build_and_save(export_dir):
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [None, 1], name="x")
        y = tg.placeholder(tg.float32, [None, 1], name="y")
        w = tg.get_variable("w", [], initializer=tg.constant_initializer(2.0))
        z = tg.add(x * w, y, name="z")
        with tg.Session() as session:
            session.run(tg.global_variables_initializer())
            simple_save(session,
                        export_dir,
                        inputs={"x": x, "y": y},
                        outputs={"z": z})
    print("SavedModel written to %s" % export_dir)


def load_and_run(export_dir):
    with tg.Session(graph=tg.Graph()) as sess:
        meta_graph_def = loader.load(sess, [tag_constants.SERVING], export_dir)
        sig = meta_graph_def.signature_def[signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        print("signature serving_default: inputs %s -> outputs %s, method %s" % (
            sorted(sig.inputs), sorted(sig.outputs), sig.method_name))
        feed = {sig.inputs["x"].name: np.array([[1.0], [2.0]], np.float32),
                sig.inputs["y"].name: np.array([[10.0], [20.0]], np.float32)}
        z = sess.run(sig.outputs["z"].name, feed)
        print("z for x = [[1], [2]], y = [[10], [20]]: %s" % z.tolist())
        return z


def main(argv=None):
    export_dir = os.path.join(workdir(argv), "simple_save")
    section("simple_save(session, export_dir, inputs={'x': x, 'y': y}, outputs={'z': z})")
    build_and_save(export_dir)
    section("Structure of the SavedModel directory")
    tree(export_dir)
    section("Loaded back with loader.load(sess, ['serve'], export_dir)")
    z = load_and_run(export_dir)
    assert z.tolist() == [[12.0], [24.0]]


if __name__ == "__main__":
    main()
