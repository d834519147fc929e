"""Records what real TensorFlow's input pipelines (``tf.data`` in TensorFlow 1 graphs) give, for
tests/engine/data and tests/interop/test_data_interop.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/data/record_datasets.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead)

Writes, beside this script:

- ``files/``: the input files the pipelines read (TFRecord files written by TensorFlow, plain, GZIP and
  ZLIB, a truncated and a corrupted one; text and fixed-length record files);
- ``datasets.npz``: for each case of :data:`CASES` and :data:`ITERATOR_CASES`, the steps of reading it:
  ``<case>:<i>:<k>`` the k-th component (tf.nest order) of the i-th element, or ``<case>:<i>:error`` the
  error class and TensorFlow's message; ``<case>:steps`` how many steps; strings as bytes arrays; ``files``
  the input folder as the messages name it;
- ``datasets.json``: for each case of :data:`CASES`, its dataset's element types and static shapes (tf.nest
  order) and the types of the dataset ops in its graph;
- ``train_program.meta``, ``train.tfrecord``, ``train.json``: TensorFlow's meta graph of a small training
  program (TFRecordDataset -> map(parse_single_example) -> batch -> repeat, a one-shot iterator, a logistic
  regression, GradientDescent), its input file (named relative to this folder in the graph) and its
  losses over 5 steps; ``program.json``: what ``train_program.py`` (TFRecordDataset -> map -> shuffle ->
  batch -> prefetch) computes in TensorFlow, its import line changed to TensorFlow's;
- ``prefetch_to_device_{cpu,gpu}.meta`` and ``prefetch_to_device.json``: see :func:`write_device_graphs`.

A case builds with a TensorFlow-1 namespace ``tf`` and the input folder, so the tests build the same
pipelines with ``tagraph.compat.v1``; importing this file needs only numpy.
"""
import json
import os
import pathlib
import struct
import sys
import zlib

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
STEPS = 40                  # the most steps a case reads; each reads past its end twice
TRAIN_STEPS = 5
_X = np.arange(24, dtype=np.float32).reshape(6, 4) / 10.0
_WORDS = np.array([b"zero", b"one", b"two", b"three", b"four", b"five"])


# --- input files --------------------------------------------------------------------------------------

def _records(name):
    return [b"%s-%d" % (name.encode(), i) for i in range({"a": 3, "b": 4, "c": 2}[name])]


def _example_bytes(tf, x, label):
    return tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[float(v) for v in x])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
        "word": tf.train.Feature(bytes_list=tf.train.BytesList(value=[_WORDS[int(label) % 6]]))})).SerializeToString(
        deterministic=True)


def write_files(tf, files):
    """The input files, written with TensorFlow's TFRecordWriter (and plain Python for the others)."""
    files.mkdir(parents=True, exist_ok=True)
    for name in ("a", "b", "c"):
        with tf.io.TFRecordWriter(str(files / ("%s.tfrecord" % name))) as w:
            for r in _records(name):
                w.write(r)
    for kind, suffix in (("GZIP", "gz"), ("ZLIB", "zz")):
        with tf.io.TFRecordWriter(str(files / ("b.tfrecord.%s" % suffix)), tf.io.TFRecordOptions(kind)) as w:
            for r in _records("b"):
                w.write(r)
    whole = (files / "b.tfrecord").read_bytes()
    (files / "truncated.tfrecord").write_bytes(whole[:-5])
    bad = bytearray(whole)
    bad[2 * 19 + 12 + 1] ^= 0xFF            # inside the data of the third record (19 bytes a record)
    (files / "corrupted.tfrecord").write_bytes(bytes(bad))
    rng = np.random.default_rng(5)
    with tf.io.TFRecordWriter(str(files / "examples.tfrecord")) as w:
        for i in range(10):
            w.write(_example_bytes(tf, rng.normal(size=3).round(3), i))
    (files / "lines.txt").write_bytes(b"first line\nsecond\r\n\nlast, no newline")
    (files / "more.txt").write_bytes(b"alpha\nbeta\n")
    (files / "lines.txt.gz").write_bytes(_gzip(b"gz one\ngz two\n"))
    (files / "fixed.bin").write_bytes(b"HDR" + b"".join(struct.pack("<i", 10 * i) for i in range(5)) + b"FT")
    (files / "fixed.bin.zz").write_bytes(zlib.compress(b"".join(struct.pack("<i", i) for i in range(4))))


