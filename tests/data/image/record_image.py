"""Records what TensorFlow 1's ``tf.image`` computes, for tests/engine/ops/test_image_ops.py and
test_image_codec_ops.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/image/record_image.py [family ...]
    (TAGRAPH_RECORD_DIR=DIR writes there instead: tests/interop/test_image_interop.py compares a fresh
    recording with the stored one)

The cases are defined here, once, and the tests import this file to build the same graphs in tagraph: a
case's ``build`` takes a TensorFlow-1 namespace (``tensorflow.compat.v1`` here, ``tagraph.engine`` in the
tests) and one placeholder per input. Families: ``resize`` (every resize op and method, every pixel-centre
convention, up and down, odd sizes, several dtypes, and the gradients), ``boxes`` (crop_and_resize and its
gradients, non_max_suppression), ``color`` (colour spaces, the
adjustments, dtype conversions, random adjustments for fixed seeds), ``layout`` (flips, rotations, crops,
pads, resize_images) and ``codec`` (JPEG, PNG, GIF and BMP bytes: TensorFlow's encodings of fixed images,
their decodings, and hand-made files of the kinds TensorFlow cannot write). ``<family>.npz`` holds each
case's inputs, outputs (strings as uint8 arrays), static output shapes, the upstream gradient fed to each
floating output and the gradients of the inputs in ``Case.grad``; each bad-input case (``Err``) holds the
error class TensorFlow raised and its message. Run under TensorFlow 2.21 in graph mode; importing this file
needs only numpy.
"""
import os
import struct
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 5          # the graph-level seed of every case (random functions also get op seeds)


class Case:
    """``build(tf, *placeholders)`` on ``inputs`` (arrays, or ``bytes`` for a scalar string); the gradients
    of the inputs numbered in ``grad``."""

    def __init__(self, name, build, inputs, grad=()):
        self.name, self.build, self.inputs, self.grad = name, build, list(inputs), tuple(grad)


class Err:
    """``build`` on ``inputs`` must fail as TensorFlow's does: while building with fully known shapes
    (``static``), else when run with placeholders of unknown shape."""

    def __init__(self, name, build, inputs, static=False):
        self.name, self.build, self.inputs, self.static = name, build, list(inputs), static


def rand(shape, dtype=np.float32, seed=0, low=0.0, high=1.0):
    r = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return r.integers(int(low), int(high) + 1, size=shape).astype(dtype)
    return r.uniform(low, high, size=shape).astype(dtype)


def u8(shape, seed):
    return rand(shape, np.uint8, seed, 0, 255)


