"""A REST request body as JSON values: small bodies at once, large ones piece by piece.

A body up to ``SMALL_BODY`` bytes is parsed with orjson, straight into Python values (the fast path).
A larger one is checked whole by :func:`tagraph.serving.json_scan.validate` (TensorFlow Serving's syntax
rules and error messages, without holding the GIL), and then represented lazily: its top-level object
is a :class:`LazyObject` whose large members are :class:`LazyArray` spans of the body, and the decoder
walks a LazyArray in batches of about ``BATCH_BYTES`` of text, each parsed with orjson and converted to
numpy before the next. So a 50 MB body of one-float rows never becomes millions of Python lists at once,
and no single step holds the GIL for long. A body orjson refuses (rapidjson's ``NaN`` and ``Infinity``,
text after the document) goes through the same check, then Python's json module.

    doc = parse(body)                      # dict, or LazyObject for a large body
    for first_index, values in elements(doc["instances"]):
        ...
"""
import contextlib
import gc
import json
import threading
import time

import numpy as np
import orjson

from tagraph.serving import json_scan
from tagraph.serving.status import ServingError

__all__ = ["parse", "LazyArray", "LazyObject", "elements", "first_element", "is_array", "compact_text",
           "SMALL_BODY", "BATCH_BYTES"]

SMALL_BODY = 256 << 10
BATCH_BYTES = 128 << 10
_SPANS = 1 << 16                   # element spans fetched per scan


_gc_lock = threading.Lock()
_gc_pauses = [0, False]            # decodes in progress, whether the collector was on before the first


