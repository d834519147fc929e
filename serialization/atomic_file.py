"""Atomic file replacement: a temporary name beside the target, flush, fsync, rename, fsync the folder.

A reader therefore sees the old file or the whole new one, never a part.

    write_atomic("/tmp/model/checkpoint", b"...")
"""
import os
import secrets

from tagraph.engine.framework.errors import from_os_error


def temp_name(path):
    # TensorFlow's own writers use "<file>.tempstate<random>"; readers ignore such names.
    return "%s.tempstate%d" % (path, secrets.randbits(64))


def fsync_dir(path):
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
        os.remove(path)
    except OSError:
        pass


def write_atomic(path, data):
    """Replaces ``path`` with ``data`` (bytes or str) atomically; OSErrors become TensorFlow's errors."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = os.fspath(path)
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
