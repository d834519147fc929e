"""Records what TensorFlow 1's feature columns compute, for tests/engine/feature_column/: each categorical
column's sparse ids, ``input_layer`` and ``linear_model`` outputs over every kind of column, their variables'
names, shapes and collections, ``make_parse_example_spec`` and a parse_example round trip, the errors bad
input gets, and a wide-and-deep model's checkpoint of its initial variables with 5 training steps' losses.

    TF_USE_LEGACY_KERAS=1 ~/.cache/tagraph-tf-venv/bin/python tests/data/feature_column/record_feature_column.py

(tf.layers, for the wide-and-deep model's DNN, needs tf-keras beside TensorFlow: ``make interop`` installs it.)

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph: a
case's function takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the
tests). Variables get seeded values (``variable_values``) before a case runs, so nothing depends on either
side's random initializers; the wide-and-deep model starts from TensorFlow's own initial values, saved in
``wide_deep/model.ckpt``. Writes ``feature_column.npz`` and ``feature_column.json`` into TAGRAPH_RECORD_DIR
(default: beside this file). Importing this file needs only numpy.
"""
import base64
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LETTERS = os.path.join(HERE, "letters.txt")      # apple, banana, cherry, date
NUMBERS = os.path.join(HERE, "numbers.txt")      # 10, 20, 30
MISSING = os.path.join(HERE, "no_such_vocabulary.txt")


# --- the features ---------------------------------------------------------------------------------------

def features(tf):
    """A batch of 4 examples: dense floats (one of rank 1), dense strings and integers, sparse strings and
    integers with empty rows, out-of-vocabulary values and a weight feature."""
    return {
        "price": tf.constant([[0.5], [1.5], [-3.0], [2.0]]),
        "age": tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [0.5, 7.0]]),
        "score": tf.constant([0.25, -1.0, 3.0, 0.0]),
        "count": tf.constant([[3], [0], [-1], [12]], tf.int64),
        "color": tf.SparseTensor([[0, 0], [0, 1], [2, 0], [3, 2]], ["red", "blue", "zz", "green"], [4, 3]),
        "color2": tf.SparseTensor([[1, 0], [3, 0]], ["green", "red"], [4, 1]),
        "tag": tf.SparseTensor([[0, 0], [1, 0], [2, 0], [2, 1]], ["x", "y", "x", "w"], [4, 2]),
        "letter": tf.SparseTensor([[0, 0], [1, 0], [3, 0], [3, 1]], ["banana", "kiwi", "apple", "date"], [4, 2]),
        "number": tf.SparseTensor([[0, 0], [2, 0]], tf.constant([20, 99], tf.int64), [4, 1]),
        "ident": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [3, 0]], tf.constant([1, 4, 2, 0], tf.int64), [4, 2]),
        "ident_w": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [3, 0]], [0.5, 2.0, 1.0, -1.0], [4, 2]),
        "country": tf.constant([["US"], [""], ["FR"], ["DE"]]),
        "hour": tf.constant([[3], [-1], [23], [7]], tf.int64),
    }


def _double_minus_one(x):
    return x * 2.0 - 1.0


def columns(tf):
    """Every kind of column, by name."""
    fc = tf.feature_column
    c = {}
    c["price"] = fc.numeric_column("price")
    c["age"] = fc.numeric_column("age", shape=(2,))
    c["score"] = fc.numeric_column("score", normalizer_fn=_double_minus_one)
    c["count"] = fc.numeric_column("count", dtype=tf.int64)
    c["price_b"] = fc.bucketized_column(c["price"], [0.0, 1.0, 2.0])
    c["age_b"] = fc.bucketized_column(c["age"], [2.0, 5.0])
    c["color"] = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"], num_oov_buckets=2)
    c["color2"] = fc.categorical_column_with_vocabulary_list("color2", ["red", "green", "blue"], num_oov_buckets=2)
    c["color_d"] = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"], default_value=1)
    c["country"] = fc.categorical_column_with_vocabulary_list("country", ["US", "FR"])
    c["letter"] = fc.categorical_column_with_vocabulary_file("letter", LETTERS)
    c["letter_oov"] = fc.categorical_column_with_vocabulary_file("letter", LETTERS, num_oov_buckets=3)
    c["number"] = fc.categorical_column_with_vocabulary_file("number", NUMBERS, vocabulary_size=3,
                                                             dtype=tf.int64, default_value=0)
    c["number_list"] = fc.categorical_column_with_vocabulary_list("number", [99, 20])
    c["ident"] = fc.categorical_column_with_identity("ident", 5)
    c["hour"] = fc.categorical_column_with_identity("hour", 10, default_value=0)
    c["hour5"] = fc.categorical_column_with_identity("hour", 5, default_value=4)
    c["tag"] = fc.categorical_column_with_hash_bucket("tag", 7)
    c["hour_hash"] = fc.categorical_column_with_hash_bucket("hour", 6, dtype=tf.int64)
    c["weighted"] = fc.weighted_categorical_column(c["ident"], "ident_w")
    c["cross"] = fc.crossed_column(["tag", c["color"]], 11)
    c["cross3"] = fc.crossed_column([c["price_b"], "tag", "country"], 13, hash_key=7)
    c["cross_nested"] = fc.crossed_column([c["cross"], c["hour"]], 17)
    return c


