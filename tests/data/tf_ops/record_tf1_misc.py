"""Records what real TensorFlow 1 (graph mode) gives for tf.make_template, tf.edit_distance,
tf.train.replica_device_setter and tf.nn.ctc_greedy_decoder / ctc_loss, for tests/engine/variables/
test_templates.py, tests/engine/ops/test_edit_distance_ops.py, tests/engine/train/test_device_setter.py and
tests/engine/ops/test_ctc_ops.py: variable and op names, devices, values, gradients and error messages.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_tf1_misc.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

Writes ``tf1_misc.json`` (names, devices, messages) and ``tf1_misc.npz`` (inputs and results). The case
builders live here and take a TensorFlow-1 namespace, so the tests build the same graphs with tagraph's.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# --- templates ------------------------------------------------------------------------------------------

def _dense(x, units, tf):
    n = int(x.shape[-1])
    w = tf.get_variable("w", [n, units], initializer=tf.constant_initializer(
        np.arange(n * units, dtype=np.float32).reshape(n, units) / 10.0))
    b = tf.get_variable("b", [units], initializer=tf.constant_initializer(0.5))
    return tf.matmul(x, w) + b


def build_templates(tf):
    """Nested templates called twice, a template made with create_scope_now_, and a unique_name_ one; returns
    (fetches by name, templates by name)."""
    inner = tf.make_template("dense", _dense, units=3, tf=tf)

    def outer_fn(x):
        h = inner(x)
        scale = tf.get_variable("scale", [], initializer=tf.constant_initializer(2.0))
        return tf.nn.relu(h) * scale

    outer = tf.make_template("outer", outer_fn)
    now = tf.make_template("now", lambda x: x * tf.get_variable("k", [], initializer=tf.ones_initializer()),
                           create_scope_now_=True)
    unique = tf.make_template("ignored", lambda x: x + tf.get_variable("c", [2, 3]), unique_name_="fixed")
    x = tf.placeholder(tf.float32, [2, 4], name="x")
    y1 = outer(x)
    y2 = outer(x * 2.0)
    with tf.variable_scope("other"):
        y3 = outer(x)
        z1 = now(y1)
    z2 = now(y2)
    u = unique(z1)
    second = tf.make_template("outer", outer_fn)     # same name: a scope of its own, outer_1
    y4 = second(x)
    fetches = {"y1": y1, "y2": y2, "y3": y3, "z1": z1, "z2": z2, "y4": y4}
    return x, fetches, {"inner": inner, "outer": outer, "now": now, "unique": unique, "second": second}, u


def template_new_variable_error(tf):
    """A template whose function makes a new variable on its second call: get_variable's error."""
    calls = []

    def grows(x):
        calls.append(1)
        v = x * tf.get_variable("a", [], initializer=tf.ones_initializer())
        if len(calls) > 1:
            v = v * tf.get_variable("extra", [], initializer=tf.ones_initializer())
        return v

    t = tf.make_template("grows", grows)
    x = tf.constant(1.0)
    t(x)
    t(x)


def template_tf_variable_error(tf):
    """A template whose function makes a tf.Variable: fine on the first call, an error on the second."""
    t = tf.make_template("plain", lambda x: x * tf.Variable(1.0, name="v"))
    x = tf.constant(1.0)
    t(x)
    t(x)


# --- edit distance --------------------------------------------------------------------------------------

EDIT_CASES = {
    # name: (hyp indices, hyp values, hyp shape, truth indices, truth values, truth shape)
    "edit_2d": ([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]], [1, 2, 1, 3, 4], [2, 3],
                [[0, 0], [0, 1], [0, 2], [1, 0]], [1, 3, 2, 1], [2, 3]),
    "edit_3d": ([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]],
                [5, 6, 7, 1, 1, 2, 2], [2, 2, 2],
                [[0, 0, 0], [0, 1, 0], [0, 1, 1], [1, 1, 0], [1, 1, 1], [1, 1, 2]],
                [5, 7, 8, 2, 3, 2], [2, 3, 3]),
    # Truth shorter than the hypothesis along the batch: the output takes the larger dims; empty truth
    # sequences give inf (normalized) where the hypothesis has entries, nan where neither has.
    "edit_empty_truth": ([[0, 0], [1, 0], [2, 1]], [1, 2, 3], [3, 2],
                         [[0, 0]], [1], [1, 2]),
}

EDIT_STRING_CASE = ([[0, 0], [0, 1], [1, 0]], [b"a", b"b", b"c"], [2, 2],
                    [[0, 0], [1, 0], [1, 1]], [b"a", b"c", b"d"], [2, 2])

