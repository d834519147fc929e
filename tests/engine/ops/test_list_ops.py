"""TensorList ops: the values TensorFlow's semantics give, on the CPU and beside a simulated GPU; bad indices,
dtypes and shapes raise InvalidArgumentError. (End to end against TensorFlow: the Keras LSTM and GRU of
tests/serialization/saved_model/test_tf2_saved_models.py.)"""
import numpy as np
import pytest

import tagraph.engine as tg
from tagraph.engine.framework.op_builder import make_op


def _run(fetches):
    # TensorList kernels are host-only: a list op asked for a GPU falls back to the CPU (soft placement).
    with tg.Session(config=tg.ConfigProto(allow_soft_placement=True)) as sess:
        return sess.run(fetches)


def _shape(*dims):
    return tg.constant(list(dims) if dims != (-1,) else -1, dtype=tg.int32)


def test_reserve_set_get_stack_and_zeros_for_unset_items(device):
    with tg.Graph().as_default():
        with tg.device(device):
            x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
            lst = make_op("TensorListReserve", [_shape(2), tg.constant(3)], {"element_dtype": tg.float32})
            lst = make_op("TensorListSetItem", [lst, tg.constant(0), x[1]])
            lst = make_op("TensorListSetItem", [lst, tg.constant(2), x[0] * 2.0])
            got = make_op("TensorListGetItem", [lst, tg.constant(2), _shape(2)], {"element_dtype": tg.float32})
            stacked = make_op("TensorListStack", [lst, _shape(2)], {"element_dtype": tg.float32})
            n = make_op("TensorListLength", [lst])
        assert stacked.shape.as_list() == [None, 2]
        g, s, length = _run([got, stacked, n])
    np.testing.assert_array_equal(g, [2.0, 4.0])
    np.testing.assert_array_equal(s, [[3, 4], [0, 0], [2, 4]])
    assert length == 3


def test_from_tensor_gather_push_pop_concat_scatter():
    with tg.Graph().as_default():
        t = tg.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
        lst = make_op("TensorListFromTensor", [t, _shape(2)])
        gathered = make_op("TensorListGather", [lst, tg.constant([2, 0]), _shape(2)], {"element_dtype": tg.float32})
        pushed = make_op("TensorListPushBack", [lst, tg.constant([9.0, 9.0])])
        popped, last = make_op("TensorListPopBack", [pushed, _shape(2)], {"element_dtype": tg.float32})
        cat, lengths = make_op("TensorListConcatV2", [lst, _shape(-1), tg.constant([], dtype=tg.int64)],
                               {"element_dtype": tg.float32})
        scattered = make_op("TensorListScatterIntoExistingList", [lst, tg.constant([[7.0, 7.0]]), tg.constant([4])])
        s = make_op("TensorListStack", [scattered, _shape(2)], {"element_dtype": tg.float32})
        shape = make_op("TensorListElementShape", [lst], {"shape_type": tg.int32})
        got = _run([gathered, last, make_op("TensorListLength", [popped]), cat, lengths, s, shape])
    np.testing.assert_array_equal(got[0], [[4, 5], [0, 1]])
    np.testing.assert_array_equal(got[1], [9, 9])
    assert got[2] == 3
    np.testing.assert_array_equal(got[3], [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(got[4], [2, 2, 2])
    np.testing.assert_array_equal(got[5], [[0, 1], [2, 3], [4, 5], [0, 0], [7, 7]])
    np.testing.assert_array_equal(got[6], [2])


@pytest.mark.parametrize("case,match", [
    ("get_out_of_range", "Trying to access element 5 in a list with 2 elements"),
    ("unset_unknown_shape", "uninitialized tensor with a partially defined element_shape"),
    ("wrong_dtype", "list elements float32 but tried to add int32"),
    ("pop_empty", "pop from an empty list"),
    ("negative_reserve", "non negative number"),
])
def test_bad_list_operations_are_invalid_argument(case, match):
    with tg.Graph().as_default():
        reserved = make_op("TensorListReserve", [_shape(-1), tg.constant(2)], {"element_dtype": tg.float32})
        empty = make_op("EmptyTensorList", [_shape(2), tg.constant(-1)], {"element_dtype": tg.float32})
        out = {
            "get_out_of_range": lambda: make_op("TensorListGetItem", [reserved, tg.constant(5), _shape(-1)],
                                                {"element_dtype": tg.float32}),
            "unset_unknown_shape": lambda: make_op("TensorListStack", [reserved, _shape(-1)],
                                                   {"element_dtype": tg.float32}),
            "wrong_dtype": lambda: make_op("TensorListPushBack", [empty, tg.constant([1, 2])]),
            "pop_empty": lambda: make_op("TensorListPopBack", [empty, _shape(2)], {"element_dtype": tg.float32})[1],
            "negative_reserve": lambda: make_op("TensorListReserve", [_shape(2), tg.constant(-1)],
                                                {"element_dtype": tg.float32}),
        }[case]()
        with pytest.raises(tg.errors.InvalidArgumentError, match=match):
            _run(out)
