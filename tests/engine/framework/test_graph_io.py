import pathlib

import numpy as np
import pytest
from google.protobuf import text_format

import tagraph.engine as tg
from tagraph.protos import meta_graph_pb2, op_def_pb2, saved_model_pb2

TF = pathlib.Path(__file__).parents[2] / "data" / "tf"
_TYPE_FIELD = {"string": "s", "int": "i", "float": "f", "bool": "b", "type": "type", "shape": "shape",
               "tensor": "tensor", "func": "func"}


def _tf_op_defs():
    ops = op_def_pb2.OpList()
    for name in ("op_defs.pbtxt", "op_defs_extra.pbtxt"):
        ops.MergeFrom(text_format.Parse((TF / name).read_text(), op_def_pb2.OpList()))
    return {o.name: o for o in ops.op}


def _assert_valid(node, op_defs):
    assert node.op in op_defs, "%s is not one of TensorFlow's ops" % node.op
    attrs = {a.name: a for a in op_defs[node.op].attr}
    for name, value in node.attr.items():
        if name.startswith("_"):
            continue
        assert name in attrs, "%s has attribute %s unknown to TensorFlow" % (node.name, name)
        kind = attrs[name].type
        if kind.startswith("list("):
            assert value.WhichOneof("value") == "list", (node.name, name)
        else:
            assert value.WhichOneof("value") == _TYPE_FIELD[kind], (node.name, name, kind)
    for a in op_defs[node.op].attr:
        if not a.HasField("default_value"):
            assert a.name in node.attr, "%s misses required attribute %s" % (node.name, a.name)


def _core_graph():
    g = tg.Graph()
    with g.as_default():
        x = tg.placeholder(tg.float32, [None, 3], name="x")
        w = tg.get_variable("w", [3, 2], initializer=tg.ones_initializer)
        r = tg.get_variable("r", [2], initializer=tg.zeros_initializer, use_resource=False)
        h = tg.nn.relu(tg.matmul(x, w) + r) if hasattr(tg, "nn") else tg.matmul(x, w) + r
        y = tg.reduce_mean(tg.square(h - 1.0), axis=1, name="y")
        tg.cast(tg.argmax(h, 1), tg.float32, name="cls")
        tg.reshape(y, [-1, 1], name="col")
        tg.global_variables_initializer()
    return g


def test_node_defs_validate_against_tensorflow_op_defs():
    op_defs = _tf_op_defs()
    gd = _core_graph().as_graph_def()
    assert gd.versions.producer > 0
    for node in gd.node:
        _assert_valid(node, op_defs)


def test_round_trip_runs_to_same_values():
    g = _core_graph()
    gd = g.as_graph_def()
    feed = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tg.Session(graph=g) as sess:
        sess.run("init")
        want = sess.run("y:0", {"x:0": feed})
    g2 = tg.Graph()
    with g2.as_default():
        tg.import_graph_def(gd, name="")
        with tg.Session() as sess:
            sess.run("init")
            np.testing.assert_allclose(sess.run("y:0", {"x:0": feed}), want)
    assert g2.as_graph_def().SerializeToString(deterministic=True) == gd.SerializeToString(deterministic=True)


def test_input_map_and_return_elements():
    with tg.Graph().as_default():
        x = tg.placeholder(tg.float32, [], name="x")
        tg.identity(x * 3.0, name="y")
        gd = tg.get_default_graph().as_graph_def()
    with tg.Graph().as_default():
        c = tg.constant(2.0)
        y, op = tg.import_graph_def(gd, input_map={"x": c}, return_elements=["y:0", "y"])
        assert y.name == "import/y:0" and op is y.op
        with tg.Session() as sess:
            assert sess.run(y) == 6.0
        with pytest.raises(ValueError, match="not found"):
            tg.import_graph_def(gd, input_map={"nope:0": c})


def _fixture_graph_defs():
    for pb in sorted(TF.rglob("saved_model.pb")):
        sm = saved_model_pb2.SavedModel.FromString(pb.read_bytes())
        for i, mg in enumerate(sm.meta_graphs):
            yield "%s[%d]" % (pb.parent.relative_to(TF), i), mg.graph_def
    for meta in sorted(TF.rglob("*.meta")):
        yield str(meta.relative_to(TF)), meta_graph_pb2.MetaGraphDef.FromString(meta.read_bytes()).graph_def


@pytest.mark.parametrize("name,graph_def", list(_fixture_graph_defs()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_tensorflow_fixture_graph_imports(name, graph_def):
    with tg.Graph().as_default() as g:
        tg.import_graph_def(graph_def, name="")
        assert len(g.get_operations()) == len(graph_def.node)
        assert {o.name for o in g.get_operations()} == {n.name for n in graph_def.node}


def test_bad_graph_defs():
    from tagraph.protos import graph_pb2
    gd = graph_pb2.GraphDef()
    gd.node.add(name="a", op="NoSuchOp")
    with tg.Graph().as_default(), pytest.raises(tg.errors.NotFoundError, match="NoSuchOp"):
        tg.import_graph_def(gd)
    gd = graph_pb2.GraphDef()
    gd.node.add(name="a", op="Identity", input=["missing"]).attr["T"].type = 1
    with tg.Graph().as_default(), pytest.raises(ValueError, match="missing"):
        tg.import_graph_def(gd)
    gd = graph_pb2.GraphDef()
    n = gd.node.add(name="a", op="Identity", input=["b"])
    n.attr["T"].type = 1
    n = gd.node.add(name="b", op="Identity", input=["a"])
    n.attr["T"].type = 1
    with tg.Graph().as_default(), pytest.raises(tg.errors.InvalidArgumentError, match="cycle"):
        tg.import_graph_def(gd)
    gd = graph_pb2.GraphDef()
    n = gd.node.add(name="c", op="Const")
    n.attr["dtype"].s = b"float"
    n.attr["value"].tensor.dtype = 1
    with tg.Graph().as_default(), pytest.raises(tg.errors.InvalidArgumentError, match="must be of type type"):
        tg.import_graph_def(gd)
