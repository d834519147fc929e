"""tagraph-op-coverage: the op types of TensorFlow's models, function libraries included, against tagraph's
kernels; the README's count of the common TF1 model ops it supports."""
import collections
import json
import pathlib
import re
import subprocess
import sys

import pytest

from tagraph.devices import kernel_registry
from tagraph.engine.framework.op_builder import op_defs
from tagraph.protos import graph_pb2, meta_graph_pb2, saved_model_pb2
from tagraph.serialization import op_coverage

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
COMMON_OPS = DATA / "op_coverage" / "common_tf1_ops.txt"


def run(capsys, *argv):
    code = op_coverage.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def saved_model_counts(path):
    """Op type -> nodes in a SavedModel's graphs and function bodies, read straight from its protos."""
    proto = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes())
    counts = collections.Counter()
    for meta_graph in proto.meta_graphs:
        counts.update(n.op for n in meta_graph.graph_def.node)
        for fdef in meta_graph.graph_def.library.function:
            counts.update(n.op for n in fdef.node_def)
    return counts


def write_graph_def(path, nodes, functions=()):
    graph_def = graph_pb2.GraphDef()
    for name, op in nodes:
        graph_def.node.add(name=name, op=op)
    for fname, body_ops in functions:
        fdef = graph_def.library.function.add()
        fdef.signature.name = fname
        for i, op in enumerate(body_ops):
            fdef.node_def.add(name="n%d" % i, op=op)
    path.write_bytes(graph_def.SerializeToString())
    return path


def op_without_kernel():
    """A real TensorFlow op tagraph knows by its OpDef but has no kernel for, or None."""
    return next((name for name in sorted(op_defs()) if not kernel_registry.has_kernel(name, "CPU")), None)


# -- the table, JSON and exit codes on TensorFlow's models ------------------------------------------------------

def test_table_of_a_tf1_saved_model(capsys):
    model = DATA / "tf" / "half_plus_two"
    code, out, err = run(capsys, model)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["op", "type", "nodes", "CPU", "GPU", "supported"]
    expected = saved_model_counts(model)
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:-2]}
    assert {op: int(cells[0]) for op, cells in rows.items()} == dict(expected)
    assert rows["RestoreV2"][1] == "yes" and rows["RestoreV2"][3] == "yes"
    assert lines[-1] == "%d of %d op types supported; missing: none" % (len(expected), len(expected))


def test_json_of_a_tf2_saved_model_counts_function_bodies_and_calls(capsys):
    model = DATA / "tf2" / "nested"
    code, out, _ = run(capsys, "--json", model)
    report = json.loads(out)
    assert code == 0 and report["missing"] == [] and report["device_types"] == ["CPU", "GPU"]
    assert report["sources"] == [str(model)]
    ops = {u["op_type"]: u for u in report["ops"]}
    assert {op: u["nodes"] for op, u in ops.items()} == dict(saved_model_counts(model))
    proto = saved_model_pb2.SavedModel.FromString((model / "saved_model.pb").read_bytes())
    body_ops = {n.op for m in proto.meta_graphs for f in m.graph_def.library.function for n in f.node_def}
    graph_ops = {n.op for m in proto.meta_graphs for n in m.graph_def.node}
    assert body_ops - graph_ops, "the fixture's function bodies hold op types its graph does not"
    assert body_ops - graph_ops <= set(ops)
    assert ops["StatefulPartitionedCall"]["kernels"]["CPU"] is True
    assert report["total"] == len(ops) == report["supported"]


def test_meta_graph_text_graph_def_and_directory_search(capsys):
    meta = DATA / "tf_ops" / "sparse_adam.meta"
    pbtxt = DATA / "tf_ops" / "graph_util" / "write_graph.pbtxt"
    code, out, _ = run(capsys, "--json", meta, pbtxt, DATA / "tf" / "model_base")
    report = json.loads(out)
    assert code == 0
    assert report["sources"] == [str(meta), str(pbtxt), str(DATA / "tf" / "model_base" / "0001"),
                                 str(DATA / "tf" / "model_base" / "0002")]
    graph = meta_graph_pb2.MetaGraphDef.FromString(meta.read_bytes()).graph_def
    ops = {u["op_type"]: u["nodes"] for u in report["ops"]}
    assert ops["ApplyAdam"] == sum(n.op == "ApplyAdam" for n in graph.node) > 0


def test_tree_of_models_is_searched_recursively(tmp_path, capsys):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    write_graph_def(nested / "one.pb", [("x", "Const"), ("y", "Identity")])
    (tmp_path / "a" / "notes.txt").write_text("not a model")
    code, out, _ = run(capsys, "--json", tmp_path)
    report = json.loads(out)
    assert code == 0 and report["sources"] == [str(nested / "one.pb")]
    assert {u["op_type"]: u["nodes"] for u in report["ops"]} == {"Const": 1, "Identity": 1}


