"""Adds TensorFlow's own OpDefs for the named ops to tests/data/tf/op_defs_extra.pbtxt, then rebuilds
engine/framework/op_defs.pb.

    python tools/record_op_defs.py Einsum GatherNd PartitionedCall ...

Runs TensorFlow (``make interop``'s venv, or TAGRAPH_TF_PYTHON) in a child process for
``op_def_registry.get(name)`` of each op; ops the fixture list or the extra list already has are left as
they are. The extra list stays sorted by name; ``make interop`` checks every entry against TensorFlow.
"""
import base64
import json
import os
import pathlib
import subprocess
import sys

from google.protobuf import text_format

from tagraph.protos import op_def_pb2

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "tf" / "op_defs.pbtxt"
EXTRA = ROOT / "tests" / "data" / "tf" / "op_defs_extra.pbtxt"
TF_PYTHON = os.environ.get("TAGRAPH_TF_PYTHON") or str(pathlib.Path.home() / ".cache" / "tagraph-tf-venv" / "bin" /
                                                        "python")
_CHILD = """
import base64, json, sys
from tensorflow.python.framework import op_def_registry
out = {}
for name in sys.argv[1:]:
    od = op_def_registry.get(name)
    out[name] = None if od is None else base64.b64encode(od.SerializeToString()).decode()
print(json.dumps(out))
"""


def main(names):
    known = {o.name for o in text_format.Parse(FIXTURE.read_text(), op_def_pb2.OpList()).op}
    extra = text_format.Parse(EXTRA.read_text(), op_def_pb2.OpList())
    known |= {o.name for o in extra.op}
    wanted = sorted(set(names) - known)
    if wanted:
        out = subprocess.run([TF_PYTHON, "-c", _CHILD] + wanted, capture_output=True, text=True, check=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        missing = [n for n in wanted if got[n] is None]
        if missing:
            sys.exit("not registered in TensorFlow: %s" % ", ".join(missing))
        ops = list(extra.op) + [op_def_pb2.OpDef.FromString(base64.b64decode(got[n])) for n in wanted]
        merged = op_def_pb2.OpList()
        merged.op.extend(sorted(ops, key=lambda o: o.name))
        tmp = EXTRA.with_suffix(".tmp")
        tmp.write_text(text_format.MessageToString(merged))
        os.replace(tmp, EXTRA)
    print("added %d OpDefs: %s" % (len(wanted), ", ".join(wanted) or "none"))
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_op_defs.py")], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