# --- the cases -------------------------------------------------------------------------------------------

# input_layer over these (dense) columns; ``build(fc, c)`` gives the list.
INPUT_LAYER = {
    "numeric": lambda fc, c: [c["price"], c["age"], c["score"], c["count"]],
    "bucketized": lambda fc, c: [c["price_b"], c["age_b"]],
    "indicator_vocabulary_list": lambda fc, c: [fc.indicator_column(c["color"]), fc.indicator_column(c["color2"])],
    "indicator_default_value": lambda fc, c: [fc.indicator_column(c["color_d"])],
    "indicator_vocabulary_file": lambda fc, c: [fc.indicator_column(c["letter_oov"]),
                                                fc.indicator_column(c["number"])],
    "indicator_integer_list": lambda fc, c: [fc.indicator_column(c["number_list"])],
    "indicator_dense_string": lambda fc, c: [fc.indicator_column(c["country"])],
    "indicator_identity": lambda fc, c: [fc.indicator_column(c["ident"]), fc.indicator_column(c["hour"])],
    "indicator_hash": lambda fc, c: [fc.indicator_column(c["tag"]), fc.indicator_column(c["hour_hash"])],
    "indicator_weighted": lambda fc, c: [fc.indicator_column(c["weighted"])],
    "indicator_cross": lambda fc, c: [fc.indicator_column(c["cross"]), fc.indicator_column(c["cross3"]),
                                      fc.indicator_column(c["cross_nested"])],
    "embedding_mean": lambda fc, c: [fc.embedding_column(c["ident"], 3)],
    "embedding_sqrtn_sum": lambda fc, c: [fc.embedding_column(c["color"], 2, combiner="sqrtn"),
                                          fc.embedding_column(c["tag"], 3, combiner="sum")],
    "embedding_weighted": lambda fc, c: [fc.embedding_column(c["weighted"], 3, combiner="mean"),
                                         fc.embedding_column(c["letter"], 2, combiner="sqrtn")],
    "embedding_max_norm": lambda fc, c: [fc.embedding_column(c["color"], 4, max_norm=0.5)],
    "embedding_cross": lambda fc, c: [fc.embedding_column(c["cross3"], 2)],
    "embedding_not_safe": lambda fc, c: [fc.embedding_column(c["letter_oov"], 2, use_safe_embedding_lookup=False)],
    "embedding_not_trainable": lambda fc, c: [fc.embedding_column(c["tag"], 2, trainable=False)],
    "shared_embedding": lambda fc, c: fc.shared_embedding_columns([c["color2"], c["color"]], 3),
    "shared_embedding_named": lambda fc, c: fc.shared_embedding_columns(
        [c["weighted"], c["hour5"]], 2, combiner="sum", shared_embedding_collection_name="shared_ids"),
    "everything": lambda fc, c: [c["price"], c["age"], c["score"], c["price_b"], fc.indicator_column(c["color"]),
                                 fc.embedding_column(c["ident"], 2), fc.indicator_column(c["weighted"])] +
                                fc.shared_embedding_columns([c["color2"], c["color"]], 2),
}