def smooth(h, w, seed=0):
    """A [h, w, 3] uint8 picture with gradients and some noise (JPEG-friendly, not flat)."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 5 + y * 3) % 256, (x * x + y) % 256, (y * 7 + x) % 256], -1)
    noise = np.random.default_rng(seed).integers(-20, 21, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


# --- resize ------------------------------------------------------------------------------------------

_RESIZERS = {"bilinear": "resize_bilinear", "nearest": "resize_nearest_neighbor", "bicubic": "resize_bicubic",
             "area": "resize_area"}
_CONVENTIONS = {"legacy": {}, "align": {"align_corners": True}, "half": {"half_pixel_centers": True}}


def _resize(method, size, **kw):
    return lambda tf, x: getattr(tf.image, _RESIZERS[method])(x, size, **kw)


def _resize_cases():
    cases = []
    img = rand([2, 5, 7, 3], seed=1, low=-1, high=2)
    for method in _RESIZERS:
        for conv, kw in _CONVENTIONS.items():
            if method == "area" and conv == "half":
                continue
            differentiable = method != "area"
            for size_name, size in (("up", [9, 11]), ("down", [3, 4]), ("mixed", [8, 2]), ("one", [1, 1])):
                cases.append(Case("%s_%s_%s" % (method, conv, size_name), _resize(method, size, **kw), [img],
                                  grad=[0] if differentiable else []))
            cases.append(Case("%s_%s_uint8" % (method, conv), _resize(method, [13, 6], **kw),
                              [u8([1, 6, 9, 4], seed=2)]))
            cases.append(Case("%s_%s_f64" % (method, conv), _resize(method, [4, 10], **kw),
                              [rand([2, 3, 5, 2], np.float64, seed=3, low=-5, high=5)],
                              grad=[0] if method in ("bilinear", "bicubic") else []))
        cases.append(Case("%s_int32_big" % method, _resize(method, [5, 17]),
                          [rand([1, 11, 4, 1], np.int32, seed=4, low=-100000, high=100000)]))
        cases.append(Case("%s_f16" % method, _resize(method, [6, 3]),
                          [rand([1, 4, 5, 2], np.float16, seed=5, low=0, high=4)],
                          grad=[0] if method == "nearest" else []))
        cases.append(Case("%s_large_down" % method, _resize(method, [7, 5]), [rand([1, 40, 33, 3], seed=6)]))
        cases.append(Case("%s_same_size" % method, _resize(method, [4, 6]), [rand([1, 4, 6, 2], seed=7)]))
    cases.append(Case("bilinear_half_large", _resize("bilinear", [31, 45], half_pixel_centers=True),
                      [u8([2, 22, 17, 3], seed=8)]))
    cases.append(Case("bicubic_half_edge", _resize("bicubic", [2, 13], half_pixel_centers=True),
                      [rand([1, 3, 3, 1], seed=9)], grad=[0]))
    cases.append(Case("nearest_int8", _resize("nearest", [5, 5], half_pixel_centers=True),
                      [rand([2, 3, 2, 2], np.int8, seed=10, low=-128, high=127)]))
    return cases


_ANY = rand([1, 4, 4, 3], seed=20)
RESIZE_ERRORS = [
    Err("resize_rank3", lambda tf, x: tf.image.resize_bilinear(x, [3, 3]), [rand([4, 4, 3])]),
    Err("resize_rank3_static", lambda tf, x: tf.image.resize_bilinear(x, [3, 3]), [rand([4, 4, 3])], static=True),
    Err("resize_size_three", lambda tf, x, s: tf.image.resize_nearest_neighbor(x, s),
        [_ANY, np.array([2, 2, 2], np.int32)]),
    Err("resize_size_three_static", lambda tf, x: tf.image.resize_bicubic(x, [2, 2, 2]), [_ANY], static=True),
    Err("resize_zero_size", lambda tf, x, s: tf.image.resize_area(x, s), [_ANY, np.array([0, 3], np.int32)]),
    Err("resize_half_and_align", lambda tf, x: tf.image.resize_bilinear(x, [3, 3], align_corners=True,
                                                                         half_pixel_centers=True), [_ANY]),
    Err("resize_empty_image", lambda tf, x: tf.image.resize_bicubic(x, [3, 3]), [np.zeros([1, 0, 4, 3], np.float32)]),
    Err("resize_no_channels", lambda tf, x: tf.image.resize_nearest_neighbor(x, [3, 3]),
        [np.zeros([1, 2, 4, 0], np.float32)]),
    Err("resize_images_rank2", lambda tf, x: tf.image.resize_images(x, [3, 3]), [rand([4, 4])], static=True),
    Err("resize_images_bad_method", lambda tf, x: tf.image.resize_images(x, [3, 3], method=7), [_ANY], static=True),
]


# --- colour ------------------------------------------------------------------------------------------

def _seeded(fn):
    def build(tf, *xs):
        tf.set_random_seed(SEED)
        return fn(tf, *xs)
    return build


_RGB = rand([2, 3, 5, 3], seed=30)
_RGB_U8 = u8([3, 4, 3], seed=31)
_GRAYISH = np.concatenate([np.full([1, 2, 3], 0.25, np.float32), np.zeros([1, 2, 3], np.float32),
                           np.array([[[0.5, 0.5, 0.1], [0.2, 0.7, 0.7]]], np.float32)], axis=0)


def _color_cases():
    cases = [
        Case("rgb_to_hsv", lambda tf, x: tf.image.rgb_to_hsv(x), [_RGB], grad=[0]),
        Case("rgb_to_hsv_ties", lambda tf, x: tf.image.rgb_to_hsv(x), [_GRAYISH]),
        Case("rgb_to_hsv_f64", lambda tf, x: tf.image.rgb_to_hsv(x), [rand([4, 3], np.float64, seed=32)], grad=[0]),
        Case("rgb_to_hsv_f16", lambda tf, x: tf.image.rgb_to_hsv(x), [rand([5, 3], np.float16, seed=33)]),
        Case("hsv_to_rgb", lambda tf, x: tf.image.hsv_to_rgb(x), [rand([2, 4, 3], seed=34)]),
        Case("hsv_to_rgb_f64", lambda tf, x: tf.image.hsv_to_rgb(x), [rand([3, 3], np.float64, seed=35)]),
        Case("hsv_round_trip", lambda tf, x: tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x)), [_RGB]),
        Case("adjust_contrast", lambda tf, x: tf.image.adjust_contrast(x, 1.7), [_RGB]),
        Case("adjust_contrast_odd", lambda tf, x: tf.image.adjust_contrast(x, 0.3),
             [rand([7, 13, 2], seed=36, low=-3, high=3)]),
        Case("adjust_contrast_uint8", lambda tf, x: tf.image.adjust_contrast(x, 2.5), [_RGB_U8]),
        Case("adjust_contrast_tensor", lambda tf, x, f: tf.image.adjust_contrast(x, f), [_RGB, np.float32(0.5)]),
        Case("adjust_hue", lambda tf, x: tf.image.adjust_hue(x, 0.2), [_RGB]),
        Case("adjust_hue_negative", lambda tf, x: tf.image.adjust_hue(x, -0.7), [_RGB]),
        Case("adjust_hue_ties", lambda tf, x: tf.image.adjust_hue(x, 0.45), [_GRAYISH]),
        Case("adjust_hue_uint8", lambda tf, x: tf.image.adjust_hue(x, 0.1), [_RGB_U8]),
        Case("adjust_saturation", lambda tf, x: tf.image.adjust_saturation(x, 0.4), [_RGB]),
        Case("adjust_saturation_up", lambda tf, x: tf.image.adjust_saturation(x, 3.0), [_RGB]),
        Case("adjust_saturation_ties", lambda tf, x: tf.image.adjust_saturation(x, 1.5), [_GRAYISH]),
        Case("adjust_saturation_uint8", lambda tf, x: tf.image.adjust_saturation(x, 0.5), [_RGB_U8]),
        Case("adjust_brightness", lambda tf, x: tf.image.adjust_brightness(x, 0.3), [_RGB], grad=[0]),
        Case("adjust_brightness_uint8", lambda tf, x: tf.image.adjust_brightness(x, 0.4), [_RGB_U8]),
        Case("adjust_brightness_uint8_down", lambda tf, x: tf.image.adjust_brightness(x, -0.5), [_RGB_U8]),
        Case("adjust_gamma", lambda tf, x: tf.image.adjust_gamma(x, 2.2, 0.9), [_RGB], grad=[0]),
        Case("adjust_gamma_uint8", lambda tf, x: tf.image.adjust_gamma(x, 0.5), [_RGB_U8]),
        Case("per_image_standardization", lambda tf, x: tf.image.per_image_standardization(x), [_RGB], grad=[0]),
        Case("per_image_standardization_uint8", lambda tf, x: tf.image.per_image_standardization(x), [_RGB_U8]),
        Case("per_image_standardization_flat", lambda tf, x: tf.image.per_image_standardization(x),
             [np.full([2, 2, 1], 7, np.int32)]),
        Case("rgb_to_grayscale", lambda tf, x: tf.image.rgb_to_grayscale(x), [_RGB], grad=[0]),
        Case("rgb_to_grayscale_uint8", lambda tf, x: tf.image.rgb_to_grayscale(x), [_RGB_U8]),
        Case("grayscale_to_rgb", lambda tf, x: tf.image.grayscale_to_rgb(x), [rand([2, 3, 4, 1], seed=37)], grad=[0]),
        Case("rgb_to_yiq_and_back", lambda tf, x: [tf.image.rgb_to_yiq(x), tf.image.yiq_to_rgb(x)], [_RGB]),
        Case("rgb_to_yuv_and_back", lambda tf, x: [tf.image.rgb_to_yuv(x), tf.image.yuv_to_rgb(x)], [_RGB]),
        Case("total_variation", lambda tf, x: tf.image.total_variation(x), [_RGB], grad=[0]),
        Case("total_variation_single", lambda tf, x: tf.image.total_variation(x), [_RGB[0]]),
        Case("image_gradients", lambda tf, x: list(tf.image.image_gradients(x)), [_RGB], grad=[0]),
        Case("random_brightness", _seeded(lambda tf, x: tf.image.random_brightness(x, 0.2, seed=7)), [_RGB]),
        Case("random_contrast", _seeded(lambda tf, x: tf.image.random_contrast(x, 0.5, 1.5, seed=8)), [_RGB]),
        Case("random_hue", _seeded(lambda tf, x: tf.image.random_hue(x, 0.3, seed=9)), [_RGB]),
        Case("random_saturation", _seeded(lambda tf, x: tf.image.random_saturation(x, 0.2, 1.8, seed=10)), [_RGB]),
    ]
    conversions = [(np.uint8, "float32", False), (np.uint8, "int32", False), (np.uint8, "uint16", True),
                   (np.int32, "uint8", False), (np.int32, "uint8", True), (np.int64, "int16", True),
                   (np.uint16, "float64", False), (np.float32, "uint8", False), (np.float32, "uint8", True),
                   (np.float32, "int32", True), (np.float64, "float16", False), (np.float32, "float32", False),
                   (np.int16, "int8", False)]
    for k, (src, dst, saturate) in enumerate(conversions):
        if np.dtype(src).kind == "f":
            x = rand([2, 3, 2], src, seed=40 + k, low=-0.2, high=1.2)
        else:
            info = np.iinfo(src)
            x = rand([2, 3, 2], src, seed=40 + k, low=max(info.min, -2 ** 40), high=min(info.max, 2 ** 40))
        cases.append(Case("convert_%s_%s%s" % (np.dtype(src).name, dst, "_sat" if saturate else ""),
                          lambda tf, x, dst=dst, saturate=saturate: tf.image.convert_image_dtype(
                              x, getattr(tf, dst), saturate=saturate), [x]))
    return cases


COLOR_ERRORS = [
    Err("rgb_to_hsv_four_channels", lambda tf, x: tf.image.rgb_to_hsv(x), [rand([2, 4])]),
    Err("rgb_to_hsv_four_channels_static", lambda tf, x: tf.image.rgb_to_hsv(x), [rand([2, 4])], static=True),
    Err("adjust_hue_rank2", lambda tf, x: tf.image.adjust_hue(x, 0.1), [rand([4, 3])]),
    Err("adjust_saturation_two_channels", lambda tf, x: tf.image.adjust_saturation(x, 0.1), [rand([2, 2, 2])]),
    Err("adjust_contrast_rank2_static", lambda tf, x: tf.image.adjust_contrast(x, 0.1), [rand([4, 3])], static=True),
    Err("per_image_standardization_rank2_static", lambda tf, x: tf.image.per_image_standardization(x),
        [rand([4, 3])], static=True),
    Err("grayscale_to_rgb_three_channels_static", lambda tf, x: tf.image.grayscale_to_rgb(x), [rand([2, 2, 3])],
        static=True),
    Err("grayscale_to_rgb_three_channels", lambda tf, x: tf.image.grayscale_to_rgb(x), [rand([2, 2, 3])]),
    Err("random_hue_too_much", lambda tf, x: tf.image.random_hue(x, 0.7), [_RGB], static=True),
    Err("total_variation_rank2", lambda tf, x: tf.image.total_variation(x), [rand([4, 3])], static=True),
]


# --- layout ------------------------------------------------------------------------------------------

_IMG = rand([4, 6, 2], seed=50)
_BATCH = rand([2, 5, 3, 3], seed=51)


def _layout_cases():
    cases = []
    for name, fn in (("flip_left_right", "flip_left_right"), ("flip_up_down", "flip_up_down"),
                     ("transpose", "transpose_image")):
        cases.append(Case(name, lambda tf, x, fn=fn: getattr(tf.image, fn)(x), [_IMG], grad=[0]))
        cases.append(Case(name + "_batch", lambda tf, x, fn=fn: getattr(tf.image, fn)(x), [_BATCH], grad=[0]))
    for k in range(-1, 5):
        cases.append(Case("rot90_%d" % k, lambda tf, x, k=k: tf.image.rot90(x, k), [_IMG], grad=[0]))
        cases.append(Case("rot90_batch_%d" % k, lambda tf, x, k=k: tf.image.rot90(x, k), [_BATCH]))
    cases += [
        Case("rot90_tensor_k", lambda tf, x, k: tf.image.rot90(x, k), [_BATCH, np.int32(3)]),
        Case("random_flip_left_right", _seeded(lambda tf, x: tf.image.random_flip_left_right(x, seed=3)), [_IMG]),
        Case("random_flip_up_down", _seeded(lambda tf, x: tf.image.random_flip_up_down(x, seed=4)), [_IMG]),
        Case("random_flip_left_right_batch", _seeded(lambda tf, x: tf.image.random_flip_left_right(x, seed=5)),
             [rand([6, 2, 3, 1], seed=52)]),
        Case("random_flip_up_down_batch", _seeded(lambda tf, x: tf.image.random_flip_up_down(x, seed=6)),
             [rand([6, 2, 3, 1], seed=53)]),
        Case("central_crop", lambda tf, x: tf.image.central_crop(x, 0.5), [rand([7, 9, 2], seed=54)], grad=[0]),
        Case("central_crop_batch", lambda tf, x: tf.image.central_crop(x, 0.33), [rand([2, 10, 7, 1], seed=55)]),
        Case("central_crop_whole", lambda tf, x: tf.image.central_crop(x, 1.0), [_IMG]),
        Case("crop_to_bounding_box", lambda tf, x: tf.image.crop_to_bounding_box(x, 1, 2, 2, 3), [_IMG], grad=[0]),
        Case("crop_to_bounding_box_batch", lambda tf, x: tf.image.crop_to_bounding_box(x, 2, 0, 3, 3), [_BATCH]),
        Case("pad_to_bounding_box", lambda tf, x: tf.image.pad_to_bounding_box(x, 1, 3, 7, 10), [_IMG], grad=[0]),
        Case("pad_to_bounding_box_batch", lambda tf, x: tf.image.pad_to_bounding_box(x, 0, 1, 5, 5), [_BATCH]),
        Case("resize_image_with_crop_or_pad_crop", lambda tf, x: tf.image.resize_image_with_crop_or_pad(x, 3, 3),
             [_IMG], grad=[0]),
        Case("resize_image_with_crop_or_pad_pad", lambda tf, x: tf.image.resize_image_with_crop_or_pad(x, 9, 8),
             [_IMG]),
        Case("resize_image_with_crop_or_pad_mixed", lambda tf, x: tf.image.resize_image_with_crop_or_pad(x, 2, 9),
             [_BATCH]),
        Case("resize_image_with_pad", lambda tf, x: tf.image.resize_image_with_pad(x, 8, 5), [_IMG]),
        Case("resize_image_with_pad_nearest", lambda tf, x: tf.image.resize_image_with_pad(x, 4, 12, method=1),
             [_BATCH]),
        Case("random_crop", _seeded(lambda tf, x: tf.image.random_crop(x, [3, 4, 2], seed=11)), [_IMG]),
        Case("random_crop_batch", _seeded(lambda tf, x: tf.image.random_crop(x, [2, 3, 2, 3], seed=12)), [_BATCH]),
    ]
    for method in range(4):
        cases.append(Case("resize_images_%d" % method, lambda tf, x, m=method: tf.image.resize_images(x, [7, 4], m),
                          [_IMG], grad=[0] if method != 3 else []))
        cases.append(Case("resize_images_align_%d" % method,
                          lambda tf, x, m=method: tf.image.resize_images(x, [3, 9], m, align_corners=True),
                          [_BATCH]))
        cases.append(Case("resize_images_aspect_%d" % method,
                          lambda tf, x, m=method: tf.image.resize_images(x, [12, 12], m, preserve_aspect_ratio=True),
                          [_IMG]))
    cases += [
        Case("resize_images_same", lambda tf, x: tf.image.resize_images(x, [4, 6]), [_IMG]),
        Case("resize_images_uint8_nearest", lambda tf, x: tf.image.resize_images(x, [3, 3], method=1),
             [u8([5, 5, 3], seed=56)]),
        Case("resize_images_tensor_size", lambda tf, x, s: tf.image.resize_images(x, s), [_BATCH,
                                                                                          np.array([4, 2], np.int32)]),
        Case("resize_alias", lambda tf, x: tf.image.resize(x, [2, 9], method=2), [_IMG]),
    ]
    return cases


LAYOUT_ERRORS = [
    Err("flip_rank2_static", lambda tf, x: tf.image.flip_left_right(x), [rand([4, 3])], static=True),
    Err("flip_rank5_static", lambda tf, x: tf.image.flip_up_down(x), [rand([1, 1, 2, 2, 1])], static=True),
    Err("flip_rank2", lambda tf, x: tf.image.flip_left_right(x), [rand([4, 3])]),
    Err("flip_zero_dim", lambda tf, x: tf.image.flip_left_right(x), [np.zeros([2, 0, 3], np.float32)]),
    Err("rot90_rank2_static", lambda tf, x: tf.image.rot90(x), [rand([4, 3])], static=True),
    Err("crop_too_far", lambda tf, x: tf.image.crop_to_bounding_box(x, 2, 2, 3, 3), [_IMG], static=True),
    Err("crop_too_far_dynamic", lambda tf, x: tf.image.crop_to_bounding_box(x, 2, 2, 3, 3), [_IMG]),
    Err("crop_negative_offset", lambda tf, x: tf.image.crop_to_bounding_box(x, -1, 0, 1, 1), [_IMG], static=True),
    Err("pad_too_small", lambda tf, x: tf.image.pad_to_bounding_box(x, 1, 1, 4, 4), [_IMG], static=True),
    Err("pad_too_small_dynamic", lambda tf, x: tf.image.pad_to_bounding_box(x, 1, 1, 4, 4), [_IMG]),
    Err("central_crop_fraction", lambda tf, x: tf.image.central_crop(x, 1.5), [_IMG], static=True),
    Err("crop_or_pad_zero_target", lambda tf, x: tf.image.resize_image_with_crop_or_pad(x, 0, 3), [_IMG],
        static=True),
    Err("random_crop_too_big", lambda tf, x: tf.image.random_crop(x, [5, 1, 1]), [_IMG]),
]


# --- codecs ------------------------------------------------------------------------------------------

class Encoded:
    """A string input made by TensorFlow while recording: ``encode(tf, image)`` of ``image``."""

    def __init__(self, encode, image):
        self.encode, self.image = encode, image


def _jpeg(image, **kw):
    return Encoded(lambda tf, x: tf.image.encode_jpeg(x, **kw), image)


def _png(image, **kw):
    return Encoded(lambda tf, x: tf.image.encode_png(x, **kw), image)


def _png_file(width, height, bit_depth, color_type, rows, palette=None, trns=None):
    """A PNG written here (filter 0 on every row): the kinds TensorFlow cannot write."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(palette))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _packed_rows(values, bits):
    """Rows of samples of ``bits`` (< 8) bits, packed MSB first."""
    rows = []
    for row in values:
        acc, n, out = 0, 0, bytearray()
        for v in row:
            acc, n = (acc << bits) | int(v), n + bits
            if n == 8:
                out.append(acc)
                acc, n = 0, 0
        if n:
            out.append(acc << (8 - n))
        rows.append(bytes(out))
    return rows


