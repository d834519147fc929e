"""Writes the TensorFlow 2 SavedModels tests/engine/runtime/test_tf2_saved_models.py loads, and what
TensorFlow computes from them (expected.json), and what TensorFlow's saved_model_cli shows (*.show.txt).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf2/make_models.py [OUT_DIR]    # TensorFlow 2.21

Each model keeps its computation in the MetaGraphDef's function library, as every TensorFlow 2 SavedModel
does: StatefulPartitionedCall into tf.functions, If/StatelessIf, While/StatelessWhile and Case from Python
control flow, variables restored through the object graph.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import tensorflow as tf

HERE = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent
RNG = np.random.RandomState(7)


class Branches(tf.Module):
    """Variables, a data-dependent branch (StatelessIf) and a Python while loop (StatelessWhile)."""

    def __init__(self):
        self.w = tf.Variable(RNG.randn(3, 2).astype(np.float32), name="w")
        self.b = tf.Variable([0.5, -1.0], name="b")

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        if tf.reduce_sum(y) > 0:
            y = y * 2.0
        else:
            y = y - 1.0
        i = tf.constant(0)
        while i < 3:
            y = y + tf.cast(i, tf.float32)
            i += 1
        return {"y": y}


class TwoSignatures(tf.Module):
    """Two signatures over one variable; a stateful If (a variable read in a branch) and a switch_case."""

    def __init__(self):
        self.scale = tf.Variable(3.0, name="scale")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="a"),
                                  tf.TensorSpec([None], tf.float32, name="b")])
    def add(self, a, b):
        return {"sum": a + b, "prod": a * b}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x"),
                                  tf.TensorSpec([], tf.int32, name="k")])
    def pick(self, x, k):
        if tf.reduce_max(x) > 1.0:
            y = x * self.scale
        else:
            y = x + self.scale
        z = tf.switch_case(k, [lambda: y, lambda: y * 10.0, lambda: -y])
        return {"z": z}


@tf.function
def _inner(x):
    return tf.nn.relu(x - 1.0) * 2.0


class Nested(tf.Module):
    """A tf.function calling another (a nested PartitionedCall) and a while_loop with maximum_iterations
    that accumulates (a loop carrying a tensor and a counter)."""

    @tf.function(input_signature=[tf.TensorSpec([2, 2], tf.float32, name="x")])
    def __call__(self, x):
        h = _inner(x)
        _, acc = tf.while_loop(lambda i, a: i < 100, lambda i, a: (i + 1, a + tf.reduce_sum(h) * tf.cast(i, tf.float32)),
                               [tf.constant(0), tf.zeros([])], maximum_iterations=5)
        return {"h": h, "acc": acc}


class Checked(tf.Module):
    """An assertion in a tf.function: the Assert op inside the function body."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def __call__(self, x):
        tf.debugging.assert_positive(x, message="x must be positive")
        return {"log": tf.math.log(x)}


class Vocabulary(tf.Module):
    """A vocabulary table from an asset file with OOV buckets: the table's initializer runs in the
    SavedModel's init op, reading the file from the SavedModel's assets/ folder."""

    def __init__(self, vocab_file):
        init = tf.lookup.TextFileInitializer(vocab_file, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
                                             tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER)
        self.table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=3)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="words")])
    def __call__(self, words):
        return {"ids": self.table.lookup(words)}


def _vocabulary():
    vocab = HERE / "vocab.txt"
    vocab.write_text("the\ncat\nsat\non\nmat\n")
    return Vocabulary(str(vocab))


def _keras(layers, inputs=None, outputs=None):
    """A Keras model with weights drawn from RNG (variances positive), so that its outputs are fixed."""
    model = tf.keras.Sequential(layers) if inputs is None else tf.keras.Model(inputs, outputs)
    for v in model.weights:
        if "variance" in v.name:
            v.assign(RNG.uniform(0.5, 1.5, v.shape).astype(np.float32))
        else:
            v.assign(RNG.randn(*v.shape).astype(np.float32) * 0.5)
    return model


def _keras_models():
    k, L = tf.keras, tf.keras.layers
    attention_in = k.Input([6, 8])
    return {
        "keras_dense": _keras([k.Input([4]), L.Dense(8, activation="relu"), L.Dense(3, activation="softmax")]),
        "keras_conv1d_layernorm": _keras([k.Input([10, 4]), L.Conv1D(6, 3, activation="relu"), L.LayerNormalization(),
                                          L.GlobalAveragePooling1D(), L.Dense(2)]),
        "keras_conv2d_batchnorm": _keras([k.Input([8, 8, 3]), L.Conv2D(4, 3, padding="same"), L.BatchNormalization(),
                                          L.ReLU(), L.DepthwiseConv2D(3), L.MaxPooling2D(), L.Flatten(),
                                          L.Dense(3, activation="softmax")]),
        "keras_embedding_lstm": _keras([k.Input([7], dtype="int32"), L.Embedding(20, 5), L.LSTM(6), L.Dense(1)]),
        "keras_gru": _keras([k.Input([5, 3]), L.GRU(4, return_sequences=True), L.GRU(2)]),
        "keras_attention": _keras(None, attention_in,
                                  L.MultiHeadAttention(num_heads=2, key_dim=4)(attention_in, attention_in)),
    }


