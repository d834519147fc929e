# tf.image augmentation: flips, transposes, rotations, colour adjustments, colour spaces, standardization.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(31)
image = rng.rand(4, 5, 3).astype(np.float32)
img = tf.constant(image)
ops = {
    "flip_lr": tf.image.flip_left_right(img),
    "flip_ud": tf.image.flip_up_down(img),
    "transpose": tf.image.transpose_image(img),
    "rot90": tf.image.rot90(img, k=3),
    "brightness": tf.image.adjust_brightness(img, 0.2),
    "contrast": tf.image.adjust_contrast(img, 1.7),
    "saturation": tf.image.adjust_saturation(img, 0.4),
    "hue": tf.image.adjust_hue(img, 0.15),
    "gamma": tf.image.adjust_gamma(img, 1.5, 0.9),
    "grayscale": tf.image.rgb_to_grayscale(img),
    "gray_rgb": tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(img)),
    "hsv": tf.image.rgb_to_hsv(img),
    "hsv_back": tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(img)),
    "yuv": tf.image.rgb_to_yuv(img),
    "standardized": tf.image.per_image_standardization(img),
    "uint8_to_float": tf.image.convert_image_dtype(tf.constant((image * 255).astype(np.uint8)), tf.float32),
    "float_to_uint8": tf.image.convert_image_dtype(img, tf.uint8, saturate=True),
    "total_variation": tf.image.total_variation(img),
}
seeded_flip = tf.image.random_flip_left_right(img, seed=3)
seeded_crop = tf.image.random_crop(img, [2, 3, 3], seed=5)
seeded_brightness = tf.image.random_brightness(img, 0.3, seed=7)
tf.set_random_seed(11)
seeded = {
    "random_contrast": tf.image.random_contrast(img, 0.5, 1.5, seed=1),
    "random_saturation": tf.image.random_saturation(img, 0.5, 1.5, seed=2),
    "random_hue": tf.image.random_hue(img, 0.2, seed=3),
    "random_flip_ud": tf.image.random_flip_up_down(img, seed=4),
    "random_crop_exact": tf.image.random_crop(img, [3, 3, 3], seed=5),
    "random_brightness_exact": tf.image.random_brightness(img, 0.3, seed=6),
}

with tf.Session() as sess:
    results = {name: sess.run(t) for name, t in ops.items()}
    results.update(sess.run(seeded))
    flip = sess.run(seeded_flip)
    crop = sess.run(seeded_crop)
    bright = sess.run(seeded_brightness)
    results.update({
        "random_flip_is_a_flip_or_not": bool(np.array_equal(flip, image) or np.array_equal(flip, image[:, ::-1])),
        "random_crop_shape": list(crop.shape),
        "random_crop_is_a_window": bool(any(np.array_equal(crop, image[i:i + 2, j:j + 3])
                                            for i in range(3) for j in range(3))),
        "random_brightness_is_a_shift": bool(np.allclose(bright - image, (bright - image).flat[0], atol=1e-6)),
        "dtypes": [t.dtype.name for t in (ops["grayscale"], ops["float_to_uint8"], ops["total_variation"])],
    })
