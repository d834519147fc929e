"""Records TFRecord files written by TensorFlow, and what its reader says of damaged ones, for
tests/serialization/test_tfrecord.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tfrecord/record_tfrecord.py

(TAGRAPH_RECORD_DIR=DIR writes there instead.) Writes records.tfrecord.gz (GZIP), records.tfrecord.zz
(ZLIB) and tfrecord.json: the SHA-256 of the plain file TensorFlow writes for the same records, and for
each damage of the plain file, the records TensorFlow reads before it stops and the error class and message
it stops with.
"""
import hashlib
import json
import os
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def records():
    """Empty, short and long records; the long ones compressible and not, past zlib's 256 KiB buffers."""
    rng = np.random.RandomState(7)
    return [b"", b"one", b"two" * 10, bytes(rng.randint(0, 256, 30000, dtype=np.uint8)),
            b"abcdefgh" * 40000, bytes(range(256)) * 3]


def damages(plain):
    first = 12 + 0 + 4          # the empty record
    return {
        "header_cut_at_end": plain[:len(plain) - (len(plain) - first) + 6],
        "data_cut_short": plain[:first + 12 + 2],
        "data_checksum": plain[:first + 12] + b"X" + plain[first + 13:],
        "length_checksum_first": plain[:2] + b"\x07" + plain[3:],
        "length_checksum_later": plain[:first + 1] + b"\x07" + plain[first + 2:],
        "forged_length": plain[:first] + (2 ** 40).to_bytes(8, "little") + plain[first + 8:],
    }


def compressed_damages(plain):
    """GZIP and ZLIB files of the plain records cut inside a record's data (the stream then ends cleanly) and
    cut inside the compressed stream: (compression type, file bytes) by name."""
    def deflate(data, wbits):
        z = zlib.compressobj(-1, zlib.DEFLATED, wbits, 9)
        return z.compress(data) + z.flush()
    first = 12 + 0 + 4
    out = {}
    for kind, wbits in (("GZIP", 31), ("ZLIB", 15)):
        out[kind.lower() + "_data_cut_short"] = (kind, deflate(plain[:first + 12 + 2], wbits))
        out[kind.lower() + "_stream_cut"] = (kind, deflate(plain, wbits)[:-6])
    return out


def _read_all(tf, path, options):
    got = []
    try:
        for r in tf.compat.v1.io.tf_record_iterator(path, options):
            got.append(len(r))
        error = None
    except tf.errors.OpError as e:
        error = [type(e).__name__, e.message]
    return {"lengths": got, "error": error}


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    out = os.environ.get("TAGRAPH_RECORD_DIR", HERE)
    for name, kind in (("records.tfrecord", ""), ("records.tfrecord.gz", "GZIP"), ("records.tfrecord.zz", "ZLIB")):
        with tf.io.TFRecordWriter(os.path.join(out, name), tf.io.TFRecordOptions(compression_type=kind)) as w:
            for r in records():
                w.write(r)
    with open(os.path.join(out, "records.tfrecord"), "rb") as f:
        plain = f.read()
    os.remove(os.path.join(out, "records.tfrecord"))
    result = {"plain_sha256": hashlib.sha256(plain).hexdigest(), "damaged": {}}
    for name, blob in damages(plain).items():
        path = os.path.join(out, "damaged")
        with open(path, "wb") as f:
            f.write(blob)
        result["damaged"][name] = _read_all(tf, path, None)
        os.remove(path)
    result["damaged_compressed"] = {}
    for name, (kind, blob) in compressed_damages(plain).items():
        path = os.path.join(out, "damaged")
        with open(path, "wb") as f:
            f.write(blob)
        result["damaged_compressed"][name] = _read_all(tf, path, tf.io.TFRecordOptions(kind))
        os.remove(path)
    with open(os.path.join(out, "tfrecord.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
