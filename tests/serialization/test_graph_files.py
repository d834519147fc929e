"""tf.train.write_graph / tf.io.write_graph: the files TensorFlow writes (tests/data/tf_ops/record_graph_util.py),
byte for byte, as text and as binary; a tagraph Graph is written as its GraphDef; folders are made."""
import pathlib

import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.protos import graph_pb2
from tagraph.serialization import write_graph
from tagraph.serialization.graph_files import write_graph as write_graph_impl

RECORDED = pathlib.Path(__file__).resolve().parents[1] / "data" / "tf_ops" / "graph_util"


def _frozen():
    return graph_pb2.GraphDef.FromString((RECORDED / "ref.frozen.pb").read_bytes())


@pytest.mark.parametrize("name, as_text", [("write_graph.pbtxt", True), ("write_graph.pb", False)])
def test_write_graph_writes_tensorflows_bytes(tmp_path, name, as_text):
    path = write_graph(_frozen(), str(tmp_path / "new" / "folder"), name, as_text=as_text)
    assert path == str(tmp_path / "new" / "folder" / name)
    assert pathlib.Path(path).read_bytes() == (RECORDED / name).read_bytes()


def test_a_graph_is_written_as_its_graph_def(tmp_path):
    with tg.Graph().as_default() as g:
        tg.import_graph_def(_frozen(), name="")
    path = write_graph(g, str(tmp_path), "g.pb", as_text=False)
    assert graph_pb2.GraphDef.FromString(pathlib.Path(path).read_bytes()) == g.as_graph_def()
    text = pathlib.Path(write_graph(g, str(tmp_path), "g.pbtxt")).read_text()
    assert text.startswith('node {\n  name: "x"\n  op: "Placeholder"\n')


def test_rewriting_replaces_the_file_whole(tmp_path):
    write_graph(_frozen(), str(tmp_path), "g.pb", as_text=False)
    write_graph(graph_pb2.GraphDef(), str(tmp_path), "g.pb", as_text=False)
    assert (tmp_path / "g.pb").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.pb"]


def test_tensorflow_names():
    assert tf.train.write_graph is write_graph_impl and tf.io.write_graph is write_graph_impl
