"""``map(parse_single_example).batch(n)`` run as ``batch(n).map(parse_example)``: one parse per batch.

TensorFlow 1 input pipelines parse one record at a time and then batch::

    ds = tg.data.TFRecordDataset(files).map(lambda r: tg.parse_single_example(r, features)).batch(256)

Run as written, that is one call of the map function per record, which costs far more than parsing the
record. Where the map function is exactly one ParseExampleV2 of its one string argument (what
``parse_single_example`` builds, in tagraph and in TensorFlow 2) returning dense values of fully defined
shapes (FixedLenFeature), the batch's records are parsed by one call of the same function on the vector of
records: the parser gives every dense feature ``[batch] + shape``, which is what batching the single
results gives, value for value.

A batch that fails to parse is parsed again record by record, so the error is the one the record's own map
call gives (naming the element and its file and record), and, as in the pipeline as written, the records
after the failing one start the next batch.

    if parses_one_example(fn):
        iterator = ParsedBatches(records, fn, call, batch_size, drop_remainder)
"""
import weakref

import numpy as np

from tagraph.engine.framework import dtypes, errors
from tagraph.engine.framework.common_shapes import constant_value
from tagraph.engine.framework.tensor_shape import as_shape

__all__ = ["parses_one_example", "ParsedBatches"]

_CHECKED = weakref.WeakKeyDictionary()      # compiled function -> whether it parses one Example


def _through_identities(t):
    while t.op.type == "Identity" and not t.op._control_inputs:
        t = t.op.inputs[0]
    return t


def parses_one_example(fn):
    """Whether the compiled dataset function ``fn`` is one ParseExampleV2 of its one string argument
    returning only dense values of fully defined shapes (computed once per function)."""
    got = _CHECKED.get(fn)
    if got is None:
        got = _CHECKED[fn] = _check(fn.body)
    return got


# Pure ops a parse's constant inputs are made of (its defaults are reshaped constants).
_CONSTANT_OPS = frozenset(["Const", "Identity", "Reshape"])


def _check(body):
    if len(body.inputs) != 1 or body.targets or body.inputs[0].dtype != dtypes.string or not body.outputs:
        return False
    arg = body.inputs[0]
    ops = body.graph.get_operations()
    parses = [op for op in ops if op.type == "ParseExampleV2"]
    if len(parses) != 1 or any(op.type not in _CONSTANT_OPS for op in ops if op is not parses[0] and op is not arg.op):
        return False
    parse = parses[0]
    if parse._control_inputs or _through_identities(parse.inputs[0]) is not arg:
        return False
    on_arg = _reaching(arg.op, ops)
    if any(t.op in on_arg for t in parse.inputs[1:]):
        return False
    names, ragged_keys = constant_value(parse.inputs[1]), constant_value(parse.inputs[4])
    if names is None or np.size(names) or ragged_keys is None or np.size(ragged_keys):
        return False
    if any(not as_shape(s).is_fully_defined() for s in parse.get_attr("dense_shapes")):
        return False
    first_dense = 3 * parse.get_attr("num_sparse")
    dense = parse.outputs[first_dense:first_dense + len(parse.get_attr("Tdense"))]
    return all(_through_identities(t) in dense for t in body.outputs)


def _run_of(source):
    return (source[0], source[1], 1) if source is not None else (None, 0, 1)


def _expand(runs, count):
    """Per record, its (file, index in the file) or None, from runs (file, first index, count); None for
    each where the runs do not account for every record."""
    sources = [(path, first + i) if path is not None else None for path, first, n in runs for i in range(n)]
    return sources if len(sources) == count else [None] * count


def _reaching(start, ops):
    """The ops (of ``ops``, in graph order) that ``start``'s outputs reach, ``start`` included."""
    reached = {start}
    for op in ops:
        if any(t.op in reached for t in op.inputs) or any(c in reached for c in op._control_inputs):
            reached.add(op)
    return reached


class ParsedBatches:
    """The batches of ``records`` (an iterator of scalar string elements) mapped by ``fn`` (which
    :func:`parses_one_example`) and batched ``batch_size`` at a time; ``call`` is the map's UserFunction
    (its single-record call, for the errors)."""

    def __init__(self, records, fn, call, batch_size, drop_remainder):
        self.input, self.fn, self.call = records, fn, call
        self.batch_size, self.drop_remainder = batch_size, drop_remainder
        self.seen = 0                           # records taken by the map, as its own iterator counts them
        self.pending, self.pending_sources = [], []

    def _take(self, n):
        """Up to ``n`` records (bytes), fewer only at the end, and where they were read: runs of (file, index
        in it of the first, count), the file None where unknown (expanded only when a batch fails)."""
        records, runs = self.pending[:n], [_run_of(s) for s in self.pending_sources[:n]]
        del self.pending[:n], self.pending_sources[:n]
        take = getattr(self.input, "next_strings", None)
        if len(records) < n and self.input is not None and take is not None:
            got = take(n - len(records), runs)
            if got is not None:
                records += got
                if len(records) < n:
                    self._end()
        while len(records) < n and self.input is not None:
            x = self.input.get_next()
            if x is None:
                self._end()
                break
            records.append(x[0][()])
            runs.append(_run_of(self.input.last_source()))
        return records, runs

    def _end(self):
        self.input.close()
        self.input = None

    def get_next(self):
        records, runs = self._take(self.batch_size)
        if not records:
            return None
        serialized = np.empty(len(records), dtype=object)
        serialized[:] = records
        first = self.seen
        self.seen += len(records)
        try:
            values = self.fn([serialized])
        except errors.OpError:
            self._fail_as_one(records, _expand(runs, len(records)), first)
            raise
        if self.drop_remainder and len(records) < self.batch_size:
            return None
        return list(values)

    def _fail_as_one(self, records, sources, first):
        """Raises the error of the first record whose own map call fails; the records after it wait for the
        next batch."""
        for k, record in enumerate(records):
            try:
                self.call([np.array(record, dtype=object)], lambda k=k: (first + k, sources[k]))
            except errors.OpError:
                self.pending[:0], self.pending_sources[:0] = records[k + 1:], sources[k + 1:]
                self.seen = first + k + 1
                raise

    def last_source(self):
        return None

    def close(self):
        if self.input is not None:
            self._end()
