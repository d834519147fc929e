"""The CPU kernels of the ops TensorFlow's saver graphs use: SaveV2, RestoreV2, MergeV2Checkpoints,
ShardedFilename and ShardedFilespec, registered when ``tagraph.serialization`` is imported.

Registering costs no more than the kernel registry: each kernel calls its body in ``io_kernels``, which
needs the engine and the bundle format and is imported when a kernel first runs (a session has loaded the
engine by then). So ``import tagraph.serialization``, and ``tagraph-saved-model-cli show``, stay cheap.
"""
from tagraph.devices.kernel_registry import register_kernel

__all__ = []


def _bodies():
    # io_kernels imports the engine and the bundle format, which importing tagraph.serialization must not.
    from tagraph.serialization import io_kernels  # lazy: the engine loads on a kernel's first run, not at import
    return io_kernels


@register_kernel("SaveV2", "CPU")
def _save_v2(ctx, prefix, tensor_names, shape_and_slices, *tensors):
    return _bodies().save_v2(ctx, prefix, tensor_names, shape_and_slices, *tensors)


@register_kernel("RestoreV2", "CPU")
def _restore_v2(ctx, prefix, tensor_names, shape_and_slices):
    return _bodies().restore_v2(ctx, prefix, tensor_names, shape_and_slices)


@register_kernel("MergeV2Checkpoints", "CPU")
def _merge_v2_checkpoints(ctx, checkpoint_prefixes, destination_prefix):
    return _bodies().merge_v2_checkpoints(ctx, checkpoint_prefixes, destination_prefix)


@register_kernel("ShardedFilename", "CPU")
def _sharded_filename(ctx, basename, shard, num_shards):
    return _bodies().sharded_filename_kernel(ctx, basename, shard, num_shards)


@register_kernel("ShardedFilespec", "CPU")
def _sharded_filespec(ctx, basename, num_shards):
    return _bodies().sharded_filespec_kernel(ctx, basename, num_shards)
