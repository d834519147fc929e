"""Importing an op's family when a registry first needs it.

Op families register their OpDef's shape function, gradient, kernels and constant-folding rules when
imported; ``import tagraph.engine`` imports none of them. A registry that lacks an op type (a node of a
GraphDef, MetaGraphDef or SavedModel whose family nothing has imported yet) calls :func:`load_op`, which
imports the modules that register that op type, listed in tagraph.engine.lazy_index
(``python tools/build_lazy_index.py`` regenerates it; tests/engine/test_lazy_imports.py fails when it is
stale), and the registry looks again. Tensor's operators (``x + 1``, ``x[0]``), the conversion of
Python values to tensors and Graph.create_op load their modules on first use the same way
(:func:`load_tensor_support`).
The devices layer is below the engine, so its kernel registry gets :func:`load_op` as a hook
(:func:`install`, run by ``import tagraph.engine``), never by importing the engine.

    >>> from tagraph.devices.kernel_registry import has_kernel
    >>> has_kernel("MatMul", "CPU")          # imports tagraph.engine.ops.matmul_ops
    True
"""
import importlib

from tagraph.devices import kernel_registry
from tagraph.engine.framework import registration_loader
from tagraph.engine.lazy_index import REGISTERED_BY, TENSOR_SUPPORT_MODULES

__all__ = ["modules_registering", "load_op", "load_all", "load_tensor_support", "install"]


def _by_op_type():
    table = {}
    for module, op_types in REGISTERED_BY.items():
        for op_type in op_types.split():
            table.setdefault(op_type, []).append(module)
    return {op_type: tuple(modules) for op_type, modules in table.items()}


_MODULES = _by_op_type()   # op type -> the engine modules that register something for it
_LOADED = set()            # op types whose modules are imported


def modules_registering(op_type):
    """The engine modules that register ``op_type``'s shape function, gradient, kernels or folding."""
    return _MODULES.get(op_type, ())


def load_op(op_type):
    """Imports the modules registering ``op_type``; True when there are any (a registry should look again)."""
    if op_type in _LOADED:
        return False
    modules = _MODULES.get(op_type, ())
    for module in modules:
        # Marked loaded only once imported: another thread asking meanwhile waits on the import's lock
        # instead of finding the op missing.
        importlib.import_module(module)
    _LOADED.add(op_type)
    return bool(modules)


def load_all():
    """Imports every module that registers an op (for listings of every registered op)."""
    for module in REGISTERED_BY:
        importlib.import_module(module)
    _LOADED.update(_MODULES)


def load_tensor_support():
    """Imports the modules behind Tensor's operators, the conversion of Python values to tensors and
    Graph.create_op's op constructor."""
    for module in TENSOR_SUPPORT_MODULES:
        importlib.import_module(module)


def install():
    """Hands the loaders to the registries: the kernel registry's (devices, below the engine) and the
    engine's own (tagraph.engine.framework.registration_loader). Importing neither graph nor op builder."""
    kernel_registry.set_registration_loader(load_op, load_all)
    registration_loader.install(load_op, load_tensor_support)
