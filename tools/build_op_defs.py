"""Builds the engine's binary OpList (engine/framework/op_defs.pb) from the OpDef source lists.

    python tools/build_op_defs.py           # or: make opdefs
    python tools/build_op_defs.py --check   # exits 1 when op_defs.pb is stale

The sources are TensorFlow's own OpDefs, as text: tests/data/tf/op_defs.pbtxt (the fixture TensorFlow
wrote) followed by tests/data/tf/op_defs_extra.pbtxt (the ops tagraph also uses that the fixture lacks,
each TensorFlow 2.21's ``op_def_registry.get(name)``; ``make interop`` compares them with TensorFlow's
registry). The binary form loads in 0.1 ms where parsing the text takes 50 ms of every start-up.
"""
import pathlib
import sys

from google.protobuf import text_format

from tagraph.protos import op_def_pb2

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "tests" / "data" / "tf" / name for name in ("op_defs.pbtxt", "op_defs_extra.pbtxt")]
BINARY = ROOT / "engine" / "framework" / "op_defs.pb"


def op_list_from_sources():
    ops = op_def_pb2.OpList()
    for path in SOURCES:
        ops.MergeFrom(text_format.Parse(path.read_text(), op_def_pb2.OpList()))
    return ops


def main(argv):
    data = op_list_from_sources().SerializeToString(deterministic=True)
    if "--check" in argv:
        stale = not BINARY.exists() or BINARY.read_bytes() != data
        print("%s is %s" % (BINARY.relative_to(ROOT), "stale: run make opdefs" if stale else "current"))
        return 1 if stale else 0
    BINARY.write_bytes(data)
    print("wrote %s (%d ops)" % (BINARY.relative_to(ROOT), len(op_list_from_sources().op)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
