"""The CPU's compiled ResizeBilinear (engine/ops/resize_kernels_cpu.py) against the array-namespace kernel it
replaces on the CPU (image_ops._bilinear, which test_image_ops checks against TensorFlow's recorded values):
equal bit for bit, for every pixel-centre convention, input dtype and edge case, and however the rows are
shared out."""
import numpy as np
import pytest

from tagraph.devices import cpu_threads
from tagraph.engine.ops import image_ops, resize_kernels_cpu

CONVENTIONS = {"legacy": (False, False), "align_corners": (True, False), "half_pixel_centers": (False, True)}


def _tables(images, convention, out_h, out_w):
    align, half = CONVENTIONS[convention]
    return image_ops._bilinear_tables(images, align, half, out_h, out_w)


def _assert_same_bits(actual, expected):
    assert actual.dtype == expected.dtype == np.float32
    assert actual.shape == expected.shape
    nan = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(actual), nan)
    np.testing.assert_array_equal(actual.view(np.int32)[~nan], expected.view(np.int32)[~nan])


def _check(images, convention, out_h, out_w):
    ys, xs = _tables(images, convention, out_h, out_w)
    with np.errstate(invalid="ignore", over="ignore"):       # inf - inf, and float64 beyond float32's range
        expected = image_ops._bilinear(np, images, ys, xs)
    _assert_same_bits(resize_kernels_cpu.resize_bilinear(images, ys, xs), expected)


SHAPES = [
    ((2, 5, 7, 3), (11, 13)),        # up
    ((3, 17, 12, 3), (6, 5)),        # down
    ((2, 9, 4, 3), (3, 10)),         # down one way, up the other
    ((1, 1, 1, 3), (4, 5)),          # a 1x1 input
    ((2, 6, 8, 1), (1, 1)),          # a 1x1 output
    ((1, 1, 5, 2), (1, 9)),          # one row in and out
    ((2, 3, 2, 4), (40, 37)),        # large scale factors
    ((1, 50, 60, 5), (2, 3)),        # small scale factors
    ((2, 7, 7, 1), (29, 3)),
    ((4, 1, 1, 7), (1, 1)),
]


@pytest.mark.parametrize("gaps", [False, True], ids=["cached", "streamed"])
@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
@pytest.mark.parametrize("shape,size", SHAPES, ids=[str(s) + "->" + str(z) for s, z in SHAPES])
def test_equals_reference_on_float32(shape, size, convention, gaps, monkeypatch):
    # Streamed: the rows skipped between two rows read are interpolated too, as for inputs beyond the caches.
    monkeypatch.setattr(resize_kernels_cpu, "STREAM_BYTES", 0 if gaps else 1 << 62)
    images = np.random.RandomState(sum(shape) + sum(size)).randn(*shape).astype(np.float32) * 100
    _check(images, convention, *size)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64, np.float64])
@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_other_dtypes_resize_to_float32_values(dtype, convention):
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    rs = np.random.RandomState(7)
    if info is None:
        images = (rs.randn(2, 6, 9, 3) * 1e30).astype(dtype)     # beyond float32's range and precision
    else:
        images = rs.randint(info.min, info.max, size=(2, 6, 9, 3), dtype=dtype)
    _check(images, convention, 13, 4)


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_nan_and_infinities_spread_as_in_tensorflow(convention):
    images = np.random.RandomState(3).rand(2, 6, 7, 3).astype(np.float32)
    images[0, 2, 3, 0] = np.nan
    images[0, 4, 1, 1] = np.inf
    images[1, 0, 0, 2] = -np.inf
    images[1, 5, 6, :] = np.inf               # inf - inf: NaN where TensorFlow's arithmetic makes one
    _check(images, convention, 11, 9)
    _check(images, convention, 3, 4)


@pytest.mark.parametrize("shape,size", [((1, 1, 4, 3), (1, 8)), ((3, 1, 1, 3), (5, 1)), ((2, 4, 1, 2), (1, 3))])
def test_align_corners_with_a_size_of_one(shape, size):
    images = np.random.RandomState(5).rand(*shape).astype(np.float32)
    _check(images, "align_corners", *size)


def test_non_contiguous_read_only_and_byte_swapped_inputs():
    images = np.random.RandomState(9).rand(3, 10, 12, 6).astype(np.float32)
    _check(images[:, ::2, 1::2, :3], "half_pixel_centers", 9, 8)
    _check(images.astype(">f4"), "legacy", 7, 15)
    _check((images * 3e4).astype(">i2"), "align_corners", 4, 5)
    images.setflags(write=False)
    _check(images, "legacy", 13, 4)


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_any_split_of_the_rows_gives_the_same_values(convention):
    # The shards each start with empty row buffers: every split point must give the same result.
    images = np.random.RandomState(11).rand(3, 8, 10, 3).astype(np.float32)
    (y_low, y_high, y_lerp), (x_low, x_high, x_lerp) = _tables(images, convention, 13, 7)
    left, right = (np.ascontiguousarray(x * 3, np.uint64) for x in (x_low, x_high))
    whole = resize_kernels_cpu.resize_bilinear(images, (y_low, y_high, y_lerp), (x_low, x_high, x_lerp))
    rows = 3 * 13
    for bounds in ([0, 1, rows], [0, 12, 13, 14, 30, rows], list(range(rows + 1))):
        out = np.full((rows, 7 * 3), np.nan, np.float32)
        for start, stop in zip(bounds, bounds[1:]):
            resize_kernels_cpu._resize_rows(images.reshape(-1), 8, 10 * 3, y_low, y_high, y_lerp, left, right,
                                            x_lerp, 3, out, start, stop, 2)
        _assert_same_bits(out.reshape(whole.shape), whole)


def test_shared_out_over_threads(monkeypatch):
    # Three intra-op threads and few values per shard: each thread takes rows of two images.
    monkeypatch.setattr(cpu_threads, "settings", lambda: cpu_threads.ThreadSettings(3, 3, 3, True))
    monkeypatch.setattr(resize_kernels_cpu, "MIN_SHARD_VALUES", 1)
    calls = []
    real = resize_kernels_cpu._resize_rows
    monkeypatch.setattr(resize_kernels_cpu, "_resize_rows", lambda *a: calls.append(a[-3:-1]) or real(*a))
    images = np.random.RandomState(13).rand(4, 9, 11, 3).astype(np.float32)
    _check(images, "legacy", 17, 5)
    assert sorted(calls) == [(0, 22), (22, 45), (45, 68)]


def test_empty_batch():
    images = np.zeros((0, 4, 5, 3), np.float32)
    ys, xs = _tables(images, "legacy", 8, 9)
    assert resize_kernels_cpu.resize_bilinear(images, ys, xs).shape == (0, 8, 9, 3)
