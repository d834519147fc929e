"""tf.graph_util against TensorFlow (tests/data/tf_ops/record_graph_util.py): freezing a graph TensorFlow wrote,
with tagraph's session holding the variables, gives TensorFlow's frozen GraphDef byte for byte (reference and
resource variables, whitelists and blacklists); so does freezing the same model built by tagraph;
extract_sub_graph, remove_training_nodes and must_run_on_cpu give TensorFlow's results."""
import importlib.util
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.engine.framework import graph_util
from tagraph.protos import graph_pb2

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
RECORDED = DATA / "graph_util"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_graph_util", DATA / "record_graph_util.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(RECORDED / "values.npz") as _f:
    VALUES = {k: _f[k] for k in _f.files}
OUTPUTS = ["probs", "step_count", "rows"]


def _graph_def(name):
    return graph_pb2.GraphDef.FromString((RECORDED / name).read_bytes())


def _bytes(graph_def):
    return graph_def.SerializeToString(deterministic=True)


def _session_on_tensorflows_graph(kind):
    """TensorFlow's GraphDef imported into a tagraph graph, its variables initialized (seeded: TensorFlow's
    values)."""
    graph_def = _graph_def(kind + ".graph.pb")
    g = tg.Graph()
    with g.as_default():
        tg.import_graph_def(graph_def, name="")
    sess = tg.Session(graph=g)
    sess.run([n.name for n in graph_def.node if n.name.endswith("/Assign")])
    return sess, graph_def


@pytest.mark.parametrize("kind", ["ref", "resource"])
@pytest.mark.parametrize("variant, args", [("frozen", (OUTPUTS,)), ("frozen_whitelist", (["probs"], ["dense/w"])),
                                           ("frozen_blacklist", (["probs"], None, ["dense/w"]))])
def test_freezing_gives_tensorflows_graph_def_byte_for_byte(kind, variant, args):
    sess, graph_def = _session_on_tensorflows_graph(kind)
    with sess:
        want = (RECORDED / ("%s.%s.pb" % (kind, variant))).read_bytes()
        # TensorFlow's GraphDef, and tagraph's export of the graph it imported: the same bytes out.
        assert _bytes(graph_util.convert_variables_to_constants(sess, graph_def, *args)) == want
        assert _bytes(graph_util.convert_variables_to_constants(sess, sess.graph.as_graph_def(), *args)) == want


@pytest.mark.parametrize("kind", ["ref", "resource"])
def test_the_frozen_graph_runs_without_variables(kind):
    frozen = _graph_def(kind + ".frozen.pb")
    assert not [n for n in frozen.node if n.op in ("VariableV2", "VarHandleOp", "ReadVariableOp", "ResourceGather")]
    with tg.Graph().as_default() as g:
        tg.import_graph_def(frozen, name="")
        with tg.Session() as sess:
            probs, rows = sess.run(["probs:0", "rows:0"], {"x:0": VALUES["x"]})
    np.testing.assert_allclose(probs, VALUES[kind + ":probs"], rtol=1e-6)
    np.testing.assert_array_equal(rows, np.ones([2, 2], np.float32))
    assert g.get_operations()


def test_a_model_tagraph_builds_freezes_to_tensorflows_bytes():
    tf.disable_resource_variables()
    with tf.Graph().as_default() as g:
        RECORD.model(tf, use_resource=False)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_allclose(sess.run("probs:0", {"x:0": VALUES["x"]}), VALUES["ref:probs"], rtol=1e-6)
            frozen = tf.graph_util.convert_variables_to_constants(sess, g.as_graph_def(), OUTPUTS)
    assert _bytes(frozen) == (RECORDED / "ref.frozen.pb").read_bytes()


def test_freezing_with_nothing_to_freeze_or_a_missing_output():
    sess, graph_def = _session_on_tensorflows_graph("ref")
    with sess:
        frozen = graph_util.convert_variables_to_constants(sess, graph_def, ["x"])
        assert [n.name for n in frozen.node] == ["x"]
        with pytest.raises(AssertionError, match="nope is not in graph"):
            graph_util.convert_variables_to_constants(sess, graph_def, ["nope"])


@pytest.mark.parametrize("kind", ["ref", "resource"])
def test_extract_sub_graph(kind):
    got = graph_util.extract_sub_graph(_graph_def(kind + ".graph.pb"), ["hidden"])
    assert _bytes(got) == (RECORDED / (kind + ".sub.pb")).read_bytes()


def test_extract_sub_graph_checks_its_arguments():
    with pytest.raises(TypeError, match="graph_def must be a graph_pb2.GraphDef proto"):
        graph_util.extract_sub_graph("graph", ["x"])
    with pytest.raises(TypeError, match="dest_nodes must be an iterable of strings"):
        graph_util.extract_sub_graph(graph_pb2.GraphDef(), "x")


@pytest.mark.parametrize("protected, recorded", [(None, "training.removed.pb"),
                                                 (["ident"], "training.removed_protected.pb")])
def test_remove_training_nodes(protected, recorded):
    got = graph_util.remove_training_nodes(_graph_def("training.graph.pb"), protected)
    assert _bytes(got) == (RECORDED / recorded).read_bytes()


def test_must_run_on_cpu_for_node_defs_and_operations():
    graph_def = _graph_def("ref.graph.pb")
    want = [line.split() for line in VALUES["ref:must_run_on_cpu"]]
    assert [[n.name, str(int(graph_util.must_run_on_cpu(n))), str(int(graph_util.must_run_on_cpu(n, True)))]
            for n in graph_def.node] == want
    with tg.Graph().as_default() as g:
        tg.import_graph_def(graph_def, name="")
        assert [str(int(graph_util.must_run_on_cpu(g.get_operation_by_name(n)))) for n, _, _ in want] == \
            [flag for _, flag, _ in want]


def test_tensor_shape_from_node_def_name():
    with tg.Graph().as_default() as g:
        tg.import_graph_def(_graph_def("ref.graph.pb"), name="")
        assert graph_util.tensor_shape_from_node_def_name(g, "x").as_list() == [None, 3]
        assert graph_util.tensor_shape_from_node_def_name(g, "hidden:0").as_list() == [None, 4]


def test_tf_graph_util_names():
    for name in ("convert_variables_to_constants", "extract_sub_graph", "remove_training_nodes", "must_run_on_cpu",
                 "tensor_shape_from_node_def_name"):
        assert getattr(tf.graph_util, name) is getattr(graph_util, name)
    assert tf.graph_util.import_graph_def is tg.import_graph_def
