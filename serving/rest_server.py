"""The REST front end's HTTP server: aiohttp on the model server's event loop, with limits a hostile client
cannot get around.

aiohttp's HTTP/1.1 server (its C parser, keep-alive) runs on the loop shared with the gRPC batching
server (:mod:`tagraph.serving.event_loop`), so a connection costs a socket and a few kilobytes, never a
thread. Around it:

* at most ``max_connections`` connections: one more is answered 503 and closed;
* at most ``max_requests`` requests in flight: one more is answered 429;
* a request's line and headers must arrive within ``header_timeout`` seconds of its first byte (408
  and close; a header trickled a byte at a time is cut off), an idle keep-alive connection is closed
  after ``idle_timeout`` seconds, and so is one whose body stops arriving for that long;
* a body over ``max_body`` bytes is refused with 413 before any of it is read, and a body is kept only
  as it arrives (announcing a large Content-Length reserves nothing);
* strict parsing (aiohttp's: two different Content-Lengths, or a Content-Length beside chunked encoding,
  are refused); every error, the parser's included, is a JSON body ``{"error": ...}``; the ``Server``
  header names no version.

The routes and their answers are :class:`tagraph.serving.rest_api.RestApi`'s.

    server = RestServer(api, serving_loop, RestLimits(max_body=64 << 20))
    server.bind("0.0.0.0", 8501)      # OSError naming the port if it is taken
    server.start()                    # accepts connections
    server.stop(grace=10)
"""
import asyncio
import ctypes
import ctypes.util
import errno
import logging
import socket

from aiohttp import http_exceptions, web, web_protocol, web_server

from tagraph.serving.json_output import error_json

__all__ = ["RestServer", "RestLimits", "SERVER_NAME"]

logger = logging.getLogger("tagraph.serving")

SERVER_NAME = "tagraph-model-server"
JSON_TYPE = "application/json"
_BACKLOG = 4096


def _malloc_trim():
    """glibc's malloc_trim, or None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _malloc_trim()
_TRIM_AFTER = 1 << 20            # body size from which the memory is handed back to the system after the request


class RestLimits:
    """The REST server's limits (flags of the same names, see ``main.py``)."""

    def __init__(self, max_body=64 << 20, max_connections=10000, max_requests=1024, header_timeout=10.0,
                 idle_timeout=60.0):
        self.max_body = int(max_body)
        self.max_connections = int(max_connections)
        self.max_requests = int(max_requests)
        self.header_timeout = float(header_timeout)
        self.idle_timeout = float(idle_timeout)


def _raw_response(status, reason, message):
    body = error_json(message).encode("utf-8")
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nServer: %s\r\n"
            b"Connection: close\r\n\r\n" % (status, reason.encode(), len(body), SERVER_NAME.encode()) + body)


def _json_response(status, message, close=False, headers=None):
    resp = web.Response(status=status, body=error_json(message).encode("utf-8"),
                        headers={"Content-Type": JSON_TYPE, "Server": SERVER_NAME, **(headers or {})})
    if close:
        resp.force_close()
    return resp


def _parse_error_status(exc):
    """The HTTP status for an error of aiohttp's request parser (it reports them all as 400)."""
    if isinstance(exc, http_exceptions.LineTooLong):
        line = exc.args[0] if exc.args else b""
        if isinstance(line, (bytes, bytearray)) and bytes(line[:8]).lower().startswith((b"/", b"http")):
            return 414           # the request target was the line too long
        return 431
    if isinstance(exc, http_exceptions.BadStatusLine) and "invalid http version" in str(exc.message).lower():
        return 505
    return 400


class _Connection(web_protocol.RequestHandler):
    """aiohttp's connection protocol, plus the header timeout and JSON error bodies."""

    def __init__(self, manager, limits, **kwargs):
        super().__init__(manager, **kwargs)
        self._limits = limits
        self._header_timer = None
        self._in_request = False

    def data_received(self, data):
        if data and not self._in_request and self._header_timer is None:
            self._header_timer = self._loop.call_later(self._limits.header_timeout, self._header_timed_out)
        super().data_received(data)

    def begin_request(self):
        self._in_request = True
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def end_request(self):
        self._in_request = False

    def _header_timed_out(self):
        self._header_timer = None
        transport = self.transport
        if self._in_request or transport is None:
            return
        transport.write(_raw_response(408, "Request Timeout", "Timed out waiting for the request headers "
                                      "(%g s)" % self._limits.header_timeout))
        self.force_close()

    def connection_lost(self, exc):
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def handle_error(self, request, status=500, exc=None, message=None):
        if exc is not None and status == 400:
            status = _parse_error_status(exc)
            text = "Malformed HTTP request: %s" % " ".join(str(getattr(exc, "message", None) or exc).split())
        elif status == 500:
            logger.error("REST request failed", exc_info=exc)
            text = "Internal error: %s" % (exc,)
        else:
            text = message or "HTTP error %d" % status
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        logger.debug("Bad HTTP request from %s: %s", request.remote, text)
        return _json_response(status, text, close=True)


class _Refused(asyncio.Protocol):
    """Answers a connection over ``max_connections`` with 503 and closes it."""

    def __init__(self, limit):
        self._limit = limit

    def connection_made(self, transport):
        transport.write(_raw_response(503, "Service Unavailable", "Too many connections (%d, "
                                      "--rest_api_max_connections)" % self._limit))
        transport.close()


