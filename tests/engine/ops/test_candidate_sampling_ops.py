"""The candidate samplers, ComputeAccidentalHits, nce_loss and sampled_softmax_loss against TensorFlow's
recorded values (the samplers' candidates and expected counts bit for bit: TensorFlow's Philox numbers) and
errors, on the CPU and a simulated GPU (the samplers run on the host there, as TensorFlow's)."""
import numpy as np
import pytest

import tagraph.engine as tg
from tf_reference import check_case, check_error, family

CASES, ERRORS, DATA = family("candidate_sampling")
# The samplers have host kernels only, as TensorFlow's: on a GPU they are placed on the CPU.
SOFT = tg.ConfigProto(allow_soft_placement=True)

MESSAGES = {
    # The op builder's own wording for an attribute below its OpDef minimum.
    "sampler_range_max_zero": r"range_max.* 0 .*minimum 1|minimum.*1.*range_max",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [c for c in CASES if not c.values[0].grad])
def test_matches_tensorflow(device, case, known):
    check_case(device, case, DATA, known, config=SOFT)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0].grad])
def test_sampled_losses_and_their_gradients_match_tensorflow_run_after_run(device, case):
    # The recording ran the loss, then its gradients: two runs, each with its own draw of candidates.
    inputs = [DATA["%s:in%d" % (case.name, i)] for i in range(len(case.inputs))]
    with tg.Graph().as_default(), tg.device(device):
        phs = [tg.placeholder(tg.as_dtype(a.dtype), a.shape) for a in inputs]
        loss = case.build(tg, *phs)
        grads = tg.gradients(tg.reduce_sum(loss * DATA["%s:up0" % case.name]), [phs[i] for i in case.grad])
        with tg.Session(config=SOFT) as sess:
            feed = dict(zip(phs, inputs))
            got_loss = sess.run(loss, feed)
            got_grads = sess.run(grads, feed)
    np.testing.assert_allclose(got_loss, DATA["%s:out0" % case.name], rtol=2e-5, atol=2e-6)
    for i, g in zip(case.grad, got_grads):
        np.testing.assert_allclose(g, DATA["%s:grad%d" % (case.name, i)], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("err", ERRORS)
def test_bad_inputs_fail_as_in_tensorflow(device, err):
    check_error(device, err, DATA, MESSAGES.get(err.name), config=SOFT)


def _sampler_runs(seed, runs=3):
    with tg.Graph().as_default():
        tg.set_random_seed(seed)
        s = tg.nn.log_uniform_candidate_sampler(np.array([[1], [2]], np.int64), 1, 8, True, 100)
        with tg.Session() as sess:
            return [sess.run(s.sampled_candidates).tolist() for _ in range(runs)]


def test_each_run_draws_afresh_and_a_new_session_starts_over():
    first = _sampler_runs(11)
    assert first[0] != first[1] != first[2]
    assert _sampler_runs(11) == first
    assert all(len(set(run)) == 8 for run in first)          # unique


def test_samplers_and_losses_have_no_gradient_through_the_samples():
    with tg.Graph().as_default():
        w = tg.Variable(np.ones((20, 4), np.float32))
        b = tg.Variable(np.zeros(20, np.float32))
        x = tg.constant(np.ones((3, 4), np.float32))
        loss = tg.reduce_mean(tg.nn.nce_loss(w, b, np.array([[1], [2], [3]]), x, num_sampled=5, num_classes=20))
        gw, gb = tg.gradients(loss, [w, b])
        assert isinstance(gw, tg.IndexedSlices)                   # only the rows looked up
        train = tg.train.GradientDescentOptimizer(0.5).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            before = sess.run(loss)
            for _ in range(20):
                sess.run(train)
            assert sess.run(loss) < before


def test_a_missing_vocabulary_file_is_not_found(tmp_path):
    missing = str(tmp_path / "vocab.csv")
    with tg.Graph().as_default():
        s = tg.nn.fixed_unigram_candidate_sampler(np.array([[0]], np.int64), 1, 2, True, 3, vocab_file=missing)
        with tg.Session() as sess:
            with pytest.raises(tg.errors.NotFoundError, match="vocab.csv; No such file or directory"):
                sess.run(s.sampled_candidates)


def test_a_vocabulary_line_without_a_count_is_refused(tmp_path):
    vocab = tmp_path / "vocab.csv"
    vocab.write_text("the,50\nof,many\n")
    with tg.Graph().as_default():
        s = tg.nn.fixed_unigram_candidate_sampler(np.array([[0]], np.int64), 1, 1, True, 2, vocab_file=str(vocab))
        with tg.Session() as sess:
            with pytest.raises(tg.errors.InvalidArgumentError, match="Wrong vocabulary format at line: of,many"):
                sess.run(s.sampled_candidates)
