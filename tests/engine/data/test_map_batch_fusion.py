"""map(parse_single_example).batch(n) parses each batch at once: the same batches, the same errors (naming the
element, its file and record) and the same batches after an error as the map run record by record, across
files, partial and dropped batches, parallel maps; and maps that do more than one parse keep their own path."""
import json

import numpy as np
import pytest

import tagraph.compat.v1 as tf
from tagraph.engine.data import map_batch_fusion
from tagraph.engine.framework.tfrecord import TFRecordWriter
from tagraph.protos import example_pb2
from tagraph.serialization import import_meta_graph
from dataset_reference import DATA, read_steps

FEATURES = {"x": tf.FixedLenFeature([3], tf.float32),
            "label": tf.FixedLenFeature([], tf.int64),
            "name": tf.FixedLenFeature([], tf.string, default_value=b"none"),
            "grid": tf.FixedLenFeature([2, 2], tf.int64, default_value=[[0, 0], [0, 0]])}


def _example(i, f):
    ex = example_pb2.Example()
    feature = ex.features.feature
    feature["x"].float_list.value.extend([i, -i, 0.5 * f])
    feature["label"].int64_list.value.append(10 * f + i)
    if i % 2:
        feature["name"].bytes_list.value.append(b"r%d-%d" % (f, i))
        feature["grid"].int64_list.value.extend([i, f, 1, 2])
    return ex.SerializeToString()


BAD = {"not an Example": b"\xff\xff\x07garbage",
       "a float where an int64 belongs": None,
       "a required feature missing": b""}


def _bad_record(kind):
    if kind == "a float where an int64 belongs":
        ex = example_pb2.Example.FromString(_example(1, 9))
        ex.features.feature["label"].ClearField("int64_list")
        ex.features.feature["label"].float_list.value.append(1.0)
        return ex.SerializeToString()
    return BAD[kind]


@pytest.fixture
def files(tmp_path):
    paths = []
    for f, count in enumerate([5, 0, 9, 1]):
        paths.append(str(tmp_path / ("f%d.tfrecord" % f)))
        with TFRecordWriter(paths[-1]) as w:
            for i in range(count):
                w.write(_example(i, f))
    return paths


def _bad_file(tmp_path, kind, at):
    path = str(tmp_path / "bad.tfrecord")
    with TFRecordWriter(path) as w:
        for i in range(7):
            w.write(_bad_record(kind) if i == at else _example(i, 7))
    return path


def steps(make, n, fused, monkeypatch):
    """Each get_next's dict of arrays, or (error class, message): with the fused path, or without it."""
    if not fused:
        monkeypatch.setattr(map_batch_fusion, "parses_one_example", lambda fn: False)
    try:
        return read_steps(make, n, lambda v: {k: (a.dtype, a.shape, a.tolist())
                                              for k, a in (v if isinstance(v, dict) else {"": v}).items()})
    finally:
        monkeypatch.undo()


def _fused_iterators(monkeypatch):
    """A list that gets an entry for each batched-parse iterator made from now on."""
    made = []
    real = map_batch_fusion.ParsedBatches
    monkeypatch.setattr(map_batch_fusion, "ParsedBatches", lambda *a: made.append(1) or real(*a))
    return made


def both(monkeypatch, make, n=8, expect_fused=True):
    made = _fused_iterators(monkeypatch)
    fast = steps(make, n, True, monkeypatch)
    assert bool(made) == expect_fused
    slow = steps(make, n, False, monkeypatch)
    assert fast == slow
    return fast


def parse(record):
    return tf.parse_single_example(record, FEATURES)


