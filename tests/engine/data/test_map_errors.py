"""A user function that fails on one element: TensorFlow's message (the transformation and its iterator) with
the element it was given: its index in the transformation's input and, read from a file, the file and the
record. The message TensorFlow gives after those words is compared in test_dataset_ops.py."""
import numpy as np
import pytest

import tagraph.compat.v1 as tf
from dataset_reference import FILES, read_steps

EXAMPLES = str(FILES / "examples.tfrecord")       # labels 0..9, one Example a record
FEATURES = {"x": tf.FixedLenFeature([3], tf.float32), "label": tf.FixedLenFeature([], tf.int64)}


def _label_lookup(record):
    # Fails on labels >= 3: "indices = 3 is not in [0, 3)".
    return tf.gather(tf.constant([0, 1, 2]), tf.parse_single_example(record, FEATURES)["label"])


def _steps(make, n):
    """``n`` elements of the dataset ``make()`` builds: ints, or the first line of the error's message."""
    return [got[1].split("\n")[0] if isinstance(got, tuple) else got for got in read_steps(make, n, int)]


@pytest.mark.parametrize("parallel", [None, 3], ids=["map", "parallel_map"])
def test_a_failure_names_the_input_element_its_file_and_record(parallel):
    got = _steps(lambda: tf.data.TFRecordDataset([EXAMPLES]).skip(1).map(_label_lookup, num_parallel_calls=parallel),
                 4)
    kind = "MapDataset" if parallel is None else "ParallelMapDatasetV2"
    prefix = "Iterator::Root::Map" if parallel is None else "Iterator::Root::ParallelMapV2"
    assert got[:2] == [1, 2]
    assert got[2] == ("Error in user-defined function passed to %s transformation with iterator: %s, on input "
                      "element 2 (record 3 of %s): indices = 3 is not in [0, 3)" % (kind, prefix, EXAMPLES))
    assert "on input element 3 (record 4 of %s)" % EXAMPLES in got[3]


def test_the_record_counts_in_its_own_file_through_interleave():
    got = _steps(lambda: tf.data.Dataset.from_tensor_slices([EXAMPLES, EXAMPLES]).interleave(
        tf.data.TFRecordDataset, cycle_length=2, block_length=4).map(_label_lookup), 6)
    assert got[:3] == [0, 1, 2]
    assert "on input element 3 (record 3 of %s)" % EXAMPLES in got[3]
    assert got[4:] == [0, 1]


def test_elements_of_tensors_are_named_by_index():
    got = _steps(lambda: tf.data.Dataset.from_tensor_slices(np.array([0, 5, 1, 7])).map(
        lambda i: tf.gather(tf.constant([10, 11]), i)), 4)
    assert got[0] == 10 and got[2] == 11
    assert got[1].endswith("Iterator::Root::Map, on input element 1: indices = 5 is not in [0, 2)")
    assert "on input element 3:" in got[3]


def test_filter_and_flat_map_name_the_element_too():
    filtered = _steps(lambda: tf.data.Dataset.range(4).filter(
        lambda i: tf.gather(tf.constant([True, False, True]), i)), 3)
    assert "passed to FilterDataset transformation with iterator: Iterator::Root::Filter, on input element 3:" \
        in filtered[2]
    flat = _steps(lambda: tf.data.Dataset.range(3).flat_map(
        lambda i: tf.data.Dataset.range(tf.gather(tf.constant([1, 1], tf.int64), i))), 3)
    assert "Iterator::Root::FlatMap, on input element 2:" in flat[2]
