"""Regenerates tf_inspect_output.json: what TensorFlow's inspect_checkpoint printed for tests/data/tf.

    TAGRAPH_TF_PYTHON=... $TAGRAPH_TF_PYTHON make_tf_inspect_output.py ../../data/tf tf_inspect_output.json

Paths inside the output are written as {DATA} (the tests/data/tf folder).
"""
import contextlib
import io
import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tensorflow.python.tools import inspect_checkpoint as ic  # noqa: E402

CASES = [
    # name, file under {DATA}, tensor_name, all_tensors, all_tensor_names, count_exclude_pattern
    ("seed_all", "seed_checkpoint/model.ckpt", "", True, False, ""),
    ("seed_v1", "seed_checkpoint/model.ckpt", "v1", False, False, ""),
    ("seed_names", "seed_checkpoint/model.ckpt", "", False, True, ""),
    ("seed_debug", "seed_checkpoint/model.ckpt", "", False, False, ""),
    ("seed_missing_tensor", "seed_checkpoint/model.ckpt", "v3", False, False, ""),
    ("dtypes_all", "dtypes_checkpoint/model-3", "", True, False, ""),
    ("dtypes_debug", "dtypes_checkpoint/model-3", "", False, False, ""),
    ("dtypes_words", "dtypes_checkpoint/model-3", "words", False, False, ""),
    ("dtypes_scalar", "dtypes_checkpoint/model-3", "scalar_f32", False, False, ""),
    ("dtypes_exclude", "dtypes_checkpoint/model-3", "", False, True, "layer1|big"),
    ("missing", "nonexistent/model.ckpt", "", False, False, ""),
    ("index_file", "seed_checkpoint/model.ckpt.index", "", False, False, ""),
    ("data_file", "seed_checkpoint/model.ckpt.data-00000-of-00001", "", False, False, ""),
]


def main(data_dir, out_path):
    data_dir = os.path.abspath(data_dir)
    out = {}
    for name, rel, tensor, all_tensors, all_names, exclude in CASES:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            ic.print_tensors_in_checkpoint_file(os.path.join(data_dir, rel), tensor, all_tensors, all_names,
                                                count_exclude_pattern=exclude)
        out[name] = {"file": rel, "tensor_name": tensor, "all_tensors": all_tensors,
                     "all_tensor_names": all_names, "count_exclude_pattern": exclude,
                     "output": buf.getvalue().replace(data_dir, "{DATA}")}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
