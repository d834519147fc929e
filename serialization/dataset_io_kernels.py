"""The CPU kernels of the dataset ops that read files: TFRecordDataset(V2), TextLineDataset and
FixedLengthRecordDataset(V2), registered when ``tagraph.serialization`` is imported.

As with the saver ops (``io_ops``), registering costs no more than the kernel registry: each kernel calls
its body in ``dataset_readers``, which needs the engine's datasets and the TFRecord format and is imported
when a kernel first runs.
"""
from tagraph.devices.kernel_registry import register_kernel

__all__ = []


def _bodies():
    # dataset_readers imports the engine, which importing tagraph.serialization must not.
    from tagraph.serialization import dataset_readers  # lazy: the engine loads on a kernel's first run
    return dataset_readers


@register_kernel("TFRecordDataset", "CPU")
def _tf_record_dataset(ctx, filenames, compression_type, buffer_size):
    return _bodies().tf_record_dataset(ctx, filenames, compression_type, buffer_size)


@register_kernel("TFRecordDatasetV2", "CPU")
def _tf_record_dataset_v2(ctx, filenames, compression_type, buffer_size, byte_offsets):
    return _bodies().tf_record_dataset(ctx, filenames, compression_type, buffer_size, byte_offsets)


@register_kernel("TextLineDataset", "CPU")
def _text_line_dataset(ctx, filenames, compression_type, buffer_size):
    return _bodies().text_line_dataset(ctx, filenames, compression_type, buffer_size)


@register_kernel("FixedLengthRecordDataset", "CPU")
def _fixed_length_record_dataset(ctx, filenames, header_bytes, record_bytes, footer_bytes, buffer_size):
    return _bodies().fixed_length_record_dataset(ctx, filenames, header_bytes, record_bytes, footer_bytes,
                                                 buffer_size, b"")


@register_kernel("FixedLengthRecordDatasetV2", "CPU")
def _fixed_length_record_dataset_v2(ctx, filenames, header_bytes, record_bytes, footer_bytes, buffer_size,
                                    compression_type):
    return _bodies().fixed_length_record_dataset(ctx, filenames, header_bytes, record_bytes, footer_bytes,
                                                 buffer_size, compression_type)
