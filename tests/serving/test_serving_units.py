"""In-process checks of the server's parts: JSON codec, version discovery, batching, config, warmup."""
import asyncio
import os
import pathlib
import shutil
import sys
import threading
import time

import numpy as np
import pytest

from tagraph.protos import file_system_storage_path_source_pb2 as fs_pb2
from tagraph.protos import predict_pb2
from tagraph.engine.framework.tensor_util import make_tensor_proto
from tagraph.serving import config as config_lib
from tagraph.serving import extra_protos, json_codec, json_output, versions
from tagraph.serving.batching import Batcher, BatchingOptions
from tagraph.serving.status import ServingError
from tagraph.serving.tensors import ndarray_to_proto, proto_to_ndarray
from tagraph.engine.framework.tfrecord import encode_record
from tagraph.serving.warmup import run_warmup

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"


# --- JSON codec ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (0.2, "0.2"), (2.0, "2.0"), (1.2345678, "1.23456776"), (9000000.0, "9e+06"), (0.00003, "3e-05"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (-float("inf"), "-Infinity"), (-1.5, "-1.5"),
])
def test_float32_written_as_tensorflow_serving_does(value, text):
    assert json_output.format_decimal(float(np.float32(value))) == text


def test_float64_keeps_full_precision():
    assert json_output.format_decimal(0.1, double=True) == "0.1"
    assert json_output.format_decimal(1 / 3, double=True) == "0.33333333333333331"


def test_json_values_to_arrays():
    assert json_codec.value_to_array([[1, 2.5]], 1).dtype == np.float32
    assert json_codec.value_to_array(3, 9).tolist() == 3
    assert json_codec.value_to_array([True, False], 10).tolist() == [True, False]
    strings = json_codec.value_to_array(["a", {"b64": "AAE="}], 7)
    assert strings.tolist() == [b"a", b"\x00\x01"]
    with pytest.raises(ServingError, match=r'JSON Value: 1.5 Type: Number is not of expected type: int32'):
        json_codec.value_to_array([1, 1.5], 3)
    with pytest.raises(ServingError, match=r"Encountered list at unexpected size: 1 at level: 1 expected size: 2"):
        json_codec.value_to_array([[1, 2], [3]], 1)
    with pytest.raises(ServingError, match=r"JSON Value: true Type: True is not of expected type: float"):
        json_codec.value_to_array([1.0, True], 1)


def test_outputs_to_json_row_columnar_and_bytes():
    outputs = {"scores": np.float32([[0.5], [1.0]]), "ids_bytes": np.array([b"\x00", b"\xff"], dtype=object)}
    row = json_output.outputs_to_json(outputs, json_output.ROW)
    assert row == ('{"predictions": [{"ids_bytes": {"b64": "AA=="}, "scores": [0.5]}, '
                   '{"ids_bytes": {"b64": "/w=="}, "scores": [1.0]}]}')
    col = json_output.outputs_to_json({"y": np.int64([[1, 2]])}, json_output.COLUMNAR)
    assert col == '{"outputs": [[1, 2]]}'
    with pytest.raises(ServingError, match="has inconsistent batch size"):
        json_output.outputs_to_json({"a": np.zeros((2, 1)), "b": np.zeros((3, 1))}, json_output.ROW)


def test_examples_from_json_kinds():
    from tagraph.protos import example_pb2
    serialized = json_codec.examples_from_json(
        {"context": {"c": "ctx"}, "examples": [{"f": [1.5, 2.0], "i": 3, "b": True, "s": {"b64": "AAE="}}]},
        "classify")
    ex = example_pb2.Example.FromString(serialized[0])
    feats = ex.features.feature
    assert list(feats["f"].float_list.value) == [1.5, 2.0]
    assert list(feats["i"].int64_list.value) == [3] and list(feats["b"].int64_list.value) == [1]
    assert list(feats["s"].bytes_list.value) == [b"\x00\x01"] and list(feats["c"].bytes_list.value) == [b"ctx"]
    with pytest.raises(ServingError, match="Feature: f has element with unexpected JSON type: Null"):
        json_codec.examples_from_json({"examples": [{"f": None}]}, "regress")


# --- tensors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("arr", [np.float32([[1.5, 2]]), np.int64([3, -4]), np.array([b"a", b"b"], dtype=object),
                                 np.float16([0.5]), np.bool_([True, False]), np.complex64([1 + 2j]), np.uint8([7])])