class _Server(web_server.Server):
    def __init__(self, handler, limits, **kwargs):
        super().__init__(handler, **kwargs)
        self._limits = limits

    def __call__(self):
        if len(self._connections) >= self._limits.max_connections:
            return _Refused(self._limits.max_connections)
        return _Connection(self, self._limits, loop=self._loop, **self._kwargs)


class RestServer:
    """See the module docstring. ``api``: an object with ``async handle_async(method, path, body)`` returning
    (status, content type, body bytes or str, extra headers) and a ``cors`` flag."""

    def __init__(self, api, serving_loop, limits=None):
        self._api = api
        self._loop = serving_loop
        self.limits = limits or RestLimits()
        self._sock = None
        self._server = None
        self._aio_server = None
        self.in_flight = 0
        self.port = None

    # --- life cycle ---------------------------------------------------------------------------------

    def bind(self, host, port):
        """Binds the port (without accepting yet); OSError naming it and the API if it cannot be bound."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as e:
            sock.close()
            why = "address already in use" if e.errno == errno.EADDRINUSE else (e.strerror or str(e))
            raise OSError("Cannot open the REST API port %d on %s (--rest_api_port): %s" % (port, host, why)) \
                from None
        self._sock = sock
        self.port = sock.getsockname()[1]
        return self.port

    def start(self):
        """Accepts connections (on the event loop)."""
        self._loop.call(self._start())

    async def _start(self):
        loop = asyncio.get_running_loop()
        self._server = _Server(self._handle, self.limits, loop=loop, keepalive_timeout=self.limits.idle_timeout,
                               access_log=None, handler_cancellation=True, lingering_time=0)
        self._sock.listen(_BACKLOG)
        self._aio_server = await loop.create_server(self._server, sock=self._sock, backlog=_BACKLOG)

    def stop(self, grace):
        """Stops accepting, lets requests in flight finish (up to ``grace`` seconds), closes connections."""
        if self._aio_server is not None:
            try:
                self._loop.call(self._stop(grace), timeout=grace + 10)
            except Exception:  # noqa: BLE001 - stopping must go on
                logger.exception("Stopping the REST server failed")
        elif self._sock is not None:
            self._sock.close()

    async def _stop(self, grace):
        self._aio_server.close()
        self._server.pre_shutdown()
        deadline = asyncio.get_running_loop().time() + grace
        while self.in_flight and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        await self._server.shutdown(0.1)
        await self._aio_server.wait_closed()

    @property
    def connections(self):
        return len(self._server.connections) if self._server is not None else 0

    # --- requests -----------------------------------------------------------------------------------

    async def _handle(self, request):
        conn = request.protocol
        conn.begin_request()
        try:
            return await self._respond(request)
        finally:
            conn.end_request()

    async def _respond(self, request):
        limits = self.limits
        if self.in_flight >= limits.max_requests:
            return _json_response(429, "Too many requests in flight (%d, --rest_api_max_concurrent_requests); "
                                  "retry later" % limits.max_requests)
        self.in_flight += 1
        length = 0
        try:
            method = request.method
            if request.version.major != 1:
                return _json_response(505, "HTTP version %d.%d is not supported; use HTTP/1.1"
                                      % tuple(request.version), close=True)
            if method not in ("GET", "POST", "OPTIONS"):
                return _json_response(405, "Method %s is not allowed" % method, headers={"Allow": "GET, POST"})
            held = [b""]                   # the body, in a list the API empties (see RestApi.handle_async)
            if method == "POST":
                if request.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
                    return _json_response(411, "Chunked request bodies are not supported; send a Content-Length",
                                          close=True)
                length = request.content_length or 0
                if length > limits.max_body:
                    # Refused unread; the connection is closed because its unread body would follow.
                    return _json_response(413, "Request body of %d bytes exceeds the limit of %d bytes "
                                          "(--max_request_size_bytes)" % (length, limits.max_body), close=True)
                held[0] = await self._read_body(request, length)
                if held[0] is None:
                    return _json_response(408, "Timed out reading the request body (no data for %g s)"
                                          % limits.idle_timeout, close=True)
            status, content_type, payload, headers = await self._api.handle_async(method, request.raw_path, held)
            del held
            headers = {"Content-Type": content_type, "Server": SERVER_NAME, **headers}
            if isinstance(payload, list):
                return await self._stream(request, status, headers, payload)
            if isinstance(payload, str):
                payload = payload.encode("utf-8")
            return web.Response(status=status, body=payload, headers=headers)
        finally:
            self.in_flight -= 1
            if length >= _TRIM_AFTER and _MALLOC_TRIM is not None:
                # glibc keeps freed blocks of this size in its heap (its mmap threshold rises after the first
                # one is freed), so without this a refused large request would look like it kept its memory.
                asyncio.get_running_loop().run_in_executor(None, _MALLOC_TRIM, 0)

    @staticmethod
    async def _stream(request, status, headers, parts):
        """Writes a body given as chunks, dropping each once written (a large answer is never joined)."""
        resp = web.StreamResponse(status=status, headers=headers)
        resp.content_length = sum(map(len, parts))
        await resp.prepare(request)
        parts.reverse()
        while parts:
            await resp.write(parts.pop())
        await resp.write_eof()
        return resp

    async def _read_body(self, request, length):
        """The body (a bytearray, grown as it arrives), or None if it stopped arriving for idle_timeout."""
        content = request.content
        buf = bytearray(content.read_nowait(length))
        while len(buf) < length:
            try:
                chunk = await asyncio.wait_for(content.readany(), self.limits.idle_timeout)
            except asyncio.TimeoutError:
                return None
            if not chunk:
                raise ConnectionResetError("The client closed the connection before sending its whole body")
            buf += chunk
        return buf