# linear_model over these columns: (build(fc, c), keyword arguments).
LINEAR_MODEL = {
    "linear_numeric": (lambda fc, c: [c["price"], c["age"], c["count"]], {}),
    "linear_bucketized": (lambda fc, c: [c["price_b"], c["age_b"]], {}),
    "linear_categorical": (lambda fc, c: [c["color"], c["tag"], c["ident"], c["letter"], c["number"], c["country"],
                                          c["hour_hash"]], {}),
    "linear_weighted_sum": (lambda fc, c: [c["weighted"]], {}),
    "linear_weighted_mean": (lambda fc, c: [c["weighted"], c["color"]], {"sparse_combiner": "mean"}),
    "linear_sqrtn": (lambda fc, c: [c["tag"], c["letter_oov"]], {"sparse_combiner": "sqrtn"}),
    "linear_cross": (lambda fc, c: [c["cross"], c["cross3"], c["cross_nested"]], {}),
    "linear_dense_columns": (lambda fc, c: [fc.indicator_column(c["color"]), fc.embedding_column(c["ident"], 2)],
                             {}),
    "linear_units3": (lambda fc, c: [c["price"], c["price_b"], c["color"], c["cross"], c["weighted"]],
                      {"units": 3}),
}

# Categorical columns whose ids (and weights) are recorded.
IDS = ["color", "color_d", "country", "letter", "letter_oov", "number", "number_list", "ident", "hour", "tag",
       "hour_hash", "weighted", "cross", "cross3", "cross_nested", "price_b", "age_b"]


def _two_linear_models(tf, fc, c, f):
    a = fc.linear_model(f, [c["price"], c["color"]])
    b = fc.linear_model(f, [c["price"], c["tag"]], units=2)
    return a + b[:, :1]


def _scoped_models(tf, fc, c, f):
    with tf.variable_scope("wide"):
        a = fc.linear_model(f, [c["price"], c["cross"]])
    with tf.variable_scope("deep"):
        b = fc.input_layer(f, [fc.embedding_column(c["tag"], 2)])
    return a + tf.reduce_sum(b, axis=1, keepdims=True)


def _two_input_layers(tf, fc, c, f):
    shared = fc.shared_embedding_columns([c["color"], c["color2"]], 2)
    a = fc.input_layer(f, shared + [fc.embedding_column(c["ident"], 2)])
    b = fc.input_layer(f, shared[:1] + [fc.embedding_column(c["ident"], 2)],
                       weight_collections=["my_weights"], trainable=False)
    return tf.concat([a, b], 1)


# Graphs of several models: the variables' names, shapes and collections.
NAMING = {"two_linear_models": _two_linear_models, "scoped_models": _scoped_models,
          "two_input_layers": _two_input_layers}


def _err_missing_vocabulary_file(tf, fc, c, f):
    return fc.categorical_column_with_vocabulary_file("letter", MISSING)


def _err_missing_vocabulary_file_with_size(tf, fc, c, f):
    col = fc.categorical_column_with_vocabulary_file("letter", MISSING, vocabulary_size=4)
    return fc.input_layer(f, [fc.indicator_column(col)])


def _err_identity_out_of_range(tf, fc, c, f):
    f = dict(f, ident=tf.SparseTensor([[0, 0], [2, 0]], tf.constant([1, 7], tf.int64), [4, 1]))
    return fc.input_layer(f, [fc.embedding_column(c["ident"], 2)])


