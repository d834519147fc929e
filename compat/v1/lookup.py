"""``tf.lookup``: lookup tables, from ``tg.lookup``.

    table = tf.lookup.StaticVocabularyTable(tf.lookup.TextFileInitializer(
        "vocab.txt", tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER),
        num_oov_buckets=5)
    ids = table.lookup(tf.constant(["the", "unseen"]))
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace

experimental = _namespace.new_module(__name__ + ".experimental", "tf.lookup.experimental",
                                     "``tf.lookup.experimental``: mutable tables.",
                                     sources=(_tg.lookup.experimental,))

_namespace.install(globals(), "tf.lookup", sources=(_tg.lookup,))