def test_command_line_entry_point_exit_status(tmp_path):
    path = write_graph_def(tmp_path / "g.pb", [("a", "FooBarUnknownOp")])
    done = subprocess.run([sys.executable, "-m", "tagraph.serialization.op_coverage", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "0 of 1 op types supported; missing: FooBarUnknownOp"


# -- missing ops ---------------------------------------------------------------------------------------------

def test_unknown_and_kernelless_ops_are_missing(tmp_path, capsys):
    kernelless = op_without_kernel()
    nodes = [("a", "FooBarUnknownOp"), ("b", "Const"), ("c", "Const"), ("call", "my_fn")]
    if kernelless is not None:
        nodes.append(("d", kernelless))
    path = write_graph_def(tmp_path / "g.pb", nodes, functions=[("my_fn", ["AddV2", "BodyOnlyUnknownOp"])])
    code, out, _ = run(capsys, path)
    assert code == 1
    missing = sorted(["FooBarUnknownOp", "BodyOnlyUnknownOp"] + ([kernelless] if kernelless else []))
    total = 3 + len(missing)       # Const, my_fn, AddV2 and the missing ones
    assert out.splitlines()[-1] == "%d of %d op types supported; missing: %s" % (
        total - len(missing), total, ", ".join(missing))
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:-2]}
    assert rows["FooBarUnknownOp"] == ["1", "-", "-", "MISSING"]
    assert rows["my_fn"] == ["1", "function", "function", "yes"]
    assert rows["Const"][0] == "2"
    if kernelless is not None:
        assert rows[kernelless][-1] == "MISSING"

    code, out, _ = run(capsys, "--json", path)
    report = json.loads(out)
    assert code == 1 and report["missing"] == missing
    assert {u["op_type"]: u["function"] for u in report["ops"]}["my_fn"] is True


# -- bad inputs -----------------------------------------------------------------------------------------------

def no_op_graph():
    graph_def = graph_pb2.GraphDef()
    graph_def.node.add(name="a")
    return graph_def.SerializeToString()


def _bad_inputs(tmp_path):
    (tmp_path / "corrupt.pb").write_bytes(b"\x0a\xff\xff\xff\xff\x0f")
    (tmp_path / "empty.pb").write_bytes(b"")
    (tmp_path / "garbage.pbtxt").write_text("node { name: 'a' op: \n")
    (tmp_path / "truncated.meta").write_bytes((DATA / "tf_ops" / "sparse_adam.meta").read_bytes()[:200])
    (tmp_path / "no_op.pb").write_bytes(no_op_graph())
    (tmp_path / "model.onnx").write_bytes(b"x")
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "broken_sm").mkdir()
    (tmp_path / "broken_sm" / "saved_model.pb").write_bytes(b"\x12\x05abc")
    return {
        "corrupt.pb": "not a GraphDef",
        "empty.pb": "holds no nodes",
        "garbage.pbtxt": "not a GraphDef",
        "truncated.meta": "not a MetaGraphDef",
        "no_op.pb": "a node without an op type",
        "model.onnx": "not a SavedModel directory, .meta, .pb or .pbtxt file",
        "empty_dir": "no SavedModel, .meta, .pb or .pbtxt file under",
        "broken_sm": "not a SavedModel",
        "missing_path": "no such file or directory",
    }


@pytest.mark.parametrize("name", ["corrupt.pb", "empty.pb", "garbage.pbtxt", "truncated.meta", "no_op.pb",
                                  "model.onnx", "empty_dir", "broken_sm", "missing_path"])
def test_bad_input_exits_2_naming_the_file(tmp_path, capsys, name):
    messages = _bad_inputs(tmp_path)
    code, out, err = run(capsys, tmp_path / name)
    assert code == 2 and out == ""
    assert str(tmp_path / name) in err and messages[name] in err
    assert "Traceback" not in err and err.startswith("tagraph-op-coverage: error: ")


def test_bad_file_found_by_a_directory_search_is_named(tmp_path, capsys):
    write_graph_def(tmp_path / "good.pb", [("a", "Const")])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.meta").write_bytes(b"\xff\xff\xff")
    code, _, err = run(capsys, tmp_path)
    assert code == 2 and str(tmp_path / "sub" / "bad.meta") in err


def test_an_op_list_is_not_a_graph(capsys):
    code, _, err = run(capsys, DATA / "tf" / "op_defs.pbtxt")
    assert code == 2 and "op_defs.pbtxt: not a GraphDef" in err


# -- the README's count of the common TF1 model ops -------------------------------------------------------------

def test_common_tf1_ops_list_holds_the_ops_of_tensorflow_models():
    names = op_coverage.read_op_list(COMMON_OPS)
    assert len(names) == len(set(names)) > 100
    assert {"MatMul", "ApplyAdam", "Conv2D", "FusedBatchNormV3", "ApplyMomentum", "Enter", "LookupTableFindV2",
            "SparseSegmentMean", "ApplyAdagrad", "TFRecordDataset", "IteratorGetNext", "SaveV2"} <= set(names)


def test_readme_states_the_coverage_of_the_common_tf1_ops(capsys):
    report = op_coverage.coverage(op_types=op_coverage.read_op_list(COMMON_OPS))
    readme = (ROOT / "README.md").read_text()
    stated = re.search(r"tagraph has kernels for (\d+) of (\d+) \(missing: ([^)]*)\)", readme.replace("\n", " "))
    assert stated, "README's compatibility section states the op coverage"
    assert (int(stated.group(1)), int(stated.group(2))) == (report.supported_count, len(report.ops))
    assert [m.strip() for m in stated.group(3).split(",")] == (report.missing or ["none"])
    code, out, _ = run(capsys, "--op-list", COMMON_OPS)
    assert code == (1 if report.missing else 0) and out.splitlines()[-1] == report.summary()