EDIT_ERRORS = {
    "edit_rank_mismatch": ([[0, 0]], [1], [1, 2], [[0, 0, 0]], [1], [1, 1, 2]),
    "edit_rank1": ([0], [1], [1], [0], [1], [1]),
    "edit_values_count": ([[0, 0], [0, 1]], [1], [1, 2], [[0, 0]], [1], [1, 2]),
    "edit_shape_cols": ([[0, 0]], [1], [1, 2, 3], [[0, 0]], [1], [1, 2]),
    "edit_rank_one": ([[0]], [1], [1], [[0]], [1], [1]),
    "edit_values_matrix": ([[0, 0]], [[1]], [1, 2], [[0, 0]], [1], [1, 2]),
    "edit_outside_output": ([[3, 0]], [1], [1, 2], [[0, 0]], [1], [1, 2]),
}

# Inputs TensorFlow's kernel takes as they come: indices out of order are grouped as they stand, and the
# last (sequence) index is not checked against the shape.
EDIT_FED_VALUES = {
    "edit_unsorted": ([[0, 1], [0, 0]], [1, 2], [1, 2], [[0, 0]], [1], [1, 2]),
    "edit_unchecked_last": ([[0, 5]], [1], [1, 2], [[0, 0]], [1], [1, 2]),
}


def build_edit_distance(tf, case, dtype, normalize):
    hi, hv, hs, ti, tv, ts = case
    hyp = tf.SparseTensor(np.int64(hi), np.asarray(hv, dtype), np.int64(hs))
    truth = tf.SparseTensor(np.int64(ti), np.asarray(tv, dtype), np.int64(ts))
    return tf.edit_distance(hyp, truth, normalize=normalize)


def build_edit_distance_fed(tf, case):
    """The op on int32 placeholders fed ``case``: its checks run in the kernel. Returns (output, feeds)."""
    hi, hv, hs, ti, tv, ts = (np.asarray(a, np.int32 if k in (1, 4) else np.int64) for k, a in enumerate(case))
    ph = [tf.placeholder(a.dtype, name="p%d" % k) for k, a in enumerate((hi, hv, hs, ti, tv, ts))]
    d = tf.edit_distance(tf.SparseTensor(*ph[:3]), tf.SparseTensor(*ph[3:]), normalize=True)
    return d, dict(zip(ph, (hi, hv, hs, ti, tv, ts)))


# --- replica_device_setter ------------------------------------------------------------------------------

def build_device_graph(tf, kwargs):
    """A small model under replica_device_setter(**kwargs); returns the names of its ops in order and the
    loss."""
    with tf.device(tf.train.replica_device_setter(**kwargs)):
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        w = tf.get_variable("w", [3, 2], initializer=tf.constant_initializer(0.25))
        b = tf.Variable(tf.zeros([2]), name="b")
        v = tf.get_variable("v", [2], initializer=tf.ones_initializer(), use_resource=True)
        with tf.device("/device:GPU:0"):
            h = tf.matmul(x, w) + b
        with tf.device("/job:ps/task:3"):
            c = tf.get_variable("c", [], initializer=tf.ones_initializer())
        loss = tf.reduce_sum(h * v) * c
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return loss, step


DEVICE_CASES = {
    "ps2": {"ps_tasks": 2},
    "cluster": {"cluster": {"ps": ["ps0:2222", "ps1:2222", "ps2:2222"], "worker": ["w0:2222", "w1:2222"]},
                "worker_device": "/job:worker/task:1"},
    "no_merge": {"ps_tasks": 2, "merge_devices": False},
    "ps_ops": {"ps_tasks": 2, "ps_ops": ["VariableV2"], "ps_device": "/job:ps/cpu:0"},
}


# --- CTC ------------------------------------------------------------------------------------------------

def ctc_inputs():
    rng = np.random.RandomState(7)
    logits = rng.randn(6, 3, 5).astype(np.float32)       # time-major: [max_time, batch, num_classes]
    logits[2, 0, 1] = logits[3, 0, 1] = 4.0               # a repeat for merge_repeated to merge
    seq_len = np.int32([6, 4, 5])
    labels = ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]], [1, 1, 2, 3, 0, 2, 2, 1], [3, 3])
    return logits, seq_len, labels


def build_ctc(tf, logits, seq_len, labels, **kwargs):
    x = tf.constant(logits)
    sp = tf.SparseTensor(np.int64(labels[0]), np.int32(labels[1]), np.int64(labels[2]))
    loss = tf.nn.ctc_loss(sp, x, seq_len, **kwargs)
    grad = tf.gradients(tf.reduce_sum(loss * tf.constant([1.0, 2.0, 0.5])), x)[0]
    return loss, grad


