"""Records what TensorFlow 1's recurrent networks compute, for tests/engine/layers/test_rnn.py and
tests/engine/layers/test_rnn_training.py: for each cell (``tf.nn.rnn_cell``) under ``dynamic_rnn``, ``static_rnn``
and the bidirectional RNNs, with and without ``sequence_length``, the outputs and final states for fixed inputs,
the variables' names and shapes, and the gradients with respect to the input and the trainable variables; and
three small classifiers (a dynamic_rnn LSTM, a dynamic_rnn GRU, a bidirectional LSTM/GRU), trained with Adam:
each one's meta graph, exported after its train op was built (the backward loops, stacks and TensorArray
gradients TensorFlow builds are in it), its checkpoint before training, its logits on an evaluation batch and
its losses over 5 training steps.

    pip install tf-keras==2.21.0            # into TensorFlow's Python: tf.nn.rnn_cell lives in tf_keras since 2.16
    ~/.cache/tagraph-tf-venv/bin/python tests/data/rnn/record_rnn.py

Graph mode with control flow v1 (``disable_v2_behavior``: reference variables, Enter/Exit loops). The cases and
models are defined here, once, and the tests import this file to build the same graphs in tagraph: a ``build(tf,
x, seq_len)`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the tests).
Each case's variables get seeded values (``variable_values``), so nothing depends on either side's random
initializers. Writes ``rnn.npz`` and ``rnn.json`` into TAGRAPH_RECORD_DIR (default: beside this file), and each
classifier under ``models/<name>/``. Importing this file needs only numpy.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

BATCH, TIME, DEPTH = 3, 5, 4
SEQ_LEN = np.array([5, 2, 4], dtype=np.int32)


class Case:
    """An RNN over an input ``[BATCH, TIME, DEPTH]`` (``time_major`` cases transpose it themselves);
    ``build(tf, x, seq_len)`` returns ``(outputs, state)`` in any nesting. ``seq_len`` is fed SEQ_LEN (or
    ``lengths``) when ``use_seq_len``, else it is None."""

    def __init__(self, name, build, use_seq_len=False, dtype="float32", static_batch=True, lengths=None):
        self.name, self.build, self.use_seq_len, self.dtype = name, build, use_seq_len, dtype
        self.static_batch = static_batch
        self.lengths = SEQ_LEN if lengths is None else np.asarray(lengths, np.int32)


def _c(name, build, **kw):
    return Case(name, build, **kw)


def _cells(tf):
    return tf.nn.rnn_cell


def _dyn(cell_fn, **kw):
    def build(tf, x, seq_len):
        return tf.nn.dynamic_rnn(cell_fn(tf), x, sequence_length=seq_len, dtype=x.dtype, **kw)
    return build


def _time_major(cell_fn):
    def build(tf, x, seq_len):
        outputs, state = tf.nn.dynamic_rnn(cell_fn(tf), tf.transpose(x, [1, 0, 2]), sequence_length=seq_len,
                                           dtype=x.dtype, time_major=True)
        return outputs, state
    return build


def _initial_state(tf, x, seq_len):
    init = tf.constant(np.linspace(-0.5, 0.5, BATCH * 6).reshape(BATCH, 6).astype(np.float32))
    return tf.nn.dynamic_rnn(_cells(tf).GRUCell(6), x, sequence_length=seq_len, initial_state=init)


def _lstm_initial_state(tf, x, seq_len):
    c = tf.constant(np.linspace(-0.3, 0.6, BATCH * 5).reshape(BATCH, 5).astype(np.float32))
    h = tf.constant(np.linspace(0.4, -0.2, BATCH * 5).reshape(BATCH, 5).astype(np.float32))
    state = _cells(tf).LSTMStateTuple(c, h)
    return tf.nn.dynamic_rnn(_cells(tf).LSTMCell(5), x, initial_state=state, scope="encoder")


def _static(cell_fn, with_len=False):
    def build(tf, x, seq_len):
        return tf.nn.static_rnn(cell_fn(tf), tf.unstack(x, axis=1), dtype=x.dtype, sequence_length=seq_len)
    return build


def _bidirectional(fw_fn, bw_fn, time_major=False):
    def build(tf, x, seq_len):
        if time_major:
            x = tf.transpose(x, [1, 0, 2])
        return tf.nn.bidirectional_dynamic_rnn(fw_fn(tf), bw_fn(tf), x, sequence_length=seq_len, dtype=x.dtype,
                                               time_major=time_major)
    return build


def _static_bidirectional(tf, x, seq_len):
    c = _cells(tf)
    return tf.nn.static_bidirectional_rnn(c.LSTMCell(3), c.BasicRNNCell(4), tf.unstack(x, axis=1), dtype=x.dtype,
                                          sequence_length=seq_len)


CASES = [
    _c("basic_rnn", _dyn(lambda tf: _cells(tf).BasicRNNCell(6))),
    _c("basic_rnn_relu_seq_len", _dyn(lambda tf: _cells(tf).BasicRNNCell(5, activation=tf.nn.relu)),
       use_seq_len=True),
    _c("gru_seq_len", _dyn(lambda tf: _cells(tf).GRUCell(6)), use_seq_len=True),
    _c("gru_float64", _dyn(lambda tf: _cells(tf).GRUCell(3)), use_seq_len=True, dtype="float64"),
    _c("basic_lstm_seq_len", _dyn(lambda tf: _cells(tf).BasicLSTMCell(5, forget_bias=0.5)), use_seq_len=True),
    _c("basic_lstm_concat_state", _dyn(lambda tf: _cells(tf).BasicLSTMCell(4, state_is_tuple=False))),
    _c("lstm", _dyn(lambda tf: _cells(tf).LSTMCell(5))),
    _c("lstm_seq_len_zero_length", _dyn(lambda tf: _cells(tf).LSTMCell(5)), use_seq_len=True, lengths=[3, 0, 5]),
    _c("lstm_peepholes_projection_clip", _dyn(lambda tf: _cells(tf).LSTMCell(
        6, use_peepholes=True, num_proj=3, cell_clip=0.4, proj_clip=0.3, forget_bias=0.0)), use_seq_len=True),
    _c("lstm_projection_concat_state", _dyn(lambda tf: _cells(tf).LSTMCell(4, num_proj=2, state_is_tuple=False))),
    _c("lstm_sharded", _dyn(lambda tf: _cells(tf).LSTMCell(4, num_unit_shards=2, num_proj=3, num_proj_shards=2))),
    _c("lstm_initial_state_scope", _lstm_initial_state),
    _c("gru_initial_state", _initial_state, use_seq_len=True),
    _c("multi_lstm_gru_seq_len", _dyn(lambda tf: _cells(tf).MultiRNNCell([_cells(tf).LSTMCell(5),
                                                                           _cells(tf).GRUCell(4)])),
       use_seq_len=True),
    _c("multi_concat_state", _dyn(lambda tf: _cells(tf).MultiRNNCell(
        [_cells(tf).GRUCell(3), _cells(tf).BasicRNNCell(4)], state_is_tuple=False))),
    _c("dropout_keep_all_residual", _dyn(lambda tf: _cells(tf).MultiRNNCell([
        _cells(tf).DropoutWrapper(_cells(tf).LSTMCell(4), input_keep_prob=1.0, output_keep_prob=1.0),
        _cells(tf).ResidualWrapper(_cells(tf).GRUCell(4))])), use_seq_len=True),
    _c("lstm_time_major", _time_major(lambda tf: _cells(tf).LSTMCell(4)), use_seq_len=True),
    _c("gru_unknown_batch", _dyn(lambda tf: _cells(tf).GRUCell(5)), use_seq_len=True, static_batch=False),
    _c("static_lstm", _static(lambda tf: _cells(tf).LSTMCell(4))),
    _c("static_gru_seq_len", _static(lambda tf: _cells(tf).GRUCell(3)), use_seq_len=True),
    _c("bidirectional_lstm_gru_seq_len", _bidirectional(lambda tf: _cells(tf).LSTMCell(4),
                                                        lambda tf: _cells(tf).GRUCell(3)), use_seq_len=True),
    _c("bidirectional_time_major", _bidirectional(lambda tf: _cells(tf).BasicRNNCell(3),
                                                  lambda tf: _cells(tf).BasicLSTMCell(2), time_major=True)),
    _c("static_bidirectional_seq_len", _static_bidirectional, use_seq_len=True),
]


def _stacked(tf, x, seq_len):
    # Two RNNs in one graph, each in the default scope: the second cell's scope is uniquified.
    h, _ = tf.nn.dynamic_rnn(_cells(tf).LSTMCell(4), x, sequence_length=seq_len, dtype=x.dtype)
    return tf.nn.dynamic_rnn(_cells(tf).GRUCell(3), h, sequence_length=seq_len, dtype=x.dtype)


CASES.append(_c("two_rnns_default_scope", _stacked, use_seq_len=True))

# Bad input: name -> build(tf, x) with x a float32 [BATCH, TIME, DEPTH] placeholder; the error class and
# message TensorFlow gives while building are recorded.
ERRORS = {
    "no_dtype_no_initial_state": lambda tf, x: tf.nn.dynamic_rnn(_cells(tf).GRUCell(3), x),
    "rank2_input": lambda tf, x: tf.nn.dynamic_rnn(_cells(tf).GRUCell(3), x[:, 0], dtype=tf.float32),
    "unknown_depth": lambda tf, x: tf.nn.dynamic_rnn(
        _cells(tf).GRUCell(3), tf.placeholder(tf.float32, [BATCH, TIME, None]), dtype=tf.float32),
    "not_a_cell": lambda tf, x: tf.nn.dynamic_rnn("cell", x, dtype=tf.float32),
    "static_rnn_tensor_inputs": lambda tf, x: tf.nn.static_rnn(_cells(tf).GRUCell(3), x, dtype=tf.float32),
    "static_rnn_no_inputs": lambda tf, x: tf.nn.static_rnn(_cells(tf).GRUCell(3), [], dtype=tf.float32),
    "sequence_length_rank2": lambda tf, x: tf.nn.dynamic_rnn(
        _cells(tf).GRUCell(3), x, sequence_length=tf.constant([[1], [2], [3]]), dtype=tf.float32),
    "multi_rnn_cell_no_cells": lambda tf, x: _cells(tf).MultiRNNCell([]),
    "multi_rnn_cell_tuple_states_not_tuple": lambda tf, x: _cells(tf).MultiRNNCell(
        [_cells(tf).LSTMCell(3)], state_is_tuple=False),
    "integer_inputs": lambda tf, x: tf.nn.dynamic_rnn(
        _cells(tf).GRUCell(3), tf.placeholder(tf.int32, [BATCH, TIME, DEPTH]), dtype=tf.int32),
    "keep_prob_above_one": lambda tf, x: _cells(tf).DropoutWrapper(_cells(tf).GRUCell(3), output_keep_prob=1.5),
    "variational_without_dtype": lambda tf, x: _cells(tf).DropoutWrapper(
        _cells(tf).GRUCell(3), state_keep_prob=0.5, variational_recurrent=True),
}

# A sequence_length of the wrong length fails when run: (fed lengths, the error TensorFlow raises).
RUN_ERROR_LENGTHS = np.array([2, 3], np.int32)


def _seed(name):
    return sum((i + 1) * ord(ch) for i, ch in enumerate(name))


def input_value(case):
    rng = np.random.default_rng(_seed(case.name))
    return rng.uniform(-1.0, 1.0, size=(BATCH, TIME, DEPTH)).astype(case.dtype)


def variable_values(case, variables):
    """Seeded values for a case's variables ``[(name, shape)]``."""
    rng = np.random.default_rng(_seed(case.name) + 1)
    return {name: rng.uniform(-0.6, 0.6, size=shape).astype(case.dtype) for name, shape in variables}