def _gzip(data):
    z = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return z.compress(data) + z.flush()


# --- the cases ----------------------------------------------------------------------------------------

def _parse(tf):
    return {"x": tf.FixedLenFeature([3], tf.float32), "label": tf.FixedLenFeature([], tf.int64),
            "word": tf.FixedLenFeature([], tf.string)}


def _generate():
    for i in range(4):
        yield i, [0.5 * i] * i


def _count_to(n):
    for i in range(n):
        yield i * i


def _bad_then_good():
    yield [1.0, 2.0]
    yield [1.0, 2.0, 3.0]          # the wrong shape: an error in this element's place
    yield [3.0, 4.0]


def _varlen_examples(tf):
    """Serialized Examples whose "tags" and "v" features have 1, 3, 0, 2 and 1 values."""
    out = []
    for i, n in enumerate([1, 3, 0, 2, 1]):
        out.append(tf.train.Example(features=tf.train.Features(feature={
            "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=[_WORDS[(i + k) % 6] for k in range(n)])),
            "v": tf.train.Feature(float_list=tf.train.FloatList(value=[i + k / 4.0 for k in range(n)])),
            "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))})).SerializeToString(deterministic=True))
    return np.array(out, dtype=object)


def _varlen(tf):
    return {"tags": tf.VarLenFeature(tf.string), "v": tf.VarLenFeature(tf.float32),
            "id": tf.FixedLenFeature([], tf.int64)}


def _sparse(tf):
    return tf.SparseTensor(indices=[[0, 1], [0, 3], [2, 0], [3, 2], [3, 3]], values=np.arange(5, dtype=np.float32),
                           dense_shape=[4, 5])


def _f(files, *names):
    return [str(files / n) for n in names]


CASES = {
    # sources
    "slices_tuple": lambda tf, files: tf.data.Dataset.from_tensor_slices((np.arange(6, dtype=np.int32), _X)),
    "slices_dict": lambda tf, files: tf.data.Dataset.from_tensor_slices({"w": _WORDS, "x": _X[:, :2]}),
    "slices_nested": lambda tf, files: tf.data.Dataset.from_tensor_slices(((_X[:, 0], _WORDS), {"k": np.arange(6)})),
    "from_tensors": lambda tf, files: tf.data.Dataset.from_tensors(({"v": [1, 2]}, 3.5)).repeat(3),
    "range_stop": lambda tf, files: tf.data.Dataset.range(5),
    "range_step": lambda tf, files: tf.data.Dataset.range(2, 20, 3),
    "range_down": lambda tf, files: tf.data.Dataset.range(10, 0, -3),
    "range_empty": lambda tf, files: tf.data.Dataset.range(5, 2),
    # batching
    "batch": lambda tf, files: tf.data.Dataset.range(10).batch(3),
    "batch_drop_remainder": lambda tf, files: tf.data.Dataset.range(10).batch(3, drop_remainder=True),
    "batch_tuple": lambda tf, files: tf.data.Dataset.from_tensor_slices((_X, _WORDS)).batch(4),
    "padded_batch": lambda tf, files: tf.data.Dataset.range(1, 6).map(lambda x: tf.fill([x], x)).padded_batch(
        2, padded_shapes=[None]),
    "padded_batch_values": lambda tf, files: tf.data.Dataset.range(1, 5).map(
        lambda x: (tf.fill([tf.cast(x, tf.int32), 2], tf.cast(x, tf.float32)), tf.as_string(x))).padded_batch(
        3, padded_shapes=([5, None], []), padding_values=(-1.0, b"pad")),
    "unbatch": lambda tf, files: tf.data.Dataset.range(12).batch(5).unbatch(),
    # counting
    "repeat_skip_take": lambda tf, files: tf.data.Dataset.range(5).repeat(3).skip(4).take(7),
    "repeat_forever_take": lambda tf, files: tf.data.Dataset.range(3).repeat().take(8),
    "take_all": lambda tf, files: tf.data.Dataset.range(4).take(-1),
    "skip_all": lambda tf, files: tf.data.Dataset.range(4).skip(-1),
    "shard": lambda tf, files: tf.data.Dataset.range(10).shard(3, 1),
    # functions
    "map_tuple": lambda tf, files: tf.data.Dataset.from_tensor_slices((np.arange(6), _X)).map(
        lambda i, x: (i * 2, tf.reduce_sum(x), x[:2])),
    "map_dict": lambda tf, files: tf.data.Dataset.from_tensor_slices({"w": _WORDS, "n": np.arange(6)}).map(
        lambda d: {"word": d["w"], "twice": d["n"] * 2, "half": tf.cast(d["n"], tf.float32) / 2.0}),
    "map_parallel": lambda tf, files: tf.data.Dataset.range(20).map(lambda x: x * x, num_parallel_calls=4),
    "map_capture": lambda tf, files: tf.data.Dataset.range(5).map(
        lambda x, c=tf.constant(10, tf.int64): x + c),
    "filter": lambda tf, files: tf.data.Dataset.range(20).filter(lambda x: tf.equal(x % 3, 0)),
    "flat_map": lambda tf, files: tf.data.Dataset.range(5).flat_map(lambda x: tf.data.Dataset.range(x)),
    # combining
    "zip_concatenate": lambda tf, files: tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(5, 9)))
    .concatenate(tf.data.Dataset.zip((tf.data.Dataset.range(40, 42), tf.data.Dataset.range(7)))),
    "zip_dict": lambda tf, files: tf.data.Dataset.zip({"a": tf.data.Dataset.range(4),
                                                       "b": tf.data.Dataset.from_tensor_slices(_WORDS)}),
    "prefetch": lambda tf, files: tf.data.Dataset.range(10).map(lambda x: x + 1).batch(2).prefetch(2),
    "prefetch_autotune": lambda tf, files: tf.data.Dataset.range(7).prefetch(tf.data.experimental.AUTOTUNE),
    "cache_repeat": lambda tf, files: tf.data.Dataset.range(4).map(lambda x: x * 3).cache().repeat(2),
    # shuffling: the same elements as TensorFlow, in an order of tagraph's own
    "shuffle_seed": lambda tf, files: tf.data.Dataset.range(30).shuffle(8, seed=3),
    "shuffle_repeat_batch": lambda tf, files: tf.data.Dataset.range(12).shuffle(5, seed=1).repeat(2).batch(4),
    # files
    "tfrecord_files": lambda tf, files: tf.data.TFRecordDataset(_f(files, "a.tfrecord", "b.tfrecord", "c.tfrecord")),
    "tfrecord_gzip": lambda tf, files: tf.data.TFRecordDataset(_f(files, "b.tfrecord.gz"), compression_type="GZIP",
                                                               buffer_size=100),
    "tfrecord_zlib": lambda tf, files: tf.data.TFRecordDataset(_f(files, "b.tfrecord.zz"), "ZLIB"),
    "tfrecord_scalar_name": lambda tf, files: tf.data.TFRecordDataset(_f(files, "c.tfrecord")[0]),
    "tfrecord_parse_batch": lambda tf, files: tf.data.TFRecordDataset(_f(files, "examples.tfrecord")).map(
        lambda r: tf.parse_single_example(r, _parse(tf))).batch(4),
    "text_lines": lambda tf, files: tf.data.TextLineDataset(_f(files, "lines.txt", "more.txt")),
    "text_lines_gzip": lambda tf, files: tf.data.TextLineDataset(_f(files, "lines.txt.gz"), compression_type="GZIP"),
    "fixed_length": lambda tf, files: tf.data.FixedLengthRecordDataset(_f(files, "fixed.bin"), 4, header_bytes=3,
                                                                       footer_bytes=2),
    "fixed_length_zlib": lambda tf, files: tf.data.FixedLengthRecordDataset(_f(files, "fixed.bin.zz"), 4,
                                                                            compression_type="ZLIB"),
    # bad input: TensorFlow's errors, then what comes after them
    "tfrecord_truncated": lambda tf, files: tf.data.TFRecordDataset(_f(files, "truncated.tfrecord")),
    "tfrecord_corrupted": lambda tf, files: tf.data.TFRecordDataset(_f(files, "corrupted.tfrecord", "c.tfrecord")),
    "tfrecord_missing": lambda tf, files: tf.data.TFRecordDataset(_f(files, "missing.tfrecord")).take(3),
    "map_fails_on_one": lambda tf, files: tf.data.Dataset.from_tensor_slices(np.array([0, 5, 1])).map(
        lambda i: tf.gather(tf.constant([10.0, 20.0, 30.0]), i)),
    "batch_ragged": lambda tf, files: tf.data.Dataset.range(1, 5).map(lambda x: tf.range(x)).batch(2),
    "range_step_zero": lambda tf, files: tf.data.Dataset.range(0, 5, tf.constant(0, tf.int64)),
    "batch_size_zero": lambda tf, files: tf.data.Dataset.range(5).batch(tf.constant(0, tf.int64)),
    # interleaving, windows, generators, parallel maps
    "interleave_block": lambda tf, files: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x).map(lambda y: y * 10 + x), cycle_length=2, block_length=2),
    "interleave_cycle_3": lambda tf, files: tf.data.Dataset.range(1, 7).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=3),
    "interleave_parallel": lambda tf, files: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x).map(lambda y: y * 10 + x), cycle_length=3, block_length=2,
        num_parallel_calls=2),
    "interleave_parallel_nondeterministic": lambda tf, files: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x).map(lambda y: y * 10 + x), cycle_length=2,
        num_parallel_calls=tf.data.experimental.AUTOTUNE, deterministic=False),
    "interleave_fails_on_one": lambda tf, files: tf.data.Dataset.range(3).interleave(
        lambda x: tf.data.Dataset.range(3).map(lambda y: tf.gather(tf.constant([1, 2, 3], tf.int64), x + y)),
        cycle_length=2),
    "map_parallel_autotune": lambda tf, files: tf.data.Dataset.range(30).map(
        lambda x: x * 3, num_parallel_calls=tf.data.experimental.AUTOTUNE),
    "map_parallel_nondeterministic": lambda tf, files: tf.data.Dataset.range(30).map(
        lambda x: x * 3, num_parallel_calls=3, deterministic=False).batch(7),
    "map_parallel_fails_on_one": lambda tf, files: tf.data.Dataset.from_tensor_slices(np.array([0, 5, 1, 2])).map(
        lambda i: tf.gather(tf.constant([10.0, 20.0, 30.0]), i), num_parallel_calls=2),
    "window_flat_map": lambda tf, files: tf.data.Dataset.range(7).window(3, shift=2, drop_remainder=True).flat_map(
        lambda w: w.batch(3)),
    "window_stride_remainder": lambda tf, files: tf.data.Dataset.range(9).window(3, shift=2, stride=2).flat_map(
        lambda w: w.batch(3)),
    "window_shift_past_size": lambda tf, files: tf.data.Dataset.range(10).window(2, shift=4).flat_map(
        lambda w: w.batch(5)),
    "window_tuple": lambda tf, files: tf.data.Dataset.from_tensor_slices((np.arange(5), _WORDS[:5])).window(2).flat_map(
        lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2)))),
    "from_generator": lambda tf, files: tf.data.Dataset.from_generator(
        _generate, (tf.int64, tf.float32), (tf.TensorShape([]), tf.TensorShape([None]))).repeat(2),
    "from_generator_args": lambda tf, files: tf.data.Dataset.from_generator(
        _count_to, tf.int64, tf.TensorShape([]), args=(4,)).batch(3),
    "from_generator_bad_element": lambda tf, files: tf.data.Dataset.from_generator(
        _bad_then_good, tf.float32, tf.TensorShape([2])),
    # files read in parallel, file lists
    "tfrecord_parallel_reads": lambda tf, files: tf.data.TFRecordDataset(
        _f(files, "a.tfrecord", "b.tfrecord", "c.tfrecord"), num_parallel_reads=2),
    "tfrecord_parallel_reads_autotune": lambda tf, files: tf.data.TFRecordDataset(
        _f(files, "a.tfrecord", "b.tfrecord", "c.tfrecord"), num_parallel_reads=tf.data.experimental.AUTOTUNE),
    "tfrecord_list_files": lambda tf, files: tf.data.Dataset.list_files(str(files / "[abc].tfrecord"),
                                                                        shuffle=False).flat_map(tf.data.TFRecordDataset),
    "tfrecord_list_files_shuffled": lambda tf, files: tf.data.Dataset.list_files(
        str(files / "[abc].tfrecord"), seed=7).interleave(tf.data.TFRecordDataset, cycle_length=2),
    "tfrecord_list_files_patterns": lambda tf, files: tf.data.Dataset.list_files(
        [str(files / "c.tfrecord"), str(files / "[ab].tfrecord")], shuffle=False).interleave(
        tf.data.TFRecordDataset, cycle_length=3, num_parallel_calls=3),
    "tfrecord_list_files_none": lambda tf, files: tf.data.Dataset.list_files(str(files / "nothing-*.tfrecord")),
    "tfrecord_interleave_missing": lambda tf, files: tf.data.Dataset.from_tensor_slices(
        _f(files, "a.tfrecord", "missing.tfrecord", "c.tfrecord")).interleave(tf.data.TFRecordDataset,
                                                                              cycle_length=2),
    "tfrecord_parallel_parse_batch": lambda tf, files: tf.data.TFRecordDataset(_f(files, "examples.tfrecord")).map(
        lambda r: tf.parse_single_example(r, _parse(tf)), num_parallel_calls=3).batch(4),
    "sparse_parse_then_batch": lambda tf, files: tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).map(
        lambda r: tf.parse_single_example(r, _varlen(tf))).batch(2),
    "sparse_batch_then_parse": lambda tf, files: tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).batch(3).map(
        lambda r: tf.parse_example(r, _varlen(tf))),
    "sparse_parse_batch_batch": lambda tf, files: tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).batch(2).map(
        lambda r: tf.parse_example(r, _varlen(tf))).batch(2),
    "sparse_map_takes_sparse": lambda tf, files: tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).map(
        lambda r: tf.parse_single_example(r, _varlen(tf))).map(lambda e: (e["v"], e["v"].values * 2.0, e["id"])),
    "sparse_slices": lambda tf, files: tf.data.Dataset.from_tensor_slices(_sparse(tf)),
    "sparse_slices_tuple_batch": lambda tf, files: tf.data.Dataset.from_tensor_slices(
        (_sparse(tf), np.arange(4))).batch(3),
    "sparse_from_tensors": lambda tf, files: tf.data.Dataset.from_tensors(_sparse(tf)).repeat(2),
    "sparse_cache_repeat": lambda tf, files: tf.data.Dataset.from_tensor_slices(_varlen_examples(tf)).map(
        lambda r: tf.parse_single_example(r, _varlen(tf))["tags"]).cache().repeat(2).batch(4),
}
UNORDERED = {"shuffle_seed", "shuffle_repeat_batch", "interleave_parallel_nondeterministic",
             "map_parallel_nondeterministic", "tfrecord_list_files_shuffled",
             "tfrecord_parallel_reads_autotune"}      # its cycle length is the machine's CPU count
