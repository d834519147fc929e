"""Image codecs: DecodeJpeg, DecodePng, DecodeGif, DecodeBmp, DecodeImage, DecodeAndCropJpeg, ExtractJpegShape,
EncodeJpeg, EncodeJpegVariableQuality and EncodePng (CPU only, as in TensorFlow), and the ``tf.image``
functions that build them.

    image = tg.image.decode_jpeg(tg.read_file(path), channels=3)        # [height, width, 3] uint8
    png = tg.image.encode_png(image)                                    # a scalar string

Decoding goes through maintained codec libraries, imported when an op first runs (``pip install
'tagraph[image]'``): JPEG through simplejpeg, whose libjpeg-turbo is asked for TensorFlow's settings (the
fast integer DCT unless ``dct_method="INTEGER_ACCURATE"``, fancy chroma upsampling, the ``ratio`` as a
decoder scale), so the pixels are TensorFlow's; PNG and GIF through Pillow, with libpng's conversions that
TensorFlow asks for (alpha added, stripped or taken from tRNS, grey to RGB and RGB to grey with libpng's
integer weights, 8 to 16 bits and back) done here. BMP is read as TensorFlow's own reader reads it. JPEG
encoding goes through Pillow's libjpeg-turbo with TensorFlow's settings and JFIF header: TensorFlow's bytes;
PNG encoding is summary_ops' libpng-faithful encoder: TensorFlow's bytes too.

As in TensorFlow, every decode op sniffs the format from the first bytes and decodes any of them (decode_png
reads a JPEG), and bad or truncated data is an InvalidArgumentError with TensorFlow's message. Not read:
WebP and JPEG XL, 16-bit colour PNGs as uint16 or as grey (Pillow keeps 8 bits of them), and JPEGs cut
short with ``try_recover_truncated`` or ``acceptable_fraction`` < 1: each an UnimplementedError saying so.
DecodeAndCropJpeg crops a whole decode: where the crop's right edge lies inside a chroma-subsampled image,
that one column's colour can differ from TensorFlow's by a few levels (libjpeg-turbo, decoding the crop's
columns alone, repeats the edge's chroma there instead of interpolating).
"""
import io
import struct
import zlib

import numpy as np

from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.kind import host_kind
from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape, unknown_shape
from tagraph.engine.framework.graph import _graph_of
from tagraph.engine.ops.comparison_ops import equal
from tagraph.engine.ops.image_ops import shape_error
from tagraph.engine.ops.op_util import dbg, gen1, invalid
from tagraph.engine.ops.string_ops import substr
from tagraph.engine.ops.summary_ops import encode_png as _libpng_encode

__all__ = ["decode_jpeg", "decode_png", "decode_gif", "decode_bmp", "decode_and_crop_jpeg", "extract_jpeg_shape",
           "encode_jpeg", "encode_jpeg_variable_quality", "encode_png", "is_jpeg", "decode_image_op"]

_HOST = host_kind().device_type
_EXTRA = "pip install 'tagraph[image]'"


def _pillow():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("tagraph's PNG, GIF and JPEG encoding need Pillow: %s" % _EXTRA) from e
    return Image


def _simplejpeg():
    try:
        import simplejpeg
    except ImportError as e:
        raise ImportError("tagraph's JPEG decoding needs simplejpeg: %s" % _EXTRA) from e
    return simplejpeg


def _unimplemented(message):
    return errors.UnimplementedError(None, None, message)


# --- formats -----------------------------------------------------------------------------------------