def flatten(structure):
    """The tensors of a nested (tuple, list, namedtuple) result, depth first."""
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in flatten(s)]
    return [structure]


def upstream(case, shapes):
    """The upstream gradients (one per flat output and state) the recorded gradients are taken against."""
    rng = np.random.default_rng(_seed(case.name) + 2)
    return [rng.uniform(-1.0, 1.0, size=s).astype(case.dtype) for s in shapes]


def placeholders(tf, case):
    x = tf.placeholder(case.dtype, (BATCH if case.static_batch else None, TIME, DEPTH), name="x")
    seq_len = tf.placeholder(tf.int32, [BATCH if case.static_batch else None], name="seq_len") \
        if case.use_seq_len else None
    return x, seq_len


def loop_op_type_counts(graph):
    """``[[op type, count], ...]`` of the ops inside the graph's while loops (named ``.../while/...``)."""
    counts = {}
    for op in graph.get_operations():
        if "/while/" in op.name or op.name.startswith("while/"):
            counts[op.type] = counts.get(op.type, 0) + 1
    return [[t, counts[t]] for t in sorted(counts)]


# --- the classifiers whose TensorFlow graphs tagraph trains ----------------------------------------------

MODEL_BATCH, MODEL_TIME, MODEL_DEPTH, CLASSES = 6, 7, 5, 3
TRAIN_STEPS = 5