def _gif_file(frames, palette):
    """A GIF of [h, w] palette-index frames, LZW-coded with 9-bit codes only (a clear code every 254 pixels)."""
    h, w = frames[0].shape
    out = b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + bytes(palette) + bytes(768 - len(palette))
    if len(frames) > 1:
        out += b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for f in frames:
        out += b"!\xf9\x04\x00\x00\x00\x00\x00" + b"," + struct.pack("<HHHHB", 0, 0, w, h, 0)
        codes, bits, nbits, data = [256], 0, 0, bytearray()
        for i, p in enumerate(f.reshape(-1)):
            if i and i % 254 == 0:
                codes.append(256)
            codes.append(int(p))
        codes.append(257)
        for c in codes:
            bits |= c << nbits
            nbits += 9
            while nbits >= 8:
                data.append(bits & 0xFF)
                bits >>= 8
                nbits -= 8
        if nbits:
            data.append(bits & 0xFF)
        out += b"\x08" + b"".join(bytes([len(data[i:i + 255])]) + bytes(data[i:i + 255])
                                  for i in range(0, len(data), 255)) + b"\x00"
    return out + b";"


def _bmp_file(image, top_down=False):
    """A BMP of a [h, w, 3 or 4] uint8 image (BGR(A), rows padded to 4 bytes)."""
    h, w, c = image.shape
    row = (c * w + 3) // 4 * 4
    rows = image[:, :, [2, 1, 0] + ([3] if c == 4 else [])]
    rows = rows if top_down else rows[::-1]
    pixels = b"".join(r.tobytes() + bytes(row - c * w) for r in rows)
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, 8 * c, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


