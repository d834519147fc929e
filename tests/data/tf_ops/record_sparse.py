"""Records what real TensorFlow computes for the sparse-gradient tests: tests/engine/framework/test_indexed_slices.py,
tests/engine/ops/test_embedding_ops.py, tests/engine/ops/test_training_ops.py (sparse kernels) and
tests/engine/train/test_optimizers.py (sparse updates, and TensorFlow's own training graphs).

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_sparse.py

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph: a
case's ``build`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the
tests). Writes ``sparse.npz``:

- ``grad:<case>:...``: the outputs of each GRADIENTS case, the upstream gradient fed to each, and the
  gradient of every input it lists: ``kind`` "sparse" (an IndexedSlices: ``values``, ``indices``,
  ``dense_shape``) or "dense";
- ``opt:<case>:step<k>:<name>``: the variable and its slots after each of STEPS sparse updates of an
  optimizer (``apply_gradients`` with an IndexedSlices), from the same initial values and gradients;
- ``kernel:<case>:<k>``: the variable and slots after one SparseApply*/ResourceSparseApply* op;
- ``error:<case>``: the error class and message TensorFlow gives for each bad input (ERRORS);
- ``model:<name>:loss`` / ``:emb``: the losses of STEPS training steps of a small embedding model and its
  embedding afterwards; its graph (``sparse_<name>.meta``) and initial checkpoint (``sparse_<name>.ckpt.*``)
  are written by TensorFlow beside it, for tagraph to import and train.

Run under TensorFlow 2.21 in graph mode; importing this file needs only numpy.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 5


def _rng(seed):
    return np.random.default_rng(seed)


def _f32(shape, seed, low=-1.0, high=1.0):
    return _rng(seed).uniform(low, high, size=shape).astype(np.float32)


def _sparse(tf, indices, values, shape):
    return tf.SparseTensor(tf.constant(np.asarray(indices, np.int64)), tf.constant(values),
                           tf.constant(np.asarray(shape, np.int64)))


# --- gradients: name -> build(tf) -> (outputs, inputs to differentiate) -----------------------------------

_P = _f32([6, 3], 1)
_SHARDS = [_f32([4, 3], 2, -3, 3), _f32([3, 3], 3, -3, 3), _f32([3, 3], 4, -3, 3)]
_IDS2 = np.array([[1, 9], [5, 1], [0, 7]], np.int32)


def _gather_tensor(tf):
    p = tf.constant(_P)
    return [tf.gather(p, np.array([4, 0, 4, 2], np.int32))], [p]


def _gather_2d_ids(tf):
    p = tf.constant(_P)
    return [tf.gather(p, np.array([[1, 1], [5, 0]], np.int64))], [p]


def _gather_variable(use_resource):
    def build(tf):
        v = tf.Variable(_P, use_resource=use_resource, name="v")
        return [tf.gather(v, np.array([3, 3, 1], np.int32))], [v]
    return build


def _gather_axis1(tf):
    p = tf.constant(_P)
    return [tf.gather(p, np.array([2, 0], np.int32), axis=1)], [p]


def _two_lookups(tf):
    # Two sparse gradients of one tensor: concatenated, not added.
    p = tf.constant(_P)
    return [tf.gather(p, np.array([1, 2], np.int32)), tf.gather(p, np.array([2, 5, 5], np.int64)) * 2.0], [p]


def _lookup_and_dense_use(tf):
    # A sparse and a dense gradient of one tensor: one dense sum.
    p = tf.constant(_P)
    return [tf.gather(p, np.array([1, 2], np.int32)), p * 3.0], [p]


def _embedding(use_resource, max_norm=None):
    def build(tf):
        e = tf.Variable(_P * 3, use_resource=use_resource, name="emb")
        return [tf.nn.embedding_lookup(e, tf.constant(np.array([[0, 5], [5, 2]], np.int32)), max_norm=max_norm)], [e]
    return build


def _partitioned(strategy, max_norm=None, use_resource=None):
    def build(tf):
        if use_resource is None:
            shards = [tf.constant(s) for s in _SHARDS]
        else:
            shards = [tf.Variable(s, use_resource=use_resource, name="shard%d" % i) for i, s in enumerate(_SHARDS)]
        out = tf.nn.embedding_lookup(shards, tf.constant(_IDS2), partition_strategy=strategy, max_norm=max_norm)
        return [out], shards
    return build


_SP_IDX = [[0, 0], [0, 1], [0, 2], [2, 0], [3, 0], [3, 1]]
_SP_IDS = np.array([4, 1, 4, 0, 2, 5], np.int64)
_SP_W = np.array([0.5, 2.0, 1.0, 3.0, 1.5, 0.25], np.float32)


def _lookup_sparse(combiner, weighted, kind):
    def build(tf):
        if kind == "tensor":
            params = tf.constant(_P)
        elif kind == "shards":
            params = [tf.constant(s) for s in _SHARDS]
        else:
            params = tf.Variable(_P, use_resource=True, name="emb")
        sp_ids = _sparse(tf, _SP_IDX, _SP_IDS, [4, 3])
        sp_w = _sparse(tf, _SP_IDX, _SP_W, [4, 3]) if weighted else None
        out = tf.nn.embedding_lookup_sparse(params, sp_ids, sp_w, combiner=combiner)
        return [out], params if isinstance(params, list) else [params]
    return build


def _stitch(parallel):
    def build(tf):
        a, b = tf.constant(_f32([2, 3], 5)), tf.constant(_f32([3, 3], 6))
        fn = tf.dynamic_stitch if not parallel else (
            getattr(tf, "parallel_dynamic_stitch", None) or tf.raw_ops.ParallelDynamicStitch)
        ind = [tf.constant(np.array([4, 0], np.int32)), tf.constant(np.array([1, 3, 2], np.int32))]
        out = fn(ind, [a, b]) if fn is not getattr(getattr(tf, "raw_ops", None), "ParallelDynamicStitch", None) \
            else fn(indices=ind, data=[a, b])
        return [out], [a, b]
    return build


def _stitch_overlap(tf):
    a, b = tf.constant(_f32([2, 2], 7)), tf.constant(_f32([2, 2], 8))
    return [tf.dynamic_stitch([tf.constant(np.array([0, 2], np.int32)), tf.constant(np.array([2, 1], np.int32))],
                              [a, b])], [a, b]


def _partition(tf):
    x = tf.constant(_f32([5, 2], 9))
    return tf.dynamic_partition(x, tf.constant(np.array([2, 0, 2, 1, 0], np.int32)), 3), [x]


GRADIENTS = {
    "gather_tensor": _gather_tensor,
    "gather_2d_ids_int64": _gather_2d_ids,
    "gather_resource_variable": _gather_variable(True),
    "gather_ref_variable": _gather_variable(False),
    "gather_axis1": _gather_axis1,
    "two_lookups": _two_lookups,
    "lookup_and_dense_use": _lookup_and_dense_use,
    "embedding_resource": _embedding(True),
    "embedding_ref": _embedding(False),
    "embedding_max_norm": _embedding(True, max_norm=1.5),
    "partitioned_mod": _partitioned("mod"),
    "partitioned_div": _partitioned("div"),
    "partitioned_mod_max_norm": _partitioned("mod", max_norm=2.0),
    "partitioned_div_variables": _partitioned("div", use_resource=True),
    "partitioned_mod_ref_variables": _partitioned("mod", use_resource=False),
    "lookup_sparse_sum": _lookup_sparse("sum", False, "tensor"),
    "lookup_sparse_mean": _lookup_sparse("mean", False, "tensor"),
    "lookup_sparse_sqrtn": _lookup_sparse("sqrtn", False, "tensor"),
    "lookup_sparse_mean_variable": _lookup_sparse("mean", False, "variable"),
    "lookup_sparse_sum_weighted": _lookup_sparse("sum", True, "tensor"),
    "lookup_sparse_mean_weighted_variable": _lookup_sparse("mean", True, "variable"),
    "lookup_sparse_sqrtn_weighted_shards": _lookup_sparse("sqrtn", True, "shards"),
    "dynamic_stitch": _stitch(False),
    "parallel_dynamic_stitch": _stitch(True),
    "dynamic_stitch_overlap": _stitch_overlap,
    "dynamic_partition": _partition,
}


# --- optimizers: STEPS sparse updates from the same values and gradients -----------------------------------

VAR0 = _f32([8, 3], 20)
GRAD_VALUES = [_f32([4, 3], 30 + k) for k in range(STEPS)]
GRAD_INDICES = [np.array(i, np.int32) for i in ([1, 5, 1, 7], [0, 5, 6, 6], [2, 2, 2, 3], [7, 0, 1, 4], [5, 5, 0, 2])]

# name -> (make(tf), slot names)
OPTIMIZERS = {
    "gradient_descent": (lambda tf: tf.train.GradientDescentOptimizer(0.3), []),
    "momentum": (lambda tf: tf.train.MomentumOptimizer(0.2, 0.9), ["momentum"]),
    "momentum_nesterov": (lambda tf: tf.train.MomentumOptimizer(0.2, 0.8, use_nesterov=True), ["momentum"]),
    "adagrad": (lambda tf: tf.train.AdagradOptimizer(0.5, initial_accumulator_value=0.2), ["accumulator"]),
    "adam": (lambda tf: tf.train.AdamOptimizer(0.05, beta1=0.8, beta2=0.95, epsilon=1e-6), ["m", "v"]),
    "rmsprop": (lambda tf: tf.train.RMSPropOptimizer(0.05, decay=0.8, momentum=0.0, epsilon=1e-6), ["rms", "momentum"]),
    "rmsprop_momentum": (lambda tf: tf.train.RMSPropOptimizer(0.05, decay=0.9, momentum=0.5), ["rms", "momentum"]),
    "rmsprop_centered": (lambda tf: tf.train.RMSPropOptimizer(0.02, decay=0.9, momentum=0.3, epsilon=1e-4,
                                                              centered=True), ["rms", "momentum", "mg"]),
}


def optimizer_graph(tf, name, use_resource):
    """The variable, the optimizer, the feeds of one IndexedSlices gradient, and the training op."""
    make, _ = OPTIMIZERS[name]
    var = tf.Variable(VAR0, use_resource=use_resource, name="var")
    values = tf.placeholder(tf.float32, [None, 3], name="values")
    indices = tf.placeholder(tf.int32, [None], name="indices")
    opt = make(tf)
    train = opt.apply_gradients([(tf.IndexedSlices(values, indices, tf.constant([8, 3])), var)])
    return var, opt, values, indices, train


# --- kernels: one SparseApply* op with repeated indices -----------------------------------------------------

_KV = _f32([5, 2], 40)
_KSLOT = [np.abs(_f32([5, 2], 41 + k)) + 0.5 for k in range(3)]
_KGRAD = _f32([4, 2], 45)
_KIDX = np.array([3, 0, 3, 4], np.int64)

# name -> (op, number of slots, scalars in the op's order before grad (after it for Momentum), attrs)
KERNELS = {
    "adagrad": ("SparseApplyAdagrad", 1, [0.3], {}),
    "adagrad_no_slot_update": ("SparseApplyAdagrad", 1, [0.3], {"update_slots": False}),
    "adagrad_v2": ("SparseApplyAdagradV2", 1, [0.3, 0.1], {}),
    "momentum": ("SparseApplyMomentum", 1, [0.1, 0.9], {}),
    "momentum_nesterov": ("SparseApplyMomentum", 1, [0.1, 0.9], {"use_nesterov": True}),
    "rmsprop": ("SparseApplyRMSProp", 2, [0.05, 0.9, 0.4, 1e-3], {}),
    "centered_rmsprop": ("SparseApplyCenteredRMSProp", 3, [0.05, 0.9, 0.4, 2.5], {}),
}


def kernel_args(name, tf, slots, use_resource):
    """(op type, inputs, attrs) of KERNELS[name] on the variables ``slots`` (var first)."""
    op, nslots, scalars, attrs = KERNELS[name]
    handles = [v.handle if use_resource else v._ref() for v in slots]
    sc = [tf.constant(np.float32(s)) for s in scalars]
    grad, idx = tf.constant(_KGRAD), tf.constant(_KIDX)
    if op == "SparseApplyMomentum":
        rest = [sc[0], grad, idx, sc[1]]
    else:
        rest = sc + [grad, idx]
    return ("Resource" if use_resource else "") + op, handles + rest, attrs


# --- bad inputs: name -> build(tf) (the op to run) -----------------------------------------------------------

def _apply_bad(op, var_shape, slot_shapes, scalars, grad, indices, use_resource=False):
    def build(tf):
        vs = [tf.Variable(np.ones(s, np.float32), use_resource=use_resource) for s in [var_shape] + slot_shapes]
        hs = [v.handle if use_resource else v._ref() for v in vs]
        ph = [tf.placeholder_with_default(np.asarray(a), None) for a in scalars + [grad, indices]]
        return tf.get_default_graph().create_op(("Resource" if use_resource else "") + op, hs + ph, {})
    return build


def _f(*s):
    return np.ones(s, np.float32)


def _ph(tf, a):
    return tf.placeholder_with_default(np.asarray(a), None)


ERRORS = {
    "sparse_adagrad_out_of_range": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [np.float32(0.1)], _f(2, 2),
                                              np.int32([1, 5])),
    "sparse_adagrad_negative": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [np.float32(0.1)], _f(2, 2),
                                          np.int32([-1, 0])),
    "resource_sparse_adagrad_out_of_range": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [np.float32(0.1)],
                                                       _f(2, 2), np.int32([1, 5]), use_resource=True),
    "sparse_adagrad_grad_rows": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [np.float32(0.1)], _f(3, 2),
                                           np.int32([1, 2])),
    "sparse_adagrad_grad_inner": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [np.float32(0.1)], _f(2, 3),
                                            np.int32([1, 2])),
    "sparse_adagrad_lr_not_scalar": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [_f(2)], _f(2, 2),
                                               np.int32([1, 2])),
    "sparse_adagrad_indices_2d": _apply_bad("SparseApplyAdagrad", [4, 2], [[4, 2]], [np.float32(0.1)], _f(2, 2),
                                            np.int32([[1, 2]])),
    "sparse_adagrad_scalar_var": _apply_bad("SparseApplyAdagrad", [], [[]], [np.float32(0.1)], _f(2),
                                            np.int32([1, 2])),
    "sparse_adagrad_v2_out_of_range": _apply_bad("SparseApplyAdagradV2", [4, 2], [[4, 2]], [np.float32(0.1),
                                                                                            np.float32(1e-7)],
                                                 _f(2, 2), np.int64([1, 4])),
    "resource_sparse_rmsprop_out_of_range": _apply_bad(
        "SparseApplyRMSProp", [4, 2], [[4, 2], [4, 2]], [np.float32(0.1), np.float32(0.9), np.float32(0.0),
                                                         np.float32(1e-7)], _f(2, 2), np.int32([1, 4]),
        use_resource=True),
    "scatter_add_out_of_range": lambda tf: tf.scatter_add(tf.Variable(_f(4, 2), use_resource=False),
                                                          _ph(tf, np.int32([1, 4])), _ph(tf, _f(2, 2))),
    "scatter_update_negative": lambda tf: tf.scatter_update(tf.Variable(_f(4, 2), use_resource=False),
                                                            _ph(tf, np.int32([1, -1])), _ph(tf, _f(2, 2))),
    "scatter_add_shape": lambda tf: tf.scatter_add(tf.Variable(_f(4, 2), use_resource=False),
                                                   _ph(tf, np.int32([1, 2])), _ph(tf, _f(2, 3))),
    "gather_out_of_range": lambda tf: tf.gather(_ph(tf, _f(3, 2)), _ph(tf, np.int32([0, 3]))),
    "resource_gather_out_of_range": lambda tf: tf.gather(tf.Variable(_f(3, 2), use_resource=True),
                                                         _ph(tf, np.int32([0, 3]))),
    "embedding_out_of_range": lambda tf: tf.nn.embedding_lookup(tf.Variable(_f(3, 2), use_resource=True),
                                                                _ph(tf, np.int32([0, 3]))),
    "dynamic_stitch_negative": lambda tf: tf.dynamic_stitch([_ph(tf, np.int32([0, -1]))], [_ph(tf, _f(2, 3))]),
    "dynamic_stitch_data_shape": lambda tf: tf.dynamic_stitch([_ph(tf, np.int32([0, 1]))], [_ph(tf, _f(3, 3))]),
    "dynamic_stitch_inner_shapes": lambda tf: tf.dynamic_stitch(
        [_ph(tf, np.int32([0, 1])), _ph(tf, np.int32([2]))], [_ph(tf, _f(2, 3)), _ph(tf, _f(1, 2))]),
    "dynamic_partition_out_of_range": lambda tf: tf.dynamic_partition(_ph(tf, _f(3)), _ph(tf, np.int32([0, 2, 1])),
                                                                      2),
    "dynamic_partition_shape": lambda tf: tf.dynamic_partition(_ph(tf, _f(3)), _ph(tf, np.int32([0, 1])), 2),
    "sparse_segment_sum_out_of_range": lambda tf: tf.sparse_segment_sum(
        _ph(tf, _f(3, 2)), _ph(tf, np.int32([0, 3])), _ph(tf, np.int32([0, 0]))),
    "sparse_segment_sum_unsorted": lambda tf: tf.sparse_segment_sum(
        _ph(tf, _f(3, 2)), _ph(tf, np.int32([0, 1])), _ph(tf, np.int32([1, 0]))),
    "sparse_segment_sum_sizes": lambda tf: tf.sparse_segment_sum(
        _ph(tf, _f(3, 2)), _ph(tf, np.int32([0, 1])), _ph(tf, np.int32([0]))),
}


# --- TensorFlow's own training graphs of a small embedding model ----------------------------------------------

VOCAB, DIM, BATCH = 40, 4, 6
MODEL_IDS = [_rng(60 + k).integers(0, VOCAB, size=(BATCH, 3)).astype(np.int64) for k in range(STEPS)]
MODEL_LABELS = [_f32([BATCH, 1], 70 + k) for k in range(STEPS)]

# name -> (optimizer, embedding shards (1: one variable), use_resource)
MODELS = {
    "adagrad": (lambda tf: tf.train.AdagradOptimizer(0.5), 2, True),
    "adam": (lambda tf: tf.train.AdamOptimizer(0.05), 1, False),
}


def model_graph(tf, name):
    """ids -> mean of their embeddings -> a dense layer -> squared error; the loss and training op."""
    make, shards, use_resource = MODELS[name]
    ids = tf.placeholder(tf.int64, [None, 3], name="ids")
    labels = tf.placeholder(tf.float32, [None, 1], name="labels")
    init = tf.random_uniform_initializer(-1.0, 1.0, seed=3)
    with tf.variable_scope("model", use_resource=use_resource):
        if shards == 1:
            emb = tf.get_variable("emb", [VOCAB, DIM], initializer=init)
        else:
            emb = [tf.get_variable("emb_%d" % i, [VOCAB // shards, DIM], initializer=init) for i in range(shards)]
        w = tf.get_variable("w", [DIM, 1], initializer=tf.random_normal_initializer(seed=4))
    pooled = tf.reduce_mean(tf.nn.embedding_lookup(emb, ids), axis=1)
    loss = tf.reduce_mean(tf.square(tf.matmul(pooled, w) - labels), name="loss")
    step = tf.train.get_or_create_global_step()
    train = make(tf).minimize(loss, global_step=step, name="train")
    return ids, labels, loss, train, emb


# --- recording (TensorFlow) -----------------------------------------------------------------------------------

def _error_message(e):
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith("  ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith("Graph execution error")
             and not ln.startswith("Detected at node")]
    return lines[-1].strip() if lines else msg


def upstream(values):
    """The gradient fed to each output: fixed values shaped like it."""
    return [_f32(np.shape(v), 500 + k) for k, v in enumerate(values)]


def _record_gradients(tf, data):
    for name, build in GRADIENTS.items():
        with tf.Graph().as_default():
            outs, xs = build(tf)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                values = sess.run(outs)
                ups = upstream(values)
                grads = tf.gradients(tf.add_n([tf.reduce_sum(o * u) for o, u in zip(outs, ups)]), xs)
                gvals = sess.run(grads)
        for k, (v, u) in enumerate(zip(values, ups)):
            data["grad:%s:out%d" % (name, k)] = v
            data["grad:%s:up%d" % (name, k)] = u
        for j, (gr, gv) in enumerate(zip(grads, gvals)):
            key = "grad:%s:g%d" % (name, j)
            if isinstance(gr, tf.IndexedSlices):
                data[key + ":kind"] = np.array("sparse")
                data[key + ":values"], data[key + ":indices"] = gv.values, gv.indices
                data[key + ":dense_shape"] = gv.dense_shape
            else:
                data[key + ":kind"] = np.array("dense")
                data[key] = gv


def _record_optimizers(tf, data):
    for name, (_, slots) in OPTIMIZERS.items():
        for use_resource in (True, False):
            case = "%s:%s" % (name, "resource" if use_resource else "ref")
            with tf.Graph().as_default():
                var, opt, values, indices, train = optimizer_graph(tf, name, use_resource)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    for k in range(STEPS):
                        sess.run(train, {values: GRAD_VALUES[k], indices: GRAD_INDICES[k]})
                        data["opt:%s:step%d:var" % (case, k)] = sess.run(var)
                        for s in slots:
                            data["opt:%s:step%d:%s" % (case, k, s)] = sess.run(opt.get_slot(var, s))


def _record_kernels(tf, data):
    from tensorflow.python.framework import op_def_registry  # noqa: only the recording needs TensorFlow
    for name, (op, nslots, _, _) in KERNELS.items():
        for use_resource in (True, False):
            with tf.Graph().as_default():
                vs = [tf.Variable(a, use_resource=use_resource) for a in [_KV] + _KSLOT[:nslots]]
                op_type, inputs, attrs = kernel_args(name, tf, vs, use_resource)
                names = [a.name for a in op_def_registry.get(op_type).input_arg]
                apply_op = getattr(tf.raw_ops, op_type)(**dict(zip(names, inputs)), **attrs)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(apply_op)
                    for k, v in enumerate(sess.run(vs)):
                        data["kernel:%s:%s:%d" % (name, "resource" if use_resource else "ref", k)] = v


def _record_errors(tf, data):
    for name, build in ERRORS.items():
        try:
            with tf.Graph().as_default():
                out = build(tf)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(out)
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data["error:" + name] = np.array([type(ex).__name__, _error_message(ex)])
        else:
            raise SystemExit("%s: TensorFlow raised no error" % name)


def _record_models(tf, data, out_dir):
    for name in MODELS:
        with tf.Graph().as_default():
            ids, labels, loss, train, emb = model_graph(tf, name)
            saver = tf.train.Saver()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                prefix = os.path.join(out_dir, "sparse_%s.ckpt" % name)
                saver.save(sess, prefix, write_meta_graph=False, write_state=False)
                tf.train.export_meta_graph(os.path.join(out_dir, "sparse_%s.meta" % name),
                                           saver_def=saver.as_saver_def())
                losses = []
                for k in range(STEPS):
                    lv, _ = sess.run([loss, train], {ids: MODEL_IDS[k], labels: MODEL_LABELS[k]})
                    losses.append(lv)
                data["model:%s:loss" % name] = np.array(losses)
                data["model:%s:emb" % name] = np.concatenate(sess.run(emb if isinstance(emb, list) else [emb]))
                data["model:%s:ops" % name] = np.array(sorted({op.type for op in tf.get_default_graph()
                                                               .get_operations()}))


def main():
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    data = {}
    _record_gradients(tf, data)
    _record_optimizers(tf, data)
    _record_kernels(tf, data)
    _record_errors(tf, data)
    _record_models(tf, data, out_dir)
    path = os.path.join(out_dir, "sparse.npz")
    np.savez_compressed(path, **data)
    print("wrote %s (%d arrays)" % (path, len(data)))


if __name__ == "__main__":
    main()
