"""Regenerate the Python modules of tagraph.protos from the .proto sources next to this file.

Usage (from the repository root)::

    .venv/bin/python protos/generate.py          # rewrite protos/*_pb2.py and protos/*_pb2_grpc.py
    .venv/bin/python protos/generate.py --check  # exit 1 (naming the files) if they are stale

How it works:

* The sources live flat in ``protos/`` and import each other as ``tagraph/protos/<file>.proto``.
  They are copied into a temporary tree ``<tmp>/tagraph/protos/`` and compiled with
  ``grpc_tools.protoc -I <tmp>``, so the file names registered in protobuf's descriptor pool are
  ``tagraph/protos/<file>.proto`` (never TensorFlow's own ``tensorflow/...`` names, so that
  tagraph and TensorFlow can be loaded in one process) and the generated modules import each
  other as ``from tagraph.protos import x_pb2``.
* gRPC stubs are generated only for the services (``prediction_service.proto``,
  ``model_service.proto``).
* gRPC method paths: the proto package is ``tagraph.tensorflow.serving``, so protoc would register
  the services as ``/tagraph.tensorflow.serving.PredictionService/Predict``.  TensorFlow Serving's
  clients call ``/tensorflow.serving.PredictionService/Predict``, so the generated ``*_pb2_grpc.py``
  are post-processed: every quoted service name or method path that starts with
  ``tagraph.tensorflow.serving.`` (or ``/tagraph.tensorflow.serving.``) loses its ``tagraph.``
  prefix.  This covers the client stubs' paths, ``grpc.method_handlers_generic_handler`` and
  ``server.add_registered_method_handlers`` on the server side.  Messages are unaffected: the
  wire format does not carry the package.
* Output is deterministic: files are compiled in sorted order with a fixed temporary layout, and
  the result depends only on the sources and the grpcio-tools version.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE_PATH = ("tagraph", "protos")
GRPC_SOURCES = ("model_service.proto", "prediction_service.proto")
PROTO_PACKAGE = "tagraph.tensorflow.serving."
WIRE_PACKAGE = "tensorflow.serving."
_SERVICE_NAME = re.compile(r"(['\"])(/?)" + re.escape(PROTO_PACKAGE))


def _sources() -> list[pathlib.Path]:
    return sorted(HERE.glob("*.proto"))


def _committed_generated() -> list[pathlib.Path]:
    return sorted(set(HERE.glob("*_pb2.py")) | set(HERE.glob("*_pb2_grpc.py")))


def _fix_grpc_paths(text: str) -> str:
    """Register the services under TensorFlow Serving's names (see module docstring)."""
    return _SERVICE_NAME.sub(lambda m: m.group(1) + m.group(2) + WIRE_PACKAGE, text)


def _protoc(args: list[str]) -> None:
    from grpc_tools import protoc  # imported late: only this script needs grpcio-tools

    include = pathlib.Path(protoc.__file__).resolve().parent / "_proto"
    rc = protoc.main(["grpc_tools.protoc", f"-I{include}", *args])
    if rc != 0:
        raise SystemExit(f"protoc failed ({rc}): {' '.join(args)}")


def generate(dest: pathlib.Path) -> list[pathlib.Path]:
    """Compile every source into ``dest`` (flat). Returns the generated files, sorted."""
    with tempfile.TemporaryDirectory(prefix="tagraph-protos-") as tmp:
        tmp_path = pathlib.Path(tmp)
        src_root = tmp_path / "src"
        pkg_dir = src_root.joinpath(*PACKAGE_PATH)
        pkg_dir.mkdir(parents=True)
        for src in _sources():
            shutil.copyfile(src, pkg_dir / src.name)
        out_root = tmp_path / "out"
        out_root.mkdir()
        rel = "/".join(PACKAGE_PATH)
        names = sorted(p.name for p in pkg_dir.glob("*.proto"))
        _protoc([f"-I{src_root}", f"--python_out={out_root}", *[f"{rel}/{n}" for n in names]])
        _protoc([f"-I{src_root}", f"--grpc_python_out={out_root}", *[f"{rel}/{n}" for n in GRPC_SOURCES]])

        written = []
        gen_dir = out_root.joinpath(*PACKAGE_PATH)
        dest.mkdir(parents=True, exist_ok=True)
        for path in sorted(gen_dir.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            if path.name.endswith("_pb2_grpc.py"):
                text = _fix_grpc_paths(text)
            target = dest / path.name
            target.write_text(text, encoding="utf-8", newline="\n")
            written.append(target)
        return written


def check() -> int:
    with tempfile.TemporaryDirectory(prefix="tagraph-protos-check-") as tmp:
        fresh = {p.name: p for p in generate(pathlib.Path(tmp))}
        committed = {p.name: p for p in _committed_generated()}
        problems = []
        for name in sorted(fresh.keys() | committed.keys()):
            if name not in committed:
                problems.append(f"missing: protos/{name}")
            elif name not in fresh:
                problems.append(f"stale (no source generates it): protos/{name}")
            elif committed[name].read_bytes() != fresh[name].read_bytes():
                problems.append(f"differs: protos/{name}")
    if problems:
        print("Generated protos are out of date; run: python protos/generate.py", file=sys.stderr)
        for line in problems:
            print("  " + line, file=sys.stderr)
        return 1
    print(f"{len(fresh)} generated files up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and fail if protos/ differs")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    with tempfile.TemporaryDirectory(prefix="tagraph-protos-gen-") as tmp:
        fresh = generate(pathlib.Path(tmp))  # fails before touching protos/ if protoc does
        for stale in _committed_generated():
            stale.unlink()
        for path in fresh:
            shutil.copyfile(path, HERE / path.name)
    print(f"wrote {len(fresh)} files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