_PIC = smooth(37, 53)
_PIC_GRAY = _PIC[:, :, 1:2]
_PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0, 10, 20, 30, 200, 100, 50]
_GIF_FRAMES = [np.arange(35).reshape(5, 7) % 5, (np.arange(35).reshape(5, 7) * 3) % 5]
_IDX = np.random.default_rng(60).integers(0, 5, [6, 9])
_GRAY2 = np.random.default_rng(61).integers(0, 4, [5, 11])
_GRAY16 = np.random.default_rng(62).integers(0, 65536, [4, 6]).astype(">u2")
_RGB8 = u8([4, 5, 3], seed=63)

PALETTE_PNG = _png_file(9, 6, 8, 3, [bytes(r.astype(np.uint8)) for r in _IDX], _PALETTE, trns=[255, 0, 128])
PALETTE_PNG_OPAQUE = _png_file(9, 6, 8, 3, [bytes(r.astype(np.uint8)) for r in _IDX], _PALETTE)
GRAY2_PNG = _png_file(11, 5, 2, 0, _packed_rows(_GRAY2, 2))
GRAY1_PNG = _png_file(11, 5, 1, 0, _packed_rows(_GRAY2 % 2, 1))
GRAY16_PNG = _png_file(6, 4, 16, 0, [r.tobytes() for r in _GRAY16])
GRAY_TRNS_PNG = _png_file(11, 5, 8, 0, [bytes((r * 60).astype(np.uint8)) for r in _GRAY2], trns=[0, 120])
RGB_TRNS_PNG = _png_file(5, 4, 8, 2, [r.tobytes() for r in _RGB8], trns=[0, _RGB8[1, 2, 0], 0, _RGB8[1, 2, 1], 0,
                                                                          _RGB8[1, 2, 2]])
