"""Random ops against TensorFlow's own numbers (tests/data/tf_ops/record_random.py): the raw ops for many seeds,
dtypes and sizes, run twice (the stream goes on), bit for bit, on the CPU and a simulated GPU; the graph seed
rule; seeded initializers; shuffle, multinomial and gamma; the kernels' errors. The Philox generator itself is
checked against the Random123 known-answer vectors."""
import builtins
import importlib.util
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops import philox, random_ops

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_random", DATA / "record_random.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "random.npz") as _f:
    RECORDED = {k: _f[k] for k in _f.files}


def _same_bits(got, want, what):
    got = np.asarray(got)
    got = got.astype("S") if got.dtype == object else got
    assert got.dtype == want.dtype and got.shape == want.shape, (what, got.dtype, got.shape, want.dtype, want.shape)
    assert got.tobytes() == want.tobytes(), (what, got.reshape(-1)[:8], want.reshape(-1)[:8])


def _raw(op_type, inputs, attrs, feedable=False):
    return RECORD.build_raw(tg, op_type, inputs, attrs, tg.make_op, feedable)


@pytest.mark.parametrize("name", sorted(RECORD.RAW))
def test_raw_ops_give_tensorflows_values_bit_for_bit(name, device):
    op_type, inputs, attrs = RECORD.RAW[name]
    with tg.Graph().as_default(), tg.device(device):
        out = _raw(op_type, inputs, attrs)
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            runs = [sess.run(out), sess.run(out)]
    for r, got in enumerate(runs):
        _same_bits(got, RECORDED["%s:run%d:0" % (name, r)], (name, r))


@pytest.mark.parametrize("name", sorted(RECORD.GRAPHS))
def test_tensorflow_1_programs_draw_tensorflows_numbers(name, monkeypatch):
    # Multinomial's rows are split by the intra-op thread count: the recording machine's.
    monkeypatch.setattr(random_ops, "_intra_op_threads", lambda: int(RECORDED["threads"]))
    with tf.Graph().as_default() as g:
        outs = RECORD.GRAPHS[name](tf)
        seeds = [[op.get_attr("seed"), op.get_attr("seed2")] for op in g.get_operations()
                 if op.type in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
                                "RandomShuffle", "Multinomial", "RandomGamma")]
        assert seeds == RECORDED[name + ":seeds"].tolist()
        # tg.nn.dropout ends in a Mul by the mask where TensorFlow's ends in a SelectV2 (its names differ; its
        # values, checked below, do not).
        if name != "dropout":
            assert [t.name for t in outs] == str(RECORDED[name + ":names"]).split("\n")
        with tf.Session() as sess:
            runs = []
            for _ in range(2):
                if name == "initializers":
                    sess.run(tf.global_variables_initializer())
                runs.append(sess.run(outs))
    for r, got in enumerate(runs):
        for k, v in enumerate(got):
            _same_bits(v, RECORDED["%s:run%d:%d" % (name, r, k)], (name, r, k))


def test_new_sessions_start_the_stream_again_and_unseeded_ops_differ():
    with tg.Graph().as_default():
        seeded = tg.random_uniform([5], seed=3)
        unseeded = tg.random_uniform([5])
        assert unseeded.op.get_attr("seed") == 0 and unseeded.op.get_attr("seed2") == 0
        with tg.Session() as s1:
            a, u1 = s1.run([seeded, unseeded])
        with tg.Session() as s2:
            b, u2 = s2.run([seeded, unseeded])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(u1, u2)


def test_get_seed_follows_the_graph_counter():
    with tg.Graph().as_default():
        assert tg.get_seed(None) == (None, None)
        assert tg.get_seed(5) == (87654321, 5)
        tg.set_random_seed(3)
        assert [tg.get_seed(None) for _ in range(3)] == [(3, 0), (3, 1), (3, 2)]
        assert tg.get_seed(2**31 + 4) == (3, 5)


@pytest.mark.parametrize("name", sorted(RECORD.ERRORS))
def test_bad_inputs_fail_as_tensorflows_kernels_do(name):
    op_type, inputs, attrs = RECORD.ERRORS[name]
    cls, message = str(RECORDED[name + ":error"]).split("\n", 1)
    with tg.Graph().as_default():
        out = _raw(op_type, inputs, attrs, feedable=True)
        with tg.Session() as sess:
            with pytest.raises(getattr(errors, cls)) as info:
                sess.run(out)
    assert info.value.message.split("\n")[0] == message


@pytest.mark.parametrize("name", sorted(RECORD.BUILD_ERRORS))
def test_bad_arguments_fail_while_building(name):
    cls, message = str(RECORDED[name + ":error"]).split("\n", 1)
    with tf.Graph().as_default():
        with pytest.raises(getattr(builtins, cls)) as info:
            RECORD.BUILD_ERRORS[name](tf)
    assert str(info.value) == message


def test_empty_outputs_draw_nothing_and_skip_the_bounds_check():
    with tg.Graph().as_default():
        empty = tg.make_op("RandomUniformInt", [tg.constant([0, 3]), tg.constant(5), tg.constant(1)],
                           {"seed": 1, "seed2": 2})
        with tg.Session() as sess:
            assert sess.run(empty).shape == (0, 3)


# Random123's known-answer vectors for Philox4x32-10 (kat_vectors): (counter, key) -> output.
_KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("counter, key, want", _KAT)
def test_philox_matches_random123s_known_answers(counter, key, want):
    counter128 = sum(c << (32 * i) for i, c in enumerate(counter))
    gen = philox.PhiloxRandom(key=key[0] | (key[1] << 32), counter=counter128)
    assert tuple(int(v) for v in gen.blocks(1)[0]) == want


def test_reserve_and_skip_carry_through_the_128_bit_counter():
    gen = philox.PhiloxRandom(key=7, counter=(1 << 64) - 2)
    first = gen.reserve(3)
    assert first.counter == (1 << 64) - 2 and gen.counter == (1 << 64) + 1
    # blocks(n) from a counter equals calls at successive counters, the carry crossing 64 bits included
    expect = np.stack([philox.PhiloxRandom(key=7, counter=(1 << 64) - 2 + i).blocks(1)[0] for i in range(4)])
    np.testing.assert_array_equal(first.blocks(4), expect)