# Bad input: (build(tf, fc, c, f), run it): the error TensorFlow raises building it, or running it.
ERRORS = {
    "missing_vocabulary_file": (_err_missing_vocabulary_file, False),
    "missing_vocabulary_file_with_size": (_err_missing_vocabulary_file_with_size, True),
    "identity_out_of_range": (_err_identity_out_of_range, True),
    "unsafe_lookup_of_an_unknown_word": (lambda tf, fc, c, f: fc.input_layer(
        f, [fc.embedding_column(c["letter"], 2, use_safe_embedding_lookup=False)]), True),
    "categorical_in_input_layer": (lambda tf, fc, c, f: fc.input_layer(f, [c["color"]]), False),
    "missing_feature": (lambda tf, fc, c, f: fc.input_layer({"age": f["age"]}, [c["price"]]), False),
    "sparse_numeric": (lambda tf, fc, c, f: fc.input_layer({"price": f["color2"]}, [c["price"]]), False),
    "rank0_feature": (lambda tf, fc, c, f: fc.input_layer({"price": tf.constant(1.0)}, [c["price"]]), False),
    "duplicate_columns": (lambda tf, fc, c, f: fc.linear_model(f, [c["color"], c["color_d"]]), False),
    "batch_size_mismatch": (lambda tf, fc, c, f: fc.input_layer(
        dict(f, age=tf.constant([[1.0, 2.0]])), [c["price"], c["age"]]), False),
    "unsorted_boundaries": (lambda tf, fc, c, f: fc.bucketized_column(c["price"], [1.0, 0.5]), False),
    "bucketize_2d_column": (lambda tf, fc, c, f: fc.bucketized_column(fc.numeric_column("m", (2, 2)), [1.0]), False),
    "cross_of_hashed": (lambda tf, fc, c, f: fc.crossed_column([c["tag"], "color"], 5), False),
    "cross_one_key": (lambda tf, fc, c, f: fc.crossed_column(["tag"], 5), False),
    "shared_mixed_types": (lambda tf, fc, c, f: fc.shared_embedding_columns([c["color"], c["tag"]], 2), False),
    "embedding_dimension": (lambda tf, fc, c, f: fc.embedding_column(c["color"], 0), False),
    "hash_bucket_size": (lambda tf, fc, c, f: fc.categorical_column_with_hash_bucket("tag", 0), False),
    "vocabulary_duplicates": (lambda tf, fc, c, f: fc.categorical_column_with_vocabulary_list("a", ["x", "x"]),
                              False),
    "identity_default": (lambda tf, fc, c, f: fc.categorical_column_with_identity("a", 3, default_value=3), False),
    "numeric_string": (lambda tf, fc, c, f: fc.numeric_column("a", dtype=tf.string), False),
    "numeric_default_shape": (lambda tf, fc, c, f: fc.numeric_column("a", shape=(2,), default_value=[1.0]), False),
    "weighted_dtype": (lambda tf, fc, c, f: fc.input_layer(
        dict(f, ident_w=tf.SparseTensor([[0, 0]], tf.constant([1], tf.int64), [4, 1])),
        [fc.indicator_column(c["weighted"])]), False),
    "vocabulary_dtype_mismatch": (lambda tf, fc, c, f: fc.input_layer(
        {"color": f["number"]}, [fc.indicator_column(c["color"])]), False),
    "parse_spec_conflict": (lambda tf, fc, c, f: fc.make_parse_example_spec(
        [c["number"], fc.numeric_column("number")]), False),
}


# --- the parse_example round trip --------------------------------------------------------------------------

# Examples for make_parse_example_spec's spec: each a dict of feature -> (kind, values).
EXAMPLES = [
    {"price": ("float", [0.5]), "age": ("float", [1.0, 2.0]), "color": ("bytes", [b"red", b"blue"]),
     "tag": ("bytes", [b"x"]), "ident": ("int64", [1]), "ident_w": ("float", [0.5]), "letter": ("bytes", [b"date"])},
    {"price": ("float", [1.5]), "age": ("float", [3.0, 4.0]), "tag": ("bytes", [b"y", b"x"]),
     "ident": ("int64", [4, 2]), "ident_w": ("float", [2.0, 1.0])},
    {"price": ("float", [-3.0]), "age": ("float", [5.0, 6.0]), "color": ("bytes", [b"zz"]),
     "letter": ("bytes", [b"kiwi", b"apple"])},
]


def parse_columns(fc, c):
    """(dense columns for input_layer, columns for linear_model) of the round trip."""
    dense = [c["price"], c["age"], fc.embedding_column(c["color"], 2), fc.indicator_column(c["weighted"]),
             fc.indicator_column(c["letter"])]
    linear = [c["price_b"], c["color"], c["cross"], c["weighted"], c["letter"]]
    return dense, linear


def spec_json(spec):
    """A parse spec as JSON: key -> [kind, shape, dtype, default] (VarLenFeature: [kind, dtype])."""
    out = {}
    for key, value in sorted(spec.items()):
        kind = type(value).__name__
        if kind == "VarLenFeature":
            out[key] = [kind, value.dtype.name]
        else:
            default = value.default_value
            out[key] = [kind, list(value.shape), value.dtype.name,
                        None if default is None else np.asarray(default).tolist()]
    return out


# --- the wide-and-deep model ----------------------------------------------------------------------------------