def _format(data):
    """TensorFlow's ClassifyFileFormat, by the magic bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"GIF8"):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    if data.startswith(b"RIFF") and len(data) > 12 and data[8:12] == b"WEBP":
        return "WebP"
    if data.startswith(b"\xff\x0a") or data.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "JPEG XL"
    return None


def _to_dtype(pixels, dtype, png16=False):
    """8-bit pixels (or 16-bit ones, ``png16``) in the dtype asked for, scaled as TensorFlow scales them:
    uint16 from uint8 by 256 (by 257 for PNG, which libpng widens), float by 1/255 (1/65535 for PNG)."""
    if dtype == np.uint8:
        return pixels
    if png16:
        wide = pixels if pixels.dtype == np.uint16 else pixels.astype(np.uint16) * np.uint16(257)
        return wide if dtype == np.uint16 else wide.astype(np.float32) * np.float32(1.0 / 65535)
    if dtype == np.uint16:
        return pixels.astype(np.uint16) * np.uint16(256)
    return pixels.astype(np.float32) * np.float32(1.0 / 255)


# --- JPEG --------------------------------------------------------------------------------------------

_JPEG_FAILED = "jpeg::Uncompress failed. Invalid JPEG data or crop window."


def _jpeg_flags(ctx, op_type):
    """(ratio, fast DCT, fancy upsampling) of a DecodeJpeg/DecodeAndCropJpeg op; TensorFlow's defaults for
    the other ops."""
    if op_type not in ("DecodeJpeg", "DecodeAndCropJpeg"):
        return 1, True, True
    ratio = ctx.attrs.get("ratio", 1)
    if ratio not in (1, 2, 4, 8):
        raise invalid("ratio must be 1, 2, 4, or 8, got %d", ratio)
    dct = ctx.attrs.get("dct_method", b"")
    dct = dct.decode() if isinstance(dct, bytes) else dct
    if dct not in ("", "INTEGER_FAST", "INTEGER_ACCURATE"):
        raise invalid("dct_method must be one of {'', 'INTEGER_FAST', 'INTEGER_ACCURATE'}")
    return ratio, dct != "INTEGER_ACCURATE", bool(ctx.attrs.get("fancy_upscaling", True))


def _jpeg_header(data):
    try:
        height, width, colorspace, _ = _simplejpeg().decode_jpeg_header(data)
    except ValueError:
        return None
    return height, width, {"Gray": 1, "CMYK": 4, "YCCK": 4}.get(colorspace, 3)


def _decode_jpeg(ctx, op_type, data, channels, crop_window):
    if channels == 4:
        raise invalid("JPEG does not support 4 channels")
    if op_type == "DecodeBmp":
        raise invalid("Trying to decode JPEG format using DecodeBmp op. Use `decode_jpeg` or `decode_image` "
                      "instead.")
    ratio, fast_dct, fancy = _jpeg_flags(ctx, op_type)
    sj = _simplejpeg()
    header = _jpeg_header(data)
    if header is None:
        raise invalid(_JPEG_FAILED)
    height, width, components = header
    if components == 4:
        raise _unimplemented("Decoding CMYK JPEGs is not supported by tagraph")
    gray = channels == 1 or (channels == 0 and components == 1)
    scale = {}
    if ratio > 1:
        scale = dict(min_factor=ratio, min_height=-(-height // ratio), min_width=-(-width // ratio))
    kwargs = dict(colorspace="GRAY" if gray else "RGB", fastdct=fast_dct, fastupsample=not fancy, **scale)
    try:
        pixels = sj.decode_jpeg(data, strict=True, **kwargs)
    except ValueError as e:
        if "Premature end" in str(e):
            # TensorFlow fails on a JPEG cut short unless asked to accept part of one; what it then fills
            # the missing rows with is its own, not libjpeg's.
            if ctx.attrs.get("try_recover_truncated", False) or ctx.attrs.get("acceptable_fraction", 1.0) < 1:
                raise _unimplemented("Decoding a truncated JPEG with try_recover_truncated or acceptable_fraction "
                                     "< 1 is not supported by tagraph") from None
            raise invalid(_JPEG_FAILED) from None
        try:
            # libjpeg's other warnings (corrupt data it recovered from) do not stop TensorFlow.
            pixels = sj.decode_jpeg(data, strict=False, **kwargs)
        except ValueError:
            raise invalid(_JPEG_FAILED) from None
    pixels = pixels.reshape(pixels.shape[0], pixels.shape[1], -1)
    if crop_window is not None:
        y, x, h, w = crop_window
        if y < 0 or x < 0 or h <= 0 or w <= 0 or y + h > pixels.shape[0] or x + w > pixels.shape[1]:
            raise invalid(_JPEG_FAILED)
        pixels = pixels[y:y + h, x:x + w]
    return np.ascontiguousarray(pixels)


# --- PNG ---------------------------------------------------------------------------------------------

# libpng's png_set_rgb_to_gray(png_ptr, 1, 0.299, 0.587) weights, out of 32768.
_GRAY_WEIGHTS = (9797, 19234, 32768 - 9797 - 19234)


def _png_chunks(data):
    """[(type, start of chunk data, length)] of the complete chunks, and whether the stream ended cleanly
    with IEND, every critical chunk's CRC good."""
    chunks, pos, good = [], 8, False
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            chunks.append((kind, pos + 8, None))
            break
        if kind[:1].isupper() and zlib.crc32(data[pos + 4:end - 4]) != struct.unpack(">I", data[end - 4:end])[0]:
            chunks.append((kind, pos + 8, None))
            break
        chunks.append((kind, pos + 8, length))
        pos = end
        if kind == b"IEND":
            good = True
            break
    return chunks, good


