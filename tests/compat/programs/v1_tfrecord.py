# TFRecord files: tf.python_io writer and iterator (compressed too), tf.train.Example, and a TFRecordDataset
# parsed with parse_single_example.
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

root = tempfile.mkdtemp()
plain = os.path.join(root, "data.tfrecord")
zipped = os.path.join(root, "data.tfrecord.gz")


def example(i):
    return tf.train.Example(features=tf.train.Features(feature={
        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
        "score": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 0.5, -i])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"item%d" % i])),
    }))


with tf.python_io.TFRecordWriter(plain) as writer:
    for i in range(5):
        writer.write(example(i).SerializeToString())
options = tf.python_io.TFRecordOptions(tf.python_io.TFRecordCompressionType.GZIP)
with tf.python_io.TFRecordWriter(zipped, options=options) as writer:
    writer.write(b"first")
    writer.write(b"")
    writer.write(b"third record")

records = list(tf.python_io.tf_record_iterator(plain))
zipped_records = list(tf.python_io.tf_record_iterator(zipped, options=options))
parsed_first = tf.train.Example.FromString(records[0])

features = {"id": tf.FixedLenFeature([], tf.int64), "score": tf.FixedLenFeature([2], tf.float32),
            "name": tf.FixedLenFeature([], tf.string), "missing": tf.FixedLenFeature([], tf.int64, default_value=-1)}
dataset = tf.data.TFRecordDataset(plain).map(lambda s: tf.parse_single_example(s, features)).batch(2)
batch = tf.data.make_one_shot_iterator(dataset).get_next()
gz_dataset = tf.data.TFRecordDataset([zipped], compression_type="GZIP")
gz_next = tf.data.make_one_shot_iterator(gz_dataset).get_next()

results = {
    "count": len(records),
    "sizes": [len(r) for r in records],
    "zipped": zipped_records,
    "first_id": parsed_first.features.feature["id"].int64_list.value[0],
    "batches": [],
    "gz": [],
}
with tf.Session() as sess:
    while True:
        try:
            results["batches"].append(sess.run(batch))
        except tf.errors.OutOfRangeError:
            break
    while True:
        try:
            results["gz"].append(sess.run(gz_next))
        except tf.errors.OutOfRangeError:
            break
