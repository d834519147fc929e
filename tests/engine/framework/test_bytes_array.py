"""Reading object arrays of bytes in place: the layout probe, the all-bytes check that lets large string feeds
through unconverted, and its refusals (small arrays, other element types)."""
import numpy as np
import pytest

from tagraph.engine.framework import bytes_array
from tagraph.engine.framework.tensor_util import to_numpy

pytestmark = pytest.mark.skipif(bytes_array.layout() is None, reason="no confirmed bytes layout here")

N = bytes_array.MIN_SIZE * 2


def _words(n=N):
    return np.array([b"w%d" % i for i in range(n)], dtype=object)


def test_layout_reads_back_a_known_object():
    type_off, size_off, data_off = bytes_array.layout()
    assert type_off < size_off < data_off == bytes.__basicsize__ - 1


def test_pointers_are_the_elements_addresses():
    words = _words(10)
    assert bytes_array.pointers(words).tolist() == [id(w) for w in words]


@pytest.mark.parametrize("odd", ["text", np.bytes_(b"x"), 3, None, bytearray(b"x")])
def test_all_bytes_sees_any_other_element(odd):
    words = _words()
    assert bytes_array.all_bytes(words) is True
    words[N - 1] = odd
    assert bytes_array.all_bytes(words) is False


def test_small_and_non_object_arrays_are_left_to_the_caller():
    assert bytes_array.all_bytes(_words(10)) is None
    assert bytes_array.all_bytes(np.zeros(N)) is None


def test_to_numpy_keeps_a_bytes_array_and_converts_anything_else():
    words = _words()
    assert to_numpy(words, "string") is words
    strided = to_numpy(words[::2], "string")
    assert strided.flags.c_contiguous and strided.tolist() == words[::2].tolist()
    words[5] = "t\u00e9xt"
    converted = to_numpy(words, "string")
    assert converted is not words and converted[5] == "t\u00e9xt".encode()
    words[6] = 7
    with pytest.raises(TypeError, match="Expected bytes or str"):
        to_numpy(words, "string")
