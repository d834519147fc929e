"""FtrlOptimizer, AdadeltaOptimizer, ProximalAdagradOptimizer, ProximalGradientDescentOptimizer and
AdagradDAOptimizer against TensorFlow 1's (tests/data/tf_ops/record_optimizers.py): the same variables and
slots after each of five steps, dense and sparse, on reference and resource variables, on the CPU and a GPU;
the same update ops, slot names and checkpoint keys; and the slots of partitioned variables saved as
TensorFlow saves them."""
import importlib.util
import os
import pathlib

import numpy as np
import pytest

import tagraph.compat.v1 as tf
import tagraph.engine as tg
from tagraph.serialization import Saver, load_checkpoint

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf_ops"
_spec = importlib.util.spec_from_file_location("tf_ops_record_optimizers", DATA / "record_optimizers.py")
RECORD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(RECORD)
with np.load(DATA / "optimizers.npz") as _f:
    ARRAYS = {k: _f[k] for k in _f.files}


def _strings(key):
    return [str(s) for s in ARRAYS[key]]


@pytest.mark.parametrize("use_resource", [False, True], ids=["ref", "resource"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("name", sorted(RECORD.OPTIMIZERS))
def test_five_steps_follow_tensorflow(device, name, sparse, use_resource):
    _, slots = RECORD.OPTIMIZERS[name]
    case = "opt:%s:%s:%s" % (name, "sparse" if sparse else "dense", "resource" if use_resource else "ref")
    with tg.Graph().as_default() as g:
        with tg.device(device):
            variables, opt, feeds, train = RECORD.optimizer_graph(tg, name, sparse, use_resource)
        assert RECORD.update_op_types(g) == _strings(case + ":ops")
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for k in range(RECORD.STEPS):
                sess.run(train, RECORD.step_feed(feeds, sparse, k))
                if device.endswith("GPU:0"):
                    # The whole step on the GPU: the feeds go up, nothing comes down.
                    stats = sess.last_run_stats
                    assert stats.downloads == 0 and all(d.endswith("GPU:0") for d in stats.devices), stats
                for vname, v in variables.items():
                    for slot in [None] + slots:
                        got = sess.run(v if slot is None else opt.get_slot(v, slot))
                        key = "%s:step%d:%s%s" % (case, k, vname, "" if slot is None else "/" + slot)
                        np.testing.assert_allclose(got, ARRAYS[key], rtol=1e-6, atol=1e-6, err_msg=key)
            assert tg.train.global_step(sess, tg.train.get_global_step()) == RECORD.STEPS
            keys, slices = RECORD.saver_keys(tg, sess, g)
        del saver
    assert keys == _strings(case + ":keys") and slices == _strings(case + ":slices")


@pytest.mark.parametrize("name", sorted(RECORD.OPTIMIZERS))
def test_slot_names_and_variables(name):
    _, slots = RECORD.OPTIMIZERS[name]
    with tg.Graph().as_default():
        variables, opt, _, _ = RECORD.optimizer_graph(tg, name, False, True)
        assert opt.get_slot_names() == sorted(slots)
        names = sorted(v.op.name for v in opt.variables())
        assert names == sorted(k for k in _strings("opt:%s:dense:resource:keys" % name)
                               if k not in ("w", "b", "global_step"))
        for slot in slots:
            s = opt.get_slot(variables["w"], slot)
            assert s.op.colocation_groups() == ["loc:@w"] and not s.trainable
            assert s.op.type == "VarHandleOp" and s.get_shape().as_list() == [6, 3]


def test_initial_slot_values():
    with tg.Graph().as_default():
        step = tg.train.get_or_create_global_step()
        w = tg.Variable(np.ones([2, 2], np.float32))
        loss = tg.reduce_sum(w)
        opts = [tg.train.FtrlOptimizer(0.1, initial_accumulator_value=0.25), tg.train.ProximalAdagradOptimizer(0.1),
                tg.train.AdagradDAOptimizer(0.1, step, initial_gradient_squared_accumulator_value=0.5),
                tg.train.AdadeltaOptimizer()]
        for opt in opts:
            opt.minimize(loss, global_step=step)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            got = {(type(o).__name__, s): sess.run(o.get_slot(w, s)) for o in opts for s in o.get_slot_names()}
    want = {("FtrlOptimizer", "accum"): 0.25, ("FtrlOptimizer", "linear"): 0.0,
            ("ProximalAdagradOptimizer", "accumulator"): 0.1,
            ("AdagradDAOptimizer", "gradient_accumulator"): 0.0,
            ("AdagradDAOptimizer", "gradient_squared_accumulator"): 0.5,
            ("AdadeltaOptimizer", "accum"): 0.0, ("AdadeltaOptimizer", "accum_update"): 0.0}
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        np.testing.assert_allclose(got[k], np.full([2, 2], v, np.float32), err_msg=str(k))


@pytest.mark.parametrize("make,message", [
    (lambda: tg.train.FtrlOptimizer(0.1, initial_accumulator_value=-0.1),
     "initial_accumulator_value -0.100000 needs to be positive or zero"),
    (lambda: tg.train.FtrlOptimizer(0.1, learning_rate_power=0.5),
     "learning_rate_power 0.500000 needs to be negative or zero"),
    (lambda: tg.train.FtrlOptimizer(0.1, l1_regularization_strength=-1.0),
     "l1_regularization_strength -1.000000 needs to be positive or zero"),
    (lambda: tg.train.FtrlOptimizer(0.1, l2_regularization_strength=-1.0),
     "l2_regularization_strength -1.000000 needs to be positive or zero"),
    (lambda: tg.train.FtrlOptimizer(0.1, l2_shrinkage_regularization_strength=-1.0),
     "l2_shrinkage_regularization_strength -1.000000 needs to be positive or zero"),
    (lambda: tg.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0),
     "initial_accumulator_value must be positive: 0.0"),
    (lambda: tg.train.AdagradDAOptimizer(0.1, None, initial_gradient_squared_accumulator_value=0.0),
     "initial_gradient_squared_accumulator_value must be positive: 0.0"),
])
def test_bad_hyperparameters_are_refused_as_tensorflow_refuses_them(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value) == message


def test_the_compat_namespace_has_them():
    for name in ("FtrlOptimizer", "AdadeltaOptimizer", "ProximalAdagradOptimizer",
                 "ProximalGradientDescentOptimizer", "AdagradDAOptimizer"):
        assert getattr(tf.train, name) is getattr(tg.train, name)


def test_a_learning_rate_tensor_and_the_ftrl_beta():
    # beta joins l2 as beta / (2 lr): with a fed learning rate the graph computes it at run time.
    with tg.Graph().as_default():
        lr = tg.placeholder(tg.float32, [])
        w = tg.Variable([1.0, -2.0, 0.5])
        loss = tg.reduce_sum(w * tg.constant([0.3, 0.1, -0.2]))
        train = tg.train.FtrlOptimizer(lr, beta=0.5, l1_regularization_strength=0.01).minimize(loss)
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train, {lr: 0.2})
            got = sess.run(w)
    g = np.float32([0.3, 0.1, -0.2])
    w0 = np.float32([1.0, -2.0, 0.5])
    accum = np.float32(0.1) + g * g
    linear = g - (np.sqrt(accum) - np.sqrt(np.float32(0.1))) / np.float32(0.2) * w0
    l2 = np.float32(0.5 / (2 * 0.2))
    want = np.where(np.abs(linear) > 0.01, (0.01 * np.sign(linear) - linear) / (np.sqrt(accum) / 0.2 + 2 * l2), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6)


