"""Records common_tf1_ops.txt: the op types of standard TensorFlow 1 training programs, as TensorFlow builds
them, and of the TensorFlow 1 graphs TensorFlow wrote under tests/data/.

    pip install tf-keras==2.21.0            # into TensorFlow's Python: tf.layers lives in tf_keras since 2.16
    ~/.cache/tagraph-tf-venv/bin/python tests/data/op_coverage/record_common_ops.py

Five programs are built with ``tensorflow.compat.v1`` and ``disable_v2_behavior()`` (graph mode, control flow
v1, reference variables, as TensorFlow 1 built them), each with a Saver, initializers and a scalar summary, and
their GraphDefs read, function libraries included:

- ``mlp_adam``: an MLP on ``tf.layers.dense`` with dropout, sparse softmax cross-entropy, accuracy, Adam;
- ``cnn_batchnorm_momentum``: ``tf.layers`` conv2d + batch_normalization + max_pooling2d + dense, softmax
  cross-entropy on one-hot labels, ``UPDATE_OPS``, Momentum with an exponentially decayed learning rate;
- ``lstm_adam``: ``tf.nn.dynamic_rnn`` over an ``LSTMCell`` with sequence lengths, gradients clipped by
  global norm, Adam;
- ``text_adagrad``: ``string_split`` sentences, a vocabulary ``StaticHashTable``, ``embedding_lookup_sparse``,
  sigmoid cross-entropy, Adagrad;
- ``tfrecord_input_sgd``: ``TFRecordDataset -> map(parse_single_example) -> shuffle -> batch -> repeat ->
  prefetch``, a one-shot iterator feeding a linear model trained by gradient descent.

The files read under tests/data/ are every ``.meta``, ``.pb`` GraphDef and SavedModel there but the TensorFlow 2
ones (``tf2/``, ``saved_model_cli/tf2_module``). Op types that name library functions (calls) are left out.
Writes ``common_tf1_ops.txt`` into env TAGRAPH_RECORD_DIR (default: beside this file).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
EXCLUDED = ("tf2", os.path.join("saved_model_cli", "tf2_module"))


def mlp_adam(tf):
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    training = tf.placeholder_with_default(False, [], name="training")
    h = tf.layers.dense(x, 256, activation=tf.nn.relu)
    h = tf.layers.dropout(h, 0.5, training=training)
    logits = tf.layers.dense(h, 10)
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    tf.metrics.accuracy(y, tf.argmax(logits, 1))
    tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32), name="accuracy")
    tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=tf.train.get_or_create_global_step())
    return loss


def cnn_batchnorm_momentum(tf):
    x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    training = tf.placeholder_with_default(False, [], name="training")
    h = tf.layers.conv2d(x, 32, 3, padding="same", use_bias=False)
    h = tf.nn.relu(tf.layers.batch_normalization(h, training=training))
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
    h = tf.layers.average_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(h), 10)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.one_hot(y, 10), logits=logits))
    loss += 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])
    tf.nn.softmax(logits, name="probabilities")
    step = tf.train.get_or_create_global_step()
    rate = tf.train.exponential_decay(0.1, step, 1000, 0.96, staircase=True)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        tf.train.MomentumOptimizer(rate, 0.9).minimize(loss, global_step=step)
    return loss


def lstm_adam(tf):
    x = tf.placeholder(tf.float32, [None, 20, 8], name="x")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    y = tf.placeholder(tf.int32, [None], name="y")
    _, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(32), x, sequence_length=lengths, dtype=tf.float32)
    logits = tf.layers.dense(state.h, 5)
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    optimizer = tf.train.AdamOptimizer(1e-3)
    grads, variables = zip(*optimizer.compute_gradients(loss))
    grads, _ = tf.clip_by_global_norm(grads, 5.0)
    optimizer.apply_gradients(zip(grads, variables), global_step=tf.train.get_or_create_global_step())
    return loss


def text_adagrad(tf):
    sentences = tf.placeholder(tf.string, [None], name="sentences")
    labels = tf.placeholder(tf.float32, [None], name="labels")
    vocabulary = ["the", "a", "cat", "dog", "sat", "ran"]
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(vocabulary, list(range(1, len(vocabulary) + 1)), tf.string, tf.int64),
        default_value=0)
    words = tf.string_split(tf.strings.lower(sentences))
    ids = tf.SparseTensor(words.indices, table.lookup(words.values), words.dense_shape)
    embeddings = tf.get_variable("embeddings", [len(vocabulary) + 1, 16])
    features = tf.nn.embedding_lookup_sparse(embeddings, ids, None, combiner="mean")
    logits = tf.squeeze(tf.layers.dense(features, 1), 1)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
    tf.train.AdagradOptimizer(0.1).minimize(loss, global_step=tf.train.get_or_create_global_step())
    return loss


def tfrecord_input_sgd(tf):
    def parse(record):
        parsed = tf.parse_single_example(record, {"x": tf.FixedLenFeature([4], tf.float32),
                                                  "y": tf.FixedLenFeature([], tf.float32)})
        return parsed["x"], parsed["y"]

    dataset = tf.data.TFRecordDataset(["train.tfrecord"]).map(parse).shuffle(100).batch(32).repeat().prefetch(1)
    x, y = tf.data.make_one_shot_iterator(dataset).get_next()
    prediction = tf.squeeze(tf.layers.dense(x, 1), 1)
    loss = tf.losses.mean_squared_error(y, prediction)
    tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=tf.train.get_or_create_global_step())
    return loss


PROGRAMS = [mlp_adam, cnn_batchnorm_momentum, lstm_adam, text_adagrad, tfrecord_input_sgd]


def _op_types(graph_defs):
    ops, functions = set(), set()
    for graph_def in graph_defs:
        ops.update(n.op for n in graph_def.node)
        for fdef in graph_def.library.function:
            functions.add(fdef.signature.name)
            ops.update(n.op for n in fdef.node_def)
    return ops - functions


def program_op_types(tf, build):
    with tf.Graph().as_default() as graph:
        tf.summary.scalar("loss", build(tf))
        tf.summary.merge_all()
        tf.global_variables_initializer()
        tf.tables_initializer()
        tf.train.Saver()
        return _op_types([graph.as_graph_def()])


def data_files():
    """The TensorFlow 1 model files under tests/data/, relative paths, sorted."""
    found = []
    for root, dirs, files in os.walk(DATA):
        rel = os.path.relpath(root, DATA)
        if rel.startswith(EXCLUDED):
            dirs[:] = []
            continue
        dirs.sort()
        if "saved_model.pb" in files:
            found.append(os.path.join(rel, "saved_model.pb"))
            dirs[:] = []
            continue
        found.extend(os.path.join(rel, f) for f in files if f.endswith((".meta", ".pb")))
    return sorted(found)


def file_op_types(tf, rel):
    path = os.path.join(DATA, rel)
    with open(path, "rb") as f:
        data = f.read()
    if rel.endswith("saved_model.pb"):
        from tensorflow.core.protobuf import saved_model_pb2
        proto = saved_model_pb2.SavedModel.FromString(data)
        return _op_types([m.graph_def for m in proto.meta_graphs])
    if rel.endswith(".meta"):
        return _op_types([tf.MetaGraphDef.FromString(data).graph_def])
    return _op_types([tf.GraphDef.FromString(data)])


def main():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")   # tf.layers and tf.nn.rnn_cell live in tf_keras since 2.16
    import tensorflow.compat.v1 as tf
    import tensorflow as tf2
    tf.disable_v2_behavior()   # what TF1 programs ran under: control flow v1, reference variables
    ops = set()
    for build in PROGRAMS:
        ops |= program_op_types(tf, build)
    files = data_files()
    for rel in files:
        ops |= file_op_types(tf, rel)
    header = [
        "# Common TensorFlow 1 model ops: the op types (graph and function library nodes) of",
        "# - five TF1 training programs built by TensorFlow %s with v2 behaviour off" % tf2.__version__,
        "#   (record_common_ops.py: %s)," % ", ".join(b.__name__ for b in PROGRAMS),
        "#   each with a Saver, variable and table initializers and a scalar summary;",
        "# - the TensorFlow 1 graphs TensorFlow wrote under tests/data/:",
    ] + ["#     %s" % rel for rel in files] + [
        "# Recorded by tests/data/op_coverage/record_common_ops.py; checked by tagraph-op-coverage --op-list.",
    ]
    out = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "common_tf1_ops.txt"), "w") as f:
        f.write("\n".join(header + sorted(ops)) + "\n")
    print("%d op types -> %s" % (len(ops), os.path.join(out, "common_tf1_ops.txt")), file=sys.stderr)


if __name__ == "__main__":
    main()
