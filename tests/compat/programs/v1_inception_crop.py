# Inception-style training crops: a distorted bounding box that keeps part of the labelled object, the crop
# resized to the network's input, a random left-right flip; then the central crop used for evaluation.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()
tf.set_random_seed(5)

rng = np.random.RandomState(0)
image = tf.constant(rng.rand(96, 128, 3).astype(np.float32))
bbox = tf.constant([[[0.2, 0.25, 0.8, 0.75]]], dtype=tf.float32)
begin, size, distort_bbox = tf.image.sample_distorted_bounding_box(
    tf.shape(image), bounding_boxes=bbox, min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33),
    area_range=(0.05, 1.0), max_attempts=100, use_image_if_no_bounding_boxes=True, seed=11)
cropped = tf.slice(image, begin, size)
cropped.set_shape([None, None, 3])
resized = tf.image.resize_images(tf.expand_dims(cropped, 0), [32, 32])[0]
flipped = tf.image.random_flip_left_right(resized, seed=2)
evaluation = tf.image.resize_images(tf.image.central_crop(image, central_fraction=0.875), [32, 32])

with tf.Session() as sess:
    crops = [sess.run([begin, size, distort_bbox, tf.reduce_mean(flipped, [0, 1])]) for _ in range(4)]
    results = {
        "begins": np.array([c[0] for c in crops]),
        "sizes": np.array([c[1] for c in crops]),
        "boxes": np.array([c[2] for c in crops]),
        "channel_means": np.array([c[3] for c in crops]),
        "evaluation_mean": sess.run(tf.reduce_mean(evaluation)),
    }
