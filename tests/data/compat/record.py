"""Runs the TensorFlow 1 programs of tests/compat/programs in real TensorFlow and records their results.

    PYTHONPATH=<tf_keras> ~/.cache/tagraph-tf-venv/bin/python tests/data/compat/record.py [--out FILE] [NAME...]

Each program is a TensorFlow 1 script whose only tagraph-specific line is ``import tagraph.compat.v1 as tf``;
here that line becomes ``import tensorflow.compat.v1 as tf`` and nothing else changes. A program leaves its
values in a dict named ``results``; they are written to tests/data/compat/tf_results.json, which
tests/compat/test_programs.py replays against tagraph. A program that says ``no reference values`` in its
first lines (the Estimator's: TensorFlow 2.21 has no tf.estimator) is skipped. tf.layers needs tf_keras
beside TensorFlow (see record_tf_names.py; TF_USE_LEGACY_KERAS=1 is set here): without it the programs that
use tf.layers are skipped, with a note. NAMEs record those programs only, into the existing file; --out
writes elsewhere (tests/compat/test_compat_programs.py compares such a fresh record with the stored one).
"""
import argparse
import importlib.util
import json
import os
import pathlib
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

from results_codec import encode  # noqa: E402  (this folder, on sys.path as the script's own)

HERE = pathlib.Path(__file__).resolve().parent
PROGRAMS = HERE.parents[1] / "compat" / "programs"
IMPORT_LINE = "import tagraph.compat.v1 as tf"
NO_REFERENCE = "no reference values"


def run(path):
    source = path.read_text()
    if IMPORT_LINE not in source:
        raise SystemExit("%s lacks the line %r" % (path, IMPORT_LINE))
    source = source.replace(IMPORT_LINE, "import tensorflow.compat.v1 as tf", 1)
    namespace = {"__name__": "__main__", "__file__": str(path)}
    with tf.Graph().as_default():
        exec(compile(source, str(path), "exec"), namespace)
    return namespace["results"]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(HERE / "tf_results.json"))
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    have_keras = importlib.util.find_spec("tf_keras") is not None
    record = json.loads(out.read_text()) if args.names and out.exists() else {}
    record["tensorflow"] = tf.__version__
    record.setdefault("programs", {})
    for path in sorted(PROGRAMS.glob("*.py")):
        source = path.read_text()
        if (args.names and path.stem not in args.names) or NO_REFERENCE in "".join(source.splitlines(True)[:3]):
            continue
        if "tf.layers." in source and not have_keras:
            print("skipping %s: tf.layers needs tf_keras beside TensorFlow" % path.name, flush=True)
            continue
        print("running", path.name, flush=True)
        record["programs"][path.stem] = encode(run(path))
    record["programs"] = dict(sorted(record["programs"].items()))
    out.write_text(json.dumps(record, indent=1) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main(sys.argv[1:])
