"""The file-system layer: one gfile-like API for every file tagraph reads or writes (``tf.io.gfile``).

A local path goes straight to the operating system (``os``, ``open``, ``glob``; nothing else is imported,
so a local checkpoint save pays nothing for this layer). A URL -- ``s3://bucket/key``, ``gs://``,
``memory://``, any protocol fsspec knows -- goes through fsspec, imported on first use. Without fsspec, or
without the protocol's package (s3fs, gcsfs), such a call raises ImportError naming
``pip install 'tagraph[cloud]'``; a scheme that no installed file system handles raises TensorFlow's
UnimplementedError. A URL never silently becomes a local folder called ``s3:``.

    from tagraph.engine.framework import file_io
    file_io.makedirs("s3://bucket/run")
    with file_io.GFile("s3://bucket/run/labels.txt", "w") as f:
        f.write("cat\\ndog\\n")
    file_io.listdir("s3://bucket/run")                       # ['labels.txt']
    file_io.read_file("s3://bucket/run/labels.txt")          # b'cat\\ndog\\n'

Object stores differ from a disk in three ways that matter here, as they do for TensorFlow's S3 and GCS
file systems:

* **No directories.** A "directory" is a key prefix that exists while an object lies under it;
  ``makedirs`` only creates a missing bucket, and an empty "directory" is not listed.
* **Objects appear whole.** A file opened for writing on a URL is spooled to a local temporary file (in
  ``TMPDIR``) and uploaded to its final key when closed -- one PUT, or a multipart upload completed at
  the end -- so readers see the previous object or the complete new one, never a part; a writer that
  fails or is discarded uploads nothing. Appending downloads the object first and uploads it whole.
* **No atomic rename.** ``rename`` is a copy then a delete. Writers that rely on rename for crash safety
  (checkpoints, SavedModels) instead write each object to its final key once complete, in an order
  that makes the last object written the one that publishes the rest (see ``serialization/atomic_file.py``).

Credentials and endpoints are taken as s3fs/gcsfs take them: ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE`` or ``~/.aws``; ``AWS_ENDPOINT_URL`` (or TensorFlow's
``S3_ENDPOINT`` with ``S3_USE_HTTPS`` and ``S3_VERIFY_SSL``); ``AWS_REGION``; for ``gs://``,
``GOOGLE_APPLICATION_CREDENTIALS``. Errors are TensorFlow's: a missing object raises NotFoundError,
refused access PermissionDeniedError (what TensorFlow's GCS file system gives for HTTP 401/403),
missing credentials UnauthenticatedError, an unreachable endpoint UnavailableError.
"""
import builtins
import collections
import contextlib
import glob as _glob
import logging
import os
import posixpath
import re
import shutil
import tempfile
import threading

from tagraph.engine.framework import errors
from tagraph.engine.framework.errors import from_os_error

__all__ = ["GFile", "FileStatistics", "CLOUD_EXTRA", "scheme", "is_url", "exists", "isdir", "isfile", "listdir",
           "glob", "makedirs", "mkdir", "remove", "rmtree", "rename", "copy", "stat", "walk", "list_files", "join",
           "open", "read_file", "write_file"]

_log = logging.getLogger(__name__)

FileStatistics = collections.namedtuple("FileStatistics", ["length", "mtime_nsec", "is_directory"])

CLOUD_EXTRA = "pip install 'tagraph[cloud]'"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")
# Environment variables the object stores' clients read: a change gives a new client (new credentials).
_ENV_PREFIXES = ("AWS_", "S3_", "GOOGLE_", "GCS", "FSSPEC_")


def _text(path):
    path = os.fspath(path)
    return os.fsdecode(path) if isinstance(path, bytes) else path


def scheme(path):
    """The URL scheme of ``path`` (``"s3"``, ``"gs"``, ...), ``""`` for a local path (``file://`` included)."""
    path = _text(path)
    if "://" not in path:
        return ""
    m = _SCHEME.match(path)
    if m is None:
        return ""
    name = m.group(1).lower()
    return "" if name == "file" else name


def is_url(path):
    """Whether ``path`` goes through fsspec (a URL other than ``file://``)."""
    return bool(scheme(path))


def _local(path):
    path = _text(path)
    return path[len("file://"):] if path[:7].lower() == "file://" else path


# ------------------------------------------------------------------------------------------ file systems

_filesystems = {}
_filesystems_lock = threading.Lock()