# Cases whose error never ends (the file is tried again on each request): how many steps to read.
FEW_STEPS = {"tfrecord_missing": 3, "range_step_zero": 2, "batch_size_zero": 2, "tfrecord_interleave_missing": 4}


def flatten(value):
    """A fetched element's components in tf.nest's order (dict keys sorted)."""
    if isinstance(value, dict):
        return [c for k in sorted(value) for c in flatten(value[k])]
    if isinstance(value, tuple):
        return [c for v in value for c in flatten(v)]
    return [value]


def error_text(e):
    """An OpError's class and the kernel's own message (TensorFlow's first line of it)."""
    lines = e.message.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("Node: ")]
    if at:
        return type(e).__name__, lines[at[0] + 1]
    if lines[0].startswith("Graph execution error") and len(lines) > 2:
        return type(e).__name__, lines[2]
    return type(e).__name__, lines[0]


def read_steps(tf, sess, fetch, steps, feed=None):
    """Runs ``fetch`` until two OutOfRangeErrors in a row (or ``steps`` runs); each step is ("ok", components)
    or ("error", class name, message)."""
    out, ends = [], 0
    while len(out) < steps and ends < 2:
        try:
            out.append(("ok", [np.asarray(c) for c in flatten(sess.run(fetch, feed))]))
            ends = 0
        except tf.errors.OpError as e:
            out.append(("error",) + error_text(e))
            ends = ends + 1 if isinstance(e, tf.errors.OutOfRangeError) else 0
    return out


