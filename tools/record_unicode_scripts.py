"""Writes engine/ops/unicode_scripts.npz: the script of every Unicode code point as ICU numbers it
(``UScriptCode``, what TensorFlow's UnicodeScript op returns), taken from TensorFlow's own ICU.

    ~/.cache/tagraph-tf-venv/bin/python tools/record_unicode_scripts.py

The table is run-length encoded: ``starts`` (int32, ascending, the first code point of each run) and
``codes`` (int16, the run's script). Rerun it when the TensorFlow that tagraph follows moves to a newer ICU.
"""
import os
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "engine" / "ops" / "unicode_scripts.npz"


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf  # noqa: only this tool needs TensorFlow
    codes = tf.strings.unicode_script(tf.range(0x110000, dtype=tf.int32)).numpy().astype(np.int16)
    change = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], change]).astype(np.int32)
    np.savez_compressed(OUT, starts=starts, codes=codes[starts], tensorflow_version=np.array(tf.__version__))
    print("wrote %s (%d runs, TensorFlow %s)" % (OUT, len(starts), tf.__version__))


if __name__ == "__main__":
    main()
