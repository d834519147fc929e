"""Records what real TensorFlow's ``unbatch`` and ``padded_batch`` do with SparseTensor components, for
tests/engine/data/test_sparse_batching.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/data/record_sparse_batching.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

Writes, beside this script, ``sparse_batching.npz`` (the steps of reading each case of :data:`CASES`, encoded
as record_datasets.py encodes them) and ``sparse_batching.json`` (each case's element types and static
shapes, and for each case of :data:`BUILD_ERRORS` the error class and message TensorFlow raised while building
the dataset). A case builds with a TensorFlow-1 namespace ``tf``; importing this file needs only numpy.
"""
import importlib.util
import json
import os
import pathlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def _load_datasets_recorder():
    spec = importlib.util.spec_from_file_location("record_datasets", HERE / "record_datasets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DATASETS = _load_datasets_recorder()
_sparse, _varlen, _varlen_examples = DATASETS._sparse, DATASETS._varlen, DATASETS._varlen_examples


def _parsed(tf):
    return tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).map(
        lambda r: tf.parse_single_example(r, _varlen(tf)))


def _scalar_sparse(tf):
    return tf.SparseTensor(indices=np.zeros([1, 0], np.int64), values=np.float32([2.5]),
                           dense_shape=np.zeros([0], np.int64))


CASES = {
    # each row of a batched SparseTensor, with the batch's dense shape past the first dimension
    "sparse_slices_batch_unbatch": lambda tf, files: tf.data.Dataset.from_tensor_slices(_sparse(tf)).batch(3)
    .unbatch(),
    "sparse_parse_batch_unbatch": lambda tf, files: _parsed(tf).batch(2).unbatch(),
    "sparse_parse_example_unbatch": lambda tf, files: tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).batch(3)
    .map(lambda r: tf.parse_example(r, _varlen(tf))).unbatch(),
    "sparse_tuple_unbatch": lambda tf, files: tf.data.Dataset.from_tensor_slices((_sparse(tf), np.arange(4))).batch(3)
    .unbatch(),
    "sparse_from_tensors_unbatch": lambda tf, files: tf.data.Dataset.from_tensors(_sparse(tf)).unbatch(),
    "sparse_unbatch_batch": lambda tf, files: _parsed(tf).batch(3).unbatch().batch(2),
    "sparse_unbatch_map": lambda tf, files: _parsed(tf).batch(2).unbatch().map(
        lambda e: (e["v"].values * 2.0, e["tags"].dense_shape, e["id"])),
    "sparse_experimental_unbatch": lambda tf, files: tf.data.Dataset.from_tensor_slices(_sparse(tf)).batch(2).apply(
        tf.data.experimental.unbatch()),
}

BUILD_ERRORS = {
    "padded_batch_sparse": lambda tf: tf.data.Dataset.from_tensor_slices(_sparse(tf)).padded_batch(2),
    "padded_batch_sparse_in_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.arange(4), _sparse(tf))).padded_batch(2, padded_shapes=([], [None])),
    "padded_batch_parsed": lambda tf: _parsed(tf).padded_batch(2),
    "padded_batch_datasets": lambda tf: tf.data.Dataset.range(4).window(2).padded_batch(2),
    "unbatch_scalar": lambda tf: tf.data.Dataset.range(3).unbatch(),
    "unbatch_scalar_in_tuple": lambda tf: tf.data.Dataset.from_tensor_slices((_sparse(tf), np.arange(4))).unbatch(),
    "unbatch_sparse_scalar": lambda tf: tf.data.Dataset.from_tensors(_scalar_sparse(tf)).unbatch(),
    "unbatch_leading_mismatch": lambda tf: tf.data.Dataset.from_tensors((np.zeros([2, 3]), np.zeros([3]))).unbatch(),
}


def build_error(tf, build):
    """(class name, message) of the error ``build(tf)`` raises while building, in a graph of its own."""
    with tf.Graph().as_default():
        try:
            build(tf)
        except Exception as e:  # noqa: BLE001 - the error is what is recorded
            return [type(e).__name__, str(e)]
    raise AssertionError("no error")


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out_dir = pathlib.Path(os.environ.get("TAGRAPH_RECORD_DIR", HERE))
    data, about = {}, {"cases": {}, "build_errors": {}}
    for name, build in CASES.items():
        steps, about["cases"][name] = DATASETS.run_case(tf, build, None)
        DATASETS.encode(name, steps, data)
    for name, build in BUILD_ERRORS.items():
        about["build_errors"][name] = build_error(tf, build)
    np.savez(out_dir / "sparse_batching.npz", **data)
    (out_dir / "sparse_batching.json").write_text(json.dumps(about, indent=1, sort_keys=True) + "\n")
    print("wrote %d arrays, %d cases, %d build errors" % (len(data), len(CASES), len(BUILD_ERRORS)))


if __name__ == "__main__":
    main()