WD_BATCH = 8
_COLORS = ["red", "green", "blue", "pink"]
_TAGS = ["x", "y", "z", "w", "v"]
_LETTERS = ["apple", "banana", "cherry", "date", "fig"]


def _sparse_value(rng, vocabulary, batch, width, dtype=object):
    indices, values = [], []
    for b in range(batch):
        n = int(rng.integers(0, width + 1))
        for j in range(n):
            indices.append([b, j])
            values.append(vocabulary[int(rng.integers(0, len(vocabulary)))])
    indices = np.array(indices, np.int64).reshape(-1, 2)
    if dtype is object:
        values = np.array([v.encode() for v in values], dtype=object)
    else:
        values = np.array(values, dtype)
    return indices, values, np.array([batch, width], np.int64)


def wd_batch(step):
    """The wide-and-deep model's feeds for ``step`` (numpy arrays; sparse features as (indices, values, shape))."""
    rng = np.random.default_rng(500 + step)
    ident = _sparse_value(rng, list(range(6)), WD_BATCH, 2, np.int64)
    weights = rng.uniform(0.1, 2.0, size=ident[1].shape).astype(np.float32)
    return {
        "price": rng.uniform(-1.0, 4.0, size=(WD_BATCH, 1)).astype(np.float32),
        "age": rng.uniform(0.0, 8.0, size=(WD_BATCH, 2)).astype(np.float32),
        "color": _sparse_value(rng, _COLORS, WD_BATCH, 2),
        "tag": _sparse_value(rng, _TAGS, WD_BATCH, 3),
        "letter": _sparse_value(rng, _LETTERS, WD_BATCH, 2),
        "ident": ident,
        "ident_w": (ident[0], weights, ident[2]),
        "label": (rng.uniform(size=(WD_BATCH, 1)) > 0.5).astype(np.float32),
    }


WD_STEPS = 5
WD_EVAL_STEP = 99


def wide_deep(tf):
    """The model: placeholders, logits, loss, the train op (GradientDescent for the linear part, Adagrad for
    the DNN) and the logits of the linear and DNN parts."""
    fc = tf.feature_column
    ph = {"price": tf.placeholder(tf.float32, [None, 1], name="price"),
          "age": tf.placeholder(tf.float32, [None, 2], name="age"),
          "label": tf.placeholder(tf.float32, [None, 1], name="label")}
    for key, dtype in (("color", tf.string), ("tag", tf.string), ("letter", tf.string), ("ident", tf.int64),
                       ("ident_w", tf.float32)):
        ph[key] = tf.sparse_placeholder(dtype, shape=[None, None], name=key)
    features = {k: v for k, v in ph.items() if k != "label"}
    price = fc.numeric_column("price")
    age = fc.numeric_column("age", shape=(2,))
    price_b = fc.bucketized_column(price, [0.0, 1.0, 2.0, 3.0])
    color = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"], num_oov_buckets=1)
    tag = fc.categorical_column_with_hash_bucket("tag", 5)
    letter = fc.categorical_column_with_vocabulary_file("letter", LETTERS, num_oov_buckets=1)
    ident = fc.categorical_column_with_identity("ident", 6)
    weighted = fc.weighted_categorical_column(ident, "ident_w")
    wide = fc.linear_model(features, [price_b, color, fc.crossed_column([color, "tag"], 16), weighted,
                                      fc.crossed_column([price_b, "tag"], 8)])
    deep_in = fc.input_layer(features, [price, age, fc.embedding_column(color, 3), fc.indicator_column(tag),
                                        fc.embedding_column(weighted, 2, combiner="sqrtn"),
                                        fc.embedding_column(letter, 2)])
    hidden = tf.layers.dense(deep_in, 8, activation=tf.nn.relu, name="hidden")
    deep = tf.layers.dense(hidden, 1, name="deep_logits")
    logits = wide + deep
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=ph["label"], logits=logits), name="loss")
    linear_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="linear_model")
    dnn_vars = [v for v in tf.trainable_variables() if all(v is not w for w in linear_vars)]
    train = tf.group(tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=linear_vars),
                     tf.train.AdagradOptimizer(0.1).minimize(loss, var_list=dnn_vars), name="train")
    return ph, logits, loss, train, wide, deep


