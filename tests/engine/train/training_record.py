"""The cases and values real TensorFlow recorded for the training tests (tests/data/tf_ops/record_training.py)."""
import importlib.util
import json
import pathlib

import numpy as np

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load():
    spec = importlib.util.spec_from_file_location("tf_ops_record_training", DATA / "record_training.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load()
with np.load(DATA / "training.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}
GRAPHS = json.loads((DATA / "training.json").read_text())
