"""TFRecord warmup files (``assets.extra/tf_serving_warmup_requests``) replayed against a loaded servable:
framing (lengths, both checksums), PredictionLog records, and the requests inside them. Documented outcome
of a warmup: success or a ServingError (the load fails with its code)."""
import os
import shutil
import struct

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tagraph.engine.framework import errors, tensor_util
from tagraph.protos import predict_pb2, regression_pb2
from tagraph.serving import extra_protos
from tagraph.serving.servable import load_servable
from tagraph.serving.status import ServingError
from tagraph.engine.framework.tfrecord import crc32c, encode_record, mask_crc, tf_record_iterator
from tagraph.serving.warmup import WARMUP_FILE, run_warmup

from fuzz_harness import work_dir, check, fuzz_settings, mutate, mutations
from test_fuzz_tensor_proto import tensor_protos

TF_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "tf")
_WORK = work_dir("tagraph-fuzz-warmup-")
_MODEL = os.path.join(_WORK, "1")
shutil.copytree(os.path.join(TF_DATA, "half_plus_two"), _MODEL)
_SERVABLE = load_servable("m", 1, _MODEL, None)
_PATH = os.path.join(_MODEL, WARMUP_FILE)
ALLOWED = (ServingError, errors.OpError)


def _predict_log(inputs, signature="serving_default"):
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "m"
    req.model_spec.signature_name = signature
    for k, proto in inputs.items():
        req.inputs[k].CopyFrom(proto)
    log = extra_protos.PredictionLog()
    log.predict_log.request = req.SerializeToString()
    return log.SerializeToString()


def _regress_log(signature, examples):
    req = regression_pb2.RegressionRequest()
    req.model_spec.name = "m"
    req.model_spec.signature_name = signature
    for e in examples:
        req.input.example_list.examples.add().ParseFromString(e)
    log = extra_protos.PredictionLog()
    log.regress_log.request = req.SerializeToString()
    return log.SerializeToString()


def _example(x):
    from tagraph.protos import example_pb2
    ex = example_pb2.Example()
    ex.features.feature["x"].float_list.value.append(x)
    return ex.SerializeToString()


_VALID = [_predict_log({"x": tensor_util.make_tensor_proto(np.float32([[1.0], [2.0]]))}),
          _regress_log("regress_x_to_y", [_example(1.0), _example(3.0)])]


def _framed(records):
    return b"".join(map(encode_record, records))


def _warm(data):
    with open(_PATH, "wb") as f:
        f.write(data)
    return run_warmup(_SERVABLE, 1)


def test_valid_warmup_file_replays():
    with open(_PATH, "wb") as f:
        f.write(_framed(_VALID))
    assert run_warmup(_SERVABLE, 2) == len(_VALID)
    assert list(tf_record_iterator(_PATH)) == _VALID


@fuzz_settings(150)
@given(mutations(st))
def test_mutated_warmup_file(ops):
    data = mutate(_framed(_VALID), ops)
    check("TFRecord warmup file", _warm, data, input_size=len(data), allowed=ALLOWED)


@st.composite
def _records(draw):
    records = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            records.append(_predict_log({draw(st.sampled_from(["x", "y", ""])): draw(tensor_protos())},
                                        draw(st.sampled_from(["serving_default", "", "nope", "regress_x_to_y"]))))
        elif kind == 1:
            records.append(draw(st.binary(max_size=32)))
        elif kind == 2:
            records.append(_regress_log(draw(st.sampled_from(["regress_x_to_y", "regress_x2_to_y3", "x"])),
                                        [_example(x) for x in draw(st.lists(st.floats(width=32), max_size=2))]))
        else:
            records.append(draw(st.sampled_from(_VALID)))
    return records


@fuzz_settings(150)
@given(_records())
def test_structured_warmup_records(records):
    data = _framed(records)
    check("TFRecord warmup file", _warm, data, input_size=len(data), allowed=ALLOWED)


@fuzz_settings(100)
@given(st.sampled_from([2**20, 2**26, 2**31, 2**40, 2**63 - 1, 2**64 - 1]), st.binary(max_size=16))
def test_declared_length_beyond_the_file(length, tail):
    # A record header whose length checksum is right but whose length is far beyond the file's bytes.
    header = struct.pack("<Q", length)
    data = header + struct.pack("<I", mask_crc(crc32c(header))) + tail
    check("TFRecord warmup file", _warm, data, input_size=len(data), allowed=ALLOWED)


@pytest.mark.parametrize("length", [2**26, 2**40, 2**64 - 1])
def test_huge_declared_length_is_data_loss(length):
    header = struct.pack("<Q", length)
    data = header + struct.pack("<I", mask_crc(crc32c(header))) + b"abc"
    out = check("TFRecord warmup file (regression)", _warm, data, input_size=len(data), allowed=(ServingError,))
    assert isinstance(out, ServingError) and out.code_name == "DATA_LOSS"


def teardown_module(module):
    _SERVABLE.close()
    shutil.rmtree(_WORK, ignore_errors=True)