def wd_feed(ph, step):
    values = wd_batch(step)
    return {ph[k]: values[k] for k in ph}


# --- seeded variable values -----------------------------------------------------------------------------------

def _seed(name):
    return sum((i + 1) * ord(ch) for i, ch in enumerate(name))


def variable_values(case_name, variables):
    """Seeded values for a case's variables ``[(name, shape)]``."""
    rng = np.random.default_rng(_seed(case_name))
    return {name: rng.uniform(-1.0, 1.0, size=shape).astype(np.float32) for name, shape in variables}


# --- recording (TensorFlow) ------------------------------------------------------------------------------------

def _error(e):
    """[class name, message]: an OpError's own text without the node and traceback TensorFlow adds; this
    folder's path written as <data>."""
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith(" ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith(
        ("Graph execution error", "Detected at node", "Node: "))]
    return [type(e).__name__, (lines[0].strip() if lines else msg).replace(HERE, "<data>")]


def _run_case(tf, sess, name, out, variables, feed=None):
    values = variable_values(name, [(v.name, v.shape.as_list()) for v in variables])
    for v in variables:
        v.load(values[v.name], sess)
    return sess.run(out, feed), values


def _names(vs):
    return [[v.name, v.shape.as_list()] for v in vs]


def _record_layers(tf, fc, arrays, meta):
    for name, build in INPUT_LAYER.items():
        with tf.Graph().as_default():
            c = columns(tf)
            cols = build(fc, c)
            cols_to_vars, cols_to_out = {}, {}
            out = fc.input_layer(features(tf), cols, cols_to_vars=cols_to_vars, cols_to_output_tensors=cols_to_out)
            with tf.Session() as sess:
                sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
                arrays[name + ":out"], _ = _run_case(tf, sess, name, out, tf.global_variables())
            meta["input_layer"][name] = {
                "variables": _names(tf.global_variables()), "trainable": _names(tf.trainable_variables()),
                "model_variables": _names(tf.model_variables()), "static_shape": out.shape.as_list(),
                "cols_to_vars": {k.name: [v.name for v in vs] for k, vs in cols_to_vars.items()},
                "cols_to_output_shapes": {k.name: t.shape.as_list() for k, t in cols_to_out.items()}}
    for name, (build, kwargs) in LINEAR_MODEL.items():
        with tf.Graph().as_default():
            c = columns(tf)
            cols_to_vars = {}
            out = fc.linear_model(features(tf), build(fc, c), cols_to_vars=cols_to_vars, **kwargs)
            with tf.Session() as sess:
                sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
                arrays[name + ":zero_out"] = sess.run(out)
                arrays[name + ":out"], _ = _run_case(tf, sess, name, out, tf.global_variables())
            meta["linear_model"][name] = {
                "variables": _names(tf.global_variables()), "trainable": _names(tf.trainable_variables()),
                "model_variables": _names(tf.model_variables()), "static_shape": out.shape.as_list(),
                "cols_to_vars": {(k if isinstance(k, str) else k.name): [v.name for v in vs]
                                 for k, vs in cols_to_vars.items()}}


def _record_ids(tf, fc, builder_class, arrays, meta):
    with tf.Graph().as_default():
        c = columns(tf)
        builder = builder_class(features(tf))
        fetches = {}
        for name in IDS:
            ids, weights = c[name]._get_sparse_tensors(builder)
            fetches[name] = (ids,) if weights is None else (ids, weights)
            meta["ids"][name] = {"column": c[name].name, "num_buckets": c[name]._num_buckets,
                                 "weighted": weights is not None}
        dense = {name: c[name]._transform_feature(builder) for name in ("price_b", "age_b", "price", "score")}
        with tf.Session() as sess:
            sess.run(tf.tables_initializer())
            got, got_dense = sess.run([fetches, dense])
    for name, pair in got.items():
        for part in ("indices", "values", "dense_shape"):
            arrays["ids:%s:%s" % (name, part)] = getattr(pair[0], part)
            if len(pair) > 1:
                arrays["weights:%s:%s" % (name, part)] = getattr(pair[1], part)
    for name, value in got_dense.items():
        arrays["transform:" + name] = value


