"""The shipped binary OpList (engine/op_defs.pb) is TensorFlow's text OpLists, unchanged: the fixture's
(op_defs.pbtxt) followed by the ops tagraph also uses that it lacks (op_defs_extra.pbtxt, TensorFlow 2.21's
``op_def_registry.get(name)`` of each; ``make interop`` compares them with TensorFlow's registry).

    python tests/engine/test_op_defs.py     # rebuilds engine/op_defs.pb from the two text files
"""
import pathlib

from google.protobuf import text_format

from tagraph.protos import op_def_pb2

ROOT = pathlib.Path(__file__).parents[2]
TEXTS = [ROOT / "tests" / "data" / "tf" / name for name in ("op_defs.pbtxt", "op_defs_extra.pbtxt")]
BINARY = ROOT / "engine" / "framework" / "op_defs.pb"


def _from_text():
    ops = op_def_pb2.OpList()
    for path in TEXTS:
        ops.MergeFrom(text_format.Parse(path.read_text(), op_def_pb2.OpList()))
    return ops


def test_the_extra_op_defs_add_only_ops_the_fixture_lacks():
    fixture, extra = (text_format.Parse(p.read_text(), op_def_pb2.OpList()) for p in TEXTS)
    assert extra.op and not {o.name for o in fixture.op} & {o.name for o in extra.op}


def test_shipped_op_defs_match_tensorflow_text():
    got = op_def_pb2.OpList.FromString(BINARY.read_bytes())
    assert got == _from_text(), "engine/op_defs.pb is stale: run python tests/engine/test_op_defs.py"


def test_engine_loads_the_shipped_file():
    from tagraph.engine.framework import op_builder
    assert pathlib.Path(op_builder._OP_DEFS_PATH).resolve() == BINARY.resolve()


if __name__ == "__main__":
    BINARY.write_bytes(_from_text().SerializeToString(deterministic=True))
