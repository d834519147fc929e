"""The hook through which the engine's registries import an op family on first need.

The registries (the op builder's shape functions and gradients, Tensor's operators, the conversions of
Python values to tensors, Graph.create_op's op constructor) sit below the op families that fill them, so
they cannot import those families; ``import tagraph.engine`` installs the loaders here
(tagraph.engine.op_loader, which knows which module registers what). This module imports nothing, so that
importing the engine does not import the graph either.

    >>> from tagraph.engine.framework import registration_loader
    >>> registration_loader.load_op("MatMul")      # imports tagraph.engine.ops.matmul_ops
    True
"""
__all__ = ["install", "load_op", "load_tensor_support", "tensor_support_pending"]

_LOAD_OP = []               # [load_op(op_type) -> bool]
_LOAD_TENSOR_SUPPORT = []   # [load()], run until it has once succeeded
tensor_support_pending = False


def install(load_op, load_tensor_support):
    """Installs ``load_op(op_type)`` (imports the modules that register ``op_type``; True when there are any,
    so the registry should look again) and ``load_tensor_support()`` (imports the modules registering
    Tensor's operators, conversions and the op constructor)."""
    global tensor_support_pending
    _LOAD_OP[:] = [load_op]
    _LOAD_TENSOR_SUPPORT[:] = [load_tensor_support]
    tensor_support_pending = True


def load_op(op_type):
    """Imports the modules registering ``op_type``; True when there are any."""
    return bool(_LOAD_OP) and _LOAD_OP[0](op_type)


def load_tensor_support():
    """Imports the modules registering Tensor's operators, conversions and the op constructor, once."""
    global tensor_support_pending
    if _LOAD_TENSOR_SUPPORT:
        # Marked done once loaded, not before: a second thread asking meanwhile waits on the imports' locks.
        _LOAD_TENSOR_SUPPORT[0]()
        _LOAD_TENSOR_SUPPORT.clear()
        tensor_support_pending = False
