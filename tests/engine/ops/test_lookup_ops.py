"""Lookup tables and string hash buckets against what TensorFlow 2.21 recorded (tests/data/tf_ops/
record_lookup.py -> lookup.npz): values, static shapes, the graph's node names and types, and the errors;
on the CPU and under a simulated GPU; plus placement, safe reading of vocabulary files, and sessions."""
import importlib.util
import pathlib
import re
import threading
import types

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops import lookup_ops
from tagraph.engine.ops.string_hash_ops import fingerprint64, hash64

DATA_DIR = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_lookup", DATA_DIR / "record_lookup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA_DIR / "lookup.npz") as _f:
    DATA = {k: _f[k] for k in _f.files}
LK = types.SimpleNamespace(**{n: getattr(tg.lookup, n) for n in tg.lookup.__all__}, gen=lookup_ops)
SOFT = tg.ConfigProto(allow_soft_placement=True)
_ERRORS = {"InvalidArgumentError": errors.InvalidArgumentError, "ValueError": ValueError, "TypeError": TypeError,
           "FailedPreconditionError": errors.FailedPreconditionError, "AbortedError": errors.AbortedError,
           "NotFoundError": errors.NotFoundError, "OutOfRangeError": errors.OutOfRangeError,
           "UnimplementedError": errors.UnimplementedError}

# Where tagraph's message is its own op builder's rather than TensorFlow's Python wrapper's.
# Where tagraph's message is its own op builder's rather than TensorFlow's Python wrapper's.
MESSAGES = {"zero_buckets": r"Value for attr 'num_buckets' of 0 must be at least minimum 1"}


def _run(case, files, device, config=SOFT):
    with tg.Graph().as_default() as g, tg.device(device):
        runs = case.build(tg, LK, files)
        with tg.Session(config=config) as sess:
            if case.init:
                sess.run(tg.tables_initializer())
            results = [sess.run(RECORD.flat_fetches(run)) for run in runs]
    return g, runs, results


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in RECORD.CASES])
def test_matches_tensorflow(device, case, tmp_path):
    g, runs, results = _run(case, RECORD.write_files(str(tmp_path)), device)
    for r, (run, values) in enumerate(zip(runs, results)):
        k = 0
        for f in run:
            if isinstance(f, RECORD.Sorted):
                keys, vals = RECORD.sort_export(values[k], values[k + 1])
                for i, got in ((k, keys), (k + 1, vals)):
                    np.testing.assert_array_equal(RECORD.storable(got), DATA["%s:%d:%d" % (case.name, r, i)])
                k += 2
                continue
            key = "%s:%d:%d" % (case.name, r, k)
            if key in DATA:
                got, want = RECORD.storable(values[k]), DATA[key]
                assert got.dtype == want.dtype or want.dtype.kind == "S", (key, got.dtype, want.dtype)
                np.testing.assert_array_equal(got, want, err_msg=key)
                assert RECORD.shape_string(f.shape) == str(DATA[key + ":shape"]), (key, f.shape)
            k += 1
    nodes = sorted("%s %s" % (op.name, op.type) for op in g.get_operations())
    assert nodes == list(DATA[case.name + ":nodes"])


@pytest.mark.parametrize("err", [pytest.param(e, id=e.name) for e in RECORD.ERRORS])
def test_errors_match_tensorflow(device, err, tmp_path):
    cls_name, tf_message = (str(v) for v in DATA[err.name + ":error"])
    files = RECORD.write_files(str(tmp_path))
    with pytest.raises(_ERRORS[cls_name]) as info:
        _run(err, files, device)
    text = getattr(info.value, "message", None) or str(info.value)
    if err.name in MESSAGES:
        assert re.search(MESSAGES[err.name], text), (text, tf_message)
        return
    want = tf_message.replace("{dir}", str(tmp_path)).split(" for '{{node ")[0]
    assert want in text, (text, want)


def test_hashes_are_tensorflows_functions():
    # Spot values TensorFlow 2.21 gave (the hash_buckets case checks a few hundred more).
    assert fingerprint64(b"hello") % 2 ** 62 == 3786372426573024488
    assert hash64(b"hello") % 2 ** 62 == 1331861223480393034
    assert hash64("a" * 100) % 2 ** 62 == 2417448717191896467
    assert fingerprint64("") % 2 ** 62 == 1936946117179621455


# --- placement ----------------------------------------------------------------------------------------

def _vocab_graph():
    table = tg.lookup.index_table_from_tensor(tg.constant(["a", "b", "c"]), num_oov_buckets=2)
    ids = table.lookup(tg.constant(["c", "zz", "a"]))
    return table, ids * 10


def test_tables_sit_on_the_cpu_by_the_placers_rules(simulated_gpus):
    # Table ops have host kernels only (TensorFlow registers them for the CPU alone), so with no device
    # asked for the placer puts them on the CPU; the int64 arithmetic after them goes to the GPU.
    simulated_gpus(1)
    with tg.Graph().as_default():
        table, scaled = _vocab_graph()
        with tg.Session() as sess:
            sess.run(tg.tables_initializer())
            assert list(sess.run(scaled)) == list(sess.run(table.lookup(tg.constant(["c", "zz", "a"]))) * 10)
            placed = {op.name: dev.device_type for op, dev in sess._placement.items()}
    assert placed["string_to_index/hash_table/hash_table"] == "CPU"
    assert placed["hash_table_Lookup/hash_table_Lookup/LookupTableFindV2"] == "CPU"
    assert placed["hash_table_Lookup/hash_bucket"] == "CPU"
    assert placed["mul"] == "GPU"