GIF_ONE = _gif_file(_GIF_FRAMES[:1], _PALETTE)
GIF_TWO = _gif_file(_GIF_FRAMES, _PALETTE)
BMP_RGB = _bmp_file(u8([5, 7, 3], seed=64))
BMP_RGBA_TOP_DOWN = _bmp_file(u8([3, 2, 4], seed=65), top_down=True)


def _codec_cases():
    jpeg_q95, jpeg_q50 = _jpeg(_PIC), _jpeg(_PIC, quality=50, chroma_downsampling=False)
    jpeg_gray = _jpeg(_PIC_GRAY)
    cases = [
        Case("encode_jpeg", lambda tf, x: tf.image.encode_jpeg(x), [_PIC]),
        Case("encode_jpeg_options", lambda tf, x: tf.image.encode_jpeg(
            x, quality=70, progressive=True, optimize_size=True, chroma_downsampling=False, density_unit="cm",
            x_density=72, y_density=96, xmp_metadata="<x:xmpmeta>tagraph</x:xmpmeta>"), [_PIC]),
        Case("encode_jpeg_gray", lambda tf, x: tf.image.encode_jpeg(x, format="grayscale", quality=80), [_PIC_GRAY]),
        Case("encode_png", lambda tf, x: tf.image.encode_png(x), [_PIC]),
        Case("encode_png_batch_gray_alpha", lambda tf, x: tf.image.encode_png(x, compression=9),
             [u8([2, 3, 4, 2], seed=66)]),
        Case("encode_png_uint16", lambda tf, x: tf.image.encode_png(x, compression=1),
             [rand([5, 3, 4], np.uint16, seed=67, low=0, high=65535)]),
        Case("encode_png_level0", lambda tf, x: tf.image.encode_png(x, compression=0), [u8([4, 4, 1], seed=68)]),
        Case("decode_jpeg", lambda tf, s: tf.image.decode_jpeg(s), [jpeg_q95]),
        Case("decode_jpeg_q50_444", lambda tf, s: tf.image.decode_jpeg(s), [jpeg_q50]),
        Case("decode_jpeg_accurate", lambda tf, s: tf.image.decode_jpeg(s, dct_method="INTEGER_ACCURATE"),
             [jpeg_q95]),
        Case("decode_jpeg_no_fancy", lambda tf, s: tf.image.decode_jpeg(s, fancy_upscaling=False), [jpeg_q95]),
        Case("decode_jpeg_gray_out", lambda tf, s: tf.image.decode_jpeg(s, channels=1), [jpeg_q95]),
        Case("decode_jpeg_gray_in", lambda tf, s: tf.image.decode_jpeg(s), [jpeg_gray]),
        Case("decode_jpeg_gray_to_rgb", lambda tf, s: tf.image.decode_jpeg(s, channels=3), [jpeg_gray]),
        Case("decode_jpeg_ratio2", lambda tf, s: tf.image.decode_jpeg(s, ratio=2), [jpeg_q95]),
        Case("decode_jpeg_ratio8", lambda tf, s: tf.image.decode_jpeg(s, ratio=8, channels=1), [jpeg_q50]),
        Case("decode_and_crop_jpeg", lambda tf, s: tf.image.decode_and_crop_jpeg(s, [3, 5, 20, 17]), [jpeg_q95]),
        Case("decode_and_crop_jpeg_tensor", lambda tf, s, w: tf.image.decode_and_crop_jpeg(s, w, channels=1),
             [jpeg_q50, np.array([0, 40, 37, 13], np.int32)]),
        Case("extract_jpeg_shape", lambda tf, s: [tf.image.extract_jpeg_shape(s),
                                                  tf.image.extract_jpeg_shape(s, output_type=tf.int64)], [jpeg_gray]),
        Case("decode_image_jpeg", lambda tf, s: tf.image.decode_image(s), [jpeg_q95]),
        Case("decode_image_jpeg_float", lambda tf, s: tf.image.decode_image(s, dtype=tf.float32), [jpeg_q50]),
        Case("decode_image_jpeg_uint16", lambda tf, s: tf.image.decode_image(s, dtype=tf.uint16), [jpeg_gray]),
        Case("decode_png_reads_jpeg", lambda tf, s: tf.image.decode_png(s), [jpeg_q95]),
        Case("decode_png", lambda tf, s: tf.image.decode_png(s), [_png(_PIC)]),
        Case("decode_png_gray_alpha_to_rgba", lambda tf, s: tf.image.decode_png(s, channels=4),
             [_png(u8([3, 4, 2], seed=69))]),
        Case("decode_png_rgba_to_gray", lambda tf, s: tf.image.decode_png(s, channels=1),
             [_png(u8([3, 4, 4], seed=70))]),
        Case("decode_png_uint16", lambda tf, s: tf.image.decode_png(s, dtype=tf.uint16),
             [_png(u8([3, 4, 3], seed=72))]),
        Case("decode_png_16bit_gray", lambda tf, s: [tf.image.decode_png(s, dtype=tf.uint16), tf.image.decode_png(s)],
             [_png(rand([4, 5, 1], np.uint16, seed=73, low=0, high=65535))]),
        Case("decode_png_16bit_rgb_to_uint8", lambda tf, s: tf.image.decode_png(s, channels=4),
             [_png(rand([4, 5, 3], np.uint16, seed=74, low=0, high=65535))]),
        Case("decode_png_palette", lambda tf, s: [tf.image.decode_png(s), tf.image.decode_png(s, channels=3),
                                                  tf.image.decode_png(s, channels=1)], [PALETTE_PNG]),
        Case("decode_png_palette_opaque", lambda tf, s: [tf.image.decode_png(s), tf.image.decode_png(s, channels=4)],
             [PALETTE_PNG_OPAQUE]),
        Case("decode_png_gray2", lambda tf, s: [tf.image.decode_png(s), tf.image.decode_png(s, channels=3)],
             [GRAY2_PNG]),
        Case("decode_png_gray1", lambda tf, s: tf.image.decode_png(s, dtype=tf.uint16), [GRAY1_PNG]),
        Case("decode_png_gray16_file", lambda tf, s: [tf.image.decode_png(s, dtype=tf.uint16),
                                                      tf.image.decode_png(s, channels=3)], [GRAY16_PNG]),
        Case("decode_png_gray_trns", lambda tf, s: [tf.image.decode_png(s), tf.image.decode_png(s, channels=3),
                                                    tf.image.decode_png(s, channels=4)], [GRAY_TRNS_PNG]),
        Case("decode_png_rgb_trns", lambda tf, s: [tf.image.decode_png(s), tf.image.decode_png(s, channels=4)],
             [RGB_TRNS_PNG]),
        Case("decode_image_png_float", lambda tf, s: tf.image.decode_image(s, dtype=tf.float32),
             [_png(u8([2, 3, 3], seed=75))]),
        Case("decode_image_png_int32", lambda tf, s: tf.image.decode_image(s, dtype=tf.int32, channels=3,
                                                                            expand_animations=False),
             [_png(u8([2, 3, 1], seed=76))]),
        Case("decode_gif", lambda tf, s: [tf.image.decode_gif(s), tf.image.decode_image(s),
                                          tf.image.decode_image(s, expand_animations=False)], [GIF_TWO]),
        Case("decode_gif_single_by_png", lambda tf, s: [tf.image.decode_png(s), tf.image.decode_jpeg(s)], [GIF_ONE]),
        Case("decode_bmp", lambda tf, s: [tf.image.decode_bmp(s), tf.image.decode_image(s, channels=4)], [BMP_RGB]),
        Case("decode_bmp_rgba_top_down", lambda tf, s: [tf.image.decode_bmp(s), tf.image.decode_bmp(s, channels=3)],
             [BMP_RGBA_TOP_DOWN]),
        Case("is_jpeg", lambda tf, s: tf.image.is_jpeg(s), [jpeg_q95]),
        Case("is_jpeg_png", lambda tf, s: tf.image.is_jpeg(s), [_png(u8([2, 2, 3], seed=86))]),
        Case("adjust_jpeg_quality", lambda tf, x: tf.image.adjust_jpeg_quality(x, 60), [_PIC]),
        Case("png_round_trip_16", lambda tf, x: tf.image.decode_png(tf.image.encode_png(x), dtype=tf.uint16),
             [rand([3, 4, 1], np.uint16, seed=77, low=0, high=65535)]),
        Case("jpeg_round_trip", lambda tf, x: tf.image.decode_jpeg(tf.image.encode_jpeg(x, quality=85)), [_PIC]),
    ]
    return cases