def _png_raw(data):
    """The PNG's samples as Pillow reads them ([h, w, c]: grey, grey + alpha, RGB or RGBA, 8 bits, or 16-bit
    grey), with its colour type, bit depth and transparent colour (tRNS)."""
    Image = _pillow()
    chunks, complete = _png_chunks(data)
    first_idat = next((i for i, c in enumerate(chunks) if c[0] == b"IDAT"), None)
    # What TensorFlow's CommonInitDecode reads: every chunk up to the first IDAT's header.
    if first_idat is None or any(c[2] is None for c in chunks[:first_idat]) or chunks[0][0] != b"IHDR":
        raise invalid("Invalid PNG. Failed to initialize decoder.")
    width, height, bit_depth, color_type = struct.unpack(">IIBB", data[16:26])
    if not complete:
        raise invalid("Invalid PNG data, size %d", len(data))
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception:  # noqa: BLE001 - Pillow reports bad data with several exception types
        raise invalid("Invalid PNG data, size %d", len(data)) from None
    transparency = image.info.get("transparency")
    if image.mode == "P":
        image = image.convert("RGBA" if transparency is not None else "RGB")
        transparency = None
    elif image.mode == "1":
        image = image.convert("L")
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if color_type == 4 and pixels.shape[2] == 4:         # 16-bit grey + alpha comes as RGBA
        pixels = pixels[:, :, [0, 3]]
    return pixels, color_type, bit_depth, transparency


def _png_channels(pixels, color_type, transparency, channels, bits):
    """libpng's transformations as TensorFlow's CommonInitDecode asks for them."""
    has_alpha = pixels.shape[2] in (2, 4)
    is_gray = pixels.shape[2] <= 2
    if channels == 0:
        channels = pixels.shape[2] if color_type != 3 else (4 if has_alpha else 3)
    color = pixels[:, :, :pixels.shape[2] - has_alpha]
    if channels % 2 == 0:
        if has_alpha:
            alpha = pixels[:, :, -1:]
        elif transparency is not None:
            key = np.atleast_1d(np.asarray(transparency, dtype=np.int64))
            alpha = np.where((color == key.astype(color.dtype)).all(axis=2, keepdims=True),
                             0, np.iinfo(color.dtype).max).astype(color.dtype)
        else:
            alpha = np.full(color.shape[:2] + (1,), np.iinfo(color.dtype).max, color.dtype)
    else:
        alpha = None
    if channels < 3 and not is_gray:
        if color.dtype == np.uint16:
            raise _unimplemented("Decoding a 16-bit colour PNG to grey is not supported by tagraph")
        rgb = color.astype(np.int64)
        mixed = (rgb[:, :, 0] * _GRAY_WEIGHTS[0] + rgb[:, :, 1] * _GRAY_WEIGHTS[1]
                 + rgb[:, :, 2] * _GRAY_WEIGHTS[2]) >> 15
        same = (rgb[:, :, 0] == rgb[:, :, 1]) & (rgb[:, :, 1] == rgb[:, :, 2])
        color = np.where(same, rgb[:, :, 0], mixed).astype(color.dtype)[:, :, None]
    elif channels >= 3 and is_gray:
        color = np.repeat(color, 3, axis=2)
    out = color if alpha is None else np.concatenate([color, alpha], axis=2)
    if out.dtype == np.uint16 and bits == 8:
        out = (out >> 8).astype(np.uint8)
    return np.ascontiguousarray(out)