def test_a_table_asked_for_on_a_gpu_needs_soft_placement(simulated_gpus):
    simulated_gpus(1)
    with tg.Graph().as_default(), tg.device("/device:GPU:0"):
        table = tg.lookup.StaticHashTable(tg.lookup.KeyValueTensorInitializer(["a"], [1]), -1)
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="HashTableV2"):
                sess.run(tg.tables_initializer())
        with tg.Session(config=SOFT) as sess:
            sess.run(tg.tables_initializer())
            assert list(sess.run(table.lookup(tg.constant(["a", "b"])))) == [1, -1]


# --- vocabulary files read safely -----------------------------------------------------------------------

def _file_table(path, **kw):
    init = tg.lookup.TextFileInitializer(str(path), tg.string, -2, tg.int64, -1, **kw)
    return tg.lookup.StaticHashTable(init, -1)


def test_a_file_too_large_for_the_memory_allowed_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "big_vocab.txt"
    path.write_text("".join("word%d\n" % i for i in range(20000)))
    monkeypatch.setenv("TAGRAPH_MAX_ALLOCATION_BYTES", "100000")
    with tg.Graph().as_default():
        table = _file_table(path)
        with tg.Session() as sess:
            with pytest.raises(errors.ResourceExhaustedError, match="big_vocab.txt"):
                sess.run(tg.tables_initializer())
    monkeypatch.delenv("TAGRAPH_MAX_ALLOCATION_BYTES")
    with tg.Graph().as_default():
        table = _file_table(path)
        with tg.Session() as sess:
            sess.run(tg.tables_initializer())
            assert sess.run(table.size()) == 20000


def test_a_line_longer_than_the_memory_allowed_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "one_line.txt"
    path.write_bytes(b"x" * 300000)
    monkeypatch.setenv("TAGRAPH_MAX_ALLOCATION_BYTES", "100000")
    with tg.Graph().as_default():
        _file_table(path)
        with tg.Session() as sess:
            with pytest.raises(errors.ResourceExhaustedError, match="one_line.txt"):
                sess.run(tg.tables_initializer())


def test_a_directory_is_not_a_vocabulary(tmp_path):
    with tg.Graph().as_default():
        _file_table(tmp_path)
        with tg.Session() as sess:
            with pytest.raises(errors.FailedPreconditionError, match=str(tmp_path)):
                sess.run(tg.tables_initializer())


def test_a_failed_file_leaves_the_table_uninitialized_and_a_fixed_file_initializes_it(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("a\n\nb\n")
    with tg.Graph().as_default():
        table = _file_table(path)
        find = table.lookup(tg.constant(["a", "b"]))
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match="empty line"):
                sess.run(tg.tables_initializer())
            with pytest.raises(errors.FailedPreconditionError, match="Table not initialized"):
                sess.run(find)
            path.write_text("a\nb\n")
            sess.run(tg.tables_initializer())
            assert list(sess.run(find)) == [0, 1]


# --- tables and sessions ---------------------------------------------------------------------------------

def test_each_session_has_its_own_tables():
    with tg.Graph().as_default():
        table = tg.lookup.MutableHashTable(tg.string, tg.int64, -1)
        insert = table.insert(tg.constant(["a"]), tg.constant([1], tg.int64))
        find = table.lookup(tg.constant(["a"]))
        with tg.Session() as one, tg.Session() as two:
            one.run(insert)
            assert list(one.run(find)) == [1] and list(two.run(find)) == [-1]


def test_concurrent_inserts_and_finds_keep_the_table_whole():
    with tg.Graph().as_default():
        table = tg.lookup.MutableHashTable(tg.int64, tg.int64, -1)
        keys = tg.placeholder(tg.int64, [None])
        insert = table.insert(keys, keys * 2)
        find = table.lookup(keys)
        with tg.Session() as sess:
            def work(start):
                for i in range(start, start + 200, 10):
                    batch = np.arange(i, i + 10, dtype=np.int64)
                    sess.run(insert, {keys: batch})
                    assert list(sess.run(find, {keys: batch})) == list(batch * 2)
            threads = [threading.Thread(target=work, args=(s,)) for s in (0, 1000, 2000, 3000)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sess.run(table.size()) == 800


def test_a_graph_with_tables_round_trips_through_a_graph_def(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("emerson\nlake\npalmer\n")
    with tg.Graph().as_default() as g:
        table = tg.lookup.index_table_from_file(str(path), num_oov_buckets=2)
        table.lookup(tg.constant(["lake", "king"]), name="ids")
        tg.tables_initializer()
        graph_def = g.as_graph_def()
    with tg.Graph().as_default():
        tg.import_graph_def(graph_def, name="")
        with tg.Session() as sess:
            sess.run("init_all_tables")
            ids = sess.run("ids/SelectV2:0")
    assert list(ids) == [1, 3 + fingerprint64(b"king") % 2]


def test_tables_initializer_collects_every_initializer():
    with tg.Graph().as_default() as g:
        a = tg.lookup.StaticHashTable(tg.lookup.KeyValueTensorInitializer(["a"], [1]), -1)
        b = tg.lookup.index_to_string_table_from_tensor(["x", "y"])
        assert g.get_collection(tg.GraphKeys.TABLE_INITIALIZERS) == [a.initializer, b.initializer]
        init = tg.initialize_all_tables()
        assert init.type == "NoOp" and init.name == "init_all_tables"
        assert sorted(c.name for c in init.control_inputs) == sorted(o.name for o in (a.initializer, b.initializer))
