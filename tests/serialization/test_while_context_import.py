"""While loops and conds through MetaGraphDefs: the ``while_context`` and ``cond_context`` collections
(WhileContextDef, CondContextDef) that TensorFlow 1 writes are turned back into loop contexts on import,
so that ``tg.gradients`` and new optimizers go through a loop tagraph did not build, and tagraph writes
them for its own loops.

The meta graphs and TensorFlow's numbers come from tests/data/serialization/record_while_context.py
(TensorFlow 2.21, tf.compat.v1, control flow v1): after importing each meta graph, TensorFlow's
gradients, and its losses over 5 steps of a new GradientDescent and Adam optimizer.
"""
import json
import os

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops.control_flow_context import CondContext, WhileContext, context_of, output_context
from tagraph.protos import control_flow_pb2
from tagraph.serialization import export_meta_graph, import_meta_graph
from tagraph.serialization.meta_graph_io import read_meta_graph_file

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "serialization", "while_context")
REC = np.load(os.path.join(DATA, "while_context.npz"))
MODELS = ["loop_var", "loop_cond", "nested", "lstm"]
OPTIMIZERS = {"gd": lambda: tg.train.GradientDescentOptimizer(0.1), "adam": lambda: tg.train.AdamOptimizer(0.05)}


def _meta(name):
    return os.path.join(DATA, name + ".meta")


def _imported(name, **kw):
    import_meta_graph(_meta(name), **kw)
    g = tg.get_default_graph()
    return g.get_collection("x")[0], g.get_collection("loss")[0], tg.trainable_variables()


def _init(sess):
    sess.run(tg.global_variables_initializer())
    for op in tg.get_collection("init_bias"):
        sess.run(op)


@pytest.mark.parametrize("name", MODELS)
def test_gradients_through_tensorflow_loop_match_tensorflow(name):
    feed = REC[name + ":feed"]
    with tg.Graph().as_default():
        x, loss, variables = _imported(name)
        assert [v.op.name for v in variables] == json.loads(str(REC[name + ":variables"]))
        grads = tg.gradients(loss, [x] + variables)
        with tg.Session() as sess:
            _init(sess)
            values = sess.run([loss] + grads, {x: feed})
    np.testing.assert_allclose(values[0], REC[name + ":loss"], rtol=1e-5)
    for k, v in enumerate(values[1:]):
        np.testing.assert_allclose(v, REC["%s:grad%d" % (name, k)], rtol=1e-5, atol=1e-6, err_msg="gradient %d" % k)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("name", MODELS)
def test_training_imported_loop_with_new_optimizer_matches_tensorflow(name, optimizer):
    feed = REC[name + ":feed"]
    with tg.Graph().as_default():
        x, loss, _ = _imported(name)
        train = OPTIMIZERS[optimizer]().minimize(loss)
        with tg.Session() as sess:
            _init(sess)
            losses = [sess.run([loss, train], {x: feed})[0] for _ in range(5)]
    expected = REC["%s:%s:losses" % (name, optimizer)]
    assert expected[-1] < expected[0]
    np.testing.assert_allclose(losses, expected, rtol=1e-4)


def test_imported_contexts_own_the_loop_ops():
    with tg.Graph().as_default() as g:
        _imported("loop_cond")
        [loop] = g.get_collection("while_context")
        assert isinstance(loop, WhileContext) and loop.name == "while/while_context"
        assert loop.outer_context is None and loop.back_prop and loop.parallel_iterations == 10
        assert loop.pivot.name == "while/LoopCond:0" and loop.pivot_for_body.name == "while/Identity:0"
        assert [t.name for t in loop.loop_exits] == ["while/Exit:0", "while/Exit_1:0"]
        assert context_of(g.get_operation_by_name("while/add")) is loop
        tanh = g.get_operation_by_name("while/cond/Tanh")
        branch = context_of(tanh)
        assert isinstance(branch, CondContext) and branch.branch == 1 and branch.outer_context is loop
        assert branch.pred.name == "while/cond/pred_id:0"
        # TensorFlow's own Switch for the true branch: its other output is live in the false branch.
        switch = g.get_operation_by_name("while/cond/mul/Switch")
        assert output_context(switch.outputs[1]) is branch
        assert output_context(switch.outputs[0]).branch == 0
        assert context_of(g.get_operation_by_name("x")) is None


def test_without_the_contexts_the_gradient_names_what_is_missing():
    mg = read_meta_graph_file(_meta("loop_var"))
    del mg.collection_def["while_context"]
    with tg.Graph().as_default() as g:
        import_meta_graph(mg)
        with pytest.raises(ValueError, match="no loop context"):
            tg.gradients(g.get_collection("loss")[0], tg.trainable_variables())


def test_import_scope_renames_contexts_and_frames():
    feed = REC["loop_var:feed"]
    with tg.Graph().as_default() as g:
        x, loss, variables = _imported("loop_var", import_scope="imported")
        [loop] = g.get_collection("while_context")
        assert loop.name == "imported/while/while_context"
        enter = g.get_operation_by_name("imported/while/Enter")
        assert enter.get_attr("frame_name") in (b"imported/while/while_context", "imported/while/while_context")
        grads = tg.gradients(loss, [x] + variables)
        with tg.Session() as sess:
            _init(sess)
            values = sess.run(grads, {x: feed})
    for k, v in enumerate(values):
        np.testing.assert_allclose(v, REC["loop_var:grad%d" % k], rtol=1e-5, atol=1e-6)


