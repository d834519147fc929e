"""``tf.data.experimental.copy_to_device`` and ``prefetch_to_device``: elements made on a device (a GPU) by the
pipeline's own thread, so that a training step finds its batch there.

    ds = ds.apply(tg.data.experimental.prefetch_to_device("/gpu:0", buffer_size=2))
    batch = tg.data.make_one_shot_iterator(ds).get_next()     # device arrays on GPU:0, copied ahead

TensorFlow builds these with a GeneratorDataset on the device calling the host's iterator through
RemoteCall. tagraph keeps every dataset op and the iterator on the host and builds one op TensorFlow knows,
``PrefetchDataset``, with the private attribute ``_tagraph_copy_to_device`` naming the device
(``copy_to_device``: a depth of 0, a copy on each ``get_next``; ``prefetch_to_device``: its depth, the copies
made by the prefetching thread while the step runs). The ``IteratorGetNext`` is placed on the device, not
beside the iterator, so its outputs are the device's arrays and no transfer is left for the step. TensorFlow,
which ignores attributes starting with ``_``, runs the exported graph as a prefetch with its get_next on the
device: the same elements, copied by its executor instead. TensorFlow's own construction, imported from its
graphs, runs too (WrapDatasetVariant, UnwrapDatasetVariant and RemoteCall below), on the host.
"""
from tagraph.devices.kernel_registry import register_kernel
from tagraph.devices.spec import DeviceSpec
from tagraph.engine.framework.op_builder import not_differentiable, register_shape
from tagraph.engine.framework.tensor_shape import TensorShape
from tagraph.engine.data.dataset_kernels import HOST, DatasetValue, ElementIterator, dataset_function, invalid

__all__ = ["COPY_TO_DEVICE_ATTR", "DeviceCopy", "target_device"]

COPY_TO_DEVICE_ATTR = "_tagraph_copy_to_device"


def target_device(op):
    """The device a dataset op's elements are copied to (its ``_tagraph_copy_to_device``), or None."""
    value = op._attrs.get(COPY_TO_DEVICE_ATTR) if op is not None else None
    if value is None:
        return None
    s = value.s
    return s.decode() if isinstance(s, bytes) else s


def _backend(ctx, target):
    """The backend of the session's device matching ``target``; None where the host is asked for, or no such
    device exists (then the elements stay where they are and the placer answers for the get_next)."""
    placer = ctx.session_state.placer
    if placer is None:
        return None
    spec = DeviceSpec.from_string(target)
    for d in placer.devices:
        if d.host_memory:
            continue
        if spec.device_type is not None and spec.device_type.upper() != d.device_type:
            continue
        if spec.device_index is not None and spec.device_index != d.index:
            continue
        return d.backend
    return None


class DeviceCopy(DatasetValue):
    """The input's elements, each component uploaded to ``target``'s memory."""

    kind = "CopyToDevice"

    def __init__(self, ctx, input_dataset, target):
        super().__init__(input_dataset.output_types, input_dataset.output_shapes)
        self.input = input_dataset
        self.backend = _backend(ctx, target)

    def make_iterator(self, prefix="Iterator::Root"):
        inner = self.input.make_iterator(prefix)
        return inner if self.backend is None else _CopyIterator(inner, self.backend)


class _CopyIterator(ElementIterator):
    def __init__(self, input_iterator, backend):
        self.input, self.backend = input_iterator, backend

    def get_next(self):
        x = self.input.get_next()
        if x is None:
            return None
        with self.backend.device_context():
            return [self.backend.upload(c) for c in x]

    def last_source(self):
        return self.input.last_source()

    def close(self):
        self.input.close()


# --- TensorFlow's own construction, for its graphs imported here ---------------------------------------
# TensorFlow's copy_to_device is a GeneratorDataset whose functions reach the source device's iterator through
# RemoteCall, the input dataset passed in a WrapDatasetVariant. tagraph runs every dataset function on the host,
# which is TensorFlow's source device there: RemoteCall calls its function in place.

@register_kernel("WrapDatasetVariant", HOST)
@register_kernel("UnwrapDatasetVariant", HOST)
def _same_dataset(ctx, input_handle):
    if not isinstance(input_handle, DatasetValue):
        raise invalid("%s takes a dataset, got %s", ctx.op.type, type(input_handle).__name__)
    return input_handle


@register_kernel("RemoteCall", HOST)
def _remote_call(ctx, target, *args):
    out = dataset_function(ctx, "f")(list(args))
    return out[0] if len(out) == 1 else tuple(out)


register_shape("WrapDatasetVariant", "UnwrapDatasetVariant")(lambda op: [TensorShape([])])
register_shape("RemoteCall")(lambda op: [TensorShape(None)] * len(op.outputs))
not_differentiable("WrapDatasetVariant", "UnwrapDatasetVariant", "RemoteCall")
