"""``tf.gfile``: TensorFlow 1's file API, on local paths and URLs (``tf.io.gfile`` has the same, lower-case).

    with tf.gfile.GFile("/tmp/labels.txt", "w") as f:
        f.write("cat\\ndog\\n")
    tf.gfile.Exists("/tmp/labels.txt")                       # True
    tf.gfile.Glob("/tmp/*.txt")

``s3://``, ``gs://`` and other fsspec URLs work with the ``[cloud]`` extra: see ``_files`` and
``tagraph.engine.framework.file_io`` for what these wrap and what they promise.
"""
from tagraph.compat import namespace as _namespace
from tagraph.compat.v1 import _files
from tagraph.compat.v1._files import GFile

Open = FastGFile = GFile


# TensorFlow 1's tf.gfile names, with their own argument names (TensorFlow 2's tf.io.gfile renamed them).
def Exists(filename):  # noqa: N802 - TensorFlow's names, here and below
    return _files.exists(filename)


def IsDirectory(dirname):  # noqa: N802
    return _files.isdir(dirname)


def ListDirectory(dirname):  # noqa: N802
    return _files.listdir(dirname)


def MakeDirs(dirname):  # noqa: N802
    _files.makedirs(dirname)


def MkDir(dirname):  # noqa: N802
    _files.mkdir(dirname)


def Remove(filename):  # noqa: N802
    _files.remove(filename)


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    _files.rename(oldname, newname, overwrite)


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    _files.copy(oldpath, newpath, overwrite)


def DeleteRecursively(dirname):  # noqa: N802
    _files.rmtree(dirname)


def Glob(filename):  # noqa: N802
    return _files.glob(filename)


def Stat(filename):  # noqa: N802
    return _files.stat(filename)


def Walk(top, in_order=True):  # noqa: N802
    return _files.walk(top, topdown=in_order)


_namespace.install(globals(), "tf.gfile")