def _last_state_h(state):
    return state.h if hasattr(state, "h") else state


def lstm_classifier(tf, x, seq_len):
    _, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(8), x, sequence_length=seq_len, dtype=tf.float32)
    return tf.layers.dense(state.h, CLASSES, name="logits")


def gru_classifier(tf, x, seq_len):
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(6), tf.nn.rnn_cell.GRUCell(5)])
    _, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seq_len, dtype=tf.float32)
    return tf.layers.dense(state[-1], CLASSES, name="logits")


def bidirectional_classifier(tf, x, seq_len):
    (fw, bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.LSTMCell(6), tf.nn.rnn_cell.GRUCell(4), x, sequence_length=seq_len, dtype=tf.float32)
    pooled = tf.reduce_mean(tf.concat([fw, bw], 2), axis=1)
    return tf.layers.dense(tf.concat([pooled, state_fw.h, state_bw], 1), CLASSES, name="logits")


MODELS = {"lstm_classifier": lstm_classifier, "gru_classifier": gru_classifier,
          "bidirectional_classifier": bidirectional_classifier}


def model_graph(tf, build):
    """Placeholders x, seq_len, labels; logits, loss and an Adam train op (with a global step)."""
    x = tf.placeholder(tf.float32, [None, MODEL_TIME, MODEL_DEPTH], name="x")
    seq_len = tf.placeholder(tf.int32, [None], name="seq_len")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    logits = build(tf, x, seq_len)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits), name="loss")
    step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=step, name="train")
    return dict(x=x, seq_len=seq_len, labels=labels, logits=logits, loss=loss, train_op=train_op)