def _decode_png(op_type, data, channels, dtype):
    pixels, color_type, bit_depth, transparency = _png_raw(data)
    if op_type == "DecodeBmp":
        raise invalid("Trying to decode PNG format using DecodeBmp op. Use `decode_png` or `decode_image` instead.")
    if op_type == "DecodeAndCropJpeg":
        raise invalid("DecodeAndCropJpeg operation can run on JPEG only, but detected PNG.")
    if bit_depth == 16 and color_type != 0 and dtype != np.uint8:
        raise _unimplemented("Decoding a 16-bit colour PNG to %s is not supported by tagraph (Pillow keeps 8 bits "
                             "of its samples)" % dtypes.as_dtype(dtype).name)
    out = _png_channels(pixels, color_type, transparency, channels, 8 if dtype == np.uint8 else 16)
    return _to_dtype(out, dtype, png16=True)


# --- GIF and BMP -------------------------------------------------------------------------------------

def _decode_gif(op_type, data, channels, expand_animations):
    if channels not in (0, 3):
        raise invalid("channels must be 0 or 3 for GIF, got %d", channels)
    if op_type == "DecodeBmp":
        raise invalid("Trying to decode GIF format using DecodeBmp op. Use `decode_gif` or `decode_image` instead.")
    if op_type == "DecodeAndCropJpeg":
        raise invalid("DecodeAndCropJpeg operation can run on JPEG only, but detected GIF.")
    Image = _pillow()
    try:
        image = Image.open(io.BytesIO(data))
        count = getattr(image, "n_frames", 1)
        if op_type in ("DecodePng", "DecodeJpeg") and count > 1:
            raise invalid("Got %d frames, but animated gifs can only be decoded by tf.io.decode_gif or "
                          "tf.io.decode_image", count)
        frames = []
        for i in range(count if expand_animations else 1):
            image.seek(i)
            frames.append(np.asarray(image.convert("RGB")))
    except errors.OpError:
        raise
    except Exception as e:  # noqa: BLE001 - Pillow reports bad data with several exception types
        raise invalid("Invalid GIF data (size %d), %s", len(data), e) from None
    return np.stack(frames)


def _decode_bmp(op_type, data, channels):
    """TensorFlow's own BMP reader: uncompressed 8-, 24- or 32-bit pixels, BGR(A), rows bottom-up unless
    the height is negative."""
    if channels == 1:
        raise invalid("`channels` must be 0, 3 or 4 for BMP, but got %d", channels)
    if op_type not in ("DecodeBmp", "DecodeImage"):
        if op_type == "DecodeAndCropJpeg":
            raise invalid("DecodeAndCropJpeg operation can run on JPEG only, but detected BMP.")
        raise invalid("Trying to decode BMP format using a wrong op. Use `decode_bmp` or `decode_image` instead. "
                      "Op used: %s", op_type)
    if len(data) < 32:
        raise invalid("Incomplete bmp content, requires at least 32 bytes to find the header size, width, height, "
                      "and bpp, got %d bytes", len(data))
    header_size, = struct.unpack("<i", data[10:14])
    width, height = struct.unpack("<ii", data[18:26])
    bpp, = struct.unpack("<h", data[28:30])
    img_channels = bpp // 8
    if img_channels not in (1, 3, 4):
        raise invalid("Number of channels inherent in the image must be 1, 3 or 4, was %d", img_channels)
    if width <= 0:
        raise invalid("Width must be positive")
    if height == 0:
        raise invalid("Height must be nonzero")
    if header_size < 0:
        raise invalid("header size must be nonnegative")
    if width * abs(height) >= (2 ** 31 - 1) // 8:
        raise invalid("Total possible pixel bytes must be less than 2^30")
    rows = abs(height)
    row_size = (img_channels * width + 3) // 4 * 4
    size_diff = len(data) - header_size - row_size * rows
    if size_diff != 0:
        raise invalid("Input size should match (header_size + row_size * abs_height) but they differ by %d", size_diff)
    pixels = np.frombuffer(data, np.uint8, row_size * rows, header_size).reshape(rows, row_size)
    pixels = pixels[:, :width * img_channels].reshape(rows, width, img_channels)
    if height > 0:
        pixels = pixels[::-1]
    wanted = channels or img_channels
    if img_channels == 1:
        out = np.repeat(pixels, wanted, axis=2)
    else:
        bgr = pixels[:, :, 2::-1]
        if wanted == 4:
            alpha = pixels[:, :, 3:4] if img_channels == 4 else np.full(bgr.shape[:2] + (1,), 255, np.uint8)
            out = np.concatenate([bgr, alpha], axis=2)
        else:
            out = bgr
    return np.ascontiguousarray(out)


