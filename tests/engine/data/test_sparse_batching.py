"""``unbatch`` and ``padded_batch`` of datasets with SparseTensor components, against what TensorFlow 2.21 gave
(tests/data/data/record_sparse_batching.py): unbatch gives each row of a batched SparseTensor with the batch's
dense shape past its first dimension; padded_batch refuses sparse components, as TensorFlow's does."""
import importlib.util
import json

import numpy as np
import pytest

import tagraph.compat.v1 as tf
from dataset_reference import DATA, FILES, RECORD, assert_like_tensorflow


def _load():
    spec = importlib.util.spec_from_file_location("record_sparse_batching", DATA / "record_sparse_batching.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SPARSE = _load()
with np.load(DATA / "sparse_batching.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
ABOUT = json.loads((DATA / "sparse_batching.json").read_text())


@pytest.mark.parametrize("name", sorted(SPARSE.CASES))
def test_reads_what_tensorflow_reads(name, monkeypatch):
    # dataset_reference compares against record_datasets' arrays: point it at this recording.
    monkeypatch.setattr("dataset_reference.expected", lambda n: RECORD.decode(n, ARRAYS))
    with tf.Graph().as_default():
        dataset = SPARSE.CASES[name](tf, FILES)
        about = RECORD.describe(tf, dataset)
        nxt = tf.data.make_one_shot_iterator(dataset).get_next()
        with tf.Session() as sess:
            steps = RECORD.read_steps(tf, sess, nxt, RECORD.STEPS)
    assert_like_tensorflow(name, steps)
    # the element types and static shapes, and the dataset ops of the graph (unbatch's MapDataset included)
    assert about == ABOUT["cases"][name]


@pytest.mark.parametrize("name", sorted(SPARSE.BUILD_ERRORS))
def test_build_errors_are_tensorflows(name):
    cls, message = ABOUT["build_errors"][name]
    with tf.Graph().as_default():
        with pytest.raises(Exception) as info:
            SPARSE.BUILD_ERRORS[name](tf)
    assert type(info.value).__name__ == cls, (info.value, cls, message)
    got = str(info.value)
    if name == "unbatch_sparse_scalar":
        # The message ends with the SparseTensor, which each library prints its own way.
        head = "Unbatching a sparse tensor is only supported for rank >= 1. Obtained input: SparseTensor("
        assert message.startswith(head) and got.startswith(head), got
    else:
        assert got == message


def test_unbatched_rows_take_the_batch_dense_shape_and_feed_a_map():
    with tf.Graph().as_default():
        sp = tf.SparseTensor([[0, 0], [1, 2], [1, 3]], [1.0, 2.0, 3.0], [2, 4])
        ds = tf.data.Dataset.from_tensors(sp).unbatch().map(lambda s: tf.sparse.to_dense(s) * 2.0)
        nxt = tf.data.make_one_shot_iterator(ds).get_next()
        with tf.Session() as sess:
            assert sess.run(nxt).tolist() == [2.0, 0.0, 0.0, 0.0]
            assert sess.run(nxt).tolist() == [0.0, 0.0, 4.0, 6.0]
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(nxt)
