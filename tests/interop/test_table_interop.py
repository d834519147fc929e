"""SavedModels with lookup tables cross between tagraph and TensorFlow: a vocabulary file as an asset, tables
initialized by the main op, a MutableHashTable whose content is in the variables checkpoint, a TensorFlow 2
SavedModel with a StaticVocabularyTable. Each side loads the other's export and looks up the same ids.

TensorFlow runs in its own Python (TAGRAPH_TF_PYTHON); these tests skip without it.
"""
import os

import numpy as np

import tagraph.engine as tg
from tagraph.serialization import saved_model
from tagraph.serialization.saved_model import loader

WORDS = ["emerson", "lake", "palmer", "h\u00e9llo"]
QUERY = ["palmer", "king", "", "h\u00e9llo", "crimson", "emerson"]


def _vocab(tmp_path):
    path = tmp_path / "vocab_src" / "vocab.txt"
    path.parent.mkdir()
    path.write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    return str(path)


def _run_tagraph(export_dir, query=QUERY):
    with tg.Graph().as_default(), tg.Session() as sess:
        mg = loader.load(sess, ["serve"], export_dir)
        sig = mg.signature_def["serving_default"]
        names = sorted(sig.outputs)
        values = sess.run([sig.outputs[n].name for n in names], {sig.inputs["x"].name: query})
    return {n: np.asarray(v).tolist() for n, v in zip(names, values)}


def _decoded(outputs):
    return {k: [x.decode("utf-8") if isinstance(x, bytes) else x for x in v] for k, v in outputs.items()}


def test_tensorflow_loads_tagraphs_table_savedmodel(tmp_path, run_tf):
    vocab = _vocab(tmp_path)
    export_dir = str(tmp_path / "tagraph_export")
    with tg.Graph().as_default(), tg.Session() as sess:
        x = tg.placeholder(tg.string, [None], name="x")
        ids = tg.lookup.index_table_from_file(vocab, num_oov_buckets=3).lookup(x)
        vocabulary = tg.lookup.StaticVocabularyTable(
            tg.lookup.KeyValueTensorInitializer(WORDS, tg.constant([10, 20, 30, 40], tg.int64)), 2)
        words = tg.lookup.index_to_string_table_from_file(vocab, default_value="?").lookup(ids)
        outputs = {"ids": ids, "words": words, "vocabulary": vocabulary.lookup(x),
                   "strong": tg.string_to_hash_bucket_strong(x, 100, key=[7, 9]),
                   "legacy": tg.string_to_hash_bucket(x, 100)}
        saved_model.simple_save(sess, export_dir, {"x": x}, outputs, legacy_init_op=tg.tables_initializer())
    os.remove(vocab)
    ours = _decoded(_run_tagraph(export_dir))
    theirs = run_tf("""
        export_dir, query = sys.argv[1], json.loads(sys.argv[2])
        with tf.Session(graph=tf.Graph()) as sess:
            mg = tf.saved_model.loader.load(sess, ["serve"], export_dir)
            sig = mg.signature_def["serving_default"]
            names = sorted(sig.outputs)
            values = sess.run([sig.outputs[n].name for n in names], {sig.inputs["x"].name: query})
        out = {n: [x.decode("utf-8") if isinstance(x, bytes) else int(x) for x in v] for n, v in zip(names, values)}
        print(json.dumps(out))
    """, export_dir, __import__("json").dumps(QUERY))
    assert theirs == ours
    assert ours["ids"][0] == 2 and ours["words"][0] == "palmer"


def test_tagraph_loads_tensorflows_table_savedmodel(tmp_path, run_tf):
    vocab = _vocab(tmp_path)
    export_dir = str(tmp_path / "tf_export")
    theirs = run_tf("""
        from tensorflow.python.ops import lookup_ops
        vocab, export_dir, query = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        with tf.Session(graph=tf.Graph()) as sess:
            x = tf.placeholder(tf.string, [None], name="x")
            ids = lookup_ops.index_table_from_file(vocab, num_oov_buckets=3).lookup(x)
            words = lookup_ops.index_to_string_table_from_file(vocab, default_value="?").lookup(ids)
            init = tf.lookup.TextFileInitializer(vocab, tf.string, -2, tf.int64, -1)
            vocabulary = tf.lookup.StaticVocabularyTable(init, 2, name="vocabulary")
            mutable = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
            fill = mutable.insert(tf.constant(["lake", "king"]), tf.constant([7, 8], tf.int64))
            outputs = {"ids": ids, "words": words, "vocabulary": vocabulary.lookup(x), "mutable": mutable.lookup(x),
                       "fast": tf.strings.to_hash_bucket_fast(x, 1000)}
            sess.run(tf.tables_initializer())
            sess.run(fill)
            tf.saved_model.simple_save(sess, export_dir, {"x": x}, outputs, legacy_init_op=tf.tables_initializer())
            values = sess.run(outputs, {x: query})
        print(json.dumps({k: [s.decode("utf-8") if isinstance(s, bytes) else int(s) for s in v]
                          for k, v in values.items()}))
    """, vocab, export_dir, __import__("json").dumps(QUERY))
    os.remove(vocab)
    ours = _decoded(_run_tagraph(export_dir))
    assert ours == theirs
    assert ours["mutable"][1] == 8     # restored from the checkpoint by TensorFlow's LookupTableImportV2


def test_tagraph_loads_a_tensorflow_2_savedmodel_with_a_vocabulary(tmp_path, run_tf):
    vocab = _vocab(tmp_path)
    export_dir = str(tmp_path / "tf2_export")
    theirs = run_tf("""
        import tensorflow as tf2
        tf2.compat.v1.enable_eager_execution()
        vocab, export_dir, query = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

        class Vocabulary(tf2.Module):
            def __init__(self):
                init = tf2.lookup.TextFileInitializer(vocab, tf2.string, -2, tf2.int64, -1)
                self.table = tf2.lookup.StaticVocabularyTable(init, num_oov_buckets=3)

            @tf2.function(input_signature=[tf2.TensorSpec([None], tf2.string)])
            def __call__(self, x):
                return {"ids": self.table.lookup(x)}

        m = Vocabulary()
        tf2.saved_model.save(m, export_dir, signatures={"serving_default": m.__call__})
        print(json.dumps({"ids": m(tf2.constant(query))["ids"].numpy().tolist()}))
    """, vocab, export_dir, __import__("json").dumps(QUERY))
    os.remove(vocab)
    with tg.Graph().as_default(), tg.Session() as sess:
        mg = loader.load(sess, ["serve"], export_dir)
        sig = mg.signature_def["serving_default"]
        (x,) = [t.name for t in sig.inputs.values()]
        ids = sess.run(sig.outputs["ids"].name, {x: QUERY})
    assert ids.tolist() == theirs["ids"]
