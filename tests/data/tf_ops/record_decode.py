"""Records what TensorFlow's DecodeCSV, DecodeRaw, DecodePaddedRaw, DecodeCompressed, SerializeTensor and
ParseTensor give, for tests/engine/ops/test_decode_ops.py.

    ~/.cache/tagraph-tf-venv/bin/python tests/data/tf_ops/record_decode.py
    (TAGRAPH_RECORD_DIR=DIR writes there instead of beside this file)

Writes ``decode.json``: per case, the values of its fetches (dtype, shape and values; bytes as latin-1
text) or the error class and message. The cases are defined here, once, for both engines, as functions of
the ``tf`` namespace (``tensorflow.compat.v1`` or ``tagraph.compat.v1``); importing this file needs only
numpy.
"""
import gzip
import json
import os
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

LINES = ['1,2.5,"x,""y"""', "3,,z", ",4,", " 5 ,-1e3,\"\"", "6,inf,nan"]


def cases():
    """name -> function of tf building the list of tensors to fetch."""
    def csv(records, defaults, **kw):
        # defaults: the record_defaults, or a function of tf giving them (for dtypes Python values lack)
        return lambda tf: tf.decode_csv(tf.constant(records), record_defaults=defaults(tf) if callable(defaults)
                                        else defaults, **kw)
    c = {
        "csv_types": csv(LINES, [[7], [0.5], ["d"]]),
        "csv_int64_double": csv(["9007199254740993,0.1", "-4,1e-320"],
                                lambda tf: [tf.constant([0], tf.int64), tf.constant([0.0], tf.float64)]),
        "csv_leading_newlines": csv(["\n1,2", "\r\n3,4"], [[0], [0]]),
        "csv_na_value": csv(["1,NA", "NA,2"], [[0], [-1]], na_value="NA"),
        "csv_select_cols": csv(["a,1,b,2.5,c", "d,3,e,4,f"], [[0], [0.0]], select_cols=[1, 3]),
        "csv_delim_and_no_quotes": csv(['1|"a', "2|b"], [[0], [""]], field_delim="|", use_quote_delim=False),
        "csv_matrix_and_crlf": csv([["1,2\r\n", "3,4"], ["\n5,6", "7,8\n"]], [[0], [0]]),
        "csv_trailing_delim": csv(["1,", ","], [[0], [""]]),
        "csv_missing_required": csv(["1,"], [[0], tf_empty()]),
        "csv_bad_int": csv(["1.5,2"], [[0], [0]]),
        "csv_bad_float": csv(["x,2"], [[0.0], [0]]),
        "csv_int32_overflow": csv(["2147483648,2"], [[0], [0]]),
        "csv_too_few_fields": csv(["1"], [[0], [0]]),
        "csv_unescaped_quote": csv(['"a"b",1'], [[""], [0]]),
        "csv_quote_in_unquoted": csv(['a"b,1'], [[""], [0]]),
        "csv_unterminated_quote": csv(['"ab,1'], [[""], [0]]),
        "raw_int16": lambda tf: [tf.decode_raw(tf.constant([b"\x01\x02\x03\x04", b"\xff\xfe\x00\x80"]), tf.int16)],
        "raw_big_endian": lambda tf: [tf.decode_raw(tf.constant(b"\x01\x02\x03\x04\x05\x06\x07\x08"), tf.int32,
                                                    little_endian=False),
                                      tf.decode_raw(tf.constant(b"\x01\x02\x03\x04\x05\x06\x07\x08"), tf.complex64,
                                                    little_endian=False)],
        "raw_float_types": lambda tf: [tf.decode_raw(tf.constant([b"\x00\x00\x80\x3f"]), tf.float32),
                                       tf.decode_raw(tf.constant([b"\x00\x3c"]), tf.float16),
                                       tf.decode_raw(tf.constant([b"\x00\x00\x00\x00\x00\x00\xf0\x3f"]), tf.float64),
                                       tf.decode_raw(tf.constant([b"\x01\x00"]), tf.bool)],
        "raw_uint8_matrix": lambda tf: [tf.decode_raw(tf.constant([[b"ab"], [b"cd"]]), tf.uint8)],
        "raw_empty": lambda tf: [tf.decode_raw(tf.constant([b"", b""]), tf.int32)],
        "raw_unequal": lambda tf: [tf.decode_raw(tf.constant([b"ab", b"abc"]), tf.uint8)],
        "raw_not_multiple": lambda tf: [tf.decode_raw(tf.constant([b"abc"]), tf.int16)],
        "raw_padded": _raw_padded,
        "compressed_zlib": lambda tf: [tf.io.decode_compressed(tf.constant([zlib.compress(b"hello"),
                                                                            zlib.compress(b"")]), "ZLIB")],
        "compressed_gzip": lambda tf: [tf.io.decode_compressed(tf.constant(gzip.compress(b"abc" * 5, mtime=0)),
                                                               "GZIP")],
        "compressed_none": lambda tf: [tf.io.decode_compressed(tf.constant([b"as is"]), "")],
        "serialize_float_matrix": lambda tf: [tf.serialize_tensor(tf.constant([[1.5, 2.0], [-3.0, 0.25]]))],
        "serialize_scalar_int64": lambda tf: [tf.serialize_tensor(tf.constant(np.int64(-7)))],
        "serialize_strings": lambda tf: [tf.serialize_tensor(tf.constant([b"a", b"", b"\xff"]))],
        "serialize_bool_half_complex": lambda tf: [tf.serialize_tensor(tf.constant([True, False])),
                                                   tf.serialize_tensor(tf.constant(np.float16([1.5, -2]))),
                                                   tf.serialize_tensor(tf.constant(np.complex64([1 + 2j])))],
        "serialize_empty": lambda tf: [tf.serialize_tensor(tf.zeros([0, 3], tf.int32))],
        "parse_round_trip": lambda tf: [tf.parse_tensor(tf.serialize_tensor(tf.constant([[1, 2], [3, 4]])),
                                                        tf.int32),
                                        tf.parse_tensor(tf.serialize_tensor(tf.constant([b"x", b"yz"])),
                                                        tf.string)],
        "parse_type_mismatch": lambda tf: [tf.parse_tensor(tf.serialize_tensor(tf.constant([1.0])), tf.int32)],
        "parse_garbage": lambda tf: [tf.parse_tensor(tf.constant(b"\xff\xff\xff"), tf.float32)],
    }
    return c