def describe(tf, dataset):
    """A dataset's element types and static shapes, and the types of the dataset ops its graph holds."""
    types = [t.name for t in flatten(tf.data.get_output_types(dataset))]
    shapes = [str(s.as_list()) if s.ndims is not None else "?" for s in flatten(tf.data.get_output_shapes(dataset))]
    ops = [op.type for op in dataset._variant_tensor.graph.get_operations()
           if op.outputs and op.outputs[0].dtype == tf.variant]
    return {"types": types, "shapes": shapes, "ops": ops}


def run_case(tf, build, files):
    """(the steps of reading ``build(tf, files)`` through a one-shot iterator, its :func:`describe`), in a graph
    of its own."""
    with tf.Graph().as_default():
        dataset = build(tf, files)
        about = describe(tf, dataset)
        nxt = tf.data.make_one_shot_iterator(dataset).get_next()
        with tf.Session() as sess:
            return read_steps(tf, sess, nxt, FEW_STEPS.get(getattr(build, "case", ""), STEPS)), about


def _initializable(tf, files):
    n = tf.placeholder(tf.int64, [], name="n")
    scale = tf.placeholder(tf.int64, [], name="scale")
    it = tf.data.make_initializable_iterator(tf.data.Dataset.range(n).map(lambda x: x * scale))
    nxt = it.get_next()
    with tf.Session() as sess:
        out = read_steps(tf, sess, nxt, 1)              # not initialized yet
        sess.run(it.initializer, {n: 3, scale: 10})
        out += read_steps(tf, sess, nxt, STEPS)
        sess.run(it.initializer, {n: 2, scale: -1})     # started again, over other values
        out += read_steps(tf, sess, nxt, STEPS)
    return out