def test_tensor_round_trip(arr):
    proto = ndarray_to_proto(arr)
    assert not proto.tensor_content
    back = proto_to_ndarray(proto, "x")
    assert back.dtype == arr.dtype and back.tolist() == arr.tolist()
    assert proto_to_ndarray(ndarray_to_proto(arr, as_content=True), "x").tolist() == arr.tolist()


def test_bad_tensor_proto_names_the_input():
    proto = make_tensor_proto(np.float32([1, 2]))
    proto.tensor_content = proto.tensor_content[:5]
    with pytest.raises(ServingError, match=r"tensor parsing error: x"):
        proto_to_ndarray(proto, "x")


# --- versions --------------------------------------------------------------------------------------

def test_version_discovery_waits_for_complete_settled_directories(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(TF_DATA / "model_base", base)
    (base / "notaversion").mkdir()
    (base / "7").mkdir()                                   # empty: not a SavedModel
    scanner = versions.VersionScanner()
    assert scanner.scan(str(base)) == {}                   # first sight: nothing has settled yet
    assert sorted(scanner.scan(str(base))) == [1, 2]
    shutil.copy(base / "0001" / "saved_model.pb", base / "7" / "saved_model.pb")
    assert sorted(scanner.scan(str(base))) == [1, 2]       # changed since the last scan
    assert sorted(scanner.scan(str(base))) == [1, 2]       # settled, but its variables are missing
    shutil.copytree(base / "0001" / "variables", base / "7" / "variables")
    scanner.scan(str(base))
    assert sorted(scanner.scan(str(base))) == [1, 2, 7]
    assert scanner.scan(str(tmp_path / "missing")) is None


def test_checkpoint_completeness():
    pb = ("saved_model.pb", 1, 1)
    shard = lambda i, n: ("variables/variables.data-%05d-of-%05d" % (i, n), 1, 1)  # noqa: E731
    index = ("variables/variables.index", 1, 1)
    assert versions.is_complete((pb, index, shard(0, 1)))
    assert not versions.is_complete((pb, shard(0, 1)))
    assert not versions.is_complete((pb, index, shard(0, 2)))
    assert versions.is_complete((pb, index, shard(0, 2), shard(1, 2)))
    assert not versions.is_complete((index, shard(0, 1)))


def test_version_policies():
    policy = fs_pb2.FileSystemStoragePathSourceConfig.ServableVersionPolicy()
    assert versions.apply_policy(policy, [1, 5, 3]) == {5}
    policy.latest.num_versions = 2
    assert versions.apply_policy(policy, [1, 5, 3]) == {3, 5}
    policy.all.SetInParent()
    assert versions.apply_policy(policy, [1, 5, 3]) == {1, 3, 5}
    policy.specific.versions.extend([1, 4])
    assert versions.apply_policy(policy, [1, 5, 3]) == {1}


# --- config ----------------------------------------------------------------------------------------

def test_model_config_validation(tmp_path):
    cfg = config_lib.parse_model_server_config(
        'model_config_list { config { name: "a" base_path: "rel/a" } config { name: "b" base_path: "/b" '
        'model_platform: "tensorflow" model_version_policy { specific { versions: 3 } } } }')
    models = config_lib.model_configs(cfg)
    assert [m.name for m in models] == ["a", "b"]
    assert models[0].base_path == os.path.abspath("rel/a") and models[0].model_platform == "tensorflow"
    assert models[0].model_version_policy.latest.num_versions == 1
    dup = config_lib.parse_model_server_config('model_config_list { config { name: "a" base_path: "/a" } '
                                               'config { name: "a" base_path: "/b" } }')
    with pytest.raises(ServingError, match="Illegal to list model a multiple times in config list"):
        config_lib.model_configs(dup)
    other = config_lib.parse_model_server_config('model_config_list { config { name: "a" base_path: "/a" '
                                                 'model_platform: "pytorch" } }')
    with pytest.raises(ServingError, match="Model a requests unsupported platform pytorch"):
        config_lib.model_configs(other)
    with pytest.raises(config_lib.ConfigError, match="Cannot parse model config file"):
        config_lib.parse_model_server_config("model_config_list { bogus: 1 }")


def test_batching_and_monitoring_files(tmp_path):
    f = tmp_path / "b.config"
    f.write_text("max_batch_size { value: 16 }\nbatch_timeout_micros { value: 5 }\nnum_batch_threads { value: 3 }\n"
                 "allowed_batch_sizes: 8\nallowed_batch_sizes: 16\n")
    opts = config_lib.read_batching_options(str(f))
    assert (opts.max_batch_size, opts.batch_timeout_micros, opts.num_batch_threads, opts.max_enqueued_batches,
            opts.allowed_batch_sizes) == (16, 5, 3, 10, (8, 16))
    f.write_text("max_batch_size { value: 16 }\nallowed_batch_sizes: 8\n")
    with pytest.raises(config_lib.ConfigError, match=r"The last entry of allowed_batch_sizes \(8\) must equal"):
        config_lib.read_batching_options(str(f))
    m = tmp_path / "m.config"
    m.write_text('prometheus_config { enable: true path: "/metrics" }')
    assert config_lib.read_monitoring_path(str(m)) == "/metrics"


# --- batching --------------------------------------------------------------------------------------

class FakeServable:
    """Doubles its input; records the batch sizes it ran; optionally slow."""

    name = "fake"

    def __init__(self, delay=0.0):
        self.batches = []
        self.delay = delay

    def run(self, key, inputs, output_keys):
        self.batches.append(len(inputs["x"]))
        time.sleep(self.delay)
        return {"y": inputs["x"] * 2}


def _concurrently(fn, n):
    results, errors = [None] * n, [None] * n

    def call(i):
        try:
            results[i] = fn(i)
        except ServingError as e:
            errors[i] = e
    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results, errors


def test_batcher_merges_and_splits():
    servable = FakeServable()
    batcher = Batcher(BatchingOptions(max_batch_size=4, batch_timeout_micros=100000, num_batch_threads=1))
    try:
        results, errors = _concurrently(lambda i: batcher.run(servable, "s", {"x": np.float32([[i]])}, ("y",)), 8)
    finally:
        batcher.stop()
    assert errors == [None] * 8
    assert [r["y"].tolist() for r in results] == [[[2.0 * i]] for i in range(8)]
    assert sorted(servable.batches) == [4, 4]


def test_batcher_pads_to_allowed_sizes_and_refuses_large_tasks():
    servable = FakeServable()
    batcher = Batcher(BatchingOptions(max_batch_size=4, allowed_batch_sizes=[2, 4], num_batch_threads=1))
    try:
        out = batcher.run(servable, "s", {"x": np.float32([[1], [2], [3]])}, ("y",))
        assert out["y"].tolist() == [[2], [4], [6]] and servable.batches == [4]
        with pytest.raises(ServingError, match="Task size 5 is larger than maximum input batch size 4"):
            batcher.run(servable, "s", {"x": np.zeros((5, 1), np.float32)}, ("y",))
    finally:
        batcher.stop()


def test_batcher_queue_full_is_resource_exhausted():
    servable = FakeServable(delay=0.3)
    batcher = Batcher(BatchingOptions(max_batch_size=1, max_enqueued_batches=1, num_batch_threads=1))
    try:
        _, errors = _concurrently(lambda i: batcher.run(servable, "s", {"x": np.float32([[i]])}, ("y",)), 6)
    finally:
        batcher.stop()
    refused = [e for e in errors if e is not None]
    assert refused and all(e.code_name == "RESOURCE_EXHAUSTED" and e.http_status == 429 for e in refused)
    assert refused[0].message == "The batch scheduling queue to which this task was submitted is full"


def test_batcher_deadline_is_deadline_exceeded():
    servable = FakeServable()
    batcher = Batcher(BatchingOptions(max_batch_size=8, batch_timeout_micros=2000000, num_batch_threads=1))
    try:
        with pytest.raises(ServingError) as info:
            batcher.run(servable, "s", {"x": np.float32([[1]])}, ("y",), timeout=0.05)
    finally:
        batcher.stop()
    assert (info.value.code_name, info.value.http_status) == ("DEADLINE_EXCEEDED", 504)


def _on_event_loop(coro_fn):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro_fn())
    finally:
        loop.close()


