"""Candidate sampling, TensorFlow's numbers bit for bit, and the sampled losses built on it: nce_loss and
sampled_softmax_loss, as TensorFlow 1's word2vec and language models train.

    loss = tg.reduce_mean(tg.nn.nce_loss(weights=nce_w, biases=nce_b, labels=labels, inputs=embed,
                                         num_sampled=64, num_classes=vocabulary_size))

The sampler ops (UniformCandidateSampler, LogUniformCandidateSampler, FixedUnigramCandidateSampler,
AllCandidateSampler) follow TensorFlow's CPU kernels (candidate_sampler_ops.cc, range_sampler.cc): each run
reserves 512 Philox calls per sampled candidate from the op's generator (seeded as every random op's), reads
them as SimplePhilox does (32-bit words in order; a double from two words, a 64-bit integer from two, an
integer below n by rejection), and with ``unique`` draws until it has ``num_sampled`` distinct candidates.
The fixed unigram sampler draws through Walker's alias table, built once per session. Expected counts are
``p * num_sampled``, or ``1 - (1 - p) ** tries`` after ``tries`` draws for unique samples, in float32
through the C library's ``log1pf``/``expm1f`` as TensorFlow's kernel computes them. ComputeAccidentalHits
finds the sampled candidates equal to a true class. None of these ops has a gradient.
"""
import collections
import ctypes
import ctypes.util
import math

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.graph import _graph_of, convert_to_tensor
from tagraph.engine.framework.op_builder import make_op, not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.ops import (array_ops, embedding_ops, joining_ops, loss_ops, math_ops, matmul_ops, philox,
                                random_ops, slicing_ops, sparse_ops)
from tagraph.engine.ops.op_util import invalid

__all__ = ["uniform_candidate_sampler", "log_uniform_candidate_sampler", "all_candidate_sampler",
           "fixed_unigram_candidate_sampler", "compute_accidental_hits", "nce_loss", "sampled_softmax_loss"]

_SAMPLERS = ("UniformCandidateSampler", "LogUniformCandidateSampler", "AllCandidateSampler",
             "FixedUnigramCandidateSampler")
_HOST = host_kind().device_type


# --- expected counts ------------------------------------------------------------------------------------

def _libm_float(name, args=1):
    lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float] * args
    return fn


_LOG1PF = _libm_float("log1pf")
_EXPM1F = _libm_float("expm1f")
_POWF = _libm_float("powf", 2)


def _expected_count(p, batch_size, num_tries):
    """ExpectedCountHelper, in float32 as TensorFlow's: ``p`` is a float32 probability."""
    if num_tries == batch_size:
        return np.float32(p * np.float32(batch_size))
    return -np.float32(_EXPM1F(np.float32(num_tries) * np.float32(_LOG1PF(-p))))


class _Uniform:
    def __init__(self, range_max):
        self.range = range_max
        self._p = np.float32(1.0 / range_max)

    def sample(self, bits):
        return bits.uniform64(self.range)

    def probability(self, value):
        return self._p


class _LogUniform:
    """P(k) = log((k + 2) / (k + 1)) / log(range + 1): small ids (frequent words, in a vocabulary sorted by
    frequency) are drawn most."""

    def __init__(self, range_max):
        self.range = range_max
        self._log_range = math.log1p(range_max)

    def sample(self, bits):
        return (int(math.exp(bits.rand_double() * self._log_range)) - 1) % self.range

    def probability(self, value):
        return np.float32(math.log((value + 2.0) / (value + 1.0)) / self._log_range)


