"""``tg.data.experimental``: the names of ``tf.data.experimental`` that tagraph has.

    dataset = dataset.apply(tg.data.experimental.shuffle_and_repeat(1000, count=5, seed=3))
    dataset = dataset.prefetch(tg.data.experimental.AUTOTUNE)
"""
from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework import dtypes
from tagraph.engine.framework.graph import get_default_graph
from tagraph.engine.data import structure
from tagraph.engine.data.device_copy import COPY_TO_DEVICE_ATTR
from tagraph.engine.data.sparse_elements import decode_element
from tagraph.engine.data.dataset_ops import (AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, _flat_attrs,
                                            _int64, _op)

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "unbatch", "get_single_element",
           "shuffle_and_repeat", "copy_to_device", "prefetch_to_device"]


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


def _on_device(dataset, target_device, buffer_size):
    if not isinstance(target_device, str) or not target_device:
        raise ValueError("The target device must be a device name such as '/gpu:0', got %r" % (target_device,))
    DeviceSpec.from_string(target_device)       # ValueError for a name that is not one
    for s in structure.flatten(dataset.element_spec):
        if not isinstance(s, structure.TensorSpec) or s.dtype in (dtypes.string, dtypes.variant, dtypes.resource):
            raise TypeError("copy_to_device/prefetch_to_device: the elements' %r cannot live in a device's memory; "
                            "only numeric tensors can be copied to %s" % (s, target_device))
    return _op("PrefetchDataset", [dataset._variant_tensor, _int64(buffer_size, "buffer_size")],
               {"slack_period": 0, "legacy_autotune": True, "buffer_size_min": 0,
                COPY_TO_DEVICE_ATTR: target_device}, dataset.element_spec)


def copy_to_device(target_device, source_device="/cpu:0"):
    """``dataset.apply(copy_to_device("/gpu:0"))``: each element copied to ``target_device`` when the iterator
    gives it (its get_next runs there). It must be the last transformation (before ``prefetch``)."""
    return lambda dataset: _on_device(dataset, target_device, 0)


def prefetch_to_device(device, buffer_size=None):
    """``dataset.apply(prefetch_to_device("/gpu:0", 2))``: elements copied to ``device`` ahead of use, by the
    pipeline's thread while the step runs (``buffer_size`` elements, AUTOTUNE when None). It must be the last
    transformation."""
    return lambda dataset: _on_device(dataset, device, AUTOTUNE if buffer_size is None else buffer_size)


def get_single_element(dataset):
    """The tensors of ``dataset``'s only element (InvalidArgumentError when it has none, or more than one)."""
    op = dataset._variant_tensor.graph.create_op("DatasetToSingleElement", [dataset._variant_tensor],
                                                 _flat_attrs(dataset.element_spec))
    return decode_element(dataset.element_spec, op.outputs)