def _storage_options(protocol):
    env = os.environ
    if protocol in ("s3", "s3a"):
        client = {}
        endpoint = env.get("S3_ENDPOINT")
        if endpoint and not env.get("AWS_ENDPOINT_URL") and not env.get("AWS_ENDPOINT_URL_S3"):
            if "://" not in endpoint:   # TensorFlow's form: host[:port], scheme from S3_USE_HTTPS
                endpoint = ("http://" if env.get("S3_USE_HTTPS", "1") == "0" else "https://") + endpoint
            client["endpoint_url"] = endpoint
        if env.get("S3_VERIFY_SSL") == "0":
            client["verify"] = False
        if env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
            client["region_name"] = env["AWS_REGION"]
        # Listings are never cached: the model server polls for versions that other processes upload.
        return {"client_kwargs": client, "use_listings_cache": False}
    if protocol in ("gs", "gcs"):
        return {"use_listings_cache": False}
    return {}


def _filesystem(url):
    """The fsspec file system for ``url``'s scheme, made once per (scheme, credentials in the environment)."""
    protocol = scheme(url)
    key = (protocol, os.getpid(), tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES))))
    fs = _filesystems.get(key)
    if fs is not None:
        return fs
    try:
        import fsspec
    except ImportError:
        raise ImportError("%s: reading and writing %s:// paths needs fsspec, which is not installed: %s"
                          % (url, protocol, CLOUD_EXTRA)) from None
    try:
        cls = fsspec.get_filesystem_class(protocol)
    except ImportError as e:
        raise ImportError("%s: the %s:// file system is not installed (%s): %s" % (url, protocol, e, CLOUD_EXTRA)) \
            from None
    except ValueError:
        raise errors.UnimplementedError(
            None, None, "File system scheme '%s' not implemented (file: '%s'); fsspec knows no such protocol"
            % (protocol, url)) from None
    with _filesystems_lock:
        fs = _filesystems.get(key)
        if fs is None:
            try:
                fs = cls(skip_instance_cache=True, **_storage_options(protocol))
            except Exception as e:  # noqa: BLE001 - any client's configuration error, as TensorFlow's error
                raise _remote_error(e, url) from e
            for stale in [k for k in _filesystems if k[0] == protocol]:
                del _filesystems[stale]
            _filesystems[key] = fs
    return fs


_UNAUTHENTICATED = ("NoCredentialsError", "PartialCredentialsError", "DefaultCredentialsError", "RefreshError",
                    "CredentialRetrievalError")
_UNAVAILABLE = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ClientConnectorError",
                "ServerDisconnectedError", "ConnectionClosedError")


def _remote_error(e, url):
    """TensorFlow's error for an exception raised by fsspec (or the client under it) on ``url``."""
    if isinstance(e, errors.OpError):
        return e
    names = {c.__name__ for c in type(e).__mro__}
    detail = str(e) or type(e).__name__
    if names & set(_UNAUTHENTICATED):
        return errors.UnauthenticatedError(
            None, None, "%s: no valid credentials (%s); give them as the %s:// client takes them (for s3://: "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/credentials; for gs://: "
            "GOOGLE_APPLICATION_CREDENTIALS)" % (url, detail, scheme(url)))
    if isinstance(e, FileNotFoundError):
        return errors.NotFoundError(None, None, "%s not found (%s)" % (url, detail))
    if isinstance(e, PermissionError):
        return errors.PermissionDeniedError(
            None, None, "%s: permission denied (%s); check the credentials and that they may access this "
            "location" % (url, detail))
    if isinstance(e, FileExistsError):
        return errors.AlreadyExistsError(None, None, "%s already exists (%s)" % (url, detail))
    if isinstance(e, (IsADirectoryError, NotADirectoryError)):
        return errors.FailedPreconditionError(None, None, "%s: %s" % (url, detail))
    if names & set(_UNAVAILABLE) or isinstance(e, (ConnectionError, TimeoutError)):
        return errors.UnavailableError(None, None, "%s: the store cannot be reached (%s)" % (url, detail))
    if isinstance(e, NotImplementedError):
        return errors.UnimplementedError(None, None, "%s: not supported by the %s:// file system (%s)"
                                         % (url, scheme(url), detail))
    if isinstance(e, ValueError):
        return errors.InvalidArgumentError(None, None, "%s: %s" % (url, detail))
    return errors.UnknownError(None, None, "%s: %s: %s" % (url, type(e).__name__, detail))


@contextlib.contextmanager
def _remote(url):
    try:
        yield
    except errors.OpError:
        raise
    except (ImportError, TypeError, AttributeError, AssertionError):   # not the store's: a missing package or a bug
        raise
    except Exception as e:  # noqa: BLE001 - every store error becomes TensorFlow's error class
        raise _remote_error(e, url) from e


