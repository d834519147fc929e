"""The shipped binary OpList (engine/framework/op_defs.pb) is TensorFlow's text OpLists, unchanged: the
fixture's (op_defs.pbtxt) followed by the ops tagraph also uses that it lacks (op_defs_extra.pbtxt).
``make opdefs`` (tools/build_op_defs.py) rebuilds it; tests only read it."""
import importlib.util
import pathlib

from google.protobuf import text_format

from tagraph.engine.framework import op_builder
from tagraph.protos import op_def_pb2

ROOT = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("build_op_defs", ROOT / "tools" / "build_op_defs.py")
build_op_defs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_op_defs)


def test_the_extra_op_defs_add_only_ops_the_fixture_lacks():
    fixture, extra = (text_format.Parse(p.read_text(), op_def_pb2.OpList()) for p in build_op_defs.SOURCES)
    assert extra.op and not {o.name for o in fixture.op} & {o.name for o in extra.op}


def test_shipped_op_defs_match_tensorflow_text():
    got = op_def_pb2.OpList.FromString(build_op_defs.BINARY.read_bytes())
    assert got == build_op_defs.op_list_from_sources(), "engine/framework/op_defs.pb is stale: run make opdefs"


def test_the_check_mode_says_whether_the_binary_is_current(capsys):
    assert build_op_defs.main(["--check"]) == 0
    assert "current" in capsys.readouterr().out


def test_engine_loads_the_shipped_file():
    assert pathlib.Path(op_builder._OP_DEFS_PATH).resolve() == build_op_defs.BINARY.resolve()