def model_batch(step):
    rng = np.random.default_rng(500 + step)
    x = rng.uniform(-1, 1, size=(MODEL_BATCH, MODEL_TIME, MODEL_DEPTH)).astype(np.float32)
    seq_len = rng.integers(1, MODEL_TIME + 1, size=MODEL_BATCH).astype(np.int32)
    labels = rng.integers(0, CLASSES, size=MODEL_BATCH).astype(np.int32)
    return x, seq_len, labels


def model_eval_batch():
    return model_batch(99)


# --- recording -------------------------------------------------------------------------------------------

def _record_case(tf, case, arrays, meta):
    with tf.Graph().as_default():
        x, seq_len = placeholders(tf, case)
        result = case.build(tf, x, seq_len)
        flat = flatten(result)
        loop_op_types = loop_op_type_counts(tf.get_default_graph())
        variables = [(v.name, v.shape.as_list()) for v in tf.global_variables()]
        trainable = tf.trainable_variables()
        values = variable_values(case, variables)
        xv = input_value(case)
        feed = {x: xv}
        if seq_len is not None:
            feed[seq_len] = case.lengths
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in tf.global_variables():
                v.load(values[v.name], sess)
            got = sess.run(flat, feed)
            ups = upstream(case, [g.shape for g in got])
            total = tf.add_n([tf.reduce_sum(t * tf.constant(u)) for t, u in zip(flat, ups)])
            grads = tf.gradients(total, [x] + trainable)
            grad_values = sess.run(grads, feed)
    arrays[case.name + ":x"] = xv
    for i, value in enumerate(got):
        arrays["%s:out:%d" % (case.name, i)] = value
    for name, value in values.items():
        arrays["%s:init:%s" % (case.name, name)] = value
    for name, value in zip(["x"] + [v.name for v in trainable], grad_values):
        arrays["%s:grad:%s" % (case.name, name)] = value
    meta["cases"][case.name] = {"variables": variables, "trainable": [v.name for v in trainable],
                                "loop_op_types": loop_op_types,
                                "static_shapes": [t.shape.as_list() if t.shape.rank is not None else None
                                                  for t in flat]}