def test_batcher_merges_event_loop_and_thread_callers_into_one_batch():
    servable = FakeServable()
    batcher = Batcher(BatchingOptions(max_batch_size=6, batch_timeout_micros=2000000, num_batch_threads=1))
    try:
        threaded, errors = [], []
        threads = [threading.Thread(target=lambda i=i: threaded.append(
            batcher.run(servable, "s", {"x": np.float32([[10 + i]])}, ("y",)))) for i in range(2)]
        for t in threads:
            t.start()

        async def callers():
            return await asyncio.gather(*[batcher.run_async(servable, "s", {"x": np.float32([[i]])}, ("y",), 5)
                                          for i in range(4)])
        on_loop = _on_event_loop(callers)
        for t in threads:
            t.join(10)
    finally:
        batcher.stop()
    assert servable.batches == [6]                   # full at six rows: it did not wait for the timeout
    assert [r["y"].tolist() for r in on_loop] == [[[0.0]], [[2.0]], [[4.0]], [[6.0]]]
    assert sorted(r["y"][0, 0] for r in threaded) == [20.0, 22.0] and not errors


def test_batcher_on_an_event_loop_reports_deadlines_errors_and_unbatchable_inputs():
    class Failing(FakeServable):
        def run(self, key, inputs, output_keys):
            raise ValueError("boom")
    batcher = Batcher(BatchingOptions(max_batch_size=8, batch_timeout_micros=200000, num_batch_threads=1))
    servable = FakeServable()
    try:
        async def late():
            return await batcher.run_async(servable, "s", {"x": np.float32([[1]])}, ("y",), timeout=0.02)
        with pytest.raises(ServingError) as info:
            _on_event_loop(late)
        assert info.value.code_name == "DEADLINE_EXCEEDED"
        time.sleep(0.3)                              # its batch runs later: a cancelled waiter is skipped

        async def failing():
            return await batcher.run_async(Failing(), "s", {"x": np.float32([[1]])}, ("y",), timeout=5)
        with pytest.raises(ServingError) as info:
            _on_event_loop(failing)
        assert info.value.code_name == "INTERNAL" and "boom" in info.value.message

        async def unbatchable():                     # first dimensions disagree: run alone, on the executor
            return await batcher.run_async(servable, "s", {"x": np.float32([[3]]), "z": np.zeros((2, 1))}, ("y",))
        assert _on_event_loop(unbatchable)["y"].tolist() == [[6.0]]
    finally:
        batcher.stop()
    assert servable.batches == [1, 1]              # the late request's batch, then the unbatchable one


