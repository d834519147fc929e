"""tg.image's codecs against TensorFlow's recorded bytes, pixels and errors (tests/data/image/codec.npz):
JPEG and PNG bytes TensorFlow wrote (tagraph's encoders write the same bytes; its decoders read TensorFlow's
pixels), PNG, GIF and BMP files of kinds TensorFlow cannot write, and bad or truncated data."""
import io
import struct

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from image_reference import check_case, check_error, family

CODEC, CODEC_ERRORS, CODEC_DATA = family("codec")
# TensorFlow's DecodeAndCropJpeg has libjpeg-turbo decode only the crop's columns: at a right edge inside the
# image, the chroma upsampling repeats the edge's chroma where a whole decode (tagraph's, through simplejpeg)
# interpolates toward the next column. That one column differs; test_decode_and_crop_jpeg checks the rest.
_CROP_INSIDE = "decode_and_crop_jpeg"

MESSAGES = {
    # TensorFlow's DecodeGif message ends with giflib's words; tagraph's with Pillow's.
    "decode_contents_vector": r"`contents` must be scalar but got shape\[2\]",
}


@pytest.mark.parametrize("known", [True, False], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", [c for c in CODEC if c.id != _CROP_INSIDE])
def test_codecs_match_tensorflow(device, case, known):
    check_case(device, case, CODEC_DATA, known)


def test_decode_and_crop_jpeg_matches_tensorflow_but_for_the_right_edge_column():
    case = next(c.values[0] for c in CODEC if c.id == _CROP_INSIDE)
    want = CODEC_DATA[_CROP_INSIDE + ":out0"]
    got = _run(lambda s: case.build(tg, s), CODEC_DATA[_CROP_INSIDE + ":in0"].tobytes())
    assert got.shape == want.shape == (20, 17, 3)
    np.testing.assert_array_equal(got[:, :-1], want[:, :-1])
    # The chroma there is the edge sample's, not halfway to the next one: a few levels apart at most.
    assert np.abs(got[:, -1].astype(int) - want[:, -1]).max() <= 16
    full = _run(tg.image.decode_jpeg, CODEC_DATA[_CROP_INSIDE + ":in0"].tobytes())
    np.testing.assert_array_equal(got, full[3:23, 5:22])


@pytest.mark.parametrize("err", CODEC_ERRORS)
def test_bad_data_fails_as_in_tensorflow(device, err):
    check_error(device, err, CODEC_DATA, MESSAGES.get(err.name))


def _run(build, *feeds):
    with tg.Graph().as_default():
        phs = [tg.placeholder(tg.string, []) if isinstance(f, bytes) else tg.placeholder(tg.as_dtype(f.dtype), f.shape)
               for f in feeds]
        with tg.Session() as sess:
            return sess.run(build(*phs), dict(zip(phs, feeds)))


def _jpeg_bytes():
    return CODEC_DATA["decode_jpeg:in0"].tobytes()


@pytest.mark.parametrize("cut", [200, 700, 1500, -1])
def test_a_jpeg_cut_short_anywhere_is_an_invalid_argument(cut):
    data = _jpeg_bytes()[:cut]
    with pytest.raises(errors.InvalidArgumentError, match=r"jpeg::Uncompress failed. Invalid JPEG data"):
        _run(tg.image.decode_jpeg, data)


def test_recovering_a_truncated_jpeg_is_refused_by_name():
    data = _jpeg_bytes()[:1500]
    with pytest.raises(errors.UnimplementedError, match="try_recover_truncated"):
        _run(lambda s: tg.image.decode_jpeg(s, try_recover_truncated=True), data)


@pytest.mark.parametrize("cut", [41, 300, -12, -1])
def test_a_png_cut_short_after_its_header_is_invalid_png_data(cut):
    data = CODEC_DATA["decode_png:in0"].tobytes()[:cut]
    with pytest.raises(errors.InvalidArgumentError, match=r"^Invalid PNG data, size %d(?!\d)" % len(data)):
        _run(tg.image.decode_png, data)


def test_a_png_with_a_bad_crc_is_invalid():
    data = bytearray(CODEC_DATA["decode_png:in0"].tobytes())
    data[45] ^= 0xFF      # inside the first IDAT
    with pytest.raises(errors.InvalidArgumentError, match="Invalid PNG data"):
        _run(tg.image.decode_png, bytes(data))


def test_16_bit_colour_pngs_are_refused_as_uint16_by_name():
    data = CODEC_DATA["decode_png_16bit_rgb_to_uint8:in0"].tobytes()
    with pytest.raises(errors.UnimplementedError, match="16-bit colour PNG to uint16"):
        _run(lambda s: tg.image.decode_png(s, dtype=tg.uint16), data)


def test_webp_is_refused_by_name():
    data = b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8)
    with pytest.raises(errors.UnimplementedError, match="WebP"):
        _run(tg.image.decode_image, data)


def test_encoded_pngs_decode_to_the_pixels_in_pillow():
    from PIL import Image
    image = np.random.default_rng(1).integers(0, 65536, [3, 5, 4]).astype(np.uint16)
    png = _run(lambda x: tg.image.encode_png(x, compression=3), image)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.size == (5, 3) and struct.unpack(">B", png[24:25])[0] == 16
    np.testing.assert_array_equal(np.asarray(decoded), (image >> 8).astype(np.uint8))


def test_the_image_extra_is_named_when_a_codec_is_missing(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_simplejpeg(name, *args, **kwargs):
        if name == "simplejpeg":
            raise ImportError("No module named 'simplejpeg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_simplejpeg)
    with pytest.raises(ImportError, match=r"pip install 'tagraph\[image\]'"):
        _run(tg.image.decode_jpeg, _jpeg_bytes())
