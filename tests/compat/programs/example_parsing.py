# tf.train.Example protos built in Python, then parsed in the graph.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()


def make_example(height, scores, label, tags):
    return tf.train.Example(features=tf.train.Features(feature={
        "height": tf.train.Feature(int64_list=tf.train.Int64List(value=[height])),
        "scores": tf.train.Feature(float_list=tf.train.FloatList(value=scores)),
        "label": tf.train.Feature(bytes_list=tf.train.BytesList(value=[label])),
        "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=tags)),
    }))


examples = [make_example(3, [0.5, 1.5], b"cat", [b"a", b"b"]),
            make_example(7, [2.0, -1.0], b"dog", []),
            make_example(1, [0.0, 4.25], b"cow", [b"c"])]
serialized = [e.SerializeToString() for e in examples]

features = {
    "height": tf.FixedLenFeature([], tf.int64),
    "scores": tf.FixedLenFeature([2], tf.float32),
    "label": tf.FixedLenFeature([], tf.string),
    "tags": tf.VarLenFeature(tf.string),
    "weight": tf.FixedLenFeature([], tf.float32, default_value=1.0),
}
batch_in = tf.placeholder(tf.string, [None])
single_in = tf.placeholder(tf.string, [])
parsed = tf.parse_example(batch_in, features)
single = tf.parse_single_example(single_in, features)
io_parsed = tf.io.parse_example(batch_in, {"height": tf.io.FixedLenFeature([1], tf.int64)})

with tf.Session() as sess:
    batch = sess.run(parsed, {batch_in: serialized})
    one = sess.run(single, {single_in: serialized[0]})
    heights = sess.run(io_parsed["height"], {batch_in: serialized})

round_trip = tf.train.Example()
round_trip.ParseFromString(serialized[0])
seq = tf.train.SequenceExample()
seq.context.feature["length"].int64_list.value.append(2)
seq.feature_lists.feature_list["tokens"].feature.add().int64_list.value.extend([4, 5])
results = {
    "height": batch["height"],
    "scores": batch["scores"],
    "label": batch["label"],
    "weight": batch["weight"],
    "tags_values": batch["tags"].values,
    "tags_indices": batch["tags"].indices,
    "tags_dense_shape": batch["tags"].dense_shape,
    "one_height": one["height"],
    "one_scores": one["scores"],
    "one_tags": one["tags"].values,
    "io_heights": heights,
    "round_trip_label": list(round_trip.features.feature["label"].bytes_list.value),
    "sequence_example_size": len(seq.SerializeToString()),
    "static_shapes": [parsed["scores"].get_shape().as_list(), single["scores"].get_shape().as_list()],
}