def _record_naming(tf, fc, arrays, meta):
    for name, build in NAMING.items():
        with tf.Graph().as_default():
            out = build(tf, fc, columns(tf), features(tf))
            with tf.Session() as sess:
                sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
                arrays[name + ":out"], _ = _run_case(tf, sess, name, out, tf.global_variables())
            meta["naming"][name] = {
                "variables": _names(tf.global_variables()), "trainable": _names(tf.trainable_variables()),
                "model_variables": _names(tf.model_variables()),
                "my_weights": [v.name for v in tf.get_collection("my_weights")]}


def _record_errors(tf, fc, meta):
    for name, (build, run) in ERRORS.items():
        with tf.Graph().as_default():
            try:
                out = build(tf, fc, columns(tf), features(tf))
                if run:
                    with tf.Session() as sess:
                        sess.run(tf.global_variables_initializer())
                        sess.run(tf.tables_initializer())
                        sess.run(out)
                raise AssertionError("%s raised nothing" % name)
            except AssertionError:
                raise
            except Exception as e:  # noqa: BLE001 - the error is what is recorded
                meta["errors"][name] = _error(e)


def _record_parsing(tf, fc, arrays, meta):
    serialized = []
    for ex in EXAMPLES:
        example = tf.train.Example()
        for key, (kind, values) in ex.items():
            getattr(example.features.feature[key], kind + "_list").value.extend(values)
        serialized.append(example.SerializeToString(deterministic=True))
    with tf.Graph().as_default():
        c = columns(tf)
        dense, linear = parse_columns(fc, c)
        spec = fc.make_parse_example_spec(dense + linear)
        meta["parse"] = {"spec": spec_json(spec), "examples": [base64.b64encode(s).decode() for s in serialized],
                         "all_spec": spec_json(fc.make_parse_example_spec(list(c.values())))}
        batch = tf.placeholder(tf.string, [None], name="examples")
        parsed = tf.parse_example(batch, spec)
        deep = fc.input_layer(parsed, dense)
        wide = fc.linear_model(parsed, linear)
        with tf.Session() as sess:
            sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
            got = _run_case(tf, sess, "parse", [deep, wide], tf.global_variables(), {batch: serialized})[0]
        arrays["parse:deep"], arrays["parse:wide"] = got
        meta["parse"]["variables"] = _names(tf.global_variables())


def _record_wide_deep(tf, fc, out_dir, arrays, meta):
    with tf.Graph().as_default():
        tf.set_random_seed(7)
        ph, logits, loss, train, wide, deep = wide_deep(tf)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
            path = saver.save(sess, os.path.join(out_dir, "wide_deep", "model.ckpt"), write_meta_graph=False,
                              write_state=False)
            arrays["wd:eval_logits_before"] = sess.run(logits, wd_feed(ph, WD_EVAL_STEP))
            losses = []
            for step in range(WD_STEPS):
                losses.append(sess.run([loss, train], wd_feed(ph, step))[0])
            arrays["wd:losses"] = np.array(losses, np.float32)
            arrays["wd:eval_logits_after"], arrays["wd:eval_wide"], arrays["wd:eval_deep"] = sess.run(
                [logits, wide, deep], wd_feed(ph, WD_EVAL_STEP))
            for v in tf.global_variables():
                arrays["wd:after:" + v.name] = sess.run(v)
        meta["wide_deep"] = {"variables": _names(tf.global_variables()),
                             "trainable": _names(tf.trainable_variables()),
                             "model_variables": _names(tf.model_variables()),
                             "checkpoint": os.path.relpath(path, out_dir)}


def main():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow.compat.v1 as tf
    from tensorflow.python.feature_column.feature_column import _LazyBuilder

    tf.disable_v2_behavior()
    fc = tf.feature_column
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays = {}
    meta = {"tensorflow": tf.__version__, "input_layer": {}, "linear_model": {}, "ids": {}, "naming": {},
            "errors": {}}
    _record_layers(tf, fc, arrays, meta)
    _record_ids(tf, fc, _LazyBuilder, arrays, meta)
    _record_naming(tf, fc, arrays, meta)
    _record_errors(tf, fc, meta)
    _record_parsing(tf, fc, arrays, meta)
    _record_wide_deep(tf, fc, out_dir, arrays, meta)
    np.savez_compressed(os.path.join(out_dir, "feature_column.npz"), **arrays)
    with open(os.path.join(out_dir, "feature_column.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
