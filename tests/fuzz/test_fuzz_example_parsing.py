"""Serialized ``tf.Example``s through ParseExampleV2 (what classify/regress signatures and the REST
``examples`` bodies feed): malformed protos, wrong feature types, wrong value counts. Documented outcome:
a result or InvalidArgumentError (any tg.errors.*)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import example_pb2

from fuzz_harness import check, fuzz_settings, mutate, mutations

_GRAPH = tg.Graph()
with _GRAPH.as_default():
    _SERIALIZED = tg.placeholder(tg.string, [None], name="serialized")
    _FEATURES = tg.parse_example(_SERIALIZED, {
        "x": tg.FixedLenFeature([2], tg.float32, default_value=[0.0, 1.0]),
        "required": tg.FixedLenFeature([], tg.int64),
        "seq": tg.FixedLenSequenceFeature([2], tg.float32, allow_missing=True),
        "tags": tg.VarLenFeature(tg.string),
        "ids": tg.VarLenFeature(tg.int64),
    })
_SESSION = tg.Session(graph=_GRAPH)


def _parse(batch):
    return _SESSION.run(_FEATURES, {_SERIALIZED: batch})


def _example(draw):
    ex = example_pb2.Example()
    for key in draw(st.lists(st.sampled_from(["x", "required", "seq", "tags", "ids", "other", ""]), max_size=6)):
        f = ex.features.feature[key]
        kind = draw(st.integers(0, 3))
        if kind == 0:
            f.float_list.value.extend(draw(st.lists(st.floats(width=32), max_size=5)))
        elif kind == 1:
            f.int64_list.value.extend(draw(st.lists(st.integers(-2**63, 2**63 - 1), max_size=5)))
        elif kind == 2:
            f.bytes_list.value.extend(draw(st.lists(st.binary(max_size=5), max_size=5)))
        # kind 3: a Feature with no list set
    return ex.SerializeToString()


@st.composite
def batches(draw):
    return [_example(draw) for _ in range(draw(st.integers(0, 4)))]


@fuzz_settings(200)
@given(batches())
def test_structured_examples(batch):
    check("tf.Example", _parse, batch, input_size=sum(len(b) for b in batch))


def _valid_example():
    ex = example_pb2.Example()
    ex.features.feature["x"].float_list.value.extend([1.5, 2.5])
    ex.features.feature["required"].int64_list.value.append(7)
    ex.features.feature["seq"].float_list.value.extend([1, 2, 3, 4])
    ex.features.feature["tags"].bytes_list.value.extend([b"a", b"b"])
    ex.features.feature["ids"].int64_list.value.extend([3, 4, 5])
    return ex.SerializeToString()


_SEED = _valid_example()


@fuzz_settings(200)
@given(mutations(st), st.integers(1, 3))
def test_mutated_examples(ops, copies):
    batch = [mutate(_SEED, ops)] * copies
    check("tf.Example", _parse, batch, input_size=sum(len(b) for b in batch))


def test_valid_example_parses():
    out = _parse([_SEED])
    np.testing.assert_array_equal(out["x"], [[1.5, 2.5]])
    assert out["required"].tolist() == [7]
    assert out["seq"].shape == (1, 2, 2)
    assert out["tags"].values.tolist() == [b"a", b"b"]


@pytest.mark.parametrize("data", [b"\xff", b"\x0a\x05", b"\x0a\x03\x0a\x01\x00"])
def test_garbage_is_invalid_argument(data):
    with pytest.raises(errors.InvalidArgumentError):
        _parse([data])


def teardown_module(module):
    _SESSION.close()