@pytest.mark.parametrize("size, drop", [(1, False), (4, False), (4, True), (15, False), (100, True)])
def test_batches_across_files(monkeypatch, files, size, drop):
    got = both(monkeypatch, lambda: tf.data.TFRecordDataset(files).map(parse).batch(size, drop_remainder=drop),
               n=17)
    batches = [b for b in got if isinstance(b, dict)]
    assert got[len(batches)][0] == "OutOfRangeError"
    assert sum(b["label"][1][0] for b in batches) == (15 // size * size if drop else 15)
    if batches:
        first = batches[0]
        assert first["x"][0] == np.float32 and first["x"][1] == (min(size, 15), 3)
        assert first["name"][2][:2] == [b"none", b"r0-1"][:size] and first["grid"][1][1:] == (2, 2)


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("at", [0, 2, 6])
def test_a_bad_record_fails_as_its_own_map_call_and_the_rest_follow(monkeypatch, files, tmp_path, kind, at):
    names = [files[0], _bad_file(tmp_path, kind, at), files[3]]
    got = both(monkeypatch, lambda: tf.data.TFRecordDataset(names).map(parse).batch(4), n=6)
    errors = [s for s in got if isinstance(s, tuple) and s[0] != "OutOfRangeError"]
    assert len(errors) == 1 and errors[0][0] == "InvalidArgumentError"
    assert "on input element %d (record %d of %s)" % (5 + at, at, names[1]) in errors[0][1]
    # As in TensorFlow, the records the failing batch had taken before the bad one are dropped with it.
    assert sum(b["label"][1][0] for b in got if isinstance(b, dict)) == 12 - (5 + at) % 4


def test_a_bad_record_in_a_batch_that_goes_on_into_the_next_file(monkeypatch, files, tmp_path):
    names = [_bad_file(tmp_path, "not an Example", 6), files[3], files[2]]
    got = both(monkeypatch, lambda: tf.data.TFRecordDataset(names).map(parse).batch(4), n=6)
    assert "on input element 6 (record 6 of %s)" % names[0] in got[1][1]
    assert got[2]["label"][2] == [30, 20, 21, 22]
    both(monkeypatch, lambda: tf.data.Dataset.from_tensor_slices(names).flat_map(tf.data.TFRecordDataset).map(
        parse).batch(4), n=6)


def test_a_bad_record_in_the_dropped_remainder_still_fails(monkeypatch, tmp_path):
    # 7 records, batches of 4 with the remainder dropped: the bad record is in the 3 that are dropped,
    # and the map still runs on them before the batch knows it is short.
    path = _bad_file(tmp_path, "a required feature missing", 5)
    got = both(monkeypatch, lambda: tf.data.TFRecordDataset([path]).map(parse).batch(4, drop_remainder=True), n=4)
    assert isinstance(got[0], dict) and "on input element 5 (record 5 of %s)" % path in got[1][1]
    assert [s[0] for s in got[2:]] == ["OutOfRangeError"] * 2


def test_compressed_and_interleaved_files(monkeypatch, files, tmp_path):
    from tagraph.engine.framework.tfrecord import TFRecordOptions
    gz = str(tmp_path / "records.gz")
    with TFRecordWriter(gz, TFRecordOptions("GZIP")) as w:
        for i in range(6):
            w.write(_example(i, 5))
        w.write(_bad_record("not an Example"))
    both(monkeypatch, lambda: tf.data.TFRecordDataset([gz], compression_type="GZIP").map(parse).batch(4), n=4)
    both(monkeypatch, lambda: tf.data.TFRecordDataset(files, num_parallel_reads=2).map(parse).batch(3))


def test_parallel_maps_identities_and_repeats(monkeypatch, files):
    both(monkeypatch, lambda: tf.data.TFRecordDataset(files).map(parse, num_parallel_calls=3).batch(4))
    both(monkeypatch, lambda: tf.data.TFRecordDataset(files).repeat(2).map(
        lambda r: {k: tf.identity(v) for k, v in parse(r).items()}).batch(6))
    both(monkeypatch, lambda: tf.data.TFRecordDataset(files).shuffle(4, seed=3).map(parse).batch(5), n=5)


def test_maps_that_do_more_keep_their_path(monkeypatch, files):
    # More ops than the parse, a sparse feature, a sequence feature, elements that are not scalars.
    ds = lambda: tf.data.TFRecordDataset(files)  # noqa: E731
    both(monkeypatch, lambda: ds().map(lambda r: parse(r)["x"] * 2.0).batch(4), expect_fused=False)
    both(monkeypatch, lambda: ds().map(lambda r: tf.parse_single_example(r, {"label": tf.VarLenFeature(tf.int64)})
                                       ["label"].values).padded_batch(4, [None]), expect_fused=False)
    both(monkeypatch, lambda: ds().map(lambda r: tf.parse_single_example(
        r, {"x": tf.FixedLenSequenceFeature([], tf.float32, allow_missing=True)})).batch(1), expect_fused=False)
    both(monkeypatch, lambda: ds().batch(2).map(lambda r: tf.parse_example(r, FEATURES)).batch(2),
         expect_fused=False)
    both(monkeypatch, lambda: ds().map(lambda r: parse(r)["x"]).batch(4))


def test_tensorflows_own_pipeline_graph_parses_a_batch_at_once(monkeypatch):
    # TensorFlow's meta graph of a training program (MapDataset(ParseExampleV2) -> BatchDatasetV2 inside a
    # flat_map's function): its map takes the batched parse, and the losses are still TensorFlow's.
    expected = json.loads((DATA / "train.json").read_text())
    monkeypatch.chdir(DATA)
    made = _fused_iterators(monkeypatch)
    with tf.Graph().as_default():
        import_meta_graph(str(DATA / "train_program.meta"))
        with tf.Session() as sess:
            sess.run(expected["init"])
            losses = [float(sess.run([expected["loss"], expected["train"]])[0]) for _ in range(5)]
    assert made
    np.testing.assert_allclose(losses, expected["losses"], rtol=2e-6)
