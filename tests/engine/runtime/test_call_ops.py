"""Function calls and functional control flow as TensorFlow runs them: direct calls of library functions by
name (TensorFlow 1's Defun), If's predicate rules, Case's default branch, While with several loop variables."""
import json
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import make_op
from tagraph.protos import attr_value_pb2, graph_pb2

TF2 = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf2"


def test_a_tensorflow_1_defun_graph_calls_its_functions_by_name(device):
    gd = graph_pb2.GraphDef.FromString((TF2 / "defun_graph.pb").read_bytes())
    case = json.loads((TF2 / "expected.json").read_text())["defun_graph"]["graph"]
    assert any(n.op not in ("Placeholder", "Const", "AddV2", "Identity") for n in gd.node)
    with tg.Graph().as_default() as g:
        with tg.device(device):
            tg.import_graph_def(gd, name="")
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            np.testing.assert_allclose(sess.run("y:0", {"x:0": case["x"]}), case["y"], rtol=1e-6)
        assert g.as_graph_def().node[1].op == gd.node[1].op        # exported as it came


@tg.function
def _plus_one(x):
    return x + 1.0


@tg.function
def _times_ten(x):
    return x * 10.0


@tg.function
def _negate(x):
    return -x


def _fn(f, x):
    f(x)                               # traces f into the default graph's library
    name = tg.get_default_graph()._library.function[-1].signature.name
    return attr_value_pb2.NameAttrList(name=name)


@pytest.mark.parametrize("pred,want", [(True, 2.0), (0.0, 10.0), (3, 2.0), ([], 10.0), ([0], 2.0), (b"", 10.0)])
def test_if_reads_its_predicate_as_tensorflow_does(pred, want):
    with tg.Graph().as_default():
        x = tg.constant(1.0)
        then_f, else_f = _fn(_plus_one, x), _fn(_times_ten, x)
        p = tg.constant(pred, dtype=tg.float32 if isinstance(pred, list) else None)
        y = make_op("If", [p, [x]], {"then_branch": then_f, "else_branch": else_f, "Tout": [tg.float32]})
        with tg.Session() as sess:
            assert sess.run(y) == want


@pytest.mark.parametrize("index,want", [(0, 2.0), (1, 10.0), (2, -1.0), (7, -1.0), (-1, -1.0)])
def test_case_runs_the_last_branch_for_an_index_out_of_range(index, want):
    with tg.Graph().as_default():
        x = tg.constant(1.0)
        branches = [_fn(f, x) for f in (_plus_one, _times_ten, _negate)]
        y = make_op("Case", [tg.constant(index), [x]], {"branches": branches, "Tout": [tg.float32]})
        with tg.Session() as sess:
            assert sess.run(y) == want


def test_while_carries_several_loop_variables(device):
    @tg.function
    def cond(i, acc):
        return i < 5

    @tg.function
    def body(i, acc):
        return i + 1, acc * 2.0 + tg.cast(i, tg.float32)

    with tg.Graph().as_default():
        with tg.device(device):
            i0, a0 = tg.constant(0), tg.constant([1.0, 2.0])
            c, b = _fn(cond, i0) if False else None, None
            cond(i0, a0)
            body(i0, a0)
            lib = tg.get_default_graph()._library.function
            names = {f.signature.name.rsplit("_", 1)[0]: f.signature.name for f in lib}
            i, acc = make_op("While", [[i0, a0]], {"cond": attr_value_pb2.NameAttrList(name=names["cond"]),
                                                    "body": attr_value_pb2.NameAttrList(name=names["body"]),
                                                    "T": [tg.int32, tg.float32]})
        with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
            got_i, got_acc = sess.run([i, acc])
    want = np.float32([1.0, 2.0])
    for k in range(5):
        want = want * 2 + k
    assert got_i == 5
    np.testing.assert_allclose(got_acc, want)
