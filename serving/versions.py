"""Finding a model's versions on disk and choosing which to serve (TensorFlow Serving's file system source).

A model's base path holds numerically named version directories (``1``, ``0002``, ...); anything else is
ignored. A version directory counts only once it is *ready*: it holds ``saved_model.pb`` (or
``.pbtxt``), its variables checkpoint is whole (an index and every ``-NNNNN-of-MMMMM`` data shard), and
its listing (every file's path, size and modification time) is the same on two scans a poll interval
apart, so a directory still being copied in, file by file, is never loaded half-written.

The version policy (``model_version_policy`` of a ModelConfig) then picks the versions to serve from the
ready ones: ``latest { num_versions: N }`` (the default, N = 1), ``all {}``, or
``specific { versions: [...] }``.

    scanner = VersionScanner()
    ready = scanner.scan("/models/m")            # {version: path} of ready versions
    aspired = apply_policy(policy, ready)

The base path may be a URL (``s3://bucket/models/m``, ``gs://``, ...; ``tagraph.engine.framework.file_io``):
an object store lists a version's objects, with sizes and times, in one request per poll, and since each
object appears whole when its upload completes, the same two rules hold there -- an exporter that writes
``saved_model.pb`` last (as SavedModelBuilder does) is picked up once, complete.
"""
import logging
import os
import re

from tagraph.engine.framework import file_io
from tagraph.engine.framework.errors import OpError
from tagraph.protos import saved_model_pb2

logger = logging.getLogger("tagraph.serving")

_SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
_SHARD = re.compile(r"^variables\.data-(\d{5})-of-(\d{5})$")


def list_version_dirs(base_path):
    """``{version: path}`` of the numerically named subdirectories of ``base_path``.

    Raises OSError (OpError for a URL) when ``base_path`` cannot be listed. Names are parsed as TensorFlow
    Serving does (``0002`` is version 2); a name that is not a non-negative integer is ignored.
    """
    out = {}
    if file_io.is_url(base_path):
        for name in file_io.listdir(base_path):
            if not name.isdigit() or not name.isascii():
                continue
            path = file_io.join(base_path, name)
            version = int(name)
            if (version not in out or name < os.path.basename(out[version])) and file_io.isdir(path):
                out[version] = path
        return out
    with os.scandir(base_path) as it:
        for entry in it:
            name = entry.name
            if not name.isdigit() or not name.isascii():
                continue
            try:
                if not entry.is_dir():
                    continue
            except OSError:
                continue
            version = int(name)
            # Two names for one version ("2" and "0002"): keep one, deterministically.
            if version not in out or name < os.path.basename(out[version]):
                out[version] = entry.path
    return out


def listing(path):
    """Every file under ``path`` as a sorted tuple of (relative path, size, mtime_ns), or None if unreadable."""
    if file_io.is_url(path):
        try:
            return tuple((name, st.length, st.mtime_nsec) for name, st in file_io.list_files(path))
        except OpError:
            return None
    files = []
    try:
        for root, dirs, names in os.walk(path, onerror=_raise):
            dirs.sort()
            for n in names:
                full = os.path.join(root, n)
                st = os.stat(full)
                files.append((os.path.relpath(full, path), st.st_size, st.st_mtime_ns))
    except OSError:
        return None
    files.sort()
    return tuple(files)


def _raise(err):
    raise err


def _needs_variables(path):
    """Whether the SavedModel graph in ``path`` restores variables (has a SaverDef or variable ops).

    An unreadable graph file counts as not needing them: the load then reports the real error.
    """
    pb = os.path.join(path, _SAVED_MODEL_FILES[0])
    try:
        if not file_io.isfile(pb):
            return False
        sm = saved_model_pb2.SavedModel.FromString(file_io.read_file(pb))
    except Exception:  # noqa: BLE001 - protobuf's DecodeError differs between implementations
        return False
    return any(mg.HasField("saver_def") or any(n.op in _VARIABLE_OPS for n in mg.graph_def.node)
               for mg in sm.meta_graphs)


_VARIABLE_OPS = frozenset(["VarHandleOp", "VariableV2", "Variable"])


def is_complete(files, path=None):
    """Whether a listing looks like a whole SavedModel (graph file, and a whole variables checkpoint).

    With ``path``, a listing without any variables file is complete only if its graph needs none.
    """
    names = {f[0] for f in files}
    if not any(n in names for n in _SAVED_MODEL_FILES):
        return False
    var_files = [os.path.basename(n) for n in names if os.path.dirname(n) == "variables"]
    shards = [m for m in (_SHARD.match(n) for n in var_files) if m]
    has_index = "variables.index" in var_files
    if not shards and not has_index:
        return path is None or not _needs_variables(path)
    if not has_index or not shards:
        return False
    total = int(shards[0].group(2))
    present = {int(m.group(1)) for m in shards if int(m.group(2)) == total}
    return present == set(range(total))


class VersionScanner:
    """Remembers each version directory's listing between scans, to tell settled directories from busy ones."""

    def __init__(self):
        self._previous = {}      # path -> listing seen on the previous scan
        self._warned = set()

    def scan(self, base_path):
        """``{version: (path, listing)}`` of the versions under ``base_path`` that are ready to load.

        A version is ready when complete and listed identically on this scan and the previous one.
        """
        try:
            dirs = list_version_dirs(base_path)
        except (OSError, OpError) as e:
            if base_path not in self._warned:
                logger.error("File system storage path source: cannot list base path %s: %s", base_path,
                             getattr(e, "strerror", None) or e)
                self._warned.add(base_path)
            return None
        self._warned.discard(base_path)
        ready = {}
        seen = set()
        for version, path in dirs.items():
            files = listing(path)
            seen.add(path)
            previous = self._previous.get(path)
            self._previous[path] = files
            if files is None or files != previous or not is_complete(files, path):
                continue
            ready[version] = (path, files)
        prefix = os.path.join(base_path, "")
        for path in [p for p in self._previous if p.startswith(prefix) and p not in seen]:
            del self._previous[path]
        return ready


def apply_policy(policy, versions):
    """The versions to serve among ``versions`` (an iterable of ints) under a ServableVersionPolicy."""
    versions = sorted(set(versions))
    choice = policy.WhichOneof("policy_choice") if policy is not None else None
    if choice == "all":
        return set(versions)
    if choice == "specific":
        return set(versions) & set(policy.specific.versions)
    n = 1
    if choice == "latest" and policy.latest.num_versions > 0:
        n = policy.latest.num_versions
    return set(versions[-n:]) if versions else set()


def describe_policy(policy):
    choice = policy.WhichOneof("policy_choice") if policy is not None else None
    if choice == "all":
        return "all"
    if choice == "specific":
        return "specific %s" % sorted(policy.specific.versions)
    n = policy.latest.num_versions if choice == "latest" and policy.latest.num_versions > 0 else 1
    return "latest %d" % n