# --- the decode kernel (TensorFlow's DecodeImageV2Op: one kernel for every decode op) -------------------

def _decode(ctx, op_type, contents, crop_window=None):
    dtype = np.dtype(dtypes.as_dtype(ctx.attrs.get("dtype", dtypes.uint8)).as_numpy_dtype)
    channels = ctx.attrs.get("channels", 3 if op_type == "DecodeGif" else 0)
    if channels not in (0, 1, 3, 4):
        raise invalid("`channels` must be 0, 1, 3 or 4 but got %d", channels)
    if np.ndim(contents) != 0:
        raise invalid("`contents` must be scalar but got shape%s", dbg(np.shape(contents)))
    data = contents.item() if isinstance(contents, np.ndarray) else contents
    data = data.encode() if isinstance(data, str) else bytes(data)
    if not data:
        raise invalid("Input is empty.")
    fmt = _format(data)
    expand = op_type == "DecodeGif" or (op_type == "DecodeImage" and ctx.attrs.get("expand_animations", True))
    if fmt == "JPEG":
        if crop_window is not None:
            crop_window = np.asarray(crop_window)
            if crop_window.ndim != 1:
                raise invalid("crop_window must be 1-D, got shape %s", dbg(crop_window.shape))
            if crop_window.shape[0] != 4:
                raise invalid("crop_size must have four elements %s", dbg(crop_window.shape))
            crop_window = [int(v) for v in crop_window]
        out = _to_dtype(_decode_jpeg(ctx, op_type, data, channels, crop_window), dtype)
    elif fmt == "PNG":
        out = _decode_png(op_type, data, channels, dtype)
    elif fmt == "GIF":
        frames = _decode_gif(op_type, data, channels, expand)
        return _to_dtype(frames if expand else frames[0], dtype)
    elif fmt == "BMP":
        out = _to_dtype(_decode_bmp(op_type, data, channels), dtype)
    elif fmt is not None:
        raise _unimplemented("Decoding %s images is not supported by tagraph" % fmt)
    else:
        raise invalid("Unknown image file format. One of JPEG, JPEG XL, PNG, GIF, BMP, WebP required.")
    return out[None] if op_type == "DecodeGif" else out


def _decoder(op_type):
    def kernel(ctx, contents):
        return _decode(ctx, op_type, contents)
    return kernel


for _op in ("DecodeJpeg", "DecodePng", "DecodeGif", "DecodeBmp", "DecodeImage"):
    register_kernel(_op, _HOST)(_decoder(_op))


@register_kernel("DecodeAndCropJpeg", _HOST)
def _decode_and_crop_jpeg(ctx, contents, crop_window):
    return _decode(ctx, "DecodeAndCropJpeg", contents, crop_window)