_TRUNC_JPEG = Encoded(lambda tf, x: tf.strings.substr(tf.image.encode_jpeg(x), 0, 1500), _PIC)
_TRUNC_PNG = Encoded(lambda tf, x: tf.strings.substr(tf.image.encode_png(x), 0, 300), _PIC)
CODEC_ERRORS = [
    Err("decode_truncated_jpeg", lambda tf, s: tf.image.decode_jpeg(s), [_TRUNC_JPEG]),
    Err("decode_image_truncated_jpeg", lambda tf, s: tf.image.decode_image(s), [_TRUNC_JPEG]),
    Err("decode_truncated_jpeg_header", lambda tf, s: tf.image.decode_jpeg(s), [b"\xff\xd8\xff\xe0\x00\x10JFIF"]),
    Err("decode_truncated_png", lambda tf, s: tf.image.decode_png(s), [_TRUNC_PNG]),
    Err("decode_truncated_png_header", lambda tf, s: tf.image.decode_png(s),
        [b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"]),
    Err("decode_garbage", lambda tf, s: tf.image.decode_image(s), [b"not an image at all"]),
    Err("decode_empty", lambda tf, s: tf.image.decode_jpeg(s), [b""]),
    Err("decode_png_as_bmp", lambda tf, s: tf.image.decode_bmp(s), [_png(u8([2, 2, 3], seed=78))]),
    Err("decode_bmp_as_png", lambda tf, s: tf.image.decode_png(s), [BMP_RGB]),
    Err("decode_animated_gif_as_jpeg", lambda tf, s: tf.image.decode_jpeg(s), [GIF_TWO]),
    Err("decode_jpeg_four_channels", lambda tf, s: tf.image.decode_jpeg(s, channels=4), [_jpeg(_PIC)]),
    Err("decode_and_crop_outside", lambda tf, s: tf.image.decode_and_crop_jpeg(s, [30, 0, 10, 10]), [_jpeg(_PIC)]),
    Err("extract_jpeg_shape_png", lambda tf, s: tf.image.extract_jpeg_shape(s), [_png(u8([2, 2, 3], seed=79))]),
    Err("encode_jpeg_four_channels", lambda tf, x: tf.image.encode_jpeg(x), [u8([2, 2, 4], seed=80)]),
    Err("encode_jpeg_rank2", lambda tf, x: tf.image.encode_jpeg(x), [u8([2, 2], seed=81)]),
    Err("encode_jpeg_rank2_static", lambda tf, x: tf.image.encode_jpeg(x), [u8([2, 2], seed=81)], static=True),
    Err("encode_jpeg_quality", lambda tf, x: tf.image.encode_jpeg(x, quality=101), [u8([2, 2, 3], seed=82)]),
    Err("encode_png_five_channels", lambda tf, x: tf.image.encode_png(x), [u8([2, 2, 5], seed=83)]),
    Err("encode_png_rank2", lambda tf, x: tf.image.encode_png(x), [u8([2, 2], seed=84)]),
    Err("encode_png_compression", lambda tf, x: tf.image.encode_png(x, compression=10), [u8([2, 2, 3], seed=85)]),
    Err("decode_png_two_channels", lambda tf, s: tf.image.decode_png(s, channels=2), [_png(u8([3, 4, 3], seed=71))]),
    Err("decode_contents_vector", lambda tf, s: tf.image.decode_png(s), [np.array([b"a", b"b"])]),
]

# --- boxes -------------------------------------------------------------------------------------------

_CROP_IMAGE = rand([2, 6, 7, 3], seed=90, low=-1, high=1)
_CROP_BOXES = np.array([[0.1, 0.2, 0.7, 0.9], [0.0, 0.0, 1.0, 1.0], [0.8, 0.3, 0.2, 0.6], [-0.2, 0.5, 0.4, 1.3]],
                       np.float32)
_CROP_INDEX = np.array([1, 0, 1, 0], np.int32)
_NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1],
                       [0, 100, 1, 101], [1, 1, 0, 0], [0, 0, 0, 0]], np.float32)