def _from_structure(tf, files):
    a = tf.data.Dataset.from_tensor_slices((np.arange(3), _WORDS[:3]))
    b = tf.data.Dataset.from_tensor_slices((np.arange(10, 12), _WORDS[3:5])).repeat(2)
    it = tf.data.Iterator.from_structure(a.output_types, a.output_shapes)
    init_a, init_b = it.make_initializer(a), it.make_initializer(b)
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(init_a)
        out = read_steps(tf, sess, nxt, 2)
        sess.run(init_b)
        out += read_steps(tf, sess, nxt, STEPS)
        sess.run(init_a)
        out += read_steps(tf, sess, nxt, STEPS)
    return out


def _feedable(tf, files):
    handle = tf.placeholder(tf.string, [])
    a = tf.data.Dataset.range(3)
    b = tf.data.Dataset.range(100, 103)
    it = tf.data.Iterator.from_string_handle(handle, a.output_types, a.output_shapes)
    nxt = it.get_next()
    ia, ib = tf.data.make_one_shot_iterator(a), tf.data.make_one_shot_iterator(b)
    with tf.Session() as sess:
        ha, hb = sess.run([ia.string_handle(), ib.string_handle()])
        out = read_steps(tf, sess, nxt, 1, {handle: ha}) + read_steps(tf, sess, nxt, 2, {handle: hb})
        out += read_steps(tf, sess, nxt, STEPS, {handle: ha})
    return out


