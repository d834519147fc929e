"""``tg.data.experimental``: the names of ``tf.data.experimental`` that tagraph has.

    dataset = dataset.apply(tg.data.experimental.shuffle_and_repeat(1000, count=5, seed=3))
    dataset = dataset.prefetch(tg.data.experimental.AUTOTUNE)
"""
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.data import structure
from tagraph.engine.data.dataset_ops import (AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, _flat_attrs,
                                            _int64, _op)

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "unbatch", "get_single_element",
           "shuffle_and_repeat"]


def unbatch():
    """``dataset.apply(unbatch())`` is ``dataset.unbatch()``."""
    return lambda dataset: dataset.unbatch()


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """``dataset.apply(shuffle_and_repeat(...))``: shuffled passes, ``count`` of them (forever when None), each
    pass a new order (ShuffleAndRepeatDataset)."""
    def apply(dataset):
        graph = get_default_graph()
        seeded = seed is not None or graph.seed is not None
        s1, s2 = graph._get_op_seed(seed)
        if seeded and s1 == 0 and s2 == 0:
            s2 = 2 ** 31 - 1
        inputs = [dataset._variant_tensor, _int64(buffer_size, "buffer_size"), _int64(s1, "seed"), _int64(s2, "seed2"),
                  _int64(-1 if count is None else count, "count")]
        return _op("ShuffleAndRepeatDataset", inputs, {}, dataset.element_spec)
    return apply


def get_single_element(dataset):
    """The tensors of ``dataset``'s only element (InvalidArgumentError when it has none, or more than one)."""
    op = dataset._variant_tensor.graph.create_op("DatasetToSingleElement", [dataset._variant_tensor],
                                                 _flat_attrs(dataset.element_spec))
    return structure.pack_as(dataset.element_spec, op.outputs)
