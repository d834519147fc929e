"""tagraph.protos: generated modules are current, and the messages are TensorFlow's on the wire."""

from __future__ import annotations

import importlib
import pathlib
import struct
import subprocess
import sys
from concurrent import futures

import pytest
from google.protobuf import any_pb2, descriptor_pool, text_format, unknown_fields, wrappers_pb2
from google.protobuf.descriptor import FieldDescriptor

from tagraph.protos import (
    checkpoint_state_pb2,
    config_pb2,
    error_codes_pb2,
    example_pb2,
    get_model_metadata_pb2,
    meta_graph_pb2,
    model_pb2,
    op_def_pb2,
    predict_pb2,
    saved_model_pb2,
    status_pb2,
    tensor_bundle_pb2,
    tensor_pb2,
    types_pb2,
)
from tagraph.protos.type_urls import pack_any, tf_full_name, unpack_any

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
TF_DATA = ROOT / "tests" / "data" / "tf"

SAVED_MODELS = sorted(TF_DATA.glob("**/saved_model.pb"))
META_GRAPHS = sorted(TF_DATA.glob("**/*.meta"))
INDEX_FILES = sorted(TF_DATA.glob("**/*.index"))


def _rel(path: pathlib.Path) -> str:
    return str(path.relative_to(TF_DATA))


def _unknown_fields(msg, path="") -> list[str]:
    """Paths of every (sub)message that kept fields our schema does not know."""
    found = []
    if len(unknown_fields.UnknownFieldSet(msg)):
        found.append(path or msg.DESCRIPTOR.full_name)
    for fd, value in msg.ListFields():
        if fd.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if fd.message_type.GetOptions().map_entry:
            if fd.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for key, item in value.items():
                    found += _unknown_fields(item, f"{path}.{fd.name}[{key!r}]")
        elif fd.is_repeated:
            for i, item in enumerate(value):
                found += _unknown_fields(item, f"{path}.{fd.name}[{i}]")
        else:
            found += _unknown_fields(value, f"{path}.{fd.name}")
    return found


# --- generated code -------------------------------------------------------------------------------


