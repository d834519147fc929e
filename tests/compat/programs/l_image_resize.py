# tf.image resizing: every method of resize_images, the v1 aliases, align_corners, crop_or_pad and pad.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

image = np.arange(5 * 7 * 3, dtype=np.float32).reshape(5, 7, 3) / 10.0
batch = np.stack([image, image[::-1]])
img = tf.constant(image)
imgs = tf.constant(batch)
methods = {
    "bilinear": tf.image.ResizeMethod.BILINEAR,
    "nearest": tf.image.ResizeMethod.NEAREST_NEIGHBOR,
    "bicubic": tf.image.ResizeMethod.BICUBIC,
    "area": tf.image.ResizeMethod.AREA,
}
resized = {name: tf.image.resize_images(imgs, [8, 4], method=m) for name, m in methods.items()}
aligned = tf.image.resize_bilinear(imgs, [9, 13], align_corners=True)
nearest_aligned = tf.image.resize_nearest_neighbor(imgs, [3, 3], align_corners=True)
half_pixel = tf.image.resize_bilinear(imgs, [3, 5], half_pixel_centers=True)
uint8 = tf.image.resize_images(tf.cast(img * 10, tf.uint8), [10, 14], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
crop_or_pad = tf.image.resize_image_with_crop_or_pad(img, 4, 9)
with_pad = tf.image.resize_image_with_pad(img, 8, 8)
central = tf.image.central_crop(img, 0.6)
crop = tf.image.crop_to_bounding_box(img, 1, 2, 3, 4)
padded = tf.image.pad_to_bounding_box(img, 1, 1, 7, 9)
boxes = tf.image.crop_and_resize(imgs, [[0.0, 0.0, 1.0, 1.0], [0.2, 0.1, 0.8, 0.7]], [0, 1], [4, 4])

with tf.Session() as sess:
    results = {name: sess.run(t) for name, t in resized.items()}
    results.update({
        "aligned": sess.run(aligned),
        "nearest_aligned": sess.run(nearest_aligned),
        "half_pixel": sess.run(half_pixel),
        "uint8": sess.run(uint8),
        "uint8_dtype": uint8.dtype.name,
        "crop_or_pad": sess.run(crop_or_pad),
        "with_pad": sess.run(with_pad),
        "central": sess.run(central),
        "crop": sess.run(crop),
        "padded": sess.run(padded),
        "crop_and_resize": sess.run(boxes),
        "shapes": [str(t.shape) for t in (resized["area"], aligned, crop_or_pad, with_pad, central, padded, boxes)],
    })
