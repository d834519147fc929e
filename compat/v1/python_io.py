"""``tf.python_io``: TFRecord files (``tagraph.engine.framework.tfrecord``).

    with tf.python_io.TFRecordWriter("/tmp/data.tfrecord") as writer:
        writer.write(example.SerializeToString())
    records = list(tf.python_io.tf_record_iterator("/tmp/data.tfrecord"))
"""
from tagraph.compat import namespace as _namespace
from tagraph.engine.framework import tfrecord as _tfrecord

_namespace.install(globals(), "tf.python_io", sources=(_tfrecord,))