@contextlib.contextmanager
def _local_errors(path):
    try:
        yield
    except OSError as e:
        raise from_os_error(e, path) from e


def _url_of(protocol, stripped):
    """A path as fsspec lists it (without its protocol) back as a URL."""
    return "%s://%s" % (protocol, stripped.lstrip("/"))


# ------------------------------------------------------------------------------------------ queries


def exists(path):
    """Whether ``path`` exists (for a URL: an object, or a prefix with objects under it, or a bucket)."""
    if not is_url(path):
        return os.path.exists(_local(path))
    with _remote(path):
        return _filesystem(path).exists(path)


def isdir(path):
    """Whether ``path`` is a directory (for a URL: a bucket or a key prefix with objects under it)."""
    if not is_url(path):
        return os.path.isdir(_local(path))
    with _remote(path):
        return _filesystem(path).isdir(path)


def isfile(path):
    """Whether ``path`` is a file (an object)."""
    if not is_url(path):
        return os.path.isfile(_local(path))
    with _remote(path):
        return _filesystem(path).isfile(path)


def listdir(path):
    """The names (not paths) in directory ``path``; NotFoundError if it is none."""
    if not is_url(path):
        local = _local(path)
        if not os.path.isdir(local):
            raise errors.NotFoundError(None, None, "Could not find directory %s" % path)
        with _local_errors(path):
            return os.listdir(local)
    fs = _filesystem(path)
    with _remote(path):
        if not fs.isdir(path):
            raise errors.NotFoundError(None, None, "Could not find directory %s" % path)
        entries = fs.ls(path, detail=False)
    here = fs._strip_protocol(path).rstrip("/")
    names = []
    for entry in entries:
        entry = entry.rstrip("/")
        name = posixpath.basename(entry)
        if entry != here and name and name not in names:
            names.append(name)
    return names


def glob(pattern):
    """The paths matching ``pattern`` (``*``, ``?``, ``[...]``), sorted."""
    if not is_url(pattern):
        return sorted(_glob.glob(_local(pattern)))
    fs = _filesystem(pattern)
    with _remote(pattern):
        found = fs.glob(pattern)
    protocol = _text(pattern).split("://", 1)[0]
    return sorted(_url_of(protocol, p) for p in found)


def stat(path):
    """``FileStatistics(length, mtime_nsec, is_directory)`` of ``path``; NotFoundError if it does not exist."""
    if not is_url(path):
        local = _local(path)
        with _local_errors(path):
            st = os.stat(local)
        return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(local))
    fs = _filesystem(path)
    with _remote(path):
        info = fs.info(path)
    is_dir = info.get("type") == "directory"
    return FileStatistics(0 if is_dir else int(info.get("size") or 0), _mtime_ns(info), is_dir)


def _mtime_ns(info):
    import datetime

    for key in ("LastModified", "mtime", "updated", "created", "last_modified"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=datetime.timezone.utc)
            return int(value.timestamp() * 1e9)
        if isinstance(value, (int, float)):
            return int(value * 1e9)
    return 0


def walk(top, topdown=True, onerror=None):
    """``(dirpath, dirnames, filenames)`` for each directory under ``top``, as ``os.walk``."""
    if not is_url(top):
        yield from os.walk(_local(top), topdown=topdown, onerror=onerror)
        return
    fs = _filesystem(top)
    protocol = _text(top).split("://", 1)[0]
    try:
        with _remote(top):
            levels = list(fs.walk(top, topdown=topdown, on_error="raise"))
    except errors.OpError as e:
        if onerror is not None:
            onerror(e)
        return
    for root, dirs, files in levels:
        yield _url_of(protocol, root), list(dirs), list(files)


def list_files(top):
    """Every file under directory ``top``, at any depth: sorted ``(relative path, FileStatistics)`` pairs,
    paths ``/``-separated. One listing request on an object store, where a missing prefix lists nothing;
    NotFoundError for a missing local directory."""
    if not is_url(top):
        local = _local(top)
        out = []

        def fail(err):
            raise err

        with _local_errors(top):
            for root, _, names in os.walk(local, onerror=fail):
                for name in names:
                    full = os.path.join(root, name)
                    st = os.stat(full)
                    out.append((os.path.relpath(full, local).replace(os.sep, "/"),
                                FileStatistics(st.st_size, st.st_mtime_ns, False)))
        return sorted(out)
    fs = _filesystem(top)
    with _remote(top):
        found = fs.find(top, withdirs=False, detail=True)
    base = fs._strip_protocol(top).rstrip("/") + "/"
    out = []
    for name, info in found.items():
        if info.get("type", "file") != "file" or not name.startswith(base):
            continue
        out.append((name[len(base):], FileStatistics(int(info.get("size") or 0), _mtime_ns(info), False)))
    return sorted(out)


