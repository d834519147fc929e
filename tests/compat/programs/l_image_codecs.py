# tf.image codecs: PNG round trips (8 and 16 bit, gray and RGBA), JPEG encode/decode and shape, decode_image.
import numpy as np
import tagraph.compat.v1 as tf

tf.disable_v2_behavior()

rng = np.random.RandomState(41)
rgb = rng.randint(0, 256, size=(6, 8, 3)).astype(np.uint8)
gray16 = rng.randint(0, 65536, size=(5, 4, 1)).astype(np.uint16)
rgba = rng.randint(0, 256, size=(3, 3, 4)).astype(np.uint8)
smooth = np.tile(np.linspace(0, 255, 16, dtype=np.float32)[None, :, None], (16, 1, 3)).astype(np.uint8)

png = tf.image.encode_png(tf.constant(rgb))
png16 = tf.image.encode_png(tf.constant(gray16), compression=9)
png_rgba = tf.image.encode_png(tf.constant(rgba))
decoded = tf.image.decode_png(png)
decoded16 = tf.image.decode_png(png16, dtype=tf.uint16)
decoded_rgba_as_rgb = tf.image.decode_png(png_rgba, channels=3)
decoded_gray = tf.image.decode_png(png, channels=1)
jpeg = tf.image.encode_jpeg(tf.constant(smooth), quality=95)
jpeg_decoded = tf.image.decode_jpeg(jpeg)
jpeg420 = tf.image.encode_jpeg(tf.constant(rgb), quality=75, chroma_downsampling=True, optimize_size=True)
jpeg420_gray = tf.image.decode_jpeg(jpeg420, channels=1, dct_method="INTEGER_ACCURATE")
jpeg_shape = tf.image.extract_jpeg_shape(jpeg)
as_image = tf.image.decode_image(png)
is_jpeg = [tf.image.is_jpeg(jpeg), tf.image.is_jpeg(png)]

with tf.Session() as sess:
    jpeg_pixels = sess.run(jpeg_decoded)
    results = {
        "png_round_trip": bool(np.array_equal(sess.run(decoded), rgb)),
        "png16_round_trip": bool(np.array_equal(sess.run(decoded16), gray16)),
        "rgba_as_rgb": sess.run(decoded_rgba_as_rgb),
        "gray": sess.run(decoded_gray),
        "jpeg_shape": sess.run(jpeg_shape),
        "jpeg_bytes": sess.run(jpeg),
        "jpeg_pixels": jpeg_pixels,
        "jpeg420_bytes": sess.run(jpeg420),
        "jpeg420_gray": sess.run(jpeg420_gray),
        "jpeg_close": bool(np.abs(jpeg_pixels.astype(int) - smooth.astype(int)).max() <= 8),
        "jpeg_decoded_shape": list(jpeg_pixels.shape),
        "decode_image": sess.run(as_image),
        "is_jpeg": sess.run(is_jpeg),
        "static_shapes": [str(t.shape) for t in (decoded, decoded16, decoded_rgba_as_rgb, jpeg_decoded, as_image)],
        "dtypes": [t.dtype.name for t in (decoded, decoded16, jpeg_shape)],
    }
