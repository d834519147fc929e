"""TensorFlow's file API on plain local files, under ``tf.io.gfile``'s names: ``tf.gfile`` and ``tf.io.gfile``
are made of these.

tagraph has no file-system layer of its own (no ``gs://`` or ``hdfs://``), so these are thin wrappers over
``os``, ``shutil`` and ``glob``, kept to what TensorFlow's own wrappers promise: a failure raises
TensorFlow's error class (``tf.errors.NotFoundError``, ``AlreadyExistsError``, ...; tagraph's
``errors.from_os_error`` maps ``OSError``), a ``GFile`` opens its file on first use, reads and writes bytes
underneath and, in text mode, decodes UTF-8 without newline translation, and ``Rename``/``Copy`` refuse to
overwrite unless asked.
"""
import collections
import glob as _glob
import os
import shutil

from tagraph.engine import errors as _errors

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "join", "listdir", "makedirs", "mkdir", "remove", "rename",
           "rmtree", "stat", "walk"]

_FileStatistics = collections.namedtuple("FileStatistics", ["length", "mtime_nsec", "is_directory"])


def _os_call(what, fn, *args):
    try:
        return fn(*args)
    except OSError as e:
        raise _errors.from_os_error(e, what) from e


class GFile:
    """TensorFlow's file object: ``GFile(name, mode="r")``, mode ``r``, ``w``, ``a`` (``+``, ``b``)."""

    def __init__(self, name, mode="r"):
        if not mode or mode[0] not in "rwa" or set(mode) - set("rwab+"):
            raise _errors.InvalidArgumentError(None, None, "mode %r is not one of r, w, a (with +, b)" % mode)
        self.__name = os.fspath(name)
        self.__mode = mode
        self.__file = None

    name = property(lambda self: self.__name)
    mode = property(lambda self: self.__mode)

    def _open(self):
        if self.__file is None:
            # Bytes underneath, as TensorFlow's file layer: text mode only decodes what is read.
            self.__file = _os_call(self.__name, open, self.__name, self.__mode.replace("b", "") + "b")
        return self.__file

    def _out(self, data):
        return data if "b" in self.__mode else data.decode("utf-8")

    def read(self, n=-1):
        return self._out(_os_call(self.__name, self._open().read, n))

    def readline(self):
        return self._out(_os_call(self.__name, self._open().readline))

    def readlines(self):
        return [self._out(line) for line in _os_call(self.__name, self._open().readlines)]

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__

    def write(self, file_content):
        data = file_content.encode("utf-8") if isinstance(file_content, str) else bytes(file_content)
        _os_call(self.__name, self._open().write, data)

    def seek(self, offset=None, whence=0, position=None):
        if position is not None:
            offset = position
        return _os_call(self.__name, self._open().seek, offset, whence)

    def tell(self):
        return self._open().tell()

    def size(self):
        return stat(self.__name).length

    def seekable(self):
        return True

    def flush(self):
        if self.__file is not None:
            _os_call(self.__name, self.__file.flush)

    def close(self):
        if self.__file is not None:
            self.__file.close()
            self.__file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def exists(path):
    return os.path.exists(path)


def isdir(path):
    return os.path.isdir(path)


def listdir(path):
    if not os.path.isdir(path):
        raise _errors.NotFoundError(None, None, "Could not find directory %s" % path)
    return _os_call(path, os.listdir, path)


def makedirs(path):
    _os_call(path, os.makedirs, path, 0o777, True)


def mkdir(path):
    _os_call(path, os.mkdir, path)


def remove(path):
    _os_call(path, os.remove, path)


def _refuse_overwrite(dst, overwrite):
    if not overwrite and os.path.exists(dst):
        raise _errors.AlreadyExistsError(None, None, "file already exists: %s" % dst)


def rename(src, dst, overwrite=False):
    _refuse_overwrite(dst, overwrite)
    _os_call(src, os.replace, src, dst)


def copy(src, dst, overwrite=False):
    _refuse_overwrite(dst, overwrite)
    _os_call(src, shutil.copyfile, src, dst)


def rmtree(path):
    if os.path.isdir(path) and not os.path.islink(path):
        _os_call(path, shutil.rmtree, path)
    else:
        _os_call(path, os.remove, path)


def glob(pattern):
    return _glob.glob(os.fspath(pattern))


def stat(path):
    st = _os_call(path, os.stat, path)
    return _FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(path))


def walk(top, topdown=True, onerror=None):
    return os.walk(top, topdown=topdown, onerror=onerror)


def join(path, *paths):
    return os.path.join(path, *paths)
