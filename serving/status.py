"""Errors the model server answers with: TensorFlow's canonical codes, mapped to gRPC and HTTP.

Every failure inside the server is a :class:`ServingError` carrying one of TensorFlow's error codes
(``error_codes.proto``, the same numbers as gRPC's status codes) and a message written as TensorFlow
Serving writes it. The gRPC front end answers with that code; the REST front end with the HTTP status
TensorFlow Serving's ``ToHTTPStatusCode`` picks and a ``{"error": message}`` body.

    >>> err = ServingError.not_found("Servable not found for request: Latest(m)")
    >>> err.http_status, err.grpc_code.name
    (404, 'NOT_FOUND')
"""
import grpc

from tagraph.engine.framework import errors as _tf_errors

from tagraph.engine.framework.errors import (  # noqa: E402,F401  TensorFlow's codes, one home
    OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
    RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
    DATA_LOSS, UNAUTHENTICATED)

# tensorflow_serving/model_servers/http_server.cc, ToHTTPStatusCode.
_HTTP_STATUS = {
    OK: 200, CANCELLED: 499, UNKNOWN: 500, INVALID_ARGUMENT: 400, DEADLINE_EXCEEDED: 504, NOT_FOUND: 404,
    ALREADY_EXISTS: 409, PERMISSION_DENIED: 403, RESOURCE_EXHAUSTED: 429, FAILED_PRECONDITION: 400,
    ABORTED: 409, OUT_OF_RANGE: 400, UNIMPLEMENTED: 501, INTERNAL: 500, UNAVAILABLE: 503, DATA_LOSS: 500,
    UNAUTHENTICATED: 401,
}

_GRPC_CODE = {c.value[0]: c for c in grpc.StatusCode}

CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


class ServingError(Exception):
    """A failed request or load: a TensorFlow error code and TensorFlow Serving's message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = int(code)
        self.message = message

    @property
    def grpc_code(self):
        return _GRPC_CODE.get(self.code, grpc.StatusCode.UNKNOWN)

    @property
    def http_status(self):
        return _HTTP_STATUS.get(self.code, 500)

    @property
    def code_name(self):
        return CODE_NAMES.get(self.code, "UNKNOWN")

    def __repr__(self):
        return "ServingError(%s, %r)" % (self.code_name, self.message)

    @classmethod
    def invalid_argument(cls, message):
        return cls(INVALID_ARGUMENT, message)

    @classmethod
    def not_found(cls, message):
        return cls(NOT_FOUND, message)

    @classmethod
    def failed_precondition(cls, message):
        return cls(FAILED_PRECONDITION, message)

    @classmethod
    def resource_exhausted(cls, message):
        return cls(RESOURCE_EXHAUSTED, message)

    @classmethod
    def unavailable(cls, message):
        return cls(UNAVAILABLE, message)

    @classmethod
    def internal(cls, message):
        return cls(INTERNAL, message)

    @classmethod
    def unimplemented(cls, message):
        return cls(UNIMPLEMENTED, message)

    @classmethod
    def deadline_exceeded(cls, message):
        return cls(DEADLINE_EXCEEDED, message)


def as_serving_error(exc):
    """``exc`` as a ServingError: TensorFlow's errors keep their code, anything else is INTERNAL.

    An unexpected Python exception inside the server is a bug, not the client's fault; it is answered
    as INTERNAL with the exception's text so that the caller can report it.
    """
    if isinstance(exc, ServingError):
        return exc
    if isinstance(exc, _tf_errors.OpError):
        return ServingError(exc.error_code, exc.message)
    if isinstance(exc, MemoryError):
        return ServingError(RESOURCE_EXHAUSTED, "Out of memory: %s" % (exc,))
    return ServingError(INTERNAL, "%s: %s" % (type(exc).__name__, exc))


def detached(err):
    """``err`` without its traceback and chained exceptions, to be kept or re-raised.

    A traceback keeps every frame it passed through alive, with their locals: a refused request's
    decoded tensors, a batch's merged inputs. An error stored past its ``except`` block (a batch task's
    result, a local beside the frame that raised it) would form a cycle that only the garbage collector
    breaks, so refused requests would hold their memory for a while; a detached error holds nothing.
    """
    err.__traceback__ = None
    err.__context__ = None
    err.__cause__ = None
    return err