def tf_empty():
    return []


def _raw_padded(tf):
    # TensorFlow 1's decode_raw has no fixed_length: TensorFlow's own is its v2 function.
    try:
        decode = tf.compat.v2.io.decode_raw
    except Exception:  # noqa: BLE001 - tagraph's compat.v1 refuses tf.compat.v2, with its own error class
        decode = tf.decode_raw
    return [decode(tf.constant([[b"1"], [b"234"]]), tf.uint8, fixed_length=4),
            decode(tf.constant([b"\x01\x02\x03\x04"]), tf.uint16, fixed_length=2, little_endian=False)]


def encode(value):
    """A fetched value as JSON: dtype, shape, and the values (bytes as latin-1 text)."""
    a = np.asarray(value)
    if a.dtype == object or a.dtype.kind == "S":
        flat = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in a.reshape(-1).tolist()]
        return {"dtype": "string", "shape": list(a.shape), "values": flat}
    if a.dtype.kind == "c":
        return {"dtype": a.dtype.name, "shape": list(a.shape),
                "values": [[repr(float(v.real)), repr(float(v.imag))] for v in a.reshape(-1).tolist()]}
    return {"dtype": a.dtype.name, "shape": list(a.shape),
            "values": [repr(v) if isinstance(v, float) else v for v in a.reshape(-1).tolist()]}


def kernel_message(message):
    """The kernel's own words in an error: TensorFlow 2's session wraps them in "Graph execution error:",
    the node's traceback, and "[[{{node ...}}]]"."""
    lines = message.split("\n")
    if lines[0].startswith("Graph execution error"):
        lines = [line for line in lines if not line.startswith("\t [[")]
        return lines[-1]
    return lines[0]


def run_case(tf, name):
    """{"values": [...]} or {"error": [class name, message]} of one case."""
    with tf.Graph().as_default():
        try:
            fetches = cases()[name](tf)
            with tf.Session() as sess:
                return {"values": [encode(v) for v in sess.run(list(fetches))]}
        except Exception as e:  # noqa: BLE001 - the class and message are what is recorded
            return {"error": [type(e).__name__, kernel_message(getattr(e, "message", None) or str(e))]}


def main():
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    out = {name: run_case(tf, name) for name in sorted(cases())}
    path = os.path.join(os.environ.get("TAGRAPH_RECORD_DIR", HERE), "decode.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
