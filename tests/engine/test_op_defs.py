"""The shipped binary OpList (engine/op_defs.pb) is TensorFlow's text OpList, unchanged.

    python tests/engine/test_op_defs.py     # rebuilds engine/op_defs.pb from tests/data/tf/op_defs.pbtxt
"""
import pathlib

from google.protobuf import text_format

from tagraph.protos import op_def_pb2

ROOT = pathlib.Path(__file__).parents[2]
TEXT = ROOT / "tests" / "data" / "tf" / "op_defs.pbtxt"
BINARY = ROOT / "engine" / "op_defs.pb"


def _from_text():
    ops = op_def_pb2.OpList()
    text_format.Parse(TEXT.read_text(), ops)
    return ops


def test_shipped_op_defs_match_tensorflow_text():
    got = op_def_pb2.OpList.FromString(BINARY.read_bytes())
    assert got == _from_text(), "engine/op_defs.pb is stale: run python tests/engine/test_op_defs.py"


def test_engine_loads_the_shipped_file():
    from tagraph.engine import op_builder
    assert pathlib.Path(op_builder._OP_DEFS_PATH).resolve() == BINARY.resolve()


if __name__ == "__main__":
    BINARY.write_bytes(_from_text().SerializeToString(deterministic=True))