def join(path, *paths):
    """``path/part/...``: ``/``-separated for a URL, the OS's own joining for a local path."""
    if is_url(path):
        return posixpath.join(_text(path), *[_text(p) for p in paths])
    return os.path.join(path, *paths)


# ------------------------------------------------------------------------------------------ changes


def makedirs(path):
    """Creates ``path`` and its missing parents (for a URL: its bucket, if missing); existing is fine."""
    if not is_url(path):
        with _local_errors(path):
            os.makedirs(_local(path), exist_ok=True)
        return
    with _remote(path):
        _filesystem(path).makedirs(path, exist_ok=True)


def mkdir(path):
    """Creates directory ``path``, whose parent must exist; AlreadyExistsError if it exists."""
    if not is_url(path):
        with _local_errors(path):
            os.mkdir(_local(path))
        return
    fs = _filesystem(path)
    with _remote(path):
        if fs.exists(path):
            raise errors.AlreadyExistsError(None, None, "%s already exists" % path)
        fs.mkdir(path, create_parents=False)


def remove(path):
    """Deletes file ``path``; NotFoundError if there is none."""
    if not is_url(path):
        with _local_errors(path):
            os.remove(_local(path))
        return
    fs = _filesystem(path)
    with _remote(path):
        if not fs.isfile(path):   # a store deletes a missing key silently
            raise errors.NotFoundError(None, None, "%s not found" % path)
        fs.rm_file(path)


def rmtree(path):
    """Deletes ``path`` and everything under it; NotFoundError if it does not exist."""
    if not is_url(path):
        local = _local(path)
        with _local_errors(path):
            if os.path.isdir(local) and not os.path.islink(local):
                shutil.rmtree(local)
            else:
                os.remove(local)
        return
    fs = _filesystem(path)
    with _remote(path):
        if not fs.exists(path):
            raise errors.NotFoundError(None, None, "%s not found" % path)
        fs.rm(path, recursive=True)


def _refuse_overwrite(dst, overwrite):
    if not overwrite and exists(dst):
        raise errors.AlreadyExistsError(None, None, "file already exists: %s" % dst)


def _same_store(a, b):
    return scheme(a) == scheme(b) and _filesystem(a) is _filesystem(b)


def rename(src, dst, overwrite=False):
    """Moves ``src`` to ``dst``; AlreadyExistsError if ``dst`` exists, unless ``overwrite``.

    Atomic for local paths on one file system (``os.replace``). On an object store it is a copy then a
    delete: a reader may see both for a moment, and a crash between them leaves both.
    """
    _refuse_overwrite(dst, overwrite)
    if not is_url(src) and not is_url(dst):
        with _local_errors(src):
            os.replace(_local(src), _local(dst))
        return
    if is_url(src) and is_url(dst) and _same_store(src, dst):
        fs = _filesystem(src)
        with _remote(src):
            if not fs.isdir(src):
                fs.mv(src, dst)
                return
        # A "directory": each object under the prefix, then the prefix's objects are deleted.
        for name, _ in list_files(src):
            with _remote(src):
                fs.copy(join(src, name), join(dst, name))
        rmtree(src)
        return
    copy(src, dst, overwrite=True)
    remove(src)


def copy(src, dst, overwrite=False):
    """Copies file ``src`` to ``dst`` (across stores too); AlreadyExistsError if ``dst`` exists, unless
    ``overwrite``."""
    _refuse_overwrite(dst, overwrite)
    if not is_url(src) and not is_url(dst):
        with _local_errors(src):
            shutil.copyfile(_local(src), _local(dst))
        return
    if is_url(src) and is_url(dst) and _same_store(src, dst):
        with _remote(src):
            _filesystem(src).copy(src, dst)
        return
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        try:
            shutil.copyfileobj(fin, fout, 1 << 22)
        except OSError as e:
            raise from_os_error(e, src) from e


# ------------------------------------------------------------------------------------------ contents