CTC_LOSS_OPTIONS = {
    "default": {},
    "collapse": {"preprocess_collapse_repeated": True},
    "no_merge": {"ctc_merge_repeated": False},
}


# --- recording ------------------------------------------------------------------------------------------

def _error(tf, fn):
    try:
        fn()
    except Exception as exc:  # noqa: recording whatever TensorFlow raises
        msg = exc.message if hasattr(exc, "message") and isinstance(exc, tf.errors.OpError) else str(exc)
        msg = msg.split("\n\noriginally defined at:")[0]
        if isinstance(exc, tf.errors.OpError) and "\nNode: " in msg:
            # TensorFlow 2's session message: the node's trace, "Node: 'name'", then the kernel's message.
            msg = msg.split("\nNode: ", 1)[1].split("\n", 1)[1].split("\n\t [[")[0]
        return [type(exc).__name__, msg.split("\n")[0]]
    return None


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    tf.disable_resource_variables()          # TensorFlow 1's variables: VariableV2, as tagraph's default
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    meta, arrays = {}, {}

    g = tf.Graph()
    with g.as_default():
        x, fetches, templates, u = build_templates(tf)
        meta["template_globals"] = [v.name for v in tf.global_variables()]
        meta["template_trainables"] = [v.name for v in tf.trainable_variables()]
        meta["template_props"] = {k: {"scope": t.variable_scope.name, "name": t.name,
                                      "variables": [v.name for v in t.variables],
                                      "trainable": [v.name for v in t.trainable_variables]}
                                  for k, t in templates.items()}
        meta["template_fetches"] = {k: t.name for k, t in fetches.items()}
        meta["template_u"] = u.name
        xv = np.linspace(-1, 1, 8).astype(np.float32).reshape(2, 4)
        arrays["template_x"] = xv
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for k, t in fetches.items():
                arrays["template_" + k] = s.run(t, {x: xv})
    errors = {}
    for name, fn in [("new_variable", template_new_variable_error), ("tf_variable", template_tf_variable_error)]:
        with tf.Graph().as_default():
            errors[name] = _error(tf, lambda: fn(tf))
    meta["template_errors"] = errors

    edit = {}
    for name, case in EDIT_CASES.items():
        for normalize in (True, False):
            with tf.Graph().as_default():
                d = build_edit_distance(tf, case, np.int32, normalize)
                edit["%s_%s" % (name, normalize)] = d.shape.as_list()
                with tf.Session() as s:
                    arrays["%s_%s" % (name, normalize)] = s.run(d)
    with tf.Graph().as_default():
        d = build_edit_distance(tf, EDIT_STRING_CASE, object, True)
        with tf.Session() as s:
            arrays["edit_string"] = s.run(d)
    with tf.Graph().as_default():
        edit["edit_rank_mismatch"] = _error(tf, lambda: build_edit_distance(
            tf, EDIT_ERRORS["edit_rank_mismatch"], np.int32, True))
    for name, case in EDIT_FED_VALUES.items():
        with tf.Graph().as_default():
            d = build_edit_distance_fed(tf, case)
            with tf.Session() as s:
                arrays[name] = s.run(d[0], d[1])
    for name, case in EDIT_ERRORS.items():
        with tf.Graph().as_default():
            d = build_edit_distance_fed(tf, case)
            with tf.Session() as s:
                edit[name + "_fed"] = _error(tf, lambda: s.run(d[0], d[1]))
    meta["edit_shapes"] = edit

    devices = {}
    for name, kwargs in DEVICE_CASES.items():
        with tf.Graph().as_default() as g:
            build_device_graph(tf, kwargs)
            devices[name] = [[op.name, op.type, op.device] for op in g.get_operations()]
    with tf.Graph().as_default():
        devices["none_without_ps"] = tf.train.replica_device_setter() is None
        devices["none_without_ps_job"] = tf.train.replica_device_setter(cluster={"worker": ["w0:1"]}) is None
    meta["devices"] = devices

    logits, seq_len, labels = ctc_inputs()
    arrays["ctc_logits"], arrays["ctc_seq_len"] = logits, seq_len
    for merge in (True, False):
        with tf.Graph().as_default():
            (dec,), logp = tf.nn.ctc_greedy_decoder(tf.constant(logits), seq_len, merge_repeated=merge)
            with tf.Session() as s:
                r = s.run([dec.indices, dec.values, dec.dense_shape, logp])
            for k, v in zip(("indices", "values", "shape", "log_prob"), r):
                arrays["greedy_%s_%s" % (merge, k)] = v
    with tf.Graph().as_default():
        (dec,), logp = tf.nn.ctc_greedy_decoder(tf.constant(logits), seq_len, blank_index=1)
        with tf.Session() as s:
            r = s.run([dec.indices, dec.values, dec.dense_shape, logp])
        for k, v in zip(("indices", "values", "shape", "log_prob"), r):
            arrays["greedy_blank1_%s" % k] = v
    for name, kwargs in CTC_LOSS_OPTIONS.items():
        with tf.Graph().as_default():
            loss, grad = build_ctc(tf, logits, seq_len, labels, **kwargs)
            with tf.Session() as s:
                arrays["ctc_loss_" + name], arrays["ctc_grad_" + name] = s.run([loss, grad])
    ctc_errors = {}
    with tf.Graph().as_default():
        # A label of the blank or beyond ends the sequence: batch 0's labels count as [1, 1].
        loss, grad = build_ctc(tf, logits, seq_len, (labels[0], [1, 1, 9, 3, 0, 2, 2, 1], labels[2]))
        with tf.Session() as s:
            arrays["ctc_loss_label_end"], arrays["ctc_grad_label_end"] = s.run([loss, grad])
    with tf.Graph().as_default():
        short = np.int32([1, 4, 5])                          # batch 0's 3 labels cannot fit 1 step
        loss, grad = build_ctc(tf, logits, short, labels)
        with tf.Session() as s:
            ctc_errors["too_long"] = _error(tf, lambda: s.run(loss))
        loss2, grad2 = build_ctc(tf, logits, short, labels, ignore_longer_outputs_than_inputs=True)
        with tf.Session() as s:
            arrays["ctc_loss_ignore"], arrays["ctc_grad_ignore"] = s.run([loss2, grad2])
    for name, values in (("label_after_blank", [1, 4, 2, 3, 0, 2, 2, 1]),
                         ("label_negative", [1, 1, 2, 3, 0, 2, -1, 1])):
        with tf.Graph().as_default():
            loss, _ = build_ctc(tf, logits, seq_len, (labels[0], values, labels[2]))
            with tf.Session() as s:
                ctc_errors[name] = _error(tf, lambda: s.run(loss))
    def fed(v, dtype):
        return tf.placeholder_with_default(np.asarray(v, dtype), [None] * np.ndim(v))
    bad_loss = {
        "loss_seq_len": lambda: build_ctc(tf, logits, np.int32([7, 1, 1]), labels)[0],
        "loss_batch": lambda: tf.nn.ctc_loss(tf.SparseTensor(np.int64(labels[0]), np.int32(labels[1]),
                                                             np.int64(labels[2])), tf.constant(logits),
                                             fed([1, 1], np.int32)),
        "loss_label_bounds": lambda: tf.nn.ctc_loss(tf.SparseTensor(np.int64([[5, 0]]), np.int32([1]),
                                                                    np.int64([6, 1])), tf.constant(logits), seq_len),
        "loss_label_order": lambda: tf.nn.ctc_loss(tf.SparseTensor(np.int64([[0, 1], [0, 0], [1, 0], [2, 0]]),
                                                                   np.int32([1, 2, 1, 1]), np.int64([3, 2])),
                                                   tf.constant(logits), seq_len),
        "loss_no_labels": lambda: tf.nn.ctc_loss(tf.SparseTensor(np.int64([[0, 0]]), np.int32([1]), np.int64([1, 1])),
                                                 tf.constant(logits), seq_len),
        "greedy_batch": lambda: tf.nn.ctc_greedy_decoder(tf.constant(logits), fed([1, 1], np.int32))[1],
    }
    for name, build in bad_loss.items():
        with tf.Graph().as_default():
            t = build()
            with tf.Session() as s:
                ctc_errors[name] = _error(tf, lambda: s.run(t))
    with tf.Graph().as_default():
        (dec,), logp = tf.nn.ctc_greedy_decoder(tf.constant(logits), seq_len, blank_index=-6)
        with tf.Session() as s:
            ctc_errors["greedy_blank_index"] = _error(tf, lambda: s.run(logp))
    with tf.Graph().as_default():
        (dec,), logp = tf.nn.ctc_greedy_decoder(tf.constant(logits), np.int32([7, 1, 1]))
        with tf.Session() as s:
            ctc_errors["greedy_seq_len"] = _error(tf, lambda: s.run(logp))
    meta["ctc_errors"] = ctc_errors

    with open(os.path.join(out_dir, "tf1_misc.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    np.savez(os.path.join(out_dir, "tf1_misc.npz"), **arrays)


if __name__ == "__main__":
    main()
