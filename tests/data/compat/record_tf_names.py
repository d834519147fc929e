"""Records TensorFlow 1's public names, namespace by namespace, into compat/tf_names.json.

    TF_USE_LEGACY_KERAS=1 PYTHONPATH=<tf_keras and tensorflow_estimator> \
        ~/.cache/tagraph-tf-venv/bin/python tests/data/compat/record_tf_names.py

Run with a Python that has TensorFlow (2.21 was used); it never imports tagraph. `tagraph.compat.v1` uses
the file to tell a TensorFlow name it does not have yet (NotSupportedYetError) from a name TensorFlow never
had (AttributeError).

Two namespaces are not in TensorFlow 2.21 itself:

- ``tf.compat.v1.layers`` is served by tf_keras (Keras 2): install it beside TensorFlow (``pip install
  --no-deps --target DIR tf-keras==2.21.0`` and put DIR on PYTHONPATH); TF_USE_LEGACY_KERAS=1 is set here.
- ``tf.estimator`` left TensorFlow in 2.16; its names come from the last tensorflow-estimator (2.15.0),
  read from its generated API files without importing it (``pip install --no-deps --target DIR
  tensorflow-estimator==2.15.0``, DIR on PYTHONPATH).
"""
import ast
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import sys
import types

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")      # tf.compat.v1.layers comes from tf_keras
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[3] / "compat" / "tf_names.json"

# The namespaces tagraph.compat.v1 lays out, under tf.compat.v1 ("" is tf.compat.v1 itself).
COVERED = ["", "app", "compat", "dtypes", "errors", "gfile", "graph_util", "initializers", "io", "io.gfile",
           "layers", "linalg", "logging", "losses", "math", "metrics", "nest", "sets", "nn", "nn.rnn_cell", "python_io",
           "queue", "random", "saved_model",
           "saved_model.builder", "saved_model.constants", "saved_model.loader", "saved_model.main_op",
           "saved_model.signature_constants", "saved_model.signature_def_utils", "saved_model.tag_constants",
           "saved_model.utils", "signal", "sparse", "spectral", "strings", "summary", "train", "lookup",
           "lookup.experimental", "debugging", "manip",
           "data", "data.experimental", "feature_column", "image", "keras", "keras.activations", "keras.backend",
           "keras.initializers", "keras.layers", "keras.models", "keras.regularizers"]
ESTIMATOR = {"estimator": "", "estimator.export": "export", "estimator.inputs": "inputs"}


def public(names):
    return sorted(n for n in names if not n.startswith("_"))


def is_module(value):
    return isinstance(value, types.ModuleType) or type(value).__name__ == "TFModuleWrapper"


def tf_namespace(path):
    """The public names of tf.compat.v1.<path>, and those of them that are namespaces (modules)."""
    module = tf.compat.v1
    for part in filter(None, path.split(".")):
        module = getattr(module, part)
    names = public(dir(module))
    return names, [n for n in names if is_module(getattr(module, n, None))]


def estimator_namespace(subdir):
    """The names a generated tensorflow_estimator API file binds (imports and assignments), read statically."""
    spec = importlib.util.find_spec("tensorflow_estimator")
    if spec is None:
        sys.exit("tensorflow_estimator is not on sys.path: see this script's docstring")
    api = pathlib.Path(spec.submodule_search_locations[0]) / "python" / "estimator" / "api" / "_v1" / "estimator"
    package = "tensorflow_estimator.python.estimator.api._v1.estimator" + ("." + subdir if subdir else "")
    tree = ast.parse((api / subdir / "__init__.py").read_text())
    names, modules = set(), set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            bound = {a.asname or a.name for a in node.names}
            names.update(bound)
            if node.module == package:      # `from <this api package> import <submodule>`
                modules.update(bound)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return public(names), public(modules)


def main():
    if importlib.util.find_spec("tf_keras") is None:       # tf.compat.v1.layers is empty without it
        sys.exit("tf_keras is not importable: see this script's docstring")
    namespaces, modules = {}, {}
    for path in COVERED:
        namespaces[("tf." + path).rstrip(".")], modules[("tf." + path).rstrip(".")] = tf_namespace(path)
    for path, subdir in ESTIMATOR.items():
        namespaces["tf." + path], modules["tf." + path] = estimator_namespace(subdir)
    # TensorFlow 1 had tf.estimator at the top; TensorFlow 2.21's tf.compat.v1 no longer does.
    namespaces["tf"] = sorted(set(namespaces["tf"]) | {"estimator"})
    modules["tf"] = sorted(set(modules["tf"]) | {"estimator"})
    record = {
        "tensorflow": tf.__version__,
        "tf_keras": importlib.metadata.version("tf-keras"),
        "tensorflow_estimator": importlib.metadata.version("tensorflow-estimator"),
        "namespaces": dict(sorted(namespaces.items())),
        "modules": {k: v for k, v in sorted(modules.items()) if v},
    }
    OUT.write_text(json.dumps(record, indent=1, sort_keys=False) + "\n")
    print("wrote %s: %d namespaces, %d names" % (OUT, len(namespaces), sum(map(len, namespaces.values()))))


if __name__ == "__main__":
    main()
