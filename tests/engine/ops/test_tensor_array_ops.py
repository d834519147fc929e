"""TensorArrays (TensorArrayV3 and its ops, tg.TensorArray) against what TensorFlow 1 recorded
(tests/data/tf_ops/record_tensor_array.py): values, graphs, errors and a TensorFlow-written GraphDef, on the
CPU and a simulated GPU (the host kernels sit on the CPU there, by soft placement)."""
import importlib.util
import pathlib
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.protos import graph_pb2

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_tensor_array", DATA / "record_tensor_array.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "tensor_array.npz") as _f:
    RECORDED = {k: _f[k] for k in _f.files}
TENSOR_ARRAY_CASES = ["while_write_stack", "dynamic_growth", "scatter_gather", "split_concat", "split_read",
                      "unwritten_zeros", "identity_close"]
_ERRORS = {"InvalidArgumentError": errors.InvalidArgumentError, "UnimplementedError": errors.UnimplementedError}


def session(device):
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True))


def run_case(device, name, runs=1):
    build, _ = RECORD.CASES[name]
    x = RECORDED[name + ":in"]
    with tg.Graph().as_default() as g, tg.device(device):
        ph = tg.placeholder(tg.float32, x.shape)
        outs = build(tg, ph)
        with session(device) as sess:
            for _ in range(runs):
                got = sess.run(outs, {ph: x})
    return g, outs, got


def check_case(device, name):
    g, outs, got = run_case(device, name, runs=2)   # a second run starts with fresh arrays
    for k, (o, v) in enumerate(zip(outs, got)):
        want = RECORDED["%s:out%d" % (name, k)]
        v = np.asarray(v)
        assert v.dtype == want.dtype and v.shape == want.shape, (k, v.dtype, v.shape, want.dtype, want.shape)
        np.testing.assert_allclose(v, want, rtol=1e-6, atol=1e-6)
        if o.shape.rank is not None:
            assert o.shape.is_compatible_with(want.shape), (k, o.shape, want.shape)
    # TensorFlow's graph, node for node, but for the names of the loop invariants' Enters: TensorFlow names
    # each after its first consumer (while/TensorArrayReadV3/Enter), tg.while_loop numbers them
    # (while/Enter_2).
    want_nodes = str(RECORDED[name + ":nodes"]).split("\n")
    got_nodes = ["%s %s" % (op.name, op.type) for op in g.get_operations()]
    assert [n for n in got_nodes if not n.endswith(" Enter")] == [n for n in want_nodes if not n.endswith(" Enter")]
    assert sum(n.endswith(" Enter") for n in got_nodes) == sum(n.endswith(" Enter") for n in want_nodes)


@pytest.mark.parametrize("name", TENSOR_ARRAY_CASES)
def test_matches_tensorflow(device, name):
    check_case(device, name)


@pytest.mark.parametrize("name", sorted(RECORD.ERRORS))
def test_errors_are_tensorflows(device, name):
    kind, message = str(RECORDED[name + ":error"]).split("\n", 1)
    # TensorFlow numbers its arrays per process: the number in the message is not the test's business.
    pattern = r"TensorArray_\d+".join(re.escape(part) for part in re.split(r"TensorArray_\d+", message))
    with tg.Graph().as_default(), tg.device(device):
        ph = tg.placeholder(tg.float32, None)
        out = RECORD.ERRORS[name](tg, ph)
        with session(device) as sess:
            with pytest.raises(_ERRORS[kind], match="^" + pattern):
                sess.run(out, {ph: RECORD._X})


def test_tensorflow_graph_def_runs(device):
    gd = graph_pb2.GraphDef()
    gd.ParseFromString((DATA / "tensor_array_while.pb").read_bytes())
    assert {"TensorArrayV3", "TensorArrayWriteV3", "TensorArrayReadV3", "TensorArrayScatterV3",
            "TensorArrayGatherV3", "Enter", "Exit"} <= {n.op for n in gd.node}
    with tg.Graph().as_default(), tg.device(device):
        tg.import_graph_def(gd, name="")
        with session(device) as sess:
            for _ in range(2):
                got = sess.run("y:0", {"x:0": RECORDED["graphdef:in"]})
    np.testing.assert_allclose(got, RECORDED["graphdef:out"], rtol=1e-6)
    # A shorter input in the same session: the array's size comes from the run.
    with tg.Graph().as_default():
        tg.import_graph_def(gd, name="")
        with tg.Session() as sess:
            got = sess.run("y:0", {"x:0": RECORDED["graphdef:in"][:2]})
    np.testing.assert_allclose(got, RECORDED["graphdef:out"][:2], rtol=1e-6)


def test_static_checks_are_tensorflows():
    with tg.Graph().as_default():
        ta = tg.TensorArray(tg.float32, 3).write(0, [1.0])
        with pytest.raises(ValueError, match="Inconsistent shapes: saw"):
            ta.write(1, [1.0, 2.0])
        with pytest.raises(ValueError, match="size"):
            tg.TensorArray(tg.float32)
        ta = tg.TensorArray(tg.float32, 3, element_shape=[2], tensor_array_name="named", dynamic_size=True)
        assert ta.dynamic_size and ta.element_shape.as_list() == [2] and ta.dtype == tg.float32
        op = ta.handle.op
        assert op.type == "TensorArrayV3" and op.get_attr("dynamic_size") and op.get_attr("identical_element_shapes")
        assert ta.flow.dtype == tg.float32 and ta.flow.shape.rank == 0


def test_arrays_made_in_a_loop_are_fresh_each_iteration():
    with tg.Graph().as_default():
        def body(i, acc):
            ta = tg.TensorArray(tg.float32, 2).write(0, tg.cast(i, tg.float32)).write(1, 1.0)
            return i + 1, acc + tg.reduce_sum(ta.stack())
        _, total = tg.while_loop(lambda i, acc: i < 4, body, [0, 0.0])
        with tg.Session() as sess:
            assert sess.run(total) == pytest.approx(0 + 1 + 2 + 3 + 4)