def open(path, mode="rb"):  # noqa: A001 - the file system's open, as io.open
    """A binary file object for ``path``: the OS's own for a local path; for a URL, fsspec's seekable
    reader (``rb``) or an upload (``wb``/``ab``) that lands whole on ``close()`` and is dropped by
    ``discard()`` (or by leaving a ``with`` block with an exception)."""
    if not is_url(path):
        with _local_errors(path):
            return builtins.open(_local(path), mode)
    plain = mode.replace("b", "").replace("t", "")
    if plain == "r":
        fs = _filesystem(path)
        with _remote(path):
            return fs.open(path, "rb")
    if plain in ("w", "a", "x"):
        return _Upload(_filesystem(path), _text(path), plain)
    raise errors.UnimplementedError(None, None, "%s: mode %r is not supported on an object store (read, write or "
                                    "append only)" % (path, mode))


def read_file(path):
    """The whole content of file ``path`` (bytes)."""
    if not is_url(path):
        with _local_errors(path), builtins.open(_local(path), "rb") as f:
            return f.read()
    fs = _filesystem(path)
    with _remote(path):
        return fs.cat_file(path)


def write_file(path, data):
    """Writes ``data`` (bytes or str, as UTF-8) to ``path``, replacing it; for a URL, one upload of the
    whole object, which appears complete or not at all."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not is_url(path):
        with _local_errors(path), builtins.open(_local(path), "wb") as f:
            f.write(data)
        return
    fs = _filesystem(path)
    with _remote(path):
        fs.pipe_file(path, bytes(data))


class _Upload:
    """A file being written to an object store: spooled to a local temporary file, uploaded whole on close.

    This is what TensorFlow's S3 file system does too; it keeps a half-written object from ever being
    visible, and lets a failed writer leave nothing behind (``discard``).
    """

    def __init__(self, fs, url, mode):
        if mode == "x" and exists(url):
            raise errors.AlreadyExistsError(None, None, "%s already exists" % url)
        self._fs = fs
        self.name = url
        self.mode = mode + "b"
        self.closed = False
        self._spool = tempfile.NamedTemporaryFile(prefix="tagraph-upload-", delete=False)
        try:
            if mode == "a" and isfile(url):
                with _remote(url), fs.open(url, "rb") as src:
                    shutil.copyfileobj(src, self._spool, 1 << 22)
        except BaseException:
            self.discard()
            raise

    def write(self, data):
        return self._spool.write(data)

    def tell(self):
        return self._spool.tell()

    def flush(self):
        self._spool.flush()

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def fileno(self):
        raise OSError("%s is an object-store upload, not an OS file" % self.name)

    def close(self):
        """Uploads the whole file to its key; the object appears complete, or (on an error) not at all."""
        if self.closed:
            return
        self.closed = True
        try:
            self._spool.close()
            with _remote(self.name):
                self._fs.put_file(self._spool.name, self.name)
        finally:
            _unlink_quietly(self._spool.name)

    def discard(self):
        """Drops what was written; nothing is uploaded."""
        if self.closed:
            return
        self.closed = True
        try:
            self._spool.close()
        finally:
            _unlink_quietly(self._spool.name)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.discard()
        return False

    def __del__(self):
        # As a local file and TensorFlow's own writable files: dropped unclosed, it is closed (uploaded).
        try:
            if not self.closed:
                self.close()
        except Exception as e:  # noqa: BLE001 - nothing may escape a finalizer
            _log.warning("Upload of %s failed while it was being garbage-collected: %s", self.name, e)


def _unlink_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _os_call(what, fn, *args):
    try:
        return fn(*args)
    except errors.OpError:
        raise
    except OSError as e:
        if is_url(what):
            raise _remote_error(e, what) from e
        raise from_os_error(e, what) from e


class GFile:
    """TensorFlow's file object: ``GFile(name, mode="r")``, mode ``r``, ``w``, ``a`` (``+``, ``b``), on a
    local path or a URL. Opens on first use; bytes underneath, and in text mode UTF-8 decoded without
    newline translation (as TensorFlow's file layer).

        with GFile("s3://bucket/labels.txt", "w") as f:
            f.write("cat\\n")
    """

    def __init__(self, name, mode="r"):
        if not mode or mode[0] not in "rwa" or set(mode) - set("rwab+"):
            raise errors.InvalidArgumentError(None, None, "mode %r is not one of r, w, a (with +, b)" % mode)
        self.__name = _text(name)
        self.__mode = mode
        self.__file = None

    name = property(lambda self: self.__name)
    mode = property(lambda self: self.__mode)

    def _open(self):
        if self.__file is None:
            self.__file = open(self.__name, self.__mode.replace("b", "") + "b")
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
            f, self.__file = self.__file, None
            _os_call(self.__name, f.close)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