class _FixedUnigram:
    """Classes drawn in proportion to given weights (``unigrams``, or the last column of ``vocab_file``'s CSV
    lines) raised to ``distortion``, ids below ``num_reserved_ids`` never; with ``num_shards``, this shard's
    ids only. Drawn through Walker's alias table as TensorFlow's DistributionSampler builds it (float32
    weights, double arithmetic, the same pairing order), so the same draws pick the same classes."""

    def __init__(self, attrs):
        shards, shard = int(attrs.get("num_shards", 1)), int(attrs.get("shard", 0))
        distortion = np.float32(attrs.get("distortion", 1.0))
        vocab_file = attrs.get("vocab_file", b"") or b""
        vocab_file = vocab_file.decode() if isinstance(vocab_file, bytes) else vocab_file
        unigrams = list(attrs.get("unigrams", []) or [])
        if not vocab_file and not unigrams:
            raise invalid("Must provide either vocab_file or unigrams.")
        if vocab_file and unigrams:
            raise invalid("Must only provide one of vocab_file and unigrams.")
        # Reserved ids (this shard's) are never drawn: weight 0.
        reserved = range(int(attrs.get("num_reserved_ids", 0)))
        weights = [np.float32(0) for i in reserved if i % shards == shard]
        total = np.float32(0)
        word_id = len(weights)
        for w in (self._read_vocab(vocab_file) if vocab_file else unigrams):
            if word_id % shards == shard:
                w = np.float32(_POWF(np.float32(w), distortion))
                total = np.float32(total + w)
                weights.append(w)
            word_id += 1
        self.range = int(attrs["range_max"])
        if self.range != len(weights):
            raise invalid("range is %d must be equal to weights size  %d" % (self.range, len(weights)))
        self._weights, self._total = weights, total
        self._prob, self._alt = _alias_table(weights)

    @staticmethod
    def _read_vocab(path):
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise errors.NotFoundError(None, None, "%s; No such file or directory" % path) from e
        for line in lines:
            try:
                yield np.float32(line.split(",")[-1])
            except ValueError:
                raise invalid("Wrong vocabulary format at line: %s" % line) from None

    def sample(self, bits):
        r = bits.rand_float()
        idx = bits.uniform(len(self._prob))
        return idx if r < self._prob[idx] else self._alt[idx]

    def probability(self, value):
        if not 0 <= value < len(self._weights):
            return np.float32(0)
        return np.float32(self._weights[value] / self._total)


def _alias_table(weights):
    """Walker's alias table: (float32 probability of keeping each bucket's own index, its alternative)."""
    n = len(weights)
    total = 0.0
    for w in weights:
        total += float(w)
    alt = [-1] * n
    pr = [float(np.float32(w * np.float32(n))) / total for w in weights]
    low = [i for i in range(n) if pr[i] < 1.0]
    high = [i for i in range(n) if pr[i] >= 1.0]
    while high and low:
        small, large = low.pop(), high.pop()
        alt[small] = large
        pr[large] = pr[large] - (1.0 - pr[small])
        (low if pr[large] < 1.0 else high).append(large)
    prob = [np.float32(p) for p in pr]
    for idx in high + low:                     # left over by rounding: keep their own index
        prob[idx], alt[idx] = np.float32(1.0), idx
    return prob, alt


def _sample(sampler, bits, unique, num_sampled):
    """(candidates, draws made): distinct candidates with ``unique``, in the order first drawn."""
    if not unique:
        return [sampler.sample(bits) for _ in range(num_sampled)], num_sampled
    picked, seen, tries = [], set(), 0
    while len(picked) < num_sampled:
        tries += 1
        value = sampler.sample(bits)
        if value not in seen:
            seen.add(value)
            picked.append(value)
    return picked, tries


