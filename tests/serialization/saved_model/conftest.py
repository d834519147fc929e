"""Fixtures of the SavedModel tests: writable copies of TensorFlow's SavedModels, expected values, Examples."""
import json
import os
import shutil

import pytest

from tagraph.protos import example_pb2

TF_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tf")


def copy_tree(src, dst):
    """Copies a directory tree with fresh (writable) permissions; the fixtures are read-only."""
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            shutil.copyfile(os.path.join(root, f), os.path.join(dst, rel, f))
    return dst


@pytest.fixture
def tf_model(tmp_path):
    """Call with a fixture name ("half_plus_two") to get a writable copy of it."""
    def make(name):
        return copy_tree(os.path.join(TF_DATA, name), str(tmp_path / name.replace("/", "_")))
    return make


@pytest.fixture(scope="session")
def expected():
    with open(os.path.join(TF_DATA, "expected.json")) as f:
        return json.load(f)


def make_example(**features):
    ex = example_pb2.Example()
    for key, values in features.items():
        f = ex.features.feature[key]
        if isinstance(values[0], float):
            f.float_list.value.extend(values)
        elif isinstance(values[0], int):
            f.int64_list.value.extend(values)
        else:
            f.bytes_list.value.extend(v.encode() if isinstance(v, str) else v for v in values)
    return ex.SerializeToString()


@pytest.fixture
def tf_example():
    return make_example