def _record_errors(tf, meta):
    for name, build in ERRORS.items():
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [BATCH, TIME, DEPTH], name="x")
            try:
                build(tf, x)
            except (TypeError, ValueError) as e:
                meta["errors"][name] = [type(e).__name__, str(e)]
            else:
                raise AssertionError("%s raised nothing" % name)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, TIME, DEPTH], name="x")
        seq_len = tf.placeholder(tf.int32, [None], name="seq_len")
        out, _ = tf.nn.dynamic_rnn(_cells(tf).GRUCell(3), x, sequence_length=seq_len, dtype=tf.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            try:
                sess.run(out, {x: np.zeros((BATCH, TIME, DEPTH), np.float32), seq_len: RUN_ERROR_LENGTHS})
            except tf.errors.OpError as e:
                # The message's first lines say where the graph was built: only what the Assert says is kept.
                said = e.message[e.message.index("assertion failed:"):].split("\n")[0]
                meta["errors"]["sequence_length_of_another_batch"] = [type(e).__name__, said]
            else:
                raise AssertionError("a sequence_length of the wrong length ran")


def _record_model(tf, name, build, out_dir, arrays, meta):
    with tf.Graph().as_default():
        tf.set_random_seed(7)
        m = model_graph(tf, build)
        saver = tf.train.Saver()
        directory = os.path.join(out_dir, "models", name)
        os.makedirs(directory, exist_ok=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            path = saver.save(sess, os.path.join(directory, "model.ckpt"), write_state=False)
            xe, le, ye = model_eval_batch()
            arrays["%s:eval_logits" % name] = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
            losses = []
            for step in range(TRAIN_STEPS):
                xb, lb, yb = model_batch(step)
                loss, _ = sess.run([m["loss"], m["train_op"]], {m["x"]: xb, m["seq_len"]: lb, m["labels"]: yb})
                losses.append(loss)
            arrays["%s:losses" % name] = np.array(losses, np.float32)
            arrays["%s:trained_logits" % name] = sess.run(m["logits"], {m["x"]: xe, m["seq_len"]: le})
        meta["models"][name] = {
            "variables": [(v.name, v.shape.as_list()) for v in tf.global_variables()],
            "trainable": [v.name for v in tf.trainable_variables()],
            "checkpoint": os.path.relpath(path, out_dir), "meta_graph": os.path.relpath(path + ".meta", out_dir),
            "tensors": {k: m[k].name for k in ("x", "seq_len", "labels", "logits", "loss")},
            "train_op": m["train_op"].name,
            "op_types": sorted({op.type for op in tf.get_default_graph().get_operations()})}


def main():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    tf.disable_control_flow_v2()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    arrays, meta = {}, {"tensorflow": tf.__version__, "cases": {}, "models": {}, "errors": {}}
    for case in CASES:
        _record_case(tf, case, arrays, meta)
    _record_errors(tf, meta)
    for name, build in MODELS.items():
        _record_model(tf, name, build, out_dir, arrays, meta)
    np.savez_compressed(os.path.join(out_dir, "rnn.npz"), **arrays)
    with open(os.path.join(out_dir, "rnn.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
