"""MetaGraphDefs (``.meta``, binary or text) and SavedModels (``saved_model.pb`` / ``.pbtxt``), read and
imported. Seeds are files real TensorFlow wrote. Documented outcomes: a result, a tg.errors.* error, or
(import, as TensorFlow's import_graph_def documents) ValueError."""
import os
import pathlib
import shutil

import pytest
from google.protobuf import text_format
from hypothesis import given, strategies as st

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import meta_graph_pb2, saved_model_pb2
from tagraph.serialization import meta_graph
from tagraph.serialization.saved_model import loader

from fuzz_harness import work_dir, check, fuzz_settings, mutate, mutations

TF_DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tf"
_WORK = work_dir("tagraph-fuzz-meta-")

META_SEEDS = [(TF_DATA / "seed_checkpoint" / "model.ckpt.meta").read_bytes(),
              (TF_DATA / "dtypes_checkpoint" / "model-3.meta").read_bytes()]
META_SEEDS.append(text_format.MessageToString(
    meta_graph_pb2.MetaGraphDef.FromString(META_SEEDS[0])).encode())
SM_SEEDS = [(TF_DATA / name / "saved_model.pb").read_bytes() for name in ("half_plus_two", "simple_save",
                                                                          "x1_x2_to_y")]


def _file(name, data):
    path = os.path.join(_WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _import_meta(path):
    mg = meta_graph.read_meta_graph_file(path)
    with tg.Graph().as_default():
        meta_graph.import_meta_graph(mg)
    return mg


@fuzz_settings(80)
@given(st.sampled_from(range(len(META_SEEDS))), mutations(st))
def test_meta_graph_mutated(seed, ops):
    data = mutate(META_SEEDS[seed], ops)
    path = _file("model.meta", data)
    check(".meta (MetaGraphDef)", _import_meta, path, input_size=len(data), allowed=(errors.OpError, ValueError))


def _saved_model_dir(name, data, text=False):
    d = os.path.join(_WORK, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    with open(os.path.join(d, "saved_model.pbtxt" if text else "saved_model.pb"), "wb") as f:
        f.write(data)
    return d


def _parse_and_import(export_dir):
    sm = loader.parse_saved_model(export_dir)
    for mg in sm.meta_graphs:
        with tg.Graph().as_default() as g:
            meta_graph.import_scoped_meta_graph(mg, clear_devices=True, graph=g)
    return sm


@fuzz_settings(150)
@given(st.sampled_from(range(len(SM_SEEDS))), mutations(st))
def test_saved_model_pb_mutated(seed, ops):
    data = mutate(SM_SEEDS[seed], ops)
    check("saved_model.pb", _parse_and_import, _saved_model_dir("pb", data), input_size=len(data),
          allowed=(errors.OpError, ValueError))


_PBTXT_SEED = text_format.MessageToString(saved_model_pb2.SavedModel.FromString(SM_SEEDS[2])).encode()


@fuzz_settings(60)
@given(mutations(st, max_ops=3))
def test_saved_model_pbtxt_mutated(ops):
    data = mutate(_PBTXT_SEED, ops)
    check("saved_model.pbtxt", _parse_and_import, _saved_model_dir("pbtxt", data, text=True),
          input_size=len(data), allowed=(errors.OpError, ValueError))


def _load(export_dir):
    with tg.Session(graph=tg.Graph()) as sess:
        return loader.load(sess, ["serve"], export_dir)


@fuzz_settings(40)
@given(mutations(st, max_ops=2))
def test_saved_model_full_load_mutated(ops):
    """A whole load (import, restore through the graph's own restore op, init ops) of a damaged model."""
    d = os.path.join(_WORK, "full")
    if os.path.isdir(d):
        shutil.rmtree(d)
    shutil.copytree(TF_DATA / "half_plus_two", d)
    seed = SM_SEEDS[0]
    data = mutate(seed, ops)
    with open(os.path.join(d, "saved_model.pb"), "wb") as f:
        f.write(data)
    check("saved_model.pb", _load, d, input_size=len(data), allowed=(errors.OpError, ValueError, RuntimeError))


# --- deeply nested text: the text parser recurses per message level ------------------------------------

def _deep_saved_model_text(depth):
    # StructuredValue nests without limit (SavedModel.object_graph_def ... list_value { values { ... } }).
    inner = "list_value { values { " * depth + "}} " * depth
    return ("saved_model_schema_version: 1 meta_graphs { graph_def { } object_graph_def { nodes { "
            "user_object { } } concrete_functions { key: 'f' value { output_signature { %s } } } } }" % inner)


def test_nested_pbtxt_parses():
    d = _saved_model_dir("nested", _deep_saved_model_text(50).encode(), text=True)
    assert len(loader.parse_saved_model(d).meta_graphs) == 1


def test_deeply_nested_pbtxt_is_data_loss():
    d = _saved_model_dir("deep", _deep_saved_model_text(5000).encode(), text=True)
    with pytest.raises(errors.DataLossError):
        loader.parse_saved_model(d)


def test_deeply_nested_meta_text_is_a_documented_error():
    inner = "list_value { values { " * 5000 + "}} " * 5000
    text = "object_graph_def { concrete_functions { key: 'f' value { output_signature { %s } } } }" % inner
    path = _file("deep.meta", text.encode())
    check(".meta (MetaGraphDef)", meta_graph.read_meta_graph_file, path, input_size=len(text))


def teardown_module(module):
    shutil.rmtree(_WORK, ignore_errors=True)


def test_corrupt_variable_def_in_a_collection_is_data_loss():
    # Found by this fuzzer (saved_model.pb mutated): a VariableDef that does not parse escaped as DecodeError.
    mg = meta_graph_pb2.MetaGraphDef.FromString(META_SEEDS[0])
    mg.collection_def["variables"].bytes_list.value[0] = b"\xff\xff\xff"
    with tg.Graph().as_default():
        with pytest.raises(errors.DataLossError):
            meta_graph.import_meta_graph(mg)