_NMS_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.8, 0.99], np.float32)


def _crop(size, **kw):
    return lambda tf, x, b, i: tf.image.crop_and_resize(x, b, i, size, **kw)


def _boxes_cases():
    return [
        Case("crop_and_resize", _crop([4, 5]), [_CROP_IMAGE, _CROP_BOXES, _CROP_INDEX], grad=[0, 1]),
        Case("crop_and_resize_nearest", _crop([5, 3], method="nearest"), [_CROP_IMAGE, _CROP_BOXES, _CROP_INDEX],
             grad=[0]),
        Case("crop_and_resize_extrapolate", _crop([3, 8], extrapolation_value=-7.5),
             [_CROP_IMAGE, _CROP_BOXES, _CROP_INDEX], grad=[0, 1]),
        Case("crop_and_resize_one_pixel", _crop([1, 1]), [_CROP_IMAGE, _CROP_BOXES, _CROP_INDEX], grad=[0, 1]),
        Case("crop_and_resize_uint8", _crop([6, 2]), [u8([1, 9, 5, 2], seed=91), _CROP_BOXES[:2],
                                                      np.zeros([2], np.int32)], grad=[1]),
        Case("crop_and_resize_f64", _crop([3, 3]), [rand([1, 4, 4, 1], np.float64, seed=92), _CROP_BOXES[:1],
                                                    np.zeros([1], np.int32)], grad=[0, 1]),
        Case("crop_and_resize_no_boxes", _crop([2, 2]), [_CROP_IMAGE, np.zeros([0, 4], np.float32),
                                                         np.zeros([0], np.int32)]),
        Case("non_max_suppression", lambda tf, b, s: tf.image.non_max_suppression(b, s, 6), [_NMS_BOXES, _NMS_SCORES]),
        Case("non_max_suppression_tight", lambda tf, b, s: tf.image.non_max_suppression(b, s, 3, iou_threshold=0.1),
             [_NMS_BOXES, _NMS_SCORES]),
        Case("non_max_suppression_scores", lambda tf, b, s: tf.image.non_max_suppression(
            b, s, 10, iou_threshold=0.9, score_threshold=0.7), [_NMS_BOXES, _NMS_SCORES]),
        Case("non_max_suppression_ties", lambda tf, b, s: tf.image.non_max_suppression(b, s, 4),
             [_NMS_BOXES[:4], np.float32([0.5, 0.5, 0.9, 0.5])]),
    ]


