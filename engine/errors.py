"""Exceptions with TensorFlow's names, codes (error_codes.proto) and meanings.

    try:
        sess.run(y)
    except tg.errors.InvalidArgumentError as e:
        print(e.message)
"""


class OpError(Exception):
    """Base class: ``node_def`` and ``op`` name where the error happened, when known."""
    error_code = 2

    def __init__(self, node_def=None, op=None, message="", error_code=None):
        # TensorFlow's signature is (node_def, op, message); also accept a single message.
        if message == "" and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def __str__(self):
        return self.message


def _make(name, code, doc):
    cls = type(name, (OpError,), {"error_code": code, "__doc__": doc})
    globals()[name] = cls
    return cls


_make("CancelledError", 1, "An operation was cancelled.")
_make("UnknownError", 2, "An unknown error.")
_make("InvalidArgumentError", 3, "An argument was invalid: a wrong dtype, shape or value.")
_make("DeadlineExceededError", 4, "A deadline expired.")
_make("NotFoundError", 5, "A requested entity (file, tensor, op) was not found.")
_make("AlreadyExistsError", 6, "An entity that should be new already exists.")
_make("PermissionDeniedError", 7, "The caller may not do this.")
_make("ResourceExhaustedError", 8, "A resource (memory, a size limit) is exhausted.")
_make("FailedPreconditionError", 9, "The system is not in a state to do this (an uninitialized variable).")
_make("AbortedError", 10, "The operation was aborted.")
_make("OutOfRangeError", 11, "Iteration past the valid range.")
_make("UnimplementedError", 12, "The operation is not implemented here.")
_make("InternalError", 13, "An internal invariant broke.")
_make("UnavailableError", 14, "The service is unavailable.")
_make("DataLossError", 15, "Unrecoverable data loss or corruption.")
_make("UnauthenticatedError", 16, "No valid credentials.")

_BY_CODE = {cls.error_code: cls for cls in list(globals().values())
            if isinstance(cls, type) and issubclass(cls, OpError) and cls is not OpError}


def exception_type_from_error_code(code):
    return _BY_CODE.get(code, UnknownError)