def _sampler_kernel(op_type):
    def kernel(ctx, true_classes):
        attrs = ctx.attrs
        num_true, num_sampled, unique = int(attrs["num_true"]), int(attrs["num_sampled"]), bool(attrs["unique"])
        range_max = num_sampled if op_type == "AllCandidateSampler" else int(attrs["range_max"])
        if range_max <= 0:
            raise invalid("range_max must be positive")
        if op_type == "FixedUnigramCandidateSampler":
            # Built once per session, as TensorFlow's kernel builds its sampler when it is constructed.
            state = ctx.session_state.op_state
            sampler = state.get((ctx.op, "sampler"))
            if sampler is None:
                sampler = state.setdefault((ctx.op, "sampler"), _FixedUnigram(attrs))
        classes = np.asarray(true_classes)
        if classes.ndim != 2:
            raise invalid("true_classes must be a matrix")
        if classes.shape[1] != num_true:
            # TensorFlow's message names the two numbers the other way round.
            raise invalid("true_classes must have num_true columns, expected: %d was: %d"
                          % (classes.shape[1], num_true))
        if unique and num_sampled > range_max:
            raise invalid("Sampler's range is too small.")
        true_flat = [int(c) for c in classes.reshape(-1)]
        for c in true_flat:
            if not 0 <= c < range_max:
                raise invalid("`true_candidate` out of range [0, %d), received %d" % (range_max, c))
        gen = random_ops.op_generator(ctx).reserve((2048 * num_sampled + 3) // 4)
        if op_type == "AllCandidateSampler":
            return (np.arange(num_sampled, dtype=np.int64), np.ones(classes.shape, np.float32),
                    np.ones(num_sampled, np.float32))
        if op_type != "FixedUnigramCandidateSampler":
            sampler = (_Uniform if op_type == "UniformCandidateSampler" else _LogUniform)(range_max)
        picked, tries = _sample(sampler, philox.SimplePhilox(gen), unique, num_sampled)

        def counts(values):
            return np.array([_expected_count(sampler.probability(v), num_sampled, tries) for v in values],
                            np.float32)
        return (np.array(picked, np.int64), counts(true_flat).reshape(classes.shape), counts(picked))
    kernel.__name__ = "_" + op_type
    return kernel


for _op_type in _SAMPLERS:
    register_kernel(_op_type, device_types=_HOST)(_sampler_kernel(_op_type))   # host only, as TensorFlow's


@register_shape(*_SAMPLERS)
def _sampler_shape(op):
    classes = op.inputs[0].shape.with_rank(2)
    num_sampled = op.get_attr("num_sampled")
    return [TensorShape([num_sampled]), TensorShape([classes.dims[0], op.get_attr("num_true")]),
            TensorShape([num_sampled])]


@register_kernel("ComputeAccidentalHits", device_types=_HOST)
def _compute_accidental_hits(ctx, true_classes, sampled):
    num_true = int(ctx.attrs["num_true"])
    classes, sampled = np.asarray(true_classes), np.asarray(sampled)
    if classes.ndim != 2 or classes.shape[1] != num_true:
        raise invalid("true_candidates must be a batch_size * num_true matrix")
    if sampled.ndim != 1:
        raise invalid("sampled_candidates must be a vector, which is typically an output from CandidateSampler")
    position = {int(c): i for i, c in enumerate(sampled)}        # a repeated candidate: its last position
    hits = [(i, position[int(c)]) for i, row in enumerate(classes) for c in row if int(c) in position]
    return (np.array([h[0] for h in hits], np.int32), np.array([h[1] for h in hits], np.int64),
            np.full(len(hits), -np.finfo(np.float32).max, np.float32))


@register_shape("ComputeAccidentalHits")
def _compute_accidental_hits_shape(op):
    op.inputs[0].shape.with_rank(2)
    op.inputs[1].shape.with_rank(1)
    return [unknown_shape(1)] * 3


not_differentiable(*_SAMPLERS, "ComputeAccidentalHits")


# --- the samplers' Python functions ----------------------------------------------------------------------

def _seed_attrs(seed):
    s1, s2 = random_ops.get_seed(seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}


# The results as TensorFlow's op functions return them: namedtuples named after the op.
_OUTPUTS = {t: collections.namedtuple(t, ["sampled_candidates", "true_expected_count", "sampled_expected_count"])
            for t in _SAMPLERS}
_HITS = collections.namedtuple("ComputeAccidentalHits", ["indices", "ids", "weights"])


def _candidate_sampler(op_type, true_classes, num_true, num_sampled, unique, range_max, seed, name):
    attrs = dict(_seed_attrs(seed), num_true=num_true, num_sampled=num_sampled, unique=unique)
    if range_max is not None:
        attrs["range_max"] = range_max
    true_classes = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    return _OUTPUTS[op_type](*make_op(op_type, [true_classes], attrs, name=name or op_type))


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """(sampled_candidates, true_expected_count, sampled_expected_count): ``num_sampled`` classes drawn
    uniformly from [0, range_max), distinct with ``unique``, and the expected count of each true and sampled
    class among the draws."""
    return _candidate_sampler("UniformCandidateSampler", true_classes, num_true, num_sampled, unique, range_max,
                              seed, name)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """As :func:`uniform_candidate_sampler`, drawing class k with probability log((k + 2) / (k + 1)) /
    log(range_max + 1) (Zipf-like: for class ids sorted by falling frequency)."""
    return _candidate_sampler("LogUniformCandidateSampler", true_classes, num_true, num_sampled, unique, range_max,
                              seed, name)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Every class in [0, num_sampled), each with expected count 1: for testing the sampled losses."""
    return _candidate_sampler("AllCandidateSampler", true_classes, num_true, num_sampled, unique, None, seed, name)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, vocab_file="",
                                    distortion=1.0, num_reserved_ids=0, num_shards=1, shard=0, unigrams=(),
                                    seed=None, name=None):
    """As :func:`uniform_candidate_sampler`, drawing classes in proportion to ``unigrams`` (or the counts in
    ``vocab_file``, a CSV whose last column is the count) raised to ``distortion`` (0.75 in word2vec)."""
    attrs = dict(_seed_attrs(seed), num_true=num_true, num_sampled=num_sampled, unique=unique,
                 range_max=range_max, vocab_file=vocab_file, distortion=float(distortion),
                 num_reserved_ids=num_reserved_ids, num_shards=num_shards, shard=shard,
                 unigrams=[float(u) for u in unigrams])
    true_classes = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    return _OUTPUTS["FixedUnigramCandidateSampler"](*make_op("FixedUnigramCandidateSampler", [true_classes], attrs,
                                                             name=name or "FixedUnigramCandidateSampler"))


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """(indices, ids, weights) of the sampled candidates that equal a true class of their row: row index,
    position in ``sampled_candidates``, and -FLT_MAX to add to that logit."""
    attrs = dict(_seed_attrs(seed), num_true=num_true)
    true_classes = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    sampled_candidates = convert_to_tensor(sampled_candidates, dtype=dtypes.int64, name="sampled_candidates")
    return _HITS(*make_op("ComputeAccidentalHits", [true_classes, sampled_candidates], attrs,
                                   name=name or "ComputeAccidentalHits"))


# --- the sampled losses -------------------------------------------------------------------------------------

def _sum_rows(x):
    # TensorFlow's: a product with a column of ones (its gradient is cheaper than reduce_sum's).
    ones = array_ops.ones(joining_ops.stack([array_ops.shape(x)[1], 1]), x.dtype)
    return array_ops.reshape(matmul_ops.matmul(x, ones), [-1])


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
                    subtract_log_q, remove_accidental_hits, partition_strategy, seed):
    """TensorFlow's _compute_sampled_logits: ([batch, num_true + num_sampled] logits, their labels), the
    true classes' logits first."""
    if labels.dtype != dtypes.int64:
        labels = math_ops.cast(labels, dtypes.int64)
    labels_flat = array_ops.reshape(labels, [-1])
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True, num_classes, seed=seed)
    sampled, true_expected, sampled_expected = (array_ops.stop_gradient(s) for s in sampled_values)
    sampled = math_ops.cast(sampled, dtypes.int64)
    all_ids = joining_ops.concat([labels_flat, sampled], 0)
    all_w = embedding_ops.embedding_lookup(weights, all_ids, partition_strategy=partition_strategy)
    if all_w.dtype != inputs.dtype:
        all_w = math_ops.cast(all_w, inputs.dtype)
    n_true = array_ops.shape(labels_flat)[0]
    true_w = slicing_ops.slice(all_w, [0, 0], joining_ops.stack([n_true, -1]))
    sampled_w = slicing_ops.slice(all_w, joining_ops.stack([n_true, 0]), [-1, -1])
    sampled_logits = matmul_ops.matmul(inputs, sampled_w, transpose_b=True)
    all_b = embedding_ops.embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
    if all_b.dtype != inputs.dtype:
        all_b = math_ops.cast(all_b, inputs.dtype)
    true_b = slicing_ops.slice(all_b, [0], array_ops.shape(labels_flat))
    sampled_b = slicing_ops.slice(all_b, array_ops.shape(labels_flat), [-1])
    dim = array_ops.shape(true_w)[1:2]
    row_wise_dots = math_ops.multiply(array_ops.expand_dims(inputs, 1),
                                      array_ops.reshape(true_w, joining_ops.concat([[-1, num_true], dim], 0)))
    dots = array_ops.reshape(row_wise_dots, joining_ops.concat([[-1], dim], 0))
    true_logits = array_ops.reshape(_sum_rows(dots), [-1, num_true])
    true_logits += array_ops.reshape(true_b, [-1, num_true])
    sampled_logits += sampled_b
    if remove_accidental_hits:
        hits = compute_accidental_hits(labels, sampled, num_true=num_true)
        indices = joining_ops.concat([array_ops.reshape(hits.indices, [-1, 1]),
                                      array_ops.reshape(math_ops.cast(hits.ids, dtypes.int32), [-1, 1])], 1,
                                     "sparse_indices")
        shape = joining_ops.concat([array_ops.shape(labels)[:1], array_ops.expand_dims(num_sampled, 0)], 0)
        acc_weights = hits.weights
        if sampled_logits.dtype != acc_weights.dtype:
            acc_weights = math_ops.cast(acc_weights, sampled_logits.dtype)
        sampled_logits += sparse_ops.sparse_to_dense(indices, shape, acc_weights, default_value=0.0,
                                                     validate_indices=False)
    if subtract_log_q:
        true_logits -= math_ops.log(true_expected)
        sampled_logits -= math_ops.log(sampled_expected)
    out_logits = joining_ops.concat([true_logits, sampled_logits], 1)
    out_labels = joining_ops.concat([array_ops.ones_like(true_logits) / num_true,
                                     array_ops.zeros_like(sampled_logits)], 1)
    return out_logits, out_labels