BOXES_ERRORS = [
    Err("crop_box_index_out_of_range", _crop([2, 2]), [_CROP_IMAGE, _CROP_BOXES, np.int32([0, 2, 1, 1])]),
    Err("crop_boxes_not_finite", _crop([2, 2]), [_CROP_IMAGE, np.float32([[0, 0, np.inf, 1]]), np.int32([0])]),
    Err("crop_boxes_three_columns_static", _crop([2, 2]), [_CROP_IMAGE, _CROP_BOXES[:, :3], _CROP_INDEX],
        static=True),
    Err("crop_zero_size", _crop([0, 2]), [_CROP_IMAGE, _CROP_BOXES, _CROP_INDEX]),
    Err("crop_bad_method", _crop([2, 2], method="bicubic"), [_CROP_IMAGE, _CROP_BOXES, _CROP_INDEX], static=True),
    Err("nms_negative_size", lambda tf, b, s: tf.image.non_max_suppression(b, s, -1), [_NMS_BOXES, _NMS_SCORES]),
    Err("nms_iou_above_one", lambda tf, b, s: tf.image.non_max_suppression(b, s, 3, iou_threshold=1.5),
        [_NMS_BOXES, _NMS_SCORES]),
    Err("nms_scores_mismatch_static", lambda tf, b, s: tf.image.non_max_suppression(b, s, 3),
        [_NMS_BOXES, _NMS_SCORES[:5]], static=True),
    Err("nms_scores_mismatch", lambda tf, b, s: tf.image.non_max_suppression(b, s, 3), [_NMS_BOXES, _NMS_SCORES[:5]]),
]

FAMILIES = {
    "boxes": (_boxes_cases, BOXES_ERRORS),
    "resize": (_resize_cases, RESIZE_ERRORS),
    "color": (_color_cases, COLOR_ERRORS),
    "layout": (_layout_cases, LAYOUT_ERRORS),
    "codec": (_codec_cases, CODEC_ERRORS),
}


def cases(family):
    return FAMILIES[family][0]()


def errors(family):
    return FAMILIES[family][1]


# --- recording (TensorFlow) --------------------------------------------------------------------------

def shape_string(s):
    """A static shape as TensorFlow and tagraph both can write it: ``2,?,3``, ``?`` for an unknown rank."""
    return "?" if s.rank is None else ",".join("?" if d is None else str(d) for d in s.as_list())


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _error_message(e):
    msg = getattr(e, "message", None) or str(e)
    lines = [ln for ln in msg.split("\n") if ln.strip() and not ln.startswith("  ")]
    lines = [ln for ln in lines if not ln.strip().startswith("[[") and not ln.startswith("Graph execution error")
             and not ln.startswith("Detected at node") and not ln.startswith("Node:")]
    return lines[-1].strip() if lines else msg


def as_array(value):
    """A value as the .npz stores it: a string becomes a uint8 array of its bytes (marked ``:bytes``), an
    array of strings the concatenation of theirs (marked ``:strings`` with their shape and lengths)."""
    if isinstance(value, bytes):
        return np.frombuffer(value, np.uint8), "bytes"
    value = np.asarray(value)
    if value.dtype == object:
        return np.frombuffer(b"".join(value.reshape(-1)), np.uint8), "strings"
    return value, None


def _store(data, key, value):
    data[key], kind = as_array(value)
    if kind == "bytes":
        data[key + ":bytes"] = np.array(1)
    elif kind == "strings":
        data[key + ":strings"] = np.array(np.shape(value), np.int64)
        data[key + ":lengths"] = np.array([len(b) for b in np.asarray(value).reshape(-1)], np.int64)


def _resolve(tf, inputs):
    """The cases' inputs with Encoded ones made by TensorFlow."""
    out = []
    for a in inputs:
        if isinstance(a, Encoded):
            with tf.Graph().as_default(), tf.Session() as sess:
                a = sess.run(a.encode(tf, tf.constant(a.image)))
        out.append(a)
    return out


def _placeholder(tf, a, static=True):
    if isinstance(a, bytes):
        return tf.placeholder(tf.string, [])
    a = np.asarray(a)
    dtype = tf.string if a.dtype.kind in "SO" else tf.as_dtype(a.dtype)
    return tf.placeholder(dtype, a.shape if static else None)


def _store_inputs(data, name, inputs):
    for i, a in enumerate(inputs):
        _store(data, "%s:in%d" % (name, i), a)


def record(tf, family):
    data = {}
    for c in cases(family):
        inputs = _resolve(tf, c.inputs)
        with tf.Graph().as_default():
            phs = [_placeholder(tf, a) for a in inputs]
            outs = _as_list(c.build(tf, *phs))
            feed = dict(zip(phs, inputs))
            with tf.Session() as sess:
                values = sess.run(outs, feed)
                ups = [(k, rand(np.shape(v), v.dtype, seed=1000 + k, low=-1, high=1)) for k, v in enumerate(values)
                       if outs[k].dtype.is_floating]
                grads = []
                if c.grad:
                    loss = tf.add_n([tf.reduce_sum(tf.cast(outs[k], tf.float64) * up.astype(np.float64))
                                     for k, up in ups])
                    grads = sess.run(tf.gradients(loss, [phs[i] for i in c.grad]), feed)
        _store_inputs(data, c.name, inputs)
        for k, v in enumerate(values):
            _store(data, "%s:out%d" % (c.name, k), v)
            data["%s:shape%d" % (c.name, k)] = np.array(shape_string(outs[k].shape))
        for k, up in ups:
            data["%s:up%d" % (c.name, k)] = up
        for i, v in zip(c.grad, grads):
            data["%s:grad%d" % (c.name, i)] = np.asarray(v)
    for e in errors(family):
        inputs = _resolve(tf, e.inputs)
        try:
            with tf.Graph().as_default():
                phs = [_placeholder(tf, a, e.static) for a in inputs]
                out = e.build(tf, *phs)
                with tf.Session() as sess:
                    sess.run(out, dict(zip(phs, inputs)))
        except Exception as ex:  # noqa: BLE001 - the error is what is recorded
            data["%s:error" % e.name] = np.array([type(ex).__name__, _error_message(ex)])
        else:
            sys.exit("%s: TensorFlow raised no error" % e.name)
        _store_inputs(data, e.name, inputs)
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), family + ".npz")
    np.savez_compressed(path, **data)
    print("wrote %s (%d values)" % (path, len(data)))


def main(families):
    import tensorflow.compat.v1 as tf  # noqa: only the recording needs TensorFlow
    tf.disable_eager_execution()
    for family in families or sorted(FAMILIES):
        record(tf, family)


if __name__ == "__main__":
    main(sys.argv[1:])
