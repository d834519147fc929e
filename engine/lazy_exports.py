"""Package namespaces whose names are imported on first use (PEP 562), so that importing any module of the
engine does not import every op family.

A package declares where each public name lives and hands the table to :func:`lazy_namespace`:

    _EXPORTS = {"tagraph.engine.train.optimizers": "AdamOptimizer GradientDescentOptimizer",
                "tagraph.engine.framework.op_builder": "RegisterGradient=register_gradient"}
    __getattr__, __dir__, __all__ = lazy_namespace(__name__, _EXPORTS, submodules=("losses",))

``tg.train.AdamOptimizer`` then imports ``optimizers`` and keeps the class in the package's namespace, so
the second look-up is an ordinary attribute. ``"name=attribute"`` exports an attribute under another name;
``"*"`` exports the module's ``__all__`` (listed in tagraph.engine.lazy_index, which
tools/build_lazy_index.py generates, so that finding a name does not import every module).
"""
import importlib
import importlib.util
import sys

from tagraph.engine.lazy_index import STAR_EXPORTS

__all__ = ["lazy_namespace", "export_table"]


def export_table(exports):
    """public name -> (module, attribute) from a package's export declaration; a later module wins a name."""
    where = {}
    for module, names in exports.items():
        entries = STAR_EXPORTS.get(module, ()) if names == "*" else names.split()
        for entry in entries:
            name, _, attribute = entry.partition("=")
            where[name] = (module, attribute or name)
    return where


def lazy_namespace(package, exports, submodules=(), names=()):
    """(``__getattr__``, ``__dir__``, ``__all__``) for ``package``: ``exports`` as above, ``submodules`` its
    public subpackages and modules, ``names`` those the package defines itself."""
    where = export_table(exports)
    namespace = sys.modules[package].__dict__
    public = sorted(set(where) | set(submodules) | set(names))

    def __getattr__(name):
        if name in where:
            module, attribute = where[name]
            value = _attribute_or_submodule(module, attribute)
        elif not name.startswith("_") and (name in submodules or _is_submodule(package + "." + name)):
            value = importlib.import_module(package + "." + name)
        else:
            raise AttributeError("module %r has no attribute %r" % (package, name))
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__, public


def _attribute_or_submodule(module, attribute):
    found = importlib.import_module(module)
    try:
        return getattr(found, attribute)
    except AttributeError:
        if not _is_submodule(module + "." + attribute):
            raise
    return importlib.import_module(module + "." + attribute)


def _is_submodule(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
