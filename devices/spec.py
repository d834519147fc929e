"""Device specifications in TensorFlow's grammar.

A device string names (part of) a device: ``/job:localhost/replica:0/task:0/device:GPU:0`` in full,
or any subset of its fields, or the legacy short forms ``/gpu:0``, ``/CPU:*``, ``GPU:1``. Parsing and
printing follow ``tf.DeviceSpec`` (``tensorflow/python/framework/device_spec.py``); the few strings
TensorFlow's Python parser and its C++ parser (``DeviceNameUtils::ParseFullName``) disagree on are
resolved towards what the C++ side, which finally places the graph, accepts.

    >>> DeviceSpec.from_string("/gpu:1").to_string()
    '/device:GPU:1'
    >>> outer = DeviceSpec.from_string("/job:worker/device:GPU:0")
    >>> outer.make_merged_spec("/device:CPU:*").to_string()
    '/job:worker/device:CPU:0'
"""

import functools
import re

__all__ = ["DeviceSpec", "canonical_device_name"]

# Device types recognised in the short form ``/<type>:<index>`` (case-insensitively), as TensorFlow's
# DeviceSpecV2 does; the long form ``/device:<type>:<index>`` accepts any well-formed type name.
_SHORT_FORM_TYPES = frozenset({"CPU", "GPU", "TPU", "CUSTOM", "EPU"})
# TensorFlow's C++ grammar for job and device-type names (ConsumeJobName, ConsumeDeviceType).
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_INDEX_RE = re.compile(r"[0-9]+\Z")

_LOCAL_JOB, _LOCAL_REPLICA, _LOCAL_TASK = "localhost", 0, 0


def _as_device_type(device_type):
    # TensorFlow keeps lowercase "cpu"/"gpu" for backwards compatibility by upper-casing exactly those.
    if device_type in ("cpu", "gpu"):
        return device_type.upper()
    return None if device_type is None else str(device_type)


def _as_index(value, what):
    if value is None:
        return None
    try:
        index = int(value)        # TensorFlow takes "3" as well as 3
    except (TypeError, ValueError):
        index = -1
    if index < 0 or isinstance(value, bool) or (isinstance(value, float) and value != index):
        raise ValueError("%s must be a non-negative integer, got %r" % (what, value))
    return index


class DeviceSpec:
    """An immutable, possibly partial device specification: job, replica, task, device type, index.

    A field left as None is unspecified; an unspecified ``device_index`` prints as ``*`` (any).

        >>> spec = DeviceSpec(job="localhost", replica=0, task=0, device_type="gpu", device_index=0)
        >>> str(spec)
        '/job:localhost/replica:0/task:0/device:GPU:0'
    """

    __slots__ = ("_job", "_replica", "_task", "_device_type", "_device_index", "_string")

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        job = None if job is None else str(job)
        if job is not None and not _NAME_RE.match(job):
            raise ValueError("Invalid job name %r: expected a letter followed by letters, digits "
                             "or underscores" % job)
        device_type = _as_device_type(device_type)
        if device_type is not None and not _NAME_RE.match(device_type):
            raise ValueError("Invalid device type %r: expected a letter followed by letters, digits "
                             "or underscores (for example 'CPU' or 'GPU')" % device_type)
        set_ = object.__setattr__
        set_(self, "_job", job)
        set_(self, "_replica", _as_index(replica, "replica"))
        set_(self, "_task", _as_index(task, "task"))
        set_(self, "_device_type", device_type)
        set_(self, "_device_index", _as_index(device_index, "device_index"))
        set_(self, "_string", None)

    def __setattr__(self, name, value):
        raise AttributeError("DeviceSpec is immutable; use replace() or make_merged_spec()")

    __delattr__ = __setattr__

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def from_string(cls, spec):
        """Parses a (partial) device string; ``None`` and ``""`` give the empty spec.

        Raises ValueError naming the string when it is not a valid device specification.

            >>> DeviceSpec.from_string("/job:ps/device:GPU:*").device_index is None
            True
        """
        if isinstance(spec, DeviceSpec):
            return spec
        if spec is None:
            spec = ""
        if isinstance(spec, bytes):
            spec = spec.decode("utf-8", "replace")
        if not isinstance(spec, str):
            raise TypeError("A device specification must be a string or a DeviceSpec, got %r"
                            % (spec,))
        return _parse(spec)

    parse_from_string = from_string

    def replace(self, **kwargs):
        """A copy with the given fields (job, replica, task, device_type, device_index) replaced."""
        fields = dict(job=self._job, replica=self._replica, task=self._task,
                      device_type=self._device_type, device_index=self._device_index)
        unknown = set(kwargs) - set(fields)
        if unknown:
            raise TypeError("Unknown DeviceSpec field(s): %s" % ", ".join(sorted(unknown)))
        fields.update(kwargs)
        return DeviceSpec(**fields)

    def make_merged_spec(self, dev):
        """This spec with every field that ``dev`` sets taken from ``dev``.

        This is how nested ``device()`` scopes combine: the inner spec (``dev``) takes precedence field
        by field, and a field it leaves unset -- a wildcard index included -- keeps the outer value.

            >>> DeviceSpec.from_string("/job:train/gpu:0").make_merged_spec("/device:GPU:*").to_string()
            '/job:train/device:GPU:0'
        """
        dev = DeviceSpec.from_string(dev)
        pick = lambda inner, outer: outer if inner is None else inner  # noqa: E731
        return DeviceSpec(pick(dev._job, self._job), pick(dev._replica, self._replica),
                          pick(dev._task, self._task), pick(dev._device_type, self._device_type),
                          pick(dev._device_index, self._device_index))

    # -- fields -----------------------------------------------------------------------------------

    job = property(lambda self: self._job)
    replica = property(lambda self: self._replica)
    task = property(lambda self: self._task)
    device_type = property(lambda self: self._device_type)
    device_index = property(lambda self: self._device_index)

    @property
    def is_fully_specified(self):
        """True when all five fields are set, so the spec names exactly one device."""
        return None not in (self._job, self._replica, self._task, self._device_type,
                            self._device_index)

    def matches(self, other):
        """True when every field set here is set to the same value in ``other`` (a spec or string).

            >>> DeviceSpec.from_string("/gpu:*").matches("/job:localhost/replica:0/task:0/gpu:1")
            True
        """
        other = DeviceSpec.from_string(other)
        for mine, theirs in zip(self._fields(), other._fields()):
            if mine is not None and mine != theirs:
                return False
        return True

    def _fields(self):
        return (self._job, self._replica, self._task, self._device_type, self._device_index)

    # -- printing ---------------------------------------------------------------------------------

    def to_string(self):
        """TensorFlow's canonical form, fields that are set only:
        ``/job:<name>/replica:<id>/task:<id>/device:<type>:<id or *>``."""
        if self._string is None:
            parts = []
            if self._job is not None:
                parts.append("/job:" + self._job)
            if self._replica is not None:
                parts.append("/replica:%d" % self._replica)
            if self._task is not None:
                parts.append("/task:%d" % self._task)
            if self._device_type is not None:
                index = "*" if self._device_index is None else str(self._device_index)
                parts.append("/device:%s:%s" % (self._device_type, index))
            object.__setattr__(self, "_string", "".join(parts))
        return self._string

    __str__ = to_string

    def __repr__(self):
        return "DeviceSpec(%r)" % self.to_string()

    def __eq__(self, other):
        return isinstance(other, DeviceSpec) and self._fields() == other._fields()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._fields())

    def __reduce__(self):
        return (DeviceSpec, self._fields())


