"""``tf.summary``: TensorFlow 1's summary ops and event-file writer, from ``tg.summary``.

    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter("/tmp/logs", sess.graph)
    writer.add_summary(sess.run(merged), step)

The messages (``tf.summary.Summary``, ``Event``, ``SessionLog``, ...) and ``FileWriter`` need the tensorboard
package (``pip install tagraph[summary]``); without it those names raise an ImportError that says so.
"""
import tagraph.engine as _tg
from tagraph.compat import namespace as _namespace


def _missing_tensorboard(name):
    def error():
        return ImportError("%s is TensorBoard's, and the tensorboard package is not installed: pip install "
                           "'tagraph[summary]' (or pip install tensorboard)" % name, name="tensorboard")
    return error


_namespace.install(globals(), "tf.summary", sources=(_tg.summary,),
                   unavailable={name: _missing_tensorboard("tf.summary." + name)
                                for name in ("Event", "SessionLog", "Summary", "SummaryDescription",
                                             "TaggedRunMetadata")})
