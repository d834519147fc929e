"""A SavedModel with a vocabulary table: the vocabulary file is an asset (copied into assets/), the main op
runs ``tg.tables_initializer()``, and the loader points the table at the copy, so the export loads and looks
up in a fresh graph after the original file is gone and the export directory has moved."""
import os
import shutil

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.ops.string_hash_ops import fingerprint64
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import loader, signature_constants, tag_constants

WORDS = ["emerson", "lake", "palmer"]
QUERY = ["palmer", "king", "emerson", ""]


def _expected_ids(num_oov_buckets):
    return [WORDS.index(w) if w in WORDS else len(WORDS) + fingerprint64(w.encode()) % num_oov_buckets
            for w in QUERY]


@pytest.fixture
def vocab(tmp_path):
    path = tmp_path / "src" / "vocab.txt"
    path.parent.mkdir()
    path.write_text("\n".join(WORDS) + "\n")
    return path


def _load_and_lookup(export_dir, query=QUERY, key="ids"):
    with tg.Graph().as_default(), tg.Session() as sess:
        mg = loader.load(sess, [tag_constants.SERVING], export_dir)
        sig = mg.signature_def[signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        return sess.run(sig.outputs[key].name, {sig.inputs["x"].name: query}), mg


def test_simple_save_with_a_vocabulary_asset_round_trips(vocab, tmp_path):
    export_dir = str(tmp_path / "export" / "1")
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None], name="x")
        table = tg.lookup.index_table_from_file(str(vocab), num_oov_buckets=2)
        ids = table.lookup(x)
        sess.run(tg.tables_initializer())
        before = sess.run(ids, {x: QUERY})
        saved_model.simple_save(sess, export_dir, {"x": x}, {"ids": ids}, legacy_init_op=tg.tables_initializer())
    assert list(before) == _expected_ids(2)
    assert os.listdir(os.path.join(export_dir, "assets")) == ["vocab.txt"]
    os.remove(vocab)                                   # the table must now read the export's own copy
    moved = str(tmp_path / "moved")
    shutil.move(export_dir, moved)
    got, mg = _load_and_lookup(moved)
    assert list(got) == _expected_ids(2)
    assert [a.filename for a in loader._asset_file_defs(mg)] == ["vocab.txt"]


def test_builder_with_main_op_and_two_tables(vocab, tmp_path):
    export_dir = str(tmp_path / "export")
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None], name="x")
        to_id = tg.lookup.StaticHashTable(
            tg.lookup.TextFileInitializer(str(vocab), tg.string, tg.lookup.TextFileIndex.WHOLE_LINE, tg.int64,
                                          tg.lookup.TextFileIndex.LINE_NUMBER), default_value=-1)
        to_word = tg.lookup.index_to_string_table_from_file(str(vocab), default_value="<unk>")
        ids = to_id.lookup(x)
        words = to_word.lookup(ids + 1)
        main_op = tg.group(tg.local_variables_initializer(), tg.tables_initializer())
        b = saved_model.builder.SavedModelBuilder(export_dir)
        sig = saved_model.signature_def_utils.predict_signature_def({"x": x}, {"ids": ids, "next": words})
        b.add_meta_graph_and_variables(sess, [tag_constants.SERVING], {"serving_default": sig}, main_op=main_op)
        b.save()
    os.remove(vocab)
    # Both tables read one file: a single asset.
    assert os.listdir(os.path.join(export_dir, "assets")) == ["vocab.txt"]
    got_ids, _ = _load_and_lookup(export_dir)
    got_next, _ = _load_and_lookup(export_dir, key="next")
    assert list(got_ids) == [2, -1, 0, -1]
    assert list(got_next) == [b"<unk>", b"emerson", b"lake", b"emerson"]


def test_a_missing_asset_fails_the_load_naming_the_file(vocab, tmp_path):
    export_dir = str(tmp_path / "export")
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None], name="x")
        ids = tg.lookup.index_table_from_file(str(vocab)).lookup(x)
        saved_model.simple_save(sess, export_dir, {"x": x}, {"ids": ids}, legacy_init_op=tg.tables_initializer())
    os.remove(os.path.join(export_dir, "assets", "vocab.txt"))
    with pytest.raises(tg.errors.NotFoundError, match=r"assets/vocab\.txt"):
        _load_and_lookup(export_dir)


def test_a_tensorflow_style_graph_def_node_keeps_its_table_after_export(vocab, tmp_path):
    # The table's nodes are TensorFlow's, so the exported graph names them as a TensorFlow export does.
    export_dir = str(tmp_path / "export")
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None], name="x")
        ids = tg.lookup.index_table_from_file(str(vocab), num_oov_buckets=1).lookup(x)
        saved_model.simple_save(sess, export_dir, {"x": x}, {"ids": ids}, legacy_init_op=tg.tables_initializer())
    _, mg = _load_and_lookup(export_dir)
    types = {n.name: n.op for n in mg.graph_def.node}
    assert types["string_to_index/hash_table/hash_table"] == "HashTableV2"
    assert types["string_to_index/hash_table/table_init/InitializeTableFromTextFileV2"] == \
        "InitializeTableFromTextFileV2"
    assert types["hash_table_Lookup/hash_bucket"] == "StringToHashBucketFast"
    assert np.array_equal(_load_and_lookup(export_dir)[0], _expected_ids(1))
