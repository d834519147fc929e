"""TensorFlow's file API under ``tf.io.gfile``'s names: ``tf.gfile`` and ``tf.io.gfile`` are made of these.

They are tagraph's file-system layer, :mod:`tagraph.engine.framework.file_io`: local paths go to the OS, URLs
(``s3://``, ``gs://``, ``memory://``, any fsspec protocol; the ``[cloud]`` extra) through fsspec. A failure
raises TensorFlow's error class (``tf.errors.NotFoundError``, ``AlreadyExistsError``, ...), a ``GFile`` opens
its file on first use, reads and writes bytes underneath and, in text mode, decodes UTF-8 without newline
translation, and ``Rename``/``Copy`` refuse to overwrite unless asked.
"""
from tagraph.engine.framework.file_io import (  # noqa: F401 - re-exported under TensorFlow's names
    GFile, copy, exists, glob, isdir, join, listdir, makedirs, mkdir, remove, rename, rmtree, stat, walk)

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "join", "listdir", "makedirs", "mkdir", "remove", "rename",
           "rmtree", "stat", "walk"]
