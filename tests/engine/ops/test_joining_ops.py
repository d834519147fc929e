"""ConcatOffset, which TensorFlow's ConcatV2 gradient builds (so its training graphs of partitioned variables
hold it), against TensorFlow's values and errors (tests/data/serialization/record_partitioned.py)."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "serialization"
RECORD = json.loads((DATA / "partitioned" / "partitioned.json").read_text())
_spec = importlib.util.spec_from_file_location("record_partitioned", DATA / "record_partitioned.py")
_recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recorder)
CASES = _recorder.CONCAT_OFFSETS   # name -> (concat_dim, shapes, dtype name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_concat_offset_against_tensorflow(case):
    axis, shapes, dtype = CASES[case]
    dtype = np.dtype(dtype)
    expected = RECORD["concat_offsets"][case]
    with tg.Graph().as_default() as g:
        phs = [tg.placeholder(tg.as_dtype(dtype), [None]) for _ in shapes]
        op = g.create_op("ConcatOffset", [tg.placeholder_with_default(np.int32(axis), []), phs], {},
                         name="ConcatOffset")
        assert [t.shape.as_list() for t in op.outputs] == [[None]] * len(shapes)
        feed = {p: np.array(s, dtype) for p, s in zip(phs, shapes)}
        with tg.Session() as sess:
            if isinstance(expected[0], str):
                with pytest.raises(getattr(errors, expected[0])) as info:
                    sess.run(op.outputs, feed)
                assert expected[1] in info.value.message
            else:
                got = sess.run(op.outputs, feed)
                assert [o.tolist() for o in got] == expected and all(o.dtype == dtype for o in got)
