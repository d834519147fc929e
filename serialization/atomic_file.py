"""Atomic file replacement: a temporary name beside the target, flush, fsync, rename, fsync the folder.

A reader therefore sees the old file or the whole new one, never a part.

    write_atomic("/tmp/model/checkpoint", b"...")

On an object store (a URL: ``s3://``, ``gs://``, ...) there is no atomic rename -- a rename is a copy then a
delete -- but a single upload is atomic: the object appears whole when the upload completes, or not at all.
So a URL is written straight to its final key in one upload (:mod:`tagraph.engine.framework.file_io`), and
the writers that need more than one file to be consistent publish them in order, the last object written
being the one readers look for first: a checkpoint writes its data files, then its ``.index``, then its
``.meta``, and only then the ``checkpoint`` state file, so ``latest_checkpoint`` never names a checkpoint
whose files are not all there (a writer killed mid-save leaves the previous checkpoint as the latest, and
at worst unreferenced objects); a SavedModel writes its variables and assets before ``saved_model.pb``,
and the model server loads a version only once its graph file and a whole variables checkpoint are
listed, unchanged across two polls. TensorFlow's own S3 file system has the same limits and works the
same way. One window remains, as in TensorFlow: overwriting a checkpoint at the *same* prefix replaces
its data before its index.
"""
import os
import secrets

from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import OpError, from_os_error


def temp_name(path):
    # TensorFlow's own writers use "<file>.tempstate<random>"; readers ignore such names.
    return "%s.tempstate%d" % (path, secrets.randbits(64))


def fsync_dir(path):
    if file_io.is_url(path):   # an object store has no directories to make durable
        return
    try:
        fd = os.open(path or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_quietly(path):
    try:
        if file_io.is_url(path):
            file_io.remove(path)
        else:
            os.remove(path)
    except (OSError, OpError):
        pass


def write_atomic(path, data):
    """Replaces ``path`` with ``data`` (bytes or str) atomically; OSErrors become TensorFlow's errors."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = os.fspath(path)
    if file_io.is_url(path):
        file_io.write_file(path, data)   # one upload: the object appears whole or not at all
        return
    tmp = temp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        remove_quietly(tmp)
        raise from_os_error(e, path) from None
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(os.path.dirname(path))