@contextlib.contextmanager
def _collector_paused():
    """Keeps Python's cyclic garbage collector off while JSON values are built.

    A batch of rows is tens of thousands of new lists, which set off collections that walk every object
    of the process (300 ms, holding the GIL, with a model loaded). JSON values hold no cycles: they are
    freed by reference counting as soon as they are converted, so the collector has nothing to find."""
    with _gc_lock:
        if _gc_pauses[0] == 0:
            _gc_pauses[1] = gc.isenabled()
            gc.disable()
        _gc_pauses[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses[0] -= 1
            if _gc_pauses[0] == 0 and _gc_pauses[1]:
                gc.enable()


class _Body:
    """The request's bytes, as bytes for the parsers and as a uint8 array for the scans."""

    __slots__ = ("data", "array", "specials")

    def __init__(self, data, specials):
        self.data = data
        self.array = np.frombuffer(data, np.uint8)
        self.specials = specials

    def load(self, start, end, wrap=False):
        """The JSON value of data[start:end] (``wrap``: several comma-separated values, as a list)."""
        with _collector_paused():
            return self._load(start, end, wrap)

    def _load(self, start, end, wrap):
        if self.specials:
            text = json_scan.rewrite_specials(self.array, start, end)
            return _python_json(b"[" + text + b"]" if wrap else text)
        view = memoryview(self.data)[start:end]
        text = b"".join((b"[", view, b"]")) if wrap else view
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            # A number rapidjson's arithmetic keeps under the double limit and exact rounding does not.
            return _python_json(bytes(text))

    def value(self, start, end):
        """The value at data[start:end]: parsed if small, else a lazy node."""
        if end - start <= BATCH_BYTES:
            return self.load(start, end)
        opening = self.array[start]
        if opening == 91:
            return LazyArray(self, start, end)
        if opening == 123:
            return LazyObject(self, start, end)
        return self.load(start, end)


def _big_int(text):
    value = int(text)
    # rapidjson (and orjson) read an integer outside int64 / uint64 as a double.
    return value if -2**63 <= value < 2**64 else float(text)


def _python_json(data):
    return json.loads(data, parse_int=_big_int)


class LazyArray:
    """A JSON array still in the body; see the module docstring."""

    __slots__ = ("_body", "start", "end", "_len")

    def __init__(self, body, start, end):
        self._body = body
        self.start = start
        self.end = end
        self._len = None

    def __len__(self):
        if self._len is None:
            self._len = int(json_scan.count_elements(self._body.array, self.start))
        return self._len

    def __repr__(self):
        return "LazyArray(%d bytes)" % (self.end - self.start)

    def batches(self):
        """Yields (index of the first, [values]): consecutive elements, about BATCH_BYTES of text each."""
        body = self._body
        starts, ends = np.empty(_SPANS, np.int64), np.empty(_SPANS, np.int64)
        pos, index = self.start, 0
        while pos >= 0:
            count, pos = json_scan.array_elements(body.array, pos, starts, ends)
            k = 0
            while k < count:
                if ends[k] - starts[k] > BATCH_BYTES:
                    yield index, [body.value(int(starts[k]), int(ends[k]))]
                    index += 1
                    k += 1
                    continue
                # Ends increase, so the elements ending within BATCH_BYTES of this one's start are a prefix.
                j = max(k + 1, int(np.searchsorted(ends[k:count], starts[k] + BATCH_BYTES, side="right")) + k)
                time.sleep(0)        # hands the GIL to any thread waiting for it (the event loop) between batches
                yield index, body.load(int(starts[k]), int(ends[j - 1]), wrap=True)
                index += j - k
                k = j

    def first(self):
        starts, ends = np.empty(1, np.int64), np.empty(1, np.int64)
        count, _ = json_scan.array_elements(self._body.array, self.start, starts, ends)
        return self._body.value(int(starts[0]), int(ends[0])) if count else None

    def compact(self, limit):
        return compact_text(self._body, self.start, self.end, limit)


class LazyObject(dict):
    """A JSON object of a large body: a dict whose large member values are lazy nodes."""

    def __init__(self, body, start, end):
        spans = np.empty((64, 4), np.int64)
        count = json_scan.object_members(body.array, start, spans)
        if count > len(spans):
            spans = np.empty((count, 4), np.int64)
            json_scan.object_members(body.array, start, spans)
        super().__init__()
        for ks, ke, vs, ve in spans[:count].tolist():
            self[body.load(ks, ke)] = body.value(vs, ve)
        self._body = body
        self.start = start
        self.end = end

    def compact(self, limit):
        return compact_text(self._body, self.start, self.end, limit)


def compact_text(body, start, end, limit):
    return json_scan.compact(body.array, start, end, limit).decode("utf-8", "replace")


def is_array(value):
    return isinstance(value, (list, LazyArray))


def elements(value):
    """Yields (index of the first, [values]) batches of a list or a LazyArray."""
    if isinstance(value, LazyArray):
        yield from value.batches()
    elif value:
        yield 0, value


def first_element(value):
    return value.first() if isinstance(value, LazyArray) else value[0]


def parse(data, small=SMALL_BODY):
    """The JSON document of a body (bytes or bytearray): Python values, or a LazyObject / LazyArray for a
    body larger than ``small``. A syntax error is INVALID_ARGUMENT with TensorFlow Serving's message."""
    if not data:
        raise ServingError.invalid_argument("JSON Parse error: The document is empty")
    if len(data) <= small:
        try:
            with _collector_paused():
                return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass                   # rapidjson may still accept it (NaN, trailing text); the scan says
    array = np.frombuffer(data, np.uint8)
    json_scan.warm_up()
    code, offset, flags, end = json_scan.validate(array)
    if code != 0:
        raise ServingError.invalid_argument("JSON Parse error: %s at offset: %d"
                                            % (json_scan.ERROR_MESSAGES[code], offset))
    body = _Body(data, bool(flags & json_scan.HAS_SPECIALS))
    start = _first_non_space(array, end)
    if len(data) <= small or (flags & json_scan.HAS_SPECIALS and end - start <= small):
        return body.load(start, end)
    if array[start] == 123:
        return LazyObject(body, start, end)
    if array[start] == 91:
        return LazyArray(body, start, end)
    return body.load(start, end)


def _first_non_space(array, end):
    for i in range(min(end, 64)):
        if array[i] not in (32, 9, 10, 13):
            return i
    head = array[:end]
    spaces = (head == 32) | (head == 9) | (head == 10) | (head == 13)
    return int(np.argmin(spaces))
