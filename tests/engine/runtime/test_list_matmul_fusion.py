"""A matmul of a TensorList's items by one weight runs as one matmul over the whole list: in the While bodies of
TensorFlow 2's Keras LSTM and GRU (the unfused values to float32 rounding), only from the second call on one
list and weight, never for a list that changes at every call, never for a weight the plan may assign; an index
out of range keeps TensorFlow's error."""
import pathlib

import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.devices.kernel_registry import get_kernel
from tagraph.engine.framework import errors
from tagraph.engine.ops import list_ops
from tagraph.engine.ops.op_util import gen1
from tagraph.engine.runtime import list_matmul_fusion
from tagraph.protos import config_pb2
from tagraph.serialization.saved_model.signature_runner import SignatureRunner

TF2_DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "tf2"


@pytest.fixture
def products(monkeypatch):
    """The shapes of the whole-list products computed."""
    made = []
    real = list_matmul_fusion._product

    def counting(lst, weight, transpose_b):
        got = real(lst, weight, transpose_b)
        made.append(None if got is None else got.shape)
        return got
    monkeypatch.setattr(list_matmul_fusion, "_product", counting)
    return made


def _config(fuse):
    c = tg.ConfigProto()
    if not fuse:
        c.graph_options.optimizer_options.opt_level = config_pb2.OptimizerOptions.L0
    return c


INPUTS = {"keras_embedding_lstm": np.random.default_rng(0).integers(0, 5, (3, 7)).astype(np.int32),
          "keras_gru": np.random.default_rng(1).standard_normal((3, 5, 3)).astype(np.float32)}


@pytest.mark.parametrize("model", sorted(INPUTS))
def test_keras_recurrent_bodies_multiply_the_whole_list_once_a_run(model, products):
    outs = {}
    for fuse in (True, False):
        del products[:]
        with SignatureRunner(str(TF2_DATA / model), config=_config(fuse)) as runner:
            (key,) = runner.signature_def().inputs
            outs[fuse] = next(iter(runner.run({key: INPUTS[model]}).values()))
            outs[fuse, "products"] = list(products)
            runner.run({key: INPUTS[model]})
            outs[fuse, "two runs"] = len(products)
    made = outs[True, "products"]
    assert made and all(shape[1] == 3 for shape in made)  # [time steps, batch, gates], once a layer
    assert outs[True, "two runs"] == 2 * len(made) and outs[False, "two runs"] == 0
    np.testing.assert_allclose(outs[True], outs[False], rtol=1e-6, atol=1e-6)


class _Ctx:
    """What the two kernels read of their context."""
    xp = np
    attrs = {}
    op = type("Op", (), {"_attrs": {}})


def _kernel():
    return list_matmul_fusion.list_matmul_kernel((get_kernel("TensorListGetItem", "CPU"), _Ctx()),
                                                 (get_kernel("MatMul", "CPU"), _Ctx()))


def _list(x):
    return list_ops.TensorList([x[i] for i in range(len(x))], x.dtype.type, x.shape[1:], x)


def test_the_kernel_multiplies_the_list_whole_from_its_second_call(products):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 3, 4)).astype(np.float32)
    w = rng.standard_normal((4, 5)).astype(np.float32)
    kernel, lst, shape = _kernel(), _list(x), np.array([-1, -1], np.int32)
    got = [kernel(None, lst, np.int32(i), shape, w) for i in range(6)]
    assert products == [(6, 3, 5)]
    for i in range(6):
        np.testing.assert_allclose(got[i], x[i] @ w, rtol=1e-6, atol=1e-6)
    with pytest.raises(errors.InvalidArgumentError, match="Trying to access element 6 in a list with 6"):
        kernel(None, lst, np.int32(6), shape, w)
    w2 = w.copy()                                   # another weight: item by item again, then a new product
    np.testing.assert_allclose(kernel(None, lst, np.int32(1), shape, w2), x[1] @ w2, rtol=1e-6)
    kernel(None, lst, np.int32(2), shape, w2)
    assert len(products) == 2


def test_a_list_new_at_every_call_is_never_multiplied_whole(products):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 5))
    kernel, shape = _kernel(), np.array([-1, -1], np.int32)
    for i in range(5):
        x = rng.standard_normal((5, 3, 4))
        np.testing.assert_array_equal(kernel(None, _list(x), np.int32(i), shape, w), x[i] @ w)
    assert products == []


def test_items_that_do_not_stack_stay_item_by_item(products):
    rng = np.random.default_rng(4)
    items = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((2, 4)).astype(np.float32)]
    lst = list_ops.TensorList(items, np.float32, None)
    w = rng.standard_normal((4, 2)).astype(np.float32)
    kernel, shape = _kernel(), np.array(-1, np.int32)
    for _ in range(2):
        for i in range(2):
            np.testing.assert_array_equal(kernel(None, lst, np.int32(i), shape, w), items[i] @ w)
    assert products == [None]                      # tried once, then never again for this list


def _graph(assign):
    g = tg.Graph()
    with g.as_default():
        x = tg.placeholder(tg.float32, [4, 2, 3])
        w = tg.get_variable("w", [3, 5], initializer=tg.ones_initializer(), use_resource=True)
        lst = gen1("TensorListFromTensor", [x, tg.constant([2, 3])], {"element_dtype": tg.float32,
                                                                       "shape_type": tg.int32})
        item = gen1("TensorListGetItem", [lst, tg.constant(1), tg.constant([2, 3])], {"element_dtype": tg.float32})
        y = tg.matmul(item, w.read_value())
        extra = [w.assign_add(tg.ones([3, 5]))] if assign else []
        init = tg.global_variables_initializer()
    return g, x, y, extra, init


@pytest.mark.parametrize("assign", [False, True])
def test_a_weight_the_plan_may_assign_is_not_fused(assign):
    g, x, y, extra, init = _graph(assign)
    xv = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    with tg.Session(graph=g) as sess:
        sess.run(init)
        got = sess.run([y] + extra, {x: xv})[0]
        assert sess.last_run_stats.fused == (0 if assign else 1)
    np.testing.assert_array_equal(got, xv[1] @ np.ones((3, 5), np.float32))
