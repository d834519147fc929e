"""tagraph.serialization: TensorFlow's checkpoints, meta graphs and their tools, byte for byte.

    from tagraph.serialization import Saver, latest_checkpoint, load_checkpoint, inspect_checkpoint
    saver = Saver()
    saver.save(sess, "/tmp/train/model.ckpt", global_step=1000)
    reader = load_checkpoint("/tmp/train")          # the latest checkpoint in the folder
    reader.get_tensor("v1")

Importing this package registers the kernels of the saver ops (SaveV2, RestoreV2, ...: ``io_ops``); the
public surface is loaded on first use. The import stays cheap: `tagraph-saved-model-cli show` pays for
protobuf, not for the engine.
"""
import importlib

from tagraph.serialization import io_ops  # noqa: F401  (registers the saver ops' kernels)
from tagraph.serialization import dataset_io_kernels  # noqa: F401  (registers the file datasets' kernels)

_LAZY = {
    "latest_checkpoint": ("tagraph.serialization.checkpoint_state", "latest_checkpoint"),
    "get_checkpoint_state": ("tagraph.serialization.checkpoint_state", "get_checkpoint_state"),
    "update_checkpoint_state": ("tagraph.serialization.checkpoint_state", "update_checkpoint_state"),
    "checkpoint_exists": ("tagraph.serialization.checkpoint_state", "checkpoint_exists"),
    "Saver": ("tagraph.serialization.saver", "Saver"),
    "load_checkpoint": ("tagraph.serialization.checkpoint_utils", "load_checkpoint"),
    "list_variables": ("tagraph.serialization.checkpoint_utils", "list_variables"),
    "load_variable": ("tagraph.serialization.checkpoint_utils", "load_variable"),
    "NewCheckpointReader": ("tagraph.serialization.checkpoint_utils", "NewCheckpointReader"),
    "checkpoints_iterator": ("tagraph.serialization.checkpoint_utils", "checkpoints_iterator"),
    "wait_for_new_checkpoint": ("tagraph.serialization.checkpoint_utils", "wait_for_new_checkpoint"),
    "init_from_checkpoint": ("tagraph.serialization.checkpoint_initializers", "init_from_checkpoint"),
    "export_meta_graph": ("tagraph.serialization.meta_graph", "export_meta_graph"),
    "import_meta_graph": ("tagraph.serialization.meta_graph", "import_meta_graph"),
    "write_graph": ("tagraph.serialization.graph_files", "write_graph"),
}
_SUBMODULES = ("inspect_checkpoint", "saver", "meta_graph", "checkpoint_utils", "checkpoint_initializers", "bundle",
               "table", "saved_model", "checkpoint_state", "io_ops")

__all__ = ["Saver", "latest_checkpoint", "get_checkpoint_state", "update_checkpoint_state", "checkpoint_exists",
           "load_checkpoint", "list_variables", "load_variable", "NewCheckpointReader", "checkpoints_iterator",
           "wait_for_new_checkpoint", "init_from_checkpoint", "export_meta_graph", "import_meta_graph",
           "inspect_checkpoint", "write_graph"]


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in _SUBMODULES:
        value = importlib.import_module("tagraph.serialization." + name)
    else:
        raise AttributeError("module 'tagraph.serialization' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
