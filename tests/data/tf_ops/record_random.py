"""Records TensorFlow's random numbers for tests/engine/ops/test_random_ops.py: the raw random ops under many
(seed, seed2) pairs, dtypes and sizes (odd ones, and more than 256 elements), each run twice in one session
(the stream goes on); the graph-level seed rule (tf.set_random_seed with and without op seeds); seeded
initializers; random_shuffle, multinomial and random_gamma; and the kernels' error messages.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_random.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

``random.npz`` holds ``<case>:run<r>:<k>``, output ``k`` of run ``r`` (0 and 1), for graph cases
``<case>:seeds`` (the (seed, seed2) of each random op, in creation order) and ``<case>:names`` (the fetched
tensors' names), ``<err>:error`` (class and message), and ``threads``, the intra-op thread count TensorFlow
split the sharded Multinomial over. ``RAW`` and ``ERRORS`` cases are (op type, inputs, attrs), built by
``build_raw``; ``GRAPHS`` cases are TensorFlow 1 programs taking a namespace (``tensorflow.compat.v1`` here,
``tagraph.compat.v1`` in the tests) and returning the tensors to fetch. Importing this file needs only numpy.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

_SEEDS = [(5, 11), (0, 1), (1, 0), (87654321, 3), (2**31 - 2, 2**31 - 2), (123456789012, 7), (-1, -5),
          (2**63 - 1, 2**40 + 3)]
_SIZES = [[1], [7], [4, 3], [300], [2, 151]]
_FLOATS = ["float16", "float32", "float64"]


# Raw ops: name -> (op type, inputs, attrs). The inputs are numpy values; attrs name dtypes by name.
RAW = {}
for _op in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal"):
    for _dt in _FLOATS:
        for _i, (_s1, _s2) in enumerate(_SEEDS):
            # every seed pair with a small shape, and every shape with a few seed pairs
            for _shape in (_SIZES if _i < 2 else _SIZES[1:2]):
                RAW["%s_%s_%d_%s" % (_op, _dt, _i, "x".join(map(str, _shape)))] = (
                    _op, [np.int32(_shape)], {"dtype": _dt, "seed": _s1, "seed2": _s2})
for _i, (_s1, _s2) in enumerate(_SEEDS[:4]):
    RAW["int32_%d" % _i] = ("RandomUniformInt", [np.int32([13]), np.int32(-5), np.int32(1000)],
                            {"seed": _s1, "seed2": _s2})
    RAW["int64_%d" % _i] = ("RandomUniformInt", [np.int64([13]), np.int64(-2**62), np.int64(2**62)],
                            {"seed": _s1, "seed2": _s2})
RAW["int32_full_range"] = ("RandomUniformInt", [np.int32([9]), np.int32(-2**31), np.int32(2**31 - 1)],
                           {"seed": 3, "seed2": 4})
RAW["int32_two"] = ("RandomUniformInt", [np.int32([301]), np.int32(0), np.int32(2)], {"seed": 3, "seed2": 4})
RAW["int64_small"] = ("RandomUniformInt", [np.int32([5, 3]), np.int64(7), np.int64(11)], {"seed": 8, "seed2": 9})
RAW["shuffle_raw"] = ("RandomShuffle", [np.arange(1000, dtype=np.int64)], {"seed": 2**40, "seed2": 1})
RAW["gamma_raw"] = ("RandomGamma", [np.int32([3]), np.float32([[0.3, 1.0], [4.0, 1e-3]])], {"seed": 1, "seed2": 2})
RAW["multinomial_raw"] = ("Multinomial", [np.float32([[1.0, 2.0, 3.0, np.nan], [0.0, np.inf, 0.0, 1.0]]),
                                          np.int32(9)], {"seed": 3, "seed2": 4, "output_dtype": "int32"})


def _graph_seed_ops(tf):
    tf.set_random_seed(1234)
    return [tf.random_uniform([3, 2]), tf.random_normal([5]), tf.truncated_normal([2, 2], dtype=tf.float64),
            tf.random_uniform([4], maxval=10, dtype=tf.int32), tf.random_uniform([6], minval=-2.0, maxval=3.0),
            tf.random_uniform([2], maxval=5.0), tf.random_normal([3], seed=9)]


def _op_seed_only(tf):
    return [tf.random_uniform([3], seed=3), tf.random_normal([3], mean=1.0, stddev=2.0, seed=3),
            tf.truncated_normal([3], seed=2**40 + 5)]


def _seed_zero(tf):
    tf.set_random_seed(0)
    return [tf.random_uniform([4]), tf.random_uniform([4], seed=0), tf.random_uniform([4])]


def _big_graph_seed(tf):
    tf.set_random_seed(2**33 + 17)
    return [tf.random_normal([4]), tf.random_shuffle(tf.range(8))]


def _initializers(tf):
    tf.set_random_seed(77)
    inits = [("glorot_uniform", tf.glorot_uniform_initializer(seed=1), [5, 7]),
             ("glorot_normal", tf.glorot_normal_initializer(seed=2), [3, 3, 4, 6]),
             ("default", None, [9, 4]),
             ("random_normal", tf.random_normal_initializer(0.5, 0.1, seed=3), [20]),
             ("random_uniform", tf.random_uniform_initializer(-1.0, 1.0, seed=4), [4, 4]),
             ("truncated_normal", tf.truncated_normal_initializer(stddev=0.02, seed=5), [300]),
             ("variance_scaling", tf.variance_scaling_initializer(2.0, "fan_out", "uniform", seed=6), [6, 10]),
             ("untruncated", tf.variance_scaling_initializer(1.5, "fan_in", "untruncated_normal", seed=7), [8, 2]),
             ("he_normal", tf.initializers.he_normal(seed=8), [10, 3]),
             ("lecun_uniform", tf.initializers.lecun_uniform(seed=9), [3, 10]),
             ("no_seed_graph_seed", tf.glorot_uniform_initializer(), [2, 3]),
             ("float64", tf.glorot_normal_initializer(seed=10, dtype=tf.float64), [4, 5])]
    out = []
    for name, init, shape in inits:
        dtype = tf.float64 if name == "float64" else tf.float32
        out.append(tf.get_variable(name, shape, dtype=dtype, initializer=init))
    return out


def _shuffle(tf):
    return [tf.random_shuffle(tf.range(10), seed=4), tf.random_shuffle(tf.reshape(tf.range(12.0), [4, 3]), seed=5),
            tf.random_shuffle(tf.range(300), seed=6, name="long"), tf.random_shuffle([7], seed=7),
            tf.random_shuffle(tf.constant(["a", "b", "c"]), seed=8)]


_LOGITS = np.random.default_rng(3).normal(size=[3, 5]).astype(np.float32)
_LOGITS[2, 1] = -np.inf


def _multinomial(tf):
    return [tf.multinomial(_LOGITS, 7, seed=2), tf.multinomial(_LOGITS.astype(np.float64), 1, seed=3),
            tf.random.categorical(np.log([[0.5, 0.25, 0.25]]).astype(np.float32), 10, dtype=tf.int32, seed=4),
            tf.multinomial(np.zeros([2, 3], np.float16), 5, seed=6)]


def _dropout(tf):
    tf.set_random_seed(3)
    x = tf.constant(np.arange(1, 41, dtype=np.float32).reshape(5, 8))
    return [tf.nn.dropout(x, rate=0.3), tf.nn.dropout(x, keep_prob=0.6, seed=5),
            tf.nn.dropout(x, rate=0.5, noise_shape=[5, 1])]


_MANY_LOGITS = np.random.default_rng(4).normal(size=[300, 10]).astype(np.float32)


def _multinomial_sharded(tf):
    # Enough work for TensorFlow to split the rows over its intra-op threads (recorded as "threads").
    return [tf.multinomial(_MANY_LOGITS, 20, seed=5, output_dtype=tf.int32)]


def _gamma(tf):
    # beta a power of two: TensorFlow's grappler turns x / const into x * (1 / const), which differs from a
    # true division in the last bit for other constants.
    return [tf.random_gamma([4], [0.5, 1.0, 2.5], seed=7),
            tf.random_gamma([2, 3], 1.5, beta=[[1.0], [4.0]], seed=8),
            tf.random_gamma([5], [0.2, 7.0], dtype=tf.float64, seed=9),
            tf.random_gamma([3], 1.0, dtype=tf.float16, seed=10)]


GRAPHS = {"graph_seed": _graph_seed_ops, "op_seed_only": _op_seed_only, "seed_zero": _seed_zero,
          "big_graph_seed": _big_graph_seed, "initializers": _initializers, "shuffle": _shuffle,
          "dropout": _dropout, "multinomial": _multinomial, "multinomial_sharded": _multinomial_sharded,
          "gamma": _gamma}


# Bad inputs, given through placeholder_with_default so that they reach the kernel: name -> (op, inputs, attrs).
ERRORS = {
    "negative_dim": ("RandomUniform", [np.int32([2, -1])], {"dtype": "float32", "seed": 1, "seed2": 2}),
    "shape_matrix": ("RandomStandardNormal", [np.int32([[2]])], {"dtype": "float32", "seed": 1, "seed2": 2}),
    "int_bounds": ("RandomUniformInt", [np.int32([3]), np.int32(5), np.int32(3)], {"seed": 1, "seed2": 2}),
    "int_minval_vector": ("RandomUniformInt", [np.int32([3]), np.int32([5]), np.int32(9)], {"seed": 1, "seed2": 2}),
    "int_maxval_vector": ("RandomUniformInt", [np.int32([3]), np.int32(1), np.int32([5])], {"seed": 1, "seed2": 2}),
    "multinomial_vector": ("Multinomial", [np.float32([0.0, 1.0]), np.int32(2)], {"seed": 1, "seed2": 2}),
    "multinomial_negative": ("Multinomial", [np.float32([[0.0, 1.0]]), np.int32(-1)], {"seed": 1, "seed2": 2}),
    "multinomial_no_classes": ("Multinomial", [np.zeros([3, 0], np.float32), np.int32(2)], {"seed": 1, "seed2": 2}),
    "multinomial_samples_vector": ("Multinomial", [np.float32([[0.0, 1.0]]), np.int32([1])],
                                   {"seed": 1, "seed2": 2}),
}


def build_raw(tf, op_type, inputs, attrs, make_op, feedable=False):
    """The op ``op_type`` on ``inputs`` (through placeholder_with_default when ``feedable``), built by
    ``make_op(op_type, tensors, attrs)``."""
    attrs = {k: getattr(tf, v) if isinstance(v, str) else v for k, v in attrs.items()}
    tensors = [tf.placeholder_with_default(v, None) if feedable else tf.constant(v) for v in inputs]
    return make_op(op_type, tensors, attrs)


BUILD_ERRORS = {
    "uniform_string": lambda tf: tf.random_uniform([2], dtype=tf.string),
    "uniform_int_no_maxval": lambda tf: tf.random_uniform([2], dtype=tf.int32),
    "categorical_float_dtype": lambda tf: tf.random.categorical([[0.0, 1.0]], 2, dtype=tf.float32),
}


def _seeds_of(graph):
    return np.array([[op.get_attr("seed"), op.get_attr("seed2")] for op in graph.get_operations()
                     if op.type in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
                                    "RandomShuffle", "Multinomial", "RandomGamma")], np.int64)


def _tf_raw(tf, op_type, inputs, attrs, feedable=False):
    from tensorflow.python.ops import gen_random_ops   # the raw op with attrs given as keywords
    fn = {"RandomUniform": gen_random_ops.random_uniform, "RandomStandardNormal": gen_random_ops.random_standard_normal,
          "TruncatedNormal": gen_random_ops.truncated_normal, "RandomUniformInt": gen_random_ops.random_uniform_int,
          "RandomShuffle": gen_random_ops.random_shuffle, "RandomGamma": gen_random_ops.random_gamma,
          "Multinomial": gen_random_ops.multinomial}[op_type]
    return build_raw(tf, op_type, inputs, attrs, lambda _, tensors, kw: fn(*tensors, **kw), feedable)


def _kernel_message(message):
    lines = message.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("Node: ")]
    return lines[at[0] + 1] if at else lines[0]


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out_dir = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    data = {}
    cases = [(name, lambda tf, spec=spec: [_tf_raw(tf, *spec)]) for name, spec in RAW.items()]
    for name, build in cases + list(GRAPHS.items()):
        with tf.Graph().as_default() as g:
            outs = build(tf)
            with tf.Session() as sess:
                if name == "initializers":
                    sess.run(tf.global_variables_initializer())
                    runs = [sess.run(outs)]
                    sess.run(tf.global_variables_initializer())
                    runs.append(sess.run(outs))
                else:
                    runs = [sess.run(outs), sess.run(outs)]
            for r, got in enumerate(runs):
                for k, v in enumerate(got):
                    v = np.asarray(v)
                    data["%s:run%d:%d" % (name, r, k)] = v.astype("S") if v.dtype == object else v
            if name in GRAPHS:
                data[name + ":seeds"] = _seeds_of(g)
                data[name + ":names"] = np.array("\n".join(t.name for t in outs))
    for name, spec in ERRORS.items():
        with tf.Graph().as_default():
            try:
                out = _tf_raw(tf, *spec, feedable=True)
                with tf.Session() as sess:
                    sess.run(out)
            except tf.errors.OpError as e:
                data[name + ":error"] = np.array("%s\n%s" % (type(e).__name__, _kernel_message(e.message)))
            else:
                sys.exit("%s did not fail" % name)
    for name, build in BUILD_ERRORS.items():
        with tf.Graph().as_default():
            try:
                build(tf)
            except (ValueError, TypeError) as e:
                data[name + ":error"] = np.array("%s\n%s" % (type(e).__name__, e))
            else:
                sys.exit("%s did not fail" % name)
    data["threads"] = np.int64(len(os.sched_getaffinity(0)))   # TensorFlow's default intra-op threads
    np.savez_compressed(os.path.join(out_dir, "random.npz"), **data)
    print("wrote %d arrays" % len(data))


if __name__ == "__main__":
    main()
