"""batch() over file readers takes a batch of records at once (``next_strings``, through TFRecordDataset's
flat_map too): the same batches, errors and following batches as element by element, across files,
damaged files, missing files and the end of the data."""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.data import dataset_kernels
from tagraph.engine.framework.tfrecord import TFRecordWriter
from tagraph.serialization import dataset_readers
from dataset_reference import read_steps

FILES = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "data" / "files"


def steps(make, n=12, batched=True, monkeypatch=None):
    if not batched:
        monkeypatch.delattr(dataset_readers._FileIterator, "next_strings")
        monkeypatch.delattr(dataset_kernels._FunctionIterator, "next_strings")
    try:
        return read_steps(make, n, lambda v: (type(v).__name__, v.dtype, v.tolist()))
    finally:
        monkeypatch.undo()


def both(monkeypatch, make, n=12):
    fast = steps(make, n, True, monkeypatch)
    slow = steps(make, n, False, monkeypatch)
    assert fast == slow
    return fast


@pytest.fixture
def files(tmp_path):
    paths = []
    for f, count in enumerate([5, 0, 9, 1]):
        paths.append(str(tmp_path / ("f%d.tfrecord" % f)))
        with TFRecordWriter(paths[-1]) as w:
            for i in range(count):
                w.write(b"%d-%d\x00" % (f, i))
    return paths


@pytest.mark.parametrize("size, drop", [(1, False), (4, False), (4, True), (15, False), (100, False)])
def test_batches_across_files(monkeypatch, files, size, drop):
    got = both(monkeypatch, lambda: tg.data.TFRecordDataset(files).batch(size, drop_remainder=drop), n=17)
    assert got[-1][0] == "OutOfRangeError"
    flat = [r for step in got if step[0] == "ndarray" for r in step[2]]
    assert len(flat) == (15 // size * size if drop else 15)
    assert flat[:2] == [b"0-0\x00", b"0-1\x00"][:len(flat)]


def test_damaged_and_missing_files_fail_their_batch_and_the_next_file_follows(monkeypatch, files, tmp_path):
    # A missing file fails each request (it is tried again): last, after the others.
    names = [str(FILES / "corrupted.tfrecord"), files[0], str(FILES / "truncated.tfrecord"), files[2],
             str(tmp_path / "missing.tfrecord")]
    got = both(monkeypatch, lambda: tg.data.TFRecordDataset(names).batch(3), n=14)
    kinds = [s[0] for s in got]
    assert kinds.count("DataLossError") == 2 and kinds[-2:] == ["NotFoundError"] * 2
    assert kinds[1] == "ndarray" and got[1][2][0] == b"0-0\x00" and got[1][2][1:3] == [b"0-1\x00", b"0-2\x00"]


def test_flat_map_over_files_and_text_lines(monkeypatch, files):
    got = both(monkeypatch, lambda: tg.data.Dataset.from_tensor_slices(files).flat_map(
        lambda f: tg.data.TFRecordDataset(f)).batch(4))
    assert got[0] == ("ndarray", np.dtype(object), [b"0-0\x00", b"0-1\x00", b"0-2\x00", b"0-3\x00"])
    both(monkeypatch, lambda: tg.data.TextLineDataset([str(FILES / "lines.txt"), str(FILES / "more.txt")]).batch(2))


def test_other_elements_batch_element_by_element(monkeypatch, files):
    # A map between reader and batch, and a padded batch: no records at once, the same batches.
    both(monkeypatch, lambda: tg.data.TFRecordDataset(files).map(lambda r: tg.strings.length(r)).batch(4))
    both(monkeypatch, lambda: tg.data.TFRecordDataset(files).padded_batch(4, padded_shapes=[]))