def _one_shot_two_fetches(tf, files):
    # The same element feeds two fetches of one run; the iterator moves once per run.
    x = tf.data.make_one_shot_iterator(tf.data.Dataset.range(4)).get_next()
    with tf.Session() as sess:
        return read_steps(tf, sess, (x, x * 2), STEPS)


ITERATOR_CASES = {"initializable": _initializable, "from_structure": _from_structure, "feedable": _feedable,
                  "one_shot_two_fetches": _one_shot_two_fetches}


def run_iterator_case(tf, fn, files):
    with tf.Graph().as_default():
        return fn(tf, files)


for _name, _build in CASES.items():
    _build.case = _name


# --- encoding -----------------------------------------------------------------------------------------

def storable(a):
    a = np.asarray(a)
    if a.dtype == object:
        return np.array(a.tolist(), dtype=bytes) if a.size else np.zeros(a.shape, dtype="S1")
    return a


def encode(name, steps, data):
    data[name + ":steps"] = np.array(len(steps))
    for i, step in enumerate(steps):
        if step[0] == "ok":
            for k, c in enumerate(step[1]):
                data["%s:%d:%d" % (name, i, k)] = storable(c)
        else:
            data["%s:%d:error" % (name, i)] = np.array("%s\n%s" % (step[1], step[2]))


def decode(name, data):
    steps = []
    for i in range(int(data[name + ":steps"])):
        key = "%s:%d:error" % (name, i)
        if key in data:
            cls, message = str(data[key]).split("\n", 1)
            steps.append(("error", cls, message))
        else:
            comps, k = [], 0
            while "%s:%d:%d" % (name, i, k) in data:
                comps.append(data["%s:%d:%d" % (name, i, k)])
                k += 1
            steps.append(("ok", comps))
    return steps