def _loss_graph(weights, biases, labels, inputs):
    values = (list(weights) if isinstance(weights, (list, tuple)) else [weights]) + [biases, labels, inputs]
    return _graph_of([v for v in values if hasattr(v, "graph")])


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """Noise-contrastive estimation: per example, the sigmoid cross entropy of its true classes against
    ``num_sampled`` classes drawn by ``log_uniform_candidate_sampler`` (unless ``sampled_values`` are given),
    logits corrected by the log of each class's expected count. ``weights``: [num_classes, dim] (or its
    partitions), ``labels``: [batch, num_true] class ids; returns [batch] losses."""
    g = _loss_graph(weights, biases, labels, inputs)
    with g.as_default(), g.name_scope(name or "nce_loss"):
        labels, inputs = convert_to_tensor(labels), convert_to_tensor(inputs)
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                          sampled_values, True, remove_accidental_hits, partition_strategy, None)
        losses = loss_ops.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits, name="sampled_losses")
        return _sum_rows(losses)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, partition_strategy="mod",
                         name="sampled_softmax_loss", seed=None):
    """The softmax cross entropy over each example's true classes and ``num_sampled`` sampled ones (a
    sampled class equal to a true one is masked out by default), logits corrected by the log of each
    class's expected count: the training-time stand-in for a full softmax over ``num_classes``. Returns
    [batch] losses."""
    g = _loss_graph(weights, biases, labels, inputs)
    with g.as_default(), g.name_scope(name or "sampled_softmax_loss"):
        labels, inputs = convert_to_tensor(labels), convert_to_tensor(inputs)
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                          sampled_values, True, remove_accidental_hits, partition_strategy, seed)
        targets = array_ops.stop_gradient(targets, name="labels_stop_gradient")
        return loss_ops.softmax_cross_entropy_with_logits_v2(labels=targets, logits=logits)
