"""What real TensorFlow's input pipelines gave (tests/data/data/record_datasets.py), and the checks that replay
them in tagraph: the same elements in the same order (shuffles: the same elements), the same errors.
The tests of this folder import it by name."""
import importlib.util
import json
import pathlib
import re

import numpy as np

import tagraph.compat.v1 as tf

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "data"
FILES = DATA / "files"


def _load():
    spec = importlib.util.spec_from_file_location("record_datasets", DATA / "record_datasets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load()
with np.load(DATA / "datasets.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
ABOUT = json.loads((DATA / "datasets.json").read_text())
RECORDED_FILES = str(ARRAYS["files"])
# A user function's failure: TensorFlow names the op with a number and its iterator's prefix, which its
# optimizations change (MapDataset:125, Iterator::Root::ParallelMapV2); the failure itself must be the same.
_USER_FUNCTION = "Error in user-defined function passed to "
_RAGGED = "Cannot add tensor to the batch: number of elements does not match."


def expected(name):
    return RECORD.decode(name, ARRAYS)


def _message_matches(got, want):
    want = want.replace(RECORDED_FILES, str(FILES))
    if want.startswith(_USER_FUNCTION):
        return got.startswith(_USER_FUNCTION + want[len(_USER_FUNCTION):].split(":")[0].split(" ")[0]) and \
            got.split(": ", 2)[-1] == want.split(": ", 2)[-1]
    if want.startswith(_RAGGED):
        # TensorFlow copies a batch's elements in parallel: which of two shapes it calls the batch's varies.
        shapes = lambda m: sorted(re.findall(r"\[[0-9,]*\]", m))  # noqa: E731
        return got.startswith(_RAGGED) and shapes(got) == shapes(want)
    # tagraph's DataLossErrors add the file they read after TensorFlow's message.
    return got == want or got.startswith(want + " (reading ")


def _elements(steps):
    """Every value of every element, as one sorted list: what a shuffle keeps."""
    return sorted(v for s in steps if s[0] == "ok" for c in s[1] for v in np.asarray(c).ravel().tolist())


def assert_like_tensorflow(name, got):
    """``got`` (steps of reading a case in tagraph) against TensorFlow's steps of case ``name``."""
    want = expected(name)
    assert [s[0] for s in got] == [s[0] for s in want], "%s: %s\nTensorFlow: %s" % (name, got, want)
    if name in RECORD.UNORDERED:
        assert _elements(got) == _elements(want), name
        return
    for i, (g, w) in enumerate(zip(got, want)):
        if g[0] == "error":
            assert g[1] == w[1] and _message_matches(g[2], w[2]), "%s step %d: %s\nTensorFlow: %s" % (
                name, i, g[1:], w[1:])
            continue
        assert len(g[1]) == len(w[1]), "%s step %d: %d components, TensorFlow %d" % (name, i, len(g[1]), len(w[1]))
        for k, (a, b) in enumerate(zip(g[1], w[1])):
            assert a.dtype != object or all(isinstance(v, bytes) for v in a.ravel()), \
                "%s step %d component %d holds %r, not strings" % (name, i, k, a)
            a = RECORD.storable(a)
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), \
                "%s step %d component %d: %r, TensorFlow: %r" % (name, i, k, a, b)


def run_case(name):
    """The steps of reading CASES[name] in tagraph, and its dataset's description."""
    return RECORD.run_case(tf, RECORD.CASES[name], FILES)


def run_iterator_case(name):
    return RECORD.run_iterator_case(tf, RECORD.ITERATOR_CASES[name], FILES)


def read_steps(make, n, describe):
    """``n`` get_next calls on a one-shot iterator of the dataset ``make()`` builds, in a new graph: each
    ``describe(value)``, or (error class name, message)."""
    with tf.Graph().as_default():
        x = tf.data.make_one_shot_iterator(make()).get_next()
        out = []
        with tf.Session() as sess:
            for _ in range(n):
                try:
                    out.append(describe(sess.run(x)))
                except tf.errors.OpError as e:
                    out.append((type(e).__name__, e.message))
        return out
