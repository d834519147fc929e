"""tg.train's global step: an int64 resource variable named global_step, in GLOBAL_STEP."""
import pytest

import tagraph.engine as tg


def test_get_or_create_global_step():
    with tg.Graph().as_default() as g:
        assert tg.train.get_global_step() is None
        with tg.name_scope("somewhere"):
            step = tg.train.get_or_create_global_step()
        assert step.op.name == "global_step" and step.op.type == "VarHandleOp"
        assert step.dtype == tg.int64 and step.shape.as_list() == [] and not step.trainable
        assert g.get_collection(tg.GraphKeys.GLOBAL_STEP) == [step]
        assert step in tg.global_variables()
        assert tg.train.get_or_create_global_step() is step
        assert tg.train.get_global_step(g) is step
        with pytest.raises(ValueError, match="already exists"):
            tg.train.create_global_step()
        inc = step.assign_add(5)
        with tg.Session() as sess:
            sess.run(step.initializer)
            sess.run(inc)
            assert tg.train.global_step(sess, step) == 5


def test_global_step_found_by_name_and_checked():
    with tg.Graph().as_default():
        v = tg.Variable(0, dtype=tg.int64, name="global_step")
        assert tg.train.get_global_step() is v
    with tg.Graph().as_default() as g:
        f = tg.Variable(0.0, name="global_step", collections=[tg.GraphKeys.GLOBAL_STEP])
        with pytest.raises(TypeError, match="integer"):
            tg.train.get_global_step(g)
        del f