@register_kernel("ExtractJpegShape", _HOST)
def _extract_jpeg_shape(ctx, contents):
    if np.ndim(contents) != 0:
        raise invalid("contents must be scalar, got shape %s", dbg(np.shape(contents)))
    data = bytes(contents.item())
    header = _jpeg_header(data) if data.startswith(b"\xff\xd8") else None
    if header is None:
        raise invalid("Invalid JPEG data, size %d", len(data))
    out_type = dtypes.as_dtype(ctx.attrs.get("output_type", dtypes.int32)).as_numpy_dtype
    return np.array(header, out_type)


# --- encoding ----------------------------------------------------------------------------------------

def _attr_text(v):
    return v.decode() if isinstance(v, bytes) else v


def _encode_jpeg(image, quality, progressive=False, optimize=False, chroma_downsampling=True, density_unit=1,
                 x_density=300, y_density=300, xmp=b""):
    """JPEG bytes as TensorFlow's jpeg::Compress writes them (libjpeg-turbo's, through Pillow)."""
    h, w, _ = image.shape
    if h <= 0 or w <= 0:
        raise errors.InternalError(None, None, "JPEG encoding failed")
    Image = _pillow()
    buf = io.BytesIO()
    pixels = image[:, :, 0] if image.shape[2] == 1 else image
    options = dict(quality=int(quality), progressive=bool(progressive), optimize=bool(optimize),
                   subsampling=2 if chroma_downsampling and image.shape[2] == 3 else 0, dpi=(1, 1))
    if xmp:
        options["xmp"] = xmp
    Image.fromarray(np.ascontiguousarray(pixels)).save(buf, "JPEG", **options)
    data = bytearray(buf.getvalue())
    # The JFIF header's density: unit (1 inch, 2 cm), then x and y (Pillow writes inches only).
    data[13:18] = struct.pack(">BHH", density_unit, x_density, y_density)
    return bytes(data)


def _jpeg_image(image):
    if image.ndim != 3:
        raise invalid("image must be 3-dimensional%s", dbg(image.shape))
    if image.size >= 2 ** 31 - 1:
        raise invalid("Cannot encode images with >= max int32 elements")
    return image


@register_kernel("EncodeJpeg", _HOST)
def _encode_jpeg_kernel(ctx, image):
    a = ctx.attrs
    fmt = _attr_text(a.get("format", ""))
    if fmt not in ("", "grayscale", "rgb"):
        raise invalid("format must be '', grayscale or rgb, got %s", fmt)
    quality = a.get("quality", 95)
    if not 0 <= quality <= 100:
        raise invalid("quality must be in [0,100], got %d", quality)
    unit = _attr_text(a.get("density_unit", "in"))
    if unit not in ("in", "cm"):
        raise invalid("density_unit must be 'in' or 'cm'%s", unit)
    image = _jpeg_image(image)
    if fmt == "":
        if image.shape[2] not in (1, 3):
            raise invalid("image must have 1 or 3 channels, got %s", dbg(image.shape))
    elif image.shape[2] != (1 if fmt == "grayscale" else 3):
        raise invalid("format %s expects %d channels, got %s", fmt, 1 if fmt == "grayscale" else 3, dbg(image.shape))
    xmp = a.get("xmp_metadata", b"")
    return np.array(_encode_jpeg(image, quality, a.get("progressive", False), a.get("optimize_size", False),
                                 a.get("chroma_downsampling", True), 1 if unit == "in" else 2, a.get("x_density", 300),
                                 a.get("y_density", 300), xmp.encode() if isinstance(xmp, str) else xmp),
                    dtype=object)


@register_kernel("EncodeJpegVariableQuality", _HOST)
def _encode_jpeg_variable_quality(ctx, images, quality):
    image = _jpeg_image(images)
    if np.ndim(quality) != 0:
        raise invalid("quality must be scalar: %s", dbg(np.shape(quality)))
    q = int(quality)
    if not 0 <= q <= 100:
        raise invalid("quality must be in [0,100], got %d", q)
    if image.shape[2] not in (1, 3):
        raise invalid("image must have 1 or 3 channels, got %s", dbg(image.shape))
    return np.array(_encode_jpeg(image, q), dtype=object)