# --- the training program and its meta graph ----------------------------------------------------------

def train_graph(tf, tfrecord_name):
    """A logistic regression over Examples read with tf.data: (init op, loss tensor, train op)."""
    feats = {"x": tf.FixedLenFeature([3], tf.float32), "label": tf.FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(tfrecord_name).map(lambda r: tf.parse_single_example(r, feats)).batch(4).repeat()
    batch = tf.data.make_one_shot_iterator(ds).get_next()
    w = tf.get_variable("w", [3, 1], initializer=tf.constant_initializer(0.25))
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    labels = tf.cast(tf.reshape(batch["label"] % 2, [-1, 1]), tf.float32)
    logits = tf.matmul(batch["x"], w) + b
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), name="loss")
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, name="train")
    return tf.global_variables_initializer(), loss, train


def run_program(source_path, tf_import):
    """Runs train_program.py as a script with its import line as ``tf_import``; returns its ``results``."""
    source = source_path.read_text().replace("import tagraph.compat.v1 as tf", tf_import, 1)
    namespace = {"__name__": "__main__", "__file__": str(source_path)}
    exec(compile(source, str(source_path), "exec"), namespace)
    return namespace["results"]


def write_device_graphs(tf, out_dir):
    """``prefetch_to_device_{cpu,gpu}.meta``: TensorFlow's meta graphs of range(7).map(x * 1.5).batch(2) through
    its own prefetch_to_device (GeneratorDataset, RemoteCall, WrapDatasetVariant), get_next in collection "x";
    ``prefetch_to_device.json``: the elements TensorFlow reads from the CPU one."""
    elements = None
    for dev in ("cpu", "gpu"):
        with tf.Graph().as_default():
            ds = tf.data.Dataset.range(7).map(lambda x: tf.cast(x, tf.float32) * 1.5).batch(2).apply(
                tf.data.experimental.prefetch_to_device("/%s:0" % dev, 2))
            x = tf.data.make_one_shot_iterator(ds).get_next()
            tf.add_to_collection("x", x)
            tf.train.export_meta_graph(str(out_dir / ("prefetch_to_device_%s.meta" % dev)))
            if dev == "cpu":
                with tf.Session() as sess:
                    elements = [s[1][0].tolist() for s in read_steps(tf, sess, x, STEPS) if s[0] == "ok"]
    (out_dir / "prefetch_to_device.json").write_text(json.dumps({"elements": elements}) + "\n")


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out_dir = pathlib.Path(os.environ.get("TAGRAPH_RECORD_DIR", HERE))
    files = out_dir / "files"
    write_files(tf, files)
    data, about = {}, {}
    for name, build in CASES.items():
        steps, about[name] = run_case(tf, build, files)
        encode(name, steps, data)
    (out_dir / "datasets.json").write_text(json.dumps(about, indent=1, sort_keys=True) + "\n")
    for name, fn in ITERATOR_CASES.items():
        encode(name, run_iterator_case(tf, fn, files), data)
    data["files"] = np.array(str(files))      # the folder the recorded messages name
    np.savez(out_dir / "datasets.npz", **data)
    write_device_graphs(tf, out_dir)

    # The training program's meta graph names its input relative to out_dir (the tests run there).
    (out_dir / "train.tfrecord").write_bytes((files / "examples.tfrecord").read_bytes())
    cwd = os.getcwd()
    os.chdir(out_dir)
    try:
        with tf.Graph().as_default():
            init, loss, train = train_graph(tf, "train.tfrecord")
            tf.train.export_meta_graph("train_program.meta")
            with tf.Session() as sess:
                sess.run(init)
                losses = [float(sess.run([loss, train])[0]) for _ in range(TRAIN_STEPS)]
        (out_dir / "train.json").write_text(json.dumps({"init": init.name, "loss": loss.name, "train": train.name,
                                                        "losses": losses}, indent=1) + "\n")
        with tf.Graph().as_default():
            program = run_program(HERE / "train_program.py", "import tensorflow.compat.v1 as tf")
        (out_dir / "program.json").write_text(json.dumps(program, indent=1) + "\n")
    finally:
        os.chdir(cwd)
    print("wrote %d arrays, %d cases" % (len(data), len(CASES) + len(ITERATOR_CASES)), file=sys.stderr)


if __name__ == "__main__":
    main()
