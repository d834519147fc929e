"""Exceptions with TensorFlow's names, meanings and error codes.

Every error tagraph raises for a failed operation is an :class:`OpError` subclass named as in
``tf.errors`` and carrying TensorFlow's canonical code (``tensorflow/core/protobuf/error_codes.proto``)::

    >>> from tagraph.engine.framework.errors import NotFoundError, NOT_FOUND
    >>> err = NotFoundError(None, None, "Key w not found in checkpoint")
    >>> err.error_code == NOT_FOUND, err.message
    (True, 'Key w not found in checkpoint')

TensorFlow's constructors take ``(node_def, op, message)``; for convenience a single positional
argument is taken as the message (``NotFoundError("...")``).
"""

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16

__all__ = [
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError",
    "InternalError", "UnavailableError", "DataLossError", "UnauthenticatedError",
    "exception_type_from_error_code", "error_code_from_exception_type",
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
]


class OpError(Exception):
    """The base class of the errors of a failed operation (``tf.errors.OpError``).

    ``OpError(node_def, op, message, error_code)``; ``.message``, ``.error_code``, ``.node_def``
    and ``.op`` as in TensorFlow.
    """

    def __init__(self, node_def=None, op=None, message=None, error_code=UNKNOWN, *args):
        if message is None and op is None and isinstance(node_def, str):
            # OpError("message"): the short form.
            node_def, message = None, node_def
        super().__init__(message, *args)
        self._node_def = node_def
        self._op = op
        self._message = "" if message is None else str(message)
        self._error_code = int(error_code)

    @property
    def message(self):
        """The error message that describes the error."""
        return self._message

    @property
    def error_code(self):
        """The integer error code (TensorFlow's ``error_codes.proto``) of this error."""
        return self._error_code

    @property
    def node_def(self):
        """The ``NodeDef`` of the failed op, or None."""
        return self._node_def

    @property
    def op(self):
        """The operation that failed, or None."""
        return self._op

    def __str__(self):
        return self._message

    def __reduce__(self):
        if type(self) is OpError:
            return (OpError, (self._node_def, self._op, self._message, self._error_code))
        return (type(self), (self._node_def, self._op, self._message))


def _make(name, code, doc):
    def __init__(self, node_def=None, op=None, message=None, *args):
        OpError.__init__(self, node_def, op, message, code, *args)

    return type(name, (OpError,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


CancelledError = _make("CancelledError", CANCELLED, "Raised when an operation is cancelled.")
UnknownError = _make("UnknownError", UNKNOWN, "Unknown error.")
InvalidArgumentError = _make(
    "InvalidArgumentError", INVALID_ARGUMENT, "Raised when an operation receives an invalid argument.")
DeadlineExceededError = _make(
    "DeadlineExceededError", DEADLINE_EXCEEDED, "Raised when a deadline expires before an operation completes.")
NotFoundError = _make(
    "NotFoundError", NOT_FOUND, "Raised when a requested entity (for example, a file) was not found.")
AlreadyExistsError = _make(
    "AlreadyExistsError", ALREADY_EXISTS, "Raised when an entity that we attempted to create already exists.")
PermissionDeniedError = _make(
    "PermissionDeniedError", PERMISSION_DENIED, "Raised when the caller does not have permission to run an operation.")
ResourceExhaustedError = _make(
    "ResourceExhaustedError", RESOURCE_EXHAUSTED, "Raised when some resource has been exhausted.")
FailedPreconditionError = _make(
    "FailedPreconditionError", FAILED_PRECONDITION,
    "Raised when the system is not in a state to execute an operation.")
AbortedError = _make("AbortedError", ABORTED, "Raised when an operation was aborted.")
OutOfRangeError = _make(
    "OutOfRangeError", OUT_OF_RANGE, "Raised when an operation iterates past the valid input range.")
UnimplementedError = _make(
    "UnimplementedError", UNIMPLEMENTED, "Raised when an operation has not been implemented.")
InternalError = _make("InternalError", INTERNAL, "Raised when the system experiences an internal error.")
UnavailableError = _make("UnavailableError", UNAVAILABLE, "Raised when the runtime is currently unavailable.")
DataLossError = _make("DataLossError", DATA_LOSS, "Raised when unrecoverable data loss or corruption is encountered.")
UnauthenticatedError = _make(
    "UnauthenticatedError", UNAUTHENTICATED, "Raised when the request does not have valid authentication credentials.")

_CODE_TO_EXCEPTION_CLASS = {
    CANCELLED: CancelledError,
    UNKNOWN: UnknownError,
    INVALID_ARGUMENT: InvalidArgumentError,
    DEADLINE_EXCEEDED: DeadlineExceededError,
    NOT_FOUND: NotFoundError,
    ALREADY_EXISTS: AlreadyExistsError,
    PERMISSION_DENIED: PermissionDeniedError,
    RESOURCE_EXHAUSTED: ResourceExhaustedError,
    FAILED_PRECONDITION: FailedPreconditionError,
    ABORTED: AbortedError,
    OUT_OF_RANGE: OutOfRangeError,
    UNIMPLEMENTED: UnimplementedError,
    INTERNAL: InternalError,
    UNAVAILABLE: UnavailableError,
    DATA_LOSS: DataLossError,
    UNAUTHENTICATED: UnauthenticatedError,
}
_EXCEPTION_CLASS_TO_CODE = {cls: code for code, cls in _CODE_TO_EXCEPTION_CLASS.items()}


def exception_type_from_error_code(error_code):
    """The exception class for a TensorFlow error code (``UnknownError`` for unknown codes)."""
    return _CODE_TO_EXCEPTION_CLASS.get(int(error_code), UnknownError)


def error_code_from_exception_type(cls):
    """The TensorFlow error code of an :class:`OpError` subclass."""
    try:
        return _EXCEPTION_CLASS_TO_CODE[cls]
    except KeyError:
        raise ValueError("%r is not one of TensorFlow's error classes" % (cls,)) from None


def from_os_error(err, what):
    """Maps an ``OSError`` raised while working on ``what`` (a path) to TensorFlow's error class."""
    detail = "%s: %s" % (what, err.strerror or err)
    if isinstance(err, FileNotFoundError):
        return NotFoundError(None, None, detail)
    if isinstance(err, PermissionError):
        return PermissionDeniedError(None, None, detail)
    if isinstance(err, FileExistsError):
        return AlreadyExistsError(None, None, detail)
    if isinstance(err, (IsADirectoryError, NotADirectoryError)):
        return FailedPreconditionError(None, None, detail)
    return UnknownError(None, None, detail)
