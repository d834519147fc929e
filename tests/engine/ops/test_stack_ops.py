"""Stacks (StackV2, StackPushV2, StackPopV2, StackCloseV2: engine/ops/stack_ops.py) against what TensorFlow
recorded (tests/data/tf_ops/record_loop_grads.py): values and errors, on the CPU and a simulated GPU (the
host kernels sit on the CPU there, by soft placement), and a stack shared by two loops' frames."""
import importlib.util
import pathlib
import re

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework import errors
from tagraph.engine.ops import stack_ops

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"


def _load_record():
    spec = importlib.util.spec_from_file_location("tf_ops_record_loop_grads", DATA / "record_loop_grads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORD = _load_record()
with np.load(DATA / "loop_grads.npz") as _f:
    RECORDED = {k: _f[k] for k in _f.files}
_ERRORS = {"InvalidArgumentError": errors.InvalidArgumentError, "InternalError": errors.InternalError}


class _Gen:
    """tagraph's stack constructors under the names of TensorFlow's gen_data_flow_ops, for the recorded cases."""
    stack_v2 = staticmethod(stack_ops.stack_v2)
    stack_push_v2 = staticmethod(stack_ops.stack_push_v2)
    stack_pop_v2 = staticmethod(stack_ops.stack_pop_v2)
    stack_close_v2 = staticmethod(stack_ops.stack_close_v2)


def _session():
    return tg.Session(config=tg.ConfigProto(allow_soft_placement=True))


@pytest.mark.parametrize("name", sorted(RECORD.STACK_CASES))
def test_values_match_tensorflow(device, name):
    with tg.Graph().as_default(), tg.device(device):
        outs = RECORD.STACK_CASES[name](tg, _Gen)
        with _session() as sess:
            for _ in range(2):       # each run has a fresh stack
                got = sess.run(outs)
    for k, v in enumerate(got):
        want = RECORDED["stack:%s:out%d" % (name, k)]
        assert np.asarray(v).dtype == want.dtype and np.shape(v) == want.shape
        np.testing.assert_array_equal(v, want)


@pytest.mark.parametrize("name", sorted(RECORD.STACK_ERRORS))
def test_errors_are_tensorflows(device, name):
    kind, message = str(RECORDED["stack:%s:error" % name]).split("\n", 1)
    # TensorFlow numbers its stacks per process: the number in the message is not the test's business.
    pattern = re.sub(r"Stack\\\[(\w+?)_\d+\\\]", r"Stack\\[\1_\\d+\\]", re.escape(message))
    with tg.Graph().as_default(), tg.device(device):
        out = RECORD.STACK_ERRORS[name](tg, _Gen)
        with _session() as sess:
            with pytest.raises(_ERRORS[kind], match="^" + pattern + r"(\n|$)"):
                sess.run(out)


def test_an_empty_stack_names_itself_after_its_op():
    with tg.Graph().as_default():
        with tg.name_scope("grads"):
            h = stack_ops.stack_v2(-1, tg.float32, name="f_acc")
        pop = stack_ops.stack_pop_v2(h, tg.float32)
        with tg.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match=r"^Stack\[grads/f_acc_\d+\] is empty when calling "
                                                                  r"Pop\(\)\.\n"):
                sess.run(pop)


def test_static_shapes_and_attributes():
    with tg.Graph().as_default():
        h = stack_ops.stack_v2(-1, tg.float64, stack_name="s")
        x = tg.placeholder(tg.float64, [None, 2])
        p = stack_ops.stack_push_v2(h, x, swap_memory=True)
        q = stack_ops.stack_pop_v2(h, tg.float64)
        c = stack_ops.stack_close_v2(h)
        assert h.dtype == tg.resource and h.shape.as_list() == [2]
        assert p.shape.as_list() == [None, 2] and p.op.get_attr("swap_memory")
        assert q.dtype == tg.float64 and q.shape.rank is None
        assert h.op.get_attr("elem_type") == tg.float64 and h.op.get_attr("stack_name") == b"s"
        assert c.type == "StackCloseV2" and not c.outputs
        assert tg.gradients(p, [x]) == [None]


def test_a_stack_carries_values_from_one_loop_to_another(device):
    # What a loop's gradient does: each forward iteration pushes, the backward loop pops, last first.
    with tg.Graph().as_default(), tg.device(device):
        h = stack_ops.stack_v2(-1, tg.float32)

        def push(i, total):
            p = stack_ops.stack_push_v2(h, tg.cast(i, tg.float32) * 10.0)
            with tg.control_dependencies([p]):
                return i + 1, total + 1.0
        n, _ = tg.while_loop(lambda i, t: i < 4, push, [0, 0.0])

        def pop(i, seen):
            with tg.control_dependencies([seen]):
                v = stack_ops.stack_pop_v2(h, tg.float32)
            v.set_shape([])
            return i - 1, seen * 100.0 + v
        _, order = tg.while_loop(lambda i, s: i > 0, pop, [n, tg.constant(0.0)])
        with _session() as sess:
            assert sess.run(order) == pytest.approx(((30.0 * 100 + 20.0) * 100 + 10.0) * 100 + 0.0)
