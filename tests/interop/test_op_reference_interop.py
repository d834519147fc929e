"""The op reference values the ordinary suite replays (tests/data/tf_ops/*.npz) are what TensorFlow computes
now: recorded afresh by tests/data/tf_ops/record.py and compared with the stored files."""
import os
import pathlib
import subprocess

import numpy as np

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf_ops"


def test_the_stored_op_references_are_tensorflows(tmp_path, run_tf):
    python = os.environ.get("TAGRAPH_TF_PYTHON")
    subprocess.run([python, str(DATA / "record.py")], check=True, capture_output=True, timeout=600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
                            TAGRAPH_RECORD_DIR=str(tmp_path)))
    stored = sorted(p.name for p in DATA.glob("*.npz"))
    assert stored and stored == sorted(p.name for p in tmp_path.glob("*.npz"))
    for name in stored:
        old, new = np.load(DATA / name), np.load(tmp_path / name)
        assert sorted(old.files) == sorted(new.files), name
        for key in old.files:
            np.testing.assert_array_equal(old[key], new[key], err_msg="%s %s" % (name, key))