@functools.lru_cache(maxsize=4096)
def _parse(spec):
    job = replica = task = device_type = device_index = None

    def fail(why):
        raise ValueError("Invalid device specification %r: %s" % (spec, why))

    def index_of(text, what):
        if text == "*":
            return None
        if not _INDEX_RE.match(text):
            fail("%s must be a non-negative integer or '*', got %r" % (what, text))
        return int(text)

    for part in spec.split("/"):
        if not part:
            continue
        fields = part.split(":")
        key, n = fields[0], len(fields)
        if n == 2 and key == "job":
            if fields[1] != "*":
                if not _NAME_RE.match(fields[1]):
                    fail("invalid job name %r" % fields[1])
                job = fields[1]
        elif n == 2 and key == "replica":
            replica = index_of(fields[1], "replica")
        elif n == 2 and key == "task":
            task = index_of(fields[1], "task")
        elif n in (1, 2) and key.upper() in _SHORT_FORM_TYPES:
            # The legacy short form (/gpu:0, /CPU:*, GPU:1) is case-insensitive.
            if device_type is not None:
                fail("cannot specify multiple device types")
            device_type = key.upper()
            device_index = index_of(fields[1], "device index") if n == 2 else None
        elif n in (2, 3) and key == "device":
            if device_type is not None:
                fail("cannot specify multiple device types")
            type_name = fields[1]
            if type_name != "*":
                if not _NAME_RE.match(type_name):
                    fail("invalid device type %r" % type_name)
                device_type = _as_device_type(type_name)
            device_index = index_of(fields[2], "device index") if n == 3 else None
            if device_type is None and device_index is not None:
                fail("a device index needs a device type")
        else:
            fail("unknown attribute %r (expected job:, replica:, task:, device:<type>:<index> "
                 "or a short form like /gpu:0)" % key)
    return DeviceSpec(job, replica, task, device_type, device_index)


def canonical_device_name(name, job=_LOCAL_JOB, replica=_LOCAL_REPLICA, task=_LOCAL_TASK):
    """The full canonical name of the one local device ``name`` designates.

    Missing job, replica and task are filled in (``localhost``, 0, 0 by default); the device type and
    a concrete index must be given, else ValueError.

        >>> canonical_device_name("/gpu:1")
        '/job:localhost/replica:0/task:0/device:GPU:1'
    """
    spec = DeviceSpec.from_string(name)
    if spec.device_type is None or spec.device_index is None:
        raise ValueError("Device specification %r does not name a single device: it needs a device "
                         "type and an index, as in '/device:GPU:0'" % spec.to_string())
    return DeviceSpec(job=job, replica=replica, task=task).make_merged_spec(spec).to_string()
