"""How every namespace of ``tagraph.compat.v1`` answers for a name it does not have.

TensorFlow 1's public names, namespace by namespace, are recorded from real TensorFlow in
``tf_names.json`` (``tests/data/compat/record_tf_names.py`` writes it). A namespace module hands its globals
to :func:`install`, which gives it a module-level ``__getattr__`` and ``__dir__``:

- a name the module has is an ordinary attribute (``__getattr__`` is never called for it);
- a name TensorFlow 1 has there and tagraph does not yet raises :class:`NotSupportedYetError` at attribute
  access, naming it: ``tf.image``, ``tf.nn.ctc_beam_search_decoder``, ``tf.train.MonitoredTrainingSession``;
- any other name (a misspelling, a name TensorFlow never had there) is a plain ``AttributeError``, with the
  close names as a "did you mean" hint.

``NotSupportedYetError`` is a ``NotImplementedError``, not an ``AttributeError``: ``hasattr`` and
three-argument ``getattr`` do not swallow it (a TensorFlow 1 program that reaches for ``tf.image`` should
stop there and say why, not take a fallback path written for other TensorFlow versions), and
``from tagraph.compat.v1 import image`` reports it instead of Python's generic "cannot import name".

    >>> import tagraph.compat.v1 as tf
    >>> tf.image
    Traceback (most recent call last):
    tagraph.compat.namespace.NotSupportedYetError: tf.image is not supported by tagraph yet ...
"""
import difflib
import functools
import json
import os
import sys
import types

__all__ = ["NotSupportedYetError", "recorded", "tf_names", "tf_modules", "install", "new_module"]

_MISSING = object()
_NAMES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_names.json")


@functools.lru_cache(maxsize=None)
def recorded():
    """The whole record: TensorFlow's version and ``namespaces``, ``{"tf.nn": [names], ...}``."""
    with open(_NAMES_FILE, encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def tf_names(tf_path):
    """TensorFlow 1's public names in ``tf_path`` (``"tf"``, ``"tf.nn"``, ``"tf.saved_model.loader"``)."""
    return frozenset(recorded()["namespaces"][tf_path])


@functools.lru_cache(maxsize=None)
def tf_modules(tf_path):
    """The names in ``tf_path`` that are namespaces in TensorFlow (``tf.nn``, ``tf.saved_model.loader``)."""
    return frozenset(recorded()["modules"].get(tf_path, ()))


class NotSupportedYetError(NotImplementedError):
    """A TensorFlow 1 name that ``tagraph.compat.v1`` does not provide yet.

    ``name`` is the name as a TensorFlow 1 program spells it (``"tf.nn.ctc_beam_search_decoder"``).
    """

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name


def _public(module_globals):
    return sorted(module_globals.get("__all__", ()))


def _close(name, candidates):
    # Case-blind, since TensorFlow spells the same thing both ways (tf.gfile.Exists, tf.io.gfile.exists).
    by_lower = {}
    for c in sorted(candidates):
        by_lower.setdefault(c.lower(), c)
    return [by_lower[m] for m in difflib.get_close_matches(name.lower(), by_lower, n=3, cutoff=0.75)]


def _not_supported(tf_path, name, module_globals):
    have = _public(module_globals)
    message = ("%s.%s is not supported by tagraph yet: %s has %d of TensorFlow 1's %d names in %s (dir(%s) "
               "lists them)" % (tf_path, name, module_globals["__name__"], len(have), len(tf_names(tf_path)), tf_path,
                                tf_path))
    close = _close(name, have)
    if close:
        message += ". Close names that work: %s" % ", ".join("%s.%s" % (tf_path, c) for c in close)
    return NotSupportedYetError("%s.%s" % (tf_path, name), message)


def _no_such_name(tf_path, name, module_globals):
    message = "module %r has no attribute %r (nor has TensorFlow 1's %s)" % (module_globals["__name__"], name,
                                                                             tf_path)
    close = _close(name, set(_public(module_globals)) | tf_names(tf_path))
    if close:
        message += ". Did you mean: %s?" % ", ".join(repr(c) for c in close)
    return AttributeError(message)


def install(module_globals, tf_path, sources=(), unavailable=None):
    """Makes the module owning ``module_globals`` TensorFlow 1's namespace ``tf_path``.

    Each of TensorFlow's names there that the module does not define itself is taken from the first of
    ``sources`` (tagraph's own namespaces: ``tagraph.engine``, ``tagraph.engine.nn``, ...) that has it under
    that name, so the namespace grows with the layers it re-exports. A name that is a namespace in
    TensorFlow (``tf.nn``) is never taken from a source: the module defines those itself. ``__all__``
    becomes the TensorFlow names the module then has, and ``__getattr__``/``__dir__`` are installed.

    ``unavailable`` maps names the module provides only with an optional dependency to a function that
    returns the exception to raise (an ``ImportError`` naming the package to install).
    """
    names = tf_names(tf_path)
    for name in sorted(names - tf_modules(tf_path) - set(module_globals)):
        for source in sources:
            value = getattr(source, name, _MISSING)
            # A module found under a TensorFlow name is an implementation module of the source (tg.train's
            # `gradients` module), not the TensorFlow object of that name.
            if value is not _MISSING and not isinstance(value, types.ModuleType):
                module_globals[name] = value
                break
    module_globals["__all__"] = sorted(n for n in names if n in module_globals)
    unavailable = dict(unavailable or {})

    def __getattr__(name):  # noqa: N807 - the module-level hook (PEP 562)
        # Python and tools probe dunder and private names (__path__, __wrapped__, _fields); they are never
        # TensorFlow's public names, so they fail at once, as on any module.
        if name.startswith("_"):
            raise AttributeError("module %r has no attribute %r" % (module_globals["__name__"], name))
        if name in unavailable:
            raise unavailable[name]()
        if name in tf_names(tf_path):
            raise _not_supported(tf_path, name, module_globals)
        raise _no_such_name(tf_path, name, module_globals)

    def __dir__():  # noqa: N807
        return sorted(set(_public(module_globals)) | {n for n in module_globals if n.startswith("__")})

    module_globals["__getattr__"] = __getattr__
    module_globals["__dir__"] = __dir__


def new_module(qualified_name, tf_path, doc, names=None, sources=()):
    """A namespace module made at run time for a small TensorFlow namespace (``tf.saved_model.loader``),
    importable by ``qualified_name``: ``names`` are its own attributes, the rest comes from ``sources`` as
    in :func:`install`."""
    module = types.ModuleType(qualified_name, doc)
    module.__dict__.update(names or {})
    install(module.__dict__, tf_path, sources)
    sys.modules[qualified_name] = module
    return module
