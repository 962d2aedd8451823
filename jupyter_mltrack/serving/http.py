"""A lean asyncio HTTP/1.1 server: keep-alive, limits checked before a body is buffered, timeouts.

Why not a framework: services may not import tornado, and the scoring path must cost well under a
millisecond. Why an ``asyncio.Protocol`` and not streams: a request that arrives in one segment
is parsed in the ``data_received`` callback with no coroutine, task or timer per read (streams
with ``wait_for`` cost about 100 us a request, more than the rest of the server). Each request
gets one task, for the handler. Requests on one connection are answered in order.

A declared ``Content-Length`` over the limit is answered 413 before one body byte is read; a
chunked body is cut off once past the limit. A client that stalls mid-request gets 408 and is
disconnected after ``timeout`` seconds; an idle keep-alive connection is closed silently.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_mltrack.serving.errors import ServingError

log = logging.getLogger("jupyter_mltrack.serving")
REASONS = {
    200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 413: "Payload Too Large", 415: "Unsupported Media Type",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
}
HEAD_LIMIT = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response]]


def error_response(err: ServingError, extra: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error_code": err.error_code, "message": err.message}).encode()
    return Response(err.status, body, headers={**err.headers, **(extra or {})})


@dataclass
class Limits:
    max_body: int = 100 * 1024 * 1024
    timeout: float = 30.0
    keepalive: float = 75.0


class _Closed(Exception):
    """The connection must end (after an optional final response)."""

    def __init__(self, response: Response | None = None) -> None:
        super().__init__()
        self.response = response


def _refuse(status: int, code: str, message: str) -> _Closed:
    return _Closed(error_response(ServingError(status, code, message)))


@dataclass
class _Head:
    """A request whose headers are parsed, waiting for its body."""

    request: Request
    keep_alive: bool
    length: int  # -1: chunked
    chunks: list[bytes] = field(default_factory=list)
    received: int = 0


class HttpProtocol(asyncio.Protocol):
    """One connection: parses requests from ``data_received``, answers them one at a time."""

    def __init__(self, handler: Handler, limits: Limits, connections: set[HttpProtocol]) -> None:
        self.handler, self.limits, self.connections = handler, limits, connections
        self.loop = asyncio.get_running_loop()
        self.transport: Any = None
        self.buffer = bytearray()
        self.head: _Head | None = None
        self.busy = False  # a request is with the handler, or its answer is waiting to be sent
        self.closed = False
        self.started = 0.0  # when the request being received began (its deadline's start)
        self.active = self.loop.time()  # last activity, for the idle keep-alive timeout
        self.timer: asyncio.TimerHandle | None = None
        self.drained: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ transport callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.connections.add(self)
        self._arm(self.limits.keepalive)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def pause_writing(self) -> None:
        self.drained = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)
        self.drained = None

    def data_received(self, data: bytes) -> None:
        if not self.buffer and self.head is None and not self.busy:
            self.started = self.loop.time()
        self.buffer += data
        self.active = self.loop.time()
        if not self.busy:
            self._next()
        elif len(self.buffer) > HEAD_LIMIT:  # a pipelining client ahead of us: let it wait
            self.transport.pause_reading()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()

    # ------------------------------------------------------------------ requests
    def _next(self) -> None:
        """Start on the next complete request in the buffer, if there is one."""
        try:
            request = self._parse()
        except _Closed as refused:
            if refused.response is not None:
                self._send(refused.response, keep_alive=False)
            self.close()
            return
        if request is None:
            if self.buffer or self.head is not None:
                self._arm(self.limits.timeout)  # part of a request: it must complete in time
            return
        self.busy = True
        keep_alive = self.head.keep_alive if self.head else False
        self.head = None
        self.loop.create_task(self._answer(request, keep_alive))

    async def _answer(self, request: Request, keep_alive: bool) -> None:
        try:
            response = await self.handler(request)
        except Exception:  # a bug, not the client's fault: answer, log, and drop the connection
            log.exception("unhandled error answering %s %s", request.method, request.path)
            response, keep_alive = error_response(ServingError(500, "INTERNAL_ERROR", "Internal error.")), False
        if self.closed:
            return
        self._send(response, keep_alive)
        if not keep_alive:
            self.close()
            return
        if self.drained is not None:
            await self.drained
        self.busy = False
        self.active = self.started = self.loop.time()
        self.transport.resume_reading()
        if self.buffer:
            self._next()

    def _parse(self) -> Request | None:
        """The next request once it has fully arrived; None while more bytes are needed."""
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > HEAD_LIMIT:
                    raise _refuse(431, "BAD_REQUEST", "The request headers are too large.")
                return None
            self.head = _parse_head(bytes(self.buffer[:end]), self.limits)
            del self.buffer[: end + 4]
            self.started = self.loop.time()  # the body gets its own `timeout`, as the headers did
            if self.head.length and self.head.request.headers.get("expect", "").lower() == "100-continue":
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        head = self.head
        if head.length >= 0:
            if len(self.buffer) < head.length:
                return None
            head.request.body = bytes(self.buffer[: head.length])
            del self.buffer[: head.length]
            return head.request
        return self._chunked(head)

    def _chunked(self, head: _Head) -> Request | None:
        while True:
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return None
            try:
                size = int(bytes(self.buffer[:end]).split(b";")[0].strip(), 16)
            except ValueError:
                raise _refuse(400, "MALFORMED_REQUEST", "Invalid chunk size.") from None
            if size == 0:  # the last chunk, then trailers (usually none) up to an empty line
                if self.buffer[end + 2 : end + 4] == b"\r\n":
                    stop = end + 4
                else:
                    stop = self.buffer.find(b"\r\n\r\n", end + 2) + 4
                    if stop < 4:
                        return None
                del self.buffer[:stop]
                head.request.body = b"".join(head.chunks)
                return head.request
            if head.received + size > self.limits.max_body:
                raise _too_large(self.limits.max_body)  # stop reading: the rest is never buffered
            if len(self.buffer) < end + 2 + size + 2:
                return None
            head.chunks.append(bytes(self.buffer[end + 2 : end + 2 + size]))
            head.received += size
            del self.buffer[: end + 2 + size + 2]

    def _send(self, response: Response, keep_alive: bool) -> None:
        head = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}",
                f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}"]
        head += [f"{k}: {v}" for k, v in response.headers.items()]
        if not keep_alive:
            head.append("Connection: close")
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)

    # ------------------------------------------------------------------ timeouts
    def _arm(self, delay: float) -> None:
        """Make sure the timer fires within ``delay`` seconds."""
        deadline = self.loop.time() + delay
        if self.timer is not None:
            if self.timer.when() <= deadline:
                return
            self.timer.cancel()
        self.timer = self.loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        """Cheap timeouts: one timer per connection, re-armed lazily from the last activity."""
        self.timer = None
        if self.closed:
            return
        now = self.loop.time()
        if self.busy:
            self._arm(self.limits.keepalive)
        elif self.buffer or self.head is not None:
            if now - self.started >= self.limits.timeout:
                self._send(_timeout_response(), keep_alive=False)
                self.close()
            else:
                self._arm(self.started + self.limits.timeout - now)
        elif now - self.active >= self.limits.keepalive:
            self.close()
        else:
            self._arm(self.active + self.limits.keepalive - now)


def _timeout_response() -> Response:
    return error_response(ServingError(408, "DEADLINE_EXCEEDED", "The client sent the request too slowly."))


def _too_large(limit: int) -> _Closed:
    message = f"The request body is larger than the server's limit of {limit} bytes (see --max-body)."
    return _refuse(413, "REQUEST_LIMIT_EXCEEDED", message)


def _parse_head(raw: bytes, limits: Limits) -> _Head:
    lines = raw.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise _refuse(400, "MALFORMED_REQUEST", "Malformed request line.") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    path, _, query = target.partition("?")
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    length = 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        length = -1
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise _refuse(400, "MALFORMED_REQUEST", "Invalid Content-Length.") from None
        if length < 0:
            raise _refuse(400, "MALFORMED_REQUEST", "Invalid Content-Length.")
        if length > limits.max_body:
            raise _too_large(limits.max_body)  # answered before a single byte of the body is read
    return _Head(Request(method.upper(), path, query, headers), keep_alive, length)


async def start_http(handler: Handler, host: str, port: int, limits: Limits,
                     reuse_port: bool = False) -> tuple[asyncio.Server, set[HttpProtocol]]:
    """Listen on ``host:port``; the set holds the open connections, to close them at shutdown."""
    loop = asyncio.get_running_loop()
    connections: set[HttpProtocol] = set()
    server = await loop.create_server(lambda: HttpProtocol(handler, limits, connections), host, port,
                                      reuse_port=reuse_port or None, backlog=1024)
    return server, connections