def _contexts(mg, key):
    proto = control_flow_pb2.WhileContextDef if key == "while_context" else control_flow_pb2.CondContextDef
    return [proto.FromString(b) for b in mg.collection_def[key].bytes_list.value] if key in mg.collection_def else []


@pytest.mark.parametrize("name", MODELS)
def test_reexported_contexts_equal_tensorflows(name):
    theirs = read_meta_graph_file(_meta(name))
    with tg.Graph().as_default():
        import_meta_graph(_meta(name))
        ours = export_meta_graph()
    for key in ("while_context", "cond_context"):
        assert _contexts(ours, key) == _contexts(theirs, key)


# --- tagraph's own loops ----------------------------------------------------------------------------------

def _build_own(use_resource=True):
    x = tg.placeholder(tg.float32, [3], name="x")
    w = tg.get_variable("w", initializer=tg.constant([0.7, -0.4, 0.2]), use_resource=use_resource)

    def body(i, a):
        b = tg.cond(tg.reduce_sum(a) > 0.0, lambda: tg.tanh(a * w), lambda: a + w)
        _, b = tg.while_loop(lambda j, c: j < 2, lambda j, c: (j + 1, c * 0.5 + w), [0, b])
        return i + 1, b
    _, y = tg.while_loop(lambda i, a: i < 3, body, [tg.constant(0), x * 2.0])
    return x, w, tg.reduce_sum(y * y, name="loss")


@pytest.mark.parametrize("use_resource", [True, False])
def test_own_meta_graph_round_trips_gradients(tmp_path, use_resource):
    feed = np.array([1.0, -2.0, 0.5], np.float32)
    path = str(tmp_path / "own.meta")
    with tg.Graph().as_default() as g:
        x, w, loss = _build_own(use_resource)
        grads = tg.gradients(loss, [x, w])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            before = sess.run([loss] + grads, {x: feed})
    with tg.Graph().as_default() as g:
        _build_own(use_resource)
        mg = export_meta_graph(path)
        [outer] = g.get_collection("while_context")
    [wd] = _contexts(mg, "while_context")
    assert wd.context_name == outer.name == "while/while_context"
    nested = [n.WhichOneof("ctxt") for n in wd.nested_contexts]
    assert sorted(nested) == ["cond_ctxt", "cond_ctxt", "while_ctxt"]
    with tg.Graph().as_default() as g:
        import_meta_graph(path)
        x, loss = g.get_tensor_by_name("x:0"), g.get_tensor_by_name("loss:0")
        grads = tg.gradients(loss, [x, tg.global_variables()[0]])
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            after = sess.run([loss] + grads, {x: feed})
    for a, b in zip(before, after):
        np.testing.assert_allclose(b, a, rtol=1e-6)


def test_only_outermost_contexts_are_collected():
    with tg.Graph().as_default() as g:
        _build_own()
        tg.cond(tg.constant(True), lambda: tg.constant(1.0), lambda: tg.constant(2.0))
        loops = g.get_collection("while_context")
        conds = g.get_collection("cond_context")
    assert [c.name for c in loops] == ["while/while_context"]
    assert [(c.name, c.branch) for c in conds] == [("cond/cond_text", 1), ("cond/cond_text_1", 0)]


# --- bad input --------------------------------------------------------------------------------------------

def _corrupted(field, value):
    mg = read_meta_graph_file(_meta("loop_var"))
    cd = mg.collection_def["while_context"].bytes_list
    d = control_flow_pb2.WhileContextDef.FromString(cd.value[0])
    if field == "values":
        d.values_def.values.append(value)
    elif field == "loop_exit_names":
        d.loop_exit_names.append(value)
    else:
        setattr(d, field, value)
    cd.value[0] = d.SerializeToString()
    return mg


@pytest.mark.parametrize("field", ["pivot_name", "loop_exit_names", "values", "maximum_iterations_name"])
def test_context_naming_a_missing_tensor_is_a_key_error(field):
    mg = _corrupted(field, "while/missing:0")
    with tg.Graph().as_default():
        with pytest.raises(KeyError, match=r"while_context 'while/while_context' names .*'while/missing:0'.*"
                                           r"does not exist"):
            import_meta_graph(mg)


def test_context_bytes_that_do_not_parse_are_data_loss():
    mg = read_meta_graph_file(_meta("loop_var"))
    mg.collection_def["while_context"].bytes_list.value[0] = b"\xff\xff\xff"
    with tg.Graph().as_default():
        with pytest.raises(errors.DataLossError, match="WhileContextDef"):
            import_meta_graph(mg)


def test_cond_context_with_a_bad_branch_is_refused():
    mg = read_meta_graph_file(_meta("loop_cond"))
    cd = mg.collection_def["while_context"].bytes_list
    d = control_flow_pb2.WhileContextDef.FromString(cd.value[0])
    d.nested_contexts[0].cond_ctxt.branch = 2
    cd.value[0] = d.SerializeToString()
    with tg.Graph().as_default():
        with pytest.raises(ValueError, match="branch 2"):
            import_meta_graph(mg)