# --- partitioned variables: each part's slots are that part of the whole slot in the checkpoint --------------

@pytest.mark.parametrize("name", sorted(RECORD.PARTITIONED))
def test_slots_of_partitioned_variables_are_saved_as_tensorflow_saves_them(name, tmp_path):
    with tg.Graph().as_default() as g:
        train = RECORD.partitioned_graph(tg, name)
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            for _ in range(RECORD.PART_STEPS):
                sess.run(train)
            keys, slices = RECORD.saver_keys(tg, sess, g)
            prefix = saver.save(sess, str(tmp_path / "model"))
    assert keys == _strings("part:%s:keys" % name)
    assert slices == _strings("part:%s:slices" % name)
    reader = load_checkpoint(prefix)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(set(keys))
    for key in sorted(set(keys)):
        np.testing.assert_allclose(reader.get_tensor(key), ARRAYS["part:%s:value:%s" % (name, key)],
                                   rtol=1e-6, atol=1e-6, err_msg=key)


def test_a_slot_of_a_partitioned_variable_restores_into_other_partitions(tmp_path):
    # Saved as slices of "emb/Adagrad", the accumulator restores into the whole variable or 2 parts.
    with tg.Graph().as_default():
        train = RECORD.partitioned_graph(tg, "adagrad")
        saver = Saver()
        with tg.Session() as sess:
            sess.run(tg.global_variables_initializer())
            sess.run(train)
            prefix = saver.save(sess, str(tmp_path / "model"))
            parts = sorted((v for v in tg.global_variables() if v.op.name.endswith("/Adagrad")
                            and v.op.name.startswith("emb/")), key=lambda v: v.op.name)
            whole = np.concatenate(sess.run(parts))
    with tg.Graph().as_default():
        acc = tg.get_variable("emb/Adagrad", [7, 3], partitioner=tg.fixed_size_partitioner(2))
        with tg.Session() as sess:
            Saver([acc]).restore(sess, prefix)
            np.testing.assert_array_equal(sess.run(tg.concat(list(acc), 0)), whole)
    assert os.path.exists(prefix + ".index")
    assert not np.allclose(whole, 0.1)
