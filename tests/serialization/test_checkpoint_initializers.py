"""init_from_checkpoint (serialization/checkpoint_initializers.py) against TensorFlow: the cases of
tests/data/serialization/record_init_from_checkpoint.py, on the checkpoint TensorFlow wrote, give the values
TensorFlow's ``tf.train.init_from_checkpoint`` gave, or fail where and as it failed; and checkpoints_iterator
follows a folder's new checkpoints."""
import ast
import json
import os
import sys
import threading
import time

import numpy as np
import pytest

import tagraph.compat.v1 as tf
from tagraph.serialization import checkpoint_utils

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "serialization")
sys.path.insert(0, DATA)
import record_init_from_checkpoint as recorder  # noqa: E402

FOLDER = os.path.join(DATA, recorder.FOLDER)
VALUES = np.load(os.path.join(FOLDER, "values.npz"))
with open(os.path.join(FOLDER, "errors.json")) as _f:
    ERRORS = json.load(_f)


def _split_map(message):
    """A message ending in a printed ``{name: shape}`` dict as (text before it, the dict): the checkpoint's
    tensors are listed in the reader's order, which is not TensorFlow's hash order."""
    if message.endswith("}"):
        start = message.rindex(" {")
        return message[:start], ast.literal_eval(message[start + 1:])
    return message, None


@pytest.mark.parametrize("case", sorted(recorder.cases(FOLDER)))
def test_init_from_checkpoint_as_tensorflow(case):
    got, error = recorder.run_case(tf, FOLDER, case)
    if case in ERRORS:
        assert got is None and error is not None, "TensorFlow failed here: %s" % ERRORS[case]
        assert error[0] == ERRORS[case][0]
        assert _split_map(error[1]) == _split_map(ERRORS[case][1])
        return
    assert error is None, error
    want = {k.split("/", 1)[1]: VALUES[k] for k in VALUES.files if k.startswith(case + "/")}
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        np.testing.assert_array_equal(got[name], value, err_msg=name)


def test_the_restore_runs_on_the_cpu_only_when_initializing():
    with tf.Graph().as_default() as g:
        w = tf.get_variable("w", [3, 2], initializer=tf.zeros_initializer())
        tf.train.init_from_checkpoint(os.path.join(FOLDER, "pretrained"), {"decoder/w": "w"})
        restores = [op for op in g.get_operations() if op.type == "RestoreV2"]
        assert len(restores) == 1 and "CPU" in restores[0].device
        assert w.initializer.inputs[1].op.type == "RestoreV2" or any(
            inp.op.type == "RestoreV2" for inp in w.initializer.inputs)


def test_checkpoints_iterator_yields_each_new_checkpoint(tmp_path):
    with tf.Graph().as_default():
        v = tf.get_variable("v", [1])
        saver = tf.train.Saver()
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        saver.save(sess, str(tmp_path / "m.ckpt"), global_step=1)

        def later():
            time.sleep(0.3)
            saver.save(sess, str(tmp_path / "m.ckpt"), global_step=2)
        writer = threading.Thread(target=later)
        writer.start()
        seen = list(tf.train.checkpoints_iterator(str(tmp_path), timeout=2))
        writer.join()
        sess.close()
    assert [os.path.basename(p) for p in seen] == ["m.ckpt-1", "m.ckpt-2"]
    assert v is not None


def test_checkpoints_iterator_asks_timeout_fn_whether_to_go_on(tmp_path):
    asked = []

    def done():
        asked.append(1)
        return len(asked) == 2
    assert list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0.05, timeout_fn=done)) == []
    assert len(asked) == 2
    assert checkpoint_utils.wait_for_new_checkpoint(str(tmp_path), timeout=0.05, seconds_to_sleep=0.01) is None