def test_generated_modules_are_current():
    pytest.importorskip("grpc_tools")
    proc = subprocess.run([sys.executable, str(PROTOS / "generate.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_generated_module_imports_and_is_registered_under_tagraph_paths():
    sources = sorted(p.stem for p in PROTOS.glob("*.proto"))
    assert len(sources) > 40
    pool = descriptor_pool.Default()
    for stem in sources:
        module = importlib.import_module(f"tagraph.protos.{stem}_pb2")
        assert module.DESCRIPTOR.name == f"tagraph/protos/{stem}.proto"
        assert module.DESCRIPTOR.package.startswith("tagraph.tensorflow")
        assert pool.FindFileByName(f"tagraph/protos/{stem}.proto") is module.DESCRIPTOR
        for dep in module.DESCRIPTOR.dependencies:
            assert dep.name.startswith(("tagraph/protos/", "google/protobuf/")), dep.name


# --- TensorFlow's files ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAVED_MODELS, ids=_rel)
def test_saved_model_round_trips_byte_for_byte(path):
    data = path.read_bytes()
    msg = saved_model_pb2.SavedModel.FromString(data)
    assert msg.meta_graphs, "no MetaGraphDef parsed"
    assert _unknown_fields(msg) == []
    assert msg.SerializeToString(deterministic=True) == data


@pytest.mark.parametrize("path", META_GRAPHS, ids=_rel)
def test_meta_graph_round_trips_byte_for_byte(path):
    data = path.read_bytes()
    msg = meta_graph_pb2.MetaGraphDef.FromString(data)
    assert msg.graph_def.node
    assert msg.saver_def.version == 2  # SaverDef.V2
    assert _unknown_fields(msg) == []
    assert msg.SerializeToString(deterministic=True) == data


def test_expected_fixture_files_are_present():
    assert {_rel(p) for p in SAVED_MODELS} >= {
        "half_plus_two/saved_model.pb", "simple_save/saved_model.pb", "x1_x2_to_y/saved_model.pb",
        "model_base/0001/saved_model.pb", "model_base/0002/saved_model.pb"}
    assert {_rel(p) for p in META_GRAPHS} >= {
        "seed_checkpoint/model.ckpt.meta", "dtypes_checkpoint/model-2.meta",
        "dtypes_checkpoint/model-3.meta"}


def test_half_plus_two_contents():
    model = saved_model_pb2.SavedModel.FromString((TF_DATA / "half_plus_two/saved_model.pb").read_bytes())
    tags = sorted(tuple(sorted(m.meta_info_def.tags)) for m in model.meta_graphs)
    assert tags == [("gpu", "serve"), ("serve",)]
    meta = model.meta_graphs[0]
    assert meta.meta_info_def.stripped_default_attrs
    assert "serving_default" in meta.signature_def
    assert any(s.method_name == "tensorflow/serving/classify" for s in meta.signature_def.values())
    # The assets collection is an any_list of AssetFileDef under TensorFlow's type URL.
    assets = meta.collection_def["saved_model_assets"].any_list.value
    assert [a.type_url for a in assets] == ["type.googleapis.com/tensorflow.AssetFileDef"]
    asset = meta_graph_pb2.AssetFileDef()
    assert unpack_any(assets[0], asset)
    assert asset.filename == "vocab.txt"


def test_op_defs_pbtxt_parses_as_op_list():
    ops = text_format.Parse((TF_DATA / "op_defs.pbtxt").read_text(), op_def_pb2.OpList())
    by_name = {op.name: op for op in ops.op}
    assert {"Const", "Placeholder", "SaveV2", "RestoreV2"} <= set(by_name)
    shape_attr = next(a for a in by_name["Placeholder"].attr if a.name == "shape")
    assert shape_attr.default_value.shape.unknown_rank


def test_checkpoint_state_file_parses():
    state = text_format.Parse((TF_DATA / "dtypes_checkpoint/checkpoint").read_text(),
                              checkpoint_state_pb2.CheckpointState())
    assert state.model_checkpoint_path == "model-3"
    assert list(state.all_model_checkpoint_paths) == ["model-2", "model-3"]


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def _block_entries(block: bytes):
    num_restarts = struct.unpack("<I", block[-4:])[0]
    end, i, key = len(block) - 4 - 4 * num_restarts, 0, b""
    while i < end:
        shared, i = _varint(block, i)
        unshared, i = _varint(block, i)
        size, i = _varint(block, i)
        key = key[:shared] + block[i:i + unshared]
        i += unshared
        yield key, block[i:i + size]
        i += size


@pytest.mark.parametrize("path", INDEX_FILES, ids=_rel)
def test_checkpoint_index_entries_round_trip(path):
    # Just enough of the (uncompressed) table format to reach the protos; the real reader lives
    # in tagraph.serialization.
    data = path.read_bytes()
    footer = data[-48:]
    _, i = _varint(footer, 0)
    _, i = _varint(footer, i)
    index_offset, i = _varint(footer, i)
    index_size, _ = _varint(footer, i)
    entries = {}
    for _, handle in _block_entries(data[index_offset:index_offset + index_size]):
        offset, j = _varint(handle, 0)
        size, _ = _varint(handle, j)
        entries.update(_block_entries(data[offset:offset + size]))
    header = tensor_bundle_pb2.BundleHeaderProto.FromString(entries.pop(b""))
    assert header.num_shards == 1
    assert header.endianness == tensor_bundle_pb2.BundleHeaderProto.LITTLE
    assert entries
    for key, value in entries.items():
        entry = tensor_bundle_pb2.BundleEntryProto.FromString(value)
        assert _unknown_fields(entry) == [], key
        assert entry.SerializeToString(deterministic=True) == value, key
        assert entry.dtype != types_pb2.DT_INVALID


# --- field numbers: TensorFlow's values ---------------------------------------------------------


FIELD_NUMBERS = [
    (tensor_pb2.TensorProto, "dtype", 1, FieldDescriptor.TYPE_ENUM),
    (tensor_pb2.TensorProto, "tensor_content", 4, FieldDescriptor.TYPE_BYTES),
    (tensor_pb2.TensorProto, "half_val", 13, FieldDescriptor.TYPE_INT32),
    (tensor_pb2.TensorProto, "resource_handle_val", 14, FieldDescriptor.TYPE_MESSAGE),
    (tensor_pb2.TensorProto, "variant_val", 15, FieldDescriptor.TYPE_MESSAGE),
    (tensor_pb2.TensorProto, "uint64_val", 17, FieldDescriptor.TYPE_UINT64),
    (meta_graph_pb2.MetaGraphDef, "signature_def", 5, FieldDescriptor.TYPE_MESSAGE),
    (meta_graph_pb2.MetaGraphDef, "object_graph_def", 7, FieldDescriptor.TYPE_MESSAGE),
    (meta_graph_pb2.MetaGraphDef.MetaInfoDef, "stripped_default_attrs", 7, FieldDescriptor.TYPE_BOOL),
    (meta_graph_pb2.CollectionDef, "any_list", 5, FieldDescriptor.TYPE_MESSAGE),
    (meta_graph_pb2.TensorInfo, "coo_sparse", 4, FieldDescriptor.TYPE_MESSAGE),
    (meta_graph_pb2.TensorInfo, "composite_tensor", 5, FieldDescriptor.TYPE_MESSAGE),
    (tensor_bundle_pb2.BundleEntryProto, "crc32c", 6, FieldDescriptor.TYPE_FIXED32),
    (tensor_bundle_pb2.BundleEntryProto, "slices", 7, FieldDescriptor.TYPE_MESSAGE),
    (config_pb2.ConfigProto, "device_count", 1, FieldDescriptor.TYPE_MESSAGE),
    (config_pb2.ConfigProto, "allow_soft_placement", 7, FieldDescriptor.TYPE_BOOL),
    (config_pb2.ConfigProto, "log_device_placement", 8, FieldDescriptor.TYPE_BOOL),
    (config_pb2.ConfigProto, "gpu_options", 6, FieldDescriptor.TYPE_MESSAGE),
    (config_pb2.GPUOptions, "allow_growth", 4, FieldDescriptor.TYPE_BOOL),
    (model_pb2.ModelSpec, "version", 2, FieldDescriptor.TYPE_MESSAGE),
    (model_pb2.ModelSpec, "version_label", 4, FieldDescriptor.TYPE_STRING),
    (model_pb2.ModelSpec, "signature_name", 3, FieldDescriptor.TYPE_STRING),
    (predict_pb2.PredictRequest, "inputs", 2, FieldDescriptor.TYPE_MESSAGE),
    (predict_pb2.PredictResponse, "outputs", 1, FieldDescriptor.TYPE_MESSAGE),
    (status_pb2.StatusProto, "error_code", 1, FieldDescriptor.TYPE_ENUM),
]


@pytest.mark.parametrize("cls,field,number,ftype", FIELD_NUMBERS,
                         ids=[f"{c.__name__}.{f}" for c, f, _, _ in FIELD_NUMBERS])
def test_field_numbers_match_tensorflow(cls, field, number, ftype):
    fd = cls.DESCRIPTOR.fields_by_name[field]
    assert (fd.number, fd.type) == (number, ftype)


def test_oneofs_and_enums_match_tensorflow():
    assert [f.name for f in model_pb2.ModelSpec.DESCRIPTOR.oneofs_by_name["version_choice"].fields] == [
        "version", "version_label"]
    assert [f.name for f in meta_graph_pb2.TensorInfo.DESCRIPTOR.oneofs_by_name["encoding"].fields] == [
        "name", "coo_sparse", "composite_tensor"]
    assert {f.name for f in meta_graph_pb2.CollectionDef.DESCRIPTOR.oneofs_by_name["kind"].fields} == {
        "node_list", "bytes_list", "int64_list", "float_list", "any_list"}
    assert types_pb2.DT_FLOAT == 1 and types_pb2.DT_STRING == 7 and types_pb2.DT_HALF == 19
    assert types_pb2.DT_RESOURCE == 20 and types_pb2.DT_VARIANT == 21 and types_pb2.DT_UINT64 == 23
    for name, value in types_pb2.DataType.items():
        if name != "DT_INVALID" and not name.endswith("_REF"):
            assert types_pb2.DataType.Value(name + "_REF") == value + 100
    assert tensor_bundle_pb2.BundleHeaderProto.Endianness.Value("BIG") == 1
    assert error_codes_pb2.DESCRIPTOR.package == "tagraph.tensorflow.error"
    assert error_codes_pb2.NOT_FOUND == 5 and error_codes_pb2.UNAUTHENTICATED == 16


def test_wire_bytes_match_hand_encoding():
    # ModelSpec{name: "m", version: {value: 3}} as TensorFlow Serving encodes it.
    spec = model_pb2.ModelSpec(name="m", version=wrappers_pb2.Int64Value(value=3))
    assert spec.SerializeToString() == b"\x0a\x01m\x12\x02\x08\x03"
    entry = tensor_bundle_pb2.BundleEntryProto(crc32c=0x01020304)
    assert entry.SerializeToString() == b"\x35\x04\x03\x02\x01"
    feature = example_pb2.Example()
    feature.features.feature["x"].float_list.value.append(1.0)
    assert feature.SerializeToString() == b"\x0a\x0f\x0a\x0d\x0a\x01x\x12\x08\x12\x06\x0a\x04\x00\x00\x80\x3f"


# --- gRPC services ------------------------------------------------------------------------------


def test_grpc_method_paths_are_tensorflow_servings():
    pytest.importorskip("grpc")
    for module_name in ("prediction_service_pb2_grpc", "model_service_pb2_grpc"):
        text = (PROTOS / f"{module_name}.py").read_text()
        assert "tagraph.tensorflow.serving." not in text, module_name
    from tagraph.protos import model_service_pb2_grpc, prediction_service_pb2_grpc

    class Channel:  # records the paths the stubs ask for
        def __init__(self):
            self.paths = []

        def unary_unary(self, path, *args, **kwargs):
            self.paths.append(path)
            return None

    channel = Channel()
    prediction_service_pb2_grpc.PredictionServiceStub(channel)
    model_service_pb2_grpc.ModelServiceStub(channel)
    assert "/tensorflow.serving.PredictionService/Predict" in channel.paths
    assert "/tensorflow.serving.PredictionService/GetModelMetadata" in channel.paths
    assert "/tensorflow.serving.ModelService/GetModelStatus" in channel.paths
    assert "/tensorflow.serving.ModelService/HandleReloadConfigRequest" in channel.paths
    assert all(p.startswith("/tensorflow.serving.") for p in channel.paths)


def test_grpc_server_answers_on_tensorflow_serving_path():
    grpc = pytest.importorskip("grpc")
    from tagraph.protos import prediction_service_pb2_grpc

    class Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):
            response = predict_pb2.PredictResponse()
            response.model_spec.CopyFrom(request.model_spec)
            response.outputs["y"].CopyFrom(request.inputs["x"])
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            # A raw call on TensorFlow Serving's path, as its own clients make it.
            call = channel.unary_unary("/tensorflow.serving.PredictionService/Predict")
            request = predict_pb2.PredictRequest()
            request.model_spec.name = "half_plus_two"
            request.inputs["x"].dtype = types_pb2.DT_FLOAT
            request.inputs["x"].float_val.append(1.0)
            raw = call(request.SerializeToString(), timeout=10)
            response = predict_pb2.PredictResponse.FromString(raw)
            assert response.model_spec.name == "half_plus_two"
            assert list(response.outputs["y"].float_val) == [1.0]
    finally:
        server.stop(None)


# --- google.protobuf.Any -------------------------------------------------------------------------


def test_pack_any_uses_tensorflow_type_url_and_round_trips():
    sigs = get_model_metadata_pb2.SignatureDefMap()
    sigs.signature_def["serving_default"].method_name = "tensorflow/serving/predict"
    packed = pack_any(sigs)
    assert packed.type_url == "type.googleapis.com/tensorflow.serving.SignatureDefMap"
    assert tf_full_name(meta_graph_pb2.AssetFileDef()) == "tensorflow.AssetFileDef"

    out = get_model_metadata_pb2.SignatureDefMap()
    assert unpack_any(packed, out)
    assert out == sigs

    # tagraph's own full name is accepted too, a different type is refused and left untouched.
    own = any_pb2.Any()
    own.Pack(sigs)
    assert own.type_url == "type.googleapis.com/tagraph.tensorflow.serving.SignatureDefMap"
    out2 = get_model_metadata_pb2.SignatureDefMap()
    assert unpack_any(own, out2) and out2 == sigs
    other = meta_graph_pb2.AssetFileDef(filename="keep")
    assert not unpack_any(packed, other)
    assert other.filename == "keep"


def test_pack_any_into_existing_field():
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    pack_any(get_model_metadata_pb2.SignatureDefMap(), response.metadata["signature_def"])
    assert response.metadata["signature_def"].type_url.endswith("/tensorflow.serving.SignatureDefMap")
