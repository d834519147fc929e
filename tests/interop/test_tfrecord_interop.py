"""TFRecord files cross both ways: TensorFlow reads what tagraph writes (plain, GZIP, ZLIB, with a flush between
records), and the stored fixtures are what TensorFlow writes now."""
import hashlib
import importlib.util
import json
import os
import pathlib
import subprocess

import pytest

from tagraph.engine.framework.tfrecord import TFRecordOptions, TFRecordWriter

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "tfrecord"
_spec = importlib.util.spec_from_file_location("record_tfrecord", DATA / "record_tfrecord.py")
_recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recorder)
RECORDS = _recorder.records()


@pytest.mark.parametrize("kind", ["", "GZIP", "ZLIB"])
def test_tensorflow_reads_tagraphs_files(tmp_path, run_tf, kind):
    path = tmp_path / "r"
    with TFRecordWriter(path, TFRecordOptions(kind)) as w:
        for i, r in enumerate(RECORDS):
            w.write(r)
            if i == 2:
                w.flush()
    got = run_tf("""
        import hashlib
        print(json.dumps([hashlib.sha256(r).hexdigest()
                          for r in tf.io.tf_record_iterator(sys.argv[1], tf.io.TFRecordOptions(sys.argv[2]))]))
    """, path, kind)
    assert got == [hashlib.sha256(r).hexdigest() for r in RECORDS]


def test_the_stored_files_are_what_tensorflow_writes(tmp_path, run_tf):
    subprocess.run([os.environ["TAGRAPH_TF_PYTHON"], str(DATA / "record_tfrecord.py")], check=True,
                   capture_output=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                                                              TAGRAPH_RECORD_DIR=str(tmp_path)))
    for name in ("records.tfrecord.gz", "records.tfrecord.zz"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    assert json.loads((tmp_path / "tfrecord.json").read_text()) == json.loads((DATA / "tfrecord.json").read_text())
