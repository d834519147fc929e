"""Joining a name that came from a file or a request onto a directory, refusing every way out of it.

Names inside SavedModels (asset file names), model server configs and URLs (model names, version labels)
and command-line outputs (output file names built from signature keys) are outside input. Joined naively,
``"../../etc/passwd"``, ``"/etc/passwd"`` or a symlink planted inside the directory would reach a file
outside it. :func:`safe_join` refuses all three, with TensorFlow's ``InvalidArgumentError``::

    >>> safe_join("/models/m/1/assets", "vocab.txt")
    '/models/m/1/assets/vocab.txt'
    >>> safe_join("/models/m/1/assets", "../../2/variables")         # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    InvalidArgumentError: ...

Checks, in order: the name is a non-empty ``str``/``bytes``/path-like without NUL bytes; it is relative
(no leading ``/``, no drive, and no ``\\`` separators either, which mean a path elsewhere); no component
is ``..``; and, with symlinks resolved, the target stays inside ``base`` with symlinks resolved (a link that
does not exist yet is fine: only existing components can point elsewhere; a URL base, on an object store,
has no links). ``allow_subdirs=False``
additionally refuses any separator (a plain file name, e.g. a model name or a version label).

There is a window between the check and the use (a link created after the call); a directory an attacker
can write to concurrently is not protected by any path check, and callers that need that must open with
``O_NOFOLLOW`` relative to a directory descriptor.
"""
import os
import posixpath

from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import InvalidArgumentError

__all__ = ["safe_join", "is_safe_name"]


def _text(value, what):
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes):
        try:
            value = os.fsdecode(value)
        except UnicodeDecodeError:
            raise InvalidArgumentError(None, None, "%s %r cannot be decoded as a file name" % (what, value)) \
                from None
    if not isinstance(value, str):
        raise InvalidArgumentError(None, None, "%s must be a string, got %s" % (what, type(value).__name__))
    return value


def _refuse(base, name, why):
    return InvalidArgumentError(
        None, None, "Refusing path %r under %s: %s; names must be plain relative paths inside that directory"
        % (name, base, why))


def safe_join(base, name, allow_subdirs=True):
    """``base/name``, after checking that it cannot leave ``base`` (see the module docstring).

    Returns the joined path (``os.path.join(base, name)``, normalized; symlinks are not replaced, so the
    caller sees the name it asked for). Raises InvalidArgumentError otherwise.
    """
    base = _text(base, "base directory")
    name = _text(name, "name")
    if not base:
        raise InvalidArgumentError(None, None, "safe_join: the base directory is empty")
    if not name:
        raise _refuse(base, name, "it is empty")
    if "\x00" in name:
        raise _refuse(base, name, "it contains a NUL byte")
    if os.path.isabs(name) or name.startswith(("/", "\\")) or os.path.splitdrive(name)[0]:
        raise _refuse(base, name, "it is an absolute path")
    if "\\" in name and os.sep != "\\":
        raise _refuse(base, name, "it contains a backslash")
    parts = name.split(os.sep)
    if os.altsep:
        parts = [p for part in parts for p in part.split(os.altsep)]
    if any(p == ".." for p in parts):
        raise _refuse(base, name, "it contains a '..' component")
    if not allow_subdirs and (len(parts) > 1 or name in (".",)):
        raise _refuse(base, name, "it must be a single file name, without directories")
    if file_io.is_url(base):   # an object store has no symbolic links: the checks above are all there is
        if all(p in ("", ".") for p in parts):
            raise _refuse(base, name, "it names the directory itself")
        return posixpath.join(base, posixpath.normpath(name))
    joined = os.path.normpath(os.path.join(base, name))
    root = os.path.realpath(base)
    target = os.path.realpath(joined)
    if target != root and os.path.commonpath([root, target]) != root:
        raise _refuse(base, name, "it resolves (through a symbolic link) to %s, outside the directory" % target)
    if target == root:
        raise _refuse(base, name, "it names the directory itself")
    return joined


def is_safe_name(base, name, allow_subdirs=True):
    """Whether :func:`safe_join` accepts ``name`` under ``base``."""
    try:
        safe_join(base, name, allow_subdirs)
    except InvalidArgumentError:
        return False
    return True
