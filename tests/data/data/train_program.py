"""A TensorFlow 1 training program that reads its examples with tf.data: TFRecordDataset -> map(parse) ->
shuffle -> repeat -> batch -> prefetch, a one-shot iterator, and the classic loop until OutOfRangeError.

Runs unchanged on tagraph and, with its import line changed to ``import tensorflow.compat.v1 as tf``, on
TensorFlow (record_datasets.py records that). Each batch holds one whole, shuffled epoch, so the losses do
not depend on the order shuffle picks: tagraph's random streams are not TensorFlow's.
"""
import os
import tempfile

import numpy as np
import tagraph.compat.v1 as tf

N, EPOCHS = 16, 6
rng = np.random.RandomState(11)
xs = rng.normal(size=(N, 3)).astype(np.float32)
ys = (xs @ np.array([1.0, -2.0, 0.5], np.float32) > 0).astype(np.int64)

path = os.path.join(tempfile.mkdtemp(), "train.tfrecord")
with tf.python_io.TFRecordWriter(path) as writer:
    for x, y in zip(xs, ys):
        writer.write(tf.train.Example(features=tf.train.Features(feature={
            "x": tf.train.Feature(float_list=tf.train.FloatList(value=x.tolist())),
            "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(y)]))})).SerializeToString())


def parse(record):
    features = tf.parse_single_example(record, {"x": tf.FixedLenFeature([3], tf.float32),
                                                "y": tf.FixedLenFeature([], tf.int64)})
    return features["x"], tf.cast(features["y"], tf.float32)


dataset = (tf.data.TFRecordDataset([path]).map(parse).shuffle(N, seed=7).repeat(EPOCHS).batch(N)
           .prefetch(2))
x, y = tf.data.make_one_shot_iterator(dataset).get_next()
w = tf.get_variable("w", [3, 1], initializer=tf.zeros_initializer())
b = tf.get_variable("b", [], initializer=tf.zeros_initializer())
logits = tf.squeeze(tf.matmul(x, w), 1) + b
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.GradientDescentOptimizer(1.0).minimize(loss)

losses, label_sums = [], []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    while True:
        try:
            step_loss, labels, _ = sess.run([loss, y, train_op])
        except tf.errors.OutOfRangeError:
            break
        losses.append(float(step_loss))
        label_sums.append(float(labels.sum()))
    weights = sess.run(w).ravel().tolist()

results = {"losses": losses, "label_sums": label_sums, "weights": weights, "steps": len(losses)}