@register_kernel("EncodePng", _HOST)
def _encode_png_kernel(ctx, image):
    compression = ctx.attrs.get("compression", -1)
    if not -1 <= compression <= 9:
        raise invalid("compression should be in [-1,9], got %d", compression)
    if image.ndim < 3:
        raise invalid("images must be at least rank 3%s", dbg(image.shape))
    h, w, c = image.shape[-3:]
    if not 1 <= c <= 4:
        raise invalid("image must have 1, 2, 3, or 4 channels, got %d", c)
    batch = image.shape[:-3]
    flat = image.reshape((-1, h, w, c))
    out = np.empty(len(flat), dtype=object)
    for i, one in enumerate(flat):
        if h == 0 or w == 0:
            raise errors.InternalError(None, None, "PNG encoding failed at the following flattened batch indices: "
                                       + ", ".join(str(j) for j in range(len(flat))))
        out[i] = _libpng_encode(np.ascontiguousarray(one), compression)
    return out.reshape(batch)


# --- shapes ------------------------------------------------------------------------------------------

def _scalar_input(op, i=0):
    s = op.inputs[i].shape
    if s.rank not in (None, 0):
        raise shape_error(op, "Shape must be rank 0 but is rank %d" % s.rank)


def _channels_dim(op):
    channels = op.get_attr("channels")
    if channels < 0:
        raise ValueError("channels must be non-negative, got %d" % channels)
    return channels or None


@register_shape("DecodeJpeg", "DecodePng", "DecodeBmp")
def _decode_shape(op):
    _scalar_input(op)
    return [TensorShape([None, None, _channels_dim(op)])]


@register_shape("DecodeImage")
def _decode_image_shape(op):
    _scalar_input(op)
    channels = _channels_dim(op)
    return [unknown_shape() if op.get_attr("expand_animations") else TensorShape([None, None, channels])]


@register_shape("DecodeGif")
def _decode_gif_shape(op):
    _scalar_input(op)
    return [TensorShape([None, None, None, 3])]


@register_shape("DecodeAndCropJpeg")
def _decode_and_crop_shape(op):
    _scalar_input(op)
    channels = _channels_dim(op)
    window = op.inputs[1].shape
    if window.rank not in (None, 1):
        raise shape_error(op, "Shape must be rank 1 but is rank %d" % window.rank)
    if window.rank == 1 and window.dims[0] not in (None, 4):
        raise shape_error(op, "Dimension must be 4 but is %d" % window.dims[0])
    v = constant_value(op.inputs[1])
    h, w = (None, None) if v is None else (int(v[2]), int(v[3]))
    return [TensorShape([h, w, channels])]


@register_shape("ExtractJpegShape")
def _extract_jpeg_shape_shape(op):
    _scalar_input(op)
    return [TensorShape([3])]


@register_shape("EncodeJpeg", "EncodeJpegVariableQuality")
def _encode_jpeg_shape(op):
    s = op.inputs[0].shape
    if s.rank not in (None, 3):
        raise shape_error(op, "Shape must be rank 3 but is rank %d" % s.rank)
    return [TensorShape([])]


@register_shape("EncodePng")
def _encode_png_shape(op):
    s = op.inputs[0].shape
    if s.rank is None:
        return [unknown_shape()]
    if s.rank < 3:
        raise shape_error(op, "Shape must be at least rank 3 but is rank %d" % s.rank)
    return [TensorShape(s.dims[:-3])]


not_differentiable("DecodeJpeg", "DecodePng", "DecodeGif", "DecodeBmp", "DecodeImage", "DecodeAndCropJpeg",
                   "ExtractJpegShape", "EncodeJpeg", "EncodeJpegVariableQuality", "EncodePng")


# --- constructors --------------------------------------------------------------------------------------