_KERAS_INPUTS = {"keras_dense": lambda: RNG.randn(5, 4).astype(np.float32),
                 "keras_conv1d_layernorm": lambda: RNG.randn(3, 10, 4).astype(np.float32),
                 "keras_conv2d_batchnorm": lambda: RNG.randn(2, 8, 8, 3).astype(np.float32),
                 "keras_embedding_lstm": lambda: RNG.randint(0, 20, (4, 7)).astype(np.int32),
                 "keras_gru": lambda: RNG.randn(3, 5, 3).astype(np.float32),
                 "keras_attention": lambda: RNG.randn(2, 6, 8).astype(np.float32)}


def _defun_graph():
    """A TensorFlow 1 graph calling Defun functions by their names as op types (no PartitionedCall)."""
    from tensorflow.python.framework import function
    g = tf.Graph()
    with g.as_default():
        @function.Defun(tf.float32, tf.float32)
        def scale_add(x, y):
            return x * 3.0 + y

        @function.Defun(tf.float32)
        def twice(x):
            return scale_add(x, x) * 2.0

        x = tf.compat.v1.placeholder(tf.float32, [None], name="x")
        tf.identity(twice(x) + scale_add(x, 1.0), name="y")
    feed = np.float32([1.0, -2.0, 0.5])
    with tf.compat.v1.Session(graph=g) as sess:
        y = sess.run("y:0", {"x:0": feed})
    (HERE / "defun_graph.pb").write_bytes(g.as_graph_def().SerializeToString())
    return {"x": feed.tolist(), "y": y.tolist()}


def _jsonable(v):
    # Strings travel as text (the test feeds them back as Python strings).
    return [s.decode() for s in v.tolist()] if v.dtype.kind == "S" else v.tolist()


def main():
    expected = {"defun_graph": {"graph": _defun_graph()}}
    cases = {
        "branches": (Branches(), None, {"serving_default": {"x": RNG.randn(4, 3).astype(np.float32)}}),
        "two_signatures": (TwoSignatures(), "module", {
            "add": {"a": np.float32([1, 2, 3]), "b": np.float32([4, 5, 6])},
            "pick": {"x": np.float32([0.5, 2.0]), "k": np.int32(1)}}),
        "nested": (Nested(), None, {"serving_default": {"x": RNG.randn(2, 2).astype(np.float32) + 1.0}}),
        "checked": (Checked(), None, {"serving_default": {"x": np.float32([0.5, 2.0])}}),
        "vocabulary": (_vocabulary(), None, {"serving_default": {"words": np.array([b"cat", b"dog", b"mat", b""])}}),
    }
    for name, model in _keras_models().items():
        cases[name] = (model, None, {"serving_default": {"*": _KERAS_INPUTS[name]()}})
    for name, (obj, sigs, runs) in cases.items():
        path = HERE / name
        if path.exists():
            shutil.rmtree(path)
        if sigs == "module":
            signatures = {"add": obj.add, "pick": obj.pick}
        elif isinstance(obj, tf.keras.Model):
            signatures = None
        else:
            signatures = obj.__call__
        tf.saved_model.save(obj, str(path), signatures=signatures)
        for extra in ("fingerprint.pb",):
            (path / extra).unlink(missing_ok=True)
        loaded = tf.saved_model.load(str(path))
        expected[name] = {}
        for sig, feeds in runs.items():
            if "*" in feeds:      # a Keras model names its one input itself
                (key,) = loaded.signatures[sig].structured_input_signature[1]
                feeds = {key: feeds["*"]}
            out = loaded.signatures[sig](**{k: tf.constant(v) for k, v in feeds.items()})
            expected[name][sig] = {"inputs": {k: _jsonable(v) for k, v in feeds.items()},
                                   "dtypes": {k: "object" if v.dtype.kind == "S" else str(v.dtype)
                                              for k, v in feeds.items()},
                                   "outputs": {k: v.numpy().tolist() for k, v in out.items()}}
        cli = pathlib.Path(sys.executable).parent / "saved_model_cli"
        show = subprocess.run([str(cli), "show", "--dir", str(path), "--all"], capture_output=True, text=True,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), check=True)
        (HERE / (name + ".show.txt")).write_text(show.stdout)
    bad = tf.saved_model.load(str(HERE / "checked")).signatures["serving_default"]
    try:
        bad(x=tf.constant([-1.0, 2.0]))
    except tf.errors.InvalidArgumentError as e:
        message = next(line for line in e.message.split("\n") if line.startswith("assertion failed"))
        expected["checked_error"] = {"x": [-1.0, 2.0], "message": message}
    (HERE / "vocab.txt").unlink()            # the SavedModel has its own copy, in assets/
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print("tensorflow", tf.__version__, "wrote", ", ".join(cases))


if __name__ == "__main__":
    main()