# --- warmup ----------------------------------------------------------------------------------------

def test_warmup_replays_requests_and_fails_on_a_bad_one(tmp_path):
    from tagraph.serving.servable import load_servable
    shutil.copytree(TF_DATA / "model_base" / "0002", tmp_path / "2")
    os.makedirs(tmp_path / "2" / "assets.extra")
    good = predict_pb2.PredictRequest()
    good.inputs["x"].CopyFrom(make_tensor_proto(np.float32([[1, 1]])))
    bad = predict_pb2.PredictRequest()
    bad.inputs["nope"].CopyFrom(make_tensor_proto(np.float32([[1, 1]])))
    records = []
    for req in (good, bad):
        log = extra_protos.PredictionLog()
        log.predict_log.request = req.SerializeToString()
        records.append(log.SerializeToString())
    warmup = tmp_path / "2" / "assets.extra" / "tf_serving_warmup_requests"
    servable = load_servable("m", 2, str(tmp_path / "2"))
    try:
        warmup.write_bytes(encode_record(records[0]))
        assert run_warmup(servable, num_request_iterations=2) == 1
        warmup.write_bytes(b"".join(map(encode_record, records)))
        with pytest.raises(ServingError, match="Warmup request 2 from .* failed: input tensor alias not found"):
            run_warmup(servable)
    finally:
        servable.close()


def test_event_loop_falls_back_to_asyncio_without_uvloop(monkeypatch):
    from tagraph.serving import event_loop
    monkeypatch.setitem(sys.modules, "uvloop", None)          # `import uvloop` now raises ImportError
    loop = event_loop.new_event_loop()
    try:
        assert isinstance(loop, asyncio.BaseEventLoop) and "uvloop" not in type(loop).__module__
        assert loop.run_until_complete(asyncio.sleep(0, result=7)) == 7
    finally:
        loop.close()