def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """The image a JPEG (or PNG, or single-frame GIF) string holds, as [height, width, channels] uint8
    (DecodeJpeg): ``channels`` 0 keeps the file's, 1 gives grey, 3 RGB; ``ratio`` 2, 4 or 8 shrinks it
    while decoding.

        image = tg.image.decode_jpeg(tg.read_file("cat.jpg"), channels=3)
    """
    return gen1("DecodeJpeg", [contents], dict(channels=channels, ratio=ratio, fancy_upscaling=fancy_upscaling,
                                               try_recover_truncated=try_recover_truncated,
                                               acceptable_fraction=acceptable_fraction, dct_method=dct_method),
                name, "DecodeJpeg")


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """The ``crop_window`` ([y, x, height, width]) of a JPEG image (DecodeAndCropJpeg)."""
    return gen1("DecodeAndCropJpeg", [contents, crop_window],
                dict(channels=channels, ratio=ratio, fancy_upscaling=fancy_upscaling,
                     try_recover_truncated=try_recover_truncated, acceptable_fraction=acceptable_fraction,
                     dct_method=dct_method), name, "DecodeAndCropJpeg")


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """The image a PNG (or JPEG, or single-frame GIF) string holds, as [height, width, channels] uint8 or
    uint16 (DecodePng); ``channels`` 0 keeps the file's, 1 grey, 3 RGB, 4 RGBA."""
    return gen1("DecodePng", [contents], dict(channels=channels, dtype=dtypes.as_dtype(dtype)), name, "DecodePng")


def decode_gif(contents, name=None):
    """The frames of a GIF, as [frames, height, width, 3] uint8 (DecodeGif)."""
    return gen1("DecodeGif", [contents], None, name, "DecodeGif")


def decode_bmp(contents, channels=0, name=None):
    """The image a BMP string holds, as [height, width, channels] uint8 (DecodeBmp)."""
    return gen1("DecodeBmp", [contents], dict(channels=channels), name, "DecodeBmp")


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None):
    """[height, width, channels] of a JPEG, from its header alone (ExtractJpegShape)."""
    return gen1("ExtractJpegShape", [contents], dict(output_type=dtypes.as_dtype(output_type)), name,
                "ExtractJpegShape")


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,  # noqa: A002
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300, xmp_metadata="",
                name=None):
    """JPEG bytes of a [height, width, 1 or 3] uint8 image (EncodeJpeg), TensorFlow's own.

        data = tg.image.encode_jpeg(image, quality=90)
    """
    return gen1("EncodeJpeg", [image], dict(format=format, quality=quality, progressive=progressive,
                                            optimize_size=optimize_size, chroma_downsampling=chroma_downsampling,
                                            density_unit=density_unit, x_density=x_density, y_density=y_density,
                                            xmp_metadata=xmp_metadata), name, "EncodeJpeg")


def encode_jpeg_variable_quality(images, quality, name=None):
    """JPEG bytes at a ``quality`` given as a tensor (EncodeJpegVariableQuality)."""
    return gen1("EncodeJpegVariableQuality", [images, quality], None, name, "EncodeJpegVariableQuality")


def encode_png(image, compression=-1, name=None):
    """PNG bytes of each [height, width, channels] uint8 or uint16 image (EncodePng), TensorFlow's own;
    ``compression`` is zlib's level, -1 for the default."""
    return gen1("EncodePng", [image], dict(compression=compression), name, "EncodePng")


def is_jpeg(contents, name=None):
    """Whether ``contents`` starts as a JPEG does (its first three bytes FF D8 FF); a scalar bool.

        tg.image.is_jpeg(tg.read_file(path))
    """
    g = _graph_of([contents])
    with g.as_default(), g.name_scope(name or "is_jpeg") as scope:
        return equal(substr(contents, 0, 3), b"\xff\xd8\xff", name=scope)


def decode_image_op(contents, channels, dtype, expand_animations, name=None):
    """The DecodeImage op itself (tf.image.decode_image wraps it)."""
    return gen1("DecodeImage", [contents], dict(channels=channels, dtype=dtypes.as_dtype(dtype),
                                                expand_animations=expand_animations), name, "DecodeImage")
